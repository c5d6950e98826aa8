//! The JSON the API takes and shows, beyond the `crm:records` types themselves.
//!
//! A response is a `crm:records` record as it is (serialised and described through the
//! bindings' derives), so only what the WIT does not already say lives here, one module per
//! interface: request bodies (with the API's defaults and strict unknown-field checks), query
//! parameters, and the few answers that are not a records type. Every component that speaks
//! about an interface uses these, so a shape is never spelt twice.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod complaints;
pub mod customers;
pub mod demo;
pub mod identity;
pub mod orders;
pub mod reports;
pub mod rules;
pub mod sales;
pub mod service_requests;
pub mod sla;
pub mod tasks;
pub mod verification;
pub mod webhooks;

/// How many items a list returns when the caller names no `limit`.
pub fn default_limit() -> u32 {
    50
}

/// The `Idempotency-Key` header of a request that creates something: a retry with the same key
/// (and the same request) gets the first response again instead of creating twice.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// Makes a retry return the first response: 1–255 printable ASCII characters, e.g. a UUID,
    /// new for every new request.
    #[param(rename = "Idempotency-Key", value_type = Option<rules::IdempotencyKey>, inline, nullable = false)]
    pub idempotency_key: Option<String>,
}

/// The `If-Match` header of a change: the change is refused (409) if the object is no longer
/// at that version.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The ETag the change is based on, e.g. `"3"`.
    #[param(rename = "If-Match", value_type = Option<rules::IfMatch>, inline, nullable = false)]
    pub if_match: Option<String>,
}
