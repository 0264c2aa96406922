//! What `lanyard export` / `lanyard import` need beyond the ordinary
//! calls: tenants with their counters, and tokens with their hashes.

use lanyard_store::{StoreError, StoreResult, Tenant, TenantId, TokenRecord};
use sqlx::{PgConnection, Row};

use crate::error::db;
use crate::tenants::{TOKEN_COLUMNS, token};

pub(crate) async fn import_tenant(conn: &mut PgConnection, t: &Tenant) -> StoreResult<Tenant> {
    let found = sqlx::query(
        "INSERT INTO tenants (slug, name, seat_limit, seats_assigned, seats_pending, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&t.slug)
    .bind(&t.name)
    .bind(t.seat_limit)
    .bind(t.seats_assigned)
    .bind(t.seats_pending)
    .bind(t.created_at)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let id = found.first().ok_or_else(|| StoreError::Database("the new tenant has no id".into()))?.try_get(0).map_err(db)?;
    Ok(Tenant { id, ..t.clone() })
}

pub(crate) async fn tokens_with_hashes(conn: &mut PgConnection, tenant: TenantId) -> StoreResult<Vec<(TokenRecord, Vec<u8>)>> {
    let sql = format!("SELECT {TOKEN_COLUMNS}, k.token_hash FROM scim_tokens k WHERE k.tenant_id = $1 ORDER BY k.created_at, k.id");
    let found = sqlx::query(&sql).bind(tenant).fetch_all(&mut *conn).await.map_err(db)?;
    found.iter().map(|row| Ok((token(row)?, row.try_get::<Vec<u8>, _>("token_hash").map_err(db)?))).collect()
}

pub(crate) async fn import_token(conn: &mut PgConnection, tenant: TenantId, t: &TokenRecord, hash: &[u8]) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO scim_tokens (id, tenant_id, token_hash, label, created_at, last_used_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&t.id)
    .bind(tenant)
    .bind(hash)
    .bind(&t.label)
    .bind(t.created_at)
    .bind(t.last_used_at)
    .bind(t.expires_at)
    .bind(t.revoked_at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}
