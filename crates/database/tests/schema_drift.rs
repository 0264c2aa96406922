//! Both migration sets, applied to fresh databases, give the same tables,
//! columns (in order) and indexes, so the backends cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use lanyard_database::{DbOptions, open_migrated};
use lanyard_store_postgres::{create_scratch_database, drop_database};
use sqlx::Row;

/// table → (columns in order, index names sorted)
type Schema = BTreeMap<String, (Vec<String>, Vec<String>)>;

fn admin_url() -> String {
    std::env::var("LANYARD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Tables the migration tools keep for themselves.
fn ours(table: &str) -> bool {
    !table.starts_with("_sqlx") && !table.starts_with("sqlite_")
}

async fn sqlite_schema(path: &str) -> Schema {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}")).await.unwrap();
    let mut schema = Schema::new();
    let tables = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetch_all(&pool).await.unwrap();
    for t in tables {
        let table: String = t.get(0);
        if !ours(&table) {
            continue;
        }
        let columns = sqlx::query("SELECT name FROM pragma_table_info(?) ORDER BY cid").bind(&table).fetch_all(&pool).await.unwrap();
        let indexes = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name")
            .bind(&table)
            .fetch_all(&pool)
            .await
            .unwrap();
        schema.insert(table, (columns.iter().map(|r| r.get(0)).collect(), indexes.iter().map(|r| r.get(0)).collect()));
    }
    pool.close().await;
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let mut schema = Schema::new();
    let tables = sqlx::query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    for t in tables {
        let table: String = t.get(0);
        if !ours(&table) {
            continue;
        }
        let columns = sqlx::query(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&table)
        .fetch_all(&pool)
        .await
        .unwrap();
        // Explicit indexes only: primary keys and UNIQUE constraints are
        // named by each engine its own way (SQLite: sqlite_autoindex_*).
        let indexes = sqlx::query(
            "SELECT i.indexname::text FROM pg_indexes i
             WHERE i.schemaname = 'public' AND i.tablename = $1
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
             ORDER BY 1",
        )
        .bind(&table)
        .fetch_all(&pool)
        .await
        .unwrap();
        schema.insert(table, (columns.iter().map(|r| r.get(0)).collect(), indexes.iter().map(|r| r.get(0)).collect()));
    }
    pool.close().await;
    schema
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_give_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drift.db").to_str().unwrap().to_string();
    drop(open_migrated(&path, &DbOptions::default()).await.unwrap());
    let sqlite = sqlite_schema(&path).await;

    let admin = admin_url();
    let (url, name) = create_scratch_database(&admin).await.unwrap();
    let store = open_migrated(&url, &DbOptions::default()).await.unwrap();
    drop(store);
    let postgres = postgres_schema(&url).await;
    drop_database(&admin, &name).await.unwrap();

    assert!(sqlite.contains_key("users") && sqlite.contains_key("tenants"), "{sqlite:#?}");
    let tables = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&sqlite), tables(&postgres), "tables differ");
    for (table, (columns, indexes)) in &sqlite {
        let (pg_columns, pg_indexes) = &postgres[table];
        assert_eq!(columns, pg_columns, "columns of {table} differ (SQLite left, PostgreSQL right)");
        assert_eq!(indexes, pg_indexes, "indexes of {table} differ (SQLite left, PostgreSQL right)");
    }
}
