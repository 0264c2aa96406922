//! The event outbox's reads and pruning, the same on every backend but for
//! which events are final, written once in [`event_sql!`]. Appending stays
//! in each backend (SQLite queues it in its write batch, PostgreSQL writes
//! it in the transaction).

/// Writes the event statements (`after`, `end`, `by_id`, `first_since`,
/// `prune_batch`) as `pub(crate)` functions over the backend's connection
/// type.
///
/// - `db_error` maps `sqlx::Error`; `json` decodes the `data` text.
/// - `data` is the select expression of the `data` column as text.
/// - `visible` is the condition on `e` that keeps the feed to final events:
///   none that a transaction still running could come to stand before
///   (`TRUE` where one writer commits in id order).
#[macro_export]
macro_rules! event_sql {
    (
        $conn:ty,
        row: $row:ty,
        db_error: $db:path,
        json: $json:path,
        data: $data:literal,
        visible: $visible:literal
    ) => {
        const COLUMNS: &str = concat!("e.tx_order, e.id, t.slug, e.at, e.kind, e.resource_type, e.resource_id, ", $data);
        const VISIBLE: &str = $visible;

        fn event(row: &$row) -> $crate::StoreResult<$crate::Event> {
            use ::sqlx::Row as _;
            Ok($crate::Event {
                position: $crate::EventPosition { tx_order: row.try_get(0).map_err($db)?, id: row.try_get(1).map_err($db)? },
                tenant: row.try_get(2).map_err($db)?,
                event: $crate::NewEvent {
                    at: row.try_get(3).map_err($db)?,
                    kind: row.try_get(4).map_err($db)?,
                    resource_type: row.try_get(5).map_err($db)?,
                    resource_id: row.try_get(6).map_err($db)?,
                    data: $json(row.try_get(7).map_err($db)?)?,
                },
            })
        }

        fn position(row: &$row) -> $crate::StoreResult<$crate::EventPosition> {
            use ::sqlx::Row as _;
            Ok($crate::EventPosition { tx_order: row.try_get(0).map_err($db)?, id: row.try_get(1).map_err($db)? })
        }

        /// The final events after a position, in feed order: nothing can
        /// appear behind a position once it has been returned.
        pub(crate) async fn after(
            conn: &mut $conn,
            tenant: Option<$crate::TenantId>,
            after: $crate::EventPosition,
            limit: i64,
        ) -> $crate::StoreResult<Vec<$crate::Event>> {
            // PostgreSQL must be told the type of a parameter only tested for NULL.
            let found = ::sqlx::query(&format!(
                "SELECT {COLUMNS} FROM events e JOIN tenants t ON t.id = e.tenant_id \
                 WHERE (CAST($1 AS BIGINT) IS NULL OR e.tenant_id = $1) AND (e.tx_order, e.id) > ($2, $3) AND {VISIBLE} \
                 ORDER BY e.tx_order, e.id LIMIT $4"
            ))
            .bind(tenant)
            .bind(after.tx_order)
            .bind(after.id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            found.iter().map(event).collect()
        }

        /// The last position [`after`] can return now.
        pub(crate) async fn end(conn: &mut $conn) -> $crate::StoreResult<$crate::EventPosition> {
            let found = ::sqlx::query(concat!(
                "SELECT e.tx_order, e.id FROM events e WHERE ",
                $visible,
                " ORDER BY e.tx_order DESC, e.id DESC LIMIT 1"
            ))
            .fetch_all(&mut *conn)
            .await
            .map_err($db)?;
            found.first().map_or(Ok($crate::EventPosition::default()), position)
        }

        pub(crate) async fn by_id(conn: &mut $conn, id: i64) -> $crate::StoreResult<Option<$crate::Event>> {
            let found = ::sqlx::query(&format!("SELECT {COLUMNS} FROM events e JOIN tenants t ON t.id = e.tenant_id WHERE e.id = $1"))
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .map_err($db)?;
            found.first().map(event).transpose()
        }

        /// The first event in feed order written at or after `at`. Events are
        /// pruned from the start of the feed, so this scan is short.
        pub(crate) async fn first_since(conn: &mut $conn, at: i64) -> $crate::StoreResult<Option<$crate::EventPosition>> {
            let found = ::sqlx::query("SELECT e.tx_order, e.id FROM events e WHERE e.at >= $1 ORDER BY e.tx_order, e.id LIMIT 1")
                .bind(at)
                .fetch_all(&mut *conn)
                .await
                .map_err($db)?;
            found.first().map(position).transpose()
        }

        /// Rows deleted per statement: each batch is its own short write.
        pub(crate) const PRUNE_BATCH: u64 = 5000;

        /// Deletes up to [`PRUNE_BATCH`] events before `before`, keeping the
        /// newest event so that ids are never drawn again.
        pub(crate) async fn prune_batch(conn: &mut $conn, before: $crate::EventPosition) -> $crate::StoreResult<u64> {
            let done = ::sqlx::query(
                "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE (e.tx_order, e.id) < ($1, $2) \
                 AND e.id < (SELECT MAX(id) FROM events) ORDER BY e.tx_order, e.id LIMIT $3)",
            )
            .bind(before.tx_order)
            .bind(before.id)
            .bind(PRUNE_BATCH as i64)
            .execute(&mut *conn)
            .await
            .map_err($db)?;
            Ok(done.rows_affected())
        }
    };
}
