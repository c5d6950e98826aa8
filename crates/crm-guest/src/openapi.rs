//! The OpenAPI 3.1 document of the staff API, derived from the code by utoipa.
//!
//! Each HTTP component describes its own routes: `#[utoipa::path]` on its handlers and a
//! `#[derive(OpenApi)]` listing them, with the request and response types as schemas (the WIT
//! records themselves, see `bindings`). Intake serves the whole API's document at
//! `GET /api/v1/openapi.json`: its own part merged with the parts of the other components,
//! which it asks for over Spin's service chaining (`http://<component>.spin.internal`), so no
//! component links another's code. A component answers that path with its own part; from
//! outside the path is routed to intake, so only the chained request reaches the others.

use crate::problem::Problem;
use crate::ApiResult;
use serde_json::{Map, Value};
use spin_sdk::http::{Method, Request, Response};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi;

/// Where every component answers with its part of the document.
pub const PATH: &str = "/api/v1/openapi.json";

/// What every component's part shares: the bearer token scheme of the staff API
/// (`Authorization: Bearer <token>`) and the problem+json response every error is. Each
/// component's `#[derive(OpenApi)]` names it in `modifiers(&StaffApi)`.
pub struct StaffApi;

impl utoipa::Modify for StaffApi {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        let (name, response) = <Problem as utoipa::ToResponse>::response();
        components.responses.insert(name.to_owned(), response);
        components.schemas.insert(
            <Problem as utoipa::ToSchema>::name().into_owned(),
            <Problem as utoipa::PartialSchema>::schema(),
        );
    }
}

/// A component's own part of the document.
pub fn part(document: &OpenApi) -> ApiResult {
    json_document(&to_value(document)?)
}

/// The whole document: `own` merged with the parts of `others` (component ids). The parts are
/// merged as JSON (paths, component schemas and responses, tags): a part is only ever read,
/// never re-typed, so nothing a part says can be lost on the way.
pub async fn whole(own: OpenApi, others: &[&str]) -> ApiResult {
    let mut document = to_value(&own)?;
    for component in others {
        merge(&mut document, fetch_part(component).await?);
    }
    json_document(&document)
}

fn to_value(document: &OpenApi) -> Result<Value, Problem> {
    serde_json::to_value(document)
        .map_err(|e| Problem::new(500, "Internal error").with_detail(e.to_string()))
}

/// Adds what `part` describes to `whole`; what `whole` already has stays as it is.
fn merge(whole: &mut Value, part: Value) {
    for (parent, key) in [
        ("", "paths"),
        ("/components", "schemas"),
        ("/components", "responses"),
    ] {
        let Some(Value::Object(theirs)) = part.pointer(&format!("{parent}/{key}")).cloned() else {
            continue;
        };
        // `whole` is a component's own document: an object with `components` (see StaffApi).
        let Some(Value::Object(parent)) = whole.pointer_mut(parent) else {
            continue;
        };
        let Value::Object(ours) = parent
            .entry(key)
            .or_insert_with(|| Value::Object(Map::new()))
        else {
            continue;
        };
        for (name, item) in theirs {
            ours.entry(name).or_insert(item);
        }
    }
    let Some(Value::Array(theirs)) = part.get("tags").cloned() else {
        return;
    };
    let Some(whole) = whole.as_object_mut() else {
        return;
    };
    if let Value::Array(ours) = whole
        .entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        for tag in theirs {
            if !ours.iter().any(|t| t.get("name") == tag.get("name")) {
                ours.push(tag);
            }
        }
    }
}

async fn fetch_part(component: &str) -> Result<Value, Problem> {
    let unavailable = |why: String| {
        Problem::new(502, "Bad gateway").with_detail(format!(
            "the {component} component's API description: {why}"
        ))
    };
    let request = Request::builder()
        .method(Method::Get)
        .uri(format!("http://{component}.spin.internal{PATH}"))
        .build();
    let response: Response = spin_sdk::http::send(request)
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    if *response.status() != 200 {
        return Err(unavailable(format!("status {}", response.status())));
    }
    serde_json::from_slice(response.body()).map_err(|e| unavailable(e.to_string()))
}

fn json_document(document: &Value) -> ApiResult {
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(document.to_string())
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_part_adds_its_paths_schemas_and_tags_and_keeps_what_is_there() {
        let mut whole = json!({
            "paths": {"/a": {"get": {}}},
            "components": {"schemas": {"Problem": {"type": "object"}}},
            "tags": [{"name": "meta"}],
        });
        merge(
            &mut whole,
            json!({
                "paths": {"/b": {"get": {}}, "/a": {"post": {}}},
                "components": {"schemas": {"Problem": {"type": "string"}, "Audit": {}},
                               "responses": {"Problem": {}}},
                "tags": [{"name": "meta"}, {"name": "audit"}],
            }),
        );
        assert_eq!(whole["paths"]["/a"], json!({"get": {}}));
        assert_eq!(whole["paths"]["/b"], json!({"get": {}}));
        assert_eq!(whole["components"]["schemas"]["Problem"]["type"], "object");
        assert!(whole["components"]["schemas"]["Audit"].is_object());
        assert!(whole["components"]["responses"]["Problem"].is_object());
        assert_eq!(whole["tags"], json!([{"name": "meta"}, {"name": "audit"}]));
    }
}
