//! Staff and their tokens: `GET /api/v1/me`, `GET|POST /api/v1/staff`,
//! `POST /api/v1/staff/:id/tokens`, `DELETE /api/v1/tokens/:id`.

use crm_guest::identity::{self, NewStaff};
use crm_guest::names::{self, Role};
use crm_guest::request::{credential, json, json_body};
use crm_guest::{ApiResult, Params};
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Request, Response};

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
            role: Role::from(s.role).as_str(),
            active: s.active,
            created_at: s.created_at,
        }
    }
}

pub fn me(req: &Request, _params: &Params) -> ApiResult {
    let staff = identity::whoami(&credential(req)?)?;
    Ok(json(200, &StaffView::from(staff)))
}

pub fn list_staff(req: &Request, _params: &Params) -> ApiResult {
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

pub fn create_staff(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateStaff = json_body(req)?;
    let input = NewStaff {
        name: body.name,
        email: body.email,
        role: names::parse::<Role>("role", &body.role)?.into(),
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

pub fn issue_token(req: &Request, params: &Params) -> ApiResult {
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

pub fn revoke_token(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    identity::revoke_token(&who, params.get("id"))?;
    Ok(Response::builder().status(204).body(Vec::new()).build())
}
