//! Visit verification: `POST /api/v1/verification/samples`, `POST /api/v1/activities/:id/check`,
//! `GET /api/v1/verification/rates?first_day=&last_day=`.

use crate::activities::ActivityView;
use crm_guest::names::{self, CheckOutcome};
use crm_guest::request::{credential, json, json_body, query};
use crm_guest::verification::{self, SampleRequest};
use crm_guest::{ApiResult, Params};
use serde::Deserialize;
use spin_sdk::http::Request;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    rep_id: String,
    first_day: String,
    last_day: String,
    size: u32,
    seed: u64,
}

/// Draws a reproducible random sample of a rep's visits to call the customers about.
pub fn sample(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Sample = json_body(req)?;
    let request = SampleRequest {
        rep_id: body.rep_id,
        first_day: body.first_day,
        last_day: body.last_day,
        size: body.size,
        seed: body.seed,
    };
    let visits = verification::draw_sample(&who, &request)?;
    let items: Vec<ActivityView> = visits.into_iter().map(ActivityView::from).collect();
    Ok(json(
        200,
        &serde_json::json!({ "seed": body.seed, "items": items }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Check {
    outcome: String,
    #[serde(default)]
    note: String,
}

/// Records what calling the customer about a visit found.
pub fn check(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Check = json_body(req)?;
    let outcome = names::parse::<CheckOutcome>("outcome", &body.outcome)?;
    let check = verification::record_check(&who, params.get("id"), outcome.into(), &body.note)?;
    Ok(json(
        200,
        &serde_json::json!({
            "activity_id": check.activity_id,
            "outcome": CheckOutcome::from(check.outcome).as_str(),
            "note": check.note,
            "checked_by": check.checked_by,
            "checked_at": check.checked_at,
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Period {
    first_day: String,
    last_day: String,
}

/// Each rep's verification figures for visits in a period.
pub fn rates(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: Period = query(req)?;
    let rates = verification::rates(&who, &q.first_day, &q.last_day)?;
    let items: Vec<serde_json::Value> = rates
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "rep_id": r.rep_id, "visits": r.visits, "checked": r.checked,
                "confirmed": r.confirmed, "not_confirmed": r.not_confirmed,
                "no_answer": r.no_answer, "rate": r.rate,
            })
        })
        .collect();
    Ok(json(200, &serde_json::json!({ "items": items })))
}
