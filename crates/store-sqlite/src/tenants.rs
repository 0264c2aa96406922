//! Tenants, their seat counters and their SCIM tokens (SQL shared with
//! PostgreSQL but for creating a tenant).

use lanyard_store::{NewTenant, StoreResult, Tenant};
use sqlx::SqliteConnection;

use crate::error::write;

lanyard_store::tenant_sql!(SqliteConnection, row: sqlx::sqlite::SqliteRow, db_error: crate::error::db, write_error: crate::error::write);

/// Saves a tenant; its id is the row id SQLite gave it.
pub(crate) async fn create(conn: &mut SqliteConnection, tenant: &NewTenant) -> StoreResult<Tenant> {
    let done = sqlx::query("INSERT INTO tenants (slug, name, seat_limit, created_at) VALUES (?1, ?2, ?3, ?4)")
        .bind(&tenant.slug)
        .bind(&tenant.name)
        .bind(tenant.seat_limit)
        .bind(tenant.created_at)
        .execute(&mut *conn)
        .await
        .map_err(write)?;
    Ok(Tenant {
        id: done.last_insert_rowid(),
        slug: tenant.slug.clone(),
        name: tenant.name.clone(),
        seat_limit: tenant.seat_limit,
        seats_assigned: 0,
        seats_pending: 0,
        created_at: tenant.created_at,
    })
}
