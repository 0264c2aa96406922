//! Webhook endpoints, their leases and their delivery log (SQL shared with
//! PostgreSQL).

lanyard_store::webhook_sql!(
    sqlx::SqliteConnection,
    row: sqlx::sqlite::SqliteRow,
    db_error: crate::error::db,
    write_error: crate::error::write,
    log_text: str::to_owned
);
