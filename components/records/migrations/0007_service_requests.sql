-- Service requests: service work for a customer, qualified from a lead (or, later, derived from
-- a complaint). Escalation works them through finance, warehouse and shipping.

CREATE TABLE service_request (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customer (id),
    lead_id      TEXT REFERENCES lead (id),
    kind         TEXT NOT NULL CHECK (kind IN ('replacement', 'repair', 'refund', 'other')),
    summary      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open',
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX service_request_by_customer ON service_request (customer_id, created_at);
