//! Inference throughput of a `bert:` model (the tiny random model the tests make, so the
//! bench needs no download): articles/s, tokens/s and chars/s at 1, 8 and 32 windows per
//! forward pass, on one libtorch thread (see `BertOptions::threads`). Run with `source .libtorch/env.sh && cargo bench --features bert --bench bert`.

use attr_eval::dataset::Article;
use attr_eval::model::Model;
use attr_eval::model::bert::testing::{TinyModel, write_tiny_model};
use attr_eval::model::bert::{BertModel, BertOptions};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

const SENTENCES: [&str; 4] = [
    "The minister said that the talks would go on for many more weeks. ",
    "\"We will not yield,\" she told reporters outside the building on Monday. ",
    "They said it is over, and that they would not go back to the table. ",
    "Officials declined to comment on the report, which was published late. ",
];

/// 32 ASCII articles of about 2,000 characters (ASCII, so chars and bytes coincide).
fn articles() -> Vec<Article> {
    (0..32)
        .map(|i| {
            let text: String = (0..30).map(|j| SENTENCES[(i + j) % 4]).collect();
            Article::new(format!("a{i}"), text)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = TinyModel {
        max_positions: 128,
        ..TinyModel::default()
    };
    write_tiny_model(dir.path(), &spec).expect("tiny model");
    let articles = articles();
    let chars: usize = articles.iter().map(Article::char_len).sum();

    for batch_size in [1, 8, 32] {
        let options = BertOptions {
            batch_size,
            threads: 1,
            ..BertOptions::default()
        };
        let model = BertModel::load("tiny", "bert:tiny", dir.path(), options).expect("load");
        let tokens: usize = articles
            .iter()
            .map(|a| model.tokenize(a).expect("tokenize").len())
            .sum();
        for (group, throughput) in [
            ("bert_articles", Throughput::Elements(articles.len() as u64)),
            ("bert_tokens", Throughput::Elements(tokens as u64)),
            ("bert_chars", Throughput::BytesDecimal(chars as u64)),
        ] {
            let mut group = c.benchmark_group(group);
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(4))
                .throughput(throughput);
            group.bench_with_input(
                BenchmarkId::new("batch", batch_size),
                &articles,
                |b, articles| b.iter(|| model.predict_batch(articles)),
            );
            group.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
