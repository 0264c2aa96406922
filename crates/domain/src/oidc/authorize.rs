//! `/oidc/authorize`: checks the application's request, signs the person
//! in over SAML when there is no session (coming back here afterwards),
//! and answers an authorization code.

use lanyard_store::{AuthorizationCode, OidcClient, SsoSession, TenantScope};
use url::{Url, form_urlencoded};

use super::{CODE_LIFETIME, Endpoints, OidcError, SCOPES, pkce};
use crate::auth::{generate_secret_with, hash_secret};
use crate::{Lanyard, micros, now};

/// The query of an authorization request, as sent.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeRequest {
    pairs: Vec<(String, String)>,
}

impl AuthorizeRequest {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// RFC 6749 §3.1: no parameter may be sent twice.
    fn repeated(&self) -> Option<&str> {
        self.pairs.iter().enumerate().find(|(i, (k, _))| self.pairs[..*i].iter().any(|(seen, _)| seen == k)).map(|(_, (k, _))| k.as_str())
    }

    /// This request as a local path, to come back to after sign-in. With
    /// `prompt=login` the way back asks for a sign-in newer than the
    /// request instead, or it would send the person round again.
    fn resume_path(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if k == "prompt" && v.split(' ').any(|p| p == "login") {
                continue;
            }
            if k == "max_age" && self.prompts("login") {
                continue;
            }
            query.append_pair(k, v);
        }
        if self.prompts("login") {
            query.append_pair("max_age", &super::CODE_LIFETIME.as_secs().to_string());
        }
        format!("/oidc/authorize?{}", query.finish())
    }

    fn prompts(&self, value: &str) -> bool {
        self.get("prompt").is_some_and(|p| p.split(' ').any(|v| v == value))
    }
}

/// What to answer the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// The client or redirect URI is not to be trusted: show the error,
    /// never redirect (RFC 6749 §4.1.2.1).
    ErrorPage(String),
    /// Redirect to the application (a code, or an error it must handle).
    Redirect(String),
    /// Redirect to sign in; the sign-in comes back to this request.
    SignIn(String),
}

/// An error to hand back to the application's redirect URI.
struct Refused {
    error: &'static str,
    description: String,
}

fn refused(error: &'static str, description: impl Into<String>) -> Refused {
    Refused { error, description: description.into() }
}

/// `redirect_uri` with the answer's parameters and `iss` (RFC 9207, so an
/// application talking to several providers knows which one answered).
fn answer(redirect_uri: &str, issuer: &str, state: Option<&str>, params: &[(&str, &str)]) -> Result<String, OidcError> {
    let mut url = Url::parse(redirect_uri).map_err(|e| OidcError::Invalid(e.to_string()))?;
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    Ok(url.to_string())
}

impl Lanyard {
    /// Handles an authorization request. `session_token` is the SSO
    /// session cookie, if the browser sent one.
    pub async fn oidc_authorize(&self, request: &AuthorizeRequest, session_token: Option<&str>) -> Result<AuthorizeOutcome, OidcError> {
        let Some(client_id) = request.get("client_id") else {
            return Ok(AuthorizeOutcome::ErrorPage("The request names no client_id.".into()));
        };
        let Some(client) = self.store.oidc().oidc_client(client_id).await? else {
            return Ok(AuthorizeOutcome::ErrorPage("The application (client_id) is not registered with Lanyard.".into()));
        };
        let Some(redirect_uri) = request.get("redirect_uri").filter(|uri| client.redirect_uris.iter().any(|r| r == uri)) else {
            return Ok(AuthorizeOutcome::ErrorPage("The redirect_uri is missing or not registered for this application.".into()));
        };
        let issuer = Endpoints::new(&self.config).issuer;
        let state = request.get("state");
        let outcome = match self.authorize_checked(request, &client, redirect_uri, session_token).await? {
            Ok(Some(code)) => AuthorizeOutcome::Redirect(answer(redirect_uri, &issuer, state, &[("code", &code)])?),
            Ok(None) => AuthorizeOutcome::SignIn(self.sign_in_url(request).await),
            Err(r) => AuthorizeOutcome::Redirect(answer(
                redirect_uri,
                &issuer,
                state,
                &[("error", r.error), ("error_description", &r.description)],
            )?),
        };
        Ok(outcome)
    }

