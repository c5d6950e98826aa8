//! `crm bench`: starts the host in-process on a loopback port and measures one route at several
//! concurrencies, over keep-alive HTTP/1.1 connections (one per simulated client).
//!
//! The load generator runs on its own single-threaded runtime, so the server's worker threads
//! are not shared with it; on a 2-core machine both still compete for the same cores, as they
//! did in the reference measurements of Spin.

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

use crate::server::{self, Host};
use crate::up::{self, UpOptions};

/// Requests sent before measuring, so compilation caches and connection pools are warm.
const WARMUP_REQUESTS: usize = 500;

pub async fn run(
    mut options: UpOptions,
    route: &str,
    duration: Duration,
    concurrency: &[usize],
) -> Result<()> {
    let temp_state = temp_state(&mut options, "health");
    let host = up::prepare(&options, false, true)?.host;
    let serving = Serving::start(host.clone(), temp_state).await?;
    let address = serving.address;

    println!(
        "crm bench: GET {route} on http://{address}, {} s per level",
        duration.as_secs()
    );
    println!("machine: {}", machine_description());
    let route = route.to_owned();
    let warm = run_load(address, get(&route), 1, Duration::ZERO, WARMUP_REQUESTS).await?;
    if warm.errors > 0 {
        bail!(
            "{} of the warm-up requests failed; is {route} a working route?",
            warm.errors
        );
    }
    host.take_instantiation_micros();

    println!(
        "{:>11} {:>10} {:>9} {:>9} {:>9} {:>14} {:>14} {:>7}",
        "concurrency",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "inst p50 µs",
        "inst p99 µs",
        "errors"
    );
    for &clients in concurrency {
        let load = run_load(address, get(&route), clients, duration, usize::MAX).await?;
        let mut latencies = load.latencies_micros;
        let mut instantiation = host.take_instantiation_micros();
        let rate = latencies.len() as f64 / load.elapsed.as_secs_f64();
        println!(
            "{clients:>11} {:>10} {rate:>9.0} {:>9.2} {:>9.2} {:>14} {:>14} {:>7}",
            latencies.len(),
            percentile(&mut latencies, 50.0) as f64 / 1000.0,
            percentile(&mut latencies, 99.0) as f64 / 1000.0,
            percentile(&mut instantiation, 50.0),
            percentile(&mut instantiation, 99.0),
            load.errors,
        );
    }
    serving.finish().await
}

/// The host of `options` for a suite, and the admin token the suite acts as.
pub(crate) fn prepare_as_admin(options: &UpOptions) -> Result<(Arc<Host>, String)> {
    let prepared = up::prepare(options, false, false)?;
    let token = prepared
        .admin_token
        .context("the admin token is unknown; set SPIN_VARIABLE_ADMIN_TOKEN")?;
    Ok((prepared.host, token))
}

/// Points `options` at a new directory in the temporary directory when it names no
/// `--state-dir`; [`Serving::finish`] removes it.
pub(crate) fn temp_state(options: &mut UpOptions, suite: &str) -> Option<PathBuf> {
    if options.state_dir.is_some() {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("crm-bench-{suite}-{}", std::process::id()));
    options.state_dir = Some(dir.clone());
    Some(dir)
}

/// The host served on a loopback port while a suite measures it.
pub(crate) struct Serving {
    pub address: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<()>>,
    temp_state: Option<PathBuf>,
}

impl Serving {
    /// Serves `host` on `127.0.0.1` at a port of the system's choosing.
    pub async fn start(host: Arc<Host>, temp_state: Option<PathBuf>) -> Result<Serving> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(server::serve(host, listener, async {
            let _ = stop_rx.await;
        }));
        Ok(Serving {
            address,
            stop,
            server,
            temp_state,
        })
    }

    /// Stops serving, and removes the temporary state directory if the run made one.
    pub async fn finish(self) -> Result<()> {
        let _ = self.stop.send(());
        self.server.await??;
        if let Some(dir) = self.temp_state {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(())
    }
}

pub(crate) struct Load {
    pub latencies_micros: Vec<u32>,
    pub errors: usize,
    pub elapsed: Duration,
}

/// Makes the `n`-th request of client `client`.
pub(crate) type MakeRequest =
    Arc<dyn Fn(usize, usize) -> Result<http::Request<Full<Bytes>>> + Send + Sync>;

