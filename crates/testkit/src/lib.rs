//! A real Lanyard server on `127.0.0.1:0` with its own fresh database (on
//! the backend the run selects, see [`database`]), and a small SCIM client
//! for tests.

pub mod database;

use lanyard_database::{DbOptions, open_migrated};
use lanyard_domain::{Config, Lanyard};
use lanyard_web::AppState;
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;

pub use database::TestDatabase;
pub use lanyard_web::{AuthFailureLimit, HttpSettings, RateLimit};
pub use lanyard_webhooks::{Deliverer, DelivererConfig, RetrySchedule};
pub use serde_json::json;

pub struct TestServer {
    pub url: String,
    pub app: Lanyard,
    task: tokio::task::JoinHandle<()>,
    webhooks: Option<tokio::task::JoinHandle<()>>,
    /// Last, so the server stops before its database goes.
    pub db: TestDatabase,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(w) = &self.webhooks {
            w.abort();
        }
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(HttpSettings::default()).await
    }

    /// With these HTTP settings (timeouts, throttles, metrics token).
    pub async fn start_with(settings: HttpSettings) -> TestServer {
        let db = TestDatabase::new().await;
        let store = open_migrated(&db.url, &DbOptions::default()).await.expect("open and migrate the test database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let app = Lanyard::new(store, Config::new(&url));
        let header_read_timeout = settings.header_read_timeout;
        let state = AppState::new(app.clone(), settings).expect("metrics");
        let service = lanyard_web::app(state);
        let task = tokio::spawn(async move {
            let _ = lanyard_web::serve(listener, service, header_read_timeout, std::future::pending()).await;
        });
        TestServer { url, app, task, webhooks: None, db }
    }

    /// With the webhook deliverer running, as `serve` runs it.
    pub async fn start_with_webhooks(config: DelivererConfig) -> TestServer {
        let mut server = Self::start().await;
        let deliverer = Deliverer::new(server.app.clone(), config).expect("webhook client");
        server.webhooks = Some(tokio::spawn(deliverer.run()));
        server
    }

    /// A new tenant with a token: a client for its SCIM base URL.
    pub async fn tenant(&self, slug: &str) -> Scim {
        self.tenant_with_seats(slug, None).await
    }

    pub async fn tenant_with_seats(&self, slug: &str, seats: Option<i64>) -> Scim {
        self.app.create_tenant(slug, None, seats).await.expect("create tenant");
        let token = self.app.create_token(slug, Some("test"), None).await.expect("create token");
        Scim::new(&format!("{}/scim/v2/{slug}", self.url), &token.token)
    }
}

/// A response: status, headers and the body parsed as JSON (`Null` if empty
/// or not JSON; `text` keeps the raw body).
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        self
    }
    /// Asserts a SCIM error with this status and scimType.
    #[track_caller]
    pub fn expect_error(&self, status: u16, scim_type: Option<&str>) -> &Self {
        self.expect(status);
        assert_eq!(self.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error", "{}", self.text);
        assert_eq!(self.body["status"], status.to_string(), "{}", self.text);
        assert_eq!(self.body["scimType"].as_str(), scim_type, "{}", self.text);
        assert!(self.header("content-type").unwrap_or("").starts_with("application/scim+json"));
        self
    }
    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("id").to_string()
    }
}

#[derive(Clone)]
pub struct Scim {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Scim {
    pub fn new(base: &str, token: &str) -> Scim {
        Scim { base: base.to_string(), token: token.to_string(), http: reqwest::Client::new() }
    }

    pub fn with_token(&self, token: &str) -> Scim {
        Scim { token: token.to_string(), ..self.clone() }
    }

    /// Any request: `path` is appended to the base URL (may carry a query).
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Res {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if !self.token.is_empty() {
            req = req.header("Authorization", format!("Bearer {}", self.token));
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/scim+json").body(b.to_string());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request");
        Self::read(res).await
    }

    /// A request with a raw body and content type.
    pub async fn send_raw(&self, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> Res {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        Self::read(res).await
    }

    async fn read(res: reqwest::Response) -> Res {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Res { status, headers, body, text }
    }

    pub async fn get(&self, path: &str) -> Res {
        self.send(Method::GET, path, None, &[]).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Res {
        self.send(Method::POST, path, Some(body), &[]).await
    }
    pub async fn put(&self, path: &str, body: &Value) -> Res {
        self.send(Method::PUT, path, Some(body), &[]).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Res {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }
    pub async fn delete(&self, path: &str) -> Res {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Creates a user with a work email equal to `user_name`; returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"value": user_name, "type": "work", "primary": true}],
            "active": true
        });
        let res = self.post("/Users", &body).await;
        res.expect(201);
        res.id()
    }

    pub async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members});
        let res = self.post("/Groups", &body).await;
        res.expect(201);
        res.id()
    }
}

pub fn patch_op(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}
