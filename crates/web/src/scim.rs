//! `/scim/v2/{tenant}/...`: Users, Groups, search and discovery.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use lanyard_domain::{Lanyard, etag_matches};
use lanyard_scim::ScimError;
use lanyard_scim::discovery;
use lanyard_scim::list::ListParams;
use lanyard_scim::projection::Projection;
use lanyard_scim::schema::{GROUP_TYPE, ResourceTypeDef, USER_TYPE};

use crate::extract::{ListQuery, Preconditions, QueryPairs, Scim, ScimBody};
use crate::response::{ApiError, ApiResult, resource, resource_json, scim_json, scim_json_bytes};
use crate::state::AppState;

const BASE: &str = "/scim/v2/{tenant}";

fn scim_route(r: MethodRouter<AppState>) -> MethodRouter<AppState> {
    r.fallback(method_not_allowed)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/Users"), scim_route(get(list_users).post(create_user)))
        .route(&format!("{BASE}/Users/.search"), scim_route(post(search_users)))
        .route(&format!("{BASE}/Users/{{id}}"), scim_route(get(get_user).put(replace_user).patch(patch_user).delete(delete_user)))
        .route(&format!("{BASE}/Groups"), scim_route(get(list_groups).post(create_group)))
        .route(&format!("{BASE}/Groups/.search"), scim_route(post(search_groups)))
        .route(&format!("{BASE}/Groups/{{id}}"), scim_route(get(get_group).put(replace_group).patch(patch_group).delete(delete_group)))
        .route(&format!("{BASE}/.search"), scim_route(post(search_all)))
        .route(&format!("{BASE}/ServiceProviderConfig"), scim_route(get(service_provider_config)))
        .route(&format!("{BASE}/ResourceTypes"), scim_route(get(resource_types)))
        .route(&format!("{BASE}/ResourceTypes/{{id}}"), scim_route(get(resource_type)))
        .route(&format!("{BASE}/Schemas"), scim_route(get(schemas)))
        .route(&format!("{BASE}/Schemas/{{id}}"), scim_route(get(schema)))
        .route(BASE, scim_route(get(unknown_tenant_path)))
        .route(
            &format!("{BASE}/{{*rest}}"),
            get(unknown_tenant_path)
                .post(unknown_tenant_path)
                .put(unknown_tenant_path)
                .patch(unknown_tenant_path)
                .delete(unknown_tenant_path),
        )
}

pub async fn not_found() -> Response {
    ApiError::from(ScimError::not_found("No such endpoint")).into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::from(ScimError::method_not_allowed()).into_response()
}

/// Authenticate first, so an unknown path reveals nothing to a stranger.
async fn unknown_tenant_path(Scim(_): Scim) -> Response {
    not_found().await
}

fn projection(q: &QueryPairs, rt: &'static ResourceTypeDef) -> Result<Projection, ScimError> {
    Projection::parse(q.get("attributes"), q.get("excludedAttributes"), rt)
}

fn ok_list(body: serde_json::Value) -> ApiResult {
    Ok(scim_json(StatusCode::OK, &body))
}

/// A read: 304 when `If-None-Match` names the current version `etag`,
/// else `respond()`.
fn read(pre: &Preconditions, etag: &str, respond: impl FnOnce() -> Response) -> ApiResult {
    let current = etag.trim_start_matches("W/").trim_matches('"').parse::<i64>().ok();
    if let (Some(h), Some(v)) = (&pre.if_none_match, current)
        && etag_matches(h, v)
    {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = etag.parse() {
            res.headers_mut().insert(axum::http::header::ETAG, v);
        }
        return Ok(res);
    }
    Ok(respond())
}

// ---- Users ----

async fn list_users(State(app): State<Lanyard>, Scim(c): Scim, ListQuery(params): ListQuery) -> ApiResult {
    Ok(scim_json_bytes(StatusCode::OK, app.list_users_json(&c, &params).await?))
}

async fn search_users(State(app): State<Lanyard>, Scim(c): Scim, ScimBody(body): ScimBody) -> ApiResult {
    Ok(scim_json_bytes(StatusCode::OK, app.list_users_json(&c, &ListParams::from_search_body(&body)?).await?))
}

async fn create_user(State(app): State<Lanyard>, Scim(c): Scim, q: QueryPairs, ScimBody(body): ScimBody) -> ApiResult {
    let written = app.create_user(&c, &body, &projection(&q, &USER_TYPE)?).await?;
    Ok(resource(StatusCode::CREATED, &written))
}

async fn get_user(
    State(app): State<Lanyard>,
    Scim(c): Scim,
    Path((_, id)): Path<(String, String)>,
    q: QueryPairs,
    pre: Preconditions,
) -> ApiResult {
    let written = app.get_user_json(&c, &id, &projection(&q, &USER_TYPE)?).await?;
    let etag = written.etag.clone();
    read(&pre, &etag, move || resource_json(StatusCode::OK, written))
}

