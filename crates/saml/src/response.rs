//! Validating a `samlp:Response` posted to the ACS.
//!
//! Order: decode, refuse DTDs, check the structure (one Assertion, each
//! Signature a child of the Response or the Assertion referencing its
//! parent), verify signatures with the metadata's certificates only
//! (xmlsec, SHA-256 or stronger), then read every value from the XML the
//! verified signature covers, and check issuer, audience, recipient,
//! destination and times. Replay and InResponseTo against issued requests
//! need storage and are the caller's (with [`Assertion::id`],
//! [`Assertion::in_response_to`] and [`Assertion::expires_at`]).

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use roxmltree::Node;
use samael::crypto::{AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode};

use crate::SamlError;
use crate::xml::{self, NS_DS, NS_SAML, NS_SAMLP};

/// Largest base64 `SAMLResponse` accepted.
pub const MAX_RESPONSE_BASE64: usize = 512 * 1024;

const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// Signature algorithms accepted: SHA-1 (signature or digest) is not.
const ALLOWED: &[AllowedSignatureAlgorithm] = &[
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// What a Response must match.
pub struct Expected<'a> {
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    pub idp_entity_id: &'a str,
    pub certificates: &'a [Vec<u8>],
    pub now: DateTime<Utc>,
    /// Clock difference tolerated on NotBefore / NotOnOrAfter.
    pub skew: Duration,
}

/// A validated assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// The assertion's ID: the replay cache key.
    pub id: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    /// From the signed SubjectConfirmationData; `None` for IdP-initiated.
    pub in_response_to: Option<String>,
    /// Until when the assertion could be accepted (its latest NotOnOrAfter
    /// plus skew): keep its ID in the replay cache until then.
    pub expires_at: DateTime<Utc>,
    pub session_index: Option<String>,
    /// SAML attributes in document order.
    pub attributes: Vec<Attribute>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub friendly_name: Option<String>,
    pub values: Vec<String>,
}

impl Assertion {
    /// The first value of the attribute with this Name or FriendlyName.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attribute_values(name).first().copied()
    }

    /// Every value of the attributes with this Name or FriendlyName (an IdP
    /// may send a multi-valued attribute as one element or as several).
    pub fn attribute_values(&self, name: &str) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|a| a.name == name || a.friendly_name.as_deref() == Some(name))
            .flat_map(|a| a.values.iter().map(String::as_str))
            .collect()
    }
}

/// Decodes the base64 form field `SAMLResponse`.
pub fn decode(saml_response: &str) -> Result<String, SamlError> {
    if saml_response.len() > MAX_RESPONSE_BASE64 {
        return Err(SamlError::TooLarge);
    }
    let compact: String = saml_response.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD.decode(compact).map_err(|_| SamlError::Base64)?;
    String::from_utf8(bytes).map_err(|_| SamlError::Malformed("not UTF-8".into()))
}

/// Validates a decoded Response (see the module documentation).
pub fn validate(xml_text: &str, expected: &Expected<'_>) -> Result<Assertion, SamlError> {
    let original = xml::parse(xml_text)?;
    let response = original.root_element();
    if !xml::is(response, NS_SAMLP, "Response") {
        return Err(SamlError::Structure("the root is not a samlp:Response".into()));
    }
    check_status(response)?;
    check_structure(response)?;

    let signed_text = verify_signatures(&signed_document(xml_text, response)?, expected.certificates)?;
    let signed = xml::parse(&signed_text)?;
    let signed_root = signed.root_element();
    // The verified content is either the whole Response or the Assertion alone.
    let (signed_response, assertion) = if xml::is(signed_root, NS_SAMLP, "Response") {
        let assertion = only_assertion(signed_root)?;
        (Some(signed_root), assertion)
    } else if xml::is(signed_root, NS_SAML, "Assertion") {
        (None, signed_root)
    } else {
        return Err(SamlError::Structure("the signature covers neither the Response nor the Assertion".into()));
    };
    if assertion.attribute("ID") != only_assertion(response)?.attribute("ID") {
        return Err(SamlError::Structure("the signed assertion is not the one in the response".into()));
    }

    // Response-level values: from the signed Response when it is signed.
    let response_for_checks = signed_response.unwrap_or(response);
    if let Some(destination) = response_for_checks.attribute("Destination")
        && destination != expected.acs_url
    {
        return Err(SamlError::Destination);
    }
    if let Some(issuer) = xml::child(response_for_checks, NS_SAML, "Issuer")
        && xml::text(issuer) != expected.idp_entity_id
    {
        return Err(SamlError::Issuer);
    }
    read_assertion(assertion, response_for_checks.attribute("InResponseTo"), expected)
}

