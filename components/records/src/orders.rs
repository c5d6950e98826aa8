//! The product catalogue, stock and orders: staff orders and their status, and what customers
//! do on the portal (a cart, web orders, their own orders).
//!
//! - **Status** (`crm_domain::orders::OrderStatus`): a web order starts `placed`, a staff order
//!   `confirmed` (`delivered` when entered with its ship date). Staff move orders on; a
//!   customer may cancel their own web order while it is `placed`. Cancelling takes the order
//!   out of `sales_hour` in the same transaction, and every report skips cancelled orders.
//! - **Carts** live in the `default` key-value store under `portal-cart:<account id>`, as JSON
//!   `[{"product_id", "quantity"}]`, and are priced from the catalogue whenever they are read.
//!   Placing a web order empties the cart once the order has committed.

use crate::audit;
use crate::auth::{Actor, CustomerActor};
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::orders::{
    Cart, CartLine, NewOrder, NewProduct, Order, OrderChannel, OrderLine, OrderLineInput,
    OrderPage, OrderQuery, OrderStatus, Product, ProductPatch, WebOrder,
};
use crate::exports::crm::records::types::{Error, IdempotencyKey};
use crate::idempotency;
use crate::secrets;
use crm_domain::customer::{parse_required_text, parse_text};
use crm_domain::orders::{
    line_total, parse_sku, parse_unit_price, LineDraft, NewOrder as DomainNewOrder, OrderDraft,
    OrderStatus as Status, MAX_QUANTITY,
};
use crm_domain::role::Role;
use crm_domain::time::{parse_day, rfc3339_utc};
use serde::{Deserialize, Serialize};
use spin_sdk::key_value::Store;
use spin_sdk::sqlite3::{RowResult, Value};
use std::collections::HashMap;

const PRODUCT_COLUMNS: &str = "id, sku, name, unit_price, active, created_at, stock";

const ORDER_COLUMNS: &str = "id, customer_id, channel, placed_at, total, invoice_number, \
                             ship_date, notes, entered_by, created_at, address_id, status";

/// Carts' keys in key-value: this prefix and the portal account's id.
const CART_KEY_PREFIX: &str = "portal-cart:";

/// The most lines (products) a cart holds.
const MAX_CART_LINES: usize = 50;

/// The most a stock adjustment's note may say, in characters.
const MAX_STOCK_NOTE: usize = 500;

fn product_from_row(row: &RowResult) -> Result<Product, Error> {
    Ok(Product {
        id: db::text(row, 0, "id")?,
        sku: db::text(row, 1, "sku")?,
        name: db::text(row, 2, "name")?,
        unit_price: db::integer(row, 3, "unit_price")?,
        active: db::flag(row, 4, "active")?,
        created_at: db::text(row, 5, "created_at")?,
        stock: db::count(row, 6, "stock")?,
    })
}

fn product_json(p: &Product) -> serde_json::Value {
    serde_json::json!({
        "id": p.id, "sku": p.sku, "name": p.name, "unit_price": p.unit_price, "active": p.active,
    })
}

