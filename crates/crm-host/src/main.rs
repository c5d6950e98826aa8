//! The `crm` command: `build`, `up` and `bench` for a Spin application.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crm_host::{bench, builder, manifest::App, server, up};

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
    /// The largest request body accepted (bytes, or a number with KiB, MiB or GiB). A larger
    /// declared body is answered 413 before any component runs; a streamed one is cut off
    /// there and answered 413.
    #[arg(long, value_name = "SIZE", default_value = "10MiB", value_parser = parse_size)]
    max_request_bytes: u64,
    /// How large any one memory of a component instance may grow (bytes, or a number with
    /// KiB, MiB or GiB); past it the guest's allocation fails, as with Spin's option of the
    /// same name.
    #[arg(long, value_name = "SIZE", default_value = "128MiB", value_parser = parse_size)]
    max_instance_memory: u64,
    /// Component instances alive at once; a request beyond them is answered 503 with
    /// `retry-after: 1`, before any component runs.
    #[arg(long, value_name = "N", default_value_t = server::DEFAULT_MAX_CONCURRENT_REQUESTS)]
    max_concurrent_requests: usize,
}

/// A size in bytes: a plain number, or one with a binary unit (`512KiB`, `10MiB`, `1GiB`).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| {
        format!("`{text}` is not a size: give bytes, or a number with KiB, MiB or GiB")
    })?;
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "K" | "KiB" => 1 << 10,
        "M" | "MiB" => 1 << 20,
        "G" | "GiB" => 1 << 30,
        other => return Err(format!("unknown unit `{other}`: use KiB, MiB or GiB")),
    };
    number
        .checked_mul(scale)
        .filter(|bytes| *bytes > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
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
        /// store seeded with `crm seed` (pass its --state-dir). `escalation`: the complaint
        /// targets: filing, reading, and the escalation sweep (see --sweep-open, --sweep-due).
        /// `portal`: the portal's pages and placing orders, as signed-in customers of the demo
        /// data. `startup`: process start to the first 200, over --starts runs of `crm up`.
        #[arg(long, default_value = "health", value_parser = ["health", "intake", "escalation", "portal", "startup"])]
        suite: String,
        /// With `--suite escalation`: open complaints in the store when the sweep is timed.
        #[arg(long, value_name = "N", default_value_t = crm_host::bench_escalation::DEFAULT_SWEEP_OPEN)]
        sweep_open: usize,
        /// With `--suite escalation`: how many of those open complaints are due to escalate.
        #[arg(long, value_name = "N", default_value_t = crm_host::bench_escalation::DEFAULT_SWEEP_DUE)]
        sweep_due: usize,
        /// With `--suite startup`: how many times `crm up` is started (the first may compile).
        #[arg(long, value_name = "N", default_value_t = 11)]
        starts: usize,
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
        if self.max_concurrent_requests == 0 {
            bail!("--max-concurrent-requests must be at least 1");
        }
        let limits = server::Limits {
            max_request_bytes: self.max_request_bytes,
            max_instance_memory: usize::try_from(self.max_instance_memory)
                .context("--max-instance-memory is larger than this machine can address")?,
            max_concurrent_requests: self.max_concurrent_requests,
        };
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
            limits,
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
        Command::Up(args) => block_on(up::run(args.into_options()?)),
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
            block_on(async move {
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
            block_on(crm_host::bench_intake::run(
                options,
                Duration::from_secs(seconds),
            ))
        }
        Command::Bench {
            up, suite, seconds, ..
        } if suite == "portal" => block_on(crm_host::bench_portal::run(
            up.into_options()?,
            Duration::from_secs(seconds),
        )),
        Command::Bench {
            up, suite, starts, ..
        } if suite == "startup" => crm_host::bench_startup::run(&up.into_options()?, starts),
        Command::Bench {
            up,
            suite,
            seconds,
            sweep_open,
            sweep_due,
            ..
        } if suite == "escalation" => block_on(crm_host::bench_escalation::run(
            up.into_options()?,
            Duration::from_secs(seconds),
            crm_host::bench_escalation::SweepPlan {
                open: sweep_open,
                due: sweep_due,
            },
        )),
        Command::Bench {
            up,
            route,
            seconds,
            concurrency,
            ..
        } => {
            let options = up.into_options()?;
            block_on(bench::run(
                options,
                &route,
                Duration::from_secs(seconds),
                &concurrency,
            ))
        }
    }
}

/// Runs a command on the async runtime, then empties the SQLite logs however it ended, so the
/// next start has nothing to recover.
fn block_on(command: impl std::future::Future<Output = Result<()>>) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let result = command.await;
        crm_host::sqlite::checkpoint_all().await;
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_units_and_the_defaults_are_the_hosts() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("10MiB"), Ok(server::DEFAULT_MAX_REQUEST_BYTES));
        assert_eq!(
            parse_size("128MiB"),
            Ok(server::DEFAULT_MAX_INSTANCE_MEMORY as u64)
        );
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("10MB").is_err());
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn up_documents_its_limits_and_their_defaults() {
        use clap::CommandFactory;
        let mut command = Cli::command();
        let help = command
            .find_subcommand_mut("up")
            .expect("up")
            .render_long_help()
            .to_string();
        for expected in [
            "--max-request-bytes <SIZE>",
            "[default: 10MiB]",
            "--max-instance-memory <SIZE>",
            "[default: 128MiB]",
            "--max-concurrent-requests <N>",
            "[default: 256]",
        ] {
            assert!(help.contains(expected), "{expected} missing from:\n{help}");
        }
    }
}
