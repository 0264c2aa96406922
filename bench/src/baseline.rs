//! The baseline scenario: the machine's limit on this run, measured with
//! the same load generator against `lanyard-baseline` (axum + bare SQLite,
//! no Lanyard): a constant answer, a primary-key read, an insert.

use std::process::Stdio;

use anyhow::Context;
use rand::Rng;

use crate::Args;
use crate::report::Report;
use crate::scenarios::{Outcome, plain_for_seconds};
use crate::server::{cpu_seconds, peak_rss_kib, sibling, sqlite_bytes, wait_until_up};

/// A running `lanyard-baseline` holding `rows` rows.
pub struct BaselineServer {
    child: tokio::process::Child,
    pub pid: u32,
    base: String,
    file: std::path::PathBuf,
    rows: usize,
    _dir: tempfile::TempDir,
}

impl BaselineServer {
    pub async fn start(rows: usize) -> anyhow::Result<BaselineServer> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("baseline.db");
        let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.to_string();
        let child = tokio::process::Command::new(sibling("lanyard-baseline")?)
            .arg(&listen)
            .arg(&file)
            .arg(rows.to_string())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start lanyard-baseline (cargo build --release -p lanyard-bench)")?;
        let pid = child.id().context("no pid")?;
        let base = format!("http://{listen}");
        // Seeding a million rows takes a while before the port opens.
        wait_until_up(&format!("{base}/hello"), std::time::Duration::from_secs(300)).await?;
        Ok(BaselineServer { child, pid, base, file, rows: rows.max(1), _dir: dir })
    }

    /// `kind` (`hello`, `read` or `insert`) for `seconds`, and the server's
    /// CPU seconds meanwhile.
    pub async fn run(&self, kind: &'static str, concurrency: usize, seconds: u64) -> (Outcome, Option<f64>) {
        let (base, rows) = (self.base.clone(), self.rows);
        let cpu_before = cpu_seconds(self.pid);
        let outcome = plain_for_seconds(concurrency, seconds, move |http, _| match kind {
            "hello" => http.get(format!("{base}/hello")),
            "read" => http.get(format!("{base}/read/{}", rand::thread_rng().gen_range(1..=rows))),
            _ => http.post(format!("{base}/insert")).body(crate::seed::user_body(0).to_string()),
        })
        .await;
        (outcome, cpu_seconds(self.pid).zip(cpu_before).map(|(after, before)| after - before))
    }

    pub fn report(&self, kind: &str, args: &Args, outcome: &Outcome, cpu: Option<f64>) -> Report {
        Report::of(format!("baseline-{kind}"), args, outcome, vec![peak_rss_kib(self.pid)], cpu, sqlite_bytes(&self.file.to_string_lossy()))
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let server = BaselineServer::start(args.users).await?;
    let mut failed = false;
    let mut reports = Vec::new();
    for kind in ["hello", "read", "insert"] {
        let (outcome, cpu) = server.run(kind, args.concurrency, args.seconds).await;
        let report = server.report(kind, args, &outcome, cpu);
        println!("{}", report.human());
        println!("{}", report.json());
        failed |= report.errors() > 0;
        reports.push(report.json());
    }
    if let Some(path) = &args.out {
        std::fs::write(path, serde_json::to_vec_pretty(&reports)?)?;
    }
    server.stop().await;
    anyhow::ensure!(!failed, "the run had errors");
    Ok(())
}
