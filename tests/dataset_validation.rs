//! Loading and validation of datasets, gold, predictions and aliases (docs/datasets.md):
//! every bad input must be reported with the right file, line and column.

use attr_eval::dataset::{Dataset, RowKind, read_attribution_csv, validate};
use attr_eval::error::Column;
use attr_eval::scoring::{ScoringOptions, SpeakerMatch};
use attr_eval::{Error, InputError, Location, QuoteType, Span};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A dataset folder in a temporary directory: `(relative path, content)` pairs.
fn folder(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn open(dir: &TempDir) -> attr_eval::Result<Dataset> {
    Dataset::open(dir.path().to_str().unwrap())
}

fn input_errors(result: attr_eval::Result<impl std::fmt::Debug>) -> Vec<InputError> {
    match result {
        Err(Error::Input(error)) => vec![error],
        Err(Error::InputErrors(errors)) => errors,
        other => panic!("expected input errors, got {other:?}"),
    }
}

/// The result must be exactly one input error, at this place.
fn assert_error_at(
    result: attr_eval::Result<impl std::fmt::Debug>,
    file: &Path,
    line: u64,
    column: &str,
) -> InputError {
    let errors = input_errors(result);
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    let error = errors.into_iter().next().unwrap();
    assert_eq!(
        error.location,
        Location::named_column(file, line, column),
        "{error}"
    );
    // The message a user sees carries the same place.
    let shown = error.to_string();
    assert!(
        shown.contains(&format!("{}:{line}: column `{column}`", file.display())),
        "{shown}"
    );
    error
}

const TEXT: &str = "Ann said: “Hello there.” Bob said no.";
// Code points: “ is at 10, `Hello there.` is 11..23, `Ann` 0..3, `Bob` 25..28, `no` 34..36.
const HEADER: &str =
    "article_id,speaker,quote,start,end,type,cue,speaker_mention,speaker_start,speaker_end\n";
const GOOD_ROW: &str = "a1,Ann,Hello there.,11,23,direct,said,Ann,0,3\n";

fn with_gold(rows: &str) -> TempDir {
    let gold = format!("{HEADER}{rows}");
    folder(&[
        ("articles/a1.txt", TEXT.as_bytes()),
        ("gold.csv", gold.as_bytes()),
    ])
}

fn gold_error(rows: &str, line: u64, column: &str) -> InputError {
    let dir = with_gold(rows);
    assert_error_at(open(&dir), &dir.path().join("gold.csv"), line, column)
}

#[test]
fn the_seed_dataset_opens_cleanly() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/seed");
    let dataset = Dataset::open(seed.to_str().unwrap()).unwrap();
    assert_eq!(dataset.name(), "seed");
    assert_eq!(
        dataset.article_ids(),
        ["kremlin-leaked-call-2025-11-26".to_string()]
    );
    assert_eq!(dataset.gold_rows(), 36);
    assert_eq!(
        dataset
            .gold_for("kremlin-leaked-call-2025-11-26")
            .unwrap()
            .len(),
        36
    );
    assert_eq!(dataset.chars(), 4880);
    assert!(dataset.fingerprint().starts_with("sha256:"));
    assert_eq!(dataset.fingerprint().len(), "sha256:".len() + 64);
    dataset.check_mention_offsets(&mention_mode()).unwrap();
    let summary = validate(seed.to_str().unwrap()).unwrap();
    assert_eq!(
        summary.to_string(),
        format!(
            "seed: 1 article, 36 gold rows ({} direct, {} indirect, {} mixed), 0 aliases: valid",
            summary.direct, summary.indirect, summary.mixed
        )
    );
    assert_eq!(summary.direct + summary.indirect + summary.mixed, 36);
}

#[test]
fn a_good_dataset_gives_its_rows_and_texts() {
    let dir = with_gold(GOOD_ROW);
    let dataset = open(&dir).unwrap();
    let gold = dataset.gold_for("a1").unwrap();
    assert_eq!(gold.len(), 1);
    assert_eq!(gold[0].quote_span, Some(Span::new(11, 23)));
    assert_eq!(gold[0].mention_span, Some(Span::new(0, 3)));
    assert_eq!(gold[0].quote_type, Some(QuoteType::Direct));
    assert_eq!(gold[0].cue.as_deref(), Some("said"));
    assert!(dataset.gold_for("nope").unwrap().is_empty());
    let article = dataset.article("a1").unwrap().unwrap();
    assert_eq!(article.text, TEXT);
    assert!(dataset.article("nope").unwrap().is_none());
    assert_eq!(dataset.chars(), TEXT.chars().count() as u64);
}

