//! `crm bench --suite intake`: the customer-intake targets on a large data set (seed it first
//! with `crm seed`): the customer overview at concurrency 16, creating customers with the dedup
//! check, creating orders (with the figures records keeps per order), and a CSV import of
//! 100,000 customers.

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

use crate::bench::{
    machine_description, percentile, prepare_as_admin, run_load, Load, MakeRequest, Serving,
};
use crate::server::Host;
use crate::up::UpOptions;

/// The concurrency of the overview and create measurements.
const CLIENTS: usize = 16;

/// Customers sampled for the overview requests.
const SAMPLE_PAGES: usize = 10;

/// Rows of the CSV import.
const IMPORT_ROWS: usize = 100_000;

/// Rows per imported file: about 3 MB, under the 10 MiB limit of a request body.
const IMPORT_FILE_ROWS: usize = 25_000;

pub async fn run(mut options: UpOptions, duration: Duration) -> Result<()> {
    // A 100k-row import is one request: give it time.
    options.request_timeout = options.request_timeout.max(Duration::from_secs(600));
    let (host, token) = prepare_as_admin(&options)?;
    let authorization = format!("Bearer {token}");
    let ids = sample_customers(&host, &authorization).await?;
    if ids.len() < 1000 {
        bail!(
            "the store holds only {} customers; seed it first: crm seed --state-dir DIR",
            ids.len()
        );
    }

    let serving = Serving::start(host.clone(), None).await?;
    let address = serving.address;
    println!(
        "crm bench intake: on http://{address}, {} s per measurement",
        duration.as_secs()
    );
    println!("machine: {}", machine_description());
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "measurement", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );

    let customer_ids = Arc::new(ids);
    let overview: MakeRequest = {
        let ids = customer_ids.clone();
        let authorization = authorization.clone();
        Arc::new(move |client, n| {
            let id = &ids[(client * 7919 + n * 104_729) % ids.len()];
            Ok(
                http::Request::get(format!("/api/v1/customers/{id}/overview"))
                    .header("authorization", authorization.as_str())
                    .body(Full::new(Bytes::new()))?,
            )
        })
    };
    run_load(address, overview.clone(), 4, Duration::ZERO, 100).await?;
    report(
        "overview, c=16",
        run_load(address, overview, CLIENTS, duration, usize::MAX).await?,
    );

    let nonce = std::process::id();
    let create: MakeRequest = {
        let authorization = authorization.clone();
        Arc::new(move |client, n| {
            let body = serde_json::json!({
                "name": format!("Bench {nonce}c{client}n{n} 商贸有限公司"),
                "phone": format!("17{:02}{:03}{:05}", client, nonce % 1000, n),
                "contacts": [{"name": format!("联系人 {client} {n}")}],
            });
            Ok(http::Request::post("/api/v1/customers")
                .header("authorization", authorization.as_str())
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))?)
        })
    };
    report(
        "create customer (dedup), c=16",
        run_load(address, create, CLIENTS, duration, usize::MAX).await?,
    );

    // Two lines of seeded products for a seeded customer: the order with every figure records
    // keeps beside it (hourly sales, the customer's value and rhythm, lines per batch).
    let products = sample_products(&host, &authorization).await?;
    let order: MakeRequest = {
        let authorization = authorization.clone();
        let ids = customer_ids.clone();
        Arc::new(move |client, n| {
            let i = client * 7919 + n * 104_729;
            let line = |k: usize| {
                serde_json::json!({
                    "product_id": products[(i + k * 31) % products.len()],
                    "quantity": 1 + (i + k) % 12,
                    "batch_number": format!("B{}", (i + k) % 40),
                })
            };
            let body = serde_json::json!({
                "customer_id": ids[i % ids.len()],
                "lines": [line(0), line(1)],
            });
            Ok(http::Request::post("/api/v1/orders")
                .header("authorization", authorization.as_str())
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))?)
        })
    };
    report(
        "create order (2 lines), c=16",
        run_load(address, order, CLIENTS, duration, usize::MAX).await?,
    );

    // In files of IMPORT_FILE_ROWS: the whole import is larger than the 10 MiB a request body
    // may be.
    let started = Instant::now();
    let mut counts = [0u64; 3];
    for first in (0..IMPORT_ROWS).step_by(IMPORT_FILE_ROWS) {
        let csv = import_file(nonce, first..(first + IMPORT_FILE_ROWS).min(IMPORT_ROWS));
        let (status, answer) = post_csv(address, &authorization, csv).await?;
        if status != 200 {
            bail!(
                "the import answered {status}: {}",
                String::from_utf8_lossy(&answer[..answer.len().min(500)])
            );
        }
        let report: serde_json::Value = serde_json::from_slice(&answer).context("import report")?;
        for (count, key) in counts.iter_mut().zip(["created", "merged", "rejected"]) {
            *count += report[key].as_u64().unwrap_or(0);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "CSV import of {IMPORT_ROWS} customers in files of {IMPORT_FILE_ROWS}: {seconds:.1} s \
         ({:.0} rows/s); created {}, merged {}, rejected {}",
        IMPORT_ROWS as f64 / seconds,
        counts[0],
        counts[1],
        counts[2]
    );

    serving.finish().await
}

