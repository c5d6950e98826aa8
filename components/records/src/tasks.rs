//! Tasks: managers assign, assignees report back, managers send back for redo; overdue tasks are
//! derived from the due time and now, never stored.

use crate::audit;
use crate::auth::Actor;
use crate::complaints;
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::tasks::{
    NewTask, SubjectKind as WitSubjectKind, Task, TaskPage, TaskQuery, TaskStatus as WitTaskStatus,
};
use crate::exports::crm::records::types::Error;
use crate::names::stored;
use crate::sales;
use crate::secrets;
use crm_domain::role::Role;
use crm_domain::sales::{
    is_overdue, parse_report, NewTask as DomainNewTask, Redo, RedoDraft, SubjectKind, TaskDraft,
    TaskStatus,
};
use crm_domain::time::{parse_instant, rfc3339_utc};
use spin_sdk::sqlite3::{RowResult, Value};

const TASK_COLUMNS: &str = "id, title, subject_kind, subject_id, customer_id, assignee_id, \
                            assigned_by, opinion, due_at, status, report, created_at, updated_at";

fn task_from_row(row: &RowResult, now: i64) -> Result<Task, Error> {
    let status: TaskStatus = stored(&db::text(row, 9, "status")?)?;
    let due_at = db::text(row, 8, "due_at")?;
    let due = parse_instant("due_at", &due_at).map_err(|e| db::internal("read a due time", e))?;
    Ok(Task {
        id: db::text(row, 0, "id")?,
        title: db::text(row, 1, "title")?,
        subject_kind: stored::<SubjectKind>(&db::text(row, 2, "subject_kind")?)?.into(),
        subject_id: db::text(row, 3, "subject_id")?,
        customer_id: row.get::<&str>(4).map(str::to_owned),
        assignee_id: db::text(row, 5, "assignee_id")?,
        assigned_by: db::text(row, 6, "assigned_by")?,
        opinion: db::text(row, 7, "opinion")?,
        overdue: is_overdue(status, due, now),
        due_at,
        status: status.into(),
        report: db::text(row, 10, "report")?,
        created_at: db::text(row, 11, "created_at")?,
        updated_at: db::text(row, 12, "updated_at")?,
    })
}

fn task_json(t: &Task) -> serde_json::Value {
    serde_json::json!({
        "id": t.id, "title": t.title, "subject_kind": SubjectKind::from(t.subject_kind).as_str(),
        "subject_id": t.subject_id, "customer_id": t.customer_id, "assignee_id": t.assignee_id,
        "assigned_by": t.assigned_by, "opinion": t.opinion, "due_at": t.due_at,
        "status": TaskStatus::from(t.status).as_str(), "report": t.report,
    })
}

