//! The WIT enums of `crm:records` as the API spells them; the spelling itself is `crm-domain`'s.

use crate::problem::Problem;
use std::str::FromStr;

pub use crm_domain::activity::ActivityKind;
pub use crm_domain::customer::{CustomerKind, Tier};
pub use crm_domain::role::Role;
pub use crm_domain::sales::{LeadSource, LeadStatus, ServiceKind, Stage, SubjectKind, TaskStatus};
pub use crm_domain::verification::CheckOutcome;

crm_domain::bridge_records_enums!(crate::bindings::crm::records);

/// Parses a name of the closed set `D` from the input field `field`; convert the result into
/// the WIT enum with `.into()`.
pub fn parse<D>(field: &str, text: &str) -> Result<D, Problem>
where
    D: FromStr<Err = crm_domain::names::UnknownName>,
{
    text.parse::<D>()
        .map_err(|e| Problem::invalid(field, e.to_string()))
}
