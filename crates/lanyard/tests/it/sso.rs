//! SAML single sign-on against a real third-party IdP: pysaml2 with
//! Debian's xmlsec1 (`tests/idp/idp.py`), driven through Lanyard's HTTP
//! pages as a browser would.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use lanyard_domain::sso::{ConnectionInput, MetadataSource};
use lanyard_testkit::{Scim, TestServer, json, patch_op};

use crate::cli::lanyard;
use crate::receiver::{Receiver, verify};
use reqwest::redirect::Policy;
use serde_json::Value;

/// The test IdP: one key pair for the whole run (made once, first).
pub(crate) struct Idp {
    dir: PathBuf,
}

fn python() -> String {
    std::env::var("LANYARD_TEST_PYTHON")
        .unwrap_or_else(|_| format!("{}/.cache/lanyard/saml-venv/bin/python", std::env::var("HOME").unwrap_or_default()))
}

pub(crate) fn idp() -> &'static Idp {
    static IDP: OnceLock<Idp> = OnceLock::new();
    IDP.get_or_init(|| {
        let idp = Idp { dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("saml-idp") };
        // Both key pairs now, before tests run the IdP in parallel.
        idp.run(&["metadata"]);
        idp.run(&["--key", "other", "metadata"]);
        idp
    })
}

impl Idp {
    fn run(&self, args: &[&str]) -> String {
        self.try_run(args).unwrap_or_else(|stderr| panic!("idp.py {args:?}: {stderr}"))
    }

    /// The IdP's output, or what it printed when it refused.
    fn try_run(&self, args: &[&str]) -> Result<String, String> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/idp/idp.py");
        let out = Command::new(python())
            .arg(script)
            .arg("--dir")
            .arg(&self.dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run the test IdP with {} ({e}); run ./scripts/test once to create the venv", python()));
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(String::from_utf8(out.stdout).unwrap())
    }

    pub(crate) fn metadata(&self) -> String {
        self.run(&["metadata"])
    }

    /// The PEM file of the certificate the IdP signs with.
    pub(crate) fn certificate_file(&self) -> PathBuf {
        self.dir.join("idp-cert.pem")
    }

    /// A base64 SAMLResponse; SP-initiated when `redirect` (the URL Lanyard
    /// sent the browser to) is given, whose signature the IdP then requires.
    pub(crate) fn response(&self, sp_metadata: &str, email: &str, redirect: Option<&str>, acs: &str, variant: &str) -> String {
        self.try_response(sp_metadata, email, redirect, acs, variant).unwrap_or_else(|stderr| panic!("idp.py response: {stderr}"))
    }

    pub(crate) fn try_response(
        &self,
        sp_metadata: &str,
        email: &str,
        redirect: Option<&str>,
        acs: &str,
        variant: &str,
    ) -> Result<String, String> {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), sp_metadata).unwrap();
        let path = file.path().to_str().unwrap();
        let mut args = vec!["response", "--sp-metadata", path, "--email", email, "--variant", variant];
        args.extend(["--attr", "givenName=Ada", "--attr", "sn=Lovelace", "--attr", "groups=Engineering", "--attr", "groups=Admins"]);
        match redirect {
            Some(url) => args.extend(["--redirect-query", url.split_once('?').map_or("", |(_, query)| query)]),
            None => args.extend(["--acs", acs]),
        }
        self.try_run(&args)
    }
}

/// A browser: no automatic redirects, one cookie jar (the session cookie).
pub(crate) struct Browser {
    http: reqwest::Client,
    base: String,
    pub(crate) cookie: Option<String>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) set_cookie: Option<String>,
    pub(crate) body: String,
}

impl Browser {
    pub(crate) fn new(base: &str) -> Browser {
        Browser { http: reqwest::Client::builder().redirect(Policy::none()).build().unwrap(), base: base.to_string(), cookie: None }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = match &self.cookie {
            Some(c) => request.header("cookie", c),
            None => request,
        };
        let res = request.send().await.unwrap();
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        if let Some(c) = &set_cookie {
            self.cookie = c.split(';').next().map(str::to_string);
        }
        Page { status: res.status().as_u16(), location, set_cookie, body: res.text().await.unwrap() }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let url = format!("{}{path}", self.base);
        let request = self.http.get(url);
        self.send(request).await
    }

