//! The admin pages over HTTP: first-run setup, sign-in, CSRF, throttling,
//! tenant scope, tokens, provisioning requests, users, seats and audit.

use std::time::Duration;

use lanyard_domain::admin::AccountRole;
use lanyard_testkit::{AuthFailureLimit, HttpSettings, TestServer, patch_op};
use serde_json::json;

use crate::admin_client::{Browser, PASSWORD, hidden};

/// A server with tenant `acme` (seats as given) and a signed-in operator.
async fn operator(seats: Option<i64>) -> (TestServer, Browser, lanyard_testkit::Scim) {
    let s = TestServer::start().await;
    let scim = s.tenant_with_seats("acme", seats).await;
    s.app.create_admin_account("op@example.com", PASSWORD, &AccountRole::Operator).await.unwrap();
    let mut b = Browser::new(&s.url);
    b.sign_in("op@example.com", PASSWORD).await;
    (s, b, scim)
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_setup_link_creates_the_first_operator_once() {
    let s = TestServer::start().await;
    let path = s.app.admin_setup_path().await.unwrap().unwrap();
    let token = path.split("token=").nth(1).unwrap().to_string();
    let mut b = Browser::new(&s.url);
    assert_eq!(b.get("/admin").await.location.as_deref(), Some("/admin/login"), "signed out: to the sign-in page");

    let page = b.get(&path).await;
    page.expect(200);
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "no-referrer", "the token in the URL must not leak");
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    assert!(page.headers.get("content-security-policy").unwrap().to_str().unwrap().contains("frame-ancestors 'none'"));
    let csrf = page.csrf();
    assert_eq!(hidden(&page.body, "token").as_deref(), Some(token.as_str()));

    let form = |email: &'static str, password: &'static str, again: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("token", token.clone()),
            ("email", email.to_string()),
            ("password", password.to_string()),
            ("password_again", again.to_string()),
        ]
    };
    let refs = |f: &[(&'static str, String)]| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    for (form, status) in [
        (form("op@example.com", PASSWORD, "another password!"), 400),
        (form("op@example.com", "short", "short"), 400),
        (form("not an email", PASSWORD, PASSWORD), 400),
    ] {
        let owned = refs(&form);
        let fields: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.post("/admin/setup", &fields).await.expect(status);
    }
    let owned = refs(&form("Op@Example.com", PASSWORD, PASSWORD));
    let good: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut other = Browser::new(&s.url);
    other.post("/admin/setup", &good).await.expect(403); // no pre-session cookie: a forged form

    let done = b.post("/admin/setup", &good).await;
    done.expect(303);
    let cookie = done.set_cookies.iter().find(|c| c.starts_with("lanyard_admin=")).unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    b.get("/admin/tenants").await.expect(200);

    let mut again = Browser::new(&s.url);
    let page = again.get(&path).await;
    page.expect(410);
    assert!(page.body.contains("An admin account exists already"));
    let mut replay = Browser::new(&s.url);
    let csrf2 = replay.get("/admin/login").await.csrf();
    let second: Vec<(&str, &str)> =
        vec![("csrf", &csrf2), ("token", &token), ("email", "second@example.com"), ("password", PASSWORD), ("password_again", PASSWORD)];
    replay.post("/admin/setup", &second).await.expect(403);
    assert_eq!(s.app.list_admin_accounts().await.unwrap().len(), 1, "the link works once");
    assert_eq!(s.app.admin_setup_path().await.unwrap(), None, "no new link once an operator exists");

    // Sign out ends the session on the server, not just in the browser.
    let stolen = b.cookies.get("lanyard_admin").unwrap().clone();
    let csrf = b.csrf("/admin/tenants").await;
    b.post("/admin/logout", &[("csrf", &csrf)]).await.expect(303);
    let mut thief = Browser::new(&s.url);
    thief.cookies.insert("lanyard_admin".into(), stolen);
    assert_eq!(thief.get("/admin/tenants").await.location.as_deref(), Some("/admin/login"));
}

