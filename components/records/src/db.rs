//! The SQLite connection, migrations and transactions.
//!
//! Spin's sqlite `execute` runs exactly one statement per call, and the HTTP components hold
//! their own connections, so every multi-statement change is one records call that runs its own
//! `BEGIN IMMEDIATE … COMMIT` here.

use crate::exports::crm::records::types::{Error, FieldProblem};
use spin_sdk::sqlite3::{Connection, QueryResult, Value};

/// The schema, one file per version, applied in order. Append only: never edit or remove one.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_identity",
        include_str!("../migrations/0001_identity.sql"),
    ),
    (
        "0002_customers",
        include_str!("../migrations/0002_customers.sql"),
    ),
    ("0003_orders", include_str!("../migrations/0003_orders.sql")),
    (
        "0004_activities",
        include_str!("../migrations/0004_activities.sql"),
    ),
    (
        "0005_sales_and_tasks",
        include_str!("../migrations/0005_sales_and_tasks.sql"),
    ),
    (
        "0006_visit_checks",
        include_str!("../migrations/0006_visit_checks.sql"),
    ),
    (
        "0007_service_requests",
        include_str!("../migrations/0007_service_requests.sql"),
    ),
    (
        "0008_idempotency",
        include_str!("../migrations/0008_idempotency.sql"),
    ),
    (
        "0009_complaints",
        include_str!("../migrations/0009_complaints.sql"),
    ),
    (
        "0010_webhooks",
        include_str!("../migrations/0010_webhooks.sql"),
    ),
    (
        "0011_open_complaints",
        include_str!("../migrations/0011_open_complaints.sql"),
    ),
    (
        "0012_reports",
        include_str!("../migrations/0012_reports.sql"),
    ),
    (
        "0013_batch_rates",
        include_str!("../migrations/0013_batch_rates.sql"),
    ),
    ("0014_funnel", include_str!("../migrations/0014_funnel.sql")),
    (
        "0015_sales_hour",
        include_str!("../migrations/0015_sales_hour.sql"),
    ),
    (
        "0016_service_work",
        include_str!("../migrations/0016_service_work.sql"),
    ),
    (
        "0017_accounts",
        include_str!("../migrations/0017_accounts.sql"),
    ),
    (
        "0018_order_status",
        include_str!("../migrations/0018_order_status.sql"),
    ),
    (
        "0019_complaint_ratings",
        include_str!("../migrations/0019_complaint_ratings.sql"),
    ),
    (
        "0020_open_complaints_by_assignee",
        include_str!("../migrations/0020_open_complaints_by_assignee.sql"),
    ),
    (
        "0021_customer_value",
        include_str!("../migrations/0021_customer_value.sql"),
    ),
    (
        "0022_customer_rhythm",
        include_str!("../migrations/0022_customer_rhythm.sql"),
    ),
    (
        "0023_kept_figures_by_triggers",
        include_str!("../migrations/0023_kept_figures_by_triggers.sql"),
    ),
    (
        "0024_sender_attempts",
        include_str!("../migrations/0024_sender_attempts.sql"),
    ),
    (
        "0025_complaint_photos",
        include_str!("../migrations/0025_complaint_photos.sql"),
    ),
    (
        "0026_customer_gaps",
        include_str!("../migrations/0026_customer_gaps.sql"),
    ),
    (
        "0027_band_moves_only",
        include_str!("../migrations/0027_band_moves_only.sql"),
    ),
    (
        "0028_period_index_with_id",
        include_str!("../migrations/0028_period_index_with_id.sql"),
    ),
    (
        "0029_one_index_of_orders_by_time",
        include_str!("../migrations/0029_one_index_of_orders_by_time.sql"),
    ),
];

/// An open connection with the schema brought up to date.
pub struct Db {
    conn: Connection,
    schema_version: u32,
    /// How many `transaction` calls are running: an inner one is a savepoint of the outer.
    depth: std::cell::Cell<u32>,
}

impl Db {
    /// Opens the `default` database and applies pending migrations.
    pub fn open() -> Result<Self, Error> {
        let conn = Connection::open_default().map_err(|e| internal("open the database", e))?;
        let mut db = Self {
            conn,
            schema_version: 0,
            depth: std::cell::Cell::new(0),
        };
        db.schema_version = db.migrate()?;
        Ok(db)
    }