    pub(crate) async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let url = format!("{}{path}", self.base);
        let request = self.http.post(url).header("content-type", "application/x-www-form-urlencoded").body(body);
        self.send(request).await
    }

    pub(crate) async fn me(&mut self) -> (u16, Value) {
        let page = self.get("/sso/me").await;
        (page.status, serde_json::from_str(&page.body).unwrap_or(Value::Null))
    }
}

pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// A JumpCloud connection for `example.com` with this metadata.
pub(crate) fn connection_input(metadata: MetadataSource, jit: bool, allow_idp_initiated: bool) -> ConnectionInput {
    ConnectionInput {
        name: "JumpCloud".into(),
        idp_kind: "jumpcloud".into(),
        metadata,
        domains: vec!["example.com".into()],
        jit,
        allow_idp_initiated,
        attributes: Vec::new(),
    }
}

pub(crate) struct Setup {
    pub(crate) server: TestServer,
    pub(crate) scim: Scim,
    pub(crate) connection: String,
}

impl Setup {
    pub(crate) async fn new(seats: Option<i64>, jit: bool, allow_idp_initiated: bool) -> Setup {
        Setup::on(TestServer::start().await, seats, jit, allow_idp_initiated).await
    }

    /// Tenant `acme` with a connection for `example.com`, on this server.
    async fn on(server: TestServer, seats: Option<i64>, jit: bool, allow_idp_initiated: bool) -> Setup {
        let scim = server.tenant_with_seats("acme", seats).await;
        let input = connection_input(MetadataSource::Xml(idp().metadata()), jit, allow_idp_initiated);
        let view = server.app.create_sso_connection("acme", input, "test").await.unwrap();
        Setup { server, scim, connection: view.connection.id }
    }

    pub(crate) fn acs_path(&self) -> String {
        format!("/sso/saml/{}/acs", self.connection)
    }

    pub(crate) fn acs_url(&self) -> String {
        format!("{}{}", self.server.url, self.acs_path())
    }

    pub(crate) async fn sp_metadata(&self) -> String {
        let page = Browser::new(&self.server.url).get(&format!("/sso/saml/{}/metadata", self.connection)).await;
        assert_eq!(page.status, 200);
        page.body
    }

    /// SP-initiated, from the email form to the ACS; answers the ACS's page.
    async fn sign_in(&self, browser: &mut Browser, email: &str) -> Page {
        self.sign_in_from(browser, email, None).await
    }

    /// SP-initiated from the email form, then to go back to `return_to`.
    pub(crate) async fn sign_in_from(&self, browser: &mut Browser, email: &str, return_to: Option<&str>) -> Page {
        let mut fields = vec![("email", email)];
        fields.extend(return_to.map(|r| ("return_to", r)));
        let start = browser.post_form("/sso/login", &fields).await;
        assert_eq!(start.status, 303, "{}", start.body);
        let location = start.location.unwrap();
        assert!(location.starts_with("https://idp.test/sso?"), "{location}");
        let relay = query_param(&location, "RelayState").unwrap();
        let response = idp().response(&self.sp_metadata().await, email, Some(&location), &self.acs_url(), "both");
        browser.post_form(&self.acs_path(), &[("SAMLResponse", &response), ("RelayState", &relay)]).await
    }

    /// IdP-initiated with a variant of the response; answers the ACS's page.
    async fn idp_initiated(&self, browser: &mut Browser, email: &str, variant: &str) -> Page {
        let response = idp().response(&self.sp_metadata().await, email, None, &self.acs_url(), variant);
        browser.post_form(&self.acs_path(), &[("SAMLResponse", &response)]).await
    }
}

fn assert_refused(page: &Page, status: u16, reason: &str) {
    assert_eq!(page.status, status, "{}", page.body);
    assert!(page.body.contains(&format!("reason: {reason}")), "expected {reason}: {}", page.body);
    assert!(page.set_cookie.is_none(), "nothing is signed in");
}

