//! `lanyard export` / `lanyard import`: a populated database moves from
//! SQLite to PostgreSQL and back with nothing lost.

use std::process::Command;

use lanyard_database::{DbOptions, open_migrated};
use lanyard_domain::{Config, Lanyard, Record};
use lanyard_testkit::{TestDatabase, TestServer, json, patch_op};

use crate::multi_instance::Instance;
use serde_json::Value;

fn lanyard(database: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_lanyard")).arg("--database").arg(database).args(args).output().unwrap();
    assert!(out.status.success(), "lanyard {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The export's records, without what a new database numbers itself.
fn records(export: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(export)
        .lines()
        .map(|line| {
            serde_json::from_str::<Record>(line).unwrap();
            let mut v: Value = serde_json::from_str(line).unwrap();
            if v["type"] == "tenant" {
                v.as_object_mut().unwrap().remove("id");
            }
            if let Some(token) = v.get_mut("token").and_then(Value::as_object_mut) {
                token.remove("tenant_id");
            }
            v
        })
        .collect()
}

#[tokio::test]
async fn a_populated_database_round_trips_between_sqlite_and_postgres() {
    let s = TestServer::start().await;
    let acme = s.tenant_with_seats("acme", Some(2)).await;
    let other = s.tenant("other").await;
    let revoked = s.app.create_token("acme", Some("old"), None).await.unwrap();
    s.app.revoke_token("acme", &revoked.id).await.unwrap();
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(acme.create_user(&format!("u{i}@example.com")).await);
    }
    acme.patch(&format!("/Users/{}", users[1]), &patch_op(json!([{"op": "replace", "path": "active", "value": false}]))).await.expect(200);
    let inner = acme.post("/Groups", &json!({"displayName": "Inner", "members": [{"value": users[0]}]})).await.id();
    let outer = acme
        .post("/Groups", &json!({"displayName": "Outer", "members": [{"value": users[2]}, {"value": inner}, {"value": users[3]}]}))
        .await
        .id();
    other.create_user("solo@example.com").await;
    let before_user = acme.get(&format!("/Users/{}", users[3])).await.body;
    let before_group = acme.get(&format!("/Groups/{outer}")).await.body;

    // SQLite → PostgreSQL → SQLite.
    let source = s.db.url.clone();
    let exported = lanyard(&source, &["export"]).stdout;
    let pg = TestDatabase::postgres().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &exported).unwrap();
    let imported = lanyard(&pg.url, &["--json", "import", "--input", file.path().to_str().unwrap()]).stdout;
    let counts: Value = serde_json::from_slice(&imported).unwrap();
    assert_eq!(counts, json!({"tenants": 2, "tokens": 3, "users": 5, "groups": 2, "members": 4, "audit_events": counts["audit_events"]}));
    assert!(counts["audit_events"].as_u64().unwrap() > 10);
    // The import left the planner statistics of what it loaded (plans made
    // on the empty tables would scan them whole).
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&pg.url).await.unwrap();
    let analyzed: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL AND relname IN ('users', 'user_emails') ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(analyzed, ["user_emails", "users"]);
    let from_pg = lanyard(&pg.url, &["export"]).stdout;
    assert_eq!(records(&from_pg), records(&exported), "PostgreSQL holds exactly what SQLite held");

    let back = TestDatabase::sqlite();
    let out =
        Command::new(env!("CARGO_BIN_EXE_lanyard")).args(["--database", &back.url, "import"]).stdin(std::process::Stdio::piped()).spawn();
    let mut child = out.unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &from_pg).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert_eq!(records(&lanyard(&back.url, &["export"]).stdout), records(&exported), "and back to SQLite");

    // The imported database serves the same tokens, resources and seats.
    let app = Lanyard::new(open_migrated(&pg.url, &DbOptions::default()).await.unwrap(), Config::new(&s.url));
    assert!(app.authenticate("acme", Some(&acme.token)).await.is_ok(), "token hashes moved");
    assert!(app.authenticate("acme", Some(&revoked.token)).await.is_err(), "revocations moved");
    let c = app.seat_counters("acme").await.unwrap();
    assert_eq!((c.limit, c.assigned, c.pending), (Some(2), 2, 1));
    let served = Instance::start(&pg.url).await;
    let moved = served.scim("acme", &acme.token);
    let same = |before: &Value| -> Value { serde_json::from_str(&before.to_string().replace(&s.url, &served.url)).unwrap() };
    assert_eq!(moved.get(&format!("/Users/{}", users[3])).await.body, same(&before_user));
    assert_eq!(moved.get(&format!("/Groups/{outer}")).await.body, same(&before_group));
    // Importing again into a database that has the tenants is refused.
    let again = Command::new(env!("CARGO_BIN_EXE_lanyard"))
        .args(["--database", &pg.url, "import", "--input", file.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}
