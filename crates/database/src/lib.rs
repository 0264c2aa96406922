//! Opens Lanyard's store from the one setting operators give: a database
//! URL. `postgres://…` / `postgresql://…` is PostgreSQL (several instances
//! may share it); anything else is a SQLite file path or `sqlite://PATH`.

use std::sync::Arc;
use std::time::Duration;

use lanyard_store::{Store, StoreResult};
use lanyard_store_postgres::{PgOptions, PgStore};
use lanyard_store_sqlite::SqliteStore;

/// Connection settings; `None` keeps the backend's default.
#[derive(Debug, Clone, Default)]
pub struct DbOptions {
    /// PostgreSQL connections per instance.
    pub pool_size: Option<u32>,
    /// PostgreSQL aborts a statement that runs longer than this.
    pub statement_timeout: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") { Backend::Postgres } else { Backend::Sqlite }
    }
}

/// Opens the store at `url` without migrating it.
pub async fn open(url: &str, options: &DbOptions) -> StoreResult<Arc<dyn Store>> {
    Ok(match Backend::of(url) {
        Backend::Postgres => {
            let defaults = PgOptions::default();
            let pg = PgOptions {
                pool_size: options.pool_size.unwrap_or(defaults.pool_size),
                statement_timeout: options.statement_timeout.or(defaults.statement_timeout),
            };
            Arc::new(PgStore::connect(url, pg).await?)
        }
        Backend::Sqlite => Arc::new(SqliteStore::open(url).await?),
    })
}

/// Opens the store at `url` and applies pending migrations (safe when
/// several instances start at once: SQLite takes its write lock,
/// PostgreSQL an advisory lock).
pub async fn open_migrated(url: &str, options: &DbOptions) -> StoreResult<Arc<dyn Store>> {
    let store = open(url, options).await?;
    store.migrate().await?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_backend_by_scheme() {
        assert_eq!(Backend::of("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of("postgresql://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of("sqlite://lanyard.db"), Backend::Sqlite);
        assert_eq!(Backend::of("lanyard.db"), Backend::Sqlite);
    }
}
