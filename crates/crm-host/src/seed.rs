//! Demo data: `crm up --demo` seeds a small set into a fresh store; `crm seed` a large one for
//! benchmarks. Both send chunks to the application's own `POST /api/v1/demo/seed` in-process,
//! as the bootstrap admin, so the data goes through records like any other.

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Instant;

use crate::server::Host;

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub seed: u64,
    pub customers: u32,
    pub orders_per_customer: u32,
    pub years: u32,
    pub visits_per_customer: u32,
    /// Customers per request; each request is one transaction.
    pub chunk: u32,
}

impl SeedPlan {
    /// The newcomer's set: a few hundred customers with 5 years of orders and recent visits.
    pub fn demo() -> Self {
        Self {
            seed: 1,
            customers: 300,
            orders_per_customer: 8,
            years: 5,
            visits_per_customer: 3,
            chunk: 100,
        }
    }
}

/// What was seeded.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub customers: u64,
    pub orders: u64,
    pub order_lines: u64,
    pub complaints: u64,
    pub visits: u64,
}

/// Why seeding did not start: the store already holds customers.
#[derive(Debug, thiserror::Error)]
#[error("the store already holds customers; demo data goes only into a fresh store")]
pub struct NotFresh;

/// Seeds `plan` chunk by chunk, calling `progress` after each.
pub async fn seed(
    host: &Arc<Host>,
    admin_token: &str,
    plan: &SeedPlan,
    progress: impl Fn(&Totals),
) -> Result<Totals> {
    let authorization = format!("Bearer {admin_token}");
    let headers = [
        ("authorization", authorization.as_str()),
        ("content-type", "application/json"),
    ];
    let mut totals = Totals::default();
    let mut first = 0;
    while first < plan.customers {
        let count = plan.chunk.min(plan.customers - first);
        let body = serde_json::json!({
            "seed": plan.seed,
            "first_customer": first,
            "customers": count,
            "orders_per_customer": plan.orders_per_customer,
            "years": plan.years,
            "visits_per_customer": plan.visits_per_customer,
        });
        let (status, answer) = host
            .call(
                "POST",
                "/api/v1/demo/seed",
                &headers,
                Bytes::from(body.to_string()),
            )
            .await
            .context("cannot call /api/v1/demo/seed")?;
        if status.as_u16() == 409 && first == 0 {
            return Err(NotFresh.into());
        }
        if status.as_u16() != 201 {
            bail!(
                "/api/v1/demo/seed answered {status}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        let report: serde_json::Value =
            serde_json::from_slice(&answer).context("the seed report is not JSON")?;
        let field = |name: &str| report[name].as_u64().unwrap_or(0);
        totals.customers += field("customers");
        totals.orders += field("orders");
        totals.order_lines += field("order_lines");
        totals.complaints += field("complaints");
        totals.visits += field("visits");
        progress(&totals);
        first += count;
    }
    Ok(totals)
}

/// `crm seed`: seeds the plan into the state directory and reports the rate.
pub async fn run(host: Arc<Host>, admin_token: &str, plan: SeedPlan) -> Result<()> {
    let started = Instant::now();
    let totals = seed(&host, admin_token, &plan, |t| {
        println!(
            "crm: seeded {} of {} customers, {} orders, {} complaints ({:.0} s)",
            t.customers,
            plan.customers,
            t.orders,
            t.complaints,
            started.elapsed().as_secs_f64()
        );
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "crm: seeded {} customers, {} orders with {} lines, {} complaints, {} visits in {seconds:.1} s ({:.0} orders/s)",
        totals.customers,
        totals.orders,
        totals.order_lines,
        totals.complaints,
        totals.visits,
        totals.orders as f64 / seconds
    );
    Ok(())
}
