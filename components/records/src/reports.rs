//! Management reports over customers and their orders: the ranking by contribution, RFM scores,
//! churn risk and one customer's figures. Read-only. Sums, ranks and medians are computed by SQL
//! over the stored orders (the covering indexes of migration 0012 keep that to index scans);
//! the rules that score, name and judge them are crm-domain's `report` module.

use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::reports::{
    ChurnCustomer, ChurnReport, CustomerFigures, PageRequest, Period, RankedCustomer, Ranking,
    ReportScope, RfmCustomer, RfmReport, RfmSegment,
};
use crate::exports::crm::records::types::Error;
use crm_domain::customer::Tier;
use crm_domain::report::{self, Segment};
use crm_domain::role::Role;
use crm_domain::time::{parse_instant, rfc3339_utc};
use spin_sdk::sqlite3::{RowResult, Value};
use std::collections::HashMap;

/// The most rows one page of a report table holds: JSON pages hold at most 500 (the HTTP
/// layer's limit); a CSV export reads the whole table in pages this large.
const MAX_PAGE: u32 = 100_000;

/// Seconds in a day, and in the 365-day windows the value-per-order growth compares.
const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;

/// What a report covers, checked: the period, and the conditions on customers and order lines.
struct Scope {
    period: report::Period,
    /// When figures are taken: the end of the period, or now if that is sooner.
    as_of: i64,
    /// `(column, value)` conditions on the customer `c`.
    customer: Vec<(&'static str, String)>,
    product_id: Option<String>,
}

fn scope(actor: &Actor, s: &ReportScope) -> Result<Scope, Error> {
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
        ("c.owner_id", &owner_id),
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

impl Scope {
    /// SQL giving one row per order in scope placed in `[since, until)` (and of `customer`, if
    /// given): `customer_id, placed_at, total`, where `total` counts only the scope's product's
    /// lines when there is one. Its parameters are appended to `params`.
    fn orders(
        &self,
        since: i64,
        until: i64,
        customer: Option<&str>,
        params: &mut Vec<Value>,
    ) -> String {
        let mut sql = match &self.product_id {
            None => {
                String::from("SELECT o.customer_id, o.placed_at, o.total FROM customer_order o")
            }
            Some(product) => {
                params.push(Value::Text(product.clone()));
                String::from(
                    "SELECT o.customer_id, o.placed_at, SUM(l.line_total) AS total
                       FROM order_line l JOIN customer_order o ON o.id = l.order_id
                        AND l.product_id = ?",
                )
            }
        };
        if !self.customer.is_empty() {
            sql.push_str(" JOIN customer c ON c.id = o.customer_id");
            for (column, value) in &self.customer {
                sql.push_str(&format!(" AND {column} = ?"));
                params.push(Value::Text(value.clone()));
            }
        }
        sql.push_str(" WHERE o.placed_at >= ? AND o.placed_at < ?");
        params.push(Value::Text(rfc3339_utc(since)));
        params.push(Value::Text(rfc3339_utc(until)));
        if let Some(id) = customer {
            sql.push_str(" AND o.customer_id = ?");
            params.push(Value::Text(id.to_owned()));
        }
        if self.product_id.is_some() {
            sql.push_str(" GROUP BY o.id");
        }
        sql
    }

    /// SQL giving one row per customer with orders in the period: `id, n, v, last` (order
    /// count, value, last order time).
    fn sums(&self, params: &mut Vec<Value>) -> String {
        format!(
            "SELECT customer_id AS id, COUNT(*) AS n, SUM(total) AS v, MAX(placed_at) AS last
               FROM ({}) GROUP BY customer_id",
            self.orders(self.period.start, self.period.end, None, params)
        )
    }

    fn period(&self) -> Period {
        Period {
            first_day: self.period.from.to_string(),
            last_day: self.period.to.to_string(),
            starts_at: rfc3339_utc(self.period.start),
            ends_at: rfc3339_utc(self.period.end),
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

fn labels(db: &Db, ids: &[&str]) -> Result<HashMap<String, Label>, Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let params: Vec<Value> = ids.iter().map(|id| Value::Text((*id).to_owned())).collect();
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

pub fn customer_ranking(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    page: &PageRequest,
) -> Result<Ranking, Error> {
    let scope = self::scope(actor, scope)?;
    let start = page_start(page)?;
    let mut params = Vec::new();
    let sums = scope.sums(&mut params);
    params.push(Value::Integer(start as i64));
    params.push(Value::Integer(i64::from(page.limit)));
    // `t` always yields one row, so the totals come back even for a page past the end.
    let result = db.query(
        &format!(
            "WITH s AS MATERIALIZED ({sums}),
                  r AS MATERIALIZED (
                      SELECT id, n, v, ROW_NUMBER() OVER (ORDER BY v DESC, id) AS pos,
                             SUM(v) OVER (ORDER BY v DESC, id ROWS UNBOUNDED PRECEDING) AS cum
                        FROM s),
                  t AS (SELECT COALESCE(SUM(v), 0) AS total, COUNT(*) AS cnt FROM s)
             SELECT t.total, t.cnt,
                    (SELECT COUNT(*) FROM r WHERE (r.cum - r.v) * 5 < t.total * 4),
                    p.pos, p.id, p.n, p.v, p.cum
               FROM t LEFT JOIN (SELECT * FROM r WHERE pos > ? ORDER BY pos LIMIT ?) p
              ORDER BY p.pos"
        ),
        &params,
    )?;
    let rows = &result.rows;
    let first = rows
        .first()
        .ok_or_else(|| db::internal("rank customers", "no totals row"))?;
    let total_sales = db::integer(first, 0, "total")?;
    let customer_count = db::count(first, 1, "cnt")?;
    let for_80 = db::count(first, 2, "k80")?;
    let ranked: Vec<&RowResult> = rows.iter().filter(|r| r.get::<i64>(3).is_some()).collect();
    let ids: Vec<&str> = ranked
        .iter()
        .map(|r| r.get::<&str>(4).unwrap_or_default())
        .collect();
    let labels = labels(db, &ids)?;
    let items = ranked
        .iter()
        .map(|row| {
            let id = db::text(row, 4, "id")?;
            let l = label(&labels, &id)?;
            let contribution = db::integer(row, 6, "v")?;
            Ok(RankedCustomer {
                rank: db::count(row, 3, "pos")?,
                name: l.name.clone(),
                tier: l.tier.clone(),
                region: l.region.clone(),
                owner_id: l.owner_id.clone(),
                order_count: db::count(row, 5, "n")?,
                contribution,
                share: report::share(contribution, total_sales),
                cumulative_share: report::share(db::integer(row, 7, "cum")?, total_sales),
                customer_id: id,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Ranking {
        period: scope.period(),
        total_sales,
        customer_count,
        pareto_customers: for_80,
        next_cursor: page_cursor(start, items.len(), customer_count as usize),
        items,
    })
}

pub fn customer_rfm(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    segment: Option<&str>,
    page: &PageRequest,
) -> Result<RfmReport, Error> {
    let scope = self::scope(actor, scope)?;
    let start = page_start(page)?;
    let only: Option<Segment> = segment
        .map(|s| {
            s.parse()
                .map_err(|e: crm_domain::names::UnknownName| db::invalid("segment", e.to_string()))
        })
        .transpose()?;
    let mut params = Vec::new();
    let sums = scope.sums(&mut params);
    // RANK() gives tied values the lowest rank of the tie, so ties share a score.
    let result = db.query(
        &format!(
            "WITH s AS ({sums})
             SELECT id, n, v, last,
                    RANK() OVER (ORDER BY last), RANK() OVER (ORDER BY n),
                    RANK() OVER (ORDER BY v), COUNT(*) OVER ()
               FROM s ORDER BY v DESC, id"
        ),
        &params,
    )?;
    let mut sizes: Vec<RfmSegment> = Segment::ALL
        .iter()
        .map(|s| RfmSegment {
            segment: s.as_str().into(),
            description: s.description().into(),
            customers: 0,
            monetary: 0,
        })
        .collect();
    let mut scored = Vec::new();
    for row in &result.rows {
        let n = db::count(row, 7, "count")?;
        let score = |i, c| db::count(row, i, c).map(|rank| report::quintile_score(rank, n));
        let (r, f, m) = (score(4, "r")?, score(5, "f")?, score(6, "m")?);
        let segment = report::segment(r, f, m);
        let monetary = db::integer(row, 2, "v")?;
        let size = &mut sizes[Segment::ALL.iter().position(|s| *s == segment).unwrap_or(0)];
        size.customers += 1;
        size.monetary += monetary;
        if only.is_none_or(|o| o == segment) {
            let last = instant(row, 3, "last")?;
            scored.push(RfmCustomer {
                customer_id: db::text(row, 0, "id")?,
                name: String::new(),
                last_order_at: rfc3339_utc(last),
                recency_days: ((scope.as_of - last).max(0) / DAY) as u32,
                frequency: db::count(row, 1, "n")?,
                monetary,
                r,
                f,
                m,
                segment: segment.as_str().into(),
            });
        }
    }
    let customer_count = sizes.iter().map(|s| s.customers).sum();
    let listed = scored.len();
    let mut items: Vec<RfmCustomer> = scored
        .into_iter()
        .skip(start)
        .take(page.limit as usize)
        .collect();
    let ids: Vec<&str> = items.iter().map(|i| i.customer_id.as_str()).collect();
    let labels = labels(db, &ids)?;
    for item in &mut items {
        item.name = label(&labels, &item.customer_id)?.name.clone();
    }
    Ok(RfmReport {
        period: scope.period(),
        customer_count,
        segments: sizes,
        next_cursor: page_cursor(start, items.len(), listed),
        items,
    })
}

/// One customer's order history as the churn rule sees it.
struct Rhythm {
    id: String,
    orders: u32,
    value: i64,
    last: i64,
    cycle_days: f64,
}

pub fn churn_risk(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    page: &PageRequest,
) -> Result<ChurnReport, Error> {
    let scope = self::scope(actor, scope)?;
    let start = page_start(page)?;
    let mut params = Vec::new();
    let orders = scope.orders(0, scope.period.end, None, &mut params);
    // The purchase cycle is the median gap between consecutive orders: the middle gap, or the
    // mean of the two middle ones (crm-domain's `report::median`, computed where the rows are).
    let result = db.query(
        &format!(
            "WITH o AS (
                 SELECT customer_id AS id, placed_at, total,
                        julianday(placed_at) - julianday(LAG(placed_at)
                            OVER (PARTITION BY customer_id ORDER BY placed_at)) AS gap
                   FROM ({orders})),
             q AS (
                 SELECT id, gap, ROW_NUMBER() OVER (PARTITION BY id ORDER BY gap) AS k,
                        COUNT(*) OVER (PARTITION BY id) AS m
                   FROM o WHERE gap IS NOT NULL),
             cycle AS (SELECT id, AVG(gap) AS days FROM q
                        WHERE k IN ((m + 1) / 2, (m + 2) / 2) GROUP BY id)
             SELECT o.id, COUNT(*), SUM(o.total), MAX(o.placed_at), cycle.days
               FROM o JOIN cycle ON cycle.id = o.id
              GROUP BY o.id"
        ),
        &params,
    )?;
    let mut at_risk = Vec::new();
    for row in &result.rows {
        let rhythm = Rhythm {
            id: db::text(row, 0, "id")?,
            orders: db::count(row, 1, "n")?,
            value: db::integer(row, 2, "v")?,
            last: instant(row, 3, "last")?,
            cycle_days: real(row, 4, "cycle")?,
        };
        let since = report::days_between(rhythm.last, scope.as_of);
        if report::is_churn_risk(since, rhythm.cycle_days) {
            let mean = rhythm.value as f64 / f64::from(rhythm.orders.max(1));
            let stake = report::value_at_stake(mean, rhythm.cycle_days);
            at_risk.push((stake, since, rhythm));
        }
    }
    at_risk.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.id.cmp(&b.2.id)));
    let customer_count = at_risk.len() as u32;
    let value_at_stake = at_risk.iter().map(|(stake, ..)| stake).sum();
    let page_rows: Vec<_> = at_risk
        .into_iter()
        .skip(start)
        .take(page.limit as usize)
        .collect();
    let ids: Vec<&str> = page_rows.iter().map(|(.., r)| r.id.as_str()).collect();
    let labels = labels(db, &ids)?;
    let items = page_rows
        .iter()
        .map(|(stake, since, r)| {
            let l = label(&labels, &r.id)?;
            Ok(ChurnCustomer {
                customer_id: r.id.clone(),
                name: l.name.clone(),
                tier: l.tier.clone(),
                owner_id: l.owner_id.clone(),
                order_count: r.orders,
                last_order_at: rfc3339_utc(r.last),
                days_since_last_order: *since,
                purchase_cycle_days: r.cycle_days,
                overdue_ratio: report::overdue_ratio(*since, r.cycle_days).unwrap_or(0.0),
                value_at_stake: *stake,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(ChurnReport {
        period: scope.period(),
        customer_count,
        value_at_stake,
        next_cursor: page_cursor(start, items.len(), customer_count as usize),
        items,
    })
}

pub fn customer_report(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    id: &str,
) -> Result<CustomerFigures, Error> {
    let scope = self::scope(actor, scope)?;
    let labels = labels(db, &[id])?;
    let l = labels
        .get(id)
        .ok_or_else(|| Error::NotFound("customer".into()))?;
    if actor.role() == Role::Rep && l.owner_id.as_deref() != Some(actor.id()) {
        return Err(Error::Forbidden(
            "a rep sees only the figures of the customers they own".into(),
        ));
    }
    let mut params = Vec::new();
    let orders = scope.orders(0, scope.period.end, Some(id), &mut params);
    let result = db.query(&format!("{orders} ORDER BY o.placed_at"), &params)?;
    let history = result
        .rows
        .iter()
        .map(|row| Ok((instant(row, 1, "placed_at")?, db::integer(row, 2, "total")?)))
        .collect::<Result<Vec<(i64, i64)>, Error>>()?;

    let mut params = Vec::new();
    let in_scope = scope.orders(scope.period.start, scope.period.end, None, &mut params);
    let result = db.query(
        &format!("SELECT COALESCE(SUM(total), 0) FROM ({in_scope})"),
        &params,
    )?;
    let scope_sales = match result.rows.first() {
        Some(row) => db::integer(row, 0, "total")?,
        None => 0,
    };

    let sum = |from: i64, to: i64| {
        history
            .iter()
            .filter(|(at, _)| (from..to).contains(at))
            .fold((0u32, 0i64), |(n, v), (_, total)| (n + 1, v + total))
    };
    let (period_orders, period_value) = sum(scope.period.start, scope.period.end);
    let (recent_n, recent_v) = sum(scope.as_of - YEAR, scope.as_of);
    let (earlier_n, earlier_v) = sum(scope.as_of - 2 * YEAR, scope.as_of - YEAR);
    let mut gaps: Vec<f64> = history
        .windows(2)
        .map(|w| report::days_between(w[0].0, w[1].0))
        .collect();
    let cycle = report::median(&mut gaps);
    let first = history.first().map(|(at, _)| *at);
    let last = history.last().map(|(at, _)| *at);
    let overdue = last.zip(cycle).and_then(|(last, cycle)| {
        report::overdue_ratio(report::days_between(last, scope.as_of), cycle)
    });
    Ok(CustomerFigures {
        period: scope.period(),
        customer_id: id.to_owned(),
        name: l.name.clone(),
        tier: l.tier.clone(),
        region: l.region.clone(),
        owner_id: l.owner_id.clone(),
        first_order_at: first.map(rfc3339_utc),
        last_order_at: last.map(rfc3339_utc),
        lifetime_orders: history.len() as u32,
        lifetime_value: history.iter().map(|(_, total)| total).sum(),
        period_orders,
        period_value,
        share: report::share(period_value, scope_sales),
        orders_per_month: first
            .map(|first| report::orders_per_30_days(history.len() as u32, first, scope.as_of)),
        purchase_cycle_days: cycle,
        value_per_order_growth_percent: report::growth_percent(
            recent_v, recent_n, earlier_v, earlier_n,
        ),
        overdue_ratio: overdue,
        churn_risk: last.zip(cycle).is_some_and(|(last, cycle)| {
            report::is_churn_risk(report::days_between(last, scope.as_of), cycle)
        }),
    })
}
