//! Service: SLA compliance of the complaints filed in the period, and complaints by product,
//! batch, cause or category with the batches whose complaint rate stands out and how the
//! customers rated their handling (CSAT).
//!
//! A complaint belongs to the period it was filed in; its clocks are judged now (a complaint
//! filed in the period and still open is `pending` until its deadline passes).

use super::{in_list, names_of, page_of, page_start, Scope};
use crate::auth::Actor;
use crate::complaints::timer_at;
use crate::db::{self, Db};
use crate::exports::crm::records::reports::{
    ComplaintGrouping, ComplaintReport, ComplaintRow, CsatDistribution, PageRequest, ReportScope,
    SlaGrouping, SlaReport, SlaRow, TargetCompliance,
};
use crate::exports::crm::records::types::Error;
use crm_domain::complaint::Csat;
use crm_domain::report;
use crm_domain::sla::{Priority, Timer};
use crm_domain::time::{parse_instant, rfc3339_utc};
use spin_sdk::sqlite3::Value;
use std::collections::{BTreeMap, HashMap};

impl Scope {
    /// SQL selecting `columns` of the complaints `k` in scope filed in the period (the scope's
    /// customer conditions on their customer, its product on theirs). Its parameters are
    /// appended to `params`.
    fn complaints(&self, columns: &str, params: &mut Vec<Value>) -> String {
        let mut sql = format!("SELECT {columns} FROM complaint k");
        if !self.customer.is_empty() {
            sql.push_str(&self.customer_join("k.customer_id", params));
        }
        // `created_at` is the filing time as text, indexed; `filed_at` the same in seconds.
        sql.push_str(" WHERE k.created_at >= ? AND k.created_at < ?");
        params.push(Value::Text(rfc3339_utc(self.period.start)));
        params.push(Value::Text(rfc3339_utc(self.period.end)));
        if let Some(product) = &self.product_id {
            sql.push_str(" AND k.product_id = ?");
            params.push(Value::Text(product.clone()));
        }
        sql
    }
}

/// One complaint as the SLA report counts it.
struct Judged {
    filed_at: i64,
    priority: String,
    assignee: String,
    first_response: Timer,
    resolution: Timer,
    level: u32,
}

