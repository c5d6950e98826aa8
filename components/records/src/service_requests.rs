//! Service requests: work done for a customer, derived from a complaint or qualified from a lead,
//! and handed on step by step — finance approves, the warehouse picks and ships, the customer
//! confirms receipt (the workflow is `crm_domain::service`'s).
//!
//! A replacement is the outbound order of scenario A: the product of the complained order line,
//! reserved from stock when requested (given back if rejected or cancelled), shipped to a copy
//! of one of the customer's addresses. It is kept here, not among the customer's orders, so that
//! a free replacement never counts as a sale. Every step is logged (`service_step`), audited,
//! written on the complaint's timeline and announced to webhooks, in one transaction.

use crate::audit;
use crate::auth::Actor;
use crate::complaints;
use crate::db::{self, Db};
use crate::exports::crm::records::service_requests::{
    NewServiceRequest, Replacement, ServiceKind as WitKind, ServicePage, ServiceQuery,
    ServiceRequest, ServiceRequestDetail, ServiceStatus as WitStatus, ServiceStep, ShipTo,
    StepInput,
};
use crate::exports::crm::records::types::Error;
use crate::names::stored;
use crate::orders;
use crate::secrets;
use crate::tasks;
use crm_domain::customer::parse_text;
use crm_domain::role::Role;
use crm_domain::sales::SubjectKind;
use crm_domain::service::{
    may_take, parse_note, parse_summary, replacement_units, shipped_note, step, ServiceAction,
    ServiceKind, ServiceStatus,
};
use crm_domain::time::{parse_day, rfc3339_utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use spin_sdk::sqlite3::{RowResult, Value};

const COLUMNS: &str = "s.id, s.customer_id, s.lead_id, s.complaint_id, s.kind, s.summary, \
     s.status, s.product_id, s.quantity, s.order_id, s.line_no, s.ship_to_json, s.ship_date, \
     s.carrier, s.tracking_number, s.callback_task_id, s.created_by, s.created_at, s.updated_at, \
     p.sku, p.name";

const FROM: &str = "service_request s LEFT JOIN product p ON p.id = s.product_id";

/// Seconds in a day, for the callback's due time.
const DAY: i64 = 86_400;

/// An address as a replacement keeps it.
#[derive(Serialize, Deserialize)]
struct Address {
    label: String,
    street: String,
    city: String,
    province: String,
    postcode: String,
    country: String,
}

impl From<Address> for ShipTo {
    fn from(a: Address) -> Self {
        ShipTo {
            label: a.label,
            street: a.street,
            city: a.city,
            province: a.province,
            postcode: a.postcode,
            country: a.country,
        }
    }
}

fn request_from(r: &RowResult) -> Result<ServiceRequest, Error> {
    let opt_text = |i: usize| r.get::<&str>(i).map(str::to_owned);
    let replacement = match (opt_text(7), r.get::<i64>(8)) {
        (Some(product_id), Some(quantity)) => {
            let ship_to: Address = serde_json::from_str(r.get::<&str>(11).unwrap_or("null"))
                .map_err(|e| db::internal("read a ship-to address", e))?;
            Some(Replacement {
                product_id,
                sku: db::text(r, 19, "sku")?,
                product_name: db::text(r, 20, "name")?,
                quantity: u32::try_from(quantity)
                    .map_err(|e| db::internal("read a quantity", e))?,
                order_id: db::text(r, 9, "order_id")?,
                line_no: u32::try_from(db::integer(r, 10, "line_no")?)
                    .map_err(|e| db::internal("read a line number", e))?,
                ship_to: ship_to.into(),
            })
        }
        _ => None,
    };
    Ok(ServiceRequest {
        id: db::text(r, 0, "id")?,
        customer_id: db::text(r, 1, "customer_id")?,
        lead_id: opt_text(2),
        complaint_id: opt_text(3),
        kind: stored::<ServiceKind>(&db::text(r, 4, "kind")?)?.into(),
        summary: db::text(r, 5, "summary")?,
        status: stored::<ServiceStatus>(&db::text(r, 6, "status")?)?.into(),
        replacement,
        ship_date: opt_text(12),
        carrier: db::text(r, 13, "carrier")?,
        tracking_number: db::text(r, 14, "tracking_number")?,
        callback_task_id: opt_text(15),
        created_by: db::text(r, 16, "created_by")?,
        created_at: db::text(r, 17, "created_at")?,
        updated_at: db::text(r, 18, "updated_at")?,
    })
}

fn find(db: &Db, id: &str) -> Result<ServiceRequest, Error> {
    let found = db.query(
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(r) => request_from(r),
        None => Err(Error::NotFound(format!("no service request {id}"))),
    }
}

fn steps(db: &Db, id: &str) -> Result<Vec<ServiceStep>, Error> {
    let found = db.query(
        "SELECT at, actor_id, action, status, note FROM service_step
          WHERE request_id = ? ORDER BY seq",
        &[Value::Text(id.to_owned())],
    )?;
    found
        .rows
        .iter()
        .map(|r| {
            Ok(ServiceStep {
                at: db::text(r, 0, "at")?,
                actor_id: db::text(r, 1, "actor_id")?,
                action: db::text(r, 2, "action")?,
                status: stored::<ServiceStatus>(&db::text(r, 3, "status")?)?.into(),
                note: db::text(r, 4, "note")?,
            })
        })
        .collect()
}

fn detail(db: &Db, id: &str) -> Result<ServiceRequestDetail, Error> {
    Ok(ServiceRequestDetail {
        request: find(db, id)?,
        steps: steps(db, id)?,
    })
}

fn log_step(
    db: &Db,
    r: &ServiceRequest,
    actor_id: &str,
    action: &str,
    note: &str,
) -> Result<(), Error> {
    db.exec(
        "INSERT INTO service_step (request_id, seq, at, actor_id, action, status, note)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM service_step WHERE request_id = ?1),
                 ?2, ?3, ?4, ?5, ?6)",
        &[
            Value::Text(r.id.clone()),
            Value::Text(r.updated_at.clone()),
            Value::Text(actor_id.to_owned()),
            Value::Text(action.to_owned()),
            Value::Text(ServiceStatus::from(r.status).as_str().into()),
            Value::Text(note.to_owned()),
        ],
    )
}

