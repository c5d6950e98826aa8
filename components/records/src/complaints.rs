//! Complaints: filing, the workflow, replies, priority changes and the escalation sweep; and
//! the customer's own complaints on the portal (filing, replying, reopening, confirming receipt
//! of a replacement, rating), seen without the company's internal entries.
//!
//! The clock model: each complaint has two timers (`crm_domain::sla::Timer`), first response and
//! resolution, stored in its row. Every event that changes them (filing, reply, transition,
//! priority or policy change) applies the domain's rules and stores the new state, deadline
//! included, in the transaction of the event. Reads derive `breached` and `late_seconds` from the
//! stored deadline and the current time, so they are right whether or not a sweep has run. The
//! row also keeps `next_escalation_at`, the instant its next escalation level becomes due; the
//! sweep picks the rows whose instant has passed and fires their due levels under the write
//! lock, each level once (a level is a primary key, and the level only rises).

use crate::audit;
use crate::auth::{Actor, CustomerActor};
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::complaints::{
    Closure, Complaint, ComplaintAction as WitAction, ComplaintDetail, ComplaintEvent,
    ComplaintPage, ComplaintQuery, ComplaintSla, CustomerHistory, Escalation, Fired, MyComplaint,
    MyComplaintEvent, MyComplaintInput, MyComplaintPage, MyNewComplaint, NewComplaint, Photo,
    PhotoInfo, Rating, SlaClock, SweepReport,
};
use crate::exports::crm::records::sla::Priority as WitPriority;
use crate::exports::crm::records::types::Error;
use crate::names::stored;
use crate::orders;
use crate::secrets;
use crate::service_requests;
use crate::sla::{self, Governing};
use crm_domain::complaint::{
    effects, is_open, parse_customer_text, parse_photos, parse_reply, transition as next_status,
    Closure as DomainClosure, ComplaintAction, ComplaintChannel, ComplaintDraft, ComplaintQueue,
    ComplaintStatus, MyComplaintAction, NewComplaint as DomainNewComplaint, Photo as NewPhoto,
    Rating as DomainRating, MAX_PHOTOS_PER_COMPLAINT, MAX_SCORE,
};
use crm_domain::customer::Tier;
use crm_domain::demo::Step as HistoricStep;
use crm_domain::role::Role;
use crm_domain::service::customer_note;
use crm_domain::sla::{due_levels, rule_due_at, Clock, EscalationTrigger, Priority, Timer};
use crm_domain::time::{parse_instant, rfc3339_utc};
use crm_domain::FieldError;
use serde_json::json;
use sha2::{Digest, Sha256};
use spin_sdk::sqlite3::{RowResult, Value};
use std::collections::HashMap;

/// Who the sweep acts as, in the timeline and the audit log.
const SYSTEM: &str = "system";

/// How many due complaints one sweep transaction takes.
const SWEEP_BATCH: u32 = 200;

const COLUMNS: &str = "id, customer_id, contact_phone, order_id, line_no, product_id, \
     batch_number, invoice_number, ship_date, category, description, priority, channel, status, \
     assignee_id, filed_by, cause, result, prevention, signed_off_by, policy_id, filed_at, \
     fr_target, fr_consumed, fr_running_since, fr_met_at, fr_due_at, \
     res_target, res_consumed, res_running_since, res_met_at, res_due_at, \
     escalation_level, next_escalation_at, version, created_at, updated_at";

/// A complaint as stored: its clocks as timers, instants as Unix seconds.
#[derive(Clone)]
struct Row {
    id: String,
    customer_id: String,
    contact_phone: String,
    order_id: Option<String>,
    line_no: Option<u32>,
    product_id: Option<String>,
    batch_number: String,
    invoice_number: String,
    ship_date: Option<String>,
    category: String,
    description: String,
    priority: Priority,
    channel: ComplaintChannel,
    status: ComplaintStatus,
    assignee_id: Option<String>,
    filed_by: String,
    cause: String,
    result: String,
    prevention: String,
    signed_off_by: Option<String>,
    policy_id: String,
    filed_at: i64,
    first_response: Timer,
    resolution: Timer,
    escalation_level: u8,
    next_escalation_at: Option<i64>,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// A clock stored in five columns from `base`: target, consumed, running since, met at, due at
/// (`fr_…` or `res_…`).
pub fn timer_at(r: &RowResult, base: usize) -> Result<Timer, Error> {
    Ok(Timer {
        target_seconds: db::integer(r, base, "target")?,
        consumed_seconds: db::integer(r, base + 1, "consumed")?,
        running_since: r.get::<i64>(base + 2),
        met_at: r.get::<i64>(base + 3),
        due_at: r.get::<i64>(base + 4),
    })
}

fn row_from(r: &RowResult) -> Result<Row, Error> {
    let opt_text = |i: usize| r.get::<&str>(i).map(str::to_owned);
    let opt_int = |i: usize| r.get::<i64>(i);
    let timer = |base: usize| timer_at(r, base);
    Ok(Row {
        id: db::text(r, 0, "id")?,
        customer_id: db::text(r, 1, "customer_id")?,
        contact_phone: db::text(r, 2, "contact_phone")?,
        order_id: opt_text(3),
        line_no: opt_int(4).and_then(|n| u32::try_from(n).ok()),
        product_id: opt_text(5),
        batch_number: db::text(r, 6, "batch_number")?,
        invoice_number: db::text(r, 7, "invoice_number")?,
        ship_date: opt_text(8),
        category: db::text(r, 9, "category")?,
        description: db::text(r, 10, "description")?,
        priority: stored(&db::text(r, 11, "priority")?)?,
        channel: stored(&db::text(r, 12, "channel")?)?,
        status: stored(&db::text(r, 13, "status")?)?,
        assignee_id: opt_text(14),
        filed_by: db::text(r, 15, "filed_by")?,
        cause: db::text(r, 16, "cause")?,
        result: db::text(r, 17, "result")?,
        prevention: db::text(r, 18, "prevention")?,
        signed_off_by: opt_text(19),
        policy_id: db::text(r, 20, "policy_id")?,
        filed_at: db::integer(r, 21, "filed_at")?,
        first_response: timer(22)?,
        resolution: timer(27)?,
        escalation_level: u8::try_from(db::integer(r, 32, "escalation_level")?)
            .map_err(|e| db::internal("read an escalation level", e))?,
        next_escalation_at: opt_int(33),
        version: db::integer(r, 34, "version")?,
        created_at: db::text(r, 35, "created_at")?,
        updated_at: db::text(r, 36, "updated_at")?,
    })
}

fn params(c: &Row) -> Vec<Value> {
    let text = |s: &str| Value::Text(s.to_owned());
    let opt_text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
    let opt_int = |n: Option<i64>| n.map_or(Value::Null, Value::Integer);
    let mut values = vec![
        text(&c.id),
        text(&c.customer_id),
        text(&c.contact_phone),
        opt_text(&c.order_id),
        opt_int(c.line_no.map(i64::from)),
        opt_text(&c.product_id),
        text(&c.batch_number),
        text(&c.invoice_number),
        opt_text(&c.ship_date),
        text(&c.category),
        text(&c.description),
        text(c.priority.as_str()),
        text(c.channel.as_str()),
        text(c.status.as_str()),
        opt_text(&c.assignee_id),
        text(&c.filed_by),
        text(&c.cause),
        text(&c.result),
        text(&c.prevention),
        opt_text(&c.signed_off_by),
        text(&c.policy_id),
        Value::Integer(c.filed_at),
    ];
    for t in [&c.first_response, &c.resolution] {
        values.extend([
            Value::Integer(t.target_seconds),
            Value::Integer(t.consumed_seconds),
            opt_int(t.running_since),
            opt_int(t.met_at),
            opt_int(t.due_at),
        ]);
    }
    values.extend([
        Value::Integer(i64::from(c.escalation_level)),
        opt_int(c.next_escalation_at),
        Value::Integer(c.version),
        text(&c.created_at),
        text(&c.updated_at),
    ]);
    values
}

fn insert(db: &Db, c: &Row) -> Result<(), Error> {
    let marks = vec!["?"; 37].join(", ");
    db.exec(
        &format!("INSERT INTO complaint ({COLUMNS}) VALUES ({marks})"),
        &params(c),
    )
}

/// Writes every column of `c` back (its id is the key) and bumps its version.
fn save(db: &Db, c: &mut Row) -> Result<(), Error> {
    c.version += 1;
    c.updated_at = db::now();
    let assignments = COLUMNS
        .split(", ")
        .enumerate()
        .skip(1)
        .map(|(i, column)| format!("{} = ?{}", column.trim(), i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    db.exec(
        &format!("UPDATE complaint SET {assignments} WHERE id = ?1"),
        &params(c),
    )
}

fn find(db: &Db, id: &str) -> Result<Row, Error> {
    let found = db.query(
        &format!("SELECT {COLUMNS} FROM complaint WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(r) => row_from(r),
        None => Err(Error::NotFound(format!("no complaint {id}"))),
    }
}

fn may_see(actor: &Actor) -> Result<(), Error> {
    actor.require(Role::works_with_customers, "see complaints")
}

/// Closing (a signed decision) and changing the priority (which sets the deadlines) are for the
/// complaint's assignee or a manager; anyone who sees complaints may work on them otherwise.
fn may_decide(actor: &Actor, c: &Row, what: &str) -> Result<(), Error> {
    if actor.role().oversees() || c.assignee_id.as_deref() == Some(actor.id()) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "only the assignee of complaint {} or a manager may {what}",
            c.id
        )))
    }
}

