//! The thin adapter layer every HTTP component shares.
//!
//! It holds the `crm:records` client bindings (generated once, here), the mapping of records
//! errors to `application/problem+json`, and helpers to read credentials and JSON bodies. It must
//! never touch SQL or key-value: that is `records`' job, reached only through `crm:records`.

pub mod problem;
pub mod request;

/// Client bindings of the `crm:records` package, as imported by the HTTP components.
pub mod bindings {
    wit_bindgen::generate!({
        world: "client",
        path: "../../wit",
    });
}

pub use bindings::crm::records::{audit, identity, system, types};
pub use problem::Problem;

use spin_sdk::http::{Request, Response, Router};

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

/// Dispatches through `router` and makes sure that even the router's own 404 and 405 answers
/// are problem+json like every other error.
pub fn dispatch(router: &Router, req: Request) -> Response {
    let path = req.path().to_owned();
    let response = router.handle(req);
    let is_problem = response
        .header("content-type")
        .and_then(|v| v.as_str())
        .is_some_and(|v| v.starts_with(problem::CONTENT_TYPE));
    match *response.status() {
        404 if !is_problem => Problem::not_found(format!("no resource at {path}")).into(),
        405 if !is_problem => Problem::new(405, "Method not allowed")
            .with_detail(format!("{path} does not accept this method"))
            .into(),
        _ => response,
    }
}