#[test]
fn files_are_read_in_sorted_order_and_other_files_are_skipped() {
    let dir = folder(&[
        ("articles/b.txt", b"bee"),
        ("articles/a.txt", b"ay"),
        ("articles/c.2.txt", b"see"),
        ("articles/README.md", b"not an article"),
        ("gold.csv", b"article_id,quote,speaker\n"),
    ]);
    let dataset = open(&dir).unwrap();
    assert_eq!(dataset.article_ids(), ["a", "b", "c.2"]);
    let texts: Vec<String> = dataset.articles().map(|a| a.unwrap().text).collect();
    assert_eq!(texts, ["ay", "bee", "see"]);
}

#[test]
fn jsonl_articles_keep_file_order_and_metadata() {
    let jsonl = concat!(
        "{\"id\": \"z\", \"text\": \"Zed said “yes”.\", \"title\": \"Z\", \"date\": \"2025-01-01\"}\n",
        "\n",
        "{\"text\": \"Ann said no.\", \"id\": \"a\", \"url\": \"http://x\"}\n",
    );
    let dir = folder(&[
        ("articles.jsonl", jsonl.as_bytes()),
        (
            "gold.csv",
            "article_id,quote,speaker,start,end\nz,yes,Zed,10,13\na,no,Ann,9,11\n".as_bytes(),
        ),
    ]);
    let dataset = open(&dir).unwrap();
    assert_eq!(dataset.article_ids(), ["z", "a"]);
    let articles: Vec<_> = dataset.articles().map(|a| a.unwrap()).collect();
    assert_eq!(articles[0].metadata["title"], "Z");
    assert_eq!(articles[0].metadata["date"], "2025-01-01");
    assert!(!articles[0].metadata.contains_key("id"));
    assert!(!articles[0].metadata.contains_key("text"));
    assert_eq!(articles[1].metadata["url"], "http://x");
    // Random access past a blank line.
    let a = dataset.article("a").unwrap().unwrap();
    assert_eq!(a.text, "Ann said no.");
    assert_eq!(dataset.gold_rows(), 2);
}

#[test]
fn both_forms_of_the_same_articles_have_the_same_fingerprint() {
    let gold = format!("{HEADER}{GOOD_ROW}");
    let files = folder(&[
        ("articles/a1.txt", TEXT.as_bytes()),
        ("gold.csv", gold.as_bytes()),
    ]);
    let line = serde_json::json!({"id": "a1", "text": TEXT, "title": "t"}).to_string();
    let jsonl = folder(&[
        ("articles.jsonl", line.as_bytes()),
        ("gold.csv", gold.as_bytes()),
    ]);
    let a = open(&files).unwrap();
    let b = open(&jsonl).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    let other = with_gold("a1,Ann,Hello there.,11,23,direct,said,Ann,,\n");
    assert_ne!(
        a.fingerprint(),
        Dataset::open(other.path().to_str().unwrap())
            .map_or_else(|e| panic!("{e}"), |d| d.fingerprint().to_string())
    );
}

#[test]
fn a_name_under_datasets_is_found_from_the_current_directory() {
    // The test runs in the package root, where datasets/seed lives.
    let dataset = Dataset::open("seed").unwrap();
    assert_eq!(dataset.path(), Path::new("datasets/seed"));
    assert!(matches!(
        Dataset::open("no-such-dataset"),
        Err(Error::Usage(_))
    ));
}

#[test]
fn article_streams_can_move_to_other_threads() {
    fn assert_send<T: Send>(_: &T) {}
    let dir = with_gold(GOOD_ROW);
    let dataset = open(&dir).unwrap();
    let stream = dataset.articles();
    assert_send(&stream);
    assert_eq!(stream.size_hint(), (1, Some(1)));
    let ids: Vec<String> = std::thread::scope(|s| {
        s.spawn(move || stream.map(|a| a.unwrap().id).collect())
            .join()
            .unwrap()
    });
    assert_eq!(ids, ["a1"]);
}

