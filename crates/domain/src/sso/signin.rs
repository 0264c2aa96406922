//! Sign-in: start (AuthnRequest to the IdP) and finish (the ACS), sessions.

use chrono::Utc;
use lanyard_saml::SamlError;
use lanyard_saml::authn_request::{AuthnRequest, new_request_id};
use lanyard_saml::idp_metadata::certificate_der;
use lanyard_saml::response::{self, Expected};
use lanyard_scim::list::ListParams;
use lanyard_scim::projection::Projection;
use lanyard_scim::schema::{SEAT_SCHEMA, USER_SCHEMA, USER_TYPE};
use lanyard_store::{SsoConnection, SsoRequest, SsoSession, TenantScope};
use serde_json::{Value, json};

use super::{CLOCK_SKEW, REQUEST_LIFETIME, SESSION_LIFETIME, SpUrls, SsoError};
use crate::auth::{generate_secret_with, hash_secret};
use crate::{Caller, Lanyard, audit, events, micros, now};

/// A finished sign-in: the session cookie's value (shown once) and who.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session_token: String,
    pub email: String,
    pub tenant: String,
    pub seat: String,
    pub user_id: String,
    /// Where the sign-in started from (a local path), to go back to.
    pub return_to: Option<String>,
}

/// The user behind a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub email: String,
    pub tenant: String,
    pub seat: String,
}

/// Why a sign-in was refused; nothing is signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoSuchConnection,
    NoConnectionForDomain,
    NotAnEmail,
    Invalid(SamlError),
    UnknownRequest,
    IdpInitiatedNotAllowed,
    Replayed,
    UnknownUser,
    Suspended,
    WaitingForSeat,
    Unavailable,
}

impl Refusal {
    /// The HTTP status of the error page.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::NoSuchConnection | Refusal::NoConnectionForDomain => 404,
            Refusal::NotAnEmail => 400,
            Refusal::Invalid(_) | Refusal::UnknownRequest | Refusal::IdpInitiatedNotAllowed | Refusal::Replayed => 400,
            Refusal::UnknownUser | Refusal::Suspended | Refusal::WaitingForSeat => 403,
            Refusal::Unavailable => 503,
        }
    }

    /// A short stable code (audit log, tests).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NoSuchConnection => "no_such_connection",
            Refusal::NoConnectionForDomain => "no_connection_for_domain",
            Refusal::NotAnEmail => "not_an_email",
            Refusal::Invalid(_) => "invalid_response",
            Refusal::UnknownRequest => "unknown_request",
            Refusal::IdpInitiatedNotAllowed => "idp_initiated_not_allowed",
            Refusal::Replayed => "replayed",
            Refusal::UnknownUser => "unknown_user",
            Refusal::Suspended => "suspended",
            Refusal::WaitingForSeat => "waiting_for_seat",
            Refusal::Unavailable => "unavailable",
        }
    }

    /// What the person signing in reads.
    pub fn message(&self) -> String {
        match self {
            Refusal::NoSuchConnection => "This single sign-on connection does not exist.".into(),
            Refusal::NoConnectionForDomain => "No single sign-on is set up for this email domain.".into(),
            Refusal::NotAnEmail => "Please enter an email address.".into(),
            Refusal::Invalid(e) => format!("The sign-in response from your identity provider was refused: {e}."),
            Refusal::UnknownRequest => {
                "This sign-in was not started here, or it has expired or was already used. Please start again.".into()
            }
            Refusal::IdpInitiatedNotAllowed => {
                "Sign-in started at the identity provider is not allowed for this connection. Please start the sign-in here.".into()
            }
            Refusal::Replayed => "This sign-in response was already used.".into(),
            Refusal::UnknownUser => "Your account does not exist here. Ask your administrator to give you access.".into(),
            Refusal::Suspended => "Your account is suspended. Ask your administrator.".into(),
            Refusal::WaitingForSeat => {
                "Your account is waiting for a free seat in your organization's subscription. Ask your administrator.".into()
            }
            Refusal::Unavailable => "Sign-in is unavailable right now. Please try again.".into(),
        }
    }
}

fn unavailable<E: std::fmt::Display>(e: E) -> Refusal {
    tracing::error!(error = %e, "SSO sign-in failed on the server side");
    Refusal::Unavailable
}

