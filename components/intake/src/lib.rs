//! Customer intake: the staff API for customers, field work, leads and staff orders.
//!
//! Routes (under `/api/v1/`, except what escalation and reporting own):
//! `GET /api/v1/health/intake`, `GET /api/v1/me`, `GET|POST /api/v1/staff`,
//! `POST /api/v1/staff/:id/tokens`, `DELETE /api/v1/tokens/:id`.
//! Handlers parse the request, make one `crm:records` call and map the result.

use crm_guest::identity::{self, NewStaff};
use crm_guest::request::{credential, json, json_body};
use crm_guest::{dispatch, roles, ApiResult, Params, Route};
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

const ROUTES: &[Route] = &[
    Route::get("/api/v1/health/intake", health),
    Route::get("/api/v1/me", me),
    Route::get("/api/v1/staff", list_staff),
    Route::post("/api/v1/staff", create_staff),
    Route::post("/api/v1/staff/:id/tokens", issue_token),
    Route::delete("/api/v1/tokens/:id", revoke_token),
];

#[http_component]
fn handle(req: Request) -> Response {
    dispatch(ROUTES, req)
}

fn health(_req: &Request, _params: &Params) -> ApiResult {
    crm_guest::health("intake")
}

/// A member of staff as the API shows it.
#[derive(Serialize)]
struct StaffView {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    active: bool,
    created_at: String,
}

impl From<identity::Staff> for StaffView {
    fn from(s: identity::Staff) -> Self {
        Self {
            id: s.id,
            name: s.name,
            email: s.email,
            role: roles::name(s.role),
            active: s.active,
            created_at: s.created_at,
        }
    }
}

fn me(req: &Request, _params: &Params) -> ApiResult {
    let staff = identity::whoami(&credential(req)?)?;
    Ok(json(200, &StaffView::from(staff)))
}

fn list_staff(req: &Request, _params: &Params) -> ApiResult {
    let staff = identity::list_staff(&credential(req)?)?;
    let items: Vec<StaffView> = staff.into_iter().map(StaffView::from).collect();
    Ok(json(200, &serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateStaff {
    name: String,
    email: String,
    role: String,
}

fn create_staff(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateStaff = json_body(req)?;
    let input = NewStaff {
        name: body.name,
        email: body.email,
        role: roles::parse("role", &body.role)?,
    };
    let staff = identity::create_staff(&who, &input)?;
    let mut response = json(201, &StaffView::from(staff.clone()));
    response.set_header("location", format!("/api/v1/staff/{}", staff.id));
    Ok(response)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct IssueToken {
    #[serde(default)]
    label: String,
}

fn issue_token(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: IssueToken = if req.body().is_empty() {
        IssueToken::default()
    } else {
        json_body(req)?
    };
    let staff_id = params.get("id");
    let token = identity::issue_token(&who, staff_id, &body.label)?;
    Ok(json(
        201,
        &serde_json::json!({
            "id": token.id,
            "staff_id": token.staff_id,
            "token": token.secret,
            "label": token.label,
            "created_at": token.created_at,
        }),
    ))
}

fn revoke_token(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    identity::revoke_token(&who, params.get("id"))?;
    Ok(Response::builder().status(204).body(Vec::new()).build())
}
