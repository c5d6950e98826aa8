-- Webhooks and the delivery of the outbox's notifications to them. A notification is fanned out
-- in the transaction that writes it to the outbox: one pending delivery per active webhook whose
-- topics include its topic (or '*'), due at once. A deliverer claims due deliveries, leasing
-- them (next_attempt_at moves a minute ahead), POSTs them signed with the webhook's secret and
-- records each attempt: a 2xx delivers; otherwise the delivery is due again after a backoff of
-- 30 s doubling up to an hour, and after its eighth attempt it is dead. Instants the deliverer
-- compares (next_attempt_at) are Unix seconds; the others are RFC 3339 UTC text. The secret is
-- stored as it is: it is the HMAC key every delivery is signed with.

CREATE TABLE webhook (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    topics_json TEXT NOT NULL,
    secret      TEXT NOT NULL,
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_delivery (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES outbox (id),
    webhook_id      TEXT NOT NULL REFERENCES webhook (id),
    topic           TEXT NOT NULL,
    payload_json    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_status     INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at INTEGER,
    delivered_at    TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (event_id, webhook_id)
) STRICT;

-- The deliverer's work list: pending deliveries by when they are due.
CREATE INDEX webhook_delivery_by_due ON webhook_delivery (status, next_attempt_at);

-- The delivery log of one webhook, newest first.
CREATE INDEX webhook_delivery_by_webhook ON webhook_delivery (webhook_id, created_at);

-- Every attempt of every delivery: when, the status it got (none: no answer), and the error.
CREATE TABLE webhook_attempt (
    delivery_id TEXT NOT NULL REFERENCES webhook_delivery (id),
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status      INTEGER,
    error       TEXT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
) STRICT, WITHOUT ROWID;