/// Most group names kept from one assertion, and their longest length.
const MAX_ASSERTED_GROUPS: usize = 200;
const MAX_GROUP_NAME: usize = 256;

/// The values of the connection's mapped groups attribute: trimmed,
/// deduplicated, in the IdP's order; empty and oversized names dropped.
fn asserted_groups(connection: &SsoConnection, assertion: &response::Assertion) -> Vec<String> {
    let map: Value = serde_json::from_str(&connection.attribute_map).unwrap_or(Value::Null);
    let Some(name) = map.get("groups").and_then(Value::as_str) else { return Vec::new() };
    let mut groups: Vec<String> = Vec::new();
    for group in assertion.attribute_values(name).into_iter().map(str::trim) {
        if !group.is_empty() && group.len() <= MAX_GROUP_NAME && !groups.iter().any(|g| g == group) {
            groups.push(group.to_string());
        }
        if groups.len() == MAX_ASSERTED_GROUPS {
            break;
        }
    }
    groups
}

/// A local path to go back to after sign-in; anything else is dropped (no
/// open redirect: browsers drop tabs and newlines and read a backslash as
/// a slash, so `/<tab>/evil.example` or `/<backslash>evil.example` would
/// leave the site).
fn local_path(path: Option<&str>) -> Option<String> {
    path.filter(|p| {
        p.starts_with('/')
            && !p.starts_with("//")
            && p.len() <= 2048
            && !p.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    })
    .map(str::to_string)
}

/// The email's domain, lower-cased.
fn email_domain(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    (!local.is_empty() && domain.contains('.')).then(|| domain.to_ascii_lowercase())
}

/// A user as the sign-in sees it.
struct Found {
    id: String,
    active: bool,
    seat: String,
}

fn found(resource: &Value) -> Option<Found> {
    Some(Found {
        id: resource.get("id")?.as_str()?.to_string(),
        active: resource.get("active").and_then(Value::as_bool).unwrap_or(false),
        seat: resource.pointer(&format!("/{SEAT_SCHEMA}/seat/status")).and_then(Value::as_str).unwrap_or("none").to_string(),
    })
}

impl Lanyard {
    /// Starts SP-initiated sign-in for an email: its domain picks the
    /// connection. Answers the URL to redirect the browser to.
    pub async fn sso_start_for_email(&self, email: &str, return_to: Option<&str>) -> Result<String, Refusal> {
        let domain = email_domain(email).ok_or(Refusal::NotAnEmail)?;
        let connection = self.store.sso_connection_by_domain(&domain).await.map_err(unavailable)?.ok_or(Refusal::NoConnectionForDomain)?;
        self.sso_redirect(&connection, return_to).await
    }

    /// Starts SP-initiated sign-in with one connection (its Login URL).
    pub async fn sso_start(&self, connection_id: &str, return_to: Option<&str>) -> Result<String, Refusal> {
        let connection = self.store.sso_connection_by_id(connection_id).await.map_err(unavailable)?.ok_or(Refusal::NoSuchConnection)?;
        self.sso_redirect(&connection, return_to).await
    }

    /// Stores the request (single use, [`REQUEST_LIFETIME`]) with where to
    /// go afterwards, and builds the HTTP-Redirect URL. RelayState is the
    /// request id: opaque to the IdP, nothing to trust on the way back.
    async fn sso_redirect(&self, connection: &SsoConnection, return_to: Option<&str>) -> Result<String, Refusal> {
        let id = new_request_id();
        let request = SsoRequest {
            id: id.clone(),
            connection_id: connection.id.clone(),
            return_to: local_path(return_to),
            expires_at: now() + micros(REQUEST_LIFETIME),
        };
        self.store.insert_sso_request(TenantScope::of_connection(connection), &request).await.map_err(unavailable)?;
        let sp = SpUrls::new(&self.config, &connection.id).sp_values();
        let authn = AuthnRequest { id: &id, sp: &sp, destination: &connection.sso_url, issue_instant: Utc::now() };
        let key = self.sp_signing_key().await.map_err(unavailable)?;
        authn.redirect_url(Some(&id), Some(&key)).map_err(Refusal::Invalid)
    }

