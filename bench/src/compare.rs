//! `--against-baseline`: the lookups and the baseline's bare primary-key
//! read in alternating rounds, so that a slow minute on a shared machine
//! slows both and the fraction of the limit stays a fair figure.

use crate::baseline::BaselineServer;
use crate::report::Report;
use crate::scenarios::{self, Outcome};
use crate::server::{Cluster, cluster_cpu_seconds};
use crate::{Args, Scenario};

/// Rounds each side gets, at most one a second of `--seconds`.
const ROUNDS: u64 = 5;

/// Prints both reports and the fraction (also as JSON, and into `--out`);
/// the errors of both sides.
pub async fn run(args: &Args, cluster: &Cluster) -> anyhow::Result<usize> {
    anyhow::ensure!(matches!(args.scenario, Scenario::Filter), "--against-baseline compares the filter scenario with the bare read");
    let baseline = BaselineServer::start(args.users).await?;
    let rounds = ROUNDS.min(args.seconds.max(1));
    let round_args = Args { seconds: (args.seconds / rounds).max(1), ..args.clone() };
    let (mut ours, mut theirs) = (Outcome::default(), Outcome::default());
    let (mut our_cpu, mut their_cpu) = (Some(0.0), Some(0.0));
    let mut fractions = Vec::new();
    for _ in 0..rounds {
        let before = cluster_cpu_seconds(cluster);
        let round = scenarios::run(&round_args, cluster).await?;
        our_cpu = sum(our_cpu, cluster_cpu_seconds(cluster).zip(before).map(|(after, before)| after - before));
        let (base_round, cpu) = baseline.run("read", args.concurrency, round_args.seconds).await;
        their_cpu = sum(their_cpu, cpu);
        fractions.push(round.rate() / base_round.rate());
        ours.absorb(round);
        theirs.absorb(base_round);
    }
    let reports =
        [Report::new(args, &ours, cluster, our_cpu, cluster.db_bytes().await?), baseline.report("read", args, &theirs, their_cpu)];
    baseline.stop().await;
    let mut json = Vec::new();
    for report in &reports {
        println!("{}", report.human());
        println!("{}", report.json());
        json.push(report.json());
    }
    let fraction = ours.rate() / theirs.rate();
    let (low, high) = fractions.iter().fold((f64::MAX, f64::MIN), |(low, high), f| (low.min(*f), high.max(*f)));
    println!(
        "filter at {:.1} % of the bare read ({rounds} alternating rounds of {} s each; rounds {:.1}–{:.1} %)",
        fraction * 100.0,
        round_args.seconds,
        low * 100.0,
        high * 100.0
    );
    let summary = serde_json::json!({"scenario": "filter-vs-baseline-read", "fraction": fraction, "round_fractions": fractions});
    println!("{summary}");
    json.push(summary);
    if let Some(path) = &args.out {
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    Ok(reports.iter().map(Report::errors).sum())
}

fn sum(total: Option<f64>, more: Option<f64>) -> Option<f64> {
    total.zip(more).map(|(a, b)| a + b)
}
