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

/// An element's start tag, read from the element's own text.
pub struct StartTag<'t> {
    /// Byte offset just past the element name (`<saml:Assertion|`).
    pub name_end: usize,
    attribute_names: Vec<&'t str>,
}

impl StartTag<'_> {
    /// The prefixes this tag declares: `None` for a default namespace.
    pub fn namespace_declarations(&self) -> Vec<Option<&str>> {
        self.attribute_names
            .iter()
            .filter_map(|name| match *name {
                "xmlns" => Some(None),
                _ => name.strip_prefix("xmlns:").map(Some),
            })
            .collect()
    }
}

/// Reads the start tag at the beginning of `element` (well-formed XML,
/// as roxmltree already parsed it): its name and attribute names.
pub fn start_tag(element: &str) -> Option<StartTag<'_>> {
    let is_name_end = |c: char| c.is_ascii_whitespace() || c == '/' || c == '>';
    let rest = element.strip_prefix('<')?;
    let name_end = 1 + rest.find(is_name_end)?;
    let mut attribute_names = Vec::new();
    let mut rest = &element[name_end..];
    loop {
        rest = rest.trim_start();
        if rest.starts_with('>') || rest.starts_with("/>") {
            return Some(StartTag { name_end, attribute_names });
        }
        let name_len = rest.find(|c: char| c.is_ascii_whitespace() || c == '=')?;
        attribute_names.push(&rest[..name_len]);
        rest = rest[name_len..].trim_start().strip_prefix('=')?.trim_start();
        let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let value_len = rest[1..].find(quote)?;
        rest = &rest[value_len + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_tag_gives_name_end_and_namespace_declarations() {
        let tag = start_tag(r#"<s:A  xmlns:s = "u" ID='a>b' xmlns="d" xmlns:t="v"><x/></s:A>"#).unwrap();
        assert_eq!(tag.name_end, 4);
        assert_eq!(tag.namespace_declarations(), vec![Some("s"), None, Some("t")]);
        assert_eq!(start_tag("<a/>").unwrap().namespace_declarations(), Vec::<Option<&str>>::new());
        assert!(start_tag("<a b>").is_none());
    }
}
