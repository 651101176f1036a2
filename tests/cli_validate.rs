//! Bad input through the binary: exit code 2 and a message naming file, line and column
//! (docs/datasets.md and docs/exit-codes.md). The library tests cover each rule; these check what a user sees.

mod common;

use common::attr_eval;
use predicates::prelude::*;
use std::path::Path;

const TEXT: &str = "“We agree,” Yuri Ushakov said. Moscow’s view is known.\n";

fn dataset(dir: &Path, gold: &str) -> std::path::PathBuf {
    let folder = dir.join("d");
    std::fs::create_dir_all(folder.join("articles")).unwrap();
    std::fs::write(folder.join("articles/a1.txt"), TEXT).unwrap();
    std::fs::write(folder.join("gold.csv"), gold).unwrap();
    folder
}

fn fails_naming(gold: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dataset(dir.path(), gold);
    let mut assert = attr_eval().arg("validate").arg(&folder).assert().code(2);
    for part in expected {
        assert = assert.stderr(predicate::str::contains(*part));
    }
}

#[test]
fn a_valid_dataset_validates() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dataset(
        dir.path(),
        "article_id,speaker,quote,start,end,type\na1,Yuri Ushakov,We agree,,,direct\na1,Yuri Ushakov,\"We agree,\",1,10,direct\n",
    );
    attr_eval()
        .arg("validate")
        .arg(&folder)
        .assert()
        .success()
        .stdout(predicate::str::contains("2 gold rows"));
}

#[test]
fn offsets_that_do_not_match_the_text_name_line_and_column() {
    fails_naming(
        "article_id,speaker,quote,start,end\na1,Yuri Ushakov,We agree,,\na1,Yuri Ushakov,We agree,0,8\n",
        &["gold.csv:3", "start"],
    );
}

#[test]
fn an_unknown_article_names_its_line() {
    fails_naming(
        "article_id,speaker,quote\na1,Yuri Ushakov,We agree\nnope,Yuri Ushakov,We agree\n",
        &["gold.csv:3", "article_id", "nope"],
    );
}

#[test]
fn a_missing_required_column_is_named() {
    fails_naming(
        "article_id,speaker\na1,Yuri Ushakov\n",
        &["gold.csv", "quote"],
    );
}

#[test]
fn a_bad_type_and_an_empty_quote_are_both_reported() {
    fails_naming(
        "article_id,speaker,quote,type\na1,Yuri Ushakov,We agree,quoted\na1,Yuri Ushakov,,direct\n",
        &["gold.csv:2", "type", "gold.csv:3", "quote"],
    );
}

#[test]
fn a_repeated_gold_row_is_an_error() {
    fails_naming(
        "article_id,speaker,quote\na1,Yuri Ushakov,We agree\na1,Yuri Ushakov,We agree\n",
        &["gold.csv:3"],
    );
}

#[test]
fn reversed_and_out_of_range_offsets_are_errors() {
    fails_naming(
        "article_id,speaker,quote,start,end\na1,Yuri Ushakov,We agree,9,1\n",
        &["gold.csv:2"],
    );
    fails_naming(
        "article_id,speaker,quote,start,end\na1,Yuri Ushakov,We agree,1,900\n",
        &["gold.csv:2"],
    );
}

#[test]
fn a_bad_prediction_file_stops_the_run_before_any_model_runs() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dataset(
        dir.path(),
        "article_id,speaker,quote\na1,Yuri Ushakov,We agree\n",
    );
    let preds = dir.path().join("p.csv");
    std::fs::write(
        &preds,
        "article_id,speaker,quote,confidence\na1,Yuri Ushakov,We agree,high\n",
    )
    .unwrap();
    attr_eval()
        .args(["run", "--model", "rules", "--out"])
        .arg(dir.path().join("out"))
        .arg("--dataset")
        .arg(&folder)
        .arg("--model")
        .arg(format!("file:{}", preds.display()))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("p.csv:2").and(predicate::str::contains("confidence")));
}

#[test]
fn unknown_model_specs_and_bad_flags_exit_2() {
    attr_eval()
        .args(["run", "--model", "gpt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown model spec"));
    attr_eval()
        .args([
            "score",
            "--dataset",
            "seed",
            "--pred",
            "x.csv",
            "--overlap",
            "1.5",
        ])
        .assert()
        .code(2);
}
