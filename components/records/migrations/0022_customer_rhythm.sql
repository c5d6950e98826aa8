-- Two more kept figures, so that reports over a company's whole history read one row per
-- customer or per batch instead of every order.
--
-- customer_value gains each customer's last counted order (`last_at`, RFC 3339 UTC as
-- `placed_at`) and purchase cycle (`cycle_days`: the median of the days between consecutive
-- counted orders, NULL below two orders), counted again from the customer's orders in the
-- transaction of every order, cancellation and merge (by the triggers of migration 0023). The
-- ranking and RFM over a period that holds every order, and the churn report up to now, read
-- them (reports::customers).
--
-- batch_lines is the number of order lines sold per product and batch number, cancelled orders
-- left out, kept with every order and cancellation (by the triggers of migration 0023). The
-- complaints report's rates per batch read it.

ALTER TABLE customer_value ADD COLUMN last_at TEXT NOT NULL DEFAULT '';

ALTER TABLE customer_value ADD COLUMN cycle_days REAL;

UPDATE customer_value
   SET last_at = (SELECT MAX(o.placed_at) FROM customer_order o
                   WHERE o.customer_id = customer_value.customer_id AND o.status <> 'cancelled');

-- The median gap, as the triggers of migration 0023 compute it: the middle gap once sorted, or the mean
-- of the two middle ones.
WITH g AS (
    SELECT customer_id AS id,
           (unixepoch(placed_at) - unixepoch(LAG(placed_at)
               OVER (PARTITION BY customer_id ORDER BY placed_at))) / 86400.0 AS gap
      FROM customer_order WHERE status <> 'cancelled'),
q AS (
    SELECT id, gap, ROW_NUMBER() OVER (PARTITION BY id ORDER BY gap) AS k,
           COUNT(*) OVER (PARTITION BY id) AS m
      FROM g WHERE gap IS NOT NULL),
cycle AS (SELECT id, AVG(gap) AS days FROM q WHERE k IN ((m + 1) / 2, (m + 2) / 2) GROUP BY id)
UPDATE customer_value SET cycle_days = cycle.days FROM cycle
 WHERE cycle.id = customer_value.customer_id;

CREATE TABLE batch_lines (
    product_id   TEXT NOT NULL,
    batch_number TEXT NOT NULL,
    lines        INTEGER NOT NULL,
    PRIMARY KEY (product_id, batch_number)
) STRICT, WITHOUT ROWID;

INSERT INTO batch_lines (product_id, batch_number, lines)
SELECT l.product_id, l.batch_number, COUNT(*) FROM order_line l
 WHERE l.order_id NOT IN (SELECT id FROM customer_order WHERE status = 'cancelled')
 GROUP BY l.product_id, l.batch_number;
