//! Scoring throughput in wall-clock and CPU time, on the corpus of `benches/scoring.rs`.
//!
//! `cargo run --release --example scoring_throughput [passes] [articles]`
//!
//! On a shared machine the wall clock counts the time other jobs take the core; the
//! thread's CPU time does not, so both are printed, with the load average. The digest
//! of every article's full score (counts, outcomes, similarities) lets two builds be
//! checked for identical results.

#[path = "../benches/support/scoring_corpus.rs"]
mod scoring_corpus;

use attr_eval::dataset::Aliases;
use attr_eval::scoring::{Scorer, ScoringOptions};
use cpu_time::ThreadTime;
use scoring_corpus::{ARTICLES, corpus};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    attr_eval::cli::restore_default_sigpipe();
    let arg = |n: usize, default: usize| -> anyhow::Result<usize> {
        Ok(match std::env::args().nth(n) {
            Some(arg) => arg.parse()?,
            None => default,
        })
    };
    let passes = arg(1, 5)?;
    // A smaller corpus fits the caches, or an instruction-counting profiler's patience.
    let articles = arg(2, ARTICLES)?;
    let corpus = corpus(articles);
    let gold_rows: usize = corpus.iter().map(|c| c.gold.len()).sum();
    let scorer = Scorer::new(&Aliases::default(), &ScoringOptions::default());

    let mut digest = Sha256::new();
    for case in &corpus {
        let score = scorer.score_article(&case.article, &case.gold, &case.pred)?;
        digest.update(serde_json::to_vec(&score)?);
    }
    let digest: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("results digest: {digest}");

    let mut best_wall = Duration::MAX;
    let mut best_cpu = Duration::MAX;
    for pass in 0..passes {
        let (wall0, cpu0) = (Instant::now(), ThreadTime::try_now().ok());
        let mut cor = 0;
        for case in &corpus {
            let score = scorer.score_article(&case.article, &case.gold, &case.pred)?;
            cor += score.schemes.overlap.counts.cor;
            std::hint::black_box(&score);
        }
        std::hint::black_box(cor);
        let wall = wall0.elapsed();
        // Without a thread clock, the wall clock stands in.
        let cpu = cpu0.map_or(wall, |t| t.elapsed());
        let rate = |d: Duration| gold_rows as f64 / d.as_secs_f64();
        println!(
            "pass {pass}: wall {:.3} s ({:.0} rows/s), cpu {:.3} s ({:.0} rows/s)",
            wall.as_secs_f64(),
            rate(wall),
            cpu.as_secs_f64(),
            rate(cpu)
        );
        best_wall = best_wall.min(wall);
        best_cpu = best_cpu.min(cpu);
    }
    let rate = |d: Duration| gold_rows as f64 / d.as_secs_f64();
    println!(
        "best of {passes}: {:.0} gold rows/s wall, {:.0} gold rows/s cpu ({gold_rows} rows)",
        rate(best_wall),
        rate(best_cpu)
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average: {}", load.trim());
    }
    Ok(())
}
