//! The event feed: every change, in commit order, with long polling.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use lanyard_domain::Lanyard;
use lanyard_domain::feed::{FeedError, FeedQuery};
use serde_json::Value;

use super::caller::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::schemas::EventsPage;
use crate::extract::QueryPairs;

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

/// Every tenant's events the caller may read.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    params(("after" = Option<String>, Query, description = "`next` of the previous page"), ("limit" = Option<i64>, Query, description = "1 to 1000"),
        ("wait" = Option<i64>, Query, description = "seconds to wait for a first event, up to 25")),
    responses((status = 200, body = EventsPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn all_events(State(app): State<Lanyard>, ApiCaller(who): ApiCaller, q: QueryPairs) -> Result<Json<Value>, ApiError> {
    Ok(Json(app.events_page(who.own_tenant(), None, &feed_query(&q)?).await?))
}

/// One tenant's events.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/events", tag = "events",
    params(("tenant" = String, Path), ("after" = Option<String>, Query), ("limit" = Option<i64>, Query), ("wait" = Option<i64>, Query)),
    responses((status = 200, body = EventsPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn tenant_events(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(app.events_page(who.own_tenant(), Some(&tenant), &feed_query(&q)?).await?))
}
