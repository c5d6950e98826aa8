//! The self-service portal: customer web pages (zh-CN and en) at `/` and customer JSON under
//! `/portal/api/v1/…`.
//!
//! Routes: `GET /api/v1/health/portal`; the catalogue pages `GET /` and `GET /products`
//! (`pages.rs`); customers' accounts: `GET|POST /sign-in`, `GET|POST /sign-up`, `GET /account`,
//! `POST /account/password`, `POST /sign-out` (`accounts.rs`), signed in with a session cookie
//! (`session.rs`); the signed-in customer's shop: `POST /cart`, `GET /cart`,
//! `POST /cart/lines`, `GET|POST /orders`, `GET /orders/{id}`, `POST /orders/{id}/cancel`
//! (`shop.rs`); the signed-in customer's complaints: `GET /complaints/new`,
//! `GET|POST /complaints`, `GET /complaints/{id}`, `POST /complaints/{id}/actions`,
//! `GET /complaints/{id}/photos/{photo}` (`complaints.rs`); every page in the frame of `layout.rs`, forms with the inputs of
//! `form.rs`. The pages are public routes (no bearer token; records authenticates the session
//! cookie) and not part of the staff API's document. The customer API, JSON under
//! `/portal/api/v1/` with its own OpenAPI document, is `api.rs`.

mod accounts;
mod api;
mod complaints;
mod form;
mod layout;
mod pages;
mod session;
mod shop;

use crm_guest::openapi::StaffApi;
use crm_guest::{dispatch, ApiResult, Params, Route};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;
use std::sync::OnceLock;
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
    Route::get("/cart", shop::cart_page).public(),
    Route::post("/cart", shop::add_to_cart).public(),
    Route::post("/cart/lines", shop::set_line).public(),
    Route::get("/orders", shop::order_list).public(),
    Route::post("/orders", shop::place_order).public(),
    Route::get("/orders/:id", shop::order_page).public(),
    Route::post("/orders/:id/cancel", shop::cancel_order).public(),
    Route::get("/complaints", complaints::complaint_list).public(),
    Route::post("/complaints", complaints::file_complaint).public(),
    Route::get("/complaints/new", complaints::new_complaint).public(),
    Route::get("/complaints/:id", complaints::complaint_page).public(),
    Route::post("/complaints/:id/actions", complaints::act).public(),
    Route::get("/complaints/:id/photos/:photo", complaints::photo).public(),
    // The customer API (`api.rs`): public routes as the pages are; each handler authenticates
    // the session cookie itself.
    Route::post("/portal/api/v1/session", api::sign_in).public(),
    Route::get("/portal/api/v1/session", api::session_view).public(),
    Route::delete("/portal/api/v1/session", api::sign_out).public(),
    Route::get("/portal/api/v1/products", api::catalogue).public(),
    Route::get("/portal/api/v1/cart", api::cart).public(),
    Route::put(
        "/portal/api/v1/cart/lines/:product_id",
        api::set_cart_quantity,
    )
    .public(),
    Route::get("/portal/api/v1/orders", api::my_orders).public(),
    Route::post("/portal/api/v1/orders", api::place_order).public(),
    Route::get("/portal/api/v1/orders/:id", api::my_order).public(),
    Route::post("/portal/api/v1/orders/:id/cancel", api::cancel_order).public(),
    Route::get("/portal/api/v1/complaints", api::my_complaints).public(),
    Route::post("/portal/api/v1/complaints", api::file_complaint).public(),
    Route::get("/portal/api/v1/complaints/:id", api::my_complaint).public(),
    Route::post(
        "/portal/api/v1/complaints/:id/actions",
        api::act_on_complaint,
    )
    .public(),
    Route::get(
        "/portal/api/v1/complaints/:id/photos/:photo",
        api::complaint_photo,
    )
    .public(),
    Route::get("/portal/api/v1/openapi.json", api::document).public(),
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

/// The deployment's time zone (the `time_zone` variable, an IANA name such as `Asia/Shanghai`),
/// in which pages show dates and times; UTC if it cannot be read. Read once per instance.
pub(crate) fn time_zone() -> &'static str {
    static ZONE: OnceLock<String> = OnceLock::new();
    ZONE.get_or_init(|| {
        spin_sdk::variables::get("time_zone").unwrap_or_else(|e| {
            eprintln!("portal: the time_zone variable cannot be read ({e}); showing UTC");
            "UTC".to_owned()
        })
    })
}
