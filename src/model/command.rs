//! `cmd:COMMAND` models: an external program speaking the JSONL protocol of SPEC 4.
//!
//! The program is started once per worker and kept alive for the whole run. Each
//! article is one request line `{"id": "...", "text": "..."}` on its stdin; each answer
//! is one line `{"id": "...", "attributions": [ROW, ...]}` on its stdout, in any order.
//! ROW has the fields of schema 2 (`speaker`, `quote`, `start`, `end`, `type`, `cue`,
//! `speaker_mention`, `speaker_start`, `speaker_end`, `confidence`); unknown fields are
//! ignored. The program must flush stdout after every answer and write its logs to
//! stderr.
//!
//! Decisions (the README documents them):
//!
//! - **Error extension.** An answer `{"id": "...", "error": "message"}` reports that
//!   the program failed on that article; the article fails with the message, the
//!   process keeps running.
//! - **Offsets.** A row with `start`/`end` must satisfy `text[start:end] == quote` in
//!   code points, or the article fails. A row without offsets is located: the first
//!   occurrence of its quote in the text not already taken by an earlier located row
//!   with the same quote; a quote that does not occur fails the article. A missing or
//!   `null` speaker is the empty speaker (no or unknown speaker).
//! - **Blame.** Failures that no id names (a crash, a line that is not an answer, an
//!   answer to an id never sent, a timeout) are charged to the oldest unanswered article
//!   of that process: the one a program answering in order was working on. The other
//!   unanswered articles are not charged: they are sent again to the restarted process.
//! - **Restarts.** A crash or a timeout kills the process; a new one is started for the
//!   remaining articles, at most `max_restarts` times for the whole model (all workers
//!   together). After that, the articles left fail at once with a message that says so.
//! - **Timeout.** Each answer must come within `timeout` of the previous answer of that
//!   process, or of the moment the oldest unanswered article was sent if that is later.
//!   A pipelined program is thus not charged for the queue in front of an article, and a
//!   program that never answers one id is caught once it has answered the others. The
//!   first article of a process also waits for the program to start up.
//! - **Duplicates.** A second answer for an article still being collected fails it; one
//!   for an article whose result was already handed back, or one for an article already
//!   failed, is ignored (its result can no longer change).
//! - **Version.** There is no handshake: the version is a fingerprint of the files the
//!   command names (the script of `python3 adapter.py`, a binary given by path), so an
//!   edited adapter is a new version and does not reuse cached predictions; a command
//!   naming no file is `unversioned`. The config hash is the sha256 of the command.

use super::{Model, ModelError, ModelInfo, TimedPrediction};
use crate::attribution::{Attribution, QuoteType, Span};
use crate::dataset::Article;
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// How many lines of the program's stderr an error message quotes.
pub const STDERR_TAIL_LINES: usize = 20;

/// Requests written to one process and not yet answered. Enough to hide the pipe's round
/// trip; small enough that a timeout or crash re-sends little and pipe buffers stay small.
const WINDOW: usize = 64;

/// How long a process that closed its stdout gets to exit before it is killed, and how
/// long its stderr gets to drain, when an error message is being written.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// How long a process gets to exit on its own once its stdin is closed at the end.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// Quotes and lines in messages are cut to this many characters.
const SNIPPET_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOptions {
    /// Processes started, each fed its own share of the articles.
    pub workers: usize,
    /// Longest wait for one answer (see the module documentation).
    pub timeout: Duration,
    /// New processes started after crashes and timeouts, for the whole model.
    pub max_restarts: usize,
}

impl Default for CommandOptions {
    fn default() -> Self {
        CommandOptions {
            workers: 1,
            timeout: Duration::from_secs(60),
            max_restarts: 3,
        }
    }
}

pub struct CommandModel {
    info: ModelInfo,
    command: String,
    argv: Vec<String>,
    options: CommandOptions,
    idle: Mutex<Vec<Worker>>,
    worker_returned: Condvar,
    restarts: Mutex<Restarts>,
}

#[derive(Default)]
struct Restarts {
    used: usize,
    /// The message of the last failure that cost a process, quoted when no process is
    /// left to run the remaining articles.
    last_failure: Option<String>,
}

/// One slot of the pool; its process is `None` after a crash until it is restarted.
struct Worker {
    process: Option<Process>,
}

