//! Throughput of the built-in models over the shipped datasets' article texts.
//!
//! `cargo bench --bench models`: criterion reports bytes per second (`Throughput::Bytes`).
//! `novel` joins LitBank's 100 excerpts into one book-length text (1.1 MB), read as
//! fiction: the size of a PDNC novel, which cannot be shipped.

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
    let novel: Vec<String> = articles("litbank-quotes")
        .into_iter()
        .map(|a| a.text)
        .collect();
    if !novel.is_empty() {
        let novel = Article::new("novel", novel.join("\n"));
        group.throughput(Throughput::Bytes(novel.text.len() as u64));
        group.bench_function("novel", |b| {
            b.iter(|| black_box(model.predict(black_box(&novel)).ok()))
        });
    }
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
