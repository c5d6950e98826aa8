//! The thin adapter layer every HTTP component shares.
//!
//! It holds the `crm:records` client bindings (generated once, here), the mapping of records
//! errors to `application/problem+json`, and helpers to read credentials and JSON bodies. It must
//! never touch SQL or key-value: that is `records`' job, reached only through `crm:records`.

pub mod forms;
pub mod lang;
pub mod names;
pub mod openapi;
pub mod problem;
pub mod request;
pub mod routes;
pub mod streaming;
pub mod views;

/// Client bindings of the `crm:records` package, as imported by the HTTP components.
///
/// The records and variants of `crm:records` are the API's JSON views as they are: serialised
/// with serde and described in the OpenAPI document by utoipa (their WIT doc comments become
/// the schema descriptions), so a shape is written once, in WIT. Enums are left out and spelt
/// as the API spells them by hand (`names`); so is the credential, which is never shown.
pub mod bindings {
    wit_bindgen::generate!({
        world: "client",
        path: "../../wit",
        additional_derives: [serde::Serialize, utoipa::ToSchema],
        additional_derives_ignore: [
            "credential", "role", "tier", "customer-kind", "import-status", "order-channel",
            "order-status", "activity-kind", "lead-source", "lead-status", "stage", "subject-kind",
            "task-status", "check-outcome", "service-kind", "service-status", "service-action", "priority", "clock-kind",
            "escalation-trigger", "complaint-channel", "complaint-status", "complaint-action",
            "complaint-queue", "my-complaint-action", "delivery-status",
        ],
    });
}

pub use bindings::crm::records::{
    accounts, activities, audit, complaints, customers, demo, identity, orders, overview, reports,
    sales, service_requests, sla, system, tasks, types, verification, webhooks,
};
pub use problem::Problem;
pub use routes::{dispatch, Params, Route};

use spin_sdk::http::Response;

/// A handler's outcome: a response, or a problem to render as problem+json.
pub type ApiResult = Result<Response, Problem>;

/// What `GET /api/v1/health/<component>` answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HealthView {
    /// The component that answered.
    pub component: &'static str,
    /// The schema version of the database after pending migrations were applied.
    pub schema_version: u32,
    /// How many migrations this build knows; equal to `schema_version` when up to date.
    pub migrations_known: u32,
}

/// `GET /api/v1/health/<component>`: asks records for the schema version, which also applies
/// pending migrations, so a healthy answer means the database is usable.
pub fn health(component: &'static str) -> ApiResult {
    let health = system::health()?;
    Ok(request::json(
        200,
        &HealthView {
            component,
            schema_version: health.schema_version,
            migrations_known: health.migrations_known,
        },
    ))
}
