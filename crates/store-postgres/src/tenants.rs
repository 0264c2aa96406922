//! Tenants, their seat counters and their SCIM tokens (SQL shared with
//! SQLite but for creating a tenant). PostgreSQL text cannot hold U+0000
//! (see [`crate::text`]): no slug or token id holds it, so the calls below
//! that look one up do nothing for one that does.

use lanyard_store::{Micros, NewTenant, StoreError, StoreResult, Tenant, TenantId};
use sqlx::{PgConnection, Row};

use crate::error::db;
use crate::text::has_nul;

mod sql {
    lanyard_store::tenant_sql!(sqlx::PgConnection, row: sqlx::postgres::PgRow, db_error: crate::error::db, write_error: crate::error::db);
}

// The guarded functions below shadow their namesakes of this glob.
pub(crate) use sql::*;

/// Saves a tenant; PostgreSQL returns the id its sequence drew.
pub(crate) async fn create(conn: &mut PgConnection, tenant: &NewTenant) -> StoreResult<Tenant> {
    let found = sqlx::query("INSERT INTO tenants (slug, name, seat_limit, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(&tenant.slug)
        .bind(&tenant.name)
        .bind(tenant.seat_limit)
        .bind(tenant.created_at)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    let id = found.first().ok_or_else(|| StoreError::Database("the new tenant has no id".into()))?.try_get(0).map_err(db)?;
    Ok(Tenant {
        id,
        slug: tenant.slug.clone(),
        name: tenant.name.clone(),
        seat_limit: tenant.seat_limit,
        seats_assigned: 0,
        seats_pending: 0,
        created_at: tenant.created_at,
    })
}

pub(crate) async fn by_slug(conn: &mut PgConnection, slug: &str) -> StoreResult<Option<Tenant>> {
    if has_nul(slug) {
        return Ok(None);
    }
    sql::by_slug(conn, slug).await
}

pub(crate) async fn revoke_token(conn: &mut PgConnection, tenant: TenantId, id: &str, at: Micros) -> StoreResult<bool> {
    if has_nul(id) {
        return Ok(false);
    }
    sql::revoke_token(conn, tenant, id, at).await
}

pub(crate) async fn touch_token(conn: &mut PgConnection, id: &str, at: Micros) -> StoreResult<()> {
    if has_nul(id) {
        return Ok(());
    }
    sql::touch_token(conn, id, at).await
}