#[tokio::test]
async fn sp_initiated_sign_in_ends_signed_in_with_a_session() {
    let s = Setup::new(None, false, false).await;
    s.scim.create_user("alice@example.com").await;
    let mut browser = Browser::new(&s.server.url);
    assert_eq!(browser.me().await.0, 401);

    let acs = s.sign_in(&mut browser, "alice@example.com").await;
    assert_eq!(acs.status, 303, "{}", acs.body);
    assert_eq!(acs.location.as_deref(), Some("/sso/signed-in"));
    let cookie = acs.set_cookie.unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");

    let page = browser.get("/sso/signed-in").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("alice@example.com"), "{}", page.body);
    let (status, me) = browser.me().await;
    assert_eq!(status, 200);
    assert_eq!(me, json!({ "email": "alice@example.com", "tenant": "acme", "seat": "assigned" }));

    // A wrong cookie is no session.
    browser.cookie = Some("lanyard_sso=lys_0000".into());
    assert_eq!(browser.me().await.0, 401);

    let audit = s.server.app.audit_events("acme", None, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.event.action == "sso.signed_in" && e.event.detail["email"] == "alice@example.com"));
    // The application's event feed hears of it too.
    // On PostgreSQL the feed shows a transaction once every older one has ended: poll.
    let mut signed_in = None;
    for _ in 0..100 {
        let events = s.server.app.store().events_after(None, Default::default(), 1000).await.unwrap();
        signed_in = events.into_iter().find(|e| e.event.kind == "sso.signed_in");
        if signed_in.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let signed_in = signed_in.expect("an sso.signed_in event");
    assert_eq!(signed_in.tenant, "acme");
    assert_eq!(signed_in.event.data["email"], "alice@example.com");
    assert_eq!(signed_in.event.data["connection"]["id"], s.connection.as_str());
}

#[tokio::test]
async fn a_sign_in_is_pushed_to_a_subscribed_webhook_signed() {
    let receiver = Receiver::start().await;
    let server = TestServer::start_with_webhooks(crate::webhooks::quick(&[100])).await;
    let s = Setup::on(server, None, false, false).await;
    let hook = s.server.app.create_webhook(Some("acme"), &receiver.url, Some("sso.signed_in")).await.unwrap();
    let alice = s.scim.create_user("alice@example.com").await;

    let mut browser = Browser::new(&s.server.url);
    let acs = s.sign_in(&mut browser, "alice@example.com").await;
    assert_eq!(acs.status, 303, "{}", acs.body);

    let got = receiver.wait_delivered(1, std::time::Duration::from_secs(30)).await;
    assert_eq!(got.len(), 1, "only the subscribed type is sent: {got:#?}");
    let delivery = &got[0];
    assert!(verify(&hook.secret, delivery), "a valid Standard Webhooks signature");
    assert_eq!(delivery.json["id"], delivery.id.as_str(), "body id = webhook-id");
    assert_eq!(delivery.json["type"], "sso.signed_in");
    assert_eq!(delivery.json["tenant"], "acme");
    assert_eq!(delivery.json["resource"], json!({ "type": "User", "id": alice }));
    assert_eq!(
        delivery.json["data"],
        json!({ "email": "alice@example.com", "seat": "assigned", "connection": { "id": s.connection, "name": "JumpCloud" } })
    );
}

#[tokio::test]
async fn a_response_is_used_once_and_only_for_a_request_lanyard_issued() {
    let s = Setup::new(None, false, false).await;
    s.scim.create_user("alice@example.com").await;
    let mut browser = Browser::new(&s.server.url);
    let start = browser.post_form("/sso/login", &[("email", "alice@example.com")]).await;
    let response = idp().response(&s.sp_metadata().await, "alice@example.com", start.location.as_deref(), &s.acs_url(), "both");
    let first = browser.post_form(&s.acs_path(), &[("SAMLResponse", &response)]).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let mut other = Browser::new(&s.server.url);
    let again = other.post_form(&s.acs_path(), &[("SAMLResponse", &response)]).await;
    assert_refused(&again, 400, "unknown_request");

    // Signed by the IdP, but answering a request Lanyard never issued.
    let forged = s.idp_initiated(&mut other, "alice@example.com", "unknown-request").await;
    assert_refused(&forged, 400, "unknown_request");
    // IdP-initiated is off for this connection.
    let unsolicited = s.idp_initiated(&mut other, "alice@example.com", "both").await;
    assert_refused(&unsolicited, 400, "idp_initiated_not_allowed");
    assert_eq!(other.me().await.0, 401);
}

