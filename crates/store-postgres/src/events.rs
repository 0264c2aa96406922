//! The event outbox: appended inside write transactions, read in feed order.

use lanyard_store::{Event, EventPosition, NewEvent, StoreResult, TenantId};
use sqlx::{PgConnection, Row};

use crate::error::db;
use crate::rows::json;
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

/// Only events of transactions older than the oldest one still running:
/// every transaction that could still commit has a larger `tx_order`, so
/// nothing can appear behind a position once it has been returned.
pub(crate) async fn after(conn: &mut PgConnection, tenant: Option<TenantId>, after: EventPosition, limit: i64) -> StoreResult<Vec<Event>> {
    let found = sqlx::query(
        "SELECT e.tx_order, e.id, t.slug, e.at, e.kind, e.resource_type, e.resource_id, e.data::text \
         FROM events e JOIN tenants t ON t.id = e.tenant_id \
         WHERE ($1::bigint IS NULL OR e.tenant_id = $1) AND (e.tx_order, e.id) > ($2, $3) \
           AND e.tx_order < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
         ORDER BY e.tx_order, e.id LIMIT $4",
    )
    .bind(tenant)
    .bind(after.tx_order)
    .bind(after.id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    found
        .iter()
        .map(|row| {
            Ok(Event {
                position: EventPosition { tx_order: row.try_get(0).map_err(db)?, id: row.try_get(1).map_err(db)? },
                tenant: row.try_get(2).map_err(db)?,
                event: NewEvent {
                    at: row.try_get(3).map_err(db)?,
                    kind: row.try_get(4).map_err(db)?,
                    resource_type: row.try_get(5).map_err(db)?,
                    resource_id: row.try_get(6).map_err(db)?,
                    data: json(row.try_get(7).map_err(db)?)?,
                },
            })
        })
        .collect()
}
