//! The event outbox: appended inside write transactions, read in feed
//! order (the reads' SQL is shared with PostgreSQL). One writer commits in
//! id order, so every committed event is final.

use lanyard_store::{NewEvent, TenantId};

use crate::batch::Batch;

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

lanyard_store::event_sql!(
    sqlx::SqliteConnection,
    row: sqlx::sqlite::SqliteRow,
    db_error: crate::error::db,
    json: crate::rows::json,
    data: "e.data",
    visible: "TRUE"
);
