//! Demo data: writes `crm_domain::demo`'s generated staff, products, customers, orders,
//! complaints and visits through the same row writers as real data, so it obeys the same schema
//! and keys. Complaints are written as they stand after their history (`complaints::
//! insert_historic`), under the policy that governs each.

use crate::activities;
use crate::audit;
use crate::auth::Actor;
use crate::complaints::{self, Historic};
use crate::customers;
use crate::db::{self, Db};
use crate::exports::crm::records::activities::{Activity, ActivityKind};
use crate::exports::crm::records::customers::{Address, Contact, Customer, CustomerKind};
use crate::exports::crm::records::demo::{SeedReport, SeedRequest};
use crate::exports::crm::records::orders::{Order, OrderChannel, OrderLine, OrderStatus};
use crate::exports::crm::records::types::Error;
use crate::names::stored;
use crate::orders;
use crate::secrets;
use crate::sla::{self, Governing};
use crm_domain::customer::Tier;
use crm_domain::demo;
use crm_domain::orders::line_total;
use crm_domain::role::Role;
use crm_domain::sla::Priority;
use crm_domain::time::rfc3339_utc;
use spin_sdk::sqlite3::Value;
use std::collections::hash_map::{Entry, HashMap};

/// Whether this deployment allows demo data: the `demo_data` variable is `true`.
fn enabled() -> bool {
    spin_sdk::variables::get("demo_data").is_ok_and(|v| v.trim() == "true")
}

/// The id of the row whose `column` is `value` in `table` (constants, never input).
fn id_where(db: &Db, table: &str, column: &str, value: &str) -> Result<Option<String>, Error> {
    let found = db.query(
        &format!("SELECT id FROM {table} WHERE {column} = ?"),
        &[Value::Text(value.to_owned())],
    )?;
    found
        .rows
        .first()
        .map(|row| db::text(row, 0, "id"))
        .transpose()
}

/// The demo staff's ids, adding those missing.
fn staff_ids(db: &Db, now: &str) -> Result<Vec<String>, Error> {
    demo::STAFF
        .iter()
        .map(|(name, email, role)| {
            if let Some(id) = id_where(db, "staff", "email", email)? {
                return Ok(id);
            }
            let id = secrets::new_id("stf")?;
            db.exec(
                "INSERT INTO staff (id, name, email, role, active, created_at) VALUES (?, ?, ?, ?, 1, ?)",
                &[
                    Value::Text(id.clone()),
                    Value::Text((*name).into()),
                    Value::Text((*email).into()),
                    Value::Text(role.as_str().into()),
                    Value::Text(now.to_owned()),
                ],
            )?;
            Ok(id)
        })
        .collect()
}

/// The demo products' ids, adding those missing, each with its demo stock.
fn product_ids(db: &Db, now: &str) -> Result<Vec<String>, Error> {
    demo::PRODUCTS
        .iter()
        .zip(demo::STOCK)
        .map(|((sku, name, price), stock)| {
            if let Some(id) = id_where(db, "product", "sku", sku)? {
                return Ok(id);
            }
            let id = secrets::new_id("prd")?;
            db.exec(
                "INSERT INTO product (id, sku, name, unit_price, active, created_at, stock) VALUES (?, ?, ?, ?, 1, ?, ?)",
                &[
                    Value::Text(id.clone()),
                    Value::Text((*sku).into()),
                    Value::Text((*name).into()),
                    Value::Integer(*price),
                    Value::Text(now.to_owned()),
                    Value::Integer(i64::from(stock)),
                ],
            )?;
            Ok(id)
        })
        .collect()
}

fn check(request: &SeedRequest) -> Result<(), Error> {
    let ranges = [
        ("customers", request.customers, 1, 5000),
        ("orders_per_customer", request.orders_per_customer, 0, 50),
        ("years", request.years, 1, 10),
        ("visits_per_customer", request.visits_per_customer, 0, 20),
    ];
    for (field, value, low, high) in ranges {
        if !(low..=high).contains(&value) {
            return Err(db::invalid(
                field,
                format!("must be between {low} and {high}"),
            ));
        }
    }
    Ok(())
}

