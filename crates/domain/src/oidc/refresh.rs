//! `grant_type=refresh_token` (RFC 6749 §6): a refresh token is used once
//! and answered with new tokens and the next refresh token of its family
//! (rotation, as the OAuth security BCP asks of public clients). A used
//! token presented again means one was stolen: the whole family and its
//! access tokens are revoked. The user is checked again at every refresh,
//! so suspension or a lost seat ends the application's access there too.

use lanyard_store::{OidcClient, RefreshUse, TenantScope};

use super::OidcError;
use super::token::{Grant, TokenError, TokenRequest, TokenResponse};
use crate::auth::hash_secret;
use crate::{Lanyard, now};

impl Lanyard {
    pub(super) async fn refresh_grant(&self, client: &OidcClient, request: &TokenRequest) -> Result<TokenResponse, TokenError> {
        let Some(presented) = request.get("refresh_token") else {
            return Err(TokenError::new("invalid_request", "refresh_token is required"));
        };
        let hash = hash_secret(presented);
        // Checked before it is used, so a request refused for its scope or
        // client does not spend the token.
        let Some((token, used)) = self.store.oidc().refresh_token(&hash).await.map_err(OidcError::from)? else {
            return Err(unknown());
        };
        if used {
            return Err(self.revoke_family(client, &token.family).await);
        }
        if token.client_id != client.id {
            return Err(TokenError::new("invalid_grant", "the refresh token was issued to another client"));
        }
        // A narrower scope may be asked for, never a wider one.
        let granted: Vec<&str> = token.scope.split(' ').collect();
        let scope = match request.get("scope") {
            None => token.scope.clone(),
            Some(asked) if asked.split(' ').all(|s| granted.contains(&s)) && asked.split(' ').any(|s| s == "openid") => asked.to_string(),
            Some(_) => return Err(TokenError::new("invalid_scope", "the scope must be openid and a part of the granted scope")),
        };
        let token = match self.store.oidc().use_refresh_token(&hash, now()).await.map_err(OidcError::from)? {
            RefreshUse::Fresh(token) => token,
            RefreshUse::Reused(token) => return Err(self.revoke_family(client, &token.family).await),
            RefreshUse::Unknown => return Err(unknown()),
        };
        let grant = Grant {
            tenant: TenantScope::of_refresh_token(&token),
            family: token.family.clone(),
            user_id: token.user_id.clone(),
            session_id: token.session_id.clone(),
            scope,
            auth_time: token.auth_time,
            nonce: None,
            family_ends: Some(token.expires_at),
        };
        self.issue_tokens(client, &grant).await
    }

    /// A used refresh token came back: one of them was stolen.
    async fn revoke_family(&self, client: &OidcClient, family: &[u8]) -> TokenError {
        match self.store.oidc().revoke_tokens_of_code(family).await {
            Ok(revoked) => tracing::warn!(client = %client.id, revoked, "refresh token used twice: its family is revoked"),
            Err(e) => return OidcError::from(e).into(),
        }
        TokenError::new("invalid_grant", "the refresh token was already used")
    }
}

fn unknown() -> TokenError {
    TokenError::new("invalid_grant", "the refresh token is unknown, revoked or expired")
}
