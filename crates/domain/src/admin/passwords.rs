//! argon2id password hashes (PHC strings with the crate's default
//! parameters), computed off the async threads: a hash takes tens of
//! milliseconds on purpose.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::tenants::AdminError;

pub(crate) async fn hash(password: String) -> Result<String, AdminError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| AdminError::Invalid(format!("cannot hash the password: {e}")))?
    .map_err(|e| AdminError::Invalid(format!("cannot hash the password: {e}")))
}

/// `true` when `password` matches the stored hash. Without a stored hash
/// (unknown account) a dummy hash is checked anyway, so the answer takes
/// the same time either way.
pub(crate) async fn verify(password: String, stored: Option<String>) -> bool {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
    let matched = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false);
    known && matched
}

/// The argon2id hash of a random password nobody knows (default parameters).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Vx0oW8FQ7CPdlXoXzTdS6kmBHpRDcu9hd4/6QL2nzkY";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify("wrong".into(), Some(h)).await);
        assert!(!verify("anything".into(), None).await);
        assert!(PasswordHash::new(DUMMY_HASH).is_ok(), "the dummy hash parses, so unknown accounts cost a real verification");
    }
}
