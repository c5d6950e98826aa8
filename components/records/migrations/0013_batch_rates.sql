-- Order lines sold per product and batch, read from the index alone, for the complaint rate of
-- a batch against its product's (the complaints report).

CREATE INDEX order_line_by_product_batch ON order_line (product_id, batch_number);

DROP INDEX order_line_by_product;
