//! Customers' portal accounts (`crm:records/accounts`): self sign-up, the staff's invitations,
//! sign-in with a lockout counted in SQLite, and sessions kept in key-value.
//!
//! - **Passwords** are hashed with argon2id (parameters below) under a random 16-byte salt and
//!   stored as PHC strings. The slow hash always runs *outside* a write transaction, so no other
//!   writer waits for it. The rules (length, lockout, lifetimes) are `crm_domain::account`'s.
//! - **Wrong passwords** are counted per account in `portal_account`, in a transaction of their
//!   own that commits before the caller is answered. A locked account is refused without its
//!   password being checked. An unknown e-mail address is checked against a dummy hash, so it
//!   takes as long as a wrong password and gets the same `unauthenticated`.
//! - **Sessions** live in the `default` key-value store under `portal-session:<sha256 of the
//!   id>`: the id itself is never stored. A session remembers the account's `session_epoch` it
//!   began in; a password change raises the epoch, which ends every other session at once (each
//!   is refused, and its key deleted, when next presented).
//! - **Sign-up** always creates a new customer record; only an invitation, made by staff for a
//!   customer they know, links an account to an existing one.

use crate::audit;
use crate::auth::Actor;
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::accounts::{Invitation, NewAccount, Session};
use crate::exports::crm::records::customers::{Creation, CustomerKind, NewCustomer, Tier};
use crate::exports::crm::records::types::Error;
use crate::secrets;
use crate::throttle;
use argon2::password_hash::{self, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use crm_domain::account::{self as rules, SessionState};
use crm_domain::role::Role;
use crm_domain::staff::Email;
use crm_domain::time::rfc3339_utc;
use serde::{Deserialize, Serialize};
use spin_sdk::key_value::Store;
use spin_sdk::sqlite3::{RowResult, Value};

/// The actor the audit log records for what customers do through the portal.
const PORTAL_ACTOR: &str = "portal";

/// Sessions' keys in key-value: this prefix and the SHA-256 (hex) of the session id.
const SESSION_KEY_PREFIX: &str = "portal-session:";

/// argon2id's memory cost in KiB (19 MiB), its passes and its lanes: the first setting the
/// OWASP Password Storage Cheat Sheet recommends for argon2id (m=19 MiB, t=2, p=1). Stored
/// hashes carry their parameters, so raising these later keeps old hashes working.
const ARGON2_MEMORY_KIB: u32 = 19_456;
const ARGON2_ITERATIONS: u32 = 2;
const ARGON2_LANES: u32 = 1;

/// Bytes of random salt per password hash.
const SALT_BYTES: usize = 16;

/// A well-formed argon2id hash with the parameters above, checked against when an e-mail
/// address has no account, so that the answer takes as long as for a wrong password. Its salt
/// and output are arbitrary bytes, not the hash of any password anyone chose.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$JRovJECsT8iBk+V9NW2UOg$ZnJc/Pe1KodckB16H1JchhZQX9tT/bZmN8lIpa0p7Po";

/// What sign-up and accepting an invitation say when the e-mail address has an account.
const EMAIL_TAKEN: &str =
    "an account with this e-mail address exists: sign in, or reset it with the company";

/// What accepting an invitation says of a code that does not work, whatever the reason.
const UNUSABLE_CODE: &str = "this invitation is unknown, used or expired";

/// A session as key-value keeps it (JSON). Times are unix seconds.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    account_id: String,
    /// The customer when the session began; the account's current one (it moves when staff
    /// merge customers) is what sessions report.
    customer_id: String,
    /// The account's `session_epoch` when the session began.
    epoch: i64,
    csrf_token: String,
    created_at: i64,
    last_seen: i64,
}

/// An account with its customer's name, as sign-in and sessions need it.
struct Account {
    id: String,
    customer_id: String,
    email: String,
    password_hash: String,
    session_epoch: i64,
    failed_logins: u32,
    locked_until: Option<i64>,
    name: String,
}

