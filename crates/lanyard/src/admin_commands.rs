//! `lanyard admin …`: admin accounts of the web pages and admin API.

use std::io::BufRead;

use anyhow::{Context, bail};
use lanyard_domain::Lanyard;
use lanyard_domain::admin::AccountRole;
use lanyard_scim::time::format_micros;
use lanyard_store::AdminRole;
use serde_json::{Value, json};

use crate::cli::AdminCommand;
use crate::commands::{micros_json, print};

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("Password: ").context("cannot read the password (no terminal? use --password-stdin)")?;
    let again = rpassword::prompt_password("Password again: ").context("cannot read the password")?;
    if first != again {
        bail!("the passwords differ");
    }
    Ok(first)
}

pub async fn run(app: Lanyard, cmd: AdminCommand, json_mode: bool) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::Create { email, operator, tenant, password_stdin } => {
            let role = match (operator, tenant) {
                (true, _) => AccountRole::Operator,
                (false, Some(slug)) => AccountRole::TenantAdmin(slug),
                (false, None) => bail!("give --operator or --tenant SLUG"),
            };
            let password = read_password(password_stdin)?;
            let account = app.create_admin_account(&email, &password, &role).await?;
            let scope = account.tenant_slug.clone();
            let v = json!({"id": account.id, "email": account.email, "operator": scope.is_none(), "tenant": scope});
            print(json_mode, &v, || match &account.tenant_slug {
                Some(slug) => format!("created admin {} for tenant {slug}; sign in at /admin", account.email),
                None => format!("created operator {}; sign in at /admin", account.email),
            });
        }
        AdminCommand::List => {
            let all = app.list_admin_accounts().await?;
            let list: Vec<Value> = all
                .iter()
                .map(|a| {
                    json!({"id": a.id, "email": a.email, "operator": a.role == AdminRole::Operator, "tenant": a.tenant_slug,
                           "created": format_micros(a.created_at), "last_login": micros_json(a.last_login_at)})
                })
                .collect();
            print(json_mode, &Value::Array(list), || {
                all.iter()
                    .map(|a| {
                        format!("{:<40} {}", a.email, a.tenant_slug.as_deref().map_or("operator".to_string(), |s| format!("tenant {s}")))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}
