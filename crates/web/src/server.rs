//! The HTTP/1.1 server loop: accepts connections (over TLS when given an
//! acceptor), hands each request the peer address (`ConnectInfo`), closes
//! connections that do not complete the TLS handshake or send a complete
//! request head in time (slow clients, idle keep-alive), and on shutdown
//! stops accepting and finishes the requests in flight. (`axum::serve` has
//! no header read timeout.)

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderValue;
use axum::http::header::STRICT_TRANSPORT_SECURITY;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::rt::{Read, Write};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::{Service, ServiceExt};

/// Sent on every response over TLS: clients remember to use HTTPS for a year.
const HSTS: &str = "max-age=31536000";

/// TLS for [`serve_tls`]: the acceptor and how long a handshake may take.
#[derive(Clone)]
pub struct TlsListener {
    pub acceptor: TlsAcceptor,
    pub handshake_timeout: Duration,
}

/// Serves plain HTTP.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    serve_with(listener, app, None, header_read_timeout, shutdown).await
}

/// Serves HTTPS; every response carries `Strict-Transport-Security`.
pub async fn serve_tls<S>(
    listener: TcpListener,
    app: S,
    tls: TlsListener,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    serve_with(listener, app, Some(tls), header_read_timeout, shutdown).await
}

async fn serve_with<S>(
    listener: TcpListener,
    app: S,
    tls: Option<TlsListener>,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection { http: http.clone(), app: app.clone(), peer, watcher: graceful.watcher() };
        match &tls {
            None => tokio::spawn(connection.serve(TokioIo::new(stream), false)),
            Some(tls) => tokio::spawn(connection.serve_tls(stream, tls.clone())),
        };
    }
    drop(listener);
    // Waits for connections still in their TLS handshake too (at most the
    // handshake timeout): they are served, then closed, like the others.
    graceful.shutdown().await;
    Ok(())
}

/// One accepted connection, before it is served.
struct Connection<S> {
    http: hyper::server::conn::http1::Builder,
    app: S,
    peer: SocketAddr,
    watcher: Watcher,
}

impl<S> Connection<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    async fn serve_tls(self, stream: TcpStream, tls: TlsListener) {
        let peer = self.peer;
        match tokio::time::timeout(tls.handshake_timeout, tls.acceptor.accept(stream)).await {
            Ok(Ok(stream)) => self.serve(TokioIo::new(stream), true).await,
            // Not TLS (plain HTTP to the HTTPS port), no common protocol
            // version, or a client that gave up: the client's problem.
            Ok(Err(e)) => tracing::debug!(error = %e, %peer, "TLS handshake failed"),
            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
        }
    }

    async fn serve<I>(self, io: I, hsts: bool)
    where
        I: Read + Write + Unpin + Send + 'static,
    {
        let Connection { http, app, peer, watcher } = self;
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let respond = app.clone().oneshot(req);
            async move {
                let mut res = respond.await?;
                if hsts {
                    res.headers_mut().insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
                }
                Ok::<_, Infallible>(res)
            }
        });
        if let Err(e) = watcher.watch(http.serve_connection(io, service)).await {
            tracing::debug!(error = %e, %peer, "connection ended with an error");
        }
    }
}

/// Per-connection failures are the client's; others (out of file
/// descriptors) pass with time, so wait a little before accepting again.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(error = %e, "cannot accept connections");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
