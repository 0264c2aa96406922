//! Lanyard's HTTP surface. Handlers are thin: extract the caller and the
//! input (extractors already answer SCIM errors), call one domain
//! operation, render the result.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod extract;
mod log;
mod path;
mod response;
mod scim;

use axum::Router;
use axum::extract::Request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use lanyard_domain::Lanyard;
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer};

pub use log::RequestLog;

/// The whole application as one service; paths are normalized before
/// routing (see [`path::normalize`]).
pub fn app(lanyard: Lanyard) -> MapRequest<Router, fn(Request) -> Request> {
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(scim::router())
        .fallback(scim::not_found)
        .layer(axum::middleware::from_fn(log::log_requests))
        .with_state(lanyard);
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
