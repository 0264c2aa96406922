//! The PostgreSQL store against a real server: each test creates its own
//! database on the server of `LANYARD_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and drops it at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod filters;
mod groups;
mod instances;
mod parity;
mod schema;
mod support;
mod tenants;
mod text;
mod users;
