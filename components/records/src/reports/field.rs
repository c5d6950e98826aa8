//! The sales funnel of the period's leads, and rep performance: contacts, verified visits,
//! tasks on time, won deals.

use super::{names_of, page_of, page_start, Scope, COUNTED_ORDER};
use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::reports::{
    FunnelReport, PageRequest, RepRow, ReportScope, RepsReport,
};
use crate::exports::crm::records::types::Error;
use crm_domain::report;
use crm_domain::time::{parse_instant, rfc3339_utc};
use crm_domain::verification::verification_rate;
use spin_sdk::sqlite3::{RowResult, Value};
use std::collections::BTreeMap;

/// An optional instant column.
fn instant_or_none(row: &RowResult, index: usize) -> Result<Option<i64>, Error> {
    row.get::<&str>(index)
        .map(|at| {
            parse_instant("at", at).map_err(|e| db::internal("read a report time", e.message))
        })
        .transpose()
}

/// A share with a zero base as none.
fn ratio(part: u32, base: u32) -> Option<f64> {
    (base > 0).then(|| f64::from(part) / f64::from(base))
}

pub fn funnel(db: &Db, actor: &Actor, scope: &ReportScope) -> Result<FunnelReport, Error> {
    let scope = Scope::check(actor, scope)?;
    let mut params = Vec::new();
    let customers = scope.customer_join_except_owner("ld.customer_id", &mut params);
    let mut sql = format!(
        "SELECT ld.created_at, ld.status,
                (SELECT MIN(op.created_at) FROM opportunity op WHERE op.lead_id = ld.id),
                (SELECT MIN(o.placed_at) FROM opportunity op
                   JOIN customer_order o ON o.id = op.order_id AND {COUNTED_ORDER}
                  WHERE op.lead_id = ld.id AND op.stage = 'won'),
                (SELECT COALESCE(SUM(o.total), 0) FROM opportunity op
                   JOIN customer_order o ON o.id = op.order_id AND {COUNTED_ORDER}
                  WHERE op.lead_id = ld.id AND op.stage = 'won')
           FROM lead ld{customers}
          WHERE ld.created_at >= ? AND ld.created_at < ?"
    );
    params.push(Value::Text(rfc3339_utc(scope.period.start)));
    params.push(Value::Text(rfc3339_utc(scope.period.end)));
    if let Some(owner) = scope.owner() {
        sql.push_str(" AND ld.owner_id = ?");
        params.push(Value::Text(owner.to_owned()));
    }
    let result = db.query(&sql, &params)?;
    let (mut leads, mut qualified, mut disqualified) = (0u32, 0u32, 0u32);
    let (mut opportunities, mut won, mut won_value) = (0u32, 0u32, 0i64);
    let (mut to_opportunity, mut to_won) = (Vec::new(), Vec::new());
    for row in &result.rows {
        leads += 1;
        let arrived = parse_instant("created_at", &db::text(row, 0, "created_at")?)
            .map_err(|e| db::internal("read a lead", e.message))?;
        match db::text(row, 1, "status")?.as_str() {
            "qualified" => qualified += 1,
            "disqualified" => disqualified += 1,
            _ => {}
        }
        if let Some(at) = instant_or_none(row, 2)? {
            opportunities += 1;
            to_opportunity.push(report::days_between(arrived, at));
        }
        if let Some(at) = instant_or_none(row, 3)? {
            won += 1;
            won_value = won_value.saturating_add(db::integer(row, 4, "won_value")?);
            to_won.push(report::days_between(arrived, at));
        }
    }
    Ok(FunnelReport {
        period: scope.period(),
        leads,
        qualified,
        disqualified,
        opportunities,
        won,
        won_value,
        lead_to_opportunity: ratio(opportunities, leads),
        opportunity_to_won: ratio(won, opportunities),
        lead_to_won: ratio(won, leads),
        median_days_to_opportunity: report::median(&mut to_opportunity),
        median_days_to_won: report::median(&mut to_won),
    })
}

/// The row of rep `id`, made empty the first time.
fn row_of(rows: &mut BTreeMap<String, RepRow>, id: String) -> &mut RepRow {
    rows.entry(id.clone()).or_insert_with(|| RepRow {
        rep_id: id.clone(),
        name: id,
        contacts: 0,
        visits: 0,
        checked: 0,
        verification_rate: None,
        tasks_due: 0,
        tasks_on_time: 0,
        tasks_overdue: 0,
        won_deals: 0,
        won_value: 0,
    })
}

