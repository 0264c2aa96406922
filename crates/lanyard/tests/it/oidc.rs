//! The OpenID Connect provider, as an application uses it: authorization
//! code with PKCE through a real SAML sign-in (pysaml2 IdP), ID tokens
//! verified against the published JWKS with `jsonwebtoken`, `/userinfo`,
//! and every refusal an application or attacker can meet.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lanyard_testkit::{json, patch_op};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::sso::{Browser, Setup, idp, query_param};

const REDIRECT_URI: &str = "https://app.example/callback";

/// A registered application.
struct App {
    client_id: String,
    secret: Option<String>,
}

impl App {
    async fn register(s: &Setup, public: bool) -> App {
        let created = s.server.app.create_oidc_client("Example app", &[REDIRECT_URI.to_string()], public).await.unwrap();
        App { client_id: created.client.client_id, secret: created.client_secret }
    }
}

/// A PKCE verifier and its S256 challenge.
fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn authorize_path(app: &App, challenge: &str, extra: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs([
        ("response_type", "code"),
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid email profile groups"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]);
    query.extend_pairs(extra);
    format!("/oidc/authorize?{}", query.finish())
}

/// Follows `/oidc/authorize` through the email page and the IdP back to
/// the application's redirect URI; answers that URI.
async fn authorize_with_sign_in(s: &Setup, browser: &mut Browser, path: &str, email: &str) -> String {
    let page = browser.get(path).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let login = page.location.unwrap();
    assert!(login.starts_with("/sso/login?"), "no session: to the email page, got {login}");
    let return_to = query_param(&login, "return_to").unwrap();
    let acs = s.sign_in_from(browser, email, Some(&return_to)).await;
    assert_eq!(acs.status, 303, "{}", acs.body);
    let back = acs.location.unwrap();
    assert!(back.starts_with("/oidc/authorize?"), "back to the authorization request, got {back}");
    let page = browser.get(&back).await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.unwrap()
}

async fn redeem(s: &Setup, app: &App, code: &str, verifier: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT_URI), ("code_verifier", verifier)];
    let mut request = reqwest::Client::new().post(format!("{}/oidc/token", s.server.url));
    match &app.secret {
        Some(secret) => {
            request = request.header("authorization", format!("Basic {}", STANDARD.encode(format!("{}:{secret}", app.client_id))))
        }
        None => form.push(("client_id", app.client_id.as_str())),
    }
    let res = request.form(&form).send().await.unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, res.json().await.unwrap_or(Value::Null), headers)
}

/// Verifies an ID token as an application's library does: discovery, JWKS, RS256, issuer, audience, expiry.
async fn verified_claims(s: &Setup, app: &App, id_token: &str) -> Value {
    let http = reqwest::Client::new();
    let discovery: Value =
        http.get(format!("{}/.well-known/openid-configuration", s.server.url)).send().await.unwrap().json().await.unwrap();
    let jwks: JwkSet = http.get(discovery["jwks_uri"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    let kid = jsonwebtoken::decode_header(id_token).unwrap().kid.unwrap();
    let jwk = jwks.find(&kid).expect("the signing key is published");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&app.client_id]);
    validation.set_issuer(&[discovery["issuer"].as_str().unwrap()]);
    jsonwebtoken::decode::<Value>(id_token, &DecodingKey::from_jwk(jwk).unwrap(), &validation).unwrap().claims
}

async fn userinfo(s: &Setup, access_token: &str) -> (u16, Value, Option<String>) {
    let res = reqwest::Client::new().get(format!("{}/oidc/userinfo", s.server.url)).bearer_auth(access_token).send().await.unwrap();
    let status = res.status().as_u16();
    let challenge = res.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_string);
    (status, res.json().await.unwrap_or(Value::Null), challenge)
}

