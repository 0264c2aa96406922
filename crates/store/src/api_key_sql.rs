//! The operator API keys' SQL, the same on every backend, written once in
//! [`api_key_sql!`].

/// Writes the API key statements (`create`, `list`, `revoke`, `by_hash`)
/// as `pub(crate)` functions over the backend's connection type; `db_error`
/// maps a read's `sqlx::Error`, `write_error` an insert's.
#[macro_export]
macro_rules! api_key_sql {
    ($conn:ty, row: $row:ty, db_error: $db:path, write_error: $write:path) => {
        const COLUMNS: &str = "k.id, t.slug, k.label, k.created_at, k.revoked_at";
        const FROM: &str = "api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id";

        fn key(row: &$row) -> $crate::StoreResult<$crate::ApiKey> {
            use ::sqlx::Row as _;
            Ok($crate::ApiKey {
                id: row.try_get(0).map_err($db)?,
                tenant: row.try_get(1).map_err($db)?,
                label: row.try_get(2).map_err($db)?,
                created_at: row.try_get(3).map_err($db)?,
                revoked_at: row.try_get(4).map_err($db)?,
            })
        }

        pub(crate) async fn create(conn: &mut $conn, new: &$crate::NewApiKey) -> $crate::StoreResult<$crate::ApiKey> {
            ::sqlx::query("INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&new.id)
                .bind(new.tenant.map(|s| s.tenant_id()))
                .bind(&new.hash)
                .bind(&new.label)
                .bind(new.created_at)
                .execute(&mut *conn)
                .await
                .map_err($write)?;
            let found = ::sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE k.id = $1"))
                .bind(&new.id)
                .fetch_one(&mut *conn)
                .await
                .map_err($db)?;
            key(&found)
        }

        pub(crate) async fn list(conn: &mut $conn) -> $crate::StoreResult<Vec<$crate::ApiKey>> {
            let found = ::sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} ORDER BY k.created_at, k.id"))
                .fetch_all(&mut *conn)
                .await
                .map_err($db)?;
            found.iter().map(key).collect()
        }

        /// Revokes a key (a revoked one keeps its first revocation time);
        /// `false` if there is no such key.
        pub(crate) async fn revoke(conn: &mut $conn, id: &str, at: $crate::Micros) -> $crate::StoreResult<bool> {
            let done = ::sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
                .bind(id)
                .bind(at)
                .execute(&mut *conn)
                .await
                .map_err($db)?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn by_hash(conn: &mut $conn, hash: &[u8]) -> $crate::StoreResult<Option<$crate::ApiKey>> {
            let found = ::sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE k.key_hash = $1"))
                .bind(hash)
                .fetch_all(&mut *conn)
                .await
                .map_err($db)?;
            found.first().map(key).transpose()
        }
    };
}
