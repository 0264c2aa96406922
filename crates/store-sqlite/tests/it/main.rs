//! The SQLite store against a temporary database file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod durability;
mod filters;
mod groups;
mod support;
mod tenants;
mod users;
