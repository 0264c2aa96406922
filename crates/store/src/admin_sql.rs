//! The admin records' SQL, the same on every backend (`$n` placeholders
//! work on SQLite and PostgreSQL alike), written once in [`admin_sql!`].

/// Writes the admin statements as `pub(crate)` functions over the
/// backend's connection type: accounts, sessions, setup tokens, the
/// provisioning request log, and `browse_users`.
///
/// - `db_error` maps a read's `sqlx::Error`, `write_error` an insert's
///   (a unique violation must become `StoreError::Conflict`).
/// - `browse_sql` builds the browse query, which is the backend's own
///   (planner hints differ): `fn(&UserBrowse) -> StoreResult<(String,
///   Vec<BrowseArg>)>`, whose SQL takes the tenant as its first argument
///   and selects the `user` decoder's columns, then `u.pk` and
///   `u.user_name_ci` (for the next page's cursor).
#[macro_export]
macro_rules! admin_sql {
    (
        $conn:ty,
        row: $row:ty,
        db_error: $db:path,
        write_error: $write:path,
        browse_sql: $browse_sql:path,
        user: $user:path
    ) => {
        const ACCOUNT_COLUMNS: &str = "a.id, a.email, a.password_hash, a.role, a.tenant_id, t.slug, a.created_at, a.last_login_at";
        const ACCOUNT_FROM: &str = "admin_accounts a LEFT JOIN tenants t ON t.id = a.tenant_id";

        fn account(row: &$row) -> $crate::StoreResult<$crate::AdminAccount> {
            use ::sqlx::Row as _;
            let role: String = row.try_get(3).map_err($db)?;
            let tenant: Option<$crate::TenantId> = row.try_get(4).map_err($db)?;
            let role = match (role.as_str(), tenant) {
                ("operator", _) => $crate::AdminRole::Operator,
                ("tenant", Some(id)) => $crate::AdminRole::TenantAdmin(id),
                (other, _) => {
                    return Err($crate::StoreError::Database(format!("admin account with role {other:?} and tenant {tenant:?}")));
                }
            };
            Ok($crate::AdminAccount {
                id: row.try_get(0).map_err($db)?,
                email: row.try_get(1).map_err($db)?,
                password_hash: row.try_get(2).map_err($db)?,
                role,
                tenant_slug: row.try_get(5).map_err($db)?,
                created_at: row.try_get(6).map_err($db)?,
                last_login_at: row.try_get(7).map_err($db)?,
            })
        }

        /// Saves an account; an email in use is `Conflict { what: "email" }`.
        pub(crate) async fn create_account(conn: &mut $conn, a: &$crate::AdminAccount) -> $crate::StoreResult<()> {
            let (role, tenant) = match a.role {
                $crate::AdminRole::Operator => ("operator", None),
                $crate::AdminRole::TenantAdmin(id) => ("tenant", Some(id)),
            };
            ::sqlx::query("INSERT INTO admin_accounts (id, email, password_hash, role, tenant_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&a.id)
                .bind(&a.email)
                .bind(&a.password_hash)
                .bind(role)
                .bind(tenant)
                .bind(a.created_at)
                .execute(&mut *conn)
                .await
                .map_err(|e| match $write(e) {
                    $crate::StoreError::Conflict { .. } => $crate::StoreError::Conflict { what: "email" },
                    other => other,
                })?;
            Ok(())
        }

        pub(crate) async fn account_by_email(conn: &mut $conn, email: &str) -> $crate::StoreResult<Option<$crate::AdminAccount>> {
            let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} WHERE a.email = $1");
            let found = ::sqlx::query(&sql).bind(email).fetch_all(&mut *conn).await.map_err($db)?;
            found.first().map(account).transpose()
        }

        pub(crate) async fn list_accounts(conn: &mut $conn) -> $crate::StoreResult<Vec<$crate::AdminAccount>> {
            let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} ORDER BY a.created_at, a.id");
            let found = ::sqlx::query(&sql).fetch_all(&mut *conn).await.map_err($db)?;
            found.iter().map(account).collect()
        }

        pub(crate) async fn count_accounts(conn: &mut $conn) -> $crate::StoreResult<i64> {
            use ::sqlx::Row as _;
            let found = ::sqlx::query("SELECT COUNT(*) FROM admin_accounts").fetch_all(&mut *conn).await.map_err($db)?;
            found.first().map_or(Ok(0), |r| r.try_get(0).map_err($db))
        }

        pub(crate) async fn touch_login(conn: &mut $conn, id: &str, at: $crate::Micros) -> $crate::StoreResult<()> {
            ::sqlx::query("UPDATE admin_accounts SET last_login_at = $2 WHERE id = $1")
                .bind(id)
                .bind(at)
                .execute(&mut *conn)
                .await
                .map_err($db)?;
            Ok(())
        }

        pub(crate) async fn create_session(conn: &mut $conn, s: &$crate::NewAdminSession) -> $crate::StoreResult<()> {
            ::sqlx::query("INSERT INTO admin_sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(&s.token_hash)
                .bind(&s.account_id)
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&mut *conn)
                .await
                .map_err($write)?;
            Ok(())
        }

        /// The account of an unexpired session, by the hash of its cookie.
        pub(crate) async fn session(conn: &mut $conn, hash: &[u8], now: $crate::Micros) -> $crate::StoreResult<Option<$crate::AdminAccount>> {
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM admin_sessions s JOIN admin_accounts a ON a.id = s.account_id \
                 LEFT JOIN tenants t ON t.id = a.tenant_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2"
            );
            let found = ::sqlx::query(&sql).bind(hash).bind(now).fetch_all(&mut *conn).await.map_err($db)?;
            found.first().map(account).transpose()
        }

        pub(crate) async fn delete_session(conn: &mut $conn, hash: &[u8]) -> $crate::StoreResult<()> {
            ::sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1").bind(hash).execute(&mut *conn).await.map_err($db)?;
            Ok(())
        }

        pub(crate) async fn insert_setup_token(
            conn: &mut $conn,
            hash: &[u8],
            at: $crate::Micros,
            expires: $crate::Micros,
        ) -> $crate::StoreResult<()> {
            ::sqlx::query("INSERT INTO admin_setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
                .bind(hash)
                .bind(at)
                .bind(expires)
                .execute(&mut *conn)
                .await
                .map_err($write)?;
            Ok(())
        }

        /// Uses up an unexpired setup token; `false` if there was none.
        pub(crate) async fn take_setup_token(conn: &mut $conn, hash: &[u8], now: $crate::Micros) -> $crate::StoreResult<bool> {
            let done = ::sqlx::query("DELETE FROM admin_setup_tokens WHERE token_hash = $1 AND expires_at > $2")
                .bind(hash)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map_err($db)?;
            Ok(done.rows_affected() == 1)
        }

        /// Deletes expired sessions and setup tokens; returns how many went.
        pub(crate) async fn prune(conn: &mut $conn, now: $crate::Micros) -> $crate::StoreResult<u64> {
            let mut deleted = 0;
            for sql in ["DELETE FROM admin_sessions WHERE expires_at <= $1", "DELETE FROM admin_setup_tokens WHERE expires_at <= $1"] {
                deleted += ::sqlx::query(sql).bind(now).execute(&mut *conn).await.map_err($db)?.rows_affected();
            }
            Ok(deleted)
        }

        /// Appends requests to their tenants' logs, then trims each log to
        /// its newest `keep` rows, in one transaction.
        pub(crate) async fn record_provisioning(
            conn: &mut $conn,
            requests: &[($crate::TenantId, $crate::ProvisioningRequest)],
            keep: i64,
        ) -> $crate::StoreResult<()> {
            use ::sqlx::Connection as _;
            let mut tx = conn.begin().await.map_err($db)?;
            let mut rest = requests;
            while !rest.is_empty() {
                // Rows per INSERT come in a few fixed sizes, so each size's
                // statement is prepared once and then found in the cache.
                let rows = [32, 8, 1].into_iter().find(|&n| n <= rest.len()).unwrap_or(rest.len());
                let (chunk, after) = rest.split_at(rows);
                rest = after;
                let values = (0..chunk.len())
                    .map(|i| {
                        let p = i * 6;
                        format!("(${}, ${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4, p + 5, p + 6)
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!("INSERT INTO provisioning_requests (tenant_id, at, method, path, status, duration_micros) VALUES {values}");
                let mut query = ::sqlx::query(&sql);
                for (tenant, r) in chunk {
                    query = query.bind(tenant).bind(r.at).bind(&r.method).bind(&r.path).bind(i32::from(r.status)).bind(r.duration_micros);
                }
                query.execute(&mut *tx).await.map_err($write)?;
            }
            let mut tenants: Vec<$crate::TenantId> = requests.iter().map(|(t, _)| *t).collect();
            tenants.sort_unstable();
            tenants.dedup();
            for tenant in tenants {
                ::sqlx::query(
                    "DELETE FROM provisioning_requests WHERE tenant_id = $1 AND id <= \
                     (SELECT id FROM provisioning_requests WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
                )
                .bind(tenant)
                .bind(keep)
                .execute(&mut *tx)
                .await
                .map_err($db)?;
            }
            tx.commit().await.map_err($write)
        }

        /// A tenant's newest requests, newest first.
        pub(crate) async fn provisioning_requests(
            conn: &mut $conn,
            tenant: $crate::TenantId,
            limit: i64,
        ) -> $crate::StoreResult<Vec<$crate::ProvisioningRequest>> {
            use ::sqlx::Row as _;
            let found = ::sqlx::query(
                "SELECT at, method, path, status, duration_micros FROM provisioning_requests WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(tenant)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            found
                .iter()
                .map(|r| {
                    let status: i32 = r.try_get(3).map_err($db)?;
                    Ok($crate::ProvisioningRequest {
                        at: r.try_get(0).map_err($db)?,
                        method: r.try_get(1).map_err($db)?,
                        path: r.try_get(2).map_err($db)?,
                        status: u16::try_from(status).unwrap_or(0),
                        duration_micros: r.try_get(4).map_err($db)?,
                    })
                })
                .collect()
        }

        /// A page of a tenant's users: one more row than the page is
        /// fetched to know whether a next page exists.
        pub(crate) async fn browse_users(
            conn: &mut $conn,
            tenant: $crate::TenantId,
            query: &$crate::UserBrowse,
        ) -> $crate::StoreResult<$crate::BrowsePage<$crate::UserRow>> {
            use ::sqlx::Row as _;
            let (sql, args) = $browse_sql(query)?;
            let mut q = ::sqlx::query(&sql).bind(tenant);
            for arg in &args {
                q = match arg {
                    $crate::BrowseArg::Bool(b) => q.bind(*b),
                    $crate::BrowseArg::Text(t) => q.bind(t.as_str()),
                    $crate::BrowseArg::Int(i) => q.bind(*i),
                };
            }
            let found = q.fetch_all(&mut *conn).await.map_err($db)?;
            let limit = usize::try_from(query.limit.clamp(1, 1000)).unwrap_or(1000);
            let next = match found.len() > limit {
                true => match (found.get(limit - 1), &query.user_name_prefix) {
                    (Some(last), Some(_)) => Some($crate::BrowseCursor::Name(last.try_get(14).map_err($db)?).to_string()),
                    (Some(last), None) => Some($crate::BrowseCursor::Pk(last.try_get(13).map_err($db)?).to_string()),
                    (None, _) => None,
                },
                false => None,
            };
            let items = found.iter().take(limit).map($user).collect::<$crate::StoreResult<Vec<_>>>()?;
            Ok($crate::BrowsePage { items, next })
        }
    };
}
