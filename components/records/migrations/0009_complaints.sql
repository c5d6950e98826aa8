-- Complaints with their SLA clocks and escalation levels; business calendars and SLA policies;
-- the notification outbox. A clock's state (target, counted seconds, running since, met at,
-- deadline) is stored in the complaint's row as Unix seconds and recomputed by every event that
-- changes it; reads derive breach and lateness from it and the current time. An escalation
-- level fires once: its row's primary key is (complaint, level).

CREATE TABLE sla_calendar (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    week_json   TEXT NOT NULL,
    holidays_json TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE sla_policy (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    priority            TEXT CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    tier                TEXT CHECK (tier IN ('standard', 'silver', 'gold', 'platinum')),
    first_response_secs INTEGER NOT NULL CHECK (first_response_secs > 0),
    first_response_clock TEXT NOT NULL CHECK (first_response_clock IN ('wall', 'business')),
    resolution_secs     INTEGER NOT NULL CHECK (resolution_secs > 0),
    resolution_clock    TEXT NOT NULL CHECK (resolution_clock IN ('wall', 'business')),
    calendar_id         TEXT REFERENCES sla_calendar (id),
    escalation_json     TEXT NOT NULL,
    callback_days       INTEGER NOT NULL CHECK (callback_days >= 0),
    updated_at          TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX sla_policy_by_scope ON sla_policy (coalesce(priority, ''), coalesce(tier, ''));

-- The company's rule: a complaint unanswered for 24 hours goes to the sales general manager.
-- Half-way, the service lead takes it over.
INSERT INTO sla_policy (id, name, priority, tier, first_response_secs, first_response_clock,
                        resolution_secs, resolution_clock, calendar_id, escalation_json,
                        callback_days, updated_at)
VALUES ('pol_default', 'Answer within 24 hours', NULL, NULL, 86400, 'wall', 432000, 'wall', NULL,
        '[{"level":1,"trigger":"first_response_warning","percent":50,"after_seconds":null,"assign_role":"service_lead","notify":true},{"level":2,"trigger":"unanswered_for","percent":null,"after_seconds":86400,"assign_role":"sales_gm","notify":true}]',
        3, '2026-01-01T00:00:00Z');

CREATE TABLE complaint (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT NOT NULL REFERENCES customer (id),
    contact_phone   TEXT NOT NULL,
    order_id        TEXT REFERENCES customer_order (id),
    line_no         INTEGER,
    product_id      TEXT REFERENCES product (id),
    batch_number    TEXT NOT NULL DEFAULT '',
    invoice_number  TEXT NOT NULL DEFAULT '',
    ship_date       TEXT,
    category        TEXT NOT NULL,
    description     TEXT NOT NULL,
    priority        TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    channel         TEXT NOT NULL CHECK (channel IN ('portal', 'phone', 'visit', 'email')),
    status          TEXT NOT NULL CHECK (status IN ('new', 'acknowledged', 'in_progress',
                                                    'waiting_on_customer', 'resolved', 'closed')),
    assignee_id     TEXT REFERENCES staff (id),
    filed_by        TEXT NOT NULL,
    cause           TEXT NOT NULL DEFAULT '',
    result          TEXT NOT NULL DEFAULT '',
    prevention      TEXT NOT NULL DEFAULT '',
    signed_off_by   TEXT,
    policy_id       TEXT NOT NULL REFERENCES sla_policy (id),
    filed_at        INTEGER NOT NULL,
    fr_target       INTEGER NOT NULL,
    fr_consumed     INTEGER NOT NULL,
    fr_running_since INTEGER,
    fr_met_at       INTEGER,
    fr_due_at       INTEGER,
    res_target      INTEGER NOT NULL,
    res_consumed    INTEGER NOT NULL,
    res_running_since INTEGER,
    res_met_at      INTEGER,
    res_due_at      INTEGER,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    next_escalation_at INTEGER,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE INDEX complaint_by_created ON complaint (created_at, id);

CREATE INDEX complaint_by_customer ON complaint (customer_id, created_at);

CREATE INDEX complaint_by_assignee ON complaint (assignee_id, created_at);

CREATE INDEX complaint_by_policy ON complaint (policy_id) WHERE status NOT IN ('resolved', 'closed');

-- The sweep's work list: complaints whose next escalation level is due by a given instant.
CREATE INDEX complaint_by_next_escalation ON complaint (next_escalation_at)
    WHERE next_escalation_at IS NOT NULL;

CREATE TABLE complaint_event (
    complaint_id  TEXT NOT NULL REFERENCES complaint (id),
    seq           INTEGER NOT NULL,
    at            TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    note          TEXT NOT NULL,
    PRIMARY KEY (complaint_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE complaint_escalation (
    complaint_id  TEXT NOT NULL REFERENCES complaint (id),
    level         INTEGER NOT NULL,
    rule_trigger  TEXT NOT NULL,
    due_at        INTEGER NOT NULL,
    fired_at      INTEGER NOT NULL,
    assigned_to   TEXT,
    PRIMARY KEY (complaint_id, level)
) STRICT, WITHOUT ROWID;

-- Notifications written in the transaction of the event they announce; webhooks deliver them.
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    topic         TEXT NOT NULL,
    payload_json  TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
