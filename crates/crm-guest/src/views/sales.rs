//! Bodies and queries of `crm:records/sales`, and the public lead form's answer.

use super::orders::LineBody;
use crate::names::{self, LeadSource, LeadStatus, ServiceKind, Stage};
use crate::problem::Problem;
use crate::sales::{LeadQuery, NewLead, Qualification, WebLead, Win};
use serde::{Deserialize, Serialize};

/// A lead entered by staff.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLead {
    /// The person's name, 1–100 characters.
    pub name: String,
    /// Their company, at most 200 characters.
    #[serde(default)]
    pub company: String,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// What they asked for, at most 2000 characters.
    #[serde(default)]
    pub message: String,
    /// Where the lead came from.
    #[schema(value_type = LeadSource)]
    pub source: String,
    /// The existing customer the lead is about.
    pub customer_id: Option<String>,
    /// The rep to follow it up; a rep entering a lead is assigned when none is given.
    pub owner_id: Option<String>,
}

impl CreateLead {
    pub fn into_input(self) -> Result<NewLead, Problem> {
        Ok(NewLead {
            name: self.name,
            company: self.company,
            phone: self.phone,
            email: self.email,
            message: self.message,
            source: names::parse::<LeadSource>("source", &self.source)?.into(),
            customer_id: self.customer_id,
            owner_id: self.owner_id,
        })
    }
}

/// What the website's public form sends, as JSON or form-encoded. A phone or an e-mail is
/// required.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureLead {
    /// The person's name, 1–100 characters.
    pub name: String,
    /// Their company, at most 200 characters.
    #[serde(default)]
    pub company: String,
    /// Phone; a phone or an e-mail is required.
    pub phone: Option<String>,
    /// E-mail; a phone or an e-mail is required.
    pub email: Option<String>,
    /// What they ask for, at most 2000 characters.
    #[serde(default)]
    pub message: String,
    /// Honeypot: a field hidden from people, to be left empty; anything in it marks the sender
    /// as a bot.
    #[serde(default)]
    pub website: String,
}

impl From<CaptureLead> for WebLead {
    fn from(b: CaptureLead) -> Self {
        Self {
            name: b.name,
            company: b.company,
            phone: b.phone,
            email: b.email,
            message: b.message,
            honeypot: b.website,
        }
    }
}

/// The answer to the public lead form, the same whether the lead was kept or dropped as spam.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Received {
    /// Always `received`.
    pub status: &'static str,
    /// A thank-you to show the sender.
    pub message: &'static str,
}

impl Received {
    pub const THANKS: Self = Self {
        status: "received",
        message: "Thank you, we will be in touch.",
    };
}

/// Which leads to list, newest first.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListLeads {
    /// Only leads in this status.
    #[param(value_type = Option<LeadStatus>)]
    pub status: Option<String>,
    /// Only leads of this rep.
    pub owner_id: Option<String>,
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl ListLeads {
    pub fn into_query(self) -> Result<LeadQuery, Problem> {
        Ok(LeadQuery {
            status: self
                .status
                .map(|s| names::parse::<LeadStatus>("status", &s).map(Into::into))
                .transpose()?,
            owner_id: self.owner_id,
            limit: self.limit,
            cursor: self.cursor,
        })
    }
}

/// Qualifies a new lead into an opportunity.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Qualify {
    /// What is being sold, 1–200 characters.
    pub title: String,
    /// Expected value, minor units (fen/cents).
    #[serde(default)]
    pub expected_value: i64,
    /// Expected closing day, `YYYY-MM-DD`.
    pub expected_close: Option<String>,
}

impl From<Qualify> for Qualification {
    fn from(b: Qualify) -> Self {
        Self {
            title: b.title,
            expected_value: b.expected_value,
            expected_close: b.expected_close,
        }
    }
}

/// Why a lead is disqualified or an opportunity lost.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// The reason, 1–500 characters.
    pub reason: String,
}

/// Moves an open opportunity to another open stage (`prospecting`, `proposal` or
/// `negotiation`); `won` and `lost` have their own requests.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveStage {
    /// The new stage.
    #[schema(value_type = Stage)]
    pub stage: String,
    /// A new expected value, minor units (fen/cents); unchanged when absent.
    pub expected_value: Option<i64>,
}

impl MoveStage {
    /// The stage named, as records takes it.
    pub fn wit_stage(&self) -> Result<crate::sales::Stage, Problem> {
        Ok(names::parse::<Stage>("stage", &self.stage)?.into())
    }
}

/// Wins an open opportunity: the order to record.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WinOpportunity {
    /// The order's lines, 1–100.
    pub lines: Vec<LineBody>,
    /// When the deal was closed (RFC 3339 or a date); now when absent.
    pub placed_at: Option<String>,
    /// Invoice number, at most 40 characters.
    #[serde(default)]
    pub invoice_number: String,
    /// When the prospect is not a customer yet, create the customer even if it looks like an
    /// existing one.
    #[serde(default)]
    pub confirm_duplicate: bool,
}

impl From<WinOpportunity> for Win {
    fn from(b: WinOpportunity) -> Self {
        Self {
            lines: b.lines.into_iter().map(Into::into).collect(),
            placed_at: b.placed_at,
            invoice_number: b.invoice_number,
            allow_duplicate: b.confirm_duplicate,
        }
    }
}

/// Qualifies a new lead about an existing customer into a service request instead of an
/// opportunity.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualifyAsService {
    /// What kind of service work is needed.
    #[schema(value_type = ServiceKind)]
    pub kind: String,
    /// What is to be done, 1–2000 characters.
    pub summary: String,
}

impl QualifyAsService {
    /// The kind named, as records takes it.
    pub fn wit_kind(&self) -> Result<crate::sales::ServiceKind, Problem> {
        Ok(names::parse::<ServiceKind>("kind", &self.kind)?.into())
    }
}
