//! The audit log: appended inside write transactions, read in id order.

use lanyard_store::{AuditEvent, AuditQuery, NewAuditEvent, StoreResult, TenantId};
use sqlx::SqliteConnection;

use crate::batch::Batch;
use crate::error::db;
use crate::rows::{self, AUDIT_COLUMNS};

/// Queues one event.
pub(crate) fn push(batch: &mut Batch, tenant: TenantId, event: &NewAuditEvent) {
    batch.push(
        "INSERT INTO audit_events (tenant_id, at, actor, action, resource_type, resource_id, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        vec![
            tenant.into(),
            event.at.into(),
            event.actor.as_str().into(),
            event.action.as_str().into(),
            event.resource_type.clone().into(),
            event.resource_id.clone().into(),
            event.detail.to_string().into(),
        ],
    );
}

/// Events oldest first; a `limit` of 0 or less means no limit.
pub(crate) async fn list(conn: &mut SqliteConnection, tenant: TenantId, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
    let order = if query.newest_first { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events a WHERE a.tenant_id = ?1 \
         AND (?2 IS NULL OR a.at >= ?2) \
         AND (?3 IS NULL OR substr(a.action, 1, length(?3)) = ?3) \
         AND (?4 IS NULL OR a.resource_id = ?4) \
         AND (?5 IS NULL OR a.id > ?5) \
         AND (?7 IS NULL OR a.at < ?7) \
         AND (?8 IS NULL OR a.actor = ?8) \
         AND (?9 IS NULL OR a.id < ?9) \
         ORDER BY a.id {order} LIMIT ?6"
    );
    let limit = if query.limit > 0 { query.limit } else { -1 };
    let found = sqlx::query(&sql)
        .bind(tenant)
        .bind(query.since)
        .bind(&query.action_prefix)
        .bind(&query.resource_id)
        .bind(query.after_id)
        .bind(limit)
        .bind(query.until)
        .bind(&query.actor)
        .bind(query.before_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    found.iter().map(rows::audit).collect()
}

/// Rows deleted per statement: each batch is its own short write.
pub(crate) const PRUNE_BATCH: u64 = 5000;

/// Deletes up to [`PRUNE_BATCH`] of the oldest events older than `before`.
pub(crate) async fn prune_batch(conn: &mut SqliteConnection, before: i64) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ?1 ORDER BY id LIMIT ?2)")
        .bind(before)
        .bind(PRUNE_BATCH as i64)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected())
}
