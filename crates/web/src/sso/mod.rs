//! `/sso/...`: SAML single sign-on pages. With the `saml` feature they sign
//! people in; without it every SSO path says the build lacks SAML.

mod page;
#[cfg(feature = "saml")]
mod routes;

use axum::Router;

use crate::state::AppState;

#[cfg(feature = "saml")]
pub fn router() -> Router<AppState> {
    routes::router()
}

#[cfg(not(feature = "saml"))]
pub fn router() -> Router<AppState> {
    use axum::http::StatusCode;
    use axum::routing::any;
    async fn disabled() -> axum::response::Response {
        page::html(
            StatusCode::NOT_IMPLEMENTED,
            "Single sign-on unavailable",
            "This Lanyard build has no SAML single sign-on. Build it with <code>cargo build --release --features saml</code> \
             (needs the xmlsec1, libxml2 and OpenSSL development packages).",
        )
    }
    Router::new().route("/sso", any(disabled)).route("/sso/{*rest}", any(disabled))
}
