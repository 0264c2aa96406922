//! The SCIM 2.0 protocol as Lanyard speaks it (RFC 7643, RFC 7644).
//!
//! Everything here is pure: attribute schemas and their characteristics, the
//! filter parser with its in-memory evaluator and SQL translation, the PATCH
//! engine, attribute projection, discovery documents, list responses and
//! errors. No HTTP and no database: the web and store crates build on it.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod error;
pub mod schema;

pub use error::{ScimError, ScimType};
pub mod discovery;
pub mod filter;
pub mod list;
pub mod patch;
pub mod projection;
pub mod resource;
pub mod shown_as_stored;
pub mod sql;
pub mod time;
