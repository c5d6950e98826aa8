//! The sales funnel: leads, opportunities, and the win that turns a prospect into a customer
//! with an order.

use crate::audit;
use crate::auth::Actor;
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::customers::{
    ContactInput, Creation, CustomerKind as WitCustomerKind, NewCustomer, Tier as WitTier,
};
use crate::exports::crm::records::orders::{NewOrder, OrderChannel};
use crate::exports::crm::records::sales::{
    Lead, LeadPage, LeadQuery, LeadSource as WitLeadSource, LeadStatus as WitLeadStatus, NewLead,
    Opportunity, Qualification, ServiceKind as WitServiceKind, ServiceRequest, Stage as WitStage,
    WebLead, Win, Won,
};
use crate::exports::crm::records::types::Error;
use crate::names::stored;
use crate::orders;
use crate::secrets;
use crate::service_requests;
use crate::throttle;
use crm_domain::role::Role;
use crm_domain::sales::{
    parse_reason, spam_reason, LeadDetails, LeadDraft, LeadSource, LeadStatus, NewOpportunity,
    OpportunityDraft, OpportunityMove, OpportunityMoveDraft, Stage,
};
use spin_sdk::sqlite3::{RowResult, Value};

/// The actor id the audit log records for leads from the public web form.
const WEB_FORM_ACTOR: &str = "web_form";

const LEAD_COLUMNS: &str = "id, name, company, phone, email, message, source, status, \
                            customer_id, owner_id, disqualify_reason, created_at";

const OPPORTUNITY_COLUMNS: &str = "id, title, lead_id, customer_id, stage, expected_value, \
                                   expected_close, owner_id, order_id, lost_reason, created_at, \
                                   updated_at";

fn optional(row: &RowResult, i: usize) -> Option<String> {
    row.get::<&str>(i).map(str::to_owned)
}

fn text_or_null(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::Text)
}

fn lead_from_row(row: &RowResult) -> Result<Lead, Error> {
    Ok(Lead {
        id: db::text(row, 0, "id")?,
        name: db::text(row, 1, "name")?,
        company: db::text(row, 2, "company")?,
        phone: optional(row, 3),
        email: optional(row, 4),
        message: db::text(row, 5, "message")?,
        source: stored::<LeadSource>(&db::text(row, 6, "source")?)?.into(),
        status: stored::<LeadStatus>(&db::text(row, 7, "status")?)?.into(),
        customer_id: optional(row, 8),
        owner_id: optional(row, 9),
        disqualify_reason: db::text(row, 10, "disqualify_reason")?,
        created_at: db::text(row, 11, "created_at")?,
    })
}

fn lead_json(l: &Lead) -> serde_json::Value {
    serde_json::json!({
        "id": l.id, "name": l.name, "company": l.company, "phone": l.phone, "email": l.email,
        "message": l.message, "source": LeadSource::from(l.source).as_str(),
        "status": LeadStatus::from(l.status).as_str(), "customer_id": l.customer_id,
        "owner_id": l.owner_id, "disqualify_reason": l.disqualify_reason,
    })
}

fn opportunity_from_row(row: &RowResult) -> Result<Opportunity, Error> {
    Ok(Opportunity {
        id: db::text(row, 0, "id")?,
        title: db::text(row, 1, "title")?,
        lead_id: optional(row, 2),
        customer_id: optional(row, 3),
        stage: stored::<Stage>(&db::text(row, 4, "stage")?)?.into(),
        expected_value: db::integer(row, 5, "expected_value")?,
        expected_close: optional(row, 6),
        owner_id: optional(row, 7),
        order_id: optional(row, 8),
        lost_reason: db::text(row, 9, "lost_reason")?,
        created_at: db::text(row, 10, "created_at")?,
        updated_at: db::text(row, 11, "updated_at")?,
    })
}

fn opportunity_json(o: &Opportunity) -> serde_json::Value {
    serde_json::json!({
        "id": o.id, "title": o.title, "lead_id": o.lead_id, "customer_id": o.customer_id,
        "stage": Stage::from(o.stage).as_str(), "expected_value": o.expected_value,
        "expected_close": o.expected_close, "owner_id": o.owner_id, "order_id": o.order_id,
        "lost_reason": o.lost_reason,
    })
}

