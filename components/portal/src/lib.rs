//! The self-service portal: customer web pages (zh-CN and en) at `/` and customer JSON under
//! `/portal/api/v1/…`.
//!
//! Routes: `GET /api/v1/health/portal` now; pages and the customer API grow with the portal issue.

use crm_guest::dispatch;
use spin_sdk::http::{Params, Request, Response, Router};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    let mut router = Router::new();
    router.get("/api/v1/health/portal", |_req: Request, _: Params| {
        crm_guest::health("portal").unwrap_or_else(Response::from)
    });
    dispatch(&router, req)
}
