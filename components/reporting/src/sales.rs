//! Sales: per month (`/api/v1/reports/sales`), the funnel (`/api/v1/reports/funnel`) and the
//! reps (`/api/v1/reports/reps`).

use crate::table::answer;
use crate::time_zone;
use crm_guest::reports::{self, FunnelReport, RepsReport, SalesReport};
use crm_guest::request::{credential, json, query};
use crm_guest::views::reports::{FunnelParams, RepsTable, SalesTable};
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Sales per month of the period, optionally by rep, region, channel partner or product.
///
/// A row's **orders** are the orders placed in that month (in the deployment's time zone) and
/// its **value** the sum of their line totals (with `group_by=product`: that product's lines);
/// **previous_year_…** are the same figures for the same month a year earlier. The report's
/// **orders** and **value** cover the whole period and **previous_…** the period of as many
/// days just before it. A rep is credited with the orders of the customers they own now.
/// Without grouping every month of the period has a row.
#[utoipa::path(get, path = "/api/v1/reports/sales", tag = "reports",
    params(SalesTable),
    responses(
        (status = 200, description = "Totals and a page of rows, or with `format=csv` every row",
            content((SalesReport = "application/json"), (String = "text/csv"))),
        (status = "4XX", response = Problem),
    ))]
pub fn sales(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: SalesTable = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    let grouping = q.group_by.into();
    answer(q.format, q.bom, "sales", q.page()?, |page| {
        Ok(reports::sales(&who, &scope, grouping, &page)?)
    })
}

/// The funnel lead → opportunity → won order of the leads created in the period.
///
/// **leads** came in during the period; **qualified**, **disqualified**, **opportunities**
/// (leads with an opportunity) and **won** (leads with a won opportunity) say what became of
/// them so far, **won_value** sums the won orders' totals. **lead_to_opportunity**,
/// **opportunity_to_won** and **lead_to_won** are the conversions (0–1);
/// **median_days_to_opportunity** and **median_days_to_won** the median days from a lead's
/// arrival to its first opportunity and to its won order. `owner_id` is the lead's owner (a
/// rep's own leads); the other customer filters keep leads linked to a matching customer;
/// `product_id` does not apply.
#[utoipa::path(get, path = "/api/v1/reports/funnel", tag = "reports",
    params(FunnelParams),
    responses(
        (status = 200, description = "The funnel", body = FunnelReport),
        (status = "4XX", response = Problem),
    ))]
pub fn funnel(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: FunnelParams = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    Ok(json(200, &reports::funnel(&who, &scope)?))
}

/// Rep performance in the period, one row per rep.
///
/// **contacts** are the contacts the rep logged in the period and **visits** the visits among
/// them; **checked** how many of those visits a supervisor checked by calling the customer, and
/// **verification_rate** confirmed / (confirmed + not confirmed). **tasks_due** are the rep's
/// tasks that fell due in the period, **tasks_on_time** those reported (succeeded or failed) by
/// their due time, **tasks_overdue** those still open or to redo past it now. **won_deals** and
/// **won_value** are the rep's opportunities won with an order placed in the period and those
/// orders' totals. A rep sees only their own row.
#[utoipa::path(get, path = "/api/v1/reports/reps", tag = "reports",
    params(RepsTable),
    responses(
        (status = 200, description = "A page of reps, or with `format=csv` all of them",
            content((RepsReport = "application/json"), (String = "text/csv"))),
        (status = "4XX", response = Problem),
    ))]
pub fn reps(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: RepsTable = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    answer(q.format, q.bom, "reps", q.page()?, |page| {
        Ok(reports::reps(&who, &scope, &page)?)
    })
}
