//! `lanyard serve`: bind, print how to connect, serve until SIGINT/SIGTERM,
//! then drain the requests in flight.

use anyhow::Context;
use lanyard_domain::Lanyard;
use tokio::net::TcpListener;

use crate::cli::ServeArgs;

pub async fn serve(app: Lanyard, args: &ServeArgs, listener: TcpListener) -> anyhow::Result<()> {
    if let Some((tenant, token)) = app.bootstrap().await? {
        let base = app.config().scim_base_url(&tenant.slug);
        println!();
        println!("  Lanyard is ready. First start: created the tenant \"{}\".", tenant.slug);
        println!();
        println!("  SCIM Base URL : {base}");
        println!("  Bearer Token  : {}", token.token);
        println!();
        println!("  The token is shown only this once. Paste both into your identity provider");
        println!("  (JumpCloud: SSO Applications > your app > Identity Management), or try:");
        println!("    curl -H 'Authorization: Bearer {}' {base}/Users", token.token);
        println!();
    }
    let addr = listener.local_addr()?;
    tracing::info!(listen = %addr, public_url = %app.config().public_url, "lanyard serving");
    let _ = args;
    let service = lanyard_web::app(app);
    axum::serve(listener, axum::ServiceExt::<axum::extract::Request>::into_make_service(service))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")
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