impl CommandModel {
    /// Starts `options.workers` processes of `command` (split like a POSIX shell would,
    /// but run without one). A program that cannot be started is an [`Error::Model`].
    pub fn start(
        name: &str,
        spec: &str,
        command: &str,
        options: CommandOptions,
    ) -> Result<CommandModel> {
        let model_error = |message: String| Error::Model {
            model: name.to_string(),
            message,
        };
        let argv = shlex::split(command)
            .filter(|argv| !argv.is_empty())
            .ok_or_else(|| {
                model_error(format!(
                    "cannot split the command `{command}` into words (unbalanced quotes?)"
                ))
            })?;
        if options.workers == 0 {
            return Err(Error::Usage("--workers must be at least 1".into()));
        }
        if options.timeout.is_zero() {
            return Err(Error::Usage("--timeout must be more than 0 seconds".into()));
        }
        let mut workers = Vec::with_capacity(options.workers);
        for _ in 0..options.workers {
            let process = Process::spawn(&argv)
                .map_err(|e| model_error(format!("cannot start `{command}`: {e}")))?;
            workers.push(Worker {
                process: Some(process),
            });
        }
        Ok(CommandModel {
            info: ModelInfo {
                spec: spec.to_string(),
                name: name.to_string(),
                version: version_of(&argv),
                config_hash: format!("sha256:{:x}", Sha256::digest(command.as_bytes())),
            },
            command: command.to_string(),
            argv,
            options,
            idle: Mutex::new(workers),
            worker_returned: Condvar::new(),
            restarts: Mutex::new(Restarts::default()),
        })
    }

    pub fn options(&self) -> &CommandOptions {
        &self.options
    }

