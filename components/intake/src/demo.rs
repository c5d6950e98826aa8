//! `POST /api/v1/demo/seed`: writes a chunk of demo data (admin, and only where the
//! `demo_data` variable is `true`). `crm up --demo` and `crm seed` call it.

use crm_guest::demo::{self, SeedRequest};
use crm_guest::request::{credential, json, json_body};
use crm_guest::{ApiResult, Params};
use serde::Deserialize;
use spin_sdk::http::Request;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default = "one")]
    seed: u64,
    #[serde(default)]
    first_customer: u32,
    customers: u32,
    #[serde(default = "eight")]
    orders_per_customer: u32,
    #[serde(default = "five")]
    years: u32,
    #[serde(default = "three")]
    visits_per_customer: u32,
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

pub fn seed(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Seed = json_body(req)?;
    let report = demo::seed(
        &who,
        SeedRequest {
            seed: body.seed,
            first_customer: body.first_customer,
            customers: body.customers,
            orders_per_customer: body.orders_per_customer,
            years: body.years,
            visits_per_customer: body.visits_per_customer,
        },
    )?;
    Ok(json(
        201,
        &serde_json::json!({
            "customers": report.customers,
            "orders": report.orders,
            "order_lines": report.order_lines,
            "visits": report.visits,
        }),
    ))
}
