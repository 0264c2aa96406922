//! Operator API keys (SQL shared with SQLite).

use lanyard_store::{Micros, StoreResult};
use sqlx::PgConnection;

use crate::text::has_nul;

mod sql {
    lanyard_store::api_key_sql!(sqlx::PgConnection, row: sqlx::postgres::PgRow, db_error: crate::error::db, write_error: crate::error::db);
}

// `revoke` below shadows its namesake of this glob.
pub(crate) use sql::*;

/// No key id holds U+0000, which PostgreSQL text cannot (see [`crate::text`]).
pub(crate) async fn revoke(conn: &mut PgConnection, id: &str, at: Micros) -> StoreResult<bool> {
    if has_nul(id) {
        return Ok(false);
    }
    sql::revoke(conn, id, at).await
}
