//! `records`: the system of record of the CRM, a Spin library component.
//!
//! It exports the `crm:records` interfaces and is composed into every HTTP component as a Spin
//! component dependency. It is **the only code that touches SQL or key-value**, and it decides
//! authorization: every call carries the caller's credential, authenticated here. Every change
//! and its audit entry are written in one transaction, committed before the call returns.

mod audit;
mod auth;
mod customers;
mod db;
mod identity;
mod names;
mod secrets;

wit_bindgen::generate!({
    world: "records",
    path: "../../wit",
});

use exports::crm::records::types::{Credential, Error};
use exports::crm::records::{
    audit as audit_api, customers as customers_api, identity as identity_api, system as system_api,
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
    ) -> Result<identity_api::Staff, Error> {
        with_actor(&who, |db, actor| identity::create_staff(db, actor, input))
    }

    fn list_staff(who: Credential) -> Result<Vec<identity_api::Staff>, Error> {
        with_actor(&who, |db, actor| identity::list_staff(db, actor))
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

impl audit_api::Guest for Records {
    fn read_log(
        who: Credential,
        query: audit_api::AuditQuery,
    ) -> Result<audit_api::AuditPage, Error> {
        with_actor(&who, |db, actor| audit::read_log(db, actor, query))
    }
}

impl customers_api::Guest for Records {
    fn create_customer(
        who: Credential,
        input: customers_api::NewCustomer,
        allow_duplicate: bool,
    ) -> Result<customers_api::Creation, Error> {
        with_actor(&who, |db, actor| {
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
    ) -> Result<customers_api::Contact, Error> {
        with_actor(&who, |db, actor| {
            customers::add_contact(db, actor, &customer_id, input)
        })
    }

    fn add_address(
        who: Credential,
        customer_id: String,
        input: customers_api::AddressInput,
    ) -> Result<customers_api::Address, Error> {
        with_actor(&who, |db, actor| {
            customers::add_address(db, actor, &customer_id, input)
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

export!(Records);
