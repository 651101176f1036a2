//! `cmd:` models against `examples/protocol_adapter.py`: every failure mode of docs/models.md#errors
//! gives an error naming the article and quoting stderr, and what was answered before
//! it is kept.

mod common;

use attr_eval::dataset::Article;
use attr_eval::model::cache::{CacheMode, CachedModel, PredictionCache};
use attr_eval::model::command::{CommandModel, CommandOptions};
use attr_eval::model::{Model, TimedPrediction};
use attr_eval::{Attribution, QuoteType, Span};
use common::{protocol_adapter, python_available};
use std::path::Path;
use std::time::{Duration, Instant};

fn adapter(flags: &str) -> String {
    protocol_adapter(flags)
}

fn start(flags: &str, options: CommandOptions) -> CommandModel {
    let command = adapter(flags);
    CommandModel::start("adapter", &format!("cmd:{command}"), &command, options).unwrap()
}

const NAMES: [&str; 4] = ["Anna Berg", "Yuri Ushakov", "Olaf Scholz", "Élodie Durand"];

/// `a1`…`aN`, each with one quote (after a non-ASCII prefix, so that byte offsets
/// would be caught) and its speaker.
fn articles(n: usize) -> Vec<Article> {
    (1..=n)
        .map(|i| {
            let name = NAMES[i % NAMES.len()];
            Article::new(
                format!("a{i}"),
                format!("Café № {i}. “Point {i} stands,” said {name}. The end."),
            )
        })
        .collect()
}

fn expected_row(article: &Article) -> Attribution {
    let i: usize = article.id[1..].parse().unwrap();
    let quote = format!("Point {i} stands,");
    let start = article.text.chars().position(|c| c == '“').unwrap() + 1;
    Attribution {
        article_id: article.id.clone(),
        quote: quote.clone(),
        speaker: NAMES[i % NAMES.len()].to_string(),
        quote_span: Some(Span::new(start, start + quote.chars().count())),
        quote_type: Some(QuoteType::Direct),
        cue: Some("said".into()),
        ..Default::default()
    }
}

fn assert_kept(articles: &[Article], answers: &[TimedPrediction], ids: &[&str]) {
    for id in ids {
        let index = articles.iter().position(|a| a.id == *id).unwrap();
        match &answers[index].result {
            Ok(rows) => assert_eq!(rows, &vec![expected_row(&articles[index])], "{id}"),
            Err(e) => panic!("{id} should have been answered, got: {e}"),
        }
    }
}

/// The error message of an article, which must name it.
fn error_of(articles: &[Article], answers: &[TimedPrediction], id: &str) -> String {
    let index = articles.iter().position(|a| a.id == id).unwrap();
    let message = match &answers[index].result {
        Err(e) => e.message.clone(),
        Ok(rows) => panic!("{id} should have failed, got {rows:?}"),
    };
    assert!(
        message.contains(&format!("`{id}`")),
        "names the article: {message}"
    );
    eprintln!("{message}\n");
    message
}

fn quick(max_restarts: usize) -> CommandOptions {
    CommandOptions {
        timeout: Duration::from_secs(20),
        max_restarts,
        ..CommandOptions::default()
    }
}

#[test]
fn a_well_behaved_program_gives_the_rows_given_directly() {
    if !python_available() {
        return;
    }
    let articles = articles(12);
    let mut rows: Vec<Attribution> = articles.iter().map(expected_row).collect();
    // A row with every optional field, speaker offsets and confidence included.
    rows[0].speaker_mention = Some("Yuri".into());
    let yuri = articles[0].text.chars().collect::<String>().find("Yuri");
    let yuri = articles[0]
        .span_of_bytes(yuri.unwrap()..yuri.unwrap() + 4)
        .unwrap();
    rows[0].mention_span = Some(yuri);
    rows[0].confidence = Some(0.75);
    rows.push(Attribution {
        speaker: String::new(),
        quote_type: Some(QuoteType::Indirect),
        cue: None,
        ..expected_row(&articles[1])
    });
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("preds.csv");
    attr_eval::attribution::write_csv(std::fs::File::create(&csv).unwrap(), &rows).unwrap();

    let sort = |v: &mut Vec<Attribution>| {
        v.sort_by(|a, b| {
            (&a.article_id, &a.quote_type, &a.speaker)
                .partial_cmp(&(&b.article_id, &b.quote_type, &b.speaker))
                .unwrap()
        })
    };
    let mut want = rows.clone();
    sort(&mut want);
    // Answers out of order (reversed within groups of three: one worker, so that every
    // group fills up), then two workers sharing the chunk.
    for (workers, order) in [(1, "--reverse-batches 3"), (2, "")] {
        let options = CommandOptions {
            workers,
            ..quick(0)
        };
        let model = start(&format!("--from-csv {} {order}", csv.display()), options);
        let answers = model.predict_batch(&articles);
        let mut got: Vec<Attribution> = Vec::new();
        for answer in &answers {
            got.extend(answer.result.clone().unwrap());
        }
        sort(&mut got);
        assert_eq!(got, want, "{workers} worker(s) {order}");
    }
    let model = start("", quick(0));
    assert_eq!(model.info().version.len(), "sha256:".len() + 16);
    assert!(model.info().config_hash.starts_with("sha256:"));
}