#[tokio::test]
async fn wrong_passwords_are_refused_alike_and_throttled_per_address() {
    let settings = HttpSettings {
        auth_failures: Some(AuthFailureLimit { max_failures: 3, window: Duration::from_secs(60) }),
        ..HttpSettings::default()
    };
    let s = TestServer::start_with(settings).await;
    s.app.create_admin_account("op@example.com", PASSWORD, &AccountRole::Operator).await.unwrap();
    let mut b = Browser::new(&s.url);
    let csrf = b.get("/admin/login").await.csrf();
    let wrong_password = b.post("/admin/login", &[("csrf", &csrf), ("email", "op@example.com"), ("password", "not the password")]).await;
    wrong_password.expect(401);
    let unknown = b.post("/admin/login", &[("csrf", &csrf), ("email", "nobody@example.com"), ("password", "not the password")]).await;
    unknown.expect(401);
    assert_eq!(wrong_password.body.replace("op@example.com", ""), unknown.body.replace("nobody@example.com", ""), "same answer");
    assert!(!wrong_password.set_cookies.iter().any(|c| c.starts_with("lanyard_admin=")));
    b.post("/admin/login", &[("csrf", "forged"), ("email", "op@example.com"), ("password", PASSWORD)]).await.expect(403);
    b.post("/admin/login", &[("csrf", &csrf), ("email", "op@example.com"), ("password", "again wrong")]).await.expect(401);
    let throttled = b.post("/admin/login", &[("csrf", &csrf), ("email", "op@example.com"), ("password", PASSWORD)]).await;
    throttled.expect(429);
    assert!(b.get("/admin/tenants").await.location.is_some(), "still signed out");
}

#[tokio::test]
async fn every_form_needs_the_sessions_csrf_token() {
    let (s, mut b, _) = operator(None).await;
    let mut other = Browser::new(&s.url);
    s.app.create_admin_account("op2@example.com", PASSWORD, &AccountRole::Operator).await.unwrap();
    other.sign_in("op2@example.com", PASSWORD).await;
    let others_token = other.csrf("/admin/tenants").await;
    for csrf in ["", "0000", others_token.as_str()] {
        b.post("/admin/tenants", &[("csrf", csrf), ("slug", "forged")]).await.expect(403);
        b.post("/admin/t/acme/tokens", &[("csrf", csrf), ("label", "forged")]).await.expect(403);
        b.post("/admin/t/acme/seats", &[("csrf", csrf), ("limit", "0")]).await.expect(403);
    }
    b.post("/admin/logout", &[]).await.expect(403);
    assert!(s.app.tenant_by_slug("forged").await.is_err());
    assert!(s.app.list_tokens("acme").await.unwrap().iter().all(|t| t.label.as_deref() != Some("forged")));
    let csrf = b.csrf("/admin/tenants").await;
    b.post("/admin/tenants", &[("csrf", &csrf), ("slug", "globex"), ("name", "Globex"), ("seats", "3")]).await.expect(303);
    b.post("/admin/tenants", &[("csrf", &csrf), ("slug", "Bad Slug")]).await.expect(400);
    b.post("/admin/tenants", &[("csrf", &csrf), ("slug", "x"), ("seats", "lots")]).await.expect(400);
    assert_eq!(s.app.tenant_by_slug("globex").await.unwrap().seat_limit, Some(3));
}

