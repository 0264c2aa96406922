//! Users (search, filters, keyset pages), a user's page, groups and a
//! group's members.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanyard_domain::Lanyard;
use lanyard_domain::store::{MemberType, SeatStatus, UserBrowse, UserRow};

use super::page::{Chrome, PageError, maybe_time, render, time};
use super::session::AdminSession;
use crate::extract::QueryPairs;

const USERS_PER_PAGE: i64 = 50;
const GROUPS_PER_PAGE: i64 = 50;

struct UserLine {
    id: String,
    user_name: String,
    display_name: String,
    active: bool,
    seat: &'static str,
    since: String,
}

impl UserLine {
    fn of(u: &UserRow) -> UserLine {
        UserLine {
            id: u.id.clone(),
            user_name: u.user_name.clone(),
            display_name: u.display_name.clone().unwrap_or_default(),
            active: u.active,
            seat: u.seat.status.as_str(),
            since: maybe_time(u.seat.assigned_at.or(u.seat.pending_since)),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    chrome: Option<Chrome>,
    slug: String,
    q: String,
    active: String,
    seat: String,
    users: Vec<UserLine>,
    /// The query string of the next page, when there is one.
    next: Option<String>,
    first_page: bool,
}

/// The users query from the page's query string.
pub fn browse_query(q: &QueryPairs, limit: i64) -> Result<UserBrowse, PageError> {
    let active = match q.get("active").unwrap_or_default() {
        "" | "any" => None,
        "true" => Some(true),
        "false" => Some(false),
        other => return Err(PageError::BadRequest(format!("active: {other:?} is not true, false or any"))),
    };
    let seat = match q.get("seat").unwrap_or_default() {
        "" | "any" => None,
        s => Some(SeatStatus::parse(s).ok_or_else(|| PageError::BadRequest(format!("seat: {s:?} is not assigned, pending or none")))?),
    };
    Ok(UserBrowse {
        user_name_prefix: q.get("q").map(str::trim).filter(|s| !s.is_empty()).map(str::to_string),
        active,
        seat,
        after: q.get("after").filter(|s| !s.is_empty()).map(str::to_string),
        limit,
    })
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    s.finish()
}

pub async fn users(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>, q: QueryPairs) -> Response {
    let result = async {
        let query = browse_query(&q, USERS_PER_PAGE)?;
        let tenant = app.tenant_for(&session.principal, &slug).await?;
        let page = app.browse_users_for(&session.principal, &tenant.slug, &query).await?;
        let text = |name: &str| q.get(name).unwrap_or_default().to_string();
        let next = page
            .next
            .as_deref()
            .map(|after| encode(&[("q", &text("q")), ("active", &text("active")), ("seat", &text("seat")), ("after", after)]));
        Ok::<_, PageError>(UsersPage {
            chrome: Chrome::new(&session, Some(&tenant.slug), "users"),
            slug: tenant.slug,
            q: text("q"),
            active: text("active"),
            seat: text("seat"),
            users: page.items.iter().map(UserLine::of).collect(),
            next,
            first_page: query.after.is_none(),
        })
    };
    match result.await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    chrome: Option<Chrome>,
    slug: String,
    user: UserLine,
    external_id: String,
    created: String,
    modified: String,
    emails: Vec<String>,
    groups: Vec<(String, String)>,
    history: Vec<HistoryLine>,
    document: String,
}

struct HistoryLine {
    at: String,
    action: String,
    actor: String,
    detail: String,
}

pub async fn user(State(app): State<Lanyard>, session: AdminSession, Path((slug, id)): Path<(String, String)>) -> Response {
    let result = async {
        let tenant = app.tenant_for(&session.principal, &slug).await?;
        let d = app.user_detail(&session.principal, &tenant.slug, &id).await?;
        Ok::<_, PageError>(UserPage {
            chrome: Chrome::new(&session, Some(&tenant.slug), "users"),
            slug: tenant.slug,
            user: UserLine::of(&d.user),
            external_id: d.user.external_id.clone().unwrap_or_default(),
            created: time(d.user.created_at),
            modified: time(d.user.modified_at),
            emails: d.user.emails.iter().map(|e| e.value.clone()).collect(),
            groups: d.groups.into_iter().map(|g| (g.group_id, g.display)).collect(),
            history: d
                .seat_history
                .into_iter()
                .map(|e| HistoryLine {
                    at: time(e.event.at),
                    action: e.event.action,
                    actor: e.event.actor,
                    detail: e.event.detail.to_string(),
                })
                .collect(),
            document: serde_json::to_string_pretty(&d.user.doc).unwrap_or_default(),
        })
    };
    match result.await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "admin/groups.html")]
struct GroupsPage {
    chrome: Option<Chrome>,
    slug: String,
    groups: Vec<(String, String, i64)>,
    total: i64,
    previous: Option<i64>,
    next: Option<i64>,
}

pub async fn groups(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>, q: QueryPairs) -> Response {
    let result = async {
        let offset = match q.get("offset") {
            None => 0,
            Some(o) => {
                o.parse::<i64>().ok().filter(|o| *o >= 0).ok_or_else(|| PageError::BadRequest("offset: a number, 0 or more".into()))?
            }
        };
        let tenant = app.tenant_for(&session.principal, &slug).await?;
        let (total, groups) = app.groups_for(&session.principal, &tenant.slug, offset, GROUPS_PER_PAGE).await?;
        Ok::<_, PageError>(GroupsPage {
            chrome: Chrome::new(&session, Some(&tenant.slug), "groups"),
            slug: tenant.slug,
            groups: groups.into_iter().map(|g| (g.id, g.display_name, g.member_count)).collect(),
            total,
            previous: (offset > 0).then(|| (offset - GROUPS_PER_PAGE).max(0)),
            next: (offset + GROUPS_PER_PAGE < total).then_some(offset + GROUPS_PER_PAGE),
        })
    };
    match result.await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "admin/group.html")]
struct GroupPage {
    chrome: Option<Chrome>,
    slug: String,
    name: String,
    external_id: String,
    members: Vec<MemberLine>,
}

struct MemberLine {
    id: String,
    display: String,
    is_user: bool,
}

pub async fn group(State(app): State<Lanyard>, session: AdminSession, Path((slug, id)): Path<(String, String)>) -> Response {
    let result = async {
        let tenant = app.tenant_for(&session.principal, &slug).await?;
        let d = app.group_detail(&session.principal, &tenant.slug, &id).await?;
        Ok::<_, PageError>(GroupPage {
            chrome: Chrome::new(&session, Some(&tenant.slug), "groups"),
            slug: tenant.slug,
            name: d.group.display_name,
            external_id: d.group.external_id.unwrap_or_default(),
            members: d
                .members
                .into_iter()
                .map(|m| MemberLine {
                    display: m.display.unwrap_or_else(|| m.member_id.clone()),
                    id: m.member_id,
                    is_user: m.kind == MemberType::User,
                })
                .collect(),
        })
    };
    match result.await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => e.into_response(),
    }
}
