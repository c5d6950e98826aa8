-- Each customer's orders and their value (cancelled orders left out, as in every report), kept
-- by records in the transaction that stores an order, cancels one or merges customers
-- (orders::count_value, orders::recount_value). A customer without an order (or whose orders
-- are all cancelled) has no row. A complaint shows the customer's rank by value: counting it
-- from the orders would read every order of every customer, and even counting the customers
-- of greater value here reads half of them on average. So the triggers below also keep how
-- many customers have a value in each band: the number of its decimal digits and its first
-- two digits (12,345 is band 512; 7 is band 107). A rank is then the customers of the bands
-- above, plus those of greater value in the customer's own band (orders::rank_of).
-- Inner statements of a trigger end mid-line: a statement of this file ends with `;` at the
-- end of a line.

CREATE TABLE customer_value (
    customer_id TEXT PRIMARY KEY REFERENCES customer (id),
    orders      INTEGER NOT NULL,
    value       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX customer_value_by_value ON customer_value (value);

CREATE TABLE customer_value_band (
    band      INTEGER PRIMARY KEY,
    customers INTEGER NOT NULL
) STRICT;

CREATE TRIGGER customer_value_added AFTER INSERT ON customer_value BEGIN
    INSERT INTO customer_value_band (band, customers)
    VALUES (length(NEW.value) * 100 + CAST(substr(NEW.value, 1, 2) AS INTEGER), 1)
    ON CONFLICT (band) DO UPDATE SET customers = customers + 1; END;

CREATE TRIGGER customer_value_removed AFTER DELETE ON customer_value BEGIN
    UPDATE customer_value_band SET customers = customers - 1
     WHERE band = length(OLD.value) * 100 + CAST(substr(OLD.value, 1, 2) AS INTEGER); END;

CREATE TRIGGER customer_value_changed AFTER UPDATE OF value ON customer_value BEGIN
    UPDATE customer_value_band SET customers = customers - 1
     WHERE band = length(OLD.value) * 100 + CAST(substr(OLD.value, 1, 2) AS INTEGER); INSERT
      INTO customer_value_band (band, customers)
    VALUES (length(NEW.value) * 100 + CAST(substr(NEW.value, 1, 2) AS INTEGER), 1)
    ON CONFLICT (band) DO UPDATE SET customers = customers + 1; END;

INSERT INTO customer_value (customer_id, orders, value)
SELECT customer_id, COUNT(*), SUM(total) FROM customer_order
 WHERE status <> 'cancelled'
 GROUP BY customer_id;
