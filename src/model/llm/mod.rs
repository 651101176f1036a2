//! `llm:MODEL@BASE_URL` models: a chat model behind any OpenAI-compatible endpoint
//! (vLLM, llama.cpp's server, Ollama, hosted APIs), in both tasks.
//!
//! Each article is cut into chunks ([`chunk`]); each chunk is one chat request built
//! from a prompt template ([`prompt`]), sent with retries ([`client`]) by `--workers`
//! threads, its reply kept in a per-request cache ([`cache`]) and read leniently
//! ([`reply`]). Rows carry no offsets from the model: in `extract` they are placed by
//! their quote text, as `cmd:` and `file:` rows without offsets are; in `speakers`
//! they answer the given quote their `quote_id` names (else the one their text equals)
//! and take its span.
//!
//! A reply that cannot be read costs its chunk (counted as a parse failure); a request
//! that still fails after its retries costs its article (the run is then partial).

pub mod cache;
pub mod chunk;
pub mod client;
pub mod config;
pub mod prompt;
pub mod reply;

pub use config::LlmConfig;

use self::cache::{CachedReply, ReplyCache, request_key};
use self::chunk::Chunk;
use self::client::{Client, ClientConfig, RequestError};
use self::prompt::{Template, Templates};
use self::reply::ReplyRow;
use super::cache::CacheMode;
use super::usage::ModelUsage;
use super::{Model, ModelError, ModelErrorKind, ModelInfo, SpeakersRequest, TimedPrediction};
use crate::attribution::{Attribution, Span};
use crate::dataset::Article;
use crate::error::{Error, Result};
use crate::record::Latency;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Bumped when the way requests are built or replies read changes what a model is
/// asked: part of the config hash.
const ADAPTER_VERSION: &str = "attr-eval-llm/1";

/// The longest backoff between two retries.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How `run` starts `llm:` models: the `cmd:` flags `--workers` and `--timeout`, and
/// the cache flags.
#[derive(Debug, Clone)]
pub struct LlmOptions {
    /// Requests in flight at once.
    pub workers: usize,
    /// For one HTTP request.
    pub timeout: Duration,
    pub cache: CacheMode,
    /// Where reply caches go (`.cache/attr-eval/llm`).
    pub cache_dir: PathBuf,
}

impl Default for LlmOptions {
    fn default() -> Self {
        LlmOptions {
            workers: 1,
            timeout: Duration::from_secs(60),
            cache: CacheMode::Write,
            cache_dir: PathBuf::from(DEFAULT_CACHE_DIR),
        }
    }
}

pub const DEFAULT_CACHE_DIR: &str = ".cache/attr-eval/llm";

/// What the model counted besides the client's requests.
#[derive(Default)]
struct Counters {
    cached: usize,
    parse_failures: usize,
    unplaced_rows: usize,
    dropped_rows: usize,
    prompt_tokens: u64,
    completion_tokens: u64,
    cached_latencies_ms: Vec<f64>,
    fingerprints: Vec<String>,
}

pub struct LlmModel {
    info: ModelInfo,
    config: LlmConfig,
    templates: Templates,
    client: Client,
    cache: ReplyCache,
    workers: usize,
    counters: Mutex<Counters>,
}

/// One request: a chunk of one article, with the given quotes it asks about.
struct Job {
    article: usize,
    chunk: Chunk,
    /// Indices into the article's given quotes (speakers task).
    quotes: Vec<usize>,
    body: Map<String, Value>,
    key: String,
}

/// What costs an article: the kind of failure and its message.
type Failure = (ModelErrorKind, String);

/// A job's rows with its latency, or the failure that costs its article.
type JobOutcome = std::result::Result<(Vec<Attribution>, f64), Failure>;

/// An article's answer, gathered from its jobs.
#[derive(Default)]
struct Gathered {
    rows: Vec<Attribution>,
    latency_ms: f64,
    failure: Option<Failure>,
}

