//! TLS for the main listener: rustls with the ring provider, TLS 1.2 and
//! 1.3, ALPN `http/1.1`. The certificate and key come from PEM files that
//! are re-read when they change on disk (certbot and cert-manager renew by
//! rewriting them): new connections get the new certificate, connections
//! already open keep theirs, and a new pair that does not load (half
//! written, key of another certificate) leaves the current one in place.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// Where the certificate chain and its private key are (PEM).
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Why a certificate and key could not be used.
#[derive(Debug)]
pub enum TlsError {
    Read { path: PathBuf, error: std::io::Error },
    NoCertificate { path: PathBuf },
    BadCertificate { path: PathBuf, error: String },
    NoKey { path: PathBuf },
    BadKey { path: PathBuf, error: String },
    Mismatch { cert: PathBuf, key: PathBuf },
    Config(rustls::Error),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Read { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            TlsError::NoCertificate { path } => {
                write!(f, "{}: no certificate found (expected PEM \"BEGIN CERTIFICATE\" blocks)", path.display())
            }
            TlsError::BadCertificate { path, error } => write!(f, "{}: not a usable certificate chain: {error}", path.display()),
            TlsError::NoKey { path } => {
                write!(f, "{}: no private key found (expected an unencrypted PEM PKCS#8, RSA or EC private key)", path.display())
            }
            TlsError::BadKey { path, error } => write!(f, "{}: not a usable private key: {error}", path.display()),
            TlsError::Mismatch { cert, key } => {
                write!(f, "the private key in {} does not belong to the certificate in {}", key.display(), cert.display())
            }
            TlsError::Config(e) => write!(f, "TLS configuration: {e}"),
        }
    }
}

impl std::error::Error for TlsError {}

/// What a look at the files found.
#[derive(Debug)]
pub enum Reload {
    /// The files are as last seen (loaded or not).
    Unchanged,
    /// New files, now served.
    Reloaded,
    /// New files that do not load; the previous certificate stays.
    Failed(TlsError),
}

/// The server side of TLS: a rustls configuration whose certificate can be
/// replaced while it serves.
pub struct Tls {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: Arc<CurrentCertificate>,
    config: Arc<ServerConfig>,
    last_seen: Mutex<Seen>,
}

/// The file contents last looked at, so an unchanged (or still broken)
/// pair is neither parsed nor reported again.
#[derive(PartialEq, Eq)]
enum Seen {
    Files { cert: Vec<u8>, key: Vec<u8> },
    Unreadable,
}

impl Tls {
    /// Reads the certificate and key; an error names the file and what is
    /// wrong with it.
    pub fn load(files: TlsFiles) -> Result<Tls, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (cert, key) = read_files(&files)?;
        let certified = certified_key(&files, &cert, &key, &provider)?;
        let current = Arc::new(CurrentCertificate(ArcSwap::from_pointee(certified)));
        let mut config = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(TlsError::Config)?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        // The server speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls { files, provider, current, config: Arc::new(config), last_seen: Mutex::new(Seen::Files { cert, key }) })
    }

    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.clone())
    }

    /// Reads the files and, when they differ from the last look, loads them.
    /// Contents are compared rather than modification times: a renewal
    /// within the same second, or a file restored with an old time, counts.
    pub fn reload_if_changed(&self) -> Reload {
        let read = read_files(&self.files);
        let seen = match &read {
            Ok((cert, key)) => Seen::Files { cert: cert.clone(), key: key.clone() },
            Err(_) => Seen::Unreadable,
        };
        {
            let mut last = self.last_seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if *last == seen {
                return Reload::Unchanged;
            }
            *last = seen;
        }
        let loaded = read.and_then(|(cert, key)| certified_key(&self.files, &cert, &key, &self.provider));
        match loaded {
            Ok(certified) => {
                self.current.0.store(Arc::new(certified));
                Reload::Reloaded
            }
            Err(e) => Reload::Failed(e),
        }
    }

    /// Looks at the files every `every`, for as long as the task runs, and
    /// logs what changed.
    pub async fn watch(self: Arc<Self>, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let tls = self.clone();
            match tokio::task::spawn_blocking(move || tls.reload_if_changed()).await {
                Ok(Reload::Unchanged) => {}
                Ok(Reload::Reloaded) => {
                    tracing::info!(cert = %self.files.cert.display(), "TLS certificate reloaded: new connections use it");
                }
                Ok(Reload::Failed(e)) => {
                    tracing::error!(error = %e, "cannot load the changed TLS certificate or key; still serving the previous certificate");
                }
                Err(e) => tracing::error!(error = %e, "TLS certificate check failed"),
            }
        }
    }
}

/// Hands every handshake the certificate loaded last.
#[derive(Debug)]
struct CurrentCertificate(ArcSwap<CertifiedKey>);

impl ResolvesServerCert for CurrentCertificate {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.load_full())
    }
}

fn read_files(files: &TlsFiles) -> Result<(Vec<u8>, Vec<u8>), TlsError> {
    Ok((read(&files.cert)?, read(&files.key)?))
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read { path: path.to_path_buf(), error })
}

