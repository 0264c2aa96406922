//! `lanyard serve --tls-cert --tls-key`: real processes serving HTTPS with
//! certificates made here by a test CA, which the clients trust as their
//! only root. SCIM over HTTPS with HSTS, plain HTTP refused, renewal on
//! disk without a restart (and broken files ignored), clear start-up
//! errors, and the handshake and header read timeouts.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lanyard_testkit::{Scim, TestDatabase, json};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::multi_instance::Instance;

/// A certificate authority and a server certificate for 127.0.0.1 it issued.
struct Pki {
    ca_pem: String,
    chain_pem: String,
    key_pem: String,
}

impl Pki {
    fn new(ca_name: &str) -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, ca_name);
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, "lanyard test server");
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        Pki { ca_pem: ca.pem(), chain_pem: format!("{}{}", cert.pem(), ca.pem()), key_pem: key.serialize_pem() }
    }

    /// A client that trusts this CA and nothing else. Make a new one to
    /// see the certificate the server presents now: a client keeps TLS
    /// sessions, and a resumed session skips the certificate.
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).unwrap())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }

    /// A raw rustls client configuration trusting this CA.
    fn rustls_client(&self) -> tokio_rustls::TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        let ca = rustls::pki_types::CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).unwrap();
        roots.add(ca).unwrap();
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        tokio_rustls::TlsConnector::from(Arc::new(config))
    }
}

/// The certificate and key files a server reads.
struct Files {
    _dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
}

impl Files {
    fn new(pki: &Pki) -> Files {
        let dir = tempfile::tempdir().unwrap();
        let files = Files { cert: dir.path().join("fullchain.pem"), key: dir.path().join("privkey.pem"), _dir: dir };
        files.write(pki);
        files
    }

    fn write(&self, pki: &Pki) {
        std::fs::write(&self.cert, &pki.chain_pem).unwrap();
        std::fs::write(&self.key, &pki.key_pem).unwrap();
    }

    fn args(&self) -> Vec<String> {
        vec!["--tls-cert".into(), path(&self.cert), "--tls-key".into(), path(&self.key)]
    }
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

async fn start(db: &TestDatabase, files: &Files, pki: &Pki, more: &[&str]) -> Instance {
    let args: Vec<String> = files.args();
    let args: Vec<&str> = args.iter().map(String::as_str).chain(more.iter().copied()).collect();
    Instance::start_https(&db.url, &args, &[("RUST_LOG", "info")], &pki.client()).await
}

fn host_port(url: &str) -> &str {
    url.trim_start_matches("https://")
}

/// Whether a new client trusting `pki`'s CA only (no session to resume)
/// connects to the instance.
async fn connects(pki: &Pki, url: &str) -> bool {
    pki.client().get(format!("{url}/healthz")).send().await.is_ok_and(|r| r.status() == 200)
}

#[tokio::test]
async fn scim_over_https_with_the_test_ca_as_only_root_carries_hsts() {
    let db = TestDatabase::new().await;
    let pki = Pki::new("Lanyard Test CA");
    let files = Files::new(&pki);
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let mut instance = start(&db, &files, &pki, &["--metrics-listen", &metrics_addr, "--log-format", "json"]).await;

    // First start on an empty database: the printed base URL is HTTPS.
    let log = instance.log();
    let banner = |label: &str| {
        log.lines().find_map(|l| l.trim().strip_prefix(label)).map(|v| v.trim().to_string()).unwrap_or_else(|| panic!("{label} in {log}"))
    };
    let base = banner("SCIM Base URL :");
    assert_eq!(base, format!("{}/scim/v2/default", instance.url));
    let scim = Scim { http: pki.client(), ..Scim::new(&base, &banner("Bearer Token  :")) };

    let res = scim.get("/Users").await;
    res.expect(200);
    assert_eq!(res.header("strict-transport-security"), Some("max-age=31536000"));
    let created = scim.post("/Users", &json!({"userName": "ann@example.com"})).await;
    created.expect(201);
    assert_eq!(created.header("strict-transport-security"), Some("max-age=31536000"));
    assert!(created.header("location").unwrap().starts_with(&format!("{}/scim/v2/default/Users/", instance.url)));
    // Errors too: an unknown token.
    let refused = scim.with_token("lyd_wrong").get("/Users").await;
    refused.expect(401);
    assert_eq!(refused.header("strict-transport-security"), Some("max-age=31536000"));

    // Another CA's client does not trust the server.
    assert!(!connects(&Pki::new("Another CA"), &instance.url).await);

    // The metrics listener stays plain HTTP, without HSTS.
    let metrics = reqwest::get(format!("http://{metrics_addr}/healthz")).await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.headers().get("strict-transport-security").is_none());

    // The request log has the client's address, as over plain HTTP.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = instance.log();
    let create_line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["message"] == "request" && l["method"] == "POST")
        .unwrap_or_else(|| panic!("no request line for the create in {log}"));
    assert_eq!(create_line["client"], "127.0.0.1");

    assert!(instance.terminate().await.success(), "SIGTERM drains and exits cleanly");
}

#[tokio::test]
async fn the_server_speaks_tls_1_2_and_1_3_with_alpn_http_1_1() {
    let db = TestDatabase::new().await;
    let pki = Pki::new("Lanyard Test CA");
    let files = Files::new(&pki);
    let instance = start(&db, &files, &pki, &[]).await;
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(rustls::pki_types::CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap()).unwrap();
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[version])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let tcp = TcpStream::connect(host_port(&instance.url)).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.unwrap();
        let (_, session) = tls.get_ref();
        assert_eq!(session.protocol_version(), Some(version.version));
        assert_eq!(session.alpn_protocol(), Some(&b"http/1.1"[..]), "h2 is not offered back");
        tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut response = String::new();
        tls.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
}

