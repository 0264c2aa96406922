//! SAML single sign-on records: connections, issued requests, sessions.

use crate::{Micros, TenantId};

/// A tenant's SAML identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoConnection {
    pub id: String,
    pub tenant_id: TenantId,
    pub name: String,
    /// jumpcloud, okta, entra-id, onelogin, google or generic.
    pub idp_kind: String,
    pub idp_entity_id: String,
    pub sso_url: String,
    /// Base64 DER signing certificates.
    pub certificates: Vec<String>,
    pub metadata_url: Option<String>,
    pub metadata_fetched_at: Option<Micros>,
    /// JSON object: our field (email, given_name, family_name, groups) → SAML attribute name.
    pub attribute_map: String,
    pub jit: bool,
    pub allow_idp_initiated: bool,
    pub created_at: Micros,
    /// Lower-case email domains, unique across tenants.
    pub domains: Vec<String>,
}

/// The IdP values a metadata refresh may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpUpdate {
    pub idp_entity_id: String,
    pub sso_url: String,
    pub certificates: Vec<String>,
    pub fetched_at: Micros,
}

/// An AuthnRequest Lanyard sent: its ID is single use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoRequest {
    pub id: String,
    pub connection_id: String,
    /// Where to go after sign-in (a local path), e.g. an OIDC `/authorize` to resume.
    pub return_to: Option<String>,
    pub expires_at: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    pub id: String,
    /// SHA-256 of the cookie value.
    pub token_hash: Vec<u8>,
    pub tenant_id: TenantId,
    pub connection_id: String,
    pub user_id: String,
    pub email: String,
    pub created_at: Micros,
    pub expires_at: Micros,
}