    /// Takes between 1 and `wanted` idle workers, waiting for the first one.
    fn check_out(&self, wanted: usize) -> Vec<Worker> {
        let mut idle = lock(&self.idle);
        while idle.is_empty() {
            idle = self
                .worker_returned
                .wait(idle)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let keep = idle.len().saturating_sub(wanted.max(1));
        idle.split_off(keep)
    }

    fn check_in(&self, workers: Vec<Worker>) {
        lock(&self.idle).extend(workers);
        self.worker_returned.notify_all();
    }

    /// Starts a new process in place of a dead one while the restart budget lasts.
    fn restart(&self) -> Option<Process> {
        let mut restarts = lock(&self.restarts);
        while restarts.used < self.options.max_restarts {
            restarts.used += 1;
            match Process::spawn(&self.argv) {
                Ok(process) => return Some(process),
                Err(e) => {
                    restarts.last_failure =
                        Some(format!("could not restart `{}`: {e}", self.command));
                }
            }
        }
        None
    }

    fn note_failure(&self, message: &str) {
        lock(&self.restarts).last_failure = Some(message.to_string());
    }

    /// The error of an article on which `problem` happened, with the stderr tail.
    fn error(&self, article_id: &str, problem: &str, stderr: &str) -> ModelError {
        ModelError::new(format!(
            "article `{article_id}`: `{}` {problem}\n{stderr}",
            self.command
        ))
    }

    /// The error of an article left over once no process can be started any more.
    fn not_run_error(&self, article_id: &str) -> ModelError {
        let restarts = lock(&self.restarts);
        let last = restarts
            .last_failure
            .as_deref()
            .unwrap_or("(no failure recorded)");
        ModelError::new(format!(
            "article `{article_id}`: not run: `{}` failed and its {} restart(s) \
             (max_restarts) are used up. Last failure: {last}",
            self.command, self.options.max_restarts
        ))
    }

    /// Feeds articles from the shared queue through one worker's process until the
    /// queue is empty or no process can be had.
    fn serve(&self, worker: &mut Worker, batch: &Batch) -> Vec<(usize, TimedPrediction)> {
        let mut served = Served::default();
        let mut in_flight: VecDeque<Pending> = VecDeque::new();
        let mut last_progress = Instant::now();
        loop {
            while in_flight.len() < WINDOW {
                let Some(index) = batch.pop() else { break };
                if in_flight.is_empty() {
                    self.drop_if_dead(worker);
                }
                let process = match worker.process.as_mut() {
                    Some(process) => process,
                    None => match self.restart() {
                        Some(process) => worker.process.insert(process),
                        None => {
                            batch.push_front(vec![index]);
                            break;
                        }
                    },
                };
                let article = &batch.articles[index];
                // A failed write means the process is gone; its closed stdout tells us
                // next, and this article is charged or re-sent with the others.
                process.send(article);
                let now = Instant::now();
                if in_flight.is_empty() {
                    last_progress = now;
                }
                in_flight.push_back(Pending {
                    index,
                    sent_at: now,
                });
            }
            let (Some(oldest), Some(process)) = (in_flight.front(), worker.process.as_mut()) else {
                break;
            };
            // Subtracting rather than adding: a huge --timeout must not overflow.
            let waited = last_progress.max(oldest.sent_at).elapsed();
            let wait = self.options.timeout.saturating_sub(waited);
            match process.events.recv_timeout(wait) {
                Ok(Event::Line(bytes)) => {
                    last_progress = Instant::now();
                    self.handle_line(&bytes, process, batch, &mut in_flight, &mut served);
                }
                Ok(Event::Closed(read_error)) => {
                    let how = process.stop_after_eof();
                    let how = match read_error {
                        Some(e) => format!("{how} (reading its stdout failed: {e})"),
                        None => how,
                    };
                    let problem = format!("{how} before answering this article");
                    self.lose_process(worker, batch, &mut in_flight, &mut served, &problem);
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let problem =
                        format!("{} before answering this article", process.stop_after_eof());
                    self.lose_process(worker, batch, &mut in_flight, &mut served, &problem);
                }
                Err(RecvTimeoutError::Timeout) => {
                    process.kill();
                    let problem = format!(
                        "gave no answer within {} s (--timeout), so it was killed. Does it \
                         flush stdout after each answer line?",
                        self.options.timeout.as_secs_f64()
                    );
                    self.lose_process(worker, batch, &mut in_flight, &mut served, &problem);
                }
            }
        }
        served.results
    }

    /// A process that died while idle (between batches) is dropped without charging an
    /// article, but it costs a restart like any other failure.
    fn drop_if_dead(&self, worker: &mut Worker) {
        if let Some(process) = worker.process.as_mut()
            && !process.is_alive()
        {
            let how = process.stop_after_eof();
            let message = format!("`{}` {how} while idle\n{}", self.command, process.tail());
            self.note_failure(&message);
            worker.process = None;
        }
    }

    /// After a crash or a kill: charges the oldest unanswered article, re-queues the
    /// others for the next process.
    fn lose_process(
        &self,
        worker: &mut Worker,
        batch: &Batch,
        in_flight: &mut VecDeque<Pending>,
        served: &mut Served,
        problem: &str,
    ) {
        let tail = worker
            .process
            .as_ref()
            .map(|p| p.tail())
            .unwrap_or_default();
        if let Some(oldest) = in_flight.pop_front() {
            let article = &batch.articles[oldest.index];
            let error = self.error(&article.id, problem, &tail);
            self.note_failure(&error.message);
            served.fail(&article.id, oldest.index, oldest.sent_at, error);
        }
        batch.push_front(in_flight.drain(..).map(|p| p.index).collect());
        worker.process = None;
    }

    fn handle_line(
        &self,
        bytes: &[u8],
        process: &mut Process,
        batch: &Batch,
        in_flight: &mut VecDeque<Pending>,
        served: &mut Served,
    ) {
        let line = String::from_utf8_lossy(bytes);
        let parsed: std::result::Result<Value, String> = std::str::from_utf8(bytes)
            .map_err(|e| format!("it is not UTF-8 ({e})"))
            .and_then(|text| serde_json::from_str(text).map_err(|e| e.to_string()));
        let id = match &parsed {
            Ok(value) => value.get("id").and_then(Value::as_str),
            Err(_) => None,
        };
        let Some(id) = id else {
            let why = match &parsed {
                Err(e) => format!("it is not JSON: {e}"),
                Ok(_) => "it is not an object with a string `id`".to_string(),
            };
            let problem = format!(
                "printed a line that is not an answer ({why}): `{}`. Only answer lines may \
                 go to stdout; logs belong on stderr",
                snippet(&line)
            );
            self.charge_oldest(process, batch, in_flight, served, &problem);
            return;
        };
        if let Some(position) = in_flight
            .iter()
            .position(|p| batch.articles[p.index].id == id)
        {
            let Some(pending) = in_flight.remove(position) else {
                return;
            };
            let article = &batch.articles[pending.index];
            let value = parsed.as_ref().ok();
            let result = value
                .ok_or_else(|| "unreadable answer".to_string())
                .and_then(|value| parse_answer(article, value))
                .map_err(|problem| self.error(id, &problem, &process.tail()));
            served.answer(id, pending.index, pending.sent_at, result);
        } else if let Some(Done::Answered(index)) = served.done.get(id).copied() {
            let problem = format!(
                "answered this article twice; the second answer: `{}`",
                snippet(&line)
            );
            let error = self.error(id, &problem, &process.tail());
            served.fail(id, index, Instant::now(), error);
        } else if !process.sent.contains(id) {
            let problem = format!(
                "answered id `{}`, which it was never sent, while this article was the oldest \
                 unanswered one",
                snippet(id)
            );
            self.charge_oldest(process, batch, in_flight, served, &problem);
        }
        // Otherwise a late answer for an article already failed or handed back: ignored.
    }

    fn charge_oldest(
        &self,
        process: &Process,
        batch: &Batch,
        in_flight: &mut VecDeque<Pending>,
        served: &mut Served,
        problem: &str,
    ) {
        if let Some(oldest) = in_flight.pop_front() {
            let article = &batch.articles[oldest.index];
            let error = self.error(&article.id, problem, &process.tail());
            served.fail(&article.id, oldest.index, oldest.sent_at, error);
        }
    }
}

impl Model for CommandModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict(&self, article: &Article) -> std::result::Result<Vec<Attribution>, ModelError> {
        self.predict_batch(std::slice::from_ref(article))
            .pop()
            .map(|prediction| prediction.result)
            .unwrap_or_else(|| Err(ModelError::new("internal error: no answer slot")))
    }

