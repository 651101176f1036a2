//! Shared helpers for the integration tests: the binary, and small synthetic datasets
//! whose gold is known by construction.

#![allow(dead_code)]

pub mod llm_server;

use assert_cmd::Command;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub fn attr_eval() -> Command {
    let mut cmd = Command::cargo_bin("attr-eval").expect("the attr-eval binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Whether `python3` runs here. Tests whose model programs are Python scripts call it
/// first and, without Python, skip saying so (a test that passes silently would claim
/// what it did not check).
pub fn python_available() -> bool {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !ok {
        eprintln!(
            "skipping: python3 is not on PATH, and this test's model program is a Python script"
        );
    }
    ok
}

/// The command that runs `examples/protocol_adapter.py` with `flags`.
pub fn protocol_adapter(flags: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/protocol_adapter.py");
    let script = script.to_string_lossy();
    let quoted = shlex::try_quote(&script).unwrap_or(std::borrow::Cow::Borrowed(&script));
    format!("python3 {quoted} {flags}")
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The result of `model` in a run record (panics naming it when there is none).
pub fn result_of<'a>(record: &'a Value, model: &str) -> &'a Value {
    record["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == model)
        .unwrap_or_else(|| panic!("no result for {model}"))
}

/// One gold row of a synthetic article, with code-point offsets.
#[derive(Debug, Clone)]
pub struct Row {
    pub article_id: String,
    pub speaker: String,
    pub quote: String,
    pub start: usize,
    pub end: usize,
}

const SPEAKERS: [&str; 4] = [
    "Yuri Ushakov",
    "Dmitry Peskov",
    "Kirill Dmitriev",
    "Steve Witkoff",
];

/// Writes a dataset of `articles` articles with `quotes` direct quotes each, in the
/// `articles/` form, and returns its folder and gold rows.
pub fn synthetic_dataset(root: &Path, articles: usize, quotes: usize) -> (PathBuf, Vec<Row>) {
    let folder = root.join("synthetic");
    std::fs::create_dir_all(folder.join("articles")).unwrap();
    let mut rows = Vec::new();
    for a in 0..articles {
        let id = format!("a{a:03}");
        let mut text = String::from("Moscow — Officials spoke on Wednesday.\n\n");
        for q in 0..quotes {
            let speaker = SPEAKERS[(a + q) % SPEAKERS.len()];
            let quote = format!("Statement {q} of article {a} was about the talks,");
            text.push('“');
            let start = text.chars().count();
            text.push_str(&quote);
            let end = text.chars().count();
            let _ = write!(text, "” {speaker} said.\n\n");
            rows.push(Row {
                article_id: id.clone(),
                speaker: speaker.to_string(),
                quote,
                start,
                end,
            });
        }
        std::fs::write(folder.join("articles").join(format!("{id}.txt")), text).unwrap();
    }
    write_rows(&folder.join("gold.csv"), &rows);
    (folder, rows)
}

pub fn write_rows(path: &Path, rows: &[Row]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer
        .write_record(["article_id", "speaker", "quote", "start", "end", "type"])
        .unwrap();
    for row in rows {
        writer
            .write_record([
                row.article_id.as_str(),
                row.speaker.as_str(),
                row.quote.as_str(),
                &row.start.to_string(),
                &row.end.to_string(),
                "direct",
            ])
            .unwrap();
    }
    writer.flush().unwrap();
}

/// Runs `attr-eval run` on one dataset and model spec; returns the run folder.
pub fn run(dataset: &Path, model: &str, out: &Path, name: &str) -> PathBuf {
    attr_eval()
        .args(["run", "--resamples", "200", "--dataset"])
        .arg(dataset)
        .args(["--model", model, "--name", name, "--out"])
        .arg(out)
        .assert()
        .success();
    out.join(name)
}

/// Names headless Chromium goes by: `$CHROMIUM` when set, then Debian's, Ubuntu's and
/// Google's.
fn chromium_names() -> Vec<String> {
    let mut names: Vec<String> = std::env::var("CHROMIUM").into_iter().collect();
    names.extend(["chromium", "chromium-browser", "google-chrome"].map(String::from));
    names
}

/// The DOM of an HTML file as headless Chromium renders it (scripts run), or `None`,
/// saying why, when no Chromium is on PATH: tests of what a person sees in a browser
/// skip then rather than pass on nothing.
pub fn chromium_dom(page: &Path) -> Option<String> {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let names = chromium_names();
    let output = names.iter().find_map(|name| {
        std::process::Command::new(name)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
            .arg(&url)
            .output()
            .ok()
    });
    let Some(output) = output else {
        eprintln!(
            "skipping: no Chromium on PATH (tried {}); install it (Debian: apt-get install \
             chromium) to check the HTML reports as a browser shows them",
            names.join(", ")
        );
        return None;
    };
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("chromium dumps UTF-8"))
}
