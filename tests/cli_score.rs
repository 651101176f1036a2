//! `attr-eval score` on a small novel-like dataset with a cast and mention types: the
//! extract task's breakdown and confusion, and the speakers task (SPEC 3.7).

mod common;

use common::attr_eval;
use serde_json::Value;
use std::path::Path;

const TEXT: &str = "“Come in,” said Mrs. Beaver. “Thank you,” said Mr. Beaver. “?” she asked.";

/// (quote, nth occurrence) → code-point span in [`TEXT`].
fn span(quote: &str) -> (usize, usize) {
    let byte = TEXT.find(quote).unwrap();
    let start = TEXT[..byte].chars().count();
    (start, start + quote.chars().count())
}

fn dataset(root: &Path) -> std::path::PathBuf {
    let folder = root.join("beavers");
    std::fs::create_dir_all(folder.join("articles")).unwrap();
    std::fs::write(folder.join("articles/a1.txt"), TEXT).unwrap();
    let mut gold = String::from("article_id,quote,speaker,start,end,mention_type\n");
    for (quote, speaker, mention) in [
        ("Come in,", "Mrs. Beaver", "explicit"),
        ("Thank you,", "Mr. Beaver", "explicit"),
        ("?", "Mrs. Beaver", "anaphoric"),
    ] {
        let (s, e) = span(quote);
        gold.push_str(&format!("a1,\"{quote}\",{speaker},{s},{e},{mention}\n"));
    }
    std::fs::write(folder.join("gold.csv"), gold).unwrap();
    std::fs::write(
        folder.join("aliases.csv"),
        "article_id,name,alias\n*,Mrs. Beaver,Mrs Beaver\n*,John Beaver,Mr. Beaver\n",
    )
    .unwrap();
    std::fs::write(folder.join("DATASET.md"), "test data\n").unwrap();
    folder
}

fn score_json(dataset: &Path, pred: &Path, extra: &[&str]) -> Value {
    let output = attr_eval()
        .args(["score", "--json", "--dataset"])
        .arg(dataset)
        .arg("--pred")
        .arg(pred)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn extract_reports_mention_types_and_the_speaker_confusion() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path());
    let pred = dir.path().join("pred.csv");
    let mut rows = String::from("article_id,quote,speaker,start,end\n");
    for (quote, speaker) in [
        ("Come in,", "John Beaver"),
        ("Thank you,", "Mr Beaver"),
        ("?", "Mrs Beaver"),
    ] {
        let (s, e) = span(quote);
        rows.push_str(&format!("a1,\"{quote}\",{speaker},{s},{e}\n"));
    }
    std::fs::write(&pred, rows).unwrap();
    let v = score_json(&data, &pred, &[]);
    let counts = &v["scores"]["overlap"]["counts"];
    // "?" pairs by its span (SPEC 3.1) and resolves to Mrs. Beaver; "John Beaver" is not her.
    assert_eq!(counts["cor"], 2, "{v:#}");
    assert_eq!(counts["inc"], 1);
    assert_eq!(v["by_mention_type"]["explicit"]["overlap"]["recall"], 0.5);
    assert_eq!(v["by_mention_type"]["anaphoric"]["exact"]["recall"], 1.0);
    assert_eq!(
        v["speaker_confusion"],
        serde_json::json!([{"gold": "Mrs. Beaver", "pred": "John Beaver", "count": 1}])
    );
}

#[test]
fn speakers_task_scores_answers_to_given_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path());
    let pred = dir.path().join("answers.csv");
    let (s, e) = span("?");
    std::fs::write(
        &pred,
        format!(
            "article_id,quote,speaker,start,end\n\
             a1,\"Come in,\",Mrs Beaver,,\n\
             a1,?,John Beaver,{s},{e}\n\
             a1,?,Mrs. Beaver,{s},{e}\n\
             a1,Hello,Nobody,,\n"
        ),
    )
    .unwrap();
    let v = score_json(&data, &pred, &["--task", "speakers"]);
    assert_eq!(v["task"], "speakers");
    let scores = &v["scores"];
    assert_eq!(
        scores["counts"],
        serde_json::json!({"gold": 3, "cor": 1, "inc": 1, "mis": 1, "unmatched_answers": 2})
    );
    assert!((scores["speaker_accuracy"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert!(scores["speaker_accuracy_ci95"].is_array());
    assert!((scores["coverage"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(scores["answered_accuracy"], 0.5);
    assert_eq!(v["by_mention_type"]["explicit"]["cor"], 1);
    assert_eq!(v["by_mention_type"]["anaphoric"]["speaker_accuracy"], 0.0);
    assert_eq!(v["by_type"]["direct"]["gold"], 3);
    assert_eq!(v["speaker_confusion"][0]["pred"], "John Beaver");

    // The text form runs too.
    let output = attr_eval()
        .args(["score", "--task", "speakers", "--dataset"])
        .arg(&data)
        .arg("--pred")
        .arg(&pred)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("speaker acc"));
}

#[test]
fn speakers_task_rejects_gold_without_offsets_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path());
    let mut gold = std::fs::read_to_string(data.join("gold.csv")).unwrap();
    gold.push_str("a1,said,Mr. Beaver,,,\n");
    std::fs::write(data.join("gold.csv"), gold).unwrap();
    let pred = dir.path().join("answers.csv");
    std::fs::write(&pred, "article_id,quote,speaker\n").unwrap();
    let output = attr_eval()
        .args(["score", "--task", "speakers", "--dataset"])
        .arg(&data)
        .arg("--pred")
        .arg(&pred)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("gold.csv") && stderr.contains('5'),
        "{stderr}"
    );
}

#[test]
fn a_run_records_the_mention_type_breakdown_and_the_confusion() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path());
    let pred = dir.path().join("pred.csv");
    let (s, e) = span("Come in,");
    std::fs::write(
        &pred,
        format!("article_id,quote,speaker,start,end\na1,\"Come in,\",John Beaver,{s},{e}\n"),
    )
    .unwrap();
    let out = dir.path().join("results");
    let output = attr_eval()
        .args(["run", "--name", "r", "--dataset"])
        .arg(&data)
        .arg("--model")
        .arg(format!("file:{}", pred.display()))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = common::read_json(&out.join("r/run.json"));
    let result = &run["results"][0];
    assert_eq!(
        result["by_mention_type"]["explicit"]["overlap"]["recall"],
        0.0
    );
    assert_eq!(result["speaker_confusion"][0]["gold"], "Mrs. Beaver");
    assert_eq!(result["speaker_confusion"][0]["count"], 1);
    let report = std::fs::read_to_string(out.join("r/report.md")).unwrap();
    assert!(report.contains("By gold mention type"), "{report}");
    assert!(report.contains("Speaker confusion") && report.contains("John Beaver"));
}
