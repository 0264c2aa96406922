//! The same writes and reads on the SQLite store and on this one give the
//! same answers: filters, sorts, pages, members, the audit log.

use lanyard_scim::filter::Filter;
use lanyard_scim::schema::{GROUP_TYPE, USER_TYPE};
use lanyard_store::{AuditQuery, ListQuery, MemberRef, MemberType, NewAuditEvent, NewTenant, SeatState, SeatStatus, Store, TenantScope};
use lanyard_store_sqlite::SqliteStore;
use serde_json::json;

use crate::support::{TestDb, group, user};

/// The fixture, written through `store`.
async fn fill(store: &dyn Store) -> TenantScope {
    let tenant =
        store.create_tenant(&NewTenant { slug: "acme".into(), name: "Acme".into(), seat_limit: Some(3), created_at: 1 }).await.unwrap();
    let scope = TenantScope::of(&tenant);
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let mut users = vec![
        user(
            "u1",
            "BJensen",
            json!({"externalId": "E-1", "displayName": "Babs Jensen", "title": "Tour Guide", "nickName": "Babs",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@home.org", "type": "home"}],
            "phoneNumbers": [{"value": "555-1234", "type": "mobile"}],
            enterprise: {"department": "Tour Operations", "employeeNumber": "701984"}}),
        ),
        user(
            "u2",
            "jsmith",
            json!({"title": "Boss", "active": false, "emails": [{"value": "J@Smith.io", "type": "Work"}],
            "name": {"givenName": "Jim"}, enterprise: {"department": "tours"}}),
        ),
        user("u3", "50%_off\\x", json!({"externalId": "e-1", "displayName": "Zed", "title": ""})),
        user(
            "u4",
            "élodie",
            json!({"displayName": "Élodie", "title": "École", "nickName": "élo",
            "emails": [{"value": "Elo@Example.COM", "type": "other"}]}),
        ),
        user("u5", "Zoë", json!({"title": "tour guide", "nickName": "Zoe", "phoneNumbers": [{"value": "555-9999", "type": "work"}]})),
        user("u6", "_under", json!({"title": "ÉCOLE", "externalId": "é-2"})),
    ];
    users[0].seat = SeatState { status: SeatStatus::Assigned, assigned_at: Some(5), pending_since: None };
    users[1].seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(7) };
    users[1].modified_at = 5_000;
    users[3].created_at = 3_000;
    let mut tx = store.begin(scope).await.unwrap();
    for u in &users {
        tx.insert_user(u).await.unwrap();
    }
    tx.insert_group(&group("g1", "Admins")).await.unwrap();
    tx.insert_group(&group("g2", "Tour Guides")).await.unwrap();
    tx.insert_group(&group("g3", "élite")).await.unwrap();
    let as_users = |ids: &[&str]| ids.iter().map(|id| MemberRef { id: id.to_string(), kind: MemberType::User }).collect::<Vec<_>>();
    tx.add_members("g1", &as_users(&["u2", "u1"])).await.unwrap();
    tx.add_members("g2", &as_users(&["u5", "u1", "u4"])).await.unwrap();
    tx.add_members("g1", &[MemberRef { id: "g3".into(), kind: MemberType::Group }]).await.unwrap();
    for (i, action) in ["user.created", "seat.assigned", "user.updated"].iter().enumerate() {
        let event = NewAuditEvent {
            at: i as i64 * 10,
            actor: "cli".into(),
            action: action.to_string(),
            resource_type: Some("User".into()),
            resource_id: Some(format!("u{i}")),
            detail: json!({"n": i}),
        };
        tx.insert_audit(&event).await.unwrap();
    }
    tx.commit().await.unwrap();
    scope
}

const USER_FILTERS: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"userName eq "ÉLODIE""#,
    r#"userName eq "élodie""#,
    r#"userName co "%_""#,
    r#"userName sw "_""#,
    r#"userName ew "x""#,
    r#"userName gt "j""#,
    r#"userName le "b""#,
    r#"externalId eq "e-1""#,
    r#"externalId co "-""#,
    r#"externalId ew "1""#,
    r#"externalId sw "é""#,
    r#"externalId lt "e""#,
    r#"displayName co "JENSEN""#,
    r#"displayName eq "élodie""#,
    r#"title eq "tour guide""#,
    r#"title eq "école""#,
    r#"title eq "ÉCOLE""#,
    r#"title co "ou""#,
    r#"title pr"#,
    r#"title eq """#,
    r#"title gt "B""#,
    r#"not (title pr)"#,
    r#"nickName co "b""#,
    r#"nickName ew "O""#,
    r#"name.givenName sw "b""#,
    r#"name pr"#,
    r#"name[givenName eq "jim"]"#,
    r#"emails.value ew "example.com""#,
    r#"emails[type eq "work"]"#,
    r#"emails[type eq "work" and value co "smith"]"#,
    r#"emails.type eq "other""#,
    r#"emails pr"#,
    r#"phoneNumbers.value sw "555-9""#,
    r#"phoneNumbers[type eq "mobile"]"#,
    r#"phoneNumbers pr"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "TOURS""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt "7""#,
    r#"active eq false"#,
    r#"active eq true and not (emails pr)"#,
    r#"meta.created gt "1970-01-01T00:00:00.002Z""#,
    r#"meta.lastModified ge "1970-01-01T00:00:00.005Z""#,
    r#"urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status eq "pending""#,
    r#"urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.assignedAt pr"#,
    r#"groups eq "g2""#,
    r#"groups[value eq "g1"] or userName eq "zoë""#,
    r#"id eq "u3" or id eq "u4""#,
];

