//! Starts `lanyard serve` — one instance, or several sharing one PostgreSQL
//! database — on free ports with a fresh database.

use std::process::Stdio;

use anyhow::{Context, bail};
use sqlx::Connection;

use crate::seed::{self, Seed};
use crate::{Args, Database};

/// Where the instances keep their data: a fresh SQLite file or a scratch
/// PostgreSQL database (dropped again by [`Target::remove`]).
enum Target {
    Sqlite { url: String, _dir: tempfile::TempDir },
    Postgres { url: String, admin: String, name: String },
}

impl Target {
    async fn create(database: Database) -> anyhow::Result<Target> {
        Ok(match database {
            Database::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = dir.path().join("bench.db").to_str().context("temp dir is not UTF-8")?.to_string();
                Target::Sqlite { url, _dir: dir }
            }
            Database::Postgres => {
                let admin =
                    std::env::var("LANYARD_BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
                let (url, name) = lanyard_store_postgres::create_scratch_database(&admin)
                    .await
                    .with_context(|| format!("cannot create a scratch database on {admin} (set LANYARD_BENCH_POSTGRES_URL)"))?;
                Target::Postgres { url, admin, name }
            }
        })
    }

    fn url(&self) -> &str {
        match self {
            Target::Sqlite { url, .. } | Target::Postgres { url, .. } => url,
        }
    }

    /// SQLite: the file plus its WAL; PostgreSQL: `pg_database_size`.
    async fn bytes(&self) -> anyhow::Result<u64> {
        match self {
            Target::Sqlite { url, .. } => Ok(sqlite_bytes(url)),
            Target::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&mut conn).await?;
                let _ = conn.close().await;
                Ok(u64::try_from(size)?)
            }
        }
    }

    async fn remove(self) {
        if let Target::Postgres { admin, name, .. } = self
            && let Err(e) = lanyard_store_postgres::drop_database(&admin, &name).await
        {
            eprintln!("warning: scratch database {name} was not dropped: {e}");
        }
    }
}

/// One running `lanyard serve`.
pub struct Instance {
    /// `http://127.0.0.1:PORT/scim/v2`
    pub base: String,
    listen: String,
    pub pid: u32,
    child: tokio::process::Child,
}

/// Peak resident set size of a process, from /proc (read it before the
/// process ends).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time (user and system) a process has used so far, from /proc; the
/// kernel counts it in ticks of 1/100 s on Linux.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) and its ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |n: usize| fields.get(n).and_then(|v| v.parse::<u64>().ok());
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// The summed CPU time of the instances, when /proc tells it for all.
pub fn cluster_cpu_seconds(cluster: &Cluster) -> Option<f64> {
    cluster.instances.iter().map(|i| cpu_seconds(i.pid)).sum()
}

/// The instances under test, their shared database and the seeded tenants.
pub struct Cluster {
    pub seed: Seed,
    pub instances: Vec<Instance>,
    target: Target,
    #[cfg_attr(not(feature = "saml"), allow(dead_code))]
    bin: std::path::PathBuf,
    /// Every instance's `--public-url` (the first one's address).
    #[cfg_attr(not(feature = "saml"), allow(dead_code))]
    pub public_url: String,
}

fn binary(args: &Args) -> anyhow::Result<std::path::PathBuf> {
    match &args.server {
        Some(p) => Ok(p.clone()),
        None => sibling("lanyard"),
    }
}

/// A binary built next to this one (target/release).
pub fn sibling(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let me = std::env::current_exe()?;
    Ok(me.parent().context("no parent dir")?.join(name))
}

/// Waits up to `limit` for `url` to answer.
pub async fn wait_until_up(url: &str, limit: std::time::Duration) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if http.get(url).send().await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    bail!("nothing answered at {url}")
}

/// A SQLite database file plus its write-ahead log, in bytes.
pub fn sqlite_bytes(path: &str) -> u64 {
    ["", "-wal", "-shm"].iter().filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok()).map(|m| m.len()).sum()
}

impl Cluster {
    pub async fn start(args: &Args) -> anyhow::Result<Cluster> {
        anyhow::ensure!(args.instances >= 1, "--instances must be at least 1");
        anyhow::ensure!(
            args.instances == 1 || matches!(args.database, Database::Postgres),
            "--instances {} needs --database postgres (a SQLite file serves one process)",
            args.instances
        );
        let target = Target::create(args.database).await?;
        match launch(args, target.url()).await {
            Ok((seed, instances, public_url)) => Ok(Cluster { seed, instances, target, bin: binary(args)?, public_url }),
            Err(e) => {
                target.remove().await;
                Err(e)
            }
        }
    }

    /// Runs `lanyard --database … ARGS` and answers what it printed.
    #[cfg_attr(not(feature = "saml"), allow(dead_code))]
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = std::process::Command::new(&self.bin).args(["--database", self.target.url()]).args(args).output()?;
        anyhow::ensure!(out.status.success(), "lanyard {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        Ok(String::from_utf8(out.stdout)?)
    }

    pub fn bases(&self) -> Vec<String> {
        self.instances.iter().map(|i| i.base.clone()).collect()
    }

    pub async fn db_bytes(&self) -> anyhow::Result<u64> {
        self.target.bytes().await
    }

    /// Stops every instance, then drops a scratch PostgreSQL database.
    pub async fn stop(self) {
        for mut i in self.instances {
            let _ = i.child.kill().await;
        }
        self.target.remove().await;
    }
}

/// Seeds the tenants, their tokens and the preloaded users through
/// `lanyard import`, then starts `args.instances` servers on the database
/// and waits until each answers.
async fn launch(args: &Args, db: &str) -> anyhow::Result<(Seed, Vec<Instance>, String)> {
    let bin = binary(args)?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("seed.jsonl");
    let seed = {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        seed::write(&mut out, args.tenants, args.preloaded_users(), args.seats)?
    };
    let started = std::time::Instant::now();
    let imported = std::process::Command::new(&bin).args(["--database", db, "import", "--input"]).arg(&file).output()?;
    anyhow::ensure!(imported.status.success(), "lanyard import: {}", String::from_utf8_lossy(&imported.stderr));
    eprintln!("seeded {} tenant(s) and {} user(s) in {:.1}s", args.tenants, args.preloaded_users(), started.elapsed().as_secs_f64());
    // Hold every probe listener until all ports are chosen, so no two coincide.
    let probes = (0..args.instances).map(|_| std::net::TcpListener::bind("127.0.0.1:0")).collect::<Result<Vec<_>, _>>()?;
    let ports = probes.iter().map(|l| l.local_addr().map(|a| a.port())).collect::<Result<Vec<_>, _>>()?;
    drop(probes);
    let public_url = format!("http://127.0.0.1:{}", ports.first().context("no instance")?);
    let mut instances = Vec::new();
    for port in ports {
        let listen = format!("127.0.0.1:{port}");
        let child = tokio::process::Command::new(&bin)
            .args(["--database", db, "serve", "--listen", &listen])
            .env("RUST_LOG", "warn")
            .env("LANYARD_PUBLIC_URL", &public_url)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start lanyard")?;
        let pid = child.id().context("no pid")?;
        instances.push(Instance { base: format!("http://{listen}/scim/v2"), listen, pid, child });
    }
    // Generous: a server under a profiler (bench/callgrind-lanyard) starts slowly.
    for i in &instances {
        wait_until_up(&format!("http://{}/healthz", i.listen), std::time::Duration::from_secs(120)).await?;
    }
    Ok((seed, instances, public_url))
}
