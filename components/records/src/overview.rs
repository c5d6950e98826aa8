//! The unified customer view: profile, order figures and every touchpoint, in one read.

use crate::activities;
use crate::auth::Actor;
use crate::complaints;
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::overview::{CustomerOverview, OrderMetrics, Touchpoint};
use crate::exports::crm::records::types::Error;
use crate::orders;
use crate::service_requests;
use crate::tasks;
use crm_domain::activity::ActivityKind;
use crm_domain::orders::{major_units, order_metrics, OrderFact};
use crm_domain::role::Role;
use crm_domain::sales::TaskStatus;
use crm_domain::service::{ServiceKind, ServiceStatus};
use crm_domain::time::{parse_instant, rfc3339_utc};

/// At most this many characters of notes make a touchpoint's summary.
const SUMMARY_CHARS: usize = 80;

pub fn customer_overview(
    db: &Db,
    actor: &Actor,
    id: &str,
    timeline_limit: u32,
) -> Result<CustomerOverview, Error> {
    actor.require(Role::works_with_customers, "see customers")?;
    db::check_limit("timeline_limit", timeline_limit, 500)?;
    let customer = customers::load(db, id)?;
    let orders = orders::order_summaries(db, id)?;
    // Cancelled orders are in the timeline, not in the figures.
    let facts = orders
        .iter()
        .filter(|o| o.status.counts())
        .map(|o| {
            let placed_at = parse_instant("placed_at", &o.placed_at)
                .map_err(|e| db::internal("read an order time", e))?;
            Ok(OrderFact {
                placed_at,
                total: o.total,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let m = order_metrics(&facts);
    let metrics = OrderMetrics {
        order_count: m.count,
        total_value: m.total_value,
        first_order_at: m.first_order_at.map(rfc3339_utc),
        last_order_at: m.last_order_at.map(rfc3339_utc),
        average_order_value: m.average_order_value,
        average_interval_days: m.average_interval_days,
        value_per_order_growth_percent: m.value_per_order_growth_percent,
    };

    let mut timeline: Vec<Touchpoint> = activities::recent_of_customer(db, id, timeline_limit)?
        .into_iter()
        .map(|a| Touchpoint {
            at: a.occurred_at,
            kind: ActivityKind::from(a.kind).as_str().into(),
            summary: a.notes.chars().take(SUMMARY_CHARS).collect(),
            id: a.id,
            staff_id: Some(a.rep_id),
        })
        .collect();
    timeline.extend(
        orders
            .into_iter()
            .rev()
            .take(timeline_limit as usize)
            .map(|o| Touchpoint {
                at: o.placed_at,
                kind: "order".into(),
                summary: format!(
                    "{} order ({}), {} line{}, total {}",
                    o.channel,
                    o.status,
                    o.line_count,
                    if o.line_count == 1 { "" } else { "s" },
                    major_units(o.total)
                ),
                id: o.id,
                staff_id: (!o.entered_by.is_empty()).then_some(o.entered_by),
            }),
    );
    timeline.extend(
        tasks::recent_of_customer(db, id, timeline_limit)?
            .into_iter()
            .map(|t| Touchpoint {
                at: t.created_at,
                kind: "task".into(),
                summary: format!("{} ({})", t.title, TaskStatus::from(t.status)),
                id: t.id,
                staff_id: Some(t.assignee_id),
            }),
    );
    let (complaints, open_complaints) = complaints::of_customer(db, id, timeline_limit)?;
    timeline.extend(complaints.into_iter().map(|c| Touchpoint {
        at: c.created_at,
        kind: "complaint".into(),
        summary: format!("{}: {} ({})", c.category, c.description, c.status),
        id: c.id,
        staff_id: c.assignee_id,
    }));
    timeline.extend(
        service_requests::recent_of_customer(db, id, timeline_limit)?
            .into_iter()
            .map(|r| Touchpoint {
                at: r.created_at,
                kind: "service_request".into(),
                summary: format!(
                    "{} ({}): {}",
                    ServiceKind::from(r.kind),
                    ServiceStatus::from(r.status),
                    r.summary
                ),
                id: r.id,
                staff_id: Some(r.created_by),
            }),
    );
    timeline.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    timeline.truncate(timeline_limit as usize);
    Ok(CustomerOverview {
        customer,
        metrics,
        timeline,
        open_complaints,
    })
}
