//! `/oidc/token`: the application redeems a code (once, with its PKCE
//! verifier) for an ID token and an access token, and with `offline_access`
//! a refresh token (see `refresh.rs`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lanyard_store::{AccessToken, AuthorizationCode, Micros, OidcClient, Redemption, RefreshToken, TenantScope};
use serde::Serialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use url::form_urlencoded;

use super::claims::user_claims;
use super::{Endpoints, OidcError, REFRESH_LIFETIME, TOKEN_LIFETIME, pkce};
use crate::auth::{generate_secret_with, hash_secret};
use crate::{Lanyard, micros, now};

/// The form of a token request and its `Authorization` header.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub form: Vec<(String, String)>,
    pub authorization: Option<String>,
}

impl TokenRequest {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub id_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// An OAuth error answer (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
    /// The client tried HTTP Basic: a 401 must name the scheme.
    pub basic_challenge: bool,
}

impl TokenError {
    pub(super) fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" { 401 } else { 400 };
        Self { status, error, description: description.into(), basic_challenge: false }
    }

    pub fn body(&self) -> Value {
        json!({ "error": self.error, "error_description": self.description })
    }
}

impl From<OidcError> for TokenError {
    fn from(e: OidcError) -> Self {
        tracing::error!(error = %e, "token endpoint");
        Self { status: 500, error: "server_error", description: "the request could not be handled".into(), basic_challenge: false }
    }
}

/// Client credentials from HTTP Basic (RFC 6749 §2.3.1: each part
/// form-urlencoded before base64).
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some((unescape(id)?, unescape(secret)?))
}

impl Lanyard {
    pub async fn oidc_token(&self, request: &TokenRequest) -> Result<TokenResponse, TokenError> {
        let client = self.token_client(request).await?;
        match request.get("grant_type") {
            Some("authorization_code") => self.code_grant(&client, request).await,
            Some("refresh_token") => self.refresh_grant(&client, request).await,
            _ => Err(TokenError::new("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")),
        }
    }

    async fn code_grant(&self, client: &OidcClient, request: &TokenRequest) -> Result<TokenResponse, TokenError> {
        let (Some(code), Some(redirect_uri), Some(verifier)) =
            (request.get("code"), request.get("redirect_uri"), request.get("code_verifier"))
        else {
            return Err(TokenError::new("invalid_request", "code, redirect_uri and code_verifier are required"));
        };
        let code_hash = hash_secret(code);
        let record = match self.store.oidc().redeem_authorization_code(&code_hash, now()).await.map_err(OidcError::from)? {
            Redemption::Redeemed(record) => record,
            Redemption::AlreadyUsed(_) => {
                // RFC 6749 §4.1.2: a code used twice may be stolen; what it bought is revoked.
                let revoked = self.store.oidc().revoke_tokens_of_code(&code_hash).await.map_err(OidcError::from)?;
                tracing::warn!(client = %client.id, revoked, "authorization code used twice");
                return Err(TokenError::new("invalid_grant", "the code was already used"));
            }
            Redemption::Unknown => return Err(TokenError::new("invalid_grant", "the code is unknown or expired")),
        };
        if record.client_id != client.id || record.redirect_uri != redirect_uri {
            return Err(TokenError::new("invalid_grant", "the code was issued to another client or redirect_uri"));
        }
        if !pkce::verifies(verifier, &record.code_challenge) {
            return Err(TokenError::new("invalid_grant", "the code_verifier does not match the code_challenge"));
        }
        self.issue_tokens(client, &Grant::of_code(&record)).await
    }

    /// The authenticated client: by secret (Basic or form), or a public
    /// client naming itself.
    async fn token_client(&self, request: &TokenRequest) -> Result<OidcClient, TokenError> {
        let basic = request.authorization.as_deref().and_then(basic_credentials);
        let form_secret = request.get("client_secret");
        if basic.is_some()
            && (form_secret.is_some() || request.get("client_id").is_some_and(|id| Some(id) != basic.as_ref().map(|b| b.0.as_str())))
        {
            return Err(TokenError::new("invalid_request", "use one client authentication method"));
        }
        let (client_id, secret) = match &basic {
            Some((id, secret)) => (Some(id.as_str()), Some(secret.as_str())),
            None => (request.get("client_id"), form_secret),
        };
        let fail = |why: &str| TokenError { basic_challenge: basic.is_some(), ..TokenError::new("invalid_client", why) };
        let client_id = client_id.ok_or_else(|| fail("client authentication is required"))?;
        let client = self.store.oidc().oidc_client(client_id).await.map_err(OidcError::from)?;
        let client = client.ok_or_else(|| fail("client authentication failed"))?;
        let authenticated = match (&client.secret_hash, secret) {
            (Some(hash), Some(secret)) => bool::from(hash_secret(secret).ct_eq(hash)),
            (None, None) => true,
            _ => false,
        };
        if !authenticated {
            return Err(fail("client authentication failed"));
        }
        Ok(client)
    }

