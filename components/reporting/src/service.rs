//! Service: SLA compliance (`/api/v1/reports/sla`) and complaints by product, batch and cause
//! (`/api/v1/reports/complaints`).

use crate::table::{answer, Table};
use crate::time_zone;
use crm_guest::reports::{self, ComplaintReport, PageRequest, SlaReport};
use crm_guest::request::{credential, query};
use crm_guest::views::reports::{ComplaintTable, SlaCsvRow, SlaParams};
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

impl Table for SlaReport {
    type Row = SlaCsvRow;
    fn period(&self) -> &reports::Period {
        &self.period
    }
    fn into_rows(self) -> (Vec<Self::Row>, Option<String>) {
        (self.items.into_iter().map(Into::into).collect(), None)
    }
}

/// SLA compliance of the complaints filed in the period, by month, priority or agent.
///
/// Each target (first response, resolution) of each complaint is, now: **met** on time;
/// **breached** — met after its deadline, or not met and past it (a clock paused while waiting
/// on the customer has no deadline and is not breached unless it was before the pause); or
/// **pending**. **compliance** is met / (met + breached). **median_late_seconds** and
/// **p90_late_seconds** (nearest rank) are how late the breached ones were, or are, in
/// wall-clock seconds past the deadline. **escalated**[i] counts the complaints that reached
/// escalation level i + 1. Months have a row each, complaints or not.
#[utoipa::path(get, path = "/api/v1/reports/sla", tag = "reports",
    params(SlaParams),
    responses(
        (status = 200, description = "The totals and one row per group, or with `format=csv` the rows",
            content((SlaReport = "application/json"), (String = "text/csv"))),
        (status = "4XX", response = Problem),
    ))]
pub fn sla(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: SlaParams = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    let grouping = q.group_by.into();
    let whole = PageRequest {
        limit: 1,
        cursor: None,
    };
    answer(q.format, q.bom, "sla", whole, |_| {
        Ok(reports::sla_compliance(&who, &scope, grouping)?)
    })
}

/// Complaints filed in the period by product, batch, cause or category.
///
/// **complaints** are those filed in the period, **closed** those of them closed now, and
/// **median_hours_to_close** the median hours from filing to closing over the closed ones.
/// By product or batch, **lines_sold** counts the order lines ever sold and
/// **complaints_per_thousand_lines** the period's complaints per 1,000 of them; a batch is
/// **flagged** when its rate is at least twice its product's
/// (**product_complaints_per_thousand_lines**, over all its batches) and it has at least two
/// complaints. **csat** is how the customers rated the handling of the period's complaints on
/// the portal once closed (one rating each, 1 very unhappy to 5 very happy): the ratings given
/// by now, **per_score** (score 1 first) and their **mean**; it is the same whatever the
/// grouping or page. Rows: most complaints first, ties by key.
#[utoipa::path(get, path = "/api/v1/reports/complaints", tag = "reports",
    params(ComplaintTable),
    responses(
        (status = 200, description = "Totals and a page of rows, or with `format=csv` every row",
            content((ComplaintReport = "application/json"), (String = "text/csv"))),
        (status = "4XX", response = Problem),
    ))]
pub fn complaints(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ComplaintTable = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    let grouping = q.group_by.into();
    answer(q.format, q.bom, "complaints", q.page()?, |page| {
        Ok(reports::complaints(&who, &scope, grouping, &page)?)
    })
}