/// The `X509Certificate` values of a metadata document.
fn published_certificates(metadata: &str) -> Vec<String> {
    metadata.split("<ds:X509Certificate>").skip(1).filter_map(|rest| rest.split_once('<')).map(|(cert, _)| cert.to_string()).collect()
}

#[tokio::test]
async fn authn_requests_are_signed_with_a_key_the_metadata_publishes() {
    let s = Setup::new(None, false, false).await;
    s.scim.create_user("alice@example.com").await;
    let metadata = s.sp_metadata().await;
    assert!(metadata.contains(r#"AuthnRequestsSigned="true""#), "{metadata}");
    let first = published_certificates(&metadata);
    assert_eq!(first.len(), 1, "{metadata}");
    // The certificate URL serves the same certificate, as PEM.
    let pem = Browser::new(&s.server.url).get(&format!("/sso/saml/{}/certificate", s.connection)).await;
    assert_eq!(pem.status, 200);
    assert_eq!(pem.body.lines().filter(|l| !l.starts_with("-----")).collect::<String>(), first[0]);

    // pysaml2 verifies the signature with the metadata's certificate; a
    // changed query (here the RelayState) no longer verifies.
    let mut browser = Browser::new(&s.server.url);
    let start = browser.post_form("/sso/login", &[("email", "alice@example.com")]).await;
    let location = start.location.unwrap();
    assert_eq!(query_param(&location, "SigAlg").as_deref(), Some("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"));
    let relay = query_param(&location, "RelayState").unwrap();
    let altered = location.replace(&format!("RelayState={relay}"), "RelayState=_other");
    let refused = idp().try_response(&metadata, "alice@example.com", Some(&altered), &s.acs_url(), "both");
    assert!(refused.is_err_and(|e| e.contains("IncorrectlySigned")), "an altered request must not verify");
    let unsigned = location.split("&SigAlg=").next().unwrap();
    assert!(idp().try_response(&metadata, "alice@example.com", Some(unsigned), &s.acs_url(), "both").is_err());
    let response = idp().response(&metadata, "alice@example.com", Some(&location), &s.acs_url(), "both");
    let page = browser.post_form(&s.acs_path(), &[("SAMLResponse", &response), ("RelayState", &relay)]).await;
    assert_eq!(page.status, 303, "{}", page.body);

    // Rotation: the new key signs, both are published until the old one retires.
    let new_fingerprint = s.server.app.rotate_sp_key().await.unwrap();
    let rotated = published_certificates(&s.sp_metadata().await);
    assert_eq!(rotated.len(), 2);
    assert_eq!(rotated[1], first[0], "the old certificate stays, after the new one");
    assert_ne!(new_fingerprint, "");
    let mut browser = Browser::new(&s.server.url);
    let page = s.sign_in(&mut browser, "alice@example.com").await;
    assert_eq!(page.status, 303, "signed with the new key: {}", page.body);
    assert_eq!(s.server.app.retire_sp_keys().await.unwrap(), 1);
    assert_eq!(published_certificates(&s.sp_metadata().await), vec![rotated[0].clone()]);
}

#[tokio::test]
async fn idp_initiated_sign_in_and_replay() {
    let s = Setup::new(None, false, true).await;
    s.scim.create_user("alice@example.com").await;
    let response = idp().response(&s.sp_metadata().await, "alice@example.com", None, &s.acs_url(), "both");
    let mut browser = Browser::new(&s.server.url);
    let page = browser.post_form(&s.acs_path(), &[("SAMLResponse", &response), ("RelayState", "/app/home")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/app/home"), "a local RelayState is where the user goes");
    assert_eq!(browser.me().await.1["email"], "alice@example.com");

    let mut attacker = Browser::new(&s.server.url);
    let replay = attacker.post_form(&s.acs_path(), &[("SAMLResponse", &response), ("RelayState", "https://evil.example/")]).await;
    assert_refused(&replay, 400, "replayed");
}

#[tokio::test]
async fn tampered_and_misaddressed_responses_are_refused() {
    let s = Setup::new(None, false, true).await;
    s.scim.create_user("alice@example.com").await;
    let sp_metadata = s.sp_metadata().await;
    let acs = s.acs_url();
    let variants = [
        "unsigned",
        "wrong-key",
        "sha1",
        "audience",
        "recipient",
        "destination",
        "issuer",
        "expired",
        "not-yet-valid",
        "tampered",
        "wrapping",
        "reference",
        "dtd",
    ];
    // The IdP runs in parallel threads: each run costs a Python start.
    let responses: Vec<(String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = variants
            .iter()
            .map(|v| {
                let (sp_metadata, acs) = (&sp_metadata, &acs);
                scope.spawn(move || (v.to_string(), idp().response(sp_metadata, "alice@example.com", None, acs, v)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut browser = Browser::new(&s.server.url);
    for (variant, response) in &responses {
        let page = browser.post_form(&s.acs_path(), &[("SAMLResponse", response)]).await;
        assert_refused(&page, 400, "invalid_response");
        let expected = match variant.as_str() {
            "unsigned" => "not signed",
            "wrong-key" | "tampered" => "not made by a certificate in the IdP metadata",
            "sha1" => "weak or unsupported algorithm",
            "audience" => "audience",
            "recipient" => "recipient",
            "destination" => "destination",
            "issuer" => "issuer",
            "expired" => "expired",
            "not-yet-valid" => "not valid yet",
            "wrapping" => "more than one assertion",
            "reference" => "does not point at its element",
            _ => "DTD",
        };
        assert!(page.body.contains(expected), "{variant}: expected {expected:?} in {}", page.body);
    }
    assert_eq!(browser.me().await.0, 401);
    // Garbage is a clear 400 too, never a 500.
    for junk in ["", "%%%", "PHNhbWxwOlJlc3BvbnNlLz4="] {
        let page = browser.post_form(&s.acs_path(), &[("SAMLResponse", junk)]).await;
        assert_refused(&page, 400, "invalid_response");
    }
    let page = browser.post_form(&s.acs_path(), &[]).await;
    assert_refused(&page, 400, "invalid_response");
    let audit = s.server.app.audit_events("acme", None, 100).await.unwrap();
    assert!(audit.iter().filter(|e| e.event.action == "sso.refused").count() >= variants.len());
}

#[tokio::test]
async fn a_comment_in_the_nameid_does_not_sign_in_the_truncated_user() {
    let s = Setup::new(None, false, true).await;
    s.scim.create_user("alice@example.com").await;
    let mut browser = Browser::new(&s.server.url);
    // Signed for alice@example.com.evil.com, then a comment inserted.
    let page = s.idp_initiated(&mut browser, "alice@example.com.evil.com", "comment").await;
    assert_refused(&page, 400, "invalid_response");
    assert_eq!(browser.me().await.0, 401);
}

#[tokio::test]
async fn suspended_waiting_and_unknown_users_are_told_so() {
    let s = Setup::new(Some(1), false, true).await;
    s.scim.create_user("alice@example.com").await;
    let bob = s.scim.create_user("bob@example.com").await; // no seat left: pending
    let carol = s.scim.create_user("carol@example.com").await;
    s.scim.patch(&format!("/Users/{carol}"), &patch_op(json!([{ "op": "replace", "path": "active", "value": false }]))).await.expect(200);
    let _ = bob;

    let mut browser = Browser::new(&s.server.url);
    let page = s.idp_initiated(&mut browser, "bob@example.com", "both").await;
    assert_refused(&page, 403, "waiting_for_seat");
    assert!(page.body.contains("waiting for a free seat"));
    let page = s.idp_initiated(&mut browser, "carol@example.com", "both").await;
    assert_refused(&page, 403, "suspended");
    let page = s.idp_initiated(&mut browser, "dave@example.com", "both").await;
    assert_refused(&page, 403, "unknown_user");
    assert!(page.body.contains("does not exist"));
    assert_eq!(browser.me().await.0, 401);
}

#[tokio::test]
async fn just_in_time_users_are_created_under_the_seat_rules() {
    let s = Setup::new(Some(1), true, true).await;
    let mut browser = Browser::new(&s.server.url);
    let page = s.sign_in(&mut browser, "erin@example.com").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(browser.me().await.1, json!({ "email": "erin@example.com", "tenant": "acme", "seat": "assigned" }));
    let found = s.scim.get("/Users?filter=userName%20eq%20%22erin@example.com%22").await;
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["name"]["givenName"], "Ada");

    // The one seat is taken: the next new user is created, but waits.
    let mut other = Browser::new(&s.server.url);
    let page = s.idp_initiated(&mut other, "frank@example.com", "both").await;
    assert_refused(&page, 403, "waiting_for_seat");
    let found = s.scim.get("/Users?filter=userName%20eq%20%22frank@example.com%22").await;
    assert_eq!(found.body["totalResults"], 1);
}

#[tokio::test]
async fn without_jit_an_unknown_user_is_not_created() {
    let s = Setup::new(None, false, true).await;
    let mut browser = Browser::new(&s.server.url);
    let page = s.idp_initiated(&mut browser, "erin@example.com", "both").await;
    assert_refused(&page, 403, "unknown_user");
    let found = s.scim.get("/Users?filter=userName%20eq%20%22erin@example.com%22").await;
    assert_eq!(found.body["totalResults"], 0);
}

#[tokio::test]
async fn the_login_page_picks_the_connection_by_domain() {
    let s = Setup::new(None, false, false).await;
    let mut browser = Browser::new(&s.server.url);
    let page = browser.get("/sso/login").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<form"));
    let page = browser.post_form("/sso/login", &[("email", "someone@elsewhere.example")]).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("No single sign-on is set up"));
    let page = browser.post_form("/sso/login", &[("email", "not an email")]).await;
    assert_eq!(page.status, 400);
    let page = browser.get(&format!("/sso/saml/{}/login", s.connection)).await;
    assert_eq!(page.status, 303);
    let page = browser.get("/sso/saml/00000000-0000-0000-0000-000000000000/metadata").await;
    assert_eq!(page.status, 404);
    let metadata = s.sp_metadata().await;
    assert!(metadata.contains(&format!("Location=\"{}\"", s.acs_url())), "{metadata}");
    assert!(metadata.contains("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"));
}

/// Serves `body` at `http://127.0.0.1:PORT/metadata` until the test ends.
async fn serve_metadata(body: String) -> String {
    serve_changing_metadata(Arc::new(Mutex::new(body))).await
}

/// Serves what `body` holds at each request.
async fn serve_changing_metadata(body: Arc<Mutex<String>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metadata", listener.local_addr().unwrap());
    let router = axum::Router::new().route("/metadata", axum::routing::get(move || async move { body.lock().unwrap().clone() }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_urls_are_refreshed_so_certificate_rollover_needs_no_admin() {
    let server = TestServer::start().await;
    let scim = server.tenant("acme").await;
    scim.create_user("alice@example.com").await;
    // The IdP still publishes its old certificate; it signs with the new key.
    let body = Arc::new(Mutex::new(idp().run(&["--key", "other", "metadata"])));
    let url = serve_changing_metadata(body.clone()).await;
    let input = connection_input(MetadataSource::Url(url), false, true);
    let connection = server.app.create_sso_connection("acme", input, "test").await.unwrap().connection.id;
    let s = Setup { server, scim, connection };
    let mut browser = Browser::new(&s.server.url);
    let page = s.idp_initiated(&mut browser, "alice@example.com", "both").await;
    assert_refused(&page, 400, "invalid_response");

    // Not due yet: nothing fetched.
    assert_eq!(s.server.app.refresh_sso_metadata(std::time::Duration::from_secs(3600)).await.unwrap(), 0);
    *body.lock().unwrap() = idp().metadata();
    assert_eq!(s.server.app.refresh_sso_metadata(std::time::Duration::ZERO).await.unwrap(), 1);
    let page = s.idp_initiated(&mut browser, "alice@example.com", "both").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let audit = s.server.app.audit_events("acme", None, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.event.action == "sso.certificates_changed"));

    // Unusable metadata later keeps the saved values.
    *body.lock().unwrap() = "<not-metadata/>".into();
    assert_eq!(s.server.app.refresh_sso_metadata(std::time::Duration::ZERO).await.unwrap(), 0);
    let page = s.idp_initiated(&mut browser, "alice@example.com", "both").await;
    assert_eq!(page.status, 303, "{}", page.body);
}

// Multi-threaded: the metadata server runs while the CLI process blocks a thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_connections_from_the_command_line() {
    let database = lanyard_testkit::TestDatabase::new().await;
    let db = database.url.as_str();
    assert!(lanyard(db, &["tenant", "create", "acme"]).0);
    assert!(lanyard(db, &["tenant", "create", "globex"]).0);
    let dir = tempfile::tempdir().unwrap();
    let metadata = idp().metadata();
    let file = dir.path().join("idp.xml");
    std::fs::write(&file, &metadata).unwrap();
    let file = file.to_str().unwrap();

    let (ok, out, err) = lanyard(
        db,
        &[
            "--json",
            "sso",
            "create",
            "acme",
            "--name",
            "JumpCloud",
            "--idp",
            "jumpcloud",
            "--metadata-file",
            file,
            "--domain",
            "example.com",
            "--domain",
            "Example.ORG",
            "--jit",
            "--attribute",
            "given_name=firstName",
            "--public-url",
            "https://id.example.com",
        ],
    );
    assert!(ok, "{err}");
    let created: Value = serde_json::from_str(&out).unwrap();
    let id = created["id"].as_str().unwrap();
    let base = format!("https://id.example.com/sso/saml/{id}");
    assert_eq!(created["sp_entity_id"], format!("{base}/metadata"));
    assert_eq!(created["acs_url"], format!("{base}/acs"));
    assert_eq!(created["login_url"], format!("{base}/login"));
    assert_eq!(created["metadata_url"], format!("{base}/metadata"));
    assert_eq!(created["domains"], json!(["example.com", "example.org"]));
    assert_eq!(created["idp_entity_id"], "https://idp.test/metadata");
    assert_eq!(created["jit"], true);
    assert_eq!(created["attribute_mapping"], json!({ "given_name": "firstName", "family_name": "sn", "groups": "groups" }));
    let (ok, _, err) =
        lanyard(db, &["sso", "create", "acme", "--name", "X", "--metadata-file", file, "--domain", "x.com", "--attribute", "shoe_size=s"]);
    assert!(!ok && err.contains("unknown attribute field"), "{err}");

    // The human form shows what the IdP admin copies.
    let (ok, out, _) = lanyard(db, &["sso", "show", "acme", id, "--public-url", "https://id.example.com"]);
    assert!(ok);
    for label in ["SP Entity ID:", "ACS URL:", "NameID format:", "Login URL:", "SP metadata URL:", "firstName → given_name"] {
        assert!(out.contains(label), "{label} in {out}");
    }

    // Domains are unique across tenants.
    let (ok, _, err) = lanyard(db, &["sso", "create", "globex", "--name", "Okta", "--metadata-file", file, "--domain", "example.com"]);
    assert!(!ok && err.contains("already served"), "{err}");

    // Metadata without a signing certificate is refused.
    let start = metadata.find("<ns0:KeyDescriptor").unwrap();
    let end = metadata.find("</ns0:KeyDescriptor>").unwrap() + "</ns0:KeyDescriptor>".len();
    let stripped = dir.path().join("nocert.xml");
    std::fs::write(&stripped, format!("{}{}", &metadata[..start], &metadata[end..])).unwrap();
    let (ok, _, err) = lanyard(
        db,
        &["sso", "create", "globex", "--name", "Okta", "--metadata-file", stripped.to_str().unwrap(), "--domain", "globex.com"],
    );
    assert!(!ok && err.contains("no signing certificate"), "{err}");

    // From a metadata URL (fetched at create).
    let url = serve_metadata(metadata.clone()).await;
    let (ok, out, err) = lanyard(
        db,
        &["--json", "sso", "create", "globex", "--name", "Okta", "--idp", "okta", "--metadata-url", &url, "--domain", "globex.com"],
    );
    assert!(ok, "{err}");
    let from_url: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(from_url["metadata_source_url"], url.as_str());
    let (ok, _, err) =
        lanyard(db, &["sso", "create", "globex", "--name", "Bad", "--metadata-url", "http://127.0.0.1:9/none", "--domain", "bad.com"]);
    assert!(!ok && err.contains("cannot fetch"), "{err}");

    let list: Value = serde_json::from_str(&lanyard(db, &["--json", "sso", "list", "acme"]).1).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Another tenant's connection is not there.
    let (ok, _, err) = lanyard(db, &["sso", "show", "globex", id]);
    assert!(!ok && err.contains("does not exist"), "{err}");
    assert!(lanyard(db, &["sso", "delete", "acme", id]).0);
    let list: Value = serde_json::from_str(&lanyard(db, &["--json", "sso", "list", "acme"]).1).unwrap();
    assert_eq!(list, json!([]));

    // IdP values entered by hand: entity ID, sign-on URL, a PEM certificate file.
    let pem = idp().certificate_file();
    let pem = pem.to_str().unwrap();
    let manual = ["sso", "create", "acme", "--name", "By hand", "--domain", "hand.example", "--idp-entity-id", "https://idp.test/metadata"];
    let (ok, out, err) =
        lanyard(db, &[&["--json"], &manual[..], &["--idp-sso-url", "https://idp.test/sso", "--idp-certificate", pem]].concat());
    assert!(ok, "{err}");
    let by_hand: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(by_hand["idp_sso_url"], "https://idp.test/sso");
    assert_eq!(by_hand["idp_certificate_sha256"].as_array().unwrap().len(), 1);
    assert_eq!(by_hand["metadata_source_url"], Value::Null);
    let (ok, _, err) = lanyard(db, &manual);
    assert!(!ok && err.contains("--idp-sso-url"), "the sign-on URL and certificate are required: {err}");
    let (ok, _, err) = lanyard(db, &[&manual[..], &["--idp-sso-url", "ftp://idp.test/sso", "--idp-certificate", pem]].concat());
    assert!(!ok && err.contains("http(s) URL"), "{err}");
    let (ok, _, err) = lanyard(db, &[&manual[..], &["--idp-sso-url", "https://idp.test/sso", "--idp-certificate", file]].concat());
    assert!(!ok && err.contains("certificate"), "metadata XML is no certificate: {err}");
    let (ok, _, err) = lanyard(db, &[&manual[..], &["--metadata-file", file]].concat());
    assert!(!ok && err.contains("cannot be used with"), "one IdP source only: {err}");

    // The SP signing key: a rotation adds one, retiring keeps only the newest.
    let (ok, out, err) = lanyard(db, &["--json", "sso", "rotate-sp-key"]);
    assert!(ok, "{err}");
    let rotated: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rotated["certificate_sha256"].as_str().map(|f| f.split(':').count()), Some(32), "{rotated}");
    assert!(lanyard(db, &["sso", "rotate-sp-key"]).0);
    let (ok, out, err) = lanyard(db, &["--json", "sso", "retire-sp-keys"]);
    assert!(ok, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["retired"], 1);
}

#[tokio::test]
async fn idp_values_entered_by_hand_sign_in_like_metadata() {
    let server = TestServer::start().await;
    let scim = server.tenant("acme").await;
    scim.create_user("alice@example.com").await;
    let pem = std::fs::read_to_string(idp().certificate_file()).unwrap();
    let manual = MetadataSource::Manual {
        entity_id: "https://idp.test/metadata".into(),
        sso_url: "https://idp.test/sso".into(),
        certificates: vec![pem],
    };
    let input = connection_input(manual, false, true);
    let connection = server.app.create_sso_connection("acme", input, "test").await.unwrap().connection.id;
    let s = Setup { server, scim, connection };
    let mut browser = Browser::new(&s.server.url);
    let page = s.sign_in(&mut browser, "alice@example.com").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let mut other = Browser::new(&s.server.url);
    let page = s.idp_initiated(&mut other, "alice@example.com", "both").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = s.idp_initiated(&mut other, "alice@example.com", "wrong-key").await;
    assert_refused(&page, 400, "invalid_response");
}
