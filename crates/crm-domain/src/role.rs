//! Staff roles and what each may do.

use std::fmt;
use std::str::FromStr;

/// The roles staff can hold. The spelling of [`Role::as_str`] is the one stored and shown in
/// the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Rep,
    Agent,
    ServiceLead,
    SalesGm,
    Admin,
    Ops,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Rep,
        Role::Agent,
        Role::ServiceLead,
        Role::SalesGm,
        Role::Admin,
        Role::Ops,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Agent => "agent",
            Role::ServiceLead => "service_lead",
            Role::SalesGm => "sales_gm",
            Role::Admin => "admin",
            Role::Ops => "ops",
        }
    }

    /// Whether this role manages staff and tokens.
    pub fn administers_staff(self) -> bool {
        self == Role::Admin
    }

    /// Whether this role may see the staff directory and the audit log.
    pub fn oversees(self) -> bool {
        matches!(self, Role::Admin | Role::ServiceLead | Role::SalesGm)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not the name of a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`; expected one of rep, agent, service_lead, sales_gm, admin, ops")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn unknown_names_are_rejected() {
        assert!("Admin".parse::<Role>().is_err());
        assert!("sales-gm".parse::<Role>().is_err());
    }

    #[test]
    fn only_admins_administer_staff_and_only_managers_oversee() {
        assert!(Role::Admin.administers_staff());
        assert!(!Role::SalesGm.administers_staff());
        assert!(Role::SalesGm.oversees() && Role::ServiceLead.oversees());
        assert!(!Role::Rep.oversees() && !Role::Ops.oversees() && !Role::Agent.oversees());
    }
}