#[tokio::test]
async fn a_tenant_admin_sees_only_their_tenant_on_pages_and_api() {
    let (s, mut op, _) = operator(None).await;
    let globex = s.tenant("globex").await;
    let secret_user = globex.create_user("hidden@globex.example").await;
    s.app.create_admin_account("admin@acme.example", PASSWORD, &AccountRole::TenantAdmin("acme".into())).await.unwrap();
    let mut b = Browser::new(&s.url);
    b.sign_in("admin@acme.example", PASSWORD).await;
    assert_eq!(b.get("/admin").await.location.as_deref(), Some("/admin/t/acme/auth"));
    b.get("/admin/t/acme/auth").await.expect(200);
    b.get("/admin/tenants").await.expect(403);
    for page in ["auth", "users", "groups", "seats", "audit", "audit.csv", "sso/new", &format!("users/{secret_user}")] {
        let res = b.get(&format!("/admin/t/globex/{page}")).await;
        res.expect(404);
        assert!(!res.body.contains("globex.example"), "{page}");
    }
    let csrf = b.csrf("/admin/t/acme/auth").await;
    b.post("/admin/t/globex/tokens", &[("csrf", &csrf), ("label", "mine now")]).await.expect(404);
    b.post("/admin/t/acme/seats", &[("csrf", &csrf), ("limit", "1000")]).await.expect(403);
    b.post("/admin/tenants", &[("csrf", &csrf), ("slug", "mine")]).await.expect(403);
    assert!(s.app.list_tokens("globex").await.unwrap().iter().all(|t| t.label.as_deref() != Some("mine now")));

    // The API with the same session.
    let h = [("x-csrf-token", csrf.as_str())];
    let list = b.request(reqwest::Method::GET, "/api/v1/tenants", None, &h).await;
    list.expect(200);
    let slugs: Vec<String> = serde_json::from_str::<serde_json::Value>(&list.body)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(slugs, ["acme"]);
    for path in [
        "/api/v1/tenants/globex",
        "/api/v1/tenants/globex/users",
        &format!("/api/v1/tenants/globex/users/{secret_user}"),
        "/api/v1/tenants/globex/audit",
        "/api/v1/tenants/globex/events",
    ] {
        b.request(reqwest::Method::GET, path, None, &h).await.expect(404);
    }
    b.request(reqwest::Method::DELETE, "/api/v1/tenants/globex/tokens/x", None, &h).await.expect(404);
    // The operator sees both.
    op.get("/admin/t/globex/users").await.expect(200);
}

#[tokio::test]
async fn operators_add_administrators_and_tenant_admins_cannot() {
    let (s, mut op, _) = operator(None).await;
    let page = op.get("/admin/accounts").await;
    page.expect(200);
    assert!(page.body.contains("op@example.com") && page.body.contains("operator (every tenant)"), "{}", page.body);
    let csrf = op.csrf("/admin/accounts").await;
    let form = |email: &'static str, role: &'static str, password: &'static str| {
        [("csrf", csrf.clone()), ("email", email.to_string()), ("role", role.to_string()), ("password", password.to_string())]
    };
    let refused = op.post("/admin/accounts", &as_pairs(&form("ann@acme.example", "acme", "short"))).await;
    refused.expect(400);
    assert!(refused.body.contains("at least 12 characters"), "{}", refused.body);
    let refused = op.post("/admin/accounts", &as_pairs(&form("ann@acme.example", "nope", PASSWORD))).await;
    refused.expect(400);
    assert!(refused.body.contains("does not exist"), "{}", refused.body);
    op.post("/admin/accounts", &as_pairs(&form("Ann@Acme.example", "acme", PASSWORD))).await.expect(303);
    let listed = op.get("/admin/accounts").await;
    assert!(listed.body.contains("ann@acme.example") && listed.body.contains("admin of acme"), "{}", listed.body);
    let again = op.post("/admin/accounts", &as_pairs(&form("ann@acme.example", "operator", PASSWORD))).await;
    again.expect(400);
    assert!(again.body.contains("already exists"));
    let without_csrf = op.post("/admin/accounts", &[("email", "x@example.com"), ("role", "operator"), ("password", PASSWORD)]).await;
    without_csrf.expect(403);

    // The new tenant admin signs in to their tenant only, and adds nobody.
    let mut ann = Browser::new(&s.url);
    ann.sign_in("ann@acme.example", PASSWORD).await;
    assert_eq!(ann.get("/admin").await.location.as_deref(), Some("/admin/t/acme/auth"));
    ann.get("/admin/accounts").await.expect(403);
    let csrf = ann.csrf("/admin/t/acme/auth").await;
    ann.post("/admin/accounts", &[("csrf", &csrf), ("email", "eve@example.com"), ("role", "operator"), ("password", PASSWORD)])
        .await
        .expect(403);
    assert_eq!(s.app.list_admin_accounts().await.unwrap().len(), 2);
}

