//! The `speakers` task of docs/tasks.md#speakers: the model is given an article's gold quotes and
//! names a speaker for each; only the speakers are scored.
//!
//! [`score_speakers_article`] scores one article; [`aggregate_speakers`] gives the
//! dataset figures (speaker accuracy with its bootstrap interval, coverage, accuracy on
//! answered quotes, the breakdowns and the confusion).

use super::aggregate::{for_each_resample, percentile_interval, ratio};
use super::confusion::{CONFUSION_LIMIT, SpeakerConfusion};
use super::rows::{TypeFilter, check_mention_offsets};
use super::speaker::Cast;
use super::types::{ConfusionPair, MentionCounts, OutcomeKind, ScoringOptions, SpeakerMatch};
use crate::attribution::{Attribution, MentionType, QuoteType, Span};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Counts of docs/tasks.md#speakers: COR + INC + MIS = gold; answers that answer no given quote
/// apart.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, derive_more::AddAssign,
)]
pub struct SpeakerCounts {
    pub gold: u64,
    pub cor: u64,
    pub inc: u64,
    pub mis: u64,
    /// Rows that answer no given quote, or a quote an earlier row already answered.
    pub unmatched_answers: u64,
}

/// One gold row's fate: COR, INC or MIS, with the answer row that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeakerOutcome {
    pub kind: OutcomeKind,
    /// Index into the article's gold rows as given (before the type filter).
    pub gold: usize,
    /// Index into the article's answer rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<usize>,
}

/// One article in the `speakers` task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleSpeakerScore {
    pub article_id: String,
    pub counts: SpeakerCounts,
    /// Gold rows and COR per gold type, indexed by [`QuoteType::index`].
    pub by_type: [MentionCounts; 3],
    /// Gold rows and COR per gold mention type, indexed by [`MentionType::index`].
    pub by_mention_type: [MentionCounts; 3],
    /// By gold row index.
    pub outcomes: Vec<SpeakerOutcome>,
    /// Indices of the answer rows counted in `unmatched_answers`.
    pub unmatched: Vec<usize>,
}

/// Scores one article: `gold` as the dataset holds it (the type filter of `options` is
/// applied here), `answers` the model's rows for the article.
///
/// Answers are matched to the given quotes (the distinct spans of the kept gold rows) in two
/// passes, so that the first rule of docs/tasks.md#answer-matching holds whatever the order of the
/// rows: a row with offsets answers the quote of its span, the first such row per quote; then each
/// row without offsets, in file order, answers the first given quote (by start, then end) whose
/// text equals its `quote` exactly and that no row has answered yet.
pub fn score_speakers_article(
    article_id: &str,
    gold: &[Attribution],
    answers: &[Attribution],
    cast: &Cast,
    options: &ScoringOptions,
) -> Result<ArticleSpeakerScore> {
    let kept: Vec<usize> = (0..gold.len())
        .filter(|&g| TypeFilter::new(&options.types).keeps_gold(&gold[g]))
        .collect();
    check_mention_offsets(options, article_id, kept.iter().map(|&g| &gold[g]))?;
    let mut given: Vec<(Span, &str)> = Vec::with_capacity(kept.len());
    for &g in &kept {
        let row = &gold[g];
        let Some(span) = row.quote_span else {
            return Err(Error::Usage(format!(
                "article `{article_id}`: the gold row with quote `{}` has no start/end; the \
                 speakers task gives the model each gold quote by its offsets",
                row.quote
            )));
        };
        given.push((span, row.quote.as_str()));
    }
    given.sort_by_key(|&(span, _)| (span.start, span.end));
    given.dedup_by_key(|(span, _)| *span);
    let by_span: HashMap<Span, usize> = given
        .iter()
        .enumerate()
        .map(|(q, &(s, _))| (s, q))
        .collect();

    let mut answer_of: Vec<Option<usize>> = vec![None; given.len()];
    let mut unmatched = Vec::new();
    for (a, row) in answers.iter().enumerate() {
        if let Some(span) = row.quote_span {
            match by_span.get(&span) {
                Some(&q) if answer_of[q].is_none() => answer_of[q] = Some(a),
                _ => unmatched.push(a),
            }
        }
    }
    for (a, row) in answers.iter().enumerate() {
        if row.quote_span.is_none() {
            let free =
                (0..given.len()).find(|&q| answer_of[q].is_none() && given[q].1 == row.quote);
            match free {
                Some(q) => answer_of[q] = Some(a),
                None => unmatched.push(a),
            }
        }
    }
    unmatched.sort_unstable();

    let mut score = ArticleSpeakerScore {
        article_id: article_id.to_string(),
        counts: SpeakerCounts {
            gold: kept.len() as u64,
            unmatched_answers: unmatched.len() as u64,
            ..SpeakerCounts::default()
        },
        unmatched,
        ..ArticleSpeakerScore::default()
    };
    for &g in &kept {
        let row = &gold[g];
        let answer = row
            .quote_span
            .and_then(|span| by_span.get(&span))
            .and_then(|&q| answer_of[q]);
        let kind = match answer {
            None => OutcomeKind::Mis,
            Some(a)
                if speakers_match(options.speaker_match, cast, article_id, row, &answers[a]) =>
            {
                OutcomeKind::Cor
            }
            Some(_) => OutcomeKind::Inc,
        };
        let cor = (kind == OutcomeKind::Cor) as u64;
        match kind {
            OutcomeKind::Cor => score.counts.cor += 1,
            OutcomeKind::Inc => score.counts.inc += 1,
            _ => score.counts.mis += 1,
        }
        let by_type = &mut score.by_type[row.gold_type().index()];
        by_type.gold += 1;
        by_type.cor += cor;
        if let Some(m) = row.mention_type {
            let by_mention = &mut score.by_mention_type[m.index()];
            by_mention.gold += 1;
            by_mention.cor += cor;
        }
        score.outcomes.push(SpeakerOutcome {
            kind,
            gold: g,
            answer,
        });
    }
    Ok(score)
}