pub fn find_lead(db: &Db, id: &str) -> Result<Lead, Error> {
    let found = db.query(
        &format!("SELECT {LEAD_COLUMNS} FROM lead WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(row) => lead_from_row(row),
        None => Err(Error::NotFound(format!("no lead {id}"))),
    }
}

pub fn find_opportunity(db: &Db, id: &str) -> Result<Opportunity, Error> {
    let found = db.query(
        &format!("SELECT {OPPORTUNITY_COLUMNS} FROM opportunity WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(row) => opportunity_from_row(row),
        None => Err(Error::NotFound(format!("no opportunity {id}"))),
    }
}

fn insert_lead(db: &Db, l: &Lead) -> Result<(), Error> {
    db.exec(
        &format!(
            "INSERT INTO lead ({LEAD_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        &[
            Value::Text(l.id.clone()),
            Value::Text(l.name.clone()),
            Value::Text(l.company.clone()),
            text_or_null(&l.phone),
            text_or_null(&l.email),
            Value::Text(l.message.clone()),
            Value::Text(LeadSource::from(l.source).as_str().into()),
            Value::Text(LeadStatus::from(l.status).as_str().into()),
            text_or_null(&l.customer_id),
            text_or_null(&l.owner_id),
            Value::Text(l.disqualify_reason.clone()),
            Value::Text(l.created_at.clone()),
            Value::Text(l.created_at.clone()),
        ],
    )
}

fn update_lead(db: &Db, l: &Lead) -> Result<(), Error> {
    db.exec(
        "UPDATE lead SET status = ?, customer_id = ?, owner_id = ?, disqualify_reason = ?,
                updated_at = ? WHERE id = ?",
        &[
            Value::Text(LeadStatus::from(l.status).as_str().into()),
            text_or_null(&l.customer_id),
            text_or_null(&l.owner_id),
            Value::Text(l.disqualify_reason.clone()),
            Value::Text(db::now()),
            Value::Text(l.id.clone()),
        ],
    )
}

fn insert_opportunity(db: &Db, o: &Opportunity) -> Result<(), Error> {
    db.exec(
        &format!(
            "INSERT INTO opportunity ({OPPORTUNITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        &[
            Value::Text(o.id.clone()),
            Value::Text(o.title.clone()),
            text_or_null(&o.lead_id),
            text_or_null(&o.customer_id),
            Value::Text(Stage::from(o.stage).as_str().into()),
            Value::Integer(o.expected_value),
            text_or_null(&o.expected_close),
            text_or_null(&o.owner_id),
            text_or_null(&o.order_id),
            Value::Text(o.lost_reason.clone()),
            Value::Text(o.created_at.clone()),
            Value::Text(o.updated_at.clone()),
        ],
    )
}

fn update_opportunity(db: &Db, o: &Opportunity) -> Result<(), Error> {
    db.exec(
        "UPDATE opportunity SET stage = ?, expected_value = ?, customer_id = ?, order_id = ?,
                lost_reason = ?, updated_at = ? WHERE id = ?",
        &[
            Value::Text(Stage::from(o.stage).as_str().into()),
            Value::Integer(o.expected_value),
            text_or_null(&o.customer_id),
            text_or_null(&o.order_id),
            Value::Text(o.lost_reason.clone()),
            Value::Text(o.updated_at.clone()),
            Value::Text(o.id.clone()),
        ],
    )
}

/// The parts of a lead as crm-domain parses them.
fn lead_draft<'a>(
    name: &'a str,
    company: &'a str,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    message: &'a str,
) -> LeadDraft<'a> {
    LeadDraft {
        name,
        company,
        phone,
        email,
        message,
    }
}

fn new_lead(
    details: LeadDetails,
    source: WitLeadSource,
    customer_id: Option<String>,
    owner_id: Option<String>,
) -> Result<Lead, Error> {
    Ok(Lead {
        id: secrets::new_id("lea")?,
        name: details.name,
        company: details.company,
        phone: details.phone.map(|p| p.as_str().to_owned()),
        email: details.email.map(|e| e.as_str().to_owned()),
        message: details.message,
        source,
        status: WitLeadStatus::New,
        customer_id,
        owner_id,
        disqualify_reason: String::new(),
        created_at: db::now(),
    })
}

