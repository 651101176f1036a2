//! Stage 4 of the pipeline: the run record of docs/run-record.md and the reports people read.
//!
//! `run.json` is versioned by [`SCHEMA_VERSION`]; a change of shape raises it.

pub mod html;
mod report;
pub mod saved;
pub mod shard;
mod write;

pub use report::{
    COUNT_COLUMNS, PAIR_COLUMNS, SPEAKERS_COLUMNS, TableStyle, by_mention_type_table,
    by_type_table, confusion_caption, confusion_table, count_cells, headline_table, interval,
    markdown_report, pair_cells, ratio, scores_table, speakers_breakdown_table, speakers_cells,
    speakers_confusion_table, speakers_scores_table,
};
pub use write::{LoadedRun, RunFolder, check_run_name, read_record, read_run, run_folder};

use crate::attribution::{Attribution, MentionType, QuoteType};
use crate::model::ModelInfo;
use crate::scoring::{
    ConfidenceCurve, ConfusionPair, Counts, DatasetScores, MentionTypeScores, OutcomeKind,
    PerScheme, Scores, ScoringOptions, SpeakerAccuracy, SpeakerConfusion, SpeakerCounts,
    SpeakerScores, SpeakersAggregate, TypeScores, confusion_record,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub created_at: String,
    pub command: Vec<String>,
    /// Which task the run measured; records older than the speakers task are extract.
    #[serde(default)]
    pub task: crate::model::Task,
    /// `complete`; `partial` when a model failed on some articles or as a whole;
    /// `interrupted` when a signal stopped the run.
    pub status: RunStatus,
    /// How far an interrupted run got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interruption: Option<Interruption>,
    pub scoring: ScoringOptions,
    pub datasets: Vec<DatasetRecord>,
    pub models: Vec<ModelInfo>,
    pub results: Vec<TaskResult>,
    /// The shard of the datasets this run holds (docs/distributed.md); absent when it
    /// holds them whole, as a merge of all shards does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardRecord>,
}

/// Which shard of its datasets a run holds, and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// 0-based.
    pub index: usize,
    pub count: usize,
    /// `flag`, `env`, `slurm` or `kubernetes`.
    pub source: crate::shard::ShardSource,
    /// The flag or variables read, as given.
    pub from: String,
    /// How articles are assigned: [`crate::shard::HASH`].
    pub hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Complete,
    /// A model failed on some articles (`errors` say which).
    Partial,
    /// The run was stopped by SIGINT or SIGTERM (`interruption` says how far it got).
    Interrupted,
}

impl RunStatus {
    /// An interrupted run is that first; otherwise partial when a result has errors.
    pub fn of(results: &[TaskResult], interrupted: bool) -> RunStatus {
        if interrupted {
            RunStatus::Interrupted
        } else if results.iter().any(|r| !r.errors().is_empty()) {
            RunStatus::Partial
        } else {
            RunStatus::Complete
        }
    }
}

/// When a record is written, as `run.json`'s `created_at` holds it.
pub fn created_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Where an interrupted run stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interruption {
    /// `SIGINT` or `SIGTERM`.
    pub signal: String,
    /// Model × dataset × article evaluations the models answered or failed on before
    /// the stop; the others count as predicting nothing.
    pub articles_reached: usize,
    /// All the model × dataset × article evaluations the run was asked for.
    pub articles_total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    pub git_commit: Option<String>,
}

impl ToolInfo {
    pub fn current() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: option_env!("ATTR_EVAL_GIT_COMMIT").map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetRecord {
    pub name: String,
    pub path: String,
    pub articles: usize,
    pub gold_rows: usize,
    pub fingerprint: String,
    /// In a sharded run: how many of the dataset's `articles` the shard holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_articles: Option<usize>,
}

/// One model on one dataset: an element of `results` in `run.json`, and what
/// `attr-eval score --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRecord {
    pub model: String,
    pub dataset: String,
    pub scores: PerScheme<Scores>,
    /// Gold type → scheme → recall and precision.
    pub by_type: BTreeMap<QuoteType, PerScheme<TypeScores>>,
    /// Gold mention type → scheme → recall; absent when the gold has no mention types.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_mention_type: BTreeMap<MentionType, PerScheme<MentionTypeScores>>,
    /// The most frequent (gold, predicted) speaker pairs of INC outcomes under the
    /// headline `overlap` scheme, names as resolved (docs/scoring.md#speaker-confusion), at most
    /// [`CONFUSION_LIMIT`](crate::scoring::CONFUSION_LIMIT) of them.
    #[serde(default)]
    pub speaker_confusion: Vec<ConfusionPair>,
    /// How many distinct pairs there were in all, when more than the list holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_confusion_pairs: Option<usize>,
    pub throughput: Option<Throughput>,
    pub errors: Vec<ArticleError>,
    /// Things a user should know that are no failure (a model that gives no speaker
    /// mentions scored in mention mode).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Pair precision and recall over the model's confidence thresholds; only for a
    /// model whose rows carry `confidence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence_curve: Option<ConfidenceCurve>,
}

