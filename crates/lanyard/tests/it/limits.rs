//! Every limit, through HTTP, with the error a client gets: body size,
//! filter length and depth, PATCH operation count, page size, request
//! timeout, slow clients (header and body read timeouts), the per-token rate
//! limit and failed-authentication throttling per client address.

use std::time::{Duration, Instant};

use lanyard_testkit::{AuthFailureLimit, HttpSettings, RateLimit, Res, Scim, TestServer, json, patch_op};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---- sizes and shapes ----

#[tokio::test]
async fn bodies_over_the_payload_limit_are_413_on_every_write() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = scim.create_user("a@x.com").await;
    let group = scim.create_group("G", &[]).await;
    let max = scim.get("/ServiceProviderConfig").await.body["bulk"]["maxPayloadSize"].as_u64().unwrap() as usize;
    let big = json!({"userName": "big", "title": "x".repeat(max)});
    for (method, path) in [
        (Method::POST, "/Users".to_string()),
        (Method::PUT, format!("/Users/{id}")),
        (Method::PATCH, format!("/Users/{id}")),
        (Method::PATCH, format!("/Groups/{group}")),
        (Method::POST, "/Users/.search".to_string()),
    ] {
        scim.send(method, &path, Some(&big), &[]).await.expect_error(413, None);
    }
    // Chunked (no Content-Length) is held to the same limit.
    let mut request = format!(
        "POST {}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n",
        path_of(&scim.base),
        scim.token
    )
    .into_bytes();
    for _ in 0..=max / 65536 {
        request.extend_from_slice(format!("{:x}\r\n", 65536).as_bytes());
        request.extend(std::iter::repeat_n(b' ', 65536));
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let (response, _) = raw_exchange(&s.url, &request, Duration::from_secs(10)).await;
    assert_eq!(status_of(&response), 413, "{response}");
    assert_eq!(scim.get("/Users").await.body["totalResults"], 1);
}

#[tokio::test]
async fn over_long_and_over_deep_filters_are_400_invalid_filter() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.create_user("a@x.com").await;
    let long = format!("userName eq \"{}\"", "x".repeat(4097));
    let nested_not = format!("{}userName pr{}", "not (".repeat(80), ")".repeat(80));
    let nested_parens = format!("{}userName pr{}", "(".repeat(200), ")".repeat(200));
    let nested_value_path = format!("emails[{}value pr{}]", "not (".repeat(80), ")".repeat(80));
    for filter in [&long, &nested_not, &nested_parens, &nested_value_path] {
        let query = form_query(filter);
        scim.get(&format!("/Users?filter={query}")).await.expect_error(400, Some("invalidFilter"));
        scim.get(&format!("/Groups?filter={query}")).await.expect_error(400, Some("invalidFilter"));
        scim.post("/Users/.search", &json!({"filter": filter})).await.expect_error(400, Some("invalidFilter"));
        scim.post("/.search", &json!({"filter": filter})).await.expect_error(400, Some("invalidFilter"));
    }
    // At the limits: accepted.
    let at_limit = format!("userName eq \"{}\"", "x".repeat(4096 - 14));
    assert_eq!(at_limit.len(), 4096);
    scim.get(&format!("/Users?filter={}", form_query(&at_limit))).await.expect(200);
    let nested_ok = format!("{}userName pr{}", "not (".repeat(30), ")".repeat(30));
    scim.get(&format!("/Users?filter={}", form_query(&nested_ok))).await.expect(200);
}

#[tokio::test]
async fn patch_paths_with_over_deep_filters_are_400_and_change_nothing() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = scim.create_user("a@x.com").await;
    let before = scim.get(&format!("/Users/{id}")).await.body;
    let path = format!("emails[{}value pr{}].type", "not (".repeat(80), ")".repeat(80));
    let res = scim.patch(&format!("/Users/{id}"), &patch_op(json!([{"op": "replace", "path": path, "value": "home"}]))).await;
    res.expect(400);
    assert_eq!(res.body["scimType"], "invalidPath", "{}", res.text);
    assert_eq!(scim.get(&format!("/Users/{id}")).await.body, before);
}

