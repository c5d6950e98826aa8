//! The WIT enums of `crm:records` as the API spells them; the spelling itself is `crm-domain`'s.

use crate::problem::Problem;
use std::str::FromStr;

pub use crm_domain::activity::ActivityKind;
pub use crm_domain::complaint::{
    ComplaintAction, ComplaintChannel, ComplaintQueue, ComplaintStatus, MyComplaintAction,
};
pub use crm_domain::customer::{CustomerKind, ImportStatus, Tier};
pub use crm_domain::orders::{OrderChannel, OrderStatus};
pub use crm_domain::report::Segment;
pub use crm_domain::role::Role;
pub use crm_domain::sales::{LeadSource, LeadStatus, Stage, SubjectKind, TaskStatus};
pub use crm_domain::service::{ServiceAction, ServiceKind, ServiceStatus};
pub use crm_domain::sla::{ClockKind, EscalationTrigger, Priority};
pub use crm_domain::verification::CheckOutcome;
pub use crm_domain::webhook::DeliveryStatus;

crm_domain::bridge_records_enums!(crate::bindings::crm::records);

/// A WIT enum in JSON and in the OpenAPI document is its domain name (`service_lead`, not
/// `ServiceLead`): serialised and described through the domain enum it bridges to.
macro_rules! spelt_as_domain {
    ($($wit:ty => $domain:ty),+ $(,)?) => {$(
        impl serde::Serialize for $wit {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$domain>::from(*self).serialize(serializer)
            }
        }

        impl utoipa::PartialSchema for $wit {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <$domain as utoipa::PartialSchema>::schema()
            }
        }

        impl utoipa::ToSchema for $wit {
            fn name() -> std::borrow::Cow<'static, str> {
                <$domain as utoipa::ToSchema>::name()
            }
        }
    )+};
}

spelt_as_domain! {
    crate::types::Role => Role,
    crate::customers::Tier => Tier,
    crate::customers::CustomerKind => CustomerKind,
    crate::customers::ImportStatus => ImportStatus,
    crate::orders::OrderChannel => OrderChannel,
    crate::orders::OrderStatus => OrderStatus,
    crate::activities::ActivityKind => ActivityKind,
    crate::sales::LeadSource => LeadSource,
    crate::sales::LeadStatus => LeadStatus,
    crate::sales::Stage => Stage,
    crate::tasks::SubjectKind => SubjectKind,
    crate::tasks::TaskStatus => TaskStatus,
    crate::verification::CheckOutcome => CheckOutcome,
    crate::service_requests::ServiceKind => ServiceKind,
    crate::service_requests::ServiceStatus => ServiceStatus,
    crate::service_requests::ServiceAction => ServiceAction,
    crate::sla::Priority => Priority,
    crate::sla::ClockKind => ClockKind,
    crate::sla::EscalationTrigger => EscalationTrigger,
    crate::complaints::ComplaintChannel => ComplaintChannel,
    crate::complaints::ComplaintStatus => ComplaintStatus,
    crate::complaints::ComplaintAction => ComplaintAction,
    crate::complaints::ComplaintQueue => ComplaintQueue,
    crate::complaints::MyComplaintAction => MyComplaintAction,
    crate::webhooks::DeliveryStatus => DeliveryStatus,
}

/// Parses a name of the closed set `D` from the input field `field`; convert the result into
/// the WIT enum with `.into()`.
pub fn parse<D>(field: &str, text: &str) -> Result<D, Problem>
where
    D: FromStr<Err = crm_domain::names::UnknownName>,
{
    text.parse::<D>()
        .map_err(|e| Problem::invalid(field, e.to_string()))
}
