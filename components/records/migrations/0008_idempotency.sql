-- Idempotency keys of create requests (the `Idempotency-Key` header): one row per caller and
-- key. `running` is committed before the create starts, so a concurrent retry is refused with
-- 409; the create's own transaction turns it `done` and stores its result, so a later retry gets
-- that result back and nothing is created twice. A `running` row older than a few minutes was
-- left by a request that died; the next retry takes it over.

CREATE TABLE idempotency_key (
    caller       TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('running', 'done')),
    result       TEXT,
    started_at   INTEGER NOT NULL,
    PRIMARY KEY (caller, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_key_by_age ON idempotency_key (started_at);
