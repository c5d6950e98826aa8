-- Orders and their value per UTC hour, kept by records in the transaction that stores an order
-- (orders::insert_order). The sales report reads a month of company-wide sales from here, in
-- any time zone whose offset is whole hours, instead of reading every order of the month.
-- The first statement below fills it from the orders already stored.

CREATE TABLE sales_hour (
    hour    TEXT PRIMARY KEY,
    orders  INTEGER NOT NULL,
    value   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO sales_hour (hour, orders, value)
SELECT substr(placed_at, 1, 13), COUNT(*), SUM(total) FROM customer_order
 GROUP BY substr(placed_at, 1, 13);
