//! Reporting: the reports API under `/api/v1/reports/…`, the audit log at `/api/v1/audit`, and
//! the managers' dashboard at `/dashboard`.

mod customers;
mod dashboard;
mod sales;
mod service;
mod table;

use crm_guest::audit;
use crm_guest::openapi::StaffApi;
use crm_guest::request::{credential, json, query};
use crm_guest::views::audit::{AuditLog, AuditParams};
use crm_guest::{dispatch, ApiResult, Params, Problem, Route};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;
use utoipa::OpenApi;

const ROUTES: &[Route] = &[
    Route::get("/api/v1/health/reporting", health).public(),
    Route::get("/api/v1/audit", read_audit_log),
    Route::get("/api/v1/reports/customers/ranking", customers::ranking),
    Route::get("/api/v1/reports/customers/rfm", customers::rfm),
    Route::get("/api/v1/reports/customers/churn", customers::churn),
    Route::get("/api/v1/reports/customers/:id", customers::customer),
    Route::get("/api/v1/reports/sales", sales::sales),
    Route::get("/api/v1/reports/funnel", sales::funnel),
    Route::get("/api/v1/reports/reps", sales::reps),
    // The managers' dashboard: HTML, signed in by a cookie (see `dashboard`).
    Route::get("/dashboard", dashboard::page).public(),
    Route::post("/dashboard/sign-in", dashboard::sign_in).public(),
    Route::post("/dashboard/sign-out", dashboard::sign_out).public(),
    Route::get("/api/v1/reports/sla", service::sla),
    Route::get("/api/v1/reports/complaints", service::complaints),
    // Reporting's part of the staff API's document, for intake to merge (see crm_guest::openapi).
    Route::get(crm_guest::openapi::PATH, openapi_part).public(),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        health,
        read_audit_log,
        customers::ranking,
        customers::rfm,
        customers::churn,
        customers::customer,
        sales::sales,
        sales::funnel,
        sales::reps,
        service::sla,
        service::complaints,
    ),
    modifiers(&StaffApi)
)]
struct ReportingApi;

#[http_component]
fn handle(req: Request) -> Response {
    dispatch(ROUTES, req)
}

/// The deployment's time zone, in which report periods are days and months: the `time_zone`
/// variable, an IANA name such as `Asia/Shanghai`.
fn time_zone() -> Result<String, Problem> {
    spin_sdk::variables::get("time_zone").map_err(|e| {
        eprintln!("reporting: the time_zone variable cannot be read: {e}");
        Problem::new(500, "Internal error").with_detail("the deployment's time zone is not set")
    })
}

fn openapi_part(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::openapi::part(&ReportingApi::openapi())
}

/// Whether reporting can reach its database: the schema version through records.
#[utoipa::path(get, path = "/api/v1/health/reporting", tag = "meta", operation_id = "health_reporting", security(()),
    responses((status = 200, description = "Healthy", body = crm_guest::HealthView),
              (status = "5XX", response = Problem)))]
fn health(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::health("reporting")
}

/// The audit log, newest first: every change, who made it and when, with the object before
/// and after. Administrators and managers only.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of the log", body = AuditLog),
        (status = "4XX", response = Problem),
    ))]
fn read_audit_log(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let params: AuditParams = query(req)?;
    let page = audit::read_log(&who, &params.into())?;
    Ok(json(200, &AuditLog::from(page)))
}
