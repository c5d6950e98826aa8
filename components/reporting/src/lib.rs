//! Reporting: the reports API under `/api/v1/reports/…`, the audit log at `/api/v1/audit`, and
//! the managers' dashboard at `/dashboard`.

use crm_guest::audit::{self, AuditQuery};
use crm_guest::request::{credential, json, query_pairs};
use crm_guest::{dispatch, ApiResult, Params, Problem, Route};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

const ROUTES: &[Route] = &[
    Route::get("/api/v1/health/reporting", health),
    Route::get("/api/v1/audit", read_audit_log),
];

#[http_component]
fn handle(req: Request) -> Response {
    dispatch(ROUTES, req)
}

fn health(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::health("reporting")
}

/// `GET /api/v1/audit?entity=&entity_id=&limit=&cursor=`: the audit log, newest first.
fn read_audit_log(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let mut query = AuditQuery {
        entity: None,
        entity_id: None,
        limit: 50,
        cursor: None,
    };
    for (key, value) in query_pairs(req.query()) {
        match key.as_str() {
            "entity" => query.entity = Some(value),
            "entity_id" => query.entity_id = Some(value),
            "cursor" => query.cursor = Some(value),
            "limit" => {
                query.limit = value.parse().map_err(|_| {
                    Problem::invalid("limit", "must be a whole number between 1 and 500")
                })?
            }
            other => {
                return Err(Problem::bad_request(
                    Some(other.into()),
                    format!("unknown query parameter `{other}`"),
                ))
            }
        }
    }
    let page = audit::read_log(&who, &query)?;
    let entries: Vec<_> = page
        .entries
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
                "entity": e.entity, "entity_id": e.entity_id,
                "before": e.before.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()),
                "after": e.after.and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok()),
            })
        })
        .collect();
    Ok(json(
        200,
        &serde_json::json!({ "items": entries, "next_cursor": page.next_cursor }),
    ))
}
