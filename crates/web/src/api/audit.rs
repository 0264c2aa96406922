//! A tenant's audit log, newest first, as JSON pages or CSV.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use lanyard_domain::Lanyard;

use super::caller::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::schemas::{AuditEventOut, AuditPage};
use crate::admin::audit::{CSV_MAX, audit_filter, csv_response};
use crate::extract::QueryPairs;

fn limit(q: &QueryPairs) -> Result<i64, ApiError> {
    match q.get("limit") {
        None => Ok(100),
        Some(v) => v.parse::<i64>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| ApiError::bad_request("limit: 1 to 1000")),
    }
}

/// Audit events, newest first; `before` pages to older ones.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit", tag = "audit",
    params(("tenant" = String, Path),
        ("action" = Option<String>, Query, description = "action prefix, e.g. `seat.`"),
        ("actor" = Option<String>, Query), ("resource" = Option<String>, Query, description = "resource id"),
        ("since" = Option<String>, Query, description = "RFC 3339 or YYYY-MM-DD"), ("until" = Option<String>, Query),
        ("before" = Option<i64>, Query, description = "`next` of the previous page"), ("limit" = Option<i64>, Query, description = "1 to 1000, default 100")),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_audit(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
    q: QueryPairs,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = limit(&q)?;
    let filter = audit_filter(&q, limit).map_err(ApiError::bad_request)?;
    let events = app.audit_for(&who, &slug, &filter).await?;
    let next = (events.len() as i64 == limit).then(|| events.last().map(|e| e.id)).flatten();
    Ok(Json(AuditPage { events: events.into_iter().map(AuditEventOut::from).collect(), next }))
}

/// The same events as CSV (up to 100 000 rows).
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit.csv", tag = "audit",
    params(("tenant" = String, Path), ("action" = Option<String>, Query), ("actor" = Option<String>, Query), ("resource" = Option<String>, Query),
        ("since" = Option<String>, Query), ("until" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn audit_csv(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    let filter = audit_filter(&q, CSV_MAX).map_err(ApiError::bad_request)?;
    let tenant = app.tenant_for(&who, &slug).await?;
    let events = app.audit_for(&who, &tenant.slug, &filter).await?;
    Ok(csv_response(&tenant.slug, &events))
}
