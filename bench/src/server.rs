//! Starts `lanyard serve` on a free port with a fresh database.

use std::path::PathBuf;
use std::process::Stdio;

use anyhow::{Context, bail};

use crate::Args;

pub struct Server {
    pub base: String,
    pub token: String,
    pub pid: u32,
    pub db: PathBuf,
    child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

fn binary(args: &Args) -> anyhow::Result<PathBuf> {
    if let Some(p) = &args.server {
        return Ok(p.clone());
    }
    let me = std::env::current_exe()?;
    let dir = me.parent().context("no parent dir")?;
    Ok(dir.join("lanyard"))
}

fn cli(bin: &PathBuf, db: &PathBuf, args: &[&str]) -> anyhow::Result<serde_json::Value> {
    let out = std::process::Command::new(bin).arg("--database").arg(db).arg("--json").args(args).output()?;
    if !out.status.success() {
        bail!("lanyard {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

impl Server {
    pub async fn start(args: &Args) -> anyhow::Result<Server> {
        let bin = binary(args)?;
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("bench.db");
        let seats = args.seats.map_or("unlimited".to_string(), |n| n.to_string());
        cli(&bin, &db, &["tenant", "create", "bench", "--seats", &seats])?;
        let token = cli(&bin, &db, &["token", "create", "bench"])?["token"].as_str().context("token")?.to_string();
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let listen = format!("127.0.0.1:{port}");
        let child = tokio::process::Command::new(&bin)
            .arg("--database")
            .arg(&db)
            .args(["serve", "--listen", &listen])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start lanyard")?;
        let pid = child.id().context("no pid")?;
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.get(format!("http://{listen}/healthz")).send().await.is_ok() {
                return Ok(Server { base: format!("http://{listen}/scim/v2/bench"), token, pid, db, child, _dir: dir });
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        bail!("lanyard did not come up on {listen}")
    }

    /// Peak resident set size of the server, from /proc.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Database file plus its WAL.
    pub fn db_bytes(&self) -> u64 {
        ["", "-wal", "-shm"].iter().filter_map(|s| std::fs::metadata(format!("{}{s}", self.db.display())).ok()).map(|m| m.len()).sum()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
