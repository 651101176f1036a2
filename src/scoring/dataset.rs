//! Scoring a whole dataset from rows already made (`attr-eval score`, a notebook, a
//! training loop's dev metric), without running a model: both tasks.

use super::aggregate::{DatasetTally, aggregate_tally};
use super::confusion::SpeakerConfusion;
use super::speakers::{ArticleSpeakerScore, SpeakersAggregate};
use super::{
    Cast, DatasetScores, Scorer, ScoringOptions, aggregate_speakers, score_speakers_article,
    speakers_confusion,
};
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
) -> Result<ScoredPredictions> {
    dataset.check_mention_offsets(options)?;
    let mut by_article = by_article(predictions);
    let scorer = Scorer::new(dataset.aliases(), options);
    // Counts only per article: memory does not grow with the outcomes.
    let mut tally = DatasetTally::default();
    let mut confusion = SpeakerConfusion::default();
    for article in dataset.articles() {
        let article = article?;
        let mut predicted = by_article.remove(article.id.as_str()).unwrap_or_default();
        article.place_rows(&mut predicted);
        let gold = dataset.gold_for(&article.id)?;
        let score = scorer.score_article(&article, &gold, &predicted)?;
        confusion.add_outcomes(
            scorer.cast(),
            &article.id,
            &score.schemes.overlap.outcomes,
            &gold,
            &predicted,
        );
        tally.push(&score.schemes);
    }
    Ok(ScoredPredictions {
        aggregate: aggregate_tally(&tally, options),
        confusion,
    })
}

/// What [`score_dataset`] gives: the dataset figures and the speaker confusion.
#[derive(Debug, Clone)]
pub struct ScoredPredictions {
    pub aggregate: DatasetScores,
    /// Over the headline `overlap` scheme.
    pub confusion: SpeakerConfusion,
}

/// What [`score_speakers`] gives: the figures of docs/tasks.md#speakers and the confusion.
#[derive(Debug, Clone)]
pub struct ScoredSpeakers {
    pub aggregate: SpeakersAggregate,
    pub articles: Vec<ArticleSpeakerScore>,
    pub confusion: SpeakerConfusion,
}

/// Scores a file of answers in the `speakers` task (docs/tasks.md#speakers): each gold quote kept
/// by the type filter against the answer rows of its article. A gold row without offsets is an
/// input error, reported with its line before anything is scored.
pub fn score_speakers(
    dataset: &Dataset,
    answers: &[Attribution],
    options: &ScoringOptions,
) -> Result<ScoredSpeakers> {
    dataset.check_quote_offsets(&options.types)?;
    dataset.check_mention_offsets(options)?;
    let mut by_article = by_article(answers);
    let cast = Cast::new(dataset.aliases());
    let mut articles = Vec::with_capacity(dataset.article_ids().len());
    let mut confusion = SpeakerConfusion::default();
    for id in dataset.article_ids() {
        let gold = dataset.gold_for(id)?;
        let answered = by_article.remove(id.as_str()).unwrap_or_default();
        let score = score_speakers_article(id, &gold, &answered, &cast, options)?;
        confusion.merge(speakers_confusion(
            std::slice::from_ref(&score),
            &cast,
            |_| (&gold, &answered),
        ));
        articles.push(score);
    }
    Ok(ScoredSpeakers {
        aggregate: aggregate_speakers(&articles, options),
        articles,
        confusion,
    })
}

/// The rows of each article, in file order: what the scoring of a whole dataset sees
/// per article (outcome indices point into these lists).
pub fn by_article(rows: &[Attribution]) -> HashMap<&str, Vec<Attribution>> {
    let mut grouped: HashMap<&str, Vec<Attribution>> = HashMap::new();
    for row in rows {
        grouped
            .entry(row.article_id.as_str())
            .or_default()
            .push(row.clone());
    }
    grouped
}
