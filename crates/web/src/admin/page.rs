//! Rendering pages, the navigation around them, and errors as pages.

use askama::Template;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use lanyard_domain::tenants::AdminError;

use super::session::AdminSession;

/// The header of a signed-in page: who, where, and the CSRF token of the
/// sign-out form.
pub struct Chrome {
    pub name: String,
    pub operator: bool,
    /// The tenant whose pages the navigation links to.
    pub tenant: Option<String>,
    /// Which navigation entry is the current page.
    pub section: &'static str,
    pub csrf: String,
}

impl Chrome {
    pub fn new(session: &AdminSession, tenant: Option<&str>, section: &'static str) -> Option<Chrome> {
        Some(Chrome {
            name: session.principal.name.clone(),
            operator: session.principal.is_operator(),
            tenant: tenant.map(str::to_string),
            section,
            csrf: session.csrf.clone(),
        })
    }
}

pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render an admin page");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage<'a> {
    chrome: Option<Chrome>,
    heading: &'a str,
    message: &'a str,
}

/// A failure of a page request, shown as a page.
#[derive(Debug)]
pub enum PageError {
    NotFound,
    Forbidden,
    BadRequest(String),
    /// The form's CSRF token is missing or not the session's.
    Csrf,
    /// This build lacks the feature (SAML).
    #[cfg_attr(feature = "saml", allow(dead_code))]
    Unavailable,
    Internal,
}

impl From<AdminError> for PageError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::NoSuchTenant(_) | AdminError::NoSuchToken(_) | AdminError::NotFound => PageError::NotFound,
            AdminError::Forbidden => PageError::Forbidden,
            AdminError::Invalid(m) => PageError::BadRequest(m),
            AdminError::TenantExists(_) => PageError::BadRequest(e.to_string()),
            AdminError::Store(e) => {
                tracing::error!(error = %e, "admin page");
                PageError::Internal
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match &self {
            PageError::NotFound => (StatusCode::NOT_FOUND, "Not found", "There is nothing here, or it is not yours to see."),
            PageError::Forbidden => (StatusCode::FORBIDDEN, "Not allowed", "Your account may not do this."),
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Cannot do that", m.as_str()),
            PageError::Csrf => {
                (StatusCode::FORBIDDEN, "Form expired", "The form was not sent by this session. Go back, reload the page and try again.")
            }
            PageError::Unavailable => (
                StatusCode::NOT_IMPLEMENTED,
                "Single sign-on unavailable",
                "This Lanyard build has no SAML single sign-on. Build it with: cargo build --release --features saml",
            ),
            PageError::Internal => {
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The server could not do this; the log says why.")
            }
        };
        render(status, &ErrorPage { chrome: None, heading, message })
    }
}

/// Micros as `2026-11-23 10:00:00 UTC`.
pub fn time(micros: i64) -> String {
    let text = lanyard_scim::time::format_micros(micros);
    match text.get(..19) {
        Some(head) => format!("{} UTC", head.replace('T', " ")),
        None => text,
    }
}

pub fn maybe_time(micros: Option<i64>) -> String {
    micros.map_or_else(|| "—".to_string(), time)
}
