//! Opening the connection pool.

use std::str::FromStr;
use std::time::Duration;

use lanyard_store::{StoreError, StoreResult};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// How long a caller waits for a pooled connection (or for its turn to
/// write a tenant).
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// How the store talks to PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Connections per instance (at least 1). Every open write transaction
    /// holds one until it commits or is dropped.
    pub pool_size: u32,
    /// The longest any statement may run, waiting for a tenant's row lock
    /// included; `None` leaves the server's setting.
    pub statement_timeout: Option<Duration>,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions { pool_size: 16, statement_timeout: Some(Duration::from_secs(30)) }
    }
}

/// See [`configured`].
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

/// The settings every connection starts with.
fn configured(url: &str, options: &PgOptions) -> StoreResult<PgConnectOptions> {
    let mut connect = PgConnectOptions::from_str(url).map_err(|e| StoreError::Database(format!("bad database URL: {e}")))?;
    if connect.get_application_name().is_none() {
        connect = connect.application_name("lanyard");
    }
    // A session left idle inside a transaction holds the tenant's row lock
    // and keeps the event feed (which waits for the oldest transaction)
    // from moving: end it.
    connect = connect.options([("idle_in_transaction_session_timeout", IDLE_IN_TRANSACTION_TIMEOUT)]);
    if let Some(timeout) = options.statement_timeout {
        // 0 would mean "no timeout": round a sub-millisecond timeout up.
        let ms = timeout.as_millis().max(1);
        connect = connect.options([("statement_timeout", format!("{ms}ms"))]);
    }
    Ok(connect)
}

pub(crate) async fn open(url: &str, options: &PgOptions) -> StoreResult<PgPool> {
    let connect = configured(url, options)?;
    PgPoolOptions::new()
        .max_connections(options.pool_size.max(1))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // sqlx already pings a connection when it comes back to the pool
        // (and drops it if the server is gone); a second ping on the way
        // out would add a round trip to every statement.
        .test_before_acquire(false)
        .connect_with(connect)
        .await
        .map_err(|e| StoreError::Database(format!("cannot open the database: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_timeout_is_a_startup_option() {
        let options = PgOptions { pool_size: 2, statement_timeout: Some(Duration::from_millis(1500)) };
        let connect = configured("postgres://u@localhost:5433/db", &options).unwrap();
        assert_eq!(connect.get_options(), Some("-c idle_in_transaction_session_timeout=60s -c statement_timeout=1500ms"));
        assert_eq!(connect.get_port(), 5433);
        assert_eq!(connect.get_database(), Some("db"));
        let none = configured("postgres://u@localhost/db", &PgOptions { statement_timeout: None, ..PgOptions::default() }).unwrap();
        assert_eq!(none.get_options(), Some("-c idle_in_transaction_session_timeout=60s"));
    }

    #[test]
    fn bad_urls_are_errors() {
        assert!(configured("postgres://u@localhost:notaport/db", &PgOptions::default()).is_err());
    }
}
