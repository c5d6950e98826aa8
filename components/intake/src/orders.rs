//! The catalogue and staff orders: `GET|POST /api/v1/products`, `PATCH /api/v1/products/:id`,
//! `POST /api/v1/products/:id/stock`, `GET|POST /api/v1/orders`, `GET /api/v1/orders/:id`,
//! `POST /api/v1/orders/:id/status`. Money is in minor units (fen/cents).

use crm_guest::orders::{self, Order, OrderPage, Product};
use crm_guest::request::{credential, idempotency_key, json, json_body, query};
use crm_guest::views::orders::{
    AdjustStock, CreateOrder, CreateProduct, ListOrders, ListProducts, ProductList, SetOrderStatus,
    UpdateProduct,
};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::{ApiResult, Params, Problem};
use spin_sdk::http::Request;

/// Adds a product to the catalogue (admin, sales GM).
#[utoipa::path(post, path = "/api/v1/products", tag = "orders",
    request_body = CreateProduct,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created", body = Product, headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn create_product(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateProduct = json_body(req)?;
    let product = orders::create_product(&who, &body.into(), idempotency_key(req).as_ref())?;
    let location = format!("/api/v1/products/{}", product.id);
    let mut response = json(201, &product);
    response.set_header("location", location);
    Ok(response)
}

/// Changes or retires a product (admin, sales GM).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "orders",
    request_body = UpdateProduct,
    params(("id" = String, Path, description = "The product's id")),
    responses(
        (status = 200, description = "The changed product", body = Product),
        (status = "4XX", response = Problem),
    ))]
pub fn update_product(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: UpdateProduct = json_body(req)?;
    let product = orders::update_product(&who, params.get("id"), &body.into())?;
    Ok(json(200, &product))
}

/// Changes a product's stock by a number of units, with a note saying why (warehouse, admin).
///
/// A change that would leave fewer than none in stock is refused (409) and changes nothing.
#[utoipa::path(post, path = "/api/v1/products/{id}/stock", tag = "orders",
    request_body = AdjustStock,
    params(("id" = String, Path, description = "The product's id")),
    responses(
        (status = 200, description = "The product with its new stock", body = Product),
        (status = "4XX", response = Problem),
    ))]
pub fn adjust_stock(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: AdjustStock = json_body(req)?;
    let product = orders::adjust_stock(&who, params.get("id"), body.change, &body.note)?;
    Ok(json(200, &product))
}

/// The catalogue by SKU; retired products only when asked.
#[utoipa::path(get, path = "/api/v1/products", tag = "orders",
    params(ListProducts),
    responses(
        (status = 200, description = "The products", body = ProductList),
        (status = "4XX", response = Problem),
    ))]
pub fn list_products(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListProducts = query(req)?;
    let items = orders::list_products(&who, q.include_inactive)?;
    Ok(json(200, &ProductList { items }))
}

/// Records an order entered by staff for a customer, e.g. a won deal or a phoned-in order.
///
/// It is `confirmed`, or `delivered` when it is entered with its `ship_date` (a past order).
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders",
    request_body = CreateOrder,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created", body = Order, headers(("location" = String))),
        (status = "4XX", response = Problem),
    ))]
pub fn create_order(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateOrder = json_body(req)?;
    let order = orders::create_order(&who, &body.into(), idempotency_key(req).as_ref())?;
    let location = format!("/api/v1/orders/{}", order.id);
    let mut response = json(201, &order);
    response.set_header("location", location);
    Ok(response)
}

/// An order.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = String, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order", body = Order),
        (status = "4XX", response = Problem),
    ))]
pub fn get_order(req: &Request, params: &Params) -> ApiResult {
    let order = orders::get_order(&credential(req)?, params.get("id"))?;
    Ok(json(200, &order))
}

/// Orders, most recently placed first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    params(ListOrders),
    responses(
        (status = 200, description = "A page of orders", body = OrderPage),
        (status = "4XX", response = Problem),
    ))]
pub fn list_orders(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListOrders = query(req)?;
    let page = orders::list_orders(&who, &q.into())?;
    Ok(json(200, &page))
}

/// Moves an order on: `placed` → `confirmed` → `shipped` → `delivered`, or `placed` or
/// `confirmed` → `cancelled` (staff who work with customers; a rep only for the customers they
/// own).
///
/// Shipping sets the order's `ship_date`, today (UTC) when none is given; no other move takes
/// one (422). A move the status does not allow is a conflict (409) naming the status. A
/// cancelled order counts in no report from then on.
#[utoipa::path(post, path = "/api/v1/orders/{id}/status", tag = "orders",
    request_body = SetOrderStatus,
    params(("id" = String, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order after the move", body = Order),
        (status = "4XX", response = Problem),
    ))]
pub fn set_order_status(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: SetOrderStatus = json_body(req)?;
    let status = body.status()?;
    let order =
        orders::set_order_status(&who, params.get("id"), status, body.ship_date.as_deref())?;
    Ok(json(200, &order))
}
