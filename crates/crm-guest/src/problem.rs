//! RFC 9457 problem details: the one shape every error of the API takes.

use crate::types::Error as RecordsError;
use serde::Serialize;
use spin_sdk::http::Response;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem to report to the caller (RFC 9457). `field` names the input field at fault, when
/// there is one; some problems carry more members, e.g. the `candidates` of a likely duplicate
/// or `retry_after` seconds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, utoipa::ToResponse)]
#[response(
    description = "The request was refused; the body says why (RFC 9457 problem details).",
    content_type = "application/problem+json"
)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase, e.g. `Invalid input`.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, in a sentence for the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The input field at fault: a body field, query parameter or header name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Further members specific to the problem.
    #[serde(flatten)]
    #[schema(ignore)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: u16, title: &str) -> Self {
        Self {
            kind: "about:blank".into(),
            title: title.into(),
            status,
            detail: None,
            field: None,
            extensions: serde_json::Map::new(),
        }
    }

    pub fn with_extension(mut self, name: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(name.into(), value);
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut problem = Self::new(422, "Invalid input").with_detail(message);
        problem.field = Some(field.into());
        problem
    }

    pub fn bad_request(field: Option<String>, message: impl Into<String>) -> Self {
        let mut problem = Self::new(400, "Bad request").with_detail(message);
        problem.field = field;
        problem
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, "Not found").with_detail(detail)
    }

    pub fn to_response(&self) -> Response {
        // Serialising a struct of strings and a number cannot fail; the fallback keeps this
        // function total anyway.
        let body = serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec());
        let mut builder = Response::builder();
        builder
            .status(self.status)
            .header("content-type", CONTENT_TYPE);
        if self.status == 401 {
            builder.header("www-authenticate", "Bearer");
        }
        if let Some(seconds) = self.extensions.get("retry_after") {
            builder.header("retry-after", seconds.to_string());
        }
        builder.body(body).build()
    }
}

impl From<Problem> for Response {
    fn from(problem: Problem) -> Self {
        problem.to_response()
    }
}

impl From<RecordsError> for Problem {
    fn from(error: RecordsError) -> Self {
        match error {
            RecordsError::Unauthenticated => {
                Problem::new(401, "Unauthenticated").with_detail("a valid bearer token is required")
            }
            RecordsError::Forbidden(why) => Problem::new(403, "Forbidden").with_detail(why),
            RecordsError::NotFound(what) => Problem::not_found(what),
            RecordsError::Invalid(p) => Problem::invalid(p.field, p.message),
            // The input refers to something the current state does not have: a conflict with
            // that state, not a malformed request (the same body may succeed once it exists),
            // and not a 404, which would say the resource in the URL is missing.
            RecordsError::Missing(p) => {
                let mut problem = Problem::new(409, "Unknown reference").with_detail(p.message);
                problem.field = Some(p.field);
                problem
            }
            RecordsError::Conflict(why) => Problem::new(409, "Conflict").with_detail(why),
            RecordsError::RateLimited(seconds) => Problem::new(429, "Too many requests")
                .with_detail(format!("try again in {seconds} seconds"))
                .with_extension("retry_after", serde_json::json!(seconds)),
            RecordsError::Internal(why) => Problem::new(500, "Internal error").with_detail(why),
        }
    }
}
