//! Values PostgreSQL cannot store — U+0000 in text, keys longer than a
//! B-tree entry — are the client's errors (400) or find nothing, never a
//! database error (500).

use lanyard_scim::ScimType;
use lanyard_scim::filter::Filter;
use lanyard_scim::schema::USER_TYPE;
use lanyard_store::{AuditQuery, ListQuery, MemberRef, MemberType, NewAuditEvent, NewTenant, Store, StoreError};
use serde_json::json;

use crate::support::{TestDb, group, user};

fn invalid_value<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::Scim(e)) => assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn text_with_nul_is_refused_on_write_and_finds_nothing_on_read() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    db.insert_users(acme, &[user("u1", "alice", json!({}))]).await;

    for bad in [
        user("u2", "bo\u{0}b", json!({})),
        user("u\u{0}2", "bob", json!({})),
        user("u2", "bob", json!({"title": "a\u{0}b"})),
        user("u2", "bob", json!({"emails": [{"value": "b\u{0}@x"}]})),
    ] {
        let mut tx = db.tx(acme).await;
        invalid_value(tx.insert_user(&bad).await);
    }
    let mut tx = db.tx(acme).await;
    let mut alice = db.store.user(acme, "u1").await.unwrap().unwrap();
    alice.doc["nickName"] = json!("\u{0}");
    invalid_value(tx.update_user(&alice).await);
    drop(tx);
    let mut tx = db.tx(acme).await;
    invalid_value(tx.insert_group(&group("g\u{0}", "G")).await);
    drop(tx);
    invalid_value(db.store.create_tenant(&NewTenant { slug: "a\u{0}".into(), name: "A".into(), seat_limit: None, created_at: 0 }).await);

    // Nothing stored holds U+0000: lookups by such a key find nothing.
    assert!(db.store.user(acme, "u1\u{0}").await.unwrap().is_none());
    assert!(db.store.group(acme, "g\u{0}").await.unwrap().is_none());
    assert!(db.store.tenant_by_slug("acme\u{0}").await.unwrap().is_none());
    assert!(!db.store.revoke_token(acme, "t\u{0}", 1).await.unwrap());
    db.store.touch_token("t\u{0}", 1).await.unwrap();
    assert!(db.store.groups_of_users(acme, &["u\u{0}".into()]).await.unwrap().is_empty());
    assert!(db.store.members_of_groups(acme, &["g\u{0}".into()]).await.unwrap().is_empty());
    let mut tx = db.tx(acme).await;
    assert!(tx.user("u\u{0}").await.unwrap().is_none());
    assert!(tx.user_with_groups("u\u{0}").await.unwrap().is_none());
    assert!(tx.group("g\u{0}").await.unwrap().is_none());
    assert!(!tx.delete_user("u\u{0}").await.unwrap());
    assert!(!tx.delete_group("g\u{0}").await.unwrap());
    assert!(tx.resolve_member_ids(&["u1".into(), "u\u{0}".into()]).await.unwrap().len() == 1);
    assert_eq!(tx.remove_members("g\u{0}", &["u1".into()]).await.unwrap(), 0);
    assert_eq!(tx.clear_members("g\u{0}").await.unwrap(), 0);
    assert!(tx.member_refs("g\u{0}").await.unwrap().is_empty());
    let member = [MemberRef { id: "u1".into(), kind: MemberType::User }];
    assert!(matches!(tx.add_members("g\u{0}", &member).await, Err(StoreError::NotFound)));
    drop(tx);

    // A filter value with U+0000 is a bad filter.
    let query = ListQuery { filter: Some(Filter::parse(r#"userName eq "a\u0000""#, &USER_TYPE).unwrap()), limit: 5, ..Default::default() };
    match db.store.list_users(acme, &query).await {
        Err(StoreError::Scim(e)) => assert_eq!(e.scim_type, Some(ScimType::InvalidFilter)),
        other => panic!("{other:?}"),
    }

    // The audit log never makes a write fail.
    let mut tx = db.tx(acme).await;
    let event = NewAuditEvent {
        at: 1,
        actor: "admin:a\u{0}".into(),
        action: "user.created".into(),
        resource_type: Some("User".into()),
        resource_id: Some("u\u{0}".into()),
        detail: json!({"userName": "x\u{0}y"}),
    };
    tx.insert_audit(&event).await.unwrap();
    tx.commit().await.unwrap();
    let logged = db.store.list_audit(acme, &AuditQuery::default()).await.unwrap();
    assert_eq!(logged[0].event.actor, "admin:a\u{FFFD}");
    assert_eq!(logged[0].event.detail, json!({"userName": "x\u{0}y"}));
    // And the user is still readable and filterable after all that.
    assert_eq!(db.user_ids(acme, r#"userName eq "alice""#).await, ["u1"]);
}

#[tokio::test]
async fn keys_too_long_to_index_are_refused() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    // Random text does not compress below the B-tree entry limit.
    let long: String = (0..400).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect();
    let mut tx = db.tx(acme).await;
    invalid_value(tx.insert_user(&user("u1", &long, json!({}))).await);
    drop(tx);
    let mut tx = db.tx(acme).await;
    invalid_value(tx.insert_user(&user("u1", "alice", json!({"emails": [{"value": long}]}))).await);
    drop(tx);
    // A long value outside the keys is fine.
    db.insert_users(acme, &[user("u1", "alice", json!({"title": long}))]).await;
    assert_eq!(db.store.user(acme, "u1").await.unwrap().unwrap().doc["title"], json!(long));
}