fn audit_json(r: &ServiceRequest) -> serde_json::Value {
    json!({
        "customer_id": r.customer_id, "lead_id": r.lead_id, "complaint_id": r.complaint_id,
        "kind": ServiceKind::from(r.kind).as_str(), "summary": r.summary,
        "status": ServiceStatus::from(r.status).as_str(),
        "product_id": r.replacement.as_ref().map(|x| &x.product_id),
        "quantity": r.replacement.as_ref().map(|x| x.quantity),
        "ship_date": r.ship_date, "carrier": r.carrier, "tracking_number": r.tracking_number,
        "callback_task_id": r.callback_task_id,
    })
}

/// Announces a request's new status to the webhooks and, for a complaint's request, writes it on
/// the complaint's timeline.
fn announce(db: &Db, r: &ServiceRequest, actor_id: &str, what: &str) -> Result<(), Error> {
    if let Some(complaint_id) = &r.complaint_id {
        complaints::service_event(db, complaint_id, actor_id, &format!("{} {what}", r.id))?;
    }
    complaints::notify(
        db,
        "service_request.status",
        json!({
            "service_request_id": r.id, "complaint_id": r.complaint_id,
            "customer_id": r.customer_id, "kind": ServiceKind::from(r.kind).as_str(),
            "status": ServiceStatus::from(r.status).as_str(),
        }),
    )
}

/// What a replacement ships, as requested.
struct Item {
    product_id: String,
    quantity: u32,
    order_id: String,
    line_no: u32,
    ship_to: Address,
}

