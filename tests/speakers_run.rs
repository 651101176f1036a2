//! `run --task speakers` (docs/tasks.md#speakers): every model kind is given the gold
//! quotes and names their speakers; a program answering by `quote_id` from the gold
//! scores 1.0, and the request lines carry the quotes and the cast.

mod common;

use common::{attr_eval, protocol_adapter, python_available, read_json};
use serde_json::Value;
use std::path::{Path, PathBuf};

const NOVEL: &str = "\"Good morning,\" said Miss Woodhouse. \"Is it?\" asked Mr. Knightley. \
\"It is,\" she said. \"?\" \"Then I am glad,\" Knightley replied.";

/// A one-chapter novel with a cast: names, titles, a "?" quote, a sub-quotation.
fn fiction(root: &Path) -> PathBuf {
    let folder = root.join("tiny-novel");
    std::fs::create_dir_all(folder.join("articles")).unwrap();
    std::fs::write(folder.join("articles/ch1.txt"), NOVEL).unwrap();
    let span = |quote: &str| {
        let byte = NOVEL.find(quote).unwrap();
        let start = NOVEL[..byte].chars().count();
        (start, start + quote.chars().count())
    };
    let rows = [
        ("Good morning,", "Emma", "explicit"),
        ("Is it?", "Mr. Knightley", "explicit"),
        ("It is,", "Emma", "anaphoric"),
        ("?", "Mr. Knightley", "implicit"),
        ("Then I am glad,", "Mr. Knightley", "explicit"),
    ];
    let mut gold = String::from("article_id,speaker,quote,start,end,type,mention_type\n");
    for (quote, speaker, mention) in rows {
        let (start, end) = span(quote);
        gold.push_str(&format!(
            "ch1,{speaker},\"{quote}\",{start},{end},direct,{mention}\n"
        ));
    }
    std::fs::write(folder.join("gold.csv"), gold).unwrap();
    std::fs::write(
        folder.join("aliases.csv"),
        "article_id,name,alias\n*,Emma,Miss Woodhouse\n*,Emma,Emma Woodhouse\n\
         *,Mr. Knightley,Knightley\n",
    )
    .unwrap();
    folder
}

fn result(record: &Value, model: &str) -> Value {
    record["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == model)
        .cloned()
        .unwrap()
}

#[test]
fn a_program_answering_by_quote_id_from_the_gold_scores_one() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dataset = fiction(dir.path());
    let log = dir.path().join("requests.jsonl");
    let oracle = format!(
        "oracle=cmd:{}",
        protocol_adapter(&format!(
            "--from-csv {} --log-requests {}",
            dataset.join("gold.csv").display(),
            log.display()
        ))
    );
    attr_eval()
        .args([
            "run",
            "--task",
            "speakers",
            "--resamples",
            "50",
            "--no-cache",
            "--dataset",
        ])
        .arg(&dataset)
        .args([
            "--model", &oracle, "--model", "rules", "--name", "s", "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let record = read_json(&dir.path().join("s/run.json"));
    assert_eq!(record["task"], "speakers");
    let oracle = result(&record, "oracle");
    assert_eq!(oracle["task"], "speakers");
    assert_eq!(oracle["scores"]["speaker_accuracy"], 1.0);
    assert_eq!(oracle["scores"]["counts"]["cor"], 5);
    assert_eq!(oracle["scores"]["counts"]["unmatched_answers"], 0);
    assert_eq!(
        oracle["by_mention_type"]["implicit"]["speaker_accuracy"],
        1.0
    );
    // The built-in model takes part too, with an answer or a miss for every quote.
    let rules = result(&record, "rules");
    let counts = &rules["scores"]["counts"];
    assert_eq!(
        counts["cor"].as_u64().unwrap()
            + counts["inc"].as_u64().unwrap()
            + counts["mis"].as_u64().unwrap(),
        5
    );

    let request: Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(request["task"], "speakers");
    let quotes = request["quotes"].as_array().unwrap();
    assert_eq!(quotes.len(), 5);
    assert_eq!(quotes[0]["quote_id"], "q0");
    assert_eq!(quotes[0]["quote"], "Good morning,");
    let cast = request["cast"].as_array().unwrap();
    assert_eq!(cast[0]["name"], "Emma");
    assert_eq!(cast[0]["aliases"][0], "Miss Woodhouse");

    // One line per article, in the speakers shape.
    let lines = std::fs::read_to_string(dir.path().join("s/articles.jsonl")).unwrap();
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["task"], "speakers");
    assert_eq!(first["outcomes"].as_array().unwrap().len(), 5);
    let report = std::fs::read_to_string(dir.path().join("s/report.md")).unwrap();
    assert!(report.contains("speaker accuracy"), "{report}");
}

#[test]
fn a_file_of_answers_takes_part_and_runs_of_two_tasks_are_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = fiction(dir.path());
    // Answers without offsets, by quote text; one names a quote that is not there.
    let answers = dir.path().join("answers.csv");
    std::fs::write(
        &answers,
        "article_id,speaker,quote\nch1,Miss Woodhouse,\"Good morning,\"\nch1,Knightley,Is it?\n\
         ch1,Emma,\"It is,\"\nch1,Emma,Nowhere in the text\n",
    )
    .unwrap();
    let spec = format!("a=file:{}", answers.display());
    for (task, name) in [("speakers", "s"), ("extract", "e")] {
        attr_eval()
            .args(["run", "--task", task, "--resamples", "50", "--dataset"])
            .arg(&dataset)
            .args(["--model", &spec, "--name", name, "--out"])
            .arg(dir.path())
            .assert()
            .success();
    }
    let record = read_json(&dir.path().join("s/run.json"));
    let a = result(&record, "a");
    assert_eq!(a["scores"]["counts"]["cor"], 3);
    assert_eq!(a["scores"]["counts"]["mis"], 2);
    assert_eq!(a["scores"]["counts"]["unmatched_answers"], 1);
    // The same answers through `score` give the same counts.
    let scored = attr_eval()
        .args([
            "score",
            "--task",
            "speakers",
            "--json",
            "--resamples",
            "50",
            "--dataset",
        ])
        .arg(&dataset)
        .arg("--pred")
        .arg(&answers)
        .output()
        .unwrap();
    let scored: Value = serde_json::from_slice(&scored.stdout).unwrap();
    assert_eq!(scored["scores"]["counts"], a["scores"]["counts"]);

    let compare = attr_eval()
        .arg("compare")
        .arg(dir.path().join("e"))
        .arg(dir.path().join("s"))
        .output()
        .unwrap();
    assert_eq!(compare.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&compare.stderr).contains("different tasks"));

    // A speakers run compares with itself on speaker accuracy.
    let out = attr_eval()
        .arg("compare")
        .arg(dir.path().join("s"))
        .arg(dir.path().join("s"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["pairs"][0]["metrics"][0]["metric"], "speaker_accuracy");
}
