//! The baseline scenario: the machine's limit on this run, measured with
//! the same load generator against `lanyard-baseline` (axum + bare SQLite,
//! no Lanyard): a constant answer, a primary-key read, an insert.

use std::process::Stdio;

use anyhow::Context;
use rand::Rng;

use crate::Args;
use crate::report::Report;
use crate::scenarios::plain_for_seconds;
use crate::server::{cpu_seconds, peak_rss_kib, sibling, sqlite_bytes, wait_until_up};

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("baseline.db");
    let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.to_string();
    let mut child = tokio::process::Command::new(sibling("lanyard-baseline")?)
        .arg(&listen)
        .arg(&file)
        .arg(args.users.to_string())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start lanyard-baseline (cargo build --release -p lanyard-bench)")?;
    let pid = child.id().context("no pid")?;
    // Seeding a million rows takes a while before the port opens.
    let base = format!("http://{listen}");
    wait_until_up(&format!("{base}/hello"), std::time::Duration::from_secs(300)).await?;
    let rows = args.users.max(1);
    let mut failed = false;
    let mut reports = Vec::new();
    for kind in ["hello", "read", "insert"] {
        let base = base.clone();
        let cpu_before = cpu_seconds(pid);
        let outcome = plain_for_seconds(args.concurrency, args.seconds, move |http, _| match kind {
            "hello" => http.get(format!("{base}/hello")),
            "read" => http.get(format!("{base}/read/{}", rand::thread_rng().gen_range(1..=rows))),
            _ => http.post(format!("{base}/insert")).body(crate::seed::user_body(0).to_string()),
        })
        .await;
        let bytes = sqlite_bytes(&file.to_string_lossy());
        let cpu = cpu_seconds(pid).zip(cpu_before).map(|(after, before)| after - before);
        let report = Report::of(format!("baseline-{kind}"), args, &outcome, vec![peak_rss_kib(pid)], cpu, bytes);
        println!("{}", report.human());
        println!("{}", report.json());
        failed |= report.errors() > 0;
        reports.push(report.json());
    }
    if let Some(path) = &args.out {
        std::fs::write(path, serde_json::to_vec_pretty(&reports)?)?;
    }
    let _ = child.kill().await;
    anyhow::ensure!(!failed, "the run had errors");
    Ok(())
}
