//! Bodies and views of `crm:records/accounts`: the staff's invitation of a customer's contact
//! to the portal, and the customer API's sign-in and session. The portal's own pages post HTML
//! forms.

use super::rules;
use serde::Deserialize;

/// Whom to invite to the portal, for the customer in the path.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalInvite {
    /// The e-mail address the account will have. The answer's code is shown only once: the
    /// customer signs up at `/sign-up?invite=<code>`.
    #[schema(value_type = rules::EmailAddress)]
    pub email: String,
}

/// A customer signs in to the customer API (`POST /portal/api/v1/session`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The account's e-mail address.
    #[schema(value_type = rules::EmailAddress)]
    pub email: String,
    /// Its password.
    pub password: String,
}

/// The signed-in customer's session as the customer API shows it: never its id, which only the
/// `HttpOnly` cookie carries.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Opaque id, `acc_…`.
    pub account_id: String,
    /// The customer record the account is linked to.
    pub customer_id: String,
    /// The customer's name.
    pub name: String,
    /// The account's e-mail address.
    pub email: String,
    /// Send it as `X-CSRF-Token` with every call that changes something.
    pub csrf_token: String,
    /// When the session ends unless used before, RFC 3339 UTC.
    pub idle_expires_at: String,
    /// When it ends at the latest, RFC 3339 UTC.
    pub expires_at: String,
}

impl From<&crate::accounts::Session> for SessionView {
    fn from(session: &crate::accounts::Session) -> Self {
        Self {
            account_id: session.account_id.clone(),
            customer_id: session.customer_id.clone(),
            name: session.name.clone(),
            email: session.email.clone(),
            csrf_token: session.csrf_token.clone(),
            idle_expires_at: session.idle_expires_at.clone(),
            expires_at: session.expires_at.clone(),
        }
    }
}
