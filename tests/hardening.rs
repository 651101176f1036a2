//! The run survives its models (issue 15): a model program that exits, crashes with a
//! full queue, prints an endless line, leaves children behind or is interrupted never
//! takes the harness down, and what was done is kept and marked.

mod common;

use common::{attr_eval, python_available, read_json, result_of, synthetic_dataset};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn misbehave() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/misbehave.py");
    format!("cmd:python3 {}", script.display())
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_attr-eval"))
}

/// Every line of articles.jsonl is whole JSON.
fn article_lines(run: &Path) -> Vec<Value> {
    std::fs::read_to_string(run.join("articles.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("torn line: {e}")))
        .collect()
}

/// Waits until `done` holds: the tests wait on events (a file a model program writes,
/// a cache entry, a process ending), not on time; the bound only stops a broken test.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{what} never happened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for a file that a model program writes when it reaches a given point.
fn wait_for(path: &Path) {
    wait_until(&format!("{} appearing", path.display()), || path.exists());
}

/// A synthetic dataset of `articles` articles, and a working folder in which the
/// misbehaving model answers `answer_limit` requests, then stops answering.
fn misbehaving_set_up(dir: &Path, articles: usize, answer_limit: usize) -> (PathBuf, PathBuf) {
    let (dataset, _) = synthetic_dataset(dir, articles, 2);
    let work = dir.join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("answer_limit"), answer_limit.to_string()).unwrap();
    (dataset, work)
}

/// `attr-eval run` in the background from `work`, quietly, with `models` on `dataset`.
fn start_run(work: &Path, dataset: &Path, models: &[&str], name: &str, out: &Path) -> Child {
    let mut command = std::process::Command::new(binary());
    command
        .current_dir(work)
        .args(["run", "--resamples", "50", "--dataset"])
        .arg(dataset);
    for model in models {
        command.args(["--model", model]);
    }
    command
        .args(["--name", name, "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_model_that_exits_at_once_keeps_the_other_models_results() {
    let out = tempfile::tempdir().unwrap();
    attr_eval()
        .args([
            "run",
            "--dataset",
            "seed",
            "--model",
            "rules",
            "--model",
            "cmd:false",
        ])
        .args(["--resamples", "50", "--name", "r", "--out"])
        .arg(out.path())
        .assert()
        .code(3);
    let record = read_json(&out.path().join("r/run.json"));
    assert_eq!(record["status"], "partial");
    assert!(
        result_of(&record, "rules")["errors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(result_of(&record, "rules")["scores"]["overlap"]["pair"]["f1"].as_f64() > Some(0.9));
    assert!(
        !result_of(&record, "false")["errors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_crash_with_a_full_queue_keeps_what_was_answered() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Articles of ~100 KB each: the queued requests are far larger than a pipe buffer.
    let (dataset, _) = synthetic_dataset(dir.path(), 12, 1500);
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("exit_after"), "1").unwrap();
    attr_eval()
        .current_dir(&work)
        .args(["run", "--resamples", "50", "--dataset"])
        .arg(&dataset)
        .args(["--model", &misbehave(), "--name", "r", "--out"])
        .arg(dir.path())
        .assert()
        .code(3);
    let lines = article_lines(&dir.path().join("r"));
    assert_eq!(lines.len(), 12);
    let answered = lines.iter().filter(|l| l["error"].is_null()).count();
    // One answer per process: the first and each of its three restarts.
    assert_eq!(answered, 4, "{lines:?}");
}

#[test]
fn an_endless_line_fails_the_article_without_filling_memory() {
    let out = tempfile::tempdir().unwrap();
    let assert = attr_eval()
        .args([
            "run",
            "--dataset",
            "seed",
            "--resamples",
            "50",
            "--timeout",
            "60",
        ])
        .args(["--model", "endless=cmd:sh -c 'yes | tr -d \"\\n\"'"])
        .args(["--name", "r", "--out"])
        .arg(out.path())
        .assert()
        .code(3);
    drop(assert);
    let record = read_json(&out.path().join("r/run.json"));
    let message = result_of(&record, "endless")["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    // The cap stopped it, not the (long) timeout.
    assert!(message.contains("more than the 64 MB"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_wrapper_s_hanging_child_is_ended_with_it() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hang_child"), "").unwrap();
    attr_eval()
        .current_dir(dir.path())
        .args(["run", "--dataset"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/seed"))
        .args([
            "--resamples",
            "50",
            "--timeout",
            "1",
            "--model",
            &misbehave(),
        ])
        .args(["--name", "r", "--out"])
        .arg(dir.path())
        .assert()
        .code(3);
    let pid = std::fs::read_to_string(dir.path().join("child.pid")).unwrap();
    // Gone, or a zombie waiting for init: either way no longer running.
    assert!(!running(&pid), "the child {pid} still runs");
}

#[cfg(unix)]
#[test]
fn sigint_mid_run_writes_an_interrupted_record() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (dataset, work) = misbehaving_set_up(dir.path(), 20, 5);
    let mut child = start_run(&work, &dataset, &["rules", &misbehave()], "r", dir.path());
    wait_for(&work.join("marker"));
    // SAFETY: kill only sends a signal to the child this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3));
    let run = dir.path().join("r");
    let record = read_json(&run.join("run.json"));
    assert_eq!(record["status"], "interrupted");
    assert_eq!(record["interruption"]["signal"], "SIGINT");
    assert_eq!(record["interruption"]["articles_total"], 40);
    let reached = record["interruption"]["articles_reached"].as_u64().unwrap();
    assert!((20..=25).contains(&reached), "{reached}");
    // rules ran before the interrupt: its results are whole.
    assert!(
        result_of(&record, "rules")["errors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(article_lines(&run).len(), 40);
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(report.contains("Interrupted run"), "{report}");
}

#[cfg(unix)]
#[test]
fn resume_after_kill_9_asks_only_for_what_was_not_answered() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (dataset, work) = misbehaving_set_up(dir.path(), 10, 4);
    let mut child = start_run(&work, &dataset, &[&misbehave()], "first", dir.path());
    wait_for(&work.join("marker"));
    // The four answers are in the cache once their entries exist (each is renamed into
    // place whole): wait for that event, then kill.
    wait_until("the four answers cached", || cache_entries(&work) >= 4);
    child.kill().unwrap();
    child.wait().unwrap();
    // The program reads what is left in its stdin, sees it close and exits; its log is
    // complete once it has.
    for pid in std::fs::read_to_string(work.join("pids")).unwrap().lines() {
        wait_until(&format!("{pid} exiting"), || !running(pid));
    }
    let first_log = std::fs::read_to_string(work.join("log")).unwrap();
    assert!(first_log.lines().count() >= 5);

    std::fs::remove_file(work.join("answer_limit")).unwrap();
    std::fs::remove_file(work.join("log")).unwrap();
    attr_eval()
        .current_dir(&work)
        .args(["run", "--resamples", "50", "--resume", "--dataset"])
        .arg(&dataset)
        .args(["--model", &misbehave(), "--name", "second", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let asked: Vec<String> = std::fs::read_to_string(work.join("log"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let expected: Vec<String> = (4..10).map(|a| format!("a{a:03}")).collect();
    assert_eq!(
        asked, expected,
        "only the 6 unanswered articles are asked again"
    );
}

/// Whether a process still runs (a zombie waiting to be reaped does not).
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .ok()
        .and_then(|stat| stat.rsplit(')').next().map(|s| s.trim().to_string()))
        .is_some_and(|state| !state.starts_with('Z'))
}

/// Answers in the prediction cache under `work` (`model.json` describes the folder).
fn cache_entries(work: &Path) -> usize {
    let root = work.join(".cache/attr-eval/predictions");
    let Ok(folders) = std::fs::read_dir(root) else {
        return 0;
    };
    folders
        .filter_map(|f| f.ok())
        .filter_map(|f| std::fs::read_dir(f.path()).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".json") && name != "model.json"
        })
        .count()
}

#[test]
fn racing_runs_of_one_name_give_one_record_and_one_refusal() {
    let out = tempfile::tempdir().unwrap();
    let start = || {
        std::process::Command::new(binary())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "run",
                "--dataset",
                "seed",
                "--model",
                "rules",
                "--resamples",
                "50",
            ])
            .args(["--name", "same", "--out"])
            .arg(out.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(), start());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(2)]);
    let loser = if a.status.code() == Some(2) { &a } else { &b };
    let message = String::from_utf8_lossy(&loser.stderr);
    assert!(
        message.contains("same") && message.contains("already exists"),
        "{message}"
    );
    let record = read_json(&out.path().join("same/run.json"));
    assert_eq!(record["status"], "complete");
}

#[test]
fn a_huge_timeout_or_a_path_as_name_is_a_usage_error() {
    let out = tempfile::tempdir().unwrap();
    for args in [
        &["--timeout", "1e30", "--name", "x"][..],
        &["--name", "../../escape"][..],
    ] {
        attr_eval()
            .args(["run", "--dataset", "seed", "--model", "rules"])
            .args(args)
            .arg("--out")
            .arg(out.path())
            .assert()
            .code(2);
    }
    assert!(!out.path().join("x").exists());
}

#[test]
fn two_datasets_of_one_name_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = synthetic_dataset(&dir.path().join("one"), 1, 1);
    let (second, _) = synthetic_dataset(&dir.path().join("two"), 1, 1);
    let assert = attr_eval()
        .args(["run", "--model", "rules", "--dataset"])
        .arg(&first)
        .arg("--dataset")
        .arg(&second)
        .args(["--name", "r", "--out"])
        .arg(dir.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("both named `synthetic`"), "{stderr}");
    assert!(!dir.path().join("r").exists());
}

#[test]
fn a_bad_file_model_stops_the_run_before_any_model_runs() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "article_id,speaker,quote\nnot-an-article,X,hello\n").unwrap();
    let assert = attr_eval()
        .args(["run", "--dataset", "seed", "--model", "rules", "--model"])
        .arg(format!("file:{}", bad.display()))
        .args(["--name", "r", "--out"])
        .arg(dir.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("bad.csv:2"), "{stderr}");
    assert!(
        !dir.path().join("r").exists(),
        "no run folder for a run that never started"
    );
}

#[test]
fn the_shipped_experiment_runs() {
    let out = tempfile::tempdir().unwrap();
    attr_eval()
        .args([
            "run",
            "--config",
            "experiments/direct-quotes.toml",
            "--resamples",
            "50",
        ])
        .args(["--name", "e", "--out"])
        .arg(out.path())
        .assert()
        .success();
}

#[test]
fn a_dataset_without_mentions_is_one_line_in_mention_mode() {
    let out = tempfile::tempdir().unwrap();
    let assert = attr_eval()
        .args(["run", "--dataset", "litbank-quotes", "--model", "rules"])
        .args(["--speaker-match", "mention", "--name", "m", "--out"])
        .arg(out.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--speaker-match name"), "{stderr}");
}

/// Rows without offsets in a `file:` model are placed in the text as `cmd:` rows are,
/// so they score as the same rows with offsets, in `run` and in `score` alike.
#[test]
fn a_file_model_without_offsets_runs_and_scores_like_one_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 3, 2);
    let with = dir.path().join("with.csv");
    common::write_rows(&with, &rows);
    let without = dir.path().join("without.csv");
    let mut writer = csv::Writer::from_path(&without).unwrap();
    writer
        .write_record(["article_id", "speaker", "quote"])
        .unwrap();
    for row in &rows {
        writer
            .write_record([&row.article_id, &row.speaker, &row.quote])
            .unwrap();
    }
    writer.flush().unwrap();
    let run_with = common::run(
        &dataset,
        &format!("m=file:{}", with.display()),
        dir.path(),
        "a",
    );
    let run_without = common::run(
        &dataset,
        &format!("m=file:{}", without.display()),
        dir.path(),
        "b",
    );
    let scores = |run: &Path| read_json(&run.join("run.json"))["results"][0]["scores"].clone();
    assert_eq!(scores(&run_with), scores(&run_without));
    let scored = attr_eval()
        .args(["score", "--json", "--resamples", "200", "--dataset"])
        .arg(&dataset)
        .arg("--pred")
        .arg(&without)
        .output()
        .unwrap();
    let scored: Value = serde_json::from_slice(&scored.stdout).unwrap();
    assert_eq!(scored["scores"], scores(&run_with));
}

#[test]
fn mention_mode_on_a_model_without_mentions_warns() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, rows) = synthetic_dataset(dir.path(), 2, 2);
    let preds = dir.path().join("p.csv");
    common::write_rows(&preds, &rows);
    // The synthetic gold has no mention offsets either: give it some.
    let gold = dataset.join("gold.csv");
    let mut writer = csv::Writer::from_path(&gold).unwrap();
    writer
        .write_record([
            "article_id",
            "speaker",
            "quote",
            "start",
            "end",
            "speaker_start",
            "speaker_end",
        ])
        .unwrap();
    for row in &rows {
        let (start, end) = (row.end + 2, row.end + 2 + row.speaker.chars().count());
        writer
            .write_record([
                row.article_id.clone(),
                row.speaker.clone(),
                row.quote.clone(),
                row.start.to_string(),
                row.end.to_string(),
                start.to_string(),
                end.to_string(),
            ])
            .unwrap();
    }
    writer.flush().unwrap();
    let assert = attr_eval()
        .args([
            "run",
            "--resamples",
            "50",
            "--speaker-match",
            "mention",
            "--dataset",
        ])
        .arg(&dataset)
        .arg("--model")
        .arg(format!("m=file:{}", preds.display()))
        .args(["--name", "r", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("speaker_start/speaker_end"), "{stderr}");
    let record = read_json(&dir.path().join("r/run.json"));
    assert!(record["results"][0]["warnings"][0].is_string());
}

#[test]
fn control_characters_from_a_file_are_escaped_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "article_id,speaker,quote\n\u{1b}[31mevil,X,hello\n").unwrap();
    let assert = attr_eval()
        .args(["score", "--dataset", "seed", "--pred"])
        .arg(&bad)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(stderr.contains("\\u{1b}[31mevil"), "{stderr}");
}

/// A run's combined `predictions/<model>.csv` holds the rows of all its datasets, with a
/// `dataset` column: as a `file:` model it gives each dataset its own rows.
#[test]
fn the_combined_predictions_of_a_two_dataset_run_rescore_as_a_file_model() {
    let out = tempfile::tempdir().unwrap();
    attr_eval()
        .args([
            "run",
            "-d",
            "seed",
            "-d",
            "litbank-quotes",
            "-m",
            "rules",
            "--resamples",
            "50",
        ])
        .args(["--name", "first", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let combined = out.path().join("first/predictions/rules.csv");
    attr_eval()
        .args([
            "run",
            "-d",
            "seed",
            "-d",
            "litbank-quotes",
            "--resamples",
            "50",
            "-m",
        ])
        .arg(format!("rules=file:{}", combined.display()))
        .args(["--name", "again", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let scores = |name: &str| {
        let record = read_json(&out.path().join(name).join("run.json"));
        record["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["scores"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(scores("first"), scores("again"));
}