    /// The ACS: validates the Response for this connection, then decides
    /// who gets in. Every outcome is in the tenant's audit log.
    pub async fn sso_finish(&self, connection_id: &str, saml_response: &str, relay_state: Option<&str>) -> Result<SignedIn, Refusal> {
        let connection = self.store.sso_connection_by_id(connection_id).await.map_err(unavailable)?.ok_or(Refusal::NoSuchConnection)?;
        let outcome = self.sso_finish_for(&connection, saml_response, relay_state).await;
        if let Err(e) = self.record_sign_in(&connection, &outcome).await {
            tracing::error!(error = %e, "cannot write the SSO audit entry");
            return Err(Refusal::Unavailable);
        }
        outcome.map_err(|(r, _)| r)
    }

    /// The audit entry of a sign-in or refusal, and for a sign-in the
    /// `sso.signed_in` event of the feed, in one transaction.
    async fn record_sign_in(
        &self,
        connection: &SsoConnection,
        outcome: &Result<SignedIn, (Refusal, Option<String>)>,
    ) -> Result<(), SsoError> {
        let mut tx = self.store.begin(TenantScope::of_connection(connection)).await?;
        let at = now();
        let actor = format!("sso:{}", connection.id);
        let resource = Some(("SsoConnection", connection.id.as_str()));
        match outcome {
            Ok(s) => {
                let detail = json!({ "email": s.email, "seat": s.seat, "user": s.user_id });
                audit::record(tx.as_mut(), at, &actor, "sso.signed_in", resource, detail).await?;
                let data = json!({ "email": s.email, "seat": s.seat, "connection": { "id": connection.id, "name": connection.name } });
                events::record(tx.as_mut(), at, "sso.signed_in", ("User", &s.user_id), data).await?;
            }
            Err((r, email)) => {
                let detail = json!({ "reason": r.code(), "detail": r.message(), "email": email });
                audit::record(tx.as_mut(), at, &actor, "sso.refused", resource, detail).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn sso_finish_for(
        &self,
        connection: &SsoConnection,
        saml_response: &str,
        relay_state: Option<&str>,
    ) -> Result<SignedIn, (Refusal, Option<String>)> {
        let assertion = self.validate_response(connection, saml_response).await.map_err(|r| (r, None))?;
        let email = assertion.name_id.clone();
        let fail = |r: Refusal| (r, Some(email.clone()));
        let now = now();
        let return_to = match &assertion.in_response_to {
            Some(request_id) => {
                let request = self.store.take_sso_request(&connection.id, request_id, now).await.map_err(|e| fail(unavailable(e)))?;
                request.ok_or_else(|| fail(Refusal::UnknownRequest))?.return_to
            }
            None if connection.allow_idp_initiated => local_path(relay_state),
            None => return Err(fail(Refusal::IdpInitiatedNotAllowed)),
        };
        let expires = assertion.expires_at.timestamp_micros();
        if !self.store.remember_assertion(&connection.id, &assertion.id, expires).await.map_err(|e| fail(unavailable(e)))? {
            return Err(fail(Refusal::Replayed));
        }
        let (tenant, user) = self.sso_user(connection, &assertion).await.map_err(&fail)?;
        if !user.active {
            return Err(fail(Refusal::Suspended));
        }
        if user.seat != "assigned" {
            return Err(fail(Refusal::WaitingForSeat));
        }
        let idp_groups = asserted_groups(connection, &assertion);
        let session_token = generate_secret_with("lys_");
        let session = SsoSession {
            id: uuid::Uuid::new_v4().to_string(),
            token_hash: hash_secret(&session_token),
            tenant_id: connection.tenant_id,
            connection_id: connection.id.clone(),
            user_id: user.id.clone(),
            email: email.clone(),
            idp_groups,
            created_at: now,
            expires_at: now + micros(SESSION_LIFETIME),
        };
        self.store.create_sso_session(&session).await.map_err(|e| fail(unavailable(e)))?;
        Ok(SignedIn { session_token, email, tenant, seat: user.seat, user_id: user.id, return_to })
    }

    /// Checks the Response (signature checking runs off the async threads).
    async fn validate_response(&self, connection: &SsoConnection, saml_response: &str) -> Result<response::Assertion, Refusal> {
        let xml = response::decode(saml_response).map_err(Refusal::Invalid)?;
        let certificates: Vec<Vec<u8>> = connection.certificates.iter().filter_map(|c| certificate_der(c).ok()).collect();
        let sp = SpUrls::new(&self.config, &connection.id);
        let idp_entity_id = connection.idp_entity_id.clone();
        let skew = chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_else(|_| chrono::Duration::minutes(2));
        let checked = tokio::task::spawn_blocking(move || {
            let expected = Expected {
                sp_entity_id: &sp.entity_id,
                acs_url: &sp.acs_url,
                idp_entity_id: &idp_entity_id,
                certificates: &certificates,
                now: Utc::now(),
                skew,
            };
            response::validate(&xml, &expected)
        })
        .await
        .map_err(unavailable)?;
        checked.map_err(Refusal::Invalid)
    }

    /// The tenant's user with this email as userName; created when the
    /// connection allows just-in-time users (email in one of its domains).
    async fn sso_user(&self, connection: &SsoConnection, assertion: &response::Assertion) -> Result<(String, Found), Refusal> {
        let tenant = self.store.tenant(TenantScope::of_connection(connection)).await.map_err(unavailable)?;
        let caller = Caller::internal(&self.config, tenant.clone(), format!("sso:{}", connection.id));
        let email = assertion.name_id.as_str();
        let quoted = serde_json::to_string(email).map_err(unavailable)?;
        let params = ListParams {
            filter: Some(format!("userName eq {quoted}")),
            start_index: 1,
            count: Some(1),
            sort_by: None,
            sort_order_desc: false,
            attributes: None,
            excluded_attributes: None,
        };
        let list = self.list_users(&caller, &params).await.map_err(unavailable)?;
        if let Some(user) = list.pointer("/Resources/0").and_then(found) {
            return Ok((tenant.slug, user));
        }
        let in_domains = email_domain(email).is_some_and(|d| connection.domains.contains(&d));
        if !connection.jit || !in_domains {
            return Err(Refusal::UnknownUser);
        }
        let map: Value = serde_json::from_str(&connection.attribute_map).unwrap_or(Value::Null);
        let attribute = |field: &str| map.get(field).and_then(Value::as_str).and_then(|name| assertion.attribute(name));
        let mut body = json!({
            "schemas": [USER_SCHEMA],
            "userName": email,
            "active": true,
            "emails": [{ "value": email, "type": "work", "primary": true }],
        });
        if let (Some(given), Some(family)) = (attribute("given_name"), attribute("family_name")) {
            body["name"] = json!({ "givenName": given, "familyName": family });
            body["displayName"] = json!(format!("{given} {family}"));
        }
        let created = self.create_user(&caller, &body, &Projection::default_for(&USER_TYPE)).await.map_err(|e| {
            tracing::warn!(error = %e.detail, "just-in-time user creation failed");
            Refusal::UnknownUser
        })?;
        let user = found(&created.resource).ok_or(Refusal::Unavailable)?;
        Ok((tenant.slug, user))
    }

    /// The user behind a session cookie, while the session lasts.
    pub async fn sso_session(&self, token: &str) -> Result<Option<SessionInfo>, SsoError> {
        let Some(session) = self.store.sso_session_by_hash(&hash_secret(token), now()).await? else { return Ok(None) };
        let Some(connection) = self.store.sso_connection_by_id(&session.connection_id).await? else { return Ok(None) };
        let tenant = self.store.tenant(TenantScope::of_connection(&connection)).await?;
        let user = self.store.user(TenantScope::of(&tenant), &session.user_id).await?;
        let seat = user.map(|u| u.seat.status.as_str().to_string()).unwrap_or_else(|| "none".into());
        Ok(Some(SessionInfo { email: session.email, tenant: tenant.slug, seat }))
    }

    /// Deletes expired SSO requests, assertion IDs, sessions, authorization
    /// codes and access tokens.
    pub async fn prune_sso(&self) -> Result<u64, SsoError> {
        let now = now();
        Ok(self.store.prune_sso(now).await? + self.store.oidc().prune_oidc(now).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_kept() {
        for ok in ["/", "/app/home?x=1#y", "/sso/signed-in"] {
            assert_eq!(local_path(Some(ok)).as_deref(), Some(ok));
        }
        for bad in
            ["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "evil", "", "/ /x"]
        {
            assert_eq!(local_path(Some(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn email_domains() {
        assert_eq!(email_domain("Alice@Example.COM").as_deref(), Some("example.com"));
        assert_eq!(email_domain("a@b@example.com").as_deref(), Some("example.com"));
        assert_eq!(email_domain("@example.com"), None);
        assert_eq!(email_domain("alice"), None);
        assert_eq!(email_domain("alice@localhost"), None);
    }
}
