//! A prediction cache, so that an interrupted run of a slow model resumes instead of
//! starting again.
//!
//! An entry is keyed by the model's spec, version and config hash and by the sha256 of
//! the article's text: the same text gets the same answer, whatever its id, and a new
//! version of the model (an edited adapter script, see `command`) misses. The model's
//! name is not part of the key, so renaming a model (`NAME=SPEC`) keeps its cache.
//!
//! Layout: `DIR/<model key>/<text sha256>.json`, one small file per answered article,
//! plus `DIR/<model key>/model.json` saying which model the folder belongs to. An entry
//! is written to a temporary file and renamed into place, so a crash mid-write leaves no
//! half entry; an entry that cannot be read or does not fit its article anyway (a
//! foreign or damaged file) is counted as `ignored` and treated as a miss.
//!
//! Only successful answers are cached: an error is retried on the next run.
//!
//! Modes ([`CacheMode::from_flags`]):
//!
//! | flags         | reads the cache | writes the cache |
//! |---------------|-----------------|------------------|
//! | (none)        | no              | yes              |
//! | `--resume`    | yes             | yes              |
//! | `--no-cache`  | no              | no               |
//!
//! By default a run predicts everything afresh (a model's result never silently comes
//! from an older run) but leaves the answers behind, so that if it is interrupted,
//! the same command with `--resume` picks up where it stopped.

use super::{Batch, Model, ModelError, ModelInfo, OnAnswer, SpeakersRequest, TimedPrediction};
use crate::attribution::Attribution;
use crate::dataset::Article;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMode {
    /// The default: predict everything, record the answers for a later `--resume`.
    Write,
    /// `--resume`: take cached answers, predict and record the rest.
    Resume,
    /// `--no-cache`: neither read nor write.
    Off,
}

impl CacheMode {
    /// `--resume` and `--no-cache` exclude each other on the command line; given both
    /// anyway, bypassing the cache wins, as the one that cannot serve stale answers.
    pub fn from_flags(resume: bool, no_cache: bool) -> CacheMode {
        match (resume, no_cache) {
            (_, true) => CacheMode::Off,
            (true, false) => CacheMode::Resume,
            (false, false) => CacheMode::Write,
        }
    }

    fn reads(self) -> bool {
        self == CacheMode::Resume
    }

    fn writes(self) -> bool {
        self != CacheMode::Off
    }
}

/// What one model's cache did during a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    pub hits: usize,
    /// Articles looked up and not found (only counted when the cache is read).
    pub misses: usize,
    pub written: usize,
    /// Entries present but unreadable or not fitting their article: treated as misses.
    pub ignored: usize,
    /// Answers that could not be stored (a full disk): the run goes on without them.
    pub write_failures: usize,
}

/// The on-disk entry. The key fields are repeated inside so that a file copied into the
/// wrong folder is refused rather than served.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    spec: String,
    version: String,
    config_hash: String,
    text_sha256: String,
    /// The model's latency when it answered, reported again on a hit so that latency
    /// percentiles describe the model, not the cache.
    latency_ms: f64,
    attributions: Vec<Attribution>,
}

/// What the cache holds for one article.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The rows (with the article's current id) and the model's latency back then.
    Hit {
        rows: Vec<Attribution>,
        latency_ms: f64,
    },
    Miss,
    /// An entry is there but cannot be read or does not fit the article.
    Unusable,
}

/// One model's folder in the cache.
pub struct PredictionCache {
    folder: PathBuf,
    info: ModelInfo,
}

impl PredictionCache {
    pub const DEFAULT_DIR: &'static str = ".cache/attr-eval/predictions";

    /// Opens (creating it) the folder of `info`'s model under `dir`.
    pub fn open(dir: &Path, info: &ModelInfo) -> Result<PredictionCache> {
        let key = Sha256::new()
            .chain_update(info.spec.as_bytes())
            .chain_update([0])
            .chain_update(info.version.as_bytes())
            .chain_update([0])
            .chain_update(info.config_hash.as_bytes())
            .finalize();
        let folder = dir.join(&format!("{key:x}")[..32]);
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
        let description = folder.join("model.json");
        if !description.exists() {
            let text = serde_json::json!({
                "spec": info.spec,
                "version": info.version,
                "config_hash": info.config_hash,
            })
            .to_string();
            write_atomically(&folder, &description, text.as_bytes())
                .map_err(|e| Error::io(&description, e))?;
        }
        Ok(PredictionCache {
            folder,
            info: info.clone(),
        })
    }

