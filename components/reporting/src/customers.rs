//! Customer value: who contributes most, RFM segments, who is about to leave, and one
//! customer's purchasing (`/api/v1/reports/customers…`).

use crate::table::answer;
use crate::time_zone;
use crm_guest::reports::{self, ChurnReport, CustomerFigures, Ranking, RfmReport};
use crm_guest::request::{credential, json, query};
use crm_guest::views::reports::{CustomerReportParams, CustomerTable, RfmTable};
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Customers ranked by contribution: the Pareto view.
///
/// A customer's **contribution** is the sum of its order line totals in the period (ties ranked
/// by customer id); its **share** is the contribution over the total of every ranked customer,
/// and its **cumulative share** that of itself and every customer above it.
/// **pareto_customers** is the fewest top customers whose contributions make 80% of the total.
/// Managers see every customer; a rep only their own (shares are then of their own total).
#[utoipa::path(get, path = "/api/v1/reports/customers/ranking", tag = "reports",
    params(CustomerTable),
    responses(
        (status = 200, description = "A page of the ranking, or with `format=csv` the whole table",
            content((Ranking = "application/json"), (String = "text/csv"))),
        (status = "4XX", response = Problem),
    ))]
pub fn ranking(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: CustomerTable = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    answer(q.format, q.bom, "customer-ranking", q.page()?, |page| {
        Ok(reports::customer_ranking(&who, &scope, &page)?)
    })
}

/// RFM scores and segments of the customers with orders in the period.
///
/// **Recency** is the time of the last order in the period, **frequency** the number of
/// orders, **monetary** the sum of their line totals. Each is scored 1–5 by quintile over the
/// customers scored: sorted worst first, a customer of rank k (tied values share the lowest
/// rank of the tie, so ties share a score) among n scores 1 + ⌊5 (k − 1) / n⌋. The segment
/// follows from R and FM = ⌊(F + M) / 2⌋, first match wins: `champions` R ≥ 4 and FM ≥ 4;
/// `loyal` R ≥ 3 and FM ≥ 3; `new` R ≥ 4 and F = 1; `potential` R ≥ 3; `at_risk` FM ≥ 3;
/// `hibernating` R = 2; `lost` otherwise. Rows: largest monetary first, ties by customer id.
#[utoipa::path(get, path = "/api/v1/reports/customers/rfm", tag = "reports",
    params(RfmTable),
    responses(
        (status = 200, description = "Segment sizes and a page of scored customers, or with `format=csv` every scored customer",
            content((RfmReport = "application/json"), (String = "text/csv"))),
        (status = "4XX", response = Problem),
    ))]
pub fn rfm(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: RfmTable = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    let segment = q.segment()?;
    answer(q.format, q.bom, "customer-rfm", q.page()?, |page| {
        Ok(reports::customer_rfm(
            &who,
            &scope,
            segment.as_deref(),
            &page,
        )?)
    })
}

/// Customers at risk of leaving: overdue for their next order.
///
/// Looking at every order before the end of the period, a customer's **purchase cycle** is the
/// median number of days between its consecutive orders (customers with one order have none);
/// it is **at risk** when the days since its last order (to the end of the period, or now if
/// sooner) exceed 1.5 cycles (**overdue_ratio** > 1.5). **value_at_stake** is what it buys in a
/// year at its own rhythm: mean order value × 365 / cycle. Largest value at stake first.
#[utoipa::path(get, path = "/api/v1/reports/customers/churn", tag = "reports",
    params(CustomerTable),
    responses(
        (status = 200, description = "A page of the customers at risk, or with `format=csv` all of them",
            content((ChurnReport = "application/json"), (String = "text/csv"))),
        (status = "4XX", response = Problem),
    ))]
pub fn churn(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: CustomerTable = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    answer(q.format, q.bom, "customer-churn", q.page()?, |page| {
        Ok(reports::churn_risk(&who, &scope, &page)?)
    })
}

/// One customer's purchasing in figures.
///
/// Lifetime figures count every order before the end of the period; **orders_per_month** is
/// lifetime orders per 30 days of tenure (first order to the end of the period);
/// **purchase_cycle_days** the median days between consecutive orders;
/// **value_per_order_growth_percent** the mean order value of the 365 days before the end of
/// the period against the 365 days before those; **share** the period's order value over that
/// of every customer in the caller's scope (filters narrow it). A rep sees only their own
/// customers.
#[utoipa::path(get, path = "/api/v1/reports/customers/{id}", tag = "reports",
    params(("id" = String, Path, description = "The customer's id"), CustomerReportParams),
    responses(
        (status = 200, description = "The customer's figures", body = CustomerFigures),
        (status = "4XX", response = Problem),
    ))]
pub fn customer(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: CustomerReportParams = query(req)?;
    let scope = q.scope(&time_zone()?)?;
    let report = reports::customer_report(&who, &scope, params.get("id"))?;
    Ok(json(200, &report))
}
