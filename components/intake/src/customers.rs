//! Customers: `GET|POST /api/v1/customers`, `GET|PATCH /api/v1/customers/:id`,
//! `POST /api/v1/customers/:id/contacts`, `POST /api/v1/customers/:id/addresses`,
//! `POST /api/v1/customers/reassign`.

use crm_guest::customers::{
    self, Address, AddressInput, Contact, ContactInput, Creation, Customer, CustomerPatch,
    CustomerQuery, CustomerSummary, Duplicate, NewCustomer,
};
use crm_guest::names::{self, CustomerKind, Tier};
use crm_guest::overview;
use crm_guest::request::{credential, if_match_version, json, json_body, nullable, query};
use crm_guest::{ApiResult, Params, Problem};
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Request, Response};

// ---------------------------------------------------------------------------------------------
// What the API shows

#[derive(Serialize)]
struct ContactView {
    id: String,
    name: String,
    title: String,
    phone: Option<String>,
    email: Option<String>,
    primary: bool,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id,
            name: c.name,
            title: c.title,
            phone: c.phone,
            email: c.email,
            primary: c.primary,
        }
    }
}

#[derive(Serialize)]
struct AddressView {
    id: String,
    label: String,
    street: String,
    city: String,
    province: String,
    postcode: String,
    country: String,
}

impl From<Address> for AddressView {
    fn from(a: Address) -> Self {
        Self {
            id: a.id,
            label: a.label,
            street: a.street,
            city: a.city,
            province: a.province,
            postcode: a.postcode,
            country: a.country,
        }
    }
}

#[derive(Serialize)]
struct CustomerView {
    id: String,
    kind: &'static str,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    tier: &'static str,
    region: String,
    channel_partner: Option<String>,
    owner_id: Option<String>,
    tags: Vec<String>,
    contacts: Vec<ContactView>,
    addresses: Vec<AddressView>,
    created_at: String,
    updated_at: String,
    version: u32,
}

