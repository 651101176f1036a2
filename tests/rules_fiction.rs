//! The built-in `rules` model on fiction (issue 18): dialogue in quotation marks, its
//! speakers named by a tag, a pronoun, the paragraph's action or nothing but the turns
//! of the conversation, resolved to the dataset's cast, in both tasks.

mod common;

use common::{attr_eval, read_json};
use serde_json::Value;
use std::path::{Path, PathBuf};

const CHAPTER: &str = "Tom Bell came into the parlour, where Ann Ray sat by the fire.

\"Good evening,\" said Mr. Bell.

\"Good evening,\" she replied. \"Will you sit down?\"

\"Thank you.\"

\"Tea, Mr. Bell?\"

Tom laughed. \"No, I thank you.\"

\"Then coffee,\" said Miss Ray, \"or nothing at all.\"
";

/// Each quote of the chapter with its speaker and how the text names the speaker.
const GOLD: &[(&str, &str, &str)] = &[
    ("Good evening,", "Tom Bell", "explicit"),
    ("Good evening,", "Ann Ray", "anaphoric"),
    ("Will you sit down?", "Ann Ray", "anaphoric"),
    ("Thank you.", "Tom Bell", "implicit"),
    ("Tea, Mr. Bell?", "Ann Ray", "implicit"),
    ("No, I thank you.", "Tom Bell", "explicit"),
    ("Then coffee,", "Ann Ray", "explicit"),
    ("or nothing at all.", "Ann Ray", "explicit"),
];

fn novel(root: &Path) -> PathBuf {
    let folder = root.join("parlour");
    std::fs::create_dir_all(folder.join("articles")).unwrap();
    std::fs::write(folder.join("articles/ch1.txt"), CHAPTER).unwrap();
    let mut gold = String::from("article_id,speaker,quote,start,end,type,mention_type\n");
    let mut from = 0;
    for (quote, speaker, mention) in GOLD {
        let byte = from + CHAPTER[from..].find(quote).unwrap();
        from = byte + quote.len();
        let (start, end) = (byte, byte + quote.len()); // ASCII: bytes are code points
        gold.push_str(&format!(
            "ch1,{speaker},\"{quote}\",{start},{end},direct,{mention}\n"
        ));
    }
    std::fs::write(folder.join("gold.csv"), gold).unwrap();
    std::fs::write(
        folder.join("aliases.csv"),
        "article_id,name,alias\n*,Tom Bell,Mr. Bell\n*,Tom Bell,Tom\n\
         *,Ann Ray,Miss Ray\n*,Ann Ray,Ann\n",
    )
    .unwrap();
    folder
}

fn run(dataset: &Path, out: &Path, task: &str) -> Value {
    attr_eval()
        .args([
            "run", "--task", task, "--model", "rules", "--name", task, "--out",
        ])
        .arg(out)
        .arg("--dataset")
        .arg(dataset)
        .assert()
        .success();
    read_json(&out.join(task).join("run.json"))["results"][0].clone()
}

#[test]
fn rules_name_every_speaker_of_a_conversation_in_both_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = novel(dir.path());
    let out = dir.path().join("runs");

    let speakers = run(&dataset, &out, "speakers");
    assert_eq!(speakers["scores"]["speaker_accuracy"], 1.0, "{speakers:#}");
    for mention in ["explicit", "anaphoric", "implicit"] {
        assert_eq!(
            speakers["by_mention_type"][mention]["speaker_accuracy"], 1.0,
            "{mention}"
        );
    }

    let extract = run(&dataset, &out, "extract");
    let overlap = &extract["scores"]["overlap"];
    assert_eq!(overlap["counts"]["cor"], GOLD.len(), "{extract:#}");
    assert_eq!(overlap["counts"]["spu"], 0);
    assert_eq!(overlap["pair"]["f1"], 1.0);
}

#[test]
fn without_a_cast_the_speakers_are_named_as_the_tags_name_them() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = novel(dir.path());
    std::fs::remove_file(dataset.join("aliases.csv")).unwrap();
    let out = dir.path().join("runs");
    let extract = run(&dataset, &out, "extract");
    let rows = std::fs::read_to_string(out.join("extract/predictions/parlour/rules.csv")).unwrap();
    // "said Mr. Bell", "said Miss Ray": the names the text uses, one speaker each.
    assert!(
        rows.contains("Mr. Bell") && rows.contains("Miss Ray"),
        "{rows}"
    );
    assert_eq!(extract["scores"]["overlap"]["counts"]["pred"], GOLD.len());
}
