//! The SP URLs of a connection. The connection's id is in every URL, so the
//! ACS knows which IdP's certificates to check before reading the message.

use lanyard_saml::sp_metadata::SpValues;

use crate::Config;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpUrls {
    /// Also the SP metadata URL (a common convention IdPs accept).
    pub entity_id: String,
    pub acs_url: String,
    pub login_url: String,
    pub metadata_url: String,
    /// The certificate of the key that signs AuthnRequests (PEM), for IdPs
    /// that take an uploaded certificate rather than the metadata.
    pub certificate_url: String,
}

impl SpUrls {
    pub fn new(config: &Config, connection_id: &str) -> Self {
        let base = format!("{}/sso/saml/{connection_id}", config.public_url);
        Self {
            entity_id: format!("{base}/metadata"),
            acs_url: format!("{base}/acs"),
            login_url: format!("{base}/login"),
            metadata_url: format!("{base}/metadata"),
            certificate_url: format!("{base}/certificate"),
        }
    }

    pub fn sp_values(&self) -> SpValues {
        SpValues { entity_id: self.entity_id.clone(), acs_url: self.acs_url.clone() }
    }
}
