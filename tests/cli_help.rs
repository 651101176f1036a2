//! What users see first: `--help` of the tool and of its main commands, as insta
//! snapshots so any change to them shows up in review as a readable diff.

mod common;

use common::attr_eval;

fn help(args: &[&str]) -> String {
    let output = attr_eval()
        .args(args)
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?} failed");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn run_help() {
    insta::assert_snapshot!(help(&["run", "--help"]));
}

#[test]
fn compare_help_documents_the_gate_and_exit_codes() {
    let text = help(&["compare", "--help"]);
    assert!(text.contains("--max-drop") && text.contains("Exit codes"));
    insta::assert_snapshot!(text);
}

#[test]
fn score_help() {
    insta::assert_snapshot!(help(&["score", "--help"]));
}

#[test]
fn show_help() {
    let text = help(&["show", "--help"]);
    assert!(text.contains("--run") && text.contains("--errors"));
    insta::assert_snapshot!(text);
}