// --- what a complaint reports ---

fn clock_view(t: &Timer, clock: Clock<'_>, kind: crm_domain::sla::ClockKind, now: i64) -> SlaClock {
    SlaClock {
        target_seconds: t.target_seconds,
        clock: kind.into(),
        due_at: t.due_at.map(rfc3339_utc),
        met_at: t.met_at.map(rfc3339_utc),
        elapsed_seconds: t.elapsed(clock, now),
        breached: t.breached(now),
        late_seconds: t.late_seconds(now),
    }
}

fn view(c: &Row, g: &Governing, now: i64) -> Complaint {
    Complaint {
        id: c.id.clone(),
        customer_id: c.customer_id.clone(),
        contact_phone: c.contact_phone.clone(),
        order_id: c.order_id.clone(),
        line_no: c.line_no,
        product_id: c.product_id.clone(),
        batch_number: c.batch_number.clone(),
        invoice_number: c.invoice_number.clone(),
        ship_date: c.ship_date.clone(),
        category: c.category.clone(),
        description: c.description.clone(),
        priority: c.priority.into(),
        channel: c.channel.into(),
        status: c.status.into(),
        assignee_id: c.assignee_id.clone(),
        filed_by: c.filed_by.clone(),
        cause: c.cause.clone(),
        result: c.result.clone(),
        prevention: c.prevention.clone(),
        signed_off_by: c.signed_off_by.clone(),
        sla: ComplaintSla {
            policy_id: c.policy_id.clone(),
            first_response: clock_view(
                &c.first_response,
                g.first_response_clock(),
                g.policy.first_response.clock.into(),
                now,
            ),
            resolution: clock_view(
                &c.resolution,
                g.resolution_clock(),
                g.policy.resolution.clock.into(),
                now,
            ),
            paused: c.resolution.paused(),
            escalation_level: c.escalation_level,
        },
        created_at: c.created_at.clone(),
        updated_at: c.updated_at.clone(),
    }
}

fn audit_json(c: &Row) -> serde_json::Value {
    json!({
        "customer_id": c.customer_id, "order_id": c.order_id, "line_no": c.line_no,
        "category": c.category, "priority": c.priority.as_str(), "channel": c.channel.as_str(),
        "status": c.status.as_str(), "assignee_id": c.assignee_id, "policy_id": c.policy_id,
        "cause": c.cause, "result": c.result, "prevention": c.prevention,
        "signed_off_by": c.signed_off_by, "escalation_level": c.escalation_level,
        "first_response_due_at": c.first_response.due_at, "resolution_due_at": c.resolution.due_at,
    })
}

fn history(db: &Db, customer_id: &str, now: i64) -> Result<CustomerHistory, Error> {
    let found = db.query(
        "SELECT c.name, c.tier, c.created_at,
                COALESCE(v.orders, 0), COALESCE(v.value, 0),
                (SELECT MIN(o.placed_at) FROM customer_order o WHERE o.customer_id = c.id),
                (SELECT COUNT(*) FROM complaint k WHERE k.customer_id = c.id
                    AND k.status NOT IN ('resolved', 'closed'))
           FROM customer c LEFT JOIN customer_value v ON v.customer_id = c.id
          WHERE c.id = ?",
        &[Value::Text(customer_id.to_owned())],
    )?;
    let row = found
        .rows
        .first()
        .ok_or_else(|| Error::NotFound(format!("no customer {customer_id}")))?;
    let instant = |text: &str| {
        parse_instant("created_at", text).map_err(|e| db::internal("read an instant", e))
    };
    let recorded = instant(&db::text(row, 2, "created_at")?)?;
    let since = match row.get::<&str>(5) {
        Some(first_order) => instant(first_order)?.min(recorded),
        None => recorded,
    };
    const YEAR: i64 = 31_556_952; // 365.2425 days
    let order_count = db::count(row, 3, "order_count")?;
    let total_value = db::integer(row, 4, "total_value")?;
    let (rank, ranked) = orders::rank_of(db, total_value)?;
    Ok(CustomerHistory {
        customer_id: customer_id.to_owned(),
        name: db::text(row, 0, "name")?,
        tier: stored::<Tier>(&db::text(row, 1, "tier")?)?.into(),
        order_count,
        total_value,
        years_as_customer: u32::try_from(((now - since) / YEAR).max(0)).unwrap_or(u32::MAX),
        open_complaints: db::count(row, 6, "open_complaints")?,
        rank: if order_count > 0 { rank } else { 0 },
        ranked,
    })
}

fn escalations(db: &Db, id: &str) -> Result<Vec<Escalation>, Error> {
    let found = db.query(
        "SELECT level, rule_trigger, due_at, fired_at, assigned_to FROM complaint_escalation
          WHERE complaint_id = ? ORDER BY level",
        &[Value::Text(id.to_owned())],
    )?;
    found
        .rows
        .iter()
        .map(|r| {
            let due_at = db::integer(r, 2, "due_at")?;
            let fired_at = db::integer(r, 3, "fired_at")?;
            Ok(Escalation {
                level: u8::try_from(db::integer(r, 0, "level")?)
                    .map_err(|e| db::internal("read an escalation level", e))?,
                trigger: stored::<EscalationTrigger>(&db::text(r, 1, "rule_trigger")?)?.into(),
                due_at: rfc3339_utc(due_at),
                fired_at: rfc3339_utc(fired_at),
                late_seconds: (fired_at - due_at).max(0),
                assigned_to: r.get::<&str>(4).map(str::to_owned),
            })
        })
        .collect()
}

fn timeline(db: &Db, id: &str) -> Result<Vec<ComplaintEvent>, Error> {
    let found = db.query(
        "SELECT at, actor_id, kind, status, note FROM complaint_event
          WHERE complaint_id = ? ORDER BY seq",
        &[Value::Text(id.to_owned())],
    )?;
    found
        .rows
        .iter()
        .map(|r| {
            Ok(ComplaintEvent {
                at: db::text(r, 0, "at")?,
                actor_id: db::text(r, 1, "actor_id")?,
                kind: db::text(r, 2, "kind")?,
                status: stored::<ComplaintStatus>(&db::text(r, 3, "status")?)?.into(),
                note: db::text(r, 4, "note")?,
            })
        })
        .collect()
}

fn detail(db: &Db, c: &Row, g: &Governing) -> Result<ComplaintDetail, Error> {
    let now = db::now_secs();
    Ok(ComplaintDetail {
        complaint: view(c, g, now),
        customer: history(db, &c.customer_id, now)?,
        escalations: escalations(db, &c.id)?,
        timeline: timeline(db, &c.id)?,
        service_requests: service_requests::of_complaint(db, &c.id)?,
        rating: rating_of(db, &c.id)?,
        photos: photos_of(db, &c.id)?,
    })
}

// --- photos ---

/// What is known of the photos of complaint `id`, in the order they were attached.
fn photos_of(db: &Db, id: &str) -> Result<Vec<PhotoInfo>, Error> {
    let found = db.query(
        "SELECT id, content_type, size, added_at FROM complaint_photo
          WHERE complaint_id = ? ORDER BY rowid",
        &[Value::Text(id.to_owned())],
    )?;
    found.rows.iter().map(|r| photo_info(r, 0)).collect()
}

fn photo_info(r: &RowResult, base: usize) -> Result<PhotoInfo, Error> {
    Ok(PhotoInfo {
        id: db::text(r, base, "id")?,
        content_type: db::text(r, base + 1, "content_type")?,
        size: db::count(r, base + 2, "size")?,
        added_at: db::text(r, base + 3, "added_at")?,
    })
}

/// Photo `photo_id` of complaint `complaint_id`, with its bytes; a photo of another complaint
/// is not found.
fn photo(db: &Db, complaint_id: &str, photo_id: &str) -> Result<Photo, Error> {
    let found = db.query(
        "SELECT id, content_type, size, added_at, bytes FROM complaint_photo
          WHERE id = ? AND complaint_id = ?",
        &[
            Value::Text(photo_id.to_owned()),
            Value::Text(complaint_id.to_owned()),
        ],
    )?;
    let Some(r) = found.rows.into_iter().next() else {
        return Err(Error::NotFound(format!(
            "no photo {photo_id} of complaint {complaint_id}"
        )));
    };
    let info = photo_info(&r, 0)?;
    match r.values.into_iter().nth(4) {
        Some(Value::Blob(bytes)) => Ok(Photo { info, bytes }),
        _ => Err(db::internal("read a photo", "column bytes is not a blob")),
    }
}

