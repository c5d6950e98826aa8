//! Queries of `crm:records/reports`. The reports themselves are the records types as they are.

use super::rules;
use crate::names::{self, Segment, Tier};
use crate::problem::Problem;
use crate::reports::{
    ComplaintGrouping, PageRequest, ReportScope, SalesGrouping, SlaGrouping, SlaRow,
};
use serde::Deserialize;

/// The most rows one JSON page of a report table holds.
pub const MAX_PAGE: u32 = 500;

/// The rows a CSV export asks records for at a time: the whole table, page by page (records'
/// largest page).
pub const CSV_PAGE: u32 = 10_000;

/// How a report table is answered.
#[derive(Clone, Copy, Default, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `application/json`, one page at a time.
    #[default]
    Json,
    /// `text/csv`, UTF-8, every row of the table (`limit` and `cursor` are ignored).
    Csv,
}

/// A CSV text cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return: a customer named `=HYPERLINK(…)`) gets a `'` in front, as OWASP
/// advises against CSV injection; numbers (`-12.5`) are left as they are.
pub fn defused(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// The period and scope parameters every report takes, then the extra ones of this report.
macro_rules! report_params {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// First day of the period, in the deployment's time zone; default: the day after
            /// the same date a year before `to` (the last 12 months).
            #[param(value_type = Option<rules::Day>)]
            pub from: Option<String>,
            /// Last day of the period, inclusive; default: today. At most 50 years after `from`.
            #[param(value_type = Option<rules::Day>)]
            pub to: Option<String>,
            /// Only customers of this region.
            pub region: Option<String>,
            /// Only customers served through this channel partner.
            pub channel_partner: Option<String>,
            /// Only customers owned by this rep; a rep's reports are always their own.
            pub owner_id: Option<String>,
            /// Only this product's order lines.
            pub product_id: Option<String>,
            /// Only customers of this tier.
            #[param(value_type = Option<Tier>, inline)]
            pub tier: Option<String>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// The scope records computes the report over.
            pub fn scope(&self, time_zone: &str) -> Result<ReportScope, Problem> {
                if let Some(tier) = &self.tier {
                    names::parse::<Tier>("tier", tier)?;
                }
                Ok(ReportScope {
                    first_day: self.from.clone(),
                    last_day: self.to.clone(),
                    time_zone: time_zone.to_owned(),
                    region: self.region.clone(),
                    channel_partner: self.channel_partner.clone(),
                    owner_id: self.owner_id.clone(),
                    product_id: self.product_id.clone(),
                    tier: self.tier.clone(),
                })
            }
        }
    };
}

/// The paging and format parameters of a report table.
macro_rules! table_params {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        report_params! {
            $(#[$meta])*
            $name {
                $($(#[$fmeta])* $field: $ty,)*
                /// Page size, 1–500.
                #[serde(default = "super::default_limit")]
                #[param(minimum = 1, maximum = 500, default = 50)]
                limit: u32,
                /// The `next_cursor` of the previous page.
                #[param(value_type = Option<rules::ReportCursor>, inline)]
                cursor: Option<String>,
                /// `json` (default) or `csv`: the whole table as a CSV file.
                #[serde(default)]
                #[param(value_type = Option<Format>, inline)]
                format: Format,
                /// With `format=csv`: put a UTF-8 byte order mark first, so that Excel reads
                /// Chinese text correctly.
                #[serde(default)]
                bom: bool,
            }
        }

        impl $name {
            /// The first page to read: the requested one, or for CSV the whole table's first.
            pub fn page(&self) -> Result<PageRequest, Problem> {
                if self.format == Format::Csv {
                    return Ok(PageRequest { limit: CSV_PAGE, cursor: None });
                }
                if !(1..=MAX_PAGE).contains(&self.limit) {
                    return Err(Problem::invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
                }
                Ok(PageRequest { limit: self.limit, cursor: self.cursor.clone() })
            }
        }
    };
}

table_params! {
    /// The period, the customers, and the page of a customer table.
    CustomerTable {}
}

table_params! {
    /// The period, the customers, the segment and the page of the RFM table.
    RfmTable {
        /// Only the customers of this segment.
        #[param(value_type = Option<Segment>, inline)]
        segment: Option<String>,
    }
}

report_params! {
    /// The period and scope of one customer's report.
    CustomerReportParams {}
}

report_params! {
    /// The period and scope of the funnel.
    FunnelParams {}
}

table_params! {
    /// The period, the scope and the page of the reps' table.
    RepsTable {}
}

impl RfmTable {
    /// The segment to list, checked.
    pub fn segment(&self) -> Result<Option<String>, Problem> {
        if let Some(segment) = &self.segment {
            names::parse::<Segment>("segment", segment)?;
        }
        Ok(self.segment.clone())
    }
}

/// What the sales report's rows are grouped by, besides the month.
#[derive(Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SalesBy {
    /// One row per month.
    #[default]
    None,
    /// The customer's owner rep.
    Rep,
    /// The customer's region.
    Region,
    /// The customer's channel partner.
    ChannelPartner,
    /// The product of the order lines.
    Product,
}

impl From<SalesBy> for SalesGrouping {
    fn from(by: SalesBy) -> Self {
        match by {
            SalesBy::None => SalesGrouping::None,
            SalesBy::Rep => SalesGrouping::Rep,
            SalesBy::Region => SalesGrouping::Region,
            SalesBy::ChannelPartner => SalesGrouping::ChannelPartner,
            SalesBy::Product => SalesGrouping::Product,
        }
    }
}

table_params! {
    /// The period, the customers, the grouping and the page of the sales report.
    SalesTable {
        /// What the rows are grouped by, besides the month.
        #[serde(default)]
        #[param(value_type = Option<SalesBy>, inline)]
        group_by: SalesBy,
    }
}

/// What the SLA report's rows are grouped by.
#[derive(Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaBy {
    /// The month the complaint was filed in.
    #[default]
    Month,
    /// The complaint's priority.
    Priority,
    /// The complaint's assignee.
    Agent,
}

impl From<SlaBy> for SlaGrouping {
    fn from(by: SlaBy) -> Self {
        match by {
            SlaBy::Month => SlaGrouping::Month,
            SlaBy::Priority => SlaGrouping::Priority,
            SlaBy::Agent => SlaGrouping::Agent,
        }
    }
}

report_params! {
    /// The period, the customers and the grouping of the SLA report (one row per group, not
    /// paged).
    SlaParams {
        /// What the rows are grouped by.
        #[serde(default)]
        #[param(value_type = Option<SlaBy>, inline)]
        group_by: SlaBy,
        /// `json` (default) or `csv`.
        #[serde(default)]
        #[param(value_type = Option<Format>, inline)]
        format: Format,
        /// With `format=csv`: put a UTF-8 byte order mark first.
        #[serde(default)]
        bom: bool,
    }
}

/// What the complaints report's rows are grouped by.
#[derive(Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintsBy {
    /// The product complained about.
    #[default]
    Product,
    /// The batch number with its product; batches far above their product's rate are flagged.
    Batch,
    /// The cause recorded at closing.
    Cause,
    /// The category given at filing.
    Category,
}

