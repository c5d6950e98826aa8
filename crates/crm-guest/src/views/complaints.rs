//! Bodies and queries of `crm:records/complaints`.

use super::rules;
use crate::complaints::{Closure, ComplaintQuery, NewComplaint};
use crate::names::{
    self, ComplaintAction, ComplaintChannel, ComplaintQueue, ComplaintStatus, Priority,
};
use crate::problem::Problem;
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// A customer's complaint, as staff take it down.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileComplaint {
    /// The customer who complains.
    pub customer_id: String,
    /// The phone to call back; blank or absent takes the customer's phone.
    #[schema(value_type = Option<rules::PhoneNumber>)]
    pub contact_phone: Option<String>,
    /// The order complained about: one of the customer's orders.
    pub order_id: Option<String>,
    /// The line of that order, 1-based; its product, batch number, invoice number and ship date
    /// are filled in from it.
    #[schema(minimum = 1, maximum = 100)]
    pub line_no: Option<u32>,
    /// A short category, e.g. `packaging`, 1–100 characters.
    #[schema(value_type = rules::RequiredText100)]
    pub category: String,
    /// What happened, 1–4000 characters.
    #[schema(value_type = rules::RequiredText4000)]
    pub description: String,
    /// How urgent it is; with the customer's tier it chooses the SLA policy.
    #[serde(default = "medium")]
    #[schema(value_type = Priority, default = "medium")]
    pub priority: String,
    /// How the complaint reached us.
    #[serde(default = "phone")]
    #[schema(value_type = ComplaintChannel, default = "phone")]
    pub channel: String,
    /// Who handles it: an active member of staff who works with customers; absent is the
    /// caller when they are an agent or a service lead.
    pub assignee_id: Option<String>,
}

fn medium() -> String {
    Priority::Medium.as_str().into()
}

fn phone() -> String {
    ComplaintChannel::Phone.as_str().into()
}

impl FileComplaint {
    pub fn into_input(self) -> Result<NewComplaint, Problem> {
        Ok(NewComplaint {
            customer_id: self.customer_id,
            contact_phone: self.contact_phone.unwrap_or_default(),
            order_id: self.order_id,
            line_no: self.line_no,
            category: self.category,
            description: self.description,
            priority: names::parse::<Priority>("priority", &self.priority)?.into(),
            channel: names::parse::<ComplaintChannel>("channel", &self.channel)?.into(),
            assignee_id: self.assignee_id,
        })
    }
}

/// Which complaints to list, newest first.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListComplaints {
    /// Only the complaints of this work queue.
    #[param(value_type = Option<ComplaintQueue>, inline)]
    pub queue: Option<String>,
    /// For the `breaching_soon` queue: how many minutes ahead a deadline counts, 1–10080 (a
    /// week).
    #[serde(default = "an_hour")]
    #[param(minimum = 1, maximum = 10080, default = 60)]
    pub within_minutes: u32,
    /// Only complaints in this status.
    #[param(value_type = Option<ComplaintStatus>)]
    pub status: Option<String>,
    /// Only complaints of this priority.
    #[param(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Only this customer's complaints.
    pub customer_id: Option<String>,
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<rules::PageCursor>, inline)]
    pub cursor: Option<String>,
}

fn an_hour() -> u32 {
    60
}

impl ListComplaints {
    pub fn into_query(self) -> Result<ComplaintQuery, Problem> {
        Ok(ComplaintQuery {
            queue: self
                .queue
                .map(|q| names::parse::<ComplaintQueue>("queue", &q).map(Into::into))
                .transpose()?,
            within_minutes: self.within_minutes,
            status: self
                .status
                .map(|s| names::parse::<ComplaintStatus>("status", &s).map(Into::into))
                .transpose()?,
            priority: self
                .priority
                .map(|p| names::parse::<Priority>("priority", &p).map(Into::into))
                .transpose()?,
            customer_id: self.customer_id,
            limit: self.limit,
            cursor: self.cursor,
        })
    }
}

/// A move of a complaint's workflow other than closing, which has its own route and body
/// ([`CloseComplaint`]).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The move; one the complaint's status does not allow is a conflict (409) naming the
    /// status.
    #[schema(value_type = MoveAction)]
    pub action: String,
}

/// The actions of [`Transition`]: every [`ComplaintAction`] but `close`.
pub struct MoveAction;

impl utoipa::PartialSchema for MoveAction {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(
                ComplaintAction::ALL
                    .iter()
                    .filter(|a| **a != ComplaintAction::Close)
                    .map(|a| a.as_str()),
            ))
            .into()
    }
}

impl utoipa::ToSchema for MoveAction {}

