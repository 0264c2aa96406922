//! `lanyard-bench`: measures a real `lanyard serve` over loopback HTTP.
//!
//! It starts the server from the release binary with a fresh database,
//! creates a tenant and token through the CLI, then runs one scenario with
//! N concurrent clients and prints requests per second, p50/p99 latency,
//! errors, the server's peak RSS and the database size (also as JSON).

mod report;
mod scenarios;
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
}

#[derive(Parser, Debug)]
pub struct Args {
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// Users to create (sync/create) or to preload (filter/patch).
    #[arg(long, default_value_t = 10_000)]
    pub users: usize,
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Seconds to run filter/patch.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seat limit of the tenant (default unlimited).
    #[arg(long)]
    pub seats: Option<u64>,
    /// The lanyard binary (default: target/release/lanyard next to this one).
    #[arg(long)]
    pub server: Option<std::path::PathBuf>,
    /// Also write the report here.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let server = server::Server::start(&args).await?;
    let result = scenarios::run(&args, &server).await?;
    let report = report::Report::new(&args, &result, &server);
    println!("{}", report.human());
    let json = report.json();
    println!("{json}");
    if let Some(path) = &args.out {
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    server.stop().await;
    anyhow::ensure!(report.errors() == 0, "the run had errors");
    Ok(())
}
