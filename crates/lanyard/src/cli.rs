//! The command line. These names are Lanyard's interface: keep them.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "lanyard", version, about = "SCIM 2.0 provisioning, subscription seats and SSO for your SaaS's business customers")]
pub struct Args {
    /// Database: a file path or sqlite://PATH (embedded SQLite), or
    /// postgres://USER@HOST:PORT/DB (shared by several instances).
    #[arg(long, global = true, env = "LANYARD_DATABASE_URL", default_value = "lanyard.db")]
    pub database: String,
    /// PostgreSQL connections per instance (default 16).
    #[arg(long, global = true, env = "LANYARD_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// PostgreSQL statement timeout, e.g. 30s (default 30s).
    #[arg(long, global = true, env = "LANYARD_DB_STATEMENT_TIMEOUT")]
    pub db_statement_timeout: Option<String>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve SCIM (and the rest) over HTTP. The default command.
    Serve(Box<ServeArgs>),
    /// Tenants: one customer organization each.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// SCIM bearer tokens of a tenant.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Subscription seats of a tenant.
    #[command(subcommand)]
    Seats(SeatsCommand),
    /// Operator API keys: the application's credentials for /api/v1.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Webhook endpoints: signed POSTs of every event, in order, with retries.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Admin accounts of the web pages (/admin) and the admin API.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// SAML single sign-on connections of a tenant (needs a build with `--features saml`).
    #[command(subcommand)]
    Sso(SsoCommand),
    /// Applications that sign people in through Lanyard over OpenID Connect
    /// (needs a build with `--features saml`).
    #[command(subcommand)]
    Oidc(OidcCommand),
    /// A tenant's audit log, newest last.
    Audit {
        slug: String,
        /// Only events at or after this time (RFC 3339) or this long ago (e.g. 2h, 7d).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 1000)]
        limit: i64,
    },
    /// Apply database migrations (serve does this too).
    Migrate,
    /// Write every tenant, token hash, user, group, membership and audit
    /// event as JSON lines (to move between SQLite and PostgreSQL).
    Export {
        /// File to write; standard output when absent.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Read an export into this database (its tenants must not exist yet).
    Import {
        /// File to read; standard input when absent.
        #[arg(long, short)]
        input: Option<std::path::PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LANYARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The URL clients reach this server at (SCIM base URLs, meta.location
    /// and Location use it). Default: http://LISTEN, https://LISTEN with TLS.
    #[arg(long, env = "LANYARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log lines as text or as one JSON object per line.
    #[arg(long, env = "LANYARD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// A request not answered within this time is answered 503 with Retry-After.
    #[arg(long, env = "LANYARD_REQUEST_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub request_timeout: Duration,
    /// A connection that sends no complete request head within this time is closed.
    #[arg(long, env = "LANYARD_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_read_timeout: Duration,
    /// A request body not received within this time is answered 408.
    #[arg(long, env = "LANYARD_BODY_READ_TIMEOUT", default_value = "20s", value_parser = duration)]
    pub body_read_timeout: Duration,
    /// Requests per second per SCIM token (429 with Retry-After beyond it); 0: no limit.
    #[arg(long, env = "LANYARD_RATE_LIMIT", default_value_t = 0.0)]
    pub rate_limit: f64,
    /// Requests a token may send at once above the rate. Default: twice the rate (at least 1).
    #[arg(long, env = "LANYARD_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,
    /// Failed authentications from one client address within the window
    /// after which that address is answered 429 until the window ends; 0: off.
    #[arg(long, env = "LANYARD_AUTH_FAILURE_LIMIT", default_value_t = 20)]
    pub auth_failure_limit: u32,
    /// The window of --auth-failure-limit.
    #[arg(long, env = "LANYARD_AUTH_FAILURE_WINDOW", default_value = "60s", value_parser = duration)]
    pub auth_failure_window: Duration,
    /// Proxies (addresses or networks, comma-separated) whose X-Forwarded-For
    /// names the client. Set it behind a load balancer or TLS proxy.
    #[arg(long, env = "LANYARD_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Serve GET /metrics without a credential on this extra address (an internal one).
    #[arg(long, env = "LANYARD_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// Serve GET /metrics on the main address to "Authorization: Bearer <this>".
    #[arg(long, env = "LANYARD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (leaf first; with
    /// --tls-key). Re-read when it changes on disk.
    #[arg(long, env = "LANYARD_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key (PKCS#8, RSA or EC) of --tls-cert.
    #[arg(long, env = "LANYARD_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A connection that does not complete its TLS handshake within this time is closed.
    #[arg(long, env = "LANYARD_TLS_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub tls_handshake_timeout: Duration,
    /// Delete audit events older than this (e.g. 365d); kept forever when absent.
    #[arg(long, env = "LANYARD_AUDIT_RETENTION", value_parser = duration)]
    pub audit_retention: Option<Duration>,
    /// Delete events (and webhook delivery log rows) older than this (e.g.
    /// 30d), except events an enabled webhook endpoint has not delivered
    /// yet; kept forever when absent.
    #[arg(long, env = "LANYARD_EVENT_RETENTION", value_parser = duration)]
    pub event_retention: Option<Duration>,
    /// Do not deliver webhooks from this instance (others sharing the
    /// database still do).
    #[arg(long, env = "LANYARD_NO_WEBHOOKS")]
    pub no_webhooks: bool,
    /// Pauses between attempts at one event, comma-separated; the endpoint
    /// is disabled after the last. Default: 5s,30s,2m,10m,30m,1h,2h,4h,8h,8h,8h.
    #[arg(long, env = "LANYARD_WEBHOOK_RETRY_SCHEDULE", value_parser = durations)]
    pub webhook_retry_schedule: Option<Pauses>,
    /// Time limit of one delivery attempt.
    #[arg(long, env = "LANYARD_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub webhook_timeout: Duration,
    /// How long an instance keeps an endpoint to itself without renewing
    /// (after a crash, another instance takes over after this). At least
    /// twice --webhook-timeout.
    #[arg(long, env = "LANYARD_WEBHOOK_LEASE", default_value = "60s", value_parser = duration)]
    pub webhook_lease: Duration,
    /// How often to look for webhook work written by other instances.
    #[arg(long, env = "LANYARD_WEBHOOK_POLL", default_value = "1s", value_parser = duration, hide = true)]
    pub webhook_poll: Duration,
}

impl ServeArgs {
    /// The certificate and key files, when HTTPS is asked for.
    pub fn tls_files(&self) -> Option<lanyard_web::TlsFiles> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(lanyard_web::TlsFiles { cert: cert.clone(), key: key.clone() }),
            _ => None,
        }
    }

    /// The public URL: `--public-url`, or the listen address with the
    /// scheme the server speaks.
    pub fn public_url(&self, listening_on: Option<std::net::SocketAddr>) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let scheme = if self.tls_files().is_some() { "https" } else { "http" };
        let host = listening_on.map(|a| a.to_string()).unwrap_or_else(|| self.listen.clone());
        format!("{scheme}://{host}")
    }