#[test]
fn an_empty_article_is_an_article_without_text() {
    let dir = folder(&[
        ("articles/empty.txt", b""),
        (
            "gold.csv",
            b"article_id,quote,speaker,start,end
empty,x,Y,0,1
",
        ),
    ]);
    let error = assert_error_at(open(&dir), &dir.path().join("gold.csv"), 2, "end");
    assert!(error.message.contains("0 characters"), "{error}");
    let dir = folder(&[
        ("articles/empty.txt", b""),
        (
            "gold.csv",
            b"article_id,quote,speaker
empty,x,Y
",
        ),
    ]);
    let dataset = open(&dir).unwrap();
    assert_eq!((dataset.chars(), dataset.gold_rows()), (0, 1));
}

// ---- docs/datasets.md#folder-layout: the folder and its articles ----

#[test]
fn both_article_forms_at_once_is_an_error() {
    let dir = folder(&[
        ("articles/a1.txt", TEXT.as_bytes()),
        ("articles.jsonl", b"{\"id\": \"a1\", \"text\": \"x\"}\n"),
        ("gold.csv", HEADER.as_bytes()),
    ]);
    let errors = input_errors(open(&dir));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].location, Location::file(dir.path()));
    assert!(errors[0].message.contains("both"), "{}", errors[0]);
}

#[test]
fn no_articles_and_no_gold_are_errors() {
    let dir = folder(&[("DATASET.md", b"empty")]);
    let errors = input_errors(open(&dir));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.location == Location::file(dir.path().join("gold.csv")))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.location == Location::file(dir.path()))
    );
}

#[test]
fn an_article_file_with_a_bad_id_is_named() {
    let dir = folder(&[
        ("articles/bad id.txt", b"x"),
        ("gold.csv", HEADER.as_bytes()),
    ]);
    let errors = input_errors(open(&dir));
    assert_eq!(
        errors[0].location,
        Location::file(dir.path().join("articles/bad id.txt"))
    );
}

#[test]
fn an_article_that_is_not_utf8_is_located_to_the_character() {
    let dir = folder(&[
        ("articles/a1.txt", b"line one\nab\xC3\xA9c\xFFd\n"),
        ("gold.csv", "article_id,quote,speaker\na1,x,Y\n".as_bytes()),
    ]);
    let errors = input_errors(open(&dir));
    // Its gold row is not also reported as naming an unknown article.
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].location,
        Location::numbered_column(dir.path().join("articles/a1.txt"), 2, 5)
    );
}

#[test]
fn a_malformed_jsonl_line_is_located() {
    let jsonl = "{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"é\", \"text\": 5}\n";
    let dir = folder(&[
        ("articles.jsonl", jsonl.as_bytes()),
        ("gold.csv", HEADER.as_bytes()),
    ]);
    let errors = input_errors(open(&dir));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let location = &errors[0].location;
    assert_eq!(location.file, dir.path().join("articles.jsonl"));
    assert_eq!(location.line, Some(2));
    // The `5` is character 21 of the line (byte 22: the é is one character, two bytes).
    assert_eq!(location.column, Some(Column::Number(21)));
}

#[test]
fn jsonl_lines_need_an_object_with_id_and_text() {
    let jsonl = "[1, 2]\n{\"id\": \"a\"}\n{\"id\": \"b c\", \"text\": \"\"}\n";
    let dir = folder(&[
        ("articles.jsonl", jsonl.as_bytes()),
        ("gold.csv", HEADER.as_bytes()),
    ]);
    let errors = input_errors(open(&dir));
    let file = dir.path().join("articles.jsonl");
    assert_eq!(
        errors
            .iter()
            .map(|e| e.location.clone())
            .collect::<Vec<_>>(),
        [
            Location::numbered_column(&file, 1, 1),
            Location::line(&file, 2),
            Location::named_column(&file, 3, "id"),
        ]
    );
}

#[test]
fn a_repeated_jsonl_id_names_both_lines() {
    let jsonl = "{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"b\", \"text\": \"y\"}\n{\"id\": \"a\", \"text\": \"z\"}\n";
    let dir = folder(&[
        ("articles.jsonl", jsonl.as_bytes()),
        ("gold.csv", HEADER.as_bytes()),
    ]);
    let errors = input_errors(open(&dir));
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].location,
        Location::named_column(dir.path().join("articles.jsonl"), 3, "id")
    );
    assert!(errors[0].message.contains("line 1"), "{}", errors[0]);
}

// ---- byte order marks and code points ----

