//! Tenants, tokens and seat counters.

use lanyard_store::{AuditQuery, NewAuditEvent, NewTenant, NewToken, Store, StoreError, TenantScope};
use serde_json::json;

use crate::support::{TestDb, group, user};

fn token(id: &str, hash: u8) -> NewToken {
    NewToken { id: id.into(), hash: vec![hash; 32], label: Some(format!("label {id}")), created_at: 10, expires_at: None }
}

#[tokio::test]
async fn tenants_are_created_found_listed_and_deleted() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let globex = db.tenant("globex").await;
    assert_ne!(acme, globex);
    let found = db.store.tenant_by_slug("acme").await.unwrap().unwrap();
    assert_eq!(TenantScope::of(&found), acme);
    assert_eq!(found.name, "ACME");
    assert!(db.store.tenant_by_slug("nope").await.unwrap().is_none());
    assert_eq!(db.store.tenant(globex).await.unwrap().slug, "globex");
    let slugs: Vec<String> = db.store.list_tenants().await.unwrap().into_iter().map(|t| t.slug).collect();
    assert_eq!(slugs, ["acme", "globex"]);
    assert_eq!(db.store.count_tenants().await.unwrap(), 2);

    let taken = db.store.create_tenant(&NewTenant { slug: "acme".into(), name: "x".into(), seat_limit: None, created_at: 2 }).await;
    assert!(matches!(taken, Err(StoreError::Conflict { what: "slug" })), "{taken:?}");

    // Everything the tenant owns goes with it.
    db.insert_users(acme, &[user("u1", "alice", json!({"emails": [{"value": "a@x"}]}))]).await;
    let mut tx = db.tx(acme).await;
    tx.insert_group(&group("g1", "G")).await.unwrap();
    tx.add_members("g1", &[lanyard_store::MemberRef { id: "u1".into(), kind: lanyard_store::MemberType::User }]).await.unwrap();
    tx.insert_audit(&NewAuditEvent {
        at: 1,
        actor: "cli".into(),
        action: "user.created".into(),
        resource_type: None,
        resource_id: None,
        detail: json!({}),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.store.create_token(acme, &token("t1", 1)).await.unwrap();
    db.store.delete_tenant(acme).await.unwrap();
    assert!(matches!(db.store.tenant(acme).await, Err(StoreError::NotFound)));
    assert!(db.store.user(acme, "u1").await.unwrap().is_none());
    assert!(db.store.token_by_hash(&[1; 32]).await.unwrap().is_none());
    assert!(matches!(db.store.delete_tenant(acme).await, Err(StoreError::NotFound)));
    assert_eq!(db.store.count_tenants().await.unwrap(), 1);
    for table in ["users", "user_emails", "groups", "group_members", "audit_events", "scim_tokens"] {
        let left: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(db.store.pool()).await.unwrap();
        assert_eq!(left, 0, "{table}");
    }

    // Writes for a tenant that is gone find nothing to write against.
    assert!(matches!(db.store.create_token(acme, &token("t9", 9)).await, Err(StoreError::NotFound)));
    let mut tx = db.tx(acme).await;
    assert!(matches!(tx.try_take_seat().await, Err(StoreError::NotFound)));
    assert!(matches!(tx.insert_user(&user("u1", "alice", json!({}))).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn tokens_are_found_by_hash_revoked_and_touched() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let globex = db.tenant("globex").await;
    let created = db.store.create_token(acme, &token("t1", 1)).await.unwrap();
    db.store.create_token(acme, &token("t2", 2)).await.unwrap();
    db.store.create_token(globex, &token("t3", 3)).await.unwrap();
    let ids: Vec<String> = db.store.list_tokens(acme).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(ids, ["t1", "t2"]);

    let (found, tenant) = db.store.token_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(found, created);
    assert_eq!(TenantScope::of(&tenant), acme);
    assert!(db.store.token_by_hash(&[9; 32]).await.unwrap().is_none());

    let dup = db.store.create_token(globex, &token("t4", 1)).await;
    assert!(matches!(dup, Err(StoreError::Conflict { what: "token" })), "{dup:?}");
    let dup_id = db.store.create_token(globex, &token("t1", 5)).await;
    assert!(matches!(dup_id, Err(StoreError::Conflict { what: "id" })), "{dup_id:?}");

    // Another tenant's token cannot be revoked through this tenant.
    assert!(!db.store.revoke_token(globex, "t1", 50).await.unwrap());
    assert!(db.store.revoke_token(acme, "t1", 50).await.unwrap());
    assert!(db.store.revoke_token(acme, "t1", 60).await.unwrap());
    let (revoked, _) = db.store.token_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(50));

    db.store.touch_token("t2", 100).await.unwrap();
    db.store.touch_token("t2", 90).await.unwrap();
    let (touched, _) = db.store.token_by_hash(&[2; 32]).await.unwrap().unwrap();
    assert_eq!(touched.last_used_at, Some(100));
}

#[tokio::test]
async fn seats_are_taken_only_below_the_limit() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let mut tx = db.tx(acme).await;
    tx.set_seat_limit(Some(2)).await.unwrap();
    assert!(tx.try_take_seat().await.unwrap());
    assert!(tx.try_take_seat().await.unwrap());
    assert!(!tx.try_take_seat().await.unwrap());
    tx.adjust_seat_counters(-1, 3).await.unwrap();
    let counters = tx.seat_counters().await.unwrap();
    assert_eq!((counters.limit, counters.assigned, counters.pending), (Some(2), 1, 3));
    tx.set_seat_limit(None).await.unwrap();
    assert!(tx.try_take_seat().await.unwrap());
    tx.commit().await.unwrap();
    let tenant = db.store.tenant(acme).await.unwrap();
    assert_eq!((tenant.seat_limit, tenant.seats_assigned, tenant.seats_pending), (None, 2, 3));
}

#[tokio::test]
async fn an_uncommitted_transaction_changes_nothing() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    {
        let mut tx = db.tx(acme).await;
        tx.insert_user(&user("u1", "alice", json!({}))).await.unwrap();
        assert!(tx.try_take_seat().await.unwrap());
    }
    assert!(db.store.user(acme, "u1").await.unwrap().is_none());
    assert_eq!(db.store.tenant(acme).await.unwrap().seats_assigned, 0);
    // The tenant's lock is free again and the next transaction starts clean.
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), db.store.begin(acme)).await;
    let mut tx = next.expect("the dropped transaction still holds the tenant").unwrap();
    tx.insert_user(&user("u1", "alice", json!({}))).await.unwrap();
    tx.commit().await.unwrap();
    assert!(db.store.user(acme, "u1").await.unwrap().is_some());
}

