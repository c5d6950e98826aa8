//! The sales funnel: leads (`/api/v1/leads…`, including the public website form at
//! `POST /api/v1/leads/capture`) and opportunities (`/api/v1/opportunities/:id…`).

use crm_guest::request::{
    client_key, credential, form_or_json_body, idempotency_key, json, json_body, query,
};
use crm_guest::sales::{self, Lead, LeadPage, Opportunity, ServiceRequest, Won};
use crm_guest::views::sales::{
    CaptureLead, CaptureLeadBody, CaptureLeadForm, CreateLead, ListLeads, MoveStage, Qualify,
    QualifyAsService, Reason, Received, WinOpportunity,
};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::{Request, Response};

/// Records a lead entered by staff.
#[utoipa::path(post, path = "/api/v1/leads", tag = "sales",
    request_body = CreateLead,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "The lead", body = Lead),
        (status = "4XX", response = Problem),
    ))]
pub fn create_lead(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let input = json_body::<CreateLead>(req)?.into_input()?;
    let lead = sales::create_lead(&who, &input, idempotency_key(req).as_ref())?;
    Ok(json(201, &lead))
}

/// The website's public lead form; no credential.
///
/// Takes the form form-encoded (a plain HTML form) or as JSON. Answers 202 both when the lead
/// is kept and when it is dropped as spam, so that bots learn nothing; at most 5 per sender in
/// 10 minutes. A page on an origin of the `lead_form_origins` variable may post it from script.
#[utoipa::path(post, path = "/api/v1/leads/capture", tag = "sales", security(()),
    request_body(content(
        (CaptureLeadBody = "application/json"),
        (CaptureLeadForm = "application/x-www-form-urlencoded"),
    )),
    params(IdempotencyKeyHeader),
    responses(
        (status = 202, description = "Received (or dropped as spam)", body = Received,
            headers(("access-control-allow-origin" = String,
                description = "The request's `Origin`, when it may post the form"))),
        (status = 429, description = "Too many from this sender", body = Problem,
            content_type = "application/problem+json",
            headers(("retry-after" = u32, description = "Seconds to wait"))),
        (status = "4XX", response = Problem),
    ))]
pub fn capture_lead(req: &Request, _params: &Params) -> ApiResult {
    let mut response = capture(req).unwrap_or_else(Response::from);
    if let Some(origin) = allowed_origin(req) {
        response.set_header("access-control-allow-origin", origin);
        response.set_header("vary", "origin");
    }
    Ok(response)
}

/// The CORS preflight of the public lead form.
///
/// A page on another origin asks before posting the form from script. Origins listed in the
/// `lead_form_origins` variable (comma-separated, or `*`) may post; others get 403, and the
/// browser keeps the post from being sent.
#[utoipa::path(options, path = "/api/v1/leads/capture", tag = "sales", security(()),
    params(("Origin" = String, Header, description = "The origin of the page with the form")),
    responses(
        (status = 204, description = "The origin may post the form",
            headers(
                ("access-control-allow-origin" = String, description = "The request's `Origin`"),
                ("access-control-allow-methods" = String, description = "`POST`"),
                ("access-control-allow-headers" = String, description = "`content-type, idempotency-key`"),
                ("access-control-max-age" = u32, description = "Seconds a browser may keep this answer"),
            )),
        (status = 403, response = Problem),
    ))]
pub fn capture_preflight(req: &Request, _params: &Params) -> ApiResult {
    let Some(origin) = allowed_origin(req) else {
        return Err(Problem::new(403, "Forbidden")
            .with_detail("this origin may not post the lead form; see lead_form_origins"));
    };
    Ok(Response::builder()
        .status(204)
        .header("access-control-allow-origin", origin)
        .header("access-control-allow-methods", "POST")
        .header(
            "access-control-allow-headers",
            "content-type, idempotency-key",
        )
        .header("access-control-max-age", "600")
        .header("vary", "origin")
        .build())
}

/// The request's `Origin` if the deployment lets it post the lead form.
fn allowed_origin(req: &Request) -> Option<String> {
    let origin = req.header("origin")?.as_str()?.trim();
    let allowed = spin_sdk::variables::get("lead_form_origins").unwrap_or_default();
    allowed
        .split(',')
        .map(str::trim)
        .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
        .then(|| origin.to_owned())
}

fn capture(req: &Request) -> ApiResult {
    let body: CaptureLead = form_or_json_body(req)?;
    sales::capture_lead(
        &body.into(),
        &client_key(req),
        idempotency_key(req).as_ref(),
    )?;
    Ok(json(202, &Received::THANKS))
}

/// A lead.
#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "sales",
    params(("id" = String, Path, description = "The lead's id")),
    responses(
        (status = 200, description = "The lead", body = Lead),
        (status = "4XX", response = Problem),
    ))]
pub fn get_lead(req: &Request, params: &Params) -> ApiResult {
    let lead = sales::get_lead(&credential(req)?, params.get("id"))?;
    Ok(json(200, &lead))
}

/// Leads, newest first.
#[utoipa::path(get, path = "/api/v1/leads", tag = "sales",
    params(ListLeads),
    responses(
        (status = 200, description = "A page of leads", body = LeadPage),
        (status = "4XX", response = Problem),
    ))]