/// Attaches `photos` to complaint `c` in the caller's transaction, as sent by `account`, each
/// audited (its kind, size and SHA-256, never its bytes). A complaint keeps at most
/// [`MAX_PHOTOS_PER_COMPLAINT`]; more is `invalid`, naming `photos`.
fn attach_photos(db: &Db, c: &Row, account: &str, photos: Vec<NewPhoto>) -> Result<(), Error> {
    if photos.is_empty() {
        return Ok(());
    }
    let found = db.query(
        "SELECT COUNT(*) FROM complaint_photo WHERE complaint_id = ?",
        &[Value::Text(c.id.clone())],
    )?;
    let kept = match found.rows.first() {
        Some(r) => db::count(r, 0, "count")? as usize,
        None => 0,
    };
    if kept + photos.len() > MAX_PHOTOS_PER_COMPLAINT {
        return Err(db::invalid(
            "photos",
            format!(
                "a complaint keeps at most {MAX_PHOTOS_PER_COMPLAINT} photos; this one has {kept}"
            ),
        ));
    }
    let added_at = db::now();
    for photo in photos {
        let id = secrets::new_id("pho")?;
        let sha256 = hex::encode(Sha256::digest(&photo.bytes));
        let size = photo.bytes.len();
        db.exec(
            "INSERT INTO complaint_photo
                    (id, complaint_id, content_type, size, sha256, bytes, added_by, added_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Text(id.clone()),
                Value::Text(c.id.clone()),
                Value::Text(photo.kind.media_type().to_owned()),
                Value::Integer(size as i64),
                Value::Text(sha256.clone()),
                Value::Blob(photo.bytes),
                Value::Text(account.to_owned()),
                Value::Text(added_at.clone()),
            ],
        )?;
        audit::record_as(
            db,
            account,
            "complaint.photo_added",
            "complaint",
            &c.id,
            None,
            Some(json!({
                "photo_id": id,
                "content_type": photo.kind.media_type(),
                "size": size,
                "sha256": sha256,
            })),
        )?;
    }
    Ok(())
}

/// One photo of a complaint, for staff who may see complaints.
pub fn complaint_photo(
    db: &Db,
    actor: &Actor,
    complaint_id: &str,
    photo_id: &str,
) -> Result<Photo, Error> {
    may_see(actor)?;
    photo(db, complaint_id, photo_id)
}

/// One photo of one of the signed-in customer's complaints.
pub fn my_complaint_photo(
    db: &Db,
    customer: &CustomerActor,
    complaint_id: &str,
    photo_id: &str,
) -> Result<Photo, Error> {
    find_mine(db, customer, complaint_id)?;
    photo(db, complaint_id, photo_id)
}

// --- events, notifications, the next escalation ---

fn event(db: &Db, c: &Row, actor_id: &str, kind: &str, note: &str) -> Result<(), Error> {
    db.exec(
        "INSERT INTO complaint_event (complaint_id, seq, at, actor_id, kind, status, note)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM complaint_event WHERE complaint_id = ?1),
                 ?2, ?3, ?4, ?5, ?6)",
        &[
            Value::Text(c.id.clone()),
            Value::Text(db::now()),
            Value::Text(actor_id.to_owned()),
            Value::Text(kind.to_owned()),
            Value::Text(c.status.as_str().to_owned()),
            Value::Text(note.to_owned()),
        ],
    )
}

/// Writes a notification for the webhooks, in the transaction of the event it announces, and
/// queues its delivery to every webhook that takes its topic (`webhooks::fan_out`).
pub fn notify(db: &Db, topic: &str, payload: serde_json::Value) -> Result<(), Error> {
    let event_id = secrets::new_id("evt")?;
    let payload = payload.to_string();
    db.exec(
        "INSERT INTO outbox (id, topic, payload_json, created_at) VALUES (?, ?, ?, ?)",
        &[
            Value::Text(event_id.clone()),
            Value::Text(topic.to_owned()),
            Value::Text(payload.clone()),
            Value::Text(db::now()),
        ],
    )?;
    crate::webhooks::fan_out(db, &event_id, topic, &payload)
}

/// Whether a rule's clock is still running toward it: a level about a clock that has been met
/// does not fire (the breach stays on the clock, but nobody is reassigned for an answer
/// already given).
fn still_pending(trigger: EscalationTrigger, c: &Row) -> bool {
    match trigger {
        EscalationTrigger::FirstResponseWarning
        | EscalationTrigger::FirstResponseBreach
        | EscalationTrigger::UnansweredFor => !c.first_response.is_met(),
        EscalationTrigger::ResolutionWarning | EscalationTrigger::ResolutionBreach => {
            !c.resolution.is_met()
        }
    }
}

/// The instant the next escalation level of `c` becomes due, if one can.
fn next_escalation(c: &Row, g: &Governing) -> Option<i64> {
    if !is_open(c.status) {
        return None;
    }
    g.rules
        .iter()
        .filter(|r| r.level > c.escalation_level && still_pending(r.trigger, c))
        .filter_map(|r| {
            rule_due_at(
                r,
                c.filed_at,
                &c.first_response,
                &c.resolution,
                g.first_response_clock(),
                g.resolution_clock(),
            )
        })
        .min()
}

/// Stores `c` after an event: the next escalation instant recomputed, the row saved.
fn save_with_clocks(db: &Db, c: &mut Row, g: &Governing) -> Result<(), Error> {
    c.next_escalation_at = next_escalation(c, g);
    save(db, c)
}

/// The active member of staff with `role` who has the fewest open complaints (then the lowest
/// id), for an escalation that reassigns and for a complaint filed on the portal.
fn least_busy(db: &Db, role: Role) -> Result<Option<String>, Error> {
    let found = db.query(
        "SELECT s.id FROM staff s WHERE s.role = ? AND s.active = 1
          ORDER BY (SELECT COUNT(*) FROM complaint c WHERE c.assignee_id = s.id
                      AND c.status NOT IN ('resolved', 'closed')), s.id
          LIMIT 1",
        &[Value::Text(role.as_str().to_owned())],
    )?;
    Ok(found
        .rows
        .first()
        .and_then(|r| r.get::<&str>(0))
        .map(str::to_owned))
}

fn check_assignee(db: &Db, id: &str) -> Result<(), Error> {
    customers::check_owner(db, id).map_err(|e| db::refield(e, |_| "assignee_id".into()))
}

// --- filing ---

/// The order line a complaint is about, checked to be the customer's: product, batch, invoice
/// and ship date to prefill. A line without its order, or line 0, was refused when the input
/// was parsed (`crm_domain::complaint::NewComplaint`).
struct LineFacts {
    product_id: Option<String>,
    batch_number: String,
    invoice_number: String,
    ship_date: Option<String>,
}

fn line_facts(
    db: &Db,
    customer_id: &str,
    order_id: Option<&str>,
    line_no: Option<u32>,
) -> Result<LineFacts, Error> {
    let Some(order_id) = order_id else {
        return Ok(LineFacts {
            product_id: None,
            batch_number: String::new(),
            invoice_number: String::new(),
            ship_date: None,
        });
    };
    let order = db.query(
        "SELECT invoice_number, ship_date FROM customer_order WHERE id = ? AND customer_id = ?",
        &[
            Value::Text(order_id.to_owned()),
            Value::Text(customer_id.to_owned()),
        ],
    )?;
    let order = order.rows.first().ok_or_else(|| {
        db::missing(
            "order_id",
            format!("customer {customer_id} has no order {order_id}"),
        )
    })?;
    let mut facts = LineFacts {
        product_id: None,
        batch_number: String::new(),
        invoice_number: db::text(order, 0, "invoice_number")?,
        ship_date: order.get::<&str>(1).map(str::to_owned),
    };
    if let Some(line_no) = line_no {
        // Stored lines count from 0; `line_no` counts from 1.
        let line = db.query(
            "SELECT product_id, batch_number FROM order_line WHERE order_id = ? AND line_no = ?",
            &[
                Value::Text(order_id.to_owned()),
                Value::Integer(i64::from(line_no) - 1),
            ],
        )?;
        let line = line.rows.first().ok_or_else(|| {
            db::missing("line_no", format!("order {order_id} has no line {line_no}"))
        })?;
        facts.product_id = Some(db::text(line, 0, "product_id")?);
        facts.batch_number = db::text(line, 1, "batch_number")?;
    }
    Ok(facts)
}

/// A complaint to file, checked: whom and what it is about, how it came in and who handles it.
struct Filing {
    customer_id: String,
    tier: Tier,
    contact_phone: String,
    order_id: Option<String>,
    line_no: Option<u32>,
    facts: LineFacts,
    category: String,
    description: String,
    priority: Priority,
    channel: ComplaintChannel,
    assignee_id: Option<String>,
}

/// Files complaint `id` in the caller's transaction, in the name of `filer` (a staff id, or a
/// customer's portal account): the clocks of the policy that governs it started now, the row,
/// the `filed` event, the audit entry and the assignment's notification. Staff filing and the
/// portal's both come here.
fn file(db: &Db, filer: &str, id: &str, f: Filing) -> Result<(Row, Governing), Error> {
    let g = sla::select(db, f.priority, f.tier)?;
    let now = db::now_secs();
    let stamp = rfc3339_utc(now);
    let mut c = Row {
        id: id.to_owned(),
        customer_id: f.customer_id,
        contact_phone: f.contact_phone,
        order_id: f.order_id,
        line_no: f.line_no,
        product_id: f.facts.product_id,
        batch_number: f.facts.batch_number,
        invoice_number: f.facts.invoice_number,
        ship_date: f.facts.ship_date,
        category: f.category,
        description: f.description,
        priority: f.priority,
        channel: f.channel,
        status: ComplaintStatus::New,
        assignee_id: f.assignee_id,
        filed_by: filer.to_owned(),
        cause: String::new(),
        result: String::new(),
        prevention: String::new(),
        signed_off_by: None,
        policy_id: g.policy.id.clone(),
        filed_at: now,
        first_response: Timer::start(
            g.first_response_clock(),
            now,
            g.policy.first_response.seconds,
        ),
        resolution: Timer::start(g.resolution_clock(), now, g.policy.resolution.seconds),
        escalation_level: 0,
        next_escalation_at: None,
        version: 1,
        created_at: stamp.clone(),
        updated_at: stamp,
    };
    c.next_escalation_at = next_escalation(&c, &g);
    insert(db, &c)?;
    event(db, &c, filer, "filed", &format!("filed by {filer}"))?;
    audit::record_as(
        db,
        filer,
        "complaint.file",
        "complaint",
        id,
        None,
        Some(audit_json(&c)),
    )?;
    if let Some(assignee) = &c.assignee_id {
        notify(
            db,
            "complaint.assigned",
            json!({"complaint_id": id, "assignee_id": assignee}),
        )?;
    }
    Ok((c, g))
}

