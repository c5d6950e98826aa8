//! Complaint escalation: complaints, SLA policies, escalation levels and service requests.
//!
//! Routes: `GET /api/v1/health/escalation`; complaints (`complaints.rs`):
//! `GET|POST /api/v1/complaints`, `GET /api/v1/complaints/:id`,
//! `GET /api/v1/complaints/:id/photos/:photo`, `POST /api/v1/complaints/:id/transitions`, `POST /api/v1/complaints/:id/close`,
//! `POST /api/v1/complaints/:id/replies`,
//! `POST /api/v1/complaints/:id/priority` and the sweep, `POST /api/v1/escalation/sweep`;
//! service requests (`service_requests.rs`): `POST /api/v1/complaints/:id/service-requests`,
//! `GET /api/v1/service-requests`, `GET /api/v1/service-requests/:id`,
//! `POST /api/v1/service-requests/:id/steps`;
//! service levels (`sla.rs`): `GET|POST /api/v1/calendars`, `GET /api/v1/calendars/:id`,
//! `GET|POST /api/v1/sla/policies`, `GET|PUT /api/v1/sla/policies/:id`; webhooks
//! (`webhooks.rs`): `GET|POST /api/v1/webhooks`, `POST /api/v1/webhooks/:id/active`,
//! `GET /api/v1/webhooks/deliveries` and the deliverer, `POST /api/v1/webhooks/deliver`.
//! Handlers parse the request, make one `crm:records` call and map the result; records decides
//! who may do what. The deliverer also sends HTTP requests, awaited on spin-sdk's executor.

mod complaints;
mod service_requests;
mod sla;
mod webhooks;

use crm_guest::openapi::StaffApi;
use crm_guest::{dispatch, ApiResult, Params, Route};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;
use utoipa::OpenApi;

const ROUTES: &[Route] = &[
    Route::get("/api/v1/health/escalation", health).public(),
    Route::get("/api/v1/complaints", complaints::list),
    Route::post("/api/v1/complaints", complaints::file),
    Route::get("/api/v1/complaints/:id", complaints::get),
    Route::get("/api/v1/complaints/:id/photos/:photo", complaints::photo),
    Route::post("/api/v1/complaints/:id/transitions", complaints::transition),
    Route::post("/api/v1/complaints/:id/close", complaints::close),
    Route::post("/api/v1/complaints/:id/replies", complaints::reply),
    Route::post("/api/v1/complaints/:id/priority", complaints::set_priority),
    Route::post("/api/v1/escalation/sweep", complaints::sweep),
    Route::post(
        "/api/v1/complaints/:id/service-requests",
        service_requests::request,
    ),
    Route::get("/api/v1/service-requests", service_requests::list),
    Route::get("/api/v1/service-requests/:id", service_requests::get),
    Route::post(
        "/api/v1/service-requests/:id/steps",
        service_requests::take_step,
    ),
    Route::get("/api/v1/calendars", sla::list_calendars),
    Route::post("/api/v1/calendars", sla::create_calendar),
    Route::get("/api/v1/calendars/:id", sla::get_calendar),
    Route::get("/api/v1/sla/policies", sla::list_policies),
    Route::post("/api/v1/sla/policies", sla::create_policy),
    Route::get("/api/v1/sla/policies/:id", sla::get_policy),
    Route::put("/api/v1/sla/policies/:id", sla::update_policy),
    Route::get("/api/v1/webhooks", webhooks::list),
    Route::post("/api/v1/webhooks", webhooks::create),
    Route::get("/api/v1/webhooks/deliveries", webhooks::list_deliveries),
    Route::post("/api/v1/webhooks/:id/active", webhooks::set_active),
    Route::post("/api/v1/webhooks/deliver", webhooks::deliver),
    // Escalation's part of the staff API's document, for intake to merge (see crm_guest::openapi).
    Route::get(crm_guest::openapi::PATH, openapi_part).public(),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        health,
        complaints::file,
        complaints::list,
        complaints::get,
        complaints::photo,
        complaints::transition,
        complaints::close,
        complaints::reply,
        complaints::set_priority,
        complaints::sweep,
        service_requests::request,
        service_requests::list,
        service_requests::get,
        service_requests::take_step,
        sla::create_calendar,
        sla::list_calendars,
        sla::get_calendar,
        sla::create_policy,
        sla::list_policies,
        sla::get_policy,
        sla::update_policy,
        webhooks::create,
        webhooks::list,
        webhooks::set_active,
        webhooks::list_deliveries,
        webhooks::deliver,
    ),
    modifiers(&StaffApi)
)]
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
