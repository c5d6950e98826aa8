//! Rules of customers' portal accounts: what a password must be, the lockout after wrong
//! passwords, how long a session and an invitation last. Hashing, storage and randomness are
//! the caller's (records); these functions only decide.

use crate::FieldError;

/// The fewest characters (Unicode scalar values, not bytes) a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The most characters a password may have: enough for any passphrase, and a bound on the work
/// one sign-in asks of the hash.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILED: u32 = 5;

/// How long a lock lasts, in seconds (15 minutes).
pub const LOCK_SECONDS: i64 = 900;

/// A session ends when it has not been used for this many seconds (2 hours).
pub const SESSION_IDLE_SECONDS: i64 = 2 * 3600;

/// A session ends at the latest this many seconds after it began, however much it is used
/// (12 hours).
pub const SESSION_MAX_SECONDS: i64 = 12 * 3600;

/// A session's last use is written again only when it is older than this, in seconds, so that
/// not every request of a busy session is a write.
pub const TOUCH_AFTER_SECONDS: i64 = 60;

/// How long an invitation's code works, in seconds (7 days).
pub const INVITATION_SECONDS: i64 = 7 * 86_400;

/// The tag a customer created by self sign-up gets when it looks like an existing customer,
/// for staff to check and merge. Sign-up never links an account to an existing customer.
pub const POSSIBLE_DUPLICATE_TAG: &str = "possible-duplicate";

/// How many sign-ins (right or wrong) one sender (a client address) may try per window, over
/// every account: enough for an office of customers behind one address, too few to guess
/// passwords across many accounts, and a bound on the password hashing a sender can cause.
pub const SIGN_IN_LIMIT: u32 = 30;

/// The window of [`SIGN_IN_LIMIT`], in seconds.
pub const SIGN_IN_WINDOW_SECONDS: i64 = 600;

/// How many accounts one sender may try to sign up per window.
pub const SIGN_UP_LIMIT: u32 = 20;

/// The window of [`SIGN_UP_LIMIT`], in seconds.
pub const SIGN_UP_WINDOW_SECONDS: i64 = 3600;

/// A new password: 10–128 characters, not the account's e-mail address (ignoring case and
/// surrounding spaces). Kept exactly as typed: spaces inside and around are part of it.
/// `field` names the input (`password`, or `new_password` when changing it).
pub fn parse_password(
    field: &'static str,
    password: &str,
    email: &str,
) -> Result<String, FieldError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if password.trim().to_lowercase() == email.trim().to_lowercase() {
        return Err(FieldError::new(field, "must not be your e-mail address"));
    }
    Ok(password.to_owned())
}

/// Until when an account is locked, if it is locked at `now` (unix seconds).
pub fn locked_until(locked_until: Option<i64>, now: i64) -> Option<i64> {
    locked_until.filter(|until| *until > now)
}

/// What an account holds after one more wrong password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterWrongPassword {
    /// Wrong passwords in a row from now on: 0 again once the account is locked, so that it
    /// takes another [`MAX_FAILED`] to lock it again after the lock ends.
    pub failed: u32,
    /// Set when this wrong password locks the account: until when, in unix seconds.
    pub locks_until: Option<i64>,
}

/// Counts a wrong password given at `now` on an account that had `failed_before` in a row:
/// the [`MAX_FAILED`]th locks it for [`LOCK_SECONDS`].
pub fn after_wrong_password(failed_before: u32, now: i64) -> AfterWrongPassword {
    let failed = failed_before.saturating_add(1);
    if failed >= MAX_FAILED {
        AfterWrongPassword {
            failed: 0,
            locks_until: Some(now + LOCK_SECONDS),
        }
    } else {
        AfterWrongPassword {
            failed,
            locks_until: None,
        }
    }
}

/// What a sign-in to a locked account is told; `until_rfc3339` is the end of the lock.
pub fn locked_message(until_rfc3339: &str) -> String {
    format!("too many wrong passwords: the account is locked until {until_rfc3339}")
}

/// Where a session stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Still valid: it ends at `idle_expires_at` unless used before, and at `expires_at` at
    /// the latest (unix seconds; `idle_expires_at <= expires_at`).
    Valid {
        idle_expires_at: i64,
        expires_at: i64,
    },
    /// Ended: unused for [`SESSION_IDLE_SECONDS`], or begun [`SESSION_MAX_SECONDS`] ago.
    Expired,
}

/// The state at `now` of a session begun at `created` and last used at `last_seen` (all unix
/// seconds).
pub fn session_state(created: i64, last_seen: i64, now: i64) -> SessionState {
    let expires_at = created.saturating_add(SESSION_MAX_SECONDS);
    let idle_expires_at = last_seen
        .saturating_add(SESSION_IDLE_SECONDS)
        .min(expires_at);
    if now >= idle_expires_at {
        SessionState::Expired
    } else {
        SessionState::Valid {
            idle_expires_at,
            expires_at,
        }
    }
}

