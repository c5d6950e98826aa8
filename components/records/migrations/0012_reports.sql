-- Covering indexes for the management reports: a period's orders summed per customer, and a
-- customer's orders in time order with their totals, read from the index alone (no table row
-- lookups across a million orders).

CREATE INDEX customer_order_for_period_sums ON customer_order (placed_at, customer_id, total);

CREATE INDEX customer_order_for_history ON customer_order (customer_id, placed_at, total);

DROP INDEX customer_order_by_customer;