fn check_status(response: Node<'_, '_>) -> Result<(), SamlError> {
    let code = xml::child(response, NS_SAMLP, "Status")
        .and_then(|s| xml::child(s, NS_SAMLP, "StatusCode"))
        .and_then(|c| c.attribute("Value"))
        .ok_or_else(|| SamlError::Structure("no status code".into()))?;
    if code != STATUS_SUCCESS {
        let short = code.rsplit(':').next().unwrap_or(code);
        return Err(SamlError::Status(short.chars().take(64).collect()));
    }
    Ok(())
}

/// Refuses what signature wrapping needs: several or encrypted assertions,
/// a Signature anywhere but directly in the Response or the Assertion, or
/// one whose Reference does not point at the element it sits in.
fn check_structure(response: Node<'_, '_>) -> Result<(), SamlError> {
    if response.descendants().any(|n| xml::is(n, NS_SAML, "EncryptedAssertion")) {
        return Err(SamlError::Structure("encrypted assertions are not supported".into()));
    }
    only_assertion(response)?;
    let mut signatures = 0;
    for signature in response.descendants().filter(|n| xml::is(*n, NS_DS, "Signature")) {
        signatures += 1;
        let parent = signature.parent_element().ok_or_else(|| SamlError::Structure("a detached signature".into()))?;
        let parent_is_expected =
            (parent == response) || (xml::is(parent, NS_SAML, "Assertion") && parent.parent_element() == Some(response));
        if !parent_is_expected {
            return Err(SamlError::Structure("a signature outside the Response and the Assertion".into()));
        }
        let parent_id = parent.attribute("ID").ok_or_else(|| SamlError::Structure("a signed element without an ID".into()))?;
        let references: Vec<_> =
            xml::child(signature, NS_DS, "SignedInfo").map(|info| xml::children(info, NS_DS, "Reference").collect()).unwrap_or_default();
        let [reference] = references.as_slice() else {
            return Err(SamlError::Structure("a signature must have exactly one reference".into()));
        };
        if reference.attribute("URI") != Some(&format!("#{parent_id}")) {
            return Err(SamlError::Structure("a signature reference does not point at its element".into()));
        }
    }
    if signatures == 0 {
        return Err(SamlError::Unsigned);
    }
    Ok(())
}

/// The one Assertion, a direct child of the Response; more than one anywhere is refused.
fn only_assertion<'a, 'i>(response: Node<'a, 'i>) -> Result<Node<'a, 'i>, SamlError> {
    let mut all = response.descendants().filter(|n| xml::is(*n, NS_SAML, "Assertion"));
    let first = all.next().ok_or_else(|| SamlError::Structure("no assertion".into()))?;
    if all.next().is_some() {
        return Err(SamlError::Structure("more than one assertion".into()));
    }
    if first.parent_element() != Some(response) {
        return Err(SamlError::Structure("the assertion is not a child of the response".into()));
    }
    Ok(first)
}