pub fn seed(db: &Db, actor: &Actor, request: SeedRequest) -> Result<SeedReport, Error> {
    actor.require(Role::administers_staff, "write demo data")?;
    if !enabled() {
        return Err(Error::Forbidden(
            "demo data is off in this deployment (set the demo_data variable to true)".into(),
        ));
    }
    check(&request)?;
    db.transaction(|db| {
        let stored_customers = db
            .query("SELECT COUNT(*) FROM customer", &[])?
            .rows
            .first()
            .and_then(|r| r.get::<u32>(0))
            .unwrap_or(0);
        if stored_customers != request.first_customer {
            return Err(Error::Conflict(format!(
                "the store holds {stored_customers} customers, so the next chunk starts at \
                 {stored_customers}, not {}; demo data goes only into a fresh store",
                request.first_customer
            )));
        }
        let now_secs = db::now_secs();
        let now = rfc3339_utc(now_secs);
        let staff = staff_ids(db, &now)?;
        let products = product_ids(db, &now)?;
        let mut report = SeedReport {
            customers: 0,
            orders: 0,
            order_lines: 0,
            complaints: 0,
            visits: 0,
        };
        // The policies that govern the complaints, read once per chunk.
        let mut policies: HashMap<(Priority, Tier), Governing> = HashMap::new();
        // An escalation reassigns to the demo staff of the rule's role.
        let escalate_to = |role: Role| {
            demo::STAFF
                .iter()
                .position(|s| s.2 == role)
                .map(|i| staff[i].clone())
        };
        for index in request.first_customer..request.first_customer + request.customers {
            let generated = demo::customer(request.seed, index);
            let orders = demo::orders(
                request.seed,
                index,
                now_secs,
                request.years,
                request.orders_per_customer,
            );
            let visits = demo::visits(request.seed, index, now_secs, request.visits_per_customer);
            // The customer was entered a little before the first thing that happened with it.
            let first_touch = orders
                .first()
                .map(|o| o.placed_at)
                .into_iter()
                .chain(visits.first().map(|v| v.occurred_at))
                .min()
                .map_or(now_secs, |t| t - 7 * 86_400);
            let customer = customer(&generated, &staff, &rfc3339_utc(first_touch))?;
            let customer_id = customer.id.clone();
            // Demo orders ship to the customer's one address.
            let address_id = customer.addresses.first().map(|a| a.id.clone());
            customers::insert_new(db, actor, customer, true)?;
            report.customers += 1;
            let mut stored_orders = Vec::with_capacity(orders.len());
            for order in &orders {
                let batch_number = demo::batch_number(order.placed_at);
                let lines: Vec<OrderLine> = order
                    .lines
                    .iter()
                    .map(|&(product, quantity)| {
                        let (sku, name, price) = demo::PRODUCTS[product];
                        OrderLine {
                            product_id: products[product].clone(),
                            sku: sku.into(),
                            product_name: name.into(),
                            quantity,
                            unit_price: price,
                            line_total: line_total(quantity, price),
                            batch_number: batch_number.clone(),
                        }
                    })
                    .collect();
                report.order_lines += lines.len() as u32;
                let placed_at = rfc3339_utc(order.placed_at);
                let row = Order {
                    id: secrets::new_id("ord")?,
                    customer_id: customer_id.clone(),
                    channel: if report.orders % 4 == 0 {
                        OrderChannel::Web
                    } else {
                        OrderChannel::Staff
                    },
                    // History, entered with its ship date: delivered.
                    status: OrderStatus::Delivered,
                    total: lines.iter().map(|l| l.line_total).sum(),
                    lines,
                    invoice_number: format!("INV-{}-{index}-{}", &placed_at[..4], report.orders),
                    ship_date: Some(rfc3339_utc(order.placed_at + 2 * 86_400)[..10].to_owned()),
                    notes: String::new(),
                    address_id: address_id.clone(),
                    entered_by: staff[generated.owner].clone(),
                    created_at: placed_at.clone(),
                    placed_at,
                };
                orders::insert_order(db, &row)?;
                stored_orders.push(row);
                report.orders += 1;
            }
            let tier = stored::<Tier>(generated.tier)?;
            for k in demo::complaints(request.seed, index, &generated, &orders, now_secs) {
                let order = &stored_orders[k.order];
                let line = &order.lines[k.line];
                let g = match policies.entry((k.priority, tier)) {
                    Entry::Occupied(found) => found.into_mut(),
                    Entry::Vacant(slot) => slot.insert(sla::select(db, k.priority, tier)?),
                };
                complaints::insert_historic(
                    db,
                    g,
                    &Historic {
                        customer_id: &customer_id,
                        contact_phone: &generated.phone,
                        order_id: &order.id,
                        line_no: k.line as u32 + 1,
                        product_id: &line.product_id,
                        batch_number: &line.batch_number,
                        invoice_number: &order.invoice_number,
                        ship_date: order.ship_date.as_deref(),
                        category: k.category,
                        description: k.description,
                        priority: k.priority,
                        channel: k.channel,
                        filed_by: k.filed_by.map_or("portal", |i| staff[i].as_str()),
                        assignee_id: &staff[k.assignee],
                        filed_at: k.filed_at,
                        steps: &k.steps,
                        closure: k.closure.as_ref(),
                        rating: k.rating.as_ref(),
                    },
                    &escalate_to,
                    now_secs,
                )?;
                report.complaints += 1;
            }
            for visit in visits {
                let at = rfc3339_utc(visit.occurred_at);
                activities::insert(
                    db,
                    &Activity {
                        id: secrets::new_id("act")?,
                        customer_id: customer_id.clone(),
                        contact_id: None,
                        kind: ActivityKind::Visit,
                        occurred_at: at.clone(),
                        rep_id: staff[generated.owner].clone(),
                        location: format!("{}, {}", generated.street, generated.city),
                        notes: visit.notes.into(),
                        requests: String::new(),
                        competitor_activity: String::new(),
                        open_items: visit.open_items.iter().map(|i| i.to_string()).collect(),
                        entered_by: staff[generated.owner].clone(),
                        created_at: at,
                    },
                )?;
                report.visits += 1;
            }
        }
        audit::record(
            db,
            actor,
            "demo.seed",
            "demo",
            &format!("seed-{}-from-{}", request.seed, request.first_customer),
            None,
            Some(serde_json::json!({
                "seed": request.seed, "first_customer": request.first_customer,
                "customers": report.customers, "orders": report.orders,
                "order_lines": report.order_lines, "complaints": report.complaints,
                "visits": report.visits,
            })),
        )?;
        Ok(report)
    })
}