async fn replace_user(
    State(app): State<Lanyard>,
    Scim(c): Scim,
    Path((_, id)): Path<(String, String)>,
    q: QueryPairs,
    pre: Preconditions,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let written = app.replace_user(&c, &id, &body, pre.if_match.as_deref(), &projection(&q, &USER_TYPE)?).await?;
    Ok(resource(StatusCode::OK, &written))
}

async fn patch_user(
    State(app): State<Lanyard>,
    Scim(c): Scim,
    Path((_, id)): Path<(String, String)>,
    q: QueryPairs,
    pre: Preconditions,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let written = app.patch_user(&c, &id, &body, pre.if_match.as_deref(), &projection(&q, &USER_TYPE)?).await?;
    Ok(resource(StatusCode::OK, &written))
}

async fn delete_user(State(app): State<Lanyard>, Scim(c): Scim, Path((_, id)): Path<(String, String)>, pre: Preconditions) -> ApiResult {
    app.delete_user(&c, &id, pre.if_match.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- Groups ----

async fn list_groups(State(app): State<Lanyard>, Scim(c): Scim, ListQuery(params): ListQuery) -> ApiResult {
    ok_list(app.list_groups(&c, &params).await?)
}

async fn search_groups(State(app): State<Lanyard>, Scim(c): Scim, ScimBody(body): ScimBody) -> ApiResult {
    ok_list(app.list_groups(&c, &ListParams::from_search_body(&body)?).await?)
}

async fn create_group(State(app): State<Lanyard>, Scim(c): Scim, q: QueryPairs, ScimBody(body): ScimBody) -> ApiResult {
    let written = app.create_group(&c, &body, &projection(&q, &GROUP_TYPE)?).await?;
    Ok(resource(StatusCode::CREATED, &written))
}

async fn get_group(
    State(app): State<Lanyard>,
    Scim(c): Scim,
    Path((_, id)): Path<(String, String)>,
    q: QueryPairs,
    pre: Preconditions,
) -> ApiResult {
    let written = app.get_group(&c, &id, &projection(&q, &GROUP_TYPE)?).await?;
    read(&pre, &written.etag, || resource(StatusCode::OK, &written))
}

async fn replace_group(
    State(app): State<Lanyard>,
    Scim(c): Scim,
    Path((_, id)): Path<(String, String)>,
    q: QueryPairs,
    pre: Preconditions,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let written = app.replace_group(&c, &id, &body, pre.if_match.as_deref(), &projection(&q, &GROUP_TYPE)?).await?;
    Ok(resource(StatusCode::OK, &written))
}

async fn patch_group(
    State(app): State<Lanyard>,
    Scim(c): Scim,
    Path((_, id)): Path<(String, String)>,
    q: QueryPairs,
    pre: Preconditions,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let wanted = if q.has_projection() { Some(projection(&q, &GROUP_TYPE)?) } else { None };
    match app.patch_group(&c, &id, &body, pre.if_match.as_deref(), wanted.as_ref()).await? {
        Some(written) => Ok(resource(StatusCode::OK, &written)),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn delete_group(State(app): State<Lanyard>, Scim(c): Scim, Path((_, id)): Path<(String, String)>, pre: Preconditions) -> ApiResult {
    app.delete_group(&c, &id, pre.if_match.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn search_all(State(app): State<Lanyard>, Scim(c): Scim, ScimBody(body): ScimBody) -> ApiResult {
    ok_list(app.search_all(&c, &ListParams::from_search_body(&body)?).await?)
}

// ---- discovery ----

async fn service_provider_config(State(app): State<Lanyard>, Scim(c): Scim) -> ApiResult {
    Ok(scim_json(StatusCode::OK, &discovery::service_provider_config(&c.base_url, &app.config().limits)))
}

async fn resource_types(Scim(c): Scim) -> ApiResult {
    let all = discovery::resource_types(&c.base_url);
    ok_list(lanyard_scim::list::list_response(all.len() as i64, 1, all))
}

async fn resource_type(Scim(c): Scim, Path((_, id)): Path<(String, String)>) -> ApiResult {
    let found = discovery::resource_type(&c.base_url, &id).ok_or_else(|| ScimError::not_found(format!("No resource type {id:?}")))?;
    Ok(scim_json(StatusCode::OK, &found))
}

async fn schemas(Scim(c): Scim) -> ApiResult {
    let all = discovery::schemas(&c.base_url);
    ok_list(lanyard_scim::list::list_response(all.len() as i64, 1, all))
}

async fn schema(Scim(c): Scim, Path((_, id)): Path<(String, String)>) -> ApiResult {
    let found = discovery::schema(&c.base_url, &id).ok_or_else(|| ScimError::not_found(format!("No schema {id:?}")))?;
    Ok(scim_json(StatusCode::OK, &found))
}
