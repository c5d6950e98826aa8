//! `records`: the system of record of the CRM, a Spin library component.
//!
//! It exports the `crm:records` interfaces and is composed into every HTTP component as a Spin
//! component dependency. It is **the only code that touches SQL or key-value**, and it decides
//! authorization: every call carries the caller's credential, authenticated here. Every change
//! and its audit entry are written in one transaction, committed before the call returns.

mod accounts;
mod activities;
mod audit;
mod auth;
mod complaints;
mod customers;
mod db;
mod demo;
mod idempotency;
mod identity;
mod names;
mod orders;
mod overview;
mod reports;
mod sales;
mod secrets;
mod service_requests;
mod sla;
mod tasks;
mod throttle;
mod verification;
mod webhooks;

wit_bindgen::generate!({
    world: "records",
    path: "../../wit",
    // A keyed create stores its result and returns it again to a retry (see `idempotency`).
    additional_derives: [serde::Serialize, serde::Deserialize],
});

use exports::crm::records::types::{Credential, Error, IdempotencyKey};
use exports::crm::records::{
    accounts as accounts_api, activities as activities_api, audit as audit_api,
    complaints as complaints_api, customers as customers_api, demo as demo_api,
    identity as identity_api, orders as orders_api, overview as overview_api,
    reports as reports_api, sales as sales_api, service_requests as service_api, sla as sla_api,
    system as system_api, tasks as tasks_api, verification as verification_api,
    webhooks as webhooks_api,
};

/// The exported implementation; each method opens the database and delegates to a module.
struct Records;

/// Opens the database, authenticates the caller and runs `work` on their behalf.
fn with_actor<T>(
    who: &Credential,
    work: impl FnOnce(&db::Db, &auth::Actor) -> Result<T, Error>,
) -> Result<T, Error> {
    let db = db::Db::open()?;
    let actor = auth::authenticate(&db, who)?;
    work(&db, &actor)
}

/// [`with_actor`] for a call that creates something: with an idempotency key, a retry returns
/// the first call's result instead of creating again (see `idempotency`).
fn with_actor_once<T: serde::Serialize + serde::de::DeserializeOwned>(
    who: &Credential,
    once: Option<IdempotencyKey>,
    work: impl FnOnce(&db::Db, &auth::Actor) -> Result<T, Error>,
) -> Result<T, Error> {
    with_actor(who, |db, actor| {
        idempotency::once(db, actor.id(), once, |db| work(db, actor))
    })
}

/// Opens the database, authenticates a customer's portal session and runs `work` for the
/// signed-in customer. A staff token is `unauthenticated` here, as a session is to staff calls.
fn with_customer<T>(
    who: &Credential,
    work: impl FnOnce(&db::Db, &auth::CustomerActor) -> Result<T, Error>,
) -> Result<T, Error> {
    let db = db::Db::open()?;
    let customer = auth::customer(&db, who)?;
    work(&db, &customer)
}

impl system_api::Guest for Records {
    fn health() -> Result<system_api::HealthReport, Error> {
        let db = db::Db::open()?;
        Ok(system_api::HealthReport {
            schema_version: db.schema_version(),
            migrations_known: db::MIGRATIONS.len() as u32,
        })
    }
}

impl identity_api::Guest for Records {
    fn whoami(who: Credential) -> Result<identity_api::Staff, Error> {
        let db = db::Db::open()?;
        Ok(auth::authenticate(&db, &who)?.staff)
    }

    fn create_staff(
        who: Credential,
        input: identity_api::NewStaff,
        once: Option<IdempotencyKey>,
    ) -> Result<identity_api::Staff, Error> {
        with_actor_once(&who, once, |db, actor| {
            identity::create_staff(db, actor, input)
        })
    }

    fn list_staff(who: Credential) -> Result<Vec<identity_api::Staff>, Error> {
        with_actor(&who, identity::list_staff)
    }