/// Stores a new request (`r`, with what it ships in `item`) and its first step, audited, and
/// returns it as stored.
fn insert(
    db: &Db,
    actor: &Actor,
    r: &ServiceRequest,
    item: Option<&Item>,
) -> Result<ServiceRequest, Error> {
    let ship_to = item
        .map(|x| serde_json::to_string(&x.ship_to).map_err(|e| db::internal("store an address", e)))
        .transpose()?;
    let opt = |v: Option<String>| v.map_or(Value::Null, Value::Text);
    db.exec(
        "INSERT INTO service_request (id, customer_id, lead_id, complaint_id, kind, summary,
                 status, product_id, quantity, order_id, line_no, ship_to_json, created_by,
                 created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            Value::Text(r.id.clone()),
            Value::Text(r.customer_id.clone()),
            opt(r.lead_id.clone()),
            opt(r.complaint_id.clone()),
            Value::Text(ServiceKind::from(r.kind).as_str().into()),
            Value::Text(r.summary.clone()),
            opt(item.map(|x| x.product_id.clone())),
            item.map_or(Value::Null, |x| Value::Integer(i64::from(x.quantity))),
            opt(item.map(|x| x.order_id.clone())),
            item.map_or(Value::Null, |x| Value::Integer(i64::from(x.line_no))),
            opt(ship_to),
            Value::Text(r.created_by.clone()),
            Value::Text(r.created_at.clone()),
            Value::Text(r.updated_at.clone()),
        ],
    )?;
    let stored = find(db, &r.id)?;
    log_step(db, &stored, actor.id(), "request", &stored.summary)?;
    audit::record(
        db,
        actor,
        "service_request.create",
        "service_request",
        &stored.id,
        None,
        Some(audit_json(&stored)),
    )?;
    Ok(stored)
}

/// A request of `kind` for the customer, as it stands before it is stored.
fn requested(
    id: String,
    customer_id: String,
    kind: WitKind,
    summary: String,
    actor: &Actor,
) -> ServiceRequest {
    let now = db::now();
    ServiceRequest {
        id,
        customer_id,
        lead_id: None,
        complaint_id: None,
        kind,
        summary,
        status: WitStatus::Requested,
        replacement: None,
        ship_date: None,
        carrier: String::new(),
        tracking_number: String::new(),
        callback_task_id: None,
        created_by: actor.id().to_owned(),
        created_at: now.clone(),
        updated_at: now,
    }
}

/// A lead about a customer qualified into service work (`sales::qualify_lead_as_service`), in
/// the caller's transaction.
pub fn qualify_from_lead(
    db: &Db,
    actor: &Actor,
    customer_id: &str,
    lead_id: &str,
    kind: WitKind,
    summary: &str,
) -> Result<ServiceRequest, Error> {
    let summary = parse_summary(summary)?;
    let mut r = requested(
        secrets::new_id("srq")?,
        customer_id.to_owned(),
        kind,
        summary,
        actor,
    );
    r.lead_id = Some(lead_id.to_owned());
    insert(db, actor, &r, None)
}

/// One of the customer's addresses: the one named, else the order's, else the customer's first.
fn ship_to(
    db: &Db,
    customer_id: &str,
    named: Option<&str>,
    order_id: &str,
) -> Result<Address, Error> {
    let found = db.query(
        "SELECT label, street, city, province, postcode, country FROM address
          WHERE customer_id = ?1
          ORDER BY CASE WHEN id = ?2 THEN 0
                        WHEN id = (SELECT address_id FROM customer_order WHERE id = ?3) THEN 1
                        ELSE 2 END, position
          LIMIT 1",
        &[
            Value::Text(customer_id.to_owned()),
            named.map_or(Value::Null, |n| Value::Text(n.to_owned())),
            Value::Text(order_id.to_owned()),
        ],
    )?;
    let Some(a) = found.rows.first() else {
        return Err(Error::Conflict(format!(
            "customer {customer_id} has no address to ship to: add one first"
        )));
    };
    if let Some(named) = named {
        let owned = db.query(
            "SELECT 1 FROM address WHERE id = ? AND customer_id = ?",
            &[
                Value::Text(named.to_owned()),
                Value::Text(customer_id.to_owned()),
            ],
        )?;
        if owned.rows.is_empty() {
            return Err(db::missing(
                "address_id",
                format!("customer {customer_id} has no address {named}"),
            ));
        }
    }
    Ok(Address {
        label: db::text(a, 0, "label")?,
        street: db::text(a, 1, "street")?,
        city: db::text(a, 2, "city")?,
        province: db::text(a, 3, "province")?,
        postcode: db::text(a, 4, "postcode")?,
        country: db::text(a, 5, "country")?,
    })
}