#[tokio::test]
async fn operators_create_and_revoke_api_keys_on_the_access_page() {
    let (s, mut op, _) = operator(None).await;
    let csrf = op.csrf("/admin/accounts").await;
    let created = op.post("/admin/api-keys", &[("csrf", &csrf), ("label", "billing"), ("scope", "all")]).await;
    created.expect(200);
    let key = element_text(&created.body, "new-api-key-value").expect("the new key is shown");
    assert!(key.starts_with("lya_"), "{key}");
    let api = |key: String| {
        let url = format!("{}/api/v1/tenants", s.url);
        async move { reqwest::Client::new().get(url).bearer_auth(key).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(api(key.clone()).await, 200);
    let listed = op.get("/admin/accounts").await;
    assert!(listed.body.contains("billing") && listed.body.contains("every tenant"));
    assert!(!listed.body.contains(&key), "shown only once");
    let refused = op.post("/admin/api-keys", &[("csrf", &csrf), ("label", "x"), ("scope", "nope")]).await;
    refused.expect(400);
    let id = s.app.list_api_keys().await.unwrap().into_iter().find(|k| k.label.as_deref() == Some("billing")).unwrap().id;
    op.post(&format!("/admin/api-keys/{id}/revoke"), &[("csrf", &csrf)]).await.expect(303);
    assert_eq!(api(key).await, 401, "revoked at once");

    s.app.create_admin_account("ann@acme.example", PASSWORD, &AccountRole::TenantAdmin("acme".into())).await.unwrap();
    let mut ann = Browser::new(&s.url);
    ann.sign_in("ann@acme.example", PASSWORD).await;
    let csrf = ann.csrf("/admin/t/acme/auth").await;
    ann.post("/admin/api-keys", &[("csrf", &csrf), ("scope", "all")]).await.expect(403);
}

#[tokio::test]
async fn operators_add_webhook_endpoints_and_see_their_deliveries() {
    let receiver = crate::receiver::Receiver::start().await;
    let s = TestServer::start_with_webhooks(crate::webhooks::quick(&[100])).await;
    let scim = s.tenant("acme").await;
    s.app.create_admin_account("op@example.com", PASSWORD, &AccountRole::Operator).await.unwrap();
    let mut op = Browser::new(&s.url);
    op.sign_in("op@example.com", PASSWORD).await;
    let csrf = op.csrf("/admin/webhooks").await;
    let refused = op.post("/admin/webhooks", &[("csrf", &csrf), ("url", "ftp://nope.example/"), ("scope", "all")]).await;
    refused.expect(400);
    assert!(refused.body.contains("http:// or https://"), "{}", refused.body);
    let form = [
        ("csrf", csrf.as_str()),
        ("url", receiver.url.as_str()),
        ("scope", "acme"),
        ("event", "user.created"),
        ("event", "user.suspended"),
    ];
    let created = op.post("/admin/webhooks", &form).await;
    created.expect(200);
    let secret = element_text(&created.body, "new-webhook-secret").expect("the secret is shown once");
    let hook = s.app.list_webhooks(None).await.unwrap().pop().unwrap();
    assert_eq!(hook.event_types, Some(vec!["user.created".to_string(), "user.suspended".to_string()]));
    assert_eq!(hook.tenant.as_deref(), Some("acme"));

    scim.create_user("ann@example.com").await;
    let got = receiver.wait_delivered(1, Duration::from_secs(30)).await;
    assert!(crate::receiver::verify(&secret, &got[0]), "signed with the secret the page showed");
    eventually("the delivery on the endpoint's page", || {
        let (url, cookie) = (format!("{}/admin/webhooks/{}", s.url, hook.id), op.cookie_header());
        async move {
            let body = reqwest::Client::new().get(url).header("cookie", cookie).send().await.unwrap().text().await.unwrap();
            body.contains("HTTP 200") && body.contains("delivering")
        }
    })
    .await;
    op.post(&format!("/admin/webhooks/{}/pause", hook.id), &[("csrf", &csrf)]).await.expect(303);
    let page = op.get(&format!("/admin/webhooks/{}", hook.id)).await;
    assert!(page.body.contains("paused by admin:op@example.com"), "{}", page.body);
    assert!(!s.app.webhook(&hook.id).await.unwrap().enabled);
    op.post(&format!("/admin/webhooks/{}/resume", hook.id), &[("csrf", &csrf)]).await.expect(303);
    assert!(s.app.webhook(&hook.id).await.unwrap().enabled);
    op.post(&format!("/admin/webhooks/{}/delete", hook.id), &[("csrf", &csrf)]).await.expect(303);
    assert!(s.app.list_webhooks(None).await.unwrap().is_empty());
    op.post(&format!("/admin/webhooks/{}/explode", hook.id), &[("csrf", &csrf)]).await.expect(404);
}

/// The text of the element with this id (a copy field's value).
fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\">"))? + id.len() + 6;
    let end = start + html[start..].find('<')?;
    Some(html[start..end].to_string())
}

