//! Tenants, their seat counters and their SCIM tokens.

use lanyard_store::{Micros, NewTenant, NewToken, StoreError, StoreResult, Tenant, TenantId, TokenRecord};
use sqlx::{PgConnection, Row};

use crate::error::db;
use crate::rows::{self, TENANT_COLUMNS, TOKEN_COLUMNS};
use crate::text::has_nul;

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
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.slug = $1");
    let found = sqlx::query(&sql).bind(slug).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(rows::tenant).transpose()
}

pub(crate) async fn by_id(conn: &mut PgConnection, id: TenantId) -> StoreResult<Tenant> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.id = $1");
    let found = sqlx::query(&sql).bind(id).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(rows::tenant).transpose()?.ok_or(StoreError::NotFound)
}

pub(crate) async fn list(conn: &mut PgConnection) -> StoreResult<Vec<Tenant>> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t ORDER BY t.id");
    let found = sqlx::query(&sql).fetch_all(&mut *conn).await.map_err(db)?;
    found.iter().map(rows::tenant).collect()
}

pub(crate) async fn count(conn: &mut PgConnection) -> StoreResult<i64> {
    let found = sqlx::query("SELECT COUNT(*) FROM tenants").fetch_all(&mut *conn).await.map_err(db)?;
    match found.first() {
        Some(row) => row.try_get(0).map_err(db),
        None => Ok(0),
    }
}

/// Deletes the tenant; its tokens, users, groups and audit log go with it.
/// Waits for an open write transaction of the tenant (it holds the row).
pub(crate) async fn delete(conn: &mut PgConnection, id: TenantId) -> StoreResult<()> {
    let done = sqlx::query("DELETE FROM tenants WHERE id = $1").bind(id).execute(&mut *conn).await.map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn create_token(conn: &mut PgConnection, tenant: TenantId, token: &NewToken) -> StoreResult<TokenRecord> {
    sqlx::query(
        "INSERT INTO scim_tokens (id, tenant_id, token_hash, label, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token.id)
    .bind(tenant)
    .bind(&token.hash)
    .bind(&token.label)
    .bind(token.created_at)
    .bind(token.expires_at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(TokenRecord {
        id: token.id.clone(),
        tenant_id: tenant,
        label: token.label.clone(),
        created_at: token.created_at,
        last_used_at: None,
        expires_at: token.expires_at,
        revoked_at: None,
    })
}

pub(crate) async fn list_tokens(conn: &mut PgConnection, tenant: TenantId) -> StoreResult<Vec<TokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM scim_tokens k WHERE k.tenant_id = $1 ORDER BY k.created_at, k.id");
    let found = sqlx::query(&sql).bind(tenant).fetch_all(&mut *conn).await.map_err(db)?;
    found.iter().map(rows::token).collect()
}

/// Keeps the first revocation time; `false` when the tenant has no such token.
pub(crate) async fn revoke_token(conn: &mut PgConnection, tenant: TenantId, id: &str, at: Micros) -> StoreResult<bool> {
    if has_nul(id) {
        return Ok(false);
    }
    let done = sqlx::query("UPDATE scim_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn token_by_hash(conn: &mut PgConnection, hash: &[u8]) -> StoreResult<Option<(TokenRecord, Tenant)>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS}, {TENANT_COLUMNS} FROM scim_tokens k JOIN tenants t ON t.id = k.tenant_id \
         WHERE k.token_hash = $1"
    );
    let found = sqlx::query(&sql).bind(hash).fetch_all(&mut *conn).await.map_err(db)?;
    let Some(row) = found.first() else {
        return Ok(None);
    };
    let token = rows::token(row)?;
    let tenant = rows::tenant_at(row, 7)?;
    Ok(Some((token, tenant)))
}

/// Records a use; a time earlier than the one recorded is ignored.
pub(crate) async fn touch_token(conn: &mut PgConnection, id: &str, at: Micros) -> StoreResult<()> {
    if has_nul(id) {
        return Ok(());
    }
    sqlx::query("UPDATE scim_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)")
        .bind(id)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}
