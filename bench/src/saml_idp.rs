//! An identity provider for the `acs` scenario: a fresh RSA key and
//! certificate, and SAML Responses signed on the Assertion with them
//! (RSA-SHA256, exclusive C14N), each with its own IDs so none is a replay.

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, SecondsFormat, Utc};
use lanyard_saml::sp_key::{SpKey, certificate_pem};
use samael::crypto::{Crypto, CryptoProvider};

pub const ENTITY_ID: &str = "https://idp.bench.example/saml";
pub const SSO_URL: &str = "https://idp.bench.example/saml/sso";

pub struct BenchIdp {
    /// PKCS#1 DER: what xmlsec loads as a DER private key.
    private_key_der: Vec<u8>,
    pub certificate_pem: String,
}

/// Where the responses go: the connection's SP values.
pub struct Audience {
    pub sp_entity_id: String,
    pub acs_url: String,
}

impl BenchIdp {
    pub fn new() -> anyhow::Result<BenchIdp> {
        let key = SpKey::generate("lanyard-bench IdP").context("cannot make the IdP key")?;
        let rsa = openssl::pkey::PKey::private_key_from_pkcs8(&key.private_key_der)?.rsa()?;
        Ok(BenchIdp { private_key_der: rsa.private_key_to_der()?, certificate_pem: certificate_pem(&key.certificate_der) })
    }

    /// The base64 `SAMLResponse` signing `email` in (IdP-initiated), number `n`.
    pub fn response(&self, audience: &Audience, email: &str, n: usize) -> anyhow::Result<String> {
        let now = Utc::now();
        let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        let until = (now + Duration::minutes(30)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let nonce: u64 = rand::random();
        let assertion_id = format!("_a{n}x{nonce:016x}");
        let xml = format!(
            r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{n}x{nonce:016x}" Version="2.0" IssueInstant="{at}" Destination="{acs}"><saml:Issuer>{idp}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{assertion_id}" Version="2.0" IssueInstant="{at}"><saml:Issuer>{idp}</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{assertion_id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{email}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{acs}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{at}" NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>{sp}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{at}" SessionIndex="_s{n}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="groups"><saml:AttributeValue>Bench</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"##,
            acs = audience.acs_url,
            sp = audience.sp_entity_id,
            idp = ENTITY_ID,
        );
        let signed = Crypto::sign_xml(xml.as_bytes(), &self.private_key_der).map_err(|e| anyhow::anyhow!("signing: {e}"))?;
        Ok(STANDARD.encode(signed))
    }
}