/// One model on one dataset, in the run's task: the figures of docs/tasks.md for it.
/// Untagged in JSON: a speakers result says `"task": "speakers"`, an extract result
/// (the record's shape before the speakers task) has no `task`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
// A run holds one result per model × dataset: boxing the larger variant would save a
// few hundred bytes per result, not worth an indirection at every use.
#[allow(clippy::large_enum_variant)]
pub enum TaskResult {
    Speakers(SpeakersResultRecord),
    Extract(ResultRecord),
}

impl ResultRecord {
    /// The figures of one model on one dataset, with the speaker confusion of its INC
    /// outcomes; no throughput, errors or warnings yet (a run adds them, `score` and the
    /// Python module have none).
    pub fn new(
        model: impl Into<String>,
        dataset: impl Into<String>,
        aggregate: DatasetScores,
        confusion: &SpeakerConfusion,
    ) -> ResultRecord {
        let (speaker_confusion, speaker_confusion_pairs) = confusion_record(confusion);
        ResultRecord {
            model: model.into(),
            dataset: dataset.into(),
            scores: aggregate.scores,
            by_type: aggregate.by_type,
            by_mention_type: aggregate.by_mention_type,
            speaker_confusion,
            speaker_confusion_pairs,
            throughput: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            confidence_curve: None,
        }
    }
}