pub fn request_service(
    db: &Db,
    actor: &Actor,
    complaint_id: &str,
    input: NewServiceRequest,
) -> Result<ServiceRequestDetail, Error> {
    actor.require(Role::works_with_customers, "request service work")?;
    let summary = parse_summary(&input.summary)?;
    let kind = ServiceKind::from(input.kind);
    if kind != ServiceKind::Replacement {
        if input.quantity.is_some() {
            return Err(db::invalid("quantity", "only a replacement ships units"));
        }
        if input.address_id.is_some() {
            return Err(db::invalid(
                "address_id",
                "only a replacement ships to an address",
            ));
        }
    }
    let id = secrets::new_id("srq")?;
    db.transaction(|db| {
        let facts = complaints::for_service(db, actor, complaint_id)?;
        let mut r = requested(
            id.clone(),
            facts.customer_id.clone(),
            input.kind,
            summary,
            actor,
        );
        r.complaint_id = Some(complaint_id.to_owned());
        let mut item = None;
        if kind == ServiceKind::Replacement {
            let Some(line) = facts.line else {
                return Err(Error::Conflict(format!(
                    "complaint {complaint_id} names no order line: a replacement ships the \
                     product of the line complained about"
                )));
            };
            let units = replacement_units(input.quantity, line.quantity, facts.remedy_percent)?;
            orders::take_stock(db, &line.product_id, units)?;
            item = Some(Item {
                ship_to: ship_to(
                    db,
                    &facts.customer_id,
                    input.address_id.as_deref(),
                    &line.order_id,
                )?,
                product_id: line.product_id,
                quantity: units,
                order_id: line.order_id,
                line_no: line.line_no,
            });
        }
        let stored = insert(db, actor, &r, item.as_ref())?;
        let what = match &stored.replacement {
            Some(x) => format!(
                "requested: a replacement of {} × {} to {}",
                x.quantity,
                x.sku,
                [x.ship_to.street.as_str(), x.ship_to.city.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!("requested: {kind}"),
        };
        announce(db, &stored, actor.id(), &what)?;
        detail(db, &id)
    })
}

pub fn get_service_request(
    db: &Db,
    actor: &Actor,
    id: &str,
) -> Result<ServiceRequestDetail, Error> {
    actor.require(Role::sees_service_requests, "see service requests")?;
    detail(db, id)
}

/// A complaint's requests, oldest first, for its detail.
pub fn of_complaint(db: &Db, complaint_id: &str) -> Result<Vec<ServiceRequest>, Error> {
    let found = db.query(
        &format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE s.complaint_id = ? ORDER BY s.created_at, s.id"
        ),
        &[Value::Text(complaint_id.to_owned())],
    )?;
    found.rows.iter().map(request_from).collect()
}

pub fn list_service_requests(
    db: &Db,
    actor: &Actor,
    query: ServiceQuery,
) -> Result<ServicePage, Error> {
    actor.require(Role::sees_service_requests, "see service requests")?;
    db::check_limit("limit", query.limit, 200)?;
    let (after_created, after_id) = db::parse_cursor(query.cursor.as_deref())?;
    let found = db.query(
        &format!(
            "SELECT {COLUMNS} FROM {FROM}
              WHERE (?1 IS NULL OR s.status = ?1)
                AND (?2 IS NULL OR s.kind = ?2)
                AND (?3 IS NULL OR s.complaint_id = ?3)
                AND (?4 IS NULL OR s.customer_id = ?4)
                AND (?5 IS NULL OR (s.created_at, s.id) > (?5, ?6))
              ORDER BY s.created_at, s.id LIMIT ?7"
        ),
        &[
            query.status.map_or(Value::Null, |s| {
                Value::Text(ServiceStatus::from(s).as_str().into())
            }),
            query.kind.map_or(Value::Null, |k| {
                Value::Text(ServiceKind::from(k).as_str().into())
            }),
            query.complaint_id.map_or(Value::Null, Value::Text),
            query.customer_id.map_or(Value::Null, Value::Text),
            after_created,
            after_id,
            Value::Integer(i64::from(query.limit) + 1),
        ],
    )?;
    let mut items = found
        .rows
        .iter()
        .map(request_from)
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = db::next_cursor(&mut items, query.limit, |r| (&r.created_at, &r.id));
    Ok(ServicePage { items, next_cursor })
}

/// The fields only shipping takes, checked: a ship date (`YYYY-MM-DD`, today when none), a
/// carrier and a tracking number of at most 100 characters each.
fn shipping(
    action: ServiceAction,
    input: &StepInput,
    now: i64,
) -> Result<Option<(String, String, String)>, Error> {
    if action != ServiceAction::Ship {
        for (field, given) in [
            ("ship_date", input.ship_date.is_some()),
            ("carrier", !input.carrier.is_empty()),
            ("tracking_number", !input.tracking_number.is_empty()),
        ] {
            if given {
                return Err(db::invalid(field, "only the ship step takes it"));
            }
        }
        return Ok(None);
    }
    let ship_date = match &input.ship_date {
        Some(day) => parse_day("ship_date", day)?,
        None => rfc3339_utc(now)[..10].to_owned(),
    };
    Ok(Some((
        ship_date,
        parse_text("carrier", &input.carrier, 100)?,
        parse_text("tracking_number", &input.tracking_number, 100)?,
    )))
}

pub fn take_step(
    db: &Db,
    actor: &Actor,
    id: &str,
    input: StepInput,
) -> Result<ServiceRequestDetail, Error> {
    actor.require(Role::sees_service_requests, "work on service requests")?;
    let action = ServiceAction::from(input.action);
    if !may_take(actor.role(), action) {
        return Err(Error::Forbidden(format!(
            "a {} may not {action} a service request: {}",
            actor.role(),
            match action {
                ServiceAction::Approve | ServiceAction::Reject => "finance decides",
                ServiceAction::Pick | ServiceAction::Ship => "the warehouse does",
                _ => "staff who work with customers do",
            }
        )));
    }
    let note = parse_note(action, &input.note)?;
    let now_secs = db::now_secs();
    let shipped =
        shipping(action, &input, now_secs)?.map(|(ship_date, carrier, tracking_number)| Shipment {
            by: actor,
            ship_date,
            carrier,
            tracking_number,
        });
    db.transaction(|db| {
        let taken = Step {
            action,
            note,
            shipped,
            at: now_secs,
        };
        apply_step(db, actor.id(), actor.role().oversees(), id, taken)?;
        detail(db, id)
    })
}

/// What shipping records, checked, and the member of staff who ships: the agent's callback
/// task is set in their name.
struct Shipment<'a> {
    by: &'a Actor,
    ship_date: String,
    carrier: String,
    tracking_number: String,
}