fn as_pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_new_token_is_shown_once_works_and_its_requests_are_listed() {
    let (s, mut b, acme) = operator(None).await;
    let page = b.get("/admin/t/acme/auth").await;
    page.expect(200);
    assert!(page.body.contains(&format!("{}/scim/v2/acme", s.url)), "the SCIM Base URL");
    let csrf = page.csrf();
    let created = b.post("/admin/t/acme/tokens", &[("csrf", &csrf), ("label", "jumpcloud"), ("expires_days", "90")]).await;
    created.expect(200);
    let start = created.body.find("lyd_").expect("the new token is on the page");
    let token: String = created.body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    assert_eq!(created.body.matches(&token).count(), 1);
    let scim = acme.with_token(&token);
    scim.get("/Users").await.expect(200);
    acme.with_token("lyd_wrong").get("/Users").await.expect(401);
    scim.create_user("ann@example.com").await;

    let later = b.get("/admin/t/acme/auth").await;
    assert!(!later.body.contains(&token), "shown once");
    assert!(later.body.contains("jumpcloud"));
    eventually("the provisioning requests", || {
        let mut b2 = Browser::new(&s.url);
        b2.cookies = b.cookies.clone();
        async move {
            let body = b2.get("/admin/t/acme/auth").await.body;
            body.contains("<code>/scim/v2/acme/Users</code>") && body.contains(">401<") && body.contains(">201<")
        }
    })
    .await;
    b.post("/admin/t/acme/tokens", &[("csrf", &csrf), ("expires_days", "0")]).await.expect(400);

    let id = s.app.list_tokens("acme").await.unwrap().into_iter().find(|t| t.label.as_deref() == Some("jumpcloud")).unwrap().id;
    b.post(&format!("/admin/t/acme/tokens/{id}/revoke"), &[("csrf", &csrf)]).await.expect(303);
    scim.get("/Users").await.expect(401);
    b.post("/admin/t/acme/tokens/nope/revoke", &[("csrf", &csrf)]).await.expect(404);
    let audit = s.app.audit_events("acme", None, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.event.action == "token.created" && e.event.actor == "admin:op@example.com"));
    assert!(audit.iter().any(|e| e.event.action == "token.revoked"));
}