    /// Pipelines the chunk through all idle workers: requests are written ahead of the
    /// answers (up to a window per process) and answers are matched by id.
    fn predict_batch(&self, articles: &[Article]) -> Vec<TimedPrediction> {
        if articles.is_empty() {
            return Vec::new();
        }
        // An id repeated within the chunk is sent once and its answer shared: two
        // requests with one id could not be told apart.
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        let mut unique = VecDeque::new();
        for (index, article) in articles.iter().enumerate() {
            if !first_of.contains_key(article.id.as_str()) {
                first_of.insert(&article.id, index);
                unique.push_back(index);
            }
        }
        let batch = Batch {
            articles,
            queue: Mutex::new(unique.clone()),
        };
        let mut workers = self.check_out(unique.len());
        let mut slots: Vec<Option<TimedPrediction>> = vec![None; articles.len()];
        if let [worker] = workers.as_mut_slice() {
            for (index, prediction) in self.serve(worker, &batch) {
                slots[index] = Some(prediction);
            }
        } else {
            let served: Vec<Vec<(usize, TimedPrediction)>> = thread::scope(|scope| {
                let handles: Vec<_> = workers
                    .iter_mut()
                    .map(|worker| scope.spawn(|| self.serve(worker, &batch)))
                    .collect();
                handles
                    .into_iter()
                    .map(|handle| handle.join().unwrap_or_default())
                    .collect()
            });
            for (index, prediction) in served.into_iter().flatten() {
                slots[index] = Some(prediction);
            }
        }
        self.check_in(workers);
        for index in unique {
            if slots[index].is_none() {
                slots[index] = Some(TimedPrediction {
                    result: Err(self.not_run_error(&articles[index].id)),
                    latency_ms: 0.0,
                    cpu_s: None,
                });
            }
        }
        articles
            .iter()
            .enumerate()
            .map(|(index, article)| {
                let first = first_of[article.id.as_str()];
                let mut prediction = slots[first].clone().unwrap_or(TimedPrediction {
                    result: Err(self.not_run_error(&article.id)),
                    latency_ms: 0.0,
                    cpu_s: None,
                });
                if index != first
                    && let Ok(rows) = &mut prediction.result
                {
                    rows.iter_mut()
                        .for_each(|row| row.article_id = article.id.clone());
                }
                prediction
            })
            .collect()
    }
}