    fn issue_token(
        who: Credential,
        staff_id: String,
        label: String,
    ) -> Result<identity_api::IssuedToken, Error> {
        with_actor(&who, |db, actor| {
            identity::issue_token(db, actor, &staff_id, &label)
        })
    }

    fn revoke_token(who: Credential, token_id: String) -> Result<(), Error> {
        with_actor(&who, |db, actor| {
            identity::revoke_token(db, actor, &token_id)
        })
    }
}

impl accounts_api::Guest for Records {
    fn invite(
        who: Credential,
        customer_id: String,
        email: String,
    ) -> Result<accounts_api::Invitation, Error> {
        with_actor(&who, |db, actor| {
            accounts::invite(db, actor, &customer_id, &email)
        })
    }

    // The customer's own calls: anonymous (sign-up, invitation, sign-in) or carrying a session
    // id, which `accounts` checks itself; none is staff, so none goes through `with_actor`.

    fn sign_up(
        input: accounts_api::NewAccount,
        sender: String,
    ) -> Result<accounts_api::Session, Error> {
        let db = db::Db::open()?;
        accounts::sign_up(&db, input, &sender)
    }

    fn accept_invitation(code: String, password: String) -> Result<accounts_api::Session, Error> {
        let db = db::Db::open()?;
        accounts::accept_invitation(&db, &code, &password)
    }

    fn sign_in(
        email: String,
        password: String,
        sender: String,
    ) -> Result<accounts_api::Session, Error> {
        let db = db::Db::open()?;
        accounts::sign_in(&db, &email, &password, &sender)
    }

    fn resume(session_id: String) -> Result<accounts_api::Session, Error> {
        let db = db::Db::open()?;
        accounts::resume(&db, &session_id)
    }

    fn sign_out(session_id: String) -> Result<(), Error> {
        accounts::sign_out(&session_id)
    }

    fn change_password(
        session_id: String,
        current: String,
        new_password: String,
    ) -> Result<accounts_api::Session, Error> {
        let db = db::Db::open()?;
        accounts::change_password(&db, &session_id, &current, &new_password)
    }
}

impl audit_api::Guest for Records {
    fn read_log(
        who: Credential,
        query: audit_api::AuditQuery,
    ) -> Result<audit_api::AuditPage, Error> {
        with_actor(&who, |db, actor| audit::read_log(db, actor, query))
    }
}

impl customers_api::Guest for Records {
    fn my_customer(who: Credential) -> Result<customers_api::Customer, Error> {
        with_customer(&who, |db, me| customers::load(db, &me.customer_id))
    }

    fn create_customer(
        who: Credential,
        input: customers_api::NewCustomer,
        allow_duplicate: bool,
        once: Option<IdempotencyKey>,
    ) -> Result<customers_api::Creation, Error> {
        with_actor_once(&who, once, |db, actor| {
            customers::create_customer(db, actor, input, allow_duplicate)
        })
    }

    fn get_customer(who: Credential, id: String) -> Result<customers_api::Customer, Error> {
        with_actor(&who, |db, actor| customers::get_customer(db, actor, &id))
    }

    fn update_customer(
        who: Credential,
        id: String,
        patch: customers_api::CustomerPatch,
        expected_version: Option<u32>,
    ) -> Result<customers_api::Customer, Error> {
        with_actor(&who, |db, actor| {
            customers::update_customer(db, actor, &id, patch, expected_version)
        })
    }

    fn list_customers(
        who: Credential,
        query: customers_api::CustomerQuery,
    ) -> Result<customers_api::CustomerPage, Error> {
        with_actor(&who, |db, actor| {
            customers::list_customers(db, actor, query)
        })
    }

    fn add_contact(
        who: Credential,
        customer_id: String,
        input: customers_api::ContactInput,
        once: Option<IdempotencyKey>,
    ) -> Result<customers_api::Contact, Error> {
        with_actor_once(&who, once, |db, actor| {
            customers::add_contact(db, actor, &customer_id, input)
        })
    }

