//! Roles as the API spells them; the spelling itself is `crm-domain`'s.

use crate::problem::Problem;
use crate::types::Role;
use crm_domain::role::Role as DomainRole;

/// The API name of a role, e.g. `service_lead`.
pub fn name(role: Role) -> &'static str {
    to_domain(role).as_str()
}

/// Parses a role name from the input field `field`.
pub fn parse(field: &str, text: &str) -> Result<Role, Problem> {
    text.parse::<DomainRole>()
        .map(from_domain)
        .map_err(|e| Problem::invalid(field, e.to_string()))
}

fn to_domain(role: Role) -> DomainRole {
    match role {
        Role::Rep => DomainRole::Rep,
        Role::Agent => DomainRole::Agent,
        Role::ServiceLead => DomainRole::ServiceLead,
        Role::SalesGm => DomainRole::SalesGm,
        Role::Admin => DomainRole::Admin,
        Role::Ops => DomainRole::Ops,
    }
}

fn from_domain(role: DomainRole) -> Role {
    match role {
        DomainRole::Rep => Role::Rep,
        DomainRole::Agent => Role::Agent,
        DomainRole::ServiceLead => Role::ServiceLead,
        DomainRole::SalesGm => Role::SalesGm,
        DomainRole::Admin => Role::Admin,
        DomainRole::Ops => Role::Ops,
    }
}
