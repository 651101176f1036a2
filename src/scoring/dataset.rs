//! Scoring a whole dataset from rows already made (`attr-eval score`, a notebook, a
//! training loop's dev metric), without running a model.

use super::{DatasetScores, Scorer, ScoringOptions, SpeakerMatch, aggregate};
use crate::attribution::Attribution;
use crate::dataset::Dataset;
use crate::error::Result;
use std::collections::HashMap;

/// Scores a predictions file against a dataset's gold without running a model: what
/// `attr-eval score` does. Articles stream from the dataset, so memory stays bounded by
/// the gold and the predictions.
pub fn score_dataset(
    dataset: &Dataset,
    predictions: &[Attribution],
    options: &ScoringOptions,
) -> Result<DatasetScores> {
    if options.speaker_match == SpeakerMatch::Mention {
        dataset.check_mention_offsets()?;
    }
    let mut by_article: HashMap<&str, Vec<Attribution>> = HashMap::new();
    for row in predictions {
        by_article
            .entry(row.article_id.as_str())
            .or_default()
            .push(row.clone());
    }
    let scorer = Scorer::new(dataset.aliases(), options);
    let mut scores = Vec::with_capacity(dataset.article_ids().len());
    for article in dataset.articles() {
        let article = article?;
        let mut predicted = by_article.remove(article.id.as_str()).unwrap_or_default();
        article.place_rows(&mut predicted);
        scores.push(scorer.score_article(&article, dataset.gold_for(&article.id), &predicted)?);
    }
    Ok(aggregate(&scores, options))
}