#[tokio::test]
async fn sp_initiated_sign_in_ends_in_a_verified_id_token() {
    let s = Setup::new(None, false, false).await;
    let alice = s.scim.create_user("alice@example.com").await;
    let group = s.scim.post("/Groups", &json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering", "members": [{ "value": alice }] })).await;
    assert_eq!(group.status, 201);
    let app = App::register(&s, false).await;
    let (verifier, challenge) = pkce();
    let mut browser = Browser::new(&s.server.url);

    let back = authorize_with_sign_in(&s, &mut browser, &authorize_path(&app, &challenge, &[]), "alice@example.com").await;
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some("st-123"));
    assert_eq!(query_param(&back, "iss").as_deref(), Some(s.server.url.as_str()));
    let code = query_param(&back, "code").unwrap();

    let (status, tokens, headers) = redeem(&s, &app, &code, &verifier).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(tokens.get("refresh_token").is_none(), "no refresh token without offline_access");
    let claims = verified_claims(&s, &app, tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], alice.as_str());
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["tenant"], "acme");
    assert_eq!(claims["seat"], "assigned");
    // The SCIM group, then what the IdP asserted (groups Engineering and Admins).
    assert_eq!(claims["groups"], json!(["Engineering", "Admins"]));
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["preferred_username"], "alice@example.com");
    assert!(claims["auth_time"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());
    assert!(claims["sid"].is_string());

    let access_token = tokens["access_token"].as_str().unwrap();
    let (status, info, _) = userinfo(&s, access_token).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["sub"], alice.as_str());
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["groups"], json!(["Engineering", "Admins"]));

    // A code works once; used again, what it bought is revoked.
    let (status, error, _) = redeem(&s, &app, &code, &verifier).await;
    assert_eq!((status, error["error"].as_str()), (400, Some("invalid_grant")));
    let (status, _, challenge) = userinfo(&s, access_token).await;
    assert_eq!(status, 401);
    assert!(challenge.unwrap().contains("invalid_token"));

    // The SSO session signs the next request in without the IdP.
    let (verifier, challenge) = pkce();
    let page = browser.get(&authorize_path(&app, &challenge, &[])).await;
    assert_eq!(page.status, 303);
    let code = query_param(page.location.as_deref().unwrap(), "code").expect("a code straight away");
    assert_eq!(redeem(&s, &app, &code, &verifier).await.0, 200);
}

#[tokio::test]
async fn idp_initiated_sign_in_ends_in_a_verified_id_token() {
    let s = Setup::new(None, false, true).await;
    let alice = s.scim.create_user("alice@example.com").await;
    let app = App::register(&s, true).await;
    assert!(app.secret.is_none(), "a public client has no secret");
    let (verifier, challenge) = pkce();
    // The IdP's RelayState names the application's authorization request.
    let relay = authorize_path(&app, &challenge, &[]);
    let response = idp().response(&s.sp_metadata().await, "alice@example.com", None, &s.acs_url(), "both");
    let mut browser = Browser::new(&s.server.url);
    let acs = browser.post_form(&s.acs_path(), &[("SAMLResponse", &response), ("RelayState", &relay)]).await;
    assert_eq!(acs.status, 303, "{}", acs.body);
    assert_eq!(acs.location.as_deref(), Some(relay.as_str()));
    let page = browser.get(&relay).await;
    let code = query_param(page.location.as_deref().unwrap(), "code").unwrap();
    let (status, tokens, _) = redeem(&s, &app, &code, &verifier).await;
    assert_eq!(status, 200, "{tokens}");
    let claims = verified_claims(&s, &app, tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], alice.as_str());
    // Names come from the directory (SCIM), not from the assertion.
    assert_eq!((claims["given_name"].as_str(), claims["family_name"].as_str()), (Some("Test"), Some("User")));
    assert_eq!(claims["name"], "Test User");
}

#[tokio::test]
async fn login_hint_goes_straight_to_the_idp_and_prompt_none_does_not_ask() {
    let s = Setup::new(None, false, false).await;
    s.scim.create_user("alice@example.com").await;
    let app = App::register(&s, false).await;
    let (_, challenge) = pkce();
    let mut browser = Browser::new(&s.server.url);
    let page = browser.get(&authorize_path(&app, &challenge, &[("login_hint", "alice@example.com")])).await;
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap().starts_with("https://idp.test/sso?SAMLRequest="));

    let page = browser.get(&authorize_path(&app, &challenge, &[("prompt", "none")])).await;
    assert_eq!(page.status, 303);
    let back = page.location.unwrap();
    assert!(back.starts_with(REDIRECT_URI));
    assert_eq!(query_param(&back, "error").as_deref(), Some("login_required"));
    assert_eq!(query_param(&back, "state").as_deref(), Some("st-123"));
}

