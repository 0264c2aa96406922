//! Response validation against signed Responses made by a real third-party
//! IdP (pysaml2 + xmlsec1; see `crates/lanyard/tests/idp/idp.py`). The
//! fixtures were generated once and checked in: `now` is taken from each
//! fixture's IssueInstant so they never expire.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use lanyard_saml::SamlError;
use lanyard_saml::idp_metadata::IdpMetadata;
use lanyard_saml::response::{Assertion, Expected, validate};

const SP_ENTITY: &str = "https://sp.test/sso/acme";
const ACS: &str = "https://sp.test/sso/acs";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn idp() -> IdpMetadata {
    IdpMetadata::parse(&fixture("idp-metadata.xml")).unwrap()
}

fn issue_instant(xml: &str) -> DateTime<Utc> {
    let start = xml.find("IssueInstant=\"").unwrap() + "IssueInstant=\"".len();
    let end = start + xml[start..].find('"').unwrap();
    DateTime::parse_from_rfc3339(&xml[start..end]).unwrap().with_timezone(&Utc)
}

fn check_at(variant: &str, certificates: &[Vec<u8>], offset: Duration) -> Result<Assertion, SamlError> {
    check_xml(&fixture(&format!("response-{variant}.xml")), certificates, offset)
}

fn check_xml(xml: &str, certificates: &[Vec<u8>], offset: Duration) -> Result<Assertion, SamlError> {
    let idp = idp();
    let expected = Expected {
        sp_entity_id: SP_ENTITY,
        acs_url: ACS,
        idp_entity_id: &idp.entity_id,
        certificates,
        now: issue_instant(xml) + offset,
        skew: Duration::minutes(2),
    };
    validate(xml, &expected)
}

fn check(variant: &str) -> Result<Assertion, SamlError> {
    check_at(variant, &idp().signing_certificates, Duration::seconds(30))
}

#[test]
fn metadata_gives_entity_sso_url_and_certificate() {
    let idp = idp();
    assert_eq!(idp.entity_id, "https://idp.test/metadata");
    assert_eq!(idp.sso_url, "https://idp.test/sso");
    assert_eq!(idp.signing_certificates.len(), 1);
}

#[test]
fn signed_response_and_assertion_is_accepted() {
    for variant in ["both", "assertion-only", "response-only"] {
        let assertion = check(variant).unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert_eq!(assertion.name_id, "alice@example.com", "{variant}");
        assert_eq!(assertion.in_response_to, None, "{variant}: IdP-initiated");
        assert_eq!(assertion.attribute("givenName"), Some("Alice"), "{variant}: {:?}", assertion.attributes);
        assert!(assertion.id.starts_with("id-"), "{variant}");
        assert!(assertion.expires_at > issue_instant(&fixture(&format!("response-{variant}.xml"))));
    }
}

#[test]
fn an_assertion_signed_alone_verifies_with_its_namespaces_declared_anywhere() {
    let certs = idp().signing_certificates;
    let original = fixture("response-assertion-only.xml");
    let assertion_ns = r#"xmlns:ns1="urn:oasis:names:tc:SAML:2.0:assertion""#;
    let redeclared = original.replacen("<ns1:Assertion ", &format!("<ns1:Assertion {assertion_ns} "), 1);
    let default_ns = original.replacen("<ns0:Response ", r#"<ns0:Response xmlns="urn:example:unused" "#, 1);
    for xml in [redeclared, default_ns] {
        let assertion = check_xml(&xml, &certs, Duration::seconds(30)).unwrap_or_else(|e| panic!("{e}: {xml}"));
        assert_eq!(assertion.name_id, "alice@example.com");
    }
}

#[test]
fn unsigned_is_refused() {
    assert_eq!(check("unsigned"), Err(SamlError::Unsigned));
}

#[test]
fn a_key_not_in_the_metadata_is_refused_even_with_its_certificate_in_keyinfo() {
    assert_eq!(check("wrong-key"), Err(SamlError::BadSignature));
}

#[test]
fn a_valid_signature_by_another_certificate_set_is_refused() {
    let other = lanyard_saml::idp_metadata::certificate_der(&keyinfo_certificate(&fixture("response-wrong-key.xml"))).unwrap();
    assert_eq!(check_at("both", &[other], Duration::seconds(30)), Err(SamlError::BadSignature));
}

fn keyinfo_certificate(xml: &str) -> String {
    let start = xml.find("X509Certificate>").unwrap() + "X509Certificate>".len();
    let end = start + xml[start..].find('<').unwrap();
    xml[start..end].to_string()
}

#[test]
fn sha1_is_refused() {
    assert!(matches!(check("sha1"), Err(SamlError::WeakAlgorithm(_))), "{:?}", check("sha1"));
}

#[test]
fn wrong_audience_recipient_destination_issuer_are_refused() {
    assert_eq!(check("audience"), Err(SamlError::Audience));
    assert_eq!(check("recipient"), Err(SamlError::Recipient));
    assert_eq!(check("destination"), Err(SamlError::Destination));
    assert_eq!(check("issuer"), Err(SamlError::Issuer));
}

#[test]
fn times_outside_the_window_are_refused() {
    assert_eq!(check("expired"), Err(SamlError::Expired));
    assert_eq!(check("not-yet-valid"), Err(SamlError::NotYetValid));
    // A good response read too late, and just within the skew.
    let certs = idp().signing_certificates;
    assert_eq!(check_at("both", &certs, Duration::minutes(60)), Err(SamlError::Expired));
    assert!(check_at("both", &certs, Duration::minutes(6)).is_ok(), "5 min lifetime + 2 min skew");
}

#[test]
fn in_response_to_is_reported_from_the_signed_assertion() {
    assert_eq!(check("unknown-request").unwrap().in_response_to.as_deref(), Some("_00000000000000000000000000000000"));
}

#[test]
fn a_changed_nameid_breaks_the_signature() {
    assert_eq!(check("tampered"), Err(SamlError::BadSignature));
}

#[test]
fn signature_wrapping_is_refused() {
    assert!(matches!(check("wrapping"), Err(SamlError::Structure(_))), "{:?}", check("wrapping"));
    assert!(matches!(check("reference"), Err(SamlError::Structure(_))), "{:?}", check("reference"));
}

/// The attacker owns `alice@example.com.evil.com` at the IdP and inserts a
/// comment after signing (exclusive canonicalization ignores comments, so
/// the signature still verifies). The verified pre-digest content then
/// differs from the document's, and the response is refused; were it
/// read, [`lanyard_saml`] joins the text around comments and would read
/// the whole address, never `alice@example.com`.
#[test]
fn a_comment_in_the_nameid_does_not_truncate_it() {
    let xml = fixture("response-comment.xml");
    assert!(xml.contains("alice@example.com<!---->.evil.com"), "the fixture carries the comment");
    assert_eq!(check("comment"), Err(SamlError::BadSignature));
}

#[test]
fn dtds_are_refused() {
    assert_eq!(check("dtd"), Err(SamlError::Dtd));
}

#[test]
fn metadata_without_a_signing_certificate_is_refused() {
    let md = fixture("idp-metadata.xml");
    let start = md.find("<ns0:KeyDescriptor").unwrap();
    let end = md.find("</ns0:KeyDescriptor>").unwrap() + "</ns0:KeyDescriptor>".len();
    let stripped = format!("{}{}", &md[..start], &md[end..]);
    assert_eq!(IdpMetadata::parse(&stripped), Err(SamlError::Metadata("no signing certificate".into())));
}
