//! Sales per month of the period, by rep, region, channel partner or product, beside the same
//! month a year before, with the period's totals beside the previous period's.

use super::{names_of, page_of, page_start, Facts, Scope};
use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::reports::{
    PageRequest, ReportScope, SalesGrouping, SalesReport, SalesRow,
};
use crate::exports::crm::records::types::Error;
use crm_domain::report::Month;
use crm_domain::time::rfc3339_utc;
use spin_sdk::sqlite3::{QueryResult, Value};
use std::collections::{BTreeSet, HashMap};

/// Orders and value.
type Figures = (u32, i64);

pub fn sales(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    grouping: SalesGrouping,
    page: &PageRequest,
) -> Result<SalesReport, Error> {
    let scope = Scope::check(actor, scope)?;
    let start = page_start(page)?;
    let months = scope.period.months();
    let months_before = scope.period.previous_year().months();
    let previous = scope.period.previous();
    // The company's sales by month, in a zone whose months start on whole UTC hours: from the
    // hourly totals records keeps (migration 0015) rather than from every order.
    let hourly = matches!(grouping, SalesGrouping::None)
        && scope.customer.is_empty()
        && scope.product_id.is_none()
        && months
            .iter()
            .chain(&months_before)
            .flat_map(|m| [m.start, m.end])
            .chain([previous.start, previous.end])
            .all(|at| at % HOUR == 0);
    let (this_year, last_year) = if hourly {
        (
            hourly_by_month(db, &months)?,
            hourly_by_month(db, &months_before)?,
        )
    } else {
        (
            by_month(db, &scope, &months, grouping)?,
            by_month(db, &scope, &months_before, grouping)?,
        )
    };
    let totals = |since: i64, until: i64| -> Result<Figures, Error> {
        if hourly {
            hourly_total(db, since, until)
        } else {
            scope.totals(db, since, until)
        }
    };
    let (orders, value) = totals(scope.period.start, scope.period.end)?;
    let (previous_orders, previous_value) = totals(previous.start, previous.end)?;

    // Every (month, key) with figures in either year, the month named as in this period.
    let mut rows = Vec::new();
    for month in &months {
        let a_year_before = year_earlier(&month.label);
        let keys: BTreeSet<&String> = this_year
            .keys()
            .filter(|(m, _)| *m == month.label)
            .chain(last_year.keys().filter(|(m, _)| *m == a_year_before))
            .map(|(_, key)| key)
            .collect();
        let mut month_rows: Vec<SalesRow> = keys
            .into_iter()
            .map(|key| {
                let now = this_year.get(&(month.label.clone(), key.clone()));
                let then = last_year.get(&(a_year_before.clone(), key.clone()));
                SalesRow {
                    month: month.label.clone(),
                    key: key.clone(),
                    label: key.clone(),
                    orders: now.map_or(0, |f| f.0),
                    value: now.map_or(0, |f| f.1),
                    previous_year_orders: then.map_or(0, |f| f.0),
                    previous_year_value: then.map_or(0, |f| f.1),
                }
            })
            .collect();
        month_rows.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.key.cmp(&b.key)));
        rows.extend(month_rows);
    }
    if matches!(grouping, SalesGrouping::None) {
        // Without grouping every month is a row, sold or not, so that a chart has no holes.
        let have: BTreeSet<String> = rows.iter().map(|r| r.month.clone()).collect();
        for m in months.iter().filter(|m| !have.contains(&m.label)) {
            rows.push(SalesRow {
                month: m.label.clone(),
                key: String::new(),
                label: String::new(),
                orders: 0,
                value: 0,
                previous_year_orders: 0,
                previous_year_value: 0,
            });
        }
        rows.sort_by(|a, b| a.month.cmp(&b.month));
    }
    let (mut items, next_cursor) = page_of(rows, start, page);
    let names = group_names(db, grouping, &items)?;
    for item in &mut items {
        if let Some(name) = names.get(&item.key) {
            item.label = name.clone();
        }
    }
    Ok(SalesReport {
        period: scope.period(),
        previous_period: Scope::period_of(&previous),
        orders,
        value,
        previous_orders,
        previous_value,
        next_cursor,
        items,
    })
}

/// Seconds in an hour: the hourly totals' unit.
const HOUR: i64 = 3600;

/// `YYYY-MM-DDTHH`: the hour of an instant as `sales_hour` keys it.
fn hour_key(at: i64) -> String {
    rfc3339_utc(at)[..13].to_owned()
}

