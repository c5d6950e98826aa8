//! Reading requests and writing JSON responses.

use crate::problem::Problem;
use crate::types::{Credential, IdempotencyKey};
use serde::de::{Deserialize, DeserializeOwned};
use serde::Serialize;
use sha2::{Digest, Sha256};
use spin_sdk::http::{Request, Response};

/// The largest JSON body the staff API accepts; larger ones get 413.
pub const MAX_JSON_BODY: usize = 1024 * 1024;

/// The credential the request presents: a bearer token, or none.
pub fn credential(req: &Request) -> Result<Credential, Problem> {
    let Some(value) = req.header("authorization") else {
        return Ok(Credential::Anonymous);
    };
    let value = value.as_str().ok_or_else(|| {
        Problem::bad_request(
            Some("authorization".into()),
            "the Authorization header is not text",
        )
    })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Credential::StaffToken(token.trim().to_owned()))
        }
        _ => Err(Problem::new(401, "Unauthenticated")
            .with_detail("the Authorization header must be `Bearer <token>`")),
    }
}

/// The request's `Idempotency-Key`, with a fingerprint of what the request asks for (method,
/// path, query and body), for a records call that creates something. The key's syntax is
/// checked by records, after it has authenticated the caller. Structured-field quotes
/// (`"key"`, as the IETF draft writes it) are removed; a bare token is taken as it is.
pub fn idempotency_key(req: &Request) -> Option<IdempotencyKey> {
    let value = req.header("idempotency-key")?;
    let raw = String::from_utf8_lossy(value.as_bytes());
    let raw = raw.trim();
    let key = raw
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(raw);
    let mut digest = Sha256::new();
    digest.update(format!("{:?}", req.method()));
    digest.update([0]);
    digest.update(req.path_and_query().unwrap_or_else(|| req.path()));
    digest.update([0]);
    digest.update(req.body());
    Some(IdempotencyKey {
        key: key.to_owned(),
        fingerprint: crate::forms::hex(&digest.finalize()),
    })
}

/// Parses the JSON body into `T`. Types should use `#[serde(deny_unknown_fields)]` so that a
/// misspelt field is an error, not silently ignored.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, Problem> {
    let body = req.body();
    if body.len() > MAX_JSON_BODY {
        return Err(Problem::new(413, "Payload too large")
            .with_detail(format!("the body must be at most {MAX_JSON_BODY} bytes")));
    }
    let content_type = req
        .header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(Problem::new(415, "Unsupported media type")
            .with_detail("send the body as application/json"));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| (Some(e.path().to_string()), e.into_inner()))
        .and_then(|parsed| de.end().map(|()| parsed).map_err(|e| (None, e)))
        .or_else(|(path, e)| {
            let problem = || json_problem(path.as_deref(), &e);
            // JSON has one number type: `2.0` is the integer 2 to a JSON Schema validator, so
            // an integer field takes it too (a second parse, on this error path only).
            let mut value: serde_json::Value =
                serde_json::from_slice(body).map_err(|_| problem())?;
            if !integral_floats_to_integers(&mut value) {
                return Err(problem());
            }
            serde_json::from_value(value).map_err(|_| problem())
        })
}

/// Rewrites every float with no fractional part (`2.0`) as an integer; whether any was.
fn integral_floats_to_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            let whole = f.fract() == 0.0 && f.abs() < 9.0e15;
            if whole {
                *value = Value::from(f as i64);
            }
            whole
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, v| integral_floats_to_integers(v) | any),
        Value::Object(members) => members
            .values_mut()
            .fold(false, |any, v| integral_floats_to_integers(v) | any),
        _ => false,
    }
}

/// The field a serde message complains about, where it says which.
fn field_in(message: &str) -> Option<String> {
    ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|marker| {
            let start = message.find(marker)? + marker.len();
            let len = message[start..].find('`')?;
            Some(message[start..start + len].to_owned())
        })
}

/// Parses a body sent by a plain HTML form (`application/x-www-form-urlencoded`) or as JSON.
/// Public forms use this: a browser posts a form across origins without a CORS preflight.
pub fn form_or_json_body<T: DeserializeOwned>(req: &Request) -> Result<T, Problem> {
    let content_type = req
        .header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return json_body(req);
    }
    let body = req.body();
    if body.len() > MAX_JSON_BODY {
        return Err(Problem::new(413, "Payload too large")
            .with_detail(format!("the body must be at most {MAX_JSON_BODY} bytes")));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| {
        let message = e.to_string();
        let field = field_in(&message).unwrap_or_else(|| "body".into());
        Problem::invalid(field, format!("bad form: {message}"))
    })
}