impl Transition {
    /// The action; `close` is refused here, as the document says (it needs [`CloseComplaint`]).
    pub fn action(&self) -> Result<crate::complaints::ComplaintAction, Problem> {
        match names::parse::<ComplaintAction>("action", &self.action)? {
            ComplaintAction::Close => Err(Problem::invalid(
                "action",
                "close a complaint with POST /api/v1/complaints/{id}/close, which takes cause, \
                 result and prevention",
            )),
            action => Ok(action.into()),
        }
    }
}

/// Closes a resolved complaint; the caller signs it off.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseComplaint {
    /// Why it happened, 1–2000 characters.
    #[schema(value_type = rules::RequiredText2000)]
    pub cause: String,
    /// What the customer got, 1–2000 characters.
    #[schema(value_type = rules::RequiredText2000)]
    pub result: String,
    /// What keeps it from happening again, 1–2000 characters.
    #[schema(value_type = rules::RequiredText2000)]
    pub prevention: String,
}

impl From<CloseComplaint> for Closure {
    fn from(b: CloseComplaint) -> Self {
        Closure {
            cause: b.cause,
            result: b.result,
            prevention: b.prevention,
        }
    }
}

/// A staff reply to the customer.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// What was said, 1–4000 characters.
    #[schema(value_type = rules::RequiredText4000)]
    pub text: String,
}

/// A complaint's new priority.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPriority {
    /// How urgent it is now; the SLA policy is chosen again and the deadlines recomputed.
    #[schema(value_type = Priority)]
    pub priority: String,
}

impl SetPriority {
    pub fn into_priority(self) -> Result<crate::sla::Priority, Problem> {
        Ok(names::parse::<Priority>("priority", &self.priority)?.into())
    }
}

/// What `POST /api/v1/escalation/sweep` answers: the escalations it fired, and the webhook
/// deliveries it then attempted.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SweepAnswer {
    #[serde(flatten)]
    pub report: crate::complaints::SweepReport,
    /// The webhook deliveries that were due after the sweep.
    pub deliveries: super::webhooks::DeliverReport,
}

/// A complaint's photo as the answer: the picture itself, of the type records told from its
/// bytes, never sniffed as anything else nor run (`sandbox`), shown inline and kept by no
/// cache (a photo is as private as the complaint).
pub fn photo_response(photo: &crate::complaints::Photo) -> spin_sdk::http::Response {
    let extension =
        crm_domain::complaint::PhotoKind::of(&photo.bytes).map_or("bin", |kind| kind.extension());
    spin_sdk::http::Response::builder()
        .status(200)
        .header("content-type", photo.info.content_type.as_str())
        .header(
            "content-disposition",
            format!("inline; filename=\"{}.{extension}\"", photo.info.id),
        )
        .header("content-security-policy", "default-src 'none'; sandbox")
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "private, no-store")
        .body(photo.bytes.clone())
        .build()
}

/// The signed-in customer files a complaint about a line of one of their orders (customer
/// API; photos come with the portal's form).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileMyComplaint {
    /// One of the customer's orders.
    pub order_id: String,
    /// Its line, 1-based: product, batch, invoice and ship date are filled in from it.
    #[schema(minimum = 1)]
    pub line_no: u32,
    /// A short category, e.g. `packaging`.
    #[schema(value_type = rules::RequiredText100)]
    pub category: String,
    /// What happened.
    #[schema(value_type = rules::RequiredText4000)]
    pub description: String,
}

impl From<FileMyComplaint> for crate::complaints::MyNewComplaint {
    fn from(b: FileMyComplaint) -> Self {
        Self {
            order_id: b.order_id,
            line_no: b.line_no,
            category: b.category,
            description: b.description,
            photos: Vec::new(),
        }
    }
}

/// What the signed-in customer does to their complaint (customer API).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActOnMyComplaint {
    /// `reply` (while the company waits on the customer), `reopen` (a resolved complaint),
    /// `confirm_receipt` (of a shipped replacement) or `rate` (a closed complaint, once).
    #[schema(value_type = names::MyComplaintAction)]
    pub action: String,
    /// The reply or the reason to reopen (1–4000 characters), or the rating's comment (at most
    /// 2000, may be empty).
    #[serde(default)]
    pub text: String,
    /// For `rate`: 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub score: Option<u8>,
    /// For `confirm_receipt`: the shipped replacement's service request.
    pub service_request_id: Option<String>,
}

impl ActOnMyComplaint {
    pub fn into_input(self) -> Result<crate::complaints::MyComplaintInput, Problem> {
        Ok(crate::complaints::MyComplaintInput {
            action: names::parse::<names::MyComplaintAction>("action", &self.action)?.into(),
            text: self.text,
            score: self.score,
            service_request_id: self.service_request_id,
            photos: Vec::new(),
        })
    }
}
