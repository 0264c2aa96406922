//! OpenID Connect provider: hands SAML sign-ins to the application.
//!
//! The application is a client of Lanyard (`lanyard oidc client create`);
//! it sends the browser to `/oidc/authorize`, Lanyard signs the person in
//! with their organisation's IdP (SAML) and answers an authorization code,
//! which the application redeems at `/oidc/token` (PKCE S256 required) for
//! an ID token signed RS256 with a key published at `/oidc/jwks`.

mod authorize;
mod claims;
mod clients;
mod keys;
mod logout;
mod pkce;
mod refresh;
mod token;
mod userinfo;

use std::time::Duration;

pub use authorize::{AuthorizeOutcome, AuthorizeRequest};
pub use clients::{NewClient, OidcClientView};
pub use logout::LogoutOutcome;
pub use token::{TokenError, TokenRequest, TokenResponse};
pub use userinfo::UserinfoError;

/// How long an authorization code may be redeemed.
pub const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// How long an access token (for `/userinfo`) and an ID token last.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// How long a refresh family lasts from its code (rotation does not extend it).
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Scopes Lanyard knows; others are ignored, as OpenID Connect asks.
pub const SCOPES: &[&str] = &["openid", "email", "profile", "groups", "offline_access"];
/// Claims an ID token or `/userinfo` may carry.
pub const CLAIMS: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "sid",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "tenant",
    "groups",
    "seat",
];

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("{0}")]
    Invalid(String),
    #[error("a client named {0:?} already exists")]
    NameTaken(String),
    #[error("signing key: {0}")]
    Key(String),
    #[error(transparent)]
    Store(#[from] lanyard_store::StoreError),
}

/// Endpoint URLs, all under the issuer (the public URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub issuer: String,
    pub discovery: String,
    pub authorization: String,
    pub token: String,
    pub userinfo: String,
    pub jwks: String,
    pub end_session: String,
}

impl Endpoints {
    pub fn new(config: &crate::Config) -> Self {
        let issuer = config.public_url.clone();
        Self {
            discovery: format!("{issuer}/.well-known/openid-configuration"),
            authorization: format!("{issuer}/oidc/authorize"),
            token: format!("{issuer}/oidc/token"),
            userinfo: format!("{issuer}/oidc/userinfo"),
            jwks: format!("{issuer}/oidc/jwks"),
            end_session: format!("{issuer}/oidc/logout"),
            issuer,
        }
    }
}

impl crate::Lanyard {
    /// The discovery document (OpenID Connect Discovery 1.0).
    pub fn oidc_discovery(&self) -> serde_json::Value {
        let e = Endpoints::new(&self.config);
        serde_json::json!({
            "issuer": e.issuer,
            "authorization_endpoint": e.authorization,
            "token_endpoint": e.token,
            "userinfo_endpoint": e.userinfo,
            "jwks_uri": e.jwks,
            "end_session_endpoint": e.end_session,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": SCOPES,
            "claims_supported": CLAIMS,
            "prompt_values_supported": ["none", "login"],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
        })
    }
}
