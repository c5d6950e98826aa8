//! The sales funnel: leads (`/api/v1/leads…`, including the public website form at
//! `POST /api/v1/leads/capture`) and opportunities (`/api/v1/opportunities/:id…`).

use crate::orders::{LineBody, OrderView};
use crm_guest::names::{self, LeadSource, LeadStatus, ServiceKind, Stage};
use crm_guest::request::{credential, form_or_json_body, json, json_body, query};
use crm_guest::sales::{self, Lead, LeadQuery, NewLead, Opportunity, Qualification, WebLead, Win};
use crm_guest::{ApiResult, Params};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;

#[derive(Serialize)]
struct LeadView {
    id: String,
    name: String,
    company: String,
    phone: Option<String>,
    email: Option<String>,
    message: String,
    source: &'static str,
    status: &'static str,
    customer_id: Option<String>,
    owner_id: Option<String>,
    disqualify_reason: String,
    created_at: String,
}

impl From<Lead> for LeadView {
    fn from(l: Lead) -> Self {
        Self {
            id: l.id,
            name: l.name,
            company: l.company,
            phone: l.phone,
            email: l.email,
            message: l.message,
            source: LeadSource::from(l.source).as_str(),
            status: LeadStatus::from(l.status).as_str(),
            customer_id: l.customer_id,
            owner_id: l.owner_id,
            disqualify_reason: l.disqualify_reason,
            created_at: l.created_at,
        }
    }
}

#[derive(Serialize)]
struct OpportunityView {
    id: String,
    title: String,
    lead_id: Option<String>,
    customer_id: Option<String>,
    stage: &'static str,
    expected_value: i64,
    expected_close: Option<String>,
    owner_id: Option<String>,
    order_id: Option<String>,
    lost_reason: String,
    created_at: String,
    updated_at: String,
}

