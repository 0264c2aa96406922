//! SCIM bearer tokens: 256-bit random secrets with a recognisable prefix,
//! stored and looked up only by their SHA-256, compared in constant time.
//!
//! Validated tokens are cached in-process for [`CACHE_TTL`], so a token
//! revoked through another instance stops working within that time; a
//! revocation through this instance evicts at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lanyard_scim::ScimError;
use lanyard_store::{Tenant, TenantScope, TokenRecord};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{Lanyard, now, scim_error};

pub const TOKEN_PREFIX: &str = "lyd_";
pub const CACHE_TTL: Duration = Duration::from_secs(2);
/// `last_used_at` is written at most this often per token, not per request.
const TOUCH_INTERVAL_MICROS: i64 = 60_000_000;

/// Who is calling: one tenant, through one token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: Tenant,
    pub scope: TenantScope,
    pub token_id: String,
    /// `{public_url}/scim/v2/{slug}`
    pub base_url: String,
    /// Who the audit log names: `token:{id}`, or `sso:{connection id}` for
    /// users created just in time at sign-in.
    pub actor: String,
}

impl Caller {
    /// Lanyard itself acting in a tenant (no token), named `actor` in the audit log.
    pub fn internal(config: &crate::Config, tenant: Tenant, actor: String) -> Self {
        Caller { scope: TenantScope::of(&tenant), base_url: config.scim_base_url(&tenant.slug), token_id: String::new(), actor, tenant }
    }

    pub fn actor(&self) -> String {
        self.actor.clone()
    }
}

pub fn generate_secret() -> String {
    generate_secret_with(TOKEN_PREFIX)
}

/// 32 random bytes in hex after `prefix` (which says what the secret is for).
pub fn generate_secret_with(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

struct Cached {
    hash: Vec<u8>,
    times: TokenTimes,
    caller: Arc<Caller>,
    fetched: Instant,
}

/// What authentication checks of a token on every request.
#[derive(Clone, Copy)]
struct TokenTimes {
    last_used_at: Option<i64>,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TokenTimes {
    fn of(token: &TokenRecord) -> Self {
        TokenTimes { last_used_at: token.last_used_at, expires_at: token.expires_at, revoked_at: token.revoked_at }
    }
}

/// Validated tokens with the caller each stands for, built once per fetch.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<Vec<u8>, Cached>>,
}

impl TokenCache {
    fn get(&self, hash: &[u8]) -> Option<(TokenTimes, Arc<Caller>)> {
        let entries = self.entries.lock().ok()?;
        let c = entries.get(hash)?;
        (c.fetched.elapsed() < CACHE_TTL && bool::from(c.hash.ct_eq(hash))).then(|| (c.times, Arc::clone(&c.caller)))
    }
    fn put(&self, hash: Vec<u8>, times: TokenTimes, caller: Arc<Caller>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.retain(|_, c| c.fetched.elapsed() < CACHE_TTL);
            }
            entries.insert(hash.clone(), Cached { hash, times, caller, fetched: Instant::now() });
        }
    }
    pub fn evict_token(&self, token_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, c| c.caller.token_id != token_id);
        }
    }
    pub fn evict_tenant(&self, tenant_id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, c| c.caller.tenant.id != tenant_id);
        }
    }
}

/// The bearer credential from an `Authorization` header value. Tolerates a
/// doubled `Bearer ` (admins paste the prefix into JumpCloud's token field)
/// and a Lanyard token with no scheme at all (header-auth fields where the
/// admin types the whole header value).
pub fn bearer_secret(header: &str) -> Option<&str> {
    let mut rest = header.trim();
    let mut stripped = false;
    while rest.len() >= 7 && rest[..7].eq_ignore_ascii_case("bearer ") {
        rest = rest[7..].trim_start();
        stripped = true;
    }
    let bare_token = !stripped && rest.starts_with(TOKEN_PREFIX) && !rest.contains(' ');
    ((stripped || bare_token) && !rest.is_empty()).then_some(rest)
}

impl Lanyard {
    /// The caller for `slug` holding `secret`, or 401 — the same 401 for an
    /// unknown tenant, another tenant's token, a revoked or expired token.
    pub async fn authenticate(&self, slug: &str, secret: Option<&str>) -> Result<Arc<Caller>, ScimError> {
        let secret = secret.ok_or_else(ScimError::unauthorized)?;
        let hash = hash_secret(secret);
        let (times, caller) = match self.tokens.get(&hash) {
            Some(hit) => hit,
            None => {
                let found = self.store.token_by_hash(&hash).await.map_err(scim_error)?;
                let (token, tenant) = found.ok_or_else(ScimError::unauthorized)?;
                let caller = Caller { token_id: token.id.clone(), ..Caller::internal(&self.config, tenant, format!("token:{}", token.id)) };
                let caller = Arc::new(caller);
                let times = TokenTimes::of(&token);
                self.tokens.put(hash, times, Arc::clone(&caller));
                (times, caller)
            }
        };
        let now = now();
        let expired = times.expires_at.is_some_and(|at| at <= now);
        if caller.tenant.slug != slug || times.revoked_at.is_some() || expired {
            return Err(ScimError::unauthorized());
        }
        if times.last_used_at.is_none_or(|at| now - at > TOUCH_INTERVAL_MICROS) {
            self.touch_token(&caller.token_id, now).await;
        }
        Ok(caller)
    }

    async fn touch_token(&self, token_id: &str, now: i64) {
        if let Err(e) = self.store.touch_token(token_id, now).await {
            tracing::warn!(error = %e, "could not record token use");
        }
        // The cached record still says "not used lately"; let it refresh.
        self.tokens.evict_token(token_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_prefix_is_case_insensitive_and_may_be_doubled() {
        assert_eq!(bearer_secret("Bearer abc"), Some("abc"));
        assert_eq!(bearer_secret("bearer  abc"), Some("abc"));
        assert_eq!(bearer_secret("Bearer Bearer abc"), Some("abc"));
        assert_eq!(bearer_secret("Basic abc"), None);
        assert_eq!(bearer_secret("Bearer "), None);
        assert_eq!(bearer_secret("abc"), None);
        assert_eq!(bearer_secret("lyd_abc"), Some("lyd_abc"), "a Lanyard token without a scheme");
        assert_eq!(bearer_secret("lyd_abc def"), None);
    }

    #[test]
    fn secrets_are_prefixed_256_bit_and_distinct() {
        let a = generate_secret();
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a, generate_secret());
        assert_eq!(hash_secret(&a).len(), 32);
    }
}
