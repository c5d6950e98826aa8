-- Staff, their bearer tokens (stored as SHA-256 hashes only) and the audit log.
-- Statements end with a semicolon at the end of a line: records splits the file there, because
-- Spin's sqlite `execute` runs exactly one statement per call.

CREATE TABLE staff (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('rep', 'agent', 'service_lead', 'sales_gm', 'admin', 'ops')),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE staff_token (
    id           TEXT PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff (id),
    secret_hash  TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

CREATE INDEX staff_token_by_staff ON staff_token (staff_id);

CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT
) STRICT;

CREATE INDEX audit_log_by_entity ON audit_log (entity, entity_id, seq);
