//! `lanyard oidc …`: the applications that sign people in through Lanyard.
//! Without the `saml` feature every subcommand explains how to get a build
//! that has it.

use std::sync::Arc;

use lanyard_store::Store;

use crate::cli::OidcCommand;

#[cfg(not(feature = "saml"))]
pub async fn run(_store: Arc<dyn Store>, _cmd: OidcCommand, _json_mode: bool) -> anyhow::Result<()> {
    anyhow::bail!(crate::sso_commands::NO_SAML)
}

#[cfg(feature = "saml")]
pub async fn run(store: Arc<dyn Store>, cmd: OidcCommand, json_mode: bool) -> anyhow::Result<()> {
    use lanyard_domain::oidc::OidcClientView;
    use lanyard_domain::{Config, Lanyard};
    use serde_json::{Value, json};

    use crate::commands::{micros_json, print};

    fn client_json(c: &OidcClientView) -> Value {
        json!({
            "client_id": c.client_id,
            "name": c.name,
            "public": c.public,
            "redirect_uris": c.redirect_uris,
            "created_at": micros_json(Some(c.created_at)),
        })
    }

    match cmd {
        OidcCommand::Create { name, redirect_uris, public, public_url } => {
            let app = Lanyard::new(store, Config::new(&public_url));
            let created = app.create_oidc_client(&name, &redirect_uris, public).await?;
            let mut value = client_json(&created.client);
            value["client_secret"] = json!(created.client_secret);
            value["issuer"] = json!(created.endpoints.issuer);
            value["discovery_url"] = json!(created.endpoints.discovery);
            print(json_mode, &value, || {
                let secret = match &created.client_secret {
                    Some(secret) => format!("client_secret : {secret}\n  (shown only this once)"),
                    None => "client_secret : none (public client: PKCE only)".into(),
                };
                format!(
                    "Application {name} registered.\n  client_id     : {id}\n  {secret}\n  issuer        : {issuer}\n  \
                     discovery URL : {discovery}\n  redirect URIs : {uris}\n\
                     Point the application's OpenID Connect library at the discovery URL; ask for the scopes\n\
                     openid email profile groups, with PKCE (S256). The ID token carries the tenant and seat.",
                    name = created.client.name,
                    id = created.client.client_id,
                    issuer = created.endpoints.issuer,
                    discovery = created.endpoints.discovery,
                    uris = created.client.redirect_uris.join(" "),
                )
            });
        }
        OidcCommand::List => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            let clients = app.list_oidc_clients().await?;
            let values: Vec<Value> = clients.iter().map(client_json).collect();
            print(json_mode, &Value::Array(values), || {
                clients
                    .iter()
                    .map(|c| {
                        let kind = if c.public { "public" } else { "confidential" };
                        format!("{}  {:<24} {:<12} {}", c.client_id, c.name, kind, c.redirect_uris.join(" "))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        OidcCommand::Delete { client_id } => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            if !app.delete_oidc_client(&client_id).await? {
                anyhow::bail!("no application with client_id {client_id}");
            }
            print(json_mode, &json!({ "deleted": client_id }), || format!("deleted application {client_id}"));
        }
        OidcCommand::RotateKey => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            let kid = app.rotate_signing_key().await?;
            print(json_mode, &json!({ "kid": kid }), || format!("new ID token signing key {kid}; older keys stay published"));
        }
    }
    Ok(())
}
