//! End-to-end tests: every test starts `crm up` on `127.0.0.1:0` with its own state directory
//! and talks to it over HTTP.

mod app;
mod csv;
mod customers;
mod field_work;
mod host;
mod openapi;
mod sales;
