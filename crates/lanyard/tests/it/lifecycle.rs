//! Shared machinery of the per-provider lifecycle suites (`lifecycle_*.rs`):
//! a client that sends exactly one provider's headers and body encoding,
//! checks of what every provider needs from an answer, seat probes, and the
//! concurrent initial sync (a lookup before each create).

use std::sync::Arc;

use lanyard_store::SeatStatus;
use lanyard_testkit::{Res, Scim, TestServer};
use reqwest::Method;
use serde_json::Value;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const SEAT_EXT: &str = "urn:lanyard:params:scim:schemas:extension:seat:2.0:User";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Users created by the initial sync of every suite.
pub const SYNC_USERS: usize = 1000;
/// Concurrent tasks of the initial sync.
const SYNC_TASKS: usize = 8;

/// One identity provider's way of calling: its fixed headers (User-Agent,
/// Accept, ...) and the content type of its request bodies.
#[derive(Clone)]
pub struct Idp {
    pub scim: Scim,
    headers: Vec<(&'static str, &'static str)>,
    content_type: &'static str,
}

impl Idp {
    pub fn new(scim: Scim, headers: &[(&'static str, &'static str)], content_type: &'static str) -> Idp {
        Idp { scim, headers: headers.to_vec(), content_type }
    }

    /// Sends `method path` as this provider does. Every answer that has a
    /// body must be `application/scim+json` (Entra requires it; the others
    /// read it as JSON).
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Res {
        self.send_with(method, path, body, &[]).await
    }

