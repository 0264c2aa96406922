//! The OpenID Connect provider over HTTP: discovery, JWKS, `/oidc/authorize`,
//! `/oidc/token`, `/oidc/userinfo` and `/oidc/logout`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, AUTHORIZATION,
    CACHE_CONTROL, ORIGIN, PRAGMA, VARY, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lanyard_domain::Lanyard;
use lanyard_domain::auth::bearer_secret;
use lanyard_domain::oidc::{AuthorizeOutcome, AuthorizeRequest, LogoutOutcome, TokenRequest, UserinfoError};
use serde_json::{Value, json};

use super::page::{escape, html};
use super::routes::{form, redirect, session_cookie, signed_out};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize).post(authorize))
        .route("/oidc/token", post(token).options(preflight))
        .route("/oidc/userinfo", get(userinfo).post(userinfo).options(preflight))
        .route("/oidc/logout", get(logout).post(logout))
}

/// Public documents any origin may read (single-page applications fetch them).
fn public_json(body: Value, max_age: u32) -> Response {
    let cache = HeaderValue::from_str(&format!("public, max-age={max_age}")).unwrap_or(HeaderValue::from_static("no-cache"));
    (StatusCode::OK, [(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")), (CACHE_CONTROL, cache)], axum::Json(body))
        .into_response()
}

/// Token answers must not be cached (RFC 6749 §5.1).
fn no_store(status: StatusCode, body: Value) -> Response {
    let headers = [(CACHE_CONTROL, HeaderValue::from_static("no-store")), (PRAGMA, HeaderValue::from_static("no-cache"))];
    (status, headers, axum::Json(body)).into_response()
}

fn server_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "OpenID Connect provider");
    no_store(StatusCode::SERVICE_UNAVAILABLE, json!({ "error": "temporarily_unavailable" }))
}

async fn discovery(State(app): State<Lanyard>) -> Response {
    public_json(app.oidc_discovery(), 3600)
}

async fn jwks(State(app): State<Lanyard>) -> Response {
    match app.oidc_jwks().await {
        Ok(keys) => public_json(keys, 300),
        Err(e) => server_error(e),
    }
}

/// A request's parameters: the query of a GET, the form of a POST
/// (OpenID Connect Core §3.1.2.1; RP-Initiated Logout §2).
fn request_params(method: &Method, uri: &Uri, body: &Bytes) -> Vec<(String, String)> {
    if method == Method::POST { form(body) } else { form(uri.query().unwrap_or_default().as_bytes()) }
}

async fn authorize(State(app): State<Lanyard>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = request_params(&method, &uri, &body);
    let session = session_cookie(&headers);
    match app.oidc_authorize(&AuthorizeRequest::new(pairs), session.as_deref()).await {
        Ok(AuthorizeOutcome::Redirect(to) | AuthorizeOutcome::SignIn(to)) => redirect(&to),
        Ok(AuthorizeOutcome::ErrorPage(message)) => {
            html(StatusCode::BAD_REQUEST, "Sign-in request refused", &format!("<p>{}</p>", escape(&message)))
        }
        Err(e) => {
            tracing::error!(error = %e, "authorization request");
            html(StatusCode::SERVICE_UNAVAILABLE, "Sign-in unavailable", "<p>Sign-in is unavailable right now. Please try again.</p>")
        }
    }
}

/// The `Origin` of a browser request, when an application registered it
/// (a single-page application calling the token or userinfo endpoint).
async fn allowed_origin(app: &Lanyard, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(ORIGIN)?;
    match app.oidc_origin_allowed(origin.to_str().ok()?).await {
        Ok(true) => Some(origin.clone()),
        Ok(false) => None,
        Err(e) => {
            tracing::warn!(error = %e, "CORS origin check");
            None
        }
    }
}

/// CORS: lets a registered application's page read the answer.
async fn with_cors(app: &Lanyard, headers: &HeaderMap, response: Response) -> Response {
    let origin = allowed_origin(app, headers).await;
    cors_headers(response, origin)
}

fn cors_headers(mut response: Response, origin: Option<HeaderValue>) -> Response {
    response.headers_mut().insert(VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        response.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// The CORS preflight of the token and userinfo endpoints.
async fn preflight(State(app): State<Lanyard>, headers: HeaderMap) -> Response {
    let origin = allowed_origin(&app, &headers).await;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if origin.is_some() {
        let h = response.headers_mut();
        h.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        h.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    cors_headers(response, origin)
}

async fn token(State(app): State<Lanyard>, headers: HeaderMap, body: Bytes) -> Response {
    let response = token_answer(&app, &headers, body).await;
    with_cors(&app, &headers, response).await
}

async fn token_answer(app: &Lanyard, headers: &HeaderMap, body: Bytes) -> Response {
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let request = TokenRequest { form: form(&body), authorization };
    match app.oidc_token(&request).await {
        Ok(tokens) => no_store(StatusCode::OK, json!(tokens)),
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            let mut response = no_store(status, e.body());
            if e.basic_challenge {
                response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"lanyard\""));
            }
            response
        }
    }
}

async fn userinfo(State(app): State<Lanyard>, headers: HeaderMap) -> Response {
    let response = userinfo_answer(&app, &headers).await;
    with_cors(&app, &headers, response).await
}

/// RFC 6750: the bearer token in the header; errors say why in `WWW-Authenticate`.
async fn userinfo_answer(app: &Lanyard, headers: &HeaderMap) -> Response {
    let unauthorized = |challenge: &'static str| {
        let mut response = no_store(StatusCode::UNAUTHORIZED, json!({ "error": "invalid_token" }));
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        response
    };
    let Some(token) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer_secret) else {
        return unauthorized("Bearer realm=\"lanyard\"");
    };
    match app.oidc_userinfo(token).await {
        Ok(claims) => no_store(StatusCode::OK, Value::Object(claims)),
        Err(UserinfoError::InvalidToken(_)) => unauthorized("Bearer realm=\"lanyard\", error=\"invalid_token\""),
        Err(UserinfoError::Server(e)) => server_error(e),
    }
}

/// RP-Initiated Logout.
async fn logout(State(app): State<Lanyard>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = request_params(&method, &uri, &body);
    match app.oidc_logout(&pairs, session_cookie(&headers).as_deref()).await {
        Ok(LogoutOutcome::Redirect(to)) => signed_out(&app, Some(&to)),
        Ok(LogoutOutcome::SignedOut) => signed_out(&app, None),
        Ok(LogoutOutcome::ErrorPage(message)) => {
            html(StatusCode::BAD_REQUEST, "Sign-out request refused", &format!("<p>{}</p>", escape(&message)))
        }
        Err(e) => {
            tracing::error!(error = %e, "logout request");
            html(StatusCode::SERVICE_UNAVAILABLE, "Sign-out unavailable", "<p>Sign-out is unavailable right now. Please try again.</p>")
        }
    }
}
