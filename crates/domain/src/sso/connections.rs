//! SSO connections: saved from IdP metadata (a URL, fetched and refreshed,
//! or pasted XML) or from values entered by hand; listed, shown, deleted.

use std::time::Duration;

use lanyard_saml::SamlError;
use lanyard_saml::idp_metadata::{self, IdpMetadata};
use lanyard_store::{IdpUpdate, SsoConnection, StoreError, Tenant, TenantScope};
use serde_json::json;

use super::{IDP_KINDS, METADATA_REFRESH, SpUrls, SsoError};
use crate::{Lanyard, audit, micros, now};

/// Where the IdP's metadata comes from.
#[derive(Debug, Clone)]
pub enum MetadataSource {
    Url(String),
    Xml(String),
    /// Entered by hand, for an IdP that publishes no metadata.
    Manual {
        entity_id: String,
        sso_url: String,
        /// Signing certificates, each PEM or bare base64 DER.
        certificates: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct ConnectionInput {
    pub name: String,
    pub idp_kind: String,
    pub metadata: MetadataSource,
    pub domains: Vec<String>,
    pub jit: bool,
    pub allow_idp_initiated: bool,
    /// Overrides of the default attribute mapping: (our field, SAML attribute name).
    pub attributes: Vec<(String, String)>,
}

/// A connection with the values the IdP admin copies.
#[derive(Debug, Clone)]
pub struct SsoConnectionView {
    pub connection: SsoConnection,
    pub tenant_slug: String,
    pub sp: SpUrls,
    /// SHA-256 fingerprints of the IdP signing certificates.
    pub fingerprints: Vec<String>,
}

/// Largest metadata document fetched.
const MAX_METADATA_BYTES: usize = 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Fields a SAML attribute can fill (the email is the NameID, emailAddress
/// format), each with the attribute name it is read from by default.
pub const DEFAULT_ATTRIBUTES: &[(&str, &str)] = &[("given_name", "givenName"), ("family_name", "sn"), ("groups", "groups")];

/// The SAML attribute `field` is read from unless a connection says otherwise.
pub fn default_attribute(field: &str) -> Option<&'static str> {
    DEFAULT_ATTRIBUTES.iter().find(|(f, _)| *f == field).map(|(_, name)| *name)
}

/// The attribute mapping (our field → SAML attribute name, matched against
/// an attribute's Name or FriendlyName): defaults, then the overrides.
fn attribute_map(overrides: &[(String, String)]) -> Result<String, SsoError> {
    let mut map = serde_json::Map::new();
    for (field, name) in DEFAULT_ATTRIBUTES {
        map.insert((*field).into(), json!(name));
    }
    for (field, name) in overrides {
        if default_attribute(field).is_none() {
            let fields: Vec<&str> = DEFAULT_ATTRIBUTES.iter().map(|(f, _)| *f).collect();
            return Err(SsoError::Invalid(format!("unknown attribute field {field:?}: one of {}", fields.join(", "))));
        }
        if name.trim().is_empty() || name.len() > 1024 {
            return Err(SsoError::Invalid(format!("the SAML attribute name for {field} must be 1 to 1024 characters")));
        }
        map.insert(field.clone(), json!(name.trim()));
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// A lower-case DNS name with at least one dot.
fn normalize_domain(domain: &str) -> Result<String, SsoError> {
    let d = domain.trim().trim_start_matches('@').to_ascii_lowercase();
    let labels_ok = d.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if !labels_ok || !d.contains('.') || d.len() > 253 {
        return Err(SsoError::Invalid(format!("{domain:?} is not an email domain")));
    }
    Ok(d)
}

pub(super) async fn fetch_metadata(url: &str) -> Result<String, SsoError> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(SsoError::Metadata("the metadata URL must be http(s)".into()));
    }
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|e| SsoError::Metadata(format!("cannot start an HTTP client: {e}")))?;
    let mut response = client.get(url).send().await.map_err(|e| SsoError::Metadata(format!("cannot fetch {url}: {e}")))?;
    if !response.status().is_success() {
        return Err(SsoError::Metadata(format!("{url} answered {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| SsoError::Metadata(format!("cannot read {url}: {e}")))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_METADATA_BYTES {
            return Err(SsoError::Metadata(format!("{url} is larger than 1 MiB")));
        }
    }
    String::from_utf8(body).map_err(|_| SsoError::Metadata(format!("{url} is not UTF-8")))
}

/// A fresh connection id (the SP URLs are built from it).
pub fn new_connection_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn parse_metadata(xml: &str) -> Result<IdpMetadata, SsoError> {
    IdpMetadata::parse(xml).map_err(|e| SsoError::Metadata(e.to_string()))
}

impl Lanyard {
    async fn sso_tenant(&self, slug: &str) -> Result<Tenant, SsoError> {
        self.store.tenant_by_slug(slug).await?.ok_or_else(|| SsoError::NoSuchTenant(slug.to_string()))
    }

    fn sso_view(&self, connection: SsoConnection, tenant_slug: &str) -> SsoConnectionView {
        let fingerprints = connection
            .certificates
            .iter()
            .filter_map(|c| idp_metadata::certificate_der(c).ok())
            .map(|der| idp_metadata::fingerprint(&der))
            .collect();
        SsoConnectionView { sp: SpUrls::new(&self.config, &connection.id), connection, tenant_slug: tenant_slug.to_string(), fingerprints }
    }

    /// Saves a connection: the metadata is fetched (for a URL) and must name
    /// an IdP with an HTTP-Redirect sign-on URL and a signing certificate.
    pub async fn create_sso_connection(&self, slug: &str, input: ConnectionInput, actor: &str) -> Result<SsoConnectionView, SsoError> {
        self.create_sso_connection_with_id(&new_connection_id(), slug, input, actor).await
    }

    /// As [`Lanyard::create_sso_connection`], with an id chosen earlier by
    /// [`new_connection_id`] (the admin wizard shows the SP URLs, which
    /// hold the id, before the IdP's metadata is pasted).
    pub async fn create_sso_connection_with_id(
        &self,
        id: &str,
        slug: &str,
        input: ConnectionInput,
        actor: &str,
    ) -> Result<SsoConnectionView, SsoError> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(SsoError::Invalid("the connection id must be a UUID".into()));
        }
        let tenant = self.sso_tenant(slug).await?;
        let name = input.name.trim().to_string();
        if name.is_empty() || name.len() > 200 {
            return Err(SsoError::Invalid("the connection name must be 1 to 200 characters".into()));
        }
        if !IDP_KINDS.contains(&input.idp_kind.as_str()) {
            return Err(SsoError::Invalid(format!("unknown IdP kind {:?}: one of {}", input.idp_kind, IDP_KINDS.join(", "))));
        }
        let mut domains = input.domains.iter().map(|d| normalize_domain(d)).collect::<Result<Vec<_>, _>>()?;
        domains.sort();
        domains.dedup();
        if domains.is_empty() {
            return Err(SsoError::Invalid("at least one email domain is needed".into()));
        }
        let attribute_map = attribute_map(&input.attributes)?;
        let now = now();
        let (idp, metadata_url, fetched_at) = match &input.metadata {
            MetadataSource::Url(url) => (parse_metadata(&fetch_metadata(url).await?)?, Some(url.clone()), Some(now)),
            MetadataSource::Xml(xml) => (parse_metadata(xml)?, None, None),
            MetadataSource::Manual { entity_id, sso_url, certificates } => {
                let idp = IdpMetadata::manual(entity_id, sso_url, certificates).map_err(|e| match e {
                    SamlError::Metadata(why) => SsoError::Invalid(why),
                    e => SsoError::Invalid(e.to_string()),
                })?;
                (idp, None, None)
            }
        };
        let connection = SsoConnection {
            id: id.to_string(),
            tenant_id: tenant.id,
            name,
            idp_kind: input.idp_kind,
            idp_entity_id: idp.entity_id,
            sso_url: idp.sso_url,
            certificates: idp.signing_certificates.iter().map(|der| idp_metadata::certificate_base64(der)).collect(),
            metadata_url,
            metadata_fetched_at: fetched_at,
            attribute_map,
            jit: input.jit,
            allow_idp_initiated: input.allow_idp_initiated,
            created_at: now,
            domains,
        };
        let scope = TenantScope::of(&tenant);
        match self.store.create_sso_connection(scope, &connection).await {
            Ok(()) => {}
            Err(StoreError::Conflict { what: "domain" }) => {
                return Err(SsoError::DomainTaken(self.taken_domain(&connection.domains).await));
            }
            Err(StoreError::Conflict { .. }) => return Err(SsoError::NameTaken(connection.name)),
            Err(e) => return Err(e.into()),
        }
        let detail =
            json!({ "id": connection.id, "name": connection.name, "idp": connection.idp_entity_id, "domains": connection.domains });
        self.sso_audit(scope, actor, "sso.connection_created", &connection.id, detail).await?;
        Ok(self.sso_view(connection, &tenant.slug))
    }

    async fn taken_domain(&self, domains: &[String]) -> String {
        for d in domains {
            if let Ok(Some(_)) = self.store.sso_connection_by_domain(d).await {
                return d.clone();
            }
        }
        domains.join(", ")
    }

    pub(super) async fn sso_audit(
        &self,
        scope: TenantScope,
        actor: &str,
        action: &str,
        connection_id: &str,
        detail: serde_json::Value,
    ) -> Result<(), SsoError> {
        let mut tx = self.store.begin(scope).await?;
        audit::record(tx.as_mut(), now(), actor, action, Some(("SsoConnection", connection_id)), detail).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_sso_connections(&self, slug: &str) -> Result<Vec<SsoConnectionView>, SsoError> {
        let tenant = self.sso_tenant(slug).await?;
        let list = self.store.list_sso_connections(TenantScope::of(&tenant)).await?;
        Ok(list.into_iter().map(|c| self.sso_view(c, &tenant.slug)).collect())
    }

    pub async fn sso_connection(&self, slug: &str, id: &str) -> Result<SsoConnectionView, SsoError> {
        let tenant = self.sso_tenant(slug).await?;
        let found = self.store.sso_connection(TenantScope::of(&tenant), id).await?;
        let connection = found.ok_or_else(|| SsoError::NoSuchConnection(id.to_string()))?;
        Ok(self.sso_view(connection, &tenant.slug))
    }

    pub async fn delete_sso_connection(&self, slug: &str, id: &str, actor: &str) -> Result<(), SsoError> {
        let tenant = self.sso_tenant(slug).await?;
        let scope = TenantScope::of(&tenant);
        if !self.store.delete_sso_connection(scope, id).await? {
            return Err(SsoError::NoSuchConnection(id.to_string()));
        }
        self.sso_audit(scope, actor, "sso.connection_deleted", id, json!({ "id": id })).await
    }

    /// The SP metadata XML of a connection (any tenant's: the id is in the URL).
    pub async fn sp_metadata_xml(&self, connection_id: &str) -> Result<Option<String>, SsoError> {
        let Some(connection) = self.store.sso_connection_by_id(connection_id).await? else { return Ok(None) };
        let certificates = self.sp_certificates().await?;
        let sp = SpUrls::new(&self.config, &connection.id).sp_values();
        Ok(Some(lanyard_saml::sp_metadata::render(&sp, &certificates)))
    }

    /// The certificate (PEM) of the key that signs AuthnRequests now, at
    /// a connection's certificate URL.
    pub async fn sp_certificate_pem(&self, connection_id: &str) -> Result<Option<String>, SsoError> {
        if self.store.sso_connection_by_id(connection_id).await?.is_none() {
            return Ok(None);
        }
        let key = self.sp_signing_key().await?;
        Ok(Some(lanyard_saml::sp_key::certificate_pem(&key.certificate_der)))
    }

    /// Fetches the metadata of connections not fetched for `older_than`
    /// ([`METADATA_REFRESH`] in `serve`) and saves the new entity ID, URL and
    /// certificates (an IdP's certificate rollover needs no admin). A
    /// failed fetch or unusable metadata keeps the old values and is logged.
    /// Answers how many were updated.
    pub async fn refresh_sso_metadata(&self, older_than: Duration) -> Result<usize, SsoError> {
        let now = now();
        let due = self.store.sso_connections_to_refresh(now - micros(older_than)).await?;
        let mut updated = 0;
        for connection in due {
            let Some(url) = connection.metadata_url.as_deref() else { continue };
            let idp = match fetch_metadata(url).await.and_then(|xml| parse_metadata(&xml)) {
                Ok(idp) => idp,
                Err(e) => {
                    tracing::warn!(connection = %connection.id, error = %e, "SSO metadata refresh failed; keeping the saved values");
                    continue;
                }
            };
            let update = IdpUpdate {
                idp_entity_id: idp.entity_id,
                sso_url: idp.sso_url,
                certificates: idp.signing_certificates.iter().map(|der| idp_metadata::certificate_base64(der)).collect(),
                fetched_at: now,
            };
            let scope = TenantScope::of_connection(&connection);
            self.store.update_sso_idp(scope, &connection.id, &update).await?;
            if update.certificates != connection.certificates {
                let detail = json!({ "certificates": update.certificates.len() });
                self.sso_audit(scope, "metadata-refresh", "sso.certificates_changed", &connection.id, detail).await?;
            }
            updated += 1;
        }
        Ok(updated)
    }
}

impl Lanyard {
    /// `serve`'s background SSO upkeep, every `every`: refresh metadata
    /// that is due, delete expired requests, assertion IDs and sessions.
    pub async fn keep_sso_fresh(&self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match self.refresh_sso_metadata(METADATA_REFRESH).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(connections = n, "refreshed SSO metadata"),
                Err(e) => tracing::warn!(error = %e, "cannot refresh SSO metadata"),
            }
            if let Err(e) = self.prune_sso().await {
                tracing::warn!(error = %e, "cannot prune expired SSO state");
            }
        }
    }
}
