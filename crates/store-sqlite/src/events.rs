//! The event outbox: appended inside write transactions, read in feed order.

use lanyard_store::{Event, EventPosition, NewEvent, StoreResult, TenantId};
use sqlx::sqlite::SqliteRow;
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
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events e JOIN tenants t ON t.id = e.tenant_id \
         WHERE (?1 IS NULL OR e.tenant_id = ?1) AND (e.tx_order, e.id) > (?2, ?3) \
         ORDER BY e.tx_order, e.id LIMIT ?4",
    ))
    .bind(tenant)
    .bind(after.tx_order)
    .bind(after.id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    found.iter().map(event).collect()
}

const COLUMNS: &str = "e.tx_order, e.id, t.slug, e.at, e.kind, e.resource_type, e.resource_id, e.data";

fn event(row: &SqliteRow) -> StoreResult<Event> {
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
}

/// The last position [`after`] can return now.
pub(crate) async fn end(conn: &mut SqliteConnection) -> StoreResult<EventPosition> {
    let found = sqlx::query("SELECT e.tx_order, e.id FROM events e WHERE TRUE ORDER BY e.tx_order DESC, e.id DESC LIMIT 1")
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    match found.first() {
        Some(row) => Ok(EventPosition { tx_order: row.try_get(0).map_err(db)?, id: row.try_get(1).map_err(db)? }),
        None => Ok(EventPosition::default()),
    }
}

pub(crate) async fn by_id(conn: &mut SqliteConnection, id: i64) -> StoreResult<Option<Event>> {
    let found = sqlx::query(&format!("SELECT {COLUMNS} FROM events e JOIN tenants t ON t.id = e.tenant_id WHERE e.id = ?1"))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    found.first().map(event).transpose()
}

/// The first event in feed order written at or after `at`. Events are
/// pruned from the start of the feed, so this scan is short.
pub(crate) async fn first_since(conn: &mut SqliteConnection, at: i64) -> StoreResult<Option<EventPosition>> {
    let found = sqlx::query("SELECT e.tx_order, e.id FROM events e WHERE e.at >= ?1 ORDER BY e.tx_order, e.id LIMIT 1")
        .bind(at)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    found.first().map(|row| Ok(EventPosition { tx_order: row.try_get(0).map_err(db)?, id: row.try_get(1).map_err(db)? })).transpose()
}

/// Rows deleted per statement: each batch is its own short write.
pub(crate) const PRUNE_BATCH: u64 = 5000;

/// Deletes up to [`PRUNE_BATCH`] events before `before`, keeping the
/// newest event so that ids are never drawn again.
pub(crate) async fn prune_batch(conn: &mut SqliteConnection, before: EventPosition) -> StoreResult<u64> {
    let done = sqlx::query(
        "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE (e.tx_order, e.id) < (?1, ?2) \
         AND e.id < (SELECT MAX(id) FROM events) ORDER BY e.tx_order, e.id LIMIT ?3)",
    )
    .bind(before.tx_order)
    .bind(before.id)
    .bind(PRUNE_BATCH as i64)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(done.rows_affected())
}
