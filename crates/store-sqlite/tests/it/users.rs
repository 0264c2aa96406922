//! Users: round trips, uniqueness per tenant, the seat queue, isolation.

use lanyard_store::{ListQuery, SeatState, SeatStatus, Store, StoreError};
use serde_json::json;

use crate::support::{TestDb, user};

#[tokio::test]
async fn a_user_round_trips_and_is_replaced_and_deleted() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let mut alice = user(
        "u1",
        "Alice",
        json!({"displayName": "Alice A", "externalId": "ext-1",
               "emails": [{"value": "Alice@Example.com", "type": "work", "primary": true}, {"value": "a@home.org"}]}),
    );
    alice.password_hash = Some("hash".into());
    alice.seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(5) };
    db.insert_users(acme, &[alice.clone()]).await;
    assert_eq!(db.store.user(acme, "u1").await.unwrap(), Some(alice.clone()));

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

/// Reads user `u1`, changes it, writes it back in the same transaction.
async fn update(db: &TestDb, scope: lanyard_store::TenantScope, change: impl Fn(&mut lanyard_store::UserRow)) {
    let mut tx = db.tx(scope).await;
    let mut row = tx.user("u1").await.unwrap().unwrap();
    change(&mut row);
    row.version += 1;
    tx.update_user(&row).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.store.user(scope, "u1").await.unwrap(), Some(row), "the row reads back as written");
}

/// An update of a user read in the same transaction writes only the
/// indexed columns that changed; every index must still follow each change.
#[tokio::test]
async fn an_update_after_a_read_keeps_every_index_right() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let extra = json!({"displayName": "Bob B", "externalId": "ext-b", "emails": [{"value": "bob@example.com", "type": "work"}]});
    db.insert_users(acme, &[user("u1", "bob", extra.clone())]).await;
    // Only unindexed columns change: every index still finds the user.
    update(&db, acme, |u| {
        u.active = false;
        u.doc["active"] = json!(false);
    })
    .await;
    assert_eq!(db.user_ids(acme, r#"userName eq "BOB""#).await, ["u1"]);
    assert_eq!(db.user_ids(acme, r#"externalId eq "ext-b""#).await, ["u1"]);
    assert_eq!(db.user_ids(acme, r#"displayName eq "bob b""#).await, ["u1"]);
    assert_eq!(db.user_ids(acme, r#"emails.value eq "bob@example.com""#).await, ["u1"]);

    // Each indexed column changes on its own.
    update(&db, acme, |u| u.user_name = "robert".into()).await;
    assert!(db.user_ids(acme, r#"userName eq "bob""#).await.is_empty());
    assert_eq!(db.user_ids(acme, r#"userName eq "Robert""#).await, ["u1"]);
    update(&db, acme, |u| u.external_id = None).await;
    assert!(db.user_ids(acme, r#"externalId eq "ext-b""#).await.is_empty());
    update(&db, acme, |u| u.display_name = Some("Rob".into())).await;
    assert_eq!(db.user_ids(acme, r#"displayName eq "rob""#).await, ["u1"]);
    // (Email rows are read back from the document.)
    update(&db, acme, |u| {
        u.emails[0].value = "rob@example.com".into();
        u.doc["emails"][0]["value"] = json!("rob@example.com");
    })
    .await;
    assert!(db.user_ids(acme, r#"emails.value eq "bob@example.com""#).await.is_empty());
    assert_eq!(db.user_ids(acme, r#"emails.value eq "rob@example.com""#).await, ["u1"]);
    update(&db, acme, |u| u.seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(7) }).await;
    let mut tx = db.tx(acme).await;
    assert_eq!(tx.oldest_pending(5).await.unwrap().iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["u1"]);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn user_names_are_unique_per_tenant_case_insensitively() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let globex = db.tenant("globex").await;
    db.insert_users(acme, &[user("u1", "bjensen", json!({})), user("u2", "other", json!({}))]).await;

    // Writes may travel with the next statement: the conflict surfaces at
    // the latest at commit, and nothing of the transaction is kept.
    let mut tx = db.tx(acme).await;
    tx.insert_user(&user("u3", "BJensen", json!({}))).await.unwrap();
    let taken = tx.commit().await;
    assert!(matches!(taken, Err(StoreError::Conflict { what: "userName" })), "{taken:?}");
    let mut tx = db.tx(acme).await;
    tx.update_user(&user("u2", "BJENSEN", json!({}))).await.unwrap();
    let renamed = tx.user("u2").await;
    assert!(matches!(renamed, Err(StoreError::Conflict { what: "userName" })), "{renamed:?}");
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
    let mut tx = db.tx(globex).await;
    assert!(tx.user("u1").await.unwrap().is_none());
    assert!(!tx.delete_user("u1").await.unwrap());
    assert!(tx.resolve_member_ids(&["u1".into()]).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    assert!(db.store.user(acme, "u1").await.unwrap().is_some());
}

#[tokio::test]
async fn the_seat_queue_is_first_come_first_served() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let pending = |id: &str, since: i64| {
        let mut u = user(id, id, json!({}));
        u.seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(since) };
        u
    };
    let mut seated = user("s", "s", json!({}));
    seated.seat = SeatState { status: SeatStatus::Assigned, assigned_at: Some(1), pending_since: None };
    db.insert_users(acme, &[pending("late", 30), pending("early", 10), seated, pending("tie-a", 20), pending("tie-b", 20)]).await;
    let mut tx = db.tx(acme).await;
    let ids: Vec<String> = tx.oldest_pending(3).await.unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(ids, ["early", "tie-a", "tie-b"]);
    assert_eq!(tx.oldest_pending(10).await.unwrap().len(), 4);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn readers_do_not_wait_for_an_open_write() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    db.insert_users(acme, &[user("u1", "alice", json!({}))]).await;
    let mut tx = db.tx(acme).await;
    tx.insert_user(&user("u2", "bob", json!({}))).await.unwrap();
    let read = tokio::time::timeout(std::time::Duration::from_secs(2), db.store.user(acme, "u1")).await;
    assert!(read.unwrap().unwrap().is_some());
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
