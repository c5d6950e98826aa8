-- Customers' portal accounts and the staff's invitations to them (records/src/accounts.rs).
-- An account is an e-mail address (lower-cased, unique) and an argon2id password hash (a PHC
-- string) linked to one customer. Wrong passwords in a row are counted here (`failed_logins`,
-- `locked_until` in unix seconds), in a transaction of their own. Sessions live in key-value,
-- not here: each remembers the `session_epoch` it began in, and raising the epoch (a password
-- change) ends all of them at once.
-- An invitation links an account to an existing customer: only the SHA-256 hash of its
-- one-time code is kept; `used_at` and `account_id` are set when it is accepted.

CREATE TABLE portal_account (
    id             TEXT PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES customer (id),
    email          TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    password_hash  TEXT NOT NULL,
    session_epoch  INTEGER NOT NULL DEFAULT 1 CHECK (session_epoch >= 1),
    failed_logins  INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until   INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

CREATE INDEX portal_account_by_customer ON portal_account (customer_id);

CREATE TABLE portal_invitation (
    code_hash    TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customer (id),
    email        TEXT NOT NULL CHECK (email = lower(email)),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      TEXT,
    account_id   TEXT REFERENCES portal_account (id),
    CHECK ((used_at IS NULL) = (account_id IS NULL))
) STRICT, WITHOUT ROWID;

CREATE INDEX portal_invitation_by_customer ON portal_invitation (customer_id);
