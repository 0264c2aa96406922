//! A posted `SAMLResponse` → `decode` (the base64 form field) and
//! `validate` against fixed expectations and the certificate of the
//! checked-in test IdP; the input is also validated as XML text directly,
//! so mutations of the signed fixtures reach xmlsec without base64 noise.
//! The clock is the fixtures' own, so an unchanged valid response passes.
#![no_main]

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use lanyard_saml::idp_metadata::IdpMetadata;
use lanyard_saml::response::{Expected, decode, validate};
use libfuzzer_sys::fuzz_target;

const FIXTURES: &str = "../crates/saml/tests/fixtures";

static IDP: LazyLock<IdpMetadata> = LazyLock::new(|| {
    let text = include_str!("../../crates/saml/tests/fixtures/idp-metadata.xml");
    IdpMetadata::parse(text).unwrap_or_else(|e| panic!("{FIXTURES}/idp-metadata.xml: {e}"))
});

/// IssueInstant of `response-both.xml`, plus half a minute.
static NOW: LazyLock<DateTime<Utc>> = LazyLock::new(|| {
    let issued = DateTime::parse_from_rfc3339("2026-11-23T18:37:05Z").unwrap_or_else(|e| panic!("{e}"));
    issued.with_timezone(&Utc) + Duration::seconds(30)
});

fn check(xml: &str) {
    let expected = Expected {
        sp_entity_id: "https://sp.test/sso/acme",
        acs_url: "https://sp.test/sso/acs",
        idp_entity_id: &IDP.entity_id,
        certificates: &IDP.signing_certificates,
        now: *NOW,
        skew: Duration::minutes(2),
    };
    if let Ok(assertion) = validate(xml, &expected) {
        assert!(!assertion.id.is_empty() && !assertion.name_id.is_empty(), "accepted without an ID or NameID: {assertion:?}");
        assert!(assertion.expires_at > *NOW, "accepted after it expired: {assertion:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(xml) = decode(text) {
        check(&xml);
    }
    check(text);
});
