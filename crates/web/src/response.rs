//! SCIM responses: `application/scim+json` bodies, ETag and Location.

use axum::http::header::{CONTENT_TYPE, ETAG, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lanyard_domain::Written;
use lanyard_scim::ScimError;
use serde_json::Value;

/// Entra requires `application/scim+json`; Okta, JumpCloud and OneLogin
/// read it as JSON too, so every SCIM response carries it.
pub const SCIM_JSON: &str = "application/scim+json";

pub struct ApiError(pub ScimError);

impl From<ScimError> for ApiError {
    fn from(e: ScimError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = scim_json(status, &self.0.to_json());
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // A busy database: tell clients that honour it when to retry.
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

pub fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    res
}

/// A single resource, with its ETag (and Location when created).
pub fn resource(status: StatusCode, written: &Written) -> Response {
    let mut res = scim_json(status, &written.resource);
    if let Ok(v) = HeaderValue::from_str(&written.etag) {
        res.headers_mut().insert(ETAG, v);
    }
    if let (StatusCode::CREATED, Ok(v)) = (status, HeaderValue::from_str(&written.location)) {
        res.headers_mut().insert(LOCATION, v);
    }
    res
}

pub type ApiResult = Result<Response, ApiError>;