pub fn file_complaint(
    db: &Db,
    actor: &Actor,
    input: NewComplaint,
) -> Result<ComplaintDetail, Error> {
    actor.require(Role::works_with_customers, "file complaints")?;
    let parsed = DomainNewComplaint::parse(ComplaintDraft {
        contact_phone: &input.contact_phone,
        order_id: input.order_id.as_deref(),
        line_no: input.line_no,
        category: &input.category,
        description: &input.description,
        photos: Vec::new(),
    })?;
    let priority = Priority::from(input.priority);
    let id = secrets::new_id("cmp")?;
    db.transaction(|db| {
        let customer = customers::load(db, &input.customer_id).map_err(|e| match e {
            Error::NotFound(what) => db::missing("customer_id", what),
            other => other,
        })?;
        let contact_phone = match parsed.contact_phone {
            Some(phone) => phone.as_str().to_owned(),
            None => customer.phone.clone().unwrap_or_default(),
        };
        let facts = line_facts(db, &customer.id, input.order_id.as_deref(), parsed.line_no)?;
        let assignee_id = match input.assignee_id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => {
                check_assignee(db, id)?;
                Some(id.to_owned())
            }
            _ if matches!(actor.role(), Role::Agent | Role::ServiceLead) => {
                Some(actor.id().to_owned())
            }
            _ => None,
        };
        let filing = Filing {
            customer_id: customer.id.clone(),
            tier: customer.tier.into(),
            contact_phone,
            order_id: input.order_id.clone(),
            line_no: parsed.line_no,
            facts,
            category: parsed.category,
            description: parsed.description,
            priority,
            channel: input.channel.into(),
            assignee_id,
        };
        let (c, g) = file(db, actor.id(), &id, filing)?;
        detail(db, &c, &g)
    })
}

pub fn get_complaint(db: &Db, actor: &Actor, id: &str) -> Result<ComplaintDetail, Error> {
    may_see(actor)?;
    let c = find(db, id)?;
    let g = sla::governing(db, &c.policy_id)?;
    detail(db, &c, &g)
}

pub fn list_complaints(
    db: &Db,
    actor: &Actor,
    query: ComplaintQuery,
) -> Result<ComplaintPage, Error> {
    may_see(actor)?;
    db::check_limit("limit", query.limit, 200)?;
    if !(1..=10_080).contains(&query.within_minutes) {
        return Err(db::invalid("within_minutes", "must be between 1 and 10080"));
    }
    let now = db::now_secs();
    let queue = query.queue.map(ComplaintQueue::from);
    let assignee = match queue {
        Some(ComplaintQueue::Mine) => Some(actor.id().to_owned()),
        Some(ComplaintQueue::Team) if !actor.role().oversees() => Some(actor.id().to_owned()),
        _ => None,
    };
    let (after_created, after_id) = db::parse_cursor(query.cursor.as_deref())?;
    let found = db.query(
        &format!(
            "SELECT {COLUMNS} FROM complaint
              WHERE (?1 IS NULL OR assignee_id = ?1)
                AND (?2 IS NULL OR status = ?2)
                AND (?3 IS NULL OR priority = ?3)
                AND (?4 IS NULL OR customer_id = ?4)
                AND (?5 = '' OR status NOT IN ('resolved', 'closed'))
                AND (?5 <> 'waiting' OR status = 'waiting_on_customer')
                AND (?5 <> 'breached'
                     OR (fr_due_at IS NOT NULL AND fr_due_at < COALESCE(fr_met_at, ?6))
                     OR (res_due_at IS NOT NULL AND res_due_at < COALESCE(res_met_at, ?6)))
                AND (?5 <> 'soon'
                     OR (NOT (fr_due_at IS NOT NULL AND fr_due_at < COALESCE(fr_met_at, ?6))
                         AND NOT (res_due_at IS NOT NULL AND res_due_at < COALESCE(res_met_at, ?6))
                         AND ((fr_met_at IS NULL AND fr_due_at BETWEEN ?6 AND ?7)
                              OR (res_met_at IS NULL AND res_running_since IS NOT NULL
                                  AND res_due_at BETWEEN ?6 AND ?7))))
                AND (?8 IS NULL OR (created_at, id) < (?8, ?9))
              ORDER BY created_at DESC, id DESC LIMIT ?10"
        ),
        &[
            assignee.map_or(Value::Null, Value::Text),
            query.status.map_or(Value::Null, |s| {
                Value::Text(ComplaintStatus::from(s).as_str().into())
            }),
            query.priority.map_or(Value::Null, |p| {
                Value::Text(Priority::from(p).as_str().into())
            }),
            query.customer_id.map_or(Value::Null, Value::Text),
            Value::Text(
                match queue {
                    Some(ComplaintQueue::Breached) => "breached",
                    Some(ComplaintQueue::BreachingSoon) => "soon",
                    Some(ComplaintQueue::WaitingOnCustomer) => "waiting",
                    Some(ComplaintQueue::Mine | ComplaintQueue::Team) | None => "",
                }
                .into(),
            ),
            Value::Integer(now),
            Value::Integer(now + i64::from(query.within_minutes) * 60),
            after_created,
            after_id,
            Value::Integer(i64::from(query.limit) + 1),
        ],
    )?;
    let mut policies: HashMap<String, Governing> = HashMap::new();
    let mut items = Vec::with_capacity(found.rows.len());
    for r in &found.rows {
        let c = row_from(r)?;
        items.push(view(
            &c,
            governing_cached(db, &mut policies, &c.policy_id)?,
            now,
        ));
    }
    let next_cursor = db::next_cursor(&mut items, query.limit, |c| (&c.created_at, &c.id));
    Ok(ComplaintPage { items, next_cursor })
}

/// One complaint of a customer as the overview's timeline shows it.
pub struct Touch {
    pub id: String,
    pub created_at: String,
    pub category: String,
    pub description: String,
    pub status: ComplaintStatus,
    pub assignee_id: Option<String>,
}

