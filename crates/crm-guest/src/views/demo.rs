//! Bodies of `crm:records/demo`.

use super::rules;
use crate::demo::SeedRequest;
use serde::Deserialize;

/// Which chunk of demo data to write. Chunks go in order: each starts where the customers
/// already stored end.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The same seed gives the same data; any `u64`.
    #[serde(default = "one")]
    #[schema(value_type = rules::U64, default = 1)]
    pub seed: u64,
    /// The index of the first customer of this chunk; must equal the number of customers
    /// already stored.
    #[serde(default)]
    #[schema(value_type = rules::U32, default = 0)]
    pub first_customer: u32,
    /// Customers in this chunk, 1–5000.
    #[schema(minimum = 1, maximum = 5000)]
    pub customers: u32,
    /// Mean orders per customer, 0–50.
    #[serde(default = "eight")]
    #[schema(maximum = 50, default = 8)]
    pub orders_per_customer: u32,
    /// Years of order history, 1–10.
    #[serde(default = "five")]
    #[schema(minimum = 1, maximum = 10, default = 5)]
    pub years: u32,
    /// Visits per customer in the last year, 0–20.
    #[serde(default = "three")]
    #[schema(maximum = 20, default = 3)]
    pub visits_per_customer: u32,
}

fn one() -> u64 {
    1
}

fn eight() -> u32 {
    8
}

fn five() -> u32 {
    5
}

fn three() -> u32 {
    3
}

impl From<Seed> for SeedRequest {
    fn from(b: Seed) -> Self {
        Self {
            seed: b.seed,
            first_customer: b.first_customer,
            customers: b.customers,
            orders_per_customer: b.orders_per_customer,
            years: b.years,
            visits_per_customer: b.visits_per_customer,
        }
    }
}
