//! Tasks: `POST|GET /api/v1/tasks`, `GET /api/v1/tasks/:id`, `POST /api/v1/tasks/:id/report`,
//! `POST /api/v1/tasks/:id/redo`.

use crm_guest::names::{self, SubjectKind, TaskStatus};
use crm_guest::request::{credential, json, json_body, query};
use crm_guest::tasks::{self, NewTask, Task, TaskQuery};
use crm_guest::{ApiResult, Params, Problem};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;

#[derive(Serialize)]
struct TaskView {
    id: String,
    title: String,
    subject_kind: &'static str,
    subject_id: String,
    customer_id: Option<String>,
    assignee_id: String,
    assigned_by: String,
    opinion: String,
    due_at: String,
    status: &'static str,
    overdue: bool,
    report: String,
    created_at: String,
    updated_at: String,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        Self {
            id: t.id,
            title: t.title,
            subject_kind: SubjectKind::from(t.subject_kind).as_str(),
            subject_id: t.subject_id,
            customer_id: t.customer_id,
            assignee_id: t.assignee_id,
            assigned_by: t.assigned_by,
            opinion: t.opinion,
            due_at: t.due_at,
            status: TaskStatus::from(t.status).as_str(),
            overdue: t.overdue,
            report: t.report,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignTask {
    title: String,
    subject_kind: String,
    subject_id: String,
    assignee_id: String,
    #[serde(default)]
    opinion: String,
    due_at: String,
}

/// `POST /api/v1/tasks`: a manager assigns a follow-up with an opinion and a due time.
pub fn assign(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: AssignTask = json_body(req)?;
    let input = NewTask {
        title: body.title,
        subject_kind: names::parse::<SubjectKind>("subject_kind", &body.subject_kind)?.into(),
        subject_id: body.subject_id,
        assignee_id: body.assignee_id,
        opinion: body.opinion,
        due_at: body.due_at,
    };
    let task = tasks::assign_task(&who, &input)?;
    let mut response = json(201, &TaskView::from(task.clone()));
    response.set_header("location", format!("/api/v1/tasks/{}", task.id));
    Ok(response)
}

pub fn get(req: &Request, params: &Params) -> ApiResult {
    let task = tasks::get_task(&credential(req)?, params.get("id"))?;
    Ok(json(200, &TaskView::from(task)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListTasks {
    assignee_id: Option<String>,
    status: Option<String>,
    #[serde(default)]
    overdue: bool,
    #[serde(default = "crate::default_limit")]
    limit: u32,
    cursor: Option<String>,
}

/// `GET /api/v1/tasks?assignee_id=&status=&overdue=true&limit=&cursor=`: soonest due first.
/// Reps and agents get their own tasks; managers everyone's.
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListTasks = query(req)?;
    let page = tasks::list_tasks(
        &who,
        &TaskQuery {
            assignee_id: q.assignee_id,
            status: q
                .status
                .map(|s| names::parse::<TaskStatus>("status", &s).map(Into::into))
                .transpose()?,
            overdue_only: q.overdue,
            limit: q.limit,
            cursor: q.cursor,
        },
    )?;
    let items: Vec<TaskView> = page.items.into_iter().map(TaskView::from).collect();
    Ok(json(
        200,
        &serde_json::json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    outcome: String,
    report: String,
}

/// `POST /api/v1/tasks/:id/report` with `{"outcome": "succeeded"|"failed", "report": …}`.
pub fn report(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Report = json_body(req)?;
    let succeeded = match names::parse::<TaskStatus>("outcome", &body.outcome)? {
        TaskStatus::Succeeded => true,
        TaskStatus::Failed => false,
        _ => return Err(Problem::invalid("outcome", "must be succeeded or failed")),
    };
    let task = tasks::report_task(&who, params.get("id"), succeeded, &body.report)?;
    Ok(json(200, &TaskView::from(task)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Redo {
    #[serde(default)]
    opinion: String,
    due_at: String,
}

/// `POST /api/v1/tasks/:id/redo`: a manager sends a reported task back, with a new due time.
pub fn redo(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Redo = json_body(req)?;
    let task = tasks::redo_task(&who, params.get("id"), &body.opinion, &body.due_at)?;
    Ok(json(200, &TaskView::from(task)))
}