/// A customer's most recent complaints (newest first, at most `limit`), and how many of all of
/// theirs are open.
pub fn of_customer(db: &Db, customer_id: &str, limit: u32) -> Result<(Vec<Touch>, u32), Error> {
    let found = db.query(
        "SELECT id, created_at, category, description, status, assignee_id FROM complaint
          WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        &[
            Value::Text(customer_id.to_owned()),
            Value::Integer(i64::from(limit)),
        ],
    )?;
    let recent = found
        .rows
        .iter()
        .map(|r| {
            Ok(Touch {
                id: db::text(r, 0, "id")?,
                created_at: db::text(r, 1, "created_at")?,
                category: db::text(r, 2, "category")?,
                description: db::text(r, 3, "description")?,
                status: stored(&db::text(r, 4, "status")?)?,
                assignee_id: r.get::<&str>(5).map(str::to_owned),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let open = db.query(
        "SELECT COUNT(*) FROM complaint
          WHERE customer_id = ? AND status NOT IN ('resolved', 'closed')",
        &[Value::Text(customer_id.to_owned())],
    )?;
    let open = match open.rows.first() {
        Some(r) => db::count(r, 0, "open_complaints")?,
        None => 0,
    };
    Ok((recent, open))
}

/// The policy `id`, read once per call that handles many complaints.
fn governing_cached<'a>(
    db: &Db,
    cache: &'a mut HashMap<String, Governing>,
    id: &str,
) -> Result<&'a Governing, Error> {
    if !cache.contains_key(id) {
        cache.insert(id.to_owned(), sla::governing(db, id)?);
    }
    Ok(&cache[id])
}

// --- what service requests need of a complaint ---

/// The order line a complaint names, with the units bought.
pub struct ComplaintLine {
    pub order_id: String,
    /// 1-based, as the API counts.
    pub line_no: u32,
    pub product_id: String,
    pub quantity: u32,
}

/// What deriving a service request needs to know of its complaint.
pub struct ServiceFacts {
    pub customer_id: String,
    pub line: Option<ComplaintLine>,
    /// The governing policy's remedy: how many units a replacement may ship, in percent of
    /// the line's.
    pub remedy_percent: u32,
}

/// A complaint that service work may be derived from by `actor`: its assignee or a manager
/// decides, and not once it is closed.
pub fn for_service(db: &Db, actor: &Actor, id: &str) -> Result<ServiceFacts, Error> {
    let (c, g) = for_change(db, actor, id)?;
    may_decide(actor, &c, "derive service work from it")?;
    if c.status == ComplaintStatus::Closed {
        return Err(Error::Conflict(format!(
            "complaint {id} is closed: no more work is derived from it"
        )));
    }
    let line = match (&c.order_id, c.line_no, &c.product_id) {
        (Some(order_id), Some(line_no), Some(product_id)) => {
            let found = db.query(
                "SELECT quantity FROM order_line WHERE order_id = ? AND line_no = ?",
                &[
                    Value::Text(order_id.clone()),
                    Value::Integer(i64::from(line_no) - 1),
                ],
            )?;
            let row = found
                .rows
                .first()
                .ok_or_else(|| db::internal("read a complaint's order line", order_id))?;
            Some(ComplaintLine {
                order_id: order_id.clone(),
                line_no,
                product_id: product_id.clone(),
                quantity: db::count(row, 0, "quantity")?,
            })
        }
        _ => None,
    };
    Ok(ServiceFacts {
        customer_id: c.customer_id,
        line,
        remedy_percent: g.policy.remedy_percent,
    })
}

/// Who calls the customer back about a complaint, and after how many days.
pub struct CallbackFacts {
    pub assignee_id: Option<String>,
    pub callback_days: u32,
}

pub fn callback_facts(db: &Db, id: &str) -> Result<CallbackFacts, Error> {
    let c = find(db, id)?;
    let g = sla::governing(db, &c.policy_id)?;
    Ok(CallbackFacts {
        assignee_id: c.assignee_id,
        callback_days: g.policy.callback_days,
    })
}

/// Writes a step of a service request derived from complaint `id` on its timeline.
pub fn service_event(db: &Db, id: &str, actor_id: &str, note: &str) -> Result<(), Error> {
    event(db, &find(db, id)?, actor_id, "service", note)
}

/// The customer a complaint is about, for a task on it.
pub fn customer_of(db: &Db, id: &str) -> Result<String, Error> {
    Ok(find(db, id)?.customer_id)
}

// --- changes ---

/// Moves `c` to status `to` at `now`, with what the move does to its clocks.
fn move_to(c: &mut Row, g: &Governing, to: ComplaintStatus, now: i64) {
    effects(c.status, to).apply(
        &mut c.first_response,
        &mut c.resolution,
        g.first_response_clock(),
        g.resolution_clock(),
        now,
    );
    c.status = to;
}

/// Loads a complaint for a change by staff, with its policy.
fn for_change(db: &Db, actor: &Actor, id: &str) -> Result<(Row, Governing), Error> {
    may_see(actor)?;
    let c = find(db, id)?;
    let g = sla::governing(db, &c.policy_id)?;
    Ok((c, g))
}

pub fn transition(
    db: &Db,
    actor: &Actor,
    id: &str,
    action: WitAction,
    closure: Option<Closure>,
) -> Result<ComplaintDetail, Error> {
    may_see(actor)?;
    let action = ComplaintAction::from(action);
    let closure = match action {
        ComplaintAction::Close => {
            let given = closure.as_ref();
            Some(DomainClosure::parse(
                given.map(|c| c.cause.as_str()),
                given.map(|c| c.result.as_str()),
                given.map(|c| c.prevention.as_str()),
            )?)
        }
        _ => None,
    };
    db.transaction(|db| {
        let (mut c, g) = for_change(db, actor, id)?;
        if action == ComplaintAction::Close {
            may_decide(actor, &c, "close it")?;
            if let Some((request, status)) = service_requests::open_for_complaint(db, id)? {
                return Err(Error::Conflict(format!(
                    "complaint {id} has service request {request} still {status}: it closes \
                     once that work is received, done or called off"
                )));
            }
        }
        let before = audit_json(&c);
        let from = c.status;
        let to = next_status(from, action)
            .map_err(|e| Error::Conflict(format!("complaint {id} is {from}: {e}")))?;
        let now = db::now_secs();
        move_to(&mut c, &g, to, now);
        if let Some(closure) = closure {
            c.cause = closure.cause;
            c.result = closure.result;
            c.prevention = closure.prevention;
            c.signed_off_by = Some(actor.id().to_owned());
        }
        save_with_clocks(db, &mut c, &g)?;
        event(
            db,
            &c,
            actor.id(),
            "status",
            &format!("{from} → {to} ({action})"),
        )?;
        audit::record(
            db,
            actor,
            "complaint.transition",
            "complaint",
            id,
            Some(before),
            Some(audit_json(&c)),
        )?;
        notify(
            db,
            "complaint.status",
            json!({"complaint_id": id, "from": from.as_str(), "to": to.as_str()}),
        )?;
        detail(db, &c, &g)
    })
}

pub fn reply(db: &Db, actor: &Actor, id: &str, text: &str) -> Result<ComplaintDetail, Error> {
    may_see(actor)?;
    let text = parse_reply(text)?;
    db.transaction(|db| {
        let (mut c, g) = for_change(db, actor, id)?;
        if c.status == ComplaintStatus::Closed {
            return Err(Error::Conflict(format!(
                "complaint {id} is closed: it takes no replies"
            )));
        }
        let before = audit_json(&c);
        let now = db::now_secs();
        // The first staff reply is the first response: a new complaint is acknowledged by it.
        let from = c.status;
        if c.status == ComplaintStatus::New {
            let to = next_status(c.status, ComplaintAction::Acknowledge)
                .map_err(|e| Error::Conflict(e.to_string()))?;
            move_to(&mut c, &g, to, now);
        }
        c.first_response.meet(g.first_response_clock(), now);
        save_with_clocks(db, &mut c, &g)?;
        event(db, &c, actor.id(), "reply", &text)?;
        if c.status != from {
            notify(
                db,
                "complaint.status",
                json!({"complaint_id": id, "from": from.as_str(), "to": c.status.as_str()}),
            )?;
        }
        audit::record(
            db,
            actor,
            "complaint.reply",
            "complaint",
            id,
            Some(before),
            Some(audit_json(&c)),
        )?;
        detail(db, &c, &g)
    })
}

/// Sets targets and clocks of `c` from `g` as of `now`: a policy or priority change. Counted
/// time so far is kept; the deadlines follow from the new targets.
fn retarget(c: &mut Row, g: &Governing, now: i64) {
    c.policy_id = g.policy.id.clone();
    c.first_response.retarget(
        g.first_response_clock(),
        now,
        g.policy.first_response.seconds,
    );
    c.resolution
        .retarget(g.resolution_clock(), now, g.policy.resolution.seconds);
}

pub fn set_priority(
    db: &Db,
    actor: &Actor,
    id: &str,
    priority: WitPriority,
) -> Result<ComplaintDetail, Error> {
    may_see(actor)?;
    let priority = Priority::from(priority);
    db.transaction(|db| {
        let (mut c, _) = for_change(db, actor, id)?;
        if c.status == ComplaintStatus::Closed {
            return Err(Error::Conflict(format!(
                "complaint {id} is closed: its priority is final"
            )));
        }
        may_decide(actor, &c, "change its priority")?;
        let before = audit_json(&c);
        let from = c.priority;
        let tier = customers::load(db, &c.customer_id)?.tier.into();
        let g = sla::select(db, priority, tier)?;
        c.priority = priority;
        retarget(&mut c, &g, db::now_secs());
        save_with_clocks(db, &mut c, &g)?;
        event(
            db,
            &c,
            actor.id(),
            "priority",
            &format!("{from} → {priority} (policy {})", g.policy.id),
        )?;
        audit::record(
            db,
            actor,
            "complaint.priority",
            "complaint",
            id,
            Some(before),
            Some(audit_json(&c)),
        )?;
        detail(db, &c, &g)
    })
}

/// After policy `changed` was created, changed or re-scoped, in the transaction of that change:
/// every open complaint is governed by the policy [`sla::select`] chooses for it now (the most
/// specific match for its priority and customer's tier), and those that changed policy, or are
/// governed by the changed one, get its targets (counted time kept, deadlines recomputed) and
/// a `policy` event saying so.
pub fn reselect_open(db: &Db, actor: &Actor, changed: &str) -> Result<(), Error> {
    let found = db.query(
        &format!(
            "SELECT {COLUMNS}, (SELECT tier FROM customer cu WHERE cu.id = complaint.customer_id)
               FROM complaint WHERE status NOT IN ('resolved', 'closed')"
        ),
        &[],
    )?;
    let tier_column = COLUMNS.split(',').count();
    let now = db::now_secs();
    let mut chosen: HashMap<(Priority, Tier), Governing> = HashMap::new();
    for r in &found.rows {
        let mut c = row_from(r)?;
        let tier: Tier = stored(&db::text(r, tier_column, "tier")?)?;
        let g = match chosen.entry((c.priority, tier)) {
            std::collections::hash_map::Entry::Occupied(found) => found.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(sla::select(db, c.priority, tier)?)
            }
        };
        let before = c.policy_id.clone();
        if before == g.policy.id && before != changed {
            continue;
        }
        retarget(&mut c, g, now);
        save_with_clocks(db, &mut c, g)?;
        let note = if before == g.policy.id {
            format!("policy {before} changed: deadlines recomputed")
        } else {
            format!("policy {before} → {}: deadlines recomputed", g.policy.id)
        };
        event(db, &c, actor.id(), "policy", &note)?;
    }
    Ok(())
}

// --- the customer's own complaints, on the portal ---

/// One of the signed-in customer's complaints; another customer's, or an unknown id, is not
/// found (the same answer, so ids of others cannot be probed).
fn find_mine(db: &Db, customer: &CustomerActor, id: &str) -> Result<Row, Error> {
    let c = find(db, id)?;
    if c.customer_id != customer.customer_id {
        return Err(Error::NotFound(format!("no complaint {id}")));
    }
    Ok(c)
}

/// A rating stored in three columns from `base` (score, comment, rated at); none when the
/// score is NULL (a complaint not rated, through a LEFT JOIN).
fn rating_at(r: &RowResult, base: usize) -> Result<Option<Rating>, Error> {
    let Some(score) = r.get::<i64>(base) else {
        return Ok(None);
    };
    Ok(Some(Rating {
        score: u8::try_from(score).map_err(|e| db::internal("read a rating", e))?,
        comment: db::text(r, base + 1, "comment")?,
        rated_at: db::text(r, base + 2, "rated_at")?,
    }))
}

fn rating_of(db: &Db, id: &str) -> Result<Option<Rating>, Error> {
    let found = db.query(
        "SELECT score, comment, rated_at FROM complaint_rating WHERE complaint_id = ?",
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(r) => rating_at(r, 0),
        None => Ok(None),
    }
}

/// The timeline of `c` as its customer sees it, oldest first: filing, status changes, staff
/// replies, their own replies, the steps of their remedy and their rating. Priority and policy
/// changes and escalations are left out, and no entry names who made it.
fn my_timeline(db: &Db, c: &Row) -> Result<Vec<MyComplaintEvent>, Error> {
    let found = db.query(
        "SELECT at, kind, status, note FROM complaint_event
          WHERE complaint_id = ?
            AND kind IN ('filed', 'status', 'reply', 'customer-reply', 'service', 'rating')
          ORDER BY seq",
        &[Value::Text(c.id.clone())],
    )?;
    found
        .rows
        .iter()
        .map(|r| {
            let kind = db::text(r, 1, "kind")?;
            let note = db::text(r, 3, "note")?;
            let note = match kind.as_str() {
                // By channel, never by who took it; the portal says it in the page's language.
                "filed" => c.channel.as_str().to_owned(),
                "service" => customer_note(&note),
                _ => note,
            };
            Ok(MyComplaintEvent {
                at: db::text(r, 0, "at")?,
                kind,
                status: stored::<ComplaintStatus>(&db::text(r, 2, "status")?)?.into(),
                note,
            })
        })
        .collect()
}

/// `c` as its customer sees it: what they may do now follows from its status (and whether they
/// rated it); the result only once it is closed.
fn my_view(
    c: &Row,
    rating: Option<Rating>,
    awaiting_receipt: Vec<String>,
    timeline: Vec<MyComplaintEvent>,
    photos: Vec<PhotoInfo>,
) -> MyComplaint {
    MyComplaint {
        id: c.id.clone(),
        order_id: c.order_id.clone(),
        line_no: c.line_no,
        product_id: c.product_id.clone(),
        batch_number: c.batch_number.clone(),
        category: c.category.clone(),
        description: c.description.clone(),
        status: c.status.into(),
        result: if c.status == ComplaintStatus::Closed {
            c.result.clone()
        } else {
            String::new()
        },
        may_reply: MyComplaintAction::Reply.allowed_in(c.status),
        may_reopen: MyComplaintAction::Reopen.allowed_in(c.status),
        may_rate: MyComplaintAction::Rate.allowed_in(c.status) && rating.is_none(),
        rating,
        awaiting_receipt,
        created_at: c.created_at.clone(),
        updated_at: c.updated_at.clone(),
        timeline,
        photos,
    }
}

/// `c` as its customer sees it, with its timeline.
fn my_detail(db: &Db, c: &Row) -> Result<MyComplaint, Error> {
    Ok(my_view(
        c,
        rating_of(db, &c.id)?,
        service_requests::shipped_of_complaint(db, &c.id)?,
        my_timeline(db, c)?,
        photos_of(db, &c.id)?,
    ))
}

/// The customer files a complaint about a line of one of their orders, on the portal: as staff
/// filing does (`file`), with the same checks of category and description, channel `portal`,
/// priority `medium`, assigned to the active agent with the fewest open complaints (without
/// one it waits in the service leads' queue), filed by and audited as their account. The order
/// must be theirs (`missing` `order_id`) and have the line (`line_no`). Its photos are checked
/// first and kept in the filing's transaction.
pub fn file_my_complaint(
    db: &Db,
    customer: &CustomerActor,
    input: MyNewComplaint,
) -> Result<MyComplaint, Error> {
    let parsed = DomainNewComplaint::parse(ComplaintDraft {
        // The customer's phone on file.
        contact_phone: "",
        order_id: Some(input.order_id.as_str()),
        line_no: Some(input.line_no),
        category: &input.category,
        description: &input.description,
        photos: input.photos,
    })?;
    let id = secrets::new_id("cmp")?;
    db.transaction(|db| {
        let me = customers::load(db, &customer.customer_id)?;
        let facts = line_facts(db, &me.id, Some(input.order_id.as_str()), parsed.line_no)?;
        let filing = Filing {
            customer_id: me.id.clone(),
            tier: me.tier.into(),
            contact_phone: me.phone.clone().unwrap_or_default(),
            order_id: Some(input.order_id.clone()),
            line_no: parsed.line_no,
            facts,
            category: parsed.category,
            description: parsed.description,
            priority: Priority::Medium,
            channel: ComplaintChannel::Portal,
            // To the agent with the fewest open complaints; without an active agent it waits,
            // unassigned, in the service leads' queue.
            assignee_id: least_busy(db, Role::Agent)?,
        };
        let (c, _) = file(db, &customer.account_id, &id, filing)?;
        attach_photos(db, &c, &customer.account_id, parsed.photos)?;
        my_detail(db, &c)
    })
}

/// The signed-in customer's complaints, newest first, without their timelines.
pub fn my_complaints(
    db: &Db,
    customer: &CustomerActor,
    limit: u32,
    cursor: Option<&str>,
) -> Result<MyComplaintPage, Error> {
    db::check_limit("limit", limit, 200)?;
    let (after_created, after_id) = db::parse_cursor(cursor)?;
    // The rating's columns follow the complaint's (none of their names is a complaint column).
    let found = db.query(
        &format!(
            "SELECT {COLUMNS}, r.score, r.comment, r.rated_at
               FROM complaint LEFT JOIN complaint_rating r ON r.complaint_id = complaint.id
              WHERE complaint.customer_id = ?1
                AND (?2 IS NULL OR (complaint.created_at, complaint.id) < (?2, ?3))
              ORDER BY complaint.created_at DESC, complaint.id DESC LIMIT ?4"
        ),
        &[
            Value::Text(customer.customer_id.clone()),
            after_created,
            after_id,
            Value::Integer(i64::from(limit) + 1),
        ],
    )?;
    let mut awaiting: HashMap<String, Vec<String>> = HashMap::new();
    for (complaint_id, request_id) in
        service_requests::shipped_of_customer_complaints(db, &customer.customer_id)?
    {
        awaiting.entry(complaint_id).or_default().push(request_id);
    }
    let mut items = Vec::with_capacity(found.rows.len());
    for r in &found.rows {
        let c = row_from(r)?;
        let rating = rating_at(r, 37)?;
        let shipped = awaiting.remove(&c.id).unwrap_or_default();
        items.push(my_view(&c, rating, shipped, Vec::new(), Vec::new()));
    }
    let next_cursor = db::next_cursor(&mut items, limit, |c| (&c.created_at, &c.id));
    Ok(MyComplaintPage { items, next_cursor })
}

/// One of the signed-in customer's complaints, with the timeline they may see.
pub fn my_complaint(db: &Db, customer: &CustomerActor, id: &str) -> Result<MyComplaint, Error> {
    my_detail(db, &find_mine(db, customer, id)?)
}

/// What the customer's action does, its input checked.
enum MyAct {
    /// A reply, or the reason to reopen.
    Text(String),
    /// The service request whose receipt is confirmed.
    Receipt(String),
    Rate(DomainRating),
}

/// The signed-in customer replies, reopens, confirms receipt or rates, on the portal. Input
/// is checked first (`text`, `service_request_id`, `score`), then, under the write lock, that
/// the complaint is theirs (else not found) and that its status allows the action (else a
/// conflict naming the status). Each action and its audit entry, in the account's name, are one
/// transaction.
pub fn act_on_my_complaint(
    db: &Db,
    customer: &CustomerActor,
    id: &str,
    input: MyComplaintInput,
) -> Result<MyComplaint, Error> {
    let action = MyComplaintAction::from(input.action);
    let act = match action {
        MyComplaintAction::Reply | MyComplaintAction::Reopen => {
            MyAct::Text(parse_customer_text(&input.text)?)
        }
        MyComplaintAction::ConfirmReceipt => {
            match input.service_request_id.as_deref().map(str::trim) {
                Some(request) if !request.is_empty() => MyAct::Receipt(request.to_owned()),
                _ => {
                    return Err(db::invalid(
                        "service_request_id",
                        "is required: the shipped replacement whose receipt you confirm",
                    ))
                }
            }
        }
        MyComplaintAction::Rate => MyAct::Rate(DomainRating::parse(input.score, &input.text)?),
    };
    // Photos come with a reply or a reopening, never with the other actions.
    let photos = match act {
        MyAct::Text(_) => parse_photos(input.photos).map_err(FieldError::from)?,
        _ if input.photos.is_empty() => Vec::new(),
        _ => {
            return Err(db::invalid(
                "photos",
                "photos come with a reply or a reopening only",
            ))
        }
    };
    let account = customer.account_id.as_str();
    db.transaction(|db| {
        let mut c = find_mine(db, customer, id)?;
        if !action.allowed_in(c.status) {
            return Err(Error::Conflict(format!(
                "complaint {id} is {}: {}",
                c.status,
                action.refusal()
            )));
        }
        match act {
            MyAct::Text(text) => {
                let Some(workflow) = action.workflow() else {
                    return Err(db::internal(
                        "act on a complaint",
                        format!("{action} moves no workflow"),
                    ));
                };
                let g = sla::governing(db, &c.policy_id)?;
                let before = audit_json(&c);
                let from = c.status;
                let to = next_status(from, workflow)
                    .map_err(|e| Error::Conflict(format!("complaint {id} is {from}: {e}")))?;
                // The clocks as staff's `resume` or `reopen` move them: the resolution clock
                // runs again.
                move_to(&mut c, &g, to, db::now_secs());
                save_with_clocks(db, &mut c, &g)?;
                event(db, &c, account, "customer-reply", &text)?;
                attach_photos(db, &c, account, photos)?;
                if action == MyComplaintAction::Reopen {
                    event(
                        db,
                        &c,
                        account,
                        "status",
                        &format!("{from} → {to} ({workflow})"),
                    )?;
                }
                notify(
                    db,
                    "complaint.status",
                    json!({"complaint_id": id, "from": from.as_str(), "to": to.as_str()}),
                )?;
                audit::record_as(
                    db,
                    account,
                    match action {
                        MyComplaintAction::Reopen => "complaint.customer_reopen",
                        _ => "complaint.customer_reply",
                    },
                    "complaint",
                    id,
                    Some(before),
                    Some(audit_json(&c)),
                )?;
            }
            MyAct::Receipt(request) => {
                // Logged, on this timeline (`service`), announced and audited by the step.
                service_requests::confirm_receipt_for_customer(db, account, id, &request)?;
            }
            MyAct::Rate(rating) => {
                if rating_of(db, id)?.is_some() {
                    return Err(Error::Conflict(format!("complaint {id} is already rated")));
                }
                let rated_at = db::now();
                db.exec(
                    "INSERT INTO complaint_rating (complaint_id, score, comment, rated_at)
                     VALUES (?, ?, ?, ?)",
                    &[
                        Value::Text(id.to_owned()),
                        Value::Integer(i64::from(rating.score)),
                        Value::Text(rating.comment.clone()),
                        Value::Text(rated_at.clone()),
                    ],
                )?;
                event(
                    db,
                    &c,
                    account,
                    "rating",
                    &format!("rated {}/{MAX_SCORE}", rating.score),
                )?;
                audit::record_as(
                    db,
                    account,
                    "complaint.rate",
                    "complaint",
                    id,
                    None,
                    Some(json!({"score": rating.score, "comment": rating.comment,
                                "rated_at": rated_at})),
                )?;
            }
        }
        my_detail(db, &c)
    })
}

// --- the sweep ---

/// The levels of `c` due by `now` whose clock is still running toward them, as positions in
/// `g.rules` with the instant each became due, in level order.
fn due_rules(c: &Row, g: &Governing, now: i64) -> Vec<(usize, i64)> {
    due_levels(
        &g.rules,
        c.filed_at,
        &c.first_response,
        &c.resolution,
        g.first_response_clock(),
        g.resolution_clock(),
        c.escalation_level,
        now,
    )
    .into_iter()
    .filter(|(rule, _)| still_pending(rule.trigger, c))
    .filter_map(|(rule, due_at)| {
        g.rules
            .iter()
            .position(|r| r.level == rule.level)
            .map(|i| (i, due_at))
    })
    .collect()
}

/// Fires every level of `c` due by `now` (never downward), records each and writes their
/// notifications; returns what fired.
fn fire_due(db: &Db, c: &mut Row, g: &Governing, now: i64) -> Result<Vec<Escalation>, Error> {
    let due = due_rules(c, g, now);
    let mut fired = Vec::with_capacity(due.len());
    for (index, due_at) in due {
        let rule = &g.rules[index];
        let (assign_role, notifies) = g.actions[index];
        let assigned_to = match assign_role {
            Some(role) => least_busy(db, role)?,
            None => None,
        };
        db.exec(
            "INSERT INTO complaint_escalation
                 (complaint_id, level, rule_trigger, due_at, fired_at, assigned_to)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                Value::Text(c.id.clone()),
                Value::Integer(i64::from(rule.level)),
                Value::Text(rule.trigger.as_str().to_owned()),
                Value::Integer(due_at),
                Value::Integer(now),
                assigned_to.clone().map_or(Value::Null, Value::Text),
            ],
        )?;
        c.escalation_level = c.escalation_level.max(rule.level);
        let mut note = format!(
            "level {} ({}) due {}",
            rule.level,
            rule.trigger,
            rfc3339_utc(due_at)
        );
        match (&assigned_to, assign_role) {
            (Some(staff), _) => {
                c.assignee_id = Some(staff.clone());
                note.push_str(&format!("; reassigned to {staff}"));
                notify(
                    db,
                    "complaint.assigned",
                    json!({"complaint_id": c.id, "assignee_id": staff}),
                )?;
            }
            (None, Some(role)) => note.push_str(&format!("; no active {role} to reassign to")),
            (None, None) => {}
        }
        event(db, c, SYSTEM, "escalated", &note)?;
        if notifies {
            notify(
                db,
                "complaint.escalated",
                json!({"complaint_id": c.id, "level": rule.level,
                       "trigger": rule.trigger.as_str(), "due_at": rfc3339_utc(due_at),
                       "fired_at": rfc3339_utc(now), "assigned_to": assigned_to}),
            )?;
        }
        fired.push(Escalation {
            level: rule.level,
            trigger: rule.trigger.into(),
            due_at: rfc3339_utc(due_at),
            fired_at: rfc3339_utc(now),
            late_seconds: (now - due_at).max(0),
            assigned_to,
        });
    }
    Ok(fired)
}