    fn add_address(
        who: Credential,
        customer_id: String,
        input: customers_api::AddressInput,
        once: Option<IdempotencyKey>,
    ) -> Result<customers_api::Address, Error> {
        with_actor_once(&who, once, |db, actor| {
            customers::add_address(db, actor, &customer_id, input)
        })
    }

    fn merge_customers(
        who: Credential,
        survivor_id: String,
        merged_id: String,
        dry_run: bool,
    ) -> Result<customers_api::MergeOutcome, Error> {
        with_actor(&who, |db, actor| {
            customers::merge_customers(db, actor, &survivor_id, &merged_id, dry_run)
        })
    }

    fn import_customers(
        who: Credential,
        rows: Vec<customers_api::ImportRow>,
        first_row: u32,
    ) -> Result<Vec<customers_api::ImportOutcome>, Error> {
        with_actor(&who, |db, actor| {
            customers::import_customers(db, actor, rows, first_row)
        })
    }

    fn export_customers(
        who: Credential,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<customers_api::ExportPage, Error> {
        with_actor(&who, |db, actor| {
            customers::export_customers(db, actor, cursor, limit)
        })
    }

    fn reassign_customers(
        who: Credential,
        from_owner: String,
        to_owner: String,
        customer_ids: Option<Vec<String>>,
    ) -> Result<u32, Error> {
        with_actor(&who, |db, actor| {
            customers::reassign_customers(db, actor, &from_owner, &to_owner, customer_ids)
        })
    }
}

impl orders_api::Guest for Records {
    fn adjust_stock(
        who: Credential,
        product_id: String,
        change: i32,
        note: String,
    ) -> Result<orders_api::Product, Error> {
        with_actor(&who, |db, actor| {
            orders::adjust_stock(db, actor, &product_id, change, &note)
        })
    }

    fn create_product(
        who: Credential,
        input: orders_api::NewProduct,
        once: Option<IdempotencyKey>,
    ) -> Result<orders_api::Product, Error> {
        with_actor_once(&who, once, |db, actor| {
            orders::create_product(db, actor, input)
        })
    }

    fn update_product(
        who: Credential,
        id: String,
        patch: orders_api::ProductPatch,
    ) -> Result<orders_api::Product, Error> {
        with_actor(&who, |db, actor| {
            orders::update_product(db, actor, &id, patch)
        })
    }

    fn list_products(
        who: Credential,
        include_inactive: bool,
    ) -> Result<Vec<orders_api::Product>, Error> {
        with_actor(&who, |db, actor| {
            orders::list_products(db, actor, include_inactive)
        })
    }

    fn browse_catalogue(
        search: Option<String>,
        limit: u32,
    ) -> Result<Vec<orders_api::Product>, Error> {
        let db = db::Db::open()?;
        orders::browse_catalogue(&db, search.as_deref(), limit)
    }

    fn create_order(
        who: Credential,
        input: orders_api::NewOrder,
        once: Option<IdempotencyKey>,
    ) -> Result<orders_api::Order, Error> {
        with_actor_once(&who, once, |db, actor| {
            orders::create_order(db, actor, input)
        })
    }

    fn get_order(who: Credential, id: String) -> Result<orders_api::Order, Error> {
        with_actor(&who, |db, actor| orders::get_order(db, actor, &id))
    }

    fn list_orders(
        who: Credential,
        query: orders_api::OrderQuery,
    ) -> Result<orders_api::OrderPage, Error> {
        with_actor(&who, |db, actor| orders::list_orders(db, actor, query))
    }

    fn set_order_status(
        who: Credential,
        id: String,
        status: orders_api::OrderStatus,
        ship_date: Option<String>,
    ) -> Result<orders_api::Order, Error> {
        with_actor(&who, |db, actor| {
            orders::set_order_status(db, actor, &id, status, ship_date)
        })
    }