#[tokio::test]
async fn untrusted_requests_are_refused_without_a_redirect() {
    let s = Setup::new(None, false, false).await;
    let app = App::register(&s, false).await;
    let (_, challenge) = pkce();
    let mut browser = Browser::new(&s.server.url);
    let unknown = App { client_id: "nobody".into(), secret: None };
    for path in [
        authorize_path(&unknown, &challenge, &[]),
        authorize_path(&app, &challenge, &[]).replace("app.example%2Fcallback", "evil.example%2Fcallback"),
        "/oidc/authorize".to_string(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 400, "{path}: {}", page.body);
        assert!(page.location.is_none(), "never redirect to an unregistered URI");
    }
}

#[tokio::test]
async fn bad_authorization_requests_go_back_to_the_application_with_an_error() {
    let s = Setup::new(None, false, false).await;
    let app = App::register(&s, false).await;
    let (_, challenge) = pkce();
    let mut browser = Browser::new(&s.server.url);
    let cases: Vec<(String, &str)> = vec![
        (authorize_path(&app, &challenge, &[]).replace("code_challenge_method=S256", "code_challenge_method=plain"), "invalid_request"),
        (authorize_path(&app, &challenge, &[]).replace(&format!("code_challenge={challenge}"), ""), "invalid_request"),
        (authorize_path(&app, &challenge, &[]).replace("response_type=code", "response_type=token"), "unsupported_response_type"),
        (authorize_path(&app, &challenge, &[]).replace("scope=openid+", "scope="), "invalid_scope"),
        (authorize_path(&app, &challenge, &[("state", "again")]), "invalid_request"),
        (authorize_path(&app, &challenge, &[("request", "eyJ")]), "request_not_supported"),
        (authorize_path(&app, &challenge, &[("max_age", "soon")]), "invalid_request"),
    ];
    for (path, error) in cases {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 303, "{path}");
        let back = page.location.unwrap();
        assert!(back.starts_with(REDIRECT_URI), "{back}");
        assert_eq!(query_param(&back, "error").as_deref(), Some(error), "{path}");
        assert!(query_param(&back, "code").is_none());
    }
}

#[tokio::test]
async fn the_token_endpoint_checks_the_client_and_the_pkce_verifier() {
    let s = Setup::new(None, false, false).await;
    s.scim.create_user("alice@example.com").await;
    let app = App::register(&s, false).await;
    let mut browser = Browser::new(&s.server.url);
    let (verifier, challenge) = pkce();
    let back = authorize_with_sign_in(&s, &mut browser, &authorize_path(&app, &challenge, &[]), "alice@example.com").await;
    let code = query_param(&back, "code").unwrap();

    let wrong_secret = App { client_id: app.client_id.clone(), secret: Some("lyc_wrong".into()) };
    let (status, error, headers) = redeem(&s, &wrong_secret, &code, &verifier).await;
    assert_eq!((status, error["error"].as_str()), (401, Some("invalid_client")));
    assert!(headers.get("www-authenticate").unwrap().to_str().unwrap().starts_with("Basic"));
    let no_secret = App { client_id: app.client_id.clone(), secret: None };
    assert_eq!(redeem(&s, &no_secret, &code, &verifier).await.0, 401, "a confidential client must authenticate");

    let (other_verifier, _) = pkce();
    let (status, error, _) = redeem(&s, &app, &code, &other_verifier).await;
    assert_eq!((status, error["error"].as_str()), (400, Some("invalid_grant")));
    // The failed attempt used the code up.
    assert_eq!(redeem(&s, &app, &code, &verifier).await.0, 400);

    for (form, error) in [
        (vec![("grant_type", "client_credentials")], "unsupported_grant_type"),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("code", "lyac_nothing"),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier.as_str()),
            ],
            "invalid_grant",
        ),
        (vec![("grant_type", "authorization_code")], "invalid_request"),
    ] {
        let res = reqwest::Client::new()
            .post(format!("{}/oidc/token", s.server.url))
            .basic_auth(&app.client_id, app.secret.as_deref())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], error);
    }
}

