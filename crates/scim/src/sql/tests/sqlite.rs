//! The generated SQL run on an in-memory SQLite over a small fixture: the
//! rows it selects must be the resources the filter describes.

use super::{GROUPS, SqliteDialect, USERS};
use crate::filter::Filter;
use crate::schema::{GROUP_TYPE, ResourceTypeDef, SEAT_SCHEMA, USER_TYPE};
use crate::sql::{SqlMap, SqlValue, sort_expr, where_clause};
use serde_json::{Value, json};
use sqlx::{Connection, Row, SqliteConnection};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const SCHEMA: &str = "
CREATE TABLE users (pk INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, id TEXT NOT NULL,
    user_name_ci TEXT NOT NULL, external_id TEXT, display_name_ci TEXT, active BOOLEAN NOT NULL,
    doc TEXT NOT NULL, created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, seat_status TEXT NOT NULL);
CREATE TABLE user_emails (tenant_id INTEGER NOT NULL, user_id TEXT NOT NULL, value_ci TEXT NOT NULL,
    type_ci TEXT, is_primary BOOLEAN NOT NULL);
CREATE TABLE groups (pk INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, id TEXT NOT NULL,
    display_name_ci TEXT NOT NULL, external_id TEXT, doc TEXT NOT NULL);
CREATE TABLE group_members (tenant_id INTEGER NOT NULL, group_id TEXT NOT NULL, member_id TEXT NOT NULL,
    member_type TEXT NOT NULL);
";

pub(super) fn users() -> Vec<Value> {
    vec![
        json!({
            "id": "u1", "userName": "bjensen", "externalId": "E-1", "displayName": "Babs Jensen",
            "active": true, "title": "Tour Guide",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@home.org", "type": "home"}
            ],
            ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations", "manager": {"value": "u2"}},
            SEAT_SCHEMA: {"seat": {"status": "assigned"}},
            "groups": [{"value": "g1", "display": "Admins"}],
            "meta": {"created": "2020-01-01T00:00:00Z", "lastModified": "2021-01-01T00:00:00Z"}
        }),
        json!({
            "id": "u2", "userName": "JSmith", "active": false, "title": "Boss",
            "emails": [{"value": "J@Smith.io", "type": "Work"}],
            "phoneNumbers": [
                {"value": "555-1234", "type": "mobile", "primary": true},
                {"value": "555-0000", "type": "work"}
            ],
            SEAT_SCHEMA: {"seat": {"status": "none"}},
            "groups": [{"value": "g1", "display": "Admins"}],
            "meta": {"created": "2020-06-01T00:00:00Z", "lastModified": "2022-01-01T00:00:00Z"}
        }),
        json!({
            "id": "u3", "userName": "50%_off\\x", "externalId": "e-1", "displayName": "Zed",
            "active": true, "title": "",
            SEAT_SCHEMA: {"seat": {"status": "pending"}},
            "meta": {"created": "2021-03-01T00:00:00Z", "lastModified": "2021-03-01T00:00:00Z"}
        }),
        json!({
            "id": "u4", "userName": "alice", "displayName": "alice", "active": true, "nickName": "Al",
            "emails": [{"value": "Alice@Example.COM", "type": "other", "display": "A"}],
            "phoneNumbers": [{"value": "555-9999", "type": "work"}],
            ENTERPRISE: {"department": "R&D", "employeeNumber": "42"},
            SEAT_SCHEMA: {"seat": {"status": "assigned"}},
            "meta": {"created": "2021-06-01T00:00:00Z", "lastModified": "2023-01-01T00:00:00Z"}
        }),
    ]
}

/// Another tenant reusing the first tenant's ids: joins must not cross over.
fn other_tenant_users() -> Vec<Value> {
    vec![json!({
        "id": "u1", "userName": "other", "active": true,
        "emails": [{"value": "babs@home.org", "type": "work", "primary": true}],
        SEAT_SCHEMA: {"seat": {"status": "assigned"}},
        "meta": {"created": "2020-01-01T00:00:00Z", "lastModified": "2020-01-01T00:00:00Z"}
    })]
}

