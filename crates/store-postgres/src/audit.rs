//! The audit log: appended inside write transactions, read in id order.

use lanyard_store::{AuditEvent, AuditQuery, NewAuditEvent, StoreResult, TenantId};
use sqlx::PgConnection;

use crate::error::db;
use crate::rows::{self, AUDIT_COLUMNS};
use crate::text::{audit_text, has_nul};

pub(crate) async fn insert(conn: &mut PgConnection, tenant: TenantId, event: &NewAuditEvent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (tenant_id, at, actor, action, resource_type, resource_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7::json)",
    )
    .bind(tenant)
    .bind(event.at)
    .bind(audit_text(&event.actor))
    .bind(audit_text(&event.action))
    .bind(event.resource_type.as_deref().map(audit_text))
    .bind(event.resource_id.as_deref().map(audit_text))
    .bind(event.detail.to_string())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Events oldest first; a `limit` of 0 or less means no limit.
pub(crate) async fn list(conn: &mut PgConnection, tenant: TenantId, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
    // Stored text holds no U+0000: such a prefix or id matches nothing.
    if [&query.action_prefix, &query.resource_id, &query.actor].iter().any(|t| t.as_deref().is_some_and(has_nul)) {
        return Ok(Vec::new());
    }
    let order = if query.newest_first { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events a WHERE a.tenant_id = $1 \
         AND ($2::bigint IS NULL OR a.at >= $2) \
         AND ($3::text IS NULL OR left(a.action, length($3)) = $3) \
         AND ($4::text IS NULL OR a.resource_id = $4) \
         AND ($5::bigint IS NULL OR a.id > $5) \
         AND ($7::bigint IS NULL OR a.at < $7) \
         AND ($8::text IS NULL OR a.actor = $8) \
         AND ($9::bigint IS NULL OR a.id < $9) \
         ORDER BY a.id {order} LIMIT $6"
    );
    // LIMIT NULL is no limit.
    let limit = (query.limit > 0).then_some(query.limit);
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
pub(crate) async fn prune_batch(conn: &mut PgConnection, before: i64) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < $1 ORDER BY id LIMIT $2)")
        .bind(before)
        .bind(PRUNE_BATCH as i64)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected())
}