#[tokio::test]
async fn a_user_suspended_over_scim_is_signed_out_at_once() {
    let s = Setup::new(None, false, false).await;
    let alice = s.scim.create_user("alice@example.com").await;
    let app = App::register(&s, false).await;
    let mut browser = Browser::new(&s.server.url);
    let (verifier, challenge) = pkce();
    let back = authorize_with_sign_in(&s, &mut browser, &authorize_path(&app, &challenge, &[]), "alice@example.com").await;
    let (_, tokens, _) = redeem(&s, &app, &query_param(&back, "code").unwrap(), &verifier).await;
    let access_token = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&s, access_token).await.0, 200);
    assert_eq!(browser.me().await.0, 200);

    s.scim.patch(&format!("/Users/{alice}"), &patch_op(json!([{ "op": "replace", "path": "active", "value": false }]))).await.expect(200);
    assert_eq!(userinfo(&s, access_token).await.0, 401, "the access token is revoked");
    assert_eq!(browser.me().await.0, 401, "the SSO session has ended");
    let page = browser.get(&authorize_path(&app, &challenge, &[])).await;
    assert!(page.location.unwrap().starts_with("/sso/login?"), "a new sign-in is needed");

    // Ended, not only refused while suspended: they stay dead once the
    // user is active again.
    s.scim.patch(&format!("/Users/{alice}"), &patch_op(json!([{ "op": "replace", "path": "active", "value": true }]))).await.expect(200);
    assert_eq!(userinfo(&s, access_token).await.0, 401, "the access token stays revoked");
    assert_eq!(browser.me().await.0, 401, "the SSO session stays ended");
}

#[tokio::test]
async fn discovery_and_keys_describe_the_provider() {
    let s = Setup::new(None, false, false).await;
    let res = reqwest::get(format!("{}/.well-known/openid-configuration", s.server.url)).await.unwrap();
    assert_eq!(res.headers().get("access-control-allow-origin").unwrap(), "*");
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["issuer"], s.server.url.as_str());
    assert_eq!(doc["authorization_endpoint"], format!("{}/oidc/authorize", s.server.url));
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(doc["id_token_signing_alg_values_supported"], json!(["RS256"]));

    // `serve` makes the first key at start; a second start makes none.
    s.server.app.ensure_signing_key().await.unwrap();
    s.server.app.ensure_signing_key().await.unwrap();
    let first: JwkSet = reqwest::get(doc["jwks_uri"].as_str().unwrap()).await.unwrap().json().await.unwrap();
    assert_eq!(first.keys.len(), 1);
    let kid = s.server.app.rotate_signing_key().await.unwrap();
    let after: JwkSet = reqwest::get(doc["jwks_uri"].as_str().unwrap()).await.unwrap().json().await.unwrap();
    assert_eq!(after.keys.len(), 2, "old keys stay published");
    assert!(after.find(&kid).is_some());
}