    // The customer's own calls, with a portal session (`with_customer`).

    fn get_cart(who: Credential) -> Result<orders_api::Cart, Error> {
        with_customer(&who, orders::get_cart)
    }

    fn set_cart_quantity(
        who: Credential,
        product_id: String,
        quantity: u32,
    ) -> Result<orders_api::Cart, Error> {
        with_customer(&who, |db, customer| {
            orders::set_cart_quantity(db, customer, &product_id, quantity)
        })
    }

    fn place_web_order(
        who: Credential,
        input: orders_api::WebOrder,
        once: Option<IdempotencyKey>,
    ) -> Result<orders_api::Order, Error> {
        with_customer(&who, |db, customer| {
            orders::place_web_order(db, customer, input, once)
        })
    }

    fn my_orders(
        who: Credential,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<orders_api::OrderPage, Error> {
        with_customer(&who, |db, customer| {
            orders::my_orders(db, customer, limit, cursor.as_deref())
        })
    }

    fn my_order(who: Credential, id: String) -> Result<orders_api::Order, Error> {
        with_customer(&who, |db, customer| orders::my_order(db, customer, &id))
    }

    fn cancel_my_order(who: Credential, id: String) -> Result<orders_api::Order, Error> {
        with_customer(&who, |db, customer| {
            orders::cancel_my_order(db, customer, &id)
        })
    }
}

impl activities_api::Guest for Records {
    fn draft_activity(
        who: Credential,
        customer_id: String,
        kind: activities_api::ActivityKind,
    ) -> Result<activities_api::ActivityDraft, Error> {
        with_actor(&who, |db, actor| {
            activities::draft_activity(db, actor, &customer_id, kind)
        })
    }

    fn record_activities(
        who: Credential,
        inputs: Vec<activities_api::ActivityInput>,
        once: Option<IdempotencyKey>,
    ) -> Result<Vec<activities_api::Activity>, Error> {
        with_actor_once(&who, once, |db, actor| {
            activities::record_activities(db, actor, inputs)
        })
    }

    fn list_activities(
        who: Credential,
        query: activities_api::ActivityQuery,
    ) -> Result<activities_api::ActivityPage, Error> {
        with_actor(&who, |db, actor| {
            activities::list_activities(db, actor, query)
        })
    }
}

impl overview_api::Guest for Records {
    fn get_overview(
        who: Credential,
        id: String,
        timeline_limit: u32,
    ) -> Result<overview_api::CustomerOverview, Error> {
        with_actor(&who, |db, actor| {
            overview::customer_overview(db, actor, &id, timeline_limit)
        })
    }
}

impl reports_api::Guest for Records {
    fn customer_ranking(
        who: Credential,
        scope: reports_api::ReportScope,
        page: reports_api::PageRequest,
    ) -> Result<reports_api::Ranking, Error> {
        with_actor(&who, |db, actor| {
            reports::customer_ranking(db, actor, &scope, &page)
        })
    }

    fn customer_rfm(
        who: Credential,
        scope: reports_api::ReportScope,
        segment: Option<String>,
        page: reports_api::PageRequest,
    ) -> Result<reports_api::RfmReport, Error> {
        with_actor(&who, |db, actor| {
            reports::customer_rfm(db, actor, &scope, segment.as_deref(), &page)
        })
    }

    fn churn_risk(
        who: Credential,
        scope: reports_api::ReportScope,
        page: reports_api::PageRequest,
    ) -> Result<reports_api::ChurnReport, Error> {
        with_actor(&who, |db, actor| {
            reports::churn_risk(db, actor, &scope, &page)
        })
    }

    fn customer_report(
        who: Credential,
        scope: reports_api::ReportScope,
        customer_id: String,
    ) -> Result<reports_api::CustomerFigures, Error> {
        with_actor(&who, |db, actor| {
            reports::customer_report(db, actor, &scope, &customer_id)
        })
    }

