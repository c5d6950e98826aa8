//! The contact log: `GET /api/v1/activities/draft?customer=&type=`, `POST /api/v1/activities`,
//! `POST /api/v1/activities/batch`, `GET /api/v1/activities`.

use crm_guest::activities::{self, Activity, ActivityInput, ActivityQuery};
use crm_guest::names::{self, ActivityKind};
use crm_guest::request::{credential, json, json_body, query};
use crm_guest::{ApiResult, Params, Problem};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;

#[derive(Serialize)]
pub struct ActivityView {
    id: String,
    customer_id: String,
    contact_id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    occurred_at: String,
    rep_id: String,
    location: String,
    notes: String,
    requests: String,
    competitor_activity: String,
    open_items: Vec<String>,
    entered_by: String,
    created_at: String,
}

impl From<Activity> for ActivityView {
    fn from(a: Activity) -> Self {
        Self {
            id: a.id,
            customer_id: a.customer_id,
            contact_id: a.contact_id,
            kind: ActivityKind::from(a.kind).as_str(),
            occurred_at: a.occurred_at,
            rep_id: a.rep_id,
            location: a.location,
            notes: a.notes,
            requests: a.requests,
            competitor_activity: a.competitor_activity,
            open_items: a.open_items,
            entered_by: a.entered_by,
            created_at: a.created_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftQuery {
    customer: String,
    #[serde(rename = "type")]
    kind: String,
}

/// `GET /api/v1/activities/draft?customer=cus_…&type=visit`: a record of a contact with what
/// is already known filled in; post it back with only what changed.
pub fn draft(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: DraftQuery = query(req)?;
    let kind = names::parse::<ActivityKind>("type", &q.kind)?;
    let draft = activities::draft_activity(&who, &q.customer, kind.into())?;
    Ok(json(
        200,
        &serde_json::json!({
            "customer_id": draft.customer_id,
            "type": kind.as_str(),
            "rep_id": draft.rep_id,
            "occurred_at": draft.occurred_at,
            "contact_id": draft.contact_id,
            "location": draft.location,
            "open_items": draft.open_items,
            "previous_id": draft.previous_id,
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityBody {
    customer_id: String,
    #[serde(rename = "type")]
    kind: String,
    rep_id: Option<String>,
    contact_id: Option<String>,
    occurred_at: Option<String>,
    location: Option<String>,
    notes: Option<String>,
    requests: Option<String>,
    competitor_activity: Option<String>,
    open_items: Option<Vec<String>>,
}

impl ActivityBody {
    fn into_input(self, field_prefix: &str) -> Result<ActivityInput, Problem> {
        let kind = names::parse::<ActivityKind>(&format!("{field_prefix}type"), &self.kind)?;
        Ok(ActivityInput {
            customer_id: self.customer_id,
            kind: kind.into(),
            rep_id: self.rep_id,
            contact_id: self.contact_id,
            occurred_at: self.occurred_at,
            location: self.location,
            notes: self.notes,
            requests: self.requests,
            competitor_activity: self.competitor_activity,
            open_items: self.open_items,
        })
    }
}

/// `POST /api/v1/activities`: records one contact.
pub fn record(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: ActivityBody = json_body(req)?;
    let recorded = activities::record_activities(&who, &[body.into_input("")?]).map_err(|e| {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    items: Vec<ActivityBody>,
}

/// `POST /api/v1/activities/batch`: a day's contacts in one request, all or none.
pub fn record_batch(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Batch = json_body(req)?;
    let inputs = body
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| item.into_input(&format!("items[{i}].")))
        .collect::<Result<Vec<_>, Problem>>()?;
    let recorded = activities::record_activities(&who, &inputs)?;
    let items: Vec<ActivityView> = recorded.into_iter().map(ActivityView::from).collect();
    Ok(json(201, &serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListActivities {
    customer_id: Option<String>,
    rep_id: Option<String>,
    #[serde(default = "crate::default_limit")]
    limit: u32,
    cursor: Option<String>,
}

/// `GET /api/v1/activities?customer_id=&rep_id=&limit=&cursor=`: most recent first.
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListActivities = query(req)?;
    let page = activities::list_activities(
        &who,
        &ActivityQuery {
            customer_id: q.customer_id,
            rep_id: q.rep_id,
            limit: q.limit,
            cursor: q.cursor,
        },
    )?;
    let items: Vec<ActivityView> = page.items.into_iter().map(ActivityView::from).collect();
    Ok(json(
        200,
        &serde_json::json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}
