//! `attr-eval show` (docs/cli.md#show): a dataset's article list, and an article as a
//! saved run scored it, read from the run folder alone, so a `cmd:` model whose program
//! is gone can still be looked at.

mod common;

use common::{Row, attr_eval, python_available, run, synthetic_dataset, write_rows};
use std::path::Path;

/// Runs attr-eval and returns (exit code, stdout, stderr), with `root` written `[TMP]`
/// so that snapshots do not hold temporary paths.
fn output(args: &[&str], root: &Path) -> (i32, String, String) {
    let out = attr_eval().args(args).output().unwrap();
    let clean =
        |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&root.display().to_string(), "[TMP]");
    (
        out.status.code().unwrap(),
        clean(&out.stdout),
        clean(&out.stderr),
    )
}

const ARTICLE: &str = "port-strike";

/// One article on which the protocol adapter's toy finder gets one quote right, one
/// speaker wrong (it takes the last "NAME said" before a quote with none after it),
/// misses the indirect quote and finds a quote the gold does not have.
fn harbour(root: &Path) -> std::path::PathBuf {
    let text = "“The port will reopen on Monday,” Anna Berg said. Lena Koch, the minister, \
                disagreed. “Nothing is decided,” she told reporters. Tom Ruiz said the strike \
                was over. “Ships are waiting,” a clerk noted.";
    let folder = root.join("harbour");
    std::fs::create_dir_all(folder.join("articles")).unwrap();
    std::fs::write(folder.join("articles").join(format!("{ARTICLE}.txt")), text).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let at = |quote: &str| {
        let q: Vec<char> = quote.chars().collect();
        (0..chars.len())
            .find(|&i| chars[i..].starts_with(&q))
            .unwrap()
    };
    let mut csv = String::from("article_id,speaker,quote,start,end,type\n");
    for (speaker, quote, kind) in [
        ("Anna Berg", "The port will reopen on Monday,", "direct"),
        ("Lena Koch", "Nothing is decided,", "direct"),
        ("Tom Ruiz", "the strike was over", "indirect"),
    ] {
        let start = at(quote);
        let end = start + quote.chars().count();
        csv.push_str(&format!(
            "{ARTICLE},{speaker},\"{quote}\",{start},{end},{kind}\n"
        ));
    }
    std::fs::write(folder.join("gold.csv"), csv).unwrap();
    folder
}

#[test]
fn show_run_shows_a_cmd_models_rows_after_its_program_is_deleted() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let dataset = harbour(root);
    // The model's program lives in a folder of its own, deleted after the run.
    let program = root.join("model").join("adapter.py");
    std::fs::create_dir_all(program.parent().unwrap()).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/protocol_adapter.py"),
        &program,
    )
    .unwrap();
    let spec = format!("toy=cmd:python3 {}", program.display());
    let folder = run(&dataset, &spec, root, "r");
    std::fs::remove_dir_all(program.parent().unwrap()).unwrap();
    let folder_arg = folder.display().to_string();

    let (code, text, stderr) = output(&["show", "--run", &folder_arg, ARTICLE], root);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("show_run_article", text);
    for kind in ["COR", "INC", "MIS", "SPU"] {
        assert!(
            text.contains(&format!("│ {kind} ")),
            "{kind} row in:\n{text}"
        );
    }

    let (code, errors, _) = output(&["show", "--run", &folder_arg, ARTICLE, "--errors"], root);
    assert_eq!(code, 0);
    assert!(
        !errors.contains("│ COR "),
        "--errors shows no COR row:\n{errors}"
    );
    for kind in ["INC", "MIS", "SPU"] {
        assert!(
            errors.contains(&format!("│ {kind} ")),
            "{kind} row in:\n{errors}"
        );
    }
    insta::assert_snapshot!("show_run_errors", errors);

    // The rows are those of the record, not recomputed differently.
    let (_, json, _) = output(
        &["show", "--run", &folder_arg, ARTICLE, "--format", "json"],
        root,
    );
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let line = read_json_line(&folder.join("articles.jsonl"));
    assert_eq!(
        json["views"][0]["rows"].as_array().unwrap().len(),
        line["schemes"]["overlap"]["outcomes"]
            .as_array()
            .unwrap()
            .len()
    );
    assert_eq!(
        json["views"][0]["counts"],
        line["schemes"]["overlap"]["counts"]
    );

    // Without an article: the run's article lines with their counts.
    let (code, list, _) = output(&["show", "--run", &folder_arg], root);
    assert_eq!(code, 0);
    insta::assert_snapshot!("show_run_list", list);

    // An unknown article says how to list them; an unknown model names the run's.
    let (code, _, stderr) = output(&["show", "--run", &folder_arg, "no-such"], root);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no article `no-such`")
            && stderr.contains("`attr-eval show --run [TMP]/r` lists its articles"),
        "{stderr}"
    );
    let (code, _, stderr) = output(
        &["show", "--run", &folder_arg, ARTICLE, "--model", "other"],
        root,
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("(its models: toy)"), "{stderr}");
}

