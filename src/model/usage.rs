//! What a model that calls a service spent on one dataset: requests, retries, tokens.
//! Models report it through [`super::Model::take_usage`]; the run record keeps it as
//! `results[i].throughput.usage`.

use crate::record::Latency;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelUsage {
    /// HTTP requests sent, retries included; cached replies are not requests.
    pub requests: usize,
    /// Requests answered from the cache (`--resume`) instead of being sent.
    pub cached: usize,
    pub retries: usize,
    /// Replies that held no readable answer: their chunk counts as answering nothing.
    pub parse_failures: usize,
    /// Rows whose quote is not in the text (a paraphrase): kept without offsets and
    /// scored by their words.
    pub unplaced_rows: usize,
    /// Rows of readable replies that were dropped: no quote, or (speakers task) one
    /// that answers no given quote.
    pub dropped_rows: usize,
    /// Tokens as the server counted them (replies without counts add nothing).
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Latency of the requests that got a reply (cached ones at their original latency).
    pub request_latency_ms: Latency,
    /// The servers' `system_fingerprint`s, each once, in the order first seen: a change
    /// within a run means the backend changed under it.
    pub system_fingerprints: Vec<String>,
    /// The server refused `response_format` and requests went on without it.
    pub response_format_dropped: bool,
}
