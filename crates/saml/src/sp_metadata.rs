//! The service provider's metadata XML: entity ID, ACS (HTTP-POST), NameID
//! format, and the keys that sign its AuthnRequests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::{BINDING_POST, NAMEID_EMAIL};

/// The values an IdP admin copies, for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpValues {
    pub entity_id: String,
    pub acs_url: String,
}

/// SP metadata. With `signing_certificates` (DER; the newest first, older
/// ones kept during a rotation) the SP says it signs its AuthnRequests and
/// publishes the keys; it always wants signed assertions.
pub fn render(sp: &SpValues, signing_certificates: &[Vec<u8>]) -> String {
    let keys: String = signing_certificates
        .iter()
        .map(|der| {
            format!(
                r#"
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
                STANDARD.encode(der)
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">
  <md:SPSSODescriptor AuthnRequestsSigned="{signed}" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}
    <md:NameIDFormat>{nameid}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="{binding}" Location="{acs}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"#,
        entity = escape(&sp.entity_id),
        signed = !signing_certificates.is_empty(),
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
        let sp = SpValues { entity_id: "https://sp.example/a?b=1&c=2".into(), acs_url: "https://sp.example/acs".into() };
        let xml = render(&sp, &[]);
        assert!(xml.contains(r#"entityID="https://sp.example/a?b=1&amp;c=2""#));
        assert!(xml.contains(r#"Location="https://sp.example/acs""#));
        assert!(xml.contains(r#"AuthnRequestsSigned="false""#));
        assert!(roxmltree::Document::parse(&xml).is_ok());
        let signed = render(&sp, &[vec![1, 2, 3]]);
        assert!(signed.contains(r#"AuthnRequestsSigned="true""#) && signed.contains("<ds:X509Certificate>AQID</ds:X509Certificate>"));
        assert!(roxmltree::Document::parse(&signed).is_ok());
    }
}