fn read_json_line(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

/// The text comes from the dataset: a changed or moved dataset is refused with what to
/// do, and `--dataset-path` names the new place of an unchanged one.
#[test]
fn show_run_refuses_a_changed_dataset_and_finds_a_moved_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let dataset = harbour(root);
    let gold = dataset.join("gold.csv");
    let folder = run(&dataset, &format!("m=file:{}", gold.display()), root, "r");
    let folder_arg = folder.display().to_string();
    let moved = root.join("elsewhere");
    std::fs::rename(&dataset, &moved).unwrap();

    let (code, _, stderr) = output(&["show", "--run", &folder_arg, ARTICLE], root);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("is no longer at") && stderr.contains("--dataset-path DIR"),
        "{stderr}"
    );
    let moved_arg = moved.display().to_string();
    let (code, text, stderr) = output(
        &[
            "show",
            "--run",
            &folder_arg,
            ARTICLE,
            "--dataset-path",
            &moved_arg,
        ],
        root,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(text.contains("COR 3 INC 0 MIS 0 SPU 0"), "{text}");

    std::fs::rename(&moved, &dataset).unwrap();
    // A line whose counts its outcomes do not add up to was edited: not shown.
    let lines = folder.join("articles.jsonl");
    let saved = std::fs::read_to_string(&lines).unwrap();
    assert!(saved.contains("\"cor\":3"), "{saved}");
    std::fs::write(&lines, saved.replacen("\"cor\":3", "\"cor\":2", 1)).unwrap();
    let (code, _, stderr) = output(&["show", "--run", &folder_arg, ARTICLE], root);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "[TMP]/r/articles.jsonl:1: the exact outcomes of `m` on `port-strike` do not add up"
        ),
        "{stderr}"
    );
    std::fs::write(&lines, saved).unwrap();

    let article = dataset.join("articles").join(format!("{ARTICLE}.txt"));
    let mut text = std::fs::read_to_string(&article).unwrap();
    text.push_str(" More later.");
    std::fs::write(&article, text).unwrap();
    let (code, _, stderr) = output(&["show", "--run", &folder_arg, ARTICLE], root);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("has changed since the run") && stderr.contains("fingerprint"),
        "{stderr}"
    );
}

#[test]
fn show_dataset_lists_article_ids_with_gold_counts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, text, stderr) = output(&["show", "datasets/seed"], root);
    assert!(
        text.contains("`attr-eval show datasets/seed ARTICLE_ID`"),
        "{text}"
    );
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("show_seed_list", text);

    let (code, json, _) = output(&["show", "seed", "--format", "json"], root);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let articles = json["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0]["article_id"], "kremlin-leaked-call-2025-11-26");
    assert_eq!(articles[0]["gold"], 36);
    assert_eq!(
        (
            articles[0]["direct"].clone(),
            articles[0]["indirect"].clone()
        ),
        (22.into(), 14.into())
    );

    let (code, _, stderr) = output(&["show", "seed", "no-such"], root);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`attr-eval show seed` lists its articles"),
        "{stderr}"
    );
}