pub fn create_lead(db: &Db, actor: &Actor, input: NewLead) -> Result<Lead, Error> {
    actor.require(Role::works_with_customers, "record leads")?;
    let details = LeadDetails::parse(lead_draft(
        &input.name,
        &input.company,
        input.phone.as_deref(),
        input.email.as_deref(),
        &input.message,
    ))?;
    let owner_id = match input.owner_id.filter(|o| !o.trim().is_empty()) {
        Some(owner) => Some(owner),
        None if actor.role() == Role::Rep => Some(actor.id().to_owned()),
        None => None,
    };
    let lead = new_lead(details, input.source, input.customer_id, owner_id)?;
    db.transaction(|db| {
        if let Some(owner) = &lead.owner_id {
            customers::check_owner(db, owner)?;
        }
        if let Some(customer) = &lead.customer_id {
            customers::load(db, customer).map_err(|e| match e {
                Error::NotFound(_) => db::missing("customer_id", format!("no customer {customer}")),
                other => other,
            })?;
        }
        insert_lead(db, &lead)?;
        audit::record(
            db,
            actor,
            "lead.create",
            "lead",
            &lead.id,
            None,
            Some(lead_json(&lead)),
        )?;
        Ok(lead.clone())
    })
}

pub fn capture_lead(db: &Db, input: WebLead, client_key: &str) -> Result<Option<Lead>, Error> {
    let details = LeadDetails::parse_reachable(lead_draft(
        &input.name,
        &input.company,
        input.phone.as_deref(),
        input.email.as_deref(),
        &input.message,
    ))?;
    let spam = spam_reason(&input.honeypot, &details.message);
    db.transaction(|db| {
        // Counted before the spam check: a bot's submissions use up its sender's window too.
        throttle::take(db, &throttle::LEAD_CAPTURE, client_key)?;
        if let Some(reason) = spam {
            eprintln!("records: dropped a web lead: {reason}");
            return Ok(None);
        }
        let lead = new_lead(details, WitLeadSource::Web, None, None)?;
        insert_lead(db, &lead)?;
        audit::record_as(
            db,
            WEB_FORM_ACTOR,
            "lead.capture",
            "lead",
            &lead.id,
            None,
            Some(lead_json(&lead)),
        )?;
        Ok(Some(lead))
    })
}

pub fn get_lead(db: &Db, actor: &Actor, id: &str) -> Result<Lead, Error> {
    actor.require(Role::works_with_customers, "see leads")?;
    find_lead(db, id)
}

pub fn list_leads(db: &Db, actor: &Actor, query: LeadQuery) -> Result<LeadPage, Error> {
    actor.require(Role::works_with_customers, "see leads")?;
    db::check_limit("limit", query.limit, 200)?;
    let (after_created, after_id) = db::parse_cursor(query.cursor.as_deref())?;
    let found = db.query(
        &format!(
            "SELECT {LEAD_COLUMNS} FROM lead
              WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR owner_id = ?2)
                AND (?3 IS NULL OR (created_at, id) < (?3, ?4))
              ORDER BY created_at DESC, id DESC LIMIT ?5"
        ),
        &[
            query.status.map_or(Value::Null, |s| {
                Value::Text(LeadStatus::from(s).as_str().into())
            }),
            text_or_null(&query.owner_id),
            after_created,
            after_id,
            Value::Integer(i64::from(query.limit) + 1),
        ],
    )?;
    let mut items = found
        .rows
        .iter()
        .map(lead_from_row)
        .collect::<Result<Vec<_>, Error>>()?;
    let next_cursor = db::next_cursor(&mut items, query.limit, |l| (&l.created_at, &l.id));
    Ok(LeadPage { items, next_cursor })
}

/// Loads a lead that is still new, for qualifying or disqualifying it.
fn new_lead_for_change(db: &Db, id: &str) -> Result<Lead, Error> {
    let lead = find_lead(db, id)?;
    if lead.status != WitLeadStatus::New {
        return Err(Error::Conflict(format!(
            "lead {id} is already {}",
            LeadStatus::from(lead.status)
        )));
    }
    Ok(lead)
}

