//! Client applications: registered by the operator, with exact redirect URIs.

use lanyard_store::{OidcClient, StoreError};
use url::Url;

use super::{Endpoints, OidcError};
use crate::auth::{generate_secret_with, hash_secret};
use crate::{Lanyard, now};

/// A client as shown to the operator (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClientView {
    pub client_id: String,
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub created_at: i64,
}

/// A client just created: its secret is shown this once.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub client: OidcClientView,
    pub client_secret: Option<String>,
    pub endpoints: Endpoints,
}

fn view(c: &OidcClient) -> OidcClientView {
    OidcClientView {
        client_id: c.id.clone(),
        name: c.name.clone(),
        public: c.secret_hash.is_none(),
        redirect_uris: c.redirect_uris.clone(),
        created_at: c.created_at,
    }
}

/// A redirect URI must be absolute, without a fragment (RFC 6749 §3.1.2),
/// and https unless it points at this machine (a developer's app).
fn check_redirect_uri(uri: &str) -> Result<(), OidcError> {
    let invalid = |why: &str| Err(OidcError::Invalid(format!("redirect URI {uri:?} {why}")));
    let Ok(url) = Url::parse(uri) else { return invalid("is not an absolute URL") };
    if url.fragment().is_some() {
        return invalid("must not have a fragment");
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => invalid("must use https (http only for localhost)"),
    }
}

impl Lanyard {
    /// Registers a client. A confidential client gets a secret (shown once,
    /// stored hashed); a public one (a single-page or native app) relies on
    /// PKCE alone.
    pub async fn create_oidc_client(&self, name: &str, redirect_uris: &[String], public: bool) -> Result<NewClient, OidcError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(OidcError::Invalid("a client needs a name of 1 to 200 characters".into()));
        }
        if redirect_uris.is_empty() {
            return Err(OidcError::Invalid("a client needs at least one redirect URI".into()));
        }
        for uri in redirect_uris {
            check_redirect_uri(uri)?;
        }
        let secret = (!public).then(|| generate_secret_with("lyc_"));
        let client = OidcClient {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
            secret_hash: secret.as_deref().map(hash_secret),
            redirect_uris: redirect_uris.to_vec(),
            created_at: now(),
        };
        self.store.oidc().create_oidc_client(&client).await.map_err(|e| match e {
            StoreError::Conflict { .. } => OidcError::NameTaken(name.to_string()),
            e => e.into(),
        })?;
        Ok(NewClient { client: view(&client), client_secret: secret, endpoints: Endpoints::new(&self.config) })
    }

    /// Whether a browser page at `origin` (`scheme://host[:port]`) may call
    /// the token and userinfo endpoints: the origin of a redirect URI some
    /// application registered (a single-page application's own origin).
    pub async fn oidc_origin_allowed(&self, origin: &str) -> Result<bool, OidcError> {
        let clients = self.store.oidc().oidc_clients().await?;
        Ok(clients.iter().flat_map(|c| &c.redirect_uris).any(|uri| uri_origin(uri).as_deref() == Some(origin)))
    }

    pub async fn list_oidc_clients(&self) -> Result<Vec<OidcClientView>, OidcError> {
        Ok(self.store.oidc().oidc_clients().await?.iter().map(view).collect())
    }

    /// Deletes a client, its codes and its access tokens.
    pub async fn delete_oidc_client(&self, client_id: &str) -> Result<bool, OidcError> {
        Ok(self.store.oidc().delete_oidc_client(client_id).await?)
    }
}

/// The ASCII serialization of a URI's origin (`https://app.example`,
/// `http://localhost:5173`), as browsers send it in `Origin`.
fn uri_origin(uri: &str) -> Option<String> {
    let origin = url::Url::parse(uri).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris() {
        for ok in ["https://app.example.com/callback", "http://localhost:3000/cb", "http://127.0.0.1:8080/cb?x=1"] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in ["/callback", "http://app.example.com/cb", "https://app.example.com/cb#x", "javascript:alert(1)", ""] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(uri_origin("https://app.example/callback?x=1").as_deref(), Some("https://app.example"));
        assert_eq!(uri_origin("http://localhost:5173/cb").as_deref(), Some("http://localhost:5173"));
        assert_eq!(uri_origin("https://app.example:443/cb").as_deref(), Some("https://app.example"));
        assert_eq!(uri_origin("com.example.app:/callback"), None);
    }
}