impl LlmModel {
    /// Builds the model of `spec_text` (what follows `llm:`). Bad options and template
    /// files are usage errors; nothing is sent until the first article.
    pub fn open(name: &str, spec: &str, spec_text: &str, options: &LlmOptions) -> Result<LlmModel> {
        let config = LlmConfig::parse(spec_text).map_err(Error::Usage)?;
        if config.base_url.starts_with("https://") && !cfg!(feature = "https") {
            return Err(Error::Usage(format!(
                "model `{name}`: this attr-eval was built without TLS, so it cannot reach \
                 {}: rebuild with `cargo build --release --features https`",
                config.base_url
            )));
        }
        if options.workers == 0 {
            return Err(Error::Usage("--workers must be at least 1".into()));
        }
        let templates = match &config.template {
            Some(path) => Templates::load(path).map_err(|e| Error::Usage(e.to_string()))?,
            None => Templates::builtin(),
        };
        let config_hash = Sha256::new()
            .chain_update(ADAPTER_VERSION.as_bytes())
            .chain_update([0])
            .chain_update(config.asked().as_bytes())
            .chain_update([0])
            .chain_update(templates.sha256().as_bytes())
            .finalize();
        let config_hash = format!("sha256:{config_hash:x}");
        let model_key = Sha256::new()
            .chain_update(config.model.as_bytes())
            .chain_update([0])
            .chain_update(config.base_url.as_bytes())
            .chain_update([0])
            .chain_update(config_hash.as_bytes())
            .finalize();
        let model_key = format!("{model_key:x}");
        let cache = ReplyCache::open(&options.cache_dir, &model_key[..32], options.cache)
            .map_err(|e| Error::io(&options.cache_dir, e))?;
        let client = Client::new(ClientConfig {
            base_url: config.base_url.clone(),
            api_key: ClientConfig::api_key_from_env(),
            timeout: options.timeout,
            max_retries: config.retries,
            backoff: config.backoff,
            max_backoff: MAX_BACKOFF,
        });
        Ok(LlmModel {
            info: ModelInfo {
                spec: spec.to_string(),
                name: name.to_string(),
                version: config.model.clone(),
                config_hash,
            },
            config,
            templates,
            client,
            cache,
            workers: options.workers,
            counters: Mutex::new(Counters::default()),
        })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The reply cache's file.
    pub fn cache_path(&self) -> &std::path::Path {
        self.cache.path()
    }

    fn count(&self, update: impl FnOnce(&mut Counters)) {
        update(&mut self.counters.lock().unwrap_or_else(|p| p.into_inner()));
    }

    fn note_fingerprint(counters: &mut Counters, fingerprint: Option<&str>) {
        if let Some(fp) = fingerprint
            && !counters.fingerprints.iter().any(|f| f == fp)
        {
            counters.fingerprints.push(fp.to_string());
        }
    }

    /// The chat request of one chunk.
    fn body(&self, template: &Template, values: &[(&str, &str)]) -> Map<String, Value> {
        let mut body = Map::new();
        body.insert("model".into(), json!(self.config.model));
        body.insert(
            "messages".into(),
            json!([
                {"role": "system", "content": prompt::render(&template.system, values)},
                {"role": "user", "content": prompt::render(&template.user, values)},
            ]),
        );
        body.insert("temperature".into(), json!(self.config.temperature));
        if let Some(max_tokens) = self.config.max_tokens {
            body.insert("max_tokens".into(), json!(max_tokens));
        }
        if let Some(seed) = self.config.seed {
            body.insert("seed".into(), json!(seed));
        }
        body.insert("stream".into(), json!(false));
        body
    }

    fn response_format(&self, speakers: bool) -> Option<Value> {
        self.config.json_schema.then(|| response_format(speakers))
    }

    /// The cache key: the body as first sent, `response_format` included, so a run
    /// that had to drop it still finds the replies of one that did not.
    fn key(&self, body: &Map<String, Value>, speakers: bool) -> String {
        let mut sent = body.clone();
        if let Some(format) = self.response_format(speakers) {
            sent.insert("response_format".into(), format);
        }
        request_key(&self.config.base_url, &Value::Object(sent).to_string())
    }

    fn jobs(&self, articles: &[Article], requests: Option<&[SpeakersRequest]>) -> Vec<Job> {
        let mut jobs = Vec::new();
        for (index, article) in articles.iter().enumerate() {
            let mut chunks = chunk::chunks(
                &article.text,
                self.config.chunk_chars,
                self.config.overlap_chars,
            );
            let request = requests.and_then(|r| r.get(index));
            let per_chunk: Vec<Vec<usize>> = match request {
                Some(request) => chunk::assign(&mut chunks, &request.quotes),
                None => vec![Vec::new(); chunks.len()],
            };
            for (chunk, quotes) in chunks.into_iter().zip(per_chunk) {
                // A chunk with no quote to attribute needs no request.
                if request.is_some() && quotes.is_empty() {
                    continue;
                }
                let text = slice_chars(&article.text, chunk);
                let body = match request {
                    None => self.body(
                        &self.templates.extract,
                        &[("text", text), ("article_id", &article.id)],
                    ),
                    Some(request) => {
                        let given: Vec<_> = quotes.iter().map(|&i| &request.quotes[i]).collect();
                        self.body(
                            &self.templates.speakers,
                            &[
                                ("text", text),
                                ("article_id", &article.id),
                                ("quotes", &prompt::quotes_block(&given)),
                                ("cast", &prompt::cast_block(&request.cast)),
                            ],
                        )
                    }
                };
                let key = self.key(&body, request.is_some());
                jobs.push(Job {
                    article: index,
                    chunk,
                    quotes,
                    body,
                    key,
                });
            }
        }
        jobs
    }

    /// A reply's content from the cache or the server, with its latency; `None` when
    /// the server's answer was no chat completion (a parse failure).
    fn content(
        &self,
        job: &Job,
        speakers: bool,
    ) -> std::result::Result<Option<(String, f64)>, RequestError> {
        if let Some(hit) = self.cache.get(&job.key) {
            self.count(|c| {
                c.cached += 1;
                c.cached_latencies_ms.push(hit.latency_ms);
                Self::note_fingerprint(c, hit.system_fingerprint.as_deref());
            });
            return Ok(Some((hit.content.clone(), hit.latency_ms)));
        }
        let format = self.response_format(speakers);
        match self.client.complete(&job.body, format.as_ref()) {
            Ok(completion) => {
                self.count(|c| {
                    c.prompt_tokens += completion.prompt_tokens.unwrap_or(0);
                    c.completion_tokens += completion.completion_tokens.unwrap_or(0);
                    Self::note_fingerprint(c, completion.system_fingerprint.as_deref());
                });
                // A reply that cannot be stored is still used; the next run asks again.
                let _ = self.cache.put(&CachedReply {
                    key: job.key.clone(),
                    content: completion.content.clone(),
                    prompt_tokens: completion.prompt_tokens,
                    completion_tokens: completion.completion_tokens,
                    system_fingerprint: completion.system_fingerprint.clone(),
                    latency_ms: completion.latency_ms,
                });
                Ok(Some((completion.content, completion.latency_ms)))
            }
            Err(RequestError::Malformed(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn answer(
        &self,
        article: &Article,
        request: Option<&SpeakersRequest>,
        job: &Job,
    ) -> JobOutcome {
        let kind = |e: &RequestError| match e {
            RequestError::Timeout { .. } => ModelErrorKind::Timeout,
            RequestError::Interrupted => ModelErrorKind::Interrupted,
            _ => ModelErrorKind::Other,
        };
        let Some((content, latency_ms)) = self
            .content(job, request.is_some())
            .map_err(|e| (kind(&e), e.to_string()))?
        else {
            self.count(|c| c.parse_failures += 1);
            return Ok((Vec::new(), 0.0));
        };
        let parsed = match reply::parse_reply(&content) {
            Ok(parsed) => parsed,
            Err(_) => {
                self.count(|c| c.parse_failures += 1);
                return Ok((Vec::new(), latency_ms));
            }
        };
        let (rows, unplaced, dropped) = match request {
            None => place_extracted(article, job.chunk, &parsed.rows),
            Some(request) => {
                let (rows, dropped) = place_answers(article, request, &job.quotes, &parsed.rows);
                (rows, 0, dropped)
            }
        };
        self.count(|c| {
            c.unplaced_rows += unplaced;
            c.dropped_rows += dropped + parsed.skipped;
        });
        Ok((rows, latency_ms))
    }

    /// Runs every job of a chunk of articles on `workers` threads and gathers each
    /// article's answer.
    fn run(
        &self,
        articles: &[Article],
        requests: Option<&[SpeakersRequest]>,
    ) -> Vec<TimedPrediction> {
        let jobs = self.jobs(articles, requests);
        let next = AtomicUsize::new(0);
        // Once a request of an article failed for good, its other requests are not sent.
        let failed: Vec<AtomicBool> = articles.iter().map(|_| AtomicBool::new(false)).collect();
        let work = || {
            let mut done: Vec<(usize, JobOutcome)> = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(index) else { break };
                // Interrupted: no new request; what was answered is cached for --resume.
                if crate::signals::interrupted() {
                    break;
                }
                if failed[job.article].load(Ordering::Relaxed) {
                    continue;
                }
                let request = requests.and_then(|r| r.get(job.article));
                let outcome = self.answer(&articles[job.article], request, job);
                if outcome.is_err() {
                    failed[job.article].store(true, Ordering::Relaxed);
                }
                done.push((index, outcome));
            }
            done
        };
        let threads = self.workers.min(jobs.len()).max(1);
        let done: Vec<(usize, JobOutcome)> = if threads == 1 {
            work()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
                handles
                    .into_iter()
                    .flat_map(|handle| handle.join().unwrap_or_default())
                    .collect()
            })
        };
        let mut outcomes: Vec<Option<JobOutcome>> = (0..jobs.len()).map(|_| None).collect();
        for (index, outcome) in done {
            outcomes[index] = Some(outcome);
        }

        let mut answers: Vec<Gathered> = articles.iter().map(|_| Gathered::default()).collect();
        for (job, outcome) in jobs.iter().zip(outcomes) {
            let answer = &mut answers[job.article];
            match outcome {
                Some(Ok((rows, latency_ms))) => {
                    answer.rows.extend(rows);
                    answer.latency_ms += latency_ms;
                }
                Some(Err(failure)) => {
                    // A real failure outweighs an interruption seen by another request.
                    if answer
                        .failure
                        .as_ref()
                        .is_none_or(|(kind, _)| *kind == ModelErrorKind::Interrupted)
                    {
                        answer.failure = Some(failure);
                    }
                }
                // Skipped after another request of the article failed…
                None if failed[job.article].load(Ordering::Relaxed) => {}
                // …or never sent because the run was interrupted (or, were a worker
                // thread to panic, lost with it).
                None => {
                    answer
                        .failure
                        .get_or_insert(if crate::signals::interrupted() {
                            (
                                ModelErrorKind::Interrupted,
                                "not run: the run was interrupted".into(),
                            )
                        } else {
                            (
                                ModelErrorKind::Other,
                                "internal error: a request was not run".into(),
                            )
                        });
                }
            }
        }
        articles
            .iter()
            .zip(answers)
            .map(|(article, answer)| TimedPrediction {
                result: match answer.failure {
                    Some((kind, message)) => Err(ModelError::of_kind(
                        kind,
                        format!(
                            "article `{}`: `{}` at {}: {message}",
                            article.id,
                            self.config.model,
                            self.client.url()
                        ),
                    )),
                    None => Ok(chunk::merge(answer.rows)),
                },
                latency_ms: answer.latency_ms,
                cpu_s: None,
            })
            .collect()
    }
}

impl Model for LlmModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict(&self, article: &Article) -> std::result::Result<Vec<Attribution>, ModelError> {
        first_result(self.run(std::slice::from_ref(article), None))
    }

    fn predict_batch(&self, articles: &[Article]) -> Vec<TimedPrediction> {
        self.run(articles, None)
    }

    fn attribute(
        &self,
        article: &Article,
        request: &SpeakersRequest,
    ) -> std::result::Result<Vec<Attribution>, ModelError> {
        first_result(self.run(
            std::slice::from_ref(article),
            Some(std::slice::from_ref(request)),
        ))
    }

    fn attribute_batch(
        &self,
        articles: &[Article],
        requests: &[SpeakersRequest],
    ) -> Vec<TimedPrediction> {
        self.run(articles, Some(requests))
    }

    fn take_usage(&self) -> Option<ModelUsage> {
        let client = self.client.take_stats();
        let counters =
            std::mem::take(&mut *self.counters.lock().unwrap_or_else(|p| p.into_inner()));
        let mut latencies: Vec<f64> = client
            .latencies_ms
            .iter()
            .chain(&counters.cached_latencies_ms)
            .copied()
            .collect();
        latencies.sort_by(f64::total_cmp);
        Some(ModelUsage {
            requests: client.requests,
            cached: counters.cached,
            retries: client.retries,
            parse_failures: counters.parse_failures,
            unplaced_rows: counters.unplaced_rows,
            dropped_rows: counters.dropped_rows,
            prompt_tokens: counters.prompt_tokens,
            completion_tokens: counters.completion_tokens,
            request_latency_ms: Latency {
                p50: nearest_rank(&latencies, 0.5),
                p95: nearest_rank(&latencies, 0.95),
                max: latencies.last().copied().unwrap_or(0.0),
            },
            system_fingerprints: counters.fingerprints,
            response_format_dropped: client.response_format_dropped,
        })
    }
}

fn first_result(
    answers: Vec<TimedPrediction>,
) -> std::result::Result<Vec<Attribution>, ModelError> {
    TimedPrediction::single(answers)
}

fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

/// The code points `[chunk.start, chunk.end)` of `text`.
fn slice_chars(text: &str, chunk: Chunk) -> &str {
    let byte = |n: usize| text.char_indices().nth(n).map_or(text.len(), |(b, _)| b);
    let start = byte(chunk.start);
    let end = start + byte_len_of_chars(&text[start..], chunk.end - chunk.start);
    &text[start..end]
}

fn byte_len_of_chars(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(b, _)| b)
}

