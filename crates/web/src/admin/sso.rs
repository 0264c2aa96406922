//! The SSO connection wizard, in the order of the LambdaTest guide: name
//! the connection and pick the identity provider; copy the SP values
//! into the IdP; paste the IdP's metadata URL or XML and the email
//! domains; create; then "Test sign-in" through the connection's Login URL.
//! Without the `saml` feature these pages say the build lacks SAML.

use lanyard_domain::Lanyard;
use lanyard_domain::admin::Principal;

use super::page::PageError;

/// The SSO part of the "Authentication & SSO" page.
pub struct SsoSection {
    pub available: bool,
    pub connections: Vec<ConnectionRow>,
}

pub struct ConnectionRow {
    pub id: String,
    pub name: String,
    pub idp: String,
    pub domains: String,
    pub login_url: String,
}

#[cfg(feature = "saml")]
pub use with_saml::*;
#[cfg(not(feature = "saml"))]
pub use without_saml::*;

#[cfg(not(feature = "saml"))]
mod without_saml {
    use axum::extract::{Path, State};
    use axum::response::{IntoResponse, Response};

    use super::*;
    use crate::admin::session::AdminSession;

    pub async fn sso_section(_app: &Lanyard, _who: &Principal, _slug: &str) -> Result<SsoSection, PageError> {
        Ok(SsoSection { available: false, connections: Vec::new() })
    }

    /// The tenant is checked first, so another tenant's admin still gets 404.
    async fn unavailable(app: Lanyard, session: AdminSession, params: Vec<(String, String)>) -> Response {
        let slug = params.iter().find(|(k, _)| k == "tenant").map(|(_, v)| v.as_str()).unwrap_or_default();
        match app.tenant_for(&session.principal, slug).await {
            Ok(_) => PageError::Unavailable.into_response(),
            Err(e) => PageError::from(e).into_response(),
        }
    }

    pub async fn start(State(app): State<Lanyard>, session: AdminSession, Path(p): Path<Vec<(String, String)>>) -> Response {
        unavailable(app, session, p).await
    }
    pub async fn values(State(app): State<Lanyard>, session: AdminSession, Path(p): Path<Vec<(String, String)>>) -> Response {
        unavailable(app, session, p).await
    }
    pub async fn create(State(app): State<Lanyard>, session: AdminSession, Path(p): Path<Vec<(String, String)>>) -> Response {
        unavailable(app, session, p).await
    }
    pub async fn show(State(app): State<Lanyard>, session: AdminSession, Path(p): Path<Vec<(String, String)>>) -> Response {
        unavailable(app, session, p).await
    }
    pub async fn delete(State(app): State<Lanyard>, session: AdminSession, Path(p): Path<Vec<(String, String)>>) -> Response {
        unavailable(app, session, p).await
    }
}

#[cfg(feature = "saml")]
mod with_saml {
    use std::collections::BTreeMap;