    /// `serve`'s settings from the environment and defaults alone (when
    /// `lanyard` runs with no command).
    pub fn from_env() -> Result<ServeArgs, clap::Error> {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::try_parse_from(["lanyard"]).map(|o| o.serve)
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

fn duration(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be longer than zero".into()),
        Err(e) => Err(format!("{e}: expected a duration such as 30s or 500ms")),
    }
}

/// A comma-separated list of durations (one value for clap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pauses(pub Vec<Duration>);

fn durations(s: &str) -> Result<Pauses, String> {
    s.split(',').map(|d| duration(d.trim())).collect::<Result<Vec<_>, _>>().map(Pauses)
}

#[derive(Subcommand, Debug)]
pub enum WebhookCommand {
    /// Create an endpoint for one tenant (SLUG) or every tenant; prints its
    /// signing secret once.
    Create {
        slug: Option<String>,
        /// Where to POST events: an http:// or https:// URL.
        #[arg(long)]
        url: String,
        /// Event types, comma-separated, or `all` (the default).
        #[arg(long)]
        events: Option<String>,
    },
    /// Every endpoint, or one tenant's.
    List {
        slug: Option<String>,
    },
    /// An endpoint's state, cursor and last attempts.
    Show {
        id: String,
    },
    /// An endpoint's delivery log, newest first.
    Deliveries {
        id: String,
        /// Only attempts that failed.
        #[arg(long)]
        failed: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Resume a disabled endpoint where it stopped (nothing is lost).
    Enable {
        id: String,
    },
    /// Stop delivering to an endpoint (its events wait).
    Disable {
        id: String,
    },
    Delete {
        id: String,
    },
    /// Send one event to an endpoint again now (same webhook-id); its
    /// cursor and retries are untouched.
    Replay {
        id: String,
        /// The event's id (`evt_…`, as delivered).
        #[arg(long)]
        event: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TenantCommand {
    Create {
        slug: String,
        #[arg(long)]
        name: Option<String>,
        /// Seat limit: a number or `unlimited` (the default).
        #[arg(long)]
        seats: Option<String>,
        #[arg(long, env = "LANYARD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    List,
    Show {
        slug: String,
        #[arg(long, env = "LANYARD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    Delete {
        slug: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an admin account: an operator (every tenant) or a tenant's
    /// admin. The password is asked for, or read from standard input.
    Create {
        email: String,
        /// May see and change every tenant, and create tenants.
        #[arg(long, conflicts_with = "tenant", required_unless_present = "tenant")]
        operator: bool,
        /// May see and change this tenant only.
        #[arg(long, value_name = "SLUG")]
        tenant: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    List,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create a key (printed once): for every tenant, or with --tenant for one.
    Create {
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        label: Option<String>,
    },
    List,
    Revoke {
        key_id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token; it is printed once and never again.
    Create {
        slug: String,
        #[arg(long)]
        label: Option<String>,
        /// e.g. 90d, 12h.
        #[arg(long)]
        expires_in: Option<String>,
    },
    List {
        slug: String,
    },
    Revoke {
        slug: String,
        token_id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum SeatsCommand {
    /// Set the seat limit: a number or `unlimited`.
    Set {
        slug: String,
        limit: String,
    },
    Show {
        slug: String,
    },
    /// Users holding or waiting for a seat, in seat order.
    List {
        slug: String,
        #[arg(long, value_parser = ["assigned", "pending"])]
        status: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SsoCommand {
    /// Connect an identity provider from its metadata (or values entered by
    /// hand); prints the values the IdP admin copies (SP Entity ID, ACS URL,
    /// NameID format, Login URL).
    #[command(group = clap::ArgGroup::new("idp_source").required(true).multiple(false))]
    Create {
        slug: String,
        #[arg(long)]
        name: String,
        /// jumpcloud, okta, entra-id, onelogin, google or generic.
        #[arg(long, default_value = "generic")]
        idp: String,
        /// The IdP's metadata URL: fetched now, and refreshed by `serve`.
        #[arg(long, group = "idp_source")]
        metadata_url: Option<String>,
        /// The IdP's metadata XML, saved as it is now.
        #[arg(long, group = "idp_source")]
        metadata_file: Option<std::path::PathBuf>,
        /// Without metadata: the IdP's entity ID (issuer), entered by hand
        /// with --idp-sso-url and --idp-certificate.
        #[arg(long, group = "idp_source", requires_all = ["idp_sso_url", "idp_certificates"])]
        idp_entity_id: Option<String>,
        /// The IdP's single sign-on URL (HTTP-Redirect binding).
        #[arg(long, requires = "idp_entity_id")]
        idp_sso_url: Option<String>,
        /// A file with the IdP's signing certificate (PEM or base64 DER);
        /// repeat for several.
        #[arg(long = "idp-certificate", value_name = "FILE", requires = "idp_entity_id")]
        idp_certificates: Vec<std::path::PathBuf>,
        /// Email domains this connection serves (unique across tenants).
        #[arg(long = "domain", required = true, num_args = 1..)]
        domains: Vec<String>,
        /// Create unknown users of these domains at sign-in (seat rules apply).
        #[arg(long)]
        jit: bool,
        /// Accept sign-ins started at the IdP (no AuthnRequest from Lanyard).
        #[arg(long)]
        allow_idp_initiated: bool,
        /// FIELD=NAME: the SAML attribute (Name or FriendlyName) giving
        /// given_name (default givenName), family_name (sn) or groups (groups).
        #[arg(long = "attribute", value_name = "FIELD=NAME")]
        attributes: Vec<String>,
        #[arg(long, env = "LANYARD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    List {
        slug: String,
        #[arg(long, env = "LANYARD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    Show {
        slug: String,
        id: String,
        #[arg(long, env = "LANYARD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    Delete {
        slug: String,
        id: String,
    },
    /// Make a new key for signing AuthnRequests. It signs from now on; the
    /// old one stays in the SP metadata until `sso retire-sp-keys`, so IdPs
    /// that read the metadata follow by themselves.
    RotateSpKey,
    /// Stop publishing every SAML signing key but the newest.
    RetireSpKeys,
}

#[derive(Subcommand, Debug)]
pub enum OidcCommand {
    /// Register an application; prints its client_id, its client_secret
    /// (only this once) and the discovery URL its OpenID Connect library needs.
    Create {
        name: String,
        /// Where Lanyard may send the browser back (exact match; https, or
        /// http on localhost).
        #[arg(long = "redirect-uri", required = true, num_args = 1..)]
        redirect_uris: Vec<String>,
        /// A single-page or native app: no secret, PKCE only.
        #[arg(long)]
        public: bool,
        #[arg(long, env = "LANYARD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    List,
    Delete {
        client_id: String,
    },
    /// Make a new ID token signing key: it signs from now on, and the old
    /// keys stay in the JWKS so tokens already issued still verify.
    RotateKey,
}
