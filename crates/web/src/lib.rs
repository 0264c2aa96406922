//! Lanyard's HTTP surface. Handlers are thin: extract the caller and the
//! input (extractors already answer SCIM errors), call one domain
//! operation, render the result. Around them: the request log and metrics,
//! limits and throttles, and the server loop.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod admin;
mod api;
mod auth_throttle;
mod client_addr;
mod extract;
mod limits;
mod log;
mod metrics;
mod metrics_endpoint;
mod path;
mod rate_limit;
mod request_id;
mod response;
mod scim;
mod server;
mod settings;
mod sso;
mod state;
mod tls;

use axum::Router;
use axum::extract::Request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use lanyard_domain::Lanyard;
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer};

pub use log::RequestLog;
pub use metrics::MetricsError;
pub use server::{TlsListener, serve, serve_tls};
pub use settings::{AuthFailureLimit, HttpSettings, RateLimit, parse_networks};
pub use state::AppState;
pub use tls::{Reload, Tls, TlsError, TlsFiles};

/// A whole application as one service.
pub type App = MapRequest<Router, fn(Request) -> Request>;

/// The main application: health, SCIM, and `/metrics` when a metrics token
/// is set. Paths are normalized before routing (see [`path::normalize`]).
pub fn app(state: AppState) -> App {
    let mut router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(scim::router())
        .merge(api::router())
        .merge(admin::router())
        .merge(sso::router());
    if state.web.settings.metrics_token.is_some() {
        router = router.route("/metrics", get(metrics_endpoint::with_token));
    }
    let router = router
        .fallback(scim::not_found)
        // Also answers 503 for a request not answered in time (`limits::answer_in_time`).
        .layer(from_fn_with_state(state.clone(), log::log_requests))
        .with_state(state);
    MapRequestLayer::new(path::normalize as fn(Request) -> Request).layer(router)
}

/// The metrics listener's application: `/metrics` without a credential,
/// and `/healthz`.
pub fn metrics_app(state: AppState) -> App {
    let router = Router::new()
        .route("/metrics", get(metrics_endpoint::open))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(scim::not_found)
        .layer(from_fn_with_state(state.clone(), limits::request_timeout))
        .with_state(state);
    MapRequestLayer::new(path::normalize as fn(Request) -> Request).layer(router)
}

async fn readyz(State(app): State<Lanyard>) -> (StatusCode, &'static str) {
    match app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
