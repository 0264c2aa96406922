//! The machine's limit, for comparison with Lanyard's figures: the same
//! HTTP stack (axum, hyper, tokio) and the same SQLite driver and settings
//! (sqlx, WAL, synchronous=NORMAL, one writer and four readers, lent by
//! Lanyard's own connection pool; mimalloc) with no Lanyard in between.
//!
//! `lanyard-baseline LISTEN DB_FILE ROWS` seeds ROWS users (the JSON a
//! Lanyard user holds) and serves `GET /hello` (a constant), `GET /read/{id}`
//! (a primary-key read) and `POST /insert` (one insert).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use lanyard_store_sqlite::pool::ConnPool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};

/// The allocator `lanyard` uses, so the limit is measured alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone)]
struct Pools {
    reader: Arc<ConnPool>,
    writer: Arc<ConnPool>,
}

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, file, rows] = args.as_slice() else {
        anyhow::bail!("usage: lanyard-baseline LISTEN DB_FILE ROWS");
    };
    let rows: i64 = rows.parse().context("ROWS")?;
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{file}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let writer = ConnPool::open(&options, 1, ACQUIRE_TIMEOUT).await?;
    {
        let mut conn = writer.acquire().await?;
        sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, user_name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)")
            .execute(&mut *conn)
            .await?;
        seed(&mut conn, rows).await?;
    }
    let reader = ConnPool::open(&options.read_only(true), 4, ACQUIRE_TIMEOUT).await?;
    let app = Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route("/read/{id}", get(read))
        .route("/insert", post(insert))
        .with_state(Pools { reader: Arc::new(reader), writer: Arc::new(writer) });
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

fn doc(n: i64) -> String {
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user{n}@bench.example.com","name":{{"givenName":"Bench","familyName":"User{n}"}},"displayName":"Bench User {n}","emails":[{{"value":"user{n}@bench.example.com","type":"work","primary":true}}],"active":true}}"#
    )
}

async fn seed(writer: &mut SqliteConnection, rows: i64) -> anyhow::Result<()> {
    let mut tx = writer.begin().await?;
    for n in 0..rows {
        sqlx::query("INSERT INTO users (id, user_name, doc) VALUES (?1, ?2, ?3)")
            .bind(n + 1)
            .bind(format!("user{n}@bench.example.com"))
            .bind(doc(n))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn read(State(p): State<Pools>, Path(id): Path<i64>) -> Result<String, StatusCode> {
    let mut conn = p.reader.acquire().await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    sqlx::query_scalar::<_, String>("SELECT doc FROM users WHERE id = ?1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .ok_or(StatusCode::NOT_FOUND)
}

async fn insert(State(p): State<Pools>, body: String) -> Result<String, StatusCode> {
    let n: i64 = rand_id();
    let mut conn = p.writer.acquire().await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    sqlx::query_scalar::<_, i64>("INSERT INTO users (user_name, doc) VALUES (?1, ?2) RETURNING id")
        .bind(format!("new{n}@bench.example.com"))
        .bind(body)
        .fetch_one(&mut *conn)
        .await
        .map(|id| id.to_string())
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

/// A unique-enough name suffix for inserted rows.
fn rand_id() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static NEXT: AtomicI64 = AtomicI64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
