//! `llm:` models against a local OpenAI-compatible server (tests/common/llm_server.rs)
//! that answers like an oracle from the gold, or misbehaves on purpose. No test reaches
//! beyond 127.0.0.1; every wait is bounded.

mod common;

use attr_eval::dataset::Dataset;
use attr_eval::model::cache::CacheMode;
use attr_eval::model::llm::{LlmModel, LlmOptions};
use attr_eval::model::{Model, SpeakersRequest};
use attr_eval::{Attribution, Span};
use common::llm_server::{LlmServer, Mode, Oracle, quote_ids_of, text_of};
use common::{attr_eval, read_json, synthetic_dataset};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/seed")
}

/// An article's id, text and gold rows.
type Gold = (String, String, Vec<Attribution>);

/// Every article of a dataset with its text and gold rows.
fn load(path: &Path) -> (Dataset, Vec<Gold>) {
    let dataset = Dataset::open(path.to_str().unwrap()).unwrap();
    let articles = dataset
        .articles()
        .map(|a| {
            let a = a.unwrap();
            let gold = dataset.gold_for(&a.id).unwrap();
            (a.id, a.text, gold)
        })
        .collect();
    (dataset, articles)
}

/// Code-point offset of `chunk` in the article that contains it.
fn find_chunk<'a>(articles: &'a [Gold], chunk: &str) -> Option<(&'a Gold, usize)> {
    articles.iter().find_map(|article| {
        let byte = article.1.find(chunk)?;
        Some((article, article.1[..byte].chars().count()))
    })
}

/// Answers an extract request with the gold rows lying in the chunk it was sent; with
/// `chatty`, wrapped in prose and a code fence, as small models do.
fn extract_oracle(path: &Path, chatty: bool) -> Oracle {
    let (_, articles) = load(path);
    Arc::new(move |body: &Value| {
        let chunk = text_of(body);
        let rows: Vec<Value> = match find_chunk(&articles, &chunk) {
            Some(((_, _, gold), offset)) => {
                let end = offset + chunk.chars().count();
                gold.iter()
                    .filter(|row| {
                        row.quote_span
                            .is_some_and(|s| s.start >= offset && s.end <= end)
                    })
                    .map(|row| json!({"quote": row.quote, "speaker": row.speaker, "cue": row.cue}))
                    .collect()
            }
            None => Vec::new(),
        };
        let answer = json!({ "attributions": rows }).to_string();
        if chatty {
            format!(
                "<think>Let me look.</think>Here are the quotes:\n```json\n{answer}\n```\nDone."
            )
        } else {
            answer
        }
    })
}

/// Answers a speakers request by quote id, with the gold speaker of each quote.
fn speakers_oracle(path: &Path) -> Oracle {
    let (dataset, articles) = load(path);
    let by_text: Vec<(String, HashMap<String, String>)> = articles
        .iter()
        .map(|(id, text, gold)| {
            let refs: Vec<&Attribution> = gold.iter().collect();
            let request = SpeakersRequest::new(id, &refs, dataset.aliases());
            let speakers = request
                .quotes
                .iter()
                .map(|q| {
                    let speaker = gold
                        .iter()
                        .find(|g| g.quote_span == Some(q.span()))
                        .map(|g| g.speaker.clone())
                        .unwrap_or_default();
                    (q.quote_id.clone(), speaker)
                })
                .collect();
            (text.clone(), speakers)
        })
        .collect();
    Arc::new(move |body: &Value| {
        let chunk = text_of(body);
        let Some((_, speakers)) = by_text.iter().find(|(text, _)| text.contains(&chunk)) else {
            return r#"{"attributions": []}"#.into();
        };
        let rows: Vec<Value> = quote_ids_of(body)
            .into_iter()
            .map(|id| json!({"quote_id": id, "speaker": speakers.get(&id).cloned().unwrap_or_default()}))
            .collect();
        json!({ "attributions": rows }).to_string()
    })
}

