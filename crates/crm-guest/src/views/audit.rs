//! The audit log as the API shows it (`crm:records/audit`).

use super::rules;
use crate::audit::{AuditEntry, AuditPage, AuditQuery};
use serde::{Deserialize, Serialize};

/// One audited change. `before` and `after` are the object as JSON, where the change had one.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    /// Position in the log; later entries have higher numbers.
    pub seq: i64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The staff id of who did it.
    pub actor: String,
    /// What was done, e.g. `customer.create`.
    pub action: String,
    /// The kind of object, e.g. `customer`.
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: parse(e.before),
            after: parse(e.after),
        }
    }
}

/// A page of the audit log, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditLog {
    pub items: Vec<AuditEntryView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

impl From<AuditPage> for AuditLog {
    fn from(page: AuditPage) -> Self {
        Self {
            items: page.entries.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// Which entries to read.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries about this kind of object, e.g. `customer`.
    pub entity: Option<String>,
    /// Only entries about this object.
    pub entity_id: Option<String>,
    /// Page size, 1–500.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 500, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<rules::AuditCursor>, inline)]
    pub cursor: Option<String>,
}

impl From<AuditParams> for AuditQuery {
    fn from(p: AuditParams) -> Self {
        Self {
            entity: p.entity,
            entity_id: p.entity_id,
            limit: p.limit,
            cursor: p.cursor,
        }
    }
}