#[tokio::test]
async fn the_audit_log_is_read_in_order_and_filtered() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let globex = db.tenant("globex").await;
    let event = |at: i64, action: &str, resource: Option<&str>| NewAuditEvent {
        at,
        actor: "token:t1".into(),
        action: action.into(),
        resource_type: resource.map(|_| "User".to_string()),
        resource_id: resource.map(str::to_string),
        detail: json!({"b": 1, "a": [true, null, "x"]}),
    };
    let mut tx = db.tx(acme).await;
    tx.insert_audit(&event(10, "user.created", Some("u1"))).await.unwrap();
    tx.insert_audit(&event(20, "seat.assigned", Some("u1"))).await.unwrap();
    tx.insert_audit(&event(30, "user.updated", Some("u2"))).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.tx(globex).await;
    tx.insert_audit(&event(40, "user.created", Some("u1"))).await.unwrap();
    tx.commit().await.unwrap();

    let list = |query: AuditQuery| {
        let store = &db.store;
        async move { store.list_audit(acme, &query).await.unwrap() }
    };
    let all = list(AuditQuery::default()).await;
    assert_eq!(all.iter().map(|e| e.event.at).collect::<Vec<_>>(), [10, 20, 30]);
    assert_eq!(all[0].event, event(10, "user.created", Some("u1")));
    assert_eq!(all[0].event.detail.to_string(), r#"{"b":1,"a":[true,null,"x"]}"#);
    assert!(all.iter().all(|e| e.tenant_id == acme.tenant_id()));
    let ats = |events: Vec<lanyard_store::AuditEvent>| events.into_iter().map(|e| e.event.at).collect::<Vec<_>>();
    assert_eq!(ats(list(AuditQuery { action_prefix: Some("user.".into()), ..Default::default() }).await), [10, 30]);
    assert_eq!(ats(list(AuditQuery { resource_id: Some("u1".into()), ..Default::default() }).await), [10, 20]);
    assert_eq!(ats(list(AuditQuery { since: Some(20), ..Default::default() }).await), [20, 30]);
    assert_eq!(ats(list(AuditQuery { after_id: Some(all[0].id), limit: 1, ..Default::default() }).await), [20]);
    assert_eq!(ats(list(AuditQuery { limit: -5, ..Default::default() }).await), [10, 20, 30]);
    assert!(list(AuditQuery { action_prefix: Some("user.\u{0}".into()), ..Default::default() }).await.is_empty());
}

#[tokio::test]
async fn tenants_and_tokens_move_between_databases() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    db.store.create_token(acme, &token("t1", 1)).await.unwrap();
    db.store.revoke_token(acme, "t1", 50).await.unwrap();
    db.store.touch_token("t1", 40).await.unwrap();
    let exported = db.store.tokens_with_hashes(acme).await.unwrap();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].1, vec![1; 32]);

    let target = TestDb::new().await;
    let mut original = db.store.tenant(acme).await.unwrap();
    original.seats_assigned = 4;
    original.seats_pending = 2;
    original.seat_limit = Some(4);
    let imported = target.store.import_tenant(&original).await.unwrap();
    assert_eq!(lanyard_store::Tenant { id: imported.id, ..original.clone() }, imported);
    assert_eq!(target.store.tenant_by_slug("acme").await.unwrap(), Some(imported.clone()));
    let scope = TenantScope::of(&imported);
    let (record, hash) = &exported[0];
    target.store.import_token(scope, record, hash).await.unwrap();
    let (found, tenant) = target.store.token_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(found, lanyard_store::TokenRecord { tenant_id: imported.id, ..record.clone() });
    assert_eq!(tenant, imported);
    assert!(matches!(target.store.import_tenant(&original).await, Err(StoreError::Conflict { what: "slug" })));
    assert!(matches!(target.store.import_token(scope, record, hash).await, Err(StoreError::Conflict { .. })));
}