/// The document handed to xmlsec: the whole Response when it carries a
/// signature, else the Assertion alone as its own document, with the
/// namespaces it inherits declared on it. samael 0.0.22 leaks libxml2
/// memory when the signed element is not the document root (fuzz/README.md,
/// finding 2); detaching it here is what samael does itself, minus the leak.
fn signed_document<'t>(xml_text: &'t str, response: Node<'_, '_>) -> Result<Cow<'t, str>, SamlError> {
    if xml::child(response, NS_DS, "Signature").is_some() {
        return Ok(Cow::Borrowed(xml_text));
    }
    let assertion = only_assertion(response)?;
    let element = xml_text.get(assertion.range()).ok_or_else(|| SamlError::Malformed("assertion out of range".into()))?;
    let start_tag = xml::start_tag(element).ok_or_else(|| SamlError::Malformed("the assertion's start tag".into()))?;
    let declared = start_tag.namespace_declarations();
    let mut inherited = String::new();
    for namespace in assertion.namespaces() {
        let prefix = namespace.name();
        if prefix == Some("xml") || namespace.uri().is_empty() || declared.contains(&prefix) {
            continue;
        }
        let attribute = prefix.map_or_else(|| "xmlns".to_string(), |p| format!("xmlns:{p}"));
        inherited.push_str(&format!(" {attribute}=\"{}\"", crate::sp_metadata::escape(namespace.uri())));
    }
    let name_end = start_tag.name_end;
    Ok(Cow::Owned(format!("{}{inherited}{}", &element[..name_end], &element[name_end..])))
}

/// Verifies every signature with the metadata's certificates (never a key
/// from the message) and returns the XML the signatures cover.
fn verify_signatures(xml_text: &str, certificates: &[Vec<u8>]) -> Result<String, SamlError> {
    for method in signature_algorithms(xml_text)? {
        if !ALLOWED.iter().any(|a| a.signature_uri() == method || a.digest_uri() == method) {
            return Err(SamlError::WeakAlgorithm(method));
        }
    }
    let certs: Vec<CertificateDer> = certificates.iter().cloned().map(CertificateDer::from).collect();
    Crypto::reduce_xml_to_signed_with_allowed_algorithms(xml_text, &certs, ReduceMode::ValidateAndMarkNoAncestors, Some(ALLOWED))
        .map_err(|_| SamlError::BadSignature)
}

/// The SignatureMethod and DigestMethod algorithms in the document, so a
/// SHA-1 signature is reported as such rather than as "invalid".
fn signature_algorithms(xml_text: &str) -> Result<Vec<String>, SamlError> {
    let doc = xml::parse(xml_text)?;
    Ok(doc
        .descendants()
        .filter(|n| xml::is(*n, NS_DS, "SignatureMethod") || xml::is(*n, NS_DS, "DigestMethod"))
        .filter_map(|n| n.attribute("Algorithm"))
        .map(str::to_string)
        .collect())
}

fn read_assertion(assertion: Node<'_, '_>, response_in_response_to: Option<&str>, expected: &Expected<'_>) -> Result<Assertion, SamlError> {
    let id = assertion.attribute("ID").ok_or_else(|| SamlError::Structure("the assertion has no ID".into()))?.to_string();
    if assertion.attribute("Version") != Some("2.0") {
        return Err(SamlError::Structure("not a SAML 2.0 assertion".into()));
    }
    let issuer = xml::child(assertion, NS_SAML, "Issuer").map(xml::text);
    if issuer.as_deref() != Some(expected.idp_entity_id) {
        return Err(SamlError::Issuer);
    }

    let subject = xml::child(assertion, NS_SAML, "Subject").ok_or_else(|| SamlError::Subject("no Subject".into()))?;
    let name_id_node = xml::child(subject, NS_SAML, "NameID").ok_or_else(|| SamlError::Subject("no NameID".into()))?;
    if name_id_node.children().any(|c| c.is_element()) {
        return Err(SamlError::Subject("NameID has element content".into()));
    }
    let name_id = xml::text(name_id_node);
    if name_id.is_empty() {
        return Err(SamlError::Subject("empty NameID".into()));
    }

    let mut latest = None;
    let confirmation = check_bearer(subject, expected, &mut latest)?;
    let in_response_to = confirmation.attribute("InResponseTo").map(str::to_string);
    if let Some(outer) = response_in_response_to
        && in_response_to.as_deref() != Some(outer)
    {
        return Err(SamlError::InResponseTo);
    }
    check_conditions(assertion, expected, &mut latest)?;

    let authn = xml::child(assertion, NS_SAML, "AuthnStatement").ok_or_else(|| SamlError::Structure("no AuthnStatement".into()))?;
    let session_index = authn.attribute("SessionIndex").map(str::to_string);
    let attributes = xml::child(assertion, NS_SAML, "AttributeStatement")
        .map(|statement| {
            xml::children(statement, NS_SAML, "Attribute")
                .filter_map(|a| {
                    let name = a.attribute("Name")?.to_string();
                    let friendly_name = a.attribute("FriendlyName").map(str::to_string);
                    let values = xml::children(a, NS_SAML, "AttributeValue").map(xml::text).collect();
                    Some(Attribute { name, friendly_name, values })
                })
                .collect()
        })
        .unwrap_or_default();

    let expires_at = latest.ok_or_else(|| SamlError::Structure("no NotOnOrAfter".into()))? + expected.skew;
    Ok(Assertion {
        id,
        name_id,
        name_id_format: name_id_node.attribute("Format").map(str::to_string),
        in_response_to,
        expires_at,
        session_index,
        attributes,
    })
}

