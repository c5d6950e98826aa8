//! Staff roles and what each may do.

crate::named_enum! {
    /// The roles staff can hold.
    pub enum Role as "role" {
        Rep = "rep",
        Agent = "agent",
        ServiceLead = "service_lead",
        SalesGm = "sales_gm",
        Admin = "admin",
        Ops = "ops",
    }
}

impl Role {
    /// Whether this role manages staff and tokens.
    pub fn administers_staff(self) -> bool {
        self == Role::Admin
    }

    /// Whether this role may see the staff directory and the audit log.
    pub fn oversees(self) -> bool {
        matches!(self, Role::Admin | Role::ServiceLead | Role::SalesGm)
    }

    /// Whether this role may see and edit customers. The record belongs to the company, so
    /// every role that talks to customers may; ops runs the deployment and sees no customer data.
    pub fn works_with_customers(self) -> bool {
        self != Role::Ops
    }

    /// Whether this role maintains the product catalogue.
    pub fn manages_catalogue(self) -> bool {
        matches!(self, Role::Admin | Role::SalesGm)
    }

    /// Whether this role sets up service levels: business calendars and SLA policies.
    pub fn manages_service(self) -> bool {
        matches!(self, Role::Admin | Role::ServiceLead)
    }

    /// Whether this role runs the deployment's periodic work, such as the escalation sweep.
    pub fn runs_sweeps(self) -> bool {
        matches!(self, Role::Admin | Role::Ops)
    }

    /// Whether this role reads the management reports: managers see every customer's figures,
    /// a rep only those of the customers they own.
    pub fn reads_reports(self) -> bool {
        self.oversees() || self == Role::Rep
    }

    /// Whether this role manages field work: reassigning customers in bulk, assigning and
    /// overseeing tasks, verifying visits.
    pub fn manages_field_work(self) -> bool {
        self.oversees()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for &role in Role::ALL {
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

    #[test]
    fn everyone_but_ops_works_with_customers_and_only_managers_manage_field_work() {
        for &role in Role::ALL {
            assert_eq!(role.works_with_customers(), role != Role::Ops, "{role}");
            assert_eq!(role.manages_field_work(), role.oversees(), "{role}");
        }
    }
}
