//! Sales per month (`/api/v1/reports/sales`).

use crate::table::{answer, Table};
use crate::time_zone;
use crm_guest::reports::{self, SalesReport};
use crm_guest::request::{credential, query};
use crm_guest::views::reports::SalesTable;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

impl Table for SalesReport {
    type Row = reports::SalesRow;
    fn period(&self) -> &reports::Period {
        &self.period
    }
    fn into_rows(self) -> (Vec<Self::Row>, Option<String>) {
        (self.items, self.next_cursor)
    }
}

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