    fn sales(
        who: Credential,
        scope: reports_api::ReportScope,
        grouping: reports_api::SalesGrouping,
        page: reports_api::PageRequest,
    ) -> Result<reports_api::SalesReport, Error> {
        with_actor(&who, |db, actor| {
            reports::sales(db, actor, &scope, grouping, &page)
        })
    }

    fn sla_compliance(
        who: Credential,
        scope: reports_api::ReportScope,
        grouping: reports_api::SlaGrouping,
    ) -> Result<reports_api::SlaReport, Error> {
        with_actor(&who, |db, actor| {
            reports::sla_compliance(db, actor, &scope, grouping)
        })
    }

    fn funnel(
        who: Credential,
        scope: reports_api::ReportScope,
    ) -> Result<reports_api::FunnelReport, Error> {
        with_actor(&who, |db, actor| reports::funnel(db, actor, &scope))
    }

    fn reps(
        who: Credential,
        scope: reports_api::ReportScope,
        page: reports_api::PageRequest,
    ) -> Result<reports_api::RepsReport, Error> {
        with_actor(&who, |db, actor| reports::reps(db, actor, &scope, &page))
    }

    fn complaints(
        who: Credential,
        scope: reports_api::ReportScope,
        grouping: reports_api::ComplaintGrouping,
        page: reports_api::PageRequest,
    ) -> Result<reports_api::ComplaintReport, Error> {
        with_actor(&who, |db, actor| {
            reports::complaints(db, actor, &scope, grouping, &page)
        })
    }
}

impl sales_api::Guest for Records {
    fn create_lead(
        who: Credential,
        input: sales_api::NewLead,
        once: Option<IdempotencyKey>,
    ) -> Result<sales_api::Lead, Error> {
        with_actor_once(&who, once, |db, actor| sales::create_lead(db, actor, input))
    }

    fn capture_lead(
        input: sales_api::WebLead,
        client_key: String,
        once: Option<IdempotencyKey>,
    ) -> Result<Option<sales_api::Lead>, Error> {
        let db = db::Db::open()?;
        // The public form has no account: a sender's keys are scoped to its address.
        let caller = format!("anonymous {client_key}");
        idempotency::once(&db, &caller, once, |db| {
            sales::capture_lead(db, input, &client_key)
        })
    }

    fn get_lead(who: Credential, id: String) -> Result<sales_api::Lead, Error> {
        with_actor(&who, |db, actor| sales::get_lead(db, actor, &id))
    }

    fn list_leads(
        who: Credential,
        query: sales_api::LeadQuery,
    ) -> Result<sales_api::LeadPage, Error> {
        with_actor(&who, |db, actor| sales::list_leads(db, actor, query))
    }

    fn qualify_lead(
        who: Credential,
        lead_id: String,
        input: sales_api::Qualification,
        once: Option<IdempotencyKey>,
    ) -> Result<sales_api::Opportunity, Error> {
        with_actor_once(&who, once, |db, actor| {
            sales::qualify_lead(db, actor, &lead_id, input)
        })
    }

    fn disqualify_lead(
        who: Credential,
        lead_id: String,
        reason: String,
    ) -> Result<sales_api::Lead, Error> {
        with_actor(&who, |db, actor| {
            sales::disqualify_lead(db, actor, &lead_id, &reason)
        })
    }

    fn qualify_lead_as_service(
        who: Credential,
        lead_id: String,
        kind: sales_api::ServiceKind,
        summary: String,
        once: Option<IdempotencyKey>,
    ) -> Result<sales_api::ServiceRequest, Error> {
        with_actor_once(&who, once, |db, actor| {
            sales::qualify_lead_as_service(db, actor, &lead_id, kind, &summary)
        })
    }

