//! `attr-eval compare` and its gate (docs/compare.md): equal runs pass, a worse model fails, a
//! tiny drop under `--max-drop` passes.

mod common;

use common::{Row, attr_eval, run, synthetic_dataset, write_rows};
use serde_json::Value;

fn compare_json(base: &std::path::Path, cand: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let output = attr_eval()
        .arg("compare")
        .arg(base)
        .arg(cand)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "compare printed no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, json)
}

fn pair_f1(json: &Value) -> &Value {
    let metrics = json["pairs"][0]["metrics"].as_array().unwrap();
    metrics.iter().find(|m| m["metric"] == "pair_f1").unwrap()
}

/// Predictions: the gold rows minus those `drop` selects.
fn degraded(rows: &[Row], drop: impl Fn(usize) -> bool) -> Vec<Row> {
    rows.iter()
        .enumerate()
        .filter(|(i, _)| !drop(*i))
        .map(|(_, r)| r.clone())
        .collect()
}

#[test]
fn equal_runs_compare_as_equal_and_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 30, 4);
    let preds = dir.path().join("m.csv");
    write_rows(&preds, &degraded(&rows, |i| i % 5 == 0));
    let spec = format!("m=file:{}", preds.display());
    let base = run(&dataset, &spec, dir.path(), "base");
    let cand = run(&dataset, &spec, dir.path(), "cand");
    let (code, json) = compare_json(&base, &cand, &[]);
    assert_eq!(code, 0);
    let f1 = pair_f1(&json);
    assert_eq!(f1["diff"], 0.0);
    // Every resampled difference is 0: nothing to test, and nothing worse.
    assert_eq!(f1["p_bootstrap"], serde_json::Value::Null);
    assert_eq!(f1["verdict"], "not_tested");
    assert_eq!(json["pairs"][0]["verdict"], "not_tested");
    assert_eq!(json["pairs"][0]["regression"], false);
}

#[test]
fn a_clearly_worse_model_fails_the_gate_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 40, 4);
    let good = dir.path().join("good.csv");
    let bad = dir.path().join("bad.csv");
    write_rows(&good, &rows);
    // Half the articles lose half their quotes.
    write_rows(&bad, &degraded(&rows, |i| (i / 4) % 2 == 0 && i % 2 == 0));
    let base = run(
        &dataset,
        &format!("m=file:{}", good.display()),
        dir.path(),
        "base",
    );
    let cand = run(
        &dataset,
        &format!("m=file:{}", bad.display()),
        dir.path(),
        "cand",
    );
    let (code, json) = compare_json(&base, &cand, &[]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["pairs"][0]["regression"], true);
    let f1 = pair_f1(&json);
    assert!(f1["diff"].as_f64().unwrap() < -0.1);
    assert!(f1["p_bootstrap"].as_f64().unwrap() < 0.05);

    // The markdown is what CI pastes into a pull request.
    let md = attr_eval()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .args(["--format", "md", "--articles"])
        .output()
        .unwrap();
    assert_eq!(md.status.code(), Some(1));
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("REGRESSION") && md.contains("| m "), "{md}");
    assert!(md.contains("gold quote lost"), "{md}");
}

#[test]
fn a_tiny_drop_under_max_drop_passes() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 40, 4);
    let good = dir.path().join("good.csv");
    let slightly = dir.path().join("slightly.csv");
    write_rows(&good, &rows);
    write_rows(&slightly, &degraded(&rows, |i| i == 7));
    let base = run(
        &dataset,
        &format!("m=file:{}", good.display()),
        dir.path(),
        "base",
    );
    let cand = run(
        &dataset,
        &format!("m=file:{}", slightly.display()),
        dir.path(),
        "cand",
    );
    let (code, json) = compare_json(&base, &cand, &["--max-drop", "0.02"]);
    assert_eq!(code, 0, "{json:#}");
    assert!(pair_f1(&json)["diff"].as_f64().unwrap() < 0.0);
}

