//! Webhook endpoints, their leases and their delivery log (SQL shared with
//! SQLite). PostgreSQL text cannot hold U+0000 (see [`crate::text`]): no id
//! holds it, so the lookups by id below find nothing for one that does, and
//! a delivery's logged text has it replaced.

use lanyard_store::{Delivery, Micros, StoreResult, Webhook};
use sqlx::PgConnection;

use crate::text::has_nul;

mod sql {
    lanyard_store::webhook_sql!(
        sqlx::PgConnection,
        row: sqlx::postgres::PgRow,
        db_error: crate::error::db,
        write_error: crate::error::db,
        log_text: crate::text::audit_text
    );
}

// The guarded functions below shadow their namesakes of this glob.
pub(crate) use sql::*;

pub(crate) async fn get(conn: &mut PgConnection, id: &str) -> StoreResult<Option<Webhook>> {
    if has_nul(id) {
        return Ok(None);
    }
    sql::get(conn, id).await
}

pub(crate) async fn set_enabled(conn: &mut PgConnection, id: &str, enabled: bool, reason: Option<&str>, at: Micros) -> StoreResult<bool> {
    if has_nul(id) {
        return Ok(false);
    }
    sql::set_enabled(conn, id, enabled, reason, at).await
}

pub(crate) async fn delete(conn: &mut PgConnection, id: &str) -> StoreResult<bool> {
    if has_nul(id) {
        return Ok(false);
    }
    sql::delete(conn, id).await
}

pub(crate) async fn deliveries(conn: &mut PgConnection, endpoint_id: &str, failed_only: bool, limit: i64) -> StoreResult<Vec<Delivery>> {
    if has_nul(endpoint_id) {
        return Ok(Vec::new());
    }
    sql::deliveries(conn, endpoint_id, failed_only, limit).await
}
