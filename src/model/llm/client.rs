//! The HTTP side of `llm:` models: one POST to `{base_url}/chat/completions` per
//! request, with bounded retries.
//!
//! - **Retried**: 408, 409, 429 and 5xx answers and transport failures (refused or reset
//!   connections, timeouts, a garbled HTTP answer), at most `max_retries` times per
//!   request, after an exponential backoff with jitter (so that workers do not retry in
//!   step), or after the server's `Retry-After` seconds when it sends them (capped).
//! - **Not retried**: other 4xx answers (a bad key, an unknown model): sending the same
//!   request again would get the same answer. One exception: a 400 to a request asking
//!   for JSON through `response_format` is retried once without it; when that succeeds
//!   the client remembers and sends the field no more, since many servers do not know
//!   it (a 400 that persists without it is some other problem, and is not remembered).
//! - **Secrets**: the API key goes only into the Authorization header. It is in no
//!   error message (a server's error body is searched for it and it is masked), and the
//!   client has no `Debug` that would print it.

use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Environment variables read for the API key, in this order.
pub const API_KEY_VARS: [&str; 2] = ["ATTR_EVAL_API_KEY", "OPENAI_API_KEY"];

/// Longest wait a `Retry-After` can impose: a server asking for an hour should fail the
/// article, not stall the run.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How much of a server's error body an error message quotes.
const BODY_SNIPPET: usize = 300;

#[derive(Clone)]
pub struct ClientConfig {
    /// `http://host:port/v1`: the path `/chat/completions` is appended.
    pub base_url: String,
    pub api_key: Option<String>,
    /// For one HTTP request, connection to last byte.
    pub timeout: Duration,
    pub max_retries: usize,
    /// The first backoff; each retry doubles it, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl ClientConfig {
    /// The key from the environment ([`API_KEY_VARS`]); an empty variable is no key.
    pub fn api_key_from_env() -> Option<String> {
        API_KEY_VARS
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .map(|key| key.trim().to_string())
            .find(|key| !key.is_empty())
    }
}

/// A failure that persisted after the retries, or that retrying cannot fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error("the server answered HTTP {status} after {attempts} attempt(s): {body}")]
    Status {
        status: u16,
        attempts: usize,
        body: String,
    },
    #[error("the request failed after {attempts} attempt(s): {message}")]
    Transport { attempts: usize, message: String },
    #[error("no answer within {timeout_s} s (--timeout), {attempts} attempt(s)")]
    Timeout { attempts: usize, timeout_s: f64 },
    /// SIGINT or SIGTERM while the request waited for a retry.
    #[error("the run was interrupted")]
    Interrupted,
    /// HTTP 200 with a body that is not a chat completion: counted as an unparseable
    /// reply, like a completion whose content is not the JSON asked for.
    #[error("the server's answer is not a chat completion: {0}")]
    Malformed(String),
}

/// One chat completion, as far as the harness uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub content: String,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub system_fingerprint: Option<String>,
    pub latency_ms: f64,
}

/// What the client did, for the run record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientStats {
    /// HTTP requests sent, retries included.
    pub requests: usize,
    pub retries: usize,
    /// Latency of each request that got a completion.
    pub latencies_ms: Vec<f64>,
    /// Whether requests go without `response_format` since the server refused it.
    pub response_format_dropped: bool,
}

pub struct Client {
    agent: ureq::Agent,
    url: String,
    config: ClientConfig,
    /// Set once the server refused `response_format`: later requests go without it.
    no_response_format: AtomicBool,
    stats: Mutex<ClientStats>,
}

/// One attempt's failure, before deciding whether to retry.
enum Attempt {
    Status {
        status: u16,
        body: String,
        retry_after: Option<Duration>,
    },
    Transport {
        message: String,
        retryable: bool,
        timed_out: bool,
    },
}