/// Whether a session used at `now` should have its last use written again (see
/// [`TOUCH_AFTER_SECONDS`]).
pub fn needs_touch(last_seen: i64, now: i64) -> bool {
    now - last_seen > TOUCH_AFTER_SECONDS
}

/// Whether `text` has the shape of the secrets records hands out for sessions and invitations:
/// 256 bits as 64 lower-case hex digits. Anything else is refused before any lookup.
pub fn is_secret_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether an invitation that expires at `expires_at` (unix seconds) and was or was not used
/// can still be accepted at `now`.
pub fn invitation_usable(expires_at: i64, used: bool, now: i64) -> bool {
    !used && now < expires_at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_counted_in_characters_and_kept_as_typed() {
        assert_eq!(
            parse_password("password", " 0123456789 ", "a@example.com").unwrap(),
            " 0123456789 "
        );
        // Ten Chinese characters are ten characters, though thirty bytes.
        assert!(parse_password("password", &"密".repeat(10), "a@example.com").is_ok());
        assert!(parse_password("password", &"密".repeat(9), "a@example.com").is_err());
        assert!(parse_password("password", &"x".repeat(128), "a@example.com").is_ok());
        let long = parse_password("password", &"x".repeat(129), "a@example.com");
        assert_eq!(long.unwrap_err().field, "password");
    }

    #[test]
    fn a_password_is_not_the_email_address() {
        let error = parse_password("new_password", "Li.Na@Example.com", "li.na@example.com");
        assert_eq!(error.unwrap_err().field, "new_password");
        assert!(parse_password("password", "li.na@example.com!", "li.na@example.com").is_ok());
    }

    #[test]
    fn the_fifth_wrong_password_in_a_row_locks_for_fifteen_minutes() {
        let now = 1_000_000;
        let mut failed = 0;
        for _ in 1..MAX_FAILED {
            let after = after_wrong_password(failed, now);
            assert_eq!(after.locks_until, None);
            assert_eq!(after.failed, failed + 1);
            failed = after.failed;
        }
        let locking = after_wrong_password(failed, now);
        assert_eq!(locking.locks_until, Some(now + 900));
        assert_eq!(locking.failed, 0);
        // A count left above the limit (e.g. by an older rule) locks at once.
        assert!(after_wrong_password(u32::MAX, now).locks_until.is_some());
    }

    #[test]
    fn a_lock_holds_until_its_instant() {
        assert_eq!(locked_until(None, 100), None);
        assert_eq!(locked_until(Some(100), 99), Some(100));
        assert_eq!(locked_until(Some(100), 100), None);
        assert_eq!(
            locked_message("2026-11-23T10:15:00Z"),
            "too many wrong passwords: the account is locked until 2026-11-23T10:15:00Z"
        );
    }

    #[test]
    fn sessions_end_after_two_idle_hours() {
        let start = 1_000_000;
        assert_eq!(
            session_state(start, start, start),
            SessionState::Valid {
                idle_expires_at: start + 7200,
                expires_at: start + 43_200,
            }
        );
        assert!(matches!(
            session_state(start, start, start + 7199),
            SessionState::Valid { .. }
        ));
        assert_eq!(
            session_state(start, start, start + 7200),
            SessionState::Expired
        );
        // Used an hour in, it lasts until two hours after that use.
        assert_eq!(
            session_state(start, start + 3600, start + 7200),
            SessionState::Valid {
                idle_expires_at: start + 10_800,
                expires_at: start + 43_200,
            }
        );
    }

    #[test]
    fn sessions_end_after_twelve_hours_however_used() {
        let start = 1_000_000;
        let last_seen = start + 11 * 3600;
        assert_eq!(
            session_state(start, last_seen, last_seen + 1),
            SessionState::Valid {
                idle_expires_at: start + 43_200,
                expires_at: start + 43_200,
            }
        );
        assert_eq!(
            session_state(start, start + 43_199, start + 43_200),
            SessionState::Expired
        );
    }

    #[test]
    fn last_use_is_written_once_a_minute_at_most() {
        assert!(!needs_touch(1000, 1000));
        assert!(!needs_touch(1000, 1060));
        assert!(needs_touch(1000, 1061));
    }

    #[test]
    fn secret_tokens_are_64_lower_case_hex_digits() {
        let token = "0123456789abcdef".repeat(4);
        assert!(is_secret_token(&token));
        assert!(!is_secret_token(&token.to_uppercase()));
        assert!(!is_secret_token(&token[1..]));
        assert!(!is_secret_token(&format!("{}g", &token[1..])));
        assert!(!is_secret_token(""));
    }

    #[test]
    fn invitations_work_once_and_until_they_expire() {
        assert!(invitation_usable(100, false, 99));
        assert!(!invitation_usable(100, false, 100));
        assert!(!invitation_usable(100, true, 99));
    }
}