#[tokio::test]
async fn plain_http_to_the_tls_port_fails_cleanly() {
    let db = TestDatabase::new().await;
    let pki = Pki::new("Lanyard Test CA");
    let files = Files::new(&pki);
    let instance = start(&db, &files, &pki, &[]).await;
    let plain_url = instance.url.replace("https://", "http://");

    let started = Instant::now();
    let plain = reqwest::Client::new().get(format!("{plain_url}/healthz")).timeout(Duration::from_secs(20)).send().await;
    assert!(plain.is_err(), "a plain HTTP request got an answer: {plain:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "refused at once, not after a timeout: {:?}", started.elapsed());

    // On the wire: the connection is closed, nothing HTTP comes back.
    let mut tcp = TcpStream::connect(host_port(&instance.url)).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut back = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut back)).await;
    assert!(read.is_ok(), "the connection stays open");
    assert!(!String::from_utf8_lossy(&back).contains("HTTP/1.1"), "{back:?}");

    assert!(connects(&pki, &instance.url).await, "HTTPS still works");
}

#[tokio::test]
async fn renewed_certificates_reach_new_connections_and_broken_files_are_ignored() {
    let db = TestDatabase::new().await;
    let (old, new) = (Pki::new("Old CA"), Pki::new("New CA"));
    let files = Files::new(&old);
    let instance = start(&db, &files, &old, &[]).await;
    assert!(connects(&old, &instance.url).await);
    assert!(!connects(&new, &instance.url).await);

    // A connection opened before the renewal keeps working.
    let connector = old.rustls_client();
    let tcp = TcpStream::connect(host_port(&instance.url)).await.unwrap();
    let mut open = connector.connect(rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap(), tcp).await.unwrap();

    files.write(&new);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !connects(&new, &instance.url).await {
        assert!(Instant::now() < deadline, "the renewed certificate is not served:\n{}", instance.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!connects(&old, &instance.url).await, "new connections get the new certificate only");
    open.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut response = String::new();
    open.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    // Broken files (half written; a key of another certificate) keep the
    // current certificate, and say so in the log.
    std::fs::write(&files.cert, &old.chain_pem[..old.chain_pem.len() / 3]).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(connects(&new, &instance.url).await, "a half-written file replaced the certificate");
    std::fs::write(&files.cert, &old.chain_pem).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(connects(&new, &instance.url).await, "a certificate without its key replaced the certificate");
    assert!(!connects(&old, &instance.url).await);
    let log = instance.log();
    assert!(log.contains("cannot load the changed TLS certificate or key"), "{log}");
    assert!(log.contains("does not belong to the certificate"), "{log}");

    // Completing the pair makes it current.
    std::fs::write(&files.key, &old.key_pem).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !connects(&old, &instance.url).await {
        assert!(Instant::now() < deadline, "the completed pair is not served:\n{}", instance.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn start_up_with_a_missing_or_broken_key_exits_with_a_clear_message() {
    let db = TestDatabase::new().await;
    let pki = Pki::new("Lanyard Test CA");
    let files = Files::new(&pki);
    let other = Pki::new("Other CA");
    let serve = |args: Vec<String>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lanyard"));
        command.args(["--database", &db.url, "serve", "--listen", "127.0.0.1:0"]).args(args);
        let out = command.output().unwrap();
        (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let refused = |args: Vec<String>, message: &str| {
        let (status, stderr) = serve(args);
        assert!(!status.success(), "{message}: started anyway");
        assert!(stderr.contains("cannot serve HTTPS") && stderr.contains(message), "{message}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    let missing = path(&files._dir.path().join("missing.pem"));
    refused(vec!["--tls-cert".into(), path(&files.cert), "--tls-key".into(), missing], "cannot read");
    std::fs::write(&files.key, "not a key\n").unwrap();
    refused(files.args(), "no private key found");
    std::fs::write(&files.key, &other.key_pem).unwrap();
    refused(files.args(), "does not belong to the certificate");
    std::fs::write(&files.cert, &pki.key_pem).unwrap();
    refused(files.args(), "no certificate found");
    // Both files or neither.
    let (status, stderr) = serve(vec!["--tls-cert".into(), path(&files.cert)]);
    assert!(!status.success());
    assert!(stderr.contains("--tls-key"), "{stderr}");
}

#[tokio::test]
async fn silent_clients_are_disconnected_after_the_handshake_and_header_timeouts() {
    let db = TestDatabase::new().await;
    let pki = Pki::new("Lanyard Test CA");
    let files = Files::new(&pki);
    let instance = start(&db, &files, &pki, &["--tls-handshake-timeout", "1s", "--header-read-timeout", "1s"]).await;

    // TCP open, no ClientHello.
    let started = Instant::now();
    let mut silent = TcpStream::connect(host_port(&instance.url)).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buf)).await;
    let waited = started.elapsed();
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "still open after 10 s: {read:?}");
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(5), "closed after {waited:?}");

    // A handshake, then no request.
    let started = Instant::now();
    let tcp = TcpStream::connect(host_port(&instance.url)).await.unwrap();
    let mut idle = pki.rustls_client().connect(rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap(), tcp).await.unwrap();
    let read = tokio::time::timeout(Duration::from_secs(10), idle.read(&mut buf)).await;
    let waited = started.elapsed();
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "still open after 10 s: {read:?}");
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(5), "closed after {waited:?}");

    assert!(connects(&pki, &instance.url).await, "the server still serves");
}