fn certified_key(files: &TlsFiles, cert: &[u8], key: &[u8], provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadCertificate { path: files.cert.clone(), error: e.to_string() })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: files.cert.clone() });
    }
    let key = match PrivateKeyDer::from_pem_slice(key) {
        Ok(key) => key,
        Err(rustls_pki_types::pem::Error::NoItemsFound) => return Err(TlsError::NoKey { path: files.key.clone() }),
        Err(e) => return Err(TlsError::BadKey { path: files.key.clone(), error: e.to_string() }),
    };
    let signing_key =
        provider.key_provider.load_private_key(key).map_err(|e| TlsError::BadKey { path: files.key.clone(), error: e.to_string() })?;
    let certified = CertifiedKey::new(chain, signing_key);
    match certified.keys_match() {
        Ok(()) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(TlsError::Mismatch { cert: files.cert.clone(), key: files.key.clone() })
        }
        // The provider cannot tell the key's public half: nothing to compare.
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(certified),
        Err(e) => Err(TlsError::BadCertificate { path: files.cert.clone(), error: e.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pair {
        cert: String,
        key: String,
    }

    fn pair(name: &str) -> Pair {
        let certified = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
        Pair { cert: certified.cert.pem(), key: certified.key_pair.serialize_pem() }
    }

    fn write(dir: &tempfile::TempDir, pair: &Pair) -> TlsFiles {
        let files = TlsFiles { cert: dir.path().join("cert.pem"), key: dir.path().join("key.pem") };
        std::fs::write(&files.cert, &pair.cert).unwrap();
        std::fs::write(&files.key, &pair.key).unwrap();
        files
    }

    fn served(tls: &Tls) -> Vec<u8> {
        tls.current.0.load().end_entity_cert().unwrap().to_vec()
    }

    fn der(pem: &str) -> Vec<u8> {
        CertificateDer::from_pem_slice(pem.as_bytes()).unwrap().to_vec()
    }

    #[test]
    fn loads_a_pair_and_names_the_file_that_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (pair("a.test"), pair("b.test"));
        let files = write(&dir, &a);
        assert_eq!(served(&Tls::load(files.clone()).unwrap()), der(&a.cert));

        std::fs::write(&files.key, "garbage").unwrap();
        let e = Tls::load(files.clone()).err().unwrap();
        assert!(matches!(e, TlsError::NoKey { .. }), "{e}");
        assert!(e.to_string().contains("key.pem"), "{e}");

        std::fs::write(&files.key, &b.key).unwrap();
        let e = Tls::load(files.clone()).err().unwrap();
        assert!(matches!(e, TlsError::Mismatch { .. }), "{e}");

        std::fs::write(&files.key, &a.key).unwrap();
        std::fs::write(&files.cert, &a.key).unwrap();
        assert!(matches!(Tls::load(files.clone()).err().unwrap(), TlsError::NoCertificate { .. }));
        std::fs::remove_file(&files.cert).unwrap();
        let e = Tls::load(files).err().unwrap();
        assert!(matches!(e, TlsError::Read { .. }) && e.to_string().contains("cert.pem"), "{e}");
    }

    #[test]
    fn a_key_file_may_hold_the_certificate_too() {
        let dir = tempfile::tempdir().unwrap();
        let a = pair("a.test");
        let files = write(&dir, &Pair { cert: a.cert.clone(), key: format!("{}{}", a.cert, a.key) });
        assert_eq!(served(&Tls::load(files).unwrap()), der(&a.cert));
    }

    #[test]
    fn changed_files_replace_the_certificate_and_bad_ones_keep_it() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (pair("a.test"), pair("b.test"), pair("c.test"));
        let files = write(&dir, &a);
        let tls = Tls::load(files.clone()).unwrap();
        assert!(matches!(tls.reload_if_changed(), Reload::Unchanged));

        // Half written: the new certificate with the old key.
        std::fs::write(&files.cert, &b.cert).unwrap();
        assert!(matches!(tls.reload_if_changed(), Reload::Failed(TlsError::Mismatch { .. })));
        assert!(matches!(tls.reload_if_changed(), Reload::Unchanged), "a failure is reported once");
        assert_eq!(served(&tls), der(&a.cert));
        std::fs::write(&files.key, &b.key).unwrap();
        assert!(matches!(tls.reload_if_changed(), Reload::Reloaded));
        assert_eq!(served(&tls), der(&b.cert));

        std::fs::write(&files.cert, &b.cert[..b.cert.len() / 2]).unwrap();
        assert!(matches!(tls.reload_if_changed(), Reload::Failed(_)));
        std::fs::remove_file(&files.key).unwrap();
        assert!(matches!(tls.reload_if_changed(), Reload::Failed(TlsError::Read { .. })));
        assert!(matches!(tls.reload_if_changed(), Reload::Unchanged));
        assert_eq!(served(&tls), der(&b.cert));

        write(&dir, &c);
        assert!(matches!(tls.reload_if_changed(), Reload::Reloaded));
        assert_eq!(served(&tls), der(&c.cert));
    }
}
