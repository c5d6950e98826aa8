//! The WIT enums of `crm:records` as the API spells them; the spelling itself is `crm-domain`'s.

use crate::bindings::crm::records::activities::ActivityKind as WitActivityKind;
use crate::bindings::crm::records::customers::{CustomerKind as WitCustomerKind, Tier as WitTier};
use crate::bindings::crm::records::sales::{
    LeadSource as WitLeadSource, LeadStatus as WitLeadStatus, Stage as WitStage,
};
use crate::bindings::crm::records::tasks::{
    SubjectKind as WitSubjectKind, TaskStatus as WitTaskStatus,
};
use crate::bindings::crm::records::verification::CheckOutcome as WitCheckOutcome;
use crate::problem::Problem;
use crate::types::Role as WitRole;
use std::str::FromStr;

pub use crm_domain::activity::ActivityKind;
pub use crm_domain::customer::{CustomerKind, Tier};
pub use crm_domain::role::Role;
pub use crm_domain::sales::{LeadSource, LeadStatus, Stage, SubjectKind, TaskStatus};
pub use crm_domain::verification::CheckOutcome;

crm_domain::bridge_enum!(
    WitRole,
    Role {
        Rep,
        Agent,
        ServiceLead,
        SalesGm,
        Admin,
        Ops
    }
);
crm_domain::bridge_enum!(
    WitTier,
    Tier {
        Standard,
        Silver,
        Gold,
        Platinum
    }
);
crm_domain::bridge_enum!(WitCustomerKind, CustomerKind { Company, Person });
crm_domain::bridge_enum!(
    WitActivityKind,
    ActivityKind {
        Visit,
        Call,
        Email,
        Fax,
        Web
    }
);

/// Parses a name of the closed set `D` from the input field `field`; convert the result into
/// the WIT enum with `.into()`.
pub fn parse<D>(field: &str, text: &str) -> Result<D, Problem>
where
    D: FromStr<Err = crm_domain::names::UnknownName>,
{
    text.parse::<D>()
        .map_err(|e| Problem::invalid(field, e.to_string()))
}

crm_domain::bridge_enum!(
    WitLeadSource,
    LeadSource {
        Web,
        Phone,
        Visit,
        Referral,
        Event,
        Other
    }
);
crm_domain::bridge_enum!(
    WitLeadStatus,
    LeadStatus {
        New,
        Qualified,
        Disqualified
    }
);
crm_domain::bridge_enum!(
    WitStage,
    Stage {
        Prospecting,
        Proposal,
        Negotiation,
        Won,
        Lost
    }
);
crm_domain::bridge_enum!(
    WitSubjectKind,
    SubjectKind {
        Lead,
        Opportunity,
        Customer
    }
);
crm_domain::bridge_enum!(
    WitTaskStatus,
    TaskStatus {
        Open,
        Succeeded,
        Failed,
        Redo
    }
);
crm_domain::bridge_enum!(
    WitCheckOutcome,
    CheckOutcome {
        Confirmed,
        NotConfirmed,
        NoAnswer
    }
);

use crate::bindings::crm::records::sales::ServiceKind as WitServiceKind;
pub use crm_domain::sales::ServiceKind;
crm_domain::bridge_enum!(
    WitServiceKind,
    ServiceKind {
        Replacement,
        Repair,
        Refund,
        Other
    }
);
