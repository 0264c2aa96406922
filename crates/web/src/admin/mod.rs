//! `/admin`: the admin pages. Plain server-rendered HTML (askama
//! templates under `templates/admin/`), a small stylesheet and a little
//! JavaScript for copy buttons. Every page checks the signed-in admin's
//! tenants through the domain ([`Lanyard::tenant_for`]); every form
//! carries the session's CSRF token.
//!
//! [`Lanyard::tenant_for`]: lanyard_domain::Lanyard::tenant_for

mod accounts;
pub(crate) mod audit;
mod auth;
mod cookies;
mod form;
mod page;
mod people;
mod scim_settings;
mod seats;
mod session;
mod sso;
mod tenants;
mod webhooks;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use session::session_principal;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(auth::home))
        .route("/admin/login", get(auth::login_page).post(auth::login))
        .route("/admin/logout", post(auth::logout))
        .route("/admin/setup", get(auth::setup_page).post(auth::setup))
        .route("/admin/tenants", get(tenants::list).post(tenants::create))
        .route("/admin/accounts", get(accounts::list).post(accounts::create))
        .route("/admin/api-keys", post(accounts::create_key))
        .route("/admin/api-keys/{id}/revoke", post(accounts::revoke_key))
        .route("/admin/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/admin/webhooks/{id}", get(webhooks::show))
        .route("/admin/webhooks/{id}/{action}", post(webhooks::act))
        .route("/admin/t/{tenant}", get(tenants::home))
        .route("/admin/t/{tenant}/auth", get(scim_settings::page))
        .route("/admin/t/{tenant}/tokens", post(scim_settings::create_token))
        .route("/admin/t/{tenant}/tokens/{id}/revoke", post(scim_settings::revoke_token))
        .route("/admin/t/{tenant}/sso/new", get(sso::start).post(sso::values))
        .route("/admin/t/{tenant}/sso", post(sso::create))
        .route("/admin/t/{tenant}/sso/{id}", get(sso::show))
        .route("/admin/t/{tenant}/sso/{id}/delete", post(sso::delete))
        .route("/admin/t/{tenant}/users", get(people::users))
        .route("/admin/t/{tenant}/users/{id}", get(people::user))
        .route("/admin/t/{tenant}/groups", get(people::groups))
        .route("/admin/t/{tenant}/groups/{id}", get(people::group))
        .route("/admin/t/{tenant}/seats", get(seats::page).post(seats::set_limit))
        .route("/admin/t/{tenant}/audit", get(audit::page))
        .route("/admin/t/{tenant}/audit.csv", get(audit::csv))
        .route("/admin/static/admin.css", get(stylesheet))
        .route("/admin/static/admin.js", get(script))
        .layer(from_fn(security_headers))
}

/// Pages are never cached (tokens are shown once), never framed, and send
/// no referrer (the setup link carries its token in the URL).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../static/admin.css"))
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../static/admin.js"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "public, max-age=300")], body).into_response()
}