const USER_SORTS: &[&str] = &[
    "userName",
    "externalId",
    "displayName",
    "title",
    "nickName",
    "name.givenName",
    "emails",
    "emails.value",
    "phoneNumbers",
    "meta.created",
];

const GROUP_FILTERS: &[&str] =
    &[r#"displayName eq "admins""#, r#"displayName sw "É""#, r#"displayName gt "b""#, r#"members eq "u1""#, r#"members[type eq "Group"]"#];

async fn users(store: &dyn Store, scope: TenantScope, query: ListQuery) -> (i64, Vec<String>, Vec<(String, String)>) {
    let page = store.list_users(scope, &query).await.unwrap();
    (page.total, page.items.into_iter().map(|u| u.id).collect(), page.user_groups.into_iter().map(|g| (g.user_id, g.group_id)).collect())
}

#[tokio::test]
async fn both_stores_answer_alike() {
    let sqlite = SqliteStore::open("sqlite::memory:").await.unwrap();
    sqlite.migrate().await.unwrap();
    let pg = TestDb::new().await;
    let (s_scope, p_scope) = (fill(&sqlite).await, fill(&pg.store).await);
    let both = |query: ListQuery| {
        let (sqlite, pg) = (&sqlite, &pg.store);
        async move { (users(sqlite, s_scope, query.clone()).await, users(pg, p_scope, query).await) }
    };

    let mut selected = 0;
    for filter in USER_FILTERS {
        let query = ListQuery { filter: Some(Filter::parse(filter, &USER_TYPE).unwrap()), limit: 100, ..Default::default() };
        let (s, p) = both(query).await;
        selected += usize::from(!p.1.is_empty());
        assert_eq!(p, s, "{filter}");
    }
    assert!(selected + 1 >= USER_FILTERS.len(), "the fixture leaves filters without a match");
    for sort in USER_SORTS {
        for descending in [false, true] {
            let sort_by = Some(USER_TYPE.resolve_path(None, sort.split('.').next().unwrap(), sort.split('.').nth(1)).unwrap());
            let query = ListQuery { sort_by, descending, limit: 100, include_groups: true, ..Default::default() };
            let (s, p) = both(query).await;
            assert_eq!(p, s, "sortBy={sort} descending={descending}");
        }
    }
    for (offset, limit) in [(0, 2), (2, 2), (5, 10), (0, 0), (9, 3)] {
        let query = ListQuery { offset, limit, ..Default::default() };
        let (s, p) = both(query).await;
        assert_eq!(p, s, "offset={offset} limit={limit}");
    }
    for filter in GROUP_FILTERS {
        let query = ListQuery { filter: Some(Filter::parse(filter, &GROUP_TYPE).unwrap()), limit: 100, ..Default::default() };
        let s: Vec<String> = sqlite.list_groups(s_scope, &query).await.unwrap().items.into_iter().map(|g| g.id).collect();
        let p: Vec<String> = pg.store.list_groups(p_scope, &query).await.unwrap().items.into_iter().map(|g| g.id).collect();
        assert_eq!(p, s, "{filter}");
    }
    let ids: Vec<String> = ["g1", "g2", "g3"].iter().map(|s| s.to_string()).collect();
    assert_eq!(pg.store.members_of_groups(p_scope, &ids).await.unwrap(), sqlite.members_of_groups(s_scope, &ids).await.unwrap());
    let ids: Vec<String> = (1..=6).map(|i| format!("u{i}")).collect();
    assert_eq!(pg.store.groups_of_users(p_scope, &ids).await.unwrap(), sqlite.groups_of_users(s_scope, &ids).await.unwrap());
    for id in &ids {
        assert_eq!(pg.store.user(p_scope, id).await.unwrap(), sqlite.user(s_scope, id).await.unwrap(), "{id}");
    }
    for id in ["g1", "g2", "g3"] {
        let (mut s, mut p) = (sqlite.group(s_scope, id).await.unwrap().unwrap(), pg.store.group(p_scope, id).await.unwrap().unwrap());
        (s.modified_at, p.modified_at) = (0, 0);
        assert_eq!(p, s, "{id}");
    }
    let strip = |events: Vec<lanyard_store::AuditEvent>| events.into_iter().map(|e| e.event).collect::<Vec<_>>();
    let query = AuditQuery { action_prefix: Some("user.".into()), ..Default::default() };
    assert_eq!(strip(pg.store.list_audit(p_scope, &query).await.unwrap()), strip(sqlite.list_audit(s_scope, &query).await.unwrap()));
}
