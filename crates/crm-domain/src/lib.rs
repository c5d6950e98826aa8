//! Pure business rules of the CRM.
//!
//! This crate compiles natively and to `wasm32-wasip2`; the `records` component uses it, and its
//! rules are unit-tested natively. **It must never import spin-sdk, wit-bindgen or wasmtime, and
//! never do I/O**: no clocks, no randomness, no storage. Callers pass in what the rules need.

pub mod account;
pub mod activity;
pub mod calendar;
pub mod complaint;
pub mod customer;
pub mod dedup;
pub mod demo;
pub mod names;
pub mod orders;
pub mod random;
pub mod report;
pub mod role;
pub mod sales;
pub mod service;
pub mod sla;
pub mod staff;
pub mod time;
pub mod verification;
pub mod webhook;

/// A rule was broken by one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The field's name as the API spells it.
    pub field: &'static str,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }

    /// The same error about element `index` of the list `list` of a whole input, e.g.
    /// `contacts[1].phone`.
    pub fn within(self, list: &str, index: usize) -> InputError {
        InputError {
            field: format!("{list}[{index}].{}", self.field),
            message: self.message,
        }
    }
}

/// A rule was broken somewhere in a whole input (a customer with its contacts and addresses):
/// the path of the field at fault, as the API spells it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InputError {
    pub field: String,
    pub message: String,
}

impl From<FieldError> for InputError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field.to_owned(),
            message: e.message,
        }
    }
}