struct Run {
    code: i32,
    record: Value,
    folder: PathBuf,
    elapsed: Duration,
}

/// `attr-eval run` in `dir` (so the reply cache lands there), one `llm:` model.
fn run(dir: &Path, dataset: &Path, spec: &str, name: &str, extra: &[&str]) -> Run {
    let started = Instant::now();
    let out = attr_eval()
        .current_dir(dir)
        .env_remove("OPENAI_API_KEY")
        .env_remove("ATTR_EVAL_API_KEY")
        .args(["run", "--resamples", "50", "--dataset"])
        .arg(dataset)
        .args(["--model", spec, "--name", name, "--out"])
        .arg(dir.join("out"))
        .args(extra)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let folder = dir.join("out").join(name);
    let record = read_json(&folder.join("run.json"));
    Run {
        code: out.status.code().unwrap_or(-1),
        record,
        folder,
        elapsed: started.elapsed(),
    }
}

fn spec(server: &LlmServer, options: &str) -> String {
    format!("oracle=llm:oracle-7b@{}{options}", server.base_url())
}

fn f1(record: &Value) -> f64 {
    record["results"][0]["scores"]["overlap"]["pair"]["f1"]
        .as_f64()
        .unwrap_or(0.0)
}

fn usage(record: &Value) -> &Value {
    &record["results"][0]["throughput"]["usage"]
}

#[test]
fn an_oracle_server_scores_the_seed_set_and_the_record_has_its_usage() {
    let dir = tempfile::tempdir().unwrap();
    let server = LlmServer::start(Mode::Oracle, extract_oracle(&seed(), false));
    let run = run(dir.path(), &seed(), &spec(&server, ""), "plain", &[]);
    assert_eq!(run.code, 0, "{}", run.record);
    assert!(f1(&run.record) >= 0.90, "pair F1 {}", f1(&run.record));
    let usage = usage(&run.record);
    assert_eq!(usage["requests"], 1, "{usage}");
    assert_eq!(usage["prompt_tokens"], 100);
    assert_eq!(usage["completion_tokens"], 20);
    assert_eq!(usage["parse_failures"], 0);
    assert_eq!(usage["system_fingerprints"], json!(["fp_oracle_1"]));
    assert!(usage["request_latency_ms"]["p95"].as_f64().unwrap() >= 0.0);
    let report = std::fs::read_to_string(run.folder.join("report.md")).unwrap();
    assert!(
        report.contains("Service: 1 requests (0 retries")
            && report.contains("100 prompt and 20 completion tokens")
            && report.contains("fp_oracle_1"),
        "{report}"
    );
    let html = std::fs::read_to_string(run.folder.join("report.html")).unwrap();
    assert!(html.contains("100 prompt and 20 completion tokens"));
    let model = &run.record["models"][0];
    assert_eq!(model["version"], "oracle-7b");
    assert!(
        model["config_hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    // The request asked for JSON through response_format, with the shipped prompt.
    let bodies = server.seen.bodies.lock().unwrap();
    assert_eq!(bodies[0]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[0]["temperature"], 0.0);
    assert!(server.seen.authorization.lock().unwrap().is_empty());
}

#[test]
fn chunks_of_a_long_text_and_chatty_replies_score_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let server = LlmServer::start(Mode::Oracle, extract_oracle(&seed(), true));
    let run = run(
        dir.path(),
        &seed(),
        &spec(&server, "?chunk=1200&overlap=400"),
        "chunked",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.record);
    assert!(server.requests() >= 4, "{} requests", server.requests());
    assert!(f1(&run.record) >= 0.90, "pair F1 {}", f1(&run.record));
    assert_eq!(usage(&run.record)["parse_failures"], 0);
    // The overlap found some quotes twice; each is predicted once. (A few land on an
    // earlier occurrence of their words, as rows placed by text do: "supposed".)
    let counts = &run.record["results"][0]["scores"]["exact"]["counts"];
    assert_eq!(counts["pred"], counts["gold"], "{counts}");
}

#[test]
fn a_users_template_replaces_the_shipped_prompt_and_its_config() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 2, 2);
    let template = dir.path().join("terse.toml");
    std::fs::write(
        &template,
        "[extract]\nsystem = \"Be terse.\"\nuser = \"\"\"\nQuotes as JSON {\"attributions\": []} in:\n<text>\n{text}\n</text>\"\"\"\n",
    )
    .unwrap();
    let server = LlmServer::start(Mode::Oracle, extract_oracle(&dataset, false));
    let shipped = run(dir.path(), &dataset, &spec(&server, ""), "shipped", &[]);
    let options = format!("?template={}", template.display());
    let terse = run(dir.path(), &dataset, &spec(&server, &options), "terse", &[]);
    assert_eq!(terse.code, 0, "{}", terse.record);
    assert_eq!(f1(&terse.record), 1.0);
    let bodies = server.seen.bodies.lock().unwrap();
    let last = bodies.last().unwrap();
    assert_eq!(last["messages"][0]["content"], "Be terse.");
    assert!(
        common::llm_server::user_message(last)
            .starts_with("Quotes as JSON {\"attributions\": []} in:")
    );
    assert_ne!(
        shipped.record["models"][0]["config_hash"],
        terse.record["models"][0]["config_hash"]
    );
}

