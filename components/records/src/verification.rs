//! Visit verification: reproducible samples, recorded checks, and each rep's rate.

use crate::activities::{activity_from_row, ACTIVITY_COLUMNS};
use crate::audit;
use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::activities::Activity;
use crate::exports::crm::records::types::Error;
use crate::exports::crm::records::verification::{
    CheckOutcome as WitCheckOutcome, RepRate, SampleRequest, VisitCheck,
};
use crm_domain::customer::parse_text;
use crm_domain::role::Role;
use crm_domain::time::{parse_day, parse_instant, rfc3339_utc};
use crm_domain::verification::{sample_indices, verification_rate, CheckOutcome, MAX_SAMPLE};
use spin_sdk::sqlite3::Value;

/// The instants `[start, end)` covering the days `first..=last`, as stored text.
fn period(first: &str, last: &str) -> Result<(String, String), Error> {
    let start = parse_instant("first_day", &parse_day("first_day", first)?)?;
    // A period that ends before it starts is empty: the queries find nothing in it.
    let end = parse_instant("last_day", &parse_day("last_day", last)?)? + 86_400;
    Ok((rfc3339_utc(start), rfc3339_utc(end.max(start))))
}

pub fn draw_sample(db: &Db, actor: &Actor, request: SampleRequest) -> Result<Vec<Activity>, Error> {
    actor.require(Role::manages_field_work, "verify visits")?;
    if !(1..=MAX_SAMPLE).contains(&request.size) {
        return Err(db::invalid(
            "size",
            format!("must be between 1 and {MAX_SAMPLE}"),
        ));
    }
    let (start, end) = period(&request.first_day, &request.last_day)?;
    // A stable order, so that the same seed over the same visits draws the same sample.
    let found = db.query(
        &format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activity
              WHERE rep_id = ? AND kind = 'visit' AND occurred_at >= ? AND occurred_at < ?
              ORDER BY occurred_at, id"
        ),
        &[
            Value::Text(request.rep_id.clone()),
            Value::Text(start),
            Value::Text(end),
        ],
    )?;
    sample_indices(found.rows.len(), request.size as usize, request.seed)
        .into_iter()
        .map(|i| activity_from_row(&found.rows[i]))
        .collect()
}

pub fn record_check(
    db: &Db,
    actor: &Actor,
    activity_id: &str,
    outcome: WitCheckOutcome,
    note: &str,
) -> Result<VisitCheck, Error> {
    actor.require(Role::manages_field_work, "verify visits")?;
    let note = parse_text("note", note, 1000)?;
    let check = VisitCheck {
        activity_id: activity_id.to_owned(),
        outcome,
        note,
        checked_by: actor.id().to_owned(),
        checked_at: db::now(),
    };
    let json = |c: &VisitCheck| {
        serde_json::json!({
            "activity_id": c.activity_id, "outcome": CheckOutcome::from(c.outcome).as_str(),
            "note": c.note, "checked_by": c.checked_by, "checked_at": c.checked_at,
        })
    };
    db.transaction(|db| {
        let visit = db.query(
            "SELECT kind FROM activity WHERE id = ?",
            &[Value::Text(activity_id.to_owned())],
        )?;
        match visit.rows.first().and_then(|r| r.get::<&str>(0)) {
            None => return Err(Error::NotFound(format!("no activity {activity_id}"))),
            Some("visit") => {}
            Some(kind) => {
                return Err(Error::Conflict(format!(
                    "activity {activity_id} is a {kind}, not a visit; only visits are verified"
                )))
            }
        }
        let previous = db.query(
            "SELECT outcome, note, checked_by, checked_at FROM visit_check WHERE activity_id = ?",
            &[Value::Text(activity_id.to_owned())],
        )?;
        let before = previous.rows.first().map(|row| {
            serde_json::json!({
                "activity_id": activity_id, "outcome": row.get::<&str>(0), "note": row.get::<&str>(1),
                "checked_by": row.get::<&str>(2), "checked_at": row.get::<&str>(3),
            })
        });
        db.exec(
            "INSERT INTO visit_check (activity_id, outcome, note, checked_by, checked_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (activity_id) DO UPDATE SET outcome = excluded.outcome,
                 note = excluded.note, checked_by = excluded.checked_by,
                 checked_at = excluded.checked_at",
            &[
                Value::Text(check.activity_id.clone()),
                Value::Text(CheckOutcome::from(check.outcome).as_str().into()),
                Value::Text(check.note.clone()),
                Value::Text(check.checked_by.clone()),
                Value::Text(check.checked_at.clone()),
            ],
        )?;
        audit::record(db, actor, "visit.check", "activity", activity_id, before, Some(json(&check)))?;
        Ok(check.clone())
    })
}

pub fn rates(
    db: &Db,
    actor: &Actor,
    first_day: &str,
    last_day: &str,
) -> Result<Vec<RepRate>, Error> {
    actor.require(Role::manages_field_work, "see verification rates")?;
    let (start, end) = period(first_day, last_day)?;
    let found = db.query(
        "SELECT a.rep_id, COUNT(*), COUNT(c.activity_id),
                COALESCE(SUM(c.outcome = 'confirmed'), 0),
                COALESCE(SUM(c.outcome = 'not_confirmed'), 0),
                COALESCE(SUM(c.outcome = 'no_answer'), 0)
           FROM activity a LEFT JOIN visit_check c ON c.activity_id = a.id
          WHERE a.kind = 'visit' AND a.occurred_at >= ? AND a.occurred_at < ?
          GROUP BY a.rep_id ORDER BY a.rep_id",
        &[Value::Text(start), Value::Text(end)],
    )?;
    found
        .rows
        .iter()
        .map(|row| {
            let count = |i: usize| db::count(row, i, "count");
            let (confirmed, not_confirmed) = (count(3)?, count(4)?);
            Ok(RepRate {
                rep_id: db::text(row, 0, "rep_id")?,
                visits: count(1)?,
                checked: count(2)?,
                confirmed,
                not_confirmed,
                no_answer: count(5)?,
                rate: verification_rate(confirmed, not_confirmed),
            })
        })
        .collect()
}
