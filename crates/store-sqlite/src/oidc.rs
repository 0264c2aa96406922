//! The OpenID Connect provider's records (SQL shared with PostgreSQL).

lanyard_store::impl_oidc_store!(crate::SqliteStore, row: sqlx::sqlite::SqliteRow, read: read, write: write, db_error: crate::error::db);

lanyard_store::impl_sp_key_store!(crate::SqliteStore, read: read, write: write, db_error: crate::error::db);