    fn get_opportunity(who: Credential, id: String) -> Result<sales_api::Opportunity, Error> {
        with_actor(&who, |db, actor| sales::get_opportunity(db, actor, &id))
    }

    fn move_opportunity(
        who: Credential,
        id: String,
        stage: sales_api::Stage,
        expected_value: Option<i64>,
    ) -> Result<sales_api::Opportunity, Error> {
        with_actor(&who, |db, actor| {
            sales::move_opportunity(db, actor, &id, stage, expected_value)
        })
    }

    fn win_opportunity(
        who: Credential,
        id: String,
        input: sales_api::Win,
        once: Option<IdempotencyKey>,
    ) -> Result<sales_api::Won, Error> {
        with_actor_once(&who, once, |db, actor| {
            sales::win_opportunity(db, actor, &id, input)
        })
    }

    fn lose_opportunity(
        who: Credential,
        id: String,
        reason: String,
    ) -> Result<sales_api::Opportunity, Error> {
        with_actor(&who, |db, actor| {
            sales::lose_opportunity(db, actor, &id, &reason)
        })
    }
}

impl tasks_api::Guest for Records {
    fn assign_task(
        who: Credential,
        input: tasks_api::NewTask,
        once: Option<IdempotencyKey>,
    ) -> Result<tasks_api::Task, Error> {
        with_actor_once(&who, once, |db, actor| tasks::assign_task(db, actor, input))
    }

    fn get_task(who: Credential, id: String) -> Result<tasks_api::Task, Error> {
        with_actor(&who, |db, actor| tasks::get_task(db, actor, &id))
    }

    fn list_tasks(
        who: Credential,
        query: tasks_api::TaskQuery,
    ) -> Result<tasks_api::TaskPage, Error> {
        with_actor(&who, |db, actor| tasks::list_tasks(db, actor, query))
    }

    fn report_task(
        who: Credential,
        id: String,
        succeeded: bool,
        report: String,
    ) -> Result<tasks_api::Task, Error> {
        with_actor(&who, |db, actor| {
            tasks::report_task(db, actor, &id, succeeded, &report)
        })
    }

    fn redo_task(
        who: Credential,
        id: String,
        opinion: String,
        due_at: String,
    ) -> Result<tasks_api::Task, Error> {
        with_actor(&who, |db, actor| {
            tasks::redo_task(db, actor, &id, &opinion, &due_at)
        })
    }
}

impl verification_api::Guest for Records {
    fn draw_sample(
        who: Credential,
        request: verification_api::SampleRequest,
        once: Option<IdempotencyKey>,
    ) -> Result<Vec<activities_api::Activity>, Error> {
        with_actor_once(&who, once, |db, actor| {
            verification::draw_sample(db, actor, request)
        })
    }

    fn record_check(
        who: Credential,
        activity_id: String,
        outcome: verification_api::CheckOutcome,
        note: String,
        once: Option<IdempotencyKey>,
    ) -> Result<verification_api::VisitCheck, Error> {
        with_actor_once(&who, once, |db, actor| {
            verification::record_check(db, actor, &activity_id, outcome, &note)
        })
    }

    fn rates(
        who: Credential,
        first_day: String,
        last_day: String,
    ) -> Result<Vec<verification_api::RepRate>, Error> {
        with_actor(&who, |db, actor| {
            verification::rates(db, actor, &first_day, &last_day)
        })
    }
}

impl demo_api::Guest for Records {
    fn seed(
        who: Credential,
        request: demo_api::SeedRequest,
    ) -> Result<demo_api::SeedReport, Error> {
        with_actor(&who, |db, actor| demo::seed(db, actor, request))
    }
}

impl sla_api::Guest for Records {
    fn create_calendar(
        who: Credential,
        input: sla_api::NewCalendar,
        once: Option<IdempotencyKey>,
    ) -> Result<sla_api::Calendar, Error> {
        with_actor_once(&who, once, |db, actor| {
            sla::create_calendar(db, actor, input)
        })
    }

