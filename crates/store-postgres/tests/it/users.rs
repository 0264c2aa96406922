//! Users: round trips, uniqueness per tenant, the seat queue, isolation.

use lanyard_store::{ListQuery, SeatState, SeatStatus, Store, StoreError, TenantScope, UserRow};
use serde_json::json;

use crate::support::{TestDb, pending, user};

#[tokio::test]
async fn a_user_round_trips_and_is_replaced_and_deleted() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let mut alice = user(
        "u1",
        "Alice",
        json!({"displayName": "Alice A", "externalId": "ext-1", "name": {"givenName": "Alice", "familyName": "A"},
               "emails": [{"value": "Alice@Example.com", "type": "work", "primary": true}, {"value": "a@home.org"}],
               "x": 1.5, "y": 100.0, "z": -3}),
    );
    alice.password_hash = Some("hash".into());
    alice.seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(5) };
    db.insert_users(acme, &[alice.clone()]).await;
    let stored = db.store.user(acme, "u1").await.unwrap().unwrap();
    assert_eq!(stored, alice);
    // The document comes back as written: keys in their order, numbers as they were.
    assert_eq!(stored.doc.to_string(), alice.doc.to_string());

    let mut changed = user("u1", "alice2", json!({"emails": [{"value": "new@example.com", "type": "home"}]}));
    changed.version = 2;
    changed.active = false;
    changed.modified_at = 2_000;
    let mut tx = db.tx(acme).await;
    tx.update_user(&changed).await.unwrap();
    assert_eq!(tx.user("u1").await.unwrap(), Some(changed.clone()));
    tx.commit().await.unwrap();
    assert_eq!(db.store.user(acme, "u1").await.unwrap(), Some(changed));
    // The email index follows the update.
    assert!(db.user_ids(acme, r#"emails.value eq "alice@example.com""#).await.is_empty());
    assert_eq!(db.user_ids(acme, r#"emails.value eq "NEW@example.com""#).await, ["u1"]);

    let mut tx = db.tx(acme).await;
    assert!(tx.delete_user("u1").await.unwrap());
    assert!(!tx.delete_user("u1").await.unwrap());
    tx.commit().await.unwrap();
    assert!(db.store.user(acme, "u1").await.unwrap().is_none());
    assert!(db.user_ids(acme, r#"emails.value eq "new@example.com""#).await.is_empty());
}

#[tokio::test]
async fn user_names_are_unique_per_tenant_case_insensitively() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let globex = db.tenant("globex").await;
    db.insert_users(acme, &[user("u1", "bjensen", json!({})), user("u2", "other", json!({}))]).await;

    // The conflict surfaces at the write; the transaction is then void:
    // every later call, commit included, answers with the same error.
    let mut tx = db.tx(acme).await;
    let taken = tx.insert_user(&user("u3", "BJensen", json!({}))).await;
    assert!(matches!(taken, Err(StoreError::Conflict { what: "userName" })), "{taken:?}");
    let after = tx.user("u1").await;
    assert!(matches!(after, Err(StoreError::Conflict { what: "userName" })), "{after:?}");
    let committed = tx.commit().await;
    assert!(matches!(committed, Err(StoreError::Conflict { what: "userName" })), "{committed:?}");

    let mut tx = db.tx(acme).await;
    let renamed = tx.update_user(&user("u2", "BJENSEN", json!({}))).await;
    assert!(matches!(renamed, Err(StoreError::Conflict { what: "userName" })), "{renamed:?}");
    drop(tx);
    let mut tx = db.tx(acme).await;
    let same_id = tx.insert_user(&user("u1", "someone-else", json!({}))).await;
    assert!(matches!(same_id, Err(StoreError::Conflict { what: "id" })), "{same_id:?}");
    drop(tx);
    assert!(db.store.user(acme, "u3").await.unwrap().is_none());
    assert_eq!(db.store.user(acme, "u2").await.unwrap().map(|u| u.user_name), Some("other".to_string()));

    // The same name, and even the same id, in another tenant is fine.
    db.insert_users(globex, &[user("u1", "BJensen", json!({}))]).await;
    assert_eq!(db.store.user(globex, "u1").await.unwrap().unwrap().user_name, "BJensen");
    assert_eq!(db.store.user(acme, "u1").await.unwrap().unwrap().user_name, "bjensen");
}

#[tokio::test]
async fn another_tenant_never_sees_rows() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let globex = db.tenant("globex").await;
    db.insert_users(acme, &[user("u1", "alice", json!({"emails": [{"value": "a@x.com"}]}))]).await;
    assert!(db.store.user(globex, "u1").await.unwrap().is_none());
    assert!(db.user_ids(globex, r#"userName eq "alice""#).await.is_empty());
    assert!(db.user_ids(globex, r#"emails.value eq "a@x.com""#).await.is_empty());
    let all = db.store.list_users(globex, &ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!((all.total, all.items.len()), (0, 0));
    assert!(db.store.groups_of_users(globex, &["u1".into()]).await.unwrap().is_empty());
    let mut tx = db.tx(globex).await;
    assert!(tx.user("u1").await.unwrap().is_none());
    assert!(tx.user_with_groups("u1").await.unwrap().is_none());
    assert!(!tx.delete_user("u1").await.unwrap());
    assert!(tx.resolve_member_ids(&["u1".into()]).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    assert!(db.store.user(acme, "u1").await.unwrap().is_some());
}

/// Users joining the queue as the seat rules add them: each in a
/// transaction that adds to the tenant's pending counter.
async fn join(db: &TestDb, scope: TenantScope, users: &[UserRow]) {
    let mut tx = db.tx(scope).await;
    for u in users {
        tx.adjust_seat_counters(0, 1).await.unwrap();
        tx.insert_user(u).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn queue(db: &TestDb, scope: TenantScope) -> Vec<(String, Option<i64>)> {
    let mut tx = db.tx(scope).await;
    let queue = tx.oldest_pending(100).await.unwrap().into_iter().map(|u| (u.id, u.seat.pending_since)).collect();
    tx.commit().await.unwrap();
    queue
}

fn entries(list: &[(&str, i64)]) -> Vec<(String, Option<i64>)> {
    list.iter().map(|(id, at)| (id.to_string(), Some(*at))).collect()
}

#[tokio::test]
async fn the_seat_queue_keeps_the_order_users_joined_it() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let mut seated = user("s", "s", json!({}));
    seated.seat = SeatState { status: SeatStatus::Assigned, assigned_at: Some(1), pending_since: None };
    db.insert_users(acme, &[seated]).await;
    // Stamps that go forward are kept as given.
    join(&db, acme, &[pending("first", 10), pending("second", 20)]).await;
    // A stamp from a clock that is behind, or equal, still queues last.
    join(&db, acme, &[pending("behind", 5), pending("tie", 21)]).await;
    assert_eq!(queue(&db, acme).await, entries(&[("first", 10), ("second", 20), ("behind", 21), ("tie", 22)]));
    let mut tx = db.tx(acme).await;
    let ids: Vec<String> = tx.oldest_pending(2).await.unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(ids, ["first", "second"]);
    assert!(tx.oldest_pending(0).await.unwrap().is_empty());
    assert!(tx.oldest_pending(-1).await.unwrap().is_empty());
    tx.commit().await.unwrap();

    // Updating a queued user (its stamp as read) keeps its place, even in
    // a transaction that queues someone else.
    let mut tx = db.tx(acme).await;
    let mut first = tx.user("first").await.unwrap().unwrap();
    let mut second = tx.user("second").await.unwrap().unwrap();
    tx.adjust_seat_counters(0, 1).await.unwrap();
    first.display_name = Some("First".into());
    tx.update_user(&first).await.unwrap();
    // Seating a user takes it out; when it joins again it queues last.
    second.seat = SeatState { status: SeatStatus::Assigned, assigned_at: Some(30), pending_since: None };
    tx.update_user(&second).await.unwrap();
    second.seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(1) };
    tx.update_user(&second).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(queue(&db, acme).await, entries(&[("first", 10), ("behind", 21), ("tie", 22), ("second", 23)]));
}

#[tokio::test]
async fn restored_users_keep_their_stamps() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    // An import writes users without moving the counters: stamps stay as
    // exported, and the queue follows them (ties by creation order).
    db.insert_users(acme, &[pending("late", 30), pending("early", 10), pending("tie-a", 20), pending("tie-b", 20)]).await;
    assert_eq!(queue(&db, acme).await, entries(&[("early", 10), ("tie-a", 20), ("tie-b", 20), ("late", 30)]));
    // Users joining afterwards queue after them.
    join(&db, acme, &[pending("new", 15)]).await;
    assert_eq!(queue(&db, acme).await[4], ("new".to_string(), Some(31)));
}

#[tokio::test]
async fn readers_do_not_wait_for_an_open_write() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    db.insert_users(acme, &[user("u1", "alice", json!({}))]).await;
    let mut tx = db.tx(acme).await;
    tx.insert_user(&user("u2", "bob", json!({}))).await.unwrap();
    assert!(tx.try_take_seat().await.unwrap());
    let read = tokio::time::timeout(std::time::Duration::from_secs(2), db.store.user(acme, "u1")).await;
    assert!(read.unwrap().unwrap().is_some());
    let tenant = tokio::time::timeout(std::time::Duration::from_secs(2), db.store.tenant(acme)).await;
    assert_eq!(tenant.unwrap().unwrap().seats_assigned, 0);
    // Uncommitted rows are invisible to readers.
    assert!(db.store.user(acme, "u2").await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert!(db.store.user(acme, "u2").await.unwrap().is_some());
}

#[tokio::test]
async fn concurrent_writers_queue_instead_of_failing() {
    let db = std::sync::Arc::new(TestDb::new().await);
    let acme = db.tenant("acme").await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.tx(acme).await;
            tx.insert_user(&user(&format!("u{i}"), &format!("user{i}"), json!({}))).await.unwrap();
            tx.try_take_seat().await.unwrap();
            tokio::task::yield_now().await;
            tx.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let page = db.store.list_users(acme, &ListQuery { limit: 0, ..Default::default() }).await.unwrap();
    assert_eq!(page.total, 20);
    assert_eq!(db.store.tenant(acme).await.unwrap().seats_assigned, 20);
}
