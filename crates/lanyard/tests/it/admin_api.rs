//! `/api/v1` as the admin API: the OpenAPI document against the routes
//! the server answers, responses against the documented schemas, API keys
//! and the session cookie with its CSRF header.

use std::collections::BTreeSet;

use lanyard_domain::admin::AccountRole;
use lanyard_testkit::{TestServer, json};
use reqwest::Method;
use serde_json::Value;

use crate::admin_client::{Browser, PASSWORD};

/// Every route of the admin API: the document and the router must both
/// hold exactly these.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/tenants"),
    ("POST", "/api/v1/tenants"),
    ("GET", "/api/v1/tenants/{tenant}"),
    ("GET", "/api/v1/tenants/{tenant}/seats"),
    ("PUT", "/api/v1/tenants/{tenant}/seats"),
    ("GET", "/api/v1/tenants/{tenant}/tokens"),
    ("POST", "/api/v1/tenants/{tenant}/tokens"),
    ("DELETE", "/api/v1/tenants/{tenant}/tokens/{id}"),
    ("GET", "/api/v1/tenants/{tenant}/provisioning-requests"),
    ("GET", "/api/v1/tenants/{tenant}/users"),
    ("GET", "/api/v1/tenants/{tenant}/users/{id}"),
    ("GET", "/api/v1/tenants/{tenant}/groups"),
    ("GET", "/api/v1/tenants/{tenant}/groups/{id}"),
    ("GET", "/api/v1/tenants/{tenant}/audit"),
    ("GET", "/api/v1/tenants/{tenant}/audit.csv"),
    ("GET", "/api/v1/tenants/{tenant}/sso-connections"),
    ("POST", "/api/v1/tenants/{tenant}/sso-connections"),
    ("GET", "/api/v1/tenants/{tenant}/sso-connections/{id}"),
    ("DELETE", "/api/v1/tenants/{tenant}/sso-connections/{id}"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/tenants/{tenant}/events"),
    ("GET", "/api/v1/openapi.json"),
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

async fn document(url: &str) -> Value {
    let res = reqwest::get(format!("{url}/api/v1/openapi.json")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    res.json().await.unwrap()
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut all = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.to_uppercase().as_str()) {
                all.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    all
}

struct Api {
    url: String,
    key: String,
    http: reqwest::Client,
}

impl Api {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, String, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.url)).bearer_auth(&self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let text = res.text().await.unwrap();
        (status, content_type, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn server_with_key() -> (TestServer, Api) {
    let s = TestServer::start().await;
    let key = s.app.create_api_key(None, Some("test")).await.unwrap().key;
    let api = Api { url: s.url.clone(), key, http: reqwest::Client::new() };
    (s, api)
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_server_answers() {
    let (s, api) = server_with_key().await;
    s.tenant("acme").await;
    let doc = document(&s.url).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented(&doc), expected, "the OpenAPI document and the list of routes differ");

    let paths: BTreeSet<&str> = ROUTES.iter().map(|(_, p)| *p).collect();
    for path in paths {
        let concrete = path.replace("{tenant}", "acme").replace("{id}", "no-such-id");
        for method in METHODS {
            let (status, content_type, _) = api.send(Method::from_bytes(method.as_bytes()).unwrap(), &concrete, Some(json!({}))).await;
            let served = expected.contains(&(method.to_string(), path.to_string()));
            // The fallback (no route at all) answers a SCIM 404; a route
            // with another method answers 405.
            let fallback = status == 404 && content_type.starts_with("application/scim+json");
            if served {
                assert!(status != 405 && !fallback, "{method} {concrete} is documented but not served ({status})");
            } else {
                assert_eq!(status, 405, "{method} {concrete} is served but not documented");
            }
        }
    }
}

/// Checks `value` against the document's schema `name` (OpenAPI 3.1
/// schemas are JSON Schema 2020-12; `$ref`s resolve inside the document).
fn check(doc: &Value, name: &str, value: &Value) {
    let mut schema = doc.clone();
    schema["$ref"] = json!(format!("#/components/schemas/{name}"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name} does not match the document: {errors:?}\n{value:#}");
}

fn check_list(doc: &Value, name: &str, value: &Value) {
    for item in value.as_array().unwrap() {
        check(doc, name, item);
    }
}

#[tokio::test]
async fn answers_match_the_documented_schemas() {
    let (s, api) = server_with_key().await;
    let doc = document(&s.url).await;
    let (status, _, tenant) = api.send(Method::POST, "/api/v1/tenants", Some(json!({"slug": "acme", "name": "Acme", "seats": 1}))).await;
    assert_eq!(status, 201, "{tenant}");
    check(&doc, "TenantOut", &tenant);
    assert_eq!(tenant["scim_base_url"], format!("{}/scim/v2/acme", s.url));
    let (_, _, created) = api.send(Method::POST, "/api/v1/tenants/acme/tokens", Some(json!({"label": "jc", "expires_in_days": 30}))).await;
    check(&doc, "CreatedTokenOut", &created);
    let scim = lanyard_testkit::Scim::new(&format!("{}/scim/v2/acme", s.url), created["token"].as_str().unwrap());
    let ann = scim.create_user("ann@example.com").await;
    scim.create_user("bob@example.com").await;
    scim.create_group("Eng", &[&ann]).await;

    let (_, _, tokens) = api.send(Method::GET, "/api/v1/tenants/acme/tokens", None).await;
    check_list(&doc, "TokenOut", &tokens);
    assert!(!tokens.to_string().contains(created["token"].as_str().unwrap()), "never shown again");
    let (_, _, users) = api.send(Method::GET, "/api/v1/tenants/acme/users?limit=1", None).await;
    check(&doc, "UserPage", &users);
    let next = users["next"].as_str().unwrap();
    let (_, _, more) = api.send(Method::GET, &format!("/api/v1/tenants/acme/users?limit=1&after={next}"), None).await;
    assert_eq!(more["users"][0]["userName"], "bob@example.com");
    assert_eq!(more["users"][0]["seat"]["status"], "pending");
    let (_, _, user) = api.send(Method::GET, &format!("/api/v1/tenants/acme/users/{ann}"), None).await;
    check(&doc, "UserDetailOut", &user);
    assert_eq!(user["groups"][0]["displayName"], "Eng");
    let (_, _, groups) = api.send(Method::GET, "/api/v1/tenants/acme/groups", None).await;
    check(&doc, "GroupPage", &groups);
    let (_, _, seats) = api.send(Method::PUT, "/api/v1/tenants/acme/seats", Some(json!({"limit": 2}))).await;
    check(&doc, "SeatsOut", &seats);
    assert_eq!((seats["assigned"].as_i64(), seats["pending"].as_i64()), (Some(2), Some(0)));
    let (_, _, audit) = api.send(Method::GET, "/api/v1/tenants/acme/audit?action=seat.", None).await;
    check(&doc, "AuditPage", &audit);
    let (_, _, list) = api.send(Method::GET, "/api/v1/tenants", None).await;
    check_list(&doc, "TenantOut", &list);
    let (status, _, error) = api.send(Method::GET, "/api/v1/tenants/nope", None).await;
    assert_eq!(status, 404);
    check(&doc, "ErrorBody", &error);
    let (status, _, error) = api.send(Method::POST, "/api/v1/tenants", Some(json!({"slug": "x", "bogus": 1}))).await;
    assert_eq!(status, 400, "{error}");
    check(&doc, "ErrorBody", &error);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, _, requests) = api.send(Method::GET, "/api/v1/tenants/acme/provisioning-requests", None).await;
        check_list(&doc, "ProvisioningRequestOut", &requests);
        if requests.as_array().unwrap().len() >= 3 || std::time::Instant::now() > deadline {
            assert!(requests.as_array().unwrap().iter().any(|r| r["method"] == "POST" && r["status"] == 201), "{requests}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// More requests than a log keeps, in one batch and over several: the
/// newest are kept, newest first, in whatever sizes they were written.
#[tokio::test]
async fn a_busy_clients_log_keeps_its_newest_requests() {
    let (s, api) = server_with_key().await;
    let acme = s.tenant("acme").await;
    let keep = lanyard_domain::admin::KEEP_PER_TENANT as usize;
    let total = keep + 61;
    for n in 0..total {
        acme.get(&format!("/Users/missing-{n}")).await.expect(404);
    }
    let expected: Vec<String> = (total - keep..total).rev().map(|n| format!("/scim/v2/acme/Users/missing-{n}")).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, _, requests) = api.send(Method::GET, "/api/v1/tenants/acme/provisioning-requests", None).await;
        let paths: Vec<String> = requests.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap_or_default().to_string()).collect();
        if paths == expected {
            assert!(requests.as_array().unwrap().iter().all(|r| r["status"] == 404 && r["method"] == "GET"), "{requests}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the log holds {} entries, from {:?} to {:?}",
            paths.len(),
            paths.first(),
            paths.last()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[cfg(feature = "saml")]
#[tokio::test]
async fn sso_connections_over_the_api_from_metadata_or_values_entered_by_hand() {
    let (s, api) = server_with_key().await;
    s.tenant("acme").await;
    let doc = document(&s.url).await;
    let idp = crate::sso::idp();
    let pem = std::fs::read_to_string(idp.certificate_file()).unwrap();
    let by_hand = json!({
        "name": "Okta", "idp": "okta", "domains": ["acme.example"],
        "idp_entity_id": "https://idp.test/metadata", "idp_sso_url": "https://idp.test/sso", "idp_certificates": [pem],
        "jit": true, "allow_idp_initiated": true, "attribute_mapping": { "groups": "memberOf" },
    });
    let (status, _, created) = api.send(Method::POST, "/api/v1/tenants/acme/sso-connections", Some(by_hand.clone())).await;
    assert_eq!(status, 201, "{created}");
    check(&doc, "SsoConnectionOut", &created);
    assert_eq!((created["jit"].as_bool(), created["allow_idp_initiated"].as_bool()), (Some(true), Some(true)));
    assert_eq!(created["attribute_mapping"], json!({ "given_name": "givenName", "family_name": "sn", "groups": "memberOf" }));
    assert_eq!(created["idp_certificate_sha256"].as_array().unwrap().len(), 1);
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["sp"]["certificate_url"], format!("{}/sso/saml/{id}/certificate", s.url));
    let (status, _, shown) = api.send(Method::GET, &format!("/api/v1/tenants/acme/sso-connections/{id}"), None).await;
    assert_eq!((status, &shown), (200, &created));

    let mut no_certificate = by_hand.clone();
    no_certificate["name"] = json!("Other");
    no_certificate["domains"] = json!(["other.example"]);
    no_certificate["idp_certificates"] = json!(["not a certificate"]);
    let (status, _, error) = api.send(Method::POST, "/api/v1/tenants/acme/sso-connections", Some(no_certificate.clone())).await;
    assert_eq!(status, 400, "{error}");
    check(&doc, "ErrorBody", &error);
    no_certificate["metadata_xml"] = json!(idp.metadata());
    let (status, _, error) = api.send(Method::POST, "/api/v1/tenants/acme/sso-connections", Some(no_certificate)).await;
    assert_eq!(status, 400, "two IdP sources: {error}");
    assert!(error.to_string().contains("one of"), "{error}");
}

#[tokio::test]
async fn keys_and_sessions_are_scoped_and_cookie_writes_need_the_csrf_header() {
    let s = TestServer::start().await;
    s.tenant("acme").await;
    s.tenant("globex").await;
    let key = s.app.create_api_key(Some("acme"), None).await.unwrap().key;
    let tenant_key = Api { url: s.url.clone(), key, http: reqwest::Client::new() };
    assert_eq!(tenant_key.send(Method::GET, "/api/v1/tenants/globex/users", None).await.0, 404);
    assert_eq!(tenant_key.send(Method::GET, "/api/v1/tenants/acme/users", None).await.0, 200);
    assert_eq!(tenant_key.send(Method::POST, "/api/v1/tenants", Some(json!({"slug": "mine"}))).await.0, 403);
    assert_eq!(tenant_key.send(Method::PUT, "/api/v1/tenants/acme/seats", Some(json!({"limit": 9}))).await.0, 403);
    let anonymous = Api { url: s.url.clone(), key: String::new(), http: reqwest::Client::new() };
    assert_eq!(anonymous.send(Method::GET, "/api/v1/tenants", None).await.0, 401);
    let wrong = Api { url: s.url.clone(), key: "lya_wrong".into(), http: reqwest::Client::new() };
    assert_eq!(wrong.send(Method::GET, "/api/v1/tenants", None).await.0, 401);

    s.app.create_admin_account("op@example.com", PASSWORD, &AccountRole::Operator).await.unwrap();
    let mut b = Browser::new(&s.url);
    b.sign_in("op@example.com", PASSWORD).await;
    let csrf = b.csrf("/admin/tenants").await;
    let no_header = b.request(Method::POST, "/api/v1/tenants/acme/tokens", None, &[("content-type", "application/json")]).await;
    assert_eq!(no_header.status.as_u16(), 403, "{}", no_header.body);
    let wrong_header = b.request(Method::DELETE, "/api/v1/tenants/acme/tokens/x", None, &[("x-csrf-token", "0000")]).await;
    assert_eq!(wrong_header.status.as_u16(), 403);
    let read = b.request(Method::GET, "/api/v1/tenants/acme/tokens", None, &[]).await;
    assert_eq!(read.status.as_u16(), 200, "reads need no CSRF header");
    let client = reqwest::Client::new();
    let cookie = format!("lanyard_admin={}", b.cookies["lanyard_admin"]);
    let created = client
        .post(format!("{}/api/v1/tenants/acme/tokens", s.url))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"label": "from the browser"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
}