pub fn sweep(db: &Db, actor: &Actor) -> Result<SweepReport, Error> {
    actor.require(Role::runs_sweeps, "run the escalation sweep")?;
    let now = db::now_secs();
    let mut report = Vec::new();
    loop {
        // One batch per transaction, under the write lock: a concurrent sweep waits, then
        // sees the levels this one raised and fires nothing twice. Policies are read afresh
        // in each, so an edit committed between batches is what the next one fires by.
        let (batch, full) = db.transaction(|db| {
            let mut policies: HashMap<String, Governing> = HashMap::new();
            let found = db.query(
                &format!(
                    "SELECT {COLUMNS} FROM complaint
                      WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= ?
                      ORDER BY next_escalation_at, id LIMIT ?"
                ),
                &[Value::Integer(now), Value::Integer(i64::from(SWEEP_BATCH))],
            )?;
            let full = found.rows.len() == SWEEP_BATCH as usize;
            let mut batch = Vec::new();
            for r in &found.rows {
                let mut c = row_from(r)?;
                let g = governing_cached(db, &mut policies, &c.policy_id)?;
                let before = audit_json(&c);
                let fired = fire_due(db, &mut c, g, now)?;
                c.next_escalation_at = next_escalation(&c, g).filter(|at| *at > now);
                save(db, &mut c)?;
                if !fired.is_empty() {
                    audit::record_as(
                        db,
                        SYSTEM,
                        "complaint.escalate",
                        "complaint",
                        &c.id,
                        Some(before),
                        Some(audit_json(&c)),
                    )?;
                }
                batch.extend(fired.into_iter().map(|escalation| Fired {
                    complaint_id: c.id.clone(),
                    escalation,
                }));
            }
            Ok((batch, full))
        })?;
        report.extend(batch);
        if !full {
            break;
        }
    }
    Ok(SweepReport {
        as_of: rfc3339_utc(now),
        fired: report,
    })
}