#[test]
fn byte_order_marks_are_dropped_everywhere() {
    let text = "\u{feff}Ann said “hi”.";
    let gold = "\u{feff}article_id,quote,speaker,start,end\na1,hi,Ann,10,12\n";
    let dir = folder(&[
        ("articles/a1.txt", text.as_bytes()),
        ("gold.csv", gold.as_bytes()),
        (
            "aliases.csv",
            "\u{feff}article_id,name,alias\n*,Ann,Annie\n".as_bytes(),
        ),
    ]);
    let dataset = open(&dir).unwrap();
    assert_eq!(dataset.chars(), 14);
    assert_eq!(dataset.aliases().entries.len(), 1);
    assert_eq!(dataset.aliases().entries[0].article_id, None);
    assert_eq!(
        dataset.article("a1").unwrap().unwrap().text,
        "Ann said “hi”."
    );

    let jsonl = "\u{feff}{\"id\": \"a1\", \"text\": \"Ann said “hi”.\"}\n";
    let dir = folder(&[
        ("articles.jsonl", jsonl.as_bytes()),
        ("gold.csv", gold.as_bytes()),
    ]);
    let dataset = open(&dir).unwrap();
    assert_eq!(dataset.articles().next().unwrap().unwrap().id, "a1");
}

#[test]
fn offsets_count_code_points_in_non_ascii_text() {
    let text = "Zoë Ğül: «Привет, мир» 😀 — she said.";
    let dir = folder(&[
        ("articles/a1.txt", text.as_bytes()),
        (
            "gold.csv",
            "article_id,quote,speaker,start,end,speaker_mention,speaker_start,speaker_end\n\
             a1,\"Привет, мир\",Zoë Ğül,10,21,she,27,30\n"
                .as_bytes(),
        ),
    ]);
    open(&dir).unwrap();
    // Byte offsets would be an error.
    let dir = folder(&[
        ("articles/a1.txt", text.as_bytes()),
        (
            "gold.csv",
            "article_id,quote,speaker,start,end\na1,\"Привет, мир\",Zoë Ğül,13,33\n".as_bytes(),
        ),
    ]);
    assert_error_at(open(&dir), &dir.path().join("gold.csv"), 2, "start");
}

#[test]
fn multi_line_quoted_fields_keep_line_numbers() {
    let text = "He said: “one\ntwo”. Then: “three”.";
    let gold = "article_id,quote,speaker,start,end,type\n\
                a1,\"one\ntwo\",He,10,17,direct\n\
                a1,three,He,27,32,sideways\n";
    let dir = folder(&[
        ("articles/a1.txt", text.as_bytes()),
        ("gold.csv", gold.as_bytes()),
    ]);
    assert_error_at(open(&dir), &dir.path().join("gold.csv"), 4, "type");
}

// ---- docs/datasets.md#validation: one test per bad input ----

#[test]
fn unknown_article_id() {
    let error = gold_error(
        &format!("{GOOD_ROW}a2,Ann,Hello there.,,,direct,,,,\n"),
        3,
        "article_id",
    );
    assert!(error.message.contains("a2"), "{error}");
}

#[test]
fn offsets_out_of_range() {
    gold_error("a1,Ann,Hello there.,11,99,direct,said,Ann,0,3\n", 2, "end");
    gold_error(
        "a1,Ann,Hello there.,98,99,direct,said,Ann,0,3\n",
        2,
        "start",
    );
}

#[test]
fn reversed_offsets() {
    let error = gold_error(
        "a1,Ann,Hello there.,23,11,direct,said,Ann,0,3\n",
        2,
        "start",
    );
    assert!(error.message.contains("reversed"), "{error}");
}

#[test]
fn offsets_not_matching_the_text() {
    let error = gold_error(
        "a1,Ann,Hello there.,12,24,direct,said,Ann,0,3\n",
        2,
        "start",
    );
    assert!(error.message.contains("ello there.”"), "{error}");
}

#[test]
fn one_offset_without_the_other() {
    gold_error("a1,Ann,Hello there.,11,,direct,said,Ann,0,3\n", 2, "end");
    gold_error("a1,Ann,Hello there.,,23,direct,said,Ann,0,3\n", 2, "start");
    gold_error(
        "a1,Ann,Hello there.,11,23,direct,said,Ann,,3\n",
        2,
        "speaker_start",
    );
}