    /// The folder of this model's entries.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    pub fn entry_path(&self, article: &Article) -> PathBuf {
        self.entry_path_for(article, None)
    }

    /// The entry of one article, in the speakers task also keyed by what was asked
    /// (its quotes and cast): the same text with other quotes is another question.
    pub fn entry_path_for(&self, article: &Article, request: Option<&SpeakersRequest>) -> PathBuf {
        self.folder
            .join(format!("{}.json", input_sha256(article, request)))
    }

    pub fn get(&self, article: &Article) -> Lookup {
        self.get_for(article, None)
    }

    pub fn get_for(&self, article: &Article, request: Option<&SpeakersRequest>) -> Lookup {
        let path = self.entry_path_for(article, request);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Miss,
            Err(_) => return Lookup::Unusable,
        };
        let Ok(entry) = serde_json::from_slice::<Entry>(&bytes) else {
            return Lookup::Unusable;
        };
        let fits = entry.spec == self.info.spec
            && entry.version == self.info.version
            && entry.config_hash == self.info.config_hash
            && entry.text_sha256 == text_sha256(article)
            && entry.attributions.iter().all(|row| match row.quote_span {
                Some(span) => article.slice(span) == Some(row.quote.as_str()),
                // Only an answer in the speakers task may leave its span to scoring.
                None => request.is_some(),
            });
        if !fits {
            return Lookup::Unusable;
        }
        let rows = entry
            .attributions
            .into_iter()
            .map(|row| Attribution {
                article_id: article.id.clone(),
                ..row
            })
            .collect();
        Lookup::Hit {
            rows,
            latency_ms: entry.latency_ms,
        }
    }

    pub fn put(
        &self,
        article: &Article,
        rows: &[Attribution],
        latency_ms: f64,
    ) -> std::io::Result<()> {
        self.put_for(article, None, rows, latency_ms)
    }

    pub fn put_for(
        &self,
        article: &Article,
        request: Option<&SpeakersRequest>,
        rows: &[Attribution],
        latency_ms: f64,
    ) -> std::io::Result<()> {
        let entry = Entry {
            spec: self.info.spec.clone(),
            version: self.info.version.clone(),
            config_hash: self.info.config_hash.clone(),
            text_sha256: text_sha256(article),
            latency_ms,
            attributions: rows.to_vec(),
        };
        let bytes = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        write_atomically(&self.folder, &self.entry_path_for(article, request), &bytes)
    }
}

fn text_sha256(article: &Article) -> String {
    format!("{:x}", Sha256::digest(article.text.as_bytes()))
}

fn input_sha256(article: &Article, request: Option<&SpeakersRequest>) -> String {
    match request {
        None => text_sha256(article),
        Some(request) => {
            let asked = serde_json::to_vec(request).unwrap_or_default();
            let digest = Sha256::new()
                .chain_update(article.text.as_bytes())
                .chain_update([0])
                .chain_update(&asked)
                .finalize();
            format!("speakers-{digest:x}")
        }
    }
}

