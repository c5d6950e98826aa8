-- A customer's row of customer_value is now kept incrementally for the usual order, one placed
-- at or after the customer's last: the count and value grow, the last time moves, and the one
-- new gap between consecutive orders goes into customer_gap, whose key keeps each customer's
-- gaps sorted, so the purchase cycle (their median) is read from the middle of that range
-- instead of from all the customer's orders. An order placed before the customer's last, a
-- cancellation and a merge still count the customer again in full (customer_value_recount of
-- 0023), which now also rebuilds their gaps. The median of m gaps is the middle one, or the
-- mean of the two middle ones when m is even, as before.
-- Inner statements of a trigger end mid-line: a statement of this file ends with `;` at the
-- end of a line.

-- The days between each counted order of a customer and the one before it (by placed_at),
-- named by the later order; one row fewer than the customer's counted orders.
CREATE TABLE customer_gap (
    customer_id TEXT NOT NULL,
    days        REAL NOT NULL,
    order_id    TEXT NOT NULL,
    PRIMARY KEY (customer_id, days, order_id)
) STRICT, WITHOUT ROWID;

INSERT INTO customer_gap (customer_id, days, order_id)
SELECT customer_id, gap, id FROM (
    SELECT customer_id, id,
           (unixepoch(placed_at) - unixepoch(LAG(placed_at)
               OVER (PARTITION BY customer_id ORDER BY placed_at))) / 86400.0 AS gap
      FROM customer_order WHERE status <> 'cancelled')
 WHERE gap IS NOT NULL;

DROP TRIGGER customer_value_recounted;

CREATE TRIGGER customer_value_recounted AFTER INSERT ON customer_value_recount BEGIN
    DELETE FROM customer_gap WHERE customer_id = NEW.customer_id; INSERT
      INTO customer_gap (customer_id, days, order_id)
    SELECT NEW.customer_id, gap, id FROM (
        SELECT id, (unixepoch(placed_at) - unixepoch(LAG(placed_at)
                       OVER (ORDER BY placed_at))) / 86400.0 AS gap
          FROM customer_order
         WHERE customer_id = NEW.customer_id AND status <> 'cancelled')
     WHERE gap IS NOT NULL; INSERT
      INTO customer_value (customer_id, orders, value, last_at, cycle_days)
    SELECT NEW.customer_id, COUNT(*), SUM(total), MAX(placed_at),
           (SELECT AVG(days) FROM (
                SELECT days FROM customer_gap WHERE customer_id = NEW.customer_id
                 ORDER BY days
                 LIMIT 2 - (SELECT COUNT(*) FROM customer_gap
                             WHERE customer_id = NEW.customer_id) % 2
                OFFSET ((SELECT COUNT(*) FROM customer_gap
                          WHERE customer_id = NEW.customer_id) - 1) / 2))
      FROM customer_order WHERE customer_id = NEW.customer_id AND status <> 'cancelled'
    HAVING COUNT(*) > 0
    ON CONFLICT (customer_id) DO UPDATE SET orders = excluded.orders, value = excluded.value,
        last_at = excluded.last_at, cycle_days = excluded.cycle_days; DELETE
      FROM customer_value WHERE customer_id = NEW.customer_id AND NOT EXISTS (
           SELECT 1 FROM customer_order
            WHERE customer_id = NEW.customer_id AND status <> 'cancelled'); DELETE
      FROM customer_value_recount WHERE customer_id = NEW.customer_id; END;

-- In order: an order placed before the customer's last counts them again in full (after which
-- their last time is still later than this order's, so the next two statements pass it by); one
-- placed at or after it adds its gap and moves the row on; a first order makes the row.
DROP TRIGGER customer_order_counted;

CREATE TRIGGER customer_order_counted AFTER INSERT ON customer_order
WHEN NEW.status <> 'cancelled' BEGIN
    INSERT INTO sales_hour (hour, orders, value)
    VALUES (substr(NEW.placed_at, 1, 13), 1, NEW.total)
    ON CONFLICT (hour) DO UPDATE SET orders = orders + 1, value = value + excluded.value; INSERT
      INTO customer_value_recount (customer_id)
    SELECT customer_id FROM customer_value
     WHERE customer_id = NEW.customer_id AND last_at > NEW.placed_at; INSERT
      INTO customer_gap (customer_id, days, order_id)
    SELECT customer_id, (unixepoch(NEW.placed_at) - unixepoch(last_at)) / 86400.0, NEW.id
      FROM customer_value
     WHERE customer_id = NEW.customer_id AND last_at <= NEW.placed_at; UPDATE customer_value
       SET orders = orders + 1, value = value + NEW.total, last_at = NEW.placed_at,
           cycle_days = (SELECT AVG(days) FROM (
                SELECT days FROM customer_gap WHERE customer_id = NEW.customer_id
                 ORDER BY days
                 LIMIT 2 - (SELECT COUNT(*) FROM customer_gap
                             WHERE customer_id = NEW.customer_id) % 2
                OFFSET ((SELECT COUNT(*) FROM customer_gap
                          WHERE customer_id = NEW.customer_id) - 1) / 2))
     WHERE customer_id = NEW.customer_id AND last_at <= NEW.placed_at; INSERT
      INTO customer_value (customer_id, orders, value, last_at, cycle_days)
    SELECT NEW.customer_id, 1, NEW.total, NEW.placed_at, NULL
     WHERE NOT EXISTS (SELECT 1 FROM customer_value WHERE customer_id = NEW.customer_id); END;
