//! Bodies and queries of `crm:records/sales`, and the public lead form's answer.

use super::orders::LineBody;
use super::rules;
use crate::names::{self, LeadSource, LeadStatus, ServiceKind, Stage};
use crate::problem::Problem;
use crate::sales::{LeadQuery, NewLead, Qualification, WebLead, Win};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A lead entered by staff.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLead {
    /// The person's name, 1–100 characters.
    #[schema(value_type = rules::RequiredText100)]
    pub name: String,
    /// Their company, at most 200 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text200)]
    pub company: String,
    /// Phone; blank is none.
    #[schema(value_type = Option<rules::PhoneNumber>)]
    pub phone: Option<String>,
    /// E-mail; blank is none.
    #[schema(value_type = Option<rules::OptionalEmailAddress>)]
    pub email: Option<String>,
    /// What they asked for, at most 2000 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text2000)]
    pub message: String,
    /// Where the lead came from.
    #[schema(value_type = LeadSource)]
    pub source: String,
    /// The existing customer the lead is about.
    pub customer_id: Option<String>,
    /// The rep to follow it up: an active member of staff who works with customers; a rep
    /// entering a lead is assigned when none is given.
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
/// required: the document says so through [`CaptureLeadBody`] and [`CaptureLeadForm`].
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureLead {
    /// The person's name, 1–100 characters.
    #[schema(value_type = rules::RequiredText100)]
    pub name: String,
    /// Their company, at most 200 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text200)]
    pub company: String,
    /// Phone; a phone or an e-mail is required.
    #[schema(value_type = Option<rules::PhoneNumber>)]
    pub phone: Option<String>,
    /// E-mail; a phone or an e-mail is required.
    #[schema(value_type = Option<rules::OptionalEmailAddress>)]
    pub email: Option<String>,
    /// What they ask for, at most 2000 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text2000)]
    pub message: String,
    /// Honeypot: a field hidden from people, to be left empty; anything in it marks the sender
    /// as a bot.
    #[serde(default)]
    pub website: String,
}

/// The JSON body of `POST /api/v1/leads/capture` in the document: the fields of [`CaptureLead`],
/// and the rule that joins two of them, a phone or an e-mail that is not blank
/// (`records::sales::capture_lead`).
pub struct CaptureLeadBody;

impl PartialSchema for CaptureLeadBody {
    fn schema() -> RefOr<Schema> {
        with_phone_or_email(CaptureLead::schema())
    }
}

impl ToSchema for CaptureLeadBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CaptureLead")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        CaptureLead::schemas(schemas);
    }
}

/// [`CaptureLeadBody`] as a plain HTML form posts it (`application/x-www-form-urlencoded`): a
/// form has no `null`, a field is left out instead.
pub struct CaptureLeadForm;

impl PartialSchema for CaptureLeadForm {
    fn schema() -> RefOr<Schema> {
        with_phone_or_email(without_null(CaptureLead::schema()))
    }
}

impl ToSchema for CaptureLeadForm {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        CaptureLead::schemas(schemas);
    }
}

/// `fields` twice over, as two complete alternatives: one with a `phone` that is given, one with
/// an `email` that is given. (A generator draws either alternative as it stands; an `allOf` of
/// the fields and a separate "phone or e-mail" clause would only be met by filtering.)
fn with_phone_or_email(fields: RefOr<Schema>) -> RefOr<Schema> {
    let requiring = |field: &str, given: RefOr<Schema>| match fields.clone() {
        RefOr::T(Schema::Object(mut object)) => {
            object.properties.insert(field.to_owned(), given);
            object.required.push(field.to_owned());
            RefOr::T(Schema::Object(object))
        }
        other => other,
    };
    AnyOfBuilder::new()
        .description(Some(
            "What the website's public form sends; a phone or an e-mail is required.",
        ))
        .item(requiring("phone", rules::RequiredPhoneNumber::schema()))
        .item(requiring("email", rules::EmailAddress::schema()))
        .into()
}

/// An object schema without `null` among the choices of its `Option` fields (`oneOf: [null, …]`).
fn without_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    let is_null = |choice: &RefOr<Schema>| matches!(choice, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
    match schema {
        RefOr::T(Schema::Object(mut object)) => {
            for property in object.properties.values_mut() {
                if let RefOr::T(Schema::OneOf(one_of)) = property {
                    one_of.items.retain(|choice| !is_null(choice));
                }
            }
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
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
    #[param(value_type = Option<rules::PageCursor>, inline)]
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
    #[schema(value_type = rules::RequiredText200)]
    pub title: String,
    /// Expected value, minor units (fen/cents), 0 up to 10^10.
    #[serde(default)]
    #[schema(value_type = rules::MinorUnits)]
    pub expected_value: i64,
    /// Expected closing day, `YYYY-MM-DD`.
    #[schema(value_type = Option<rules::Day>)]
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
    #[schema(value_type = rules::RequiredText500)]
    pub reason: String,
}

/// Moves an open opportunity to another open stage (`prospecting`, `proposal` or
/// `negotiation`); `won` and `lost` have their own requests.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveStage {
    /// The new stage: an open one.
    #[schema(value_type = OpenStage)]
    pub stage: String,
    /// A new expected value, minor units (fen/cents), 0 up to 10^10; unchanged when absent.
    #[schema(value_type = Option<rules::MinorUnits>)]
    pub expected_value: Option<i64>,
}

/// The stages `POST /api/v1/opportunities/{id}/stage` moves to: the open ones
/// (`records::sales::move_opportunity`); `won` and `lost` have their own requests.
pub struct OpenStage;

impl PartialSchema for OpenStage {
    fn schema() -> RefOr<Schema> {
        let open = Stage::ALL.iter().filter(|stage| stage.is_open());
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(open.map(|stage| stage.as_str())))
            .into()
    }
}

impl ToSchema for OpenStage {}

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
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<LineBody>,
    /// When the deal was closed (RFC 3339 or a date); now when absent.
    #[schema(value_type = Option<rules::Instant>)]
    pub placed_at: Option<String>,
    /// Invoice number, at most 40 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text40)]
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
    #[schema(value_type = rules::RequiredText2000)]
    pub summary: String,
}

impl QualifyAsService {
    /// The kind named, as records takes it.
    pub fn wit_kind(&self) -> Result<crate::sales::ServiceKind, Problem> {
        Ok(names::parse::<ServiceKind>("kind", &self.kind)?.into())
    }
}