impl SpeakersResultRecord {
    /// As [`ResultRecord::new`], in the speakers task.
    pub fn new(
        model: impl Into<String>,
        dataset: impl Into<String>,
        aggregate: SpeakersAggregate,
        confusion: &SpeakerConfusion,
    ) -> SpeakersResultRecord {
        let (speaker_confusion, speaker_confusion_pairs) = confusion_record(confusion);
        SpeakersResultRecord {
            model: model.into(),
            dataset: dataset.into(),
            task: crate::model::Task::Speakers.as_str().to_string(),
            scores: aggregate.scores,
            by_mention_type: aggregate.by_mention_type,
            by_type: aggregate.by_type,
            speaker_confusion,
            speaker_confusion_pairs,
            throughput: None,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl TaskResult {
    pub fn model(&self) -> &str {
        match self {
            TaskResult::Speakers(r) => &r.model,
            TaskResult::Extract(r) => &r.model,
        }
    }

    pub fn dataset(&self) -> &str {
        match self {
            TaskResult::Speakers(r) => &r.dataset,
            TaskResult::Extract(r) => &r.dataset,
        }
    }

    pub fn errors(&self) -> &[ArticleError] {
        match self {
            TaskResult::Speakers(r) => &r.errors,
            TaskResult::Extract(r) => &r.errors,
        }
    }

    pub fn warnings(&self) -> &[String] {
        match self {
            TaskResult::Speakers(r) => &r.warnings,
            TaskResult::Extract(r) => &r.warnings,
        }
    }

    pub fn throughput(&self) -> Option<&Throughput> {
        match self {
            TaskResult::Speakers(r) => r.throughput.as_ref(),
            TaskResult::Extract(r) => r.throughput.as_ref(),
        }
    }

    pub fn as_extract(&self) -> Option<&ResultRecord> {
        match self {
            TaskResult::Extract(r) => Some(r),
            TaskResult::Speakers(_) => None,
        }
    }

    pub fn as_speakers(&self) -> Option<&SpeakersResultRecord> {
        match self {
            TaskResult::Speakers(r) => Some(r),
            TaskResult::Extract(_) => None,
        }
    }
}

/// One model on one dataset in the `speakers` task (docs/tasks.md#speakers): what `attr-eval score
/// --task speakers --json` prints. `scores` holds the figures of 3.7 in place of the
/// pair and quote metrics, with one interval (speaker accuracy's), not one per scheme:
/// quotes are given, so there is no quote matching to vary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakersResultRecord {
    pub model: String,
    pub dataset: String,
    /// Always `speakers`: two results of different tasks are never compared.
    pub task: String,
    pub scores: SpeakerScores,
    /// Gold mention type → speaker accuracy; absent when the gold has no mention types.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_mention_type: BTreeMap<MentionType, SpeakerAccuracy>,
    /// Gold type → speaker accuracy.
    pub by_type: BTreeMap<QuoteType, SpeakerAccuracy>,
    /// As in [`ResultRecord::speaker_confusion`]: the INC outcomes, most frequent first.
    #[serde(default)]
    pub speaker_confusion: Vec<ConfusionPair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_confusion_pairs: Option<usize>,
    pub throughput: Option<Throughput>,
    pub errors: Vec<ArticleError>,
    /// Things a user should know that are no failure (a model that gives no speaker
    /// mentions scored in mention mode).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub articles: usize,
    pub chars: usize,
    pub wall_s: f64,
    pub articles_per_s: f64,
    pub chars_per_s: f64,
    pub latency_ms: Latency,
    pub threads: usize,
    /// UTF-8 bytes of the articles the model read.
    #[serde(default)]
    pub bytes: usize,
    /// CPU seconds the model used (core-seconds): the sum of each article's thread CPU
    /// time when the model ran articles one per thread in this process (`rules`),
    /// otherwise the CPU time of this process's threads while the model predicted (for
    /// `cmd:` models that leaves out the external process); `None` where the platform
    /// cannot measure it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<f64>,
    /// The part of `cpu_s` spent by external model programs (`cmd:`), read from their
    /// processes: the harness's own clocks do not see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_cpu_s: Option<f64>,
    /// `bytes / cpu_s`: throughput per core, measured rather than divided by threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_per_cpu_s: Option<f64>,
    /// Models that call a service (`llm:`): requests, retries, parse failures, tokens,
    /// request latency and the server's fingerprints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<crate::model::usage::ModelUsage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Latency {
    /// The percentiles of per-article latencies by the nearest-rank method (zero when
    /// there are none).
    pub fn of(mut latencies: Vec<f64>) -> Latency {
        latencies.sort_by(f64::total_cmp);
        let rank = |q: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let index =
                ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1;
            latencies[index]
        };
        Latency {
            p50: rank(0.5),
            p95: rank(0.95),
            max: latencies.last().copied().unwrap_or(0.0),
        }
    }
}

/// A failure recorded in the run instead of ending it. `article_id` is `None` when the
/// model failed as a whole (it could not start), which fails every article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleError {
    pub article_id: Option<String>,
    pub message: String,
}

/// One line of `articles.jsonl`: everything needed to recompute any aggregate and to
/// compare two runs article by article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleLine {
    pub model: String,
    pub dataset: String,
    pub article_id: String,
    /// In a sharded run: the article's place in its dataset's order (0-based), by
    /// which a merge puts the shards' lines back in that order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_index: Option<usize>,
    pub chars: usize,
    pub latency_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub schemes: PerScheme<ArticleSchemeLine>,
}

/// A line of `articles.jsonl` in the `speakers` task: one model × dataset × article,
/// with each gold row's outcome and the answer that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakersArticleLine {
    pub model: String,
    pub dataset: String,
    pub article_id: String,
    /// In a sharded run: the article's place in its dataset's order (0-based), by
    /// which a merge puts the shards' lines back in that order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_index: Option<usize>,
    /// Always `speakers`.
    pub task: String,
    pub chars: usize,
    pub latency_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub counts: SpeakerCounts,
    pub outcomes: Vec<SpeakerOutcomeLine>,
    /// Answers that answered no given quote (or one already answered).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched: Vec<Attribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerOutcomeLine {
    /// `cor`, `inc` or `mis`.
    pub kind: OutcomeKind,
    pub gold: Attribution,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Attribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSchemeLine {
    pub counts: Counts,
    pub outcomes: Vec<OutcomeLine>,
    /// Predictions left out of the counts by the type filter's ignore rule
    /// (docs/scoring.md#type-filter).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<Attribution>,
}

/// An outcome with the rows themselves, so the line reads on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeLine {
    pub kind: OutcomeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gold: Option<Attribution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pred: Option<Attribution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sim: Option<f64>,
}
