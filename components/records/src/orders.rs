//! The product catalogue and orders.

use crate::audit;
use crate::auth::Actor;
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::orders::{
    NewOrder, NewProduct, Order, OrderChannel, OrderLine, OrderPage, OrderQuery, Product,
    ProductPatch,
};
use crate::exports::crm::records::types::Error;
use crate::secrets;
use crm_domain::customer::{parse_required_text, parse_text};
use crm_domain::orders::{line_total, parse_quantity, parse_sku, parse_unit_price};
use crm_domain::role::Role;
use crm_domain::time::{parse_instant, rfc3339_utc};
use spin_sdk::sqlite3::{RowResult, Value};

const PRODUCT_COLUMNS: &str = "id, sku, name, unit_price, active, created_at, stock";

const ORDER_COLUMNS: &str = "id, customer_id, channel, placed_at, total, invoice_number, \
                             ship_date, notes, entered_by, created_at, address_id";

/// The most a stock adjustment's note may say, in characters.
const MAX_STOCK_NOTE: usize = 500;

/// The most lines one order can have.
const MAX_LINES: usize = 100;

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

fn order_from_row(row: &RowResult, lines: Vec<OrderLine>) -> Result<Order, Error> {
    let channel: OrderChannel =
        crate::names::stored::<crm_domain::orders::OrderChannel>(&db::text(row, 2, "channel")?)?
            .into();
    Ok(Order {
        id: db::text(row, 0, "id")?,
        customer_id: db::text(row, 1, "customer_id")?,
        channel,
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
        "placed_at": o.placed_at, "total": o.total, "invoice_number": o.invoice_number,
        "ship_date": o.ship_date, "notes": o.notes, "address_id": o.address_id,
        "lines": o.lines.iter().map(|l| serde_json::json!({
            "product_id": l.product_id, "sku": l.sku, "quantity": l.quantity,
            "unit_price": l.unit_price, "batch_number": l.batch_number,
        })).collect::<Vec<_>>(),
    })
}

pub fn create_order(db: &Db, actor: &Actor, input: NewOrder) -> Result<Order, Error> {
    actor.require(Role::works_with_customers, "enter orders")?;
    db.transaction(|db| insert_new_order(db, actor, &input, OrderChannel::Staff))
}

/// Validates and stores a new order, inside the caller's transaction: the customer, every
/// product and every field are checked, and the catalogue price applies where none is agreed.
pub fn insert_new_order(
    db: &Db,
    actor: &Actor,
    input: &NewOrder,
    channel: OrderChannel,
) -> Result<Order, Error> {
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        return Err(db::invalid(
            "lines",
            format!("an order has 1 to {MAX_LINES} lines"),
        ));
    }
    let now = db::now();
    let placed_at = match input.placed_at.as_deref() {
        Some(text) => rfc3339_utc(parse_instant("placed_at", text)?),
        None => now.clone(),
    };
    let ship_date = input
        .ship_date
        .as_deref()
        .map(|d| parse_day("ship_date", d))
        .transpose()?;
    let invoice_number = parse_text("invoice_number", &input.invoice_number, 40)?;
    let notes = parse_text("notes", &input.notes, 2000)?;
    let customer = customers::load(db, &input.customer_id).map_err(|e| match e {
        Error::NotFound(_) => {
            db::missing("customer_id", format!("no customer {}", input.customer_id))
        }
        other => other,
    })?;
    if let Some(address_id) = &input.address_id {
        if !customer.addresses.iter().any(|a| a.id == *address_id) {
            return Err(db::missing(
                "address_id",
                format!("customer {} has no address {address_id}", input.customer_id),
            ));
        }
    }
    let mut lines = Vec::with_capacity(input.lines.len());
    for (i, line) in input.lines.iter().enumerate() {
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
        let in_field = |e: crm_domain::FieldError| db::invalid(&field(e.field), e.message);
        let quantity = parse_quantity("quantity", line.quantity).map_err(in_field)?;
        let unit_price =
            parse_unit_price("unit_price", line.unit_price.unwrap_or(product.unit_price))
                .map_err(in_field)?;
        let batch_number = parse_text("batch_number", &line.batch_number, 40).map_err(in_field)?;
        lines.push(OrderLine {
            product_id: product.id,
            sku: product.sku,
            product_name: product.name,
            quantity,
            unit_price,
            line_total: line_total(quantity, unit_price),
            batch_number,
        });
    }
    let order = Order {
        id: secrets::new_id("ord")?,
        customer_id: input.customer_id.clone(),
        channel,
        placed_at,
        total: lines.iter().map(|l| l.line_total).sum(),
        invoice_number,
        ship_date,
        notes,
        address_id: input.address_id.clone(),
        entered_by: match channel {
            OrderChannel::Staff => actor.id().to_owned(),
            OrderChannel::Web => String::new(),
        },
        created_at: now,
        lines,
    };
    insert_order(db, &order)?;
    audit::record(
        db,
        actor,
        "order.create",
        "order",
        &order.id,
        None,
        Some(order_json(&order)),
    )?;
    Ok(order)
}