fn find_product(db: &Db, id: &str) -> Result<Product, Error> {
    let found = db.query(
        &format!("SELECT {PRODUCT_COLUMNS} FROM product WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(row) => product_from_row(row),
        None => Err(Error::NotFound(format!("no product {id}"))),
    }
}

pub fn create_product(db: &Db, actor: &Actor, input: NewProduct) -> Result<Product, Error> {
    actor.require(Role::manages_catalogue, "change the product catalogue")?;
    let product = Product {
        id: secrets::new_id("prd")?,
        sku: parse_sku("sku", &input.sku)?,
        name: parse_required_text("name", &input.name, 200)?,
        unit_price: parse_unit_price("unit_price", input.unit_price)?,
        active: true,
        stock: 0,
        created_at: db::now(),
    };
    db.transaction(|db| {
        let taken = db.query(
            "SELECT id FROM product WHERE sku = ?",
            &[Value::Text(product.sku.clone())],
        )?;
        if let Some(row) = taken.rows.first() {
            return Err(Error::Conflict(format!(
                "SKU {} is taken by product {}",
                product.sku,
                db::text(row, 0, "id")?
            )));
        }
        db.exec(
            &format!("INSERT INTO product ({PRODUCT_COLUMNS}) VALUES (?, ?, ?, ?, 1, ?, 0)"),
            &[
                Value::Text(product.id.clone()),
                Value::Text(product.sku.clone()),
                Value::Text(product.name.clone()),
                Value::Integer(product.unit_price),
                Value::Text(product.created_at.clone()),
            ],
        )?;
        audit::record(
            db,
            actor,
            "product.create",
            "product",
            &product.id,
            None,
            Some(product_json(&product)),
        )
    })?;
    Ok(product)
}

pub fn update_product(
    db: &Db,
    actor: &Actor,
    id: &str,
    patch: ProductPatch,
) -> Result<Product, Error> {
    actor.require(Role::manages_catalogue, "change the product catalogue")?;
    let name = patch
        .name
        .map(|n| parse_required_text("name", &n, 200))
        .transpose()?;
    let unit_price = patch
        .unit_price
        .map(|p| parse_unit_price("unit_price", p))
        .transpose()?;
    db.transaction(|db| {
        let before = find_product(db, id)?;
        let after = Product {
            name: name.unwrap_or_else(|| before.name.clone()),
            unit_price: unit_price.unwrap_or(before.unit_price),
            active: patch.active.unwrap_or(before.active),
            ..before.clone()
        };
        if product_json(&after) == product_json(&before) {
            return Ok(before);
        }
        db.exec(
            "UPDATE product SET name = ?, unit_price = ?, active = ? WHERE id = ?",
            &[
                Value::Text(after.name.clone()),
                Value::Integer(after.unit_price),
                Value::Integer(i64::from(after.active)),
                Value::Text(id.to_owned()),
            ],
        )?;
        audit::record(
            db,
            actor,
            "product.update",
            "product",
            id,
            Some(product_json(&before)),
            Some(product_json(&after)),
        )?;
        Ok(after)
    })
}

/// Adds `change` units to a product's stock (takes them out when negative), in the caller's
/// write transaction, and returns the product before and after. A change that would leave fewer
/// than none is the conflict `shortage` words, as is one that would leave more than a `u32`
/// holds; the table's `CHECK (stock >= 0)` stands behind both.
fn change_stock(
    db: &Db,
    product_id: &str,
    change: i64,
    shortage: impl FnOnce(&Product) -> String,
) -> Result<(Product, Product), Error> {
    let before = find_product(db, product_id)?;
    let Ok(stock) = u32::try_from(i64::from(before.stock) + change) else {
        return Err(Error::Conflict(shortage(&before)));
    };
    db.exec(
        "UPDATE product SET stock = ? WHERE id = ?",
        &[
            Value::Integer(i64::from(stock)),
            Value::Text(product_id.to_owned()),
        ],
    )?;
    let mut after = before.clone();
    after.stock = stock;
    Ok((before, after))
}

/// A stock adjustment by the warehouse: a delivery, a count, breakage. Audited as
/// `product.stock` with the stock before and after, the change and the note.
pub fn adjust_stock(
    db: &Db,
    actor: &Actor,
    product_id: &str,
    change: i32,
    note: &str,
) -> Result<Product, Error> {
    actor.require(Role::keeps_stock, "adjust stock")?;
    if change == 0 {
        return Err(db::invalid(
            "change",
            "must not be 0: a positive change adds units, a negative one takes them out",
        ));
    }
    let note = parse_text("note", note, MAX_STOCK_NOTE)?;
    db.transaction(|db| {
        let (before, after) = change_stock(db, product_id, i64::from(change), |product| {
            format!(
                "product {} has {} in stock; a change of {change} would leave fewer than none \
                 (or more than {})",
                product.id,
                product.stock,
                u32::MAX
            )
        })?;
        audit::record(
            db,
            actor,
            "product.stock",
            "product",
            &after.id,
            Some(serde_json::json!({"stock": before.stock})),
            Some(serde_json::json!({"stock": after.stock, "change": change, "note": note})),
        )?;
        Ok(after)
    })
}

/// Takes `units` of a product out of stock, in the caller's transaction (a replacement service
/// request reserves its units; it audits the change as part of its own). Not enough in stock is
/// a conflict naming the product's SKU and the units it has.
pub fn take_stock(db: &Db, product_id: &str, units: u32) -> Result<(), Error> {
    change_stock(db, product_id, -i64::from(units), |product| {
        format!(
            "product {} has {} in stock; {units} are needed",
            product.sku, product.stock
        )
    })
    .map(drop)
}

/// Puts `units` of a product back in stock, in the caller's transaction (a rejected or cancelled
/// service request gives back what it reserved; it audits the change).
pub fn return_stock(db: &Db, product_id: &str, units: u32) -> Result<(), Error> {
    change_stock(db, product_id, i64::from(units), |product| {
        format!(
            "product {} has {} in stock; {units} more would not fit",
            product.sku, product.stock
        )
    })
    .map(drop)
}

pub fn list_products(
    db: &Db,
    actor: &Actor,
    include_inactive: bool,
) -> Result<Vec<Product>, Error> {
    // Everyone who works with customers, and finance and the warehouse, whose service requests
    // name products (and the warehouse keeps their stock).
    actor.require(Role::sees_service_requests, "see the catalogue")?;
    let found = db.query(
        &format!("SELECT {PRODUCT_COLUMNS} FROM product WHERE active = 1 OR ? ORDER BY sku"),
        &[Value::Integer(i64::from(include_inactive))],
    )?;
    found.rows.iter().map(product_from_row).collect()
}

/// The public catalogue: active products by name, filtered by a search text (at most 100
/// characters; `%` and `_` match themselves).
pub fn browse_catalogue(db: &Db, search: Option<&str>, limit: u32) -> Result<Vec<Product>, Error> {
    db::check_limit("limit", limit, 200)?;
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 100) {
        return Err(db::invalid("q", "must be at most 100 characters"));
    }
    let pattern = search.map(|s| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let found = db.query(
        &format!(
            "SELECT {PRODUCT_COLUMNS} FROM product
              WHERE active = 1
                AND (?1 IS NULL OR name LIKE ?1 ESCAPE '\\' OR sku LIKE ?1 ESCAPE '\\')
              ORDER BY name, id LIMIT ?2"
        ),
        &[
            pattern.map_or(Value::Null, Value::Text),
            Value::Integer(i64::from(limit)),
        ],
    )?;
    found.rows.iter().map(product_from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// Orders

fn channel_name(channel: OrderChannel) -> &'static str {
    crm_domain::orders::OrderChannel::from(channel).as_str()
}

fn status_name(status: OrderStatus) -> &'static str {
    Status::from(status).as_str()
}

fn order_from_row(row: &RowResult, lines: Vec<OrderLine>) -> Result<Order, Error> {
    let channel: OrderChannel =
        crate::names::stored::<crm_domain::orders::OrderChannel>(&db::text(row, 2, "channel")?)?
            .into();
    let status: OrderStatus = crate::names::stored::<Status>(&db::text(row, 11, "status")?)?.into();
    Ok(Order {
        id: db::text(row, 0, "id")?,
        customer_id: db::text(row, 1, "customer_id")?,
        channel,
        status,
        placed_at: db::text(row, 3, "placed_at")?,
        total: db::integer(row, 4, "total")?,
        invoice_number: db::text(row, 5, "invoice_number")?,
        ship_date: row.get::<&str>(6).map(str::to_owned),
        notes: db::text(row, 7, "notes")?,
        entered_by: db::text(row, 8, "entered_by")?,
        created_at: db::text(row, 9, "created_at")?,
        address_id: row.get::<&str>(10).map(str::to_owned),
        lines,
    })
}

fn lines_of(db: &Db, order_id: &str) -> Result<Vec<OrderLine>, Error> {
    let found = db.query(
        "SELECT product_id, sku, product_name, quantity, unit_price, line_total, batch_number
           FROM order_line WHERE order_id = ? ORDER BY line_no",
        &[Value::Text(order_id.to_owned())],
    )?;
    found
        .rows
        .iter()
        .map(|row| {
            Ok(OrderLine {
                product_id: db::text(row, 0, "product_id")?,
                sku: db::text(row, 1, "sku")?,
                product_name: db::text(row, 2, "product_name")?,
                quantity: db::count(row, 3, "quantity")?,
                unit_price: db::integer(row, 4, "unit_price")?,
                line_total: db::integer(row, 5, "line_total")?,
                batch_number: db::text(row, 6, "batch_number")?,
            })
        })
        .collect()
}

fn order_json(o: &Order) -> serde_json::Value {
    serde_json::json!({
        "id": o.id, "customer_id": o.customer_id, "channel": channel_name(o.channel),
        "status": status_name(o.status), "placed_at": o.placed_at, "total": o.total,
        "invoice_number": o.invoice_number, "ship_date": o.ship_date, "notes": o.notes,
        "address_id": o.address_id,
        "lines": o.lines.iter().map(|l| serde_json::json!({
            "product_id": l.product_id, "sku": l.sku, "quantity": l.quantity,
            "unit_price": l.unit_price, "batch_number": l.batch_number,
        })).collect::<Vec<_>>(),
    })
}

/// Staff enter an order: `confirmed`, or `delivered` when it is entered with its ship date (a
/// past order recorded after the fact).
pub fn create_order(db: &Db, actor: &Actor, input: NewOrder) -> Result<Order, Error> {
    actor.require(Role::works_with_customers, "enter orders")?;
    db.transaction(|db| insert_new_order(db, actor, &input, OrderChannel::Staff))
}

/// Validates and stores a new order, inside the caller's transaction: the customer, every
/// product and every field are checked, and the catalogue price applies where none is agreed.
/// Its status is where a new order of its channel starts (`OrderStatus::initial`).
pub fn insert_new_order(
    db: &Db,
    actor: &Actor,
    input: &NewOrder,
    channel: OrderChannel,
) -> Result<Order, Error> {
    insert_new_order_as(db, actor.id(), input, channel)
}

/// [`insert_new_order`] audited as `actor_id`: a member of staff, who is then its `entered_by`,
/// or the portal account of a customer placing a web order (`entered_by` stays empty).
fn insert_new_order_as(
    db: &Db,
    actor_id: &str,
    input: &NewOrder,
    channel: OrderChannel,
) -> Result<Order, Error> {
    let parsed = DomainNewOrder::parse(OrderDraft {
        placed_at: input.placed_at.as_deref(),
        ship_date: input.ship_date.as_deref(),
        invoice_number: &input.invoice_number,
        notes: &input.notes,
        lines: input
            .lines
            .iter()
            .map(|line| LineDraft {
                quantity: line.quantity,
                unit_price: line.unit_price,
                batch_number: &line.batch_number,
            })
            .collect(),
    })?;
    let now = db::now();
    let placed_at = parsed.placed_at.unwrap_or_else(|| now.clone());
    let ship_date = parsed.ship_date;
    match customers::ships_to(db, &input.customer_id, input.address_id.as_deref())? {
        None => {
            return Err(db::missing(
                "customer_id",
                format!("no customer {}", input.customer_id),
            ))
        }
        Some(false) => {
            return Err(db::missing(
                "address_id",
                format!(
                    "customer {} has no address {}",
                    input.customer_id,
                    input.address_id.as_deref().unwrap_or_default()
                ),
            ))
        }
        Some(true) => {}
    }
    let mut lines = Vec::with_capacity(input.lines.len());
    for (i, (line, valid)) in input.lines.iter().zip(parsed.lines).enumerate() {
        let field = |name: &str| format!("lines[{i}].{name}");
        let product = find_product(db, &line.product_id).map_err(|e| match e {
            Error::NotFound(_) => db::missing(
                &field("product_id"),
                format!("no product {}", line.product_id),
            ),
            other => other,
        })?;
        if !product.active {
            return Err(db::invalid(
                &field("product_id"),
                format!("product {} ({}) is retired", product.id, product.sku),
            ));
        }
        let unit_price = valid.unit_price.unwrap_or(product.unit_price);
        lines.push(OrderLine {
            product_id: product.id,
            sku: product.sku,
            product_name: product.name,
            quantity: valid.quantity,
            unit_price,
            line_total: line_total(valid.quantity, unit_price),
            batch_number: valid.batch_number,
        });
    }
    let status = Status::initial(channel.into(), ship_date.is_some());
    let order = Order {
        id: secrets::new_id("ord")?,
        customer_id: input.customer_id.clone(),
        channel,
        status: status.into(),
        placed_at,
        total: lines.iter().map(|l| l.line_total).sum(),
        invoice_number: parsed.invoice_number,
        ship_date,
        notes: parsed.notes,
        address_id: input.address_id.clone(),
        entered_by: match channel {
            OrderChannel::Staff => actor_id.to_owned(),
            OrderChannel::Web => String::new(),
        },
        created_at: now,
        lines,
    };
    insert_order(db, &order)?;
    audit::record_as(
        db,
        actor_id,
        "order.create",
        "order",
        &order.id,
        None,
        Some(order_json(&order)),
    )?;
    Ok(order)
}

/// Stores an order as it is (its status included), and counts it in `sales_hour` and its
/// customer's `customer_value` unless it is cancelled. Runs in the caller's transaction.
pub fn insert_order(db: &Db, o: &Order) -> Result<(), Error> {
    db.exec(
        &format!(
            "INSERT INTO customer_order ({ORDER_COLUMNS})
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        &[
            Value::Text(o.id.clone()),
            Value::Text(o.customer_id.clone()),
            Value::Text(channel_name(o.channel).into()),
            Value::Text(o.placed_at.clone()),
            Value::Integer(o.total),
            Value::Text(o.invoice_number.clone()),
            o.ship_date.clone().map_or(Value::Null, Value::Text),
            Value::Text(o.notes.clone()),
            Value::Text(o.entered_by.clone()),
            Value::Text(o.created_at.clone()),
            o.address_id.clone().map_or(Value::Null, Value::Text),
            Value::Text(status_name(o.status).into()),
        ],
    )?;
    for (line_no, l) in o.lines.iter().enumerate() {
        db.exec(
            "INSERT INTO order_line (order_id, line_no, product_id, sku, product_name, quantity, unit_price, line_total, batch_number)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Text(o.id.clone()),
                Value::Integer(line_no as i64),
                Value::Text(l.product_id.clone()),
                Value::Text(l.sku.clone()),
                Value::Text(l.product_name.clone()),
                Value::Integer(i64::from(l.quantity)),
                Value::Integer(l.unit_price),
                Value::Integer(l.line_total),
                Value::Text(l.batch_number.clone()),
            ],
        )?;
    }
    // The figures kept beside the orders follow by triggers (migration 0023).
    Ok(())
}

/// An order with its lines, of `customer` only when one is given (another customer's order is
/// then not found either).
fn find_order(db: &Db, id: &str, customer: Option<&str>) -> Result<Order, Error> {
    let found = db.query(
        &format!(
            "SELECT {ORDER_COLUMNS} FROM customer_order
              WHERE id = ?1 AND (?2 IS NULL OR customer_id = ?2)"
        ),
        &[
            Value::Text(id.to_owned()),
            customer.map_or(Value::Null, |c| Value::Text(c.to_owned())),
        ],
    )?;
    match found.rows.first() {
        Some(row) => order_from_row(row, lines_of(db, id)?),
        None => Err(Error::NotFound(format!("no order {id}"))),
    }
}

pub fn get_order(db: &Db, actor: &Actor, id: &str) -> Result<Order, Error> {
    actor.require(Role::works_with_customers, "see orders")?;
    find_order(db, id, None)
}

pub fn list_orders(db: &Db, actor: &Actor, query: OrderQuery) -> Result<OrderPage, Error> {
    actor.require(Role::works_with_customers, "see orders")?;
    order_page(
        db,
        query.customer_id.as_deref(),
        query.limit,
        query.cursor.as_deref(),
    )
}

/// A page of orders, of one customer if given, most recently placed first (1–200 of them).
fn order_page(
    db: &Db,
    customer: Option<&str>,
    limit: u32,
    cursor: Option<&str>,
) -> Result<OrderPage, Error> {
    db::check_limit("limit", limit, 200)?;
    let (after_placed, after_id) = db::parse_cursor(cursor)?;
    // A constant condition on the customer either way, so that one customer's orders are read
    // through the index on (customer_id, placed_at).
    let of_customer = if customer.is_some() {
        "customer_id = ?1"
    } else {
        "?1 IS NULL"
    };
    let found = db.query(
        &format!(
            "SELECT {ORDER_COLUMNS} FROM customer_order
              WHERE {of_customer}
                AND (?2 IS NULL OR (placed_at, id) < (?2, ?3))
              ORDER BY placed_at DESC, id DESC LIMIT ?4"
        ),
        &[
            customer.map_or(Value::Null, |c| Value::Text(c.to_owned())),
            after_placed,
            after_id,
            Value::Integer(i64::from(limit) + 1),
        ],
    )?;
    let mut items = Vec::with_capacity(found.rows.len());
    for row in &found.rows {
        let id = db::text(row, 0, "id")?;
        items.push(order_from_row(row, lines_of(db, &id)?)?);
    }
    let next_cursor = db::next_cursor(&mut items, limit, |o| (&o.placed_at, &o.id));
    Ok(OrderPage { items, next_cursor })
}

/// The band of `customer_value_band` (migration 0021) a value counts in — its number of decimal
/// digits and its first two digits, as the table's triggers compute it — and the least value of
/// the next band.
fn value_band(value: i64) -> (i64, i64) {
    let digits = value.to_string();
    if digits.len() == 1 {
        return (100 + value, value + 1);
    }
    let lead: i64 = digits[..2].parse().unwrap_or(0);
    let scale = 10_i64.saturating_pow(digits.len() as u32 - 2);
    (
        digits.len() as i64 * 100 + lead,
        (lead + 1).saturating_mul(scale),
    )
}

/// A customer's place by `value` among the customers with orders (1 for the greatest; equal
/// values share a place), and how many customers have orders: the customers of the bands above
/// the value's, plus those of greater value within its band.
pub fn rank_of(db: &Db, value: i64) -> Result<(u32, u32), Error> {
    let found = if value >= 0 {
        let (band, next_band) = value_band(value);
        db.query(
            "SELECT (SELECT COALESCE(SUM(customers), 0) FROM customer_value_band WHERE band > ?)
                  + (SELECT COUNT(*) FROM customer_value WHERE value > ? AND value < ?),
                    (SELECT COALESCE(SUM(customers), 0) FROM customer_value_band)",
            &[
                Value::Integer(band),
                Value::Integer(value),
                Value::Integer(next_band),
            ],
        )?
    } else {
        db.query(
            "SELECT (SELECT COUNT(*) FROM customer_value WHERE value > ?),
                    (SELECT COUNT(*) FROM customer_value)",
            &[Value::Integer(value)],
        )?
    };
    let row = found
        .rows
        .first()
        .ok_or_else(|| db::internal("rank a customer", "no row"))?;
    Ok((
        db::count(row, 0, "above")?.saturating_add(1),
        db::count(row, 1, "ranked")?,
    ))
}

/// Counts the customer's row of `customer_value` again from their orders (after a merge moved
/// orders to or from them), in the caller's transaction, through the trigger of
/// `customer_value_recount` (migration 0023, which rebuilds their `customer_gap` rows since
/// 0026); a customer left without orders has no row.
pub fn recount_value(db: &Db, customer_id: &str) -> Result<(), Error> {
    db.exec(
        "INSERT INTO customer_value_recount (customer_id) VALUES (?)",
        &[Value::Text(customer_id.to_owned())],
    )
}

/// Moves an order to `to`, in the caller's transaction, as `actor_id`: the move must be one
/// `OrderStatus::next` allows (else a conflict naming the status). `ship_date`, given only for
/// a move to `shipped`, becomes the order's. An order that is cancelled counts in no report
/// (its status keeps it out, and triggers take it out of the kept figures). Audited as
/// `order.status`.
fn move_order(
    db: &Db,
    actor_id: &str,
    before: Order,
    to: Status,
    ship_date: Option<String>,
) -> Result<Order, Error> {
    let from = Status::from(before.status);
    let to = from
        .next(to)
        .map_err(|e| Error::Conflict(format!("order {} is {from}: {e}", before.id)))?;
    let mut after = before.clone();
    after.status = to.into();
    if ship_date.is_some() {
        after.ship_date = ship_date;
    }
    db.exec(
        "UPDATE customer_order SET status = ?, ship_date = ? WHERE id = ?",
        &[
            Value::Text(to.as_str().into()),
            after.ship_date.clone().map_or(Value::Null, Value::Text),
            Value::Text(after.id.clone()),
        ],
    )?;
    // A cancellation leaves the kept figures by trigger (migration 0023).
    audit::record_as(
        db,
        actor_id,
        "order.status",
        "order",
        &after.id,
        Some(serde_json::json!({"status": from.as_str(), "ship_date": before.ship_date})),
        Some(serde_json::json!({"status": to.as_str(), "ship_date": after.ship_date})),
    )?;
    Ok(after)
}

/// Staff who work with customers move an order on (a rep only the orders of customers they
/// own): placed → confirmed → shipped → delivered, or cancelled before it ships. Shipping sets
/// the ship date, `ship_date` (`YYYY-MM-DD`) or today (UTC); no other move takes one.
pub fn set_order_status(
    db: &Db,
    actor: &Actor,
    id: &str,
    status: OrderStatus,
    ship_date: Option<String>,
) -> Result<Order, Error> {
    actor.require(Role::works_with_customers, "move orders")?;
    let to = Status::from(status);
    let ship_date = match (to, ship_date) {
        (Status::Shipped, Some(day)) => Some(parse_day("ship_date", &day)?),
        (Status::Shipped, None) => Some(rfc3339_utc(db::now_secs())[..10].to_owned()),
        (_, Some(_)) => {
            return Err(db::invalid(
                "ship_date",
                "only a move to shipped takes a ship date",
            ))
        }
        (_, None) => None,
    };
    db.transaction(|db| {
        let before = find_order(db, id, None)?;
        if actor.role() == Role::Rep {
            let owner = db.query(
                "SELECT owner_id FROM customer WHERE id = ?",
                &[Value::Text(before.customer_id.clone())],
            )?;
            let owned = owner
                .rows
                .first()
                .and_then(|row| row.get::<&str>(0))
                .is_some_and(|owner| owner == actor.id());
            if !owned {
                return Err(Error::Forbidden(format!(
                    "a rep moves only the orders of customers they own; customer {} is not theirs",
                    before.customer_id
                )));
            }
        }
        move_order(db, actor.id(), before, to, ship_date)
    })
}

// ---------------------------------------------------------------------------------------------
// The portal: a customer's cart and own orders

/// A line of a cart as key-value keeps it (JSON).
#[derive(Serialize, Deserialize)]
struct StoredCartLine {
    product_id: String,
    quantity: u32,
}

fn open_store() -> Result<Store, Error> {
    Store::open_default().map_err(|e| db::internal("open the key-value store", e))
}

fn cart_key(account_id: &str) -> String {
    format!("{CART_KEY_PREFIX}{account_id}")
}

/// The account's cart as stored; none is an empty cart, and so is one that cannot be read
/// (logged: a cart is not worth failing the customer's page for).
fn read_cart(store: &Store, account_id: &str) -> Result<Vec<StoredCartLine>, Error> {
    let Some(value) = store
        .get(&cart_key(account_id))
        .map_err(|e| db::internal("read a cart", e))?
    else {
        return Ok(Vec::new());
    };
    match serde_json::from_slice(&value) {
        Ok(lines) => Ok(lines),
        Err(e) => {
            eprintln!(
                "records: the cart of {account_id} cannot be read and is taken as empty: {e}"
            );
            Ok(Vec::new())
        }
    }
}

/// Stores the account's cart; an empty one is deleted.
fn write_cart(store: &Store, account_id: &str, lines: &[StoredCartLine]) -> Result<(), Error> {
    let key = cart_key(account_id);
    if lines.is_empty() {
        return store
            .delete(&key)
            .map_err(|e| db::internal("write a cart", e));
    }
    let value = serde_json::to_vec(lines).map_err(|e| db::internal("write a cart", e))?;
    store
        .set(&key, &value)
        .map_err(|e| db::internal("write a cart", e))
}

/// The cart priced from the catalogue as it is now: retired products are unavailable (and
/// left out of the total). A product that no longer exists (products are never deleted) is
/// left out.
fn priced_cart(db: &Db, stored: &[StoredCartLine]) -> Result<Cart, Error> {
    if stored.is_empty() {
        return Ok(Cart {
            lines: Vec::new(),
            total: 0,
        });
    }
    let marks = vec!["?"; stored.len()].join(", ");
    let ids: Vec<Value> = stored
        .iter()
        .map(|l| Value::Text(l.product_id.clone()))
        .collect();
    let found = db.query(
        &format!("SELECT {PRODUCT_COLUMNS} FROM product WHERE id IN ({marks})"),
        &ids,
    )?;
    let products = found
        .rows
        .iter()
        .map(|row| product_from_row(row).map(|p| (p.id.clone(), p)))
        .collect::<Result<HashMap<String, Product>, Error>>()?;
    let lines: Vec<CartLine> = stored
        .iter()
        .filter_map(|line| {
            products.get(&line.product_id).map(|p| CartLine {
                product_id: p.id.clone(),
                sku: p.sku.clone(),
                name: p.name.clone(),
                unit_price: p.unit_price,
                quantity: line.quantity,
                line_total: line_total(line.quantity, p.unit_price),
                available: p.active,
            })
        })
        .collect();
    let total = lines
        .iter()
        .filter(|l| l.available)
        .map(|l| l.line_total)
        .sum();
    Ok(Cart { lines, total })
}

/// The signed-in customer's cart, priced now.
pub fn get_cart(db: &Db, customer: &CustomerActor) -> Result<Cart, Error> {
    let stored = read_cart(&open_store()?, &customer.account_id)?;
    priced_cart(db, &stored)
}

/// Sets how many units of a product the cart holds: 0 removes the line (also of a retired
/// product); otherwise the product must be one on sale, and a new line must fit in the cart's
/// 50. Two changes sent at the same moment may overwrite each other: the cart is a convenience,
/// the order placed from it is what counts.
pub fn set_cart_quantity(
    db: &Db,
    customer: &CustomerActor,
    product_id: &str,
    quantity: u32,
) -> Result<Cart, Error> {
    if quantity > MAX_QUANTITY {
        return Err(db::invalid(
            "quantity",
            format!("must be between 0 (to remove the product) and {MAX_QUANTITY}"),
        ));
    }
    let store = open_store()?;
    let mut lines = read_cart(&store, &customer.account_id)?;
    if quantity == 0 {
        lines.retain(|l| l.product_id != product_id);
    } else {
        let product = find_product(db, product_id).map_err(|e| match e {
            Error::NotFound(_) => db::missing("product_id", format!("no product {product_id}")),
            other => other,
        })?;
        if !product.active {
            return Err(db::missing(
                "product_id",
                format!("product {} ({}) is no longer sold", product.id, product.sku),
            ));
        }
        match lines.iter().position(|l| l.product_id == product.id) {
            Some(i) => lines[i].quantity = quantity,
            None if lines.len() >= MAX_CART_LINES => {
                return Err(db::invalid(
                    "product_id",
                    format!("a cart holds at most {MAX_CART_LINES} products; remove one first"),
                ))
            }
            None => lines.push(StoredCartLine {
                product_id: product.id,
                quantity,
            }),
        }
    }
    write_cart(&store, &customer.account_id, &lines)?;
    priced_cart(db, &lines)
}

/// Where a web order ships: one of the customer's addresses, or a new one to add.
enum ShipTo {
    Existing(String),
    New(crate::exports::crm::records::customers::AddressInput),
}

/// Places the cart's available lines as a web order (`placed`, at list prices) of the signed-in
/// customer, shipped to one of their addresses or to a new one added to them in the same
/// transaction; audited as the account. With `once`, a retry returns the first order. The cart
/// is emptied after the order commits, only by the call that created it; if that fails it is
/// logged, and the order stands.
pub fn place_web_order(
    db: &Db,
    customer: &CustomerActor,
    input: WebOrder,
    once: Option<IdempotencyKey>,
) -> Result<Order, Error> {
    let WebOrder {
        address_id,
        new_address,
        notes,
    } = input;
    let address_id = address_id
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    let ship_to = match (address_id, new_address) {
        (Some(id), None) => ShipTo::Existing(id),
        (None, Some(new)) => ShipTo::New(new),
        (Some(_), Some(_)) => {
            return Err(db::invalid(
                "address_id",
                "give one of address_id and new_address, not both",
            ))
        }
        (None, None) => {
            return Err(db::invalid(
                "address_id",
                "choose one of your addresses, or give a new_address",
            ))
        }
    };
    let notes = parse_text("notes", &notes, 2000)?;
    let store = open_store()?;
    let stored = read_cart(&store, &customer.account_id)?;
    let mut created = false;
    let order = idempotency::once(db, &customer.account_id, once, |db| {
        db.transaction(|db| {
            // Priced under the write lock, so that a product retired meanwhile is not ordered.
            let cart = priced_cart(db, &stored)?;
            let lines: Vec<OrderLineInput> = cart
                .lines
                .iter()
                .filter(|l| l.available)
                .map(|l| OrderLineInput {
                    product_id: l.product_id.clone(),
                    quantity: l.quantity,
                    unit_price: None,
                    batch_number: String::new(),
                })
                .collect();
            if lines.is_empty() {
                return Err(Error::Conflict(if cart.lines.is_empty() {
                    "your cart is empty".into()
                } else {
                    "nothing in your cart can be ordered any more".into()
                }));
            }
            let address_id = match ship_to {
                ShipTo::Existing(id) => id,
                ShipTo::New(address) => {
                    customers::add_address_as(
                        db,
                        &customer.account_id,
                        &customer.customer_id,
                        address,
                    )
                    .map_err(|e| db::refield(e, |field| format!("new_address.{field}")))?
                    .id
                }
            };
            let order = insert_new_order_as(
                db,
                &customer.account_id,
                &NewOrder {
                    customer_id: customer.customer_id.clone(),
                    placed_at: None,
                    lines,
                    invoice_number: String::new(),
                    ship_date: None,
                    notes,
                    address_id: Some(address_id),
                },
                OrderChannel::Web,
            )?;
            created = true;
            Ok(order)
        })
    })?;
    if created {
        if let Err(e) = store.delete(&cart_key(&customer.account_id)) {
            eprintln!(
                "records: the cart of {} was not emptied after order {}: {e}",
                customer.account_id, order.id
            );
        }
    }
    Ok(order)
}

/// The signed-in customer's own orders, most recently placed first.
pub fn my_orders(
    db: &Db,
    customer: &CustomerActor,
    limit: u32,
    cursor: Option<&str>,
) -> Result<OrderPage, Error> {
    order_page(db, Some(&customer.customer_id), limit, cursor)
}

/// One of the signed-in customer's own orders; another customer's is not found.
pub fn my_order(db: &Db, customer: &CustomerActor, id: &str) -> Result<Order, Error> {
    find_order(db, id, Some(&customer.customer_id))
}

/// The customer cancels their own web order while the company has not confirmed it. Audited
/// as the account.
pub fn cancel_my_order(db: &Db, customer: &CustomerActor, id: &str) -> Result<Order, Error> {
    db.transaction(|db| {
        let before = find_order(db, id, Some(&customer.customer_id))?;
        let status = Status::from(before.status);
        if !status.customer_may_cancel(before.channel.into()) {
            return Err(Error::Conflict(format!(
                "order {id} is {status}: only a web order the company has not confirmed yet can \
                 be cancelled here; ask the company"
            )));
        }
        move_order(db, &customer.account_id, before, Status::Cancelled, None)
    })
}

/// One order of a customer as the overview needs it.
pub struct OrderSummary {
    pub id: String,
    pub placed_at: String,
    pub total: i64,
    pub channel: String,
    pub line_count: u32,
    pub entered_by: String,
    pub status: Status,
}

/// Every order of a customer, oldest first, without its lines; cancelled ones too.
pub fn order_summaries(db: &Db, customer_id: &str) -> Result<Vec<OrderSummary>, Error> {
    let found = db.query(
        "SELECT o.id, o.placed_at, o.total, o.channel, o.entered_by,
                (SELECT COUNT(*) FROM order_line l WHERE l.order_id = o.id), o.status
           FROM customer_order o WHERE o.customer_id = ? ORDER BY o.placed_at, o.id",
        &[Value::Text(customer_id.to_owned())],
    )?;
    found
        .rows
        .iter()
        .map(|row| {
            Ok(OrderSummary {
                id: db::text(row, 0, "id")?,
                placed_at: db::text(row, 1, "placed_at")?,
                total: db::integer(row, 2, "total")?,
                channel: db::text(row, 3, "channel")?,
                entered_by: db::text(row, 4, "entered_by")?,
                line_count: db::count(row, 5, "line_count")?,
                status: crate::names::stored::<Status>(&db::text(row, 6, "status")?)?,
            })
        })
        .collect()
}
