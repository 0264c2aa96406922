//! Runs one CLI command against the database.

use std::sync::Arc;

use anyhow::{Context, bail};
use lanyard_database::DbOptions;
use lanyard_domain::{Config, Lanyard};
use lanyard_scim::time::format_micros;
use lanyard_store::{SeatCounters, SeatStatus, Store, Tenant};
use serde_json::{Value, json};

use crate::cli::{ApiKeyCommand, Args, Command, LogFormat, SeatsCommand, ServeArgs, TenantCommand, TokenCommand};
use crate::webhook_commands::webhook;

async fn open_store(args: &Args) -> anyhow::Result<Arc<dyn Store>> {
    let statement_timeout = args
        .db_statement_timeout
        .as_deref()
        .map(|s| humantime::parse_duration(s).with_context(|| format!("--db-statement-timeout {s:?}: expected a duration such as 30s")))
        .transpose()?;
    if args.db_pool_size == Some(0) {
        bail!("--db-pool-size must be at least 1");
    }
    let options = DbOptions { pool_size: args.db_pool_size, statement_timeout };
    let url = &args.database;
    let store = lanyard_database::open(url, &options).await.with_context(|| format!("cannot open database {}", redact(url)))?;
    store.migrate().await.context("cannot migrate the database")?;
    Ok(store)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn parse_limit(s: &str) -> anyhow::Result<Option<i64>> {
    if s.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    let n: i64 = s.parse().with_context(|| format!("seat limit {s:?}: expected a number or `unlimited`"))?;
    if n < 0 {
        bail!("seat limit cannot be negative");
    }
    Ok(Some(n))
}

pub(crate) fn print(json_mode: bool, value: &Value, human: impl FnOnce() -> String) {
    if json_mode {
        println!("{value}");
    } else {
        println!("{}", human());
    }
}

pub(crate) fn micros_json(m: Option<i64>) -> Value {
    m.map(|m| json!(format_micros(m))).unwrap_or(Value::Null)
}

fn tenant_json(t: &Tenant, public_url: Option<&str>) -> Value {
    let mut v = json!({
        "id": t.id,
        "slug": t.slug,
        "name": t.name,
        "seats": { "limit": t.seat_limit, "assigned": t.seats_assigned, "pending": t.seats_pending },
        "created": format_micros(t.created_at),
    });
    if let (Some(url), Some(o)) = (public_url, v.as_object_mut()) {
        o.insert("scim_base_url".into(), json!(Config::new(url).scim_base_url(&t.slug)));
    }
    v
}

fn seats_json(c: &SeatCounters) -> Value {
    json!({ "limit": c.limit, "assigned": c.assigned, "pending": c.pending })
}

fn limit_text(limit: Option<i64>) -> String {
    limit.map_or("unlimited".to_string(), |n| n.to_string())
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let json_mode = args.json;
    let store = open_store(&args).await?;
    let command = match args.command {
        Some(command) => command,
        None => Command::Serve(Box::new(ServeArgs::from_env()?)),
    };
    match command {
        Command::Serve(serve) => {
            init_tracing(serve.log_format);
            let tls = serve.tls_files().map(lanyard_web::Tls::load).transpose().context("cannot serve HTTPS (--tls-cert, --tls-key)")?;
            let listener =
                tokio::net::TcpListener::bind(&serve.listen).await.with_context(|| format!("cannot listen on {}", serve.listen))?;
            let public_url = serve.public_url(listener.local_addr().ok());
            let app = Lanyard::new(store, Config::new(&public_url));
            crate::serve::serve(app, &serve, listener, tls).await
        }
        Command::Migrate => {
            print(json_mode, &json!({"migrated": true}), || "database is up to date".into());
            Ok(())
        }
        Command::Export { output } => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            let counts = match &output {
                Some(path) => {
                    let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
                    app.export(&mut std::io::BufWriter::new(file)).await?
                }
                None => app.export(&mut std::io::BufWriter::new(std::io::stdout().lock())).await?,
            };
            // The export may be on standard output: report on standard error.
            eprintln!("{}", transfer_summary("exported", &counts));
            Ok(())
        }
        Command::Import { input } => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            let counts = match &input {
                Some(path) => {
                    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                    app.import(&mut std::io::BufReader::new(file)).await?
                }
                None => app.import(&mut std::io::stdin().lock()).await?,
            };
            print(json_mode, &json!(counts), || transfer_summary("imported", &counts));
            Ok(())
        }
        Command::Tenant(cmd) => tenant(Lanyard::new(store, Config::new("http://127.0.0.1:8080")), cmd, json_mode).await,
        Command::Token(cmd) => token(Lanyard::new(store, Config::new("http://127.0.0.1:8080")), cmd, json_mode).await,
        Command::ApiKey(cmd) => api_key(Lanyard::new(store, Config::new("http://127.0.0.1:8080")), cmd, json_mode).await,
        Command::Webhook(cmd) => webhook(Lanyard::new(store, Config::new("http://127.0.0.1:8080")), cmd, json_mode).await,
        Command::Seats(cmd) => seats(Lanyard::new(store, Config::new("http://127.0.0.1:8080")), cmd, json_mode).await,
        Command::Sso(cmd) => crate::sso_commands::run(store, cmd, json_mode).await,
        Command::Oidc(cmd) => crate::oidc_commands::run(store, cmd, json_mode).await,
        Command::Admin(cmd) => crate::admin_commands::run(Lanyard::new(store, Config::new("http://127.0.0.1:8080")), cmd, json_mode).await,
        Command::Audit { slug, since, limit } => {
            let app = Lanyard::new(store, Config::new("http://127.0.0.1:8080"));
            let since = since.map(|s| parse_since(&s)).transpose()?;
            let events = app.audit_events(&slug, since, limit).await?;
            let list: Vec<Value> = events
                .iter()
                .map(|e| json!({"id": e.id, "at": format_micros(e.event.at), "actor": e.event.actor, "action": e.event.action, "resource_type": e.event.resource_type, "resource_id": e.event.resource_id, "detail": e.event.detail}))
                .collect();
            print(json_mode, &Value::Array(list.clone()), || {
                list.iter()
                    .map(|e| {
                        format!(
                            "{}  {:<22} {:<28} {} {}",
                            e["at"].as_str().unwrap_or(""),
                            e["action"].as_str().unwrap_or(""),
                            e["actor"].as_str().unwrap_or(""),
                            e["resource_id"].as_str().unwrap_or("-"),
                            e["detail"]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
    }
}

fn transfer_summary(verb: &str, c: &lanyard_domain::TransferCounts) -> String {
    format!(
        "{verb} {} tenants, {} tokens, {} users, {} groups, {} memberships, {} audit events",
        c.tenants, c.tokens, c.users, c.groups, c.members, c.audit_events
    )
}

fn parse_since(s: &str) -> anyhow::Result<i64> {
    if let Some(m) = lanyard_scim::time::parse_datetime_micros(s) {
        return Ok(m);
    }
    let ago = humantime::parse_duration(s).with_context(|| format!("--since {s:?}: expected RFC 3339 or a duration such as 2h"))?;
    Ok(lanyard_domain::now() - ago.as_micros() as i64)
}

async fn tenant(app: Lanyard, cmd: TenantCommand, json_mode: bool) -> anyhow::Result<()> {
    match cmd {
        TenantCommand::Create { slug, name, seats, public_url } => {
            let limit = seats.as_deref().map(parse_limit).transpose()?.flatten();
            let t = app.create_tenant(&slug, name.as_deref(), limit).await?;
            let v = tenant_json(&t, Some(&public_url));
            print(json_mode, &v, || {
                format!(
                    "created tenant {} ({})\nSCIM Base URL: {}\nseats: {}\nnext: lanyard token create {}",
                    t.slug,
                    t.name,
                    v["scim_base_url"].as_str().unwrap_or(""),
                    limit_text(t.seat_limit),
                    t.slug
                )
            });
        }
        TenantCommand::List => {
            let all = app.list_tenants().await?;
            let v = Value::Array(all.iter().map(|t| tenant_json(t, None)).collect());
            print(json_mode, &v, || {
                all.iter()
                    .map(|t| {
                        format!(
                            "{:<24} {:<32} seats {}/{} pending {}",
                            t.slug,
                            t.name,
                            t.seats_assigned,
                            limit_text(t.seat_limit),
                            t.seats_pending
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        TenantCommand::Show { slug, public_url } => {
            let t = app.tenant_by_slug(&slug).await?;
            let v = tenant_json(&t, Some(&public_url));
            print(json_mode, &v, || serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        TenantCommand::Delete { slug } => {
            app.delete_tenant(&slug).await?;
            print(json_mode, &json!({"deleted": slug}), || format!("deleted tenant {slug}"));
        }
    }
    Ok(())
}

async fn token(app: Lanyard, cmd: TokenCommand, json_mode: bool) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { slug, label, expires_in } => {
            let expires = expires_in
                .map(|s| humantime::parse_duration(&s).with_context(|| format!("--expires-in {s:?}: expected a duration such as 90d")))
                .transpose()?
                .map(|d| d.as_micros() as i64);
            let t = app.create_token(&slug, label.as_deref(), expires).await?;
            let v = json!({"id": t.id, "token": t.token, "label": t.label, "expires": micros_json(t.expires_at)});
            print(json_mode, &v, || format!("token id: {}\nBearer token (shown once, store it now):\n{}", t.id, t.token));
        }
        TokenCommand::List { slug } => {
            let all = app.list_tokens(&slug).await?;
            let list: Vec<Value> = all
                .iter()
                .map(|t| json!({"id": t.id, "label": t.label, "created": format_micros(t.created_at), "last_used": micros_json(t.last_used_at), "expires": micros_json(t.expires_at), "revoked": micros_json(t.revoked_at)}))
                .collect();
            print(json_mode, &Value::Array(list.clone()), || {
                list.iter()
                    .map(|t| {
                        format!(
                            "{}  label={} created={} last_used={} expires={} revoked={}",
                            t["id"], t["label"], t["created"], t["last_used"], t["expires"], t["revoked"]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        TokenCommand::Revoke { slug, token_id } => {
            app.revoke_token(&slug, &token_id).await?;
            print(json_mode, &json!({"revoked": token_id}), || format!("revoked token {token_id}"));
        }
    }
    Ok(())
}

async fn api_key(app: Lanyard, cmd: ApiKeyCommand, json_mode: bool) -> anyhow::Result<()> {
    match cmd {
        ApiKeyCommand::Create { tenant, label } => {
            let k = app.create_api_key(tenant.as_deref(), label.as_deref()).await?;
            let scope = k.tenant.clone().unwrap_or_else(|| "every tenant".into());
            print(json_mode, &json!(k), || format!("API key id: {} (for {scope})\nAPI key (shown once, store it now):\n{}", k.id, k.key));
        }
        ApiKeyCommand::List => {
            let all = app.list_api_keys().await?;
            let list: Vec<Value> = all
                .iter()
                .map(|k| json!({"id": k.id, "tenant": k.tenant, "label": k.label, "created": format_micros(k.created_at), "revoked": micros_json(k.revoked_at)}))
                .collect();
            print(json_mode, &Value::Array(list.clone()), || {
                list.iter()
                    .map(|k| {
                        format!(
                            "{}  tenant={} label={} created={} revoked={}",
                            k["id"], k["tenant"], k["label"], k["created"], k["revoked"]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ApiKeyCommand::Revoke { key_id } => {
            app.revoke_api_key(&key_id).await?;
            print(json_mode, &json!({"revoked": key_id}), || format!("revoked API key {key_id}"));
        }
    }
    Ok(())
}

async fn seats(app: Lanyard, cmd: SeatsCommand, json_mode: bool) -> anyhow::Result<()> {
    match cmd {
        SeatsCommand::Set { slug, limit } => {
            let c = app.set_seat_limit(&slug, parse_limit(&limit)?, "cli").await?;
            print(json_mode, &seats_json(&c), || {
                format!("seats: {} assigned of {}, {} pending", c.assigned, limit_text(c.limit), c.pending)
            });
        }
        SeatsCommand::Show { slug } => {
            let c = app.seat_counters(&slug).await?;
            print(json_mode, &seats_json(&c), || {
                format!("limit: {}\nassigned: {}\npending: {}", limit_text(c.limit), c.assigned, c.pending)
            });
        }
        SeatsCommand::List { slug, status } => {
            let status = status.as_deref().and_then(SeatStatus::parse);
            let users = app.seat_holders(&slug, status).await?;
            let list: Vec<Value> = users
                .iter()
                .map(|u| json!({"id": u.id, "userName": u.user_name, "status": u.seat.status.as_str(), "assignedAt": micros_json(u.seat.assigned_at), "pendingSince": micros_json(u.seat.pending_since)}))
                .collect();
            print(json_mode, &Value::Array(list.clone()), || {
                list.iter()
                    .map(|u| {
                        format!(
                            "{:<9} {:<40} {}",
                            u["status"].as_str().unwrap_or(""),
                            u["userName"].as_str().unwrap_or(""),
                            u["assignedAt"].as_str().or(u["pendingSince"].as_str()).unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match format {
        // One object per line; events inside a request carry its span
        // (with `request_id`) under "span".
        LogFormat::Json => fmt.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init(),
        // Colour only on a terminal: log files and collectors get plain text.
        LogFormat::Text => fmt.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout())).try_init(),
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_urls_are_shown_without_their_password() {
        assert_eq!(super::redact("postgres://app:s3cret@db:5432/lanyard"), "postgres://app:***@db:5432/lanyard");
        assert_eq!(super::redact("postgres://app@db/lanyard"), "postgres://app@db/lanyard");
        assert_eq!(super::redact("lanyard.db"), "lanyard.db");
    }
}
