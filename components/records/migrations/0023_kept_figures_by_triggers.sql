-- The figures records keeps beside the orders (sales_hour of 0015, customer_value of 0021 and
-- 0022, batch_lines of 0022) are kept from here on by the triggers below, inside the statement
-- that writes the order, its line, or its cancellation: no extra call from records per order.
-- A cancelled order is final (crm_domain::orders::OrderStatus::next), so only the move to
-- `cancelled` takes an order out. A customer merge moves orders by their customer_id and asks
-- for both customers to be counted again through customer_value_recount.
-- Inner statements of a trigger end mid-line: a statement of this file ends with `;` at the
-- end of a line.

-- Always empty: inserting a customer id counts that customer's row of customer_value again
-- from their counted orders (their number, value, last time, and the median of the days
-- between consecutive ones), or removes it when none is left; then the id goes.
CREATE TABLE customer_value_recount (
    customer_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

CREATE TRIGGER customer_value_recounted AFTER INSERT ON customer_value_recount BEGIN
    INSERT INTO customer_value (customer_id, orders, value, last_at, cycle_days)
    SELECT NEW.customer_id, COUNT(*), SUM(total), MAX(placed_at),
           (SELECT AVG(gap) FROM (
                SELECT gap, ROW_NUMBER() OVER (ORDER BY gap) AS k, COUNT(*) OVER () AS m
                  FROM (SELECT (unixepoch(placed_at) - unixepoch(LAG(placed_at)
                                   OVER (ORDER BY placed_at))) / 86400.0 AS gap
                          FROM customer_order
                         WHERE customer_id = NEW.customer_id AND status <> 'cancelled')
                 WHERE gap IS NOT NULL)
             WHERE k IN ((m + 1) / 2, (m + 2) / 2))
      FROM customer_order WHERE customer_id = NEW.customer_id AND status <> 'cancelled'
    HAVING COUNT(*) > 0
    ON CONFLICT (customer_id) DO UPDATE SET orders = excluded.orders, value = excluded.value,
        last_at = excluded.last_at, cycle_days = excluded.cycle_days; DELETE
      FROM customer_value WHERE customer_id = NEW.customer_id AND NOT EXISTS (
           SELECT 1 FROM customer_order
            WHERE customer_id = NEW.customer_id AND status <> 'cancelled'); DELETE
      FROM customer_value_recount WHERE customer_id = NEW.customer_id; END;

CREATE TRIGGER customer_order_counted AFTER INSERT ON customer_order
WHEN NEW.status <> 'cancelled' BEGIN
    INSERT INTO sales_hour (hour, orders, value)
    VALUES (substr(NEW.placed_at, 1, 13), 1, NEW.total)
    ON CONFLICT (hour) DO UPDATE SET orders = orders + 1, value = value + excluded.value; INSERT
      INTO customer_value_recount (customer_id) VALUES (NEW.customer_id); END;

CREATE TRIGGER order_line_counted AFTER INSERT ON order_line
WHEN (SELECT status FROM customer_order WHERE id = NEW.order_id) <> 'cancelled' BEGIN
    INSERT INTO batch_lines (product_id, batch_number, lines)
    VALUES (NEW.product_id, NEW.batch_number, 1)
    ON CONFLICT (product_id, batch_number) DO UPDATE SET lines = lines + 1; END;

CREATE TRIGGER customer_order_cancelled AFTER UPDATE OF status ON customer_order
WHEN OLD.status <> 'cancelled' AND NEW.status = 'cancelled' BEGIN
    UPDATE sales_hour SET orders = orders - 1, value = value - OLD.total
     WHERE hour = substr(OLD.placed_at, 1, 13); UPDATE batch_lines
       SET lines = lines - (SELECT COUNT(*) FROM order_line l
                             WHERE l.order_id = NEW.id AND l.product_id = batch_lines.product_id
                               AND l.batch_number = batch_lines.batch_number)
     WHERE (product_id, batch_number) IN (
           SELECT product_id, batch_number FROM order_line WHERE order_id = NEW.id); INSERT
      INTO customer_value_recount (customer_id) VALUES (NEW.customer_id); END;