/// A day as the API spells it, `YYYY-MM-DD`.
pub fn parse_day(field: &'static str, text: &str) -> Result<String, crm_domain::FieldError> {
    let day = text.trim();
    if day.len() == 10 {
        parse_instant(field, day).map(|_| day.to_owned())
    } else {
        Err(crm_domain::FieldError::new(
            field,
            "must be a date like 2026-11-23",
        ))
    }
}

pub fn insert_order(db: &Db, o: &Order) -> Result<(), Error> {
    db.exec(
        &format!(
            "INSERT INTO customer_order ({ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
        ],
    )?;
    // The company's sales per UTC hour (migration 0015), in the order's own transaction.
    db.exec(
        "INSERT INTO sales_hour (hour, orders, value) VALUES (substr(?, 1, 13), 1, ?)
         ON CONFLICT (hour) DO UPDATE SET orders = orders + 1, value = value + excluded.value",
        &[Value::Text(o.placed_at.clone()), Value::Integer(o.total)],
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
    Ok(())
}

pub fn get_order(db: &Db, actor: &Actor, id: &str) -> Result<Order, Error> {
    actor.require(Role::works_with_customers, "see orders")?;
    let found = db.query(
        &format!("SELECT {ORDER_COLUMNS} FROM customer_order WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(row) => order_from_row(row, lines_of(db, id)?),
        None => Err(Error::NotFound(format!("no order {id}"))),
    }
}

pub fn list_orders(db: &Db, actor: &Actor, query: OrderQuery) -> Result<OrderPage, Error> {
    actor.require(Role::works_with_customers, "see orders")?;
    db::check_limit("limit", query.limit, 200)?;
    let (after_placed, after_id) = db::parse_cursor(query.cursor.as_deref())?;
    let found = db.query(
        &format!(
            "SELECT {ORDER_COLUMNS} FROM customer_order
              WHERE (?1 IS NULL OR customer_id = ?1)
                AND (?2 IS NULL OR (placed_at, id) < (?2, ?3))
              ORDER BY placed_at DESC, id DESC LIMIT ?4"
        ),
        &[
            query.customer_id.map_or(Value::Null, Value::Text),
            after_placed,
            after_id,
            Value::Integer(i64::from(query.limit) + 1),
        ],
    )?;
    let mut items = Vec::with_capacity(found.rows.len());
    for row in &found.rows {
        let id = db::text(row, 0, "id")?;
        items.push(order_from_row(row, lines_of(db, &id)?)?);
    }
    let next_cursor = db::next_cursor(&mut items, query.limit, |o| (&o.placed_at, &o.id));
    Ok(OrderPage { items, next_cursor })
}

/// One order of a customer as the overview needs it.
pub struct OrderSummary {
    pub id: String,
    pub placed_at: String,
    pub total: i64,
    pub channel: String,
    pub line_count: u32,
    pub entered_by: String,
}

/// Every order of a customer, oldest first, without its lines.
pub fn order_summaries(db: &Db, customer_id: &str) -> Result<Vec<OrderSummary>, Error> {
    let found = db.query(
        "SELECT o.id, o.placed_at, o.total, o.channel, o.entered_by,
                (SELECT COUNT(*) FROM order_line l WHERE l.order_id = o.id)
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
            })
        })
        .collect()
}