    fn get_calendar(who: Credential, id: String) -> Result<sla_api::Calendar, Error> {
        with_actor(&who, |db, actor| sla::get_calendar(db, actor, &id))
    }

    fn list_calendars(who: Credential) -> Result<Vec<sla_api::Calendar>, Error> {
        with_actor(&who, sla::list_calendars)
    }

    fn create_policy(
        who: Credential,
        input: sla_api::PolicyInput,
        once: Option<IdempotencyKey>,
    ) -> Result<sla_api::Policy, Error> {
        with_actor_once(&who, once, |db, actor| sla::create_policy(db, actor, input))
    }

    fn update_policy(
        who: Credential,
        id: String,
        input: sla_api::PolicyInput,
    ) -> Result<sla_api::Policy, Error> {
        with_actor(&who, |db, actor| sla::update_policy(db, actor, &id, input))
    }

    fn get_policy(who: Credential, id: String) -> Result<sla_api::Policy, Error> {
        with_actor(&who, |db, actor| sla::get_policy(db, actor, &id))
    }

    fn list_policies(who: Credential) -> Result<Vec<sla_api::Policy>, Error> {
        with_actor(&who, sla::list_policies)
    }
}

impl complaints_api::Guest for Records {
    fn file_complaint(
        who: Credential,
        input: complaints_api::NewComplaint,
        once: Option<IdempotencyKey>,
    ) -> Result<complaints_api::ComplaintDetail, Error> {
        with_actor_once(&who, once, |db, actor| {
            complaints::file_complaint(db, actor, input)
        })
    }

    fn get_complaint(
        who: Credential,
        id: String,
    ) -> Result<complaints_api::ComplaintDetail, Error> {
        with_actor(&who, |db, actor| complaints::get_complaint(db, actor, &id))
    }

    fn complaint_photo(
        who: Credential,
        complaint_id: String,
        photo_id: String,
    ) -> Result<complaints_api::Photo, Error> {
        with_actor(&who, |db, actor| {
            complaints::complaint_photo(db, actor, &complaint_id, &photo_id)
        })
    }

    fn list_complaints(
        who: Credential,
        query: complaints_api::ComplaintQuery,
    ) -> Result<complaints_api::ComplaintPage, Error> {
        with_actor(&who, |db, actor| {
            complaints::list_complaints(db, actor, query)
        })
    }

    fn transition(
        who: Credential,
        id: String,
        action: complaints_api::ComplaintAction,
        closure: Option<complaints_api::Closure>,
    ) -> Result<complaints_api::ComplaintDetail, Error> {
        with_actor(&who, |db, actor| {
            complaints::transition(db, actor, &id, action, closure)
        })
    }

    fn reply(
        who: Credential,
        id: String,
        text: String,
    ) -> Result<complaints_api::ComplaintDetail, Error> {
        with_actor(&who, |db, actor| complaints::reply(db, actor, &id, &text))
    }

    fn set_priority(
        who: Credential,
        id: String,
        priority: sla_api::Priority,
    ) -> Result<complaints_api::ComplaintDetail, Error> {
        with_actor(&who, |db, actor| {
            complaints::set_priority(db, actor, &id, priority)
        })
    }

    fn sweep(who: Credential) -> Result<complaints_api::SweepReport, Error> {
        with_actor(&who, complaints::sweep)
    }

    // The customer's own complaints, with a portal session (`with_customer`); a keyed filing
    // is done once per account and key.

    fn file_my_complaint(
        who: Credential,
        input: complaints_api::MyNewComplaint,
        once: Option<IdempotencyKey>,
    ) -> Result<complaints_api::MyComplaint, Error> {
        with_customer(&who, |db, customer| {
            idempotency::once(db, &customer.account_id, once, |db| {
                complaints::file_my_complaint(db, customer, input)
            })
        })
    }