const ACCOUNT_COLUMNS: &str = "a.id, a.customer_id, a.email, a.password_hash, a.session_epoch, \
                               a.failed_logins, a.locked_until, c.name";

/// Maps a row of `ACCOUNT_COLUMNS`: the one place that knows their order.
fn account_from_row(row: &RowResult) -> Result<Account, Error> {
    Ok(Account {
        id: db::text(row, 0, "id")?,
        customer_id: db::text(row, 1, "customer_id")?,
        email: db::text(row, 2, "email")?,
        password_hash: db::text(row, 3, "password_hash")?,
        session_epoch: db::integer(row, 4, "session_epoch")?,
        failed_logins: db::count(row, 5, "failed_logins")?,
        locked_until: row.get::<i64>(6),
        name: db::text(row, 7, "name")?,
    })
}

fn find_account(db: &Db, condition: &'static str, value: &str) -> Result<Option<Account>, Error> {
    let found = db.query(
        &format!(
            "SELECT {ACCOUNT_COLUMNS} FROM portal_account a JOIN customer c ON c.id = a.customer_id
              WHERE {condition}"
        ),
        &[Value::Text(value.to_owned())],
    )?;
    found.rows.first().map(account_from_row).transpose()
}

fn account_by_id(db: &Db, id: &str) -> Result<Option<Account>, Error> {
    find_account(db, "a.id = ?", id)
}

fn account_by_email(db: &Db, email: &str) -> Result<Option<Account>, Error> {
    find_account(db, "a.email = ?", email)
}

fn email_taken(db: &Db, email: &str) -> Result<bool, Error> {
    let found = db.query(
        "SELECT 1 FROM portal_account WHERE email = ?",
        &[Value::Text(email.to_owned())],
    )?;
    Ok(!found.rows.is_empty())
}

/// Stores a new account of `customer_id` and audits it (`invitation` says which invitation it
/// came from, if any). Runs in the caller's transaction; returns the account as stored.
fn insert_account(
    db: &Db,
    customer_id: &str,
    email: &str,
    password_hash: &str,
    invitation: Option<serde_json::Value>,
) -> Result<Account, Error> {
    let id = secrets::new_id("acc")?;
    let now = db::now();
    db.exec(
        "INSERT INTO portal_account (id, customer_id, email, password_hash, session_epoch,
                                     failed_logins, locked_until, created_at, updated_at)
         VALUES (?, ?, ?, ?, 1, 0, NULL, ?, ?)",
        &[
            Value::Text(id.clone()),
            Value::Text(customer_id.to_owned()),
            Value::Text(email.to_owned()),
            Value::Text(password_hash.to_owned()),
            Value::Text(now.clone()),
            Value::Text(now.clone()),
        ],
    )?;
    // The password's hash never enters the audit log.
    let after = serde_json::json!({
        "id": id, "customer_id": customer_id, "email": email, "created_at": now,
        "invitation": invitation,
    });
    audit::record_as(
        db,
        PORTAL_ACTOR,
        "account.create",
        "portal_account",
        &id,
        None,
        Some(after),
    )?;
    account_by_id(db, &id)?
        .ok_or_else(|| db::internal("create an account", "the new account cannot be read back"))
}

// ---------------------------------------------------------------------------------------------
// Passwords

