//! Bodies and queries of `crm:records/orders`. Money is in minor units (fen/cents).

use super::rules;
use crate::names::{self, OrderStatus};
use crate::orders::{NewOrder, NewProduct, OrderLineInput, OrderQuery, Product, ProductPatch};
use crate::problem::Problem;
use serde::{Deserialize, Serialize};

/// A product to add to the catalogue.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    /// Stock-keeping unit: letters, digits, `-`, `_` and `.`, 1–40 characters; unique,
    /// ignoring case, and stored upper-case.
    #[schema(value_type = rules::Sku)]
    pub sku: String,
    /// Name, 1–200 characters.
    #[schema(value_type = rules::RequiredText200)]
    pub name: String,
    /// List price per unit, minor units, 0 up to 10^10.
    #[schema(value_type = rules::MinorUnits)]
    pub unit_price: i64,
}

impl From<CreateProduct> for NewProduct {
    fn from(b: CreateProduct) -> Self {
        Self {
            sku: b.sku,
            name: b.name,
            unit_price: b.unit_price,
        }
    }
}

/// A change to a product: fields present are replaced.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    /// New name, 1–200 characters.
    #[schema(value_type = Option<rules::RequiredText200>)]
    pub name: Option<String>,
    /// New list price per unit, minor units, 0 up to 10^10.
    #[schema(value_type = Option<rules::MinorUnits>)]
    pub unit_price: Option<i64>,
    /// `false` retires the product: it stays on old orders but cannot be ordered again.
    pub active: Option<bool>,
}

impl From<UpdateProduct> for ProductPatch {
    fn from(b: UpdateProduct) -> Self {
        Self {
            name: b.name,
            unit_price: b.unit_price,
            active: b.active,
        }
    }
}

/// A change to a product's stock: a delivery, a count, breakage.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustStock {
    /// Units to add or, negative, to take out; not 0. The stock may not fall below none.
    #[schema(value_type = rules::StockChange)]
    pub change: i32,
    /// Why, at most 500 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text500)]
    pub note: String,
}

/// Which products to list.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListProducts {
    /// Also list retired products.
    #[serde(default)]
    pub include_inactive: bool,
}

/// The catalogue, by SKU.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProductList {
    pub items: Vec<Product>,
}

/// One order line as the API takes it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    /// An active product's id.
    pub product_id: String,
    /// Units, 1 up to 10^6.
    #[schema(value_type = rules::Quantity)]
    pub quantity: u32,
    /// Agreed price per unit, minor units, 0 up to 10^10; the product's list price when absent.
    #[schema(value_type = Option<rules::MinorUnits>)]
    pub unit_price: Option<i64>,
    /// Production batch number, at most 40 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text40)]
    pub batch_number: String,
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

/// An order entered by staff for a customer.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// The customer who buys.
    pub customer_id: String,
    /// When the order was placed, RFC 3339 or a date; now when absent, so that staff can also
    /// enter past orders.
    #[schema(value_type = Option<rules::Instant>)]
    pub placed_at: Option<String>,
    /// 1–100 lines.
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<LineBody>,
    /// Invoice number, at most 40 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text40)]
    pub invoice_number: String,
    /// Day the goods shipped, `YYYY-MM-DD`.
    #[schema(value_type = Option<rules::Day>)]
    pub ship_date: Option<String>,
    /// Notes, at most 2000 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text2000)]
    pub notes: String,
    /// One of the customer's addresses, where the order ships; absent when not known.
    pub address_id: Option<String>,
}

impl From<CreateOrder> for NewOrder {
    fn from(b: CreateOrder) -> Self {
        Self {
            customer_id: b.customer_id,
            placed_at: b.placed_at,
            lines: b.lines.into_iter().map(Into::into).collect(),
            invoice_number: b.invoice_number,
            ship_date: b.ship_date,
            notes: b.notes,
            address_id: b.address_id,
        }
    }
}

/// Which orders to list, most recently placed first.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOrders {
    /// Only this customer's orders.
    pub customer_id: Option<String>,
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<rules::PageCursor>, inline)]
    pub cursor: Option<String>,
}

impl From<ListOrders> for OrderQuery {
    fn from(q: ListOrders) -> Self {
        Self {
            customer_id: q.customer_id,
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

/// Staff move an order on.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetOrderStatus {
    /// Where the order goes: `placed` → `confirmed` → `shipped` → `delivered`, or `placed` or
    /// `confirmed` → `cancelled`. A move the order's status does not allow is a conflict (409)
    /// naming the status.
    #[schema(value_type = OrderStatus)]
    pub status: String,
    /// `shipped` only: the day it shipped; absent is today (UTC).
    #[schema(value_type = Option<rules::Day>)]
    pub ship_date: Option<String>,
}

impl SetOrderStatus {
    /// The status asked for, as `crm:records` takes it.
    pub fn status(&self) -> Result<crate::orders::OrderStatus, Problem> {
        Ok(names::parse::<OrderStatus>("status", &self.status)?.into())
    }
}

/// A page of the signed-in customer's own orders or complaints (customer API).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyPage {
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<rules::PageCursor>, inline)]
    pub cursor: Option<String>,
}

/// The catalogue as a customer searches it (customer API).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchCatalogue {
    /// Words of the product's name or SKU; all active products when absent.
    pub search: Option<String>,
    /// How many products, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
}

/// How many units of the product in the path the customer's cart holds.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartQuantity {
    /// 0 (removes the line) up to 10^6.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub quantity: u32,
}

/// The customer places their cart as a web order.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceWebOrder {
    /// One of the customer's addresses; or absent with `new_address`.
    pub address_id: Option<String>,
    /// A new address, added to the customer's and used for this order.
    pub new_address: Option<super::customers::AddressBody>,
    /// A note for the company, at most 2000 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text2000)]
    pub notes: String,
}

impl From<PlaceWebOrder> for crate::orders::WebOrder {
    fn from(b: PlaceWebOrder) -> Self {
        Self {
            address_id: b.address_id,
            new_address: b.new_address.map(Into::into),
            notes: b.notes,
        }
    }
}
