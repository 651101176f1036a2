//! `shard.json`: what a sharded run writes beside `run.json` so that `attr-eval merge`
//! rebuilds the unsharded figures exactly (docs/run-record.md#shardjson). The per-article
//! counts are in `articles.jsonl`; what a result in `run.json` keeps only as ratios or
//! cut to its top pairs is kept here as counts.

use crate::scoring::{ConfusionPair, MentionCounts, PerScheme, TypeCounts};
use serde::{Deserialize, Serialize};

pub const SHARD_FILE: &str = "shard.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// One per element of the record's `results`, in its order.
    pub results: Vec<ShardResult>,
}

/// One model on one dataset's shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardResult {
    pub model: String,
    pub dataset: String,
    /// Extract task: the per-type and per-mention-type counts summed over the shard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract: Option<ExtractTotals>,
    /// Speakers task: likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speakers: Option<SpeakersTotals>,
    /// Every (gold, predicted) speaker pair of the INC outcomes with its count, not only
    /// the top ones.
    pub speaker_confusion: Vec<ConfusionPair>,
    /// Extract task, when a row had a confidence: the shard's part of the confidence
    /// curve, which the merge adds up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<crate::scoring::ConfidenceTally>,
    /// The model's rows, and those with speaker mention offsets (for the warning of a
    /// model that gives none in mention mode).
    pub prediction_rows: usize,
    pub rows_with_mentions: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractTotals {
    /// Indexed by quote type (direct, indirect, mixed).
    pub by_type: PerScheme<[TypeCounts; 3]>,
    /// Indexed by mention type (explicit, anaphoric, implicit).
    pub by_mention_type: PerScheme<[MentionCounts; 3]>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpeakersTotals {
    pub by_type: [MentionCounts; 3],
    pub by_mention_type: [MentionCounts; 3],
}
