//! The command line. These names are Lanyard's interface: keep them.

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
    Serve(ServeArgs),
    /// Tenants: one customer organization each.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// SCIM bearer tokens of a tenant.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Subscription seats of a tenant.
    #[command(subcommand)]
    Seats(SeatsCommand),
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

#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LANYARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The URL clients reach this server at (SCIM base URLs, meta.location
    /// and Location use it). Default: http://LISTEN.
    #[arg(long, env = "LANYARD_PUBLIC_URL")]
    pub public_url: Option<String>,
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
