-- Customers, their contacts and addresses, and the dedup keys under which they are found.
-- A customer belongs to the company: `owner_id` is an assignment that can change, and a merged
-- customer is kept (with `merged_into`) so that old links and audit entries still resolve.

CREATE TABLE customer (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('company', 'person')),
    name             TEXT NOT NULL,
    phone            TEXT,
    email            TEXT,
    tier             TEXT NOT NULL CHECK (tier IN ('standard', 'silver', 'gold', 'platinum')),
    region           TEXT NOT NULL DEFAULT '',
    channel_partner  TEXT,
    owner_id         TEXT,
    tags_json        TEXT NOT NULL DEFAULT '[]',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    merged_into      TEXT REFERENCES customer (id)
) STRICT;

CREATE INDEX customer_by_created ON customer (created_at, id);

CREATE INDEX customer_by_owner ON customer (owner_id, created_at);

CREATE INDEX customer_by_region ON customer (region, created_at);

CREATE TABLE contact (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customer (id),
    name         TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    phone        TEXT,
    email        TEXT,
    is_primary   INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    position     INTEGER NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX contact_by_customer ON contact (customer_id, position);

CREATE TABLE address (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customer (id),
    label        TEXT NOT NULL DEFAULT '',
    street       TEXT NOT NULL,
    city         TEXT NOT NULL DEFAULT '',
    province     TEXT NOT NULL DEFAULT '',
    postcode     TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    position     INTEGER NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX address_by_customer ON address (customer_id, position);

-- One row per normalised name, phone or e-mail of a customer or of one of its contacts
-- (see crm-domain's dedup module). Rebuilt for a customer whenever those change.
CREATE TABLE customer_key (
    kind         TEXT NOT NULL CHECK (kind IN ('name', 'phone', 'email')),
    key          TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customer (id),
    PRIMARY KEY (kind, key, customer_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX customer_key_by_customer ON customer_key (customer_id);
