//! SCIM extractors: their rejections are already SCIM error bodies, so
//! handlers never see an unauthenticated caller or malformed input.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::header::{AUTHORIZATION, IF_MATCH, IF_NONE_MATCH};
use axum::http::request::Parts;
use lanyard_domain::Caller;
use lanyard_domain::auth::bearer_secret;
use lanyard_scim::ScimError;
use lanyard_scim::list::ListParams;
use serde_json::Value;

use crate::client_addr::ClientAddr;
use crate::limits;
use crate::log::RequestLog;
use crate::response::ApiError;
use crate::state::AppState;

/// The authenticated caller of `/scim/v2/{tenant}/...`. Before the token
/// is looked at, a client address with too many failed authentications is
/// answered 429; after it, a token over its rate limit is answered 429.
pub struct Scim(pub Arc<Caller>);

impl FromRequestParts<AppState> for Scim {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = parts.extensions.get::<ClientAddr>().map(|c| c.0);
        if let (Some(throttle), Some(ip)) = (&state.web.auth_failures, client) {
            throttle.check(ip).map_err(|wait| ApiError::too_many_requests("Too many failed authentications from this address", wait))?;
        }
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| ScimError::unauthorized())?;
        let slug = params.iter().find(|(k, _)| *k == "tenant").map(|(_, v)| v.to_string()).unwrap_or_default();
        let secret = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer_secret);
        let caller = match state.lanyard.authenticate(&slug, secret).await {
            Ok(caller) => caller,
            Err(e) => {
                if let (401, Some(throttle), Some(ip)) = (e.status, &state.web.auth_failures, client) {
                    throttle.record_failure(ip);
                }
                return Err(e.into());
            }
        };
        if let Some(log) = parts.extensions.get::<RequestLog>() {
            log.set_caller(Arc::clone(&caller));
        }
        if let Some(limiter) = &state.web.rate_limit {
            limiter.check(&caller.token_id).map_err(|wait| ApiError::too_many_requests("This token is over its rate limit", wait))?;
        }
        Ok(Scim(caller))
    }
}

/// A JSON request body within `maxPayloadSize` (413 beyond it) received
/// within the body read timeout (408 beyond it); invalid JSON is 400
/// `invalidSyntax`. Both `application/scim+json` and `application/json`
/// (with or without charset) are read alike.
pub struct ScimBody(pub Value);

impl FromRequest<AppState> for ScimBody {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.lanyard.config().limits.max_payload_size;
        let bytes = limits::read_body(req.into_body(), limit, state.web.settings.body_read_timeout).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax("The request body is empty; a JSON object was expected").into());
        }
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| ScimError::invalid_syntax(format!("The request body is not valid JSON: {e}")))?;
        Ok(ScimBody(value))
    }
}

/// The query string as name/value pairs: `+` and `%20` both decode to a
/// space, and unknown flags such as `?aadOptscim062020` are kept but ignored.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        Ok(QueryPairs(form_urlencoded::parse(query.as_bytes()).into_owned().collect()))
    }
}

/// A listing's query parameters (RFC 7644 §3.4.2), decoded straight from
/// the query string: a lookup keeps only the filter's text.
pub struct ListQuery(pub ListParams);

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        Ok(ListQuery(ListParams::from_query(form_urlencoded::parse(query.as_bytes()))?))
    }
}

impl QueryPairs {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn has_projection(&self) -> bool {
        self.get("attributes").is_some() || self.get("excludedAttributes").is_some()
    }
}

/// `If-Match` and `If-None-Match`.
pub struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Preconditions {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let header = |name| parts.headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok()).map(str::to_string);
        Ok(Preconditions { if_match: header(IF_MATCH), if_none_match: header(IF_NONE_MATCH) })
    }
}