/// docs/scoring.md#speaker-matching-name between a gold row and its answer, under `mode`.
fn speakers_match(
    mode: SpeakerMatch,
    cast: &Cast,
    article_id: &str,
    gold: &Attribution,
    answer: &Attribution,
) -> bool {
    match mode {
        SpeakerMatch::Name => cast.speakers_match(article_id, &gold.speaker, &answer.speaker),
        SpeakerMatch::Mention => match (gold.mention_span, answer.mention_span) {
            (Some(a), Some(b)) => a.overlaps(&b),
            (Some(_), None) => false,
            // Gold without mention offsets has an empty speaker (checked before).
            (None, _) => answer.speaker.trim().is_empty(),
        },
        SpeakerMatch::None => true,
    }
}

/// The INC pairs of scored articles, names as resolved through `cast`. `rows` gives an
/// article's gold and answer rows by its id.
pub fn speakers_confusion<'a>(
    scores: &[ArticleSpeakerScore],
    cast: &Cast,
    mut rows: impl FnMut(&str) -> (&'a [Attribution], &'a [Attribution]),
) -> SpeakerConfusion {
    let mut confusion = SpeakerConfusion::default();
    for score in scores {
        let (gold, answers) = rows(&score.article_id);
        for o in score.outcomes.iter().filter(|o| o.kind == OutcomeKind::Inc) {
            if let (Some(g), Some(a)) = (gold.get(o.gold), o.answer.and_then(|a| answers.get(a))) {
                confusion.add(cast, &score.article_id, &g.speaker, &a.speaker);
            }
        }
    }
    confusion
}

/// The `scores` of a result in the `speakers` task (docs/run-record.md: the figures of
/// docs/tasks.md#metrics in place of the pair and quote metrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerScores {
    pub counts: SpeakerCounts,
    /// Headline: COR / gold (an unanswered quote counts as wrong).
    pub speaker_accuracy: Option<f64>,
    /// 95% bootstrap percentile interval over articles; `None` when accuracy is undefined.
    pub speaker_accuracy_ci95: Option<[f64; 2]>,
    /// (COR + INC) / gold.
    pub coverage: Option<f64>,
    /// COR / (COR + INC).
    pub answered_accuracy: Option<f64>,
}

/// Speaker accuracy of one breakdown cell: `{"gold": …, "cor": …, "speaker_accuracy": …}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpeakerAccuracy {
    pub gold: u64,
    pub cor: u64,
    pub speaker_accuracy: Option<f64>,
}

