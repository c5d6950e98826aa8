//! The self-service portal: customer web pages (zh-CN and en) at `/` and customer JSON under
//! `/portal/api/v1/…`.
//!
//! Routes: `GET /api/v1/health/portal`; the catalogue pages `GET /` and `GET /products`
//! (`pages.rs`); customers' accounts: `GET|POST /sign-in`, `GET|POST /sign-up`, `GET /account`,
//! `POST /account/password`, `POST /sign-out` (`accounts.rs`), signed in with a session cookie
//! (`session.rs`); every page in the frame of `layout.rs`. The pages are public routes (no
//! bearer token) and not part of the staff API's document. Orders, complaints and the customer
//! API grow with the portal issue.

mod accounts;
mod layout;
mod pages;
mod session;

use crm_guest::openapi::StaffApi;
use crm_guest::{dispatch, ApiResult, Params, Route};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;
use utoipa::OpenApi;

const ROUTES: &[Route] = &[
    Route::get("/", pages::catalogue).public(),
    Route::get("/products", pages::catalogue).public(),
    Route::get("/sign-in", accounts::sign_in_page).public(),
    Route::post("/sign-in", accounts::sign_in).public(),
    Route::get("/sign-up", accounts::sign_up_page).public(),
    Route::post("/sign-up", accounts::sign_up).public(),
    Route::get("/account", accounts::account).public(),
    Route::post("/account/password", accounts::change_password).public(),
    Route::post("/sign-out", accounts::sign_out).public(),
    Route::get("/api/v1/health/portal", health).public(),
    // Portal's part of the staff API's document, for intake to merge (see crm_guest::openapi).
    Route::get(crm_guest::openapi::PATH, openapi_part).public(),
];

#[derive(OpenApi)]
#[openapi(paths(health), modifiers(&StaffApi))]
struct PortalApi;

fn openapi_part(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::openapi::part(&PortalApi::openapi())
}

#[http_component]
fn handle(req: Request) -> Response {
    dispatch(ROUTES, req)
}

/// Whether portal can reach its database: the schema version through records.
#[utoipa::path(get, path = "/api/v1/health/portal", tag = "meta", operation_id = "health_portal", security(()),
    responses((status = 200, description = "Healthy", body = crm_guest::HealthView),
              (status = "5XX", response = crm_guest::Problem)))]
fn health(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::health("portal")
}