pub fn reps(
    db: &Db,
    actor: &Actor,
    scope: &ReportScope,
    page: &PageRequest,
) -> Result<RepsReport, Error> {
    let scope = Scope::check(actor, scope)?;
    let start = page_start(page)?;
    let (since, until) = (
        Value::Text(rfc3339_utc(scope.period.start)),
        Value::Text(rfc3339_utc(scope.period.end)),
    );
    let mut rows: BTreeMap<String, RepRow> = BTreeMap::new();
    let only_rep = |column: &str, sql: &mut String, params: &mut Vec<Value>| {
        if let Some(owner) = scope.owner() {
            sql.push_str(&format!(" AND {column} = ?"));
            params.push(Value::Text(owner.to_owned()));
        }
    };

    // Contacts logged, visits, and the checks of those visits.
    let mut params = Vec::new();
    let customers = scope.customer_join_except_owner("a.customer_id", &mut params);
    let mut sql = format!(
        "SELECT a.rep_id, COUNT(*), COALESCE(SUM(a.kind = 'visit'), 0),
                COUNT(vc.activity_id), COALESCE(SUM(vc.outcome = 'confirmed'), 0),
                COALESCE(SUM(vc.outcome = 'not_confirmed'), 0)
           FROM activity a{customers}
           LEFT JOIN visit_check vc ON vc.activity_id = a.id AND a.kind = 'visit'
          WHERE a.occurred_at >= ? AND a.occurred_at < ?"
    );
    params.extend([since.clone(), until.clone()]);
    only_rep("a.rep_id", &mut sql, &mut params);
    sql.push_str(" GROUP BY a.rep_id");
    for row in &db.query(&sql, &params)?.rows {
        let count = |i: usize| db::count(row, i, "count");
        let r = row_of(&mut rows, db::text(row, 0, "rep_id")?);
        r.contacts = count(1)?;
        r.visits = count(2)?;
        r.checked = count(3)?;
        r.verification_rate = verification_rate(count(4)?, count(5)?);
    }

    // Tasks that fell due in the period: reported by their due time, or open past it now.
    let mut params = vec![Value::Text(db::now())];
    let customers = scope.customer_join_except_owner("t.customer_id", &mut params);
    let mut sql = format!(
        "SELECT t.assignee_id, COUNT(*),
                COALESCE(SUM(t.status IN ('succeeded', 'failed') AND t.updated_at <= t.due_at), 0),
                COALESCE(SUM(t.status IN ('open', 'redo') AND t.due_at < ?), 0)
           FROM task t{customers}
          WHERE t.due_at >= ? AND t.due_at < ?"
    );
    params.extend([since.clone(), until.clone()]);
    only_rep("t.assignee_id", &mut sql, &mut params);
    sql.push_str(" GROUP BY t.assignee_id");
    for row in &db.query(&sql, &params)?.rows {
        let count = |i: usize| db::count(row, i, "count");
        let r = row_of(&mut rows, db::text(row, 0, "assignee_id")?);
        r.tasks_due = count(1)?;
        r.tasks_on_time = count(2)?;
        r.tasks_overdue = count(3)?;
    }

    // Deals won with an order placed in the period.
    let mut params = Vec::new();
    let customers = scope.customer_join_except_owner("o.customer_id", &mut params);
    let mut sql = format!(
        "SELECT op.owner_id, COUNT(*), COALESCE(SUM(o.total), 0)
           FROM opportunity op JOIN customer_order o ON o.id = op.order_id{customers}
          WHERE op.stage = 'won' AND op.owner_id IS NOT NULL AND {COUNTED_ORDER}
            AND o.placed_at >= ? AND o.placed_at < ?"
    );
    params.extend([since, until]);
    only_rep("op.owner_id", &mut sql, &mut params);
    sql.push_str(" GROUP BY op.owner_id");
    for row in &db.query(&sql, &params)?.rows {
        let r = row_of(&mut rows, db::text(row, 0, "owner_id")?);
        r.won_deals = db::count(row, 1, "count")?;
        r.won_value = db::integer(row, 2, "value")?;
    }

    let (mut items, next_cursor) = page_of(rows.into_values(), start, page);
    let ids: Vec<&str> = items.iter().map(|r| r.rep_id.as_str()).collect();
    let names = names_of(db, "staff", &ids)?;
    for item in &mut items {
        if let Some(name) = names.get(&item.rep_id) {
            item.name = name.clone();
        }
    }
    Ok(RepsReport {
        period: scope.period(),
        next_cursor,
        items,
    })
}
