//! A tenant's seats: limit, assigned, and the pending queue in order; the
//! operator sets the limit here.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::Lanyard;

use super::form::Fields;
use super::page::{Chrome, PageError, maybe_time, render};
use super::session::AdminSession;
use super::tenants::parse_seats;

/// Pending users shown, from the front of the queue.
const QUEUE_SHOWN: i64 = 200;

#[derive(Template)]
#[template(path = "admin/seats.html")]
struct SeatsPage {
    chrome: Option<Chrome>,
    csrf: String,
    slug: String,
    operator: bool,
    limit: String,
    assigned: i64,
    pending: i64,
    queue: Vec<(String, String, String)>,
    error: Option<String>,
}

async fn render_page(app: &Lanyard, session: &AdminSession, slug: &str, error: Option<String>) -> Result<Response, PageError> {
    let tenant = app.tenant_for(&session.principal, slug).await?;
    let o = app.seat_overview(&session.principal, &tenant.slug, QUEUE_SHOWN).await?;
    let page = SeatsPage {
        chrome: Chrome::new(session, Some(&tenant.slug), "seats"),
        csrf: session.csrf.clone(),
        operator: session.principal.is_operator(),
        limit: o.counters.limit.map_or_else(|| "unlimited".to_string(), |n| n.to_string()),
        assigned: o.counters.assigned,
        pending: o.counters.pending,
        queue: o.queue.into_iter().map(|u| (u.id, u.user_name, maybe_time(u.seat.pending_since))).collect(),
        error: error.clone(),
        slug: tenant.slug,
    };
    Ok(render(if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK }, &page))
}

pub async fn page(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>) -> Response {
    render_page(&app, &session, &slug, None).await.unwrap_or_else(IntoResponse::into_response)
}

pub async fn set_limit(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    if !fields.csrf_ok(&session.cookie) {
        return PageError::Csrf.into_response();
    }
    let result = match parse_seats(fields.get("limit")) {
        Ok(limit) => app.set_seat_limit_as(&session.principal, &slug, limit).await.map_err(PageError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/admin/t/{slug}/seats")).into_response(),
        Err(PageError::BadRequest(m)) => render_page(&app, &session, &slug, Some(m)).await.unwrap_or_else(IntoResponse::into_response),
        Err(e) => e.into_response(),
    }
}
