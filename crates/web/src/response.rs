//! SCIM responses: `application/scim+json` bodies, ETag and Location.

use std::time::Duration;

use axum::http::header::{CONTENT_TYPE, ETAG, LOCATION, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lanyard_domain::{Written, WrittenJson};
use lanyard_scim::ScimError;
use serde_json::Value;

/// Entra requires `application/scim+json`; Okta, JumpCloud and OneLogin
/// read it as JSON too, so every SCIM response carries it.
pub const SCIM_JSON: &str = "application/scim+json";

pub struct ApiError {
    pub error: ScimError,
    /// `Retry-After`, rounded up to whole seconds.
    pub retry_after: Option<Duration>,
}

impl From<ScimError> for ApiError {
    fn from(error: ScimError) -> Self {
        ApiError { error, retry_after: None }
    }
}

impl ApiError {
    /// 429 with `Retry-After` (RFC 6585; SCIM has no `scimType` for it).
    pub fn too_many_requests(detail: &str, wait: Duration) -> Self {
        ApiError { error: ScimError::new(429, None, format!("{detail}; retry after the time in Retry-After")), retry_after: Some(wait) }
    }

    /// `status` with `Retry-After` (e.g. 503 for a request that ran out of time).
    pub fn retry_later(status: u16, detail: &str, wait: Duration) -> Self {
        ApiError { error: ScimError::new(status, None, detail), retry_after: Some(wait) }
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Marks a response as a SCIM error, for the metrics: its `scimType`
/// (`""` when it has none).
#[derive(Debug, Clone, Copy)]
pub struct ScimErrorInfo {
    pub scim_type: &'static str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = scim_json(status, &self.error.to_json());
        // A busy database: tell clients that honour it when to retry.
        let retry_after = self.retry_after.or((status == StatusCode::SERVICE_UNAVAILABLE).then_some(Duration::from_secs(1)));
        if let Some(wait) = retry_after {
            res.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after_secs(wait).max(1)));
        }
        res.extensions_mut().insert(ScimErrorInfo { scim_type: self.error.scim_type.map_or("", |t| t.as_str()) });
        res
    }
}

pub fn scim_json(status: StatusCode, body: &Value) -> Response {
    // Straight into bytes: `to_string` goes through `fmt::Write`, a call per piece.
    scim_json_bytes(status, serde_json::to_vec(body).unwrap_or_default())
}

/// A body already written as JSON.
pub fn scim_json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    res
}

/// A single resource, with its ETag (and Location when created).
pub fn resource(status: StatusCode, written: &Written) -> Response {
    located(scim_json(status, &written.resource), &written.etag, &written.location)
}

/// [`resource`] already written as JSON.
pub fn resource_json(status: StatusCode, written: WrittenJson) -> Response {
    located(scim_json_bytes(status, written.body), &written.etag, &written.location)
}

fn located(mut res: Response, etag: &str, location: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(ETAG, v);
    }
    if let (StatusCode::CREATED, Ok(v)) = (res.status(), HeaderValue::from_str(location)) {
        res.headers_mut().insert(LOCATION, v);
    }
    res
}

pub type ApiResult = Result<Response, ApiError>;
