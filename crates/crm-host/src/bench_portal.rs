//! `crm bench --suite portal`: the self-service portal's targets on the demo data. Sixteen
//! customers of the demo set, each invited to the portal and signed in, are the sixteen clients:
//! the home page (`GET /`, the catalogue) and the order history (`GET /orders`, the customer's
//! first page of orders) at concurrency 16 (target p99 < 30 ms each), then placing orders
//! through the customer API (target ≥ 500 orders/s): each order is two requests, setting the
//! cart's line (`PUT /portal/api/v1/cart/lines/{product}`) and placing it (`POST
//! /portal/api/v1/orders` with an `Idempotency-Key` of its own), and both are in the figures.
//!
//! Without `--state-dir` it runs on a fresh store in the temporary directory (removed
//! afterwards), seeded with `crm up --demo`'s set first. With one, a store that holds customers
//! is used as it is. The customers' portal accounts are made through staff invitations (which
//! no per-sender limit counts), with e-mail addresses new to every run; the orders go to an
//! address added for the run, of a product created for it with stock for them all.

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::Full;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::bench::{
    call_json, machine_description, prepare_as_admin, run_load, temp_state, verdict, MakeRequest,
    Serving, Stats,
};
use crate::bench_intake::sample_customers;
use crate::seed::{self, NotFresh, SeedPlan};
use crate::server::Host;
use crate::up::UpOptions;

/// Clients, each a customer of their own.
const CLIENTS: usize = 16;
const PAGE_TARGET_P99_MS: f64 = 30.0;
const ORDER_TARGET_PER_SECOND: f64 = 500.0;
/// The password of the bench's portal accounts.
const PASSWORD: &str = "bench-password-2026";
/// Requests per client before a measurement, so instances and caches are warm.
const WARMUP: usize = 20;

/// One signed-in customer.
struct Customer {
    cookie: String,
    csrf: String,
    address_id: String,
}

pub async fn run(mut options: UpOptions, duration: Duration) -> Result<()> {
    if duration.is_zero() {
        bail!("--seconds must be at least 1");
    }
    // The demo set is seeded through /api/v1/demo/seed, which needs the demo_data variable.
    options.demo = true;
    let temp_state = temp_state(&mut options, "portal");
    let (host, token) = prepare_as_admin(&options)?;
    let admin = format!("Bearer {token}");
    match seed::seed(&host, &token, &SeedPlan::demo(), |_| {}).await {
        Ok(totals) => println!(
            "seeded the demo set: {} customers, {} orders",
            totals.customers, totals.orders
        ),
        Err(e) if e.is::<NotFresh>() => println!("the store holds customers: using them"),
        Err(e) => return Err(e),
    }

    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let product = bench_product(&host, &admin, nonce).await?;
    let customer_ids = sample_customers(&host, &admin).await?;
    if customer_ids.len() < CLIENTS {
        bail!(
            "the store holds {} customers; the bench needs {CLIENTS}",
            customer_ids.len()
        );
    }
    let mut customers = Vec::with_capacity(CLIENTS);
    for (n, id) in customer_ids.iter().take(CLIENTS).enumerate() {
        customers
            .push(sign_in(&host, &admin, id, &format!("bench.{nonce}.{n}@example.com")).await?);
    }
    let customers = Arc::new(customers);

    let serving = Serving::start(host.clone(), temp_state).await?;
    let address = serving.address;
    println!(
        "crm bench portal: on http://{address}, {} s per measurement, {CLIENTS} signed-in \
         customers",
        duration.as_secs()
    );
    println!("machine: {}", machine_description());
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>7}  target",
        "measurement", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );

    for (name, path) in [("home page", "/"), ("order history", "/orders")] {
        let page = page_request(customers.clone(), path);
        run_load(address, page.clone(), CLIENTS, Duration::ZERO, WARMUP).await?;
        let stats = Stats::of(run_load(address, page, CLIENTS, duration, usize::MAX).await?);
        stats.print(
            &format!("{name} GET {path}, c={CLIENTS}"),
            &format!(
                "p99 < {PAGE_TARGET_P99_MS:.0} ms: {}",
                verdict(stats.p99_ms < PAGE_TARGET_P99_MS)
            ),
        );
    }

    // The warm-up's keys and the measurement's differ: a key used again would replay an order.
    let warmup = checkout_request(customers.clone(), product.clone(), format!("{nonce}-warm"));
    run_load(address, warmup, CLIENTS, Duration::ZERO, WARMUP).await?;
    let checkout = checkout_request(customers.clone(), product, nonce.to_string());
    let stats = Stats::of(run_load(address, checkout, CLIENTS, duration, usize::MAX).await?);
    // Two requests per order: the cart's line, then the placing.
    let orders_per_second = stats.rate / 2.0;
    stats.print(
        &format!("place order (2 requests), c={CLIENTS}"),
        &format!(
            "{orders_per_second:.0} orders/s, ≥ {ORDER_TARGET_PER_SECOND:.0}/s: {}",
            verdict(orders_per_second >= ORDER_TARGET_PER_SECOND)
        ),
    );

    drop(host);
    serving.finish().await
}

