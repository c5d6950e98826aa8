//! Customers, contacts, addresses, and the dedup keys under which they are found again.

use crate::audit;
use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::customers::{
    Address, AddressInput, Contact, ContactInput, Creation, Customer, CustomerPage, CustomerPatch,
    CustomerQuery, CustomerSummary, Duplicate, ExportPage, ImportOutcome, ImportRow, ImportStatus,
    MergeMoves, MergeOutcome, NewCustomer,
};
use crate::exports::crm::records::types::Error;
use crate::names::stored;
use crate::orders;
use crate::secrets;
use crm_domain::customer::{
    optional_email, optional_phone, optional_text, parse_required_text, parse_tags, parse_text,
    AddressDraft, ContactDraft, CustomerDraft, CustomerKind, NewAddress, NewContact,
    NewCustomer as DomainNewCustomer, Tier,
};
use crm_domain::dedup;
use crm_domain::role::Role;
use crm_domain::FieldError;
use spin_sdk::sqlite3::{RowResult, Value};
use std::collections::BTreeMap;

const CUSTOMER_COLUMNS: &str = "id, kind, name, phone, email, tier, region, channel_partner, \
                                owner_id, tags_json, created_at, updated_at, version";

/// Same columns as `CUSTOMER_COLUMNS`, qualified for queries that join.
const CUSTOMER_COLUMNS_C: &str = "c.id, c.kind, c.name, c.phone, c.email, c.tier, c.region, \
                                  c.channel_partner, c.owner_id, c.tags_json, c.created_at, \
                                  c.updated_at, c.version";

/// At most this many likely duplicates are reported for one entry.
const MAX_DUPLICATES: usize = 10;

/// A customer's own row, without contacts and addresses.
struct CustomerRow {
    id: String,
    kind: CustomerKind,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    tier: Tier,
    region: String,
    channel_partner: Option<String>,
    owner_id: Option<String>,
    tags: Vec<String>,
    created_at: String,
    updated_at: String,
    version: u32,
}

/// Maps a row of `CUSTOMER_COLUMNS`: the one place that knows their order.
fn customer_row(row: &RowResult) -> Result<CustomerRow, Error> {
    let optional = |i: usize| row.get::<&str>(i).map(str::to_owned);
    let tags_json = db::text(row, 9, "tags_json")?;
    Ok(CustomerRow {
        id: db::text(row, 0, "id")?,
        kind: stored(&db::text(row, 1, "kind")?)?,
        name: db::text(row, 2, "name")?,
        phone: optional(3),
        email: optional(4),
        tier: stored(&db::text(row, 5, "tier")?)?,
        region: db::text(row, 6, "region")?,
        channel_partner: optional(7),
        owner_id: optional(8),
        tags: serde_json::from_str(&tags_json).map_err(|e| db::internal("read tags", e))?,
        created_at: db::text(row, 10, "created_at")?,
        updated_at: db::text(row, 11, "updated_at")?,
        version: db::count(row, 12, "version")?,
    })
}

impl CustomerRow {
    fn summary(&self) -> CustomerSummary {
        CustomerSummary {
            id: self.id.clone(),
            kind: self.kind.into(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            tier: self.tier.into(),
            region: self.region.clone(),
            owner_id: self.owner_id.clone(),
            created_at: self.created_at.clone(),
        }
    }

    fn with(self, contacts: Vec<Contact>, addresses: Vec<Address>) -> Customer {
        Customer {
            id: self.id,
            kind: self.kind.into(),
            name: self.name,
            phone: self.phone,
            email: self.email,
            tier: self.tier.into(),
            region: self.region,
            channel_partner: self.channel_partner,
            owner_id: self.owner_id,
            tags: self.tags,
            contacts,
            addresses,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// The customer as the audit log records it.
fn customer_json(c: &Customer) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "kind": CustomerKind::from(c.kind).as_str(),
        "name": c.name,
        "phone": c.phone,
        "email": c.email,
        "tier": Tier::from(c.tier).as_str(),
        "region": c.region,
        "channel_partner": c.channel_partner,
        "owner_id": c.owner_id,
        "tags": c.tags,
        "contacts": c.contacts.iter().map(contact_json).collect::<Vec<_>>(),
        "addresses": c.addresses.iter().map(address_json).collect::<Vec<_>>(),
        "version": c.version,
    })
}

fn contact_json(c: &Contact) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "name": c.name, "title": c.title, "phone": c.phone, "email": c.email,
        "primary": c.primary,
    })
}

fn address_json(a: &Address) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "label": a.label, "street": a.street, "city": a.city,
        "province": a.province, "postcode": a.postcode, "country": a.country,
    })
}

// ---------------------------------------------------------------------------------------------
// Validation

/// The parts of a contact as crm-domain parses them.
fn contact_draft(input: &ContactInput) -> ContactDraft<'_> {
    ContactDraft {
        name: &input.name,
        title: &input.title,
        phone: input.phone.as_deref(),
        email: input.email.as_deref(),
        primary: input.primary,
    }
}

/// The parts of an address as crm-domain parses them.
fn address_draft(input: &AddressInput) -> AddressDraft<'_> {
    AddressDraft {
        label: &input.label,
        street: &input.street,
        city: &input.city,
        province: &input.province,
        postcode: &input.postcode,
        country: &input.country,
    }
}

/// A parsed contact as stored, with its id.
fn contact_with_id(id: String, c: NewContact) -> Contact {
    Contact {
        id,
        name: c.name,
        title: c.title,
        phone: c.phone.map(|p| p.as_str().to_owned()),
        email: c.email.map(|e| e.as_str().to_owned()),
        primary: c.primary,
    }
}

