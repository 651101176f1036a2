//! Stage 2 of the pipeline: models turn an article into attribution rows (docs/models.md).

use crate::attribution::Attribution;
use crate::dataset::Article;
use serde::{Deserialize, Serialize};

/// What the run record says about a model: two versions of a model can be compared
/// only if they say which they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The spec as given on the command line, without the `NAME=` prefix.
    pub spec: String,
    pub name: String,
    pub version: String,
    pub config_hash: String,
}

/// A failure on one article. The run records it and goes on with the others.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct ModelError {
    pub message: String,
    #[serde(default)]
    pub kind: ModelErrorKind,
}

/// What went wrong, for callers that treat failures apart (an interrupted article is
/// not reached, not failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelErrorKind {
    /// The model's process died (or closed its output) before answering.
    Crash,
    /// No answer within `--timeout`.
    Timeout,
    /// An answer that breaks the protocol or does not fit the text.
    Protocol,
    /// The model said it failed on the article.
    Reported,
    /// Not sent: no process could be started any more.
    NotRun,
    /// Not answered because the run was interrupted.
    Interrupted,
    #[default]
    Other,
}

impl ModelError {
    pub fn new(message: impl Into<String>) -> Self {
        ModelError {
            message: message.into(),
            kind: ModelErrorKind::Other,
        }
    }

    pub fn of_kind(kind: ModelErrorKind, message: impl Into<String>) -> Self {
        ModelError {
            message: message.into(),
            kind,
        }
    }
}

/// One article's answer from a model, with how long the model took on it.
#[derive(Debug, Clone)]
pub struct TimedPrediction {
    pub result: Result<Vec<Attribution>, ModelError>,
    /// Wall time from handing the article to the model to its answer.
    pub latency_ms: f64,
    /// CPU time of the thread that answered, when the model ran the article on one
    /// thread of this process (the default `predict_batch`); `None` otherwise.
    pub cpu_s: Option<f64>,
}

impl TimedPrediction {
    /// Runs one article's prediction on this thread, timing it by the wall clock and the
    /// thread's CPU clock.
    pub fn measure(predict: impl FnOnce() -> Result<Vec<Attribution>, ModelError>) -> Self {
        let started = std::time::Instant::now();
        let cpu_started = crate::cpu_time::thread_seconds();
        let result = predict();
        TimedPrediction {
            result,
            latency_ms: started.elapsed().as_secs_f64() * 1e3,
            cpu_s: cpu_started
                .zip(crate::cpu_time::thread_seconds())
                .map(|(before, after)| (after - before).max(0.0)),
        }
    }

    /// The one answer of a batch of one article.
    pub fn single(mut answers: Vec<TimedPrediction>) -> Result<Vec<Attribution>, ModelError> {
        answers
            .pop()
            .map(|prediction| prediction.result)
            .unwrap_or_else(|| Err(ModelError::new("internal error: no answer slot")))
    }
}

/// The four per-task entry points of a [`Model`] whose work is all in its own
/// `run_batch` (a pipelined program, a cache in front of a model): each goes through it.
macro_rules! entry_points_through_run_batch {
    () => {
        fn predict(
            &self,
            article: &$crate::dataset::Article,
        ) -> std::result::Result<Vec<$crate::attribution::Attribution>, $crate::model::ModelError> {
            $crate::model::TimedPrediction::single(
                self.predict_batch(std::slice::from_ref(article)),
            )
        }

        fn predict_batch(
            &self,
            articles: &[$crate::dataset::Article],
        ) -> Vec<$crate::model::TimedPrediction> {
            self.run_batch($crate::model::Batch::extract(articles), &|_, _| {})
        }

        fn attribute(
            &self,
            article: &$crate::dataset::Article,
            request: &$crate::model::SpeakersRequest,
        ) -> std::result::Result<Vec<$crate::attribution::Attribution>, $crate::model::ModelError> {
            $crate::model::TimedPrediction::single(
                self.attribute_batch(std::slice::from_ref(article), std::slice::from_ref(request)),
            )
        }

        fn attribute_batch(
            &self,
            articles: &[$crate::dataset::Article],
            requests: &[$crate::model::SpeakersRequest],
        ) -> Vec<$crate::model::TimedPrediction> {
            self.run_batch(
                $crate::model::Batch::speakers(articles, requests),
                &|_, _| {},
            )
        }
    };
}
pub(crate) use entry_points_through_run_batch;

/// Called with each answer as soon as a model has it, by its index in the batch (so
/// that the prediction cache keeps what was answered before an interruption).
pub type OnAnswer<'a> = &'a (dyn Fn(usize, &TimedPrediction) + Sync);

/// One chunk of articles for [`Model::run_batch`], in either task: with `requests` (the
/// speakers task), `requests[i]` goes with `articles[i]`.
#[derive(Clone, Copy)]
pub struct Batch<'a> {
    pub articles: &'a [Article],
    pub requests: Option<&'a [SpeakersRequest]>,
}

