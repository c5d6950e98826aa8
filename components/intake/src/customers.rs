//! Customers: `GET|POST /api/v1/customers`, `GET|PATCH /api/v1/customers/:id`,
//! `POST /api/v1/customers/:id/contacts`, `POST /api/v1/customers/:id/addresses`,
//! `POST /api/v1/customers/reassign`, the overview, the merge and the invitation of a contact
//! to the portal (`POST /api/v1/customers/:id/portal-invites`).

use crm_guest::accounts::{self, Invitation};
use crm_guest::customers::{
    self, Address, Contact, Creation, Customer, CustomerPage, Duplicate, MergeOutcome,
};
use crm_guest::overview::{self, CustomerOverview};
use crm_guest::request::{credential, idempotency_key, if_match_version, json, json_body, query};
use crm_guest::views::accounts::PortalInvite;
use crm_guest::views::customers::{
    AddressBody, ContactBody, CreateCustomer, ListCustomers, Merge, OverviewQuery, Reassign,
    Reassigned, UpdateCustomer,
};
use crm_guest::views::{IdempotencyKeyHeader, IfMatchHeader};
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::{Request, Response};

/// A customer with its version as the ETag, for `If-Match` on the next change.
fn customer_response(status: u16, customer: Customer) -> Response {
    let etag = format!("\"{}\"", customer.version);
    let location = format!("/api/v1/customers/{}", customer.id);
    let mut response = json(status, &customer);
    response.set_header("etag", etag);
    if status == 201 {
        response.set_header("location", location);
    }
    response
}

/// Records a customer for the company. An entry that looks like an existing customer (same
/// name, phone or e-mail after normalisation) is refused with 409 and the `candidates`, unless
/// the body says `"confirm_duplicate": true`.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", operation_id = "create_customer",
    request_body = CreateCustomer,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created", body = Customer,
            headers(("location" = String), ("etag" = String))),
        (status = 409, description = "Likely duplicate: see `candidates`", body = DuplicateProblem,
            content_type = "application/problem+json"),
        (status = "4XX", response = Problem),
    ))]
pub fn create(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let (input, confirmed) = json_body::<CreateCustomer>(req)?.into_input()?;
    match customers::create_customer(&who, &input, confirmed, idempotency_key(req).as_ref())? {
        Creation::Created(customer) => Ok(customer_response(201, customer)),
        Creation::LikelyDuplicates(candidates) => Err(Problem::new(409, "Likely duplicate")
            .with_detail(
                "this looks like an existing customer; use one of the candidates, or send the \
                 same body with \"confirm_duplicate\": true to create it anyway",
            )
            .with_extension("candidates", serde_json::json!(candidates))),
    }
}

/// The 409 answer of a likely duplicate: a problem with the customers it probably duplicates.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DuplicateProblem {
    title: String,
    status: u16,
    detail: String,
    candidates: Vec<Duplicate>,
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", operation_id = "get_customer",
    params(("id" = String, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The customer", body = Customer, headers(("etag" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn get(req: &Request, params: &Params) -> ApiResult {
    let customer = customers::get_customer(&credential(req)?, params.get("id"))?;
    Ok(customer_response(200, customer))
}

/// Changes a customer: fields present are replaced, `null` clears. With `If-Match: "<version>"`
/// the change is refused (409) if someone changed the customer since.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", operation_id = "update_customer",
    request_body = UpdateCustomer,
    params(
        ("id" = String, Path, description = "The customer's id"),
        IfMatchHeader,
    ),
    responses(
        (status = 200, description = "The changed customer", body = Customer, headers(("etag" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn update(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let expected_version = if_match_version(req)?;
    let patch = json_body::<UpdateCustomer>(req)?.into_patch()?;
    let customer = customers::update_customer(&who, params.get("id"), &patch, expected_version)?;
    Ok(customer_response(200, customer))
}

/// Customers, newest first; a rep sees their own.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", operation_id = "list_customers",
    params(ListCustomers),
    responses(
        (status = 200, description = "A page of customers", body = CustomerPage),
        (status = "4XX", response = Problem),
    ))]
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let customer_query = query::<ListCustomers>(req)?.into_query()?;
    let page = customers::list_customers(&who, &customer_query)?;
    Ok(json(200, &page))
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/contacts", tag = "customers", operation_id = "add_contact",
    request_body = ContactBody,
    params(
        ("id" = String, Path, description = "The customer's id"),
        IdempotencyKeyHeader,
    ),
    responses(
        (status = 201, description = "The contact", body = Contact),
        (status = "4XX", response = Problem),
    ))]
pub fn add_contact(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: ContactBody = json_body(req)?;
    let once = idempotency_key(req);
    let contact = customers::add_contact(&who, params.get("id"), &body.into(), once.as_ref())?;
    Ok(json(201, &contact))
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/addresses", tag = "customers", operation_id = "add_address",
    request_body = AddressBody,
    params(
        ("id" = String, Path, description = "The customer's id"),
        IdempotencyKeyHeader,
    ),
    responses(
        (status = 201, description = "The address", body = Address),
        (status = "4XX", response = Problem),
    ))]
