//! Service requests: `POST /api/v1/complaints/:id/service-requests`,
//! `GET /api/v1/service-requests`, `GET /api/v1/service-requests/:id` and
//! `POST /api/v1/service-requests/:id/steps`.

use crm_guest::request::{credential, idempotency_key, json, json_body, query};
use crm_guest::service_requests::{self, ServicePage, ServiceRequestDetail};
use crm_guest::views::service_requests::{ListServiceRequests, RequestService, TakeStep};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Derives service work from a complaint (its assignee or a manager decides): a replacement,
/// a repair, a refund or other work.
///
/// A replacement is an outbound order, free of charge and kept out of the sales figures: the
/// product of the complaint's order line, at most the policy's `remedy_percent` of the line's
/// units, shipped to one of the customer's addresses (a copy is kept). Its units are reserved
/// from stock at once — a conflict (409) names the units in stock — and go back if finance
/// rejects it or it is cancelled. It then waits for finance (`requested`).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/service-requests",
    operation_id = "request_service",
    tag = "service requests",
    request_body = RequestService,
    params(("id" = String, Path, description = "The complaint's id"), IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Requested", body = ServiceRequestDetail,
            headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn request(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let input = json_body::<RequestService>(req)?.into_input()?;
    let detail = service_requests::request_service(
        &who,
        params.get("id"),
        &input,
        idempotency_key(req).as_ref(),
    )?;
    let mut response = json(201, &detail);
    response.set_header(
        "location",
        format!("/api/v1/service-requests/{}", detail.request.id),
    );
    Ok(response)
}

/// Service requests, oldest first: the work queues of finance (`status=requested`) and the
/// warehouse (`approved`, then `picked`).
#[utoipa::path(get, path = "/api/v1/service-requests", operation_id = "list_service_requests",
    tag = "service requests",
    params(ListServiceRequests),
    responses(
        (status = 200, description = "A page of service requests", body = ServicePage),
        (status = "4XX", response = Problem),
    ))]
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let service_query = query::<ListServiceRequests>(req)?.into_query()?;
    let page = service_requests::list_service_requests(&who, &service_query)?;
    Ok(json(200, &page))
}

/// A service request with every step taken: who approved, picked, shipped and when.
#[utoipa::path(get, path = "/api/v1/service-requests/{id}", operation_id = "get_service_request",
    tag = "service requests",
    params(("id" = String, Path, description = "The service request's id")),
    responses(
        (status = 200, description = "The service request", body = ServiceRequestDetail),
        (status = "4XX", response = Problem),
    ))]
pub fn get(req: &Request, params: &Params) -> ApiResult {
    let detail = service_requests::get_service_request(&credential(req)?, params.get("id"))?;
    Ok(json(200, &detail))
}

/// Takes the next step: finance approves or rejects, the warehouse picks and ships, staff
/// confirm the customer's receipt, complete work without a shipment, or cancel.
///
/// `requested` → `approve` → `approved` → `pick` → `picked` → `ship` → `shipped` →
/// `confirm_receipt` → `received`; `reject` and `cancel` end it early and give its units back
/// to stock; a refund or repair is `complete`d once approved (a repair may be at once). Shipping
/// records the ship date on the complaint's timeline and sets the agent's callback task, due
/// the policy's `callback_days` later. A complaint closes only when its requests are received,
/// done, rejected or cancelled.
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/steps",
    operation_id = "take_service_step",
    tag = "service requests",
    request_body = TakeStep,
    params(("id" = String, Path, description = "The service request's id")),
    responses(
        (status = 200, description = "The request after the step", body = ServiceRequestDetail),
        (status = "4XX", response = Problem),
    ))]
pub fn take_step(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let input = json_body::<TakeStep>(req)?.into_input()?;
    let detail = service_requests::take_step(&who, params.get("id"), &input)?;
    Ok(json(200, &detail))
}
