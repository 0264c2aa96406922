//! `lanyard sso …`: a tenant's SAML connections. Without the `saml`
//! feature every subcommand explains how to get a build that has it.

use std::sync::Arc;

use lanyard_store::Store;

use crate::cli::SsoCommand;

/// What a command that needs single sign-on says in a build without it.
#[cfg(not(feature = "saml"))]
pub(crate) const NO_SAML: &str = "this lanyard was built without SAML single sign-on; rebuild with \
     `cargo build --release --features saml` (needs Debian's pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev)";

#[cfg(not(feature = "saml"))]
pub async fn run(_store: Arc<dyn Store>, _cmd: SsoCommand, _json_mode: bool) -> anyhow::Result<()> {
    anyhow::bail!(NO_SAML)
}

#[cfg(feature = "saml")]
pub async fn run(store: Arc<dyn Store>, cmd: SsoCommand, json_mode: bool) -> anyhow::Result<()> {
    use anyhow::Context;
    use lanyard_domain::sso::{ConnectionInput, MetadataSource, NAMEID_EMAIL, SsoConnectionView};
    use lanyard_domain::{Config, Lanyard};
    use serde_json::{Value, json};

    use crate::commands::print;

    fn view_json(v: &SsoConnectionView) -> Value {
        let c = &v.connection;
        json!({
            "id": c.id,
            "tenant": v.tenant_slug,
            "name": c.name,
            "idp": c.idp_kind,
            "idp_entity_id": c.idp_entity_id,
            "idp_sso_url": c.sso_url,
            "idp_certificate_sha256": v.fingerprints,
            "metadata_source_url": c.metadata_url,
            "domains": c.domains,
            "jit": c.jit,
            "allow_idp_initiated": c.allow_idp_initiated,
            "attribute_mapping": serde_json::from_str::<Value>(&c.attribute_map).unwrap_or(Value::Null),
            "sp_entity_id": v.sp.entity_id,
            "acs_url": v.sp.acs_url,
            "name_id_format": NAMEID_EMAIL,
            "login_url": v.sp.login_url,
            "metadata_url": v.sp.metadata_url,
            "sp_certificate_url": v.sp.certificate_url,
        })
    }

    /// `givenName → given_name, …`: what the IdP admin adds as attributes.
    fn attributes_text(map: &str) -> String {
        let map: Value = serde_json::from_str(map).unwrap_or(Value::Null);
        map.as_object()
            .map(|m| m.iter().map(|(field, name)| format!("{} → {field}", name.as_str().unwrap_or(""))).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    }

    fn view_text(v: &SsoConnectionView) -> String {
        let c = &v.connection;
        format!(
            "SSO connection {id} ({name}, {kind}) of tenant {tenant}\n\
             domains: {domains}\n\
             just-in-time users: {jit}; IdP-initiated sign-in: {idpi}\n\
             IdP entity ID: {idp}\nIdP sign-on URL: {sso}\nIdP certificates (SHA-256): {fps}\n\
             \nCopy into the identity provider:\n\
             SP Entity ID:    {entity}\nACS URL:         {acs}\nNameID format:   {nameid} (the user's email)\n\
             Login URL:       {login}\nSP metadata URL: {metadata}\n\
             SP signing certificate (for IdPs that verify signed requests): {certificate}\n\
             Attributes (optional): {attributes}",
            id = c.id,
            name = c.name,
            kind = c.idp_kind,
            tenant = v.tenant_slug,
            domains = c.domains.join(", "),
            jit = if c.jit { "on" } else { "off" },
            idpi = if c.allow_idp_initiated { "allowed" } else { "refused" },
            idp = c.idp_entity_id,
            sso = c.sso_url,
            fps = v.fingerprints.join(", "),
            entity = v.sp.entity_id,
            acs = v.sp.acs_url,
            nameid = NAMEID_EMAIL,
            login = v.sp.login_url,
            metadata = v.sp.metadata_url,
            certificate = v.sp.certificate_url,
            attributes = attributes_text(&c.attribute_map),
        )
    }

    match cmd {
        SsoCommand::Create {
            slug,
            name,
            idp,
            metadata_url,
            metadata_file,
            idp_entity_id,
            idp_sso_url,
            idp_certificates,
            domains,
            jit,
            allow_idp_initiated,
            attributes,
            public_url,
        } => {
            let app = Lanyard::new(store, Config::new(&public_url));
            let read = |path: &std::path::Path| std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()));
            let metadata = match (metadata_url, metadata_file, idp_entity_id) {
                (Some(url), _, _) => MetadataSource::Url(url),
                (None, Some(path), _) => MetadataSource::Xml(read(&path)?),
                (None, None, Some(entity_id)) => MetadataSource::Manual {
                    entity_id,
                    sso_url: idp_sso_url.unwrap_or_default(),
                    certificates: idp_certificates.iter().map(|p| read(p)).collect::<anyhow::Result<_>>()?,
                },
                (None, None, None) => anyhow::bail!("give --metadata-url, --metadata-file or --idp-entity-id"),
            };
            let attributes = attributes
                .iter()
                .map(|a| a.split_once('=').map(|(f, n)| (f.trim().to_string(), n.to_string())))
                .collect::<Option<Vec<_>>>()
                .context("--attribute takes FIELD=NAME, e.g. given_name=firstName")?;
            let input = ConnectionInput { name, idp_kind: idp, metadata, domains, jit, allow_idp_initiated, attributes };
            let view = app.create_sso_connection(&slug, input, "cli").await?;
            print(json_mode, &view_json(&view), || view_text(&view));
        }
        SsoCommand::List { slug, public_url } => {
            let app = Lanyard::new(store, Config::new(&public_url));
            let list = app.list_sso_connections(&slug).await?;
            let values: Vec<Value> = list.iter().map(view_json).collect();
            print(json_mode, &Value::Array(values), || {
                list.iter()
                    .map(|v| {
                        format!(
                            "{}  {:<24} {:<10} {}",
                            v.connection.id,
                            v.connection.name,
                            v.connection.idp_kind,
                            v.connection.domains.join(",")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        SsoCommand::Show { slug, id, public_url } => {
            let app = Lanyard::new(store, Config::new(&public_url));
            let view = app.sso_connection(&slug, &id).await?;
            print(json_mode, &view_json(&view), || view_text(&view));
        }
        SsoCommand::RotateSpKey => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            let fingerprint = app.rotate_sp_key().await?;
            print(json_mode, &json!({ "certificate_sha256": fingerprint }), || {
                format!("new SAML signing key, certificate SHA-256 {fingerprint}; it signs from now on")
            });
        }
        SsoCommand::RetireSpKeys => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            let retired = app.retire_sp_keys().await?;
            print(json_mode, &json!({ "retired": retired }), || format!("retired {retired} older SAML signing key(s)"));
        }
        SsoCommand::Delete { slug, id } => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            app.delete_sso_connection(&slug, &id, "cli").await?;
            print(json_mode, &json!({ "deleted": id }), || format!("deleted SSO connection {id}"));
        }
    }
    Ok(())
}
