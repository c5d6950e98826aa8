//! `Idempotency-Key` on creates (IETF draft-ietf-httpapi-idempotency-key-header): one mechanism
//! for every records function that creates something.
//!
//! A keyed call runs in one write transaction (`BEGIN IMMEDIATE`, so keyed calls are
//! serialised): it *claims* the key for the caller, runs the create, and stores the create's
//! result with the key marked `done`; the create and its key commit together or not at all. A
//! retry of a done key gets the stored result back without running anything, so the HTTP
//! component renders the first response again; a retry sent while the first is still running
//! waits for the write lock and then gets that result too. A key reused for another request
//! (another fingerprint) is `invalid` (422). A create that fails leaves no key, so the corrected
//! request may use it again. A key stored as `running` (by a request that committed its claim
//! alone, as records did before) is a request in flight: a retry gets `conflict` (409) until it
//! is [`ABANDONED_AFTER_SECONDS`] old, then takes it over.
//!
//! Policy: keys are scoped to the authenticated caller (a staff id; for the anonymous web form,
//! the sender's address), kept for [`KEEP_SECONDS`] after they were first used and then purged
//! as later keys are claimed (one claim in [`PURGE_ONE_IN`] purges); a `running` key older than
//! [`ABANDONED_AFTER_SECONDS`] belonged to a request that died, and the next retry takes it over.

use crate::db::{internal, invalid, now_secs, text, Db};
use crate::exports::crm::records::types::{Error, IdempotencyKey};
use serde::de::DeserializeOwned;
use serde::Serialize;
use spin_sdk::sqlite3::Value;

/// How long a key is kept: the draft asks for at least a day.
pub const KEEP_SECONDS: i64 = 48 * 3600;
/// After this long a `running` key is taken to be left by a request that died.
pub const ABANDONED_AFTER_SECONDS: i64 = 5 * 60;
/// Expired keys removed by a purging claim, so purging never makes one request slow.
const PURGE_BATCH: i64 = 100;
/// One claim in this many, drawn at random, purges: purging on every claim cost placing web
/// orders about a tenth of their rate (docs/PERFORMANCE.md), and up to `PURGE_BATCH /
/// PURGE_ONE_IN` keys removed per claim still outpaces the one key each claim adds.
const PURGE_ONE_IN: u8 = 16;
/// The field named in errors about the key.
const FIELD: &str = "Idempotency-Key";

/// Runs `create` at most once per caller and key: see the module documentation. Without a key
/// it simply runs `create`.
pub fn once<T: Serialize + DeserializeOwned>(
    db: &Db,
    caller: &str,
    key: Option<IdempotencyKey>,
    create: impl FnOnce(&Db) -> Result<T, Error>,
) -> Result<T, Error> {
    let Some(key) = key else {
        return create(db);
    };
    check_key(&key.key)?;
    db.transaction(|db| {
        if let Some(stored) = claim(db, caller, &key)? {
            return serde_json::from_str(&stored)
                .map_err(|e| internal("read the stored result of an idempotent request", e));
        }
        let result = create(db)?;
        let stored = serde_json::to_string(&result)
            .map_err(|e| internal("store the result of an idempotent request", e))?;
        db.exec(
            "UPDATE idempotency_key SET state = 'done', result = ? WHERE caller = ? AND key = ?",
            &[
                Value::Text(stored),
                Value::Text(caller.into()),
                Value::Text(key.key.clone()),
            ],
        )?;
        Ok(result)
    })
}

/// A key is 1–255 visible ASCII characters (a structured-field string once unquoted).
fn check_key(key: &str) -> Result<(), Error> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(invalid(
            FIELD,
            "must be 1 to 255 visible ASCII characters, e.g. a UUID",
        ));
    }
    Ok(())
}

/// Claims the key in the caller's transaction: `None` when the caller may go ahead, the stored
/// result when the request was done before.
fn claim(db: &Db, caller: &str, key: &IdempotencyKey) -> Result<Option<String>, Error> {
    let now = now_secs();
    let purge = crate::secrets::random_bytes(1)?[0] % PURGE_ONE_IN == 0;
    db.transaction(|db| {
        if purge {
            db.exec(
                "DELETE FROM idempotency_key WHERE (caller, key) IN
                   (SELECT caller, key FROM idempotency_key WHERE started_at < ? LIMIT ?)",
                &[
                    Value::Integer(now - KEEP_SECONDS),
                    Value::Integer(PURGE_BATCH),
                ],
            )?;
        }
        let found = db.query(
            "SELECT fingerprint, state, result, started_at FROM idempotency_key
              WHERE caller = ? AND key = ?",
            &[Value::Text(caller.into()), Value::Text(key.key.clone())],
        )?;
        let Some(row) = found.rows.first() else {
            db.exec(
                "INSERT INTO idempotency_key (caller, key, fingerprint, state, started_at)
                 VALUES (?, ?, ?, 'running', ?)",
                &[
                    Value::Text(caller.into()),
                    Value::Text(key.key.clone()),
                    Value::Text(key.fingerprint.clone()),
                    Value::Integer(now),
                ],
            )?;
            return Ok(None);
        };
        if text(row, 0, "fingerprint")? != key.fingerprint {
            return Err(invalid(
                FIELD,
                "was already used for a different request; use a new key for a new request",
            ));
        }
        let started_at = crate::db::integer(row, 3, "started_at")?;
        match text(row, 1, "state")?.as_str() {
            "done" => Ok(Some(text(row, 2, "result")?)),
            _ if now - started_at < ABANDONED_AFTER_SECONDS => Err(Error::Conflict(
                "a request with this Idempotency-Key is still being processed; retry later".into(),
            )),
            _ => {
                db.exec(
                    "UPDATE idempotency_key SET started_at = ? WHERE caller = ? AND key = ?",
                    &[
                        Value::Integer(now),
                        Value::Text(caller.into()),
                        Value::Text(key.key.clone()),
                    ],
                )?;
                Ok(None)
            }
        }
    })
}