    /// An access token, an ID token, and with `offline_access` the next
    /// refresh token of the grant's family.
    pub(super) async fn issue_tokens(&self, client: &OidcClient, grant: &Grant) -> Result<TokenResponse, TokenError> {
        let person = match self.person(grant.tenant, &grant.user_id).await? {
            Ok(person) => person,
            Err(barred) => {
                self.store.oidc().revoke_tokens_of_code(&grant.family).await.map_err(OidcError::from)?;
                return Err(TokenError::new("invalid_grant", barred.message()));
            }
        };
        let now = now();
        let access_token = generate_secret_with("lyat_");
        let record = AccessToken {
            token_hash: hash_secret(&access_token),
            code_hash: grant.family.clone(),
            client_id: client.id.clone(),
            tenant_id: grant.tenant.tenant_id(),
            user_id: grant.user_id.clone(),
            session_id: grant.session_id.clone(),
            scope: grant.scope.clone(),
            expires_at: now + micros(TOKEN_LIFETIME),
        };
        self.store.oidc().insert_access_token(&record).await.map_err(OidcError::from)?;
        let scopes: Vec<&str> = grant.scope.split(' ').collect();
        let refresh_token = match scopes.contains(&"offline_access") {
            true => Some(self.next_refresh_token(client, grant, now).await?),
            false => None,
        };
        let mut claims = user_claims(&person, &scopes, &self.idp_groups(&grant.session_id).await?);
        let seconds = now / 1_000_000;
        claims.insert("iss".into(), json!(Endpoints::new(&self.config).issuer));
        claims.insert("aud".into(), json!(client.id));
        claims.insert("iat".into(), json!(seconds));
        claims.insert("exp".into(), json!(seconds + TOKEN_LIFETIME.as_secs() as i64));
        claims.insert("auth_time".into(), json!(grant.auth_time / 1_000_000));
        claims.insert("sid".into(), json!(grant.session_id));
        if let Some(nonce) = &grant.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        let id_token = self.sign_jwt(&Value::Object(claims)).await?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: TOKEN_LIFETIME.as_secs(),
            id_token,
            refresh_token,
            scope: grant.scope.clone(),
        })
    }

    async fn next_refresh_token(&self, client: &OidcClient, grant: &Grant, now: Micros) -> Result<String, TokenError> {
        let token = generate_secret_with("lyrt_");
        let record = RefreshToken {
            token_hash: hash_secret(&token),
            family: grant.family.clone(),
            client_id: client.id.clone(),
            tenant_id: grant.tenant.tenant_id(),
            user_id: grant.user_id.clone(),
            session_id: grant.session_id.clone(),
            scope: grant.scope.clone(),
            auth_time: grant.auth_time,
            expires_at: grant.family_ends.unwrap_or(now + micros(REFRESH_LIFETIME)),
        };
        self.store.oidc().insert_refresh_token(&record).await.map_err(OidcError::from)?;
        Ok(token)
    }
}

/// What tokens are issued for: a redeemed code, or a used refresh token.
pub(super) struct Grant {
    pub tenant: TenantScope,
    /// The code the refresh family began with.
    pub family: Vec<u8>,
    pub user_id: String,
    pub session_id: String,
    pub scope: String,
    pub auth_time: Micros,
    pub nonce: Option<String>,
    /// When the family's refresh tokens stop working; `None` for a new family.
    pub family_ends: Option<Micros>,
}

impl Grant {
    fn of_code(code: &AuthorizationCode) -> Grant {
        Grant {
            tenant: TenantScope::of_code(code),
            family: code.code_hash.clone(),
            user_id: code.user_id.clone(),
            session_id: code.session_id.clone(),
            scope: code.scope.clone(),
            auth_time: code.auth_time,
            nonce: code.nonce.clone(),
            family_ends: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20app:s%3Acret"));
        assert_eq!(basic_credentials(&header), Some(("my app".into(), "s:cret".into())));
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
    }
}
