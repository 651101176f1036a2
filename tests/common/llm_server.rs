//! A tiny OpenAI-compatible server on 127.0.0.1 for the `llm:` tests: HTTP/1.1 over
//! `std::net`, one thread per connection, `Connection: close`. It answers
//! `POST /v1/chat/completions` with what an oracle closure makes of the request, and
//! can misbehave on purpose (see [`Mode`]). It counts requests and the most in flight
//! at once, and keeps every Authorization header it saw.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Makes a reply's content from the request body.
pub type Oracle = Arc<dyn Fn(&Value) -> String + Send + Sync>;

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Answer every request with the oracle.
    Oracle,
    /// The first `times` attempts of each distinct request get a 500.
    Fail500 { times: usize },
    /// The first `times` attempts of each distinct request get a 429 with
    /// `Retry-After: retry_after` seconds.
    RateLimit { times: usize, retry_after: u64 },
    /// The first `times` attempts of each distinct request: the connection is closed
    /// without an answer.
    HangUp { times: usize },
    /// Every request gets a 500, for good.
    AlwaysFail,
    /// Requests whose user message contains this text get a 500, for good; the others
    /// are answered.
    FailWhen(String),
    /// 200 with content that is not JSON.
    Garbage,
    /// Sleep this long before answering.
    Slow(Duration),
    /// 400 to any request carrying `response_format`.
    NoResponseFormat,
    /// 400 to every request (a prompt longer than the context, say).
    Always400,
    /// 401 whose body echoes the Authorization header, as a careless proxy might.
    EchoAuth401,
}

#[derive(Default)]
pub struct Seen {
    pub requests: AtomicUsize,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub authorization: Mutex<Vec<String>>,
    pub bodies: Mutex<Vec<Value>>,
    attempts: Mutex<HashMap<String, usize>>,
}

pub struct LlmServer {
    pub addr: SocketAddr,
    pub seen: Arc<Seen>,
    mode: Arc<Mutex<Mode>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl LlmServer {
    pub fn start(mode: Mode, oracle: Oracle) -> LlmServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Seen::default());
        let mode = Arc::new(Mutex::new(mode));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (seen, mode, stop) = (seen.clone(), mode.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let (seen, mode, oracle) = (seen.clone(), mode.clone(), oracle.clone());
                    std::thread::spawn(move || serve(stream, &seen, &mode, &oracle));
                }
            })
        };
        LlmServer {
            addr,
            seen,
            mode,
            stop,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT/v1`
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn requests(&self) -> usize {
        self.seen.requests.load(Ordering::SeqCst)
    }

    pub fn max_in_flight(&self) -> usize {
        self.seen.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for LlmServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// The user message of a chat request.
pub fn user_message(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|messages| messages.iter().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// The text between `<text>` and `</text>` in the shipped templates.
pub fn text_of(body: &Value) -> String {
    let user = user_message(body);
    let start = user.find("<text>\n").map(|i| i + "<text>\n".len());
    let end = user.rfind("\n</text>");
    match (start, end) {
        (Some(start), Some(end)) if start <= end => user[start..end].to_string(),
        _ => String::new(),
    }
}

/// The quote ids listed in a speakers request (`{"quote_id": ...}` lines).
pub fn quote_ids_of(body: &Value) -> Vec<String> {
    user_message(body)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|v| v["quote_id"].as_str().map(str::to_string))
        .collect()
}

fn serve(stream: TcpStream, seen: &Seen, mode: &Mutex<Mode>, oracle: &Oracle) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut length = 0usize;
    let mut authorization = None;
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return; // the wake-up connection of Drop, or a client that gave up
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "authorization" => authorization = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.max_in_flight.fetch_max(now, Ordering::SeqCst);
    seen.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(auth) = &authorization {
        seen.authorization.lock().unwrap().push(auth.clone());
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    seen.bodies.lock().unwrap().push(body.clone());
    // Attempts are counted per request without `response_format`, so a retry without
    // it is the same request.
    let key = {
        let mut key = body.clone();
        if let Some(object) = key.as_object_mut() {
            object.remove("response_format");
        }
        key.to_string()
    };
    let attempt = {
        let mut attempts = seen.attempts.lock().unwrap();
        let n = attempts.entry(key).or_insert(0);
        *n += 1;
        *n
    };
    let mode = mode.lock().unwrap().clone();
    if let Mode::HangUp { times } = mode
        && attempt <= times
    {
        seen.in_flight.fetch_sub(1, Ordering::SeqCst);
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    let ok = |content: String| {
        let answer = json!({
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": body["model"],
            "system_fingerprint": "fp_oracle_1",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        });
        (200, answer.to_string(), None)
    };
    let error = |status: u16, message: &str| {
        (
            status,
            json!({"error": {"message": message}}).to_string(),
            None,
        )
    };
    let (status, answer, retry_after): (u16, String, Option<u64>) = match mode {
        Mode::Oracle => ok(oracle(&body)),
        Mode::Fail500 { times } if attempt <= times => error(500, "internal error"),
        Mode::Fail500 { .. } => ok(oracle(&body)),
        Mode::RateLimit { times, retry_after } if attempt <= times => (
            429,
            json!({"error": {"message": "slow down"}}).to_string(),
            Some(retry_after),
        ),
        Mode::RateLimit { .. } => ok(oracle(&body)),
        Mode::HangUp { .. } => ok(oracle(&body)),
        Mode::AlwaysFail => error(500, "down for good"),
        Mode::FailWhen(text) if user_message(&body).contains(&text) => {
            error(500, "this one always fails")
        }
        Mode::FailWhen(_) => ok(oracle(&body)),
        Mode::Garbage => ok("Sure! Here are the quotes: <b>none</b> {oops".into()),
        Mode::Slow(delay) => {
            std::thread::sleep(delay);
            ok(oracle(&body))
        }
        Mode::NoResponseFormat if body.get("response_format").is_some() => {
            error(400, "unknown field: response_format")
        }
        Mode::NoResponseFormat => ok(oracle(&body)),
        Mode::Always400 => error(400, "this model's maximum context length is 8 tokens"),
        Mode::EchoAuth401 => error(
            401,
            &format!(
                "invalid key; you sent Authorization: {}",
                authorization.unwrap_or_default()
            ),
        ),
    };
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.len()
    );
    if let Some(seconds) = retry_after {
        head.push_str(&format!("Retry-After: {seconds}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(answer.as_bytes());
    let _ = stream.flush();
    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
}
