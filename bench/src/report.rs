//! Figures of one run, for people and as JSON.

use serde_json::{Value, json};

use crate::Args;
use crate::scenarios::Outcome;
use crate::server::Server;

pub struct Report {
    scenario: String,
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
    peak_rss_mib: Option<f64>,
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
    pub fn new(args: &Args, o: &Outcome, server: &Server) -> Report {
        let mut lat = o.latencies.clone();
        lat.sort_unstable();
        let seconds = o.elapsed.as_secs_f64();
        Report {
            scenario: format!("{:?}", args.scenario).to_lowercase(),
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
            peak_rss_mib: server.peak_rss_kib().map(|k| k as f64 / 1024.0),
            db_mib: server.db_bytes() as f64 / (1024.0 * 1024.0),
        }
    }

    pub fn errors(&self) -> usize {
        self.errors
    }

    pub fn human(&self) -> String {
        format!(
            "{} ({} users, {} clients): {} requests in {:.2}s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, errors {}{}; users created {}; server peak RSS {} MiB; database {:.1} MiB",
            self.scenario,
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
            self.peak_rss_mib.map_or("?".into(), |m| format!("{m:.1}")),
            self.db_mib
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "scenario": self.scenario, "users": self.users, "concurrency": self.concurrency, "requests": self.requests,
            "errors": self.errors, "error_samples": self.error_samples, "seconds": self.seconds, "rps": self.rps,
            "p50_ms": self.p50_ms, "p99_ms": self.p99_ms, "max_ms": self.max_ms, "users_created": self.users_created,
            "peak_rss_mib": self.peak_rss_mib, "db_mib": self.db_mib,
        })
    }
}