fn report(name: &str, load: Load) {
    let mut latencies = load.latencies_micros;
    let rate = latencies.len() as f64 / load.elapsed.as_secs_f64();
    println!(
        "{name:<34} {:>9} {rate:>9.0} {:>9.2} {:>9.2} {:>7}",
        latencies.len(),
        percentile(&mut latencies, 50.0) as f64 / 1000.0,
        percentile(&mut latencies, 99.0) as f64 / 1000.0,
        load.errors
    );
}

/// Ids of customers spread over the store, read through the list API.
pub(crate) async fn sample_customers(host: &Arc<Host>, authorization: &str) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..SAMPLE_PAGES {
        let route = match &cursor {
            Some(c) => format!(
                "/api/v1/customers?limit=200&cursor={}",
                c.replace('|', "%7C")
            ),
            None => "/api/v1/customers?limit=200".to_owned(),
        };
        let page = get_json(host, authorization, &route, "listing customers").await?;
        for item in page["items"].as_array().into_iter().flatten() {
            if let Some(id) = item["id"].as_str() {
                ids.push(id.to_owned());
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    Ok(ids)
}

/// The JSON answer of `GET route` as the caller of `authorization`; an error naming `what` for
/// any status but 2xx.
async fn get_json(
    host: &Arc<Host>,
    authorization: &str,
    route: &str,
    what: &str,
) -> Result<serde_json::Value> {
    let (status, body) = host
        .call(
            "GET",
            route,
            &[("authorization", authorization)],
            Bytes::new(),
        )
        .await?;
    if !status.is_success() {
        bail!(
            "{what} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(serde_json::from_slice(&body)?)
}

/// Ids of the active products, read through the list API.
async fn sample_products(host: &Arc<Host>, authorization: &str) -> Result<Arc<Vec<String>>> {
    let list = get_json(host, authorization, "/api/v1/products", "listing products").await?;
    let ids: Vec<String> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["active"] == true)
        .filter_map(|p| p["id"].as_str().map(str::to_owned))
        .collect();
    if ids.is_empty() {
        bail!("the store has no active product; seed it first: crm seed --state-dir DIR");
    }
    Ok(Arc::new(ids))
}

/// A CSV file of new customers `rows`, each unique by name, phone and e-mail.
fn import_file(nonce: u32, rows: std::ops::Range<usize>) -> Bytes {
    let mut csv = String::from("name,phone,email,tags,contact_name,street,city\n");
    for i in rows {
        csv.push_str(&format!(
            "导入客户 {nonce}-{i} 有限公司,16{:03}{:06},import{nonce}.{i}@bench.example,import;bench,联系人 {i},建设路 {i} 号,上海\n",
            nonce % 1000,
            i
        ));
    }
    Bytes::from(csv)
}

async fn post_csv(
    address: std::net::SocketAddr,
    authorization: &str,
    csv: Bytes,
) -> Result<(u16, Bytes)> {
    let stream = TcpStream::connect(address).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = http::Request::post("/api/v1/customers/import")
        .header(http::header::HOST, address.to_string())
        .header("authorization", authorization)
        .header("content-type", "text/csv")
        .body(Full::new(csv))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}
