//! `lanyard serve`: bind, print how to connect, serve (and the metrics
//! listener, when asked) until SIGINT/SIGTERM, then drain the requests in
//! flight.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use lanyard_domain::Lanyard;
use lanyard_web::{AppState, AuthFailureLimit, HttpSettings, RateLimit, Tls, TlsListener, parse_networks};
use lanyard_webhooks::{Deliverer, DelivererConfig, RetrySchedule};
use tokio::net::TcpListener;

use crate::cli::{LogFormat, ServeArgs};

/// How often the TLS certificate and key files are looked at for a renewal.
const TLS_RELOAD_EVERY: Duration = Duration::from_secs(2);

pub async fn serve(app: Lanyard, args: &ServeArgs, listener: TcpListener, tls: Option<Tls>) -> anyhow::Result<()> {
    let settings = http_settings(args)?;
    if let Some((tenant, token)) = app.bootstrap().await? {
        let base = app.config().scim_base_url(&tenant.slug);
        let banner = format!(
            "\n  Lanyard is ready. First start: created the tenant \"{}\".\n\n  \
             SCIM Base URL : {base}\n  \
             Bearer Token  : {}\n\n  \
             The token is shown only this once. Paste both into your identity provider\n  \
             (JumpCloud: SSO Applications > your app > Identity Management), or try:\n    \
             curl -H 'Authorization: Bearer {}' {base}/Users\n",
            tenant.slug, token.token, token.token
        );
        // With JSON logs, standard output carries only log objects.
        match args.log_format {
            LogFormat::Json => eprintln!("{banner}"),
            LogFormat::Text => println!("{banner}"),
        }
    }
    if let Some(path) = app.admin_setup_path().await? {
        let url = format!("{}{path}", app.config().public_url);
        match args.log_format {
            // Every output line stays one JSON object for log collectors.
            LogFormat::Json => eprintln!(
                "{}",
                serde_json::json!({ "level": "WARN", "message": "no admin account yet: open the setup link once to create the first operator", "setup_url": url })
            ),
            LogFormat::Text => println!(
                "\n  No admin account yet. Create the first operator here (the link works once, for 24 hours):\n\n    {url}\n\n  \
                 Or: lanyard admin create EMAIL --operator\n"
            ),
        }
    }
    {
        let app = app.clone();
        tokio::spawn(async move { app.keep_admin_tidy(Duration::from_secs(10 * 60)).await });
    }
    let metrics_listener = match &args.metrics_listen {
        Some(addr) => Some(TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} (--metrics-listen)"))?),
        None => None,
    };
    if let Some(retention) = args.audit_retention {
        let app = app.clone();
        tokio::spawn(async move { app.keep_audit_for(retention).await });
    }
    if let Some(retention) = args.event_retention {
        let app = app.clone();
        tokio::spawn(async move { app.keep_events_for(retention).await });
    }
    let deliverer = if args.no_webhooks {
        None
    } else {
        Some(Deliverer::new(app.clone(), deliverer_config(args)?).context("cannot set up the webhook client")?)
    };
    #[cfg(feature = "saml")]
    {
        app.ensure_signing_key().await.context("cannot make the ID token signing key")?;
        app.ensure_sp_key().await.context("cannot make the SAML signing key")?;
        let app = app.clone();
        tokio::spawn(async move { app.keep_sso_fresh(std::time::Duration::from_secs(5 * 60)).await });
    }
    let addr = listener.local_addr()?;
    tracing::info!(listen = %addr, public_url = %app.config().public_url, tls = tls.is_some(), "lanyard serving");
    let header_read_timeout = settings.header_read_timeout;
    let state = AppState::new(app, settings).context("cannot set up the metrics")?;

    // One shutdown signal for both listeners.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let webhooks = deliverer.map(|d| tokio::spawn(d.run_until(until_stopped(stopped.clone()))));
    let metrics = metrics_listener.map(|l| {
        if let Ok(a) = l.local_addr() {
            tracing::info!(listen = %a, "metrics served at /metrics");
        }
        let service = lanyard_web::metrics_app(state.clone());
        tokio::spawn(lanyard_web::serve(l, service, header_read_timeout, until_stopped(stopped.clone())))
    });
    let main_app = lanyard_web::app(state);
    let served = match tls {
        None => lanyard_web::serve(listener, main_app, header_read_timeout, until_stopped(stopped)).await,
        Some(tls) => {
            let tls = Arc::new(tls);
            let listener_tls = TlsListener { acceptor: tls.acceptor(), handshake_timeout: args.tls_handshake_timeout };
            let reloads = tokio::spawn(tls.watch(TLS_RELOAD_EVERY));
            let served = lanyard_web::serve_tls(listener, main_app, listener_tls, header_read_timeout, until_stopped(stopped)).await;
            reloads.abort();
            served
        }
    };
    if let Some(task) = metrics {
        task.await.context("metrics server")?.context("metrics server error")?;
    }
    if let Some(task) = webhooks {
        task.await.context("webhook deliverer")?;
    }
    served.context("server error")
}

