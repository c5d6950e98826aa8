//! Closed sets of names (roles, tiers, kinds): one spelling, stored and shown in the API.
//!
//! `named_enum!` declares such an enum with `as_str`, `ALL`, `Display` and `FromStr`;
//! `bridge_enum!` converts between it and the same-named cases of a WIT enum, so that the
//! components never spell the names themselves.

/// The text was not one of the names of a closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`; expected one of {expected}")]
pub struct UnknownName {
    /// What the set is, e.g. `role`.
    pub what: &'static str,
    /// The text that was given.
    pub given: String,
    /// The names the set has, comma-separated.
    pub expected: String,
}

/// Declares an enum whose variants have fixed API names.
#[macro_export]
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident as $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored and shown in the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "api")]
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "api")]
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(::utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        #[cfg(feature = "api")]
        impl ::utoipa::ToSchema for $name {}

        impl ::std::str::FromStr for $name {
            type Err = $crate::names::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    $crate::names::UnknownName {
                        what: $what,
                        given: s.to_owned(),
                        expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    }
                })
            }
        }
    };
}

/// Converts both ways between a domain enum and a generated WIT enum with the same cases.
/// Both types are given as names in scope: `bridge_enum!(WitRole, Role { Rep, Agent })`.
#[macro_export]
macro_rules! bridge_enum {
    ($wit:ident, $domain:ident { $($variant:ident),+ $(,)? }) => {
        impl From<$wit> for $domain {
            fn from(value: $wit) -> Self {
                match value { $($wit::$variant => $domain::$variant),+ }
            }
        }

        impl From<$domain> for $wit {
            fn from(value: $domain) -> Self {
                match value { $($domain::$variant => $wit::$variant),+ }
            }
        }
    };
}

/// Bridges every WIT enum of `crm:records` to its domain enum, once for each crate that has
/// bindings: `bridge_records_enums!(crate::exports::crm::records)` in records,
/// `bridge_records_enums!(crate::bindings::crm::records)` in the guest adapter. A new enum in
/// the WIT is added here, and both sides get it.
#[macro_export]
macro_rules! bridge_records_enums {
    ($($wit:ident)::+) => {
        mod records_enum_bridges {
            use $($wit)::+::activities::ActivityKind as WitActivityKind;
            use $($wit)::+::customers::{
                CustomerKind as WitCustomerKind, ImportStatus as WitImportStatus, Tier as WitTier,
            };
            use $($wit)::+::orders::{
                OrderChannel as WitOrderChannel, OrderStatus as WitOrderStatus,
            };
            use $($wit)::+::sales::{
                LeadSource as WitLeadSource, LeadStatus as WitLeadStatus, Stage as WitStage,
            };
            use $($wit)::+::service_requests::{
                ServiceAction as WitServiceAction, ServiceKind as WitServiceKind,
                ServiceStatus as WitServiceStatus,
            };
            use $($wit)::+::tasks::{SubjectKind as WitSubjectKind, TaskStatus as WitTaskStatus};
            use $($wit)::+::types::Role as WitRole;
            use $($wit)::+::verification::CheckOutcome as WitCheckOutcome;
            use $crate::activity::ActivityKind;
            use $crate::customer::{CustomerKind, ImportStatus, Tier};
            use $crate::orders::{OrderChannel, OrderStatus};
            use $crate::role::Role;
            use $crate::sales::{LeadSource, LeadStatus, Stage, SubjectKind, TaskStatus};
            use $crate::service::{ServiceAction, ServiceKind, ServiceStatus};
            use $crate::verification::CheckOutcome;
            use $($wit)::+::sla::{
                ClockKind as WitClockKind, EscalationTrigger as WitEscalationTrigger,
                Priority as WitPriority,
            };
            use $($wit)::+::complaints::{
                ComplaintAction as WitComplaintAction, ComplaintChannel as WitComplaintChannel,
                ComplaintQueue as WitComplaintQueue, ComplaintStatus as WitComplaintStatus,
                MyComplaintAction as WitMyComplaintAction,
            };
            use $crate::complaint::{
                ComplaintAction, ComplaintChannel, ComplaintQueue, ComplaintStatus, MyComplaintAction,
            };
            use $crate::sla::{ClockKind, EscalationTrigger, Priority};
            use $($wit)::+::webhooks::DeliveryStatus as WitDeliveryStatus;
            use $crate::webhook::DeliveryStatus;

            $crate::bridge_enum!(WitRole, Role { Rep, Agent, ServiceLead, SalesGm, Admin, Ops, Finance, Warehouse });
            $crate::bridge_enum!(WitTier, Tier { Standard, Silver, Gold, Platinum });
            $crate::bridge_enum!(WitCustomerKind, CustomerKind { Company, Person });
            $crate::bridge_enum!(WitActivityKind, ActivityKind { Visit, Call, Email, Fax, Web });
            $crate::bridge_enum!(WitLeadSource, LeadSource { Web, Phone, Visit, Referral, Event, Other });
            $crate::bridge_enum!(WitLeadStatus, LeadStatus { New, Qualified, Disqualified });
            $crate::bridge_enum!(WitStage, Stage { Prospecting, Proposal, Negotiation, Won, Lost });
            $crate::bridge_enum!(WitSubjectKind, SubjectKind { Lead, Opportunity, Customer, Complaint });
            $crate::bridge_enum!(WitTaskStatus, TaskStatus { Open, Succeeded, Failed, Redo });
            $crate::bridge_enum!(WitCheckOutcome, CheckOutcome { Confirmed, NotConfirmed, NoAnswer });
            $crate::bridge_enum!(WitServiceKind, ServiceKind { Replacement, Repair, Refund, Other });
            $crate::bridge_enum!(WitServiceStatus, ServiceStatus {
                Requested, Approved, Rejected, Picked, Shipped, Received, Done, Cancelled
            });
            $crate::bridge_enum!(WitServiceAction, ServiceAction {
                Approve, Reject, Pick, Ship, ConfirmReceipt, Complete, Cancel
            });
            $crate::bridge_enum!(WitOrderChannel, OrderChannel { Staff, Web });
            $crate::bridge_enum!(WitOrderStatus, OrderStatus {
                Placed, Confirmed, Shipped, Delivered, Cancelled
            });
            $crate::bridge_enum!(WitImportStatus, ImportStatus { Created, Merged, Rejected });
            $crate::bridge_enum!(WitPriority, Priority { Low, Medium, High, Urgent });
            $crate::bridge_enum!(WitClockKind, ClockKind { Wall, Business });
            $crate::bridge_enum!(WitEscalationTrigger, EscalationTrigger {
                FirstResponseWarning, FirstResponseBreach, ResolutionWarning, ResolutionBreach,
                UnansweredFor
            });
            $crate::bridge_enum!(WitComplaintChannel, ComplaintChannel { Portal, Phone, Visit, Email });
            $crate::bridge_enum!(WitComplaintStatus, ComplaintStatus {
                New, Acknowledged, InProgress, WaitingOnCustomer, Resolved, Closed
            });
            $crate::bridge_enum!(WitComplaintAction, ComplaintAction {
                Acknowledge, Start, WaitOnCustomer, Resume, Resolve, Close, Reopen
            });
            $crate::bridge_enum!(WitComplaintQueue, ComplaintQueue {
                Mine, Team, BreachingSoon, Breached, WaitingOnCustomer
            });
            $crate::bridge_enum!(WitMyComplaintAction, MyComplaintAction {
                Reply, Reopen, ConfirmReceipt, Rate
            });
            $crate::bridge_enum!(WitDeliveryStatus, DeliveryStatus { Pending, Delivered, Dead });
        }
    };
}
