//! Attempts per sender and purpose, counted in SQLite (`sender_attempt`, migration 0024): the
//! public lead form, and the portal's sign-up and sign-in. A sender is the client's address as
//! the host saw it, without the port. The count of a window is taken under the write lock, so
//! two attempts cannot both take its last place.

use crate::db::{self, Db};
use crate::exports::crm::records::types::Error;
use crm_domain::{account, sales};
use spin_sdk::sqlite3::Value;

/// How many attempts of one purpose a sender may make per window.
pub struct Limit {
    /// The purpose, as stored: `lead-capture`, `sign-in`, `sign-up`.
    pub scope: &'static str,
    pub attempts: u32,
    pub window_seconds: i64,
}

pub const LEAD_CAPTURE: Limit = Limit {
    scope: "lead-capture",
    attempts: sales::CAPTURE_LIMIT,
    window_seconds: sales::CAPTURE_WINDOW_SECONDS,
};

pub const SIGN_IN: Limit = Limit {
    scope: "sign-in",
    attempts: account::SIGN_IN_LIMIT,
    window_seconds: account::SIGN_IN_WINDOW_SECONDS,
};

pub const SIGN_UP: Limit = Limit {
    scope: "sign-up",
    attempts: account::SIGN_UP_LIMIT,
    window_seconds: account::SIGN_UP_WINDOW_SECONDS,
};

/// Counts one attempt of `sender` against `limit`, in the caller's transaction if there is one
/// (else in one of its own, committed at once): `rate-limited` with the seconds until a place
/// frees when the window is full, and then the attempt is not counted.
pub fn take(db: &Db, limit: &Limit, sender: &str) -> Result<(), Error> {
    let now = db::now_secs();
    let scope = Value::Text(limit.scope.to_owned());
    let sender = Value::Text(sender.to_owned());
    db.transaction(|db| {
        // The window's count, cleaned of what has fallen out of it.
        db.exec(
            "DELETE FROM sender_attempt WHERE scope = ? AND at < ?",
            &[scope.clone(), Value::Integer(now - limit.window_seconds)],
        )?;
        let found = db.query(
            "SELECT COUNT(*), MIN(at) FROM sender_attempt WHERE scope = ? AND client_key = ?",
            &[scope.clone(), sender.clone()],
        )?;
        let row = found.rows.first();
        let count = row.and_then(|r| r.get::<u32>(0)).unwrap_or(0);
        if count >= limit.attempts {
            let oldest = row.and_then(|r| r.get::<i64>(1)).unwrap_or(now);
            let retry = (oldest + limit.window_seconds - now).max(1);
            return Err(Error::RateLimited(retry as u32));
        }
        db.exec(
            "INSERT INTO sender_attempt (scope, client_key, at) VALUES (?, ?, ?)",
            &[scope.clone(), sender.clone(), Value::Integer(now)],
        )
    })
}
