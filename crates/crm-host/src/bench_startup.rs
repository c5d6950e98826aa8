//! `crm bench --suite startup`: how long a user waits after a scale-from-zero start. Starts
//! `crm up` as a child process several times on the same state and cache directories and
//! measures from the spawn to the first `200` on `GET /api/v1/health/intake`.
//!
//! The first start may compile the components (a cold cache); it is reported on its own line.
//! The others are warm starts, the case the target (< 100 ms) is about.

use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::up::UpOptions;

const ROUTE: &str = "/api/v1/health/intake";
/// A start that has not answered by then is reported as failed.
const GIVE_UP: Duration = Duration::from_secs(300);

pub fn run(options: &UpOptions, starts: usize) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the crm executable")?;
    let temp_state = std::env::temp_dir().join(format!("crm-bench-startup-{}", std::process::id()));
    let state_dir = options.state_dir.clone().unwrap_or(temp_state.clone());
    println!("crm bench: process start to the first 200 on GET {ROUTE}, {starts} starts");
    println!("machine: {}", crate::bench::machine_description());
    let mut warm = Vec::new();
    for run in 0..starts.max(2) {
        let address = free_port()?;
        let mut command = Command::new(&exe);
        command
            .arg("up")
            .arg("--from")
            .arg(&options.manifest)
            .arg("--listen")
            .arg(address.to_string())
            .arg("--state-dir")
            .arg(&state_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(cache) = &options.cache_dir {
            command.arg("--cache-dir").arg(cache);
        }
        let started = Instant::now();
        let child = command.spawn().context("cannot start `crm up`")?;
        let elapsed = first_ok(child, address, started)?;
        if run == 0 {
            println!("first start (may compile): {:>9.1} ms", ms(elapsed));
        } else {
            warm.push(elapsed);
        }
    }
    warm.sort();
    let (Some(p50), Some(max)) = (warm.get(warm.len() / 2), warm.last()) else {
        bail!("no warm start was measured");
    };
    println!(
        "warm starts: {}   p50 {:.1} ms   max {:.1} ms   (target < 100 ms)",
        warm.len(),
        ms(*p50),
        ms(*max),
    );
    if options.state_dir.is_none() {
        let _ = std::fs::remove_dir_all(&temp_state);
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A loopback port nobody listens on now.
fn free_port() -> Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// Polls until the child answers 200, then stops it (SIGTERM, so it checkpoints as usual).
fn first_ok(mut child: Child, address: SocketAddr, started: Instant) -> Result<Duration> {
    let result = loop {
        if let Some(status) = child.try_wait()? {
            bail!("`crm up` exited before answering: {status}");
        }
        if started.elapsed() > GIVE_UP {
            break Err(anyhow::anyhow!("no 200 within {} s", GIVE_UP.as_secs()));
        }
        if get_status(address) == Some(200) {
            break Ok(started.elapsed());
        }
        std::thread::sleep(Duration::from_micros(500));
    };
    stop(&mut child);
    result
}

fn get_status(address: SocketAddr) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_millis(100)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {ROUTE} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn stop(child: &mut Child) {
    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    if !terminated {
        let _ = child.kill();
    }
    let _ = child.wait();
}
