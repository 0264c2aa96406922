//! Figures of one run, for people and as JSON.

use serde_json::{Value, json};

use crate::Args;
use crate::scenarios::Outcome;
use crate::server::Cluster;

pub struct Report {
    scenario: String,
    database: String,
    instances: usize,
    concurrency: usize,
    users: usize,
    requests: usize,
    errors: usize,
    error_samples: Vec<String>,
    seconds: f64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    users_created: usize,
    /// Per instance; `None` where /proc could not be read.
    peak_rss_mib: Vec<Option<f64>>,
    /// Server CPU time (all instances, user and system) per request.
    cpu_us_per_request: Option<f64>,
    db_mib: f64,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)] as f64 / 1000.0
}

impl Report {
    /// `cpu_seconds`: what the servers used during the run.
    pub fn new(args: &Args, o: &Outcome, cluster: &Cluster, cpu_seconds: Option<f64>, db_bytes: u64) -> Report {
        let rss = cluster.instances.iter().map(|i| crate::server::peak_rss_kib(i.pid)).collect();
        Report::of(format!("{:?}", args.scenario).to_lowercase(), args, o, rss, cpu_seconds, db_bytes)
    }

    /// `rss_kib`: the peak RSS of each server process.
    pub fn of(scenario: String, args: &Args, o: &Outcome, rss_kib: Vec<Option<u64>>, cpu_seconds: Option<f64>, db_bytes: u64) -> Report {
        let mut lat = o.latencies.clone();
        lat.sort_unstable();
        let seconds = o.elapsed.as_secs_f64();
        Report {
            scenario,
            database: format!("{:?}", args.database).to_lowercase(),
            instances: rss_kib.len(),
            concurrency: args.concurrency,
            users: args.users,
            requests: lat.len(),
            errors: o.errors,
            error_samples: o.error_samples.clone(),
            seconds,
            rps: if seconds > 0.0 { lat.len() as f64 / seconds } else { 0.0 },
            p50_ms: percentile(&lat, 0.50),
            p99_ms: percentile(&lat, 0.99),
            max_ms: lat.last().copied().unwrap_or(0) as f64 / 1000.0,
            users_created: o.users_created,
            peak_rss_mib: rss_kib.iter().map(|k| k.map(|k| k as f64 / 1024.0)).collect(),
            cpu_us_per_request: cpu_seconds.filter(|_| !lat.is_empty()).map(|s| s * 1e6 / lat.len() as f64),
            db_mib: db_bytes as f64 / (1024.0 * 1024.0),
        }
    }

    pub fn errors(&self) -> usize {
        self.errors
    }

    /// The largest peak RSS of the instances, and their sum.
    fn rss_max_sum(&self) -> (Option<f64>, Option<f64>) {
        let known: Option<Vec<f64>> = self.peak_rss_mib.iter().copied().collect();
        match known {
            Some(v) if !v.is_empty() => (v.iter().copied().reduce(f64::max), Some(v.iter().sum())),
            _ => (None, None),
        }
    }

    pub fn human(&self) -> String {
        let rss: Vec<String> = self.peak_rss_mib.iter().map(|m| m.map_or("?".into(), |m| format!("{m:.1}"))).collect();
        format!(
            "{} ({}, {} instance(s), {} users, {} clients): {} requests in {:.2}s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, errors {}{}; users created {}; server peak RSS {} MiB, CPU {} µs a request; database {:.1} MiB",
            self.scenario,
            self.database,
            self.instances,
            self.users,
            self.concurrency,
            self.requests,
            self.seconds,
            self.rps,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.errors,
            if self.error_samples.is_empty() { String::new() } else { format!(" {:?}", self.error_samples) },
            self.users_created,
            rss.join(" + "),
            self.cpu_us_per_request.map_or("?".into(), |us| format!("{us:.0}")),
            self.db_mib
        )
    }

    pub fn json(&self) -> Value {
        let (rss_max, rss_sum) = self.rss_max_sum();
        json!({
            "scenario": self.scenario, "database": self.database, "instances": self.instances, "users": self.users, "concurrency": self.concurrency, "requests": self.requests,
            "errors": self.errors, "error_samples": self.error_samples, "seconds": self.seconds, "rps": self.rps,
            "p50_ms": self.p50_ms, "p99_ms": self.p99_ms, "max_ms": self.max_ms, "users_created": self.users_created,
            "peak_rss_mib": rss_max, "peak_rss_mib_sum": rss_sum, "peak_rss_mib_per_instance": self.peak_rss_mib,
            "cpu_us_per_request": self.cpu_us_per_request, "db_mib": self.db_mib,
        })
    }
}