pub fn qualify_lead(
    db: &Db,
    actor: &Actor,
    lead_id: &str,
    input: Qualification,
) -> Result<Opportunity, Error> {
    actor.require(Role::works_with_customers, "qualify leads")?;
    let parsed = NewOpportunity::parse(OpportunityDraft {
        title: &input.title,
        expected_value: input.expected_value,
        expected_close: input.expected_close.as_deref(),
    })?;
    db.transaction(|db| {
        let before = new_lead_for_change(db, lead_id)?;
        let now = db::now();
        let opportunity = Opportunity {
            id: secrets::new_id("opp")?,
            title: parsed.title,
            lead_id: Some(before.id.clone()),
            customer_id: before.customer_id.clone(),
            stage: WitStage::Prospecting,
            expected_value: parsed.expected_value,
            expected_close: parsed.expected_close,
            owner_id: before
                .owner_id
                .clone()
                .or_else(|| Some(actor.id().to_owned())),
            order_id: None,
            lost_reason: String::new(),
            created_at: now.clone(),
            updated_at: now,
        };
        let mut after = before.clone();
        after.status = WitLeadStatus::Qualified;
        update_lead(db, &after)?;
        insert_opportunity(db, &opportunity)?;
        audit::record(
            db,
            actor,
            "lead.qualify",
            "lead",
            lead_id,
            Some(lead_json(&before)),
            Some(lead_json(&after)),
        )?;
        audit::record(
            db,
            actor,
            "opportunity.create",
            "opportunity",
            &opportunity.id,
            None,
            Some(opportunity_json(&opportunity)),
        )?;
        Ok(opportunity)
    })
}

pub fn disqualify_lead(db: &Db, actor: &Actor, lead_id: &str, reason: &str) -> Result<Lead, Error> {
    actor.require(Role::works_with_customers, "disqualify leads")?;
    let reason = parse_reason(reason)?;
    db.transaction(|db| {
        let before = new_lead_for_change(db, lead_id)?;
        let mut after = before.clone();
        after.status = WitLeadStatus::Disqualified;
        after.disqualify_reason = reason.clone();
        update_lead(db, &after)?;
        audit::record(
            db,
            actor,
            "lead.disqualify",
            "lead",
            lead_id,
            Some(lead_json(&before)),
            Some(lead_json(&after)),
        )?;
        Ok(after)
    })
}

pub fn get_opportunity(db: &Db, actor: &Actor, id: &str) -> Result<Opportunity, Error> {
    actor.require(Role::works_with_customers, "see opportunities")?;
    find_opportunity(db, id)
}

/// Loads an opportunity that is still open, for a change of stage.
fn open_opportunity(db: &Db, id: &str) -> Result<Opportunity, Error> {
    let opportunity = find_opportunity(db, id)?;
    if !Stage::from(opportunity.stage).is_open() {
        return Err(Error::Conflict(format!(
            "opportunity {id} is already {}",
            Stage::from(opportunity.stage)
        )));
    }
    Ok(opportunity)
}

/// Writes a changed opportunity and its audit entry.
fn save_change(
    db: &Db,
    actor: &Actor,
    action: &str,
    before: &Opportunity,
    after: &Opportunity,
) -> Result<(), Error> {
    update_opportunity(db, after)?;
    audit::record(
        db,
        actor,
        action,
        "opportunity",
        &after.id,
        Some(opportunity_json(before)),
        Some(opportunity_json(after)),
    )
}

pub fn move_opportunity(
    db: &Db,
    actor: &Actor,
    id: &str,
    stage: WitStage,
    expected_value: Option<i64>,
) -> Result<Opportunity, Error> {
    actor.require(Role::works_with_customers, "work on opportunities")?;
    let change = OpportunityMove::parse(OpportunityMoveDraft {
        stage: stage.into(),
        expected_value,
    })?;
    db.transaction(|db| {
        let before = open_opportunity(db, id)?;
        let mut after = before.clone();
        after.stage = change.stage.into();
        after.expected_value = change.expected_value.unwrap_or(before.expected_value);
        after.updated_at = db::now();
        save_change(db, actor, "opportunity.move", &before, &after)?;
        Ok(after)
    })
}

pub fn lose_opportunity(
    db: &Db,
    actor: &Actor,
    id: &str,
    reason: &str,
) -> Result<Opportunity, Error> {
    actor.require(Role::works_with_customers, "work on opportunities")?;
    let reason = parse_reason(reason)?;
    db.transaction(|db| {
        let before = open_opportunity(db, id)?;
        let mut after = before.clone();
        after.stage = WitStage::Lost;
        after.lost_reason = reason.clone();
        after.updated_at = db::now();
        save_change(db, actor, "opportunity.lose", &before, &after)?;
        Ok(after)
    })
}