/// A parsed address as stored, with its id.
fn address_with_id(id: String, a: NewAddress) -> Address {
    Address {
        id,
        label: a.label,
        street: a.street,
        city: a.city,
        province: a.province,
        postcode: a.postcode,
        country: a.country,
    }
}

fn customer_name(raw: &str) -> Result<String, FieldError> {
    parse_required_text("name", raw, 200)
}

/// The assigned rep must be an active member of staff who works with customers.
pub fn check_owner(db: &Db, owner_id: &str) -> Result<(), Error> {
    let found = db.query(
        "SELECT role, active FROM staff WHERE id = ?",
        &[Value::Text(owner_id.to_owned())],
    )?;
    let Some(row) = found.rows.first() else {
        return Err(db::missing(
            "owner_id",
            format!("no member of staff {owner_id}"),
        ));
    };
    let role: Role = stored(&db::text(row, 0, "role")?)?;
    if !db::flag(row, 1, "active")? {
        return Err(db::invalid(
            "owner_id",
            format!("{owner_id} is deactivated"),
        ));
    }
    if !role.works_with_customers() {
        return Err(db::invalid(
            "owner_id",
            format!("{owner_id} has role {role}, which does not work with customers"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Dedup keys

/// The (kind, key) pairs a customer is found under: its name, and the phones and e-mails of it
/// and its contacts.
fn keys_of(customer: &Customer) -> Vec<(&'static str, String)> {
    let mut keys = vec![("name", dedup::name_key(&customer.name))];
    let phones = customer
        .phone
        .iter()
        .chain(customer.contacts.iter().filter_map(|c| c.phone.as_ref()));
    keys.extend(
        phones
            .filter_map(|p| dedup::phone_key(p))
            .map(|k| ("phone", k)),
    );
    let emails = customer
        .email
        .iter()
        .chain(customer.contacts.iter().filter_map(|c| c.email.as_ref()));
    keys.extend(emails.map(|e| ("email", dedup::email_key(e))));
    keys.sort();
    keys.dedup();
    keys
}

fn replace_keys(db: &Db, customer: &Customer) -> Result<(), Error> {
    db.exec(
        "DELETE FROM customer_key WHERE customer_id = ?",
        &[Value::Text(customer.id.clone())],
    )?;
    for (kind, key) in keys_of(customer) {
        db.exec(
            "INSERT OR IGNORE INTO customer_key (kind, key, customer_id) VALUES (?, ?, ?)",
            &[
                Value::Text(kind.into()),
                Value::Text(key),
                Value::Text(customer.id.clone()),
            ],
        )?;
    }
    Ok(())
}

/// Live customers found under any of `keys`, with what matched.
fn likely_duplicates(
    db: &Db,
    keys: &[(&'static str, String)],
    except: Option<&str>,
) -> Result<Vec<Duplicate>, Error> {
    let mut matched: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, key) in keys {
        let found = db.query(
            "SELECT customer_id FROM customer_key WHERE kind = ? AND key = ?",
            &[Value::Text((*kind).into()), Value::Text(key.clone())],
        )?;
        for row in &found.rows {
            let id = db::text(row, 0, "customer_id")?;
            if except != Some(id.as_str()) {
                let on = matched.entry(id).or_default();
                if !on.iter().any(|k| k == kind) {
                    on.push((*kind).into());
                }
            }
        }
    }
    let mut duplicates = Vec::new();
    for (id, matched_on) in matched {
        if let Some(row) = find_row(db, &id)? {
            duplicates.push(Duplicate {
                customer: row.summary(),
                matched_on,
            });
        }
    }
    // Most matching fields first, then the oldest record, which is most likely the real one.
    duplicates.sort_by(|a, b| {
        b.matched_on
            .len()
            .cmp(&a.matched_on.len())
            .then_with(|| a.customer.created_at.cmp(&b.customer.created_at))
    });
    duplicates.truncate(MAX_DUPLICATES);
    Ok(duplicates)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The live (not merged) customer row with this id, if any.
fn find_row(db: &Db, id: &str) -> Result<Option<CustomerRow>, Error> {
    let found = db.query(
        &format!("SELECT {CUSTOMER_COLUMNS} FROM customer WHERE id = ? AND merged_into IS NULL"),
        &[Value::Text(id.to_owned())],
    )?;
    found.rows.first().map(customer_row).transpose()
}

/// What an order needs to know of its customer, in one statement: `None` when there is no live
/// customer `id`, else whether `address_id` (when one is given) is one of their addresses.
pub fn ships_to(db: &Db, id: &str, address_id: Option<&str>) -> Result<Option<bool>, Error> {
    let found = db.query(
        "SELECT ?2 IS NULL OR EXISTS (SELECT 1 FROM address WHERE id = ?2 AND customer_id = ?1)
           FROM customer WHERE id = ?1 AND merged_into IS NULL",
        &[
            Value::Text(id.to_owned()),
            address_id.map_or(Value::Null, |a| Value::Text(a.to_owned())),
        ],
    )?;
    found
        .rows
        .first()
        .map(|row| db::flag(row, 0, "ships_to"))
        .transpose()
}

fn contacts_of(db: &Db, customer_id: &str) -> Result<Vec<Contact>, Error> {
    let found = db.query(
        "SELECT id, name, title, phone, email, is_primary FROM contact
          WHERE customer_id = ? ORDER BY is_primary DESC, position",
        &[Value::Text(customer_id.to_owned())],
    )?;
    found
        .rows
        .iter()
        .map(|row| {
            Ok(Contact {
                id: db::text(row, 0, "id")?,
                name: db::text(row, 1, "name")?,
                title: db::text(row, 2, "title")?,
                phone: row.get::<&str>(3).map(str::to_owned),
                email: row.get::<&str>(4).map(str::to_owned),
                primary: db::flag(row, 5, "is_primary")?,
            })
        })
        .collect()
}

fn addresses_of(db: &Db, customer_id: &str) -> Result<Vec<Address>, Error> {
    let found = db.query(
        "SELECT id, label, street, city, province, postcode, country FROM address
          WHERE customer_id = ? ORDER BY position",
        &[Value::Text(customer_id.to_owned())],
    )?;
    found
        .rows
        .iter()
        .map(|row| {
            Ok(Address {
                id: db::text(row, 0, "id")?,
                label: db::text(row, 1, "label")?,
                street: db::text(row, 2, "street")?,
                city: db::text(row, 3, "city")?,
                province: db::text(row, 4, "province")?,
                postcode: db::text(row, 5, "postcode")?,
                country: db::text(row, 6, "country")?,
            })
        })
        .collect()
}

/// The whole customer, or `not-found` (saying where it went, if it was merged).
pub fn load(db: &Db, id: &str) -> Result<Customer, Error> {
    let Some(row) = find_row(db, id)? else {
        let merged = db.query(
            "SELECT merged_into FROM customer WHERE id = ? AND merged_into IS NOT NULL",
            &[Value::Text(id.to_owned())],
        )?;
        return Err(Error::NotFound(
            match merged.rows.first().and_then(|r| r.get::<&str>(0)) {
                Some(survivor) => format!("customer {id} was merged into {survivor}"),
                None => format!("no customer {id}"),
            },
        ));
    };
    let contacts = contacts_of(db, id)?;
    let addresses = addresses_of(db, id)?;
    Ok(row.with(contacts, addresses))
}

pub fn get_customer(db: &Db, actor: &Actor, id: &str) -> Result<Customer, Error> {
    actor.require(Role::works_with_customers, "see customers")?;
    load(db, id)
}

pub fn list_customers(db: &Db, actor: &Actor, query: CustomerQuery) -> Result<CustomerPage, Error> {
    actor.require(Role::works_with_customers, "see customers")?;
    db::check_limit("limit", query.limit, 200)?;
    let (after_created, after_id) = db::parse_cursor(query.cursor.as_deref())?;
    let search = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let text_or_null = |v: Option<String>| v.map_or(Value::Null, Value::Text);
    let name_search = search.map(dedup::name_key).filter(|k| !k.is_empty());
    let phone_search = search.and_then(dedup::phone_key);
    let email_search = search.filter(|s| s.contains('@')).map(dedup::email_key);
    if search.is_some() && name_search.is_none() && phone_search.is_none() && email_search.is_none()
    {
        return Ok(CustomerPage {
            items: Vec::new(),
            next_cursor: None,
        });
    }
    // Optional filters are written as `?n IS NULL OR …` so the statement is one cached text.
    let found = db.query(
        &format!(
            "SELECT {CUSTOMER_COLUMNS_C} FROM customer c
              WHERE c.merged_into IS NULL
                AND (?1 IS NULL OR c.owner_id = ?1)
                AND (?2 IS NULL OR c.region = ?2)
                AND (?3 IS NULL OR c.tier = ?3)
                AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(c.tags_json) t
                                            WHERE lower(t.value) = lower(?4)))
                AND (?5 IS NULL AND ?6 IS NULL AND ?7 IS NULL OR c.id IN (
                        SELECT customer_id FROM customer_key
                         WHERE (kind = 'name' AND key LIKE '%' || ?5 || '%')
                            OR (kind = 'phone' AND key = ?6)
                            OR (kind = 'email' AND key = ?7)))
                AND (?8 IS NULL OR (c.created_at, c.id) < (?8, ?9))
              ORDER BY c.created_at DESC, c.id DESC
              LIMIT ?10"
        ),
        &[
            text_or_null(query.owner_id),
            text_or_null(query.region),
            text_or_null(query.tier.map(|t| Tier::from(t).as_str().to_owned())),
            text_or_null(query.tag),
            text_or_null(name_search),
            text_or_null(phone_search),
            text_or_null(email_search),
            after_created,
            after_id,
            Value::Integer(i64::from(query.limit) + 1),
        ],
    )?;
    let mut items = found
        .rows
        .iter()
        .map(|row| customer_row(row).map(|c| c.summary()))
        .collect::<Result<Vec<_>, Error>>()?;
    let next_cursor = db::next_cursor(&mut items, query.limit, |c| (&c.created_at, &c.id));
    Ok(CustomerPage { items, next_cursor })
}

// ---------------------------------------------------------------------------------------------
// Changing

pub fn create_customer(
    db: &Db,
    actor: &Actor,
    input: NewCustomer,
    allow_duplicate: bool,
) -> Result<Creation, Error> {
    actor.require(Role::works_with_customers, "create customers")?;
    let customer = new_customer(actor, input)?;
    db.transaction(|db| insert_new(db, actor, customer, allow_duplicate))
}

/// Validates the input of a new customer and gives it and its parts their ids.
pub fn new_customer(actor: &Actor, input: NewCustomer) -> Result<Customer, Error> {
    // A rep entering a customer looks after it until someone reassigns it.
    let rep = (actor.role() == Role::Rep).then(|| actor.id().to_owned());
    valid_customer(input, rep)
}

/// [`new_customer`] for a caller who is not staff (a customer signing up to the portal):
/// `default_owner` looks after the customer when the input names no owner.
pub fn valid_customer(
    input: NewCustomer,
    default_owner: Option<String>,
) -> Result<Customer, Error> {
    let parsed = DomainNewCustomer::parse(CustomerDraft {
        name: &input.name,
        phone: input.phone.as_deref(),
        email: input.email.as_deref(),
        region: &input.region,
        channel_partner: input.channel_partner.as_deref(),
        tags: &input.tags,
        contacts: input.contacts.iter().map(contact_draft).collect(),
        addresses: input.addresses.iter().map(address_draft).collect(),
    })?;
    let owner_id = match input.owner_id.as_deref().map(str::trim) {
        Some(owner) if !owner.is_empty() => Some(owner.to_owned()),
        _ => default_owner,
    };
    let now = db::now();
    // Stored and shown with the primary contact first, as crm-domain ordered them and as
    // `contacts_of` reads them back.
    let contacts = parsed
        .contacts
        .into_iter()
        .map(|c| Ok(contact_with_id(secrets::new_id("con")?, c)))
        .collect::<Result<Vec<Contact>, Error>>()?;
    let addresses = parsed
        .addresses
        .into_iter()
        .map(|a| Ok(address_with_id(secrets::new_id("adr")?, a)))
        .collect::<Result<Vec<_>, Error>>()?;
    let customer = Customer {
        id: secrets::new_id("cus")?,
        kind: input.kind,
        name: parsed.name,
        phone: parsed.phone.map(|p| p.as_str().to_owned()),
        email: parsed.email.map(|e| e.as_str().to_owned()),
        tier: input.tier,
        region: parsed.region,
        channel_partner: parsed.channel_partner,
        owner_id,
        tags: parsed.tags,
        contacts,
        addresses,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    Ok(customer)
}

/// Checks a new customer for likely duplicates (unless allowed) and stores it. Runs inside the
/// caller's transaction, so that the check and the insert cannot be split by another writer.
pub fn insert_new(
    db: &Db,
    actor: &Actor,
    customer: Customer,
    allow_duplicate: bool,
) -> Result<Creation, Error> {
    insert_new_as(db, actor.id(), customer, allow_duplicate)
}

/// Whether a customer not stored yet looks like a stored one (the check [`insert_new`] makes).
pub fn looks_like_existing(db: &Db, customer: &Customer) -> Result<bool, Error> {
    Ok(!likely_duplicates(db, &keys_of(customer), None)?.is_empty())
}

/// [`insert_new`] for a caller who is not staff, audited as `actor_id` (e.g. the portal).
pub fn insert_new_as(
    db: &Db,
    actor_id: &str,
    customer: Customer,
    allow_duplicate: bool,
) -> Result<Creation, Error> {
    {
        if let Some(owner) = &customer.owner_id {
            check_owner(db, owner)?;
        }
        if !allow_duplicate {
            let duplicates = likely_duplicates(db, &keys_of(&customer), None)?;
            if !duplicates.is_empty() {
                return Ok(Creation::LikelyDuplicates(duplicates));
            }
        }
        insert_customer(db, &customer)?;
        for (position, contact) in customer.contacts.iter().enumerate() {
            insert_contact(
                db,
                &customer.id,
                contact,
                position as i64,
                &customer.created_at,
            )?;
        }
        for (position, address) in customer.addresses.iter().enumerate() {
            insert_address(
                db,
                &customer.id,
                address,
                position as i64,
                &customer.created_at,
            )?;
        }
        replace_keys(db, &customer)?;
        audit::record_as(
            db,
            actor_id,
            "customer.create",
            "customer",
            &customer.id,
            None,
            Some(customer_json(&customer)),
        )?;
        Ok(Creation::Created(customer))
    }
}

fn insert_customer(db: &Db, c: &Customer) -> Result<(), Error> {
    let optional = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    db.exec(
        &format!("INSERT INTO customer ({CUSTOMER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        &[
            Value::Text(c.id.clone()),
            Value::Text(CustomerKind::from(c.kind).as_str().into()),
            Value::Text(c.name.clone()),
            optional(&c.phone),
            optional(&c.email),
            Value::Text(Tier::from(c.tier).as_str().into()),
            Value::Text(c.region.clone()),
            optional(&c.channel_partner),
            optional(&c.owner_id),
            Value::Text(tags_json(&c.tags)),
            Value::Text(c.created_at.clone()),
            Value::Text(c.updated_at.clone()),
            Value::Integer(i64::from(c.version)),
        ],
    )
}

fn tags_json(tags: &[String]) -> String {
    serde_json::Value::from(tags.to_vec()).to_string()
}

/// Writes the customer's own row over the stored one.
fn update_row(db: &Db, c: &Customer) -> Result<(), Error> {
    let optional = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    db.exec(
        "UPDATE customer SET kind = ?, name = ?, phone = ?, email = ?, tier = ?, region = ?,
                channel_partner = ?, owner_id = ?, tags_json = ?, updated_at = ?, version = ?
          WHERE id = ?",
        &[
            Value::Text(CustomerKind::from(c.kind).as_str().into()),
            Value::Text(c.name.clone()),
            optional(&c.phone),
            optional(&c.email),
            Value::Text(Tier::from(c.tier).as_str().into()),
            Value::Text(c.region.clone()),
            optional(&c.channel_partner),
            optional(&c.owner_id),
            Value::Text(tags_json(&c.tags)),
            Value::Text(c.updated_at.clone()),
            Value::Integer(i64::from(c.version)),
            Value::Text(c.id.clone()),
        ],
    )
}

fn insert_contact(
    db: &Db,
    customer_id: &str,
    c: &Contact,
    position: i64,
    now: &str,
) -> Result<(), Error> {
    let optional = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    db.exec(
        "INSERT INTO contact (id, customer_id, name, title, phone, email, is_primary, position, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            Value::Text(c.id.clone()),
            Value::Text(customer_id.to_owned()),
            Value::Text(c.name.clone()),
            Value::Text(c.title.clone()),
            optional(&c.phone),
            optional(&c.email),
            Value::Integer(i64::from(c.primary)),
            Value::Integer(position),
            Value::Text(now.to_owned()),
        ],
    )
}

fn insert_address(
    db: &Db,
    customer_id: &str,
    a: &Address,
    position: i64,
    now: &str,
) -> Result<(), Error> {
    db.exec(
        "INSERT INTO address (id, customer_id, label, street, city, province, postcode, country, position, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            Value::Text(a.id.clone()),
            Value::Text(customer_id.to_owned()),
            Value::Text(a.label.clone()),
            Value::Text(a.street.clone()),
            Value::Text(a.city.clone()),
            Value::Text(a.province.clone()),
            Value::Text(a.postcode.clone()),
            Value::Text(a.country.clone()),
            Value::Integer(position),
            Value::Text(now.to_owned()),
        ],
    )
}

/// Applies a patch to `customer`, validating each field it replaces.
fn apply_patch(db: &Db, customer: &mut Customer, patch: CustomerPatch) -> Result<(), Error> {
    if let Some(kind) = patch.kind {
        customer.kind = kind;
    }
    if let Some(name) = patch.name {
        customer.name = customer_name(&name)?;
    }
    if let Some(phone) = patch.phone {
        customer.phone = optional_phone("phone", phone.as_deref())?.map(|p| p.as_str().to_owned());
    }
    if let Some(email) = patch.email {
        customer.email = optional_email("email", email.as_deref())?.map(|e| e.as_str().to_owned());
    }
    if let Some(tier) = patch.tier {
        customer.tier = tier;
    }
    if let Some(region) = patch.region {
        customer.region = parse_text("region", &region, 100)?;
    }
    if let Some(partner) = patch.channel_partner {
        customer.channel_partner = optional_text("channel_partner", partner.as_deref(), 100)?;
    }
    if let Some(owner) = patch.owner_id {
        let owner = owner.map(|o| o.trim().to_owned()).filter(|o| !o.is_empty());
        if let Some(owner) = &owner {
            check_owner(db, owner)?;
        }
        customer.owner_id = owner;
    }
    if let Some(tags) = patch.tags {
        customer.tags = parse_tags("tags", &tags)?;
    }
    Ok(())
}

/// Finishes a change to a customer that is already written: its dedup keys follow its new
/// name, phones and e-mails, and the audit log gets the customer before and after.
fn record_change(
    db: &Db,
    actor: &Actor,
    action: &str,
    before: &Customer,
    after: &Customer,
) -> Result<(), Error> {
    replace_keys(db, after)?;
    audit::record(
        db,
        actor,
        action,
        "customer",
        &after.id,
        Some(customer_json(before)),
        Some(customer_json(after)),
    )
}

/// Loads a customer for a change, checking the version the caller last saw.
fn load_for_change(db: &Db, id: &str, expected_version: Option<u32>) -> Result<Customer, Error> {
    let customer = load(db, id)?;
    match expected_version {
        Some(expected) if expected != customer.version => Err(Error::Conflict(format!(
            "customer {id} is at version {}, not {expected}: someone changed it meanwhile; \
             read it again and reapply the change",
            customer.version
        ))),
        _ => Ok(customer),
    }
}

/// Stamps a change: the next version and the time of the change.
fn touch(customer: &mut Customer) {
    customer.version += 1;
    customer.updated_at = db::now();
}

pub fn update_customer(
    db: &Db,
    actor: &Actor,
    id: &str,
    patch: CustomerPatch,
    expected_version: Option<u32>,
) -> Result<Customer, Error> {
    actor.require(Role::works_with_customers, "change customers")?;
    db.transaction(|db| {
        let before = load_for_change(db, id, expected_version)?;
        let mut after = before.clone();
        apply_patch(db, &mut after, patch)?;
        if customer_json(&after) == customer_json(&before) {
            return Ok(before); // Nothing changed: no new version, no audit entry.
        }
        touch(&mut after);
        update_row(db, &after)?;
        record_change(db, actor, "customer.update", &before, &after)?;
        Ok(after)
    })
}

pub fn add_contact(
    db: &Db,
    actor: &Actor,
    customer_id: &str,
    input: ContactInput,
) -> Result<Contact, Error> {
    actor.require(Role::works_with_customers, "change customers")?;
    let valid = NewContact::parse(contact_draft(&input))?;
    let mut contact = contact_with_id(secrets::new_id("con")?, valid);
    db.transaction(|db| {
        let before = load(db, customer_id)?;
        contact.primary = contact.primary || before.contacts.is_empty();
        if contact.primary {
            db.exec(
                "UPDATE contact SET is_primary = 0 WHERE customer_id = ?",
                &[Value::Text(customer_id.to_owned())],
            )?;
        }
        let mut after = before.clone();
        touch(&mut after);
        insert_contact(
            db,
            customer_id,
            &contact,
            next_position(db, "contact", customer_id)?,
            &after.updated_at,
        )?;
        update_row(db, &after)?;
        let after = load(db, customer_id)?;
        record_change(db, actor, "customer.add_contact", &before, &after)?;
        Ok(contact)
    })
}

pub fn add_address(
    db: &Db,
    actor: &Actor,
    customer_id: &str,
    input: AddressInput,
) -> Result<Address, Error> {
    actor.require(Role::works_with_customers, "change customers")?;
    add_address_as(db, actor.id(), customer_id, input)
}

/// [`add_address`] for a caller who is not staff, audited as `actor_id` (a customer adding the
/// address of a web order on the portal). Its own transaction, or a savepoint of the caller's.
pub fn add_address_as(
    db: &Db,
    actor_id: &str,
    customer_id: &str,
    input: AddressInput,
) -> Result<Address, Error> {
    let valid = NewAddress::parse(address_draft(&input))?;
    let address = address_with_id(secrets::new_id("adr")?, valid);
    db.transaction(|db| {
        let before = load(db, customer_id)?;
        let mut after = before.clone();
        touch(&mut after);
        insert_address(
            db,
            customer_id,
            &address,
            next_position(db, "address", customer_id)?,
            &after.updated_at,
        )?;
        update_row(db, &after)?;
        after.addresses.push(address.clone());
        audit::record_as(
            db,
            actor_id,
            "customer.add_address",
            "customer",
            customer_id,
            Some(customer_json(&before)),
            Some(customer_json(&after)),
        )?;
        Ok(address.clone())
    })
}

/// The position after the last contact or address of a customer. `table` is one of two
/// constants, never input.
fn next_position(db: &Db, table: &'static str, customer_id: &str) -> Result<i64, Error> {
    let found = db.query(
        &format!("SELECT COALESCE(MAX(position) + 1, 0) FROM {table} WHERE customer_id = ?"),
        &[Value::Text(customer_id.to_owned())],
    )?;
    Ok(found
        .rows
        .first()
        .and_then(|r| r.get::<i64>(0))
        .unwrap_or(0))
}

pub fn reassign_customers(
    db: &Db,
    actor: &Actor,
    from_owner: &str,
    to_owner: &str,
    customer_ids: Option<Vec<String>>,
) -> Result<u32, Error> {
    actor.require(Role::manages_field_work, "reassign customers")?;
    if from_owner.trim().is_empty() {
        return Err(db::invalid("from_owner", "must name a member of staff"));
    }
    db.transaction(|db| {
        check_owner(db, to_owner).map_err(|e| db::refield(e, |_| "to_owner".into()))?;
        let owned = db.query(
            "SELECT id FROM customer WHERE owner_id = ? AND merged_into IS NULL ORDER BY created_at, id",
            &[Value::Text(from_owner.to_owned())],
        )?;
        let mut ids = owned
            .rows
            .iter()
            .map(|row| db::text(row, 0, "id"))
            .collect::<Result<Vec<_>, Error>>()?;
        if let Some(only) = &customer_ids {
            if let Some(stray) = only.iter().find(|id| !ids.contains(id)) {
                return Err(db::invalid(
                    "customer_ids",
                    format!("{stray} is not a customer assigned to {from_owner}"),
                ));
            }
            ids.retain(|id| only.contains(id));
        }
        let now = db::now();
        for id in &ids {
            db.exec(
                "UPDATE customer SET owner_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                &[
                    Value::Text(to_owner.to_owned()),
                    Value::Text(now.clone()),
                    Value::Text(id.clone()),
                ],
            )?;
            audit::record(
                db,
                actor,
                "customer.reassign",
                "customer",
                id,
                Some(serde_json::json!({ "owner_id": from_owner })),
                Some(serde_json::json!({ "owner_id": to_owner })),
            )?;
        }
        Ok(ids.len() as u32)
    })
}

// ---------------------------------------------------------------------------------------------
// Merging

/// Every table whose rows belong to a customer through `customer_id`, and what the merge
/// reports them as. A new table of customer records must be added here, or a merge would
/// leave its rows behind on the merged customer.
const CUSTOMER_RECORDS: &[(&str, &str)] = &[
    ("contact", "contacts"),
    ("address", "addresses"),
    ("customer_order", "orders"),
    ("activity", "activities"),
    ("lead", "leads"),
    ("opportunity", "opportunities"),
    ("task", "tasks"),
    ("service_request", "service_requests"),
    ("complaint", "complaints"),
    // The customer's portal accounts and open invitations follow it, so that an account made
    // by self sign-up reaches the real record once staff merge the duplicate into it.
    ("portal_account", "portal_accounts"),
    ("portal_invitation", "portal_invitations"),
];

/// The survivor's fields after taking in the merged customer's: its own where set, the
/// other's where empty, the higher tier, and both sets of tags.
fn absorb(survivor: &mut Customer, merged: &Customer) {
    fn fill(own: &mut Option<String>, other: &Option<String>) {
        if own.is_none() {
            own.clone_from(other);
        }
    }
    fill(&mut survivor.phone, &merged.phone);
    fill(&mut survivor.email, &merged.email);
    fill(&mut survivor.channel_partner, &merged.channel_partner);
    fill(&mut survivor.owner_id, &merged.owner_id);
    if survivor.region.is_empty() {
        survivor.region.clone_from(&merged.region);
    }
    let rank = |tier: Tier| Tier::ALL.iter().position(|t| *t == tier);
    if rank(merged.tier.into()) > rank(survivor.tier.into()) {
        survivor.tier = merged.tier;
    }
    let mut tags = survivor.tags.clone();
    tags.extend(merged.tags.iter().cloned());
    survivor.tags = parse_tags("tags", &tags).unwrap_or_else(|_| {
        // More than the limit together: keep the survivor's and as many others as fit.
        let mut kept = survivor.tags.clone();
        for tag in &merged.tags {
            if kept.len() < crm_domain::customer::MAX_TAGS
                && !kept.iter().any(|t| t.to_lowercase() == tag.to_lowercase())
            {
                kept.push(tag.clone());
            }
        }
        kept
    });
}

pub fn merge_customers(
    db: &Db,
    actor: &Actor,
    survivor_id: &str,
    merged_id: &str,
    dry_run: bool,
) -> Result<MergeOutcome, Error> {
    if dry_run {
        actor.require(Role::works_with_customers, "preview merges")?;
    } else {
        actor.require(Role::manages_field_work, "merge customers")?;
    }
    if survivor_id == merged_id {
        return Err(db::invalid(
            "merge_id",
            "a customer cannot be merged into itself",
        ));
    }
    db.transaction_or_dry_run(dry_run, |db| {
        let before = load(db, survivor_id)?;
        let merged = load(db, merged_id).map_err(|e| match e {
            Error::NotFound(_) => db::missing("merge_id", format!("no customer {merged_id}")),
            other => other,
        })?;
        let mut counts = BTreeMap::new();
        let offset = next_position(db, "contact", survivor_id)?;
        let address_offset = next_position(db, "address", survivor_id)?;
        for (table, label) in CUSTOMER_RECORDS {
            let found = db.query(
                &format!("SELECT COUNT(*) FROM {table} WHERE customer_id = ?"),
                &[Value::Text(merged_id.to_owned())],
            )?;
            counts.insert(*label, found.rows.first().and_then(|r| r.get::<u32>(0)).unwrap_or(0));
            // Moved contacts and addresses go after the survivor's own, and its main contact
            // stays the main one.
            let extra = match *table {
                "contact" => format!(", position = position + {offset}, is_primary = 0"),
                "address" => format!(", position = position + {address_offset}"),
                _ => String::new(),
            };
            db.exec(
                &format!("UPDATE {table} SET customer_id = ?{extra} WHERE customer_id = ?"),
                &[Value::Text(survivor_id.to_owned()), Value::Text(merged_id.to_owned())],
            )?;
        }
        // The merged customer's orders now count for the survivor.
        orders::recount_value(db, survivor_id)?;
        orders::recount_value(db, merged_id)?;
        let mut after = before.clone();
        absorb(&mut after, &merged);
        touch(&mut after);
        update_row(db, &after)?;
        let mut after = load(db, survivor_id)?;
        if !after.contacts.iter().any(|c| c.primary) {
            if let Some(first) = after.contacts.first() {
                db.exec(
                    "UPDATE contact SET is_primary = 1 WHERE id = ?",
                    &[Value::Text(first.id.clone())],
                )?;
                after = load(db, survivor_id)?;
            }
        }
        db.exec(
            "UPDATE customer SET merged_into = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            &[
                Value::Text(survivor_id.to_owned()),
                Value::Text(after.updated_at.clone()),
                Value::Text(merged_id.to_owned()),
            ],
        )?;
        db.exec(
            "DELETE FROM customer_key WHERE customer_id = ?",
            &[Value::Text(merged_id.to_owned())],
        )?;
        record_change(db, actor, "customer.merge", &before, &after)?;
        audit::record(
            db,
            actor,
            "customer.merged_into",
            "customer",
            merged_id,
            Some(customer_json(&merged)),
            Some(serde_json::json!({ "id": merged_id, "merged_into": survivor_id })),
        )?;
        let count = |label: &str| counts.get(label).copied().unwrap_or(0);
        Ok(MergeOutcome {
            survivor: after,
            merged_id: merged_id.to_owned(),
            moved: MergeMoves {
                contacts: count("contacts"),
                addresses: count("addresses"),
                orders: count("orders"),
                activities: count("activities"),
                leads: count("leads"),
                opportunities: count("opportunities"),
                service_requests: count("service_requests"),
                complaints: count("complaints"),
                tasks: count("tasks"),
            },
            dry_run,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Import and export

/// The most rows one import call takes; the HTTP component sends larger files in chunks.
const MAX_IMPORT_ROWS: usize = 5000;

/// The customer a CSV row describes, or the first field error in it.
fn customer_from_row(actor: &Actor, row: &ImportRow) -> Result<Customer, Error> {
    let given = |text: &str| (!text.trim().is_empty()).then(|| text.to_owned());
    let kind = match row.kind.trim() {
        "" => CustomerKind::Company,
        text => text
            .parse::<CustomerKind>()
            .map_err(|e| db::invalid("kind", e.to_string()))?,
    };
    let tier = match row.tier.trim() {
        "" => Tier::Standard,
        text => text
            .parse::<Tier>()
            .map_err(|e| db::invalid("tier", e.to_string()))?,
    };
    let contacts = given(&row.contact_name)
        .map(|name| ContactInput {
            name,
            title: row.contact_title.clone(),
            phone: given(&row.contact_phone),
            email: given(&row.contact_email),
            primary: true,
        })
        .into_iter()
        .collect();
    let addresses = given(&row.street)
        .map(|street| AddressInput {
            label: String::new(),
            street,
            city: row.city.clone(),
            province: row.province.clone(),
            postcode: row.postcode.clone(),
            country: row.country.clone(),
        })
        .into_iter()
        .collect();
    let customer = new_customer(
        actor,
        NewCustomer {
            kind: kind.into(),
            name: row.name.clone(),
            phone: given(&row.phone),
            email: given(&row.email),
            tier: tier.into(),
            region: row.region.clone(),
            channel_partner: given(&row.channel_partner),
            owner_id: given(&row.owner_id),
            tags: row.tags.clone(),
            contacts,
            addresses,
        },
    )?;
    Ok(customer)
}

/// The CSV column of a field of `new-customer`: the row's one contact is `contact_…`, its one
/// address has plain columns.
fn csv_column(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("contacts[0].") {
        format!("contact_{rest}")
    } else if let Some(rest) = field.strip_prefix("addresses[0].") {
        rest.to_owned()
    } else {
        field.to_owned()
    }
}

/// Whether two contacts are the same person: same name, phone or e-mail after normalisation.
fn same_contact(a: &Contact, b: &Contact) -> bool {
    let key = |c: &Contact| {
        (
            dedup::name_key(&c.name),
            c.phone.as_deref().and_then(dedup::phone_key),
            c.email.as_deref().map(dedup::email_key),
        )
    };
    let (a, b) = (key(a), key(b));
    a.0 == b.0 || (a.1.is_some() && a.1 == b.1) || (a.2.is_some() && a.2 == b.2)
}

/// Merges what an imported row knows into an existing customer.
fn merge_row(db: &Db, actor: &Actor, existing_id: &str, row: &Customer) -> Result<(), Error> {
    let before = load(db, existing_id)?;
    let mut after = before.clone();
    absorb(&mut after, row);
    touch(&mut after);
    update_row(db, &after)?;
    let mut position = next_position(db, "contact", existing_id)?;
    for contact in &row.contacts {
        if !before.contacts.iter().any(|c| same_contact(c, contact)) {
            let contact = Contact {
                primary: before.contacts.is_empty() && position == 0,
                ..contact.clone()
            };
            insert_contact(db, existing_id, &contact, position, &after.updated_at)?;
            position += 1;
        }
    }
    let mut position = next_position(db, "address", existing_id)?;
    for address in &row.addresses {
        let street = dedup::name_key(&address.street);
        if !before
            .addresses
            .iter()
            .any(|a| dedup::name_key(&a.street) == street)
        {
            insert_address(db, existing_id, address, position, &after.updated_at)?;
            position += 1;
        }
    }
    let after = load(db, existing_id)?;
    record_change(db, actor, "customer.import_merge", &before, &after)
}

pub fn import_customers(
    db: &Db,
    actor: &Actor,
    rows: Vec<ImportRow>,
    first_row: u32,
) -> Result<Vec<ImportOutcome>, Error> {
    actor.require(Role::works_with_customers, "import customers")?;
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(db::invalid(
            "rows",
            format!("send at most {MAX_IMPORT_ROWS} rows per call"),
        ));
    }
    db.transaction(|db| {
        let mut outcomes = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let row_number = first_row + i as u32;
            let outcome = |status, customer_id: Option<String>, reason: String| ImportOutcome {
                row: row_number,
                status,
                customer_id,
                reason,
            };
            let rejected = |e: Error| match e {
                Error::Invalid(p) | Error::Missing(p) => Ok(outcome(
                    ImportStatus::Rejected,
                    None,
                    format!("{}: {}", csv_column(&p.field), p.message),
                )),
                other => Err(other),
            };
            let customer = match customer_from_row(actor, row) {
                Ok(customer) => customer,
                Err(e) => {
                    outcomes.push(rejected(e)?);
                    continue;
                }
            };
            let duplicates = likely_duplicates(db, &keys_of(&customer), None)?;
            if let Some(existing) = duplicates.first() {
                let id = existing.customer.id.clone();
                merge_row(db, actor, &id, &customer)?;
                outcomes.push(outcome(ImportStatus::Merged, Some(id), String::new()));
                continue;
            }
            let id = customer.id.clone();
            match insert_new(db, actor, customer, true) {
                Ok(_) => outcomes.push(outcome(ImportStatus::Created, Some(id), String::new())),
                Err(e) => outcomes.push(rejected(e)?),
            }
        }
        Ok(outcomes)
    })
}

pub fn export_customers(
    db: &Db,
    actor: &Actor,
    cursor: Option<String>,
    limit: u32,
) -> Result<ExportPage, Error> {
    actor.require(Role::works_with_customers, "export customers")?;
    db::check_limit("limit", limit, 1000)?;
    let (after_created, after_id) = db::parse_cursor(cursor.as_deref())?;
    let found = db.query(
        &format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customer
              WHERE merged_into IS NULL AND (?1 IS NULL OR (created_at, id) > (?1, ?2))
              ORDER BY created_at, id LIMIT ?3"
        ),
        &[
            after_created,
            after_id,
            Value::Integer(i64::from(limit) + 1),
        ],
    )?;
    let mut items = Vec::with_capacity(found.rows.len());
    for row in &found.rows {
        let row = customer_row(row)?;
        let contacts = contacts_of(db, &row.id)?;
        let addresses = addresses_of(db, &row.id)?;
        items.push(row.with(contacts, addresses));
    }
    let next_cursor = db::next_cursor(&mut items, limit, |c| (&c.created_at, &c.id));
    Ok(ExportPage { items, next_cursor })
}