/// A step to take, its input checked.
struct Step<'a> {
    action: ServiceAction,
    /// The step's note, checked (`parse_note`).
    note: String,
    /// For `ship`: what it records.
    shipped: Option<Shipment<'a>>,
    /// When, Unix seconds.
    at: i64,
}

/// Takes the step `taken` on request `id` in the caller's transaction, in the name of `taker`
/// (a staff id, or a customer's portal account), whose role, if any, the caller has checked:
/// the move of the workflow, stock given back when a request that holds it ends, the shipping
/// fields and the callback task, the step log, the complaint's timeline and the webhooks, and
/// the audit entry. Cancelling is for who requested it, or for anyone when `cancels_any` (a
/// manager).
fn apply_step(
    db: &Db,
    taker: &str,
    cancels_any: bool,
    id: &str,
    taken: Step<'_>,
) -> Result<ServiceRequest, Error> {
    let Step {
        action,
        note,
        shipped,
        at: now_secs,
    } = taken;
    let before = find(db, id)?;
    if action == ServiceAction::Cancel && before.created_by != taker && !cancels_any {
        return Err(Error::Forbidden(format!(
            "only who requested {id} or a manager may cancel it"
        )));
    }
    let from = ServiceStatus::from(before.status);
    let kind = ServiceKind::from(before.kind);
    let to = step(kind, before.replacement.is_some(), from, action)
        .map_err(|e| Error::Conflict(format!("service request {id} is {from}: {e}")))?;
    let mut after = before.clone();
    after.status = to.into();
    after.updated_at = rfc3339_utc(now_secs);
    if let Some(item) = &before.replacement {
        if from.holds_stock() && matches!(to, ServiceStatus::Rejected | ServiceStatus::Cancelled) {
            orders::return_stock(db, &item.product_id, item.quantity)?;
        }
    }
    let mut what = format!("{action}: {from} → {to}");
    if let Some(shipment) = shipped {
        let (task_id, due_at) = callback(db, shipment.by, &before, now_secs)?;
        what = shipped_note(
            &shipment.ship_date,
            &shipment.carrier,
            &shipment.tracking_number,
            &task_id,
            &due_at,
        );
        after.ship_date = Some(shipment.ship_date);
        after.carrier = shipment.carrier;
        after.tracking_number = shipment.tracking_number;
        after.callback_task_id = Some(task_id);
    }
    db.exec(
        "UPDATE service_request SET status = ?, ship_date = ?, carrier = ?,
                tracking_number = ?, callback_task_id = ?, updated_at = ?
          WHERE id = ?",
        &[
            Value::Text(to.as_str().into()),
            after.ship_date.clone().map_or(Value::Null, Value::Text),
            Value::Text(after.carrier.clone()),
            Value::Text(after.tracking_number.clone()),
            after
                .callback_task_id
                .clone()
                .map_or(Value::Null, Value::Text),
            Value::Text(after.updated_at.clone()),
            Value::Text(id.to_owned()),
        ],
    )?;
    log_step(db, &after, taker, action.as_str(), &note)?;
    let what = if note.is_empty() {
        what
    } else {
        format!("{what} ({note})")
    };
    announce(db, &after, taker, &what)?;
    audit::record_as(
        db,
        taker,
        "service_request.step",
        "service_request",
        id,
        Some(audit_json(&before)),
        Some(audit_json(&after)),
    )?;
    Ok(after)
}

