//! Complaint escalation: complaints, SLA policies, escalation levels and service requests.
//!
//! Routes: `GET /api/v1/health/escalation` now; the complaint API under `/api/v1/complaints/…`
//! and `/api/v1/escalation/…` grows with the escalation issue.

use crm_guest::openapi::StaffApi;
use crm_guest::{dispatch, ApiResult, Params, Route};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;
use utoipa::OpenApi;

const ROUTES: &[Route] = &[
    Route::get("/api/v1/health/escalation", health).public(),
    // Escalation's part of the staff API's document, for intake to merge (see crm_guest::openapi).
    Route::get(crm_guest::openapi::PATH, openapi_part).public(),
];

#[derive(OpenApi)]
#[openapi(paths(health), modifiers(&StaffApi))]
struct EscalationApi;

fn openapi_part(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::openapi::part(&EscalationApi::openapi())
}

#[http_component]
fn handle(req: Request) -> Response {
    dispatch(ROUTES, req)
}

/// Whether escalation can reach its database: the schema version through records.
#[utoipa::path(get, path = "/api/v1/health/escalation", tag = "meta", operation_id = "health_escalation", security(()),
    responses((status = 200, description = "Healthy", body = crm_guest::HealthView),
              (status = "5XX", response = crm_guest::Problem)))]
fn health(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::health("escalation")
}