#[test]
fn offsets_that_are_not_numbers() {
    gold_error(
        "a1,Ann,Hello there.,eleven,23,direct,said,Ann,0,3\n",
        2,
        "start",
    );
    gold_error(
        "a1,Ann,Hello there.,-1,23,direct,said,Ann,0,3\n",
        2,
        "start",
    );
    gold_error(
        "a1,Ann,Hello there.,11,23.0,direct,said,Ann,0,3\n",
        2,
        "end",
    );
}

#[test]
fn mention_offsets_not_matching_the_mention() {
    gold_error(
        "a1,Ann,Hello there.,11,23,direct,said,Ann,25,28\n",
        2,
        "speaker_start",
    );
    gold_error(
        "a1,Ann,Hello there.,11,23,direct,said,Ann,0,300\n",
        2,
        "speaker_end",
    );
}

#[test]
fn missing_required_column() {
    for column in ["article_id", "quote", "speaker"] {
        let header: Vec<&str> = ["article_id", "quote", "speaker"]
            .into_iter()
            .filter(|c| *c != column)
            .collect();
        let gold = format!("{}\na,b\n", header.join(","));
        let dir = folder(&[
            ("articles/a1.txt", TEXT.as_bytes()),
            ("gold.csv", gold.as_bytes()),
        ]);
        assert_error_at(open(&dir), &dir.path().join("gold.csv"), 1, column);
    }
}

#[test]
fn an_empty_gold_file_has_no_header() {
    let dir = folder(&[("articles/a1.txt", TEXT.as_bytes()), ("gold.csv", b"")]);
    let errors = input_errors(open(&dir));
    assert_eq!(
        errors[0].location,
        Location::line(dir.path().join("gold.csv"), 1)
    );
}

#[test]
fn empty_quote() {
    gold_error("a1,Ann,,,,direct,said,Ann,0,3\n", 2, "quote");
    gold_error("a1,Ann,,11,23,direct,said,Ann,0,3\n", 2, "quote");
}

#[test]
fn bad_type() {
    let error = gold_error(
        "a1,Ann,Hello there.,11,23,verbatim,said,Ann,0,3\n",
        2,
        "type",
    );
    assert!(error.message.contains("verbatim"), "{error}");
}

#[test]
fn a_row_with_too_few_fields() {
    gold_error("a1,Ann,Hello there.,11,23\n", 2, "type");
}

#[test]
fn exactly_repeated_gold_row_names_both_lines() {
    let dir = with_gold(&format!(
        "{GOOD_ROW}a1,Bob,no,,,indirect,said,Bob,25,28\n{GOOD_ROW}"
    ));
    let errors = input_errors(open(&dir));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].location,
        Location::line(dir.path().join("gold.csv"), 4)
    );
    assert!(errors[0].message.contains("line 2"), "{}", errors[0]);
}

#[test]
fn a_gold_confidence_column_is_ignored() {
    let dir = folder(&[
        ("articles/a1.txt", TEXT.as_bytes()),
        (
            "gold.csv",
            "article_id,quote,speaker,confidence\na1,x,Y,high\n".as_bytes(),
        ),
    ]);
    let dataset = open(&dir).unwrap();
    assert_eq!(dataset.gold_for("a1").unwrap()[0].confidence, None);
}

#[test]
fn every_error_of_a_file_is_reported_at_once_in_line_order() {
    let dir = with_gold(concat!(
        "a1,Ann,Hello there.,12,24,direct,said,Ann,0,3\n",
        "zz,Ann,Hello there.,11,23,direct,said,Ann,0,3\n",
        "a1,Ann,,,,bad,said,Ann,0,3\n",
        // Each bad field once; no "end without start" for a start that is not a number.
        ",Ann,,x,,direct,,,,\n",
    ));
    let errors = input_errors(open(&dir));
    let places: Vec<(Option<u64>, Option<Column>)> = errors
        .iter()
        .map(|e| (e.location.line, e.location.column.clone()))
        .collect();
    let named = |c: &str| Some(Column::Name(c.to_string()));
    assert_eq!(
        places,
        [
            (Some(2), named("start")),
            (Some(3), named("article_id")),
            (Some(4), named("quote")),
            (Some(4), named("type")),
            (Some(5), named("article_id")),
            (Some(5), named("quote")),
            (Some(5), named("start")),
        ]
    );
}

#[test]
fn a_flood_of_errors_is_cut_short_with_a_count() {
    let rows: String = (0..1500)
        .map(|i| format!("a1,Ann,q{i},,,odd,,,,\n"))
        .collect();
    let dir = with_gold(&rows);
    let errors = input_errors(open(&dir));
    assert_eq!(errors.len(), 1001);
    assert_eq!(errors[0].location.line, Some(2));
    assert!(
        errors[1000].message.starts_with("500 more errors"),
        "{}",
        errors[1000]
    );
}