/// Names the field serde complained about: where in the body it was (`lines[0].quantity`,
/// from serde_path_to_error), with the field a message names (an unknown or missing one).
fn json_problem(path: Option<&str>, error: &serde_json::Error) -> Problem {
    let message = error.to_string();
    let path = path.filter(|path| *path != ".");
    let field = match (path, field_in(&message)) {
        (Some(path), Some(name)) if path != name && !path.ends_with(&format!(".{name}")) => {
            Some(format!("{path}.{name}"))
        }
        (Some(path), _) => Some(path.to_owned()),
        (None, name) => name,
    };
    match error.classify() {
        serde_json::error::Category::Data => Problem {
            field: field.or(Some("body".into())),
            ..Problem::invalid("body", message)
        },
        _ => Problem::bad_request(
            Some("body".into()),
            format!("the body is not valid JSON: {message}"),
        ),
    }
}

/// A JSON response with the given status.
pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body)
            .build(),
        Err(e) => Problem::new(500, "Internal error")
            .with_detail(format!("the response could not be encoded: {e}"))
            .to_response(),
    }
}

/// The decoded `key=value` pairs of a query string, in order.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// Parses the query string into `T`. Types should use `#[serde(deny_unknown_fields)]` so that
/// a misspelt parameter is an error, not silently ignored.
pub fn query<T: DeserializeOwned>(req: &Request) -> Result<T, Problem> {
    serde_urlencoded::from_str(req.query()).map_err(|e| {
        let message = e.to_string();
        let field = field_in(&message).unwrap_or_else(|| "query".into());
        Problem::bad_request(Some(field), format!("bad query string: {message}"))
    })
}

/// For `#[serde(default, deserialize_with = "nullable")]` on an `Option<Option<T>>` field: an
/// absent field stays `None` (no change), `null` becomes `Some(None)` (clear the field).
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The version named by an `If-Match: "N"` header, if the request has one.
pub fn if_match_version(req: &Request) -> Result<Option<u32>, Problem> {
    let Some(value) = req.header("if-match") else {
        return Ok(None);
    };
    value
        .as_str()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<u32>().ok())
        .map(Some)
        .ok_or_else(|| {
            Problem::bad_request(
                Some("if-match".into()),
                "If-Match must be an ETag this API returned, e.g. \"3\"",
            )
        })
}

/// The sender of a request: the client's address as the host saw it (`spin-client-addr`),
/// without the port, which changes with every connection; `unknown` when the host gave none.
/// Records counts per-sender limits by it.
pub fn client_key(req: &Request) -> String {
    req.header("spin-client-addr")
        .and_then(|v| v.as_str())
        .map(|addr| addr.rsplit_once(':').map_or(addr, |(ip, _)| ip).to_owned())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spin_sdk::http::Method;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        quantity: u32,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Order {
        lines: Vec<Line>,
        #[serde(default)]
        notes: String,
    }

    fn post(body: &str) -> Request {
        Request::builder()
            .method(Method::Post)
            .uri("/api/v1/orders")
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
            .build()
    }

    fn field_of(body: &str) -> Option<String> {
        json_body::<Order>(&post(body)).unwrap_err().field
    }

    #[test]
    fn a_json_problem_names_where_in_the_body_it_went_wrong() {
        let wrong_type = r#"{"lines": [{"quantity": 1}, {"quantity": "two"}]}"#;
        assert_eq!(field_of(wrong_type).as_deref(), Some("lines[1].quantity"));
        let unknown = r#"{"lines": [{"quantity": 1, "colour": "red"}]}"#;
        assert_eq!(field_of(unknown).as_deref(), Some("lines[0].colour"));
        let missing = r#"{"lines": [{}]}"#;
        assert_eq!(field_of(missing).as_deref(), Some("lines[0].quantity"));
        assert_eq!(field_of(r#"{"notes": ""}"#).as_deref(), Some("lines"));
        let trailing = json_body::<Order>(&post(r#"{"lines": []} x"#)).unwrap_err();
        assert_eq!(
            (trailing.status, trailing.field.as_deref()),
            (400, Some("body"))
        );
        assert!(json_body::<Order>(&post(r#"{"lines": [{"quantity": 2.0}]}"#)).is_ok());
    }
}
