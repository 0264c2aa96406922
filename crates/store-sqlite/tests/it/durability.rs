//! What survives: committed writes across reopening, and a write-ahead log
//! that is checkpointed instead of growing.

use lanyard_store::Store;
use lanyard_store_sqlite::SqliteStore;
use serde_json::json;

use crate::support::{TestDb, user};

#[tokio::test]
async fn committed_writes_survive_reopening() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    db.insert_users(acme, &[user("u1", "alice", json!({}))]).await;
    let again = SqliteStore::open(&format!("sqlite://{}", db.path().display())).await.unwrap();
    again.migrate().await.unwrap();
    assert!(again.user(acme, "u1").await.unwrap().is_some());
}

#[tokio::test]
async fn the_write_ahead_log_stays_small() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let doc = json!({"title": "x".repeat(2_000)});
    for i in 0..3_000 {
        let mut tx = db.tx(acme).await;
        tx.insert_user(&user(&format!("u{i}"), &format!("user{i}"), doc.clone())).await.unwrap();
        tx.commit().await.unwrap();
        // Readers interleave, as requests do.
        assert!(db.store.user(acme, &format!("u{i}")).await.unwrap().is_some());
    }
    let wal = std::fs::metadata(db.dir.path().join("lanyard.db-wal")).map(|m| m.len()).unwrap_or(0);
    let main = std::fs::metadata(db.path()).unwrap().len();
    assert!(main > 6_000_000, "the data went to the main file: {main} bytes");
    // Checkpoints every ~1000 pages (4 MB) keep it near that size.
    assert!(wal < 8_000_000, "the WAL grew to {wal} bytes");
}

#[tokio::test]
async fn in_memory_databases_work() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    let tenant = store
        .create_tenant(&lanyard_store::NewTenant { slug: "a".into(), name: "A".into(), seat_limit: None, created_at: 0 })
        .await
        .unwrap();
    assert_eq!(store.tenant_by_slug("a").await.unwrap(), Some(tenant));
}

#[tokio::test]
async fn in_memory_reads_do_not_wait_for_an_open_write() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    let tenant = store
        .create_tenant(&lanyard_store::NewTenant { slug: "a".into(), name: "A".into(), seat_limit: None, created_at: 0 })
        .await
        .unwrap();
    let scope = lanyard_store::TenantScope::of(&tenant);
    let mut tx = store.begin(scope).await.unwrap();
    tx.insert_user(&user("u1", "alice", json!({}))).await.unwrap();
    let read = tokio::time::timeout(std::time::Duration::from_secs(3), store.user(scope, "u2")).await;
    assert!(read.is_ok(), "the read waited for the writer");
    tx.commit().await.unwrap();
    assert!(store.user(scope, "u1").await.unwrap().is_some());
}

/// Run by `acknowledged_writes_survive_kill_9` in a child process: commits
/// users one by one into the database named by `LANYARD_CRASH_DB`, printing
/// each acknowledged id, until it is killed.
#[tokio::test]
#[ignore = "a helper process, started by acknowledged_writes_survive_kill_9"]
async fn crash_writer() {
    let Ok(path) = std::env::var("LANYARD_CRASH_DB") else { return };
    let store = SqliteStore::open(&path).await.unwrap();
    let tenant = store.tenant_by_slug("acme").await.unwrap().unwrap();
    let scope = lanyard_store::TenantScope::of(&tenant);
    for i in 0.. {
        let mut tx = store.begin(scope).await.unwrap();
        tx.insert_user(&user(&format!("u{i}"), &format!("user{i}"), json!({}))).await.unwrap();
        tx.commit().await.unwrap();
        println!("committed {i}");
    }
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    use std::io::{BufRead, BufReader};
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "durability::crash_writer", "--ignored", "--nocapture", "--test-threads=1"])
        .env("LANYARD_CRASH_DB", db.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = None;
    while let Some(Ok(line)) = lines.next() {
        if let Some(n) = line.strip_prefix("committed ").and_then(|n| n.parse::<u32>().ok()) {
            acknowledged = Some(n);
            if n >= 300 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no checkpoint runs.
    child.wait().unwrap();
    let last = acknowledged.expect("the writer acknowledged nothing");
    assert!(last >= 300, "the writer stopped after {last} commits");
    let reopened = SqliteStore::open(db.path().to_str().unwrap()).await.unwrap();
    for i in 0..=last {
        assert!(reopened.user(acme, &format!("u{i}")).await.unwrap().is_some(), "u{i} was acknowledged but lost");
    }
}