impl From<Customer> for CustomerView {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            kind: CustomerKind::from(c.kind).as_str(),
            name: c.name,
            phone: c.phone,
            email: c.email,
            tier: Tier::from(c.tier).as_str(),
            region: c.region,
            channel_partner: c.channel_partner,
            owner_id: c.owner_id,
            tags: c.tags,
            contacts: c.contacts.into_iter().map(ContactView::from).collect(),
            addresses: c.addresses.into_iter().map(AddressView::from).collect(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

#[derive(Serialize)]
struct SummaryView {
    id: String,
    kind: &'static str,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    tier: &'static str,
    region: String,
    owner_id: Option<String>,
    created_at: String,
}

impl From<CustomerSummary> for SummaryView {
    fn from(c: CustomerSummary) -> Self {
        Self {
            id: c.id,
            kind: CustomerKind::from(c.kind).as_str(),
            name: c.name,
            phone: c.phone,
            email: c.email,
            tier: Tier::from(c.tier).as_str(),
            region: c.region,
            owner_id: c.owner_id,
            created_at: c.created_at,
        }
    }
}

#[derive(Serialize)]
struct DuplicateView {
    customer: SummaryView,
    matched_on: Vec<String>,
}

impl From<Duplicate> for DuplicateView {
    fn from(d: Duplicate) -> Self {
        Self {
            customer: d.customer.into(),
            matched_on: d.matched_on,
        }
    }
}

/// A customer with its version as the ETag, for `If-Match` on the next change.
fn customer_response(status: u16, customer: Customer) -> Response {
    let etag = format!("\"{}\"", customer.version);
    let id = customer.id.clone();
    let mut response = json(status, &CustomerView::from(customer));
    response.set_header("etag", etag);
    if status == 201 {
        response.set_header("location", format!("/api/v1/customers/{id}"));
    }
    response
}

// ---------------------------------------------------------------------------------------------
// What the API takes

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    name: String,
    #[serde(default)]
    title: String,
    phone: Option<String>,
    email: Option<String>,
    #[serde(default)]
    primary: bool,
}

impl From<ContactBody> for ContactInput {
    fn from(b: ContactBody) -> Self {
        Self {
            name: b.name,
            title: b.title,
            phone: b.phone,
            email: b.email,
            primary: b.primary,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddressBody {
    #[serde(default)]
    label: String,
    street: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    country: String,
}

impl From<AddressBody> for AddressInput {
    fn from(b: AddressBody) -> Self {
        Self {
            label: b.label,
            street: b.street,
            city: b.city,
            province: b.province,
            postcode: b.postcode,
            country: b.country,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCustomer {
    #[serde(default = "company")]
    kind: String,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    #[serde(default = "standard")]
    tier: String,
    #[serde(default)]
    region: String,
    channel_partner: Option<String>,
    owner_id: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    contacts: Vec<ContactBody>,
    #[serde(default)]
    addresses: Vec<AddressBody>,
    /// Create even if the entry looks like an existing customer.
    #[serde(default)]
    confirm_duplicate: bool,
}

fn company() -> String {
    CustomerKind::Company.as_str().into()
}

fn standard() -> String {
    Tier::Standard.as_str().into()
}

/// `POST /api/v1/customers`: 201 with the customer, or 409 with the likely duplicates as
/// `candidates` unless the body says `"confirm_duplicate": true`.
pub fn create(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateCustomer = json_body(req)?;
    let input = NewCustomer {
        kind: names::parse::<CustomerKind>("kind", &body.kind)?.into(),
        name: body.name,
        phone: body.phone,
        email: body.email,
        tier: names::parse::<Tier>("tier", &body.tier)?.into(),
        region: body.region,
        channel_partner: body.channel_partner,
        owner_id: body.owner_id,
        tags: body.tags,
        contacts: body.contacts.into_iter().map(Into::into).collect(),
        addresses: body.addresses.into_iter().map(Into::into).collect(),
    };
    match customers::create_customer(&who, &input, body.confirm_duplicate)? {
        Creation::Created(customer) => Ok(customer_response(201, customer)),
        Creation::LikelyDuplicates(duplicates) => {
            let candidates: Vec<DuplicateView> =
                duplicates.into_iter().map(DuplicateView::from).collect();
            Err(Problem::new(409, "Likely duplicate")
                .with_detail(
                    "this looks like an existing customer; use one of the candidates, or send \
                     the same body with \"confirm_duplicate\": true to create it anyway",
                )
                .with_extension("candidates", serde_json::json!(candidates)))
        }
    }
}

pub fn get(req: &Request, params: &Params) -> ApiResult {
    let customer = customers::get_customer(&credential(req)?, params.get("id"))?;
    Ok(customer_response(200, customer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateCustomer {
    kind: Option<String>,
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    email: Option<Option<String>>,
    tier: Option<String>,
    region: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    channel_partner: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    owner_id: Option<Option<String>>,
    tags: Option<Vec<String>>,
}

/// `PATCH /api/v1/customers/:id`: fields present are replaced, `null` clears; with
/// `If-Match: "<version>"` the change is refused (409) if someone changed the customer since.
pub fn update(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let expected_version = if_match_version(req)?;
    let body: UpdateCustomer = json_body(req)?;
    let patch = CustomerPatch {
        kind: body
            .kind
            .map(|k| names::parse::<CustomerKind>("kind", &k).map(Into::into))
            .transpose()?,
        name: body.name,
        phone: body.phone,
        email: body.email,
        tier: body
            .tier
            .map(|t| names::parse::<Tier>("tier", &t).map(Into::into))
            .transpose()?,
        region: body.region,
        channel_partner: body.channel_partner,
        owner_id: body.owner_id,
        tags: body.tags,
    };
    let customer = customers::update_customer(&who, params.get("id"), &patch, expected_version)?;
    Ok(customer_response(200, customer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListCustomers {
    q: Option<String>,
    owner_id: Option<String>,
    region: Option<String>,
    tier: Option<String>,
    tag: Option<String>,
    #[serde(default = "crate::default_limit")]
    limit: u32,
    cursor: Option<String>,
}

/// `GET /api/v1/customers?q=&owner_id=&region=&tier=&tag=&limit=&cursor=`: newest first.
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListCustomers = query(req)?;
    let customer_query = CustomerQuery {
        search: q.q,
        owner_id: q.owner_id,
        region: q.region,
        tier: q
            .tier
            .map(|t| names::parse::<Tier>("tier", &t).map(Into::into))
            .transpose()?,
        tag: q.tag,
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = customers::list_customers(&who, &customer_query)?;
    let items: Vec<SummaryView> = page.items.into_iter().map(SummaryView::from).collect();
    Ok(json(
        200,
        &serde_json::json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

/// `POST /api/v1/customers/:id/contacts`.
pub fn add_contact(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: ContactBody = json_body(req)?;
    let contact = customers::add_contact(&who, params.get("id"), &body.into())?;
    Ok(json(201, &ContactView::from(contact)))
}

/// `POST /api/v1/customers/:id/addresses`.
pub fn add_address(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: AddressBody = json_body(req)?;
    let address = customers::add_address(&who, params.get("id"), &body.into())?;
    Ok(json(201, &AddressView::from(address)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reassign {
    from_owner: String,
    to_owner: String,
    customer_ids: Option<Vec<String>>,
}

/// `POST /api/v1/customers/reassign`: moves a rep's customers (all, or the listed ones) to
/// another rep, e.g. when the rep leaves.
pub fn reassign(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Reassign = json_body(req)?;
    let count = customers::reassign_customers(
        &who,
        &body.from_owner,
        &body.to_owner,
        body.customer_ids.as_deref(),
    )?;
    Ok(json(200, &serde_json::json!({ "reassigned": count })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverviewQuery {
    #[serde(default = "crate::default_limit")]
    timeline_limit: u32,
}

/// `GET /api/v1/customers/:id/overview?timeline_limit=`: the unified customer view — profile,
/// order figures and the most recent touchpoints — in one request.
pub fn overview(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: OverviewQuery = query(req)?;
    let view = overview::get_overview(&who, params.get("id"), q.timeline_limit)?;
    let m = view.metrics;
    let timeline: Vec<serde_json::Value> = view
        .timeline
        .into_iter()
        .map(|t| {
            serde_json::json!({
                "at": t.at, "kind": t.kind, "id": t.id, "summary": t.summary,
                "staff_id": t.staff_id,
            })
        })
        .collect();
    Ok(json(
        200,
        &serde_json::json!({
            "customer": CustomerView::from(view.customer),
            "metrics": {
                "order_count": m.order_count,
                "total_value": m.total_value,
                "first_order_at": m.first_order_at,
                "last_order_at": m.last_order_at,
                "average_order_value": m.average_order_value,
                "average_interval_days": m.average_interval_days,
                "value_per_order_growth_percent": m.value_per_order_growth_percent,
            },
            "timeline": timeline,
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Merge {
    merge_id: String,
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/customers/:id/merge` with `{"merge_id": "cus_…", "dry_run": true}`: merges
/// the other customer into this one, or with `dry_run` shows what the merge would do.
pub fn merge(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Merge = json_body(req)?;
    let outcome = customers::merge_customers(&who, params.get("id"), &body.merge_id, body.dry_run)?;
    let m = outcome.moved;
    Ok(json(
        200,
        &serde_json::json!({
            "dry_run": outcome.dry_run,
            "merged_id": outcome.merged_id,
            "moved": {
                "contacts": m.contacts, "addresses": m.addresses, "orders": m.orders,
                "activities": m.activities, "leads": m.leads,
                "opportunities": m.opportunities, "tasks": m.tasks,
                "service_requests": m.service_requests,
            },
            "survivor": CustomerView::from(outcome.survivor),
        }),
    ))
}