/// Quotation marks a model may copy around a quote: the text has the words inside.
const QUOTE_MARKS: &[char] = &['"', '\'', '“', '”', '‘', '’', '«', '»', '„', '‹', '›', '`'];

/// The `extract` task: each row placed in its chunk by its quote, as `cmd:` and
/// `file:` rows without offsets are ([`Article::locate`]: the first occurrence not taken
/// by an earlier row with the same quote), trying the quote without surrounding
/// quotation marks and spaces first (the words inside the marks, as schema 2 wants),
/// then as given. A quote that is not in the chunk (a model's paraphrase) is kept
/// without offsets, as `file:` keeps it, and scored by its words (docs/scoring.md#similarity).
/// Returns the rows, how many were kept without offsets and how many were dropped
/// (rows with no quote).
fn place_extracted(
    article: &Article,
    chunk: Chunk,
    rows: &[ReplyRow],
) -> (Vec<Attribution>, usize, usize) {
    let whole = chunk.start == 0 && chunk.end == article.char_len();
    let part;
    let scope = if whole {
        article
    } else {
        part = Article::new(article.id.clone(), slice_chars(&article.text, chunk));
        &part
    };
    let mut located: HashSet<Span> = HashSet::new();
    let mut placed = Vec::new();
    let (mut unplaced, mut dropped) = (0, 0);
    for row in rows {
        let Some(quote) = &row.quote else {
            dropped += 1;
            continue;
        };
        let trimmed = quote.trim_matches(|c: char| c.is_whitespace() || QUOTE_MARKS.contains(&c));
        if trimmed.is_empty() {
            dropped += 1;
            continue;
        }
        let span = [trimmed, quote.as_str()]
            .into_iter()
            .find_map(|q| scope.locate(q, &mut located))
            .map(|span| Span::new(span.start + chunk.start, span.end + chunk.start));
        let text = match span.and_then(|span| article.slice(span)) {
            Some(text) => text.to_string(),
            None => {
                unplaced += 1;
                trimmed.to_string()
            }
        };
        placed.push(Attribution {
            article_id: article.id.clone(),
            quote: text,
            speaker: row.speaker.clone(),
            quote_span: span.filter(|s| article.slice(*s).is_some()),
            quote_type: row.quote_type,
            cue: row.cue.clone(),
            speaker_mention: row.speaker_mention.clone(),
            ..Attribution::default()
        });
    }
    (placed, unplaced, dropped)
}