// --- complaints of the past (demo data) ---

/// A complaint that was filed, and worked on, before it is written: demo data. The order line's
/// facts are those filing takes from it (see `line_facts`); the steps are what was done about it,
/// in time order, each after the one before and the first after `filed_at`.
pub struct Historic<'a> {
    pub customer_id: &'a str,
    pub contact_phone: &'a str,
    pub order_id: &'a str,
    /// 1-based, as the API counts.
    pub line_no: u32,
    pub product_id: &'a str,
    pub batch_number: &'a str,
    pub invoice_number: &'a str,
    pub ship_date: Option<&'a str>,
    pub category: &'a str,
    pub description: &'a str,
    pub priority: Priority,
    pub channel: ComplaintChannel,
    /// A staff id, or `portal`.
    pub filed_by: &'a str,
    /// Whom it was assigned to at filing.
    pub assignee_id: &'a str,
    pub filed_at: i64,
    pub steps: &'a [(i64, HistoricStep)],
    /// Cause, result and prevention, for the step that closes it.
    pub closure: Option<&'a DomainClosure>,
    /// The customer's rating of a closed complaint, and when it was given.
    pub rating: Option<&'a (i64, DomainRating)>,
}

/// The timeline of a complaint being written, in time order: at, actor, kind, status after,
/// note.
type Timeline = Vec<(i64, String, &'static str, ComplaintStatus, String)>;

/// The sweep of the past over `c`, ticking every minute from `from` (exclusive of `until`), as
/// `crm up --tick /api/v1/escalation/sweep=60` runs it: the first tick at or after the next
/// escalation instant fires what is due then, as `sweep` does, and so on. Each fired level goes
/// into `fired` (the columns of `complaint_escalation`) and on the timeline; a rule's role is
/// reassigned to `assign`'s member of staff.
fn sweep_past(
    c: &mut Row,
    g: &Governing,
    (from, until): (i64, i64),
    assign: &dyn Fn(Role) -> Option<String>,
    fired: &mut Vec<Value>,
    timeline: &mut Timeline,
) {
    while let Some(next) = c.next_escalation_at {
        let tick = (next.max(from) + 59).div_euclid(60) * 60;
        if tick >= until {
            break;
        }
        for (index, due_at) in due_rules(c, g, tick) {
            let rule = &g.rules[index];
            let (assign_role, _) = g.actions[index];
            let assigned_to = assign_role.and_then(assign);
            fired.extend([
                Value::Text(c.id.clone()),
                Value::Integer(i64::from(rule.level)),
                Value::Text(rule.trigger.as_str().to_owned()),
                Value::Integer(due_at),
                Value::Integer(tick),
                assigned_to.clone().map_or(Value::Null, Value::Text),
            ]);
            c.escalation_level = c.escalation_level.max(rule.level);
            let mut note = format!(
                "level {} ({}) due {}",
                rule.level,
                rule.trigger,
                rfc3339_utc(due_at)
            );
            match (assigned_to, assign_role) {
                (Some(staff), _) => {
                    note.push_str(&format!("; reassigned to {staff}"));
                    c.assignee_id = Some(staff);
                }
                (None, Some(role)) => note.push_str(&format!("; no active {role} to reassign to")),
                (None, None) => {}
            }
            timeline.push((tick, SYSTEM.to_owned(), "escalated", c.status, note));
        }
        c.next_escalation_at = next_escalation(c, g).filter(|at| *at > tick);
        c.version += 1;
        c.updated_at = rfc3339_utc(tick);
    }
}

/// Writes a complaint of the past as the live code would have left it had its events happened
/// at their instants under policy `g` (the one `sla::select` gives for its priority and the
/// customer's tier), with the sweep ticking every minute: clocks and deadlines as
/// `file_complaint`, `reply` and `transition` set them then, the escalation levels the sweep
/// would have fired (reassigning to `assign`'s member of staff of a rule's role), the timeline
/// at those instants, and the next escalation instant of one still open (a level due since the
/// last tick before `now` is left to the next sweep). Each step is taken by the complaint's
/// assignee of the moment, who signs a closing off. No audit entries and no notifications: the
/// caller audits its batch. Three inserts: the complaint, its timeline, its escalations.
pub fn insert_historic(
    db: &Db,
    g: &Governing,
    h: &Historic<'_>,
    assign: &dyn Fn(Role) -> Option<String>,
    now: i64,
) -> Result<(), Error> {
    let out_of_order = |at: i64| {
        db::internal(
            "write a complaint of the past",
            format!(
                "an event at {} is out of order or after now",
                rfc3339_utc(at)
            ),
        )
    };
    if h.filed_at > now {
        return Err(out_of_order(h.filed_at));
    }
    let stamp = rfc3339_utc(h.filed_at);
    let mut c = Row {
        id: secrets::new_id("cmp")?,
        customer_id: h.customer_id.to_owned(),
        contact_phone: h.contact_phone.to_owned(),
        order_id: Some(h.order_id.to_owned()),
        line_no: Some(h.line_no),
        product_id: Some(h.product_id.to_owned()),
        batch_number: h.batch_number.to_owned(),
        invoice_number: h.invoice_number.to_owned(),
        ship_date: h.ship_date.map(str::to_owned),
        category: h.category.to_owned(),
        description: h.description.to_owned(),
        priority: h.priority,
        channel: h.channel,
        status: ComplaintStatus::New,
        assignee_id: Some(h.assignee_id.to_owned()),
        filed_by: h.filed_by.to_owned(),
        cause: String::new(),
        result: String::new(),
        prevention: String::new(),
        signed_off_by: None,
        policy_id: g.policy.id.clone(),
        filed_at: h.filed_at,
        first_response: Timer::start(
            g.first_response_clock(),
            h.filed_at,
            g.policy.first_response.seconds,
        ),
        resolution: Timer::start(
            g.resolution_clock(),
            h.filed_at,
            g.policy.resolution.seconds,
        ),
        escalation_level: 0,
        next_escalation_at: None,
        version: 1,
        created_at: stamp.clone(),
        updated_at: stamp,
    };
    c.next_escalation_at = next_escalation(&c, g);
    let mut timeline: Timeline = vec![(
        h.filed_at,
        h.filed_by.to_owned(),
        "filed",
        c.status,
        format!("filed by {}", h.filed_by),
    )];
    let replay = |e: crm_domain::complaint::IllegalTransition| {
        db::internal("replay a complaint of the past", e)
    };
    let mut fired = Vec::new();
    let mut last = h.filed_at;
    for &(at, step) in h.steps {
        if at <= last || at > now {
            return Err(out_of_order(at));
        }
        sweep_past(&mut c, g, (last, at), assign, &mut fired, &mut timeline);
        let actor = c.assignee_id.clone().unwrap_or_else(|| c.filed_by.clone());
        match step {
            // As `reply`: the first staff reply acknowledges a new complaint.
            HistoricStep::Reply(text) => {
                if c.status == ComplaintStatus::New {
                    let to = next_status(c.status, ComplaintAction::Acknowledge).map_err(replay)?;
                    move_to(&mut c, g, to, at);
                }
                c.first_response.meet(g.first_response_clock(), at);
                timeline.push((at, actor, "reply", c.status, text.to_owned()));
            }
            // As `transition`.
            HistoricStep::Move(action) => {
                let from = c.status;
                let to = next_status(from, action).map_err(replay)?;
                move_to(&mut c, g, to, at);
                if action == ComplaintAction::Close {
                    let closure = h.closure.ok_or_else(|| {
                        db::internal(
                            "close a complaint of the past",
                            "no cause, result and prevention",
                        )
                    })?;
                    c.cause = closure.cause.clone();
                    c.result = closure.result.clone();
                    c.prevention = closure.prevention.clone();
                    c.signed_off_by = Some(actor.clone());
                }
                timeline.push((
                    at,
                    actor,
                    "status",
                    c.status,
                    format!("{from} → {to} ({action})"),
                ));
            }
        }
        c.next_escalation_at = next_escalation(&c, g);
        c.version += 1;
        c.updated_at = rfc3339_utc(at);
        last = at;
    }
    sweep_past(
        &mut c,
        g,
        (last, now.saturating_add(1)),
        assign,
        &mut fired,
        &mut timeline,
    );
    insert(db, &c)?;
    if let Some((at, rating)) = h.rating {
        if c.status != ComplaintStatus::Closed || *at <= last || *at > now {
            return Err(out_of_order(*at));
        }
        db.exec(
            "INSERT INTO complaint_rating (complaint_id, score, comment, rated_at)
             VALUES (?, ?, ?, ?)",
            &[
                Value::Text(c.id.clone()),
                Value::Integer(i64::from(rating.score)),
                Value::Text(rating.comment.clone()),
                Value::Text(rfc3339_utc(*at)),
            ],
        )?;
        timeline.push((
            *at,
            // The customer, on the portal (demo customers have no account).
            "portal".to_owned(),
            "rating",
            ComplaintStatus::Closed,
            format!("rated {}/{MAX_SCORE}", rating.score),
        ));
    }

    let marks = vec!["(?, ?, ?, ?, ?, ?, ?)"; timeline.len()].join(", ");
    let mut events = Vec::with_capacity(timeline.len() * 7);
    for (seq, (at, actor, kind, status, note)) in timeline.into_iter().enumerate() {
        events.extend([
            Value::Text(c.id.clone()),
            Value::Integer(seq as i64 + 1),
            Value::Text(rfc3339_utc(at)),
            Value::Text(actor),
            Value::Text(kind.to_owned()),
            Value::Text(status.as_str().to_owned()),
            Value::Text(note),
        ]);
    }
    db.exec(
        &format!(
            "INSERT INTO complaint_event (complaint_id, seq, at, actor_id, kind, status, note)
             VALUES {marks}"
        ),
        &events,
    )?;
    if !fired.is_empty() {
        let marks = vec!["(?, ?, ?, ?, ?, ?)"; fired.len() / 6].join(", ");
        db.exec(
            &format!(
                "INSERT INTO complaint_escalation
                     (complaint_id, level, rule_trigger, due_at, fired_at, assigned_to)
                 VALUES {marks}"
            ),
            &fired,
        )?;
    }
    Ok(())
}
