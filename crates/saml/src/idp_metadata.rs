//! An identity provider's metadata: the entity ID, the single sign-on URL
//! and the certificates its signatures must verify with.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::xml::{self, NS_DS, NS_MD};
use crate::{BINDING_REDIRECT, SamlError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: String,
    /// Where AuthnRequests go (HTTP-Redirect binding).
    pub sso_url: String,
    /// DER certificates whose keys may sign Responses and Assertions.
    pub signing_certificates: Vec<Vec<u8>>,
}

impl IdpMetadata {
    /// Reads IdP metadata (an `EntityDescriptor`, or the first IdP in an
    /// `EntitiesDescriptor`). Refused: no IdP descriptor, no HTTP-Redirect
    /// sign-on URL, no signing certificate, a certificate that does not parse.
    pub fn parse(text: &str) -> Result<IdpMetadata, SamlError> {
        let doc = xml::parse(text)?;
        let descriptor = doc
            .descendants()
            .find(|n| xml::is(*n, NS_MD, "IDPSSODescriptor"))
            .ok_or_else(|| SamlError::Metadata("no IDPSSODescriptor".into()))?;
        let entity = descriptor
            .parent_element()
            .filter(|p| xml::is(*p, NS_MD, "EntityDescriptor"))
            .ok_or_else(|| SamlError::Metadata("IDPSSODescriptor outside an EntityDescriptor".into()))?;
        let entity_id = entity.attribute("entityID").unwrap_or_default().trim().to_string();
        if entity_id.is_empty() {
            return Err(SamlError::Metadata("no entityID".into()));
        }
        let sso_url = xml::children(descriptor, NS_MD, "SingleSignOnService")
            .find(|s| s.attribute("Binding") == Some(BINDING_REDIRECT))
            .and_then(|s| s.attribute("Location"))
            .map(|l| l.trim().to_string())
            .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
            .ok_or_else(|| SamlError::Metadata("no SingleSignOnService with the HTTP-Redirect binding".into()))?;
        let mut signing_certificates = Vec::new();
        for key in xml::children(descriptor, NS_MD, "KeyDescriptor") {
            // A KeyDescriptor without `use` serves both signing and encryption.
            if key.attribute("use").is_some_and(|u| u != "signing") {
                continue;
            }
            for cert in key.descendants().filter(|n| xml::is(*n, NS_DS, "X509Certificate")) {
                let der = certificate_der(&xml::text(cert))?;
                if !signing_certificates.contains(&der) {
                    signing_certificates.push(der);
                }
            }
        }
        if signing_certificates.is_empty() {
            return Err(SamlError::Metadata("no signing certificate".into()));
        }
        Ok(IdpMetadata { entity_id, sso_url, signing_certificates })
    }

    /// IdP values entered by hand (for an IdP that publishes no metadata):
    /// an entity ID, an http(s) sign-on URL taking the HTTP-Redirect binding,
    /// and at least one signing certificate, each PEM or bare base64 DER.
    pub fn manual(entity_id: &str, sso_url: &str, certificates: &[String]) -> Result<IdpMetadata, SamlError> {
        let entity_id = entity_id.trim();
        if entity_id.is_empty() || entity_id.len() > 1024 {
            return Err(SamlError::Metadata("the IdP entity ID must be 1 to 1024 characters".into()));
        }
        let sso_url = sso_url.trim();
        let is_url = url::Url::parse(sso_url).is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
        if !is_url || sso_url.len() > 2048 {
            return Err(SamlError::Metadata("the IdP sign-on URL must be an http(s) URL".into()));
        }
        let mut signing_certificates = Vec::new();
        for text in certificates {
            for der in certificates_from_text(text)? {
                if !signing_certificates.contains(&der) {
                    signing_certificates.push(der);
                }
            }
        }
        if signing_certificates.is_empty() {
            return Err(SamlError::Metadata("no signing certificate".into()));
        }
        Ok(IdpMetadata { entity_id: entity_id.to_string(), sso_url: sso_url.to_string(), signing_certificates })
    }
}

/// The DER certificates in `text`: PEM (one or more `CERTIFICATE` blocks)
/// or the bare base64 that metadata and IdP consoles show.
pub fn certificates_from_text(text: &str) -> Result<Vec<Vec<u8>>, SamlError> {
    if !text.contains("-----BEGIN") {
        return Ok(vec![certificate_der(text)?]);
    }
    let stack =
        openssl::x509::X509::stack_from_pem(text.as_bytes()).map_err(|_| SamlError::Metadata("a PEM certificate does not parse".into()))?;
    if stack.is_empty() {
        return Err(SamlError::Metadata("no CERTIFICATE block in the PEM text".into()));
    }
    stack.iter().map(|cert| cert.to_der().map_err(|_| SamlError::Metadata("a certificate does not encode".into()))).collect()
}

/// The DER bytes of a base64 certificate (whitespace allowed), checked to be an X.509 certificate.
pub fn certificate_der(base64: &str) -> Result<Vec<u8>, SamlError> {
    let compact: String = base64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = STANDARD.decode(compact).map_err(|_| SamlError::Metadata("a certificate is not valid base64".into()))?;
    openssl::x509::X509::from_der(&der).map_err(|_| SamlError::Metadata("a certificate does not parse as X.509".into()))?;
    Ok(der)
}

/// The base64 text of a DER certificate, as metadata carries it.
pub fn certificate_base64(der: &[u8]) -> String {
    STANDARD.encode(der)
}

/// SHA-256 fingerprint of a certificate, `AB:CD:…`, for display.
pub fn fingerprint(der: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}
