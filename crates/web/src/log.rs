//! One log line and one metrics observation per request: method, path,
//! status, latency, client address, request id, tenant and token id
//! (never the token, never a body), so an admin can see why a provider's
//! "Test Connection" failed. The request id is returned in `X-Request-Id`
//! and carried by every log line written while the request runs.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use lanyard_domain::Caller;
use lanyard_domain::store::ProvisioningRequest;
use tracing::Instrument;

use crate::client_addr::{self, ClientAddr};
use crate::limits;
use crate::metrics::Observation;
use crate::request_id::{self, RequestId};
use crate::response::ScimErrorInfo;
use crate::state::AppState;

/// Requests under these routes are a tenant's provisioning requests; the
/// slug is the path's fourth segment (`/scim/v2/{tenant}/…`).
const SCIM_ROUTES: &str = "/scim/v2/{tenant}";

/// Filled in by authentication while the request runs.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Option<Authenticated>>>);

/// Who a request's credential stands for.
#[derive(Clone)]
enum Authenticated {
    /// A SCIM token: its caller, as authentication built it.
    Token(Arc<Caller>),
    /// An admin API key, for a tenant or for all (`*`).
    Key { tenant: String, key_id: String },
}

impl Authenticated {
    /// The tenant and the credential's id, as the log names them.
    fn names(&self) -> (&str, &str) {
        match self {
            Authenticated::Token(caller) => (&caller.tenant.slug, &caller.token_id),
            Authenticated::Key { tenant, key_id } => (tenant, key_id),
        }
    }
}

impl RequestLog {
    pub fn set_caller(&self, caller: Arc<Caller>) {
        self.set(Authenticated::Token(caller));
    }
    pub fn set_api_key(&self, tenant: &str, key_id: &str) {
        self.set(Authenticated::Key { tenant: tenant.to_string(), key_id: key_id.to_string() });
    }
    fn set(&self, who: Authenticated) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(who);
        }
    }
    fn authenticated(&self) -> Option<Authenticated> {
        self.0.lock().ok().and_then(|s| s.clone())
    }
}

/// Logs and measures the request; it also holds the request timeout.
pub async fn log_requests(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let id = RequestId::from_headers(req.headers());
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| client_addr::resolve(*peer, req.headers(), &state.web.settings.trusted_proxies));
    let log = RequestLog::default();
    req.extensions_mut().insert(log.clone());
    req.extensions_mut().insert(id.clone());
    if let Some(ip) = client {
        req.extensions_mut().insert(ClientAddr(ip));
    }

    let span = tracing::info_span!("request", request_id = %id.0);
    // The request timeout runs inside, so a request that times out is logged.
    let mut response = limits::answer_in_time(&state, next.run(req)).instrument(span).await;

    if let Ok(v) = HeaderValue::from_str(&id.0) {
        response.headers_mut().insert(request_id::HEADER, v);
    }
    let elapsed = started.elapsed();
    let authenticated = log.authenticated();
    let (tenant, token_id) = authenticated.as_ref().map_or(("", ""), Authenticated::names);
    let status = response.status();
    state.web.metrics.observe(&Observation {
        tenant,
        route: &route,
        method: &method,
        status,
        seconds: elapsed.as_secs_f64(),
        scim_type: response.extensions().get::<ScimErrorInfo>().map(|e| e.scim_type),
    });

    let status = status.as_u16();
    if route.starts_with(SCIM_ROUTES)
        && let Some(slug) = path.split('/').nth(3)
    {
        let request = ProvisioningRequest {
            at: lanyard_domain::now(),
            method: method.to_string(),
            path: path.chars().take(512).collect(),
            status,
            duration_micros: i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX),
        };
        state.lanyard.provisioning_log().record(slug, request);
    }
    let latency_ms = (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0;
    let client = client.map(|ip| ip.to_string()).unwrap_or_default();
    let request_id = id.0;
    if status >= 500 {
        tracing::error!(%method, %path, status, latency_ms, %client, %tenant, %token_id, %request_id, "request");
    } else if status >= 400 {
        tracing::warn!(%method, %path, status, latency_ms, %client, %tenant, %token_id, %request_id, "request");
    } else {
        tracing::info!(%method, %path, status, latency_ms, %client, %tenant, %token_id, %request_id, "request");
    }
    response
}
