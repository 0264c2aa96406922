//! Sign-in over HTTP: the email page, the Login URL, SP metadata, the ACS
//! (HTTP-POST binding), the signed-in page, `GET /sso/me` and sign-out.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lanyard_domain::Lanyard;
use lanyard_domain::sso::{Refusal, SESSION_COOKIE, SESSION_LIFETIME, SessionInfo, SignedIn, SsoError};
use serde_json::json;

use super::page::{escape, html};
use crate::extract::QueryPairs;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sso/login", get(login_page).post(login_submit))
        .route("/sso/saml/{id}/login", get(connection_login))
        .route("/sso/saml/{id}/metadata", get(sp_metadata))
        .route("/sso/saml/{id}/certificate", get(sp_certificate))
        .route("/sso/saml/{id}/acs", post(acs))
        .route("/sso/signed-in", get(signed_in_page))
        .route("/sso/me", get(me))
        .route("/sso/logout", post(logout))
}

/// Form fields of an `application/x-www-form-urlencoded` body.
pub(super) fn form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn refused(refusal: &Refusal) -> Response {
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body =
        format!("<p>{}</p><p><a href=\"/sso/login\">Sign in again</a></p><!-- reason: {} -->", escape(&refusal.message()), refusal.code());
    html(status, "Sign-in refused", &body)
}

pub(super) fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => {
            (StatusCode::SEE_OTHER, [(LOCATION, location), (CACHE_CONTROL, HeaderValue::from_static("no-store"))]).into_response()
        }
        Err(_) => refused(&Refusal::Unavailable),
    }
}

fn login_form(message: Option<&str>, return_to: Option<&str>) -> String {
    let note = message.map(|m| format!("<p role=\"alert\">{}</p>", escape(m))).unwrap_or_default();
    let hidden = return_to.map(|r| format!("<input type=\"hidden\" name=\"return_to\" value=\"{}\">", escape(r))).unwrap_or_default();
    format!(
        "{note}<form method=\"post\" action=\"/sso/login\"><label>Work email <input type=\"email\" name=\"email\" required autofocus></label>\
         {hidden}<button type=\"submit\">Continue</button></form>"
    )
}

async fn login_page(query: QueryPairs) -> Response {
    html(StatusCode::OK, "Sign in", &login_form(None, query.get("return_to")))
}

async fn login_submit(State(app): State<Lanyard>, body: Bytes) -> Response {
    let fields = form(&body);
    let email = field(&fields, "email").unwrap_or_default();
    let return_to = field(&fields, "return_to");
    match app.sso_start_for_email(email, return_to).await {
        Ok(url) => redirect(&url),
        Err(r) => {
            let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
            html(status, "Sign in", &login_form(Some(&r.message()), return_to))
        }
    }
}

async fn connection_login(State(app): State<Lanyard>, Path(id): Path<String>, query: QueryPairs) -> Response {
    match app.sso_start(&id, query.get("return_to")).await {
        Ok(url) => redirect(&url),
        Err(r) => refused(&r),
    }
}

/// A connection's public document (`what` names it in the log).
fn connection_document(found: Result<Option<String>, SsoError>, content_type: &'static str, what: &str) -> Response {
    match found {
        Ok(Some(body)) => (StatusCode::OK, [(CONTENT_TYPE, content_type)], body).into_response(),
        Ok(None) => refused(&Refusal::NoSuchConnection),
        Err(e) => {
            tracing::error!(error = %e, "{what}");
            refused(&Refusal::Unavailable)
        }
    }
}

async fn sp_metadata(State(app): State<Lanyard>, Path(id): Path<String>) -> Response {
    connection_document(app.sp_metadata_xml(&id).await, "application/samlmetadata+xml", "SP metadata")
}

async fn sp_certificate(State(app): State<Lanyard>, Path(id): Path<String>) -> Response {
    connection_document(app.sp_certificate_pem(&id).await, "application/x-pem-file", "SP certificate")
}

async fn acs(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Response {
    let fields = form(&body);
    let Some(saml_response) = field(&fields, "SAMLResponse") else {
        return refused(&Refusal::Invalid(lanyard_saml_missing()));
    };
    match state.lanyard.sso_finish(&id, saml_response, field(&fields, "RelayState")).await {
        Ok(signed_in) => session_started(&state, &signed_in),
        Err(r) => refused(&r),
    }
}

fn lanyard_saml_missing() -> lanyard_domain::sso::SamlError {
    lanyard_domain::sso::SamlError::Malformed("no SAMLResponse field".into())
}

/// Sets the session cookie and goes on to where the sign-in started (or the signed-in page).
/// `response` setting the session cookie to `value` for `max_age` seconds (0 clears it).
fn with_session_cookie(app: &Lanyard, mut response: Response, value: &str, max_age: u64) -> Response {
    let secure = if app.config().public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    match HeaderValue::from_str(&cookie) {
        Ok(value) => {
            response.headers_mut().insert(SET_COOKIE, value);
            response
        }
        Err(_) => refused(&Refusal::Unavailable),
    }
}

fn session_started(state: &AppState, signed_in: &SignedIn) -> Response {
    let response = redirect(signed_in.return_to.as_deref().unwrap_or("/sso/signed-in"));
    with_session_cookie(&state.lanyard, response, &signed_in.session_token, SESSION_LIFETIME.as_secs())
}

/// The cookie cleared, then back to `to` or the signed-out page.
pub(super) fn signed_out(app: &Lanyard, to: Option<&str>) -> Response {
    let response = match to {
        Some(to) => redirect(to),
        None => html(StatusCode::OK, "Signed out", "<p>You are signed out. <a href=\"/sso/login\">Sign in again</a></p>"),
    };
    with_session_cookie(app, response, "", 0)
}

async fn logout(State(app): State<Lanyard>, headers: HeaderMap) -> Response {
    match app.sso_sign_out(session_cookie(&headers).as_deref()).await {
        Ok(()) => signed_out(&app, None),
        Err(e) => {
            tracing::error!(error = %e, "sign-out");
            refused(&Refusal::Unavailable)
        }
    }
}

/// The session cookie's value, if any.
pub(super) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

async fn session(app: &Lanyard, headers: &HeaderMap) -> Result<Option<SessionInfo>, Response> {
    let Some(token) = session_cookie(headers) else { return Ok(None) };
    app.sso_session(&token).await.map_err(|e| {
        tracing::error!(error = %e, "SSO session lookup");
        refused(&Refusal::Unavailable)
    })
}

async fn signed_in_page(State(app): State<Lanyard>, headers: HeaderMap) -> Response {
    match session(&app, &headers).await {
        Ok(Some(s)) => {
            let body = format!(
                "<p>You are signed in as <strong>{}</strong> ({}). Seat: {}.</p>\
                 <form method=\"post\" action=\"/sso/logout\"><button type=\"submit\">Sign out</button></form>",
                escape(&s.email),
                escape(&s.tenant),
                escape(&s.seat)
            );
            html(StatusCode::OK, "Signed in", &body)
        }
        Ok(None) => html(StatusCode::UNAUTHORIZED, "Not signed in", "<p>You are not signed in. <a href=\"/sso/login\">Sign in</a></p>"),
        Err(response) => response,
    }
}

async fn me(State(app): State<Lanyard>, headers: HeaderMap) -> Response {
    match session(&app, &headers).await {
        Ok(Some(s)) => axum::Json(json!({ "email": s.email, "tenant": s.tenant, "seat": s.seat })).into_response(),
        Ok(None) => (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": "not signed in", "status": 401 }))).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "error": "unavailable", "status": 503 }))).into_response(),
    }
}
