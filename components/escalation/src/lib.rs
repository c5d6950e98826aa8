//! Complaint escalation: complaints, SLA policies, escalation levels and service requests.
//!
//! Routes: `GET /api/v1/health/escalation` now; the complaint API under `/api/v1/complaints/…`
//! and `/api/v1/escalation/…` grows with the escalation issue.

use crm_guest::dispatch;
use spin_sdk::http::{Params, Request, Response, Router};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    let mut router = Router::new();
    router.get("/api/v1/health/escalation", |_req: Request, _: Params| {
        crm_guest::health("escalation").unwrap_or_else(Response::from)
    });
    dispatch(&router, req)
}