/// The months as an SQL `VALUES` list of `(label, lo, hi)`, the bounds spelt by `bound`. The
/// list is made from parsed dates (labels and instants this code formatted), so it is spelt
/// into the SQL as literals: a 50-year period has 600 months, too many for parameters.
fn month_table(months: &[Month], bound: impl Fn(i64) -> String) -> String {
    months
        .iter()
        .map(|m| format!("('{}', '{}', '{}')", m.label, bound(m.start), bound(m.end)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Company-wide orders and value per month label, from the hourly totals (every bound on a
/// whole hour).
fn hourly_by_month(db: &Db, months: &[Month]) -> Result<HashMap<(String, String), Figures>, Error> {
    if months.is_empty() {
        return Ok(HashMap::new());
    }
    let table = month_table(months, hour_key);
    let result = db.query(
        &format!(
            "WITH m(label, lo, hi) AS (VALUES {table})
             SELECT m.label, '', SUM(h.orders), SUM(h.value)
               FROM sales_hour h JOIN m ON h.hour >= m.lo AND h.hour < m.hi
              GROUP BY m.label"
        ),
        &[],
    )?;
    month_figures(&result)
}

/// Rows of `month, key, orders, value` by (month, key).
fn month_figures(result: &QueryResult) -> Result<HashMap<(String, String), Figures>, Error> {
    result
        .rows
        .iter()
        .map(|row| {
            Ok((
                (db::text(row, 0, "month")?, db::text(row, 1, "key")?),
                (db::count(row, 2, "orders")?, db::integer(row, 3, "value")?),
            ))
        })
        .collect()
}

/// Company-wide orders and value in `[since, until)`, from the hourly totals.
fn hourly_total(db: &Db, since: i64, until: i64) -> Result<Figures, Error> {
    let result = db.query(
        "SELECT COALESCE(SUM(orders), 0), COALESCE(SUM(value), 0) FROM sales_hour
          WHERE hour >= ? AND hour < ?",
        &[Value::Text(hour_key(since)), Value::Text(hour_key(until))],
    )?;
    match result.rows.first() {
        Some(row) => Ok((db::count(row, 0, "orders")?, db::integer(row, 1, "value")?)),
        None => Ok((0, 0)),
    }
}

/// The group key of a row of order facts (see `Scope::facts`).
fn key(grouping: SalesGrouping) -> &'static str {
    match grouping {
        SalesGrouping::None => "''",
        SalesGrouping::Rep => "COALESCE(c.owner_id, '')",
        SalesGrouping::Region => "c.region",
        SalesGrouping::ChannelPartner => "COALESCE(c.channel_partner, '')",
        SalesGrouping::Product => "l.product_id",
    }
}

/// Orders and value per (month label, group key) over `months`.
fn by_month(
    db: &Db,
    scope: &Scope,
    months: &[Month],
    grouping: SalesGrouping,
) -> Result<HashMap<(String, String), Figures>, Error> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(HashMap::new());
    };
    let per_line = matches!(grouping, SalesGrouping::Product);
    let mut params = Vec::new();
    let table = month_table(months, rfc3339_utc);
    let facts = scope.facts(
        Facts {
            since: first.start,
            until: last.end,
            customer: None,
            key: Some(key(grouping)),
            per_line,
        },
        &mut params,
    );
    // One fact per order, except per product, where an order may have several lines of it.
    let orders = if per_line {
        "COUNT(DISTINCT f.order_id)"
    } else {
        "COUNT(*)"
    };
    let result = db.query(
        &format!(
            "WITH m(label, lo, hi) AS (VALUES {table})
             SELECT m.label, f.k, {orders}, SUM(f.total)
               FROM ({facts}) f JOIN m ON f.placed_at >= m.lo AND f.placed_at < m.hi
              GROUP BY m.label, f.k"
        ),
        &params,
    )?;
    month_figures(&result)
}

/// `YYYY-MM` one year earlier.
fn year_earlier(label: &str) -> String {
    match label.split_once('-') {
        Some((year, month)) => match year.parse::<i32>() {
            Ok(year) => format!("{:04}-{month}", year - 1),
            Err(_) => label.to_owned(),
        },
        None => label.to_owned(),
    }
}

/// The names of the reps or products the rows are keyed by.
fn group_names(
    db: &Db,
    grouping: SalesGrouping,
    rows: &[SalesRow],
) -> Result<HashMap<String, String>, Error> {
    let table = match grouping {
        SalesGrouping::Rep => "staff",
        SalesGrouping::Product => "product",
        _ => return Ok(HashMap::new()),
    };
    let keys: BTreeSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    names_of(db, table, &keys.into_iter().collect::<Vec<_>>())
}
