//! The contact log, with drafts that fill themselves from what is already known.

use crate::audit;
use crate::auth::Actor;
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::activities::{
    Activity, ActivityDraft, ActivityInput, ActivityKind as WitActivityKind, ActivityPage,
    ActivityQuery,
};
use crate::exports::crm::records::types::Error;
use crate::names::stored;
use crate::secrets;
use crm_domain::activity::{ActivityKind, NewActivity, NewActivityDraft};
use crm_domain::role::Role;
use crm_domain::time::rfc3339_utc;
use spin_sdk::sqlite3::{RowResult, Value};

pub const ACTIVITY_COLUMNS: &str =
    "id, customer_id, contact_id, kind, occurred_at, rep_id, location, \
                                notes, requests, competitor_activity, open_items_json, \
                                entered_by, created_at";

/// The most contacts one batch can record.
const MAX_BATCH: usize = 100;

pub fn activity_from_row(row: &RowResult) -> Result<Activity, Error> {
    let open_items = serde_json::from_str(&db::text(row, 10, "open_items_json")?)
        .map_err(|e| db::internal("read open items", e))?;
    Ok(Activity {
        id: db::text(row, 0, "id")?,
        customer_id: db::text(row, 1, "customer_id")?,
        contact_id: row.get::<&str>(2).map(str::to_owned),
        kind: stored::<ActivityKind>(&db::text(row, 3, "kind")?)?.into(),
        occurred_at: db::text(row, 4, "occurred_at")?,
        rep_id: db::text(row, 5, "rep_id")?,
        location: db::text(row, 6, "location")?,
        notes: db::text(row, 7, "notes")?,
        requests: db::text(row, 8, "requests")?,
        competitor_activity: db::text(row, 9, "competitor_activity")?,
        open_items,
        entered_by: db::text(row, 11, "entered_by")?,
        created_at: db::text(row, 12, "created_at")?,
    })
}

fn activity_json(a: &Activity) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "customer_id": a.customer_id, "contact_id": a.contact_id,
        "kind": ActivityKind::from(a.kind).as_str(), "occurred_at": a.occurred_at,
        "rep_id": a.rep_id, "location": a.location, "notes": a.notes, "requests": a.requests,
        "competitor_activity": a.competitor_activity, "open_items": a.open_items,
    })
}

/// The last contact of `kind` with a customer, if any.
fn last_of_kind(db: &Db, customer_id: &str, kind: ActivityKind) -> Result<Option<Activity>, Error> {
    let found = db.query(
        &format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activity WHERE customer_id = ? AND kind = ?
              ORDER BY occurred_at DESC, created_at DESC LIMIT 1"
        ),
        &[
            Value::Text(customer_id.to_owned()),
            Value::Text(kind.as_str().into()),
        ],
    )?;
    found.rows.first().map(activity_from_row).transpose()
}