pub fn list_leads(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let lead_query = query::<ListLeads>(req)?.into_query()?;
    let page = sales::list_leads(&who, &lead_query)?;
    Ok(json(200, &page))
}

/// Qualifies a new lead into an opportunity.
#[utoipa::path(post, path = "/api/v1/leads/{id}/qualify", tag = "sales",
    request_body = Qualify,
    params(
        ("id" = String, Path, description = "The lead's id"),
        IdempotencyKeyHeader,
    ),
    responses(
        (status = 201, description = "The opportunity", body = Opportunity,
            headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn qualify_lead(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Qualify = json_body(req)?;
    let opportunity = sales::qualify_lead(
        &who,
        params.get("id"),
        &body.into(),
        idempotency_key(req).as_ref(),
    )?;
    let location = format!("/api/v1/opportunities/{}", opportunity.id);
    let mut response = json(201, &opportunity);
    response.set_header("location", location);
    Ok(response)
}

/// Disqualifies a new lead, with a reason.
#[utoipa::path(post, path = "/api/v1/leads/{id}/disqualify", tag = "sales",
    request_body = Reason,
    params(("id" = String, Path, description = "The lead's id")),
    responses(
        (status = 200, description = "The lead, now disqualified", body = Lead),
        (status = "4XX", response = Problem),
    ))]
pub fn disqualify_lead(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Reason = json_body(req)?;
    let lead = sales::disqualify_lead(&who, params.get("id"), &body.reason)?;
    Ok(json(200, &lead))
}

/// An opportunity.
#[utoipa::path(get, path = "/api/v1/opportunities/{id}", tag = "sales",
    params(("id" = String, Path, description = "The opportunity's id")),
    responses(
        (status = 200, description = "The opportunity", body = Opportunity),
        (status = "4XX", response = Problem),
    ))]
pub fn get_opportunity(req: &Request, params: &Params) -> ApiResult {
    let opportunity = sales::get_opportunity(&credential(req)?, params.get("id"))?;
    Ok(json(200, &opportunity))
}

/// Moves an open opportunity to another open stage, optionally with a new expected value.
#[utoipa::path(post, path = "/api/v1/opportunities/{id}/stage", tag = "sales",
    request_body = MoveStage,
    params(("id" = String, Path, description = "The opportunity's id")),
    responses(
        (status = 200, description = "The moved opportunity", body = Opportunity),
        (status = "4XX", response = Problem),
    ))]
pub fn move_opportunity(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: MoveStage = json_body(req)?;
    let stage = body.wit_stage()?;
    let opportunity = sales::move_opportunity(&who, params.get("id"), stage, body.expected_value)?;
    Ok(json(200, &opportunity))
}

/// Wins an open opportunity: records the order; the prospect becomes a customer.
///
/// The customer is created from the lead if the prospect is not one yet; that is refused with
/// 409 if it looks like an existing customer, unless the body says `"confirm_duplicate": true`.
#[utoipa::path(post, path = "/api/v1/opportunities/{id}/win", tag = "sales",
    request_body = WinOpportunity,
    params(
        ("id" = String, Path, description = "The opportunity's id"),
        IdempotencyKeyHeader,
    ),
    responses(
        (status = 201, description = "Won: the opportunity, the order and whether a customer was created", body = Won),
        (status = "4XX", response = Problem),
    ))]
pub fn win_opportunity(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: WinOpportunity = json_body(req)?;
    let won = sales::win_opportunity(
        &who,
        params.get("id"),
        &body.into(),
        idempotency_key(req).as_ref(),
    )?;
    Ok(json(201, &won))
}

/// Marks an open opportunity lost, with a reason.
#[utoipa::path(post, path = "/api/v1/opportunities/{id}/lose", tag = "sales",
    request_body = Reason,
    params(("id" = String, Path, description = "The opportunity's id")),
    responses(
        (status = 200, description = "The opportunity, now lost", body = Opportunity),
        (status = "4XX", response = Problem),
    ))]
pub fn lose_opportunity(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Reason = json_body(req)?;
    let opportunity = sales::lose_opportunity(&who, params.get("id"), &body.reason)?;
    Ok(json(200, &opportunity))
}

/// Qualifies a new lead about a customer into a service request.
///
/// The lead turns out to need service, not a sale: it becomes a service request of its
/// customer, which escalation works.
#[utoipa::path(post, path = "/api/v1/leads/{id}/service-request", tag = "sales",
    request_body = QualifyAsService,
    params(
        ("id" = String, Path, description = "The lead's id"),
        IdempotencyKeyHeader,
    ),
    responses(
        (status = 201, description = "The service request", body = ServiceRequest),
        (status = "4XX", response = Problem),
    ))]
pub fn qualify_as_service(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: QualifyAsService = json_body(req)?;
    let kind = body.wit_kind()?;
    let request = sales::qualify_lead_as_service(
        &who,
        params.get("id"),
        kind,
        &body.summary,
        idempotency_key(req).as_ref(),
    )?;
    Ok(json(201, &request))
}