#[test]
fn errors_500_and_429_are_retried_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let oracle = extract_oracle(&seed(), false);
    let reference = LlmServer::start(Mode::Oracle, oracle.clone());
    let base = run(dir.path(), &seed(), &spec(&reference, ""), "ref", &[]);
    for (name, mode) in [
        ("e500", Mode::Fail500 { times: 2 }),
        (
            "e429",
            Mode::RateLimit {
                times: 1,
                retry_after: 1,
            },
        ),
        ("hangup", Mode::HangUp { times: 1 }),
    ] {
        let server = LlmServer::start(mode, oracle.clone());
        let started = Instant::now();
        let run = run(
            dir.path(),
            &seed(),
            &spec(&server, "?backoff=0.05"),
            name,
            &[],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.record);
        assert_eq!(
            run.record["results"][0]["scores"], base.record["results"][0]["scores"],
            "{name}"
        );
        let retries = if name == "e500" { 2 } else { 1 };
        assert_eq!(usage(&run.record)["parse_failures"], 0, "{name}");
        assert_eq!(usage(&run.record)["retries"], retries, "{name}");
        assert_eq!(server.requests(), retries + 1, "{name}");
        if name == "e429" {
            assert!(
                started.elapsed() >= Duration::from_millis(900),
                "Retry-After honoured"
            );
        }
    }
}

#[test]
fn paraphrased_quotes_are_kept_without_offsets_and_scored_by_their_words() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 2, 2);
    let exact = extract_oracle(&dataset, false);
    let paraphrase: Oracle =
        Arc::new(move |body: &Value| exact(body).replace("talks", "negotiations"));
    let server = LlmServer::start(Mode::Oracle, paraphrase);
    let run = run(dir.path(), &dataset, &spec(&server, ""), "paraphrase", &[]);
    assert_eq!(run.code, 0, "{}", run.record);
    assert_eq!(usage(&run.record)["unplaced_rows"], 4);
    assert_eq!(f1(&run.record), 1.0, "overlap scheme: 8 of 9 words shared");
    let exact = &run.record["results"][0]["scores"]["exact"]["counts"];
    assert_eq!(exact["cor"], 0, "{exact}");
}

