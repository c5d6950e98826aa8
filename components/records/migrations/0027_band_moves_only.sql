-- A customer's value band (migration 0021: its number of decimal digits and first two digits)
-- is counted again only when an order moves the customer to another band; most orders leave
-- it where it was, and rewriting its count then cost every such order a page in the log.
-- Inner statements of a trigger end mid-line: a statement of this file ends with `;` at the
-- end of a line.

DROP TRIGGER customer_value_changed;

CREATE TRIGGER customer_value_changed AFTER UPDATE OF value ON customer_value
WHEN length(OLD.value) * 100 + CAST(substr(OLD.value, 1, 2) AS INTEGER)
  <> length(NEW.value) * 100 + CAST(substr(NEW.value, 1, 2) AS INTEGER) BEGIN
    UPDATE customer_value_band SET customers = customers - 1
     WHERE band = length(OLD.value) * 100 + CAST(substr(OLD.value, 1, 2) AS INTEGER); INSERT
      INTO customer_value_band (band, customers)
    VALUES (length(NEW.value) * 100 + CAST(substr(NEW.value, 1, 2) AS INTEGER), 1)
    ON CONFLICT (band) DO UPDATE SET customers = customers + 1; END;
