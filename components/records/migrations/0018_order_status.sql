-- Where an order stands (crm_domain::orders::OrderStatus): placed (a web order the company has
-- not confirmed), confirmed, shipped, delivered or cancelled. A cancelled order counts in no
-- report: records takes it out of sales_hour (migration 0015) in the transaction that cancels
-- it, and every report query that reads orders skips it.
--
-- Orders stored before: those with a ship date were delivered; staff orders without one were
-- taken by the company (confirmed); web orders without one stay placed. One UPDATE of the rows
-- that change (all of them on a seeded store of a million orders; a few seconds, once).
--
-- The covering indexes of migration 0012 are made again with `status` as their last column, so
-- that the reports, which now skip cancelled orders (`o.status <> 'cancelled'`), still read
-- indexes alone over a million orders. Partial indexes (`WHERE status <> 'cancelled'`) were
-- weighed and not taken: SQLite uses one only when the query repeats the term, and even then
-- counts `status` as a column to read from the table (it treats only a `col = constant` term
-- of a partial index as known), so every order would cost a table lookup again; and the
-- history index also serves every list of a customer's orders (staff lists, the overview, the
-- portal's own orders, merges), which must find cancelled orders too. A text column of a few
-- bytes per entry is the price. customer_order_cancelled lists the few cancelled orders, so
-- that lines sold per product and batch (the complaints report) leave theirs out while still
-- reading the lines' index of migration 0013 alone.

ALTER TABLE customer_order ADD COLUMN status TEXT NOT NULL DEFAULT 'placed'
    CHECK (status IN ('placed', 'confirmed', 'shipped', 'delivered', 'cancelled'));

UPDATE customer_order
   SET status = CASE WHEN ship_date IS NOT NULL THEN 'delivered' ELSE 'confirmed' END
 WHERE ship_date IS NOT NULL OR channel = 'staff';

DROP INDEX customer_order_for_period_sums;

CREATE INDEX customer_order_for_period_sums
    ON customer_order (placed_at, customer_id, total, status);

DROP INDEX customer_order_for_history;

CREATE INDEX customer_order_for_history ON customer_order (customer_id, placed_at, total, status);

CREATE INDEX customer_order_cancelled ON customer_order (status, id) WHERE status = 'cancelled';
