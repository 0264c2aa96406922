//! The service provider's signing key: RSA with a self-signed certificate
//! (IdPs take SP keys as X.509 certificates, from the SP metadata or
//! uploaded), and the HTTP-Redirect binding's query-string signature.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use openssl::x509::{X509, X509NameBuilder};

use crate::SamlError;

/// The signature algorithm of signed AuthnRequests.
pub const SIG_ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// How long a generated certificate is valid. IdPs that check SP
/// certificate dates at all refuse expired ones; rotation is explicit.
const VALID_DAYS: u32 = 10 * 365;

/// A private key (PKCS#8 DER) and its self-signed certificate (DER).
#[derive(Clone)]
pub struct SpKey {
    pub private_key_der: Vec<u8>,
    pub certificate_der: Vec<u8>,
    key: PKey<Private>,
}

impl std::fmt::Debug for SpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpKey").field("certificate_der", &self.certificate_der.len()).finish_non_exhaustive()
    }
}

fn key_error<E: std::fmt::Display>(e: E) -> SamlError {
    SamlError::Key(e.to_string())
}

impl SpKey {
    /// A new RSA 2048 key and a certificate for it naming `common_name`.
    pub fn generate(common_name: &str) -> Result<SpKey, SamlError> {
        let key = PKey::from_rsa(Rsa::generate(2048).map_err(key_error)?).map_err(key_error)?;
        let mut name = X509NameBuilder::new().map_err(key_error)?;
        let common_name: String = common_name.chars().take(64).collect();
        name.append_entry_by_text("CN", &common_name).map_err(key_error)?;
        let name = name.build();
        let mut serial = BigNum::new().map_err(key_error)?;
        serial.rand(127, MsbOption::MAYBE_ZERO, false).map_err(key_error)?;
        let mut cert = X509::builder().map_err(key_error)?;
        cert.set_version(2).map_err(key_error)?;
        let serial = serial.to_asn1_integer().map_err(key_error)?;
        cert.set_serial_number(&serial).map_err(key_error)?;
        cert.set_subject_name(&name).map_err(key_error)?;
        cert.set_issuer_name(&name).map_err(key_error)?;
        cert.set_pubkey(&key).map_err(key_error)?;
        // A day back, so an IdP whose clock is behind accepts it at once.
        let not_before = Asn1Time::from_unix(chrono::Utc::now().timestamp() - 86_400).map_err(key_error)?;
        cert.set_not_before(&not_before).map_err(key_error)?;
        let not_after = Asn1Time::days_from_now(VALID_DAYS).map_err(key_error)?;
        cert.set_not_after(&not_after).map_err(key_error)?;
        cert.sign(&key, MessageDigest::sha256()).map_err(key_error)?;
        let certificate_der = cert.build().to_der().map_err(key_error)?;
        let private_key_der = key.private_key_to_pkcs8().map_err(key_error)?;
        Ok(SpKey { private_key_der, certificate_der, key })
    }

    /// A stored key; the certificate must be the key's own.
    pub fn from_der(private_key_der: &[u8], certificate_der: &[u8]) -> Result<SpKey, SamlError> {
        let key = PKey::private_key_from_pkcs8(private_key_der).map_err(key_error)?;
        let cert = X509::from_der(certificate_der).map_err(key_error)?;
        if !cert.public_key().map_err(key_error)?.public_eq(&key) {
            return Err(SamlError::Key("the certificate is not the key's".into()));
        }
        Ok(SpKey { private_key_der: private_key_der.to_vec(), certificate_der: certificate_der.to_vec(), key })
    }

    /// RSA-SHA256 (PKCS#1 v1.5) of `data`, base64.
    pub fn sign(&self, data: &[u8]) -> Result<String, SamlError> {
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key).map_err(key_error)?;
        signer.update(data).map_err(key_error)?;
        Ok(STANDARD.encode(signer.sign_to_vec().map_err(key_error)?))
    }
}

/// A DER certificate as PEM.
pub fn certificate_pem(der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let lines: Vec<&str> = base64.as_bytes().chunks(64).filter_map(|line| std::str::from_utf8(line).ok()).collect();
    format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::sign::Verifier;

    #[test]
    fn a_generated_key_signs_what_its_certificate_verifies() {
        let key = SpKey::generate("Lanyard SP").unwrap();
        let again = SpKey::from_der(&key.private_key_der, &key.certificate_der).unwrap();
        let signature = STANDARD.decode(again.sign(b"SAMLRequest=x").unwrap()).unwrap();
        let public = X509::from_der(&key.certificate_der).unwrap().public_key().unwrap();
        let mut verifier = Verifier::new(MessageDigest::sha256(), &public).unwrap();
        verifier.update(b"SAMLRequest=x").unwrap();
        assert!(verifier.verify(&signature).unwrap());
        let pem = certificate_pem(&key.certificate_der);
        assert_eq!(X509::from_pem(pem.as_bytes()).unwrap().to_der().unwrap(), key.certificate_der);
        let other = SpKey::generate("other").unwrap();
        assert!(SpKey::from_der(&key.private_key_der, &other.certificate_der).is_err());
    }
}
