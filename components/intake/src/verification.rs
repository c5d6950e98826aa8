//! Visit verification: `POST /api/v1/verification/samples`, `POST /api/v1/activities/:id/check`,
//! `GET /api/v1/verification/rates?first_day=&last_day=`.

use crm_guest::request::{credential, idempotency_key, json, json_body, query};
use crm_guest::verification::{self, VisitCheck};
use crm_guest::views::activities::ActivityView;
use crm_guest::views::verification::{CheckVisit, DrawSample, Period, RateList, Sample};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Draws a reproducible random sample of a rep's visits to call the customers about (managers).
#[utoipa::path(post, path = "/api/v1/verification/samples", operation_id = "draw_sample",
    tag = "verification",
    request_body = DrawSample,
    params(IdempotencyKeyHeader),
    responses(
        (status = 200, description = "The sample", body = Sample),
        (status = "4XX", response = Problem),
    ))]
pub fn sample(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: DrawSample = json_body(req)?;
    let seed = body.seed;
    let visits = verification::draw_sample(&who, &body.into(), idempotency_key(req).as_ref())?;
    let items = visits.into_iter().map(ActivityView::from).collect();
    Ok(json(200, &Sample { seed, items }))
}

/// Records what calling the customer about a visit found (managers); a later check of the same
/// visit replaces it.
#[utoipa::path(post, path = "/api/v1/activities/{id}/check", operation_id = "record_check",
    tag = "verification",
    request_body = CheckVisit,
    params(
        ("id" = String, Path, description = "The visit's (activity's) id"),
        IdempotencyKeyHeader,
    ),
    responses(
        (status = 200, description = "The recorded check", body = VisitCheck),
        (status = "4XX", response = Problem),
    ))]
pub fn check(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CheckVisit = json_body(req)?;
    let check = verification::record_check(
        &who,
        params.get("id"),
        body.parse_outcome()?,
        &body.note,
        idempotency_key(req).as_ref(),
    )?;
    Ok(json(200, &check))
}

/// Each rep's verification figures for visits in a period (managers).
#[utoipa::path(get, path = "/api/v1/verification/rates", operation_id = "verification_rates",
    tag = "verification",
    params(Period),
    responses(
        (status = 200, description = "The reps' figures", body = RateList),
        (status = "4XX", response = Problem),
    ))]
pub fn rates(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: Period = query(req)?;
    let items = verification::rates(&who, &q.first_day, &q.last_day)?;
    Ok(json(200, &RateList { items }))
}
