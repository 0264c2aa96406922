//! The AuthnRequest, sent with the HTTP-Redirect binding: XML, DEFLATE,
//! base64, URL query parameter `SAMLRequest` (+ `RelayState`).

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::Compression;
use flate2::write::DeflateEncoder;
use rand::RngCore;

use crate::sp_key::{SIG_ALG_RSA_SHA256, SpKey};
use crate::sp_metadata::{SpValues, escape};
use crate::{BINDING_POST, NAMEID_EMAIL, SamlError};

/// A fresh request ID: `_` + 32 hex digits (an XML NCName).
pub fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("_{}", hex::encode(bytes))
}

pub struct AuthnRequest<'a> {
    pub id: &'a str,
    pub sp: &'a SpValues,
    /// The IdP's SSO URL (the Destination).
    pub destination: &'a str,
    pub issue_instant: DateTime<Utc>,
}

impl AuthnRequest<'_> {
    pub fn to_xml(&self) -> String {
        format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{dest}" AssertionConsumerServiceURL="{acs}" ProtocolBinding="{binding}"><saml:Issuer>{issuer}</saml:Issuer><samlp:NameIDPolicy Format="{nameid}" AllowCreate="true"/></samlp:AuthnRequest>"#,
            id = escape(self.id),
            instant = self.issue_instant.to_rfc3339_opts(SecondsFormat::Secs, true),
            dest = escape(self.destination),
            acs = escape(&self.sp.acs_url),
            binding = BINDING_POST,
            issuer = escape(&self.sp.entity_id),
            nameid = NAMEID_EMAIL,
        )
    }

    /// The URL to redirect the browser to; signed with `key` when given
    /// (SAML bindings 3.4.4.1: RSA-SHA256 over `SAMLRequest=…&RelayState=…&SigAlg=…`
    /// exactly as they appear in the query).
    pub fn redirect_url(&self, relay_state: Option<&str>, key: Option<&SpKey>) -> Result<String, SamlError> {
        let mut deflater = DeflateEncoder::new(Vec::new(), Compression::default());
        deflater.write_all(self.to_xml().as_bytes()).map_err(|e| SamlError::Malformed(e.to_string()))?;
        let deflated = deflater.finish().map_err(|e| SamlError::Malformed(e.to_string()))?;
        let mut query = pair("SAMLRequest", &STANDARD.encode(deflated));
        if let Some(relay) = relay_state {
            query = format!("{query}&{}", pair("RelayState", relay));
        }
        if let Some(key) = key {
            query = format!("{query}&{}", pair("SigAlg", SIG_ALG_RSA_SHA256));
            let signature = key.sign(query.as_bytes())?;
            query = format!("{query}&{}", pair("Signature", &signature));
        }
        let separator = if self.destination.contains('?') { '&' } else { '?' };
        Ok(format!("{}{separator}{query}", self.destination))
    }
}

/// `name=value`, form-URL-encoded.
fn pair(name: &str, value: &str) -> String {
    form_urlencoded::Serializer::new(String::new()).append_pair(name, value).finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::DeflateDecoder;
    use std::io::Read;

    #[test]
    fn redirect_url_inflates_to_the_request() {
        let sp = SpValues { entity_id: "https://sp.example/e".into(), acs_url: "https://sp.example/acs".into() };
        let id = new_request_id();
        let request = AuthnRequest { id: &id, sp: &sp, destination: "https://idp.example/sso?app=1", issue_instant: Utc::now() };
        let url = request.redirect_url(Some("r1"), None).unwrap();
        assert!(url.starts_with("https://idp.example/sso?app=1&SAMLRequest="));
        let query = url.split_once('?').unwrap().1;
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let saml = &pairs.iter().find(|(k, _)| k == "SAMLRequest").unwrap().1;
        assert_eq!(pairs.iter().find(|(k, _)| k == "RelayState").unwrap().1, "r1");
        let mut xml = String::new();
        DeflateDecoder::new(&STANDARD.decode(saml).unwrap()[..]).read_to_string(&mut xml).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().attribute("ID"), Some(id.as_str()));
        assert_eq!(doc.root_element().attribute("AssertionConsumerServiceURL"), Some("https://sp.example/acs"));
    }

    #[test]
    fn a_signed_redirect_signs_the_query_up_to_sig_alg() {
        use openssl::hash::MessageDigest;
        use openssl::sign::Verifier;
        let sp = SpValues { entity_id: "https://sp.example/e".into(), acs_url: "https://sp.example/acs".into() };
        let key = SpKey::generate("sp").unwrap();
        let request = AuthnRequest { id: "_1", sp: &sp, destination: "https://idp.example/sso", issue_instant: Utc::now() };
        let url = request.redirect_url(Some("r 1"), Some(&key)).unwrap();
        let query = url.split_once('?').unwrap().1;
        let (signed, signature) = query.split_once("&Signature=").unwrap();
        assert!(signed.starts_with("SAMLRequest=") && signed.contains("&RelayState=r+1&SigAlg=http%3A%2F%2Fwww.w3.org"), "{signed}");
        let signature: String = form_urlencoded::parse(format!("s={signature}").as_bytes()).next().unwrap().1.into_owned();
        let public = openssl::x509::X509::from_der(&key.certificate_der).unwrap().public_key().unwrap();
        let mut verifier = Verifier::new(MessageDigest::sha256(), &public).unwrap();
        verifier.update(signed.as_bytes()).unwrap();
        assert!(verifier.verify(&STANDARD.decode(signature).unwrap()).unwrap());
    }
}
