//! Who is looking at a page: a visitor, or a customer signed in with the session id kept in
//! the `crm_portal` cookie, which records resumes on every page (so a session that expired,
//! was signed out or whose password changed ends at once).
//!
//! The cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (another site's page cannot
//! make the browser send it with a form post, while a link from another site still opens the
//! portal signed in), `Path=/`, `Secure` over https, and lives until the session's latest end
//! (`expires_at`). Forms of a signed-in customer carry the session's CSRF token as well.

use crm_guest::accounts::{self, Session};
use crm_guest::forms;
use crm_guest::lang;
use crm_guest::types::{Credential, Error};
use crm_guest::Problem;
use spin_sdk::http::Request;

/// The session cookie.
pub const COOKIE: &str = "crm_portal";
/// Longer cookie values are not sessions (records makes 64 hex digits).
const MAX_ID: usize = 256;

/// Who sent a request.
pub enum Visitor {
    /// No session cookie.
    Anonymous,
    /// A session cookie that signs no one in any more: the response clears it.
    Expired,
    /// A signed-in customer.
    Customer(Session),
}

impl Visitor {
    /// Resumes the session of the request's cookie with records.
    pub fn of(req: &Request) -> Result<Visitor, Problem> {
        let Some(id) = lang::cookie(req, COOKIE)
            .map(str::trim)
            .filter(|id| !id.is_empty())
        else {
            return Ok(Visitor::Anonymous);
        };
        let plausible = id.len() <= MAX_ID
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !plausible {
            return Ok(Visitor::Expired);
        }
        match accounts::resume(id) {
            Ok(session) => Ok(Visitor::Customer(session)),
            Err(Error::Unauthenticated) => Ok(Visitor::Expired),
            Err(e) => Err(Problem::from(e)),
        }
    }

    /// The signed-in customer's session, if any.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Visitor::Customer(session) => Some(session),
            _ => None,
        }
    }

    /// The `Set-Cookie` that clears a cookie which no longer signs anyone in.
    pub fn stale_cookie(&self, req: &Request) -> Option<String> {
        matches!(self, Visitor::Expired).then(|| clear_cookie(req))
    }
}

/// The `Set-Cookie` that keeps `session` in the browser until the session's latest end.
pub fn cookie_for(req: &Request, session: &Session) -> String {
    let max_age = forms::seconds_until(&session.expires_at).map_or(0, |seconds| {
        u32::try_from(seconds.max(0)).unwrap_or(u32::MAX)
    });
    forms::session_cookie(req, COOKIE, &session.id, "/", "Lax", max_age)
}

/// The `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(req: &Request) -> String {
    forms::session_cookie(req, COOKIE, "", "/", "Lax", 0)
}

/// Whether a form of the signed-in customer carries their session's CSRF token (compared in
/// constant time).
pub fn csrf_ok(session: &Session, given: &str) -> bool {
    forms::same_secret(given, &session.csrf_token)
}

/// The credential of the signed-in customer's calls to records.
pub fn credential(session: &Session) -> Credential {
    Credential::CustomerSession(session.id.clone())
}