#[test]
fn the_quote_finder_answers_in_code_points_and_rows_without_offsets_are_located() {
    if !python_available() {
        return;
    }
    let articles = articles(5);
    for flags in ["", "--no-offsets"] {
        let model = start(flags, quick(0));
        let answers = model.predict_batch(&articles);
        assert_kept(&articles, &answers, &["a1", "a2", "a3", "a4", "a5"]);
        // One at a time, as the runner's `predict` does.
        assert_eq!(
            model.predict(&articles[2]).unwrap(),
            vec![expected_row(&articles[2])]
        );
    }
}

#[test]
fn predict_from_several_threads_at_once() {
    if !python_available() {
        return;
    }
    let articles = articles(40);
    let model = start(
        "",
        CommandOptions {
            workers: 2,
            ..quick(0)
        },
    );
    std::thread::scope(|scope| {
        for chunk in articles.chunks(10) {
            let model = &model;
            scope.spawn(move || {
                for article in chunk {
                    assert_eq!(model.predict(article).unwrap(), vec![expected_row(article)]);
                }
            });
        }
    });
}

#[test]
fn a_crash_mid_way_fails_the_article_restarts_and_keeps_the_rest() {
    if !python_available() {
        return;
    }
    let articles = articles(8);
    let model = start("--crash-after 2", quick(1));
    let answers = model.predict_batch(&articles);
    // First process: a1 a2, dies on a3; the one restart: a4 a5, dies on a6; none left.
    assert_kept(&articles, &answers, &["a1", "a2", "a4", "a5"]);
    for id in ["a3", "a6"] {
        let message = error_of(&articles, &answers, id);
        assert!(
            message.contains("exited with code 3 before answering"),
            "{message}"
        );
        assert!(
            message.contains("crashing after 2 answers"),
            "stderr tail: {message}"
        );
    }
    for id in ["a7", "a8"] {
        let message = error_of(&articles, &answers, id);
        assert!(
            message.contains("not run") && message.contains("restart(s)"),
            "{message}"
        );
        assert!(
            message.contains("crashing after 2 answers"),
            "last failure: {message}"
        );
    }
    // Later chunks fail too (at once: no process is started or waited for).
    let later = model.predict_batch(&articles[..2]);
    assert!(later.iter().all(|p| p.result.is_err()));
}

#[test]
fn a_program_that_exits_non_zero_at_once_fails_each_article_clearly() {
    if !python_available() {
        return;
    }
    let articles = articles(5);
    let model = start("--crash-after 0 --exit-code 7", quick(2));
    let answers = model.predict_batch(&articles);
    for id in ["a1", "a2", "a3"] {
        let message = error_of(&articles, &answers, id);
        assert!(message.contains("exited with code 7"), "{message}");
        assert!(message.contains("exiting before any answer"), "{message}");
    }
    for id in ["a4", "a5"] {
        assert!(error_of(&articles, &answers, id).contains("used up"));
    }
}

#[test]
fn a_malformed_line_fails_the_article_it_stands_for() {
    if !python_available() {
        return;
    }
    let articles = articles(5);
    let answers = start("--garbage a3", quick(0)).predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a2", "a4", "a5"]);
    let message = error_of(&articles, &answers, "a3");
    assert!(
        message.contains("not JSON") && message.contains("this is not JSON {"),
        "{message}"
    );
    assert!(message.contains("garbage for a3"), "stderr tail: {message}");
}

