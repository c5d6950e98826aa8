-- Orders were indexed by time twice: (placed_at, id) for listing them newest first, and
-- (placed_at, customer_id, total, status, id) for the reports' period sums. One index ordered by
-- (placed_at, id) that also carries the figures serves both, and every order written or moved
-- to another status updates one index less.

DROP INDEX customer_order_by_placed;

DROP INDEX customer_order_for_period_sums;

CREATE INDEX customer_order_by_placed
    ON customer_order (placed_at, id, customer_id, total, status);
