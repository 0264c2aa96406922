//! The SAML connections' SQL (connections, their domains, issued requests,
//! the replay cache), the same on every backend but for one aggregate,
//! written once in [`sso_connection_sql!`]. The sessions' statements are
//! [`sso_session_sql!`](crate::sso_session_sql).

/// Writes the SSO connection statements as `pub(crate)` functions over the
/// backend's connection type, and `prune` for every SSO table.
///
/// - `db_error` maps `sqlx::Error`; `conflict` maps a write's, naming a
///   taken `domain` or `name` (the backends tell them apart differently).
/// - `domain_list` is the SQL aggregate of a connection's domains `d.domain`
///   as one space-separated text (`group_concat` or `string_agg`).
#[macro_export]
macro_rules! sso_connection_sql {
    ($conn:ty, row: $row:ty, db_error: $db:path, conflict: $conflict:path, domain_list: $domain_list:literal) => {
        const COLUMNS: &str = concat!(
            "c.id, c.tenant_id, c.name, c.idp_kind, c.idp_entity_id, c.sso_url, c.certificates, c.metadata_url, \
             c.metadata_fetched_at, c.attribute_map, c.jit, c.allow_idp_initiated, c.created_at, \
             COALESCE((SELECT ",
            $domain_list,
            " FROM sso_domains d WHERE d.connection_id = c.id), '')"
        );

        fn connection(row: &$row) -> $crate::StoreResult<$crate::SsoConnection> {
            use ::sqlx::Row as _;
            let certificates: String = row.try_get(6).map_err($db)?;
            let domains: String = row.try_get(13).map_err($db)?;
            let mut domains: Vec<String> = domains.split_whitespace().map(str::to_string).collect();
            domains.sort();
            Ok($crate::SsoConnection {
                id: row.try_get(0).map_err($db)?,
                tenant_id: row.try_get(1).map_err($db)?,
                name: row.try_get(2).map_err($db)?,
                idp_kind: row.try_get(3).map_err($db)?,
                idp_entity_id: row.try_get(4).map_err($db)?,
                sso_url: row.try_get(5).map_err($db)?,
                certificates: certificates.split_whitespace().map(str::to_string).collect(),
                metadata_url: row.try_get(7).map_err($db)?,
                metadata_fetched_at: row.try_get(8).map_err($db)?,
                attribute_map: row.try_get(9).map_err($db)?,
                jit: row.try_get(10).map_err($db)?,
                allow_idp_initiated: row.try_get(11).map_err($db)?,
                created_at: row.try_get(12).map_err($db)?,
                domains,
            })
        }

        /// Saves a connection with its domains, in one transaction.
        pub(crate) async fn create(conn: &mut $conn, tenant: $crate::TenantId, c: &$crate::SsoConnection) -> $crate::StoreResult<()> {
            use ::sqlx::Acquire as _;
            let mut tx = conn.begin().await.map_err($db)?;
            ::sqlx::query(
                "INSERT INTO sso_connections (id, tenant_id, name, idp_kind, idp_entity_id, sso_url, certificates, metadata_url, \
                 metadata_fetched_at, attribute_map, jit, allow_idp_initiated, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(&c.id)
            .bind(tenant)
            .bind(&c.name)
            .bind(&c.idp_kind)
            .bind(&c.idp_entity_id)
            .bind(&c.sso_url)
            .bind(c.certificates.join(" "))
            .bind(&c.metadata_url)
            .bind(c.metadata_fetched_at)
            .bind(&c.attribute_map)
            .bind(c.jit)
            .bind(c.allow_idp_initiated)
            .bind(c.created_at)
            .execute(&mut *tx)
            .await
            .map_err($conflict)?;
            for domain in &c.domains {
                ::sqlx::query("INSERT INTO sso_domains (domain, tenant_id, connection_id) VALUES ($1, $2, $3)")
                    .bind(domain)
                    .bind(tenant)
                    .bind(&c.id)
                    .execute(&mut *tx)
                    .await
                    .map_err($conflict)?;
            }
            tx.commit().await.map_err($db)
        }

        pub(crate) async fn list(conn: &mut $conn, tenant: $crate::TenantId) -> $crate::StoreResult<Vec<$crate::SsoConnection>> {
            let rows =
                ::sqlx::query(&format!("SELECT {COLUMNS} FROM sso_connections c WHERE c.tenant_id = $1 ORDER BY c.created_at, c.id"))
                    .bind(tenant)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err($db)?;
            rows.iter().map(connection).collect()
        }

        /// A connection by id, of the tenant given or of any for `None`.
        pub(crate) async fn get(
            conn: &mut $conn,
            tenant: Option<$crate::TenantId>,
            id: &str,
        ) -> $crate::StoreResult<Option<$crate::SsoConnection>> {
            // PostgreSQL must be told the type of a parameter only tested for NULL.
            let rows = ::sqlx::query(&format!(
                "SELECT {COLUMNS} FROM sso_connections c WHERE c.id = $1 AND (CAST($2 AS BIGINT) IS NULL OR c.tenant_id = $2)"
            ))
            .bind(id)
            .bind(tenant)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            rows.first().map(connection).transpose()
        }

        pub(crate) async fn by_domain(conn: &mut $conn, domain: &str) -> $crate::StoreResult<Option<$crate::SsoConnection>> {
            let rows = ::sqlx::query(&format!(
                "SELECT {COLUMNS} FROM sso_connections c JOIN sso_domains d0 ON d0.connection_id = c.id WHERE d0.domain = $1"
            ))
            .bind(domain)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            rows.first().map(connection).transpose()
        }

        /// Connections with a metadata URL not fetched since `before`.
        pub(crate) async fn to_refresh(conn: &mut $conn, before: $crate::Micros) -> $crate::StoreResult<Vec<$crate::SsoConnection>> {
            let rows = ::sqlx::query(&format!(
                "SELECT {COLUMNS} FROM sso_connections c WHERE c.metadata_url IS NOT NULL \
                 AND (c.metadata_fetched_at IS NULL OR c.metadata_fetched_at < $1)"
            ))
            .bind(before)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            rows.iter().map(connection).collect()
        }

        pub(crate) async fn delete(conn: &mut $conn, tenant: $crate::TenantId, id: &str) -> $crate::StoreResult<bool> {
            let done = ::sqlx::query("DELETE FROM sso_connections WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err($db)?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn update_idp(
            conn: &mut $conn,
            tenant: $crate::TenantId,
            id: &str,
            u: &$crate::IdpUpdate,
        ) -> $crate::StoreResult<()> {
            ::sqlx::query(
                "UPDATE sso_connections SET idp_entity_id = $3, sso_url = $4, certificates = $5, metadata_fetched_at = $6 \
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(id)
            .bind(&u.idp_entity_id)
            .bind(&u.sso_url)
            .bind(u.certificates.join(" "))
            .bind(u.fetched_at)
            .execute(&mut *conn)
            .await
            .map_err($db)?;
            Ok(())
        }

        pub(crate) async fn insert_request(conn: &mut $conn, tenant: $crate::TenantId, r: &$crate::SsoRequest) -> $crate::StoreResult<()> {
            ::sqlx::query("INSERT INTO sso_requests (id, tenant_id, connection_id, return_to, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&r.id)
                .bind(tenant)
                .bind(&r.connection_id)
                .bind(&r.return_to)
                .bind(r.expires_at)
                .execute(&mut *conn)
                .await
                .map_err($conflict)?;
            Ok(())
        }

        /// Uses up an issued request: it is deleted whether or not it has
        /// expired, and returned only if it has not.
        pub(crate) async fn take_request(
            conn: &mut $conn,
            connection_id: &str,
            id: &str,
            now: $crate::Micros,
        ) -> $crate::StoreResult<Option<$crate::SsoRequest>> {
            use ::sqlx::Row as _;
            let rows = ::sqlx::query(
                "DELETE FROM sso_requests WHERE id = $1 AND connection_id = $2 RETURNING id, connection_id, return_to, expires_at",
            )
            .bind(id)
            .bind(connection_id)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            let Some(row) = rows.first() else { return Ok(None) };
            let request = $crate::SsoRequest {
                id: row.try_get(0).map_err($db)?,
                connection_id: row.try_get(1).map_err($db)?,
                return_to: row.try_get(2).map_err($db)?,
                expires_at: row.try_get(3).map_err($db)?,
            };
            Ok((request.expires_at > now).then_some(request))
        }

        /// Records an assertion id; `false` if it was seen before (a replay).
        pub(crate) async fn remember_assertion(
            conn: &mut $conn,
            connection_id: &str,
            assertion_id: &str,
            expires_at: $crate::Micros,
        ) -> $crate::StoreResult<bool> {
            let done = ::sqlx::query(
                "INSERT INTO sso_assertions (connection_id, assertion_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(connection_id)
            .bind(assertion_id)
            .bind(expires_at)
            .execute(&mut *conn)
            .await
            .map_err($db)?;
            Ok(done.rows_affected() == 1)
        }

        /// Deletes expired requests, assertion ids and sessions.
        pub(crate) async fn prune(conn: &mut $conn, now: $crate::Micros) -> $crate::StoreResult<u64> {
            let mut removed = 0;
            for table in ["sso_requests", "sso_assertions", "sso_sessions"] {
                let done = ::sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
                    .bind(now)
                    .execute(&mut *conn)
                    .await
                    .map_err($db)?;
                removed += done.rows_affected();
            }
            Ok(removed)
        }
    };
}
