//! `POST /api/v1/demo/seed`: writes a chunk of demo data (admin, and only where the
//! `demo_data` variable is `true`). `crm up --demo` and `crm seed` call it.

use crm_guest::demo::{self, SeedReport};
use crm_guest::request::{credential, json, json_body};
use crm_guest::views::demo::Seed;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Writes a chunk of demo data.
///
/// One chunk is one transaction; the first chunk also adds the demo staff and products.
/// Administrators only, and only where the `demo_data` variable is `true`.
#[utoipa::path(post, path = "/api/v1/demo/seed", tag = "demo",
    request_body = Seed,
    responses(
        (status = 201, description = "What the chunk wrote", body = SeedReport),
        (status = "4XX", response = Problem),
    ))]
pub fn seed(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Seed = json_body(req)?;
    let report = demo::seed(&who, body.into())?;
    Ok(json(201, &report))
}