/// One `predict_batch` call: the articles and the indices not yet handed to a process.
struct Batch<'a> {
    articles: &'a [Article],
    queue: Mutex<VecDeque<usize>>,
}

impl Batch<'_> {
    fn pop(&self) -> Option<usize> {
        lock(&self.queue).pop_front()
    }

    /// Puts articles back at the front, in their order, so they go out next.
    fn push_front(&self, indices: Vec<usize>) {
        let mut queue = lock(&self.queue);
        for index in indices.into_iter().rev() {
            queue.push_front(index);
        }
    }
}

struct Pending {
    index: usize,
    sent_at: Instant,
}

#[derive(Clone, Copy)]
enum Done {
    Answered(usize),
    Failed,
}

/// What one worker collected in one batch.
#[derive(Default)]
struct Served {
    results: Vec<(usize, TimedPrediction)>,
    /// Where each id's result sits in `results`, to catch a second answer.
    done: HashMap<String, Done>,
    slot_of: HashMap<usize, usize>,
}

impl Served {
    fn answer(
        &mut self,
        id: &str,
        index: usize,
        sent_at: Instant,
        result: std::result::Result<Vec<Attribution>, ModelError>,
    ) {
        let state = if result.is_ok() {
            Done::Answered(index)
        } else {
            Done::Failed
        };
        self.done.insert(id.to_string(), state);
        let prediction = TimedPrediction {
            result,
            latency_ms: sent_at.elapsed().as_secs_f64() * 1e3,
            cpu_s: None,
        };
        match self.slot_of.get(&index) {
            Some(&slot) => self.results[slot].1.result = prediction.result,
            None => {
                self.slot_of.insert(index, self.results.len());
                self.results.push((index, prediction));
            }
        }
    }

    fn fail(&mut self, id: &str, index: usize, sent_at: Instant, error: ModelError) {
        self.answer(id, index, sent_at, Err(error));
    }
}

/// Reads an answer object into rows, checking them against the article.
fn parse_answer(article: &Article, value: &Value) -> std::result::Result<Vec<Attribution>, String> {
    match value.get("error") {
        None | Some(Value::Null) => {}
        Some(Value::String(message)) => {
            return Err(format!("reported an error on this article: {message}"));
        }
        Some(other) => return Err(format!("reported an error on this article: {other}")),
    }
    let rows = match value.get("attributions") {
        Some(Value::Array(rows)) => rows,
        Some(_) => return Err("answered with `attributions` that is not a list".into()),
        None => return Err("answered without `attributions` (nor `error`)".into()),
    };
    let mut located: HashSet<Span> = HashSet::new();
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            parse_row(article, row, &mut located).map_err(|problem| {
                format!(
                    "answered with a bad attribution (#{} of {}): {problem}",
                    i + 1,
                    rows.len()
                )
            })
        })
        .collect()
}

fn parse_row(
    article: &Article,
    row: &Value,
    located: &mut HashSet<Span>,
) -> std::result::Result<Attribution, String> {
    let Value::Object(row) = row else {
        return Err("it is not a JSON object".into());
    };
    let quote = string_field(row, "quote")?.unwrap_or_default();
    if quote.is_empty() {
        return Err("`quote` is missing or empty".into());
    }
    let quote_span = match span_field(row, "start", "end")? {
        Some(span) => {
            let found = article.slice(span).ok_or_else(|| {
                format!(
                    "offsets [{}, {}) are outside the text ({} code points) or reversed",
                    span.start,
                    span.end,
                    article.char_len()
                )
            })?;
            if found != quote {
                return Err(format!(
                    "text[{}:{}] is `{}` but the quote is `{}` (offsets count code points, \
                     not bytes)",
                    span.start,
                    span.end,
                    snippet(found),
                    snippet(&quote)
                ));
            }
            span
        }
        None => locate(article, &quote, located).ok_or_else(|| {
            format!(
                "it has no offsets and its quote `{}` does not occur in the text",
                snippet(&quote)
            )
        })?,
    };
    let mut speaker_mention = string_field(row, "speaker_mention")?;
    let mention_span = span_field(row, "speaker_start", "speaker_end")?;
    if let Some(span) = mention_span {
        let found = article.slice(span).ok_or_else(|| {
            format!(
                "speaker offsets [{}, {}) are outside the text or reversed",
                span.start, span.end
            )
        })?;
        match &speaker_mention {
            Some(mention) if mention != found => {
                return Err(format!(
                    "text[{}:{}] is `{}` but speaker_mention is `{}`",
                    span.start,
                    span.end,
                    snippet(found),
                    snippet(mention)
                ));
            }
            Some(_) => {}
            None => speaker_mention = Some(found.to_string()),
        }
    }
    let quote_type = string_field(row, "type")?
        .map(|t| t.parse::<QuoteType>())
        .transpose()?;
    let confidence = match row.get("confidence") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_f64() {
            Some(c) if (0.0..=1.0).contains(&c) => Some(c),
            _ => {
                return Err(format!(
                    "`confidence` must be a number in [0, 1], not {value}"
                ));
            }
        },
    };
    Ok(Attribution {
        article_id: article.id.clone(),
        quote,
        speaker: string_field(row, "speaker")?.unwrap_or_default(),
        quote_span: Some(quote_span),
        quote_type,
        cue: string_field(row, "cue")?,
        speaker_mention,
        mention_span,
        confidence,
        mention_type: None,
    })
}

