//! The replies of one `llm:` model, kept per request so that `--resume` after an
//! interruption sends no request twice: an article of ten chunks interrupted after
//! seven resumes with three requests, not ten.
//!
//! One append-only JSONL file per model configuration,
//! `.cache/attr-eval/llm/<model key>.jsonl`, where the model key hashes the model id,
//! the base URL and the config hash (templates and parameters). Each line is one reply,
//! keyed by the sha256 of the base URL and the exact request body as first sent (its
//! messages hold the rendered template and the text), written and flushed as the reply
//! arrives. The raw reply text is kept, not rows: a fix to reply parsing applies to
//! cached replies too. No secret is in a body, so none reaches the file.
//!
//! The modes are the prediction cache's (`--resume` reads, `--no-cache` neither reads
//! nor writes, the default writes only). A line that cannot be read (the torn last line
//! of a killed run) is skipped and counted.

use crate::model::cache::CacheMode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One cached reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedReply {
    pub key: String,
    /// The reply message's content, as the server sent it.
    pub content: String,
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    #[serde(default)]
    pub system_fingerprint: Option<String>,
    /// The request's latency when it was answered, reported again on a hit.
    #[serde(default)]
    pub latency_ms: f64,
}

pub struct ReplyCache {
    path: PathBuf,
    mode: CacheMode,
    entries: HashMap<String, CachedReply>,
    file: Option<Mutex<std::fs::File>>,
    /// Lines skipped on reading.
    pub unreadable: usize,
}

impl ReplyCache {
    /// The cache file of a model under `dir`; with [`CacheMode::Off`] nothing is opened.
    pub fn open(dir: &Path, model_key: &str, mode: CacheMode) -> std::io::Result<ReplyCache> {
        let path = dir.join(format!("{model_key}.jsonl"));
        let mut cache = ReplyCache {
            path: path.clone(),
            mode,
            entries: HashMap::new(),
            file: None,
            unreadable: 0,
        };
        if mode == CacheMode::Off {
            return Ok(cache);
        }
        std::fs::create_dir_all(dir)?;
        if mode == CacheMode::Resume
            && let Ok(file) = std::fs::File::open(&path)
        {
            for line in BufReader::new(file).split(b'\n') {
                let line = line?;
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match serde_json::from_slice::<CachedReply>(&line) {
                    Ok(entry) => {
                        cache.entries.insert(entry.key.clone(), entry);
                    }
                    Err(_) => cache.unreadable += 1,
                }
            }
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)?;
        // A run killed mid-line leaves a torn line; the next one must start on its own.
        if file.seek(SeekFrom::End(0))? > 0 {
            file.seek(SeekFrom::End(-1))?;
            let mut last = [0u8];
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
            }
        }
        cache.file = Some(Mutex::new(file));
        Ok(cache)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, key: &str) -> Option<&CachedReply> {
        if self.mode != CacheMode::Resume {
            return None;
        }
        self.entries.get(key)
    }

    /// Appends one reply as a single write of a whole line, then flushes, so an
    /// interruption loses at most the reply being written.
    pub fn put(&self, reply: &CachedReply) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut line = serde_json::to_vec(reply).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)?;
        file.flush()
    }
}

/// The key of one request: its base URL and exact body.
pub fn request_key(base_url: &str, body: &str) -> String {
    let digest = Sha256::new()
        .chain_update(base_url.as_bytes())
        .chain_update([0])
        .chain_update(body.as_bytes())
        .finalize();
    format!("{digest:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(key: &str, content: &str) -> CachedReply {
        CachedReply {
            key: key.into(),
            content: content.into(),
            prompt_tokens: Some(3),
            completion_tokens: None,
            system_fingerprint: None,
            latency_ms: 1.5,
        }
    }

    #[test]
    fn resume_reads_what_was_written_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let first = ReplyCache::open(dir.path(), "m", CacheMode::Write).unwrap();
        first.put(&reply("a", "{\"attributions\": []}")).unwrap();
        assert_eq!(first.get("a"), None, "a default run does not read");
        drop(first);
        // A torn line, as a kill mid-write leaves.
        let path = dir.path().join("m.jsonl");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"{\"key\": \"b\", \"cont").unwrap();
        drop(file);

        let second = ReplyCache::open(dir.path(), "m", CacheMode::Resume).unwrap();
        assert_eq!(second.get("a").unwrap().content, "{\"attributions\": []}");
        assert_eq!(second.unreadable, 1);
        second.put(&reply("c", "x")).unwrap();
        drop(second);
        let third = ReplyCache::open(dir.path(), "m", CacheMode::Resume).unwrap();
        assert_eq!(third.get("c").unwrap().content, "x");
        assert_eq!(third.unreadable, 1);

        let off = ReplyCache::open(&dir.path().join("off"), "m", CacheMode::Off).unwrap();
        off.put(&reply("d", "x")).unwrap();
        assert!(!dir.path().join("off").exists());
    }

    #[test]
    fn keys_depend_on_url_and_body() {
        assert_ne!(request_key("http://a", "{}"), request_key("http://b", "{}"));
        assert_ne!(
            request_key("http://a", "{}"),
            request_key("http://a", "{ }")
        );
        assert_eq!(request_key("http://a", "{}").len(), 64);
    }
}
