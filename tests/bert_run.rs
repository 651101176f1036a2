//! `attr-eval run --model bert:DIR` end to end, on a tiny random model the test makes
//! itself (no download). Needs the `bert` feature and libtorch (scripts/setup-libtorch.sh).
#![cfg(feature = "bert")]

use assert_cmd::Command;
use attr_eval::model::bert::testing::{TinyModel, write_tiny_model};
use attr_eval::model::bert::{Layer, Tag};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every article of the seed dataset: (id, text with a leading BOM dropped).
fn seed_articles() -> Vec<(String, String)> {
    let dir = repo().join("datasets/seed/articles");
    let mut articles: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let id = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            (id, text.trim_start_matches('\u{feff}').to_string())
        })
        .collect();
    articles.sort();
    articles
}

struct Row {
    article_id: String,
    quote: String,
    start: usize,
    end: usize,
}

fn predictions(run: &Path, model: &str) -> Vec<Row> {
    let path = run.join("predictions").join(format!("{model}.csv"));
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, quote, start, end) = (
        column("article_id"),
        column("quote"),
        column("start"),
        column("end"),
    );
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            Row {
                article_id: record[id].to_string(),
                quote: record[quote].to_string(),
                start: record[start].parse().unwrap(),
                end: record[end].parse().unwrap(),
            }
        })
        .collect()
}

fn run(model_dir: &Path, name: &str) -> PathBuf {
    let out = tempfile::tempdir().unwrap().keep();
    Command::cargo_bin("attr-eval")
        .unwrap()
        .current_dir(repo())
        .args(["run", "--dataset", "datasets/seed", "--name", "t", "--out"])
        .arg(&out)
        .arg("--model")
        .arg(format!("{name}=bert:{}", model_dir.display()))
        .assert()
        .success();
    out.join("t")
}

#[test]
fn run_records_a_bert_model_and_its_rows_point_into_the_text() {
    let dir = tempfile::tempdir().unwrap();
    write_tiny_model(dir.path(), &TinyModel::default()).unwrap();
    let run_dir = run(dir.path(), "tiny");

    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("run.json")).unwrap()).unwrap();
    let model = record["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "tiny")
        .expect("the model is in run.json");
    assert_eq!(
        model["spec"].as_str().unwrap(),
        format!("bert:{}", dir.path().display())
    );
    assert!(model["version"].as_str().unwrap().starts_with("sha256:"));
    assert!(
        model["config_hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    let articles = seed_articles();
    for row in predictions(&run_dir, "tiny") {
        let (_, text) = articles
            .iter()
            .find(|(id, _)| *id == row.article_id)
            .expect("rows name seed articles");
        let slice: String = text
            .chars()
            .skip(row.start)
            .take(row.end - row.start)
            .collect();
        assert_eq!(slice, row.quote);
    }
}

#[test]
fn a_model_that_tags_everything_as_content_quotes_each_article_whole() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TinyModel {
        constant_tag: Some(Tag::Inside(Layer::Content)),
        ..TinyModel::default()
    };
    write_tiny_model(dir.path(), &spec).unwrap();
    let run_dir = run(dir.path(), "all");
    let rows = predictions(&run_dir, "all");
    let articles = seed_articles();
    assert_eq!(rows.len(), articles.len());
    for (row, (id, text)) in rows.iter().zip(&articles) {
        assert_eq!(&row.article_id, id);
        assert_eq!(row.quote, text.trim());
    }
}

/// A model that cannot load fails its articles, not the run: the record is written and
/// the run is partial (exit 3), with the reason.
#[test]
fn a_folder_without_a_model_makes_a_partial_run_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("attr-eval")
        .unwrap()
        .current_dir(repo())
        .args(["run", "--dataset", "datasets/seed", "--model"])
        .arg(format!("bert:{}", dir.path().display()))
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicates::str::contains("config.json not found"));
}

/// `train linker` end to end on the shipped tagger: tags the seed, fits, prints both dev
/// figures and writes a linker the `tagger` spec can load.
#[test]
fn train_linker_writes_a_linker_the_tagger_loads() {
    if attr_eval::model::tagger_encoder().is_none() {
        eprintln!("skipped: the MiniLM encoder is missing (run scripts/setup-libtorch.sh)");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let train = || {
        Command::cargo_bin("attr-eval")
            .unwrap()
            .current_dir(repo())
            .args([
                "train", "linker", "--train", "seed", "--dev", "seed", "--out",
            ])
            .arg(out.path())
            .arg("--cache")
            .arg(cache.path())
            .assert()
            .success()
            .stdout(predicates::str::contains("hand-written linking"))
            .stdout(predicates::str::contains("fitted linker"));
        std::fs::read(out.path().join("linker.json")).unwrap()
    };
    let first = train();
    let linker = attr_eval::model::bert::Linker::from_json(&first).unwrap();
    assert!(linker.weights.iter().any(|w| *w != 0.0));
    // The second run reads the tagger's output from the cache and fits the same weights.
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 2);
    let second = attr_eval::model::bert::Linker::from_json(&train()).unwrap();
    assert_eq!(second, linker);
}