/// The customer confirms receipt of replacement `request_id`, shipped for their complaint
/// `complaint_id`, on the portal (the caller has checked the complaint is theirs): the
/// `confirm_receipt` step as staff take it, in the caller's transaction, in the name of the
/// customer's account `account_id`. A request that is not one of the complaint's is not found;
/// one that is not `shipped` is a conflict naming its status.
pub fn confirm_receipt_for_customer(
    db: &Db,
    account_id: &str,
    complaint_id: &str,
    request_id: &str,
) -> Result<(), Error> {
    let not_found = || {
        Error::NotFound(format!(
            "complaint {complaint_id} has no service request {request_id}"
        ))
    };
    let r = match find(db, request_id) {
        Ok(r) if r.complaint_id.as_deref() == Some(complaint_id) => r,
        Ok(_) | Err(Error::NotFound(_)) => return Err(not_found()),
        Err(other) => return Err(other),
    };
    let status = ServiceStatus::from(r.status);
    if status != ServiceStatus::Shipped {
        return Err(Error::Conflict(format!(
            "service request {request_id} is {status}: {}",
            if status == ServiceStatus::Received {
                "its receipt was confirmed already"
            } else {
                "receipt is confirmed once it has shipped"
            }
        )));
    }
    let taken = Step {
        action: ServiceAction::ConfirmReceipt,
        note: String::new(),
        shipped: None,
        at: db::now_secs(),
    };
    apply_step(db, account_id, false, request_id, taken)?;
    Ok(())
}

