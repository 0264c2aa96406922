//! The SAML service provider's signing keys (signed AuthnRequests). The
//! SQL is the same on every backend, written once in [`impl_sp_key_store!`].

use async_trait::async_trait;

use crate::{Micros, StoreResult};

/// An RSA key with its self-signed certificate; the newest signs, all are
/// published in the SP metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct SpKeyRecord {
    pub id: String,
    /// PKCS#8 DER.
    pub private_key_der: Vec<u8>,
    /// X.509 DER.
    pub certificate_der: Vec<u8>,
    pub created_at: Micros,
}

impl std::fmt::Debug for SpKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpKeyRecord").field("id", &self.id).field("created_at", &self.created_at).finish_non_exhaustive()
    }
}

#[async_trait]
pub trait SpKeyStore: Send + Sync {
    /// Every key, newest first.
    async fn sp_keys(&self) -> StoreResult<Vec<SpKeyRecord>>;
    async fn insert_sp_key(&self, key: &SpKeyRecord) -> StoreResult<()>;
    /// Deletes every key but the newest `keep`; returns how many went.
    async fn retire_sp_keys(&self, keep: u32) -> StoreResult<u64>;
}

/// Implements [`SpKeyStore`] for a backend's store type (arguments as for
/// [`impl_oidc_store!`](crate::impl_oidc_store)).
#[macro_export]
macro_rules! impl_sp_key_store {
    ($store:ty, read: $read:ident, write: $write:ident, db_error: $db:path) => {
        #[::async_trait::async_trait]
        impl $crate::SpKeyStore for $store {
            async fn sp_keys(&self) -> $crate::StoreResult<Vec<$crate::SpKeyRecord>> {
                let rows =
                    ::sqlx::query("SELECT id, private_key_der, certificate_der, created_at FROM saml_sp_keys ORDER BY created_at DESC, id")
                        .fetch_all(&mut *self.$read().await?)
                        .await
                        .map_err($db)?;
                rows.iter()
                    .map(|row| {
                        use ::sqlx::Row as _;
                        Ok($crate::SpKeyRecord {
                            id: row.try_get(0).map_err($db)?,
                            private_key_der: row.try_get(1).map_err($db)?,
                            certificate_der: row.try_get(2).map_err($db)?,
                            created_at: row.try_get(3).map_err($db)?,
                        })
                    })
                    .collect()
            }

            async fn insert_sp_key(&self, key: &$crate::SpKeyRecord) -> $crate::StoreResult<()> {
                ::sqlx::query("INSERT INTO saml_sp_keys (id, private_key_der, certificate_der, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&key.id)
                    .bind(&key.private_key_der)
                    .bind(&key.certificate_der)
                    .bind(key.created_at)
                    .execute(&mut *self.$write().await?)
                    .await
                    .map_err($db)?;
                Ok(())
            }

            async fn retire_sp_keys(&self, keep: u32) -> $crate::StoreResult<u64> {
                let done = ::sqlx::query(
                    "DELETE FROM saml_sp_keys WHERE id NOT IN \
                     (SELECT id FROM saml_sp_keys ORDER BY created_at DESC, id LIMIT $1)",
                )
                .bind(i64::from(keep))
                .execute(&mut *self.$write().await?)
                .await
                .map_err($db)?;
                Ok(done.rows_affected())
            }
        }
    };
}