fn hasher() -> Result<Argon2<'static>, Error> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, None)
        .map_err(|e| db::internal("set up password hashing", e))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password` under a new random salt.
fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::encode_b64(&secrets::random_bytes(SALT_BYTES)?)
        .map_err(|e| db::internal("salt a password hash", e))?;
    let hash = hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| db::internal("hash a password", e))?;
    Ok(hash.to_string())
}

/// Whether `password` is the one the PHC string `stored` was made from. The stored hash's own
/// parameters are used, so hashes made with other parameters keep working.
fn password_matches(password: &str, stored: &str) -> Result<bool, Error> {
    let parsed = PasswordHash::new(stored).map_err(|e| db::internal("read a password hash", e))?;
    match hasher()?.verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(e) => Err(db::internal("check a password", e)),
    }
}

/// `conflict` while the account is locked, saying until when.
fn check_not_locked(account: &Account, now: i64) -> Result<(), Error> {
    match rules::locked_until(account.locked_until, now) {
        Some(until) => Err(Error::Conflict(rules::locked_message(&rfc3339_utc(until)))),
        None => Ok(()),
    }
}

/// Counts a wrong password in a transaction of its own, committed before the caller answers:
/// the count and the lock must hold although the call fails.
fn count_wrong_password(db: &Db, account_id: &str, now: i64) -> Result<(), Error> {
    db.transaction(|db| {
        // Read again under the write lock, so that wrong passwords sent at once all count.
        let found = db.query(
            "SELECT failed_logins, locked_until FROM portal_account WHERE id = ?",
            &[Value::Text(account_id.to_owned())],
        )?;
        let Some(row) = found.rows.first() else {
            return Ok(());
        };
        if rules::locked_until(row.get::<i64>(1), now).is_some() {
            return Ok(()); // Locked meanwhile by another wrong password.
        }
        let after = rules::after_wrong_password(db::count(row, 0, "failed_logins")?, now);
        db.exec(
            "UPDATE portal_account SET failed_logins = ?, locked_until = ? WHERE id = ?",
            &[
                Value::Integer(i64::from(after.failed)),
                after.locks_until.map_or(Value::Null, Value::Integer),
                Value::Text(account_id.to_owned()),
            ],
        )?;
        match after.locks_until {
            Some(until) => audit::record_as(
                db,
                PORTAL_ACTOR,
                "account.lock",
                "portal_account",
                account_id,
                None,
                Some(serde_json::json!({ "id": account_id, "locked_until": rfc3339_utc(until) })),
            ),
            None => Ok(()),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Sessions

fn open_store() -> Result<Store, Error> {
    Store::open_default().map_err(|e| db::internal("open the key-value store", e))
}

fn session_key(session_id: &str) -> String {
    format!("{SESSION_KEY_PREFIX}{}", secrets::hash(session_id))
}

fn save_session(store: &Store, session_id: &str, session: &StoredSession) -> Result<(), Error> {
    let value = serde_json::to_vec(session).map_err(|e| db::internal("write a session", e))?;
    store
        .set(&session_key(session_id), &value)
        .map_err(|e| db::internal("write a session", e))
}

fn delete_session(store: &Store, session_id: &str) -> Result<(), Error> {
    store
        .delete(&session_key(session_id))
        .map_err(|e| db::internal("end a session", e))
}

/// The session as the caller sees it, or `unauthenticated` if it has expired at `now`.
fn session_view(
    id: &str,
    stored: &StoredSession,
    account: &Account,
    now: i64,
) -> Result<Session, Error> {
    match rules::session_state(stored.created_at, stored.last_seen, now) {
        SessionState::Valid {
            idle_expires_at,
            expires_at,
        } => Ok(Session {
            id: id.to_owned(),
            csrf_token: stored.csrf_token.clone(),
            account_id: account.id.clone(),
            customer_id: account.customer_id.clone(),
            name: account.name.clone(),
            email: account.email.clone(),
            idle_expires_at: rfc3339_utc(idle_expires_at),
            expires_at: rfc3339_utc(expires_at),
        }),
        SessionState::Expired => Err(Error::Unauthenticated),
    }
}

/// Begins a new session of `account` at `now`, with a new id and CSRF token.
fn begin_session(account: &Account, now: i64) -> Result<Session, Error> {
    let id = secrets::new_token()?;
    let stored = StoredSession {
        account_id: account.id.clone(),
        customer_id: account.customer_id.clone(),
        epoch: account.session_epoch,
        csrf_token: secrets::new_token()?,
        created_at: now,
        last_seen: now,
    };
    save_session(&open_store()?, &id, &stored)?;
    session_view(&id, &stored, account, now)
}

/// The session `session_id` names, valid at `now`, and its account (one SQLite read). Unknown,
/// expired, or ended by a password change (its epoch is not the account's): `unauthenticated`,
/// and the key of an ended session is deleted.
fn current_session(
    db: &Db,
    store: &Store,
    session_id: &str,
    now: i64,
) -> Result<(StoredSession, Account), Error> {
    if !rules::is_secret_token(session_id) {
        return Err(Error::Unauthenticated);
    }
    let key = session_key(session_id);
    let Some(value) = store
        .get(&key)
        .map_err(|e| db::internal("read a session", e))?
    else {
        return Err(Error::Unauthenticated);
    };
    let stored = match serde_json::from_slice::<StoredSession>(&value) {
        Ok(stored) => stored,
        Err(e) => {
            eprintln!("records: a stored session cannot be read and is ended: {e}");
            delete_session(store, session_id)?;
            return Err(Error::Unauthenticated);
        }
    };
    let expired = matches!(
        rules::session_state(stored.created_at, stored.last_seen, now),
        SessionState::Expired
    );
    let account = if expired {
        None
    } else {
        account_by_id(db, &stored.account_id)?.filter(|a| a.session_epoch == stored.epoch)
    };
    match account {
        Some(account) => Ok((stored, account)),
        None => {
            delete_session(store, session_id)?;
            Err(Error::Unauthenticated)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The interface

/// Staff who work with customers invite a contact of an existing customer: a one-time code,
/// returned once and stored as its hash, that works for 7 days.
pub fn invite(db: &Db, actor: &Actor, customer_id: &str, email: &str) -> Result<Invitation, Error> {
    actor.require(Role::works_with_customers, "invite customers to the portal")?;
    let email = Email::parse("email", email)?;
    let code = secrets::new_token()?;
    let now = db::now_secs();
    let expires_at = now + rules::INVITATION_SECONDS;
    db.transaction(|db| {
        customers::load(db, customer_id)?;
        if email_taken(db, email.as_str())? {
            return Err(Error::Conflict(format!(
                "{} already has a portal account",
                email.as_str()
            )));
        }
        db.exec(
            "INSERT INTO portal_invitation (code_hash, customer_id, email, created_by, created_at,
                                            expires_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                Value::Text(secrets::hash(&code)),
                Value::Text(customer_id.to_owned()),
                Value::Text(email.as_str().to_owned()),
                Value::Text(actor.id().to_owned()),
                Value::Text(db::now()),
                Value::Integer(expires_at),
            ],
        )?;
        // The code never enters the audit log.
        let after = serde_json::json!({
            "customer_id": customer_id, "email": email.as_str(),
            "expires_at": rfc3339_utc(expires_at),
        });
        audit::record(
            db,
            actor,
            "account.invite",
            "customer",
            customer_id,
            None,
            Some(after),
        )
    })?;
    Ok(Invitation {
        code,
        customer_id: customer_id.to_owned(),
        email: email.as_str().to_owned(),
        expires_at: rfc3339_utc(expires_at),
    })
}

/// A customer without an account or invitation signs up: a new customer record (never one that
/// exists; tagged `possible-duplicate` if it looks like one), its account, and a session.
pub fn sign_up(db: &Db, input: NewAccount, sender: &str) -> Result<Session, Error> {
    let email = Email::parse("email", &input.email)?;
    let password = rules::parse_password("password", &input.password, email.as_str())?;
    // Validated as any new customer is (`name`, `phone`), owned by no one until staff assign it.
    let mut customer = customers::valid_customer(
        NewCustomer {
            kind: CustomerKind::Person,
            name: input.name,
            phone: Some(input.phone),
            email: Some(email.as_str().to_owned()),
            tier: Tier::Standard,
            region: String::new(),
            channel_partner: None,
            owner_id: None,
            tags: Vec::new(),
            contacts: Vec::new(),
            addresses: Vec::new(),
        },
        None,
    )?;
    // Counted once the form is valid, before the password is hashed.
    throttle::take(db, &throttle::SIGN_UP, sender)?;
    let password_hash = hash_password(&password)?;
    let now = db::now_secs();
    let account = db.transaction(|db| {
        if email_taken(db, email.as_str())? {
            return Err(Error::Conflict(EMAIL_TAKEN.into()));
        }
        // Checked under the same write lock as the insert, as any new customer is.
        if customers::looks_like_existing(db, &customer)? {
            customer.tags.push(rules::POSSIBLE_DUPLICATE_TAG.to_owned());
        }
        let customer = match customers::insert_new_as(db, PORTAL_ACTOR, customer, true)? {
            Creation::Created(customer) => customer,
            Creation::LikelyDuplicates(_) => {
                return Err(db::internal(
                    "create a customer",
                    "an allowed duplicate was refused",
                ))
            }
        };
        insert_account(db, &customer.id, email.as_str(), &password_hash, None)
    })?;
    begin_session(&account, now)
}

/// The invitation a code names, if it can still be accepted at `now`.
struct PendingInvitation {
    customer_id: String,
    email: String,
    created_by: String,
    created_at: String,
}

fn usable_invitation(
    db: &Db,
    code_hash: &str,
    now: i64,
) -> Result<Option<PendingInvitation>, Error> {
    let found = db.query(
        "SELECT customer_id, email, created_by, created_at, expires_at, used_at
           FROM portal_invitation WHERE code_hash = ?",
        &[Value::Text(code_hash.to_owned())],
    )?;
    let Some(row) = found.rows.first() else {
        return Ok(None);
    };
    let used = row.get::<&str>(5).is_some();
    if !rules::invitation_usable(db::integer(row, 4, "expires_at")?, used, now) {
        return Ok(None);
    }
    Ok(Some(PendingInvitation {
        customer_id: db::text(row, 0, "customer_id")?,
        email: db::text(row, 1, "email")?,
        created_by: db::text(row, 2, "created_by")?,
        created_at: db::text(row, 3, "created_at")?,
    }))
}

/// Accepts an invitation: the account of the invitation's customer and e-mail address with
/// this password, and a session. Unknown, used and expired codes get the same answer.
pub fn accept_invitation(db: &Db, code: &str, password: &str) -> Result<Session, Error> {
    let code = code.trim();
    let unusable = || db::invalid("code", UNUSABLE_CODE);
    if !rules::is_secret_token(code) {
        return Err(unusable());
    }
    let code_hash = secrets::hash(code);
    let now = db::now_secs();
    let invitation = usable_invitation(db, &code_hash, now)?.ok_or_else(unusable)?;
    let password = rules::parse_password("password", password, &invitation.email)?;
    let password_hash = hash_password(&password)?;
    let account = db.transaction(|db| {
        // Read again under the write lock: a code accepted twice at once works once.
        let invitation = usable_invitation(db, &code_hash, now)?.ok_or_else(unusable)?;
        if email_taken(db, &invitation.email)? {
            return Err(Error::Conflict(EMAIL_TAKEN.into()));
        }
        let from = serde_json::json!({
            "created_by": invitation.created_by, "created_at": invitation.created_at,
        });
        let account = insert_account(
            db,
            &invitation.customer_id,
            &invitation.email,
            &password_hash,
            Some(from),
        )?;
        db.exec(
            "UPDATE portal_invitation SET used_at = ?, account_id = ? WHERE code_hash = ?",
            &[
                Value::Text(db::now()),
                Value::Text(account.id.clone()),
                Value::Text(code_hash.clone()),
            ],
        )?;
        Ok(account)
    })?;
    begin_session(&account, now)
}

/// Signs in with an e-mail address and password. A locked account is refused before its
/// password is checked; an unknown address and a wrong password get the same answer.
pub fn sign_in(db: &Db, email: &str, password: &str, sender: &str) -> Result<Session, Error> {
    let email = Email::parse("email", email)?;
    // Counted before any password is checked: the hashing is what a guesser makes us do.
    throttle::take(db, &throttle::SIGN_IN, sender)?;
    let Some(account) = account_by_email(db, email.as_str())? else {
        // As long as a wrong password takes, so that the time of the answer does not tell
        // whether the address has an account.
        password_matches(password, DUMMY_HASH)?;
        return Err(Error::Unauthenticated);
    };
    let now = db::now_secs();
    check_not_locked(&account, now)?;
    if !password_matches(password, &account.password_hash)? {
        count_wrong_password(db, &account.id, now)?;
        return Err(Error::Unauthenticated);
    }
    if account.failed_logins > 0 || account.locked_until.is_some() {
        // The right password ends the run of wrong ones.
        db.transaction(|db| {
            db.exec(
                "UPDATE portal_account SET failed_logins = 0, locked_until = NULL WHERE id = ?",
                &[Value::Text(account.id.clone())],
            )
        })?;
    }
    begin_session(&account, now)
}

/// The session of a cookie, still valid. Its last use is written again only when it is more
/// than a minute old, so that a busy session is not a write per request.
pub fn resume(db: &Db, session_id: &str) -> Result<Session, Error> {
    let store = open_store()?;
    let now = db::now_secs();
    let (mut stored, account) = current_session(db, &store, session_id, now)?;
    if rules::needs_touch(stored.last_seen, now) {
        stored.last_seen = now;
        save_session(&store, session_id, &stored)?;
    }
    session_view(session_id, &stored, &account, now)
}

/// Ends a session; ending one that has ended already (or never was) is no error.
pub fn sign_out(session_id: &str) -> Result<(), Error> {
    if !rules::is_secret_token(session_id) {
        return Ok(());
    }
    delete_session(&open_store()?, session_id)
}

/// Changes the password of the session's account. The current password is checked (and a
/// wrong one counted towards the lockout, so that a stolen session cannot be used to guess it);
/// the account's epoch rises, which ends every other session, and this one is replaced by a
/// new session.
pub fn change_password(
    db: &Db,
    session_id: &str,
    current: &str,
    new_password: &str,
) -> Result<Session, Error> {
    let store = open_store()?;
    let now = db::now_secs();
    let (_, account) = current_session(db, &store, session_id, now)?;
    check_not_locked(&account, now)?;
    if !password_matches(current, &account.password_hash)? {
        count_wrong_password(db, &account.id, now)?;
        return Err(db::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    let password = rules::parse_password("new_password", new_password, &account.email)?;
    let password_hash = hash_password(&password)?;
    let changed = db.transaction(|db| {
        // Only from the epoch this session began in: a change made meanwhile through another
        // session has ended this one.
        let found = db.query(
            "SELECT session_epoch FROM portal_account WHERE id = ?",
            &[Value::Text(account.id.clone())],
        )?;
        let epoch = match found.rows.first() {
            Some(row) => db::integer(row, 0, "session_epoch")?,
            None => return Err(Error::Unauthenticated),
        };
        if epoch != account.session_epoch {
            return Err(Error::Unauthenticated);
        }
        let updated_at = db::now();
        db.exec(
            "UPDATE portal_account
                SET password_hash = ?, session_epoch = ?, failed_logins = 0, locked_until = NULL,
                    updated_at = ?
              WHERE id = ?",
            &[
                Value::Text(password_hash.clone()),
                Value::Integer(epoch + 1),
                Value::Text(updated_at.clone()),
                Value::Text(account.id.clone()),
            ],
        )?;
        // The hashes never enter the audit log.
        audit::record_as(
            db,
            PORTAL_ACTOR,
            "account.password",
            "portal_account",
            &account.id,
            Some(serde_json::json!({ "id": account.id, "session_epoch": epoch })),
            Some(serde_json::json!({
                "id": account.id, "session_epoch": epoch + 1, "updated_at": updated_at,
            })),
        )?;
        account_by_id(db, &account.id)?
            .ok_or_else(|| db::internal("change a password", "the account cannot be read back"))
    })?;
    delete_session(&store, session_id)?;
    begin_session(&changed, now)
}