#[test]
fn garbage_replies_are_parse_failures_and_the_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 3, 2);
    let server = LlmServer::start(Mode::Garbage, extract_oracle(&dataset, false));
    let run = run(dir.path(), &dataset, &spec(&server, ""), "garbage", &[]);
    assert_eq!(run.code, 0, "{}", run.record);
    assert_eq!(run.record["status"], "complete");
    assert_eq!(usage(&run.record)["parse_failures"], 3);
    assert_eq!(usage(&run.record)["retries"], 0);
    let counts = &run.record["results"][0]["scores"]["overlap"]["counts"];
    assert_eq!(counts["mis"], 6, "{counts}");
}

#[test]
fn a_server_slower_than_the_timeout_gives_a_partial_run() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 2, 1);
    let server = LlmServer::start(
        Mode::Slow(Duration::from_secs(20)),
        extract_oracle(&dataset, false),
    );
    let run = run(
        dir.path(),
        &dataset,
        &spec(&server, "?retries=1&backoff=0.1"),
        "slow",
        &["--timeout", "1"],
    );
    assert_eq!(run.code, 3, "a partial run");
    assert_eq!(run.record["status"], "partial");
    let errors = run.record["results"][0]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("2 attempt(s)"),
        "{errors:?}"
    );
    assert!(run.elapsed < Duration::from_secs(60), "{:?}", run.elapsed);
}

#[test]
fn resume_sends_no_request_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 4, 2);
    // The first run fails on one article for good (an interruption would leave the
    // same: some replies cached, some not).
    let server = LlmServer::start(
        Mode::FailWhen("article 2 was".into()),
        extract_oracle(&dataset, false),
    );
    let spec = spec(&server, "?retries=0");
    let first = run(dir.path(), &dataset, &spec, "first", &[]);
    assert_eq!(first.record["status"], "partial");
    assert_eq!(server.requests(), 4);

    server.set_mode(Mode::Oracle);
    let second = run(dir.path(), &dataset, &spec, "second", &["--resume"]);
    assert_eq!(second.code, 0, "{}", second.record);
    assert_eq!(
        server.requests(),
        5,
        "only the failed article's request is sent again"
    );
    assert_eq!(usage(&second.record)["cached"], 3);
    assert_eq!(usage(&second.record)["requests"], 1);
    assert_eq!(f1(&second.record), 1.0);

    let third = run(dir.path(), &dataset, &spec, "third", &["--resume"]);
    assert_eq!(
        server.requests(),
        5,
        "a second run of the same experiment sends none"
    );
    assert_eq!(
        third.record["results"][0]["scores"],
        second.record["results"][0]["scores"]
    );
    // A default run asks afresh, like every other model (the cache is read on --resume).
    run(dir.path(), &dataset, &spec, "fourth", &[]);
    assert_eq!(server.requests(), 9);
}

#[test]
fn workers_send_requests_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 8, 1);
    let server = LlmServer::start(
        Mode::Slow(Duration::from_millis(300)),
        extract_oracle(&dataset, false),
    );
    let run = run(
        dir.path(),
        &dataset,
        &spec(&server, ""),
        "parallel",
        &["--workers", "4", "--no-cache"],
    );
    assert_eq!(run.code, 0, "{}", run.record);
    assert_eq!(server.requests(), 8);
    assert!(
        server.max_in_flight() >= 2,
        "max in flight {}",
        server.max_in_flight()
    );
    assert_eq!(f1(&run.record), 1.0);
}

#[test]
fn a_refused_response_format_is_dropped_once_and_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 3, 2);
    let server = LlmServer::start(Mode::NoResponseFormat, extract_oracle(&dataset, false));
    let run = run(dir.path(), &dataset, &spec(&server, ""), "no-format", &[]);
    assert_eq!(run.code, 0, "{}", run.record);
    assert_eq!(f1(&run.record), 1.0);
    assert_eq!(
        server.requests(),
        4,
        "one refused request, then three without the field"
    );
    assert_eq!(usage(&run.record)["response_format_dropped"], true);
}

