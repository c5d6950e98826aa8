//! Tasks: `POST|GET /api/v1/tasks`, `GET /api/v1/tasks/:id`, `POST /api/v1/tasks/:id/report`,
//! `POST /api/v1/tasks/:id/redo`.

use crm_guest::request::{credential, idempotency_key, json, json_body, query};
use crm_guest::tasks::{self, Task, TaskPage};
use crm_guest::views::tasks::{AssignTask, ListTasks, RedoTask, ReportTask};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Assigns a follow-up with an opinion and a due time (managers).
#[utoipa::path(post, path = "/api/v1/tasks", operation_id = "assign_task",
    tag = "tasks",
    request_body = AssignTask,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Assigned", body = Task, headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn assign(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let input = json_body::<AssignTask>(req)?.into_input()?;
    let task = tasks::assign_task(&who, &input, idempotency_key(req).as_ref())?;
    let location = format!("/api/v1/tasks/{}", task.id);
    let mut response = json(201, &task);
    response.set_header("location", location);
    Ok(response)
}

/// A task: its assignee, or a manager, may read it.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", operation_id = "get_task",
    tag = "tasks",
    params(("id" = String, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task", body = Task),
        (status = "4XX", response = Problem),
    ))]
pub fn get(req: &Request, params: &Params) -> ApiResult {
    let task = tasks::get_task(&credential(req)?, params.get("id"))?;
    Ok(json(200, &task))
}

/// Tasks, soonest due first. Reps and agents get their own tasks; managers everyone's.
#[utoipa::path(get, path = "/api/v1/tasks", operation_id = "list_tasks",
    tag = "tasks",
    params(ListTasks),
    responses(
        (status = 200, description = "A page of tasks", body = TaskPage),
        (status = "4XX", response = Problem),
    ))]
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let task_query = query::<ListTasks>(req)?.into_query()?;
    let page = tasks::list_tasks(&who, &task_query)?;
    Ok(json(200, &page))
}

/// The assignee reports that an open or redo task succeeded or failed.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/report", operation_id = "report_task",
    tag = "tasks",
    request_body = ReportTask,
    params(("id" = String, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The reported task", body = Task),
        (status = "4XX", response = Problem),
    ))]
pub fn report(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: ReportTask = json_body(req)?;
    let succeeded = body.succeeded()?;
    let task = tasks::report_task(&who, params.get("id"), succeeded, &body.report)?;
    Ok(json(200, &task))
}

/// Sends a reported task back to be done again, with a new due time (managers).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/redo", operation_id = "redo_task",
    tag = "tasks",
    request_body = RedoTask,
    params(("id" = String, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task, to do again", body = Task),
        (status = "4XX", response = Problem),
    ))]
pub fn redo(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: RedoTask = json_body(req)?;
    let task = tasks::redo_task(&who, params.get("id"), &body.opinion, &body.due_at)?;
    Ok(json(200, &task))
}
