//! Scoring throughput on a synthetic corpus: 10,000 articles with 30 gold and 30
//! predicted rows each, all three schemes, name speaker matching, one core, bootstrap
//! excluded. Goal (issue 2): at least 1,000,000 gold rows per second.
//! `examples/scoring_throughput.rs` measures the same corpus in CPU time.

#[path = "support/scoring_corpus.rs"]
mod scoring_corpus;

use attr_eval::dataset::Aliases;
use attr_eval::scoring::{Scorer, ScoringOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scoring_corpus::{ARTICLES, Case, corpus};
use std::hint::black_box;

fn bench_scoring(c: &mut Criterion) {
    let corpus: Vec<Case> = corpus(ARTICLES);
    let gold_rows: usize = corpus.iter().map(|c| c.gold.len()).sum();
    let options = ScoringOptions::default();
    let scorer = Scorer::new(&Aliases::default(), &options);

    let mut group = c.benchmark_group("scoring");
    group.throughput(Throughput::Elements(gold_rows as u64));
    group.sample_size(10);
    group.bench_function("10k_articles_30x30_three_schemes", |b| {
        b.iter(|| {
            let mut cor = 0;
            for case in &corpus {
                let score = scorer
                    .score_article(&case.article, &case.gold, &case.pred)
                    .expect("scores");
                cor += score.schemes.overlap.counts.cor;
                black_box(&score);
            }
            black_box(cor)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_scoring);
criterion_main!(benches);
