//! The PostgreSQL schema against the SQLite one: the same tables, columns
//! (in order, with the same nullability), indexes (by name and columns),
//! unique keys and foreign keys. Types differ on purpose and are not
//! compared.

use std::collections::BTreeSet;
use std::path::Path;

use sqlx::{Connection, Row, SqliteConnection};

use crate::support::TestDb;

/// A schema as both databases can describe it.
#[derive(Debug, PartialEq, Eq, Default)]
struct Schema {
    /// `table: column (NOT NULL), …` in column order.
    tables: Vec<String>,
    /// `index ON table (columns)` for the indexes made by CREATE INDEX.
    indexes: BTreeSet<String>,
    /// `table UNIQUE (columns)`, primary keys included.
    unique: BTreeSet<String>,
    /// `table (columns) -> table (columns) ON DELETE action`.
    foreign: BTreeSet<String>,
}

const IGNORED: &str = "_sqlx_migrations";

async fn sqlite_schema() -> Schema {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store-sqlite/migrations");
    sqlx::migrate::Migrator::new(dir).await.unwrap().run(&mut conn).await.unwrap();
    let mut schema = Schema::default();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ?1 ORDER BY name")
            .bind(IGNORED)
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for table in &tables {
        let columns = sqlx::query("SELECT name, \"notnull\" OR pk > 0 FROM pragma_table_info(?1) ORDER BY cid")
            .bind(table)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let columns: Vec<String> = columns.iter().map(|c| column(c.get(0), c.get(1))).collect();
        schema.tables.push(format!("{table}: {}", columns.join(", ")));

        for index in sqlx::query("SELECT name, origin FROM pragma_index_list(?1)").bind(table).fetch_all(&mut conn).await.unwrap() {
            let (name, origin): (String, String) = (index.get(0), index.get(1));
            let cols: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info(?1) ORDER BY seqno").bind(&name).fetch_all(&mut conn).await.unwrap();
            match origin.as_str() {
                "c" => drop(schema.indexes.insert(format!("{name} ON {table} ({})", cols.join(", ")))),
                _ => drop(schema.unique.insert(format!("{table} UNIQUE ({})", cols.join(", ")))),
            }
        }
        // An INTEGER PRIMARY KEY is the rowid: no index, but a key all the same.
        let pk: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
            .bind(table)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        if !pk.is_empty() {
            schema.unique.insert(format!("{table} UNIQUE ({})", pk.join(", ")));
        }

        let keys = sqlx::query("SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq")
            .bind(table)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let mut by_id: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>, String)> = Default::default();
        for key in &keys {
            let entry = by_id.entry(key.get(0)).or_insert_with(|| (key.get(1), Vec::new(), Vec::new(), key.get(4)));
            entry.1.push(key.get(2));
            entry.2.push(key.get(3));
        }
        for (parent, from, to, on_delete) in by_id.into_values() {
            schema.foreign.insert(format!("{table} ({}) -> {parent} ({}) ON DELETE {on_delete}", from.join(", "), to.join(", ")));
        }
    }
    schema.tables.sort();
    schema
}

async fn postgres_schema(db: &TestDb) -> Schema {
    let pool = db.store.pool();
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1 ORDER BY table_name",
    )
    .bind(IGNORED)
    .fetch_all(pool)
    .await
    .unwrap();
    for table in &tables {
        let columns = sqlx::query(
            "SELECT column_name::text, is_nullable = 'NO' FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap();
        let columns: Vec<String> = columns.iter().map(|c| column(c.get(0), c.get(1))).collect();
        schema.tables.push(format!("{table}: {}", columns.join(", ")));
    }
    // Indexes with their columns; those behind a constraint are keys.
    let indexes = sqlx::query(
        "SELECT i.relname::text, t.relname::text, \
                (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY AS k (attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum), \
                EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.contype IN ('p', 'u')) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace \
         WHERE s.nspname = current_schema() AND t.relname <> $1",
    )
    .bind(IGNORED)
    .fetch_all(pool)
    .await
    .unwrap();
    for index in &indexes {
        let (name, table, cols, is_key): (String, String, String, bool) = (index.get(0), index.get(1), index.get(2), index.get(3));
        if is_key {
            schema.unique.insert(format!("{table} UNIQUE ({cols})"));
        } else {
            schema.indexes.insert(format!("{name} ON {table} ({cols})"));
        }
    }
    let keys = sqlx::query(
        "SELECT t.relname::text, p.relname::text, \
                (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), \
                (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY AS k (attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum), \
                CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' \
                                   WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace \
         WHERE c.contype = 'f' AND s.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for key in &keys {
        let (table, parent, from, to, on_delete): (String, String, String, String, String) =
            (key.get(0), key.get(1), key.get(2), key.get(3), key.get(4));
        schema.foreign.insert(format!("{table} ({from}) -> {parent} ({to}) ON DELETE {on_delete}"));
    }
    schema
}

fn column(name: String, not_null: bool) -> String {
    if not_null { format!("{name} NOT NULL") } else { name }
}

#[tokio::test]
async fn the_schema_matches_the_sqlite_schema() {
    let db = TestDb::new().await;
    let (sqlite, postgres) = (sqlite_schema().await, postgres_schema(&db).await);
    assert!(!sqlite.tables.is_empty() && !sqlite.indexes.is_empty());
    assert_eq!(postgres.tables, sqlite.tables);
    assert_eq!(postgres.indexes, sqlite.indexes);
    assert_eq!(postgres.unique, sqlite.unique);
    assert_eq!(postgres.foreign, sqlite.foreign);
}

/// Every text column sorts and compares by bytes.
#[tokio::test]
async fn every_text_column_is_collated_by_bytes() {
    let db = TestDb::new().await;
    let loose: Vec<String> = sqlx::query_scalar(
        "SELECT table_name || '.' || column_name FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> $1 AND data_type = 'text' \
         AND COALESCE(collation_name, '') <> 'C'",
    )
    .bind(IGNORED)
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    assert!(loose.is_empty(), "{loose:?}");
}
