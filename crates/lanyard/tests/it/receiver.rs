//! A webhook receiver for tests: a real HTTP server on a fixed local port
//! that records every request and answers as told (2xx, an error status,
//! or holding the request); it can be stopped and started again on the
//! same port. Every answer closes the connection, so a stopped receiver
//! is really unreachable.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::Sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// Keep the request open until told otherwise.
    Hold,
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    pub json: Value,
    /// What it was answered (`None` while held or never).
    pub answered: Option<u16>,
    pub arrived: Instant,
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Received>>,
    answer: Mutex<Option<Answer>>,
    released: tokio::sync::Notify,
}

pub struct Receiver {
    pub url: String,
    port: u16,
    shared: Arc<Shared>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut r = Receiver { url: format!("http://127.0.0.1:{port}/hook"), port, shared: Arc::default(), task: None };
        r.answer(Answer::Status(200));
        r.up().await;
        r
    }

    pub fn answer(&self, answer: Answer) {
        *self.shared.answer.lock().unwrap() = Some(answer);
        if answer != Answer::Hold {
            self.shared.released.notify_waiters();
        }
    }

    /// Stops listening and drops every open connection.
    pub fn down(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    pub async fn up(&mut self) {
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let shared = self.shared.clone();
        self.task = Some(tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }));
    }

    pub fn requests(&self) -> Vec<Received> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The requests once at least `n` were answered 2xx (panics after `within`).
    pub async fn wait_delivered(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let all = self.requests();
            if delivered_ids(&all).len() >= n {
                return all;
            }
            assert!(Instant::now() < deadline, "only {} of {n} delivered: {:#?}", delivered_ids(&all).len(), ids(&all));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until at least `n` requests arrived (answered or not).
    pub async fn wait_requests(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let all = self.requests();
            if all.len() >= n {
                return all;
            }
            assert!(Instant::now() < deadline, "only {} of {n} requests arrived", all.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.down();
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (id, timestamp, signature) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let body = String::from_utf8_lossy(&body).into_owned();
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    let index = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(Received { id, timestamp, signature, body, json, answered: None, arrived: Instant::now() });
        requests.len() - 1
    };
    loop {
        let released = shared.released.notified();
        let answer = shared.answer.lock().unwrap().unwrap_or(Answer::Status(200));
        match answer {
            Answer::Hold => released.await,
            Answer::Status(status) => {
                shared.requests.lock().unwrap()[index].answered = Some(status);
                let mut res = Response::new(Full::new(Bytes::from(format!("answer {status} from the test receiver"))));
                *res.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                res.headers_mut().insert("connection", hyper::header::HeaderValue::from_static("close"));
                return Ok(res);
            }
        }
    }
}

/// Ids of requests in arrival order.
pub fn ids(requests: &[Received]) -> Vec<String> {
    requests.iter().map(|r| r.id.clone()).collect()
}

/// Ids of requests answered 2xx, in arrival order.
pub fn delivered_ids(requests: &[Received]) -> Vec<String> {
    requests.iter().filter(|r| r.answered.is_some_and(|s| (200..300).contains(&s))).map(|r| r.id.clone()).collect()
}

/// Checks the Standard Webhooks signature with the endpoint's secret,
/// written here from the spec, independently of the server's code.
pub fn verify(secret: &str, r: &Received) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    r.signature.split(' ').any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}