impl From<ComplaintsBy> for ComplaintGrouping {
    fn from(by: ComplaintsBy) -> Self {
        match by {
            ComplaintsBy::Product => ComplaintGrouping::Product,
            ComplaintsBy::Batch => ComplaintGrouping::Batch,
            ComplaintsBy::Cause => ComplaintGrouping::Cause,
            ComplaintsBy::Category => ComplaintGrouping::Category,
        }
    }
}

table_params! {
    /// The period, the customers, the grouping and the page of the complaints report.
    ComplaintTable {
        /// What the rows are grouped by.
        #[serde(default)]
        #[param(value_type = Option<ComplaintsBy>, inline)]
        group_by: ComplaintsBy,
    }
}

/// A row of the SLA report as a CSV record: the targets' figures side by side, the escalation
/// counts as `level1;level2;…`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SlaCsvRow {
    pub key: String,
    pub label: String,
    pub complaints: u32,
    pub first_response_met: u32,
    pub first_response_breached: u32,
    pub first_response_pending: u32,
    pub first_response_compliance: Option<f64>,
    pub first_response_median_late_seconds: Option<i64>,
    pub first_response_p90_late_seconds: Option<i64>,
    pub resolution_met: u32,
    pub resolution_breached: u32,
    pub resolution_pending: u32,
    pub resolution_compliance: Option<f64>,
    pub resolution_median_late_seconds: Option<i64>,
    pub resolution_p90_late_seconds: Option<i64>,
    pub escalated: String,
}

impl From<SlaRow> for SlaCsvRow {
    fn from(r: SlaRow) -> Self {
        let (f, s) = (r.first_response, r.resolution);
        Self {
            key: r.key,
            label: r.label,
            complaints: r.complaints,
            first_response_met: f.met,
            first_response_breached: f.breached,
            first_response_pending: f.pending,
            first_response_compliance: f.compliance,
            first_response_median_late_seconds: f.median_late_seconds,
            first_response_p90_late_seconds: f.p90_late_seconds,
            resolution_met: s.met,
            resolution_breached: s.breached,
            resolution_pending: s.pending,
            resolution_compliance: s.compliance,
            resolution_median_late_seconds: s.median_late_seconds,
            resolution_p90_late_seconds: s.p90_late_seconds,
            escalated: r
                .escalated
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(";"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::defused;

    #[test]
    fn formulas_are_defused_and_numbers_left_alone() {
        assert_eq!(
            defused("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(defused("+86 21 5555"), "'+86 21 5555");
        assert_eq!(defused("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defused("-12.5"), "-12.5");
        assert_eq!(defused("42"), "42");
        assert_eq!(defused("华美商贸"), "华美商贸");
        assert_eq!(defused(""), "");
    }
}
