//! The event outbox: appended inside write transactions, read in feed order.

use lanyard_store::{Event, EventPosition, NewEvent, StoreResult, TenantId};
use sqlx::{Row, SqliteConnection};

use crate::batch::Batch;
use crate::error::db;
use crate::rows::json;

/// Queues one event.
pub(crate) fn push(batch: &mut Batch, tenant: TenantId, event: &NewEvent) {
    batch.push(
        "INSERT INTO events (tenant_id, at, kind, resource_type, resource_id, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        vec![
            tenant.into(),
            event.at.into(),
            event.kind.as_str().into(),
            event.resource_type.clone().into(),
            event.resource_id.clone().into(),
            event.data.to_string().into(),
        ],
    );
}

/// One writer commits in id order, so every committed event is final.
pub(crate) async fn after(
    conn: &mut SqliteConnection,
    tenant: Option<TenantId>,
    after: EventPosition,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    let found = sqlx::query(
        "SELECT e.tx_order, e.id, t.slug, e.at, e.kind, e.resource_type, e.resource_id, e.data \
         FROM events e JOIN tenants t ON t.id = e.tenant_id \
         WHERE (?1 IS NULL OR e.tenant_id = ?1) AND (e.tx_order, e.id) > (?2, ?3) \
         ORDER BY e.tx_order, e.id LIMIT ?4",
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