/// The bearer SubjectConfirmationData addressed to our ACS and still valid.
fn check_bearer<'a, 'i>(
    subject: Node<'a, 'i>,
    expected: &Expected<'_>,
    latest: &mut Option<DateTime<Utc>>,
) -> Result<Node<'a, 'i>, SamlError> {
    let mut refusal = SamlError::Subject("no bearer SubjectConfirmation".into());
    for confirmation in xml::children(subject, NS_SAML, "SubjectConfirmation") {
        if confirmation.attribute("Method") != Some(BEARER) {
            continue;
        }
        let Some(data) = xml::child(confirmation, NS_SAML, "SubjectConfirmationData") else { continue };
        if data.attribute("Recipient") != Some(expected.acs_url) {
            refusal = SamlError::Recipient;
            continue;
        }
        let Some(not_on_or_after) = time_attr(data, "NotOnOrAfter")? else {
            refusal = SamlError::Subject("SubjectConfirmationData without NotOnOrAfter".into());
            continue;
        };
        if expected.now >= not_on_or_after + expected.skew {
            refusal = SamlError::Expired;
            continue;
        }
        if let Some(not_before) = time_attr(data, "NotBefore")?
            && expected.now + expected.skew < not_before
        {
            refusal = SamlError::NotYetValid;
            continue;
        }
        *latest = Some(latest.map_or(not_on_or_after, |l: DateTime<Utc>| l.max(not_on_or_after)));
        return Ok(data);
    }
    Err(refusal)
}

fn check_conditions(assertion: Node<'_, '_>, expected: &Expected<'_>, latest: &mut Option<DateTime<Utc>>) -> Result<(), SamlError> {
    let conditions = xml::child(assertion, NS_SAML, "Conditions").ok_or_else(|| SamlError::Structure("no Conditions".into()))?;
    if let Some(not_before) = time_attr(conditions, "NotBefore")?
        && expected.now + expected.skew < not_before
    {
        return Err(SamlError::NotYetValid);
    }
    if let Some(not_on_or_after) = time_attr(conditions, "NotOnOrAfter")? {
        if expected.now >= not_on_or_after + expected.skew {
            return Err(SamlError::Expired);
        }
        *latest = Some(latest.map_or(not_on_or_after, |l: DateTime<Utc>| l.max(not_on_or_after)));
    }
    // Every AudienceRestriction must name us, and there must be one.
    let restrictions: Vec<_> = xml::children(conditions, NS_SAML, "AudienceRestriction").collect();
    if restrictions.is_empty() {
        return Err(SamlError::Audience);
    }
    for restriction in restrictions {
        if !xml::children(restriction, NS_SAML, "Audience").any(|a| xml::text(a) == expected.sp_entity_id) {
            return Err(SamlError::Audience);
        }
    }
    Ok(())
}

fn time_attr(node: Node<'_, '_>, name: &str) -> Result<Option<DateTime<Utc>>, SamlError> {
    node.attribute(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| SamlError::Malformed(format!("{name} is not a date-time")))
        })
        .transpose()
}
