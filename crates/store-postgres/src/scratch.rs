//! Throwaway databases for tests: the test kit creates one per test on a
//! shared server and drops it afterwards.
//!
//! ```no_run
//! # async fn example() -> lanyard_store::StoreResult<()> {
//! use lanyard_store::Store;
//! use lanyard_store_postgres::{PgOptions, PgStore, create_scratch_database, drop_database};
//! let admin = "postgres://postgres@127.0.0.1:5432/test";
//! let (url, name) = create_scratch_database(admin).await?;
//! let store = PgStore::connect(&url, PgOptions::default()).await?;
//! store.migrate().await?;
//! // … the test …
//! store.close().await;
//! drop_database(admin, &name).await?;
//! # Ok(())
//! # }
//! ```

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use lanyard_store::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor};

/// Scratch database names start with this, so leftovers are easy to find:
/// `lanyard_t_<created, Unix seconds>_<random>`. The creation time lets a
/// cleanup of leftovers spare the databases of runs still going.
pub const SCRATCH_PREFIX: &str = "lanyard_t_";

async fn admin(admin_url: &str) -> StoreResult<PgConnection> {
    let options = PgConnectOptions::from_str(admin_url).map_err(|e| StoreError::Database(format!("bad database URL: {e}")))?;
    options.connect().await.map_err(|e| StoreError::Database(format!("cannot connect to {admin_url}: {e}")))
}

/// `url` with its database (the path) replaced by `database`; the user,
/// host, port and query parameters stay.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..].find('/').map(|i| authority_start + i).unwrap_or(base.len());
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Creates an empty database named `lanyard_t_<unix seconds>_<random>` on the server of
/// `admin_url` (whose user may create databases) and returns its URL and
/// name. Run [`lanyard_store::Store::migrate`] on it before use.
pub async fn create_scratch_database(admin_url: &str) -> StoreResult<(String, String)> {
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    let name = format!("{SCRATCH_PREFIX}{created}_{}", uuid::Uuid::new_v4().simple());
    let mut conn = admin(admin_url).await?;
    let created = conn.execute(format!("CREATE DATABASE \"{name}\"").as_str()).await;
    let _ = conn.close().await;
    created.map_err(|e| StoreError::Database(format!("cannot create database {name}: {e}")))?;
    Ok((with_database(admin_url, &name), name))
}

/// Drops the database `name`, ending the sessions still connected to it.
/// Only scratch databases (named `lanyard_t_…`) are dropped; a missing one
/// is no error.
pub async fn drop_database(admin_url: &str, name: &str) -> StoreResult<()> {
    let valid = name.len() > SCRATCH_PREFIX.len()
        && name.starts_with(SCRATCH_PREFIX)
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        return Err(StoreError::Database(format!("{name:?} is not a scratch database")));
    }
    let mut conn = admin(admin_url).await?;
    let dropped = conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str()).await;
    let _ = conn.close().await;
    dropped.map(|_| ()).map_err(|e| StoreError::Database(format!("cannot drop database {name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_the_database_of_a_url() {
        assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgresql://h:5432", "x"), "postgresql://h:5432/x");
        assert_eq!(with_database("postgres://h?host=/tmp", "x"), "postgres://h/x?host=/tmp");
    }
}
