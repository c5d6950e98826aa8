//! Complaints: `GET|POST /api/v1/complaints`, `GET /api/v1/complaints/:id` (with the list of
//! its customer's photos), `GET /api/v1/complaints/:id/photos/:photo` (one photo, the picture
//! itself), `POST /api/v1/complaints/:id/transitions`, `POST /api/v1/complaints/:id/close`,
//! `POST /api/v1/complaints/:id/replies`,
//! `POST /api/v1/complaints/:id/priority`, and the escalation sweep,
//! `POST /api/v1/escalation/sweep`.

use crm_guest::complaints::{self, ComplaintDetail, ComplaintPage};
use crm_guest::request::{credential, idempotency_key, json, json_body, query};
use crm_guest::views::complaints as complaint_views;
use crm_guest::views::complaints::{
    CloseComplaint, FileComplaint, ListComplaints, Reply, SetPriority, SweepAnswer, Transition,
};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Files a customer's complaint and starts its SLA clocks; answers with the customer's history.
#[utoipa::path(post, path = "/api/v1/complaints", operation_id = "file_complaint",
    tag = "complaints",
    request_body = FileComplaint,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Filed", body = ComplaintDetail,
            headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn file(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let input = json_body::<FileComplaint>(req)?.into_input()?;
    let detail = complaints::file_complaint(&who, &input, idempotency_key(req).as_ref())?;
    let location = format!("/api/v1/complaints/{}", detail.complaint.id);
    let mut response = json(201, &detail);
    response.set_header("location", location);
    Ok(response)
}

/// Complaints, newest first, optionally of one work queue.
#[utoipa::path(get, path = "/api/v1/complaints", operation_id = "list_complaints",
    tag = "complaints",
    params(ListComplaints),
    responses(
        (status = 200, description = "A page of complaints", body = ComplaintPage),
        (status = "4XX", response = Problem),
    ))]
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let complaint_query = query::<ListComplaints>(req)?.into_query()?;
    let page = complaints::list_complaints(&who, &complaint_query)?;
    Ok(json(200, &page))
}

/// A complaint with its customer's history, its escalations and its timeline.
///
/// Its SLA clocks (`complaint.sla`) are derived from the stored deadlines and the time of the
/// request, so they are current even if no sweep has run. Each clock has `target_seconds` (the
/// target, in counted seconds), `clock` (`wall`, or `business`: working hours of the policy's
/// calendar only), `due_at` (when the target is used up; none while paused), `met_at` (when it
/// was met), `elapsed_seconds` (counted so far, or until met; pauses excluded), `breached`
/// (whether the deadline passed before it was met, or by now) and `late_seconds` (wall seconds
/// from the deadline to when it was met, or to now; 0 if not breached). The resolution clock
/// is `paused` while the complaint waits on the customer; `escalation_level` is the highest
/// level fired.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", operation_id = "get_complaint",
    tag = "complaints",
    params(("id" = String, Path, description = "The complaint's id")),
    responses(
        (status = 200, description = "The complaint", body = ComplaintDetail),
        (status = "4XX", response = Problem),
    ))]
pub fn get(req: &Request, params: &Params) -> ApiResult {
    let detail = complaints::get_complaint(&credential(req)?, params.get("id"))?;
    Ok(json(200, &detail))
}

/// One photo the customer attached to a complaint (listed in the complaint's `photos`), as the
/// picture itself: JPEG, PNG or WebP, the type told from its own bytes.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/photos/{photo}", operation_id = "get_complaint_photo",
    tag = "complaints",
    params(("id" = String, Path, description = "The complaint's id"),
           ("photo" = String, Path, description = "The photo's id, `pho_…`")),
    responses(
        (status = 200, description = "The photo",
         content((String = "image/jpeg"), (String = "image/png"), (String = "image/webp"))),
        (status = "4XX", response = Problem),
    ))]
pub fn photo(req: &Request, params: &Params) -> ApiResult {
    let photo =
        complaints::complaint_photo(&credential(req)?, params.get("id"), params.get("photo"))?;
    Ok(complaint_views::photo_response(&photo))
}

/// Moves a complaint's workflow: acknowledge, start, wait on the customer (pausing the
/// resolution clock), resume, resolve or reopen. Closing is `POST …/close`.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/transitions",
    operation_id = "transition_complaint",
    tag = "complaints",
    request_body = Transition,
    params(("id" = String, Path, description = "The complaint's id")),
    responses(
        (status = 200, description = "The complaint after the move", body = ComplaintDetail),
        (status = "4XX", response = Problem),
    ))]
pub fn transition(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let action = json_body::<Transition>(req)?.action()?;
    let detail = complaints::transition(&who, params.get("id"), action, None)?;
    Ok(json(200, &detail))
}

/// Closes a resolved complaint with its cause, result and prevention measure, signed off by
/// the caller. Final: a closed complaint takes no more replies or moves.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/close", operation_id = "close_complaint",
    tag = "complaints",
    request_body = CloseComplaint,
    params(("id" = String, Path, description = "The complaint's id")),
    responses(
        (status = 200, description = "The closed complaint", body = ComplaintDetail),
        (status = "4XX", response = Problem),
    ))]
pub fn close(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let closure = json_body::<CloseComplaint>(req)?.into();
    let detail = complaints::transition(
        &who,
        params.get("id"),
        complaints::ComplaintAction::Close,
        Some(&closure),
    )?;
    Ok(json(200, &detail))
}

/// Records a staff reply to the customer; the first one is the complaint's first response.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/replies", operation_id = "reply_to_complaint",
    tag = "complaints",
    request_body = Reply,
    params(("id" = String, Path, description = "The complaint's id")),
    responses(
        (status = 200, description = "The complaint with the reply", body = ComplaintDetail),
        (status = "4XX", response = Problem),
    ))]
pub fn reply(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Reply = json_body(req)?;
    let detail = complaints::reply(&who, params.get("id"), &body.text)?;
    Ok(json(200, &detail))
}

/// Changes a complaint's priority; its SLA policy is chosen again and its deadlines recomputed.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/priority",
    operation_id = "set_complaint_priority",
    tag = "complaints",
    request_body = SetPriority,
    params(("id" = String, Path, description = "The complaint's id")),
    responses(
        (status = 200, description = "The complaint with its new priority", body = ComplaintDetail),
        (status = "4XX", response = Problem),
    ))]
pub fn set_priority(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let priority = json_body::<SetPriority>(req)?.into_priority()?;
    let detail = complaints::set_priority(&who, params.get("id"), priority)?;
    Ok(json(200, &detail))
}

/// Fires every escalation level due as of now, each exactly once, then delivers the webhook
/// notifications that are due (ops, admin).
///
/// A level is never fired twice, however often the sweep runs, so `crm up --tick` or any
/// scheduler (such as a cron job every minute) may call it. Each fired level reassigns the
/// complaint and writes its notification as its rule says; the deliveries are those of
/// `POST /api/v1/webhooks/deliver`.
#[utoipa::path(post, path = "/api/v1/escalation/sweep", operation_id = "sweep_escalations",
    tag = "complaints",
    responses(
        (status = 200, description = "What the sweep fired and delivered", body = SweepAnswer),
        (status = "4XX", response = Problem),
    ))]
pub fn sweep(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let report = complaints::sweep(&who)?;
    let deliveries = spin_sdk::http::run(crate::webhooks::deliver_due(&who))?;
    Ok(json(200, &SweepAnswer { report, deliveries }))
}
