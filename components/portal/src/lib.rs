//! The self-service portal: customer web pages (zh-CN and en) at `/` and customer JSON under
//! `/portal/api/v1/…`.
//!
//! Routes: `GET /api/v1/health/portal` now; pages and the customer API grow with the portal issue.

use crm_guest::{dispatch, ApiResult, Params, Route};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

const ROUTES: &[Route] = &[Route::get("/api/v1/health/portal", health)];

#[http_component]
fn handle(req: Request) -> Response {
    dispatch(ROUTES, req)
}

fn health(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::health("portal")
}