#[test]
fn aliases_are_checked() {
    let gold = format!("{HEADER}{GOOD_ROW}");
    let dir = folder(&[
        ("articles/a1.txt", TEXT.as_bytes()),
        ("gold.csv", gold.as_bytes()),
        (
            "aliases.csv",
            b"article_id,name,alias\na1,Ann,Annie\n*,Bob,Robert\nzz,Ann,A\na1,,x\n",
        ),
    ]);
    let errors = input_errors(open(&dir));
    let file = dir.path().join("aliases.csv");
    assert_eq!(
        errors
            .iter()
            .map(|e| e.location.clone())
            .collect::<Vec<_>>(),
        [
            Location::named_column(&file, 4, "article_id"),
            Location::named_column(&file, 5, "name"),
        ]
    );
    let dir = folder(&[
        ("articles/a1.txt", TEXT.as_bytes()),
        ("gold.csv", gold.as_bytes()),
        ("aliases.csv", b"article_id,name\na1,Ann\n"),
    ]);
    assert_error_at(open(&dir), &dir.path().join("aliases.csv"), 1, "alias");
}

// ---- predictions ----

fn predictions(
    dataset_dir: &TempDir,
    csv: &str,
) -> (PathBuf, attr_eval::Result<Vec<attr_eval::Attribution>>) {
    let path = dataset_dir.path().join("pred.csv");
    std::fs::write(&path, csv).unwrap();
    let dataset = open(dataset_dir).unwrap();
    let rows = dataset.read_predictions(&path);
    (path, rows)
}

#[test]
fn repeated_predictions_are_allowed_and_kept() {
    let dir = with_gold(GOOD_ROW);
    let (_, rows) = predictions(&dir, &format!("{HEADER}{GOOD_ROW}{GOOD_ROW}"));
    assert_eq!(rows.unwrap().len(), 2);
}

#[test]
fn prediction_confidence_must_be_a_number_in_range() {
    let dir = with_gold(GOOD_ROW);
    for value in ["sure", "1.5", "-0.1", "NaN", "inf"] {
        let (path, rows) = predictions(
            &dir,
            &format!("article_id,quote,speaker,confidence\na1,x,Y,0.5\na1,x,Y,{value}\n"),
        );
        assert_error_at(rows, &path, 3, "confidence");
    }
    let (_, rows) = predictions(
        &dir,
        "article_id,quote,speaker,confidence\na1,x,Y,1\na1,x,Y,\n",
    );
    let rows = rows.unwrap();
    assert_eq!(rows[0].confidence, Some(1.0));
    assert_eq!(rows[1].confidence, None);
}

#[test]
fn predictions_are_checked_against_the_text() {
    let dir = with_gold(GOOD_ROW);
    let (path, rows) = predictions(&dir, &format!("{HEADER}a9,Ann,x,,,,,,,\n"));
    assert_error_at(rows, &path, 2, "article_id");
    let (path, rows) = predictions(
        &dir,
        &format!("{HEADER}{GOOD_ROW}a1,Ann,Hello,11,17,,,,,\n"),
    );
    assert_error_at(rows, &path, 3, "start");
    // A prediction without a type keeps it empty (gold reads an empty type as direct).
    let (_, rows) = predictions(&dir, &format!("{HEADER}a1,Ann,Hello,11,16,,,,,\n"));
    assert_eq!(rows.unwrap()[0].quote_type, None);
}

#[test]
fn read_attribution_csv_gives_rows_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(&path, "quote,article_id,speaker\n\"a\nb\",x,\n\nc,y,Z\n").unwrap();
    let rows = read_attribution_csv(&path, RowKind::Prediction).unwrap();
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5]);
    assert_eq!(rows[0].row.quote, "a\nb");
    assert_eq!(rows[1].row.speaker, "Z");
    std::fs::write(&path, "quote,article_id,speaker\n,x,\n").unwrap();
    assert_error_at(
        read_attribution_csv(&path, RowKind::Gold),
        &path,
        2,
        "quote",
    );
}

// ---- speaker mention mode ----

