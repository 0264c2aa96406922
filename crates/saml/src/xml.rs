//! Reading XML safely: no DTDs, namespace-aware lookups.

use roxmltree::{Document, Node, ParsingOptions};

use crate::SamlError;

pub const NS_SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Largest XML document accepted (a Response or a metadata file).
pub const MAX_XML_BYTES: usize = 1024 * 1024;

/// Parses `text`, refusing DTDs (so no entity expansion) and oversized input.
pub fn parse(text: &str) -> Result<Document<'_>, SamlError> {
    if text.len() > MAX_XML_BYTES {
        return Err(SamlError::TooLarge);
    }
    if has_dtd(text) {
        return Err(SamlError::Dtd);
    }
    let options = ParsingOptions { allow_dtd: false, ..ParsingOptions::default() };
    Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => SamlError::Dtd,
        e => SamlError::Malformed(e.to_string()),
    })
}

/// A cheap check before any parser (xmlsec's libxml2 included) sees the text.
pub fn has_dtd(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("<!doctype") || lower.contains("<!entity")
}

pub fn is(node: Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

pub fn children<'a, 'i>(node: Node<'a, 'i>, ns: &'a str, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |c| is(*c, ns, name))
}

pub fn child<'a, 'i>(node: Node<'a, 'i>, ns: &'a str, name: &'a str) -> Option<Node<'a, 'i>> {
    children(node, ns, name).next()
}

/// All text below `node`, comments skipped: `a<!---->b` reads `ab`, the
/// value the signature covered (exclusive canonicalization drops comments).
pub fn text(node: Node<'_, '_>) -> String {
    node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<String>().trim().to_string()
}
