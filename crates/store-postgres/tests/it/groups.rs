//! Groups and their members.

use lanyard_store::{MemberRef, MemberType, Store, StoreError, StoreTx, TenantScope};
use serde_json::json;

use crate::support::{TestDb, group, user};

fn users(ids: &[&str]) -> Vec<MemberRef> {
    ids.iter().map(|id| MemberRef { id: id.to_string(), kind: MemberType::User }).collect()
}

async fn member_count(db: &TestDb, scope: TenantScope, id: &str) -> i64 {
    db.store.group(scope, id).await.unwrap().unwrap().member_count
}

async fn setup() -> (TestDb, TenantScope) {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    db.insert_users(
        acme,
        &[
            user("u1", "alice", json!({"displayName": "Alice A"})),
            user("u2", "bob", json!({})),
            user("u3", "carol", json!({"displayName": ""})),
        ],
    )
    .await;
    let mut tx = db.tx(acme).await;
    tx.insert_group(&group("g1", "Admins")).await.unwrap();
    tx.insert_group(&group("g2", "Nested")).await.unwrap();
    tx.commit().await.unwrap();
    (db, acme)
}

#[tokio::test]
async fn members_are_added_once_and_removed() {
    let (db, acme) = setup().await;
    let mut tx = db.tx(acme).await;
    assert_eq!(tx.add_members("g1", &users(&["u2", "u1"])).await.unwrap(), 2);
    // Entra re-adds existing members; duplicates in one call count once.
    assert_eq!(tx.add_members("g1", &users(&["u1", "u2", "u3", "u3"])).await.unwrap(), 1);
    assert_eq!(tx.add_members("g1", &[]).await.unwrap(), 0);
    let refs: Vec<String> = tx.member_refs("g1").await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(refs, ["u2", "u1", "u3"], "insertion order");
    assert_eq!(tx.remove_members("g1", &["u2".into(), "nobody".into()]).await.unwrap(), 1);
    assert_eq!(tx.remove_members("g1", &["u2".into()]).await.unwrap(), 0);
    assert_eq!(tx.remove_members("g1", &[]).await.unwrap(), 0);
    tx.commit().await.unwrap();
    assert_eq!(member_count(&db, acme, "g1").await, 2);

    let mut tx = db.tx(acme).await;
    assert_eq!(tx.clear_members("g1").await.unwrap(), 2);
    tx.commit().await.unwrap();
    assert_eq!(member_count(&db, acme, "g1").await, 0);
    assert!(db.store.members_of_groups(acme, &["g1".into()]).await.unwrap().is_empty());
}

#[tokio::test]
async fn members_carry_display_names_in_insertion_order() {
    let (db, acme) = setup().await;
    let mut tx = db.tx(acme).await;
    tx.add_members("g1", &users(&["u3", "u1", "u2"])).await.unwrap();
    tx.add_members("g1", &[MemberRef { id: "g2".into(), kind: MemberType::Group }]).await.unwrap();
    tx.add_members("g2", &users(&["u1"])).await.unwrap();
    tx.commit().await.unwrap();
    let members = db.store.members_of_groups(acme, &["g1".into(), "g2".into()]).await.unwrap();
    let shown: Vec<(&str, &str, Option<&str>)> =
        members.iter().map(|m| (m.group_id.as_str(), m.member_id.as_str(), m.display.as_deref())).collect();
    assert_eq!(
        shown,
        [
            ("g1", "u3", Some("carol")),
            ("g1", "u1", Some("Alice A")),
            ("g1", "u2", Some("bob")),
            ("g1", "g2", Some("Nested")),
            ("g2", "u1", Some("Alice A")),
        ]
    );
    assert_eq!(members[3].kind, MemberType::Group);
    let of_alice = db.store.groups_of_users(acme, &["u1".into()]).await.unwrap();
    let groups: Vec<(&str, &str)> = of_alice.iter().map(|g| (g.group_id.as_str(), g.display.as_str())).collect();
    assert_eq!(groups, [("g1", "Admins"), ("g2", "Nested")]);

    // The same, read with the user in a transaction and with a page of users.
    let mut tx = db.tx(acme).await;
    let (alice, groups) = tx.user_with_groups("u1").await.unwrap().unwrap();
    assert_eq!(alice.user_name, "alice");
    assert_eq!(groups, of_alice);
    let (_, of_bob) = tx.user_with_groups("u2").await.unwrap().unwrap();
    assert_eq!(of_bob.len(), 1);
    tx.commit().await.unwrap();
    let query = lanyard_store::ListQuery { limit: 10, include_groups: true, ..Default::default() };
    let page = db.store.list_users(acme, &query).await.unwrap();
    let pairs: Vec<(&str, &str)> = page.user_groups.iter().map(|g| (g.user_id.as_str(), g.group_id.as_str())).collect();
    assert_eq!(pairs, [("u1", "g1"), ("u1", "g2"), ("u2", "g1"), ("u3", "g1")]);
}

