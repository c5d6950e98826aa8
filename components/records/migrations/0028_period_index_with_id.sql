-- The period index of orders (migration 0018) also carries the order's id, so the reports that
-- read lines (sales by product, or of one product) find each order's lines from the index
-- alone instead of looking up every order of the period in the table first.

DROP INDEX customer_order_for_period_sums;

CREATE INDEX customer_order_for_period_sums
    ON customer_order (placed_at, customer_id, total, status, id);
