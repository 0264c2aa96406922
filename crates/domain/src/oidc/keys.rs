//! ID token signing keys: RSA 2048, RS256 (the algorithm every OpenID
//! Connect library must accept). The newest key signs; every key is in the
//! JWKS, so tokens signed before a rotation still verify.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lanyard_store::SigningKey;
use openssl::rsa::Rsa;
use serde_json::{Value, json};

use super::OidcError;
use crate::{Lanyard, now};

fn key_error<E: std::fmt::Display>(e: E) -> OidcError {
    OidcError::Key(e.to_string())
}

fn generate() -> Result<SigningKey, OidcError> {
    let rsa = Rsa::generate(2048).map_err(key_error)?;
    Ok(SigningKey {
        id: uuid::Uuid::new_v4().simple().to_string(),
        private_key_der: rsa.private_key_to_der().map_err(key_error)?,
        created_at: now(),
    })
}

/// The public half as a JWK (RFC 7517/7518).
fn public_jwk(key: &SigningKey) -> Result<Value, OidcError> {
    let rsa = Rsa::private_key_from_der(&key.private_key_der).map_err(key_error)?;
    Ok(json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": key.id,
        "n": URL_SAFE_NO_PAD.encode(rsa.n().to_vec()),
        "e": URL_SAFE_NO_PAD.encode(rsa.e().to_vec()),
    }))
}

impl Lanyard {
    /// Makes a signing key when there is none (first start). Two instances
    /// starting together may both make one: both are published, the newer signs.
    pub async fn ensure_signing_key(&self) -> Result<(), OidcError> {
        if self.store.oidc().signing_keys().await?.is_empty() {
            self.rotate_signing_key().await?;
        }
        Ok(())
    }

    /// Adds a new signing key, which signs from now on; returns its `kid`.
    pub async fn rotate_signing_key(&self) -> Result<String, OidcError> {
        let key = tokio::task::spawn_blocking(generate).await.map_err(key_error)??;
        self.store.oidc().insert_signing_key(&key).await?;
        Ok(key.id)
    }

    /// The JSON Web Key Set of every signing key.
    pub async fn oidc_jwks(&self) -> Result<Value, OidcError> {
        let keys = self.store.oidc().signing_keys().await?;
        let keys: Vec<Value> = keys.iter().map(public_jwk).collect::<Result<_, _>>()?;
        Ok(json!({ "keys": keys }))
    }

    /// The claims of a JWT this provider signed with any of its keys, its
    /// expiry not checked (an `id_token_hint` may have expired); `None` when
    /// no key verifies it or the issuer is not this one.
    pub(super) async fn own_jwt_claims(&self, token: &str) -> Result<Option<Value>, OidcError> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        validation.set_issuer(&[&self.config.public_url]);
        for key in self.store.oidc().signing_keys().await? {
            let rsa = Rsa::private_key_from_der(&key.private_key_der).map_err(key_error)?;
            let public = rsa.public_key_to_der_pkcs1().map_err(key_error)?;
            if let Ok(data) = jsonwebtoken::decode::<Value>(token, &DecodingKey::from_rsa_der(&public), &validation) {
                return Ok(Some(data.claims));
            }
        }
        Ok(None)
    }

    /// Signs claims as a JWT with the newest key.
    pub(super) async fn sign_jwt(&self, claims: &Value) -> Result<String, OidcError> {
        let keys = self.store.oidc().signing_keys().await?;
        let key = match keys.into_iter().next() {
            Some(key) => key,
            None => {
                self.ensure_signing_key().await?;
                self.store.oidc().signing_keys().await?.into_iter().next().ok_or_else(|| key_error("no signing key"))?
            }
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.id.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(&key.private_key_der)).map_err(key_error)
    }
}
