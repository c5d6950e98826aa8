//! The thin adapter layer every HTTP component shares.
//!
//! It holds the `crm:records` client bindings (generated once, here), the mapping of records
//! errors to `application/problem+json`, and helpers to read credentials and JSON bodies. It must
//! never touch SQL or key-value: that is `records`' job, reached only through `crm:records`.

pub mod names;
pub mod problem;
pub mod request;
pub mod routes;
pub mod streaming;

/// Client bindings of the `crm:records` package, as imported by the HTTP components.
pub mod bindings {
    wit_bindgen::generate!({
        world: "client",
        path: "../../wit",
    });
}

pub use bindings::crm::records::{
    activities, audit, customers, demo, identity, orders, overview, sales, system, tasks, types,
    verification,
};
pub use problem::Problem;
pub use routes::{dispatch, Params, Route};

use spin_sdk::http::Response;

/// A handler's outcome: a response, or a problem to render as problem+json.
pub type ApiResult = Result<Response, Problem>;

/// `GET /api/v1/health/<component>`: asks records for the schema version, which also applies
/// pending migrations, so a healthy answer means the database is usable.
pub fn health(component: &str) -> ApiResult {
    let health = system::health()?;
    Ok(request::json(
        200,
        &serde_json::json!({
            "component": component,
            "schema_version": health.schema_version,
            "migrations_known": health.migrations_known,
        }),
    ))
}
