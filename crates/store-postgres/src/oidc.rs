//! The OpenID Connect provider's records (SQL shared with SQLite).

lanyard_store::impl_oidc_store!(crate::PgStore, row: sqlx::postgres::PgRow, read: conn, write: conn, db_error: crate::error::db);

lanyard_store::impl_sp_key_store!(crate::PgStore, read: conn, write: conn, db_error: crate::error::db);
