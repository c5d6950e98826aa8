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
        Finance = "finance",
        Warehouse = "warehouse",
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
    /// every role that talks to customers may; ops runs the deployment and sees no customer data;
    /// finance and the warehouse see the service requests they work on, not the customer files.
    pub fn works_with_customers(self) -> bool {
        matches!(
            self,
            Role::Rep | Role::Agent | Role::ServiceLead | Role::SalesGm | Role::Admin
        )
    }

    /// Whether this role sees service requests: those who work with customers, and finance and
    /// the warehouse, who take their steps.
    pub fn sees_service_requests(self) -> bool {
        self.works_with_customers() || matches!(self, Role::Finance | Role::Warehouse)
    }

    /// Whether this role approves or rejects what a remedy costs (service requests).
    pub fn approves_remedies(self) -> bool {
        matches!(self, Role::Admin | Role::Finance)
    }

    /// Whether this role keeps the stock: adjusts it, picks and ships service requests.
    pub fn keeps_stock(self) -> bool {
        matches!(self, Role::Admin | Role::Warehouse)
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
            let back_office = matches!(role, Role::Ops | Role::Finance | Role::Warehouse);
            assert_eq!(role.works_with_customers(), !back_office, "{role}");
            assert_eq!(role.manages_field_work(), role.oversees(), "{role}");
        }
    }

    #[test]
    fn finance_approves_and_the_warehouse_keeps_stock_and_both_see_service_requests() {
        assert!(Role::Finance.approves_remedies() && !Role::Warehouse.approves_remedies());
        assert!(Role::Warehouse.keeps_stock() && !Role::Finance.keeps_stock());
        assert!(!Role::Agent.approves_remedies() && !Role::Agent.keeps_stock());
        for &role in Role::ALL {
            assert_eq!(role.sees_service_requests(), role != Role::Ops, "{role}");
        }
    }
}
