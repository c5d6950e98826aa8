//! Queries of `crm:records/reports`. The reports themselves are the records types as they are.

use super::rules;
use crate::names::{self, Segment, Tier};
use crate::problem::Problem;
use crate::reports::{PageRequest, ReportScope};
use serde::Deserialize;

/// The most rows one JSON page of a report table holds.
pub const MAX_PAGE: u32 = 500;

/// The rows a CSV export asks records for at a time: the whole table, page by page.
pub const CSV_PAGE: u32 = 100_000;

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

impl RfmTable {
    /// The segment to list, checked.
    pub fn segment(&self) -> Result<Option<String>, Problem> {
        if let Some(segment) = &self.segment {
            names::parse::<Segment>("segment", segment)?;
        }
        Ok(self.segment.clone())
    }
}
