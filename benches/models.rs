//! Throughput of the built-in models over the shipped datasets' article texts.
//!
//! `cargo bench --bench models`: criterion reports bytes per second (`Throughput::Bytes`).

use attr_eval::dataset::Article;
use attr_eval::model::Model;
use attr_eval::model::rules::Rules;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

/// The `articles/*.txt` of a shipped dataset; none when the dataset is absent.
fn articles(dataset: &str) -> Vec<Article> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets")
        .join(dataset)
        .join("articles");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping {dataset}: no {}", dir.display());
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let id = p.file_stem()?.to_string_lossy().into_owned();
            Some(Article::new(id, std::fs::read_to_string(&p).ok()?))
        })
        .collect()
}

fn rules(c: &mut Criterion) {
    let model = Rules::new();
    let mut group = c.benchmark_group("rules");
    for dataset in ["seed", "litbank-quotes"] {
        let articles = articles(dataset);
        if articles.is_empty() {
            continue;
        }
        let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(dataset, |b| {
            b.iter(|| {
                for article in &articles {
                    black_box(model.predict(black_box(article)).ok());
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
