//! The SP signing key that signs AuthnRequests. One for the installation:
//! the newest signs, every key is in each connection's SP metadata, so an
//! IdP that reads the metadata follows a rotation by itself.

use lanyard_saml::sp_key::SpKey;
use lanyard_store::SpKeyRecord;

use super::SsoError;
use crate::{Lanyard, now};

/// The certificate's subject.
const COMMON_NAME: &str = "Lanyard SAML service provider";

fn key_error<E: std::fmt::Display>(e: E) -> SsoError {
    SsoError::Key(e.to_string())
}

impl Lanyard {
    /// Makes a signing key when there is none (first start). Instances
    /// starting together may each make one: all are published, the newest signs.
    pub async fn ensure_sp_key(&self) -> Result<(), SsoError> {
        self.published_sp_keys().await.map(|_| ())
    }

    /// Every key, newest first; the first is made here when there is none.
    async fn published_sp_keys(&self) -> Result<Vec<SpKeyRecord>, SsoError> {
        let keys = self.store.sp_keys().sp_keys().await?;
        if !keys.is_empty() {
            return Ok(keys);
        }
        self.rotate_sp_key().await?;
        Ok(self.store.sp_keys().sp_keys().await?)
    }

    /// Adds a new key, which signs from now on; the older ones stay in the
    /// metadata until [`Lanyard::retire_sp_keys`]. Answers the new
    /// certificate's SHA-256 fingerprint.
    pub async fn rotate_sp_key(&self) -> Result<String, SsoError> {
        let key = tokio::task::spawn_blocking(|| SpKey::generate(COMMON_NAME)).await.map_err(key_error)?.map_err(key_error)?;
        let record = SpKeyRecord {
            id: uuid::Uuid::new_v4().simple().to_string(),
            private_key_der: key.private_key_der.clone(),
            certificate_der: key.certificate_der.clone(),
            created_at: now(),
        };
        self.store.sp_keys().insert_sp_key(&record).await?;
        let fingerprint = lanyard_saml::idp_metadata::fingerprint(&key.certificate_der);
        tracing::info!(key = %record.id, sha256 = %fingerprint, "new SAML signing key");
        Ok(fingerprint)
    }

    /// Stops publishing every key but the newest; answers how many went.
    pub async fn retire_sp_keys(&self) -> Result<u64, SsoError> {
        let retired = self.store.sp_keys().retire_sp_keys(1).await?;
        tracing::info!(retired, "retired older SAML signing keys");
        Ok(retired)
    }

    /// The key that signs now, made if there is none yet.
    pub(super) async fn sp_signing_key(&self) -> Result<SpKey, SsoError> {
        let keys = self.published_sp_keys().await?;
        let newest = keys.first().ok_or_else(|| key_error("no SAML signing key"))?;
        SpKey::from_der(&newest.private_key_der, &newest.certificate_der).map_err(key_error)
    }

    /// Every published certificate (DER), newest first; a key is made if there is none yet.
    pub async fn sp_certificates(&self) -> Result<Vec<Vec<u8>>, SsoError> {
        Ok(self.published_sp_keys().await?.into_iter().map(|k| k.certificate_der).collect())
    }
}
