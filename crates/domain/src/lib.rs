//! Lanyard's domain: the rules of PRODUCT.md as plain Rust over the
//! [`Store`](lanyard_store::Store) trait. SCIM operations take an
//! authenticated [`Caller`]; operator operations take nothing but arguments.

mod audit;
pub mod auth;
mod groups;
mod render;
mod resources;
mod search;
mod seat_admin;
mod seats;
pub mod tenants;
mod transfer;
mod users;

use std::sync::Arc;

use lanyard_scim::ScimError;
use lanyard_scim::discovery::Limits;
use lanyard_store::{Store, StoreError};

pub use auth::Caller;
pub use lanyard_store as store;
pub use resources::{Written, etag_matches};
pub use transfer::{Record, TransferCounts, TransferError};

/// Settings the domain needs from the operator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where clients reach this server, without a trailing slash; SCIM base
    /// URLs, `meta.location` and `Location` are built from it.
    pub public_url: String,
    pub limits: Limits,
    /// Page size when a client asks for none.
    pub default_page_size: i64,
}

impl Config {
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_string(),
            limits: Limits { max_payload_size: 1024 * 1024, max_results: 1000, max_operations: lanyard_scim::patch::MAX_OPERATIONS },
            default_page_size: 100,
        }
    }

    pub fn scim_base_url(&self, slug: &str) -> String {
        format!("{}/scim/v2/{slug}", self.public_url)
    }
}

/// The application: the store, the token cache and the settings.
#[derive(Clone)]
pub struct Lanyard {
    store: Arc<dyn Store>,
    tokens: Arc<auth::TokenCache>,
    config: Arc<Config>,
}

impl Lanyard {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        Self { store, tokens: Arc::new(auth::TokenCache::default()), config: Arc::new(config) }
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// A store failure as a SCIM error. Database failures are logged here and
/// answered 500 without detail.
pub fn scim_error(e: StoreError) -> ScimError {
    match e {
        StoreError::Conflict { what } => ScimError::uniqueness(format!("{what} is already taken in this tenant")),
        StoreError::NotFound => ScimError::not_found("Resource not found"),
        StoreError::Scim(e) => e,
        StoreError::Database(msg) => {
            tracing::error!(error = %msg, "database error");
            ScimError::internal()
        }
    }
}

pub fn now() -> i64 {
    lanyard_scim::time::now_micros()
}
