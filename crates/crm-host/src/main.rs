//! The `crm` command: `build`, `up` and `bench` for a Spin application.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crm_host::{bench, builder, manifest::App, up};

#[derive(Parser)]
#[command(
    name = "crm",
    version,
    about = "Build and run a Spin application locally, as Spin 4.x would"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct UpArgs {
    /// The application manifest.
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    manifest: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Where key-value and SQLite data live (default: `.spin` beside the manifest).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// A Spin runtime config file (key_value_store / sqlite_database sections).
    #[arg(long)]
    runtime_config_file: Option<PathBuf>,
    /// Where compiled components are cached (default: ~/.cache/crm).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Run the build commands first, even if every component is already built.
    #[arg(long)]
    build: bool,
    /// For tests only: let POST /.well-known/crm/test-clock move the guests' wall clock.
    #[arg(long)]
    test_clock: bool,
    /// A request still running after this many seconds is stopped with an error.
    #[arg(long, default_value_t = 30)]
    request_timeout: u64,
    /// Call `POST ROUTE` every SECONDS (e.g. the escalation sweep); may be repeated.
    #[arg(long = "tick", value_name = "ROUTE=SECONDS")]
    ticks: Vec<String>,
    /// Turn on the app's `demo_data` variable and seed a small demo set into a fresh store.
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run each component's build command, like `spin build`.
    Build {
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        manifest: PathBuf,
    },
    /// Serve the application, like `spin up`.
    Up(UpArgs),
    /// Seed a large demo data set into a fresh state directory, for benchmarks.
    Seed {
        #[command(flatten)]
        up: UpArgs,
        /// Customers to create.
        #[arg(long, default_value_t = 100_000)]
        customers: u32,
        /// Mean orders per customer (100k customers × 10 = 1M orders).
        #[arg(long, default_value_t = 10)]
        orders_per_customer: u32,
        /// Visits per customer in the last year.
        #[arg(long, default_value_t = 2)]
        visits_per_customer: u32,
        /// Years of order history.
        #[arg(long, default_value_t = 5)]
        years: u32,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Measure requests/s, latency and instantiation time of one route.
    Bench {
        #[command(flatten)]
        up: UpArgs,
        /// The route to measure.
        #[arg(long, default_value = "/api/v1/health/intake")]
        route: String,
        /// Seconds to measure at each concurrency.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Concurrency levels.
        #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
        concurrency: Vec<usize>,
        /// `health`: one route at each concurrency. `intake`: the customer-intake targets on a
        /// store seeded with `crm seed` (pass its --state-dir).
        #[arg(long, default_value = "health", value_parser = ["health", "intake"])]
        suite: String,
    },
}

impl UpArgs {
    fn into_options(self) -> Result<up::UpOptions> {
        let ticks = self
            .ticks
            .iter()
            .map(|t| {
                let (route, seconds) = t
                    .split_once('=')
                    .with_context(|| format!("--tick `{t}` must be ROUTE=SECONDS"))?;
                let seconds: u64 = seconds.parse().with_context(|| {
                    format!("--tick `{t}`: `{seconds}` is not a number of seconds")
                })?;
                if seconds == 0 || !route.starts_with('/') {
                    bail!("--tick `{t}` needs a route starting with `/` and at least 1 second");
                }
                Ok((route.to_owned(), Duration::from_secs(seconds)))
            })
            .collect::<Result<_>>()?;
        Ok(up::UpOptions {
            manifest: self.manifest,
            listen: self.listen,
            state_dir: self.state_dir,
            runtime_config: self.runtime_config_file,
            cache_dir: self.cache_dir,
            build: self.build,
            test_clock: self.test_clock,
            request_timeout: Duration::from_secs(self.request_timeout.max(1)),
            ticks,
            demo: self.demo,
        })
    }
}

fn main() {
    if let Err(error) = run(Cli::parse()) {
        eprintln!("crm: error: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Build { manifest } => builder::build(&App::load(&manifest)?),
        Command::Up(args) => runtime()?.block_on(up::run(args.into_options()?)),
        Command::Seed {
            up,
            customers,
            orders_per_customer,
            visits_per_customer,
            years,
            seed,
        } => {
            let mut options = up.into_options()?;
            options.demo = true;
            let plan = crm_host::seed::SeedPlan {
                seed,
                customers,
                orders_per_customer,
                years,
                visits_per_customer,
                chunk: 1000,
            };
            runtime()?.block_on(async move {
                let prepared = up::prepare(&options, false, false)?;
                let token = prepared
                    .admin_token
                    .context("the admin token is unknown; set SPIN_VARIABLE_ADMIN_TOKEN")?;
                crm_host::seed::run(prepared.host, &token, plan).await
            })
        }
        Command::Bench {
            up, suite, seconds, ..
        } if suite == "intake" => {
            let options = up.into_options()?;
            if options.state_dir.is_none() {
                bail!("--suite intake needs --state-dir of a store seeded with `crm seed`");
            }
            runtime()?.block_on(crm_host::bench_intake::run(
                options,
                Duration::from_secs(seconds),
            ))
        }
        Command::Bench {
            up,
            route,
            seconds,
            concurrency,
            ..
        } => {
            let options = up.into_options()?;
            runtime()?.block_on(bench::run(
                options,
                &route,
                Duration::from_secs(seconds),
                &concurrency,
            ))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