    /// [`Idp::send`] with extra headers for this request (`If-Match`, ...).
    pub async fn send_with(&self, method: Method, path: &str, body: Option<&Value>, extra: &[(&str, &str)]) -> Res {
        let mut req = self
            .scim
            .http
            .request(method.clone(), format!("{}{path}", self.scim.base))
            .header("Authorization", format!("Bearer {}", self.scim.token));
        for (k, v) in self.headers.iter().chain(extra) {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("Content-Type", self.content_type).body(b.to_string());
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        let res = Res { status, headers, body, text };
        if !res.text.is_empty() {
            let ct = res.header("content-type").unwrap_or("");
            assert!(ct.starts_with("application/scim+json"), "{method} {path}: content type {ct:?}");
            assert!(res.body.is_object(), "{method} {path}: not a JSON object: {}", res.text);
        }
        res
    }

    pub async fn get(&self, path: &str) -> Res {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Res {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: &Value) -> Res {
        self.send(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Res {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Res {
        self.send(Method::DELETE, path, None).await
    }
}

/// Percent-encodes a query value; spaces become `+` (Entra, OneLogin) or
/// `%20` (Okta, most libraries).
pub fn enc(value: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' if plus => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A 200 `ListResponse` with `total` results: integer `totalResults`,
/// `startIndex` and `itemsPerPage` (= the page's length) and a
/// `Resources` array (also when empty). Returns the page.
#[track_caller]
pub fn list(res: &Res, total: u64) -> Vec<Value> {
    res.expect(200);
    let b = &res.body;
    assert_eq!(b["schemas"], serde_json::json!([LIST_SCHEMA]), "{}", res.text);
    assert_eq!(b["totalResults"].as_u64(), Some(total), "totalResults: {}", res.text);
    assert!(b["startIndex"].is_u64(), "startIndex: {}", res.text);
    let page = b["Resources"].as_array().unwrap_or_else(|| panic!("Resources must be an array: {}", res.text)).clone();
    assert_eq!(b["itemsPerPage"].as_u64(), Some(page.len() as u64), "itemsPerPage: {}", res.text);
    page
}

/// A User answer with this status: string `id`, core schema, `meta`
/// (with the Location header on 201) and the seat extension. Returns the id.
#[track_caller]
pub fn user(res: &Res, status: u16) -> String {
    res.expect(status);
    let id = resource(res, "User");
    let schemas = res.body["schemas"].as_array().expect("schemas");
    assert!(schemas.iter().any(|s| s == USER_SCHEMA), "{}", res.text);
    assert!(res.body[SEAT_EXT]["seat"]["status"].is_string(), "seat extension: {}", res.text);
    assert!(res.body["active"].is_boolean(), "active must be a boolean: {}", res.text);
    assert!(res.body.get("password").is_none(), "password must never be returned");
    id
}

/// A Group answer with this status; returns the id.
#[track_caller]
pub fn group(res: &Res, status: u16) -> String {
    res.expect(status);
    let id = resource(res, "Group");
    assert!(res.body["schemas"].as_array().expect("schemas").iter().any(|s| s == GROUP_SCHEMA), "{}", res.text);
    id
}

#[track_caller]
fn resource(res: &Res, kind: &str) -> String {
    let id = res.body["id"].as_str().unwrap_or_else(|| panic!("id must be a string: {}", res.text)).to_string();
    assert!(!id.is_empty());
    let meta = &res.body["meta"];
    assert_eq!(meta["resourceType"], kind, "{}", res.text);
    let location = meta["location"].as_str().expect("meta.location");
    assert!(location.ends_with(&format!("/{kind}s/{id}")), "{location}");
    assert!(meta["created"].is_string() && meta["lastModified"].is_string() && meta["version"].is_string(), "{}", res.text);
    if res.status.as_u16() == 201 {
        assert_eq!(res.header("location"), Some(location));
    }
    id
}

/// A SCIM error with this status and `scimType`.
#[track_caller]
pub fn error(res: &Res, status: u16, scim_type: Option<&str>) {
    res.expect(status);
    assert_eq!(res.body["schemas"], serde_json::json!([ERROR_SCHEMA]), "{}", res.text);
    assert_eq!(res.body["status"], status.to_string(), "status is a string: {}", res.text);
    assert_eq!(res.body["scimType"].as_str(), scim_type, "{}", res.text);
    assert!(res.body["detail"].is_string(), "{}", res.text);
}

/// The seat status shown in a User representation.
#[track_caller]
pub fn seat(user: &Value) -> String {
    user[SEAT_EXT]["seat"]["status"].as_str().unwrap_or_else(|| panic!("no seat status in {user}")).to_string()
}

/// `(assigned, pending)` as the tenant counts them.
pub async fn counters(s: &TestServer, slug: &str) -> (i64, i64) {
    let c = s.app.seat_counters(slug).await.unwrap();
    (c.assigned, c.pending)
}

/// The pending users in queue order (oldest first).
pub async fn queue(s: &TestServer, slug: &str) -> Vec<String> {
    s.app.seat_holders(slug, Some(SeatStatus::Pending)).await.unwrap().into_iter().map(|u| u.id).collect()
}

/// The tenant's counters equal a recount through SCIM filters, never exceed
/// the limit, and nobody waits while a seat is free. Returns the counters.
pub async fn seat_invariant(s: &TestServer, slug: &str, idp: &Idp) -> (i64, i64) {
    let c = s.app.seat_counters(slug).await.unwrap();
    let mut recount = Vec::new();
    for status in ["assigned", "pending"] {
        let f = enc(&format!("{SEAT_EXT}:seat.status eq \"{status}\""), false);
        let res = idp.get(&format!("/Users?filter={f}&count=0")).await;
        res.expect(200);
        recount.push(res.body["totalResults"].as_i64().unwrap());
    }
    assert_eq!((c.assigned, c.pending), (recount[0], recount[1]), "counters vs. stored seat statuses");
    if let Some(limit) = c.limit {
        assert!(c.assigned <= limit || c.pending == 0, "{c:?}");
        if c.pending > 0 {
            assert_eq!(c.assigned, limit, "a user waits while a seat is free: {c:?}");
        }
    } else {
        assert_eq!(c.pending, 0);
    }
    (c.assigned, c.pending)
}

/// Member ids of a Group representation, sorted (`members` absent = none).
pub fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        group["members"].as_array().map(|a| a.iter().map(|m| m["value"].as_str().unwrap().to_string()).collect()).unwrap_or_default();
    ids.sort();
    ids
}

pub fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Group ids shown in a User representation, sorted.
pub fn group_ids(user: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        user["groups"].as_array().map(|a| a.iter().map(|g| g["value"].as_str().unwrap().to_string()).collect()).unwrap_or_default();
    ids.sort();
    ids
}

/// The initial sync: for each `i` in `0..n`, the lookup `make(i).0` must
/// find nobody, then `POST /Users` with `make(i).1` must answer 201 with
/// the user. Runs on [`SYNC_TASKS`] concurrent tasks; returns the ids in
/// order of `i`.
pub async fn sync<F>(idp: &Idp, n: usize, make: F) -> Vec<String>
where
    F: Fn(usize) -> (String, Value) + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let tasks: Vec<_> = (0..SYNC_TASKS)
        .map(|t| {
            let idp = idp.clone();
            let make = make.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                for i in (t..n).step_by(SYNC_TASKS) {
                    let (lookup, body) = make(i);
                    let found = idp.get(&lookup).await;
                    assert!(list(&found, 0).is_empty(), "{lookup}");
                    let res = idp.post("/Users", &body).await;
                    let id = user(&res, 201);
                    assert_eq!(res.body["userName"], body["userName"], "userName is kept as sent");
                    out.push((i, id));
                }
                out
            })
        })
        .collect();
    let mut ids = vec![String::new(); n];
    for t in tasks {
        for (i, id) in t.await.unwrap() {
            ids[i] = id;
        }
    }
    ids
}