/// The customer a lead describes: a company with the person as its contact, or the person.
fn customer_from_lead(lead: &Lead, owner_id: Option<String>) -> NewCustomer {
    let is_company = !lead.company.is_empty();
    NewCustomer {
        kind: if is_company {
            WitCustomerKind::Company
        } else {
            WitCustomerKind::Person
        },
        name: if is_company {
            lead.company.clone()
        } else {
            lead.name.clone()
        },
        phone: lead.phone.clone(),
        email: lead.email.clone(),
        tier: WitTier::Standard,
        region: String::new(),
        channel_partner: None,
        owner_id,
        tags: Vec::new(),
        contacts: if is_company {
            vec![ContactInput {
                name: lead.name.clone(),
                title: String::new(),
                phone: lead.phone.clone(),
                email: lead.email.clone(),
                primary: true,
            }]
        } else {
            Vec::new()
        },
        addresses: Vec::new(),
    }
}

pub fn win_opportunity(db: &Db, actor: &Actor, id: &str, input: Win) -> Result<Won, Error> {
    actor.require(Role::works_with_customers, "win opportunities")?;
    db.transaction(|db| {
        let before = open_opportunity(db, id)?;
        let lead = before
            .lead_id
            .as_deref()
            .map(|l| find_lead(db, l))
            .transpose()?;
        let (customer_id, customer_created) = match (&before.customer_id, &lead) {
            (Some(customer), _) => (customer.clone(), false),
            (None, Some(lead)) => {
                let new = customers::new_customer(
                    actor,
                    customer_from_lead(lead, before.owner_id.clone()),
                )?;
                match customers::insert_new(db, actor, new, input.allow_duplicate)? {
                    Creation::Created(customer) => (customer.id, true),
                    Creation::LikelyDuplicates(found) => {
                        let ids: Vec<&str> = found.iter().map(|d| d.customer.id.as_str()).collect();
                        return Err(Error::Conflict(format!(
                            "the prospect looks like existing customer(s) {}; set the lead's \
                             customer or win with allow_duplicate",
                            ids.join(", ")
                        )));
                    }
                }
            }
            (None, None) => {
                return Err(Error::Conflict(format!(
                    "opportunity {id} has neither a customer nor a lead to make one from"
                )))
            }
        };
        let order = orders::insert_new_order(
            db,
            actor,
            &NewOrder {
                customer_id: customer_id.clone(),
                placed_at: input.placed_at.clone(),
                lines: input.lines.clone(),
                invoice_number: input.invoice_number.clone(),
                ship_date: None,
                notes: format!("won opportunity {id}: {}", before.title),
                address_id: None,
            },
            OrderChannel::Staff,
        )?;
        let mut after = before.clone();
        after.stage = WitStage::Won;
        after.customer_id = Some(customer_id.clone());
        after.order_id = Some(order.id.clone());
        after.updated_at = db::now();
        save_change(db, actor, "opportunity.win", &before, &after)?;
        if let Some(lead) = lead.filter(|l| l.customer_id.is_none()) {
            let mut converted = lead.clone();
            converted.customer_id = Some(customer_id);
            update_lead(db, &converted)?;
            audit::record(
                db,
                actor,
                "lead.convert",
                "lead",
                &lead.id,
                Some(lead_json(&lead)),
                Some(lead_json(&converted)),
            )?;
        }
        Ok(Won {
            opportunity: after,
            order,
            customer_created,
        })
    })
}

pub fn qualify_lead_as_service(
    db: &Db,
    actor: &Actor,
    lead_id: &str,
    kind: WitServiceKind,
    summary: &str,
) -> Result<ServiceRequest, Error> {
    actor.require(Role::works_with_customers, "qualify leads")?;
    let summary = crm_domain::service::parse_summary(summary)?;
    db.transaction(|db| {
        let before = new_lead_for_change(db, lead_id)?;
        let Some(customer_id) = before.customer_id.clone() else {
            return Err(Error::Conflict(format!(
                "lead {lead_id} is not linked to a customer; service is for customers — qualify \
                 it as an opportunity, or record the customer and link the lead first"
            )));
        };
        customers::load(db, &customer_id)?;
        let request =
            service_requests::qualify_from_lead(db, actor, &customer_id, lead_id, kind, &summary)?;
        let mut after = before.clone();
        after.status = WitLeadStatus::Qualified;
        update_lead(db, &after)?;
        audit::record(
            db,
            actor,
            "lead.qualify",
            "lead",
            lead_id,
            Some(lead_json(&before)),
            Some(lead_json(&after)),
        )?;
        Ok(request)
    })
}