pub fn sla_compliance(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    grouping: SlaGrouping,
) -> Result<SlaReport, Error> {
    let scope = Scope::check(actor, scope)?;
    let mut params = Vec::new();
    let sql = scope.complaints(
        "k.filed_at, k.priority, COALESCE(k.assignee_id, ''),
         k.fr_target, k.fr_consumed, k.fr_running_since, k.fr_met_at, k.fr_due_at,
         k.res_target, k.res_consumed, k.res_running_since, k.res_met_at, k.res_due_at,
         k.escalation_level",
        &mut params,
    );
    let result = db.query(&sql, &params)?;
    let complaints = result
        .rows
        .iter()
        .map(|row| {
            Ok(Judged {
                filed_at: db::integer(row, 0, "filed_at")?,
                priority: db::text(row, 1, "priority")?,
                assignee: db::text(row, 2, "assignee_id")?,
                first_response: timer_at(row, 3)?,
                resolution: timer_at(row, 8)?,
                level: db::count(row, 13, "escalation_level")?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let now = db::now_secs();
    let levels = complaints.iter().map(|c| c.level).max().unwrap_or(0);

    let months = scope.period.months();
    let month_of = |at: i64| {
        months
            .iter()
            .find(|m| (m.start..m.end).contains(&at))
            .map_or_else(String::new, |m| m.label.clone())
    };
    // Groups in their report order: months ascending, priorities from urgent down, agents by id.
    let mut groups: BTreeMap<(usize, String), Vec<&Judged>> = BTreeMap::new();
    if matches!(grouping, SlaGrouping::Month) {
        for (i, m) in months.iter().enumerate() {
            groups.insert((i, m.label.clone()), Vec::new());
        }
    }
    for c in &complaints {
        let key = match grouping {
            SlaGrouping::Month => {
                let label = month_of(c.filed_at);
                let i = months.iter().position(|m| m.label == label).unwrap_or(0);
                (i, label)
            }
            SlaGrouping::Priority => {
                let rank = Priority::ALL
                    .iter()
                    .rev()
                    .position(|p| p.as_str() == c.priority)
                    .unwrap_or(usize::MAX);
                (rank, c.priority.clone())
            }
            SlaGrouping::Agent => (0, c.assignee.clone()),
        };
        groups.entry(key).or_default().push(c);
    }
    let names = if matches!(grouping, SlaGrouping::Agent) {
        let ids: Vec<&str> = groups.keys().map(|(_, k)| k.as_str()).collect();
        names_of(db, "staff", &ids)?
    } else {
        HashMap::new()
    };
    let all: Vec<&Judged> = complaints.iter().collect();
    let total = sla_row(String::new(), String::new(), &all, levels, now);
    let items = groups
        .into_iter()
        .map(|((_, key), members)| {
            let label = names.get(&key).cloned().unwrap_or_else(|| key.clone());
            sla_row(key, label, &members, levels, now)
        })
        .collect();
    Ok(SlaReport {
        period: scope.period(),
        total,
        items,
    })
}

fn sla_row(key: String, label: String, members: &[&Judged], levels: u32, now: i64) -> SlaRow {
    SlaRow {
        key,
        label,
        complaints: members.len() as u32,
        first_response: compliance(members.iter().map(|c| &c.first_response), now),
        resolution: compliance(members.iter().map(|c| &c.resolution), now),
        escalated: (1..=levels)
            .map(|level| members.iter().filter(|c| c.level >= level).count() as u32)
            .collect(),
    }
}

/// How the timers fared: met on time, breached (met late, or past due now), or pending.
fn compliance<'a>(timers: impl Iterator<Item = &'a Timer>, now: i64) -> TargetCompliance {
    let (mut met, mut pending) = (0u32, 0u32);
    let mut late = Vec::new();
    for t in timers {
        if t.breached(now) {
            late.push(t.late_seconds(now) as f64);
        } else if t.is_met() {
            met += 1;
        } else {
            pending += 1;
        }
    }
    let breached = late.len() as u32;
    let decided = met + breached;
    TargetCompliance {
        met,
        breached,
        pending,
        compliance: (decided > 0).then(|| f64::from(met) / f64::from(decided)),
        median_late_seconds: report::median(&mut late).map(|s| s.round() as i64),
        p90_late_seconds: report::percentile_nearest_rank(&mut late, 90.0)
            .map(|s| s.round() as i64),
    }
}

/// One complaint as the complaints report counts it.
struct Filed {
    product_id: String,
    batch: String,
    cause: String,
    category: String,
    filed_at: i64,
    closed_at: Option<i64>,
    /// The customer's rating, if given.
    score: Option<i64>,
}

/// A group of complaints being counted.
#[derive(Default)]
struct Group {
    complaints: u32,
    closed: u32,
    hours_to_close: Vec<f64>,
}

pub fn complaints(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    grouping: ComplaintGrouping,
    page: &PageRequest,
) -> Result<ComplaintReport, Error> {
    let scope = Scope::check(actor, scope)?;
    let start = page_start(page)?;
    let mut params = Vec::new();
    let sql = scope.complaints(
        "COALESCE(k.product_id, ''), k.batch_number, k.cause, k.category, k.filed_at,
         (SELECT MIN(e.at) FROM complaint_event e
           WHERE e.complaint_id = k.id AND e.status = 'closed'),
         (SELECT r.score FROM complaint_rating r WHERE r.complaint_id = k.id)",
        &mut params,
    );
    let result = db.query(&sql, &params)?;
    let filed = result
        .rows
        .iter()
        .map(|row| {
            let closed_at = match row.get::<&str>(5) {
                Some(at) => Some(
                    parse_instant("at", at)
                        .map_err(|e| db::internal("read a closing time", e.message))?,
                ),
                None => None,
            };
            Ok(Filed {
                product_id: db::text(row, 0, "product_id")?,
                batch: db::text(row, 1, "batch_number")?,
                cause: db::text(row, 2, "cause")?,
                category: db::text(row, 3, "category")?,
                filed_at: db::integer(row, 4, "filed_at")?,
                closed_at,
                score: row.get::<i64>(6),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;

    let mut csat = Csat::default();
    for score in filed.iter().filter_map(|f| f.score) {
        let counted = u8::try_from(score).is_ok_and(|score| csat.add(score));
        if !counted {
            return Err(db::internal(
                "read a rating",
                format!("score {score} is not 1 to 5"),
            ));
        }
    }
    let mut all = Group::default();
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut per_product: HashMap<String, u32> = HashMap::new();
    for f in &filed {
        *per_product.entry(f.product_id.clone()).or_default() += 1;
        let key = match grouping {
            ComplaintGrouping::Product => (f.product_id.clone(), String::new()),
            ComplaintGrouping::Batch => (f.product_id.clone(), f.batch.clone()),
            ComplaintGrouping::Cause => (String::new(), f.cause.clone()),
            ComplaintGrouping::Category => (String::new(), f.category.clone()),
        };
        for g in [&mut all, groups.entry(key).or_default()] {
            g.complaints += 1;
            if let Some(closed) = f.closed_at {
                g.closed += 1;
                g.hours_to_close.push((closed - f.filed_at) as f64 / 3600.0);
            }
        }
    }

    let products: Vec<&str> = per_product.keys().map(String::as_str).collect();
    let sold = if matches!(
        grouping,
        ComplaintGrouping::Product | ComplaintGrouping::Batch
    ) {
        lines_sold(db, &scope, &products)?
    } else {
        HashMap::new()
    };
    let product_lines = |product: &str| -> u32 {
        sold.iter()
            .filter(|((p, _), _)| p == product)
            .map(|(_, n)| *n)
            .sum()
    };
    let product_names = names_of(db, "product", &products)?;
    let mut rows: Vec<ComplaintRow> = groups
        .into_iter()
        .map(|((product, batch), mut g)| {
            let product_name = product_names.get(&product).cloned();
            let product_complaints = per_product.get(&product).copied().unwrap_or(0);
            let (key, label, product_id, lines, product_rate, flagged) = match grouping {
                ComplaintGrouping::Product => {
                    let lines = product_lines(&product);
                    let label = product_name.unwrap_or_else(|| product.clone());
                    (product, label, None, Some(lines), None, false)
                }
                ComplaintGrouping::Batch => {
                    let lines = sold
                        .get(&(product.clone(), batch.clone()))
                        .copied()
                        .unwrap_or(0);
                    let all_lines = product_lines(&product);
                    let flagged =
                        report::batch_flagged(g.complaints, lines, product_complaints, all_lines);
                    let label = product_name.unwrap_or_else(|| product.clone());
                    let rate = report::per_thousand(product_complaints, all_lines);
                    (batch, label, Some(product), Some(lines), rate, flagged)
                }
                ComplaintGrouping::Cause | ComplaintGrouping::Category => {
                    (batch.clone(), batch, None, None, None, false)
                }
            };
            ComplaintRow {
                key,
                label,
                product_id: product_id.filter(|p| !p.is_empty()),
                complaints: g.complaints,
                closed: g.closed,
                median_hours_to_close: report::median(&mut g.hours_to_close),
                lines_sold: lines,
                complaints_per_thousand_lines: lines
                    .and_then(|n| report::per_thousand(g.complaints, n)),
                product_complaints_per_thousand_lines: product_rate,
                flagged,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.complaints
            .cmp(&a.complaints)
            .then_with(|| a.key.cmp(&b.key))
            .then_with(|| a.product_id.cmp(&b.product_id))
    });
    let (items, next_cursor) = page_of(rows, start, page);
    Ok(ComplaintReport {
        period: scope.period(),
        complaints: all.complaints,
        closed: all.closed,
        median_hours_to_close: report::median(&mut all.hours_to_close),
        csat: CsatDistribution {
            ratings: csat.ratings(),
            per_score: csat.per_score().to_vec(),
            mean: csat.mean(),
        },
        next_cursor,
        items,
    })
}

/// Order lines ever sold per (product, batch number) of these products, to the scope's
/// customers, leaving out cancelled orders.
fn lines_sold(
    db: &Db,
    scope: &Scope,
    products: &[&str],
) -> Result<HashMap<(String, String), u32>, Error> {
    let products: Vec<&str> = products.iter().copied().filter(|p| !p.is_empty()).collect();
    if products.is_empty() {
        return Ok(HashMap::new());
    }
    let (marks, products) = in_list(&products);
    // For the whole company, the kept counts (migration 0022); for some customers, the lines of
    // their orders that are not cancelled.
    let result = if scope.customer.is_empty() {
        db.query(
            &format!(
                "SELECT product_id, batch_number, lines FROM batch_lines
                  WHERE product_id IN ({marks}) AND lines > 0"
            ),
            &products,
        )?
    } else {
        let mut params = Vec::new();
        let customers = scope.customer_join("o.customer_id", &mut params);
        params.extend(products);
        db.query(
            &format!(
                "SELECT l.product_id, l.batch_number, COUNT(*) FROM order_line l
                   JOIN customer_order o ON o.id = l.order_id{customers}
                  WHERE l.product_id IN ({marks}) AND o.status <> 'cancelled'
                  GROUP BY l.product_id, l.batch_number"
            ),
            &params,
        )?
    };
    result
        .rows
        .iter()
        .map(|row| {
            Ok((
                (
                    db::text(row, 0, "product_id")?,
                    db::text(row, 1, "batch_number")?,
                ),
                db::count(row, 2, "lines")?,
            ))
        })
        .collect()
}
