//! SAML single sign-on: connections, domains, issued requests, the replay
//! cache and sessions (SQL shared with SQLite).

use lanyard_store::StoreError;

use crate::error::db;

/// A write's error: a taken key is the `domain` or the `name` (PostgreSQL names the violated
/// constraint).
fn conflict(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let what = if d.constraint() == Some("sso_domains_pkey") { "domain" } else { "name" };
            return StoreError::Conflict { what };
        }
        if d.is_foreign_key_violation() {
            return StoreError::NotFound;
        }
    }
    db(e)
}

lanyard_store::sso_connection_sql!(
    sqlx::PgConnection,
    row: sqlx::postgres::PgRow,
    db_error: crate::error::db,
    conflict: conflict,
    domain_list: "string_agg(d.domain, ' ' ORDER BY d.domain)"
);

lanyard_store::sso_session_sql!(sqlx::PgConnection, row: sqlx::postgres::PgRow, db_error: crate::error::db, conflict: conflict);
