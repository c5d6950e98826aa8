//! The append-only audit log.

use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::audit::{AuditEntry, AuditPage, AuditQuery};
use crate::exports::crm::records::types::Error;
use crm_domain::role::Role;
use spin_sdk::sqlite3::Value;

/// Appends an entry. Call it inside the transaction of the change it records, so that the
/// change and its entry commit or fail together.
pub fn record(
    db: &Db,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), Error> {
    record_as(db, actor.id(), action, entity, entity_id, before, after)
}

/// Like [`record`], for changes made by a caller who is not staff, e.g. the public web form.
pub fn record_as(
    db: &Db,
    actor_id: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), Error> {
    let json = |v: Option<serde_json::Value>| v.map_or(Value::Null, |v| Value::Text(v.to_string()));
    db.exec(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, before_json, after_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            Value::Text(db::now()),
            Value::Text(actor_id.to_owned()),
            Value::Text(action.to_owned()),
            Value::Text(entity.to_owned()),
            Value::Text(entity_id.to_owned()),
            json(before),
            json(after),
        ],
    )
}

pub fn read_log(db: &Db, actor: &Actor, query: AuditQuery) -> Result<AuditPage, Error> {
    actor.require(Role::oversees, "read the audit log")?;
    db::check_limit("limit", query.limit, 500)?;
    let before_seq = match &query.cursor {
        None => i64::MAX,
        Some(cursor) => cursor
            .parse::<i64>()
            .map_err(|_| db::invalid("cursor", "is not a cursor this API returned"))?,
    };
    // Optional filters are expressed in SQL (`? IS NULL OR …`) so the statement stays one
    // cached text whatever the caller filters on.
    let optional = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    let result = db.query(
        "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json
           FROM audit_log
          WHERE seq < ?1 AND (?2 IS NULL OR entity = ?2) AND (?3 IS NULL OR entity_id = ?3)
          ORDER BY seq DESC LIMIT ?4",
        &[
            Value::Integer(before_seq),
            optional(&query.entity),
            optional(&query.entity_id),
            Value::Integer(i64::from(query.limit) + 1),
        ],
    )?;
    let mut entries = result
        .rows
        .iter()
        .map(|row| {
            Ok(AuditEntry {
                seq: db::integer(row, 0, "seq")?,
                at: db::text(row, 1, "at")?,
                actor: db::text(row, 2, "actor")?,
                action: db::text(row, 3, "action")?,
                entity: db::text(row, 4, "entity")?,
                entity_id: db::text(row, 5, "entity_id")?,
                before: row.get::<&str>(6).map(str::to_owned),
                after: row.get::<&str>(7).map(str::to_owned),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let next_cursor = if entries.len() > query.limit as usize {
        entries.truncate(query.limit as usize);
        entries.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        next_cursor,
    })
}