impl<'a> Batch<'a> {
    pub fn extract(articles: &'a [Article]) -> Self {
        Batch {
            articles,
            requests: None,
        }
    }

    pub fn speakers(articles: &'a [Article], requests: &'a [SpeakersRequest]) -> Self {
        Batch {
            articles,
            requests: Some(requests),
        }
    }

    /// The speakers request of the article at `index`, if this is the speakers task.
    pub fn request(&self, index: usize) -> Option<&'a SpeakersRequest> {
        self.requests.and_then(|requests| requests.get(index))
    }
}

/// A quote-attribution model.
///
/// `predict` is called from several threads at once, one article per call; rows must
/// carry offsets (`quote_span`) into the article's text.
pub trait Model: Send + Sync {
    fn info(&self) -> &ModelInfo;

    fn predict(&self, article: &Article) -> Result<Vec<Attribution>, ModelError>;

    /// Predicts a chunk of articles, one answer per article in the same order.
    ///
    /// The default spreads `predict` over the current rayon pool. Models that gain from
    /// seeing many articles at once (a pipelined external process, batched neural
    /// inference) override it.
    fn predict_batch(&self, articles: &[Article]) -> Vec<TimedPrediction> {
        use rayon::prelude::*;
        articles
            .par_iter()
            .map(|article| TimedPrediction::measure(|| self.predict(article)))
            .collect()
    }

    /// The `speakers` task (docs/tasks.md#speakers): a speaker for each given quote. A row answers
    /// a quote by carrying its span; rows without a span answer by their quote text.
    ///
    /// The default attributes each quote from the model's own extraction
    /// ([`task::answers_from_rows`]); models that can use the given quotes or the cast
    /// override it.
    fn attribute(
        &self,
        article: &Article,
        request: &SpeakersRequest,
    ) -> Result<Vec<Attribution>, ModelError> {
        let rows = self.predict(article)?;
        Ok(task::answers_from_rows(&article.id, &rows, request))
    }

    /// [`Model::attribute`] over a chunk: `requests[i]` goes with `articles[i]`, one
    /// answer per article in the same order.
    fn attribute_batch(
        &self,
        articles: &[Article],
        requests: &[SpeakersRequest],
    ) -> Vec<TimedPrediction> {
        use rayon::prelude::*;
        articles
            .par_iter()
            .zip(requests.par_iter())
            .map(|(article, request)| TimedPrediction::measure(|| self.attribute(article, request)))
            .collect()
    }

    /// One chunk in either task (`requests` for the speakers task), with each answer
    /// handed to `on_answer` as it comes. The default calls [`Model::predict_batch`] or
    /// [`Model::attribute_batch`] and hands the answers over at the end; models that
    /// answer over time (external programs) override it.
    fn run_batch(&self, batch: Batch<'_>, on_answer: OnAnswer) -> Vec<TimedPrediction> {
        let answers = match batch.requests {
            None => self.predict_batch(batch.articles),
            Some(requests) => self.attribute_batch(batch.articles, requests),
        };
        for (index, answer) in answers.iter().enumerate() {
            on_answer(index, answer);
        }
        answers
    }

    /// CPU seconds spent so far outside this process on the model's behalf (an external
    /// program's), which the harness's own clocks do not see; `None` for in-process
    /// models.
    fn external_cpu_s(&self) -> Option<f64> {
        None
    }

    /// What the model spent calling a service (requests, retries, tokens) since the
    /// previous call, which starts the count again: the runner takes it after each
    /// dataset, for `throughput.usage`, so a model shared by datasets reports each its
    /// own. `None` for models that call none.
    fn take_usage(&self) -> Option<usage::ModelUsage> {
        None
    }
}

pub mod bert;
pub mod cache;
pub mod command;
mod file;
pub mod llm;
pub mod rules;
mod spec;
pub mod task;
pub mod usage;

pub use file::FileModel;
pub use spec::{DEFAULT_MODELS, ModelKind, ModelSpec, default_models, tagger_encoder, tagger_head};
pub use task::{CastMember, GivenQuote, SpeakersRequest, Task};

use crate::dataset::Dataset;
use crate::error::Result;
use std::path::PathBuf;

/// How `run` starts the models that need more than their spec.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub command: command::CommandOptions,
    pub cache: cache::CacheMode,
    pub cache_dir: PathBuf,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            command: command::CommandOptions::default(),
            cache: cache::CacheMode::from_flags(false, false),
            cache_dir: PathBuf::from(cache::PredictionCache::DEFAULT_DIR),
        }
    }
}

