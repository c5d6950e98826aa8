//! Customers by value: the ranking by contribution with its Pareto curve, RFM scores and
//! segments, churn risk, and one customer's figures.

use super::{
    instant, label, labels, page_cursor, page_of, page_start, real, Scope, CURVE_POINTS, DAY, YEAR,
};
use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::reports::{
    ChurnCustomer, ChurnReport, CustomerFigures, PageRequest, RankedCustomer, Ranking, ReportScope,
    RfmCustomer, RfmReport, RfmSegment,
};
use crate::exports::crm::records::types::Error;
use crm_domain::report::{self, Segment};
use crm_domain::role::Role;
use crm_domain::time::rfc3339_utc;
use spin_sdk::sqlite3::Value;
use std::collections::HashMap;

pub fn customer_ranking(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    page: &PageRequest,
) -> Result<Ranking, Error> {
    let scope = Scope::check(actor, scope)?;
    let start = page_start(page)?;
    let mut params = Vec::new();
    let sums = scope.sums(&mut params);
    let end = start as i64 + i64::from(page.limit);
    params.push(Value::Integer(start as i64));
    params.push(Value::Integer(end));
    // `t` always yields one row, so the totals come back even for a page past the end. Besides
    // the page, the rows at the Pareto curve's points come back (the top ⌈k·n/20⌉, k = 1…20).
    let result = db.query(
        &format!(
            "WITH s AS MATERIALIZED ({sums}),
                  r AS MATERIALIZED (
                      SELECT id, n, v, ROW_NUMBER() OVER (ORDER BY v DESC, id) AS pos,
                             SUM(v) OVER (ORDER BY v DESC, id ROWS UNBOUNDED PRECEDING) AS cum
                        FROM s),
                  t AS (SELECT COALESCE(SUM(v), 0) AS total, COUNT(*) AS cnt FROM s),
                  p80 AS (SELECT COUNT(*) AS k80 FROM r, t WHERE (r.cum - r.v) * 5 < t.total * 4),
                  k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < {CURVE_POINTS})
             SELECT t.total, t.cnt, p80.k80, p.pos, p.id, p.n, p.v, p.cum
               FROM t CROSS JOIN p80 LEFT JOIN (
                    SELECT * FROM r
                     WHERE (pos > ? AND pos <= ?)
                        OR pos IN (SELECT (t.cnt * k + {CURVE_POINTS} - 1) / {CURVE_POINTS} FROM t, k)) p
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
    let mut cumulative = HashMap::new();
    let mut ranked = Vec::new();
    for row in rows.iter().filter(|r| r.get::<i64>(3).is_some()) {
        let pos = db::integer(row, 3, "pos")?;
        cumulative.insert(pos, db::integer(row, 7, "cum")?);
        if pos > start as i64 && pos <= end {
            ranked.push(row);
        }
    }
    let n = i64::from(customer_count);
    let pareto_curve = if n == 0 {
        Vec::new()
    } else {
        (1..=CURVE_POINTS)
            .map(|k| {
                let pos = (n * k + CURVE_POINTS - 1) / CURVE_POINTS;
                let cum = cumulative.get(&pos).copied().ok_or_else(|| {
                    db::internal("draw the Pareto curve", format!("no row at {pos}"))
                })?;
                Ok(report::share(cum, total_sales))
            })
            .collect::<Result<Vec<_>, Error>>()?
    };
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
        pareto_curve,
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
    let scope = Scope::check(actor, scope)?;
    let start = page_start(page)?;
    let only: Option<Segment> = segment
        .map(|s| {
            s.parse()
                .map_err(|e: crm_domain::names::UnknownName| db::invalid("segment", e.to_string()))
        })
        .transpose()?;
    let mut params = Vec::new();
    let sums = scope.sums(&mut params);
    // The database scores every customer (RANK() gives tied values the lowest rank of their
    // tie, so ties share a score) and returns the count per score triple, and the page.
    let score = |order: &str| {
        report::quintile_score_sql(
            &format!("RANK() OVER (ORDER BY {order})"),
            "COUNT(*) OVER ()",
        )
    };
    let (r, f, m) = (score("last"), score("n"), score("v"));
    let wanted: Vec<String> = report::scores_of(only)
        .into_iter()
        .map(|(r, f, m)| (u32::from(r) * 100 + u32::from(f) * 10 + u32::from(m)).to_string())
        .collect();
    let wanted = wanted.join(", ");
    params.push(Value::Integer(i64::from(page.limit)));
    params.push(Value::Integer(start as i64));
    let result = db.query(
        &format!(
            "WITH s AS ({sums}),
                  q AS MATERIALIZED (SELECT id, n, v, last, {r} AS r, {f} AS f, {m} AS m FROM s)
             SELECT 0, r, f, m, COUNT(*), SUM(v), NULL, NULL FROM q GROUP BY r, f, m
             UNION ALL
             SELECT * FROM (
                 SELECT 1, r, f, m, n, v, id, last FROM q
                  WHERE r * 100 + f * 10 + m IN ({wanted})
                  ORDER BY v DESC, id LIMIT ? OFFSET ?)"
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
    let mut listed = 0usize;
    let mut items = Vec::new();
    for row in &result.rows {
        let small = |i: usize, c: &str| -> Result<u8, Error> {
            u8::try_from(db::count(row, i, c)?)
                .map_err(|_| db::internal("read a score", format!("{c} out of range")))
        };
        let (r, f, m) = (small(1, "r")?, small(2, "f")?, small(3, "m")?);
        let segment = report::segment(r, f, m);
        if db::integer(row, 0, "kind")? == 0 {
            let customers = db::count(row, 4, "customers")?;
            let size = &mut sizes[Segment::ALL.iter().position(|s| *s == segment).unwrap_or(0)];
            size.customers += customers;
            size.monetary = size.monetary.saturating_add(db::integer(row, 5, "v")?);
            if only.is_none_or(|o| o == segment) {
                listed += customers as usize;
            }
        } else {
            let last = instant(row, 7, "last")?;
            items.push(RfmCustomer {
                customer_id: db::text(row, 6, "id")?,
                name: String::new(),
                last_order_at: rfc3339_utc(last),
                recency_days: ((scope.as_of - last).max(0) / DAY) as u32,
                frequency: db::count(row, 4, "n")?,
                monetary: db::integer(row, 5, "v")?,
                r,
                f,
                m,
                segment: segment.as_str().into(),
            });
        }
    }
    items.sort_by(|a, b| {
        b.monetary
            .cmp(&a.monetary)
            .then_with(|| a.customer_id.cmp(&b.customer_id))
    });
    let customer_count = sizes.iter().map(|s| s.customers).sum();
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
    let scope = Scope::check(actor, scope)?;
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
    let value_at_stake = at_risk
        .iter()
        .fold(0i64, |sum, (stake, ..)| sum.saturating_add(*stake));
    let (page_rows, next_cursor) = page_of(at_risk, start, page);
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
        next_cursor,
        items,
    })
}

pub fn customer_report(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    id: &str,
) -> Result<CustomerFigures, Error> {
    let scope = Scope::check(actor, scope)?;
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

    let (_, scope_sales) = scope.totals(db, scope.period.start, scope.period.end)?;

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
