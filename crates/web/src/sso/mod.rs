//! `/sso/...`: SAML single sign-on pages, and `/oidc/...`: the OpenID Connect
//! provider that hands sign-ins to the application. With the `saml` feature
//! they sign people in; without it every such path says the build lacks SAML.

#[cfg(feature = "saml")]
mod oidc;
mod page;
#[cfg(feature = "saml")]
mod routes;

use axum::Router;

use crate::state::AppState;

#[cfg(feature = "saml")]
pub fn router() -> Router<AppState> {
    routes::router().merge(oidc::router())
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
    Router::new()
        .route("/sso", any(disabled))
        .route("/sso/{*rest}", any(disabled))
        .route("/oidc/{*rest}", any(disabled))
        .route("/.well-known/openid-configuration", any(disabled))
}