    /// The schema version after `open` applied what was pending.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    fn read_schema_version(&self) -> Result<u32, Error> {
        let result = self.query("PRAGMA user_version", &[])?;
        Ok(result
            .rows
            .first()
            .and_then(|row| row.get::<u32>(0))
            .unwrap_or(0))
    }

    /// Brings the schema up to date and returns its version. Cheap when it already is (one
    /// pragma read). When it is behind, the version is read again under `BEGIN IMMEDIATE`, so
    /// two instances racing on a fresh database apply each migration exactly once. A database
    /// already newer than this build (a newer deployment migrated it) is left as it is.
    ///
    /// Migrations run with foreign keys off, as SQLite's procedure for changing a table's
    /// constraints requires (a table is rebuilt by copying it, dropping it and renaming the
    /// copy; the drop would otherwise delete the rows that others refer to). Before committing,
    /// `PRAGMA foreign_key_check` must find nothing, and foreign keys are on again afterwards.
    /// The pragma is a no-op inside a transaction, so it is set around it.
    fn migrate(&self) -> Result<u32, Error> {
        let target = MIGRATIONS.len() as u32;
        let found = self.read_schema_version()?;
        if found >= target {
            return Ok(found);
        }
        self.exec("PRAGMA foreign_keys = OFF", &[])?;
        let migrated = self.apply_migrations(target);
        let restored = self.exec("PRAGMA foreign_keys = ON", &[]);
        let version = migrated?;
        restored?;
        Ok(version)
    }

    fn apply_migrations(&self, target: u32) -> Result<u32, Error> {
        self.transaction(|db| {
            let current = db.read_schema_version()?;
            if current >= target {
                return Ok(current); // Another instance migrated while we waited for the lock.
            }
            for (name, sql) in MIGRATIONS.iter().skip(current as usize) {
                for statement in split_statements(sql) {
                    db.conn
                        .execute(&statement, &[])
                        .map_err(|e| internal(&format!("apply migration {name}"), e))?;
                }
            }
            let broken = db.query("PRAGMA foreign_key_check", &[])?;
            if let Some(row) = broken.rows.first() {
                return Err(internal(
                    "migrate the schema",
                    format!(
                        "a row of {} refers to a missing row",
                        row.get::<&str>(0).unwrap_or("a table")
                    ),
                ));
            }
            // PRAGMA takes no parameters; the value is a constant of this build.
            db.exec(&format!("PRAGMA user_version = {target}"), &[])?;
            Ok(target)
        })
    }

    /// Runs `work` in a write transaction: committed if it returns `Ok`, rolled back otherwise.
    /// Called inside another transaction, it is a savepoint of it: its changes are undone if it
    /// fails and committed only with the outer one (e.g. a create and its idempotency record).
    pub fn transaction<T>(&self, work: impl FnOnce(&Db) -> Result<T, Error>) -> Result<T, Error> {
        self.run_transaction(false, work)
    }

    /// Runs `work` in a write transaction that is rolled back even when it succeeds if
    /// `dry_run` is set: a preview that runs exactly the code of the real change.
    pub fn transaction_or_dry_run<T>(
        &self,
        dry_run: bool,
        work: impl FnOnce(&Db) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.run_transaction(dry_run, work)
    }

    fn run_transaction<T>(
        &self,
        always_roll_back: bool,
        work: impl FnOnce(&Db) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let nested = self.depth.get() > 0;
        let (begin, commit, roll_back) = if nested {
            ("SAVEPOINT nested", "RELEASE nested", "ROLLBACK TO nested")
        } else {
            ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
        };
        self.exec(begin, &[])?;
        self.depth.set(self.depth.get() + 1);
        let outcome = work(self);
        self.depth.set(self.depth.get() - 1);
        match outcome {
            Ok(value) if !always_roll_back => {
                self.exec(commit, &[])?;
                Ok(value)
            }
            outcome => {
                // The rollback's own failure is secondary: the caller needs the first outcome.
                if let Err(rollback) = self.conn.execute(roll_back, &[]) {
                    eprintln!("records: rollback failed: {rollback}");
                }
                if nested {
                    // ROLLBACK TO keeps the savepoint open; release it (now empty).
                    let _ = self.conn.execute(commit, &[]);
                }
                outcome
            }
        }
    }

    pub fn query(&self, sql: &str, params: &[Value]) -> Result<QueryResult, Error> {
        self.conn
            .execute(sql, params)
            .map_err(|e| internal(first_words(sql), e))
    }

    pub fn exec(&self, sql: &str, params: &[Value]) -> Result<(), Error> {
        self.query(sql, params).map(drop)
    }
}

/// Splits a migration file into statements: a statement ends with `;` at the end of a line.
/// Lines that are only `--` comments are dropped.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        if line.trim_start().starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            statements.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        statements.push(current);
    }
    statements
}

