//! Complaint escalation: complaints, SLA policies, escalation levels and service requests.
//!
//! Routes: `GET /api/v1/health/escalation` now; the complaint API under `/api/v1/complaints/…`
//! and `/api/v1/escalation/…` grows with the escalation issue.

use crm_guest::{dispatch, ApiResult, Params, Route};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

const ROUTES: &[Route] = &[Route::get("/api/v1/health/escalation", health)];

#[http_component]
fn handle(req: Request) -> Response {
    dispatch(ROUTES, req)
}

fn health(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::health("escalation")
}