fn find(db: &Db, id: &str) -> Result<Task, Error> {
    let found = db.query(
        &format!("SELECT {TASK_COLUMNS} FROM task WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(row) => task_from_row(row, db::now_secs()),
        None => Err(Error::NotFound(format!("no task {id}"))),
    }
}

/// A task the caller may see: their own, or any if they manage field work. Others' tasks are
/// reported as not found, so that ids cannot be probed.
fn visible(db: &Db, actor: &Actor, id: &str) -> Result<Task, Error> {
    let task = find(db, id)?;
    if task.assignee_id == actor.id() || actor.role().manages_field_work() {
        Ok(task)
    } else {
        Err(Error::NotFound(format!("no task {id}")))
    }
}

/// The customer a task's subject concerns, checking that the subject exists.
fn subject_customer(db: &Db, kind: WitSubjectKind, id: &str) -> Result<Option<String>, Error> {
    let missing = |e: Error| match e {
        Error::NotFound(what) => db::missing("subject_id", what),
        other => other,
    };
    Ok(match kind {
        WitSubjectKind::Lead => sales::find_lead(db, id).map_err(missing)?.customer_id,
        WitSubjectKind::Opportunity => {
            sales::find_opportunity(db, id)
                .map_err(missing)?
                .customer_id
        }
        WitSubjectKind::Customer => Some(customers::load(db, id).map_err(missing)?.id),
        WitSubjectKind::Complaint => Some(complaints::customer_of(db, id).map_err(missing)?),
    })
}

fn save(db: &Db, t: &Task) -> Result<(), Error> {
    db.exec(
        "UPDATE task SET opinion = ?, due_at = ?, status = ?, report = ?, updated_at = ? WHERE id = ?",
        &[
            Value::Text(t.opinion.clone()),
            Value::Text(t.due_at.clone()),
            Value::Text(TaskStatus::from(t.status).as_str().into()),
            Value::Text(t.report.clone()),
            Value::Text(t.updated_at.clone()),
            Value::Text(t.id.clone()),
        ],
    )
}

/// Stores a new open task, audited (`task.assign`).
#[allow(clippy::too_many_arguments)]
fn insert(
    db: &Db,
    actor: &Actor,
    id: &str,
    title: &str,
    kind: SubjectKind,
    subject_id: &str,
    customer_id: Option<&str>,
    assignee_id: &str,
    opinion: &str,
    due_at: &str,
) -> Result<Task, Error> {
    let now = db::now();
    db.exec(
        &format!("INSERT INTO task ({TASK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', '', ?, ?)"),
        &[
            Value::Text(id.to_owned()),
            Value::Text(title.to_owned()),
            Value::Text(kind.as_str().into()),
            Value::Text(subject_id.to_owned()),
            customer_id.map_or(Value::Null, |c| Value::Text(c.to_owned())),
            Value::Text(assignee_id.to_owned()),
            Value::Text(actor.id().to_owned()),
            Value::Text(opinion.to_owned()),
            Value::Text(due_at.to_owned()),
            Value::Text(now.clone()),
            Value::Text(now),
        ],
    )?;
    let task = find(db, id)?;
    audit::record(
        db,
        actor,
        "task.assign",
        "task",
        id,
        None,
        Some(task_json(&task)),
    )?;
    Ok(task)
}

/// A follow-up task that records sets itself, in the caller's transaction: e.g. the agent's
/// callback once a replacement has shipped. Returns its id.
#[allow(clippy::too_many_arguments)]
pub fn create_follow_up(
    db: &Db,
    actor: &Actor,
    kind: SubjectKind,
    subject_id: &str,
    customer_id: &str,
    assignee_id: &str,
    title: &str,
    due_at: &str,
) -> Result<String, Error> {
    let id = secrets::new_id("tsk")?;
    insert(
        db,
        actor,
        &id,
        title,
        kind,
        subject_id,
        Some(customer_id),
        assignee_id,
        "",
        due_at,
    )?;
    Ok(id)
}

pub fn assign_task(db: &Db, actor: &Actor, input: NewTask) -> Result<Task, Error> {
    actor.require(Role::manages_field_work, "assign tasks")?;
    let parsed = DomainNewTask::parse(TaskDraft {
        title: &input.title,
        opinion: &input.opinion,
        due_at: &input.due_at,
    })?;
    let id = secrets::new_id("tsk")?;
    db.transaction(|db| {
        customers::check_owner(db, &input.assignee_id)
            .map_err(|e| db::refield(e, |_| "assignee_id".into()))?;
        let customer_id = subject_customer(db, input.subject_kind, &input.subject_id)?;
        let task = insert(
            db,
            actor,
            &id,
            &parsed.title,
            input.subject_kind.into(),
            &input.subject_id,
            customer_id.as_deref(),
            &input.assignee_id,
            &parsed.opinion,
            &parsed.due_at,
        )?;
        Ok(task)
    })
}

pub fn get_task(db: &Db, actor: &Actor, id: &str) -> Result<Task, Error> {
    actor.require(Role::works_with_customers, "see tasks")?;
    visible(db, actor, id)
}

pub fn list_tasks(db: &Db, actor: &Actor, query: TaskQuery) -> Result<TaskPage, Error> {
    actor.require(Role::works_with_customers, "see tasks")?;
    db::check_limit("limit", query.limit, 200)?;
    let assignee = if actor.role().manages_field_work() {
        query.assignee_id
    } else {
        match query.assignee_id {
            Some(other) if other != actor.id() => {
                return Err(Error::Forbidden(format!(
                    "role {} sees only its own tasks",
                    actor.role()
                )))
            }
            _ => Some(actor.id().to_owned()),
        }
    };
    let now = db::now_secs();
    let (after_due, after_id) = db::parse_cursor(query.cursor.as_deref())?;
    let found = db.query(
        &format!(
            "SELECT {TASK_COLUMNS} FROM task
              WHERE (?1 IS NULL OR assignee_id = ?1)
                AND (?2 IS NULL OR status = ?2)
                AND (?3 = 0 OR (status IN ('open', 'redo') AND due_at < ?4))
                AND (?5 IS NULL OR (due_at, id) > (?5, ?6))
              ORDER BY due_at, id LIMIT ?7"
        ),
        &[
            assignee.map_or(Value::Null, Value::Text),
            query.status.map_or(Value::Null, |s| {
                Value::Text(TaskStatus::from(s).as_str().into())
            }),
            Value::Integer(i64::from(query.overdue_only)),
            Value::Text(rfc3339_utc(now)),
            after_due,
            after_id,
            Value::Integer(i64::from(query.limit) + 1),
        ],
    )?;
    let mut items = found
        .rows
        .iter()
        .map(|row| task_from_row(row, now))
        .collect::<Result<Vec<_>, Error>>()?;
    let next_cursor = db::next_cursor(&mut items, query.limit, |t| (&t.due_at, &t.id));
    Ok(TaskPage { items, next_cursor })
}

pub fn report_task(
    db: &Db,
    actor: &Actor,
    id: &str,
    succeeded: bool,
    report: &str,
) -> Result<Task, Error> {
    actor.require(Role::works_with_customers, "report on tasks")?;
    let report = parse_report(report)?;
    db.transaction(|db| {
        let before = visible(db, actor, id)?;
        if before.assignee_id != actor.id() {
            return Err(Error::Forbidden(format!(
                "only the assignee reports on task {id}"
            )));
        }
        if !TaskStatus::from(before.status).is_pending() {
            return Err(Error::Conflict(format!(
                "task {id} was already reported {}; a manager can send it back for redo",
                TaskStatus::from(before.status)
            )));
        }
        let mut after = before.clone();
        after.status = if succeeded {
            WitTaskStatus::Succeeded
        } else {
            WitTaskStatus::Failed
        };
        after.report = report.clone();
        after.overdue = false;
        after.updated_at = db::now();
        save(db, &after)?;
        audit::record(
            db,
            actor,
            "task.report",
            "task",
            id,
            Some(task_json(&before)),
            Some(task_json(&after)),
        )?;
        Ok(after)
    })
}

pub fn redo_task(
    db: &Db,
    actor: &Actor,
    id: &str,
    opinion: &str,
    due_at: &str,
) -> Result<Task, Error> {
    actor.require(Role::manages_field_work, "send tasks back")?;
    let redo = Redo::parse(RedoDraft { opinion, due_at })?;
    db.transaction(|db| {
        let before = find(db, id)?;
        if TaskStatus::from(before.status).is_pending() {
            return Err(Error::Conflict(format!(
                "task {id} has not been reported on yet"
            )));
        }
        let mut after = before.clone();
        after.status = WitTaskStatus::Redo;
        after.opinion = redo.opinion;
        after.due_at = redo.due_at;
        after.updated_at = db::now();
        save(db, &after)?;
        let after = find(db, id)?;
        audit::record(
            db,
            actor,
            "task.redo",
            "task",
            id,
            Some(task_json(&before)),
            Some(task_json(&after)),
        )?;
        Ok(after)
    })
}

/// A customer's most recent tasks, for the overview's timeline.
pub fn recent_of_customer(db: &Db, customer_id: &str, limit: u32) -> Result<Vec<Task>, Error> {
    let now = db::now_secs();
    let found = db.query(
        &format!(
            "SELECT {TASK_COLUMNS} FROM task WHERE customer_id = ?
              ORDER BY created_at DESC, id DESC LIMIT ?"
        ),
        &[
            Value::Text(customer_id.to_owned()),
            Value::Integer(i64::from(limit)),
        ],
    )?;
    found
        .rows
        .iter()
        .map(|row| task_from_row(row, now))
        .collect()
}
