//! Operator API keys.

use lanyard_store::{ApiKey, Micros, NewApiKey, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::error::db;
use crate::text::has_nul;

const COLUMNS: &str = "k.id, t.slug, k.label, k.created_at, k.revoked_at";
const FROM: &str = "api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id";

fn key(row: &PgRow) -> StoreResult<ApiKey> {
    Ok(ApiKey {
        id: row.try_get(0).map_err(db)?,
        tenant: row.try_get(1).map_err(db)?,
        label: row.try_get(2).map_err(db)?,
        created_at: row.try_get(3).map_err(db)?,
        revoked_at: row.try_get(4).map_err(db)?,
    })
}

pub(crate) async fn create(conn: &mut PgConnection, new: &NewApiKey) -> StoreResult<ApiKey> {
    sqlx::query("INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&new.id)
        .bind(new.tenant.map(|s| s.tenant_id()))
        .bind(&new.hash)
        .bind(&new.label)
        .bind(new.created_at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    by_id(conn, &new.id).await
}

async fn by_id(conn: &mut PgConnection, id: &str) -> StoreResult<ApiKey> {
    let found = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE k.id = $1")).bind(id).fetch_one(&mut *conn).await.map_err(db)?;
    key(&found)
}

pub(crate) async fn list(conn: &mut PgConnection) -> StoreResult<Vec<ApiKey>> {
    let found =
        sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} ORDER BY k.created_at, k.id")).fetch_all(&mut *conn).await.map_err(db)?;
    found.iter().map(key).collect()
}

pub(crate) async fn revoke(conn: &mut PgConnection, id: &str, at: Micros) -> StoreResult<bool> {
    if has_nul(id) {
        return Ok(false);
    }
    let done = sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn by_hash(conn: &mut PgConnection, hash: &[u8]) -> StoreResult<Option<ApiKey>> {
    let found =
        sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE k.key_hash = $1")).bind(hash).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(key).transpose()
}
