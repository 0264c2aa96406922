//! Tenants, seats, SCIM tokens and the provisioning request log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lanyard_domain::Lanyard;
use lanyard_scim::time::format_micros;

use super::caller::{ApiCaller, JsonBody};
use super::error::{ApiError, ErrorBody};
use super::schemas::{
    CreatedTokenOut, NewTenantIn, NewTokenIn, ProvisioningRequestOut, QueuedUser, SeatLimitIn, SeatsOut, TenantOut, TokenOut,
};

const QUEUE_SHOWN: i64 = 1000;

/// Every tenant (an operator), or the caller's own.
#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants",
    responses((status = 200, body = Vec<TenantOut>), (status = 401, body = ErrorBody)))]
pub async fn list_tenants(State(app): State<Lanyard>, ApiCaller(who): ApiCaller) -> Result<Json<Vec<TenantOut>>, ApiError> {
    let all = app.tenants_for(&who).await?;
    Ok(Json(all.iter().map(|t| TenantOut::of(t, app.config().scim_base_url(&t.slug))).collect()))
}

/// Create a tenant (operators only).
#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants", request_body = NewTenantIn,
    responses((status = 201, body = TenantOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_tenant(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    JsonBody(body): JsonBody<NewTenantIn>,
) -> Result<(StatusCode, Json<TenantOut>), ApiError> {
    let t = app.create_tenant_as(&who, &body.slug, body.name.as_deref(), body.seats).await?;
    Ok((StatusCode::CREATED, Json(TenantOut::of(&t, app.config().scim_base_url(&t.slug)))))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path, description = "The tenant's slug")),
    responses((status = 200, body = TenantOut), (status = 404, body = ErrorBody)))]
pub async fn get_tenant(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
) -> Result<Json<TenantOut>, ApiError> {
    let t = app.tenant_for(&who, &slug).await?;
    Ok(Json(TenantOut::of(&t, app.config().scim_base_url(&t.slug))))
}

/// Seat counts and the front of the pending queue.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/seats", tag = "seats", params(("tenant" = String, Path)),
    responses((status = 200, body = SeatsOut), (status = 404, body = ErrorBody)))]
pub async fn get_seats(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
) -> Result<Json<SeatsOut>, ApiError> {
    let o = app.seat_overview(&who, &slug, QUEUE_SHOWN).await?;
    let queue = o
        .queue
        .into_iter()
        .map(|u| QueuedUser { id: u.id, user_name: u.user_name, pending_since: u.seat.pending_since.map(format_micros) })
        .collect();
    Ok(Json(SeatsOut { seats: o.counters.into(), queue }))
}

/// Set the seat limit (operators only). Raising it seats pending users, oldest first.
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/seats", tag = "seats", params(("tenant" = String, Path)), request_body = SeatLimitIn,
    responses((status = 200, body = SeatsOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_seats(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<SeatLimitIn>,
) -> Result<Json<SeatsOut>, ApiError> {
    app.set_seat_limit_as(&who, &slug, body.limit).await?;
    get_seats(State(app), ApiCaller(who), Path(slug)).await
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/tokens", tag = "tokens", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<TokenOut>), (status = 404, body = ErrorBody)))]
pub async fn list_tokens(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
) -> Result<Json<Vec<TokenOut>>, ApiError> {
    Ok(Json(app.tokens_for(&who, &slug).await?.into_iter().map(TokenOut::from).collect()))
}

/// Create a SCIM bearer token; the answer holds it this once.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/tokens", tag = "tokens", params(("tenant" = String, Path)), request_body = NewTokenIn,
    responses((status = 201, body = CreatedTokenOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_token(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<NewTokenIn>,
) -> Result<(StatusCode, Json<CreatedTokenOut>), ApiError> {
    let expires = match body.expires_in_days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(d * 86_400_000_000),
        Some(_) => return Err(ApiError::bad_request("expires_in_days: 1 to 3650")),
    };
    let t = app.create_token_for(&who, &slug, body.label.as_deref(), expires).await?;
    Ok((StatusCode::CREATED, Json(CreatedTokenOut { id: t.id, token: t.token, label: t.label, expires: t.expires_at.map(format_micros) })))
}

/// Revoke a token: it stops working at once on this instance, within 2 s on others.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/tokens/{id}", tag = "tokens", params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.revoke_token_for(&who, &slug, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The latest SCIM requests of the tenant's clients, newest first.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/provisioning-requests", tag = "tokens", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<ProvisioningRequestOut>), (status = 404, body = ErrorBody)))]
pub async fn provisioning_requests(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
) -> Result<Json<Vec<ProvisioningRequestOut>>, ApiError> {
    let list = app.provisioning_requests_for(&who, &slug, lanyard_domain::admin::KEEP_PER_TENANT).await?;
    Ok(Json(list.into_iter().map(ProvisioningRequestOut::from).collect()))
}
