//! SAML single sign-on (service-provider side): connections and sign-in.
//! The protocol is `lanyard-saml`'s; here are the rules around it: which
//! connection serves an email, which requests were issued, replay, who may
//! sign in, sessions and audit.

mod connections;
mod signin;
mod sp_key;
mod urls;

pub use connections::{ConnectionInput, DEFAULT_ATTRIBUTES, MetadataSource, SsoConnectionView, default_attribute, new_connection_id};
pub use lanyard_saml::{NAMEID_EMAIL, SamlError};
pub use signin::{Refusal, SessionInfo, SignedIn};
pub use urls::SpUrls;

use std::time::Duration;

/// IdP kinds a connection may name (they only label it; the protocol is the same).
pub const IDP_KINDS: &[&str] = &["jumpcloud", "okta", "entra-id", "onelogin", "google", "generic"];

/// How long an issued AuthnRequest may be answered.
pub const REQUEST_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Clock difference tolerated on assertion times.
pub const CLOCK_SKEW: Duration = Duration::from_secs(2 * 60);
/// How long a sign-in session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);
/// Metadata URLs are fetched again after this long.
pub const METADATA_REFRESH: Duration = Duration::from_secs(6 * 60 * 60);
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "lanyard_sso";

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("{0}")]
    Invalid(String),
    #[error("tenant {0:?} does not exist")]
    NoSuchTenant(String),
    #[error("SSO connection {0:?} does not exist in this tenant")]
    NoSuchConnection(String),
    #[error("the domain {0:?} is already served by another SSO connection")]
    DomainTaken(String),
    #[error("a connection named {0:?} already exists in this tenant")]
    NameTaken(String),
    #[error("IdP metadata: {0}")]
    Metadata(String),
    #[error("the SAML signing key: {0}")]
    Key(String),
    #[error(transparent)]
    Store(#[from] lanyard_store::StoreError),
}