    /// A code, or `None` when the person must sign in first.
    async fn authorize_checked(
        &self,
        request: &AuthorizeRequest,
        client: &OidcClient,
        redirect_uri: &str,
        session_token: Option<&str>,
    ) -> Result<Result<Option<String>, Refused>, OidcError> {
        if let Some(name) = request.repeated() {
            return Ok(Err(refused("invalid_request", format!("the parameter {name} is sent more than once"))));
        }
        if request.get("request").is_some() {
            return Ok(Err(refused("request_not_supported", "request objects are not supported")));
        }
        if request.get("request_uri").is_some() {
            return Ok(Err(refused("request_uri_not_supported", "request_uri is not supported")));
        }
        if request.get("response_type") != Some("code") {
            return Ok(Err(refused("unsupported_response_type", "only response_type=code is supported")));
        }
        if request.get("response_mode").is_some_and(|m| m != "query") {
            return Ok(Err(refused("invalid_request", "only response_mode=query is supported")));
        }
        let scopes: Vec<&str> = request.get("scope").unwrap_or_default().split(' ').filter(|s| SCOPES.contains(s)).collect();
        if !scopes.contains(&"openid") {
            return Ok(Err(refused("invalid_scope", "the scope must include openid")));
        }
        let Some(challenge) = request.get("code_challenge") else {
            return Ok(Err(refused("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256")));
        };
        if request.get("code_challenge_method") != Some("S256") || !pkce::valid_challenge(challenge) {
            return Ok(Err(refused("invalid_request", "code_challenge_method must be S256 with a 43-character challenge")));
        }
        let max_age = match request.get("max_age").map(str::parse::<u64>) {
            None => None,
            Some(Ok(seconds)) => Some(seconds),
            Some(Err(_)) => return Ok(Err(refused("invalid_request", "max_age must be a number of seconds"))),
        };
        let session = match session_token {
            Some(token) if !request.prompts("login") => self.live_session(token, max_age).await?,
            _ => None,
        };
        let Some(session) = session else {
            if request.prompts("none") {
                return Ok(Err(refused("login_required", "the user is not signed in")));
            }
            return Ok(Ok(None));
        };
        if let Err(barred) = self.person(TenantScope::of_session(&session), &session.user_id).await? {
            return Ok(Err(refused("access_denied", barred.message())));
        }
        let code = generate_secret_with("lyac_");
        let now = now();
        let record = AuthorizationCode {
            code_hash: hash_secret(&code),
            client_id: client.id.clone(),
            tenant_id: session.tenant_id,
            user_id: session.user_id.clone(),
            session_id: session.id.clone(),
            redirect_uri: redirect_uri.to_string(),
            scope: scopes.join(" "),
            nonce: request.get("nonce").map(str::to_string),
            code_challenge: challenge.to_string(),
            auth_time: session.created_at,
            expires_at: now + micros(CODE_LIFETIME),
        };
        self.store.oidc().insert_authorization_code(&record).await?;
        Ok(Ok(Some(code)))
    }

    /// The session behind the cookie, if it lasts and, with `max_age`, is recent enough.
    async fn live_session(&self, token: &str, max_age: Option<u64>) -> Result<Option<SsoSession>, OidcError> {
        let now = now();
        let session = self.store.sso_session_by_hash(&hash_secret(token), now).await?;
        let max_age = max_age.map(|s| i64::try_from(s.saturating_mul(1_000_000)).unwrap_or(i64::MAX));
        Ok(session.filter(|s| max_age.is_none_or(|age| now - s.created_at <= age)))
    }

    /// Where to sign in: straight to the IdP when `login_hint` is an email
    /// with a connection, else the email page.
    async fn sign_in_url(&self, request: &AuthorizeRequest) -> String {
        let resume = request.resume_path();
        if let Some(hint) = request.get("login_hint")
            && let Ok(url) = self.sso_start_for_email(hint, Some(&resume)).await
        {
            return url;
        }
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("return_to", &resume).finish();
        format!("/sso/login?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> AuthorizeRequest {
        AuthorizeRequest::new(form_urlencoded::parse(query.as_bytes()).into_owned().collect())
    }

    #[test]
    fn repeated_parameters_are_found() {
        assert_eq!(request("a=1&b=2&a=3").repeated(), Some("a"));
        assert_eq!(request("a=1&b=2").repeated(), None);
    }

    #[test]
    fn resume_path_keeps_the_request_but_not_prompt_login() {
        assert_eq!(request("client_id=c&state=s%20t").resume_path(), "/oidc/authorize?client_id=c&state=s+t");
        assert_eq!(request("client_id=c&prompt=login&max_age=9000").resume_path(), "/oidc/authorize?client_id=c&max_age=60");
    }

    #[test]
    fn answers_keep_the_redirect_uris_own_query() {
        let url = answer("https://app.example/cb?tenant=x", "https://id.example", Some("s"), &[("code", "c")]);
        assert_eq!(url.ok().as_deref(), Some("https://app.example/cb?tenant=x&code=c&state=s&iss=https%3A%2F%2Fid.example"));
    }
}