impl From<Opportunity> for OpportunityView {
    fn from(o: Opportunity) -> Self {
        Self {
            id: o.id,
            title: o.title,
            lead_id: o.lead_id,
            customer_id: o.customer_id,
            stage: Stage::from(o.stage).as_str(),
            expected_value: o.expected_value,
            expected_close: o.expected_close,
            owner_id: o.owner_id,
            order_id: o.order_id,
            lost_reason: o.lost_reason,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateLead {
    name: String,
    #[serde(default)]
    company: String,
    phone: Option<String>,
    email: Option<String>,
    #[serde(default)]
    message: String,
    source: String,
    customer_id: Option<String>,
    owner_id: Option<String>,
}

/// `POST /api/v1/leads`: a lead entered by staff.
pub fn create_lead(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateLead = json_body(req)?;
    let input = NewLead {
        name: body.name,
        company: body.company,
        phone: body.phone,
        email: body.email,
        message: body.message,
        source: names::parse::<LeadSource>("source", &body.source)?.into(),
        customer_id: body.customer_id,
        owner_id: body.owner_id,
    };
    let lead = sales::create_lead(&who, &input)?;
    Ok(json(201, &LeadView::from(lead)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptureLead {
    name: String,
    #[serde(default)]
    company: String,
    phone: Option<String>,
    email: Option<String>,
    #[serde(default)]
    message: String,
    /// The form's hidden field; people leave it empty.
    #[serde(default)]
    website: String,
}

/// `POST /api/v1/leads/capture`: the public website form (form-encoded or JSON); no credential.
/// Answers 202 both when the lead is kept and when it is dropped as spam, so that bots learn
/// nothing.
pub fn capture_lead(req: &Request, _params: &Params) -> ApiResult {
    let body: CaptureLead = form_or_json_body(req)?;
    // The sender's address as the host saw it; the port changes with every connection.
    let client_key = req
        .header("spin-client-addr")
        .and_then(|v| v.as_str())
        .map(|addr| addr.rsplit_once(':').map_or(addr, |(ip, _)| ip).to_owned())
        .unwrap_or_else(|| "unknown".into());
    let input = WebLead {
        name: body.name,
        company: body.company,
        phone: body.phone,
        email: body.email,
        message: body.message,
        honeypot: body.website,
    };
    sales::capture_lead(&input, &client_key)?;
    Ok(json(
        202,
        &serde_json::json!({ "status": "received", "message": "Thank you, we will be in touch." }),
    ))
}

pub fn get_lead(req: &Request, params: &Params) -> ApiResult {
    let lead = sales::get_lead(&credential(req)?, params.get("id"))?;
    Ok(json(200, &LeadView::from(lead)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListLeads {
    status: Option<String>,
    owner_id: Option<String>,
    #[serde(default = "crate::default_limit")]
    limit: u32,
    cursor: Option<String>,
}

/// `GET /api/v1/leads?status=&owner_id=&limit=&cursor=`: newest first.
pub fn list_leads(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListLeads = query(req)?;
    let page = sales::list_leads(
        &who,
        &LeadQuery {
            status: q
                .status
                .map(|s| names::parse::<LeadStatus>("status", &s).map(Into::into))
                .transpose()?,
            owner_id: q.owner_id,
            limit: q.limit,
            cursor: q.cursor,
        },
    )?;
    let items: Vec<LeadView> = page.items.into_iter().map(LeadView::from).collect();
    Ok(json(
        200,
        &serde_json::json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Qualify {
    title: String,
    #[serde(default)]
    expected_value: i64,
    expected_close: Option<String>,
}

/// `POST /api/v1/leads/:id/qualify`: the lead becomes an opportunity.
pub fn qualify_lead(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Qualify = json_body(req)?;
    let input = Qualification {
        title: body.title,
        expected_value: body.expected_value,
        expected_close: body.expected_close,
    };
    let opportunity = sales::qualify_lead(&who, params.get("id"), &input)?;
    let mut response = json(201, &OpportunityView::from(opportunity.clone()));
    response.set_header(
        "location",
        format!("/api/v1/opportunities/{}", opportunity.id),
    );
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
}

/// `POST /api/v1/leads/:id/disqualify` with a reason.
pub fn disqualify_lead(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Reason = json_body(req)?;
    let lead = sales::disqualify_lead(&who, params.get("id"), &body.reason)?;
    Ok(json(200, &LeadView::from(lead)))
}

pub fn get_opportunity(req: &Request, params: &Params) -> ApiResult {
    let opportunity = sales::get_opportunity(&credential(req)?, params.get("id"))?;
    Ok(json(200, &OpportunityView::from(opportunity)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Move {
    stage: String,
    expected_value: Option<i64>,
}

/// `POST /api/v1/opportunities/:id/stage`: moves an open opportunity to another open stage.
pub fn move_opportunity(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Move = json_body(req)?;
    let stage = names::parse::<Stage>("stage", &body.stage)?;
    let opportunity =
        sales::move_opportunity(&who, params.get("id"), stage.into(), body.expected_value)?;
    Ok(json(200, &OpportunityView::from(opportunity)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WinBody {
    lines: Vec<LineBody>,
    placed_at: Option<String>,
    #[serde(default)]
    invoice_number: String,
    #[serde(default)]
    confirm_duplicate: bool,
}

/// `POST /api/v1/opportunities/:id/win`: records the order; the prospect becomes a customer.
pub fn win_opportunity(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: WinBody = json_body(req)?;
    let input = Win {
        lines: body.lines.into_iter().map(Into::into).collect(),
        placed_at: body.placed_at,
        invoice_number: body.invoice_number,
        allow_duplicate: body.confirm_duplicate,
    };
    let won = sales::win_opportunity(&who, params.get("id"), &input)?;
    Ok(json(
        201,
        &serde_json::json!({
            "opportunity": OpportunityView::from(won.opportunity),
            "order": OrderView::from(won.order),
            "customer_created": won.customer_created,
        }),
    ))
}

/// `POST /api/v1/opportunities/:id/lose` with a reason.
pub fn lose_opportunity(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Reason = json_body(req)?;
    let opportunity = sales::lose_opportunity(&who, params.get("id"), &body.reason)?;
    Ok(json(200, &OpportunityView::from(opportunity)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceBody {
    kind: String,
    summary: String,
}

/// `POST /api/v1/leads/:id/service-request`: the lead turns out to need service, not a sale; it
/// becomes a service request of its customer, which escalation works.
pub fn qualify_as_service(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: ServiceBody = json_body(req)?;
    let kind = names::parse::<ServiceKind>("kind", &body.kind)?;
    let request =
        sales::qualify_lead_as_service(&who, params.get("id"), kind.into(), &body.summary)?;
    Ok(json(
        201,
        &serde_json::json!({
            "id": request.id,
            "customer_id": request.customer_id,
            "lead_id": request.lead_id,
            "kind": ServiceKind::from(request.kind).as_str(),
            "summary": request.summary,
            "status": request.status,
            "created_by": request.created_by,
            "created_at": request.created_at,
        }),
    ))
}