#[test]
fn a_400_for_another_reason_fails_the_article_and_keeps_response_format() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 2, 1);
    let server = LlmServer::start(Mode::Always400, extract_oracle(&dataset, false));
    let run = run(dir.path(), &dataset, &spec(&server, ""), "too-long", &[]);
    assert_eq!(run.code, 3, "{}", run.record);
    assert_eq!(
        server.requests(),
        4,
        "each article: with response_format, then without"
    );
    assert_eq!(usage(&run.record)["response_format_dropped"], false);
    let errors = run.record["results"][0]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("HTTP 400") && message.contains("maximum context length"),
        "{message}"
    );
}

#[test]
fn the_api_key_is_sent_but_written_nowhere() {
    const KEY: &str = "sk-test-0123456789-SECRET";
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 2, 1);
    for (name, mode) in [("ok", Mode::Oracle), ("echo", Mode::EchoAuth401)] {
        let server = LlmServer::start(mode, extract_oracle(&dataset, false));
        let out = attr_eval()
            .current_dir(dir.path())
            .env("ATTR_EVAL_API_KEY", KEY)
            .args(["run", "--resamples", "50", "--dataset"])
            .arg(&dataset)
            .args(["--model", &spec(&server, ""), "--name", name, "--out"])
            .arg(dir.path().join("out"))
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        let auth = server.seen.authorization.lock().unwrap().clone();
        assert!(!auth.is_empty() && auth.iter().all(|a| a == &format!("Bearer {KEY}")));
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!printed.contains(KEY), "{name}: the key was printed");
        if name == "echo" {
            let record = read_json(&dir.path().join("out/echo/run.json"));
            let message = record["results"][0]["errors"][0]["message"]
                .as_str()
                .unwrap();
            assert!(
                message.contains("HTTP 401") && message.contains("***"),
                "{message}"
            );
        }
    }
    let mut files = 0;
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            files += 1;
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(KEY), "the key is in {}", path.display());
        }
    }
    assert!(files > 5, "the runs wrote their files ({files})");
    assert!(dir.path().join(".cache/attr-eval/llm").is_dir());
}

/// A small novel-like dataset: dialogue with said-tags by alias and by name, repeated
/// lines ("No."), a cast in aliases.csv.
fn fiction(root: &Path) -> PathBuf {
    let folder = root.join("fiction");
    std::fs::create_dir_all(folder.join("articles")).unwrap();
    let cast = [
        ("Emma", "Miss Woodhouse"),
        ("Knightley", "Mr. Knightley"),
        ("Harriet", "Miss Smith"),
    ];
    let mut gold = String::from("article_id,speaker,quote,start,end,type,mention_type\n");
    for chapter in 1..=3 {
        let id = format!("ch{chapter}");
        let mut text = format!("Chapter {chapter}\n\n");
        for line in 0..12 {
            let (name, alias) = cast[(line + chapter) % cast.len()];
            let quote = if line % 4 == 3 {
                "No.".to_string()
            } else {
                format!("Line {line} of chapter {chapter} is spoken here,")
            };
            text.push('“');
            let start = text.chars().count();
            text.push_str(&quote);
            let end = text.chars().count();
            let tag = if line % 2 == 0 { alias } else { name };
            let _ = write!(text, "” said {tag}.\n\n");
            let _ = writeln!(
                gold,
                "{id},{name},\"{quote}\",{start},{end},direct,explicit"
            );
        }
        std::fs::write(folder.join("articles").join(format!("{id}.txt")), text).unwrap();
    }
    std::fs::write(folder.join("gold.csv"), gold).unwrap();
    let mut aliases = String::from("article_id,name,alias\n");
    for (name, alias) in cast {
        let _ = writeln!(aliases, "*,{name},{alias}");
    }
    std::fs::write(folder.join("aliases.csv"), aliases).unwrap();
    folder
}

