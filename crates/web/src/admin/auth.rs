//! Sign-in, sign-out and the first operator's setup.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::admin::{MIN_PASSWORD_LEN, csrf_token};
use lanyard_domain::auth::generate_secret_with;
use lanyard_domain::tenants::AdminError;

use super::cookies::{self, PRE_SESSION_COOKIE};
use super::form::Fields;
use super::page::{Chrome, PageError, render};
use super::session::{AdminSession, NoSession};
use crate::client_addr::ClientAddr;
use crate::extract::QueryPairs;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    chrome: Option<Chrome>,
    csrf: String,
    email: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/setup.html")]
struct SetupPage {
    chrome: Option<Chrome>,
    csrf: String,
    token: String,
    email: String,
    error: Option<String>,
    open: bool,
    min_password: usize,
}

fn secure(state: &AppState) -> bool {
    state.lanyard.config().public_url.starts_with("https://")
}

/// The pre-session cookie (new when absent) and the form token derived from it.
fn pre_session(state: &AppState, headers: &HeaderMap, out: &mut HeaderMap) -> String {
    let value = cookies::read(headers, PRE_SESSION_COOKIE).filter(|v| v.len() >= 32).unwrap_or_else(|| {
        let fresh = generate_secret_with("lyaf_");
        cookies::set_pre_session(out, &fresh, secure(state));
        fresh
    });
    csrf_token(&value)
}

fn pre_session_ok(headers: &HeaderMap, fields: &Fields) -> bool {
    cookies::read(headers, PRE_SESSION_COOKIE).is_some_and(|v| fields.csrf_ok(&v))
}

pub async fn home(session: Result<AdminSession, NoSession>) -> Response {
    match session {
        Ok(s) => match s.principal.own_tenant() {
            Some(slug) => Redirect::to(&format!("/admin/t/{slug}/auth")).into_response(),
            None => Redirect::to("/admin/tenants").into_response(),
        },
        Err(no) => no.into_response(),
    }
}

pub async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut out = HeaderMap::new();
    let csrf = pre_session(&state, &headers, &mut out);
    let mut res = render(StatusCode::OK, &LoginPage { chrome: None, csrf, email: String::new(), error: None });
    res.headers_mut().extend(out);
    res
}

pub async fn login(State(state): State<AppState>, client: Option<Extension<ClientAddr>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    let email = fields.get("email").unwrap_or_default().to_string();
    let mut out = HeaderMap::new();
    let csrf = pre_session(&state, &headers, &mut out);
    let again = |status: StatusCode, error: &str, out: HeaderMap| {
        let mut res = render(status, &LoginPage { chrome: None, csrf: csrf.clone(), email: email.clone(), error: Some(error.to_string()) });
        res.headers_mut().extend(out);
        res
    };
    if !pre_session_ok(&headers, &fields) {
        return again(StatusCode::FORBIDDEN, "The form expired. Please sign in again.", out);
    }
    let throttle = state.web.admin_sign_in_failures.as_ref();
    let ip = client.map(|Extension(ClientAddr(ip))| ip);
    if let (Some(t), Some(ip)) = (throttle, ip)
        && t.check(ip).is_err()
    {
        return again(StatusCode::TOO_MANY_REQUESTS, "Too many failed sign-ins from your address. Wait a minute and try again.", out);
    }
    let password = fields.raw("password").unwrap_or_default();
    match state.lanyard.admin_sign_in(&email, password).await {
        Ok(Some(signed_in)) => {
            let mut res = Redirect::to("/admin").into_response();
            cookies::set_session(res.headers_mut(), &signed_in.cookie, secure(&state));
            res
        }
        Ok(None) => {
            if let (Some(t), Some(ip)) = (throttle, ip) {
                t.record_failure(ip);
            }
            again(StatusCode::UNAUTHORIZED, "Wrong email or password.", out)
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

pub async fn logout(State(state): State<AppState>, session: Result<AdminSession, NoSession>, body: Bytes) -> Response {
    let Ok(session) = session else { return Redirect::to("/admin/login").into_response() };
    if !Fields::parse(&body).csrf_ok(&session.cookie) {
        return PageError::Csrf.into_response();
    }
    if let Err(e) = state.lanyard.admin_sign_out(&session.cookie).await {
        return PageError::from(e).into_response();
    }
    let mut res = Redirect::to("/admin/login").into_response();
    cookies::clear_session(res.headers_mut(), secure(&state));
    res
}

pub async fn setup_page(State(state): State<AppState>, headers: HeaderMap, query: QueryPairs) -> Response {
    let open = match state.lanyard.admin_setup_open().await {
        Ok(open) => open,
        Err(e) => return PageError::from(e).into_response(),
    };
    let mut out = HeaderMap::new();
    let csrf = pre_session(&state, &headers, &mut out);
    let token = query.get("token").unwrap_or_default().to_string();
    let page = SetupPage { chrome: None, csrf, token, email: String::new(), error: None, open, min_password: MIN_PASSWORD_LEN };
    let mut res = render(if open { StatusCode::OK } else { StatusCode::GONE }, &page);
    res.headers_mut().extend(out);
    res
}

pub async fn setup(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    let mut out = HeaderMap::new();
    let csrf = pre_session(&state, &headers, &mut out);
    let email = fields.get("email").unwrap_or_default().to_string();
    let token = fields.get("token").unwrap_or_default().to_string();
    let password = fields.raw("password").unwrap_or_default();
    let error = if !pre_session_ok(&headers, &fields) {
        Some((StatusCode::FORBIDDEN, "The form expired. Please try again.".to_string()))
    } else if fields.raw("password_again") != Some(password) {
        Some((StatusCode::BAD_REQUEST, "The two passwords differ.".to_string()))
    } else {
        match state.lanyard.complete_admin_setup(&token, &email, password).await {
            Ok(signed_in) => {
                let mut res = Redirect::to("/admin/tenants").into_response();
                cookies::set_session(res.headers_mut(), &signed_in.cookie, secure(&state));
                return res;
            }
            Err(AdminError::Forbidden) => Some((
                StatusCode::FORBIDDEN,
                "This setup link is used, expired or wrong. Restart `lanyard serve` for a new one, or use `lanyard admin create`."
                    .to_string(),
            )),
            Err(AdminError::Invalid(m)) => Some((StatusCode::BAD_REQUEST, m)),
            Err(e) => return PageError::from(e).into_response(),
        }
    };
    let (status, error) = error.unwrap_or((StatusCode::BAD_REQUEST, String::new()));
    let open = state.lanyard.admin_setup_open().await.unwrap_or(false);
    let page = SetupPage { chrome: None, csrf, token, email, error: Some(error), open, min_password: MIN_PASSWORD_LEN };
    let mut res = render(status, &page);
    res.headers_mut().extend(out);
    res
}
