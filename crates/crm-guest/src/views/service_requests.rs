//! Bodies and queries of `crm:records/service-requests`.

use super::rules;
use crate::names::{self, ServiceAction, ServiceKind, ServiceStatus};
use crate::problem::Problem;
use crate::service_requests::{NewServiceRequest, ServiceQuery, StepInput};
use serde::Deserialize;

/// Service work derived from a complaint.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestService {
    /// What kind of work: a `replacement` ships the product of the complaint's order line.
    #[schema(value_type = ServiceKind)]
    pub kind: String,
    /// What is to be done, 1–2000 characters.
    #[schema(value_type = rules::RequiredText2000)]
    pub summary: String,
    /// Replacement only: units to ship, at most the policy's `remedy_percent` of the line's
    /// units; absent ships as many as on the line.
    #[schema(minimum = 1, maximum = 1000000)]
    pub quantity: Option<u32>,
    /// Replacement only: one of the customer's addresses; absent takes the original order's,
    /// else the customer's first.
    pub address_id: Option<String>,
}

impl RequestService {
    pub fn into_input(self) -> Result<NewServiceRequest, Problem> {
        Ok(NewServiceRequest {
            kind: names::parse::<ServiceKind>("kind", &self.kind)?.into(),
            summary: self.summary,
            quantity: self.quantity,
            address_id: self.address_id,
        })
    }
}

/// Which service requests to list, oldest first: a work queue (finance takes `requested`, the
/// warehouse `approved` and `picked`).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListServiceRequests {
    /// Only requests in this status.
    #[param(value_type = Option<ServiceStatus>)]
    pub status: Option<String>,
    /// Only requests of this kind.
    #[param(value_type = Option<ServiceKind>)]
    pub kind: Option<String>,
    /// Only the requests derived from this complaint.
    pub complaint_id: Option<String>,
    /// Only this customer's requests.
    pub customer_id: Option<String>,
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<rules::PageCursor>, inline)]
    pub cursor: Option<String>,
}

impl ListServiceRequests {
    pub fn into_query(self) -> Result<ServiceQuery, Problem> {
        Ok(ServiceQuery {
            status: self
                .status
                .map(|s| names::parse::<ServiceStatus>("status", &s).map(Into::into))
                .transpose()?,
            kind: self
                .kind
                .map(|k| names::parse::<ServiceKind>("kind", &k).map(Into::into))
                .transpose()?,
            complaint_id: self.complaint_id,
            customer_id: self.customer_id,
            limit: self.limit,
            cursor: self.cursor,
        })
    }
}

/// A step of a service request's workflow.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeStep {
    /// The step: `approve` and `reject` (finance), `pick` and `ship` (the warehouse),
    /// `confirm_receipt`, `complete` and `cancel` (staff who work with customers; cancelling is
    /// for the requester or a manager). One the status does not allow is a conflict (409)
    /// naming the status.
    #[schema(value_type = ServiceAction)]
    pub action: String,
    /// Why, or anything worth keeping, at most 2000 characters; `reject` and `cancel` need one.
    #[serde(default)]
    #[schema(value_type = rules::Text2000)]
    pub note: String,
    /// `ship` only: the day it shipped; absent is today (UTC).
    #[schema(value_type = Option<rules::Day>)]
    pub ship_date: Option<String>,
    /// `ship` only: the carrier, at most 100 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text100)]
    pub carrier: String,
    /// `ship` only: the carrier's tracking number, at most 100 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text100)]
    pub tracking_number: String,
}

impl TakeStep {
    pub fn into_input(self) -> Result<StepInput, Problem> {
        Ok(StepInput {
            action: names::parse::<ServiceAction>("action", &self.action)?.into(),
            note: self.note,
            ship_date: self.ship_date,
            carrier: self.carrier,
            tracking_number: self.tracking_number,
        })
    }
}