/// Logs the cause of a store failure and returns the generic error the caller sees.
pub fn internal(what: &str, cause: impl std::fmt::Display) -> Error {
    eprintln!("records: {what}: {cause}");
    Error::Internal(format!("the store failed to {what}"))
}

/// The verb of a SQL statement, to name the failing step in the log without logging data.
fn first_words(sql: &str) -> &str {
    let sql = sql.trim_start();
    let end = sql
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .nth(1)
        .map_or(sql.len(), |(i, _)| i);
    &sql[..end]
}

/// Checks a page size given in the input field `field`: 1 up to `max`.
pub fn check_limit(field: &str, limit: u32, max: u32) -> Result<(), Error> {
    if (1..=max).contains(&limit) {
        Ok(())
    } else {
        Err(invalid(field, format!("must be between 1 and {max}")))
    }
}

/// Splits a page cursor into the sort key and id it continues after; `(NULL, NULL)` for the
/// first page. Cursors are `<sort key>|<id>`, made by [`next_cursor`].
pub fn parse_cursor(cursor: Option<&str>) -> Result<(Value, Value), Error> {
    match cursor {
        None => Ok((Value::Null, Value::Null)),
        Some(cursor) => {
            let (key, id) = cursor
                .split_once('|')
                .ok_or_else(|| invalid("cursor", "is not a cursor this API returned"))?;
            Ok((Value::Text(key.into()), Value::Text(id.into())))
        }
    }
}

/// Trims a page read with `limit + 1` rows to `limit` and returns the cursor of the next page,
/// or `None` on the last page. `key` gives an item's sort key and id.
pub fn next_cursor<T>(
    items: &mut Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> (&String, &String),
) -> Option<String> {
    if items.len() <= limit as usize {
        return None;
    }
    items.truncate(limit as usize);
    items.last().map(|item| {
        let (sort_key, id) = key(item);
        format!("{sort_key}|{id}")
    })
}

/// An input field names an object that does not exist (HTTP 409, naming the field).
pub fn missing(field: &str, message: impl Into<String>) -> Error {
    Error::Missing(FieldProblem {
        field: field.into(),
        message: message.into(),
    })
}

/// The same error naming another field (`invalid` and `missing` carry one), e.g. an owner
/// check's `owner_id` reported as `assignee_id`, or a batch item's field as `items[2].…`.
pub fn refield(error: Error, field: impl FnOnce(&str) -> String) -> Error {
    match error {
        Error::Invalid(p) => invalid(&field(&p.field), p.message),
        Error::Missing(p) => missing(&field(&p.field), p.message),
        other => other,
    }
}

pub fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::Invalid(FieldProblem {
        field: field.into(),
        message: message.into(),
    })
}

impl From<crm_domain::FieldError> for Error {
    fn from(e: crm_domain::FieldError) -> Self {
        invalid(e.field, e.message)
    }
}

impl From<crm_domain::InputError> for Error {
    fn from(e: crm_domain::InputError) -> Self {
        invalid(&e.field, e.message)
    }
}

/// Text of a column, or an internal error naming it if the row does not have it.
pub fn text(
    row: &spin_sdk::sqlite3::RowResult,
    index: usize,
    column: &str,
) -> Result<String, Error> {
    row.get::<&str>(index)
        .map(str::to_owned)
        .ok_or_else(|| internal("read a row", format!("column {column} is not text")))
}

/// An integer column, or an internal error naming it if it is NULL or not an integer: a
/// version, an amount or a count that silently read as 0 would be worse than a failure.
pub fn integer(
    row: &spin_sdk::sqlite3::RowResult,
    index: usize,
    column: &str,
) -> Result<i64, Error> {
    row.get::<i64>(index)
        .ok_or_else(|| internal("read a row", format!("column {column} is not an integer")))
}

/// A non-negative integer column that fits `u32` (versions, counts, quantities).
pub fn count(row: &spin_sdk::sqlite3::RowResult, index: usize, column: &str) -> Result<u32, Error> {
    u32::try_from(integer(row, index, column)?)
        .map_err(|_| internal("read a row", format!("column {column} is out of range")))
}

/// A 0/1 column as a bool.
pub fn flag(row: &spin_sdk::sqlite3::RowResult, index: usize, column: &str) -> Result<bool, Error> {
    match integer(row, index, column)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(internal(
            "read a row",
            format!("column {column} is not 0 or 1"),
        )),
    }
}

/// Now, in seconds since the Unix epoch, from the guest's wall clock.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Now, as stored: RFC 3339 UTC.
pub fn now() -> String {
    crm_domain::time::rfc3339_utc(now_secs())
}
