//! `records`: the system of record of the CRM, a Spin library component.
//!
//! It exports the `crm:records` interfaces and is composed into every HTTP component as a Spin
//! component dependency. It is **the only code that touches SQL or key-value**, and it decides
//! authorization: every call carries the caller's credential, authenticated here. Every change
//! and its audit entry are written in one transaction, committed before the call returns.

mod audit;
mod auth;
mod db;
mod identity;
mod secrets;

wit_bindgen::generate!({
    world: "records",
    path: "../../wit",
});

use exports::crm::records::types::{Credential, Error};
use exports::crm::records::{audit as audit_api, identity as identity_api, system as system_api};

/// The exported implementation; each method opens the database and delegates to a module.
struct Records;

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
        let db = db::Db::open()?;
        let actor = auth::authenticate(&db, &who)?;
        identity::create_staff(&db, &actor, input)
    }

    fn list_staff(who: Credential) -> Result<Vec<identity_api::Staff>, Error> {
        let db = db::Db::open()?;
        let actor = auth::authenticate(&db, &who)?;
        identity::list_staff(&db, &actor)
    }

    fn issue_token(
        who: Credential,
        staff_id: String,
        label: String,
    ) -> Result<identity_api::IssuedToken, Error> {
        let db = db::Db::open()?;
        let actor = auth::authenticate(&db, &who)?;
        identity::issue_token(&db, &actor, &staff_id, &label)
    }

    fn revoke_token(who: Credential, token_id: String) -> Result<(), Error> {
        let db = db::Db::open()?;
        let actor = auth::authenticate(&db, &who)?;
        identity::revoke_token(&db, &actor, &token_id)
    }
}

impl audit_api::Guest for Records {
    fn read_log(
        who: Credential,
        query: audit_api::AuditQuery,
    ) -> Result<audit_api::AuditPage, Error> {
        let db = db::Db::open()?;
        let actor = auth::authenticate(&db, &who)?;
        audit::read_log(&db, &actor, query)
    }
}

export!(Records);