    fn my_complaints(
        who: Credential,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<complaints_api::MyComplaintPage, Error> {
        with_customer(&who, |db, customer| {
            complaints::my_complaints(db, customer, limit, cursor.as_deref())
        })
    }

    fn get_my_complaint(who: Credential, id: String) -> Result<complaints_api::MyComplaint, Error> {
        with_customer(&who, |db, customer| {
            complaints::my_complaint(db, customer, &id)
        })
    }

    fn my_complaint_photo(
        who: Credential,
        complaint_id: String,
        photo_id: String,
    ) -> Result<complaints_api::Photo, Error> {
        with_customer(&who, |db, customer| {
            complaints::my_complaint_photo(db, customer, &complaint_id, &photo_id)
        })
    }

    fn act_on_my_complaint(
        who: Credential,
        id: String,
        input: complaints_api::MyComplaintInput,
    ) -> Result<complaints_api::MyComplaint, Error> {
        with_customer(&who, |db, customer| {
            complaints::act_on_my_complaint(db, customer, &id, input)
        })
    }
}

impl service_api::Guest for Records {
    fn request_service(
        who: Credential,
        complaint_id: String,
        input: service_api::NewServiceRequest,
        once: Option<IdempotencyKey>,
    ) -> Result<service_api::ServiceRequestDetail, Error> {
        with_actor_once(&who, once, |db, actor| {
            service_requests::request_service(db, actor, &complaint_id, input)
        })
    }

    fn get_service_request(
        who: Credential,
        id: String,
    ) -> Result<service_api::ServiceRequestDetail, Error> {
        with_actor(&who, |db, actor| {
            service_requests::get_service_request(db, actor, &id)
        })
    }

    fn list_service_requests(
        who: Credential,
        query: service_api::ServiceQuery,
    ) -> Result<service_api::ServicePage, Error> {
        with_actor(&who, |db, actor| {
            service_requests::list_service_requests(db, actor, query)
        })
    }

    fn take_step(
        who: Credential,
        id: String,
        input: service_api::StepInput,
    ) -> Result<service_api::ServiceRequestDetail, Error> {
        with_actor(&who, |db, actor| {
            service_requests::take_step(db, actor, &id, input)
        })
    }
}

impl webhooks_api::Guest for Records {
    fn create_webhook(
        who: Credential,
        input: webhooks_api::NewWebhook,
        once: Option<IdempotencyKey>,
    ) -> Result<webhooks_api::CreatedWebhook, Error> {
        with_actor_once(&who, once, |db, actor| {
            webhooks::create_webhook(db, actor, input)
        })
    }

    fn list_webhooks(who: Credential) -> Result<Vec<webhooks_api::Webhook>, Error> {
        with_actor(&who, webhooks::list_webhooks)
    }

    fn set_webhook_active(
        who: Credential,
        id: String,
        active: bool,
    ) -> Result<webhooks_api::Webhook, Error> {
        with_actor(&who, |db, actor| {
            webhooks::set_webhook_active(db, actor, &id, active)
        })
    }

    fn list_deliveries(
        who: Credential,
        webhook_id: Option<String>,
        status: Option<webhooks_api::DeliveryStatus>,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<webhooks_api::DeliveryPage, Error> {
        with_actor(&who, |db, actor| {
            webhooks::list_deliveries(db, actor, webhook_id, status, limit, cursor)
        })
    }

    fn claim_due(who: Credential, limit: u32) -> Result<Vec<webhooks_api::DueDelivery>, Error> {
        with_actor(&who, |db, actor| webhooks::claim_due(db, actor, limit))
    }

    fn record_attempts(
        who: Credential,
        results: Vec<webhooks_api::AttemptResult>,
    ) -> Result<u32, Error> {
        with_actor(&who, |db, actor| {
            webhooks::record_attempts(db, actor, results)
        })
    }
}

export!(Records);
