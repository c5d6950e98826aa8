//! Service levels: `GET|POST /api/v1/calendars`, `GET /api/v1/calendars/:id`,
//! `GET|POST /api/v1/sla/policies`, `GET|PUT /api/v1/sla/policies/:id`.

use crm_guest::request::{credential, idempotency_key, json, json_body};
use crm_guest::sla::{self, Calendar, Policy};
use crm_guest::views::sla::{CreateCalendar, PolicyBody};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Creates a business calendar: time zone, working hours and holidays (service lead, admin).
#[utoipa::path(post, path = "/api/v1/calendars", operation_id = "create_calendar",
    tag = "sla",
    request_body = CreateCalendar,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created", body = Calendar, headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn create_calendar(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateCalendar = json_body(req)?;
    let calendar = sla::create_calendar(&who, &body.into(), idempotency_key(req).as_ref())?;
    let location = format!("/api/v1/calendars/{}", calendar.id);
    let mut response = json(201, &calendar);
    response.set_header("location", location);
    Ok(response)
}

/// Every business calendar, by name.
#[utoipa::path(get, path = "/api/v1/calendars", operation_id = "list_calendars",
    tag = "sla",
    responses(
        (status = 200, description = "The calendars", body = [Calendar]),
        (status = "4XX", response = Problem),
    ))]
pub fn list_calendars(req: &Request, _params: &Params) -> ApiResult {
    let calendars = sla::list_calendars(&credential(req)?)?;
    Ok(json(200, &calendars))
}

/// A business calendar.
#[utoipa::path(get, path = "/api/v1/calendars/{id}", operation_id = "get_calendar",
    tag = "sla",
    params(("id" = String, Path, description = "The calendar's id")),
    responses(
        (status = 200, description = "The calendar", body = Calendar),
        (status = "4XX", response = Problem),
    ))]
pub fn get_calendar(req: &Request, params: &Params) -> ApiResult {
    let calendar = sla::get_calendar(&credential(req)?, params.get("id"))?;
    Ok(json(200, &calendar))
}

/// Creates an SLA policy for a priority, a customer tier or both (service lead, admin).
#[utoipa::path(post, path = "/api/v1/sla/policies", operation_id = "create_policy",
    tag = "sla",
    request_body = PolicyBody,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created", body = Policy, headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn create_policy(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let input = json_body::<PolicyBody>(req)?.into_input()?;
    let policy = sla::create_policy(&who, &input, idempotency_key(req).as_ref())?;
    let location = format!("/api/v1/sla/policies/{}", policy.id);
    let mut response = json(201, &policy);
    response.set_header("location", location);
    Ok(response)
}

/// Every SLA policy, most specific first.
#[utoipa::path(get, path = "/api/v1/sla/policies", operation_id = "list_policies",
    tag = "sla",
    responses(
        (status = 200, description = "The policies", body = [Policy]),
        (status = "4XX", response = Problem),
    ))]
pub fn list_policies(req: &Request, _params: &Params) -> ApiResult {
    let policies = sla::list_policies(&credential(req)?)?;
    Ok(json(200, &policies))
}

/// An SLA policy.
#[utoipa::path(get, path = "/api/v1/sla/policies/{id}", operation_id = "get_policy",
    tag = "sla",
    params(("id" = String, Path, description = "The policy's id, e.g. `pol_default`")),
    responses(
        (status = 200, description = "The policy", body = Policy),
        (status = "4XX", response = Problem),
    ))]
pub fn get_policy(req: &Request, params: &Params) -> ApiResult {
    let policy = sla::get_policy(&credential(req)?, params.get("id"))?;
    Ok(json(200, &policy))
}

/// Replaces all of an SLA policy's settings (service lead, admin).
///
/// The deadlines of every open complaint the policy governs are recomputed in the same step.
#[utoipa::path(put, path = "/api/v1/sla/policies/{id}", operation_id = "update_policy",
    tag = "sla",
    request_body = PolicyBody,
    params(("id" = String, Path, description = "The policy's id, e.g. `pol_default`")),
    responses(
        (status = 200, description = "The changed policy", body = Policy),
        (status = "4XX", response = Problem),
    ))]
pub fn update_policy(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let input = json_body::<PolicyBody>(req)?.into_input()?;
    let policy = sla::update_policy(&who, params.get("id"), &input)?;
    Ok(json(200, &policy))
}
