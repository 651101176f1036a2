//! The precision–recall curve of a model's pairs over its confidence thresholds
//! (docs/run-record.md#confidence-curve).
//!
//! A prediction is kept at threshold `t` when its confidence is at least `t`; a row
//! without a confidence is kept at every threshold (the model did not rank it). At each
//! threshold the kept rows are scored again by the [`Scorer`], so every point is the
//! exact pair figure `attr-eval score` would give the filtered file, not an estimate
//! from the unfiltered alignment (dropping a prediction can free a gold row for
//! another one).

use super::aggregate::pair_prf;
use super::types::{Counts, Scheme};
use super::{Scorer, by_article};
use crate::attribution::Attribution;
use crate::dataset::Dataset;
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// At most this many thresholds per curve: a model with a distinct confidence on every
/// row would otherwise cost one rescoring of the dataset per row.
pub const MAX_THRESHOLDS: usize = 101;

/// One model on one dataset: the pair figures of the headline scheme at each threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceCurve {
    /// The scheme the points are scored under (the headline `overlap`).
    pub scheme: Scheme,
    /// By threshold, ascending: the first point keeps every row.
    pub points: Vec<CurvePoint>,
    /// The point of highest pair F1 (of two equal, the higher threshold); `None` when
    /// F1 is undefined at every threshold.
    pub best_f1: Option<CurvePoint>,
    /// Σ (Rₖ − Rₖ₋₁) · Pₖ over the thresholds from the highest down, with R₀ = 0 (the
    /// step-wise area under the curve); `None` when the dataset has no gold rows.
    pub average_precision: Option<f64>,
    /// Rows without a confidence, kept at every threshold.
    pub rows_without_confidence: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub threshold: f64,
    pub counts: Counts,
    pub p: Option<f64>,
    pub r: Option<f64>,
    pub f1: Option<f64>,
}