impl Client {
    pub fn new(config: ClientConfig) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout(config.timeout)
            // The answer of a 4xx or 5xx is read as a body, not followed anywhere.
            .redirects(0)
            .build();
        let url = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        Client {
            agent,
            url,
            config,
            no_response_format: AtomicBool::new(false),
            stats: Mutex::new(ClientStats::default()),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the client did since the previous call; `response_format_dropped` says
    /// whether requests now go without it.
    pub fn take_stats(&self) -> ClientStats {
        let mut stats = std::mem::take(&mut *self.stats.lock().unwrap_or_else(|p| p.into_inner()));
        stats.response_format_dropped = self.no_response_format.load(Ordering::Relaxed);
        stats
    }

    fn count(&self, update: impl FnOnce(&mut ClientStats)) {
        update(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Sends `body` (a JSON object), adding `response_format` unless the server refused
    /// it before, and returns the first choice's message.
    pub fn complete(
        &self,
        body: &serde_json::Map<String, Value>,
        response_format: Option<&Value>,
    ) -> Result<Completion, RequestError> {
        let mut attempts = 0;
        let mut retries = 0;
        // This request's 400 to `response_format`: the next attempt goes without it.
        let mut refused = false;
        loop {
            let with_format = response_format
                .filter(|_| !refused && !self.no_response_format.load(Ordering::Relaxed));
            let mut sent = body.clone();
            if let Some(format) = with_format {
                sent.insert("response_format".into(), format.clone());
            }
            let text = Value::Object(sent).to_string();
            attempts += 1;
            self.count(|s| s.requests += 1);
            let started = Instant::now();
            let failure = match self.send(&text) {
                Ok(answer) => {
                    let latency_ms = started.elapsed().as_secs_f64() * 1e3;
                    let completion = parse_completion(&answer, latency_ms)
                        .map_err(|e| RequestError::Malformed(self.mask(&e)))?;
                    if refused {
                        // Remembered only now: a 400 for another reason (a prompt too
                        // long) must not cost the later requests their schema.
                        self.no_response_format.store(true, Ordering::Relaxed);
                    }
                    self.count(|s| s.latencies_ms.push(latency_ms));
                    return Ok(completion);
                }
                Err(failure) => failure,
            };
            match failure {
                Attempt::Status { status: 400, .. } if with_format.is_some() => {
                    // Not counted against the retries: the request changed.
                    refused = true;
                    self.count(|s| s.retries += 1);
                }
                Attempt::Status {
                    status,
                    body,
                    retry_after,
                } => {
                    let transient = matches!(status, 408 | 409 | 429) || status >= 500;
                    if !transient || retries >= self.config.max_retries {
                        return Err(RequestError::Status {
                            status,
                            attempts,
                            body: self.mask(&body),
                        });
                    }
                    retries += 1;
                    self.count(|s| s.retries += 1);
                    pause(retry_after.unwrap_or_else(|| self.backoff(retries)))?;
                }
                Attempt::Transport {
                    message,
                    retryable,
                    timed_out,
                } => {
                    if !retryable || retries >= self.config.max_retries {
                        return Err(if timed_out {
                            RequestError::Timeout {
                                attempts,
                                timeout_s: self.config.timeout.as_secs_f64(),
                            }
                        } else {
                            RequestError::Transport {
                                attempts,
                                message: self.mask(&message),
                            }
                        });
                    }
                    retries += 1;
                    self.count(|s| s.retries += 1);
                    pause(self.backoff(retries))?;
                }
            }
        }
    }

    fn send(&self, body: &str) -> Result<String, Attempt> {
        let mut request = self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/json")
            .set("Accept", "application/json");
        if let Some(key) = &self.config.api_key {
            request = request.set("Authorization", &format!("Bearer {key}"));
        }
        match request.send_string(body) {
            Ok(response) => response.into_string().map_err(|e| Attempt::Transport {
                timed_out: is_timeout(&e),
                message: format!("reading the answer failed: {e}"),
                retryable: true,
            }),
            Err(ureq::Error::Status(status, response)) => {
                let retry_after = response.header("retry-after").and_then(parse_retry_after);
                let body = response.into_string().unwrap_or_default();
                Err(Attempt::Status {
                    status,
                    body: snippet(&body),
                    retry_after,
                })
            }
            Err(ureq::Error::Transport(transport)) => {
                use ureq::ErrorKind::*;
                let retryable = !matches!(
                    transport.kind(),
                    InvalidUrl
                        | UnknownScheme
                        | InsecureRequestHttpsOnly
                        | InvalidProxyUrl
                        | ProxyUnauthorized
                        | TooManyRedirects
                );
                let timed_out = std::error::Error::source(&transport)
                    .and_then(|source| source.downcast_ref::<std::io::Error>())
                    .is_some_and(is_timeout);
                Err(Attempt::Transport {
                    message: transport.to_string(),
                    retryable,
                    timed_out,
                })
            }
        }
    }

    /// `backoff · 2^(retry-1)`, capped, times a jitter in [0.75, 1.25).
    fn backoff(&self, retry: usize) -> Duration {
        let factor = 2f64.powi(retry.saturating_sub(1).min(30) as i32);
        let base =
            (self.config.backoff.as_secs_f64() * factor).min(self.config.max_backoff.as_secs_f64());
        let jitter = 0.75 + rand::random::<f64>() * 0.5;
        Duration::from_secs_f64(base * jitter)
    }

    /// A server may echo request headers in an error body; the key never leaves.
    fn mask(&self, text: &str) -> String {
        match &self.config.api_key {
            Some(key) if !key.is_empty() => text.replace(key.as_str(), "***"),
            _ => text.to_string(),
        }
    }
}

fn is_timeout(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

/// Waits before a retry in short steps, so that SIGINT or SIGTERM is not kept waiting
/// for a long `Retry-After`.
fn pause(wait: Duration) -> Result<(), RequestError> {
    const STEP: Duration = Duration::from_millis(100);
    let until = Instant::now() + wait;
    loop {
        if crate::signals::interrupted() {
            return Err(RequestError::Interrupted);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(STEP));
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare from APIs and falls back to the
/// backoff), capped.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    // Capped before the conversion, which panics on a value past u64 seconds.
    (seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::from_secs_f64(seconds.min(MAX_RETRY_AFTER.as_secs_f64())))
}

/// The first choice's content, the token counts and the fingerprint. A null content
/// (a refusal, a tool call) is an empty reply, which parses as no answer.
fn parse_completion(answer: &str, latency_ms: f64) -> Result<Completion, String> {
    let value: Value = serde_json::from_str(answer)
        .map_err(|e| format!("it is not JSON ({e}): `{}`", snippet(answer)))?;
    let message = value
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|choices| choices.first())
        .and_then(|choice| choice.get("message"))
        .ok_or_else(|| format!("it has no choices[0].message: `{}`", snippet(answer)))?;
    let content = match message.get("content") {
        Some(Value::String(content)) => content.clone(),
        // Some servers put the content in parts.
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    };
    let usage = value.get("usage");
    let tokens = |key: &str| usage.and_then(|u| u.get(key)).and_then(Value::as_u64);
    Ok(Completion {
        content,
        prompt_tokens: tokens("prompt_tokens"),
        completion_tokens: tokens("completion_tokens"),
        system_fingerprint: value
            .get("system_fingerprint")
            .and_then(Value::as_str)
            .map(str::to_string),
        latency_ms,
    })
}

fn snippet(text: &str) -> String {
    crate::model::snippet(text, BODY_SNIPPET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_capped() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("86400"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("1e30"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("inf"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn completions_are_read_with_usage_and_fingerprint() {
        let answer = r#"{"choices": [{"message": {"role": "assistant", "content": "{}"}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2}, "system_fingerprint": "fp_1"}"#;
        let completion = parse_completion(answer, 3.0).unwrap();
        assert_eq!(completion.content, "{}");
        assert_eq!(completion.prompt_tokens, Some(10));
        assert_eq!(completion.system_fingerprint.as_deref(), Some("fp_1"));
        let null = r#"{"choices": [{"message": {"content": null}}]}"#;
        assert_eq!(parse_completion(null, 0.0).unwrap().content, "");
        assert!(parse_completion("<html>", 0.0).is_err());
        assert!(parse_completion("{\"choices\": []}", 0.0).is_err());
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let client = Client::new(ClientConfig {
            base_url: "http://127.0.0.1:1/v1/".into(),
            api_key: Some("sk-secret".into()),
            timeout: Duration::from_secs(1),
            max_retries: 3,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
        });
        assert_eq!(client.url(), "http://127.0.0.1:1/v1/chat/completions");
        let first = client.backoff(1).as_secs_f64();
        assert!((0.075..0.125).contains(&first), "{first}");
        let capped = client.backoff(10).as_secs_f64();
        assert!((0.225..0.375).contains(&capped), "{capped}");
        assert_eq!(client.mask("echo: Bearer sk-secret"), "echo: Bearer ***");
    }
}