/// `lanyard --json ARGS`: whether it succeeded, its JSON, stderr.
fn lanyard(db: &str, args: &[&str]) -> (bool, Value, String) {
    let (ok, out, err) = crate::cli::lanyard(db, &[&["--json"], args].concat());
    (ok, serde_json::from_str(&out).unwrap_or(Value::Null), err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_from_the_command_line() {
    let database = lanyard_testkit::TestDatabase::new().await;
    let db = database.url.as_str();
    let (ok, created, err) =
        lanyard(db, &["oidc", "create", "Example app", "--redirect-uri", REDIRECT_URI, "--public-url", "https://id.example.com"]);
    assert!(ok, "{err}");
    assert!(created["client_secret"].as_str().unwrap().starts_with("lyc_"));
    assert_eq!(created["discovery_url"], "https://id.example.com/.well-known/openid-configuration");
    let client_id = created["client_id"].as_str().unwrap();

    let (ok, public, _) = lanyard(db, &["oidc", "create", "SPA", "--public", "--redirect-uri", "http://localhost:5173/cb"]);
    assert!(ok);
    assert_eq!(public["client_secret"], Value::Null);
    let (_, list, _) = lanyard(db, &["oidc", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list.to_string().find("lyc_").is_none(), "a secret is shown once");

    let (ok, _, err) = lanyard(db, &["oidc", "create", "Example app", "--redirect-uri", REDIRECT_URI]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = lanyard(db, &["oidc", "create", "Plain", "--redirect-uri", "http://app.example/cb"]);
    assert!(!ok && err.contains("https"), "{err}");

    let (ok, rotated, _) = lanyard(db, &["oidc", "rotate-key"]);
    assert!(ok && rotated["kid"].is_string());
    assert!(lanyard(db, &["oidc", "delete", client_id]).0);
    assert!(!lanyard(db, &["oidc", "delete", client_id]).0);
}

#[tokio::test]
async fn signing_out_ends_the_session_and_goes_back_to_a_registered_uri() {
    let s = Setup::new(None, false, false).await;
    s.scim.create_user("alice@example.com").await;
    let app = App::register(&s, false).await;
    let (verifier, challenge) = pkce();
    let mut browser = Browser::new(&s.server.url);
    let back = authorize_with_sign_in(&s, &mut browser, &authorize_path(&app, &challenge, &[]), "alice@example.com").await;
    let (_, tokens, _) = redeem(&s, &app, &query_param(&back, "code").unwrap(), &verifier).await;
    let (id_token, access_token) = (tokens["id_token"].as_str().unwrap(), tokens["access_token"].as_str().unwrap());
    let discovery: Value = reqwest::get(format!("{}/.well-known/openid-configuration", s.server.url)).await.unwrap().json().await.unwrap();
    assert_eq!(discovery["end_session_endpoint"], format!("{}/oidc/logout", s.server.url));

    // Refused, and nothing ended: a URI the application did not register, a token Lanyard did not sign.
    let logout =
        |pairs: &[(&str, &str)]| format!("/oidc/logout?{}", form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish());
    let page = browser.get(&logout(&[("id_token_hint", id_token), ("post_logout_redirect_uri", "https://evil.example/")])).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.location.is_none());
    let forged = format!("{}x", &id_token[..id_token.len() - 1]);
    let page = browser.get(&logout(&[("id_token_hint", &forged), ("post_logout_redirect_uri", REDIRECT_URI)])).await;
    assert_eq!(page.status, 400, "{}", page.body);
    let page = browser.get(&logout(&[("post_logout_redirect_uri", REDIRECT_URI)])).await;
    assert_eq!(page.status, 400, "without client_id or id_token_hint the URI cannot be checked");
    assert_eq!(browser.me().await.0, 200, "still signed in");
    assert_eq!(userinfo(&s, access_token).await.0, 200);

    // Back to the application with its state; the session and its tokens are gone.
    let cookie = browser.cookie.clone();
    let page = browser.get(&logout(&[("id_token_hint", id_token), ("post_logout_redirect_uri", REDIRECT_URI), ("state", "bye")])).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some(format!("{REDIRECT_URI}?state=bye").as_str()));
    assert!(page.set_cookie.as_deref().is_some_and(|c| c.contains("Max-Age=0")), "{:?}", page.set_cookie);
    browser.cookie = cookie;
    assert_eq!(browser.me().await.0, 401, "the old cookie no longer works");
    assert_eq!(userinfo(&s, access_token).await.0, 401);

    // The signed-in page's own button, without an application.
    let mut other = Browser::new(&s.server.url);
    assert_eq!(s.sign_in_from(&mut other, "alice@example.com", None).await.status, 303);
    assert_eq!(other.me().await.0, 200);
    let cookie = other.cookie.clone();
    let page = other.post_form("/sso/logout", &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("signed out"), "{}", page.body);
    other.cookie = cookie;
    assert_eq!(other.me().await.0, 401);
}

#[tokio::test]
async fn a_single_page_application_may_call_the_token_and_userinfo_endpoints_from_its_origin() {
    let s = Setup::new(None, false, false).await;
    let spa = s.server.app.create_oidc_client("SPA", &["http://localhost:5173/cb".to_string()], true).await.unwrap();
    let http = reqwest::Client::new();
    for path in ["/oidc/token", "/oidc/userinfo"] {
        let url = format!("{}{path}", s.server.url);
        let preflight = |origin: &str| {
            http.request(reqwest::Method::OPTIONS, &url)
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization")
        };
        let allowed = preflight("http://localhost:5173").send().await.unwrap();
        assert_eq!(allowed.status(), 204);
        assert_eq!(allowed.headers()["access-control-allow-origin"], "http://localhost:5173");
        assert!(allowed.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
        let other = preflight("https://evil.example").send().await.unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none(), "{path}: an origin no application registered");
    }
    // The answers themselves (here refusals) are readable from the registered origin only.
    let token = |origin: &'static str| {
        let form = [("grant_type", "authorization_code"), ("code", "nope"), ("client_id", spa.client.client_id.as_str())];
        http.post(format!("{}/oidc/token", s.server.url)).header("origin", origin).form(&form).send()
    };
    let answer = token("http://localhost:5173").await.unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(answer.headers()["access-control-allow-origin"], "http://localhost:5173");
    assert!(token("https://evil.example").await.unwrap().headers().get("access-control-allow-origin").is_none());
    let info = http.get(format!("{}/oidc/userinfo", s.server.url)).header("origin", "http://localhost:5173").bearer_auth("lyat_x").send();
    let info = info.await.unwrap();
    assert_eq!(info.status(), 401);
    assert_eq!(info.headers()["access-control-allow-origin"], "http://localhost:5173");
}

async fn refresh(s: &Setup, app: &App, refresh_token: &str, scope: Option<&str>) -> (u16, Value) {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    form.extend(scope.map(|s| ("scope", s)));
    let auth = format!("Basic {}", STANDARD.encode(format!("{}:{}", app.client_id, app.secret.as_deref().unwrap())));
    let res = reqwest::Client::new().post(format!("{}/oidc/token", s.server.url)).header("authorization", auth).form(&form).send().await;
    let res = res.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn refresh_tokens_rotate_check_the_user_again_and_a_reused_one_revokes_its_family() {
    let s = Setup::new(None, false, false).await;
    let alice = s.scim.create_user("alice@example.com").await;
    let app = App::register(&s, false).await;
    let (verifier, challenge) = pkce();
    let mut browser = Browser::new(&s.server.url);
    let path = authorize_path(&app, &challenge, &[]).replace("scope=openid+email+profile+groups", "scope=openid+email+offline_access");
    let back = authorize_with_sign_in(&s, &mut browser, &path, "alice@example.com").await;
    let (status, tokens, _) = redeem(&s, &app, &query_param(&back, "code").unwrap(), &verifier).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "openid email offline_access");
    let first = tokens["refresh_token"].as_str().expect("offline_access asks for a refresh token").to_string();

    let (status, refreshed) = refresh(&s, &app, &first, None).await;
    assert_eq!(status, 200, "{refreshed}");
    let second = refreshed["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second, first, "rotated");
    let claims = verified_claims(&s, &app, refreshed["id_token"].as_str().unwrap()).await;
    assert_eq!((claims["sub"].as_str(), claims["email"].as_str()), (Some(alice.as_str()), Some("alice@example.com")));
    assert!(claims.get("nonce").is_none());
    assert_eq!(userinfo(&s, refreshed["access_token"].as_str().unwrap()).await.0, 200);
    let (status, error) = refresh(&s, &app, &second, Some("openid groups")).await;
    assert_eq!((status, error["error"].as_str()), (400, Some("invalid_scope")), "no wider scope");
    let (status, narrower) = refresh(&s, &app, &second, Some("openid offline_access")).await;
    assert_eq!(status, 200, "{narrower}");
    assert_eq!(narrower["scope"], "openid offline_access");
    let third = narrower["refresh_token"].as_str().unwrap().to_string();

    // The first token again: stolen, so its whole family goes, access tokens included.
    let (status, error) = refresh(&s, &app, &first, None).await;
    assert_eq!((status, error["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(refresh(&s, &app, &third, None).await.0, 400, "the family is revoked");
    assert_eq!(userinfo(&s, narrower["access_token"].as_str().unwrap()).await.0, 401);

    // A new family; the user suspended over SCIM cannot refresh.
    let (verifier, challenge) = pkce();
    let page = browser.get(&authorize_path(&app, &challenge, &[]).replace("groups", "offline_access")).await;
    let code = query_param(page.location.as_deref().unwrap(), "code").expect("the session signs in again");
    let (_, tokens, _) = redeem(&s, &app, &code, &verifier).await;
    let fresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let suspended =
        s.scim.patch(&format!("/Users/{alice}"), &patch_op(json!([{ "op": "replace", "path": "active", "value": false }]))).await;
    assert_eq!(suspended.status, 200);
    let (status, error) = refresh(&s, &app, &fresh, None).await;
    assert_eq!((status, error["error"].as_str()), (400, Some("invalid_grant")));
}