/// The webhook deliverer's settings from `serve`'s flags.
fn deliverer_config(args: &ServeArgs) -> anyhow::Result<DelivererConfig> {
    if args.webhook_lease < args.webhook_timeout * 2 {
        bail!("--webhook-lease must be at least twice --webhook-timeout (an attempt must end before another instance may take over)");
    }
    Ok(DelivererConfig {
        schedule: args.webhook_retry_schedule.clone().map_or_else(RetrySchedule::default, |p| RetrySchedule { pauses: p.0 }),
        timeout: args.webhook_timeout,
        lease: args.webhook_lease,
        poll: args.webhook_poll,
    })
}

/// The HTTP settings from `serve`'s flags.
fn http_settings(args: &ServeArgs) -> anyhow::Result<HttpSettings> {
    let rate = args.rate_limit;
    if !rate.is_finite() || rate < 0.0 {
        bail!("--rate-limit must be a number of requests per second, 0 for none");
    }
    let rate_limit = (rate > 0.0).then(|| RateLimit {
        per_second: rate,
        burst: args.rate_limit_burst.unwrap_or((rate * 2.0).ceil().min(f64::from(u32::MAX)) as u32).max(1),
    });
    let auth_failures = (args.auth_failure_limit > 0)
        .then_some(AuthFailureLimit { max_failures: args.auth_failure_limit, window: args.auth_failure_window });
    let trusted_proxies = parse_networks(&args.trusted_proxies).map_err(|e| anyhow!("--trusted-proxies: {e}"))?;
    let metrics_token = args.metrics_token.clone().filter(|t| !t.trim().is_empty());
    Ok(HttpSettings {
        request_timeout: args.request_timeout,
        header_read_timeout: args.header_read_timeout,
        body_read_timeout: args.body_read_timeout,
        rate_limit,
        auth_failures,
        trusted_proxies,
        metrics_token,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: draining requests in flight");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use clap::Parser;

    use super::*;
    use crate::cli::{Args, Command};

    fn settings(args: &[&str]) -> anyhow::Result<HttpSettings> {
        let parsed = Args::try_parse_from(["lanyard", "serve"].iter().chain(args)).unwrap();
        match parsed.command {
            Some(Command::Serve(serve)) => http_settings(&serve),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn serve_flags_become_http_settings() {
        let s = settings(&["--rate-limit", "2.5", "--auth-failure-limit", "0", "--trusted-proxies", "10.0.0.0/8,::1"]).unwrap();
        assert_eq!(s.rate_limit, Some(RateLimit { per_second: 2.5, burst: 5 }), "burst defaults to twice the rate");
        assert_eq!(s.auth_failures, None);
        assert_eq!(s.trusted_proxies.len(), 2);
        let s = settings(&["--rate-limit", "10", "--rate-limit-burst", "3", "--request-timeout", "500ms"]).unwrap();
        assert_eq!(s.rate_limit, Some(RateLimit { per_second: 10.0, burst: 3 }));
        assert_eq!(s.request_timeout, std::time::Duration::from_millis(500));
        assert!(settings(&["--rate-limit=-1"]).is_err());
        assert!(settings(&["--rate-limit=NaN"]).is_err());
        assert!(settings(&["--trusted-proxies", "proxy.internal"]).is_err());
        assert!(Args::try_parse_from(["lanyard", "serve", "--header-read-timeout", "0s"]).is_err());
    }

    fn serve_args(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        match Args::try_parse_from(["lanyard", "serve"].iter().chain(args))?.command {
            Some(Command::Serve(serve)) => Ok(*serve),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tls_needs_both_files_and_makes_the_default_public_url_https() {
        assert!(serve_args(&["--tls-cert", "c.pem"]).is_err(), "a certificate without a key");
        assert!(serve_args(&["--tls-key", "k.pem"]).is_err(), "a key without a certificate");
        let addr = Some("127.0.0.1:8443".parse().unwrap());
        let tls = serve_args(&["--tls-cert", "c.pem", "--tls-key", "k.pem"]).unwrap();
        assert_eq!(tls.tls_files().unwrap().key, std::path::PathBuf::from("k.pem"));
        assert_eq!(tls.public_url(addr), "https://127.0.0.1:8443");
        let plain = serve_args(&["--listen", "0.0.0.0:8080"]).unwrap();
        assert!(plain.tls_files().is_none());
        assert_eq!(plain.public_url(None), "http://0.0.0.0:8080");
        let explicit = serve_args(&["--tls-cert", "c", "--tls-key", "k", "--public-url", "https://id.example.com"]).unwrap();
        assert_eq!(explicit.public_url(addr), "https://id.example.com");
    }
}
