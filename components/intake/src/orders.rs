//! The catalogue and staff orders: `GET|POST /api/v1/products`, `PATCH /api/v1/products/:id`,
//! `GET|POST /api/v1/orders`, `GET /api/v1/orders/:id`. Money is in minor units (fen/cents).

use crm_guest::orders::{
    self, NewOrder, NewProduct, Order, OrderChannel, OrderLineInput, OrderQuery, Product,
    ProductPatch,
};
use crm_guest::request::{credential, json, json_body, query};
use crm_guest::{ApiResult, Params};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;

#[derive(Serialize)]
struct ProductView {
    id: String,
    sku: String,
    name: String,
    unit_price: i64,
    active: bool,
    created_at: String,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        Self {
            id: p.id,
            sku: p.sku,
            name: p.name,
            unit_price: p.unit_price,
            active: p.active,
            created_at: p.created_at,
        }
    }
}

#[derive(Serialize)]
pub struct LineView {
    product_id: String,
    sku: String,
    product_name: String,
    quantity: u32,
    unit_price: i64,
    line_total: i64,
    batch_number: String,
}

#[derive(Serialize)]
pub struct OrderView {
    id: String,
    customer_id: String,
    channel: &'static str,
    placed_at: String,
    lines: Vec<LineView>,
    total: i64,
    invoice_number: String,
    ship_date: Option<String>,
    notes: String,
    entered_by: String,
    created_at: String,
}

impl From<Order> for OrderView {
    fn from(o: Order) -> Self {
        Self {
            id: o.id,
            customer_id: o.customer_id,
            channel: match o.channel {
                OrderChannel::Staff => "staff",
                OrderChannel::Web => "web",
            },
            placed_at: o.placed_at,
            lines: o
                .lines
                .into_iter()
                .map(|l| LineView {
                    product_id: l.product_id,
                    sku: l.sku,
                    product_name: l.product_name,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    line_total: l.line_total,
                    batch_number: l.batch_number,
                })
                .collect(),
            total: o.total,
            invoice_number: o.invoice_number,
            ship_date: o.ship_date,
            notes: o.notes,
            entered_by: o.entered_by,
            created_at: o.created_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateProduct {
    sku: String,
    name: String,
    unit_price: i64,
}

pub fn create_product(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateProduct = json_body(req)?;
    let input = NewProduct {
        sku: body.sku,
        name: body.name,
        unit_price: body.unit_price,
    };
    let product = orders::create_product(&who, &input)?;
    let mut response = json(201, &ProductView::from(product.clone()));
    response.set_header("location", format!("/api/v1/products/{}", product.id));
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateProduct {
    name: Option<String>,
    unit_price: Option<i64>,
    active: Option<bool>,
}

pub fn update_product(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: UpdateProduct = json_body(req)?;
    let patch = ProductPatch {
        name: body.name,
        unit_price: body.unit_price,
        active: body.active,
    };
    let product = orders::update_product(&who, params.get("id"), &patch)?;
    Ok(json(200, &ProductView::from(product)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListProducts {
    #[serde(default)]
    include_inactive: bool,
}

pub fn list_products(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListProducts = query(req)?;
    let products = orders::list_products(&who, q.include_inactive)?;
    let items: Vec<ProductView> = products.into_iter().map(ProductView::from).collect();
    Ok(json(200, &serde_json::json!({ "items": items })))
}

/// One order line as the API takes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    product_id: String,
    quantity: u32,
    unit_price: Option<i64>,
    #[serde(default)]
    batch_number: String,
}

impl From<LineBody> for OrderLineInput {
    fn from(l: LineBody) -> Self {
        Self {
            product_id: l.product_id,
            quantity: l.quantity,
            unit_price: l.unit_price,
            batch_number: l.batch_number,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateOrder {
    customer_id: String,
    placed_at: Option<String>,
    lines: Vec<LineBody>,
    #[serde(default)]
    invoice_number: String,
    ship_date: Option<String>,
    #[serde(default)]
    notes: String,
}

/// `POST /api/v1/orders`: an order entered by staff, e.g. a won deal or a phoned-in order.
pub fn create_order(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateOrder = json_body(req)?;
    let input = NewOrder {
        customer_id: body.customer_id,
        placed_at: body.placed_at,
        lines: body.lines.into_iter().map(Into::into).collect(),
        invoice_number: body.invoice_number,
        ship_date: body.ship_date,
        notes: body.notes,
    };
    let order = orders::create_order(&who, &input)?;
    let mut response = json(201, &OrderView::from(order.clone()));
    response.set_header("location", format!("/api/v1/orders/{}", order.id));
    Ok(response)
}

pub fn get_order(req: &Request, params: &Params) -> ApiResult {
    let order = orders::get_order(&credential(req)?, params.get("id"))?;
    Ok(json(200, &OrderView::from(order)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListOrders {
    customer_id: Option<String>,
    #[serde(default = "crate::default_limit")]
    limit: u32,
    cursor: Option<String>,
}

/// `GET /api/v1/orders?customer_id=&limit=&cursor=`: most recently placed first.
pub fn list_orders(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListOrders = query(req)?;
    let page = orders::list_orders(
        &who,
        &OrderQuery {
            customer_id: q.customer_id,
            limit: q.limit,
            cursor: q.cursor,
        },
    )?;
    let items: Vec<OrderView> = page.items.into_iter().map(OrderView::from).collect();
    Ok(json(
        200,
        &serde_json::json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}
