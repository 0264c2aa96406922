//! Signing out: OpenID Connect RP-Initiated Logout 1.0 at `/oidc/logout`
//! (the discovery document's `end_session_endpoint`). The Lanyard session
//! ends and the access tokens issued from it are revoked; the identity
//! provider's own session is the IdP's (no SAML single logout).

use serde_json::Value;

use super::OidcError;
use crate::auth::hash_secret;
use crate::{Lanyard, now};

/// Where the browser goes after signing out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutOutcome {
    /// Back to the application (a URI it registered), with its `state`.
    Redirect(String),
    /// Lanyard's signed-out page.
    SignedOut,
    /// The request names an unknown client, a URI it did not register or a
    /// token Lanyard did not sign: a page says so, and nothing is ended.
    ErrorPage(String),
}

impl Lanyard {
    /// Ends the SSO session behind the cookie, if there is one.
    pub async fn sso_sign_out(&self, session_token: Option<&str>) -> Result<(), OidcError> {
        let Some(token) = session_token else { return Ok(()) };
        if let Some(session) = self.store.sso_session_by_hash(&hash_secret(token), now()).await? {
            self.store.oidc().end_session(&session.id).await?;
        }
        Ok(())
    }

    /// An RP-initiated logout request (`id_token_hint`, `client_id`,
    /// `post_logout_redirect_uri`, `state`). A redirect URI must be one the
    /// client registered (its redirect URIs), named by `client_id` or by
    /// the hint's audience.
    pub async fn oidc_logout(&self, params: &[(String, String)], session_token: Option<&str>) -> Result<LogoutOutcome, OidcError> {
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let hinted_client = match get("id_token_hint") {
            None => None,
            Some(hint) => match self.own_jwt_claims(hint).await? {
                Some(claims) => claims.get("aud").and_then(Value::as_str).map(str::to_string),
                None => return Ok(LogoutOutcome::ErrorPage("The id_token_hint is not a token this provider issued.".into())),
            },
        };
        let client_id = match (get("client_id"), hinted_client.as_deref()) {
            (Some(named), Some(hinted)) if named != hinted => {
                return Ok(LogoutOutcome::ErrorPage("client_id is not the audience of the id_token_hint.".into()));
            }
            (named, hinted) => named.or(hinted),
        };
        let back = match get("post_logout_redirect_uri") {
            None => None,
            Some(uri) => {
                let Some(client_id) = client_id else {
                    return Ok(LogoutOutcome::ErrorPage("post_logout_redirect_uri needs client_id or id_token_hint.".into()));
                };
                let registered = self.store.oidc().oidc_client(client_id).await?.is_some_and(|c| c.redirect_uris.iter().any(|r| r == uri));
                if !registered {
                    return Ok(LogoutOutcome::ErrorPage("post_logout_redirect_uri is not registered for this application.".into()));
                }
                let mut url = url::Url::parse(uri).map_err(|e| OidcError::Invalid(e.to_string()))?;
                if let Some(state) = get("state") {
                    url.query_pairs_mut().append_pair("state", state);
                }
                Some(url.to_string())
            }
        };
        self.sso_sign_out(session_token).await?;
        Ok(back.map_or(LogoutOutcome::SignedOut, LogoutOutcome::Redirect))
    }
}
