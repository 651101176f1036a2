//! `cmd:` models through `attr-eval run`: a well-behaved program scores exactly like the
//! same rows given as `file:`, and a misbehaving one leaves a partial record that keeps
//! every article answered before the failure.

mod common;

use common::{
    attr_eval, protocol_adapter, python_available, read_json, synthetic_dataset, write_rows,
};
use predicates::prelude::*;

fn adapter(args: &str) -> String {
    format!("m=cmd:{}", protocol_adapter(args))
}

#[test]
fn a_program_scores_exactly_like_its_rows_given_as_a_file() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 12, 3);
    let preds = dir.path().join("p.csv");
    // Some rows dropped and one speaker wrong, so the scores are not trivially 1.
    let mut served: Vec<_> = rows
        .iter()
        .filter(|r| !r.quote.contains("Statement 2 of article 1 "))
        .cloned()
        .collect();
    served[0].speaker = "Someone Else".into();
    write_rows(&preds, &served);
    let out = dir.path().join("out");
    for (name, spec) in [
        ("as-file", format!("m=file:{}", preds.display())),
        (
            "as-cmd",
            adapter(&format!("--from-csv {}", preds.display())),
        ),
    ] {
        attr_eval()
            .args(["run", "--no-cache", "--dataset"])
            .arg(&dataset)
            .args(["--model", &spec, "--name", name, "--out"])
            .arg(&out)
            .assert()
            .success();
    }
    let file = read_json(&out.join("as-file/run.json"));
    let cmd = read_json(&out.join("as-cmd/run.json"));
    assert_eq!(file["results"][0]["scores"], cmd["results"][0]["scores"]);
    assert_eq!(cmd["results"][0]["scores"]["overlap"]["counts"]["inc"], 1);
}

#[test]
fn a_crash_midway_gives_a_partial_record_that_keeps_earlier_answers() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 10, 2);
    let preds = dir.path().join("p.csv");
    write_rows(&preds, &rows);
    let out = dir.path().join("out");
    attr_eval()
        .args(["run", "--no-cache", "--dataset"])
        .arg(&dataset)
        .args([
            "--model",
            &adapter(&format!("--from-csv {} --crash-after 4", preds.display())),
            "--name",
            "crash",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("partial"));
    let record = read_json(&out.join("crash/run.json"));
    assert_eq!(record["status"], "partial");
    let result = &record["results"][0];
    let errors = result["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    assert!(errors[0]["article_id"].is_string(), "{errors:?}");
    // The four articles answered before the crash are scored and kept.
    let cor = result["scores"]["overlap"]["counts"]["cor"]
        .as_u64()
        .unwrap();
    assert!(cor >= 8, "cor = {cor}");
    let lines = std::fs::read_to_string(out.join("crash/articles.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 10, "every article has its line");
    let predictions = std::fs::read_to_string(out.join("crash/predictions/m.csv")).unwrap();
    assert!(predictions.lines().count() > 8);
}

#[test]
fn garbage_and_bad_offsets_cost_only_their_article() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 6, 2);
    let preds = dir.path().join("p.csv");
    write_rows(&preds, &rows);
    let out = dir.path().join("out");
    attr_eval()
        .args(["run", "--no-cache", "--dataset"])
        .arg(&dataset)
        .args([
            "--model",
            &adapter(&format!(
                "--from-csv {} --garbage a002 --bad-offsets a004",
                preds.display()
            )),
            "--name",
            "bad",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(3);
    let record = read_json(&out.join("bad/run.json"));
    let errors = record["results"][0]["errors"].as_array().unwrap();
    let failed: Vec<&str> = errors
        .iter()
        .filter_map(|e| e["article_id"].as_str())
        .collect();
    assert!(
        failed.contains(&"a002") && failed.contains(&"a004"),
        "{errors:?}"
    );
    // The four good articles keep all their quotes.
    assert_eq!(
        record["results"][0]["scores"]["overlap"]["counts"]["cor"],
        8
    );
}