/// `GET path` as client `client`'s customer, in English.
fn page_request(customers: Arc<Vec<Customer>>, path: &'static str) -> MakeRequest {
    Arc::new(move |client, _| {
        let customer = &customers[client % customers.len()];
        Ok(http::Request::get(path)
            .header("cookie", customer.cookie.as_str())
            .header("accept-language", "en")
            .body(Full::new(Bytes::new()))?)
    })
}

/// Client `client`'s customer buys one unit of `product`: even requests put it in the cart,
/// odd ones place the order, with a key of their own (`keys` makes them new for the run).
fn checkout_request(customers: Arc<Vec<Customer>>, product: String, keys: String) -> MakeRequest {
    Arc::new(move |client, n| {
        let customer = &customers[client % customers.len()];
        let request = if n % 2 == 0 {
            http::Request::put(format!("/portal/api/v1/cart/lines/{product}"))
                .header("content-type", "application/json")
                .header("x-csrf-token", customer.csrf.as_str())
                .header("cookie", customer.cookie.as_str())
                .body(Full::new(Bytes::from_static(b"{\"quantity\": 1}")))?
        } else {
            let body = serde_json::json!({"address_id": customer.address_id});
            http::Request::post("/portal/api/v1/orders")
                .header("content-type", "application/json")
                .header("x-csrf-token", customer.csrf.as_str())
                .header("cookie", customer.cookie.as_str())
                .header("idempotency-key", format!("bench-{keys}-{client}-{n}"))
                .body(Full::new(Bytes::from(body.to_string())))?
        };
        Ok(request)
    })
}

/// A product of its own for the run, with stock for every order it can place.
async fn bench_product(host: &Arc<Host>, admin: &str, nonce: u128) -> Result<String> {
    let product = call_json(
        host,
        "POST",
        "/api/v1/products",
        admin,
        Some(serde_json::json!({
            "sku": format!("BENCH-{nonce}"),
            "name": "Bench hand cream 30ml",
            "unit_price": 3_900,
        })),
    )
    .await?;
    let id = product["id"]
        .as_str()
        .context("the new product has no id")?
        .to_owned();
    call_json(
        host,
        "POST",
        &format!("/api/v1/products/{id}/stock"),
        admin,
        Some(serde_json::json!({"change": 1_000_000, "note": "bench"})),
    )
    .await?;
    Ok(id)
}

/// Invites `email` to the portal for `customer_id`, accepts the invitation (which signs the
/// account in), and adds an address for the run's orders.
async fn sign_in(
    host: &Arc<Host>,
    admin: &str,
    customer_id: &str,
    email: &str,
) -> Result<Customer> {
    let invitation = call_json(
        host,
        "POST",
        &format!("/api/v1/customers/{customer_id}/portal-invites"),
        admin,
        Some(serde_json::json!({"email": email})),
    )
    .await?;
    let code = invitation["code"]
        .as_str()
        .context("the invitation has no code")?;
    let form = format!("invite={code}&password={PASSWORD}&lang=en");
    let (status, headers, _) = host
        .call_with_headers(
            "POST",
            "/sign-up",
            &[("content-type", "application/x-www-form-urlencoded")],
            Bytes::from(form),
        )
        .await?;
    let cookie = headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .filter(|_| status.as_u16() == 303)
        .with_context(|| format!("accepting the invitation of {email} answered {status}"))?
        .to_owned();
    let (status, _, body) = host
        .call_with_headers(
            "GET",
            "/portal/api/v1/session",
            &[("cookie", cookie.as_str())],
            Bytes::new(),
        )
        .await?;
    if !status.is_success() {
        bail!("the session of {email} answered {status}");
    }
    let session: serde_json::Value = serde_json::from_slice(&body)?;
    let csrf = session["csrf_token"]
        .as_str()
        .context("the session has no CSRF token")?
        .to_owned();
    let address = call_json(
        host,
        "POST",
        &format!("/api/v1/customers/{customer_id}/addresses"),
        admin,
        Some(serde_json::json!({"label": "bench", "street": "1 Bench Road", "city": "Shanghai"})),
    )
    .await?;
    let address_id = address["id"]
        .as_str()
        .context("the new address has no id")?
        .to_owned();
    Ok(Customer {
        cookie,
        csrf,
        address_id,
    })
}