/// The stored form of a generated customer.
fn customer(
    generated: &demo::Customer,
    staff: &[String],
    created_at: &str,
) -> Result<Customer, Error> {
    Ok(Customer {
        id: secrets::new_id("cus")?,
        kind: if generated.company {
            CustomerKind::Company
        } else {
            CustomerKind::Person
        },
        name: generated.name.clone(),
        phone: Some(generated.phone.clone()),
        email: generated.email.clone(),
        tier: stored::<crm_domain::customer::Tier>(generated.tier)?.into(),
        region: generated.region.into(),
        channel_partner: generated.channel_partner.map(str::to_owned),
        owner_id: Some(staff[generated.owner].clone()),
        tags: generated.tags.iter().map(|t| t.to_string()).collect(),
        contacts: vec![Contact {
            id: secrets::new_id("con")?,
            name: generated.contact_name.clone(),
            title: generated.contact_title.into(),
            phone: None,
            email: None,
            primary: true,
        }],
        addresses: vec![Address {
            id: secrets::new_id("adr")?,
            label: "shipping".into(),
            street: generated.street.clone(),
            city: generated.city.into(),
            province: generated.province.into(),
            postcode: String::new(),
            country: "CN".into(),
        }],
        created_at: created_at.to_owned(),
        updated_at: created_at.to_owned(),
        version: 1,
    })
}