#[test]
fn mention_mode_needs_mention_offsets_for_rows_with_a_speaker() {
    let dir = with_gold(concat!(
        "a1,Ann,Hello there.,11,23,direct,said,Ann,0,3\n",
        "a1,,no,34,36,indirect,,,,\n",
        "a1,Bob,no,34,36,indirect,said,Bob,,\n",
    ));
    let dataset = open(&dir).unwrap();
    assert_error_at(
        dataset.check_mention_offsets(&mention_mode()),
        &dir.path().join("gold.csv"),
        4,
        "speaker_start",
    );
    // Name mode compares no offsets, so it asks for none.
    dataset
        .check_mention_offsets(&ScoringOptions::default())
        .unwrap();
}

#[test]
fn mention_mode_asks_no_offsets_of_rows_the_type_filter_drops() {
    let dir = with_gold(concat!(
        "a1,Ann,Hello there.,11,23,direct,said,Ann,0,3\n",
        "a1,Bob,no,34,36,indirect,said,Bob,,\n",
    ));
    let dataset = open(&dir).unwrap();
    let direct_only = ScoringOptions {
        types: vec![QuoteType::Direct],
        ..mention_mode()
    };
    dataset.check_mention_offsets(&direct_only).unwrap();
}

fn mention_mode() -> ScoringOptions {
    ScoringOptions {
        speaker_match: SpeakerMatch::Mention,
        ..ScoringOptions::default()
    }
}

// ---- robustness ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_as_gold_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let dir = folder(&[("articles/a1.txt", TEXT.as_bytes()), ("gold.csv", &bytes)]);
        match open(&dir) {
            Ok(_) | Err(Error::Input(_)) | Err(Error::InputErrors(_)) => {}
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
    }

    #[test]
    fn csv_like_gold_never_panics(
        header in proptest::sample::subsequence(
            vec!["article_id", "quote", "speaker", "start", "end", "type", "speaker_start",
                 "speaker_end", "speaker_mention", "confidence", "x"], 0..11),
        cells in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof!["a1", "[0-9]{1,3}", "-?[0-9]{1,2}", "direct|mixed|odd", "\"[a-z ,\n\"]{0,6}\"",
                            "[ -~]{0,5}", "Hello there\\.", ""],
                0..12),
            0..8),
    ) {
        let mut gold = header.join(",");
        for row in cells {
            gold.push('\n');
            gold.push_str(&row.join(","));
        }
        let dir = folder(&[("articles/a1.txt", TEXT.as_bytes()), ("gold.csv", gold.as_bytes())]);
        match open(&dir) {
            Ok(dataset) => prop_assert!(dataset.gold_rows() <= 8),
            Err(Error::Input(_)) | Err(Error::InputErrors(_)) => {}
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
        let pred = dir.path().join("pred.csv");
        std::fs::write(&pred, gold.as_bytes()).unwrap();
        if let Ok(dataset) = open(&with_gold(GOOD_ROW)) {
            match dataset.read_predictions(&pred) {
                Ok(_) | Err(Error::Input(_)) | Err(Error::InputErrors(_)) => {}
                Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
            }
        }
    }

    /// Lines stay right whatever the line endings, blank lines and multi-line fields.
    #[test]
    fn record_lines_follow_the_file(
        rows in proptest::collection::vec(
            (0usize..3, prop_oneof![Just("\n"), Just("\r\n"), Just("\r")], 0usize..3, "[a-z]{1,3}"),
            1..12),
    ) {
        let mut text = String::from("quote,article_id,speaker");
        let mut line = 1u64;
        let mut expected = Vec::new();
        for (blank_lines, ending, inner_breaks, word) in &rows {
            for _ in 0..*blank_lines {
                text.push_str(ending);
                line += 1;
            }
            text.push_str(ending);
            line += 1;
            expected.push(line);
            let quote = vec![word.as_str(); inner_breaks + 1].join(ending);
            text.push_str(&format!("\"{quote}\",a,S"));
            line += *inner_breaks as u64;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, &text).unwrap();
        let got = read_attribution_csv(&path, RowKind::Prediction).unwrap();
        prop_assert_eq!(got.iter().map(|r| r.line).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn arbitrary_jsonl_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let dir = folder(&[("articles.jsonl", &bytes), ("gold.csv", HEADER.as_bytes())]);
        match open(&dir) {
            Ok(dataset) => {
                for article in dataset.articles() {
                    prop_assert!(article.is_ok());
                }
            }
            Err(Error::Input(_)) | Err(Error::InputErrors(_)) => {}
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
    }
}
