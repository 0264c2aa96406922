//! Filters, paging and sorting through `list_users` / `list_groups`, and
//! the PostgreSQL dialect on JSON attributes.

use lanyard_scim::ScimType;
use lanyard_scim::filter::Filter;
use lanyard_scim::schema::{AttrDef, AttrType, ResourceTypeDef, SEAT_SCHEMA, SchemaDef, USER_TYPE};
use lanyard_scim::sql::{SqlValue, sort_expr, where_clause};
use lanyard_store::{ListQuery, SeatState, SeatStatus, Store, StoreError, TenantScope, USER_SQL_MAP};
use lanyard_store_postgres::PgDialect;
use serde_json::json;
use sqlx::Row;

use crate::support::{TestDb, group, user};

async fn fixture() -> (TestDb, TenantScope) {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let mut babs = user(
        "u1",
        "BJensen",
        json!({"externalId": "E-1", "displayName": "Babs", "title": "Tour Guide",
               "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                          {"value": "babs@home.org", "type": "home"}],
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tours"}}),
    );
    babs.seat = SeatState { status: SeatStatus::Assigned, assigned_at: Some(5), pending_since: None };
    let mut jim = user("u2", "jsmith", json!({"title": "Boss", "emails": [{"value": "j@smith.io", "type": "home"}]}));
    jim.modified_at = 5_000;
    jim.seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(7) };
    let carol = user("u3", "carol", json!({"externalId": "e-1", "active": false}));
    db.insert_users(acme, &[babs, jim, carol]).await;
    (db, acme)
}

#[tokio::test]
async fn filters_select_users() {
    let (db, acme) = fixture().await;
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "bjensen""#, &["u1"]),
        (r#"USERNAME eq "BJENSEN""#, &["u1"]),
        (r#"userName sw "J""#, &["u2"]),
        (r#"externalId eq "E-1""#, &["u1"]),
        (r#"externalId sw "e""#, &["u3"]),
        (r#"emails.value eq "BJENSEN@example.com""#, &["u1"]),
        (r#"emails co "example""#, &["u1"]),
        (r#"emails[type eq "work" and value co "@example"]"#, &["u1"]),
        (r#"emails[type eq "home" and value co "@example"]"#, &[]),
        (r#"emails[type eq "work"].value eq "bjensen@example.com""#, &["u1"]),
        (r#"meta.lastModified gt "1970-01-01T00:00:00.002Z""#, &["u2"]),
        (&format!(r#"{SEAT_SCHEMA}:seat.status eq "pending""#), &["u2"]),
        (r#"title eq "tour guide""#, &["u1"]),
        (r#"title ne "boss""#, &["u1", "u3"]),
        (r#"title sw "TOUR""#, &["u1"]),
        (r#"title gt "c""#, &["u1"]),
        (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tours""#, &["u1"]),
        ("active eq false", &["u3"]),
        ("not (emails pr)", &["u3"]),
        (r#"displayName eq "babs" or externalId pr"#, &["u1", "u3"]),
        (r#"groups eq "nope""#, &[]),
    ];
    for (filter, expected) in cases {
        assert_eq!(db.user_ids(acme, filter).await, *expected, "{filter}");
    }
}

#[tokio::test]
async fn untranslatable_filters_are_scim_errors() {
    let (db, acme) = fixture().await;
    let query = ListQuery { filter: Some(Filter::parse(r#"emails.display eq "x""#, &USER_TYPE).unwrap()), limit: 10, ..Default::default() };
    match db.store.list_users(acme, &query).await {
        Err(StoreError::Scim(e)) => assert_eq!(e.scim_type, Some(ScimType::InvalidFilter)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn pages_count_every_match_and_sorting_is_stable() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let users: Vec<_> = (0..25)
        .map(|i| {
            // Titles repeat, so ties must break by creation order; some have none.
            let extra = if i % 5 == 4 { json!({}) } else { json!({"title": format!("T{}", i % 3)}) };
            user(&format!("u{i:02}"), &format!("user{i:02}"), extra)
        })
        .collect();
    db.insert_users(acme, &users).await;
    let attr = |name: &str| USER_TYPE.resolve_path(None, name, None).unwrap();

    let page = |offset, limit, sort: Option<&str>, descending| ListQuery {
        filter: None,
        sort_by: sort.map(attr),
        descending,
        offset,
        limit,
        include_groups: false,
    };
    let ids = |p: lanyard_store::Page<lanyard_store::UserRow>| p.items.into_iter().map(|u| u.id).collect::<Vec<_>>();

    let first = db.store.list_users(acme, &page(0, 10, None, false)).await.unwrap();
    assert_eq!(first.total, 25);
    assert_eq!(ids(first)[..3], ["u00", "u01", "u02"]);
    let last = db.store.list_users(acme, &page(20, 10, None, false)).await.unwrap();
    assert_eq!((last.total, last.items.len()), (25, 5));
    let beyond = db.store.list_users(acme, &page(100, 10, None, false)).await.unwrap();
    assert_eq!((beyond.total, beyond.items.len()), (25, 0));
    let count_only = db.store.list_users(acme, &page(0, 0, None, false)).await.unwrap();
    assert_eq!((count_only.total, count_only.items.len()), (25, 0));
    let negative = db.store.list_users(acme, &page(-3, 2, None, false)).await.unwrap();
    assert_eq!((negative.total, ids(negative)), (25, vec!["u00".to_string(), "u01".to_string()]));

    // Pages of a sorted listing tile it exactly.
    let mut walked = Vec::new();
    for offset in (0..25).step_by(7) {
        walked.extend(ids(db.store.list_users(acme, &page(offset, 7, Some("title"), false)).await.unwrap()));
    }
    let whole = ids(db.store.list_users(acme, &page(0, 100, Some("title"), false)).await.unwrap());
    assert_eq!(walked, whole);
    assert_eq!(whole[..3], ["u00", "u03", "u06"]);
    assert_eq!(whole[whole.len() - 5..], ["u04", "u09", "u14", "u19", "u24"], "untitled users last");

    let descending = ids(db.store.list_users(acme, &page(0, 100, Some("title"), true)).await.unwrap());
    assert_eq!(descending[..2], ["u02", "u05"]);
    assert_eq!(descending[descending.len() - 5..], ["u04", "u09", "u14", "u19", "u24"], "untitled users last");

    let by_name = ids(db.store.list_users(acme, &page(0, 3, Some("userName"), true)).await.unwrap());
    assert_eq!(by_name, ["u24", "u23", "u22"]);
}

#[tokio::test]
async fn text_sorts_by_bytes_whatever_the_database_locale() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let names = ["b", "B", "a", "é", "Z", "_x", "É"];
    let users: Vec<_> =
        names.iter().enumerate().map(|(i, n)| user(&format!("u{i}"), &format!("user{i}"), json!({"externalId": n, "title": n}))).collect();
    db.insert_users(acme, &users).await;
    let sorted = |attr: &str| {
        let query = ListQuery { sort_by: USER_TYPE.resolve_path(None, attr, None), limit: 100, ..Default::default() };
        let store = &db.store;
        async move {
            let page = store.list_users(acme, &query).await.unwrap();
            page.items.into_iter().map(|u| u.external_id.unwrap()).collect::<Vec<_>>()
        }
    };
    // externalId is case-exact: plain byte order.
    assert_eq!(sorted("externalId").await, ["B", "Z", "_x", "a", "b", "É", "é"]);
    // title is not: lower-cased first, ASCII only (as SQLite's lower()), ties in creation order.
    assert_eq!(sorted("title").await, ["_x", "a", "b", "B", "Z", "É", "é"]);
    assert_eq!(db.user_ids(acme, r#"title eq "É""#).await, ["u6"]);
    assert_eq!(db.user_ids(acme, r#"title gt "z""#).await, ["u3", "u6"]);
}

#[tokio::test]
async fn groups_filter_by_name_and_member() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    db.insert_users(acme, &[user("u1", "alice", json!({})), user("u2", "bob", json!({}))]).await;
    let mut tx = db.tx(acme).await;
    tx.insert_group(&group("g1", "Admins")).await.unwrap();
    tx.insert_group(&group("g2", "Users")).await.unwrap();
    let alice = tx.resolve_member_ids(&["u1".into()]).await.unwrap();
    tx.add_members("g1", &alice).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.group_ids(acme, r#"displayName eq "ADMINS""#).await, ["g1"]);
    assert_eq!(db.group_ids(acme, r#"id eq "g1" and members eq "u1""#).await, ["g1"]);
    assert!(db.group_ids(acme, r#"id eq "g2" and members eq "u1""#).await.is_empty());
    assert_eq!(db.user_ids(acme, r#"groups eq "g1""#).await, ["u1"]);
}

// A resource type with number attributes (the core schemas have none), to
// run the dialect's `to_number` on what documents may hold.
static NUMBERS_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:lanyard:test:Numbers",
    name: "Numbers",
    description: "",
    attributes: &[AttrDef::new("level", AttrType::Integer, ""), AttrDef::new("score", AttrType::Decimal, "")],
};
static NUMBERS: ResourceTypeDef =
    ResourceTypeDef { id: "Numbers", name: "Numbers", endpoint: "/Numbers", description: "", schema: &NUMBERS_SCHEMA, extensions: &[] };

/// Ids of the `users` rows that `filter` (on [`NUMBERS`]) selects, sorted by `sort`.
async fn numbers(db: &TestDb, scope: TenantScope, filter: &str, sort: Option<&str>) -> Vec<String> {
    let filter = Filter::parse(filter, &NUMBERS).unwrap();
    let mut next = 2;
    let fragment = where_clause(&filter, &USER_SQL_MAP, &PgDialect, &mut next).unwrap();
    let order = match sort {
        Some(name) => {
            let key = sort_expr(&NUMBERS.resolve_path(None, name, None).unwrap(), &USER_SQL_MAP, &PgDialect).unwrap();
            format!("({key}) IS NULL, {key}, u.pk")
        }
        None => "u.pk".to_string(),
    };
    let sql = format!("SELECT u.id FROM users u WHERE u.tenant_id = $1 AND ({}) ORDER BY {order}", fragment.sql);
    let mut query = sqlx::query(&sql).bind(scope.tenant_id());
    for param in &fragment.params {
        query = match param {
            SqlValue::Int(i) => query.bind(*i),
            SqlValue::Real(r) => query.bind(*r),
            SqlValue::Text(t) => query.bind(t.clone()),
            other => panic!("{other:?}"),
        };
    }
    query.fetch_all(db.store.pool()).await.unwrap().iter().map(|r| r.get::<String, _>(0)).collect()
}

#[tokio::test]
async fn json_numbers_compare_as_numbers_and_other_text_as_no_number() {
    let db = TestDb::new().await;
    let acme = db.tenant("acme").await;
    let docs = [
        json!({"level": 5, "score": 1.5}),
        json!({"level": 12, "score": -0.25}),
        json!({"level": "abc", "score": "1e2x"}),
        json!({"level": "7", "score": true}),
        json!({"level": {"nested": 1}, "score": [1, 2]}),
        json!({"score": 1e300}),
        json!({"level": 1e308, "score": 1.5e-7}),
        json!({"level": "9".repeat(400), "score": format!("0.{}1", "0".repeat(300))}),
        json!({"level": -3, "score": 100.0}),
    ];
    let rows: Vec<_> = docs.iter().enumerate().map(|(i, doc)| user(&format!("n{i}"), &format!("n{i}"), doc.clone())).collect();
    db.insert_users(acme, &rows).await;

    assert_eq!(numbers(&db, acme, "level gt 4", None).await, ["n0", "n1", "n3"]);
    assert_eq!(numbers(&db, acme, "level le 5", None).await, ["n0", "n8"]);
    assert_eq!(numbers(&db, acme, "level eq 12", None).await, ["n1"]);
    // Text that is no number matches no comparison, so `not` of one matches it.
    assert_eq!(numbers(&db, acme, "not (level gt 4)", None).await, ["n2", "n4", "n5", "n6", "n7", "n8"]);
    // Float parameters compare with every number a double can hold.
    assert_eq!(numbers(&db, acme, "score gt 1.25", None).await, ["n0", "n5", "n8"]);
    assert_eq!(numbers(&db, acme, "score lt 0.5", None).await, ["n1", "n6"]);
    assert_eq!(numbers(&db, acme, "score ge 1e-300", None).await, ["n0", "n5", "n6", "n8"]);
    assert_eq!(numbers(&db, acme, "level pr", None).await, ["n0", "n1", "n2", "n3", "n4", "n6", "n7", "n8"]);
    // Numbers sort as numbers; what is no number sorts last.
    assert_eq!(numbers(&db, acme, "level pr or score pr", Some("level")).await, ["n8", "n0", "n3", "n1", "n2", "n4", "n5", "n6", "n7"]);
    assert_eq!(numbers(&db, acme, "score pr", Some("score")).await, ["n1", "n6", "n0", "n8", "n5", "n2", "n3", "n4", "n7"]);
}
