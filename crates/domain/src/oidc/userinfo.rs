//! `/oidc/userinfo`: the signed-in user's claims for an access token.

use lanyard_store::TenantScope;
use serde_json::{Map, Value};

use super::OidcError;
use super::claims::user_claims;
use crate::auth::hash_secret;
use crate::{Lanyard, now};

#[derive(Debug, thiserror::Error)]
pub enum UserinfoError {
    /// Unknown, expired or revoked token, or a user no longer allowed in
    /// (RFC 6750 `invalid_token`).
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error(transparent)]
    Server(#[from] OidcError),
}

impl Lanyard {
    pub async fn oidc_userinfo(&self, access_token: &str) -> Result<Map<String, Value>, UserinfoError> {
        let token = self.store.oidc().access_token(&hash_secret(access_token), now()).await.map_err(OidcError::from)?;
        let token = token.ok_or(UserinfoError::InvalidToken("the access token is unknown, expired or revoked"))?;
        let person = self.person(TenantScope::of_access_token(&token), &token.user_id).await?;
        let person = person.map_err(|barred| UserinfoError::InvalidToken(barred.message()))?;
        let scopes: Vec<&str> = token.scope.split(' ').collect();
        Ok(user_claims(&person, &scopes, &self.idp_groups(&token.session_id).await?))
    }
}
