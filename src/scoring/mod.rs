//! Stage 3 of the pipeline: alignment and scoring (docs/scoring.md).
//!
//! [`Scorer`] scores one article under the three schemes side by side; [`aggregate`]
//! turns the articles' scores into the dataset figures of docs/scoring.md#metrics.

mod aggregate;
mod assign;
mod confidence;
mod confusion;
mod counting;
mod dataset;
#[cfg(test)]
mod reference;
mod rows;
mod scorer;
mod similarity;
pub mod speaker;
mod speakers;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_speaker;
mod types;

pub use aggregate::{
    DatasetScores, DatasetTally, aggregate, aggregate_tally, attribution_accuracy,
    for_each_resample, pair_f1, pair_prf, percentile_interval, quote_f1, quote_prf,
};
pub use confidence::{ConfidenceCurve, ConfidenceTally, CurvePoint, MAX_THRESHOLDS};
pub use confusion::{CONFUSION_LIMIT, SpeakerConfusion};
pub use dataset::{ScoredPredictions, ScoredSpeakers, by_article, score_dataset, score_speakers};
pub use rows::{TypeFilter, is_blank};
pub use scorer::Scorer;
pub use similarity::{Sim, Threshold};
pub use speaker::{
    Cast, NameId, NameKeys, Resolved, full_name_tokens, name_tokens, names_match, resolved_match,
};
pub use speakers::{
    ArticleSpeakerScore, SpeakerAccuracy, SpeakerCounts, SpeakerOutcome, SpeakerScores,
    SpeakersAggregate, SpeakersTally, aggregate_speakers, aggregate_speakers_tally,
    confusion_record, score_speakers_article, speakers_confusion,
};
pub use types::*;

use crate::attribution::Attribution;
use crate::dataset::{Aliases, Article};

/// Scores one article under every scheme (see [`Scorer::score_article`]). Callers that
/// score many articles should build one [`Scorer`] and reuse it.
pub fn score_article(
    article: &Article,
    gold: &[Attribution],
    pred: &[Attribution],
    aliases: &Aliases,
    options: &ScoringOptions,
) -> crate::error::Result<ArticleScore> {
    Scorer::new(aliases, options).score_article(article, gold, pred)
}
