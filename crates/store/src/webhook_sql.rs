//! The webhook endpoints' SQL, the same on every backend, written once in
//! [`webhook_sql!`]. Where PostgreSQL must be told a parameter's type (one
//! only tested for NULL), the statement says `CAST($n AS …)`, which SQLite
//! reads alike.

/// Writes the webhook statements (endpoints, leases, the delivery log) as
/// `pub(crate)` functions over the backend's connection type.
///
/// - `db_error` maps a read's `sqlx::Error`, `write_error` an insert's.
/// - `log_text` turns a delivery's error and response text into what the
///   backend can store: `fn(&str) -> String`.
#[macro_export]
macro_rules! webhook_sql {
    ($conn:ty, row: $row:ty, db_error: $db:path, write_error: $write:path, log_text: $log_text:path) => {
        const COLUMNS: &str = "w.id, t.slug, w.url, w.secret, w.event_types, w.enabled, w.disabled_reason, w.created_at, \
             w.cursor_tx, w.cursor_id, w.next_attempt_at, w.attempts, w.lease_owner, w.lease_until";
        const FROM: &str = "webhook_endpoints w LEFT JOIN tenants t ON t.id = w.tenant_id";

        fn webhook(row: &$row) -> $crate::StoreResult<$crate::Webhook> {
            use ::sqlx::Row as _;
            let types: Option<String> = row.try_get(4).map_err($db)?;
            Ok($crate::Webhook {
                id: row.try_get(0).map_err($db)?,
                tenant: row.try_get(1).map_err($db)?,
                url: row.try_get(2).map_err($db)?,
                secret: row.try_get(3).map_err($db)?,
                event_types: types.map(|t| t.split(',').map(str::to_string).collect()),
                enabled: row.try_get(5).map_err($db)?,
                disabled_reason: row.try_get(6).map_err($db)?,
                created_at: row.try_get(7).map_err($db)?,
                cursor: $crate::EventPosition { tx_order: row.try_get(8).map_err($db)?, id: row.try_get(9).map_err($db)? },
                next_attempt_at: row.try_get(10).map_err($db)?,
                attempts: row.try_get(11).map_err($db)?,
                lease_owner: row.try_get(12).map_err($db)?,
                lease_until: row.try_get(13).map_err($db)?,
            })
        }

        pub(crate) async fn create(conn: &mut $conn, new: &$crate::NewWebhook) -> $crate::StoreResult<$crate::Webhook> {
            ::sqlx::query(
                "INSERT INTO webhook_endpoints (id, tenant_id, url, secret, event_types, enabled, created_at, cursor_tx, cursor_id, \
                 next_attempt_at, attempts) VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7, $8, $6, 0)",
            )
            .bind(&new.id)
            .bind(new.tenant.map(|s| s.tenant_id()))
            .bind(&new.url)
            .bind(&new.secret)
            .bind(new.event_types.as_ref().map(|t| t.join(",")))
            .bind(new.created_at)
            .bind(new.cursor.tx_order)
            .bind(new.cursor.id)
            .execute(&mut *conn)
            .await
            .map_err($write)?;
            get(conn, &new.id).await?.ok_or($crate::StoreError::NotFound)
        }

        pub(crate) async fn get(conn: &mut $conn, id: &str) -> $crate::StoreResult<Option<$crate::Webhook>> {
            let found = ::sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE w.id = $1"))
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .map_err($db)?;
            found.first().map(webhook).transpose()
        }

        /// A tenant's endpoints, or every endpoint for `None`.
        pub(crate) async fn list(conn: &mut $conn, tenant: Option<$crate::TenantId>) -> $crate::StoreResult<Vec<$crate::Webhook>> {
            let found = ::sqlx::query(&format!(
                "SELECT {COLUMNS} FROM {FROM} WHERE (CAST($1 AS BIGINT) IS NULL OR w.tenant_id = $1) ORDER BY w.created_at, w.id"
            ))
            .bind(tenant)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            found.iter().map(webhook).collect()
        }

        /// Enabling starts delivering again at once, with a fresh count of attempts.
        pub(crate) async fn set_enabled(
            conn: &mut $conn,
            id: &str,
            enabled: bool,
            reason: Option<&str>,
            at: $crate::Micros,
        ) -> $crate::StoreResult<bool> {
            let done = ::sqlx::query(
                "UPDATE webhook_endpoints SET enabled = $2, disabled_reason = $3, \
                 attempts = CASE WHEN $2 THEN 0 ELSE attempts END, \
                 next_attempt_at = CASE WHEN $2 THEN $4 ELSE next_attempt_at END WHERE id = $1",
            )
            .bind(id)
            .bind(enabled)
            .bind(reason.filter(|_| !enabled))
            .bind(at)
            .execute(&mut *conn)
            .await
            .map_err($db)?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn delete(conn: &mut $conn, id: &str) -> $crate::StoreResult<bool> {
            let done = ::sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&mut *conn).await.map_err($db)?;
            Ok(done.rows_affected() > 0)
        }

        /// Enabled endpoints whose next attempt is due and that no one holds.
        pub(crate) async fn due(conn: &mut $conn, now: $crate::Micros) -> $crate::StoreResult<Vec<$crate::Webhook>> {
            let found = ::sqlx::query(&format!(
                "SELECT {COLUMNS} FROM {FROM} WHERE w.enabled AND w.next_attempt_at <= $1 \
                 AND (w.lease_until IS NULL OR w.lease_until < $1) ORDER BY w.next_attempt_at"
            ))
            .bind(now)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            found.iter().map(webhook).collect()
        }

        /// Takes an enabled endpoint's lease unless someone holds it; `None`
        /// if it could not be had.
        pub(crate) async fn lease(
            conn: &mut $conn,
            id: &str,
            owner: &str,
            until: $crate::Micros,
            now: $crate::Micros,
        ) -> $crate::StoreResult<Option<$crate::Webhook>> {
            let done = ::sqlx::query(
                "UPDATE webhook_endpoints SET lease_owner = $2, lease_until = $3 \
                 WHERE id = $1 AND enabled AND (lease_until IS NULL OR lease_until < $4)",
            )
            .bind(id)
            .bind(owner)
            .bind(until)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err($db)?;
            if done.rows_affected() == 0 {
                return Ok(None);
            }
            get(conn, id).await
        }

        pub(crate) async fn release(conn: &mut $conn, id: &str, owner: &str) -> $crate::StoreResult<()> {
            ::sqlx::query("UPDATE webhook_endpoints SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2")
                .bind(id)
                .bind(owner)
                .execute(&mut *conn)
                .await
                .map_err($db)?;
            Ok(())
        }

        /// Moves the cursor of an endpoint the caller still leases (and logs
        /// the delivery) in one transaction; `false` if the lease was lost.
        pub(crate) async fn record_progress(conn: &mut $conn, p: &$crate::WebhookProgress) -> $crate::StoreResult<bool> {
            use ::sqlx::Connection as _;
            let mut tx = conn.begin().await.map_err($db)?;
            let done = ::sqlx::query(
                "UPDATE webhook_endpoints SET cursor_tx = $3, cursor_id = $4, attempts = $5, next_attempt_at = $6, lease_until = $7, \
                 enabled = (CAST($8 AS TEXT) IS NULL), disabled_reason = $8 \
                 WHERE id = $1 AND lease_owner = $2 AND enabled",
            )
            .bind(&p.endpoint_id)
            .bind(&p.lease_owner)
            .bind(p.cursor.tx_order)
            .bind(p.cursor.id)
            .bind(p.attempts)
            .bind(p.next_attempt_at)
            .bind(p.lease_until)
            .bind(&p.disable)
            .execute(&mut *tx)
            .await
            .map_err($db)?;
            if let Some(delivery) = &p.delivery {
                insert_delivery(&mut tx, delivery).await?;
            }
            tx.commit().await.map_err($db)?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn insert_delivery(conn: &mut $conn, d: &$crate::NewDelivery) -> $crate::StoreResult<()> {
            // The endpoint may be gone meanwhile: then there is nothing to log against.
            ::sqlx::query(
                "INSERT INTO webhook_deliveries (endpoint_id, event_id, attempt, at, status, error, response, duration_ms, replay) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1)",
            )
            .bind(&d.endpoint_id)
            .bind(d.event_id)
            .bind(d.attempt)
            .bind(d.at)
            .bind(d.status)
            .bind(d.error.as_deref().map($log_text))
            .bind(d.response.as_deref().map($log_text))
            .bind(d.duration_ms)
            .bind(d.replay)
            .execute(&mut *conn)
            .await
            .map_err($db)?;
            Ok(())
        }

        /// An endpoint's newest deliveries, newest first; with `failed_only`,
        /// those without a 2xx answer.
        pub(crate) async fn deliveries(
            conn: &mut $conn,
            endpoint_id: &str,
            failed_only: bool,
            limit: i64,
        ) -> $crate::StoreResult<Vec<$crate::Delivery>> {
            use ::sqlx::Row as _;
            let found = ::sqlx::query(
                "SELECT id, endpoint_id, event_id, attempt, at, status, error, response, duration_ms, replay FROM webhook_deliveries \
                 WHERE endpoint_id = $1 AND (NOT $2 OR status IS NULL OR status < 200 OR status > 299) ORDER BY id DESC LIMIT $3",
            )
            .bind(endpoint_id)
            .bind(failed_only)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            found
                .iter()
                .map(|row| {
                    Ok($crate::Delivery {
                        id: row.try_get(0).map_err($db)?,
                        delivery: $crate::NewDelivery {
                            endpoint_id: row.try_get(1).map_err($db)?,
                            event_id: row.try_get(2).map_err($db)?,
                            attempt: row.try_get(3).map_err($db)?,
                            at: row.try_get(4).map_err($db)?,
                            status: row.try_get(5).map_err($db)?,
                            error: row.try_get(6).map_err($db)?,
                            response: row.try_get(7).map_err($db)?,
                            duration_ms: row.try_get(8).map_err($db)?,
                            replay: row.try_get(9).map_err($db)?,
                        },
                    })
                })
                .collect()
        }

        /// Rows deleted per statement: each batch is its own short write.
        pub(crate) const PRUNE_BATCH: u64 = 5000;

        /// Deletes up to [`PRUNE_BATCH`] deliveries logged before `before`.
        pub(crate) async fn prune_deliveries_batch(conn: &mut $conn, before: $crate::Micros) -> $crate::StoreResult<u64> {
            let done = ::sqlx::query(
                "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE at < $1 ORDER BY at LIMIT $2)",
            )
            .bind(before)
            .bind(PRUNE_BATCH as i64)
            .execute(&mut *conn)
            .await
            .map_err($db)?;
            Ok(done.rows_affected())
        }
    };
}
