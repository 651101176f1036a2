//! `cmd:COMMAND` models: an external program speaking the JSONL protocol of
//! docs/models.md#jsonl-protocol.
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

mod process;
mod protocol;

use super::{
    Batch, Model, ModelError, ModelErrorKind, ModelInfo, OnAnswer, SpeakersRequest, TimedPrediction,
};
use crate::attribution::Attribution;
use crate::dataset::Article;
use crate::error::{Error, Result};
use process::{Event, Process};
use protocol::parse_answer;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Condvar, Mutex, MutexGuard};
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

/// How often a wait for an answer looks whether the run was interrupted.
const INTERRUPT_POLL: Duration = Duration::from_millis(50);

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
    /// CPU seconds of the processes that have ended.
    ended_cpu_s: Mutex<f64>,
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
            ended_cpu_s: Mutex::new(0.0),
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
    fn error(
        &self,
        kind: ModelErrorKind,
        article_id: &str,
        problem: &str,
        stderr: &str,
    ) -> ModelError {
        ModelError::of_kind(
            kind,
            format!(
                "article `{article_id}`: `{}` {problem}\n{stderr}",
                self.command
            ),
        )
    }

    /// The error of an article left over once no process can be started any more.
    fn not_run_error(&self, article_id: &str) -> ModelError {
        if crate::signals::interrupted() {
            return ModelError::of_kind(
                ModelErrorKind::Interrupted,
                format!("article `{article_id}`: not run: the run was interrupted"),
            );
        }
        let restarts = lock(&self.restarts);
        let last = restarts
            .last_failure
            .as_deref()
            .unwrap_or("(no failure recorded)");
        ModelError::of_kind(
            ModelErrorKind::NotRun,
            format!(
                "article `{article_id}`: not run: `{}` failed and its {} restart(s) \
             (max_restarts) are used up. Last failure: {last}",
                self.command, self.options.max_restarts
            ),
        )
    }

    /// Feeds articles from the shared queue through one worker's process until the
    /// queue is empty or no process can be had.
    fn serve(&self, worker: &mut Worker, pipeline: &Pipeline) -> Vec<(usize, TimedPrediction)> {
        let mut served = Served::default();
        let mut in_flight: VecDeque<Pending> = VecDeque::new();
        let mut last_progress = Instant::now();
        loop {
            if crate::signals::interrupted() {
                self.abandon(worker, pipeline, &mut in_flight, &mut served);
                break;
            }
            while in_flight.len() < WINDOW {
                let Some(index) = pipeline.pop() else { break };
                if in_flight.is_empty() {
                    self.drop_if_dead(worker);
                }
                let process = match worker.process.as_mut() {
                    Some(process) => process,
                    None => match self.restart() {
                        Some(process) => worker.process.insert(process),
                        None => {
                            pipeline.push_front(vec![index]);
                            break;
                        }
                    },
                };
                let article = pipeline.article(index);
                // A failed write means the process is gone; its closed stdout tells us
                // next, and this article is charged or re-sent with the others.
                process.send(&article.id, &pipeline.request_line(index));
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
            // Waits in slices so that an interrupt is seen soon.
            let slice = wait.min(INTERRUPT_POLL);
            match process.events.recv_timeout(slice) {
                Err(RecvTimeoutError::Timeout) if slice < wait => continue,
                Ok(Event::Line(bytes)) => {
                    last_progress = Instant::now();
                    self.handle_line(&bytes, process, pipeline, &mut in_flight, &mut served);
                }
                Ok(Event::TooLong(bytes)) => {
                    process.kill();
                    let problem = format!(
                        "printed a line of {bytes} bytes, more than the {} MB an answer                          line may take, so it was killed",
                        process::MAX_ANSWER_LINE >> 20
                    );
                    self.lose_process(
                        worker,
                        pipeline,
                        &mut in_flight,
                        &mut served,
                        ModelErrorKind::Protocol,
                        &problem,
                    );
                }
                // Stdout closed (or its reader is gone): the program ended or will.
                closed @ (Ok(Event::Closed(_)) | Err(RecvTimeoutError::Disconnected)) => {
                    let how = process.stop_after_eof();
                    let how = match closed {
                        Ok(Event::Closed(Some(e))) => {
                            format!("{how} (reading its stdout failed: {e})")
                        }
                        _ => how,
                    };
                    let problem = format!("{how} before answering this article");
                    self.lose_process(
                        worker,
                        pipeline,
                        &mut in_flight,
                        &mut served,
                        ModelErrorKind::Crash,
                        &problem,
                    );
                }
                Err(RecvTimeoutError::Timeout) => {
                    process.kill();
                    let problem = format!(
                        "gave no answer within {} s (--timeout), so it was killed. Does it \
                         flush stdout after each answer line?",
                        self.options.timeout.as_secs_f64()
                    );
                    self.lose_process(
                        worker,
                        pipeline,
                        &mut in_flight,
                        &mut served,
                        ModelErrorKind::Timeout,
                        &problem,
                    );
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
            self.add_cpu(process);
            worker.process = None;
        }
    }

    /// On an interrupt: the articles sent and not answered fail as interrupted, the rest
    /// of the queue is left unsent, and the process is ended.
    fn abandon(
        &self,
        worker: &mut Worker,
        pipeline: &Pipeline,
        in_flight: &mut VecDeque<Pending>,
        served: &mut Served,
    ) {
        for pending in in_flight.drain(..) {
            let article = pipeline.article(pending.index);
            let error = ModelError::of_kind(
                ModelErrorKind::Interrupted,
                format!(
                    "article `{}`: the run was interrupted before `{}` answered it",
                    article.id, self.command
                ),
            );
            served.fail(&article.id, pending.index, pending.sent_at, error);
        }
        if let Some(mut process) = worker.process.take() {
            self.add_cpu(&mut process);
        }
    }

    /// After a crash or a kill: charges the oldest unanswered article, re-queues the
    /// others for the next process.
    #[allow(clippy::too_many_arguments)]
    fn lose_process(
        &self,
        worker: &mut Worker,
        pipeline: &Pipeline,
        in_flight: &mut VecDeque<Pending>,
        served: &mut Served,
        kind: ModelErrorKind,
        problem: &str,
    ) {
        let tail = worker
            .process
            .as_ref()
            .map(|p| p.tail())
            .unwrap_or_default();
        if let Some(oldest) = in_flight.pop_front() {
            let article = pipeline.article(oldest.index);
            let error = self.error(kind, &article.id, problem, &tail);
            self.note_failure(&error.message);
            served.fail(&article.id, oldest.index, oldest.sent_at, error);
        }
        pipeline.push_front(in_flight.drain(..).map(|p| p.index).collect());
        if let Some(mut process) = worker.process.take() {
            self.add_cpu(&mut process);
        }
    }

    fn add_cpu(&self, process: &mut Process) {
        if let Some(cpu) = process.cpu_s() {
            *lock(&self.ended_cpu_s) += cpu;
        }
    }

    fn handle_line(
        &self,
        bytes: &[u8],
        process: &mut Process,
        pipeline: &Pipeline,
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
            self.charge_oldest(process, pipeline, in_flight, served, &problem);
            return;
        };
        if let Some(position) = in_flight
            .iter()
            .position(|p| pipeline.article(p.index).id == id)
        {
            let Some(pending) = in_flight.remove(position) else {
                return;
            };
            let article = pipeline.article(pending.index);
            let value = parsed.as_ref().ok();
            let result = value
                .ok_or_else(|| "unreadable answer".to_string())
                .and_then(|value| parse_answer(article, value, pipeline.request(pending.index)))
                .map_err(|problem| {
                    let kind = if problem.starts_with(protocol::REPORTED) {
                        ModelErrorKind::Reported
                    } else {
                        ModelErrorKind::Protocol
                    };
                    self.error(kind, id, &problem, &process.tail())
                });
            served.answer(id, pending.index, pending.sent_at, result);
            if let Some(prediction) = served.get(pending.index) {
                (pipeline.on_answer)(pending.index, prediction);
            }
        } else if let Some(Done::Answered(index)) = served.done.get(id).copied() {
            let problem = format!(
                "answered this article twice; the second answer: `{}`",
                snippet(&line)
            );
            let error = self.error(ModelErrorKind::Protocol, id, &problem, &process.tail());
            served.fail(id, index, Instant::now(), error);
        } else if !process.sent.contains(id) {
            let problem = format!(
                "answered id `{}`, which it was never sent, while this article was the oldest \
                 unanswered one",
                snippet(id)
            );
            self.charge_oldest(process, pipeline, in_flight, served, &problem);
        }
        // Otherwise a late answer for an article already failed or handed back: ignored.
    }

    fn charge_oldest(
        &self,
        process: &Process,
        pipeline: &Pipeline,
        in_flight: &mut VecDeque<Pending>,
        served: &mut Served,
        problem: &str,
    ) {
        if let Some(oldest) = in_flight.pop_front() {
            let article = pipeline.article(oldest.index);
            let error = self.error(
                ModelErrorKind::Protocol,
                &article.id,
                problem,
                &process.tail(),
            );
            served.fail(&article.id, oldest.index, oldest.sent_at, error);
        }
    }
}

impl Model for CommandModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    crate::model::entry_points_through_run_batch!();

    fn external_cpu_s(&self) -> Option<f64> {
        let mut total = *lock(&self.ended_cpu_s);
        for worker in lock(&self.idle).iter_mut() {
            if let Some(process) = worker.process.as_mut() {
                total += process.cpu_so_far()?;
            }
        }
        Some(total)
    }

    /// Pipelines the chunk through all idle workers: requests are written ahead of the
    /// answers (up to a window per process) and answers are matched by id.
    fn run_batch(&self, batch: Batch<'_>, on_answer: OnAnswer) -> Vec<TimedPrediction> {
        let articles = batch.articles;
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
        let pipeline = Pipeline {
            batch,
            queue: Mutex::new(unique.clone()),
            on_answer,
        };
        let mut workers = self.check_out(unique.len());
        let mut slots: Vec<Option<TimedPrediction>> = vec![None; articles.len()];
        if let [worker] = workers.as_mut_slice() {
            for (index, prediction) in self.serve(worker, &pipeline) {
                slots[index] = Some(prediction);
            }
        } else {
            let served: Vec<Vec<(usize, TimedPrediction)>> = thread::scope(|scope| {
                let handles: Vec<_> = workers
                    .iter_mut()
                    .map(|worker| scope.spawn(|| self.serve(worker, &pipeline)))
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
        let not_run = |id: &str| TimedPrediction {
            result: Err(self.not_run_error(id)),
            latency_ms: 0.0,
            cpu_s: None,
        };
        for index in unique {
            if slots[index].is_none() {
                slots[index] = Some(not_run(&articles[index].id));
            }
        }
        articles
            .iter()
            .enumerate()
            .map(|(index, article)| {
                let first = first_of[article.id.as_str()];
                let mut prediction = slots[first].clone().unwrap_or_else(|| not_run(&article.id));
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

/// One `run_batch` call: the chunk and the indices not yet handed to a process.
struct Pipeline<'a> {
    batch: Batch<'a>,
    queue: Mutex<VecDeque<usize>>,
    on_answer: OnAnswer<'a>,
}

impl Pipeline<'_> {
    /// The request line of docs/models.md#jsonl-protocol for one article.
    fn request_line(&self, index: usize) -> Value {
        let article = self.article(index);
        match self.request(index) {
            None => serde_json::json!({"id": article.id, "text": article.text}),
            Some(request) => {
                let mut line = serde_json::json!({
                    "id": article.id,
                    "text": article.text,
                    "task": "speakers",
                    "quotes": request.quotes,
                });
                if !request.cast.is_empty() {
                    line["cast"] = serde_json::json!(request.cast);
                }
                line
            }
        }
    }

    fn article(&self, index: usize) -> &Article {
        &self.batch.articles[index]
    }

    fn request(&self, index: usize) -> Option<&SpeakersRequest> {
        self.batch.request(index)
    }

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

    fn get(&self, index: usize) -> Option<&TimedPrediction> {
        let &slot = self.slot_of.get(&index)?;
        self.results.get(slot).map(|(_, prediction)| prediction)
    }

    fn fail(&mut self, id: &str, index: usize, sent_at: Instant, error: ModelError) {
        self.answer(id, index, sent_at, Err(error));
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

fn snippet(text: &str) -> String {
    super::snippet(text, SNIPPET_CHARS)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking worker thread must not take the model down with it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

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
