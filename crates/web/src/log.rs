//! One log line per request: method, path, status, latency, tenant and
//! token id (never the token), so an admin can see why a provider's
//! "Test Connection" failed.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Filled in by authentication while the request runs.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Option<(String, String)>>>);

impl RequestLog {
    pub fn set_caller(&self, tenant: &str, token_id: &str) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((tenant.to_string(), token_id.to_string()));
        }
    }
    fn caller(&self) -> (String, String) {
        self.0.lock().ok().and_then(|s| s.clone()).unwrap_or_default()
    }
}

pub async fn log_requests(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let log = RequestLog::default();
    req.extensions_mut().insert(log.clone());
    let response = next.run(req).await;
    let (tenant, token_id) = log.caller();
    let status = response.status().as_u16();
    let latency_ms = (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0;
    if status >= 500 {
        tracing::error!(%method, %path, status, latency_ms, %tenant, %token_id, "request");
    } else if status >= 400 {
        tracing::warn!(%method, %path, status, latency_ms, %tenant, %token_id, "request");
    } else {
        tracing::info!(%method, %path, status, latency_ms, %tenant, %token_id, "request");
    }
    response
}
