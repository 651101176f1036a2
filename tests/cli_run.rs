//! `attr-eval run`: the main job, end to end through the binary.

mod common;

use common::{attr_eval, read_json};
use serde_json::Value;
use std::path::Path;

#[test]
fn run_writes_the_four_parts_of_a_run_folder() {
    let out = tempfile::tempdir().unwrap();
    attr_eval()
        .args([
            "run",
            "--dataset",
            "seed",
            "--model",
            "rules",
            "--name",
            "t",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let folder = out.path().join("t");
    for part in [
        "run.json",
        "articles.jsonl",
        "predictions/rules.csv",
        "report.md",
        "report.html",
    ] {
        assert!(folder.join(part).is_file(), "{part} missing");
    }
    let record = read_json(&folder.join("run.json"));
    assert_eq!(record["schema_version"], 1);
    assert_eq!(record["status"], "complete");
    assert_eq!(record["datasets"][0]["gold_rows"], 36);
    assert!(
        record["datasets"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let result = &record["results"][0];
    assert_eq!(result["model"], "rules");
    assert_eq!(result["scores"]["overlap"]["counts"]["gold"], 36);
    let throughput = &result["throughput"];
    assert_eq!(throughput["articles"], 1);
    assert!(throughput["chars_per_s"].as_f64().unwrap() > 0.0);
    // Per-core throughput is measured from the model's CPU time over the article bytes.
    let bytes = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("datasets/seed/articles/kremlin-leaked-call-2025-11-26.txt"),
    )
    .unwrap()
    .len();
    assert_eq!(throughput["bytes"], bytes);
    if cfg!(unix) {
        let cpu = throughput["cpu_s"].as_f64().unwrap();
        let per_core = throughput["bytes_per_cpu_s"].as_f64().unwrap();
        assert!(cpu > 0.0);
        assert!((per_core * cpu - bytes as f64).abs() < 1e-6 * bytes as f64);
    }
    // Every article line carries counts for every scheme.
    let lines = std::fs::read_to_string(folder.join("articles.jsonl")).unwrap();
    let line: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(line["article_id"], "kremlin-leaked-call-2025-11-26");
    assert!(line["schemes"]["lenient"]["counts"]["cor"].is_u64());
}

#[test]
fn a_run_can_be_rescored_from_its_predictions_with_the_same_counts() {
    let out = tempfile::tempdir().unwrap();
    attr_eval()
        .args(["run", "-d", "seed", "-m", "rules", "--name", "t", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let record = read_json(&out.path().join("t/run.json"));
    let scored = attr_eval()
        .args(["score", "--dataset", "seed", "--json", "--pred"])
        .arg(out.path().join("t/predictions/rules.csv"))
        .output()
        .unwrap();
    assert!(scored.status.success());
    let rescored: Value = serde_json::from_slice(&scored.stdout).unwrap();
    assert_eq!(rescored["scores"], record["results"][0]["scores"]);
}

#[test]
fn file_models_are_named_by_their_stem_and_scored_like_any_model() {
    let out = tempfile::tempdir().unwrap();
    attr_eval()
        .args([
            "run",
            "-d",
            "seed",
            "-m",
            "datasets/seed/gold.csv",
            "--name",
            "t",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .failure()
        .code(2);
    attr_eval()
        .args([
            "run",
            "-d",
            "seed",
            "-m",
            "file:datasets/seed/gold.csv",
            "--name",
            "t",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let record = read_json(&out.path().join("t/run.json"));
    assert_eq!(record["models"][0]["name"], "gold");
    assert_eq!(record["results"][0]["scores"]["exact"]["pair"]["f1"], 1.0);
}

#[test]
fn an_experiment_config_names_the_run_and_sets_scoring() {
    let out = tempfile::tempdir().unwrap();
    let config = out.path().join("direct.toml");
    std::fs::write(
        &config,
        "datasets = [\"seed\"]\nmodels = [\"rules\"]\n[scoring]\ntypes = [\"direct\"]\n",
    )
    .unwrap();
    attr_eval()
        .args(["run", "--config"])
        .arg(&config)
        .args(["--speaker-match", "mention", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let folder = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("direct-"))
        .expect("run folder named after the experiment");
    let record = read_json(&folder.path().join("run.json"));
    assert_eq!(record["scoring"]["types"], serde_json::json!(["direct"]));
    assert_eq!(record["scoring"]["speaker_match"], "mention");
    assert_eq!(
        record["results"][0]["scores"]["overlap"]["counts"]["gold"],
        22
    );
}

#[test]
fn a_run_folder_is_never_overwritten() {
    let out = tempfile::tempdir().unwrap();
    for expected in [0, 2] {
        attr_eval()
            .args(["run", "-d", "seed", "--name", "same", "--out"])
            .arg(out.path())
            .assert()
            .code(expected);
    }
}
