-- The sales funnel (leads, opportunities), tasks, and the public lead form's rate limit.
-- Rate-limit counters live here, not in key-value: key-value read-modify-write is not atomic.

CREATE TABLE lead (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    company            TEXT NOT NULL DEFAULT '',
    phone              TEXT,
    email              TEXT,
    message            TEXT NOT NULL DEFAULT '',
    source             TEXT NOT NULL CHECK (source IN ('web', 'phone', 'visit', 'referral', 'event', 'other')),
    status             TEXT NOT NULL CHECK (status IN ('new', 'qualified', 'disqualified')),
    customer_id        TEXT REFERENCES customer (id),
    owner_id           TEXT,
    disqualify_reason  TEXT NOT NULL DEFAULT '',
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;

CREATE INDEX lead_by_created ON lead (created_at, id);

CREATE INDEX lead_by_customer ON lead (customer_id);

CREATE TABLE opportunity (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    lead_id         TEXT REFERENCES lead (id),
    customer_id     TEXT REFERENCES customer (id),
    stage           TEXT NOT NULL CHECK (stage IN ('prospecting', 'proposal', 'negotiation', 'won', 'lost')),
    expected_value  INTEGER NOT NULL CHECK (expected_value >= 0),
    expected_close  TEXT,
    owner_id        TEXT,
    order_id        TEXT REFERENCES customer_order (id),
    lost_reason     TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE INDEX opportunity_by_customer ON opportunity (customer_id);

CREATE TABLE task (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('lead', 'opportunity', 'customer')),
    subject_id    TEXT NOT NULL,
    customer_id   TEXT REFERENCES customer (id),
    assignee_id   TEXT NOT NULL,
    assigned_by   TEXT NOT NULL,
    opinion       TEXT NOT NULL DEFAULT '',
    due_at        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'succeeded', 'failed', 'redo')),
    report        TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE INDEX task_by_assignee ON task (assignee_id, due_at);

CREATE INDEX task_by_due ON task (due_at, id);

CREATE INDEX task_by_customer ON task (customer_id);

CREATE TABLE lead_capture (
    client_key  TEXT NOT NULL,
    at          INTEGER NOT NULL
) STRICT;

CREATE INDEX lead_capture_by_client ON lead_capture (client_key, at);
