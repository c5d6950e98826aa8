//! Bodies of `crm:records/accounts`: the staff's invitation of a customer's contact to the
//! portal. The portal's own pages post HTML forms, which are not part of the staff API.

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