/// The `speakers` task: each row answers the given quote (of this request) its
/// `quote_id` names, else the first not yet answered one whose text equals its quote,
/// and takes that quote's span. Returns the answers and how many rows answered none.
fn place_answers(
    article: &Article,
    request: &SpeakersRequest,
    asked: &[usize],
    rows: &[ReplyRow],
) -> (Vec<Attribution>, usize) {
    let normal = |q: &str| {
        q.trim_matches(|c: char| c.is_whitespace() || QUOTE_MARKS.contains(&c))
            .to_string()
    };
    let mut answered: HashSet<usize> = HashSet::new();
    let mut placed = Vec::new();
    let mut dropped = 0;
    for row in rows {
        let by_id = row.quote_id.as_deref().and_then(|id| {
            asked
                .iter()
                .copied()
                .find(|&i| request.quotes[i].quote_id == id)
        });
        let target = by_id.or_else(|| {
            let quote = normal(row.quote.as_deref()?);
            asked
                .iter()
                .copied()
                .find(|&i| !answered.contains(&i) && normal(&request.quotes[i].quote) == quote)
        });
        let Some(target) = target else {
            dropped += 1;
            continue;
        };
        answered.insert(target);
        let given = &request.quotes[target];
        let span = given.span();
        placed.push(Attribution {
            article_id: article.id.clone(),
            quote: article.slice(span).unwrap_or(&given.quote).to_string(),
            speaker: row.speaker.clone(),
            quote_span: Some(span),
            cue: row.cue.clone(),
            speaker_mention: row.speaker_mention.clone(),
            ..Attribution::default()
        });
    }
    (placed, dropped)
}

/// `response_format` asking for the reply's shape (json_schema, as OpenAI, vLLM and
/// llama.cpp's server accept it); not strict, since strict mode requires every field.
fn response_format(speakers: bool) -> Value {
    let text = json!({"type": "string"});
    let required = if speakers {
        json!(["quote_id", "speaker"])
    } else {
        json!(["quote", "speaker"])
    };
    json!({
        "type": "json_schema",
        "json_schema": {
            "name": "attributions",
            "schema": {
                "type": "object",
                "properties": {
                    "attributions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "quote_id": text,
                                "quote": text,
                                "speaker": text,
                                "cue": text,
                                "speaker_mention": text,
                            },
                            "required": required,
                        },
                    },
                },
                "required": ["attributions"],
            },
        },
    })
}

#[cfg(test)]
mod tests;
