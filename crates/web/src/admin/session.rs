//! The signed-in admin of a page request, from the session cookie.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::Lanyard;
use lanyard_domain::admin::{Principal, SESSION_COOKIE, csrf_token};

use super::cookies;
use super::page::PageError;
use crate::state::AppState;

/// A page's admin: who, the session cookie (to check CSRF tokens against)
/// and the CSRF token the page's forms carry.
pub struct AdminSession {
    pub principal: Principal,
    pub cookie: String,
    pub csrf: String,
}

/// The principal holding the request's session cookie, and the cookie.
pub async fn session_principal(app: &Lanyard, headers: &HeaderMap) -> Result<Option<(Principal, String)>, PageError> {
    let Some(cookie) = cookies::read(headers, SESSION_COOKIE).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    Ok(app.admin_session(&cookie).await?.map(|p| (p, cookie)))
}

pub enum NoSession {
    SignIn,
    Failed(PageError),
}

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        match self {
            NoSession::SignIn => Redirect::to("/admin/login").into_response(),
            NoSession::Failed(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NoSession> {
        match session_principal(&state.lanyard, &parts.headers).await {
            Ok(Some((principal, cookie))) => Ok(AdminSession { csrf: csrf_token(&cookie), principal, cookie }),
            Ok(None) => Err(NoSession::SignIn),
            Err(e) => Err(NoSession::Failed(e)),
        }
    }
}
