//! `crm`: the project's local, Spin-compatible host, built on wasmtime.
//!
//! It runs the same `spin.toml` and `.wasm` files as Spin 4.x: `crm build` runs the manifest's
//! build commands, `crm up` serves the application, `crm bench` measures it. It must never offer
//! guests anything Spin lacks, nor accept a manifest Spin would reject; the few test-only
//! controls it has (a movable clock, a periodic route call) live outside any guest interface.

pub mod bench;
pub mod bench_escalation;
pub mod bench_intake;
pub mod bench_portal;
pub mod bench_startup;
pub mod builder;
pub mod clock;
pub mod compose;
pub mod engine;
pub mod group_sync;
pub mod guest_log;
pub mod isolate;
pub mod kv;
pub mod manifest;
pub mod outbound;
pub mod routes;
pub mod runtime_config;
pub mod seed;
pub mod server;
pub mod spin_api;
pub mod sqlite;
pub mod state;
pub mod up;
pub mod variables;