#[test]
fn an_unknown_id_fails_the_article_it_stands_for() {
    if !python_available() {
        return;
    }
    let articles = articles(5);
    let answers = start("--wrong-id a2", quick(0)).predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a3", "a4", "a5"]);
    let message = error_of(&articles, &answers, "a2");
    assert!(
        message.contains("answered id `a2-oops`, which it was never sent"),
        "{message}"
    );
    assert!(message.contains("stderr"), "{message}");
}

#[test]
fn an_answer_given_twice_fails_the_article() {
    if !python_available() {
        return;
    }
    let articles = articles(5);
    let answers = start("--twice a2", quick(0)).predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a3", "a4", "a5"]);
    let message = error_of(&articles, &answers, "a2");
    assert!(message.contains("answered this article twice"), "{message}");
}

#[test]
fn a_hang_times_out_kills_and_restarts() {
    if !python_available() {
        return;
    }
    let articles = articles(5);
    let options = CommandOptions {
        timeout: Duration::from_secs(2),
        ..quick(1)
    };
    let answers = start("--hang-on a3", options).predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a2", "a4", "a5"]);
    let message = error_of(&articles, &answers, "a3");
    assert!(message.contains("no answer within 2 s"), "{message}");
    assert!(message.contains("hanging on a3"), "stderr tail: {message}");
}

#[test]
fn an_article_never_answered_times_out_after_the_others() {
    if !python_available() {
        return;
    }
    let articles = articles(5);
    let options = CommandOptions {
        timeout: Duration::from_secs(2),
        ..quick(0)
    };
    let answers = start("--skip a2", options).predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a3", "a4", "a5"]);
    let message = error_of(&articles, &answers, "a2");
    assert!(
        message.contains("no answer within") && message.contains("skipping a2"),
        "{message}"
    );
}

#[test]
fn offsets_that_do_not_match_the_text_fail_the_article() {
    if !python_available() {
        return;
    }
    let articles = articles(4);
    let answers = start("--bad-offsets a2", quick(0)).predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a3", "a4"]);
    let message = error_of(&articles, &answers, "a2");
    let row = expected_row(&articles[1]).quote_span.unwrap();
    let shown = format!("text[{}:{}]", row.start + 1, row.end + 1);
    assert!(
        message.contains(&shown) && message.contains("Point 2 stands,"),
        "{message}"
    );
    assert!(
        message.contains("shifting offsets of a2"),
        "stderr tail: {message}"
    );
}

#[test]
fn the_error_extension_reports_a_per_article_failure() {
    if !python_available() {
        return;
    }
    let articles = articles(3);
    let answers = start("--error-on a2", quick(0)).predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a3"]);
    let message = error_of(&articles, &answers, "a2");
    assert!(
        message.contains("ValueError: cannot parse this article"),
        "{message}"
    );
}

