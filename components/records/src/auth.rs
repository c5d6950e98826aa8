//! Who is calling: staff credentials checked against the stored token hashes and the bootstrap
//! token; customers' portal sessions checked by `accounts`.

use crate::db::Db;
use crate::exports::crm::records::identity::Staff;
use crate::exports::crm::records::types::{Credential, Error, Role};
use crate::secrets;
use spin_sdk::sqlite3::Value;

/// The id reported for the bootstrap admin, who authenticates with the `admin_token` variable.
pub const BOOTSTRAP_ADMIN_ID: &str = "stf_bootstrap";

/// Bootstrap tokens shorter than this are ignored: a short secret would be guessable.
const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// An authenticated caller.
pub struct Actor {
    pub staff: Staff,
}

impl Actor {
    pub fn role(&self) -> crm_domain::role::Role {
        self.staff.role.into()
    }

    pub fn id(&self) -> &str {
        &self.staff.id
    }

    /// Fails with `forbidden` unless `allowed` holds for the caller's role.
    pub fn require(
        &self,
        allowed: fn(crm_domain::role::Role) -> bool,
        what: &str,
    ) -> Result<(), Error> {
        if allowed(self.role()) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "role {} may not {what}",
                self.role()
            )))
        }
    }
}

/// Authenticates a member of staff. Anything but a staff token, a customer's portal session
/// included, is `unauthenticated`.
pub fn authenticate(db: &Db, credential: &Credential) -> Result<Actor, Error> {
    let Credential::StaffToken(secret) = credential else {
        return Err(Error::Unauthenticated);
    };
    let presented = secrets::hash(secret);
    if let Some(admin_hash) = bootstrap_token_hash() {
        if secrets::same_hash(&presented, &admin_hash) {
            return Ok(Actor {
                staff: bootstrap_admin(),
            });
        }
    }
    let result = db.query(
        "SELECT s.id, s.name, s.email, s.role, s.active, s.created_at
           FROM staff_token t JOIN staff s ON s.id = t.staff_id
          WHERE t.secret_hash = ? AND t.revoked_at IS NULL AND s.active = 1",
        &[Value::Text(presented)],
    )?;
    match result.rows.first() {
        Some(row) => Ok(Actor {
            staff: crate::identity::staff_from_row(row)?,
        }),
        None => Err(Error::Unauthenticated),
    }
}

/// A customer signed in to the portal.
pub struct CustomerActor {
    /// The portal account, `acc_…`.
    pub account_id: String,
    /// The customer record the account is linked to; the caller sees only its data.
    pub customer_id: String,
}

/// Authenticates a customer's portal session with `accounts::resume`'s rules (unexpired, not
/// signed out, not ended by a password change; its idle expiry moves on). Any other credential,
/// a staff token included, is `unauthenticated`, as a customer session is to [`authenticate`].
pub fn customer(db: &Db, credential: &Credential) -> Result<CustomerActor, Error> {
    let Credential::CustomerSession(session_id) = credential else {
        return Err(Error::Unauthenticated);
    };
    let session = crate::accounts::resume(db, session_id)?;
    Ok(CustomerActor {
        account_id: session.account_id,
        customer_id: session.customer_id,
    })
}

fn bootstrap_token_hash() -> Option<String> {
    match spin_sdk::variables::get("admin_token") {
        Ok(token) if token.len() >= MIN_ADMIN_TOKEN_LEN => Some(secrets::hash(&token)),
        Ok(_) => {
            eprintln!("records: admin_token is shorter than {MIN_ADMIN_TOKEN_LEN} characters and is ignored");
            None
        }
        Err(e) => {
            eprintln!("records: admin_token is not available: {e}");
            None
        }
    }
}

fn bootstrap_admin() -> Staff {
    Staff {
        id: BOOTSTRAP_ADMIN_ID.into(),
        name: "Bootstrap administrator".into(),
        email: "admin@localhost".into(),
        role: Role::Admin,
        active: true,
        created_at: "1970-01-01T00:00:00Z".into(),
    }
}
