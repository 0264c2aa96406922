//! The OpenID Connect provider's records (SQL shared with PostgreSQL).

lanyard_store::impl_oidc_store!(crate::SqliteStore, row: sqlx::sqlite::SqliteRow, read: read, write: write, db_error: crate::error::db);
