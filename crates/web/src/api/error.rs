//! `/api/v1` errors: `{"error": "...", "status": N}` with the status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanyard_domain::feed::FeedError;
use lanyard_domain::tenants::AdminError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: String,
    pub status: u16,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "a valid API key or admin session is required")
    }
    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "admin API");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(ErrorBody { error: self.message, status: self.status.as_u16() })).into_response()
    }
}

impl From<FeedError> for ApiError {
    fn from(e: FeedError) -> Self {
        match e {
            FeedError::Unauthorized => ApiError::unauthorized(),
            FeedError::NoSuchTenant => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            FeedError::BadRequest(m) => ApiError::bad_request(m),
            FeedError::Store(e) => ApiError::internal(e),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::NoSuchTenant(_) | AdminError::NoSuchToken(_) | AdminError::NotFound => {
                ApiError::new(StatusCode::NOT_FOUND, e.to_string())
            }
            AdminError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "only an operator may do this"),
            AdminError::Invalid(m) => ApiError::bad_request(m),
            AdminError::TenantExists(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            AdminError::Store(e) => ApiError::internal(e),
        }
    }
}

#[cfg(feature = "saml")]
impl From<lanyard_domain::sso::SsoError> for ApiError {
    fn from(e: lanyard_domain::sso::SsoError) -> Self {
        use lanyard_domain::sso::SsoError;
        match e {
            SsoError::NoSuchTenant(_) | SsoError::NoSuchConnection(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            SsoError::DomainTaken(_) | SsoError::NameTaken(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            SsoError::Store(e) => ApiError::internal(e),
            SsoError::Key(e) => ApiError::internal(e),
            other => ApiError::bad_request(other.to_string()),
        }
    }
}
