//! The WIT enums of `crm:records` and their stored spelling, which is `crm-domain`'s.

use crate::db;
use crate::exports::crm::records::types::Error;
use crm_domain::names::UnknownName;
use std::str::FromStr;

crm_domain::bridge_records_enums!(crate::exports::crm::records);

/// Reads a stored name of the closed set `D`, failing loudly if the row holds something the
/// schema forbids.
pub fn stored<D>(text: &str) -> Result<D, Error>
where
    D: FromStr<Err = UnknownName>,
{
    text.parse::<D>()
        .map_err(|e| db::internal("read a stored name", e))
}
