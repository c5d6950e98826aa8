//! Customers by value: the ranking by contribution with its Pareto curve, RFM scores and
//! segments, churn risk, and one customer's figures.

use super::{
    instant, label, labels, page_cursor, page_of, page_start, real, Scope, Sums, CURVE_POINTS, DAY,
    YEAR,
};
use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::reports::{
    ChurnCustomer, ChurnReport, CustomerFigures, PageRequest, RankedCustomer, Ranking, ReportScope,
    RfmCustomer, RfmReport, RfmSegment,
};
use crate::exports::crm::records::types::Error;
use crm_domain::report::{self, Quintiles, Segment};
use crm_domain::role::Role;
use crm_domain::time::rfc3339_utc;

pub fn customer_ranking(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    page: &PageRequest,
) -> Result<Ranking, Error> {
    let scope = Scope::check(actor, scope)?;
    let start = page_start(page)?;
    let sums = scope.customer_sums(db)?;
    // Largest contribution first, equal ones by customer id.
    let mut ranked: Vec<&Sums> = sums.iter().collect();
    ranked.sort_unstable_by(|a, b| b.value.cmp(&a.value).then_with(|| a.id.cmp(&b.id)));
    let total_sales = ranked
        .iter()
        .fold(0i64, |sum, s| sum.saturating_add(s.value));
    let mut cumulative = Vec::with_capacity(ranked.len());
    let mut running = 0i64;
    for s in &ranked {
        running = running.saturating_add(s.value);
        cumulative.push(running);
    }
    // The customers it takes to reach 80% of sales: those with less than 80% before them.
    let for_80 = ranked
        .iter()
        .zip(&cumulative)
        .take_while(|(s, cum)| {
            cum.saturating_sub(s.value).saturating_mul(5) < total_sales.saturating_mul(4)
        })
        .count() as u32;
    let n = ranked.len() as i64;
    // The curve's points: the share of the top ⌈k·n/20⌉ customers, k = 1…20.
    let pareto_curve = if n == 0 {
        Vec::new()
    } else {
        (1..=CURVE_POINTS)
            .map(|k| {
                let pos = (n * k + CURVE_POINTS - 1) / CURVE_POINTS;
                report::share(cumulative[pos as usize - 1], total_sales)
            })
            .collect()
    };
    let end = (start.saturating_add(page.limit as usize)).min(ranked.len());
    let page_rows = ranked.get(start..end).unwrap_or_default();
    let ids: Vec<&str> = page_rows.iter().map(|s| s.id.as_str()).collect();
    let labels = labels(db, &ids)?;
    let items = page_rows
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let l = label(&labels, &s.id)?;
            let pos = start + i;
            Ok(RankedCustomer {
                rank: pos as u32 + 1,
                customer_id: s.id.clone(),
                name: l.name.clone(),
                tier: l.tier.clone(),
                region: l.region.clone(),
                owner_id: l.owner_id.clone(),
                order_count: s.orders,
                contribution: s.value,
                share: report::share(s.value, total_sales),
                cumulative_share: report::share(cumulative[pos], total_sales),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Ranking {
        period: scope.period(),
        total_sales,
        customer_count: ranked.len() as u32,
        pareto_customers: for_80,
        pareto_curve,
        next_cursor: page_cursor(start, items.len(), ranked.len()),
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
    let sums = scope.customer_sums(db)?;
    // Each score from the quintile cuts of its dimension; ties share a score.
    let cuts = |key: fn(&Sums) -> i64| Quintiles::of(&mut sums.iter().map(key).collect::<Vec<_>>());
    let (Some(r), Some(f), Some(m)) = (
        cuts(|s| s.last),
        cuts(|s| i64::from(s.orders)),
        cuts(|s| s.value),
    ) else {
        return Ok(RfmReport {
            period: scope.period(),
            customer_count: 0,
            segments: segment_sizes(),
            next_cursor: None,
            items: Vec::new(),
        });
    };
    let mut sizes = segment_sizes();
    let mut listed: Vec<(&Sums, (u8, u8, u8), Segment)> = Vec::new();
    for s in sums.iter() {
        let scores = (
            r.score(s.last),
            f.score(i64::from(s.orders)),
            m.score(s.value),
        );
        let segment = report::segment(scores.0, scores.1, scores.2);
        let size = &mut sizes[Segment::ALL.iter().position(|x| *x == segment).unwrap_or(0)];
        size.customers += 1;
        size.monetary = size.monetary.saturating_add(s.value);
        if only.is_none_or(|o| o == segment) {
            listed.push((s, scores, segment));
        }
    }
    listed.sort_unstable_by(|a, b| b.0.value.cmp(&a.0.value).then_with(|| a.0.id.cmp(&b.0.id)));
    let (page_rows, next_cursor) = page_of(listed, start, page);
    let ids: Vec<&str> = page_rows.iter().map(|(s, ..)| s.id.as_str()).collect();
    let labels = labels(db, &ids)?;
    let items = page_rows
        .iter()
        .map(|(s, (r, f, m), segment)| {
            Ok(RfmCustomer {
                customer_id: s.id.clone(),
                name: label(&labels, &s.id)?.name.clone(),
                last_order_at: rfc3339_utc(s.last),
                recency_days: ((scope.as_of - s.last).max(0) / DAY) as u32,
                frequency: s.orders,
                monetary: s.value,
                r: *r,
                f: *f,
                m: *m,
                segment: segment.as_str().into(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(RfmReport {
        period: scope.period(),
        customer_count: sums.len() as u32,
        segments: sizes,
        next_cursor,
        items,
    })
}

/// Every segment, with no customers yet.
fn segment_sizes() -> Vec<RfmSegment> {
    Segment::ALL
        .iter()
        .map(|s| RfmSegment {
            segment: s.as_str().into(),
            description: s.description().into(),
            customers: 0,
            monetary: 0,
        })
        .collect()
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
    let sql = if scope.kept_figures_apply(db, i64::MIN)? {
        // Every order was placed before the period's end: the kept figures are the customers'.
        let customers = scope.customer_filter("v.customer_id", &mut params);
        format!(
            "SELECT v.customer_id, v.orders, v.value, unixepoch(v.last_at), v.cycle_days
               FROM customer_value v{customers} WHERE v.cycle_days IS NOT NULL"
        )
    } else {
        let orders = scope.orders(0, scope.period.end, None, &mut params);
        // The purchase cycle is the median gap between consecutive orders: the middle gap, or
        // the mean of the two middle ones (as the triggers of migration 0023 keep it).
        format!(
            "WITH o AS (
                 SELECT customer_id AS id, placed_at, total,
                        (unixepoch(placed_at) - unixepoch(LAG(placed_at)
                            OVER (PARTITION BY customer_id ORDER BY placed_at))) / 86400.0 AS gap
                   FROM ({orders})),
             q AS (
                 SELECT id, gap, ROW_NUMBER() OVER (PARTITION BY id ORDER BY gap) AS k,
                        COUNT(*) OVER (PARTITION BY id) AS m
                   FROM o WHERE gap IS NOT NULL),
             cycle AS (SELECT id, AVG(gap) AS days FROM q
                        WHERE k IN ((m + 1) / 2, (m + 2) / 2) GROUP BY id)
             SELECT o.id, COUNT(*), SUM(o.total), unixepoch(MAX(o.placed_at)), cycle.days
               FROM o JOIN cycle ON cycle.id = o.id
              GROUP BY o.id"
        )
    };
    let result = db.query(&sql, &params)?;
    let mut at_risk = Vec::new();
    for row in &result.rows {
        let rhythm = Rhythm {
            id: db::text(row, 0, "id")?,
            orders: db::count(row, 1, "n")?,
            value: db::integer(row, 2, "v")?,
            last: db::integer(row, 3, "last")?,
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
