//! `/metrics`, request ids and the JSON request log — and that tokens and
//! passwords never reach the log.

use std::time::Duration;

use lanyard_database::{DbOptions, open_migrated};
use lanyard_domain::{Config, Lanyard};
use lanyard_testkit::{HttpSettings, Scim, TestDatabase, TestServer, json, patch_op};
use reqwest::Method;
use serde_json::Value;

use crate::multi_instance::Instance;

const METRICS_TOKEN: &str = "metrics-secret-for-tests";

async fn scrape(url: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{url}/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The value of the sample `name{labels}` (labels in Prometheus' sorted order).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.parse().ok()))
}

#[tokio::test]
async fn metrics_count_requests_errors_and_seats_under_route_templates_without_ids() {
    let s = TestServer::start_with(HttpSettings { metrics_token: Some(METRICS_TOKEN.into()), ..HttpSettings::default() }).await;
    let acme = s.tenant_with_seats("acme", Some(1)).await;
    s.tenant("globex").await;
    let u1 = acme.create_user("one@acme.com").await;
    let u2 = acme.create_user("two@acme.com").await; // pending
    acme.get(&format!("/Users/{u1}")).await.expect(200);
    acme.get(&format!("/Users/{u2}")).await.expect(200);
    acme.post("/Users", &json!({"userName": "one@acme.com"})).await.expect_error(409, Some("uniqueness"));
    acme.get("/Users/no-such-id").await.expect_error(404, None);
    acme.patch(&format!("/Users/{u1}"), &patch_op(json!([{"op": "bogus"}]))).await.expect(400);
    // Strangers: a wrong token, and an invented tenant in the path.
    acme.with_token("lyd_nope").get("/Users").await.expect_error(401, None);
    Scim::new(&format!("{}/scim/v2/invented-tenant-xyz", s.url), "lyd_nope").get("/Users").await.expect_error(401, None);

    assert_eq!(scrape(&s.url, None).await.status(), 401);
    assert_eq!(scrape(&s.url, Some("wrong")).await.status(), 401);
    let res = scrape(&s.url, Some(METRICS_TOKEN)).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();

    let requests = |tenant: &str, route: &str, method: &str, status: u16| {
        sample(
            &text,
            &format!(
                r#"lanyard_http_requests_total{{method="{method}",route="/scim/v2/{{tenant}}{route}",status="{status}",tenant="{tenant}"}}"#
            ),
        )
    };
    assert_eq!(requests("acme", "/Users", "POST", 201), Some(2.0), "{text}");
    assert_eq!(requests("acme", "/Users/{id}", "GET", 200), Some(2.0), "{text}");
    assert_eq!(requests("acme", "/Users/{id}", "GET", 404), Some(1.0), "{text}");
    assert_eq!(requests("", "/Users", "GET", 401), Some(2.0), "strangers are counted without a tenant: {text}");
    let errors = |route: &str, status: u16, scim_type: &str| {
        sample(
            &text,
            &format!(
                r#"lanyard_scim_errors_total{{route="/scim/v2/{{tenant}}{route}",scim_type="{scim_type}",status="{status}",tenant="acme"}}"#
            ),
        )
    };
    assert_eq!(errors("/Users", 409, "uniqueness"), Some(1.0), "{text}");
    assert_eq!(errors("/Users/{id}", 404, ""), Some(1.0), "{text}");
    assert_eq!(errors("/Users/{id}", 400, "invalidSyntax").or(errors("/Users/{id}", 400, "invalidValue")), Some(1.0), "{text}");
    let latency = sample(&text, r#"lanyard_http_request_duration_seconds_count{method="POST",route="/scim/v2/{tenant}/Users"}"#);
    assert_eq!(latency, Some(3.0), "{text}");
    assert!(text.contains(r#"lanyard_http_request_duration_seconds_bucket{method="POST",route="/scim/v2/{tenant}/Users",le="0.005"}"#));

    assert_eq!(sample(&text, r#"lanyard_seats_assigned{tenant="acme"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"lanyard_seats_pending{tenant="acme"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"lanyard_seats_limit{tenant="acme"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"lanyard_seats_assigned{tenant="globex"}"#), Some(0.0), "{text}");
    assert_eq!(sample(&text, r#"lanyard_seats_limit{tenant="globex"}"#), None, "unlimited: no limit series");
    assert_eq!(sample(&text, "lanyard_database_up"), Some(1.0));

    // No ids, raw paths, invented tenants or secrets in any label.
    for secret in [&u1, &u2, "no-such-id", "invented-tenant-xyz", "lyd_", METRICS_TOKEN, "one@acme.com"] {
        assert!(!text.contains(secret), "{secret:?} in the metrics");
    }

    // Seat gauges are read at scrape time.
    acme.patch(&format!("/Users/{u1}"), &patch_op(json!([{"op": "replace", "path": "active", "value": false}]))).await.expect(200);
    let text = scrape(&s.url, Some(METRICS_TOKEN)).await.text().await.unwrap();
    assert_eq!(sample(&text, r#"lanyard_seats_assigned{tenant="acme"}"#), Some(1.0));
    assert_eq!(sample(&text, r#"lanyard_seats_pending{tenant="acme"}"#), Some(0.0));
}

#[tokio::test]
async fn admin_api_requests_are_counted_under_their_keys_tenant() {
    let s = TestServer::start_with(HttpSettings { metrics_token: Some(METRICS_TOKEN.into()), ..HttpSettings::default() }).await;
    s.tenant("acme").await;
    let global = s.app.create_api_key(None, None).await.unwrap().key;
    let acme = s.app.create_api_key(Some("acme"), None).await.unwrap().key;
    let http = reqwest::Client::new();
    for (key, path) in [(&global, "/api/v1/tenants"), (&acme, "/api/v1/tenants/acme/users")] {
        let res = http.get(format!("{}{path}", s.url)).bearer_auth(key).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let text = scrape(&s.url, Some(METRICS_TOKEN)).await.text().await.unwrap();
    let requests = |route: &str, tenant: &str| {
        sample(&text, &format!(r#"lanyard_http_requests_total{{method="GET",route="{route}",status="200",tenant="{tenant}"}}"#))
    };
    assert_eq!(requests("/api/v1/tenants", "*"), Some(1.0), "a key for all tenants: {text}");
    assert_eq!(requests("/api/v1/tenants/{tenant}/users", "acme"), Some(1.0), "a tenant's key: {text}");
}

#[tokio::test]
async fn without_a_metrics_token_the_main_listener_has_no_metrics() {
    let s = TestServer::start().await;
    let res = scrape(&s.url, Some("anything")).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn request_ids_are_taken_from_the_client_or_made_and_always_returned() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let res = scim.send(Method::GET, "/Users", None, &[("X-Request-Id", "okta-req-42")]).await;
    assert_eq!(res.header("x-request-id"), Some("okta-req-42"));
    let (a, b) = (scim.get("/Users").await, scim.get("/Nope").await);
    let (a, b) = (a.header("x-request-id").unwrap().to_string(), b.header("x-request-id").unwrap().to_string());
    assert_eq!(a.len(), 36, "a UUID: {a}");
    assert_ne!(a, b);
    let bad = scim.send(Method::GET, "/Users", None, &[("X-Request-Id", "has spaces and \"quotes\"")]).await;
    assert_eq!(bad.header("x-request-id").unwrap().len(), 36, "an unusable id is replaced");
    let res = reqwest::get(format!("{}/healthz", s.url)).await.unwrap();
    assert!(res.headers().contains_key("x-request-id"));
}

/// A tenant and a token in a fresh database of this run's backend, made
/// before any server starts (so no first-start token is printed).
pub async fn prepared_database(slug: &str, seats: Option<i64>) -> (TestDatabase, String, Lanyard) {
    let db = TestDatabase::new().await;
    let store = open_migrated(&db.url, &DbOptions::default()).await.unwrap();
    let app = Lanyard::new(store, Config::new("http://127.0.0.1"));
    app.create_tenant(slug, None, seats).await.unwrap();
    let token = app.create_token(slug, Some("test"), None).await.unwrap().token;
    (db, token, app)
}

#[tokio::test]
async fn json_logs_carry_request_ids_and_never_tokens_or_passwords() {
    let (db, token, _app) = prepared_database("acme", None).await;
    let instance = Instance::start_with(&db.url, &["--log-format", "json"], &[("RUST_LOG", "debug")]).await;
    let scim = instance.scim("acme", &token);
    const PASSWORD: &str = "Tr0ub4dor&3-never-log-me";
    const WRONG_TOKEN: &str = "lyd_wrongwrongwrongwrongwrongwrongwrongwrongwrongwrongwrongwrongwron";

    let user = json!({"userName": "pat@acme.com", "password": PASSWORD, "emails": [{"value": "pat@acme.com"}]});
    let created = scim.send(Method::POST, "/Users", Some(&user), &[("X-Request-Id", "create-pat-1")]).await;
    created.expect(201);
    assert!(!created.text.contains(PASSWORD), "the password is not stored or returned");
    let path = format!("/Users/{}", created.id());
    scim.put(&path, &json!({"userName": "pat@acme.com", "password": PASSWORD})).await.expect(200);
    scim.patch(&path, &patch_op(json!([{"op": "replace", "path": "password", "value": PASSWORD}]))).await.expect(200);
    // Errors around the secrets: a bad body with the password, the password
    // with a wrong type, a wrong token, a token in a malformed header.
    scim.send_raw(Method::POST, "/Users", "application/scim+json", format!("{{\"password\": \"{PASSWORD}\"").into_bytes())
        .await
        .expect_error(400, Some("invalidSyntax"));
    scim.post("/Users", &json!({"userName": "x@acme.com", "password": {"p": PASSWORD}})).await.expect(400);
    scim.with_token(WRONG_TOKEN).get("/Users").await.expect_error(401, None);
    scim.with_token("").send(Method::GET, "/Users", None, &[("Authorization", &format!("Basic {token}"))]).await.expect_error(401, None);

    // Let the last lines reach the file.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = instance.log();
    assert!(!log.contains(&token), "the token was logged");
    assert!(!log.contains(&token[4..20]), "part of the token was logged");
    assert!(!log.contains(WRONG_TOKEN), "a wrong token was logged");
    assert!(!log.contains(PASSWORD), "the password was logged");

    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}")))
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    assert!(requests.len() >= 7, "{log}");
    for r in &requests {
        for field in ["timestamp", "level", "method", "path", "status", "latency_ms", "request_id", "client"] {
            assert!(!r[field].is_null(), "{field} missing in {r}");
        }
    }
    let create = requests.iter().find(|r| r["request_id"] == "create-pat-1").expect("the create's line");
    assert_eq!(
        (create["method"].as_str(), create["path"].as_str(), create["status"].as_u64()),
        (Some("POST"), Some("/scim/v2/acme/Users"), Some(201))
    );
    assert_eq!(create["tenant"], "acme");
    assert!(create["token_id"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(create["client"], "127.0.0.1");
}

#[tokio::test]
async fn the_metrics_listener_serves_metrics_that_the_main_listener_does_not() {
    let (db, token, _app) = prepared_database("acme", Some(5)).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let metrics_addr = format!("127.0.0.1:{port}");
    let instance = Instance::start_with(&db.url, &["--metrics-listen", &metrics_addr], &[("RUST_LOG", "warn")]).await;
    instance.scim("acme", &token).create_user("a@acme.com").await;
    assert_eq!(scrape(&instance.url, None).await.status(), 404, "not on the main listener");
    let res = scrape(&format!("http://{metrics_addr}"), None).await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert_eq!(sample(&text, r#"lanyard_seats_assigned{tenant="acme"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"lanyard_seats_limit{tenant="acme"}"#), Some(5.0), "{text}");
    let posts = sample(&text, r#"lanyard_http_requests_total{method="POST",route="/scim/v2/{tenant}/Users",status="201",tenant="acme"}"#);
    assert_eq!(posts, Some(1.0), "{text}");
}
