//! The WIT enums of `crm:records` and their stored spelling, which is `crm-domain`'s.

use crate::db;
use crate::exports::crm::records::activities::ActivityKind as WitActivityKind;
use crate::exports::crm::records::customers::{CustomerKind as WitCustomerKind, Tier as WitTier};
use crate::exports::crm::records::sales::{
    LeadSource as WitLeadSource, LeadStatus as WitLeadStatus, Stage as WitStage,
};
use crate::exports::crm::records::tasks::{
    SubjectKind as WitSubjectKind, TaskStatus as WitTaskStatus,
};
use crate::exports::crm::records::types::{Error, Role as WitRole};
use crate::exports::crm::records::verification::CheckOutcome as WitCheckOutcome;
use crm_domain::activity::ActivityKind;
use crm_domain::customer::{CustomerKind, Tier};
use crm_domain::names::UnknownName;
use crm_domain::role::Role;
use crm_domain::sales::{LeadSource, LeadStatus, Stage, SubjectKind, TaskStatus};
use crm_domain::verification::CheckOutcome;
use std::str::FromStr;

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

/// Reads a stored name of the closed set `D`, failing loudly if the row holds something the
/// schema forbids.
pub fn stored<D>(text: &str) -> Result<D, Error>
where
    D: FromStr<Err = UnknownName>,
{
    text.parse::<D>()
        .map_err(|e| db::internal("read a stored name", e))
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

use crate::exports::crm::records::sales::ServiceKind as WitServiceKind;
use crm_domain::sales::ServiceKind;
crm_domain::bridge_enum!(
    WitServiceKind,
    ServiceKind {
        Replacement,
        Repair,
        Refund,
        Other
    }
);