/// A `GET route` for every request.
fn get(route: &str) -> MakeRequest {
    let route = route.to_owned();
    Arc::new(move |_, _| Ok(http::Request::get(route.as_str()).body(Full::new(Bytes::new()))?))
}

/// Runs `clients` connections, each sending requests back to back until `duration` has passed
/// (or, with a zero duration, until `max_requests` per client). A request counts as an error
/// unless it answers 2xx.
pub(crate) async fn run_load(
    address: std::net::SocketAddr,
    make: MakeRequest,
    clients: usize,
    duration: Duration,
    max_requests: usize,
) -> Result<Load> {
    // The generator gets a runtime (and thread) of its own.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let started = Instant::now();
            let deadline = started + duration;
            let mut tasks = Vec::new();
            for index in 0..clients {
                let make = make.clone();
                tasks.push(tokio::spawn(async move {
                    client(
                        address,
                        index,
                        &make,
                        deadline,
                        duration.is_zero(),
                        max_requests,
                    )
                    .await
                }));
            }
            let mut load = Load {
                latencies_micros: Vec::new(),
                errors: 0,
                elapsed: Duration::ZERO,
            };
            for task in tasks {
                let (latencies, errors) = task.await.context("a load task failed")??;
                load.latencies_micros.extend(latencies);
                load.errors += errors;
            }
            load.elapsed = started.elapsed();
            Ok(load)
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the load generator panicked"))?
}

async fn client(
    address: std::net::SocketAddr,
    index: usize,
    make: &MakeRequest,
    deadline: Instant,
    count_only: bool,
    max_requests: usize,
) -> Result<(Vec<u32>, usize)> {
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut latencies = Vec::new();
    let mut errors = 0;
    while latencies.len() + errors < max_requests && (count_only || Instant::now() < deadline) {
        let mut request = make(index, latencies.len() + errors)?;
        request.headers_mut().insert(
            http::header::HOST,
            http::HeaderValue::from_str(&address.to_string())?,
        );
        let sent = Instant::now();
        let ok = match sender.send_request(request).await {
            Ok(response) => {
                let ok = response.status().is_success();
                ok && response.into_body().collect().await.is_ok()
            }
            Err(_) => false,
        };
        if ok {
            latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
        } else {
            errors += 1;
        }
    }
    Ok((latencies, errors))
}

/// The figures of one load.
pub(crate) struct Stats {
    pub requests: usize,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: usize,
}

impl Stats {
    pub fn of(load: Load) -> Stats {
        let mut latencies = load.latencies_micros;
        Stats {
            requests: latencies.len(),
            rate: latencies.len() as f64 / load.elapsed.as_secs_f64(),
            p50_ms: percentile(&mut latencies, 50.0) as f64 / 1000.0,
            p99_ms: percentile(&mut latencies, 99.0) as f64 / 1000.0,
            errors: load.errors,
        }
    }

    /// One line of the table, with the target and whether it was met.
    pub fn print(&self, name: &str, target: &str) {
        println!(
            "{name:<34} {:>9} {:>9.0} {:>9.2} {:>9.2} {:>7}  {target}",
            self.requests, self.rate, self.p50_ms, self.p99_ms, self.errors
        );
    }
}

pub(crate) fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// Sends `method route` through the host as `authorization`, with `body` as JSON; the answer
/// must be 2xx JSON.
pub(crate) async fn call_json(
    host: &Arc<Host>,
    method: &str,
    route: &str,
    authorization: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value> {
    let mut headers: Vec<(&str, &str)> = vec![("authorization", authorization)];
    let bytes = match &body {
        Some(body) => {
            headers.push(("content-type", "application/json"));
            Bytes::from(body.to_string())
        }
        None => Bytes::new(),
    };
    let (status, answer) = host.call(method, route, &headers, bytes).await?;
    if !status.is_success() {
        bail!(
            "{method} {route} answered {status}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(500)])
        );
    }
    serde_json::from_slice(&answer).with_context(|| format!("the answer of {method} {route}"))
}

pub(crate) fn percentile(values: &mut [u32], p: f64) -> u32 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank.min(values.len() - 1)]
}

pub(crate) fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_pick_by_rank() {
        let mut values: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&mut values, 50.0), 51);
        assert_eq!(percentile(&mut values, 99.0), 99);
        assert_eq!(percentile(&mut [], 50.0), 0);
    }
}
