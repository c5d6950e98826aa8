//! The JSON the API takes and shows, beyond the `crm:records` types themselves.
//!
//! A response is a `crm:records` record as it is (serialised and described through the
//! bindings' derives), so only what the WIT does not already say lives here, one module per
//! interface: request bodies (with the API's defaults and strict unknown-field checks), query
//! parameters, and the few answers that are not a records type. Every component that speaks
//! about an interface uses these, so a shape is never spelt twice.

pub mod activities;
pub mod audit;
pub mod customers;
pub mod demo;
pub mod identity;
pub mod orders;
pub mod sales;
pub mod tasks;
pub mod verification;

/// How many items a list returns when the caller names no `limit`.
pub fn default_limit() -> u32 {
    50
}