#[test]
fn runs_on_different_gold_cannot_be_compared() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 5, 2);
    let preds = dir.path().join("m.csv");
    write_rows(&preds, &rows);
    let spec = format!("m=file:{}", preds.display());
    let base = run(&dataset, &spec, dir.path(), "base");
    write_rows(&dataset.join("gold.csv"), &rows[1..]);
    let cand = run(&dataset, &spec, dir.path(), "cand");
    attr_eval()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("fingerprint"));
}

/// The shipped seed is one article: the bootstrap cannot show uncertainty there, so no
/// p-value is claimed, and a real drop still fails the gate.
#[test]
fn a_one_article_gate_claims_no_p_value_and_fails_on_a_real_drop() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 1, 8);
    let good = dir.path().join("good.csv");
    let bad = dir.path().join("bad.csv");
    write_rows(&good, &rows);
    write_rows(&bad, &degraded(&rows, |i| i % 2 == 0));
    let base = run(
        &dataset,
        &format!("m=file:{}", good.display()),
        dir.path(),
        "b",
    );
    let cand = run(
        &dataset,
        &format!("m=file:{}", bad.display()),
        dir.path(),
        "c",
    );
    for test in ["bootstrap", "ar"] {
        let (code, json) = compare_json(&base, &cand, &["--test", test]);
        assert_eq!(code, 1, "{json}");
        let f1 = pair_f1(&json);
        assert_eq!(f1["p_bootstrap"], Value::Null);
        assert_eq!(f1["significance_tested"], false);
        assert_eq!(f1["verdict"], "worse");
        assert_eq!(json["pairs"][0]["verdict"], "worse");
    }
    let text = attr_eval()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("not significance-tested"), "{text}");
    assert!(!text.contains("0.0010"), "{text}");
}

fn empty_articles(run: &std::path::Path) -> std::path::PathBuf {
    std::fs::write(run.join("articles.jsonl"), "").unwrap();
    run.to_path_buf()
}

#[test]
fn the_gate_never_passes_on_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 3, 2);
    let preds = dir.path().join("m.csv");
    write_rows(&preds, &rows);
    let spec = format!("m=file:{}", preds.display());
    let base = run(&dataset, &spec, dir.path(), "base");
    // An empty candidate: its article lines are gone.
    let cand = empty_articles(&run(&dataset, &spec, dir.path(), "cand"));
    let out = attr_eval()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing to compare"), "{stderr}");
    assert!(stderr.contains("no article lines"), "{stderr}");

    // Disjoint datasets.
    let other = dir.path().join("other");
    let (other_dataset, other_rows) = synthetic_dataset(&other, 2, 2);
    let other_preds = other.join("m.csv");
    write_rows(&other_preds, &other_rows);
    let renamed = other.join("elsewhere");
    std::fs::rename(&other_dataset, &renamed).unwrap();
    let elsewhere = run(
        &renamed,
        &format!("m=file:{}", other_preds.display()),
        dir.path(),
        "elsewhere",
    );
    let out = attr_eval()
        .arg("compare")
        .arg(&base)
        .arg(&elsewhere)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dataset synthetic (baseline only)"));
}

#[test]
fn what_the_candidate_lacks_is_listed_and_strict_fails_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 3, 2);
    let preds = dir.path().join("m.csv");
    write_rows(&preds, &rows);
    let one = format!("m=file:{}", preds.display());
    let two = format!("n=file:{}", preds.display());
    let base = attr_eval()
        .args(["run", "--resamples", "50", "--dataset"])
        .arg(&dataset)
        .args(["--model", &one, "--model", &two, "--name", "base", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    drop(base);
    let cand = run(&dataset, &one, dir.path(), "cand");
    let base = dir.path().join("base");
    let (code, json) = compare_json(&base, &cand, &[]);
    assert_eq!(code, 0);
    assert_eq!(json["missing"][0], "model n (baseline only)");
    let md = attr_eval()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .args(["--format", "md"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).contains("Missing from the candidate"));
    let (code, _) = compare_json(&base, &cand, &["--strict"]);
    assert_eq!(code, 1);
}
