//! Several Lanyard instances on one database: migrations, the tenant lock,
//! the seat invariant, the seat queue with clocks that disagree.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lanyard_store::{NewTenant, SeatState, SeatStatus, Store, StoreError, TenantScope};
use lanyard_store_postgres::{PgOptions, PgStore};
use serde_json::json;
use sqlx::Row;

use crate::support::{ScratchDb, TestDb, options, pending, user};

#[tokio::test]
async fn instances_starting_together_migrate_once() {
    let scratch = ScratchDb::new().await;
    let mut stores = Vec::new();
    for _ in 0..6 {
        stores.push(Arc::new(scratch.connect(options()).await));
    }
    let tasks: Vec<_> = stores.iter().cloned().map(|store| tokio::spawn(async move { store.migrate().await })).collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // And again, as every later start does.
    stores[0].migrate().await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(stores[0].pool()).await.unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
    assert_eq!(applied, files as i64);
    let tenant = stores[1].create_tenant(&NewTenant { slug: "a".into(), name: "A".into(), seat_limit: None, created_at: 0 }).await.unwrap();
    assert_eq!(stores[2].tenant_by_slug("a").await.unwrap(), Some(tenant));
}

#[tokio::test]
async fn a_tenants_writers_wait_for_each_other_across_instances() {
    let db = TestDb::new().await;
    let other = db.instance().await;
    let acme = db.tenant("acme").await;
    let globex = db.tenant("globex").await;
    let mut holder = db.tx(acme).await;
    holder.insert_user(&user("u1", "alice", json!({}))).await.unwrap();

    // Another instance waits for acme's lock...
    let waiting = tokio::time::timeout(Duration::from_millis(500), other.begin(acme)).await;
    assert!(waiting.is_err(), "a second transaction of the tenant did not wait: {:?}", waiting.map(|r| r.err()));
    // ...but not for globex, and reads do not wait at all.
    let mut free = tokio::time::timeout(Duration::from_secs(5), other.begin(globex)).await.unwrap().unwrap();
    free.insert_user(&user("u1", "alice", json!({}))).await.unwrap();
    free.commit().await.unwrap();
    assert_eq!(other.tenant(acme).await.unwrap().slug, "acme");

    let other = Arc::new(other);
    let next = {
        let other = other.clone();
        tokio::spawn(async move {
            let mut tx = other.begin(acme).await.unwrap();
            // It sees what the holder committed before it got the lock.
            let seen = tx.user("u1").await.unwrap().is_some();
            tx.commit().await.unwrap();
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    holder.commit().await.unwrap();
    assert!(tokio::time::timeout(Duration::from_secs(5), next).await.unwrap().unwrap());
}

/// Seats handed out by reading the counters and writing them back: only
/// the tenant lock keeps two instances from both seeing a free seat.
#[tokio::test]
async fn seats_never_exceed_the_limit_across_instances() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let mut tx = db.tx(acme).await;
    tx.set_seat_limit(Some(5)).await.unwrap();
    tx.commit().await.unwrap();
    let stores: Vec<Arc<PgStore>> = vec![Arc::new(db.instance().await), Arc::new(db.instance().await), Arc::new(db.instance().await)];
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = stores[i % stores.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin(acme).await.unwrap();
            let counters = tx.seat_counters().await.unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
            let mut u = user(&format!("u{i}"), &format!("user{i}"), json!({}));
            if counters.limit.is_none_or(|limit| counters.assigned < limit) {
                tx.adjust_seat_counters(1, 0).await.unwrap();
                u.seat = SeatState { status: SeatStatus::Assigned, assigned_at: Some(1), pending_since: None };
            } else {
                tx.adjust_seat_counters(0, 1).await.unwrap();
                u.seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(1) };
            }
            tx.insert_user(&u).await.unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let tenant = db.store.tenant(acme).await.unwrap();
    assert_eq!((tenant.seats_assigned, tenant.seats_pending), (5, 19));
    let rows = sqlx::query("SELECT seat_status, COUNT(*) FROM users GROUP BY seat_status ORDER BY seat_status")
        .fetch_all(db.store.pool())
        .await
        .unwrap();
    let counts: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(counts, [("assigned".to_string(), 5), ("pending".to_string(), 19)]);
}

async fn join(store: &PgStore, scope: TenantScope, id: &str, since: i64) {
    // As the seat rules do: count the user as pending, then write it.
    let mut tx = store.begin(scope).await.unwrap();
    tx.adjust_seat_counters(0, 1).await.unwrap();
    tx.insert_user(&pending(id, since)).await.unwrap();
    tx.commit().await.unwrap();
}

/// Instance B's clock is an hour behind A's; the queue still follows the
/// order in which users joined it.
#[tokio::test]
async fn the_seat_queue_follows_commit_order_when_clocks_disagree() {
    let db = TestDb::new().await;
    let b = db.instance().await;
    let acme = db.tenant("acme").await;
    let hour = 3_600_000_000;
    let now = 1_700_000_000_000_000;
    join(&db.store, acme, "a1", now).await;
    join(&b, acme, "b1", now - hour + 10).await;
    join(&db.store, acme, "a2", now + 20).await;
    join(&b, acme, "b2", now - hour + 30).await;
    let mut tx = b.begin(acme).await.unwrap();
    let queue: Vec<String> = tx.oldest_pending(10).await.unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(queue, ["a1", "b1", "a2", "b2"]);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_statement_waits_no_longer_than_the_timeout() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    // One connection: the one `migrate` ran on (without a timeout) keeps it afterwards.
    let impatient = db.scratch.connect(PgOptions { pool_size: 1, statement_timeout: Some(Duration::from_millis(300)) }).await;
    impatient.migrate().await.unwrap();
    let shown: String = sqlx::query_scalar("SHOW statement_timeout").fetch_one(impatient.pool()).await.unwrap();
    assert_eq!(shown, "300ms");
    let _holder = db.tx(acme).await;
    let started = Instant::now();
    let refused = impatient.begin(acme).await;
    assert!(matches!(refused, Err(StoreError::Database(_))), "{:?}", refused.err());
    assert!(started.elapsed() < Duration::from_secs(5));
    // The connection is fine afterwards.
    impatient.ping().await.unwrap();
    assert!(impatient.tenant_by_slug("acme").await.unwrap().is_some());
}

#[tokio::test]
async fn deleting_a_tenant_waits_for_its_open_transaction() {
    let db = TestDb::new().await;
    let other = Arc::new(db.instance().await);
    let acme = db.tenant("acme").await;
    let mut holder = db.tx(acme).await;
    holder.insert_user(&user("u1", "alice", json!({}))).await.unwrap();
    let deleting = {
        let other = other.clone();
        tokio::spawn(async move { other.delete_tenant(acme).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!deleting.is_finished(), "the delete did not wait for the tenant's transaction");
    holder.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), deleting).await.unwrap().unwrap().unwrap();
    assert!(db.store.user(acme, "u1").await.unwrap().is_none());
    assert!(db.store.tenant_by_slug("acme").await.unwrap().is_none());
}

#[tokio::test]
async fn a_new_token_does_not_wait_for_the_tenants_transaction() {
    let db = TestDb::new().await;
    let acme: TenantScope = db.tenant("acme").await;
    let _holder = db.tx(acme).await;
    let token = lanyard_store::NewToken { id: "t1".into(), hash: vec![1; 32], label: None, created_at: 1, expires_at: None };
    let created = tokio::time::timeout(Duration::from_secs(5), db.store.create_token(acme, &token)).await;
    assert!(created.expect("create_token waited for the tenant's lock").is_ok());
}

#[tokio::test]
async fn scratch_databases_carry_their_creation_time() {
    let scratch = ScratchDb::new().await;
    let rest = scratch.name.strip_prefix(lanyard_store_postgres::SCRATCH_PREFIX).unwrap();
    let (created, _) = rest.split_once('_').unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(created.parse::<u64>().unwrap().abs_diff(now) < 600, "{}", scratch.name);
    assert!(scratch.name.len() < 64, "PostgreSQL names stop at 63 bytes");
    assert!(lanyard_store_postgres::drop_database(&crate::support::admin_url(), "postgres").await.is_err());
}

/// Writers of one tenant wait for their turn without holding a connection:
/// a burst on one tenant leaves the pool to reads and other tenants.
#[tokio::test]
async fn a_burst_on_one_tenant_leaves_connections_for_the_rest() {
    let db = TestDb::new().await;
    let store = Arc::new(db.scratch.connect(PgOptions { pool_size: 3, statement_timeout: Some(Duration::from_secs(30)) }).await);
    let acme = db.tenant("acme").await;
    let globex = db.tenant("globex").await;
    let mut holder = store.begin(acme).await.unwrap();
    holder.adjust_seat_counters(1, 0).await.unwrap();
    let burst: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin(acme).await.unwrap();
                tx.insert_user(&user(&format!("u{i}"), &format!("user{i}"), json!({}))).await.unwrap();
                tx.commit().await.unwrap();
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let read = tokio::time::timeout(Duration::from_secs(3), store.tenant(acme)).await;
    assert_eq!(read.expect("a read found no free connection").unwrap().seats_assigned, 0);
    let mut other = tokio::time::timeout(Duration::from_secs(3), store.begin(globex)).await.expect("another tenant waited").unwrap();
    other.insert_user(&user("g1", "g1", json!({}))).await.unwrap();
    other.commit().await.unwrap();
    holder.commit().await.unwrap();
    for task in burst {
        tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
    }
    let page = store.list_users(acme, &lanyard_store::ListQuery::default()).await.unwrap();
    assert_eq!(page.total, 10);
}