/// Temporary file in the same folder, then a rename: readers see the old entry or the
/// whole new one, never a part.
fn write_atomically(folder: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A model behind the prediction cache.
pub struct CachedModel {
    inner: Box<dyn Model>,
    cache: PredictionCache,
    mode: CacheMode,
    hits: AtomicUsize,
    misses: AtomicUsize,
    written: AtomicUsize,
    ignored: AtomicUsize,
    write_failures: AtomicUsize,
}

impl CachedModel {
    /// Wraps `inner`; with [`CacheMode::Off`] the folder is not even created.
    pub fn open(inner: Box<dyn Model>, dir: &Path, mode: CacheMode) -> Result<CachedModel> {
        let cache = match mode {
            CacheMode::Off => PredictionCache {
                folder: PathBuf::new(),
                info: inner.info().clone(),
            },
            _ => PredictionCache::open(dir, inner.info())?,
        };
        Ok(CachedModel {
            inner,
            cache,
            mode,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
            ignored: AtomicUsize::new(0),
            write_failures: AtomicUsize::new(0),
        })
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
            ignored: self.ignored.load(Ordering::Relaxed),
            write_failures: self.write_failures.load(Ordering::Relaxed),
        }
    }

    pub fn mode(&self) -> CacheMode {
        self.mode
    }

    /// The model's folder in the cache (empty with [`CacheMode::Off`]).
    pub fn folder(&self) -> &Path {
        self.cache.folder()
    }

    fn lookup(
        &self,
        article: &Article,
        request: Option<&SpeakersRequest>,
    ) -> Option<TimedPrediction> {
        if !self.mode.reads() {
            return None;
        }
        match self.cache.get_for(article, request) {
            Lookup::Hit { rows, latency_ms } => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Some(TimedPrediction {
                    result: Ok(rows),
                    latency_ms,
                    cpu_s: None,
                });
            }
            Lookup::Miss => {}
            Lookup::Unusable => {
                self.ignored.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        None
    }

    fn store(
        &self,
        article: &Article,
        request: Option<&SpeakersRequest>,
        prediction: &TimedPrediction,
    ) {
        let Ok(rows) = &prediction.result else { return };
        if !self.mode.writes() {
            return;
        }
        match self
            .cache
            .put_for(article, request, rows, prediction.latency_ms)
        {
            Ok(()) => self.written.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.write_failures.fetch_add(1, Ordering::Relaxed),
        };
    }
}

impl Model for CachedModel {
    fn info(&self) -> &ModelInfo {
        self.inner.info()
    }

    crate::model::entry_points_through_run_batch!();

    fn external_cpu_s(&self) -> Option<f64> {
        self.inner.external_cpu_s()
    }

    /// Cached answers are served at once; the others go to the model in one chunk and
    /// each is written to the cache as soon as the model gives it, so that a run killed
    /// mid-chunk loses nothing that was answered.
    fn run_batch(&self, batch: Batch<'_>, on_answer: OnAnswer) -> Vec<TimedPrediction> {
        let Batch { articles, requests } = batch;
        let request = |i: usize| batch.request(i);
        let mut slots: Vec<Option<TimedPrediction>> = articles
            .iter()
            .enumerate()
            .map(|(i, a)| self.lookup(a, request(i)))
            .collect();
        for (index, slot) in slots.iter().enumerate() {
            if let Some(hit) = slot {
                on_answer(index, hit);
            }
        }
        let missing: Vec<usize> = (0..articles.len())
            .filter(|&i| slots[i].is_none())
            .collect();
        if !missing.is_empty() {
            let all = missing.len() == articles.len();
            let misses: Vec<Article> = if all {
                Vec::new()
            } else {
                missing.iter().map(|&i| articles[i].clone()).collect()
            };
            let miss_requests: Option<Vec<SpeakersRequest>> = requests
                .filter(|_| !all)
                .map(|r| missing.iter().filter_map(|&i| r.get(i).cloned()).collect());
            let store = |position: usize, prediction: &TimedPrediction| {
                let Some(&index) = missing.get(position) else {
                    return;
                };
                self.store(&articles[index], request(index), prediction);
                on_answer(index, prediction);
            };
            let predicted = if all {
                self.inner.run_batch(batch, &store)
            } else {
                let misses = Batch {
                    articles: &misses,
                    requests: miss_requests.as_deref(),
                };
                self.inner.run_batch(misses, &store)
            };
            for (&index, prediction) in missing.iter().zip(predicted) {
                slots[index] = Some(prediction);
            }
        }
        slots
            .into_iter()
            .zip(articles)
            .map(|(slot, article)| {
                slot.unwrap_or_else(|| TimedPrediction {
                    result: Err(ModelError::new(format!(
                        "article `{}`: the model gave no answer for it",
                        article.id
                    ))),
                    latency_ms: 0.0,
                    cpu_s: None,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::Span;
    use std::sync::atomic::AtomicUsize;

    /// Answers every article with one row and counts the articles it saw.
    struct Counting {
        info: ModelInfo,
        seen: AtomicUsize,
    }

    impl Model for Counting {
        fn info(&self) -> &ModelInfo {
            &self.info
        }

        fn predict(&self, article: &Article) -> std::result::Result<Vec<Attribution>, ModelError> {
            self.seen.fetch_add(1, Ordering::Relaxed);
            if article.text.starts_with("fail") {
                return Err(ModelError::new("no"));
            }
            Ok(vec![Attribution {
                article_id: article.id.clone(),
                quote: article.text[..2].to_string(),
                speaker: "X".into(),
                quote_span: Some(Span::new(0, 2)),
                ..Default::default()
            }])
        }
    }

    fn counting(version: &str) -> Box<dyn Model> {
        Box::new(Counting {
            info: ModelInfo {
                spec: "cmd:x".into(),
                name: "x".into(),
                version: version.into(),
                config_hash: "h".into(),
            },
            seen: AtomicUsize::new(0),
        })
    }

    fn articles() -> Vec<Article> {
        vec![
            Article::new("a", "Hello there"),
            Article::new("b", "Goodbye"),
            Article::new("c", "fail here"),
        ]
    }

    #[test]
    fn resume_serves_what_a_default_run_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let first = CachedModel::open(counting("1"), dir.path(), CacheMode::Write).unwrap();
        let answers = first.predict_batch(&articles());
        assert_eq!(answers.len(), 3);
        assert_eq!(
            first.stats(),
            CacheStats {
                written: 2,
                ..Default::default()
            },
            "errors are not cached and a default run does not read"
        );

        let second = CachedModel::open(counting("1"), dir.path(), CacheMode::Resume).unwrap();
        let again = second.predict_batch(&[Article::new("renamed", "Hello there")]);
        let rows = again[0].result.as_ref().unwrap();
        assert_eq!(rows[0].article_id, "renamed");
        assert_eq!(second.stats().hits, 1);

        let other_version =
            CachedModel::open(counting("2"), dir.path(), CacheMode::Resume).unwrap();
        other_version.predict_batch(&articles()[..1]);
        assert_eq!(other_version.stats().hits, 0);
    }

    #[test]
    fn flags_choose_the_mode() {
        assert_eq!(CacheMode::from_flags(false, false), CacheMode::Write);
        assert_eq!(CacheMode::from_flags(true, false), CacheMode::Resume);
        assert_eq!(CacheMode::from_flags(false, true), CacheMode::Off);
        assert_eq!(CacheMode::from_flags(true, true), CacheMode::Off);
    }
}