/// The part of `compare` output from the `--articles` list on.
fn articles_section(text: &str) -> String {
    let start = text
        .find("Articles whose outcomes changed")
        .unwrap_or_else(|| panic!("no article list in:\n{text}"));
    text[start..].to_string()
}

#[test]
fn compare_articles_lists_the_changed_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (dataset, rows) = synthetic_dataset(root, 3, 12);
    let base_rows = root.join("base.csv");
    write_rows(&base_rows, &rows);
    // a000 loses all its quotes (more than the list shows), a001 gets one speaker
    // wrong, a002 gains a quote the gold does not have.
    let mut cand: Vec<Row> = rows
        .iter()
        .filter(|r| r.article_id != "a000")
        .cloned()
        .collect();
    let wrong = cand.iter_mut().find(|r| r.article_id == "a001").unwrap();
    wrong.speaker = "Someone Else".into();
    cand.push(Row {
        article_id: "a002".into(),
        speaker: "Officials".into(),
        quote: "Moscow — Officials spoke on Wednesday.".into(),
        start: 0,
        end: 38,
    });
    let cand_rows = root.join("cand.csv");
    write_rows(&cand_rows, &cand);
    let base = run(
        &dataset,
        &format!("m=file:{}", base_rows.display()),
        root,
        "base",
    );
    let cand = run(
        &dataset,
        &format!("m=file:{}", cand_rows.display()),
        root,
        "cand",
    );
    let (base, cand) = (base.display().to_string(), cand.display().to_string());
    // Three articles are too few for a significant difference: the gate's verdict is
    // not what this test is about, only that compare ran.
    let (code, text, stderr) = output(&["compare", &base, &cand, "--articles"], root);
    assert!(code == 0 || code == 1, "{stderr}");
    let text = articles_section(&text);
    assert!(text.contains("… and 2 more"), "{text}");
    assert!(
        text.contains(
            "COR → INC  \"Statement 0 of article 1 was about the talks,\" (gold: Dmitry \
             Peskov; pred: Dmitry Peskov → Someone Else)"
        ),
        "{text}"
    );
    insta::assert_snapshot!("compare_articles_text", text);

    let (_, md, _) = output(
        &["compare", &base, &cand, "--articles", "--format", "md"],
        root,
    );
    insta::assert_snapshot!("compare_articles_md", articles_section(&md));

    // The JSON keeps its documented shape: counts per change, no quote list.
    let (_, json, _) = output(
        &["compare", &base, &cand, "--articles", "--format", "json"],
        root,
    );
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = &json["pairs"][0]["changed_articles"][0];
    assert_eq!(first["article_id"], "a000");
    assert_eq!(first["changes"]["quote_lost"], 12);
    assert!(first.get("quotes").is_none());
}

/// Without --run, `--model` runs the model on the article now and shows the same view.
#[test]
fn show_with_a_model_runs_it_and_filters_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let id = "kremlin-leaked-call-2025-11-26";
    let (code, text, stderr) = output(&["show", "seed", id, "--model", "rules", "--errors"], root);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        text.contains("rules on seed / kremlin-leaked-call-2025-11-26: overlap scheme (τ = 0.5)"),
        "{text}"
    );
    // The README's figures: 36 COR and 2 SPU under overlap, so two rows, both SPU.
    assert!(text.contains("COR 36 INC 0 MIS 0 SPU 2"), "{text}");
    assert!(
        text.contains("the 2 INC, MIS and SPU rows (--errors):"),
        "{text}"
    );
    assert_eq!(text.matches("│ SPU ").count(), 2, "{text}");
    assert!(!text.contains("│ COR "), "{text}");

    let (code, _, stderr) = output(&["show", "seed", "--errors"], root);
    assert_eq!(code, 2);
    assert!(stderr.contains("--errors needs a model's rows"), "{stderr}");
}