pub fn add_address(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: AddressBody = json_body(req)?;
    let once = idempotency_key(req);
    let address = customers::add_address(&who, params.get("id"), &body.into(), once.as_ref())?;
    Ok(json(201, &address))
}

/// Moves a rep's customers (all, or the listed ones) to another rep, e.g. when the rep leaves.
#[utoipa::path(post, path = "/api/v1/customers/reassign", tag = "customers", operation_id = "reassign_customers",
    request_body = Reassign,
    responses(
        (status = 200, description = "How many customers moved", body = Reassigned),
        (status = "4XX", response = Problem),
    ))]
pub fn reassign(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Reassign = json_body(req)?;
    let reassigned = customers::reassign_customers(
        &who,
        &body.from_owner,
        &body.to_owner,
        body.customer_ids.as_deref(),
    )?;
    Ok(json(200, &Reassigned { reassigned }))
}

/// The unified customer view — profile, order figures and the most recent touchpoints — in one
/// request.
#[utoipa::path(get, path = "/api/v1/customers/{id}/overview", tag = "customers", operation_id = "customer_overview",
    params(("id" = String, Path, description = "The customer's id"), OverviewQuery),
    responses(
        (status = 200, description = "The customer's overview", body = CustomerOverview),
        (status = "4XX", response = Problem),
    ))]
pub fn overview(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: OverviewQuery = query(req)?;
    let view = overview::get_overview(&who, params.get("id"), q.timeline_limit)?;
    Ok(json(200, &view))
}

/// Merges the other customer into this one, or with `dry_run` shows what the merge would do.
#[utoipa::path(post, path = "/api/v1/customers/{id}/merge", tag = "customers", operation_id = "merge_customers",
    request_body = Merge,
    params(("id" = String, Path, description = "The surviving customer's id")),
    responses(
        (status = 200, description = "What the merge did (or would do)", body = MergeOutcome),
        (status = "4XX", response = Problem),
    ))]
pub fn merge(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: Merge = json_body(req)?;
    let outcome = customers::merge_customers(&who, params.get("id"), &body.merge_id, body.dry_run)?;
    Ok(json(200, &outcome))
}

/// Invites a contact of the customer to the self-service portal: a one-time code, valid for a
/// limited time, with which they create an account linked to this customer (at
/// `/sign-up?invite=<code>`). The code is shown only in this answer.
#[utoipa::path(post, path = "/api/v1/customers/{id}/portal-invites", tag = "customers", operation_id = "invite_to_portal",
    request_body = PortalInvite,
    params(("id" = String, Path, description = "The customer's id")),
    responses(
        (status = 201, description = "The invitation, with its one-time code", body = Invitation),
        (status = "4XX", response = Problem),
    ))]
pub fn invite_to_portal(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: PortalInvite = json_body(req)?;
    let invitation = accounts::invite(&who, params.get("id"), &body.email)?;
    Ok(json(201, &invitation))
}
