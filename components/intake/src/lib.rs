//! Customer intake: the staff API for customers, field work, leads and staff orders.
//!
//! It owns `/api/v1/…` except what escalation and reporting own (see `spin.toml`). Handlers
//! parse the request, make one `crm:records` call and map the result; records decides who may
//! do what.

mod activities;
mod csv_files;
mod customers;
mod demo;
mod openapi;
mod orders;
mod sales;
mod staff;
mod tasks;
mod verification;

use crm_guest::streaming::respond;
use crm_guest::{dispatch, ApiResult, Params, Problem, Route};
use spin_sdk::http::conversions::TryFromIncomingRequest;
use spin_sdk::http::{IncomingRequest, Method, Request, Response, ResponseOutparam};
use spin_sdk::http_component;

const ROUTES: &[Route] = &[
    Route::get("/api/v1/health/intake", health).public(),
    Route::get("/api/v1/me", staff::me),
    Route::get("/api/v1/staff", staff::list_staff),
    Route::post("/api/v1/staff", staff::create_staff),
    Route::post("/api/v1/staff/:id/tokens", staff::issue_token),
    Route::delete("/api/v1/tokens/:id", staff::revoke_token),
    Route::get("/api/v1/customers", customers::list),
    Route::post("/api/v1/customers", customers::create),
    Route::post("/api/v1/customers/reassign", customers::reassign),
    Route::post("/api/v1/customers/import", csv_files::import),
    Route::get("/api/v1/customers/:id", customers::get),
    Route::patch("/api/v1/customers/:id", customers::update),
    Route::post("/api/v1/customers/:id/contacts", customers::add_contact),
    Route::post("/api/v1/customers/:id/addresses", customers::add_address),
    Route::get("/api/v1/customers/:id/overview", customers::overview),
    Route::post("/api/v1/customers/:id/merge", customers::merge),
    Route::post(
        "/api/v1/customers/:id/portal-invites",
        customers::invite_to_portal,
    ),
    Route::get("/api/v1/products", orders::list_products),
    Route::post("/api/v1/products", orders::create_product),
    Route::patch("/api/v1/products/:id", orders::update_product),
    Route::post("/api/v1/products/:id/stock", orders::adjust_stock),
    Route::get("/api/v1/orders", orders::list_orders),
    Route::post("/api/v1/orders", orders::create_order),
    Route::get("/api/v1/orders/:id", orders::get_order),
    Route::post("/api/v1/orders/:id/status", orders::set_order_status),
    Route::get("/api/v1/activities/draft", activities::draft),
    Route::get("/api/v1/activities", activities::list),
    Route::post("/api/v1/activities", activities::record),
    Route::post("/api/v1/activities/batch", activities::record_batch),
    Route::get("/api/v1/leads", sales::list_leads),
    Route::post("/api/v1/leads", sales::create_lead),
    Route::post("/api/v1/leads/capture", sales::capture_lead).public(),
    Route::options("/api/v1/leads/capture", sales::capture_preflight).public(),
    Route::get("/api/v1/leads/:id", sales::get_lead),
    Route::post("/api/v1/leads/:id/qualify", sales::qualify_lead),
    Route::post("/api/v1/leads/:id/disqualify", sales::disqualify_lead),
    Route::post(
        "/api/v1/leads/:id/service-request",
        sales::qualify_as_service,
    ),
    Route::get("/api/v1/opportunities/:id", sales::get_opportunity),
    Route::post("/api/v1/opportunities/:id/stage", sales::move_opportunity),
    Route::post("/api/v1/opportunities/:id/win", sales::win_opportunity),
    Route::post("/api/v1/opportunities/:id/lose", sales::lose_opportunity),
    Route::get("/api/v1/tasks", tasks::list),
    Route::post("/api/v1/tasks", tasks::assign),
    Route::get("/api/v1/tasks/:id", tasks::get),
    Route::post("/api/v1/tasks/:id/report", tasks::report),
    Route::post("/api/v1/tasks/:id/redo", tasks::redo),
    Route::post("/api/v1/activities/:id/check", verification::check),
    Route::post("/api/v1/verification/samples", verification::sample),
    Route::get("/api/v1/verification/rates", verification::rates),
    Route::post("/api/v1/demo/seed", demo::seed),
    // Answered by `handle` before the table (they stream, or ask the other components); listed
    // so that other methods get 405 with the right `Allow`, not another route's answer.
    Route::get(crm_guest::openapi::PATH, answered_before_the_table).public(),
    Route::get("/api/v1/customers/export.csv", answered_before_the_table),
    Route::get("/api/v1/orders/export.csv", answered_before_the_table),
];

fn answered_before_the_table(_req: &Request, _params: &Params) -> ApiResult {
    Err(Problem::new(500, "Internal error")
        .with_detail("this route is answered by the entry point"))
}

/// The exports stream their body as they read it, so they take the response outparam; every
/// other route answers with a whole response through the route table.
#[http_component]
async fn handle(req: IncomingRequest, out: ResponseOutparam) {
    let req = match Request::try_from_incoming_request(req).await {
        Ok(req) => req,
        Err(e) => {
            let problem = Problem::bad_request(None, format!("unreadable request: {e:?}"));
            return respond(out, problem.into()).await;
        }
    };
    if matches!(req.method(), Method::Get | Method::Head) {
        match req.path() {
            crm_guest::openapi::PATH => return respond(out, openapi_document().await).await,
            "/api/v1/customers/export.csv" => return csv_files::export_customers(req, out).await,
            "/api/v1/orders/export.csv" => return csv_files::export_orders(req, out).await,
            _ => {}
        }
    }
    respond(out, dispatch(ROUTES, req)).await
}

/// Whether intake can reach its database: the schema version through records.
#[utoipa::path(get, path = "/api/v1/health/intake", tag = "meta", operation_id = "health_intake", security(()),
    responses((status = 200, description = "Healthy", body = crm_guest::HealthView),
              (status = "5XX", response = Problem)))]
fn health(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::health("intake")
}

/// The whole staff API's OpenAPI document: intake's part and the other components' parts.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", operation_id = "openapi", security(()),
    responses((status = 200, description = "This document", content_type = "application/json")))]
async fn openapi_document() -> Response {
    match crm_guest::openapi::whole(
        <openapi::IntakeApi as utoipa::OpenApi>::openapi(),
        openapi::OTHER_COMPONENTS,
    )
    .await
    {
        Ok(response) => response,
        Err(problem) => problem.into(),
    }
}
