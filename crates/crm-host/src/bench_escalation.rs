//! `crm bench --suite escalation`: the complaint-escalation targets. Filing a complaint as an
//! agent from 8 concurrent clients (target ≥ 500 complaints/s; p99 reported), reading a
//! complaint at concurrency 16 (target p99 < 20 ms), and the escalation sweep over 100,000 open
//! complaints of which 1,000 are due (target < 2 s), then once more with none due.
//!
//! It needs no seeded store: without `--state-dir` it runs on a fresh one in the temporary
//! directory (removed afterwards) and creates 50 customers. With `--state-dir`, the open
//! complaints an earlier run left there count towards `--sweep-open`, so a second run files only
//! what is missing.
//!
//! The due complaints are made due through the host's clock (the one `--test-clock` moves),
//! in-process: it is set back by 12 h + 1 s while they are filed, first, and forward again after,
//! so the default SLA policy's level 1 (`first_response_warning`, at half of its 24 h first
//! response) is already due for them and for no complaint filed later, and its level 2
//! (`unanswered_for`, 24 h) is due for none.

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;

use crate::bench::{
    call_json, machine_description, prepare_as_admin, run_load, temp_state, verdict, MakeRequest,
    Serving, Stats,
};
use crate::bench_intake::sample_customers;
use crate::server::Host;
use crate::up::UpOptions;

/// Open complaints when the sweep is timed (`--sweep-open`).
pub const DEFAULT_SWEEP_OPEN: usize = 100_000;
/// How many of them are due (`--sweep-due`).
pub const DEFAULT_SWEEP_DUE: usize = 1000;

/// Clients filing complaints in the measurement.
const FILE_CLIENTS: usize = 8;
/// Clients reading complaints.
const READ_CLIENTS: usize = 16;
/// Clients filing the complaints the sweep goes over.
const FILL_CLIENTS: usize = 16;

const FILE_TARGET_PER_SECOND: f64 = 500.0;
const READ_TARGET_P99_MS: f64 = 20.0;
const SWEEP_TARGET: Duration = Duration::from_secs(2);

/// How far the clock is set back while the due complaints are filed: past level 1 of the
/// default policy (12 h), short of level 2 (24 h).
const DUE_SHIFT_SECONDS: i64 = 12 * 3600 + 1;

/// Customers created when the store has none.
const NEW_CUSTOMERS: usize = 50;

/// The most complaints of the filing measurement that the reads go over.
const READ_SAMPLE: usize = 5000;

/// Complaints filed between two progress lines.
const PROGRESS_EVERY: usize = 10_000;

/// Filed before measuring when no due complaints warm the host up.
const WARMUP_FILINGS: usize = 100;

/// The sweep's data set.
#[derive(Debug, Clone, Copy)]
pub struct SweepPlan {
    /// Open complaints in the store when the sweep is timed.
    pub open: usize,
    /// How many of them have escalation level 1 due.
    pub due: usize,
}

