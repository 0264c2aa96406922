//! The tenants' and their SCIM tokens' SQL, the same on every backend but
//! for creating a tenant (how the new id comes back differs), written once
//! in [`tenant_sql!`].

/// Writes the tenant and SCIM token statements as `pub(crate)` functions
/// over the backend's connection type, with the row decoders `tenant_at`
/// and `token` and their select lists `TENANT_COLUMNS` and `TOKEN_COLUMNS`.
/// `db_error` maps a read's `sqlx::Error`, `write_error` an insert's.
#[macro_export]
macro_rules! tenant_sql {
    ($conn:ty, row: $row:ty, db_error: $db:path, write_error: $write:path) => {
        pub(crate) const TENANT_COLUMNS: &str = "t.id, t.slug, t.name, t.seat_limit, t.seats_assigned, t.seats_pending, t.created_at";
        pub(crate) const TOKEN_COLUMNS: &str = "k.id, k.tenant_id, k.label, k.created_at, k.last_used_at, k.expires_at, k.revoked_at";

        fn tenant(row: &$row) -> $crate::StoreResult<$crate::Tenant> {
            tenant_at(row, 0)
        }

        /// A tenant whose [`TENANT_COLUMNS`] start at column `first`.
        pub(crate) fn tenant_at(row: &$row, first: usize) -> $crate::StoreResult<$crate::Tenant> {
            use ::sqlx::Row as _;
            Ok($crate::Tenant {
                id: row.try_get(first).map_err($db)?,
                slug: row.try_get(first + 1).map_err($db)?,
                name: row.try_get(first + 2).map_err($db)?,
                seat_limit: row.try_get(first + 3).map_err($db)?,
                seats_assigned: row.try_get(first + 4).map_err($db)?,
                seats_pending: row.try_get(first + 5).map_err($db)?,
                created_at: row.try_get(first + 6).map_err($db)?,
            })
        }

        pub(crate) fn token(row: &$row) -> $crate::StoreResult<$crate::TokenRecord> {
            use ::sqlx::Row as _;
            Ok($crate::TokenRecord {
                id: row.try_get(0).map_err($db)?,
                tenant_id: row.try_get(1).map_err($db)?,
                label: row.try_get(2).map_err($db)?,
                created_at: row.try_get(3).map_err($db)?,
                last_used_at: row.try_get(4).map_err($db)?,
                expires_at: row.try_get(5).map_err($db)?,
                revoked_at: row.try_get(6).map_err($db)?,
            })
        }

        pub(crate) async fn by_slug(conn: &mut $conn, slug: &str) -> $crate::StoreResult<Option<$crate::Tenant>> {
            let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.slug = $1");
            let found = ::sqlx::query(&sql).bind(slug).fetch_all(&mut *conn).await.map_err($db)?;
            found.first().map(tenant).transpose()
        }

        pub(crate) async fn by_id(conn: &mut $conn, id: $crate::TenantId) -> $crate::StoreResult<$crate::Tenant> {
            let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.id = $1");
            let found = ::sqlx::query(&sql).bind(id).fetch_all(&mut *conn).await.map_err($db)?;
            found.first().map(tenant).transpose()?.ok_or($crate::StoreError::NotFound)
        }

        pub(crate) async fn list(conn: &mut $conn) -> $crate::StoreResult<Vec<$crate::Tenant>> {
            let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t ORDER BY t.id");
            let found = ::sqlx::query(&sql).fetch_all(&mut *conn).await.map_err($db)?;
            found.iter().map(tenant).collect()
        }

        pub(crate) async fn count(conn: &mut $conn) -> $crate::StoreResult<i64> {
            use ::sqlx::Row as _;
            let found = ::sqlx::query("SELECT COUNT(*) FROM tenants").fetch_all(&mut *conn).await.map_err($db)?;
            match found.first() {
                Some(row) => row.try_get(0).map_err($db),
                None => Ok(0),
            }
        }

        /// Deletes the tenant; its tokens, users, groups and audit log go
        /// with it. On PostgreSQL it waits for an open write transaction of
        /// the tenant (which holds the row).
        pub(crate) async fn delete(conn: &mut $conn, id: $crate::TenantId) -> $crate::StoreResult<()> {
            let done = ::sqlx::query("DELETE FROM tenants WHERE id = $1").bind(id).execute(&mut *conn).await.map_err($db)?;
            if done.rows_affected() == 0 {
                return Err($crate::StoreError::NotFound);
            }
            Ok(())
        }

        pub(crate) async fn create_token(
            conn: &mut $conn,
            tenant: $crate::TenantId,
            token: &$crate::NewToken,
        ) -> $crate::StoreResult<$crate::TokenRecord> {
            ::sqlx::query(
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
            .map_err($write)?;
            Ok($crate::TokenRecord {
                id: token.id.clone(),
                tenant_id: tenant,
                label: token.label.clone(),
                created_at: token.created_at,
                last_used_at: None,
                expires_at: token.expires_at,
                revoked_at: None,
            })
        }

        pub(crate) async fn list_tokens(conn: &mut $conn, tenant: $crate::TenantId) -> $crate::StoreResult<Vec<$crate::TokenRecord>> {
            let sql = format!("SELECT {TOKEN_COLUMNS} FROM scim_tokens k WHERE k.tenant_id = $1 ORDER BY k.created_at, k.id");
            let found = ::sqlx::query(&sql).bind(tenant).fetch_all(&mut *conn).await.map_err($db)?;
            found.iter().map(token).collect()
        }

        /// Keeps the first revocation time; `false` when the tenant has no such token.
        pub(crate) async fn revoke_token(
            conn: &mut $conn,
            tenant: $crate::TenantId,
            id: &str,
            at: $crate::Micros,
        ) -> $crate::StoreResult<bool> {
            let done = ::sqlx::query("UPDATE scim_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(id)
                .bind(at)
                .execute(&mut *conn)
                .await
                .map_err($db)?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn token_by_hash(
            conn: &mut $conn,
            hash: &[u8],
        ) -> $crate::StoreResult<Option<($crate::TokenRecord, $crate::Tenant)>> {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS}, {TENANT_COLUMNS} FROM scim_tokens k JOIN tenants t ON t.id = k.tenant_id \
                 WHERE k.token_hash = $1"
            );
            let found = ::sqlx::query(&sql).bind(hash).fetch_all(&mut *conn).await.map_err($db)?;
            let Some(row) = found.first() else {
                return Ok(None);
            };
            Ok(Some((token(row)?, tenant_at(row, 7)?)))
        }

        /// Records a use; a time earlier than the one recorded is ignored.
        pub(crate) async fn touch_token(conn: &mut $conn, id: &str, at: $crate::Micros) -> $crate::StoreResult<()> {
            ::sqlx::query("UPDATE scim_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)")
                .bind(id)
                .bind(at)
                .execute(&mut *conn)
                .await
                .map_err($db)?;
            Ok(())
        }
    };
}
