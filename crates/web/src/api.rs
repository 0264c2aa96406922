//! `/api/v1`: the application's API, authenticated with an operator API
//! key (`Authorization: Bearer lya_…`). Answers are plain JSON; errors are
//! `{"error": "...", "status": N}`.

use std::time::Duration;

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lanyard_domain::Lanyard;
use lanyard_domain::auth::bearer_secret;
use lanyard_domain::feed::{FeedError, FeedQuery};
use lanyard_domain::store::ApiKey;
use serde_json::{Value, json};

use crate::extract::QueryPairs;
use crate::log::RequestLog;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(all_events)).route("/api/v1/tenants/{tenant}/events", get(tenant_events))
}

pub struct ApiFailure(FeedError);

impl From<FeedError> for ApiFailure {
    fn from(e: FeedError) -> Self {
        ApiFailure(e)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            FeedError::Unauthorized => StatusCode::UNAUTHORIZED,
            FeedError::NoSuchTenant => StatusCode::NOT_FOUND,
            FeedError::BadRequest(_) => StatusCode::BAD_REQUEST,
            FeedError::Store(e) => {
                tracing::error!(error = %e, "event feed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match status {
            StatusCode::INTERNAL_SERVER_ERROR => "internal error".to_string(),
            _ => self.0.to_string(),
        };
        (status, axum::Json(json!({ "error": message, "status": status.as_u16() }))).into_response()
    }
}

/// The live API key of the request.
pub struct Key(pub ApiKey);

impl FromRequestParts<AppState> for Key {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let secret = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer_secret);
        let key = state.lanyard.authenticate_api_key(secret).await?;
        if let Some(log) = parts.extensions.get::<RequestLog>() {
            log.set_caller(key.tenant.as_deref().unwrap_or("*"), &key.id);
        }
        Ok(Key(key))
    }
}

fn feed_query(q: &QueryPairs) -> Result<FeedQuery, FeedError> {
    let number = |name: &str| -> Result<Option<i64>, FeedError> {
        q.get(name).map(|v| v.parse::<i64>().map_err(|_| FeedError::BadRequest(format!("{name}: {v:?} is not a number")))).transpose()
    };
    let wait = match number("wait")? {
        Some(s) if s < 0 => return Err(FeedError::BadRequest("wait: seconds, 0 or more".into())),
        Some(s) => Some(Duration::from_secs(s.unsigned_abs())),
        None => None,
    };
    // `after=` (empty) is the start, as no `after` at all.
    let after = q.get("after").filter(|a| !a.is_empty()).map(str::to_string);
    Ok(FeedQuery { after, limit: number("limit")?, wait })
}

async fn all_events(State(app): State<Lanyard>, Key(key): Key, q: QueryPairs) -> Result<axum::Json<Value>, ApiFailure> {
    Ok(axum::Json(app.events_page(&key, None, &feed_query(&q)?).await?))
}

async fn tenant_events(
    State(app): State<Lanyard>,
    Key(key): Key,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<axum::Json<Value>, ApiFailure> {
    Ok(axum::Json(app.events_page(&key, Some(&tenant), &feed_query(&q)?).await?))
}
