//! `lanyard-bench`: measures a real `lanyard serve` over loopback HTTP.
//!
//! It starts the server from the release binary with a fresh database
//! (SQLite, or a scratch PostgreSQL database that several instances share),
//! creates a tenant and token through the CLI, then runs one scenario with
//! N concurrent clients spread round-robin over the instances and prints
//! requests per second, p50/p99 latency, errors, each server's peak RSS and
//! the database size (also as JSON).

mod baseline;
mod compare;
mod report;
#[cfg(feature = "saml")]
mod saml_idp;
mod scenarios;
mod seed;
mod server;

use clap::{Parser, ValueEnum};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Scenario {
    /// JumpCloud-style initial sync: `userName eq` lookup, then POST, per user.
    Sync,
    /// POST /Users only.
    Create,
    /// `GET /Users?filter=userName eq "…"` on random existing users.
    Filter,
    /// PATCH active false/true on random users (seat moves included).
    Patch,
    /// Member add/remove PATCHes on one group holding every preloaded user.
    Members,
    /// Pages through every user of the first tenant with `count=1000`.
    Page,
    /// SAML sign-ins at the ACS: one signed Response per preloaded user of
    /// the first tenant (made before the run), each posted once; a sign-in
    /// is the 303 to the signed-in page. Needs `--features saml` here and
    /// a lanyard built with it.
    Acs,
    /// The machine's limit on this run: a trivial axum handler, and a bare
    /// SQLite primary-key read and insert behind axum (no Lanyard).
    Baseline,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Database {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// A scratch database on `LANYARD_BENCH_POSTGRES_URL`
    /// (default `postgres://postgres@127.0.0.1:5432/test`), dropped afterwards.
    Postgres,
}

#[derive(Parser, Debug, Clone)]
pub struct Args {
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// Users to create (sync/create) or to preload (filter/patch/members/page;
    /// rows for baseline).
    #[arg(long, default_value_t = 10_000)]
    pub users: usize,
    /// Tenants the users are spread over (user n belongs to tenant n % T).
    #[arg(long, default_value_t = 1)]
    pub tenants: usize,
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Seconds to run filter/patch.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    #[arg(long, value_enum, default_value_t = Database::Sqlite)]
    pub database: Database,
    /// `lanyard serve` processes on the one database (more than 1 needs postgres).
    #[arg(long, default_value_t = 1)]
    pub instances: usize,
    /// Seat limit of the tenant (default unlimited).
    #[arg(long)]
    pub seats: Option<u64>,
    /// The lanyard binary (default: target/release/lanyard next to this one).
    #[arg(long)]
    pub server: Option<std::path::PathBuf>,
    /// Also write the report here.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// filter only: alternate rounds of lookups with rounds of the
    /// baseline's bare read (on as many rows) and report the lookups as a
    /// fraction of it.
    #[arg(long)]
    pub against_baseline: bool,
}

impl Args {
    /// Users seeded through `lanyard import` before the measured part.
    pub fn preloaded_users(&self) -> usize {
        match self.scenario {
            Scenario::Sync | Scenario::Create | Scenario::Baseline => 0,
            Scenario::Filter | Scenario::Patch | Scenario::Members | Scenario::Page | Scenario::Acs => self.users,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.tenants >= 1, "--tenants must be at least 1");
    if let Scenario::Baseline = args.scenario {
        return baseline::run(&args).await;
    }
    let cluster = server::Cluster::start(&args).await?;
    let errors =
        if args.against_baseline { compare::run(&args, &cluster).await } else { measure(&args, &cluster).await.map(|r| r.errors()) };
    cluster.stop().await;
    anyhow::ensure!(errors? == 0, "the run had errors");
    Ok(())
}

/// Runs the scenario and prints the report (before the servers stop: their
/// peak RSS is read from /proc).
async fn measure(args: &Args, cluster: &server::Cluster) -> anyhow::Result<report::Report> {
    let cpu_before = server::cluster_cpu_seconds(cluster);
    let result = scenarios::run(args, cluster).await?;
    let cpu = server::cluster_cpu_seconds(cluster).zip(cpu_before).map(|(after, before)| after - before);
    let report = report::Report::new(args, &result, cluster, cpu, cluster.db_bytes().await?);
    println!("{}", report.human());
    let json = report.json();
    println!("{json}");
    if let Some(path) = &args.out {
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    Ok(report)
}
