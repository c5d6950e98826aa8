//! Bodies and queries of `crm:records/tasks`.

use crate::names::{self, SubjectKind, TaskStatus};
use crate::problem::Problem;
use crate::tasks::{NewTask, TaskQuery};
use serde::Deserialize;

/// A follow-up a manager assigns.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignTask {
    /// What to do, 1–200 characters.
    pub title: String,
    /// What the task is about.
    #[schema(value_type = SubjectKind)]
    pub subject_kind: String,
    /// The id of the lead, opportunity or customer.
    pub subject_id: String,
    /// Who must do it: an active member of staff.
    pub assignee_id: String,
    /// The manager's opinion: how to go about it, at most 2000 characters.
    #[serde(default)]
    pub opinion: String,
    /// When it is due, RFC 3339 or a date.
    pub due_at: String,
}

impl AssignTask {
    pub fn into_input(self) -> Result<NewTask, Problem> {
        Ok(NewTask {
            title: self.title,
            subject_kind: names::parse::<SubjectKind>("subject_kind", &self.subject_kind)?.into(),
            subject_id: self.subject_id,
            assignee_id: self.assignee_id,
            opinion: self.opinion,
            due_at: self.due_at,
        })
    }
}

/// Which tasks to list, soonest due first.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTasks {
    /// Only this assignee's; reps and agents only ever see their own.
    pub assignee_id: Option<String>,
    /// Only tasks in this status.
    #[param(value_type = Option<TaskStatus>)]
    pub status: Option<String>,
    /// Only tasks still to do (open or redo) and past due.
    #[serde(default)]
    pub overdue: bool,
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl ListTasks {
    pub fn into_query(self) -> Result<TaskQuery, Problem> {
        Ok(TaskQuery {
            assignee_id: self.assignee_id,
            status: self
                .status
                .map(|s| names::parse::<TaskStatus>("status", &s).map(Into::into))
                .transpose()?,
            overdue_only: self.overdue,
            limit: self.limit,
            cursor: self.cursor,
        })
    }
}

/// The assignee's report on a task.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportTask {
    /// How it went: `succeeded` or `failed`.
    pub outcome: String,
    /// What was done, 1–2000 characters.
    pub report: String,
}

impl ReportTask {
    /// Whether the task succeeded; an outcome other than `succeeded` or `failed` is refused.
    pub fn succeeded(&self) -> Result<bool, Problem> {
        match names::parse::<TaskStatus>("outcome", &self.outcome)? {
            TaskStatus::Succeeded => Ok(true),
            TaskStatus::Failed => Ok(false),
            _ => Err(Problem::invalid("outcome", "must be succeeded or failed")),
        }
    }
}

/// Sends a reported task back to be done again.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedoTask {
    /// The manager's new opinion, at most 2000 characters.
    #[serde(default)]
    pub opinion: String,
    /// When it is due now, RFC 3339 or a date.
    pub due_at: String,
}