#[test]
fn the_speakers_task_answers_given_quotes_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = fiction(dir.path());
    let server = LlmServer::start(Mode::Oracle, speakers_oracle(&path));
    let (dataset, articles) = load(&path);
    for options in ["", "?chunk=300&overlap=60"] {
        let spec_text = format!("oracle-7b@{}{options}", server.base_url());
        let model = LlmModel::open(
            "oracle",
            &format!("llm:{spec_text}"),
            &spec_text,
            &LlmOptions {
                workers: 2,
                cache: CacheMode::Off,
                ..LlmOptions::default()
            },
        )
        .unwrap();
        let before = server.requests();
        let (mut correct, mut total) = (0, 0);
        for (id, text, gold) in &articles {
            let refs: Vec<&Attribution> = gold.iter().collect();
            let request = SpeakersRequest::new(id, &refs, dataset.aliases());
            assert_eq!(request.cast.len(), 3);
            let article = attr_eval::dataset::Article::new(id.clone(), text.clone());
            let answers = model.attribute(&article, &request).unwrap();
            let by_span: HashMap<Span, &str> = answers
                .iter()
                .map(|a| (a.quote_span.unwrap(), a.speaker.as_str()))
                .collect();
            for row in gold {
                total += 1;
                if by_span.get(&row.quote_span.unwrap()) == Some(&row.speaker.as_str()) {
                    correct += 1;
                }
            }
            for answer in &answers {
                let span = answer.quote_span.unwrap();
                assert_eq!(article.slice(span), Some(answer.quote.as_str()));
            }
        }
        let accuracy = correct as f64 / total as f64;
        assert!(accuracy >= 0.95, "{options}: speaker accuracy {accuracy}");
        let sent = server.requests() - before;
        if options.is_empty() {
            assert_eq!(sent, 3, "one request per chapter");
        } else {
            assert!(sent > 3, "chunked: {sent} requests");
        }
        let usage = model.take_usage().unwrap();
        assert_eq!(usage.requests, sent);
        assert_eq!(usage.parse_failures, 0);
        assert_eq!(usage.dropped_rows, 0);
        assert_eq!(
            model.take_usage().unwrap().requests,
            0,
            "taken: the next count starts again"
        );
    }
    // The cast and the quotes reached the prompt.
    let bodies = server.seen.bodies.lock().unwrap();
    let user = common::llm_server::user_message(&bodies[0]);
    assert!(user.contains("- Emma (also: Miss Woodhouse)"), "{user}");
    assert!(user.contains(r#"{"quote_id": "q0", "quote": "#), "{user}");
    assert_eq!(
        bodies[0]["response_format"]["json_schema"]["schema"]["properties"]["attributions"]["items"]
            ["required"],
        json!(["quote_id", "speaker"])
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_resumes_without_asking_anything_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = synthetic_dataset(dir.path(), 6, 1);
    let server = LlmServer::start(
        Mode::Slow(Duration::from_millis(400)),
        extract_oracle(&dataset, false),
    );
    let spec = spec(&server, "");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("attr-eval"))
        .current_dir(dir.path())
        .args(["run", "--resamples", "50", "--dataset"])
        .arg(&dataset)
        .args(["--model", &spec, "--name", "first", "--out"])
        .arg(dir.path().join("out"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.requests() < 2 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill only sends a signal to the child this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the run did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(3));
    let first = read_json(&dir.path().join("out/first/run.json"));
    assert_eq!(first["status"], "interrupted");
    let sent = server.requests();
    assert!(sent < 6, "interrupted after {sent} requests");

    server.set_mode(Mode::Oracle);
    let second = run(dir.path(), &dataset, &spec, "second", &["--resume"]);
    assert_eq!(second.code, 0, "{}", second.record);
    assert_eq!(f1(&second.record), 1.0);
    assert_eq!(usage(&second.record)["cached"], sent);
    let bodies = server.seen.bodies.lock().unwrap();
    let distinct: std::collections::HashSet<String> =
        bodies.iter().map(|b| b.to_string()).collect();
    assert_eq!(bodies.len(), 6, "each article asked once over both runs");
    assert_eq!(distinct.len(), 6);
}