    use askama::Template;
    use axum::body::Bytes;
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Redirect, Response};
    use lanyard_domain::sso::{
        ConnectionInput, DEFAULT_ATTRIBUTES, IDP_KINDS, MetadataSource, NAMEID_EMAIL, SpUrls, SsoConnectionView, SsoError,
        default_attribute, new_connection_id,
    };

    use super::*;
    use crate::admin::form::Fields;
    use crate::admin::page::{Chrome, render, time};
    use crate::admin::session::AdminSession;

    impl From<SsoError> for PageError {
        fn from(e: SsoError) -> Self {
            match e {
                SsoError::NoSuchTenant(_) | SsoError::NoSuchConnection(_) => PageError::NotFound,
                SsoError::Store(_) | SsoError::Key(_) => {
                    tracing::error!(error = %e, "admin SSO page");
                    PageError::Internal
                }
                other => PageError::BadRequest(other.to_string()),
            }
        }
    }

    pub async fn sso_section(app: &Lanyard, who: &Principal, slug: &str) -> Result<SsoSection, PageError> {
        let tenant = app.tenant_for(who, slug).await?;
        let connections = app
            .list_sso_connections(&tenant.slug)
            .await?
            .into_iter()
            .map(|v| ConnectionRow {
                id: v.connection.id.clone(),
                name: v.connection.name.clone(),
                idp: idp_label(&v.connection.idp_kind).to_string(),
                domains: v.connection.domains.join(", "),
                login_url: v.sp.login_url,
            })
            .collect();
        Ok(SsoSection { available: true, connections })
    }

    fn idp_label(kind: &str) -> &'static str {
        match kind {
            "jumpcloud" => "JumpCloud",
            "okta" => "Okta",
            "entra-id" => "Microsoft Entra ID",
            "onelogin" => "OneLogin",
            "google" => "Google Workspace",
            _ => "Other SAML 2.0 identity provider",
        }
    }

    struct Kind {
        value: &'static str,
        label: &'static str,
        selected: bool,
    }

    fn kinds(selected: &str) -> Vec<Kind> {
        IDP_KINDS.iter().map(|k| Kind { value: k, label: idp_label(k), selected: *k == selected }).collect()
    }

    #[derive(Template)]
    #[template(path = "admin/sso_start.html")]
    struct StartPage {
        chrome: Option<Chrome>,
        csrf: String,
        slug: String,
        name: String,
        kinds: Vec<Kind>,
        error: Option<String>,
    }

    /// The values the IdP admin copies, before and after creation.
    struct SpValues {
        entity_id: String,
        acs_url: String,
        name_id_format: &'static str,
        login_url: String,
        metadata_url: String,
        certificate_url: String,
    }

    impl SpValues {
        fn of(urls: SpUrls) -> SpValues {
            SpValues {
                entity_id: urls.entity_id,
                acs_url: urls.acs_url,
                name_id_format: NAMEID_EMAIL,
                login_url: urls.login_url,
                metadata_url: urls.metadata_url,
                certificate_url: urls.certificate_url,
            }
        }
    }

    #[derive(Template)]
    #[template(path = "admin/sso_values.html")]
    struct ValuesPage {
        chrome: Option<Chrome>,
        csrf: String,
        slug: String,
        id: String,
        name: String,
        idp: String,
        idp_label: String,
        sp: SpValues,
        metadata_url: String,
        metadata_xml: String,
        idp_entity_id: String,
        idp_sso_url: String,
        idp_certificate: String,
        domains: String,
        jit: bool,
        allow_idp_initiated: bool,
        attr_given_name: String,
        attr_family_name: String,
        attr_groups: String,
        error: Option<String>,
    }

    #[derive(Template)]
    #[template(path = "admin/sso_show.html")]
    struct ShowPage {
        chrome: Option<Chrome>,
        csrf: String,
        slug: String,
        id: String,
        name: String,
        idp_label: String,
        idp_entity_id: String,
        idp_sso_url: String,
        fingerprints: Vec<String>,
        metadata_source: String,
        domains: String,
        jit: bool,
        allow_idp_initiated: bool,
        /// `givenName → given name, …`
        attributes: String,
        created: String,
        sp: SpValues,
    }

    fn start_page(session: &AdminSession, slug: &str, name: &str, kind: &str, error: Option<String>) -> Response {
        let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        let page = StartPage {
            chrome: Chrome::new(session, Some(slug), "auth"),
            csrf: session.csrf.clone(),
            slug: slug.to_string(),
            name: name.to_string(),
            kinds: kinds(kind),
            error,
        };
        render(status, &page)
    }

    pub async fn start(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>) -> Response {
        match app.tenant_for(&session.principal, &slug).await {
            Ok(t) => start_page(&session, &t.slug, "", "jumpcloud", None),
            Err(e) => PageError::from(e).into_response(),
        }
    }

    /// The wizard's `attr_{field}` input: as sent, else the default attribute name.
    fn attribute_field(fields: &Fields, field: &str) -> String {
        fields.get(&format!("attr_{field}")).or(default_attribute(field)).unwrap_or_default().to_string()
    }

    fn values_page(app: &Lanyard, session: &AdminSession, slug: &str, fields: &Fields, id: &str, error: Option<String>) -> Response {
        let idp = fields.get("idp").unwrap_or("generic").to_string();
        let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        let page = ValuesPage {
            chrome: Chrome::new(session, Some(slug), "auth"),
            csrf: session.csrf.clone(),
            slug: slug.to_string(),
            id: id.to_string(),
            name: fields.get("name").unwrap_or_default().to_string(),
            idp_label: idp_label(&idp).to_string(),
            idp,
            sp: SpValues::of(SpUrls::new(app.config(), id)),
            metadata_url: fields.get("metadata_url").unwrap_or_default().to_string(),
            metadata_xml: fields.raw("metadata_xml").unwrap_or_default().to_string(),
            idp_entity_id: fields.get("idp_entity_id").unwrap_or_default().to_string(),
            idp_sso_url: fields.get("idp_sso_url").unwrap_or_default().to_string(),
            idp_certificate: fields.raw("idp_certificate").unwrap_or_default().to_string(),
            domains: fields.get("domains").unwrap_or_default().to_string(),
            jit: fields.get("jit").is_some(),
            allow_idp_initiated: fields.get("allow_idp_initiated").is_some(),
            attr_given_name: attribute_field(fields, "given_name"),
            attr_family_name: attribute_field(fields, "family_name"),
            attr_groups: attribute_field(fields, "groups"),
            error,
        };
        render(status, &page)
    }

    /// Step 2: the SP values to copy, and the form for the IdP's side.
    pub async fn values(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>, body: Bytes) -> Response {
        let fields = Fields::parse(&body);
        if !fields.csrf_ok(&session.cookie) {
            return PageError::Csrf.into_response();
        }
        let tenant = match app.tenant_for(&session.principal, &slug).await {
            Ok(t) => t,
            Err(e) => return PageError::from(e).into_response(),
        };
        let name = fields.get("name").unwrap_or_default();
        let kind = fields.get("idp").unwrap_or_default();
        if name.is_empty() || name.chars().count() > 200 {
            return start_page(&session, &tenant.slug, name, kind, Some("Give the connection a name (1 to 200 characters).".into()));
        }
        if !IDP_KINDS.contains(&kind) {
            return start_page(&session, &tenant.slug, name, "generic", Some("Pick the identity provider.".into()));
        }
        values_page(&app, &session, &tenant.slug, &fields, &new_connection_id(), None)
    }

    /// Step 3: create the connection from the pasted metadata and domains.
    pub async fn create(State(app): State<Lanyard>, session: AdminSession, Path(slug): Path<String>, body: Bytes) -> Response {
        let fields = Fields::parse(&body);
        if !fields.csrf_ok(&session.cookie) {
            return PageError::Csrf.into_response();
        }
        let tenant = match app.tenant_for(&session.principal, &slug).await {
            Ok(t) => t,
            Err(e) => return PageError::from(e).into_response(),
        };
        let id = fields.get("id").filter(|id| uuid::Uuid::parse_str(id).is_ok()).map_or_else(new_connection_id, str::to_string);
        let metadata = match (fields.get("metadata_url"), fields.get("metadata_xml"), fields.get("idp_entity_id")) {
            (Some(url), None, None) => MetadataSource::Url(url.to_string()),
            (None, Some(_), None) => MetadataSource::Xml(fields.raw("metadata_xml").unwrap_or_default().to_string()),
            (None, None, Some(entity_id)) => MetadataSource::Manual {
                entity_id: entity_id.to_string(),
                sso_url: fields.get("idp_sso_url").unwrap_or_default().to_string(),
                certificates: fields.get("idp_certificate").map(str::to_string).into_iter().collect(),
            },
            (None, None, None) => {
                let message = "Paste the identity provider's metadata URL or its metadata XML, or enter its values by hand.".to_string();
                return values_page(&app, &session, &tenant.slug, &fields, &id, Some(message));
            }
            _ => {
                let message = "Give one of the metadata URL, the metadata XML or the values by hand, not several.".to_string();
                return values_page(&app, &session, &tenant.slug, &fields, &id, Some(message));
            }
        };
        let attributes = DEFAULT_ATTRIBUTES
            .iter()
            .filter_map(|(field, _)| fields.get(&format!("attr_{field}")).map(|name| (field.to_string(), name.to_string())))
            .collect();
        let domains: Vec<String> = fields
            .get("domains")
            .unwrap_or_default()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        let input = ConnectionInput {
            name: fields.get("name").unwrap_or_default().to_string(),
            idp_kind: fields.get("idp").unwrap_or_default().to_string(),
            metadata,
            domains,
            jit: fields.get("jit").is_some(),
            allow_idp_initiated: fields.get("allow_idp_initiated").is_some(),
            attributes,
        };
        match app.create_sso_connection_with_id(&id, &tenant.slug, input, &session.principal.actor).await {
            Ok(view) => Redirect::to(&format!("/admin/t/{}/sso/{}", tenant.slug, view.connection.id)).into_response(),
            Err(e) => match PageError::from(e) {
                PageError::BadRequest(m) => values_page(&app, &session, &tenant.slug, &fields, &id, Some(m)),
                other => other.into_response(),
            },
        }
    }

    fn attribute_mapping_text(map: &str) -> String {
        let map: BTreeMap<String, String> = serde_json::from_str(map).unwrap_or_default();
        map.iter().map(|(field, name)| format!("{name} → {}", field.replace('_', " "))).collect::<Vec<_>>().join(", ")
    }

    fn show_page(session: &AdminSession, slug: &str, v: SsoConnectionView) -> Response {
        let c = v.connection;
        let page = ShowPage {
            chrome: Chrome::new(session, Some(slug), "auth"),
            csrf: session.csrf.clone(),
            slug: slug.to_string(),
            id: c.id,
            name: c.name,
            idp_label: idp_label(&c.idp_kind).to_string(),
            idp_entity_id: c.idp_entity_id,
            idp_sso_url: c.sso_url,
            fingerprints: v.fingerprints,
            metadata_source: c.metadata_url.unwrap_or_else(|| "pasted XML or values entered by hand".to_string()),
            domains: c.domains.join(", "),
            jit: c.jit,
            allow_idp_initiated: c.allow_idp_initiated,
            attributes: attribute_mapping_text(&c.attribute_map),
            created: time(c.created_at),
            sp: SpValues::of(v.sp),
        };
        render(StatusCode::OK, &page)
    }

    pub async fn show(State(app): State<Lanyard>, session: AdminSession, Path((slug, id)): Path<(String, String)>) -> Response {
        let found = async {
            let tenant = app.tenant_for(&session.principal, &slug).await?;
            Ok::<_, PageError>((app.sso_connection(&tenant.slug, &id).await?, tenant.slug))
        };
        match found.await {
            Ok((view, slug)) => show_page(&session, &slug, view),
            Err(e) => e.into_response(),
        }
    }

    pub async fn delete(
        State(app): State<Lanyard>,
        session: AdminSession,
        Path((slug, id)): Path<(String, String)>,
        body: Bytes,
    ) -> Response {
        if !Fields::parse(&body).csrf_ok(&session.cookie) {
            return PageError::Csrf.into_response();
        }
        let done = async {
            let tenant = app.tenant_for(&session.principal, &slug).await?;
            app.delete_sso_connection(&tenant.slug, &id, &session.principal.actor).await?;
            Ok::<_, PageError>(tenant.slug)
        };
        match done.await {
            Ok(slug) => Redirect::to(&format!("/admin/t/{slug}/auth#sso")).into_response(),
            Err(e) => e.into_response(),
        }
    }
}
