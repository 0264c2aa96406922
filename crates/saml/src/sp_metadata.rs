//! The service provider's metadata XML: entity ID, ACS (HTTP-POST), NameID format.

use crate::{BINDING_POST, NAMEID_EMAIL};

/// The values an IdP admin copies, for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpValues {
    pub entity_id: String,
    pub acs_url: String,
}

/// SP metadata: Lanyard signs nothing yet and wants signed assertions.
pub fn render(sp: &SpValues) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:NameIDFormat>{nameid}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="{binding}" Location="{acs}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"#,
        entity = escape(&sp.entity_id),
        nameid = NAMEID_EMAIL,
        binding = BINDING_POST,
        acs = escape(&sp.acs_url),
    )
}

/// XML escaping for attribute values and text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_carries_the_values_escaped() {
        let xml = render(&SpValues { entity_id: "https://sp.example/a?b=1&c=2".into(), acs_url: "https://sp.example/acs".into() });
        assert!(xml.contains(r#"entityID="https://sp.example/a?b=1&amp;c=2""#));
        assert!(xml.contains(r#"Location="https://sp.example/acs""#));
        assert!(roxmltree::Document::parse(&xml).is_ok());
    }
}