#[tokio::test]
async fn users_seats_and_the_queue_move_when_someone_is_suspended() {
    let (s, mut b, acme) = operator(Some(2)).await;
    let mut ids = Vec::new();
    for name in ["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"] {
        ids.push(acme.create_user(name).await);
    }
    let eng = acme.create_group("Engineering", &[&ids[0], &ids[2]]).await;
    let pending = b.get("/admin/t/acme/users?seat=pending").await;
    pending.expect(200);
    assert!(
        pending.body.contains("cat@example.com") && pending.body.contains("dan@example.com") && !pending.body.contains("ann@example.com")
    );
    let seats = b.get("/admin/t/acme/seats").await.body;
    assert!(seats.contains("<dd id=\"seats-assigned\">2</dd>") && seats.contains("<dd id=\"seats-pending\">2</dd>"));
    assert!(seats.find("cat@example.com").unwrap() < seats.find("dan@example.com").unwrap(), "queue order");

    acme.patch(&format!("/Users/{}", ids[0]), &patch_op(json!([{"op": "replace", "path": "active", "value": false}]))).await.expect(200);
    let user = b.get(&format!("/admin/t/acme/users/{}", ids[2])).await.body;
    assert!(user.contains("<dd id=\"seat\">assigned</dd>"), "cat took ann's seat");
    let ann = b.get(&format!("/admin/t/acme/users/{}", ids[0])).await.body;
    assert!(ann.contains("seat.released") && ann.contains("seat.assigned") && ann.contains("Engineering"), "{ann}");
    let group = b.get(&format!("/admin/t/acme/groups/{eng}")).await.body;
    assert!(group.contains("ann@example.com") && group.contains("cat@example.com"));
    assert!(b.get("/admin/t/acme/groups").await.body.contains("Engineering"));
    let suspended = b.get("/admin/t/acme/users?active=false").await.body;
    assert!(suspended.contains("ann@example.com") && !suspended.contains("bob@example.com"));
    assert!(b.get("/admin/t/acme/users?q=BO").await.body.contains("bob@example.com"));
    b.get("/admin/t/acme/users?seat=maybe").await.expect(400);
    b.get("/admin/t/acme/users?after=garbage").await.expect(400);
    b.get("/admin/t/acme/users/nope").await.expect(404);

    let csrf = b.csrf("/admin/t/acme/seats").await;
    b.post("/admin/t/acme/seats", &[("csrf", &csrf), ("limit", "10")]).await.expect(303);
    assert_eq!(s.app.seat_counters("acme").await.unwrap().pending, 0, "raising the limit seats the queue");
    b.post("/admin/t/acme/seats", &[("csrf", &csrf), ("limit", "-3")]).await.expect(400);
}

#[tokio::test]
async fn user_pages_follow_a_cursor_through_every_user() {
    let (_s, mut b, acme) = operator(None).await;
    for i in 0..120 {
        acme.create_user(&format!("u{i:03}@example.com")).await;
    }
    let mut seen = Vec::new();
    let mut path = "/admin/t/acme/users".to_string();
    loop {
        let page = b.get(&path).await;
        page.expect(200);
        seen.extend(page.body.match_indices("data-user=\"").map(|(i, m)| page.body[i + m.len()..].split('"').next().unwrap().to_string()));
        match page
            .body
            .split("rel=\"next\"")
            .next()
            .and_then(|head| head.rsplit("href=\"").next())
            .filter(|_| page.body.contains("rel=\"next\""))
        {
            Some(href) => path = href.split('"').next().unwrap().replace("&amp;", "&"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 120);
    assert_eq!(seen.iter().collect::<std::collections::BTreeSet<_>>().len(), 120, "no user twice");
}

#[tokio::test]
async fn the_audit_log_filters_and_exports_csv() {
    let (_s, mut b, acme) = operator(Some(1)).await;
    acme.create_user("ann@example.com").await;
    acme.create_user("=cmd|' /C calc'!A0@example.com").await;
    let page = b.get("/admin/t/acme/audit?action=seat.").await;
    page.expect(200);
    assert!(page.body.contains("<td>seat.assigned</td>") && !page.body.contains("<td>user.created</td>"), "{}", page.body);
    let csv = b.get("/admin/t/acme/audit.csv?action=user.").await;
    csv.expect(200);
    assert!(csv.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers.get("content-disposition").unwrap().to_str().unwrap().contains("attachment"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "id,at,actor,action,resource_type,resource_id,detail");
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines.iter().skip(1).all(|l| l.contains(",user.created,")));
    b.get("/admin/t/acme/audit?since=yesterday").await.expect(400);
    assert!(b.get("/admin/t/acme/audit?since=2000-01-01&until=2000-01-02").await.body.contains("No events match"));
}
