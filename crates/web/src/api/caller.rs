//! Who calls `/api/v1`: an operator API key (`Authorization: Bearer
//! lya_…`; a global key acts as an operator, a tenant key as that tenant's
//! admin) or an admin session cookie. Writes with the cookie must carry
//! the session's CSRF token in `X-CSRF-Token`; a browser cannot be made to
//! send that header from another site.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use lanyard_domain::admin::{Access, CSRF_HEADER, Principal, csrf_matches};
use lanyard_domain::auth::bearer_secret;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::admin::session_principal;
use crate::client_addr::ClientAddr;
use crate::limits;
use crate::log::RequestLog;
use crate::state::AppState;

pub struct ApiCaller(pub Principal);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = parts.extensions.get::<ClientAddr>().map(|c| c.0);
        let throttle = state.web.auth_failures.as_ref();
        if let (Some(t), Some(ip)) = (throttle, client)
            && t.check(ip).is_err()
        {
            return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too many failed authentications from this address"));
        }
        let failed = || {
            if let (Some(t), Some(ip)) = (throttle, client) {
                t.record_failure(ip);
            }
            ApiError::unauthorized()
        };
        let secret = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer_secret);
        let principal = if secret.is_some() {
            let key = state.lanyard.authenticate_api_key(secret).await.map_err(|_| failed())?;
            if let Some(log) = parts.extensions.get::<RequestLog>() {
                log.set_api_key(key.tenant.as_deref().unwrap_or("*"), &key.id);
            }
            let access = key.tenant.clone().map_or(Access::Operator, Access::Tenant);
            Principal { access, actor: format!("api-key:{}", key.id), name: key.label.unwrap_or(key.id) }
        } else {
            let Some((principal, cookie)) =
                session_principal(&state.lanyard, &parts.headers).await.map_err(|_| ApiError::unauthorized())?
            else {
                return Err(failed());
            };
            let reads_only = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let csrf = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !reads_only && !csrf_matches(&cookie, csrf) {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "a write with the session cookie needs its CSRF token in X-CSRF-Token"));
            }
            principal
        };
        Ok(ApiCaller(principal))
    }
}

/// A JSON request body (1 MiB at most), read within the body timeout.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.lanyard.config().limits.max_payload_size;
        let bytes = limits::read_body(req.into_body(), limit, state.web.settings.body_read_timeout)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large or too slow"))?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| ApiError::bad_request(format!("the body is not the JSON expected: {e}")))
    }
}
