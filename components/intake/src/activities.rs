//! The contact log: `GET /api/v1/activities/draft?customer=&type=`, `POST /api/v1/activities`,
//! `POST /api/v1/activities/batch`, `GET /api/v1/activities`.

use crm_guest::activities;
use crm_guest::names::{self, ActivityKind};
use crm_guest::request::{credential, idempotency_key, json, json_body, query};
use crm_guest::views::activities::{
    ActivityBatch, ActivityBody, ActivityDraftView, ActivityList, ActivityPageView, ActivityView,
    DraftQuery, ListActivities,
};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// A prefilled record of a contact: what is already known about the customer filled in; post
/// it back with only what changed.
#[utoipa::path(get, path = "/api/v1/activities/draft", operation_id = "draft_activity",
    tag = "activities",
    params(DraftQuery),
    responses(
        (status = 200, description = "The draft", body = ActivityDraftView),
        (status = "4XX", response = Problem),
    ))]
pub fn draft(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: DraftQuery = query(req)?;
    let kind = names::parse::<ActivityKind>("type", &q.kind)?;
    let draft = activities::draft_activity(&who, &q.customer, kind.into())?;
    Ok(json(200, &ActivityDraftView::from(draft)))
}

/// Records a contact with a customer; absent fields come from the draft.
#[utoipa::path(post, path = "/api/v1/activities", operation_id = "record_activity",
    tag = "activities",
    request_body = ActivityBody,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Recorded", body = ActivityView),
        (status = "4XX", response = Problem),
    ))]
pub fn record(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: ActivityBody = json_body(req)?;
    let recorded =
        activities::record_activities(&who, &[body.into_input("")?], idempotency_key(req).as_ref())
            .map_err(|e| {
                // Records names fields of a batch (`items[0].notes`); a single record has no items.
                let mut problem = Problem::from(e);
                if let Some(field) = &problem.field {
                    problem.field = Some(field.trim_start_matches("items[0].").to_owned());
                }
                problem
            })?;
    match recorded.into_iter().next() {
        Some(activity) => Ok(json(201, &ActivityView::from(activity))),
        None => Err(Problem::new(500, "Internal error").with_detail("nothing was recorded")),
    }
}

/// Records many contacts, e.g. a day's visits, in one request: all of them, or none.
#[utoipa::path(post, path = "/api/v1/activities/batch", operation_id = "record_activities",
    tag = "activities",
    request_body = ActivityBatch,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Recorded", body = ActivityList),
        (status = "4XX", response = Problem),
    ))]
pub fn record_batch(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: ActivityBatch = json_body(req)?;
    let inputs = body
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| item.into_input(&format!("items[{i}].")))
        .collect::<Result<Vec<_>, Problem>>()?;
    let recorded = activities::record_activities(&who, &inputs, idempotency_key(req).as_ref())?;
    let items = recorded.into_iter().map(ActivityView::from).collect();
    Ok(json(201, &ActivityList { items }))
}

/// The contact log, most recent first.
#[utoipa::path(get, path = "/api/v1/activities", operation_id = "list_activities",
    tag = "activities",
    params(ListActivities),
    responses(
        (status = 200, description = "A page of activities", body = ActivityPageView),
        (status = "4XX", response = Problem),
    ))]
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListActivities = query(req)?;
    let page = activities::list_activities(&who, &q.into())?;
    Ok(json(200, &ActivityPageView::from(page)))
}
