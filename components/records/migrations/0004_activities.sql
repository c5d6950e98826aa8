-- The contact log: visits, calls, e-mails, faxes and web contacts with customers.

CREATE TABLE activity (
    id                   TEXT PRIMARY KEY,
    customer_id          TEXT NOT NULL REFERENCES customer (id),
    contact_id           TEXT REFERENCES contact (id),
    kind                 TEXT NOT NULL CHECK (kind IN ('visit', 'call', 'email', 'fax', 'web')),
    occurred_at          TEXT NOT NULL,
    rep_id               TEXT NOT NULL,
    location             TEXT NOT NULL DEFAULT '',
    notes                TEXT NOT NULL DEFAULT '',
    requests             TEXT NOT NULL DEFAULT '',
    competitor_activity  TEXT NOT NULL DEFAULT '',
    open_items_json      TEXT NOT NULL DEFAULT '[]',
    entered_by           TEXT NOT NULL,
    created_at           TEXT NOT NULL
) STRICT;

CREATE INDEX activity_by_customer ON activity (customer_id, kind, occurred_at);

CREATE INDEX activity_by_rep ON activity (rep_id, occurred_at);

CREATE INDEX activity_by_time ON activity (occurred_at, id);