/// The thresholds of a curve, ascending: every distinct confidence, or when there are
/// more than [`MAX_THRESHOLDS`], that many of them evenly spaced by rank (the lowest and
/// highest always among them).
pub fn thresholds(confidences: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = confidences.into_iter().filter(|c| c.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    if values.len() <= MAX_THRESHOLDS {
        return values;
    }
    let last = values.len() - 1;
    let mut picked: Vec<f64> = (0..MAX_THRESHOLDS)
        .map(|i| values[(i * last + (MAX_THRESHOLDS - 1) / 2) / (MAX_THRESHOLDS - 1)])
        .collect();
    picked.dedup();
    picked
}

/// The curve of `predictions` (a model's rows on the whole dataset) against the
/// dataset's gold, or `None` when no row has a confidence. Articles stream from the
/// dataset, as in [`super::score_dataset`].
pub fn confidence_curve(
    dataset: &Dataset,
    scorer: &Scorer,
    predictions: &[Attribution],
) -> Result<Option<ConfidenceCurve>> {
    let thresholds = thresholds(predictions.iter().filter_map(|row| row.confidence));
    if thresholds.is_empty() {
        return Ok(None);
    }
    let mut curve = CurveCounts::new(thresholds);
    let mut by_article = by_article(predictions);
    for article in dataset.articles() {
        let article = article?;
        let rows = by_article.remove(article.id.as_str()).unwrap_or_default();
        let gold = dataset.gold_for(&article.id);
        curve.add(&rows, |kept| {
            scorer
                .score_article(&article, gold, kept)
                .map(|score| score.schemes.get(Scheme::Overlap).counts)
        })?;
    }
    let without = predictions
        .iter()
        .filter(|row| row.confidence.is_none())
        .count();
    Ok(Some(curve.finish(without)))
}

/// Counts summed over articles at each threshold.
struct CurveCounts {
    thresholds: Vec<f64>,
    counts: Vec<Counts>,
}

impl CurveCounts {
    fn new(thresholds: Vec<f64>) -> Self {
        let counts = vec![Counts::default(); thresholds.len()];
        CurveCounts { thresholds, counts }
    }

    /// Adds one article: `score` gives the counts of a set of kept rows (in their
    /// original order, which the alignment's tie-breaking sees). Thresholds that keep
    /// the same rows of this article share one scoring.
    fn add(
        &mut self,
        rows: &[Attribution],
        mut score: impl FnMut(&[Attribution]) -> Result<Counts>,
    ) -> Result<()> {
        let mut previous: Option<(usize, Counts)> = None;
        for (index, &threshold) in self.thresholds.iter().enumerate() {
            let kept_count = rows.iter().filter(|r| kept(r, threshold)).count();
            let counts = match previous {
                Some((n, counts)) if n == kept_count => counts,
                _ => {
                    let kept: Vec<Attribution> = rows
                        .iter()
                        .filter(|r| kept(r, threshold))
                        .cloned()
                        .collect();
                    score(&kept)?
                }
            };
            previous = Some((kept_count, counts));
            self.counts[index] += counts;
        }
        Ok(())
    }

    fn finish(self, rows_without_confidence: usize) -> ConfidenceCurve {
        let points: Vec<CurvePoint> = self
            .thresholds
            .iter()
            .zip(&self.counts)
            .map(|(&threshold, &counts)| {
                let prf = pair_prf(&counts);
                CurvePoint {
                    threshold,
                    counts,
                    p: prf.p,
                    r: prf.r,
                    f1: prf.f1,
                }
            })
            .collect();
        let best_f1 =
            points
                .iter()
                .filter(|p| p.f1.is_some())
                .fold(None::<CurvePoint>, |best, point| match best {
                    Some(b) if b.f1 > point.f1 => Some(b),
                    _ => Some(*point),
                });
        ConfidenceCurve {
            scheme: Scheme::Overlap,
            average_precision: average_precision(&points),
            best_f1,
            points,
            rows_without_confidence,
        }
    }
}

/// Kept rows only shrink as the threshold rises, so the set at a threshold is decided
/// by how many rows pass it.
fn kept(row: &Attribution, threshold: f64) -> bool {
    row.confidence.is_none_or(|c| c >= threshold)
}

fn average_precision(points: &[CurvePoint]) -> Option<f64> {
    let mut previous_recall = 0.0;
    let mut sum = 0.0;
    for point in points.iter().rev() {
        let recall = point.r?;
        sum += (recall - previous_recall) * point.p.unwrap_or(0.0);
        previous_recall = recall;
    }
    Some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::Span;
    use crate::dataset::{Aliases, Article};
    use crate::scoring::ScoringOptions;

    fn row(quote: &str, text: &str, speaker: &str, confidence: Option<f64>) -> Attribution {
        let start = text[..text.find(quote).unwrap()].chars().count();
        Attribution {
            article_id: "a".into(),
            quote: quote.into(),
            speaker: speaker.into(),
            quote_span: Some(Span::new(start, start + quote.chars().count())),
            confidence,
            ..Attribution::default()
        }
    }

    /// Scores one article's rows with the real scorer at each threshold.
    fn curve_of(text: &str, gold: &[Attribution], pred: &[Attribution]) -> ConfidenceCurve {
        let article = Article::new("a", text);
        let scorer = Scorer::new(&Aliases::default(), &ScoringOptions::default());
        let mut curve = CurveCounts::new(thresholds(pred.iter().filter_map(|r| r.confidence)));
        curve
            .add(pred, |kept| {
                scorer
                    .score_article(&article, gold, kept)
                    .map(|s| s.schemes.overlap.counts)
            })
            .unwrap();
        curve.finish(pred.iter().filter(|r| r.confidence.is_none()).count())
    }

    const TEXT: &str = "“We will build the bridge,” Ana Ruiz said. “Taxes will fall,” \
                        said Ben Okafor. “The port stays open,” Ana Ruiz added.";

    #[test]
    fn each_threshold_scores_the_rows_it_keeps() {
        let gold = [
            row("We will build the bridge,", TEXT, "Ana Ruiz", None),
            row("Taxes will fall,", TEXT, "Ben Okafor", None),
            row("The port stays open,", TEXT, "Ana Ruiz", None),
        ];
        let pred = [
            row("We will build the bridge,", TEXT, "Ana Ruiz", Some(0.9)),
            row("Taxes will fall,", TEXT, "Ana Ruiz", Some(0.4)),
            row("The port stays open,", TEXT, "Ana Ruiz", Some(0.7)),
        ];
        let curve = curve_of(TEXT, &gold, &pred);
        let thresholds: Vec<f64> = curve.points.iter().map(|p| p.threshold).collect();
        assert_eq!(thresholds, [0.4, 0.7, 0.9]);
        let cor: Vec<(u64, u64, u64)> = curve
            .points
            .iter()
            .map(|p| (p.counts.pred, p.counts.cor, p.counts.inc))
            .collect();
        // At 0.4 all three are kept (one with the wrong speaker); at 0.9 only the first.
        assert_eq!(cor, [(3, 2, 1), (2, 2, 0), (1, 1, 0)]);
        let best = curve.best_f1.unwrap();
        assert_eq!(best.threshold, 0.7);
        assert!((best.f1.unwrap() - 0.8).abs() < 1e-12);
        // From the top: R 1/3 at P 1, then R 2/3 at P 1, then no recall gained.
        assert!((curve.average_precision.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn dropping_a_prediction_frees_its_gold_row_for_another() {
        // Two predictions of the same quote: kept together, the confident wrong one
        // takes the gold row only if it is preferred; the curve rescoring decides,
        // and at the higher threshold the remaining one must be matched.
        let gold = [row("Taxes will fall,", TEXT, "Ben Okafor", None)];
        let pred = [
            row("Taxes will fall,", TEXT, "Ben Okafor", Some(0.3)),
            row("Taxes will fall,", TEXT, "Ana Ruiz", Some(0.8)),
        ];
        let curve = curve_of(TEXT, &gold, &pred);
        let low = curve.points[0].counts;
        let high = curve.points[1].counts;
        assert_eq!((low.pred, low.cor, low.spu), (2, 1, 1));
        assert_eq!((high.pred, high.cor, high.inc), (1, 0, 1));
    }

    #[test]
    fn rows_without_confidence_are_kept_at_every_threshold() {
        let gold = [row("Taxes will fall,", TEXT, "Ben Okafor", None)];
        let pred = [
            row("Taxes will fall,", TEXT, "Ben Okafor", None),
            row("The port stays open,", TEXT, "Ana Ruiz", Some(0.5)),
        ];
        let curve = curve_of(TEXT, &gold, &pred);
        assert_eq!(curve.points.len(), 1);
        assert_eq!(curve.points[0].counts.cor, 1);
        assert_eq!(curve.rows_without_confidence, 1);
    }

    #[test]
    fn many_confidences_are_cut_to_the_limit_keeping_both_ends() {
        let picked = thresholds((0..1000).map(|i| f64::from(i) / 999.0));
        assert_eq!(picked.len(), MAX_THRESHOLDS);
        assert_eq!(picked.first(), Some(&0.0));
        assert_eq!(picked.last(), Some(&1.0));
        assert!(picked.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(thresholds([0.5, 0.5, 0.2]), [0.2, 0.5]);
    }

    #[test]
    fn no_gold_gives_no_average_precision() {
        let pred = [row("Taxes will fall,", TEXT, "Ben Okafor", Some(0.5))];
        let curve = curve_of(TEXT, &[], &pred);
        assert_eq!(curve.average_precision, None);
        assert_eq!(curve.best_f1, None);
    }
}