#[tokio::test]
async fn deleting_a_member_leaves_its_groups_consistent() {
    let (db, acme) = setup().await;
    let mut tx = db.tx(acme).await;
    tx.add_members("g1", &users(&["u1", "u2"])).await.unwrap();
    tx.add_members("g1", &[MemberRef { id: "g2".into(), kind: MemberType::Group }]).await.unwrap();
    tx.add_members("g2", &users(&["u1"])).await.unwrap();
    tx.commit().await.unwrap();
    let before = db.store.group(acme, "g1").await.unwrap().unwrap().version;

    let mut tx = db.tx(acme).await;
    assert!(tx.delete_user("u1").await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(member_count(&db, acme, "g1").await, 2);
    assert_eq!(member_count(&db, acme, "g2").await, 0);
    assert_eq!(db.store.group(acme, "g1").await.unwrap().unwrap().version, before + 1, "losing a member is a new version");

    let mut tx = db.tx(acme).await;
    assert!(tx.delete_group("g2").await.unwrap());
    assert!(!tx.delete_group("g2").await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(member_count(&db, acme, "g1").await, 1);
    let left: Vec<String> = db.store.members_of_groups(acme, &["g1".into()]).await.unwrap().into_iter().map(|m| m.member_id).collect();
    assert_eq!(left, ["u2"]);
}

#[tokio::test]
async fn group_names_are_unique_per_tenant_and_updates_apply() {
    let (db, acme) = setup().await;
    let globex = db.tenant("globex").await;
    let mut tx = db.tx(acme).await;
    let taken = tx.insert_group(&group("g9", "ADMINS")).await;
    assert!(matches!(taken, Err(StoreError::Conflict { what: "displayName" })), "{taken:?}");
    drop(tx);
    let mut tx = db.tx(acme).await;
    let renamed = tx.update_group(&group("g2", "admins")).await;
    assert!(matches!(renamed, Err(StoreError::Conflict { what: "displayName" })), "{renamed:?}");
    drop(tx);

    let mut tx = db.tx(acme).await;
    let mut g1 = group("g1", "Administrators");
    g1.external_id = Some("ext".into());
    g1.version = 2;
    g1.modified_at = 9_000;
    tx.update_group(&g1).await.unwrap();
    // A group that is not there is an answer; the transaction goes on.
    assert!(matches!(tx.update_group(&group("nope", "x")).await, Err(StoreError::NotFound)));
    tx.commit().await.unwrap();
    assert_eq!(db.store.group(acme, "g1").await.unwrap(), Some(g1));

    // Members of a group that is not there: the failed insert voids the transaction.
    let mut tx = db.tx(acme).await;
    assert!(matches!(tx.add_members("nope", &users(&["u1"])).await, Err(StoreError::NotFound)));
    assert!(matches!(tx.commit().await, Err(StoreError::NotFound)));

    let mut tx: Box<dyn StoreTx> = db.tx(globex).await;
    tx.insert_group(&group("g1", "Admins")).await.unwrap();
    tx.commit().await.unwrap();
    assert!(db.store.group(globex, "g2").await.unwrap().is_none());
}
