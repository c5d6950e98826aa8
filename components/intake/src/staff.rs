//! Staff and their tokens: `GET /api/v1/me`, `GET|POST /api/v1/staff`,
//! `POST /api/v1/staff/:id/tokens`, `DELETE /api/v1/tokens/:id`.

use crm_guest::identity::{self, Staff};
use crm_guest::request::{credential, idempotency_key, json, json_body};
use crm_guest::views::identity::{CreateStaff, IssueToken, IssuedTokenView, StaffList};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::{Request, Response};

/// Who the bearer token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "staff",
    responses(
        (status = 200, description = "The caller", body = Staff),
        (status = "4XX", response = Problem),
    ))]
pub fn me(req: &Request, _params: &Params) -> ApiResult {
    let staff = identity::whoami(&credential(req)?)?;
    Ok(json(200, &staff))
}

/// All staff, oldest first.
///
/// Administrators, service leads and sales managers.
#[utoipa::path(get, path = "/api/v1/staff", tag = "staff",
    responses(
        (status = 200, description = "Every member of staff", body = StaffList),
        (status = "4XX", response = Problem),
    ))]
pub fn list_staff(req: &Request, _params: &Params) -> ApiResult {
    let items = identity::list_staff(&credential(req)?)?;
    Ok(json(200, &StaffList { items }))
}

/// Creates a member of staff.
///
/// Administrators only.
#[utoipa::path(post, path = "/api/v1/staff", tag = "staff",
    request_body = CreateStaff,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created", body = Staff, headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn create_staff(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let input = json_body::<CreateStaff>(req)?.into_input()?;
    let staff = identity::create_staff(&who, &input, idempotency_key(req).as_ref())?;
    let location = format!("/api/v1/staff/{}", staff.id);
    let mut response = json(201, &staff);
    response.set_header("location", location);
    Ok(response)
}

/// Issues a bearer token for a member of staff.
///
/// The secret is shown in this answer only. Administrators only. The body may be left out,
/// empty or `null`: the token then has no label.
#[utoipa::path(post, path = "/api/v1/staff/{id}/tokens", tag = "staff",
    request_body = Option<IssueToken>,
    params(("id" = String, Path, description = "The staff member's id")),
    responses(
        (status = 201, description = "Issued; the token is shown once", body = IssuedTokenView),
        (status = "4XX", response = Problem),
    ))]
pub fn issue_token(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    // No body, an empty one and `null` all mean the defaults.
    let body: IssueToken = if req.body().is_empty() {
        IssueToken::default()
    } else {
        json_body::<Option<IssueToken>>(req)?.unwrap_or_default()
    };
    let staff_id = params.get("id");
    let token = identity::issue_token(&who, staff_id, &body.label)?;
    Ok(json(201, &IssuedTokenView::from(token)))
}

/// Revokes a token.
///
/// Administrators, or the token's own holder.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "staff",
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = "4XX", response = Problem),
    ))]
pub fn revoke_token(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    identity::revoke_token(&who, params.get("id"))?;
    Ok(Response::builder().status(204).body(Vec::new()).build())
}
