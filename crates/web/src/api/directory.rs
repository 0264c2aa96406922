//! Users and groups, read-only (the identity provider writes them over SCIM).

use axum::Json;
use axum::extract::{Path, State};
use lanyard_domain::Lanyard;
use lanyard_domain::store::{SeatStatus, UserBrowse};

use super::caller::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::schemas::{AuditEventOut, GroupDetailOut, GroupOut, GroupPage, GroupRef, MemberOut, UserDetailOut, UserOut, UserPage};
use crate::extract::QueryPairs;

fn number(q: &QueryPairs, name: &str, default: i64, max: i64) -> Result<i64, ApiError> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=max).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("{name}: a number from 0 to {max}"))),
    }
}

/// Users in creation order, or in `userName` order with `q`; page with `after`.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/users", tag = "users",
    params(("tenant" = String, Path),
        ("q" = Option<String>, Query, description = "userName prefix (case-insensitive)"),
        ("active" = Option<bool>, Query),
        ("seat" = Option<String>, Query, description = "assigned, pending or none"),
        ("after" = Option<String>, Query, description = "`next` of the previous page"),
        ("limit" = Option<i64>, Query, description = "1 to 1000, default 100")),
    responses((status = 200, body = UserPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_users(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
    q: QueryPairs,
) -> Result<Json<UserPage>, ApiError> {
    let active = match q.get("active") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => return Err(ApiError::bad_request(format!("active: {other:?} is not true or false"))),
    };
    let seat =
        q.get("seat").map(|s| SeatStatus::parse(s).ok_or_else(|| ApiError::bad_request("seat: assigned, pending or none"))).transpose()?;
    let query = UserBrowse {
        user_name_prefix: q.get("q").map(str::to_string),
        active,
        seat,
        after: q.get("after").filter(|a| !a.is_empty()).map(str::to_string),
        limit: number(&q, "limit", 100, 1000)?.max(1),
    };
    let page = app.browse_users_for(&who, &slug, &query).await?;
    Ok(Json(UserPage { users: page.items.iter().map(UserOut::from).collect(), next: page.next }))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/users/{id}", tag = "users", params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = UserDetailOut), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<UserDetailOut>, ApiError> {
    let d = app.user_detail(&who, &slug, &id).await?;
    Ok(Json(UserDetailOut {
        user: UserOut::from(&d.user),
        groups: d.groups.into_iter().map(|g| GroupRef { id: g.group_id, display_name: g.display }).collect(),
        attributes: d.user.doc,
        seat_history: d.seat_history.into_iter().map(AuditEventOut::from).collect(),
    }))
}

/// Groups in creation order.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/groups", tag = "groups",
    params(("tenant" = String, Path), ("offset" = Option<i64>, Query), ("limit" = Option<i64>, Query, description = "1 to 1000, default 100")),
    responses((status = 200, body = GroupPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_groups(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path(slug): Path<String>,
    q: QueryPairs,
) -> Result<Json<GroupPage>, ApiError> {
    let offset = number(&q, "offset", 0, i64::MAX)?;
    let limit = number(&q, "limit", 100, 1000)?.max(1);
    let (total, groups) = app.groups_for(&who, &slug, offset, limit).await?;
    Ok(Json(GroupPage { total, groups: groups.iter().map(GroupOut::from).collect() }))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/groups/{id}", tag = "groups", params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = GroupDetailOut), (status = 404, body = ErrorBody)))]
pub async fn get_group(
    State(app): State<Lanyard>,
    ApiCaller(who): ApiCaller,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<GroupDetailOut>, ApiError> {
    let d = app.group_detail(&who, &slug, &id).await?;
    Ok(Json(GroupDetailOut {
        group: GroupOut::from(&d.group),
        member_list: d.members.into_iter().map(|m| MemberOut::new(m.member_id, m.kind, m.display)).collect(),
    }))
}
