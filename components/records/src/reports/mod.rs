//! Management reports (`crm:records/reports`): customers by value (`customers`), sales by month
//! (`sales`), and complaints against their SLA (`service`). Read-only. Sums are computed by SQL
//! over the stored rows (the covering indexes of migrations 0012 and 0018 keep that to index
//! scans) or read from the figures kept beside the orders (migrations 0015, 0021–0023); ranks,
//! quintiles and pages are worked out here, by the rules of crm-domain's `report` module, which
//! also scores, names and judges them. Cancelled orders count in no report (`COUNTED_ORDER`).
//! This module holds what they share: who may read what (the scope), the period's sums per
//! customer, paging and labels.

mod customers;
mod field;
mod sales;
mod service;

pub use customers::{churn_risk, customer_ranking, customer_report, customer_rfm};
pub use field::{funnel, reps};
pub use sales::sales;
pub use service::{complaints, sla_compliance};

use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::reports::{PageRequest, Period, ReportScope};
use crate::exports::crm::records::types::Error;
use crm_domain::customer::Tier;
use crm_domain::report;
use crm_domain::role::Role;
use crm_domain::time::{parse_instant, rfc3339_utc};
use spin_sdk::sqlite3::{RowResult, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The most rows one page of a report table holds: JSON pages hold at most 500 (the HTTP
/// layer's limit); a CSV export reads the whole table in pages this large. A page's ids go
/// into one `IN (…)` list, well under SQLite's 32,766 parameters.
const MAX_PAGE: u32 = 10_000;

/// The condition on the customers' owner rep.
const OWNER: &str = "c.owner_id";

/// The condition every report puts on the orders `o` it reads: cancelled orders count in no
/// report. `status` is in both covering indexes of orders (migration 0018), so the condition
/// costs no table lookup.
const COUNTED_ORDER: &str = "o.status <> 'cancelled'";

/// The points of the Pareto curve: the top 5%, 10%, …, 100% of the ranked customers.
const CURVE_POINTS: i64 = 20;

/// Seconds in a day, and in the 365-day windows the value-per-order growth compares.
const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;

/// One customer's counted orders in a report's period.
struct Sums {
    id: String,
    orders: u32,
    value: i64,
    /// The last one's time, Unix seconds.
    last: i64,
}

/// What a report covers, checked: the period, and the conditions on customers and order lines.
struct Scope {
    period: report::Period,
    /// When figures are taken: the end of the period, or now if that is sooner.
    as_of: i64,
    /// `(column, value)` conditions on the customer `c`.
    customer: Vec<(&'static str, String)>,
    product_id: Option<String>,
}

impl Scope {
    /// Checks who asks for what: the caller may read reports, and a rep only their own.
    fn check(actor: &Actor, s: &ReportScope) -> Result<Scope, Error> {
        actor.require(Role::reads_reports, "read reports")?;
        let now = db::now_secs();
        let period = report::Period::parse(
            s.first_day.as_deref(),
            s.last_day.as_deref(),
            &s.time_zone,
            now,
        )?;
        let mut owner_id = s.owner_id.clone();
        if actor.role() == Role::Rep {
            if owner_id.as_deref().is_some_and(|id| id != actor.id()) {
                return Err(Error::Forbidden(
                    "a rep sees only the figures of the customers they own".into(),
                ));
            }
            owner_id = Some(actor.id().to_owned());
        }
        if let Some(tier) = &s.tier {
            tier.parse::<Tier>()
                .map_err(|e| db::invalid("tier", e.to_string()))?;
        }
        let customer = [
            ("c.region", &s.region),
            ("c.channel_partner", &s.channel_partner),
            (OWNER, &owner_id),
            ("c.tier", &s.tier),
        ]
        .into_iter()
        .filter_map(|(column, value)| value.clone().map(|v| (column, v)))
        .collect();
        Ok(Scope {
            as_of: period.end.min(now),
            period,
            customer,
            product_id: s.product_id.clone(),
        })
    }
}

/// Which order facts a report reads (see `Scope::facts`).
struct Facts<'a> {
    /// Orders placed in `[since, until)`.
    since: i64,
    until: i64,
    /// Only this customer's orders.
    customer: Option<&'a str>,
    /// SQL over the order `o`, its customer `c` and line `l` giving each row's group key.
    key: Option<&'static str>,
    /// One row per order line (of the scope's product, if any) rather than per order.
    per_line: bool,
}

impl Scope {
    /// SQL giving the order facts `f` asks for, one row per order (or per order line) that is
    /// not cancelled, with the columns `customer_id, placed_at, total, order_id, k`: `total`
    /// counts only the scope's product's lines when there is one, `k` is the group key (NULL
    /// without one), and `order_id` is NULL unless lines are read. Its parameters are appended
    /// to `params`.
    fn facts(&self, f: Facts<'_>, params: &mut Vec<Value>) -> String {
        let lines = f.per_line || self.product_id.is_some();
        let total = match (f.per_line, self.product_id.is_some()) {
            (true, _) => "l.line_total",
            (false, true) => "SUM(l.line_total)",
            (false, false) => "o.total",
        };
        // The order id only where lines are read (from the line): reading `o.id` would cost a
        // table lookup per order that the covering indexes otherwise avoid.
        let order_id = if lines { "l.order_id" } else { "NULL" };
        let mut sql = format!(
            "SELECT o.customer_id, o.placed_at, {total} AS total, {order_id} AS order_id, {} AS k
               FROM customer_order o",
            f.key.unwrap_or("NULL")
        );
        if lines {
            sql.push_str(" JOIN order_line l ON l.order_id = o.id");
            if let Some(product) = &self.product_id {
                sql.push_str(" AND l.product_id = ?");
                params.push(Value::Text(product.clone()));
            }
        }
        if !self.customer.is_empty() || f.key.is_some_and(|k| k.contains("c.")) {
            sql.push_str(&self.customer_join("o.customer_id", params));
        }
        // Cancelled orders count in no report.
        sql.push_str(" WHERE o.placed_at >= ? AND o.placed_at < ? AND ");
        sql.push_str(COUNTED_ORDER);
        params.push(Value::Text(rfc3339_utc(f.since)));
        params.push(Value::Text(rfc3339_utc(f.until)));
        if let Some(id) = f.customer {
            sql.push_str(" AND o.customer_id = ?");
            params.push(Value::Text(id.to_owned()));
        }
        if lines && !f.per_line {
            sql.push_str(" GROUP BY o.id");
        }
        sql
    }

    /// ` JOIN customer c ON c.id = <customer_id> AND …` with the scope's conditions on the
    /// customer, their parameters appended to `params`.
    fn customer_join(&self, customer_id: &str, params: &mut Vec<Value>) -> String {
        self.customer_join_where(customer_id, params, |_| true)
    }

    /// [`Self::customer_join`], or nothing when the scope puts no condition on customers.
    fn customer_filter(&self, customer_id: &str, params: &mut Vec<Value>) -> String {
        if self.customer.is_empty() {
            return String::new();
        }
        self.customer_join(customer_id, params)
    }

    /// [`Self::customer_join`] with only the conditions on columns `keep` accepts.
    fn customer_join_where(
        &self,
        customer_id: &str,
        params: &mut Vec<Value>,
        keep: impl Fn(&str) -> bool,
    ) -> String {
        let kept: Vec<_> = self.customer.iter().filter(|(c, _)| keep(c)).collect();
        let mut sql = format!(" JOIN customer c ON c.id = {customer_id}");
        for (column, value) in kept {
            sql.push_str(&format!(" AND {column} = ?"));
            params.push(Value::Text(value.clone()));
        }
        sql
    }

    /// ` JOIN customer c …` with the scope's conditions on the customer other than its owner,
    /// or nothing when there are none: for reports that are about people (the rep who logged
    /// a contact, owns a lead) rather than about customers' owners.
    fn customer_join_except_owner(&self, customer_id: &str, params: &mut Vec<Value>) -> String {
        if self.customer.iter().all(|(column, _)| *column == OWNER) {
            return String::new();
        }
        self.customer_join_where(customer_id, params, |column| column != OWNER)
    }

    /// The customers' owner the scope is limited to (always the caller, for a rep).
    fn owner(&self) -> Option<&str> {
        self.customer
            .iter()
            .find(|(column, _)| *column == OWNER)
            .map(|(_, id)| id.as_str())
    }

    /// The scope's orders placed in `[since, until)`, of one customer if given (see `facts`).
    fn orders(
        &self,
        since: i64,
        until: i64,
        customer: Option<&str>,
        params: &mut Vec<Value>,
    ) -> String {
        let facts = Facts {
            since,
            until,
            customer,
            key: None,
            per_line: false,
        };
        self.facts(facts, params)
    }

    /// The first and last time an order (counted or not) was placed, if there is one: two
    /// lookups in the index on `placed_at`.
    fn order_span(db: &Db) -> Result<Option<(i64, i64)>, Error> {
        let found = db.query(
            "SELECT unixepoch((SELECT MIN(placed_at) FROM customer_order)),
                    unixepoch((SELECT MAX(placed_at) FROM customer_order))",
            &[],
        )?;
        Ok(found
            .rows
            .first()
            .and_then(|row| row.get::<i64>(0).zip(row.get::<i64>(1))))
    }

    /// Whether the kept per-customer figures (`customer_value`, migrations 0021 and 0022) are
    /// the scope's: no product is chosen, and no order was placed before `since` or at or after
    /// the period's end.
    fn kept_figures_apply(&self, db: &Db, since: i64) -> Result<bool, Error> {
        if self.product_id.is_some() {
            return Ok(false);
        }
        Ok(Self::order_span(db)?
            .is_none_or(|(first, last)| first >= since && last < self.period.end))
    }

    /// Every customer with counted orders in the period, with their number, value and last
    /// time: from `customer_value` when the period holds every order, else summed from the
    /// orders. Kept for the rest of the call into records (one HTTP request), so that the
    /// dashboard's ranking and RFM sum once; a change recorded since (a new audit entry) sums
    /// again.
    fn customer_sums(&self, db: &Db) -> Result<Rc<Vec<Sums>>, Error> {
        thread_local! {
            static LAST: RefCell<Option<(String, Rc<Vec<Sums>>)>> = const { RefCell::new(None) };
        }
        let version = db.query("SELECT MAX(seq) FROM audit_log", &[])?;
        let key = format!(
            "{:?} {} {} {:?} {:?}",
            version.rows.first().and_then(|r| r.get::<i64>(0)),
            self.period.start,
            self.period.end,
            self.customer,
            self.product_id,
        );
        if let Some(kept) = LAST.with_borrow(|last| {
            last.as_ref()
                .filter(|(k, _)| *k == key)
                .map(|(_, sums)| sums.clone())
        }) {
            return Ok(kept);
        }
        let mut params = Vec::new();
        let sql = if self.kept_figures_apply(db, self.period.start)? {
            let customers = self.customer_filter("v.customer_id", &mut params);
            format!(
                "SELECT v.customer_id, v.orders, v.value, unixepoch(v.last_at)
                   FROM customer_value v{customers}"
            )
        } else {
            format!(
                "SELECT customer_id, COUNT(*), SUM(total), unixepoch(MAX(placed_at))
                   FROM ({}) GROUP BY customer_id",
                self.orders(self.period.start, self.period.end, None, &mut params)
            )
        };
        let found = db.query(&sql, &params)?;
        let sums = found
            .rows
            .iter()
            .map(|row| {
                Ok(Sums {
                    id: db::text(row, 0, "customer_id")?,
                    orders: db::count(row, 1, "orders")?,
                    value: db::integer(row, 2, "value")?,
                    last: db::integer(row, 3, "last")?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let sums = Rc::new(sums);
        LAST.set(Some((key, sums.clone())));
        Ok(sums)
    }

    /// The number and value of the scope's orders placed in `[since, until)`.
    fn totals(&self, db: &Db, since: i64, until: i64) -> Result<(u32, i64), Error> {
        let mut params = Vec::new();
        let orders = self.orders(since, until, None, &mut params);
        let result = db.query(
            &format!("SELECT COUNT(*), COALESCE(SUM(total), 0) FROM ({orders})"),
            &params,
        )?;
        match result.rows.first() {
            Some(row) => Ok((db::count(row, 0, "n")?, db::integer(row, 1, "v")?)),
            None => Ok((0, 0)),
        }
    }

    fn period(&self) -> Period {
        Self::period_of(&self.period)
    }

    fn period_of(period: &report::Period) -> Period {
        Period {
            first_day: period.from.to_string(),
            last_day: period.to.to_string(),
            starts_at: rfc3339_utc(period.start),
            ends_at: rfc3339_utc(period.end),
        }
    }
}

/// Where a page starts: the cursor is the number of rows before it.
fn page_start(page: &PageRequest) -> Result<usize, Error> {
    db::check_limit("limit", page.limit, MAX_PAGE)?;
    match &page.cursor {
        None => Ok(0),
        Some(text) => text
            .parse()
            .map_err(|_| db::invalid("cursor", "is not a cursor this API returned")),
    }
}

/// The page of `rows` that starts at row `start`, and the cursor of the next page.
fn page_of<T>(
    rows: impl IntoIterator<Item = T>,
    start: usize,
    page: &PageRequest,
) -> (Vec<T>, Option<String>) {
    let mut listed = 0;
    let mut items = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        listed = i + 1;
        if i >= start && items.len() < page.limit as usize {
            items.push(row);
        }
    }
    let next = page_cursor(start, items.len(), listed);
    (items, next)
}

/// The cursor of the page after `rows` rows from `start`, if `total` holds more.
fn page_cursor(start: usize, rows: usize, total: usize) -> Option<String> {
    (start + rows < total).then(|| (start + rows).to_string())
}

/// What a report row shows about a customer besides figures.
struct Label {
    name: String,
    tier: String,
    region: String,
    owner_id: Option<String>,
}

/// `?, ?, …` for an SQL `IN (…)` of these texts, with the texts as its parameters.
fn in_list(texts: &[&str]) -> (String, Vec<Value>) {
    let marks = vec!["?"; texts.len()].join(", ");
    let params = texts.iter().map(|t| Value::Text((*t).to_owned())).collect();
    (marks, params)
}

fn labels(db: &Db, ids: &[&str]) -> Result<HashMap<String, Label>, Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (marks, params) = in_list(ids);
    let result = db.query(
        &format!("SELECT id, name, tier, region, owner_id FROM customer WHERE id IN ({marks})"),
        &params,
    )?;
    result
        .rows
        .iter()
        .map(|row| {
            Ok((
                db::text(row, 0, "id")?,
                Label {
                    name: db::text(row, 1, "name")?,
                    tier: db::text(row, 2, "tier")?,
                    region: db::text(row, 3, "region")?,
                    owner_id: row.get::<&str>(4).map(str::to_owned),
                },
            ))
        })
        .collect()
}

/// `id → name` of the rows of `table` (`staff` or `product`) with these ids; blank ids and
/// ids without a row (the bootstrap admin) are left out.
fn names_of(db: &Db, table: &str, ids: &[&str]) -> Result<HashMap<String, String>, Error> {
    let ids: Vec<&str> = ids.iter().copied().filter(|id| !id.is_empty()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (marks, params) = in_list(&ids);
    let result = db.query(
        &format!("SELECT id, name FROM {table} WHERE id IN ({marks})"),
        &params,
    )?;
    result
        .rows
        .iter()
        .map(|row| Ok((db::text(row, 0, "id")?, db::text(row, 1, "name")?)))
        .collect()
}

fn label<'a>(labels: &'a HashMap<String, Label>, id: &str) -> Result<&'a Label, Error> {
    labels
        .get(id)
        .ok_or_else(|| db::internal("label a report row", format!("customer {id} is gone")))
}

fn instant(row: &RowResult, index: usize, column: &str) -> Result<i64, Error> {
    parse_instant("placed_at", &db::text(row, index, column)?)
        .map_err(|e| db::internal("read an order time", e.message))
}

fn real(row: &RowResult, index: usize, column: &str) -> Result<f64, Error> {
    row.get::<f64>(index)
        .or_else(|| row.get::<i64>(index).map(|i| i as f64))
        .ok_or_else(|| db::internal("read a row", format!("column {column} is not a number")))
}
