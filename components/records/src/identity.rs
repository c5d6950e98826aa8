//! Staff and their bearer tokens.

use crate::audit;
use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::identity::{IssuedToken, NewStaff, Staff};
use crate::exports::crm::records::types::Error;
use crate::names;
use crate::secrets;
use crm_domain::role::Role;
use crm_domain::staff::{parse_label, DisplayName, Email};
use spin_sdk::sqlite3::{RowResult, Value};

const STAFF_COLUMNS: &str = "id, name, email, role, active, created_at";

/// Maps a row of `STAFF_COLUMNS` to a `Staff`: the one place that knows the column order.
pub fn staff_from_row(row: &RowResult) -> Result<Staff, Error> {
    Ok(Staff {
        id: db::text(row, 0, "id")?,
        name: db::text(row, 1, "name")?,
        email: db::text(row, 2, "email")?,
        role: names::stored::<Role>(&db::text(row, 3, "role")?)?.into(),
        active: db::flag(row, 4, "active")?,
        created_at: db::text(row, 5, "created_at")?,
    })
}

fn staff_json(staff: &Staff) -> serde_json::Value {
    serde_json::json!({
        "id": staff.id,
        "name": staff.name,
        "email": staff.email,
        "role": Role::from(staff.role).as_str(),
        "active": staff.active,
        "created_at": staff.created_at,
    })
}

pub fn create_staff(db: &Db, actor: &Actor, input: NewStaff) -> Result<Staff, Error> {
    actor.require(Role::administers_staff, "create staff")?;
    let name = DisplayName::parse("name", &input.name)?;
    let email = Email::parse("email", &input.email)?;
    let staff = Staff {
        id: secrets::new_id("stf")?,
        name: name.as_str().to_owned(),
        email: email.as_str().to_owned(),
        role: input.role,
        active: true,
        created_at: db::now(),
    };
    db.transaction(|db| {
        let taken = db.query(
            "SELECT 1 FROM staff WHERE email = ?",
            &[Value::Text(staff.email.clone())],
        )?;
        if !taken.rows.is_empty() {
            return Err(Error::Conflict(format!(
                "a member of staff with e-mail {} exists",
                staff.email
            )));
        }
        db.exec(
            &format!("INSERT INTO staff ({STAFF_COLUMNS}) VALUES (?, ?, ?, ?, 1, ?)"),
            &[
                Value::Text(staff.id.clone()),
                Value::Text(staff.name.clone()),
                Value::Text(staff.email.clone()),
                Value::Text(Role::from(staff.role).as_str().into()),
                Value::Text(staff.created_at.clone()),
            ],
        )?;
        audit::record(
            db,
            actor,
            "staff.create",
            "staff",
            &staff.id,
            None,
            Some(staff_json(&staff)),
        )
    })?;
    Ok(staff)
}

pub fn list_staff(db: &Db, actor: &Actor) -> Result<Vec<Staff>, Error> {
    actor.require(Role::oversees, "list staff")?;
    let result = db.query(
        &format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY created_at, id"),
        &[],
    )?;
    result.rows.iter().map(staff_from_row).collect()
}

fn find_staff(db: &Db, id: &str) -> Result<Staff, Error> {
    let result = db.query(
        &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match result.rows.first() {
        Some(row) => staff_from_row(row),
        None => Err(Error::NotFound(format!("no member of staff {id}"))),
    }
}

pub fn issue_token(
    db: &Db,
    actor: &Actor,
    staff_id: &str,
    label: &str,
) -> Result<IssuedToken, Error> {
    actor.require(Role::administers_staff, "issue tokens")?;
    let label = parse_label("label", label)?;
    let secret = secrets::new_secret()?;
    let token = IssuedToken {
        id: secrets::new_id("tok")?,
        staff_id: staff_id.to_owned(),
        secret,
        label,
        created_at: db::now(),
    };
    db.transaction(|db| {
        let holder = find_staff(db, staff_id)?;
        if !holder.active {
            return Err(Error::Conflict(format!("{staff_id} is deactivated")));
        }
        db.exec(
            "INSERT INTO staff_token (id, staff_id, secret_hash, label, created_at) VALUES (?, ?, ?, ?, ?)",
            &[
                Value::Text(token.id.clone()),
                Value::Text(token.staff_id.clone()),
                Value::Text(secrets::hash(&token.secret)),
                Value::Text(token.label.clone()),
                Value::Text(token.created_at.clone()),
            ],
        )?;
        // The secret never enters the audit log.
        let after = serde_json::json!({
            "id": token.id, "staff_id": token.staff_id, "label": token.label, "created_at": token.created_at,
        });
        audit::record(db, actor, "token.issue", "staff_token", &token.id, None, Some(after))
    })?;
    Ok(token)
}

pub fn revoke_token(db: &Db, actor: &Actor, token_id: &str) -> Result<(), Error> {
    db.transaction(|db| {
        let found = db.query(
            "SELECT staff_id, label, revoked_at FROM staff_token WHERE id = ?",
            &[Value::Text(token_id.to_owned())],
        )?;
        let Some(row) = found.rows.first() else {
            return Err(Error::NotFound(format!("no token {token_id}")));
        };
        let holder = db::text(row, 0, "staff_id")?;
        if holder != actor.id() {
            actor.require(Role::administers_staff, "revoke another member's token")?;
        }
        if row.get::<&str>(2).is_some() {
            return Ok(()); // Already revoked: revoking again changes nothing.
        }
        let now = db::now();
        db.exec(
            "UPDATE staff_token SET revoked_at = ? WHERE id = ?",
            &[Value::Text(now.clone()), Value::Text(token_id.to_owned())],
        )?;
        let before = serde_json::json!({ "id": token_id, "staff_id": holder, "revoked_at": null });
        let after = serde_json::json!({ "id": token_id, "staff_id": holder, "revoked_at": now });
        audit::record(
            db,
            actor,
            "token.revoke",
            "staff_token",
            token_id,
            Some(before),
            Some(after),
        )
    })
}