pub async fn run(mut options: UpOptions, duration: Duration, plan: SweepPlan) -> Result<()> {
    if plan.due > plan.open {
        bail!(
            "--sweep-due ({}) cannot be more than --sweep-open ({})",
            plan.due,
            plan.open
        );
    }
    if duration.is_zero() {
        bail!("--seconds must be at least 1");
    }
    // The sweep over 100k complaints is one request: give it time.
    options.request_timeout = options.request_timeout.max(Duration::from_secs(600));
    // The suite moves the guests' clock. Guests always read the host's clock; this also opens
    // its endpoint, as under `crm up --test-clock`.
    options.test_clock = true;
    let temp_state = temp_state(&mut options, "escalation");
    let (host, token) = prepare_as_admin(&options)?;
    let admin = format!("Bearer {token}");

    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let (agent_id, agent_token) = create_agent(&host, &admin, nonce).await?;
    let agent = format!("Bearer {agent_token}");
    let customers = Arc::new(bench_customers(&host, &admin).await?);

    let serving = Serving::start(host.clone(), temp_state).await?;
    let address = serving.address;
    println!(
        "crm bench escalation: on http://{address}, {} s per measurement; sweep over {} open \
         complaints, {} due",
        duration.as_secs(),
        plan.open,
        plan.due
    );
    println!("machine: {}", machine_description());
    println!(
        "agent {agent_id}; {} customers to file complaints for",
        customers.len()
    );

    // Whatever an earlier run left due fires now, not in the measured sweep.
    let (elapsed, fired) = sweep(&host, &admin).await?;
    if !fired.is_empty() {
        println!(
            "an earlier run left {} escalations due: fired them first ({:.2} s)",
            fired.len(),
            elapsed.as_secs_f64()
        );
    }
    let mut open = count_open(address, &admin, plan.open).await?;
    if open > 0 {
        println!("the store holds {open} open complaints already");
    }

    let file = file_request(customers, agent.clone());

    // The due complaints first, filed 12 h + 1 s in the past.
    if plan.due > 0 {
        host.clock().advance(-DUE_SHIFT_SECONDS);
        let filed = file_exactly(address, &file, plan.due, false).await;
        host.clock().advance(DUE_SHIFT_SECONDS);
        let filed = filed?;
        open += filed.count;
        println!(
            "filed {} complaints 12 h + 1 s in the past, to be due at the sweep ({} errors)",
            filed.count, filed.errors
        );
    } else {
        let filed = file_exactly(address, &file, WARMUP_FILINGS, false).await?;
        open += filed.count;
    }

    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>7}  target",
        "measurement", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );

    // 1. Filing.
    let load = run_load(address, file.clone(), FILE_CLIENTS, duration, usize::MAX).await?;
    let filed_measured = load.latencies_micros.len();
    open += filed_measured;
    if filed_measured == 0 {
        bail!("no complaint was filed ({} errors)", load.errors);
    }
    let stats = Stats::of(load);
    stats.print(
        &format!("file complaint (agent), c={FILE_CLIENTS}"),
        &format!(
            "≥ {FILE_TARGET_PER_SECOND:.0}/s: {}",
            verdict(stats.rate >= FILE_TARGET_PER_SECOND)
        ),
    );

    // 2. Reading what step 1 filed.
    let ids = recent_ids(address, &admin, &agent_id, filed_measured.min(READ_SAMPLE)).await?;
    if ids.is_empty() {
        bail!("the complaints just filed are not listed");
    }
    let read: MakeRequest = {
        let ids = Arc::new(ids);
        let agent = agent.clone();
        Arc::new(move |client, n| {
            let id = &ids[(client * 7919 + n * 104_729) % ids.len()];
            Ok(http::Request::get(format!("/api/v1/complaints/{id}"))
                .header("authorization", agent.as_str())
                .body(Full::new(Bytes::new()))?)
        })
    };
    run_load(address, read.clone(), 4, Duration::ZERO, 100).await?;
    let stats = Stats::of(run_load(address, read, READ_CLIENTS, duration, usize::MAX).await?);
    stats.print(
        &format!("read complaint, c={READ_CLIENTS}"),
        &format!(
            "p99 < {READ_TARGET_P99_MS:.0} ms: {}",
            verdict(stats.p99_ms < READ_TARGET_P99_MS)
        ),
    );

    // 3. The sweep: the rest of the open complaints, none of them due, then the sweep.
    if open < plan.open {
        let missing = plan.open - open;
        println!("filing {missing} more open complaints (none due) with {FILL_CLIENTS} clients…");
        let filed = file_exactly(address, &file, missing, true).await?;
        open += filed.count;
        println!(
            "filed {} in {:.0} s ({:.0}/s, {} errors)",
            filed.count,
            filed.elapsed.as_secs_f64(),
            filed.count as f64 / filed.elapsed.as_secs_f64(),
            filed.errors
        );
    }
    let target = format!(
        "< {} s at {DEFAULT_SWEEP_OPEN} open, {DEFAULT_SWEEP_DUE} due",
        SWEEP_TARGET.as_secs()
    );
    let (elapsed, fired) = sweep(&host, &admin).await?;
    let level_1 = fired
        .iter()
        .filter(|f| f["escalation"]["level"].as_u64() == Some(1))
        .count();
    let name = format!("sweep, {open} open, {} due", plan.due);
    println!(
        "{name:<34} {:>9.3} s; fired {} (level 1: {level_1})  {target}: {}",
        elapsed.as_secs_f64(),
        fired.len(),
        verdict(elapsed < SWEEP_TARGET)
    );
    if fired.len() != plan.due || level_1 != plan.due {
        eprintln!(
            "WARNING: the sweep fired {} escalations ({level_1} of level 1), not level 1 of \
             exactly the {} complaints made due: the sweep's figure is not the one the target \
             is about",
            fired.len(),
            plan.due
        );
    }
    let (elapsed, fired) = sweep(&host, &admin).await?;
    let name = format!("sweep again, {open} open, none due");
    println!(
        "{name:<34} {:>9.3} s; fired {}  {target}: {}",
        elapsed.as_secs_f64(),
        fired.len(),
        verdict(elapsed < SWEEP_TARGET)
    );
    if !fired.is_empty() {
        eprintln!(
            "WARNING: the second sweep fired {} escalations; nothing should have been due",
            fired.len()
        );
    }

    drop(host);
    serving.finish().await
}