fn draft(
    db: &Db,
    actor: &Actor,
    customer_id: &str,
    kind: WitActivityKind,
) -> Result<ActivityDraft, Error> {
    let customer = customers::load(db, customer_id)?;
    let previous = last_of_kind(db, customer_id, kind.into())?;
    let still_a_contact = |id: &String| customer.contacts.iter().any(|c| &c.id == id);
    let primary_contact = customer
        .contacts
        .iter()
        .find(|c| c.primary)
        .map(|c| c.id.clone());
    let first_address = customer.addresses.first().map(|a| {
        [a.street.as_str(), a.city.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    });
    Ok(ActivityDraft {
        customer_id: customer_id.to_owned(),
        kind,
        rep_id: actor.id().to_owned(),
        occurred_at: db::now(),
        contact_id: previous
            .as_ref()
            .and_then(|p| p.contact_id.clone())
            .filter(still_a_contact)
            .or(primary_contact),
        location: previous
            .as_ref()
            .map(|p| p.location.clone())
            .filter(|l| !l.is_empty())
            .or(first_address)
            .unwrap_or_default(),
        open_items: previous
            .as_ref()
            .map(|p| p.open_items.clone())
            .unwrap_or_default(),
        previous_id: previous.map(|p| p.id),
    })
}

pub fn draft_activity(
    db: &Db,
    actor: &Actor,
    customer_id: &str,
    kind: WitActivityKind,
) -> Result<ActivityDraft, Error> {
    actor.require(Role::works_with_customers, "record contacts")?;
    draft(db, actor, customer_id, kind)
}

/// Turns one input into an activity: its fields parsed whole first, then its customer, rep and
/// contact checked against the store; what it leaves out comes from the draft.
fn complete(db: &Db, actor: &Actor, input: &ActivityInput, now: i64) -> Result<Activity, Error> {
    // Whether the caller may record for someone else comes before their input is looked at.
    let other_rep = input
        .rep_id
        .as_deref()
        .map(str::trim)
        .filter(|rep| !rep.is_empty() && *rep != actor.id());
    if other_rep.is_some() {
        actor.require(Role::manages_field_work, "record contacts for someone else")?;
    }
    let parsed = NewActivity::parse(NewActivityDraft {
        occurred_at: input.occurred_at.as_deref(),
        location: input.location.as_deref(),
        notes: input.notes.as_deref(),
        requests: input.requests.as_deref(),
        competitor_activity: input.competitor_activity.as_deref(),
        open_items: input.open_items.as_deref(),
        now,
    })?;
    let customer = customers::load(db, &input.customer_id).map_err(|e| match e {
        Error::NotFound(_) => {
            db::missing("customer_id", format!("no customer {}", input.customer_id))
        }
        other => other,
    })?;
    let draft = draft(db, actor, &input.customer_id, input.kind)?;
    let rep_id = match other_rep {
        Some(rep) => {
            customers::check_owner(db, rep).map_err(|e| db::refield(e, |_| "rep_id".into()))?;
            rep.to_owned()
        }
        None => actor.id().to_owned(),
    };
    let contact_id = match &input.contact_id {
        Some(id) if !customer.contacts.iter().any(|c| &c.id == id) => {
            return Err(db::missing(
                "contact_id",
                format!("{id} is not a contact of customer {}", customer.id),
            ))
        }
        Some(id) => Some(id.clone()),
        None => draft.contact_id,
    };
    Ok(Activity {
        id: secrets::new_id("act")?,
        customer_id: customer.id,
        contact_id,
        kind: input.kind,
        occurred_at: parsed.occurred_at,
        rep_id,
        location: parsed.location.unwrap_or(draft.location),
        notes: parsed.notes,
        requests: parsed.requests,
        competitor_activity: parsed.competitor_activity,
        open_items: parsed.open_items.unwrap_or(draft.open_items),
        entered_by: actor.id().to_owned(),
        created_at: rfc3339_utc(now),
    })
}

pub fn record_activities(
    db: &Db,
    actor: &Actor,
    inputs: Vec<ActivityInput>,
) -> Result<Vec<Activity>, Error> {
    actor.require(Role::works_with_customers, "record contacts")?;
    if inputs.is_empty() || inputs.len() > MAX_BATCH {
        return Err(db::invalid(
            "items",
            format!("send 1 to {MAX_BATCH} contacts"),
        ));
    }
    let now = db::now_secs();
    db.transaction(|db| {
        let mut recorded = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let activity = complete(db, actor, input, now)
                .map_err(|e| db::refield(e, |field| format!("items[{i}].{field}")))?;
            insert(db, &activity)?;
            audit::record(
                db,
                actor,
                "activity.create",
                "activity",
                &activity.id,
                None,
                Some(activity_json(&activity)),
            )?;
            recorded.push(activity);
        }
        Ok(recorded)
    })
}

pub fn insert(db: &Db, a: &Activity) -> Result<(), Error> {
    db.exec(
        &format!("INSERT INTO activity ({ACTIVITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        &[
            Value::Text(a.id.clone()),
            Value::Text(a.customer_id.clone()),
            a.contact_id.clone().map_or(Value::Null, Value::Text),
            Value::Text(ActivityKind::from(a.kind).as_str().into()),
            Value::Text(a.occurred_at.clone()),
            Value::Text(a.rep_id.clone()),
            Value::Text(a.location.clone()),
            Value::Text(a.notes.clone()),
            Value::Text(a.requests.clone()),
            Value::Text(a.competitor_activity.clone()),
            Value::Text(serde_json::Value::from(a.open_items.clone()).to_string()),
            Value::Text(a.entered_by.clone()),
            Value::Text(a.created_at.clone()),
        ],
    )
}

pub fn list_activities(
    db: &Db,
    actor: &Actor,
    query: ActivityQuery,
) -> Result<ActivityPage, Error> {
    actor.require(Role::works_with_customers, "see contacts")?;
    db::check_limit("limit", query.limit, 200)?;
    let (after_at, after_id) = db::parse_cursor(query.cursor.as_deref())?;
    let found = db.query(
        &format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activity
              WHERE (?1 IS NULL OR customer_id = ?1)
                AND (?2 IS NULL OR rep_id = ?2)
                AND (?3 IS NULL OR (occurred_at, id) < (?3, ?4))
              ORDER BY occurred_at DESC, id DESC LIMIT ?5"
        ),
        &[
            query.customer_id.map_or(Value::Null, Value::Text),
            query.rep_id.map_or(Value::Null, Value::Text),
            after_at,
            after_id,
            Value::Integer(i64::from(query.limit) + 1),
        ],
    )?;
    let mut items = found
        .rows
        .iter()
        .map(activity_from_row)
        .collect::<Result<Vec<_>, Error>>()?;
    let next_cursor = db::next_cursor(&mut items, query.limit, |a| (&a.occurred_at, &a.id));
    Ok(ActivityPage { items, next_cursor })
}

/// The most recent activities of a customer, for the overview's timeline.
pub fn recent_of_customer(db: &Db, customer_id: &str, limit: u32) -> Result<Vec<Activity>, Error> {
    let found = db.query(
        &format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activity WHERE customer_id = ?
              ORDER BY occurred_at DESC, id DESC LIMIT ?"
        ),
        &[
            Value::Text(customer_id.to_owned()),
            Value::Integer(i64::from(limit)),
        ],
    )?;
    found.rows.iter().map(activity_from_row).collect()
}
