//! `GET /metrics`. Per-tenant labels name every customer and its seat
//! counts, so the endpoint is never public: either on its own listener
//! (`--metrics-listen`, meant for an internal address, no credential), or
//! on the main listener to `Authorization: Bearer <--metrics-token>`.
//! Wrong metric tokens count as failed authentications of the address.

use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lanyard_scim::ScimError;
use subtle::ConstantTimeEq;

use crate::client_addr::ClientAddr;
use crate::metrics::CONTENT_TYPE as PROMETHEUS_TEXT;
use crate::response::ApiError;
use crate::state::AppState;

/// On the metrics listener: no credential.
pub async fn open(State(state): State<AppState>) -> Response {
    render(&state).await
}

/// On the main listener: the metrics token.
pub async fn with_token(State(state): State<AppState>, client: Option<axum::Extension<ClientAddr>>, headers: HeaderMap) -> Response {
    let ip = client.map(|c| c.0.0);
    if let (Some(throttle), Some(ip)) = (&state.web.auth_failures, ip)
        && let Err(wait) = throttle.check(ip)
    {
        return ApiError::too_many_requests("Too many failed authentications from this address", wait).into_response();
    }
    let expected = state.web.settings.metrics_token.as_deref().unwrap_or_default();
    let sent = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
    let valid = !expected.is_empty() && sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())));
    if !valid {
        if let (Some(throttle), Some(ip)) = (&state.web.auth_failures, ip) {
            throttle.record_failure(ip);
        }
        return ApiError::from(ScimError::unauthorized()).into_response();
    }
    render(&state).await
}

async fn render(state: &AppState) -> Response {
    match state.web.metrics.render(&state.lanyard).await {
        Ok(text) => {
            let mut res = (StatusCode::OK, text).into_response();
            res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(PROMETHEUS_TEXT));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "metrics could not be rendered").into_response()
        }
    }
}
