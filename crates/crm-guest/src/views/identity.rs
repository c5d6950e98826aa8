//! Bodies of `crm:records/identity` (staff and tokens), and the answers that are not an
//! identity record as it is.

use super::rules;
use crate::identity::{IssuedToken, NewStaff, Staff};
use crate::names::{self, Role};
use crate::problem::Problem;
use serde::{Deserialize, Serialize};

/// A new member of staff.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaff {
    /// Display name, 1–100 characters after trimming.
    #[schema(value_type = rules::RequiredText100)]
    pub name: String,
    /// E-mail address; must be unique among staff.
    #[schema(value_type = rules::EmailAddress)]
    pub email: String,
    /// The role to grant.
    #[schema(value_type = Role)]
    pub role: String,
}

impl CreateStaff {
    pub fn into_input(self) -> Result<NewStaff, Problem> {
        Ok(NewStaff {
            name: self.name,
            email: self.email,
            role: names::parse::<Role>("role", &self.role)?.into(),
        })
    }
}

/// What to issue a token with; the body may be left out, empty or `null`.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueToken {
    /// A label for the token, e.g. the device it is for; at most 100 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text100)]
    pub label: String,
}

/// All staff, oldest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StaffList {
    pub items: Vec<Staff>,
}

/// A freshly issued bearer token. The secret is shown here once and stored only as a hash.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedTokenView {
    /// Opaque id of the token, `tok_…`, used to revoke it.
    pub id: String,
    /// The member of staff the token authenticates.
    pub staff_id: String,
    /// The bearer secret itself, for `Authorization: Bearer <token>`; shown once.
    pub token: String,
    /// The label chosen by the issuer.
    pub label: String,
    /// When the token was issued, RFC 3339 UTC.
    pub created_at: String,
}

impl From<IssuedToken> for IssuedTokenView {
    fn from(t: IssuedToken) -> Self {
        Self {
            id: t.id,
            staff_id: t.staff_id,
            token: t.secret,
            label: t.label,
            created_at: t.created_at,
        }
    }
}