/// The first occurrence of `quote` not already given to an earlier row, so that two
/// rows with the same quote land on two occurrences.
fn locate(article: &Article, quote: &str, located: &mut HashSet<Span>) -> Option<Span> {
    let span = article
        .text
        .match_indices(quote)
        .filter_map(|(byte, _)| article.span_of_bytes(byte..byte + quote.len()))
        .find(|span| !located.contains(span))?;
    located.insert(span);
    Some(span)
}

fn string_field(
    row: &Map<String, Value>,
    key: &str,
) -> std::result::Result<Option<String>, String> {
    match row.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` must be a string, not {other}")),
    }
}

fn span_field(
    row: &Map<String, Value>,
    start: &str,
    end: &str,
) -> std::result::Result<Option<Span>, String> {
    let offset = |key: &str| match row.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a non-negative integer, not {value}")),
    };
    match (offset(start)?, offset(end)?) {
        (Some(s), Some(e)) => Ok(Some(Span::new(s, e))),
        (None, None) => Ok(None),
        _ => Err(format!(
            "it gives one of `{start}` and `{end}` without the other"
        )),
    }
}

/// Fingerprint of the files the command names (see the module documentation).
fn version_of(argv: &[String]) -> String {
    let mut hasher = Sha256::new();
    let mut any = false;
    for (i, word) in argv.iter().enumerate() {
        // A bare program name is looked up on PATH, not read from the current folder.
        if i == 0 && !word.contains('/') {
            continue;
        }
        let path = Path::new(word);
        if !path.is_file() {
            continue;
        }
        // Streamed: a command may name a large weights file.
        let mut file_hasher = Sha256::new();
        let hashed = std::fs::File::open(path)
            .and_then(|mut file| std::io::copy(&mut file, &mut file_hasher));
        if hashed.is_ok() {
            hasher.update(word.as_bytes());
            hasher.update([0]);
            hasher.update(file_hasher.finalize());
            any = true;
        }
    }
    if any {
        let hex = format!("{:x}", hasher.finalize());
        format!("sha256:{}", &hex[..16])
    } else {
        "unversioned".to_string()
    }
}

/// A stderr line as a terminal would show it: progress bars redraw with `\r`, so only
/// the last segment counts, and a runaway line is cut to its end.
fn stderr_line(bytes: &[u8]) -> String {
    const KEEP: usize = 500;
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    let shown = text
        .rsplit('\r')
        .find(|s| !s.trim().is_empty())
        .unwrap_or("");
    let count = shown.chars().count();
    if count > KEEP {
        let tail: String = shown.chars().skip(count - KEEP).collect();
        format!("…{tail}")
    } else {
        shown.to_string()
    }
}

fn snippet(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(SNIPPET_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking worker thread must not take the model down with it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

enum Event {
    Line(Vec<u8>),
    /// Stdout reached its end (or failed to read): the program exited or closed it.
    Closed(Option<std::io::Error>),
}

/// The last lines of a program's stderr, kept while it runs.
#[derive(Default)]
struct StderrTail {
    lines: VecDeque<String>,
    total: usize,
}

/// One running program with its three pipes, each served by its own thread so that a
/// program that stops reading or writing can never block the harness.
struct Process {
    child: Child,
    requests: Option<Sender<Vec<u8>>>,
    events: Receiver<Event>,
    stderr: Arc<Mutex<StderrTail>>,
    stderr_closed: Receiver<()>,
    /// Every id written to this process: tells a late answer from an unknown id.
    sent: HashSet<String>,
}

impl Process {
    fn spawn(argv: &[String]) -> std::io::Result<Process> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| std::io::Error::other("empty command"))?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let missing = || std::io::Error::other("pipe not opened");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr = child.stderr.take().ok_or_else(missing)?;

        let (requests, pending) = mpsc::channel::<Vec<u8>>();
        thread::Builder::new()
            .name("cmd-stdin".into())
            .spawn(move || {
                let mut out = BufWriter::with_capacity(1 << 16, stdin);
                while let Ok(request) = pending.recv() {
                    if out.write_all(&request).is_err() {
                        return;
                    }
                    // One flush for all requests queued meanwhile.
                    while let Ok(request) = pending.try_recv() {
                        if out.write_all(&request).is_err() {
                            return;
                        }
                    }
                    if out.flush().is_err() {
                        return;
                    }
                }
            })?;

        let (events_tx, events) = mpsc::channel();
        thread::Builder::new()
            .name("cmd-stdout".into())
            .spawn(move || {
                let mut reader = BufReader::with_capacity(1 << 16, stdout);
                loop {
                    let mut line = Vec::new();
                    let event = match reader.read_until(b'\n', &mut line) {
                        Ok(0) => Event::Closed(None),
                        Ok(_) => {
                            while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                                line.pop();
                            }
                            if line.iter().all(u8::is_ascii_whitespace) {
                                continue;
                            }
                            Event::Line(line)
                        }
                        Err(e) => Event::Closed(Some(e)),
                    };
                    let closed = matches!(event, Event::Closed(_));
                    if events_tx.send(event).is_err() || closed {
                        return;
                    }
                }
            })?;

        let tail = Arc::new(Mutex::new(StderrTail::default()));
        let (closed_tx, stderr_closed) = mpsc::channel::<()>();
        let tail_writer = Arc::clone(&tail);
        thread::Builder::new()
            .name("cmd-stderr".into())
            .spawn(move || {
                let mut reader = BufReader::new(stderr);
                let mut line = Vec::new();
                while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                    let text = stderr_line(&line);
                    let mut tail = lock(&tail_writer);
                    tail.total += 1;
                    tail.lines.push_back(text);
                    if tail.lines.len() > STDERR_TAIL_LINES {
                        tail.lines.pop_front();
                    }
                    line.clear();
                }
                drop(closed_tx);
            })?;

        Ok(Process {
            child,
            requests: Some(requests),
            events,
            stderr: tail,
            stderr_closed,
            sent: HashSet::new(),
        })
    }

    fn send(&mut self, article: &Article) -> bool {
        let request = serde_json::json!({"id": article.id, "text": article.text});
        let mut line = request.to_string().into_bytes();
        line.push(b'\n');
        self.sent.insert(article.id.clone());
        self.requests
            .as_ref()
            .is_some_and(|requests| requests.send(line).is_ok())
    }

    fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Once stdout has closed: waits briefly for the exit, kills the program if it
    /// lingers, lets stderr drain, and says how it ended.
    fn stop_after_eof(&mut self) -> String {
        self.requests = None;
        let started = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() < EXIT_GRACE => {
                    thread::sleep(Duration::from_millis(5))
                }
                _ => break None,
            }
        };
        let how = match status {
            Some(status) => describe_exit(status),
            None => {
                self.kill();
                "closed its stdout without exiting (it was killed)".to_string()
            }
        };
        self.wait_for_stderr();
        how
    }

    fn kill(&mut self) {
        self.requests = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.wait_for_stderr();
    }

    /// Stderr may still hold the traceback that explains a crash; a grandchild holding
    /// the pipe open must not stall the harness, hence the bound.
    fn wait_for_stderr(&self) {
        let _ = self.stderr_closed.recv_timeout(EXIT_GRACE);
    }

    fn tail(&self) -> String {
        let tail = lock(&self.stderr);
        if tail.lines.is_empty() {
            return "stderr: (empty)".to_string();
        }
        let mut text = format!(
            "stderr (last {} of {} lines):",
            tail.lines.len(),
            tail.total
        );
        for line in &tail.lines {
            text.push_str("\n  | ");
            text.push_str(line);
        }
        text
    }
}

impl Drop for Process {
    /// Closes stdin, gives the program a moment to exit on its own, then kills it; the
    /// wait reaps it, so no zombie is left.
    fn drop(&mut self) {
        self.requests = None;
        let started = Instant::now();
        while started.elapsed() < SHUTDOWN_GRACE {
            match self.child.try_wait() {
                Ok(None) => thread::sleep(Duration::from_millis(5)),
                _ => return,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with code {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    format!("ended ({status})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(text: &str) -> Article {
        Article::new("a1", text)
    }

    #[test]
    fn rows_with_matching_offsets_are_kept() {
        let a = article("“Hi,” said Ushakov.");
        let answer = serde_json::json!({"id": "a1", "attributions": [
            {"speaker": "Ushakov", "quote": "Hi,", "start": 1, "end": 4, "type": "direct"}
        ]});
        let rows = parse_answer(&a, &answer).unwrap();
        assert_eq!(rows[0].quote_span, Some(Span::new(1, 4)));
        assert_eq!(rows[0].article_id, "a1");
        assert_eq!(rows[0].quote_type, Some(QuoteType::Direct));
    }

    #[test]
    fn byte_offsets_are_refused_with_both_texts() {
        let a = article("“Hi,” said Ushakov.");
        let answer = serde_json::json!({"id": "a1", "attributions": [
            {"speaker": "Ushakov", "quote": "Hi,", "start": 3, "end": 6}
        ]});
        let err = parse_answer(&a, &answer).unwrap_err();
        assert!(err.contains("text[3:6]"), "{err}");
        assert!(err.contains("`Hi,`"), "{err}");
    }

    #[test]
    fn rows_without_offsets_take_successive_occurrences() {
        let a = article("\"No.\" He said: \"No.\"");
        let answer = serde_json::json!({"id": "a1", "attributions": [
            {"speaker": "", "quote": "No."}, {"speaker": null, "quote": "No."}
        ]});
        let rows = parse_answer(&a, &answer).unwrap();
        assert_eq!(rows[0].quote_span, Some(Span::new(1, 4)));
        assert_eq!(rows[1].quote_span, Some(Span::new(16, 19)));
        let missing = serde_json::json!({"id": "a1", "attributions": [{"quote": "Yes."}]});
        assert!(
            parse_answer(&a, &missing)
                .unwrap_err()
                .contains("does not occur")
        );
    }

    #[test]
    fn the_error_extension_fails_the_article() {
        let a = article("x");
        let answer = serde_json::json!({"id": "a1", "error": "spaCy choked"});
        assert!(
            parse_answer(&a, &answer)
                .unwrap_err()
                .contains("spaCy choked")
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let a = article("\"Yes,\" she said.");
        for (row, expected) in [
            (
                serde_json::json!({"quote": "Yes,", "start": 1}),
                "without the other",
            ),
            (
                serde_json::json!({"quote": "Yes,", "type": "quoted"}),
                "unknown quote type",
            ),
            (
                serde_json::json!({"quote": "Yes,", "confidence": 2}),
                "confidence",
            ),
            (serde_json::json!({"quote": ""}), "missing or empty"),
            (
                serde_json::json!({"quote": "Yes,", "speaker": 3}),
                "`speaker` must be",
            ),
        ] {
            let answer = serde_json::json!({"id": "a1", "attributions": [row]});
            let err = parse_answer(&a, &answer).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn stderr_lines_show_what_a_terminal_would() {
        assert_eq!(stderr_line(b" 10%\r 50%\r100%\n"), "100%");
        assert_eq!(
            stderr_line(b"Traceback (most recent call last):\n"),
            "Traceback (most recent call last):"
        );
        let long = stderr_line("x".repeat(2000).as_bytes());
        assert_eq!(long.chars().count(), 501);
    }

    #[test]
    fn versions_fingerprint_named_files_only() {
        assert_eq!(version_of(&["true".into()]), "unversioned");
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let version = version_of(&["python3".into(), manifest.into()]);
        assert!(
            version.starts_with("sha256:") && version.len() == 23,
            "{version}"
        );
    }
}