#[tokio::test]
async fn more_than_1000_patch_operations_are_400_too_many_and_change_nothing() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = scim.create_user("a@x.com").await;
    let group = scim.create_group("G", &[]).await;
    let before = scim.get(&format!("/Users/{id}")).await.body;
    let op = json!({"op": "replace", "path": "title", "value": "t"});
    let res = scim.patch(&format!("/Users/{id}"), &patch_op(json!(vec![op.clone(); 1001]))).await;
    res.expect_error(400, Some("tooMany"));
    let member_op = json!({"op": "add", "path": "members", "value": [{"value": id}]});
    scim.patch(&format!("/Groups/{group}"), &patch_op(json!(vec![member_op; 1001]))).await.expect_error(400, Some("tooMany"));
    assert_eq!(scim.get(&format!("/Users/{id}")).await.body, before);
    assert_eq!(scim.get(&format!("/Groups/{group}")).await.body["members"], json!(null));
    // 1000 is allowed.
    scim.patch(&format!("/Users/{id}"), &patch_op(json!(vec![op; 1000]))).await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_never_exceed_max_results() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let max = scim.get("/ServiceProviderConfig").await.body["filter"]["maxResults"].as_i64().unwrap();
    let total = max + 5;
    let tasks: Vec<_> = (0..16)
        .map(|w| {
            let scim = scim.clone();
            tokio::spawn(async move {
                for i in (w..total).step_by(16) {
                    scim.post("/Users", &json!({"userName": format!("u{i}@x.com")})).await.expect(201);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    for res in [scim.get("/Users?count=100000").await, scim.post("/Users/.search", &json!({"count": 100000})).await] {
        res.expect(200);
        assert_eq!(res.body["totalResults"], total);
        assert_eq!(res.body["itemsPerPage"], max);
        assert_eq!(res.body["Resources"].as_array().unwrap().len() as i64, max);
    }
    let rest = scim.get(&format!("/Users?startIndex={}&count=100000", max + 1)).await;
    assert_eq!(rest.body["itemsPerPage"], 5);
}

fn form_query(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---- time: request timeout and slow clients ----

/// Writes `bytes` on a fresh connection, then reads until the server closes
/// it or `wait_up_to` passes: what came back, and how long it took.
async fn raw_exchange(url: &str, bytes: &[u8], wait_up_to: Duration) -> (String, Duration) {
    let conn = TcpStream::connect(url.trim_start_matches("http://")).await.unwrap();
    let (mut reader, mut writer) = conn.into_split();
    // Written aside: the server may answer (and stop reading) before the end.
    let bytes = bytes.to_vec();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&bytes).await;
        writer // kept open: closing it would end the request
    });
    let started = Instant::now();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(wait_up_to, async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let took = started.elapsed();
    writing.abort();
    (String::from_utf8_lossy(&got).into_owned(), took)
}

/// The path part of a URL.
fn path_of(url: &str) -> String {
    url.split_once("//").and_then(|(_, rest)| rest.split_once('/')).map(|(_, p)| format!("/{p}")).unwrap_or_default()
}

/// A POST /Users head announcing 100 bytes of body, and the first 10.
fn partial_post(scim: &Scim) -> Vec<u8> {
    format!(
        "POST {}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"userName",
        path_of(&scim.base),
        scim.token
    )
    .into_bytes()
}

fn status_of(response: &str) -> u16 {
    response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn body_of(response: &str) -> serde_json::Value {
    serde_json::from_str(response.split_once("\r\n\r\n").map_or("", |(_, b)| b)).unwrap_or_default()
}

fn header_of<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

#[tokio::test]
async fn a_request_not_answered_in_time_is_503_with_retry_after_and_writes_nothing() {
    let settings = HttpSettings { request_timeout: Duration::from_millis(500), ..HttpSettings::default() };
    let s = TestServer::start_with(settings).await;
    let scim = s.tenant("acme").await;
    // The body never completes; the handler waits for it past the request timeout.
    let (response, took) = raw_exchange(&s.url, &partial_post(&scim), Duration::from_secs(10)).await;
    assert_eq!(status_of(&response), 503, "{response}");
    assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(5), "{took:?}");
    assert_eq!(header_of(&response, "retry-after"), Some("1"));
    assert!(header_of(&response, "content-type").unwrap().starts_with("application/scim+json"));
    let body = body_of(&response);
    assert_eq!(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert_eq!(body["status"], "503");
    // Quick requests are unaffected, and nothing was written.
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn a_body_not_received_in_time_is_408() {
    let settings = HttpSettings { body_read_timeout: Duration::from_millis(500), ..HttpSettings::default() };
    let s = TestServer::start_with(settings).await;
    let scim = s.tenant("acme").await;
    let (response, took) = raw_exchange(&s.url, &partial_post(&scim), Duration::from_secs(10)).await;
    assert_eq!(status_of(&response), 408, "{response}");
    assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(5), "{took:?}");
    assert!(header_of(&response, "content-type").unwrap().starts_with("application/scim+json"));
    assert_eq!(body_of(&response)["status"], "408");
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn connections_without_a_complete_request_head_are_closed_after_the_header_read_timeout() {
    let settings = HttpSettings { header_read_timeout: Duration::from_millis(500), ..HttpSettings::default() };
    let s = TestServer::start_with(settings).await;
    // A slow-loris head, never finished.
    let (_, took) = raw_exchange(&s.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1", Duration::from_secs(10)).await;
    assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(5), "closed after {took:?}");
    // A connection that sends nothing at all.
    let (_, took) = raw_exchange(&s.url, b"", Duration::from_secs(10)).await;
    assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(5), "idle connection closed after {took:?}");
    // A kept-alive connection idle after its request.
    let (response, took) = raw_exchange(&s.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", Duration::from_secs(10)).await;
    assert_eq!(status_of(&response), 200, "{response}");
    assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(5), "kept-alive connection closed after {took:?}");
    // A prompt client on the same server is served.
    let (response, _) =
        raw_exchange(&s.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration::from_secs(5)).await;
    assert_eq!(status_of(&response), 200, "{response}");
}

// ---- per-token rate limit ----

fn expect_429(res: &Res) -> u64 {
    res.expect_error(429, None);
    let wait: u64 = res.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!(wait >= 1);
    wait
}

#[tokio::test]
async fn a_token_over_its_rate_limit_gets_429_with_retry_after_and_its_write_is_not_done() {
    let settings = HttpSettings { rate_limit: Some(RateLimit { per_second: 1.0, burst: 3 }), ..HttpSettings::default() };
    let s = TestServer::start_with(settings).await;
    let scim = s.tenant("acme").await;
    let other_token = s.app.create_token("acme", Some("second"), None).await.unwrap().token;
    for _ in 0..3 {
        scim.get("/Users").await.expect(200);
    }
    let wait = expect_429(&scim.post("/Users", &json!({"userName": "refused@x.com"})).await);
    assert!(wait <= 1, "one request refills in a second at 1/s");
    // Another token of the same tenant has its own bucket.
    scim.with_token(&other_token).get("/Users").await.expect(200);
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let list = scim.get("/Users").await;
    list.expect(200);
    assert_eq!(list.body["totalResults"], 0, "the refused create did nothing");
}

// ---- failed-authentication throttling ----

const WRONG: &str = "lyd_0000000000000000000000000000000000000000000000000000000000000000";

#[tokio::test]
async fn after_too_many_failed_authentications_an_address_gets_429_whatever_token_it_sends() {
    let limit = AuthFailureLimit { max_failures: 5, window: Duration::from_secs(2) };
    let s = TestServer::start_with(HttpSettings { auth_failures: Some(limit), ..HttpSettings::default() }).await;
    let scim = s.tenant("acme").await;
    let started = Instant::now();
    for _ in 0..5 {
        scim.with_token(WRONG).get("/Users").await.expect_error(401, None);
    }
    // Throttled: the valid token, a wrong one, no token and an unknown
    // tenant all get the same answer, so nothing is learned about tokens.
    let answers = [
        scim.get("/Users").await,
        scim.with_token(WRONG).get("/Users").await,
        scim.with_token("").get("/Users").await,
        Scim::new(&format!("{}/scim/v2/nobody", s.url), &scim.token).get("/Users").await,
    ];
    for res in &answers {
        let wait = expect_429(res);
        assert!(wait <= 2, "{wait}");
    }
    assert!(answers.windows(2).all(|w| w[0].body == w[1].body), "identical bodies");
    // Health checks need no token and are not throttled.
    assert_eq!(reqwest::get(format!("{}/healthz", s.url)).await.unwrap().status(), 200);
    // When the window ends the valid token works again.
    tokio::time::sleep((started + Duration::from_millis(2100)).saturating_duration_since(Instant::now())).await;
    scim.get("/Users").await.expect(200);
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_count_per_forwarded_client_and_forged_headers_do_not_help() {
    let limit = AuthFailureLimit { max_failures: 3, window: Duration::from_secs(60) };
    let trusted = lanyard_web::parse_networks("127.0.0.1").unwrap();
    let s = TestServer::start_with(HttpSettings { auth_failures: Some(limit), trusted_proxies: trusted, ..HttpSettings::default() }).await;
    let scim = s.tenant("acme").await;
    let from = |client: &'static str| [("X-Forwarded-For", client)];
    for _ in 0..3 {
        scim.with_token(WRONG).send(Method::GET, "/Users", None, &from("198.51.100.1")).await.expect_error(401, None);
    }
    expect_429(&scim.send(Method::GET, "/Users", None, &from("198.51.100.1")).await);
    // The client cannot dodge by prepending a forged address: the proxy's
    // (rightmost) entry is the one believed.
    expect_429(&scim.send(Method::GET, "/Users", None, &from("203.0.113.50, 198.51.100.1")).await);
    // Another client behind the same proxy is unaffected.
    scim.send(Method::GET, "/Users", None, &from("198.51.100.2")).await.expect(200);

    // Without trusted proxies, X-Forwarded-For is ignored: varying it does
    // not spread failures over made-up addresses.
    let s = TestServer::start_with(HttpSettings { auth_failures: Some(limit), ..HttpSettings::default() }).await;
    let scim = s.tenant("acme").await;
    for client in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        scim.with_token(WRONG).send(Method::GET, "/Users", None, &[("X-Forwarded-For", client)]).await.expect_error(401, None);
    }
    expect_429(&scim.send(Method::GET, "/Users", None, &[("X-Forwarded-For", "192.0.2.4")]).await);
}
