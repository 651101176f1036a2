//! Snapshots of the versioned outputs scripts read (docs/run-record.md): `run.json`, one
//! line of `articles.jsonl`, and `compare --format json`. A change of their shape shows
//! in review as a snapshot diff; what varies from run to run (times, paths, versions,
//! measured throughput) is redacted first.

mod common;

use common::{attr_eval, read_json};
use serde_json::Value;

/// Replaces what differs between two runs of the same command with placeholders.
fn redact(value: &mut Value, keys: &[&str]) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if keys.contains(&key.as_str()) {
                    *inner = Value::String(format!("[{key}]"));
                } else {
                    redact(inner, keys);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact(v, keys)),
        _ => {}
    }
}

const VARYING: &[&str] = &[
    "created_at",
    "command",
    "version",
    "git_commit",
    "path",
    "throughput",
    "latency_ms",
    "base",
    "cand",
];

fn seed_run(out: &std::path::Path, name: &str) -> std::path::PathBuf {
    attr_eval()
        .args([
            "run",
            "--dataset",
            "seed",
            "--model",
            "rules",
            "--resamples",
            "200",
        ])
        .args(["--name", name, "--out"])
        .arg(out)
        .assert()
        .success();
    out.join(name)
}

#[test]
fn run_record_and_article_line() {
    let out = tempfile::tempdir().unwrap();
    let run = seed_run(out.path(), "snap");
    let mut record = read_json(&run.join("run.json"));
    redact(&mut record, VARYING);
    insta::assert_json_snapshot!("run_json", record);

    let lines = std::fs::read_to_string(run.join("articles.jsonl")).unwrap();
    let mut line: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    redact(&mut line, VARYING);
    insta::assert_json_snapshot!("article_line", line);
}

#[test]
fn compare_json() {
    let out = tempfile::tempdir().unwrap();
    let base = seed_run(out.path(), "base");
    let cand = seed_run(out.path(), "cand");
    let output = attr_eval()
        .arg("compare")
        .arg(&base)
        .arg(&cand)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let mut json: Value = serde_json::from_slice(&output.stdout).unwrap();
    redact(&mut json, VARYING);
    insta::assert_json_snapshot!("compare_json", json);
}