/// The ids of the requests of complaint `complaint_id` that have shipped and wait for the
/// customer's receipt, oldest first.
pub fn shipped_of_complaint(db: &Db, complaint_id: &str) -> Result<Vec<String>, Error> {
    let found = db.query(
        "SELECT id FROM service_request WHERE complaint_id = ? AND status = 'shipped'
          ORDER BY created_at, id",
        &[Value::Text(complaint_id.to_owned())],
    )?;
    found.rows.iter().map(|r| db::text(r, 0, "id")).collect()
}

/// The requests of every complaint of customer `customer_id` that have shipped and wait for
/// the customer's receipt, as (complaint id, request id), oldest first.
pub fn shipped_of_customer_complaints(
    db: &Db,
    customer_id: &str,
) -> Result<Vec<(String, String)>, Error> {
    let found = db.query(
        "SELECT s.complaint_id, s.id FROM service_request s
           JOIN complaint k ON k.id = s.complaint_id
          WHERE k.customer_id = ? AND s.status = 'shipped'
          ORDER BY s.created_at, s.id",
        &[Value::Text(customer_id.to_owned())],
    )?;
    found
        .rows
        .iter()
        .map(|r| Ok((db::text(r, 0, "complaint_id")?, db::text(r, 1, "id")?)))
        .collect()
}

/// The agent's task to call the customer back once a request has shipped: on the complaint
/// (its assignee, its policy's `callback_days`) or, for a request without one, on the customer
/// (its requester, the default policy's days). Returns the task's id and due time.
fn callback(
    db: &Db,
    actor: &Actor,
    r: &ServiceRequest,
    now: i64,
) -> Result<(String, String), Error> {
    let (kind, subject, assignee, days) = match &r.complaint_id {
        Some(complaint_id) => {
            let facts = complaints::callback_facts(db, complaint_id)?;
            (
                SubjectKind::Complaint,
                complaint_id.clone(),
                facts.assignee_id.unwrap_or_else(|| r.created_by.clone()),
                facts.callback_days,
            )
        }
        None => (
            SubjectKind::Customer,
            r.customer_id.clone(),
            r.created_by.clone(),
            crate::sla::governing(db, crate::sla::DEFAULT_POLICY)?
                .policy
                .callback_days,
        ),
    };
    let due_at = rfc3339_utc(now + i64::from(days) * DAY);
    let title = format!("Call the customer back: has {} arrived?", r.id);
    let task_id = tasks::create_follow_up(
        db,
        actor,
        kind,
        &subject,
        &r.customer_id,
        &assignee,
        &title,
        &due_at,
    )?;
    Ok((task_id, due_at))
}

/// A customer's most recent requests, newest first, for the unified view.
pub fn recent_of_customer(
    db: &Db,
    customer_id: &str,
    limit: u32,
) -> Result<Vec<ServiceRequest>, Error> {
    let found = db.query(
        &format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE s.customer_id = ?
              ORDER BY s.created_at DESC, s.id DESC LIMIT ?"
        ),
        &[
            Value::Text(customer_id.to_owned()),
            Value::Integer(i64::from(limit)),
        ],
    )?;
    found.rows.iter().map(request_from).collect()
}

/// The open request that keeps a complaint from closing, if any: remedy work is finished (or
/// called off) before the complaint is signed off.
pub fn open_for_complaint(db: &Db, complaint_id: &str) -> Result<Option<(String, String)>, Error> {
    let found = db.query(
        "SELECT id, status FROM service_request
          WHERE complaint_id = ? AND status IN ('requested', 'approved', 'picked', 'shipped')
          ORDER BY created_at, id LIMIT 1",
        &[Value::Text(complaint_id.to_owned())],
    )?;
    match found.rows.first() {
        Some(r) => Ok(Some((db::text(r, 0, "id")?, db::text(r, 1, "status")?))),
        None => Ok(None),
    }
}