/// The dataset figures of the `speakers` task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakersAggregate {
    pub scores: SpeakerScores,
    /// Gold mention types present in the gold.
    pub by_mention_type: BTreeMap<MentionType, SpeakerAccuracy>,
    /// Gold types with gold rows.
    pub by_type: BTreeMap<QuoteType, SpeakerAccuracy>,
}

/// Sums the articles and runs the bootstrap of docs/scoring.md#confidence-interval on speaker
/// accuracy: the same resampled article lists as the extract task's (`options.seed`,
/// `options.resamples`), resamples without gold rows dropped.
pub fn aggregate_speakers(
    articles: &[ArticleSpeakerScore],
    options: &ScoringOptions,
) -> SpeakersAggregate {
    let mut tally = SpeakersTally::default();
    for article in articles {
        tally.push(article);
    }
    aggregate_speakers_tally(&tally, options)
}

/// What the speakers figures need of a dataset's articles, as [`DatasetTally`](super::DatasetTally)
/// for the extract task: each article's counts in order, the breakdowns summed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpeakersTally {
    pub articles: Vec<SpeakerCounts>,
    pub by_type: [MentionCounts; 3],
    pub by_mention_type: [MentionCounts; 3],
}

impl SpeakersTally {
    pub fn push(&mut self, score: &ArticleSpeakerScore) {
        self.articles.push(score.counts);
        self.add_breakdowns(&score.by_type, &score.by_mention_type);
    }

    pub fn add_breakdowns(
        &mut self,
        by_type: &[MentionCounts; 3],
        by_mention: &[MentionCounts; 3],
    ) {
        for i in 0..3 {
            self.by_type[i] += by_type[i];
            self.by_mention_type[i] += by_mention[i];
        }
    }
}

/// As [`aggregate_speakers`], from a tally.
pub fn aggregate_speakers_tally(
    tally: &SpeakersTally,
    options: &ScoringOptions,
) -> SpeakersAggregate {
    let articles = &tally.articles;
    let mut counts = SpeakerCounts::default();
    for a in articles {
        counts += *a;
    }
    let (by_type, by_mention) = (tally.by_type, tally.by_mention_type);
    let speaker_accuracy = ratio(counts.cor, counts.gold);
    let mut resampled = Vec::new();
    for_each_resample(articles.len(), options.resamples, options.seed, |indices| {
        let (mut cor, mut gold) = (0, 0);
        for &i in indices {
            cor += articles[i].cor;
            gold += articles[i].gold;
        }
        if let Some(accuracy) = ratio(cor, gold) {
            resampled.push(accuracy);
        }
    });
    let cell = |c: MentionCounts| SpeakerAccuracy {
        gold: c.gold,
        cor: c.cor,
        speaker_accuracy: ratio(c.cor, c.gold),
    };
    SpeakersAggregate {
        scores: SpeakerScores {
            counts,
            speaker_accuracy,
            speaker_accuracy_ci95: speaker_accuracy.and_then(|_| percentile_interval(&resampled)),
            coverage: ratio(counts.cor + counts.inc, counts.gold),
            answered_accuracy: ratio(counts.cor, counts.cor + counts.inc),
        },
        by_mention_type: MentionType::ALL
            .into_iter()
            .filter(|m| by_mention[m.index()].gold > 0)
            .map(|m| (m, cell(by_mention[m.index()])))
            .collect(),
        by_type: QuoteType::ALL
            .into_iter()
            .filter(|t| by_type[t.index()].gold > 0)
            .map(|t| (t, cell(by_type[t.index()])))
            .collect(),
    }
}

/// The confusion as a result holds it: the [`CONFUSION_LIMIT`] most frequent pairs, and
/// how many distinct pairs there were when that leaves some out.
pub fn confusion_record(confusion: &SpeakerConfusion) -> (Vec<ConfusionPair>, Option<usize>) {
    let top = confusion.top(CONFUSION_LIMIT);
    let all = (confusion.len() > top.len()).then_some(confusion.len());
    (top, all)
}

#[cfg(test)]
#[path = "speakers_tests.rs"]
mod tests;
