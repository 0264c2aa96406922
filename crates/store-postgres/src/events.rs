//! The event outbox: appended inside write transactions, read in feed
//! order (the reads' SQL is shared with SQLite).

use lanyard_store::{NewEvent, StoreResult, TenantId};
use sqlx::PgConnection;

use crate::error::db;
use crate::text::audit_text;

pub(crate) async fn insert(conn: &mut PgConnection, tenant: TenantId, event: &NewEvent) -> StoreResult<()> {
    sqlx::query("INSERT INTO events (tenant_id, at, kind, resource_type, resource_id, data) VALUES ($1, $2, $3, $4, $5, $6::json)")
        .bind(tenant)
        .bind(event.at)
        .bind(audit_text(&event.kind))
        .bind(event.resource_type.as_deref().map(audit_text))
        .bind(event.resource_id.as_deref().map(audit_text))
        .bind(event.data.to_string())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

// Only events of transactions older than the oldest one still running are
// final: every transaction that could still commit has a larger `tx_order`.
lanyard_store::event_sql!(
    sqlx::PgConnection,
    row: sqlx::postgres::PgRow,
    db_error: crate::error::db,
    json: crate::rows::json,
    data: "e.data::text",
    visible: "e.tx_order < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
);