#[test]
fn a_program_that_cannot_start_is_a_model_error() {
    let err = CommandModel::start(
        "x",
        "cmd:x",
        "./no-such-program --flag",
        CommandOptions::default(),
    )
    .err()
    .unwrap();
    assert!(
        err.to_string()
            .contains("cannot start `./no-such-program --flag`"),
        "{err}"
    );
    assert!(
        CommandModel::start("x", "cmd:x", "tool 'unbalanced", CommandOptions::default()).is_err()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn dropping_the_model_ends_its_processes() {
    if !python_available() {
        return;
    }
    // A marker no other process carries, to find ours in /proc.
    let marker = format!("{}", 90_000 + std::process::id() % 9_000);
    let running = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .filter(|cmdline| {
                let text = String::from_utf8_lossy(cmdline);
                text.contains("protocol_adapter.py") && text.contains(&marker)
            })
            .count()
    };
    let model = start(
        &format!("--exit-code {marker}"),
        CommandOptions {
            workers: 2,
            ..quick(0)
        },
    );
    assert_eq!(model.predict_batch(&articles(2)).len(), 2);
    assert_eq!(running(), 2);
    drop(model);
    assert_eq!(running(), 0, "no process (nor zombie) is left");
}

#[test]
fn the_cache_serves_a_resumed_run_and_survives_a_damaged_entry() {
    if !python_available() {
        return;
    }
    let articles = articles(6);
    let dir = tempfile::tempdir().unwrap();
    let cached = |mode| {
        CachedModel::open(Box::new(start("--error-on a6", quick(0))), dir.path(), mode).unwrap()
    };

    let first = cached(CacheMode::Write);
    let answers = first.predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a2", "a3", "a4", "a5"]);
    let stats = first.stats();
    assert_eq!(
        (stats.hits, stats.written),
        (0, 5),
        "errors are not cached: {stats:?}"
    );

    let second = cached(CacheMode::Resume);
    let answers = second.predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a2", "a3", "a4", "a5"]);
    let stats = second.stats();
    assert_eq!((stats.hits, stats.misses), (5, 1), "{stats:?}");

    let bypass = cached(CacheMode::Off);
    bypass.predict_batch(&articles);
    assert_eq!(
        bypass.stats(),
        Default::default(),
        "--no-cache neither reads nor writes"
    );

    // A damaged entry (a crash of an older version, a stray edit) is a miss, not a crash.
    let cache = PredictionCache::open(dir.path(), second.info()).unwrap();
    std::fs::write(cache.entry_path(&articles[2]), b"{\"spec\": tru").unwrap();
    let third = cached(CacheMode::Resume);
    let answers = third.predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a2", "a3", "a4", "a5"]);
    let stats = third.stats();
    assert_eq!(
        (stats.hits, stats.ignored, stats.written),
        (4, 1, 1),
        "{stats:?}"
    );
}

/// Protocol overhead: a program answering nothing, over 5,000 articles of about 4,000
/// characters (a news article).
#[test]
fn protocol_overhead() {
    if !python_available() {
        return;
    }
    let articles: Vec<Article> = (0..5_000)
        .map(|i| Article::new(format!("n{i}"), "“Quoted text,” said Someone. ".repeat(140)))
        .collect();
    let model = start("--empty", quick(0));
    model.predict_batch(&articles[..10]);
    let started = Instant::now();
    let mut answered = 0;
    for chunk in articles.chunks(256) {
        answered += model
            .predict_batch(chunk)
            .iter()
            .filter(|p| p.result.as_ref().is_ok_and(|rows| rows.is_empty()))
            .count();
    }
    let rate = answered as f64 / started.elapsed().as_secs_f64();
    eprintln!(
        "protocol overhead: {answered} articles at {rate:.0} articles/s (1 worker, chunks of 256)"
    );
    // The rate is reported, not asserted: no test depends on the machine's speed.
    assert_eq!(answered, articles.len());
}

/// The same over the PolNeAR training texts, batched and one `predict` at a time.
#[test]
fn protocol_overhead_on_polnear() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/polnear/train/text");
    if !folder.is_dir() {
        eprintln!("skipped: {} is absent", folder.display());
        return;
    }
    if !python_available() {
        return;
    }
    let mut articles: Vec<Article> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let text = std::fs::read_to_string(&path).ok()?;
            Some(Article::new(path.file_stem()?.to_string_lossy(), text))
        })
        .collect();
    articles.sort_by(|a, b| a.id.cmp(&b.id));
    let chars: usize = articles.iter().map(Article::char_len).sum();
    let model = start("--empty", quick(0));
    // Not timed: the interpreter's start-up.
    model.predict(&articles[0]).unwrap();

    let started = Instant::now();
    let batched = articles
        .chunks(256)
        .flat_map(|chunk| model.predict_batch(chunk))
        .filter(|p| p.result.is_ok())
        .count();
    let batched_rate = batched as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let single = articles.iter().filter(|a| model.predict(a).is_ok()).count();
    let single_rate = single as f64 / started.elapsed().as_secs_f64();

    eprintln!(
        "protocol overhead on {} PolNeAR articles ({chars} chars): {batched_rate:.0} articles/s \
         batched, {single_rate:.0} articles/s one predict at a time",
        articles.len()
    );
    assert_eq!((batched, single), (articles.len(), articles.len()));
}

#[test]
fn a_huge_timeout_is_no_overflow() {
    if !python_available() {
        return;
    }
    let articles = articles(3);
    let options = CommandOptions {
        timeout: Duration::MAX,
        ..quick(0)
    };
    let answers = start("", options).predict_batch(&articles);
    assert_kept(&articles, &answers, &["a1", "a2", "a3"]);
}
