//! `crm up`: build what is missing, load the application, serve it until Ctrl-C or SIGTERM.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

use crate::builder;
use crate::manifest::App;
use crate::seed;
use crate::server::{self, Host, HostOptions, Limits};

#[derive(Debug, Clone)]
pub struct UpOptions {
    pub manifest: PathBuf,
    pub listen: SocketAddr,
    pub state_dir: Option<PathBuf>,
    pub runtime_config: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub build: bool,
    pub test_clock: bool,
    pub request_timeout: Duration,
    pub ticks: Vec<(String, Duration)>,
    /// Turn on the `demo_data` variable and seed a small demo set into a fresh store.
    pub demo: bool,
    pub limits: Limits,
}

/// A loaded application, ready to serve.
pub struct Prepared {
    pub host: Arc<Host>,
    /// Lines for the operator, e.g. a generated admin token.
    pub notices: Vec<String>,
    /// The bootstrap admin's token, if the host knows it.
    pub admin_token: Option<String>,
}

/// Loads the manifest, builds if asked or if anything is missing, and loads the host.
pub fn prepare(
    options: &UpOptions,
    access_log: bool,
    record_instantiation: bool,
) -> Result<Prepared> {
    let app = App::load(&options.manifest)?;
    if options.build || builder::needs_build(&app) {
        builder::build(&app)?;
    }
    let state_dir = options
        .state_dir
        .clone()
        .unwrap_or_else(|| app.dir.join(".spin"));
    std::fs::create_dir_all(&state_dir)
        .with_context(|| format!("cannot create {}", state_dir.display()))?;
    let (mut generated, notices) = generated_secrets(&app, &state_dir)?;
    if options.demo {
        generated.insert("demo_data".into(), "true".into());
    }
    let admin_token = generated
        .get("admin_token")
        .cloned()
        .or_else(|| std::env::var("SPIN_VARIABLE_ADMIN_TOKEN").ok());
    let host_options = HostOptions {
        cache_dir: options
            .cache_dir
            .clone()
            .unwrap_or_else(|| crate::engine::default_cache_dir(&state_dir)),
        state_dir,
        runtime_config: options.runtime_config.clone(),
        test_clock: options.test_clock,
        request_timeout: options.request_timeout,
        access_log,
        record_instantiation,
        limits: options.limits,
    };
    let host = Host::load(&app, host_options, &generated)?;
    Ok(Prepared {
        host,
        notices,
        admin_token,
    })
}

pub async fn run(options: UpOptions) -> Result<()> {
    let Prepared {
        host,
        notices,
        admin_token,
    } = prepare(&options, true, false)?;
    let listener = TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    println!("crm: serving http://{address}");
    for (route, component) in host.routes() {
        println!("crm:   {route} -> {component}");
    }
    for notice in notices {
        println!("crm: {notice}");
    }
    for (route, period) in &options.ticks {
        spawn_tick(host.clone(), route.clone(), *period, admin_token.clone());
    }
    if options.demo {
        spawn_demo_seed(host.clone(), admin_token);
    }
    server::serve(host, listener, server::shutdown_signal()).await?;
    println!("crm: stopped");
    Ok(())
}

/// Seeds the newcomer's demo set in the background, so that the URL shows at once.
fn spawn_demo_seed(host: Arc<Host>, admin_token: Option<String>) {
    let Some(token) = admin_token else {
        eprintln!("crm: --demo needs the admin token; none is known, so no demo data");
        return;
    };
    tokio::spawn(async move {
        let plan = seed::SeedPlan::demo();
        println!("crm: seeding demo data ({} customers)…", plan.customers);
        match seed::seed(&host, &token, &plan, |_| {}).await {
            Ok(t) => println!(
                "crm: demo data ready: {} customers, {} orders, {} complaints, {} visits; staff and products of demo.example",
                t.customers, t.orders, t.complaints, t.visits
            ),
            Err(e) if e.is::<seed::NotFresh>() => {
                println!("crm: demo data: the store already holds customers; nothing added")
            }
            Err(e) => eprintln!("crm: demo data failed: {e:#}"),
        }
    });
}

/// Calls `POST route` every `period`, e.g. the escalation sweep, as the bootstrap admin when
/// the host knows its token (the sweep needs role `ops` or `admin`).
fn spawn_tick(host: Arc<Host>, route: String, period: Duration, admin_token: Option<String>) {
    let authorization = admin_token.map(|token| format!("Bearer {token}"));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval.tick().await;
        loop {
            interval.tick().await;
            let headers: Vec<(&str, &str)> = authorization
                .as_deref()
                .map(|value| ("authorization", value))
                .into_iter()
                .collect();
            match host
                .call("POST", &route, &headers, bytes::Bytes::new())
                .await
            {
                Ok((status, _)) => println!("crm: tick {route} -> {}", status.as_u16()),
                Err(error) => eprintln!("crm: tick {route} failed: {error:#}"),
            }
        }
    });
}

/// Required secret variables with no value from the environment get a random value, kept in
/// the state directory so that it survives restarts. Only `crm up` does this; on Spin the
/// operator sets `SPIN_VARIABLE_<NAME>`.
fn generated_secrets(
    app: &App,
    state_dir: &Path,
) -> Result<(BTreeMap<String, String>, Vec<String>)> {
    let mut values = BTreeMap::new();
    let mut notices = Vec::new();
    for (name, variable) in &app.manifest.variables {
        let env_name = format!("SPIN_VARIABLE_{}", name.to_uppercase());
        if !(variable.required && variable.secret) || std::env::var_os(&env_name).is_some() {
            continue;
        }
        let file = state_dir.join(format!("crm-generated-{name}"));
        let value = match std::fs::read_to_string(&file) {
            Ok(existing) if !existing.trim().is_empty() => {
                notices.push(format!(
                    "{name}: using the value generated earlier, in {} (set {env_name} to override)",
                    file.display()
                ));
                existing.trim().to_owned()
            }
            _ => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes)
                    .map_err(|e| anyhow::anyhow!("no secure random source: {e}"))?;
                let value = hex::encode(bytes);
                write_private(&file, &value)?;
                notices.push(format!(
                    "{name}: generated {value} (kept in {}; set {env_name} to override)",
                    file.display()
                ));
                value
            }
        };
        values.insert(name.clone(), value);
    }
    Ok((values, notices))
}

fn write_private(path: &Path, value: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(value.as_bytes())?;
    Ok(())
}
