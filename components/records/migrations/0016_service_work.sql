-- Service work derived from complaints (scenario A of the domain): the roles `finance` and
-- `warehouse`, stock per product, the address an order ships to, service requests that carry a
-- replacement through finance, warehouse and shipping with a step log, and tasks about a
-- complaint (the agent's callback).
-- Three tables are rebuilt to change their CHECK constraints, SQLite's way (create the new
-- table, copy, drop the old one, rename): records applies migrations with foreign keys off and
-- runs `PRAGMA foreign_key_check` before it commits (db::Db::migrate).

CREATE TABLE staff_next (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('rep', 'agent', 'service_lead', 'sales_gm', 'admin', 'ops',
                                              'finance', 'warehouse')),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL
) STRICT;

INSERT INTO staff_next (id, name, email, role, active, created_at)
SELECT id, name, email, role, active, created_at FROM staff;

DROP TABLE staff;

ALTER TABLE staff_next RENAME TO staff;

CREATE TABLE task_next (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('lead', 'opportunity', 'customer', 'complaint')),
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

INSERT INTO task_next (id, title, subject_kind, subject_id, customer_id, assignee_id, assigned_by,
                       opinion, due_at, status, report, created_at, updated_at)
SELECT id, title, subject_kind, subject_id, customer_id, assignee_id, assigned_by,
       opinion, due_at, status, report, created_at, updated_at FROM task;

DROP TABLE task;

ALTER TABLE task_next RENAME TO task;

CREATE INDEX task_by_assignee ON task (assignee_id, due_at);

CREATE INDEX task_by_due ON task (due_at, id);

CREATE INDEX task_by_customer ON task (customer_id);

ALTER TABLE product ADD COLUMN stock INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0);

ALTER TABLE customer_order ADD COLUMN address_id TEXT REFERENCES address (id);

ALTER TABLE sla_policy ADD COLUMN remedy_percent INTEGER NOT NULL DEFAULT 100
    CHECK (remedy_percent BETWEEN 100 AND 1000);

CREATE TABLE service_request_next (
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customer (id),
    lead_id           TEXT REFERENCES lead (id),
    complaint_id      TEXT REFERENCES complaint (id),
    kind              TEXT NOT NULL CHECK (kind IN ('replacement', 'repair', 'refund', 'other')),
    summary           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'picked',
                                                      'shipped', 'received', 'done', 'cancelled')),
    product_id        TEXT REFERENCES product (id),
    quantity          INTEGER CHECK (quantity > 0),
    order_id          TEXT REFERENCES customer_order (id),
    line_no           INTEGER,
    ship_to_json      TEXT,
    ship_date         TEXT,
    carrier           TEXT NOT NULL DEFAULT '',
    tracking_number   TEXT NOT NULL DEFAULT '',
    callback_task_id  TEXT REFERENCES task (id),
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK ((product_id IS NULL) = (quantity IS NULL))
) STRICT;

INSERT INTO service_request_next (id, customer_id, lead_id, kind, summary, status, created_by,
                                  created_at, updated_at)
SELECT id, customer_id, lead_id, kind, summary, 'requested', created_by, created_at, created_at
  FROM service_request;

DROP TABLE service_request;

ALTER TABLE service_request_next RENAME TO service_request;

CREATE INDEX service_request_by_customer ON service_request (customer_id, created_at);

CREATE INDEX service_request_by_status ON service_request (status, created_at, id);

CREATE INDEX service_request_by_complaint ON service_request (complaint_id)
    WHERE complaint_id IS NOT NULL;

CREATE TABLE service_step (
    request_id  TEXT NOT NULL REFERENCES service_request (id),
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    status      TEXT NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (request_id, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO service_step (request_id, seq, at, actor_id, action, status, note)
SELECT id, 1, created_at, created_by, 'request', 'requested', summary FROM service_request;
