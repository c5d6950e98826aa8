//! Bodies and queries of `crm:records/tasks`.

use super::rules;
use crate::names::{self, SubjectKind, TaskStatus};
use crate::problem::Problem;
use crate::tasks::{NewTask, TaskQuery};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// A follow-up a manager assigns.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignTask {
    /// What to do, 1–200 characters.
    #[schema(value_type = rules::RequiredText200)]
    pub title: String,
    /// What the task is about.
    #[schema(value_type = SubjectKind)]
    pub subject_kind: String,
    /// The id of an existing lead, opportunity or customer, as `subject_kind` says.
    pub subject_id: String,
    /// Who must do it: an active member of staff who works with customers.
    pub assignee_id: String,
    /// The manager's opinion: how to go about it, at most 2000 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text2000)]
    pub opinion: String,
    /// When it is due, RFC 3339 or a date.
    #[schema(value_type = rules::Instant)]
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
    #[param(value_type = Option<rules::PageCursor>, inline)]
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
    #[schema(value_type = ReportOutcome)]
    pub outcome: String,
    /// What was done, 1–2000 characters.
    #[schema(value_type = rules::RequiredText2000)]
    pub report: String,
}

/// The task statuses a report names ([`ReportTask::succeeded`]): `succeeded` or `failed`.
pub struct ReportOutcome;

impl utoipa::PartialSchema for ReportOutcome {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(
                [TaskStatus::Succeeded, TaskStatus::Failed].map(TaskStatus::as_str),
            ))
            .into()
    }
}

impl utoipa::ToSchema for ReportOutcome {}

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
    #[schema(value_type = rules::Text2000)]
    pub opinion: String,
    /// When it is due now, RFC 3339 or a date.
    #[schema(value_type = rules::Instant)]
    pub due_at: String,
}