/// `POST /api/v1/complaints` for one of `customers`, as the agent.
fn file_request(customers: Arc<Vec<String>>, authorization: String) -> MakeRequest {
    Arc::new(move |client, n| {
        let customer = &customers[(client * 7919 + n * 104_729) % customers.len()];
        let body = serde_json::json!({
            "customer_id": customer,
            "category": "packaging",
            "description": "bench",
            "priority": "high",
            "channel": "phone",
        });
        Ok(http::Request::post("/api/v1/complaints")
            .header("authorization", authorization.as_str())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))?)
    })
}

struct Filed {
    count: usize,
    errors: usize,
    elapsed: Duration,
}

/// Files exactly `count` complaints with up to [`FILL_CLIENTS`] clients, in rounds of at most
/// [`PROGRESS_EVERY`] (printing progress after each when `progress`); a failed filing is made
/// up in the next round.
async fn file_exactly(
    address: SocketAddr,
    make: &MakeRequest,
    count: usize,
    progress: bool,
) -> Result<Filed> {
    let started = Instant::now();
    let mut filed = 0;
    let mut errors = 0;
    while filed < count {
        let round = (count - filed).min(PROGRESS_EVERY);
        let clients = round.min(FILL_CLIENTS);
        let load = run_load(
            address,
            make.clone(),
            clients,
            Duration::ZERO,
            round / clients,
        )
        .await?;
        let mut done = load.latencies_micros.len();
        errors += load.errors;
        let rest = round % clients;
        if rest > 0 {
            let load = run_load(address, make.clone(), rest, Duration::ZERO, 1).await?;
            done += load.latencies_micros.len();
            errors += load.errors;
        }
        if done == 0 {
            bail!("filing complaints failed: {errors} errors, {filed} of {count} filed");
        }
        filed += done;
        if progress {
            println!(
                "  {filed} of {count} filed ({:.0}/s, {errors} errors)",
                filed as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(Filed {
        count: filed,
        errors,
        elapsed: started.elapsed(),
    })
}

/// A member of staff with role `agent` and a token of theirs, created by the admin.
async fn create_agent(host: &Arc<Host>, admin: &str, nonce: u128) -> Result<(String, String)> {
    let staff = call_json(
        host,
        "POST",
        "/api/v1/staff",
        admin,
        Some(serde_json::json!({
            "name": format!("Bench agent {nonce}"),
            "email": format!("bench.agent.{nonce}@example.com"),
            "role": "agent",
        })),
    )
    .await?;
    let id = staff["id"]
        .as_str()
        .context("the created staff member has no id")?
        .to_owned();
    let issued = call_json(
        host,
        "POST",
        &format!("/api/v1/staff/{id}/tokens"),
        admin,
        Some(serde_json::json!({"label": "bench"})),
    )
    .await?;
    let token = issued["token"]
        .as_str()
        .context("the issued token is missing")?
        .to_owned();
    Ok((id, token))
}

/// Ids of the store's customers, or of [`NEW_CUSTOMERS`] new ones when it has none.
async fn bench_customers(host: &Arc<Host>, admin: &str) -> Result<Vec<String>> {
    let mut ids = sample_customers(host, admin).await?;
    if ids.is_empty() {
        for n in 1..=NEW_CUSTOMERS {
            let customer = call_json(
                host,
                "POST",
                "/api/v1/customers",
                admin,
                Some(serde_json::json!({
                    "name": format!("Bench customer {n}"),
                    "confirm_duplicate": true,
                })),
            )
            .await?;
            ids.push(
                customer["id"]
                    .as_str()
                    .context("the created customer has no id")?
                    .to_owned(),
            );
        }
    }
    Ok(ids)
}

/// `GET route` over HTTP as `authorization`; the answer must be 2xx JSON. Not through
/// `Host::call`, which routes on the whole string, query included, so that
/// `/api/v1/complaints?…` would miss the escalation component's `/api/v1/complaints/...`.
async fn get_json(
    address: SocketAddr,
    route: &str,
    authorization: &str,
) -> Result<serde_json::Value> {
    let stream = TcpStream::connect(address).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = http::Request::get(route)
        .header(http::header::HOST, address.to_string())
        .header("authorization", authorization)
        .body(Full::new(Bytes::new()))?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let answer = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!(
            "GET {route} answered {status}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(500)])
        );
    }
    serde_json::from_slice(&answer).with_context(|| format!("the answer of GET {route}"))
}

/// Pages through `GET /api/v1/complaints`, newest first, handing each complaint to `visit`
/// until it answers false or the pages run out.
async fn each_complaint(
    address: SocketAddr,
    authorization: &str,
    mut visit: impl FnMut(&serde_json::Value) -> bool,
) -> Result<()> {
    let mut cursor: Option<String> = None;
    loop {
        let route = match &cursor {
            Some(c) => format!(
                "/api/v1/complaints?limit=200&cursor={}",
                c.replace('|', "%7C")
            ),
            None => "/api/v1/complaints?limit=200".to_owned(),
        };
        let page = get_json(address, &route, authorization).await?;
        for item in page["items"].as_array().into_iter().flatten() {
            if !visit(item) {
                return Ok(());
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(()),
        }
    }
}

/// Open (not resolved or closed) complaints in the store, counted up to `limit`.
async fn count_open(address: SocketAddr, admin: &str, limit: usize) -> Result<usize> {
    let mut open = 0;
    if limit == 0 {
        return Ok(open);
    }
    each_complaint(address, admin, |item| {
        if !matches!(item["status"].as_str(), Some("resolved" | "closed")) {
            open += 1;
        }
        open < limit
    })
    .await?;
    Ok(open)
}

/// The ids of the newest `want` complaints `agent_id` filed.
async fn recent_ids(
    address: SocketAddr,
    admin: &str,
    agent_id: &str,
    want: usize,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(want);
    if want == 0 {
        return Ok(ids);
    }
    each_complaint(address, admin, |item| {
        if item["filed_by"].as_str() == Some(agent_id) {
            if let Some(id) = item["id"].as_str() {
                ids.push(id.to_owned());
            }
        }
        ids.len() < want
    })
    .await?;
    Ok(ids)
}

/// Runs the escalation sweep once as the admin: how long it took, and what it fired.
async fn sweep(host: &Arc<Host>, admin: &str) -> Result<(Duration, Vec<serde_json::Value>)> {
    let started = Instant::now();
    let (status, answer) = host
        .call(
            "POST",
            "/api/v1/escalation/sweep",
            &[("authorization", admin)],
            Bytes::new(),
        )
        .await?;
    let elapsed = started.elapsed();
    if !status.is_success() {
        bail!(
            "the sweep answered {status}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(500)])
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&answer).context("the sweep report")?;
    let fired = report["fired"]
        .as_array()
        .cloned()
        .context("the sweep report has no `fired` list")?;
    Ok((elapsed, fired))
}
