//! Lanyard's domain: the rules of PRODUCT.md as plain Rust over the
//! [`Store`](lanyard_store::Store) trait. SCIM operations take an
//! authenticated [`Caller`]; operator operations take nothing but arguments.

pub mod admin;
mod audit;
pub mod auth;
pub mod events;
pub mod feed;
mod groups;
#[cfg(feature = "saml")]
pub mod oidc;
mod render;
mod resources;
mod retention;
mod search;
mod seat_admin;
mod seats;
#[cfg(feature = "saml")]
pub mod sso;
pub mod tenants;
mod transfer;
mod users;
mod verbatim;
pub mod webhooks;

use std::sync::Arc;

use lanyard_scim::ScimError;
use lanyard_scim::discovery::Limits;
use lanyard_store::{Store, StoreError};

pub use auth::Caller;
pub use lanyard_store as store;
pub use resources::{Written, WrittenJson, etag_matches};
pub use transfer::{Record, TransferCounts, TransferError};
pub use users::new_user_row;

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
    /// Signalled after each write with events, for the webhook deliverer.
    events_written: Arc<tokio::sync::Notify>,
    provisioning: Arc<admin::ProvisioningLog>,
}

impl Lanyard {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        Self {
            tokens: Arc::new(auth::TokenCache::default()),
            config: Arc::new(config),
            events_written: Arc::new(tokio::sync::Notify::new()),
            provisioning: Arc::new(admin::ProvisioningLog::new(store.clone())),
            store,
        }
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
    /// Where the HTTP layer reports each SCIM request for the admin pages.
    pub fn provisioning_log(&self) -> &admin::ProvisioningLog {
        &self.provisioning
    }

    /// Commits a write transaction and wakes the webhook deliverer (a
    /// transaction without events wakes it for nothing, which is cheap).
    pub(crate) async fn commit(&self, tx: Box<dyn lanyard_store::StoreTx>) -> Result<(), StoreError> {
        tx.commit().await?;
        self.wake_deliverer();
        Ok(())
    }
}

/// A store failure as a SCIM error. Database failures are logged here and
/// answered 500 without detail.
pub fn scim_error(e: StoreError) -> ScimError {
    match e {
        StoreError::Conflict { what } => ScimError::uniqueness(format!("{what} is already taken in this tenant")),
        StoreError::NotFound => ScimError::not_found("Resource not found"),
        StoreError::Scim(e) => e,
        StoreError::Busy(msg) => {
            tracing::warn!(error = %msg, "transaction aborted by a concurrent one");
            ScimError::new(BUSY_STATUS, None, "The database is busy with a conflicting change; retry the request")
        }
        StoreError::Database(msg) => {
            tracing::error!(error = %msg, "database error");
            ScimError::internal()
        }
    }
}

/// What a write answers when the database kept aborting it for
/// concurrent ones ([`StoreError::Busy`]): 503, which every identity
/// provider retries.
pub const BUSY_STATUS: u16 = 503;

/// Attempts of a write that the database aborts as [`StoreError::Busy`].
const WRITE_ATTEMPTS: u32 = 4;

/// Runs `attempt` again (after a short, growing, jittered pause) while it
/// fails as busy: such an attempt changed nothing.
pub(crate) async fn retry_busy<T, F, Fut>(mut attempt: F) -> Result<T, ScimError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ScimError>>,
{
    let mut n = 1;
    loop {
        match attempt().await {
            Err(e) if e.status == BUSY_STATUS && n < WRITE_ATTEMPTS => {
                let pause = rand::random::<u64>() % (5 << n);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                n += 1;
            }
            result => return result,
        }
    }
}

pub fn now() -> i64 {
    lanyard_scim::time::now_micros()
}

/// A duration in microseconds, the unit of every stored time.
pub(crate) fn micros(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> ScimError {
        scim_error(StoreError::Busy("could not serialize access".into()))
    }

    #[tokio::test]
    async fn busy_writes_are_run_again_until_they_succeed() {
        let mut attempts = 0;
        let result = retry_busy(|| {
            attempts += 1;
            let n = attempts;
            async move { if n < 3 { Err(busy()) } else { Ok(n) } }
        })
        .await;
        assert_eq!(result.ok(), Some(3));
    }

    #[tokio::test]
    async fn a_write_that_stays_busy_answers_503_and_other_errors_are_not_retried() {
        let mut attempts = 0;
        let result: Result<(), ScimError> = retry_busy(|| {
            attempts += 1;
            async { Err(busy()) }
        })
        .await;
        assert_eq!(result.err().map(|e| e.status), Some(503));
        assert_eq!(attempts, WRITE_ATTEMPTS);

        let mut attempts = 0;
        let result: Result<(), ScimError> = retry_busy(|| {
            attempts += 1;
            async { Err(ScimError::uniqueness("taken")) }
        })
        .await;
        assert_eq!(result.err().map(|e| e.status), Some(409));
        assert_eq!(attempts, 1);
    }
}