fn groups() -> Vec<Value> {
    vec![
        json!({"id": "g1", "displayName": "Admins", "externalId": "AD",
               "members": [{"value": "u1", "type": "User"}, {"value": "u2", "type": "User"}]}),
        json!({"id": "g2", "displayName": "Users", "members": []}),
        json!({"id": "g3", "displayName": "Nested", "members": [{"value": "g1", "type": "Group"}]}),
    ]
}

fn micros(resource: &Value, key: &str) -> i64 {
    crate::time::parse_datetime_micros(resource["meta"][key].as_str().unwrap()).unwrap()
}

fn lower(v: &Value) -> Option<String> {
    v.as_str().map(str::to_lowercase)
}

async fn insert_user(db: &mut SqliteConnection, tenant: i64, u: &Value) {
    sqlx::query(
        "INSERT INTO users (tenant_id, id, user_name_ci, external_id, display_name_ci, active, doc, \
         created_at, modified_at, seat_status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(tenant)
    .bind(u["id"].as_str())
    .bind(lower(&u["userName"]))
    .bind(u["externalId"].as_str())
    .bind(lower(&u["displayName"]))
    .bind(u["active"].as_bool().unwrap_or(false))
    .bind(u.to_string())
    .bind(micros(u, "created"))
    .bind(micros(u, "lastModified"))
    .bind(u[SEAT_SCHEMA]["seat"]["status"].as_str())
    .execute(&mut *db)
    .await
    .unwrap();
    for email in u["emails"].as_array().into_iter().flatten() {
        sqlx::query("INSERT INTO user_emails VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(tenant)
            .bind(u["id"].as_str())
            .bind(lower(&email["value"]))
            .bind(lower(&email["type"]))
            .bind(email["primary"].as_bool().unwrap_or(false))
            .execute(&mut *db)
            .await
            .unwrap();
    }
}

pub(super) async fn fixture() -> SqliteConnection {
    let mut db = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(SCHEMA).execute(&mut db).await.unwrap();
    for u in users() {
        insert_user(&mut db, 1, &u).await;
    }
    for u in other_tenant_users() {
        insert_user(&mut db, 2, &u).await;
    }
    for g in groups() {
        sqlx::query("INSERT INTO groups (tenant_id, id, display_name_ci, external_id, doc) VALUES (1, ?1, ?2, ?3, ?4)")
            .bind(g["id"].as_str())
            .bind(lower(&g["displayName"]))
            .bind(g["externalId"].as_str())
            .bind(g.to_string())
            .execute(&mut db)
            .await
            .unwrap();
        for m in g["members"].as_array().into_iter().flatten() {
            sqlx::query("INSERT INTO group_members VALUES (1, ?1, ?2, ?3)")
                .bind(g["id"].as_str())
                .bind(m["value"].as_str())
                .bind(m["type"].as_str())
                .execute(&mut db)
                .await
                .unwrap();
        }
    }
    db
}

pub(super) struct Table {
    rt: &'static ResourceTypeDef,
    map: &'static SqlMap,
    name: &'static str,
    alias: &'static str,
}

pub(super) const USER_TABLE: Table = Table { rt: &USER_TYPE, map: &USERS, name: "users", alias: "u" };
const GROUP_TABLE: Table = Table { rt: &GROUP_TYPE, map: &GROUPS, name: "groups", alias: "g" };

/// Ids of tenant 1's rows that `raw` selects, in the order `sort_by` gives
/// (nulls last, then insertion order).
pub(super) async fn select(db: &mut SqliteConnection, table: &Table, raw: &str, sort_by: Option<&str>) -> Vec<String> {
    let filter = Filter::parse(raw, table.rt).unwrap_or_else(|e| panic!("{raw}: {e}"));
    let mut next = 2;
    let fragment = where_clause(&filter, table.map, &SqliteDialect, &mut next).unwrap_or_else(|e| panic!("{raw}: {e}"));
    let order = match sort_by {
        Some(path) => {
            let (name, sub) = path.split_once('.').map_or((path, None), |(n, s)| (n, Some(s)));
            let attr = table.rt.resolve_path(None, name, sub).unwrap();
            let key = sort_expr(&attr, table.map, &SqliteDialect).unwrap();
            format!("({key}) IS NULL, {key}, {a}.pk", a = table.alias)
        }
        None => format!("{}.pk", table.alias),
    };
    let sql = format!(
        "SELECT {a}.id FROM {t} {a} WHERE {a}.tenant_id = ?1 AND ({w}) ORDER BY {order}",
        a = table.alias,
        t = table.name,
        w = fragment.sql
    );
    let mut query = sqlx::query(&sql).bind(1_i64);
    for p in &fragment.params {
        query = match p {
            SqlValue::Null => query.bind(None::<String>),
            SqlValue::Bool(b) => query.bind(*b),
            SqlValue::Int(i) => query.bind(*i),
            SqlValue::Real(r) => query.bind(*r),
            SqlValue::Text(s) => query.bind(s.clone()),
        };
    }
    let rows = query.fetch_all(&mut *db).await.unwrap_or_else(|e| panic!("{raw}: {e}\n{sql}"));
    rows.iter().map(|r| r.get::<String, _>(0)).collect()
}

const USER_CASES: &[(&str, &[&str])] = &[
    (r#"userName eq "BJENSEN""#, &["u1"]),
    (r#"userName sw "j""#, &["u2"]),
    (r#"userName co "%_""#, &["u3"]),
    (r#"userName co "\\""#, &["u3"]),
    (r#"userName co "_""#, &["u3"]),
    (r#"userName ew "E""#, &["u4"]),
    (r#"userName gt "b""#, &["u1", "u2"]),
    (r#"displayName eq "babs JENSEN""#, &["u1"]),
    (r#"externalId eq "E-1""#, &["u1"]),
    (r#"externalId sw "e""#, &["u3"]),
    (r#"externalId co "E""#, &["u1"]),
    (r#"externalId ew "-1""#, &["u1", "u3"]),
    ("externalId pr", &["u1", "u3"]),
    ("externalId eq null", &["u2", "u4"]),
    (r#"not (externalId eq "E-1")"#, &["u2", "u3", "u4"]),
    (r#"externalId ne "E-1""#, &["u2", "u3", "u4"]),
    (r#"id eq "u3""#, &["u3"]),
    (r#"emails.value eq "BJensen@example.com""#, &["u1"]),
    (r#"emails co "EXAMPLE.com""#, &["u1", "u4"]),
    (r#"emails[type eq "work" and value co "@"]"#, &["u1", "u2"]),
    (r#"emails[type eq "home" and value co "example"]"#, &[]),
    (r#"emails[type eq "work" and value eq "babs@home.org"]"#, &[]),
    (r#"emails[not (type eq "work")]"#, &["u1", "u4"]),
    (r#"emails.type ne "work""#, &["u3", "u4"]),
    ("emails pr", &["u1", "u2", "u4"]),
    ("not (emails pr)", &["u3"]),
    ("emails.primary eq true", &["u1"]),
    (r#"groups eq "g1""#, &["u1", "u2"]),
    (r#"title eq "tour guide""#, &["u1"]),
    ("title pr", &["u1", "u2"]),
    (r#"title ne "boss""#, &["u1", "u3", "u4"]),
    (r#"title gt "c""#, &["u1"]),
    (r#"title co "OUR""#, &["u1"]),
    ("title eq null", &["u3", "u4"]),
    (r#"nickName ew "l""#, &["u4"]),
    ("active eq false", &["u2"]),
    (r#"active eq "True""#, &["u1", "u3", "u4"]),
    ("active ne true", &["u2"]),
    ("active eq true and title pr", &["u1"]),
    (r#"meta.lastModified gt "2021-06-01T00:00:00Z""#, &["u2", "u4"]),
    (r#"meta.created lt "2020-01-01T01:30:00+01:00""#, &["u1"]),
    (r#"meta.created eq "2021-03-01T00:00:00.000Z""#, &["u3"]),
    (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d""#, &["u4"]),
    (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u2""#, &["u1"]),
    (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq "u2"]"#, &["u1"]),
    (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 42"#, &["u4"]),
    (r#"urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status eq "pending""#, &["u3"]),
    (r#"name.givenName sw "bar""#, &["u1"]),
    (r#"name[givenName sw "bar" and familyName eq "JENSEN"]"#, &["u1"]),
    ("name pr", &["u1"]),
    (r#"phoneNumbers[type eq "work" and value ew "9999"]"#, &["u4"]),
    (r#"phoneNumbers[type eq "mobile" and primary eq true]"#, &["u2"]),
    (r#"phoneNumbers[type eq "work" and primary eq true]"#, &[]),
    (r#"phoneNumbers[primary ne true]"#, &["u2", "u4"]),
    (r#"phoneNumbers.value co "-0000""#, &["u2"]),
    (r#"phoneNumbers co "-0000""#, &["u2"]),
    ("phoneNumbers pr", &["u2", "u4"]),
    (r#"phoneNumbers.type ne "work""#, &["u1", "u3"]),
    (r#"userName eq "alice" or userName eq "jsmith""#, &["u2", "u4"]),
    (r#"not (not (userName eq "alice"))"#, &["u4"]),
    (r#"not (title eq "boss" or emails pr)"#, &["u3"]),
    (r#"(title pr or externalId pr) and not (active eq false)"#, &["u1", "u3"]),
];

const GROUP_CASES: &[(&str, &[&str])] = &[
    (r#"displayName eq "admins""#, &["g1"]),
    (r#"members eq "u1""#, &["g1"]),
    (r#"members eq "U1""#, &[]),
    (r#"id eq "g1" and members eq "u2""#, &["g1"]),
    (r#"id eq "g2" and members eq "u2""#, &[]),
    (r#"members[type eq "group"]"#, &["g3"]),
    ("not (members pr)", &["g2"]),
    ("externalId pr", &["g1"]),
];

/// Ids of the resources the in-memory evaluator matches, in fixture order.
pub(super) fn evaluate(resources: &[Value], filter: &Filter) -> Vec<String> {
    resources.iter().filter(|r| filter.matches(r)).filter_map(|r| r["id"].as_str()).map(str::to_string).collect()
}

#[tokio::test]
async fn filters_select_the_resources_they_describe() {
    let mut db = fixture().await;
    let (users, groups) = (users(), groups());
    for (table, resources, cases) in [(&USER_TABLE, &users, USER_CASES), (&GROUP_TABLE, &groups, GROUP_CASES)] {
        for (raw, expected) in cases {
            assert_eq!(select(&mut db, table, raw, None).await, *expected, "SQL: {raw}");
            let filter = Filter::parse(raw, table.rt).unwrap();
            assert_eq!(evaluate(resources, &filter), *expected, "evaluator: {raw}");
        }
    }
}

#[tokio::test]
async fn sorting_puts_primary_values_first_and_nulls_last() {
    let mut db = fixture().await;
    let all = r#"id pr"#;
    assert_eq!(select(&mut db, &USER_TABLE, all, Some("userName")).await, ["u3", "u4", "u1", "u2"]);
    assert_eq!(select(&mut db, &USER_TABLE, all, Some("emails")).await, ["u4", "u1", "u2", "u3"]);
    assert_eq!(select(&mut db, &USER_TABLE, all, Some("emails.type")).await, ["u4", "u1", "u2", "u3"]);
    assert_eq!(select(&mut db, &USER_TABLE, all, Some("title")).await, ["u3", "u2", "u1", "u4"]);
    assert_eq!(select(&mut db, &USER_TABLE, all, Some("phoneNumbers")).await, ["u2", "u4", "u1", "u3"]);
    assert_eq!(select(&mut db, &USER_TABLE, all, Some("name.givenName")).await, ["u1", "u2", "u3", "u4"]);
}

/// The largest filters the parser accepts still run: deep nesting and
/// long `or` chains stay within SQLite's expression depth limit.
#[tokio::test]
async fn the_largest_filters_run() {
    let mut db = fixture().await;
    let mut deep = r#"userName eq "alice""#.to_string();
    // The parser allows 64 levels.
    for _ in 0..31 {
        deep = format!("not (not ({deep}))");
    }
    assert_eq!(select(&mut db, &USER_TABLE, &deep, None).await, ["u4"]);
    let mut terms = vec![r#"id eq "u2""#.to_string()];
    while terms.join(" or ").len() < crate::filter::MAX_FILTER_LEN - 40 {
        terms.push(format!(r#"emails.value eq "{}""#, terms.len()));
    }
    assert!(terms.len() > 100);
    assert_eq!(select(&mut db, &USER_TABLE, &terms.join(" or "), None).await, ["u2"]);
}
