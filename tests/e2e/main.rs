//! End-to-end tests: every test starts `crm up` on `127.0.0.1:0` with its own state directory
//! and talks to it over HTTP, except `deploy`, which checks the files in `deploy/`.

mod accounts;
mod app;
mod browser;
mod contract;
mod csv;
mod customers;
mod deploy;
mod escalation;
mod field_work;
mod host;
mod idempotency;
mod openapi;
mod orders_status;
mod portal;
mod portal_api;
mod portal_complaints;
mod portal_journey;
mod reports;
mod sales;
mod service;
mod stock;
mod web_orders;
