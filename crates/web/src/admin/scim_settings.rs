//! A tenant's "Authentication & SSO" page: the SCIM Base URL, bearer
//! tokens (a new one is shown once), the recent provisioning requests and
//! the SSO connections.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::Lanyard;
use lanyard_domain::tenants::CreatedToken;

use super::form::Fields;
use super::page::{Chrome, PageError, maybe_time, render, time};
use super::session::AdminSession;
use super::sso::{SsoSection, sso_section};

#[derive(Template)]
#[template(path = "admin/auth.html")]
struct AuthPage {
    chrome: Option<Chrome>,
    csrf: String,
    slug: String,
    tenant_name: String,
    base_url: String,
    tokens: Vec<TokenRow>,
    requests: Vec<RequestRow>,
    created: Option<CreatedToken>,
    error: Option<String>,
    sso: SsoSection,
}

struct TokenRow {
    id: String,
    label: String,
    created: String,
    last_used: String,
    expires: String,
    revoked: bool,
    state: String,
}

struct RequestRow {
    at: String,
    method: String,
    path: String,
    status: u16,
    class: &'static str,
}

/// How many provisioning requests the page lists.
const REQUESTS_SHOWN: i64 = 50;

async fn render_page(
    app: &Lanyard,
    session: &AdminSession,
    slug: &str,
    created: Option<CreatedToken>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let tenant = app.tenant_for(&session.principal, slug).await?;
    let now = lanyard_domain::now();
    let tokens = app
        .tokens_for(&session.principal, slug)
        .await?
        .into_iter()
        .map(|t| {
            let expired = t.expires_at.is_some_and(|at| at <= now);
            let state = match (t.revoked_at, expired) {
                (Some(at), _) => format!("revoked {}", time(at)),
                (None, true) => "expired".to_string(),
                (None, false) => "active".to_string(),
            };
            TokenRow {
                id: t.id,
                label: t.label.unwrap_or_default(),
                created: time(t.created_at),
                last_used: maybe_time(t.last_used_at),
                expires: t.expires_at.map_or_else(|| "never".to_string(), time),
                revoked: t.revoked_at.is_some(),
                state,
            }
        })
        .collect();
    let requests = app
        .provisioning_requests_for(&session.principal, slug, REQUESTS_SHOWN)
        .await?
        .into_iter()
        .map(|r| RequestRow {
            at: time(r.at),
            class: match r.status {
                200..=399 => "status-2xx",
                400..=499 => "status-4xx",
                _ => "status-5xx",
            },
            method: r.method,
            path: r.path,
            status: r.status,
        })
        .collect();
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = AuthPage {
        chrome: Chrome::new(session, Some(&tenant.slug), "auth"),
        csrf: session.csrf.clone(),
        base_url: app.config().scim_base_url(&tenant.slug),
        tenant_name: tenant.name,
        tokens,
        requests,
        created,
        error,
        sso: sso_section(app, &session.principal, &tenant.slug).await?,
        slug: tenant.slug,
    };
    Ok(render(status, &page))
}

pub async fn page(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>) -> Response {
    render_page(&app, &session, &slug, None, None).await.unwrap_or_else(IntoResponse::into_response)
}

pub async fn create_token(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    if !fields.csrf_ok(&session.cookie) {
        return PageError::Csrf.into_response();
    }
    let expires = match fields.get("expires_days").map(str::parse::<i64>) {
        None => None,
        Some(Ok(days)) if (1..=3650).contains(&days) => Some(days * 86_400_000_000),
        Some(_) => {
            let message = "expiry: a number of days from 1 to 3650, or empty for none".to_string();
            return render_page(&app, &session, &slug, None, Some(message)).await.unwrap_or_else(IntoResponse::into_response);
        }
    };
    let result = match app.create_token_for(&session.principal, &slug, fields.get("label"), expires).await {
        Ok(created) => render_page(&app, &session, &slug, Some(created), None).await,
        Err(e) => match PageError::from(e) {
            PageError::BadRequest(m) => render_page(&app, &session, &slug, None, Some(m)).await,
            other => Err(other),
        },
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn revoke_token(
    State(app): State<Lanyard>,
    session: AdminSession,
    Path((slug, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !Fields::parse(&body).csrf_ok(&session.cookie) {
        return PageError::Csrf.into_response();
    }
    match app.revoke_token_for(&session.principal, &slug, &id).await {
        Ok(()) => Redirect::to(&format!("/admin/t/{slug}/auth#tokens")).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}
