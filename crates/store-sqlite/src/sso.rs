//! SAML single sign-on: connections, domains, issued requests, the replay
//! cache and sessions (SQL shared with PostgreSQL).

use lanyard_store::StoreError;

use crate::error::db;

/// A write's error: a taken key is the `domain` or the `name` (SQLite names the taken column
/// in its message).
fn conflict(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let what = if d.message().contains("sso_domains.domain") { "domain" } else { "name" };
            return StoreError::Conflict { what };
        }
        if d.is_foreign_key_violation() {
            return StoreError::NotFound;
        }
    }
    db(e)
}

lanyard_store::sso_connection_sql!(
    sqlx::SqliteConnection,
    row: sqlx::sqlite::SqliteRow,
    db_error: crate::error::db,
    conflict: conflict,
    domain_list: "group_concat(d.domain, ' ')"
);

lanyard_store::sso_session_sql!(sqlx::SqliteConnection, row: sqlx::sqlite::SqliteRow, db_error: crate::error::db, conflict: conflict);