/// Builds the model a spec names, for one dataset (a `file:` model's rows belong to one).
///
/// Slow models (`cmd:`, `bert:`) go through the prediction cache so an interrupted run
/// can resume; the fast built-in ones never need it.
pub fn load(spec: &ModelSpec, dataset: &Dataset, options: &LoadOptions) -> Result<Box<dyn Model>> {
    let cached = |model: Box<dyn Model>| -> Result<Box<dyn Model>> {
        Ok(Box::new(cache::CachedModel::open(
            model,
            &options.cache_dir,
            options.cache,
        )?))
    };
    match &spec.kind {
        ModelKind::Rules => Ok(Box::new(rules::Rules::with_cast(dataset.aliases().clone()))),
        ModelKind::File(path) => Ok(Box::new(FileModel::load(
            &spec.name, &spec.spec, path, dataset,
        )?)),
        ModelKind::Command(command) => cached(Box::new(command::CommandModel::start(
            &spec.name,
            &spec.spec,
            command,
            options.command.clone(),
        )?)),
        ModelKind::Bert(dir) => load_bert(spec, dir).and_then(cached),
        // Not behind the prediction cache: it keeps each reply as it arrives, so a
        // resumed article of many chunks sends only the chunks not yet answered.
        ModelKind::Llm(text) => Ok(Box::new(llm::LlmModel::open(
            &spec.name,
            &spec.spec,
            text,
            &llm_options(options),
        )?)),
        ModelKind::Tagger => load_tagger(spec).and_then(cached),
    }
}

/// `llm:` models share the `cmd:` flags (`--workers`, `--timeout`) and the cache flags;
/// their replies go beside the prediction cache, in `llm/`.
fn llm_options(options: &LoadOptions) -> llm::LlmOptions {
    let cache_dir = options
        .cache_dir
        .parent()
        .map(|root| root.join("llm"))
        .unwrap_or_else(|| PathBuf::from(llm::DEFAULT_CACHE_DIR));
    llm::LlmOptions {
        workers: options.command.workers,
        timeout: options.command.timeout,
        cache: options.cache,
        cache_dir,
    }
}

#[cfg(feature = "bert")]
fn load_bert(spec: &ModelSpec, dir: &std::path::Path) -> Result<Box<dyn Model>> {
    Ok(Box::new(bert::BertModel::load(
        &spec.name,
        &spec.spec,
        dir,
        bert::BertOptions::default(),
    )?))
}

/// The `tagger` spec: its trained tensors joined to the set-up's encoder in a temporary
/// Hugging Face folder, then loaded like any `bert:` folder, with the fitted linker of
/// `models/tagger/linker.json` when there is one.
#[cfg(feature = "bert")]
fn load_tagger(spec: &ModelSpec) -> Result<Box<dyn Model>> {
    Ok(Box::new(tagger_model(&spec.name, &spec.spec, true)?))
}

/// The shipped tagger; `with_linker: false` leaves its rows to the hand-written linking
/// (what `train linker` starts from).
#[cfg(feature = "bert")]
pub fn tagger_model(name: &str, spec: &str, with_linker: bool) -> Result<bert::BertModel> {
    let fail = |message: String| crate::error::Error::Model {
        model: name.to_string(),
        message,
    };
    let head = tagger_head().ok_or_else(|| {
        fail(
            "models/tagger/tagger.safetensors not found: restore it from the repository \
              (`git checkout models/tagger`) or train it again (about 20 minutes on 2 cores) \
              with `attr-eval train tagger --base .libtorch/minilm --train <polnear-train> \
              --dev <polnear-dev> --out models/tagger`, as models/tagger/MODEL.md gives in full"
                .into(),
        )
    })?;
    let encoder = tagger_encoder().ok_or_else(|| {
        fail(
            "the MiniLM encoder is missing: run `bash scripts/setup-libtorch.sh && source \
              .libtorch/env.sh` once (see README)"
                .into(),
        )
    })?;
    let mut options = bert::tagger::tagger_options();
    let linker_file = head.join(bert::tagger::LINKER_FILE);
    if with_linker && linker_file.is_file() {
        let bytes =
            std::fs::read(&linker_file).map_err(|e| crate::error::Error::io(&linker_file, e))?;
        let linker = bert::Linker::from_json(&bytes)
            .map_err(|e| fail(format!("{}: {e}", linker_file.display())))?;
        options.linker = Some(linker);
    }
    let folder = tempfile::tempdir().map_err(|e| fail(format!("temporary folder: {e}")))?;
    bert::tagger::assemble(
        &encoder,
        &head.join(bert::tagger::TRAINED_WEIGHTS),
        folder.path(),
    )?;
    bert::BertModel::load(name, spec, folder.path(), options)
}

#[cfg(not(feature = "bert"))]
fn load_tagger(spec: &ModelSpec) -> Result<Box<dyn Model>> {
    load_bert(spec, std::path::Path::new(""))
}

#[cfg(not(feature = "bert"))]
fn load_bert(spec: &ModelSpec, _dir: &std::path::Path) -> Result<Box<dyn Model>> {
    Err(crate::error::Error::Model {
        model: spec.name.clone(),
        message: "this attr-eval was built without neural models: run \
                  `bash scripts/setup-libtorch.sh && source .libtorch/env.sh` once, then \
                  `cargo run --release --features bert -- run ...` (see README)"
            .into(),
    })
}

/// At most `max_chars` of what a model program or server sent, for an error message:
/// enough to recognise it, never a flood.
pub(crate) fn snippet(text: &str, max_chars: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}
