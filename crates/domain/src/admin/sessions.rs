//! Admin sessions: a random cookie value shown to the browser once and
//! stored as its SHA-256; a CSRF token derived from it for every form and
//! cookie-authenticated API write, compared in constant time.

use std::time::Duration;

use lanyard_store::NewAdminSession;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Principal;
use crate::auth::{generate_secret_with, hash_secret};
use crate::tenants::AdminError;
use crate::{Lanyard, micros, now};

pub const SESSION_COOKIE: &str = "lanyard_admin";
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// The header that carries the CSRF token on cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
const SESSION_PREFIX: &str = "lyas_";

/// A new session: the cookie value (give it to the browser, never store
/// it) and who signed in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub cookie: String,
    pub principal: Principal,
}

/// The CSRF token of a session: derived from the cookie value, so nothing
/// more is stored, and useless without the cookie.
pub fn csrf_token(cookie: &str) -> String {
    hex::encode(Sha256::new().chain_update(b"lanyard admin csrf\0").chain_update(cookie.as_bytes()).finalize())
}

pub fn csrf_matches(cookie: &str, sent: &str) -> bool {
    bool::from(csrf_token(cookie).as_bytes().ct_eq(sent.as_bytes()))
}

impl Lanyard {
    /// Signs in with an email and a password. `None`: wrong email or
    /// password (the caller counts it for throttling).
    pub async fn admin_sign_in(&self, email: &str, password: &str) -> Result<Option<SignedIn>, AdminError> {
        let Some(account) = self.check_admin_password(email, password).await? else {
            return Ok(None);
        };
        let Some(principal) = Principal::of_account(&account.email, account.role, account.tenant_slug.as_deref()) else {
            return Ok(None);
        };
        let now = now();
        self.store.touch_admin_login(&account.id, now).await?;
        let cookie = self.open_admin_session(&account.id, now).await?;
        Ok(Some(SignedIn { cookie, principal }))
    }

    pub(crate) async fn open_admin_session(&self, account_id: &str, now: i64) -> Result<String, AdminError> {
        let cookie = generate_secret_with(SESSION_PREFIX);
        let session = NewAdminSession {
            token_hash: hash_secret(&cookie),
            account_id: account_id.to_string(),
            created_at: now,
            expires_at: now.saturating_add(micros(SESSION_LIFETIME)),
        };
        self.store.create_admin_session(&session).await?;
        Ok(cookie)
    }

    /// Who holds this session cookie, while it is valid.
    pub async fn admin_session(&self, cookie: &str) -> Result<Option<Principal>, AdminError> {
        if !cookie.starts_with(SESSION_PREFIX) {
            return Ok(None);
        }
        let found = self.store.admin_session(&hash_secret(cookie), now()).await?;
        Ok(found.and_then(|a| Principal::of_account(&a.email, a.role, a.tenant_slug.as_deref())))
    }

    pub async fn admin_sign_out(&self, cookie: &str) -> Result<(), AdminError> {
        Ok(self.store.delete_admin_session(&hash_secret(cookie)).await?)
    }

    /// `serve`'s upkeep: expired sessions and setup links go.
    pub async fn keep_admin_tidy(&self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.store.prune_admin(now()).await {
                tracing::warn!(error = %e, "cannot prune expired admin sessions");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let a = csrf_token("lyas_a");
        assert_eq!(a.len(), 64);
        assert!(csrf_matches("lyas_a", &a));
        assert!(!csrf_matches("lyas_b", &a));
        assert!(!csrf_matches("lyas_a", ""));
        assert!(!csrf_matches("lyas_a", &a[..63]));
    }
}
