//! Operator API keys (SQL shared with PostgreSQL).

lanyard_store::api_key_sql!(sqlx::SqliteConnection, row: sqlx::sqlite::SqliteRow, db_error: crate::error::db, write_error: crate::error::write);
