//! SAML 2.0, service-provider side, as pure protocol: no HTTP, no database.
//!
//! - [`authn_request`]: the AuthnRequest Lanyard sends (HTTP-Redirect binding).
//! - [`sp_metadata`]: the metadata XML an IdP admin imports.
//! - [`sp_key`]: the SP's signing key and certificate (signed AuthnRequests).
//! - [`idp_metadata`]: reading an IdP's metadata (entity ID, SSO URL, signing certificates).
//! - [`response`]: validating a Response posted to the ACS (HTTP-POST binding).
//!
//! XML signatures are checked by xmlsec (through `samael`); everything SAML
//! asks beyond the signature (keys from metadata only, algorithms, audience,
//! recipient, times, one assertion, references) is checked here. Replay and
//! InResponseTo need storage: the caller checks them with what
//! [`response::Assertion`] returns.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod authn_request;
mod error;
pub mod idp_metadata;
pub mod response;
pub mod sp_key;
pub mod sp_metadata;
mod xml;

pub use error::SamlError;

/// The NameID format Lanyard asks for and shows to IdP admins.
pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/// The binding of the ACS.
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// The binding Lanyard sends AuthnRequests with.
pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
