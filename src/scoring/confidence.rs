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
use crate::attribution::Attribution;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// A curve built article by article, as a run streams them: the summed counts with
/// every row kept, and how they change just above each distinct confidence. Memory grows
/// with the distinct confidences, not with the rows or the articles, and two tallies (two
/// shards of a run) add up to the tally of their union.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "TallyRecord", from = "TallyRecord")]
pub struct ConfidenceTally {
    lowest: SignedCounts,
    /// By confidence (ordered key): the change of the summed counts for thresholds above it.
    steps: BTreeMap<u64, SignedCounts>,
    rows_without_confidence: usize,
}

impl ConfidenceTally {
    /// Whether any row so far had a confidence: without one there is no curve.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Adds an article none of whose rows has a confidence, by the counts it was scored
    /// at: it counts the same at every threshold.
    pub fn add_unranked(&mut self, rows: usize, counts: Counts) {
        self.rows_without_confidence += rows;
        self.lowest += SignedCounts::from(counts);
    }

    /// Adds one article's rows; `score` gives the counts of a set of kept rows (in their
    /// original order, which the alignment's tie-breaking sees). With `k` distinct
    /// confidences the article is scored `k + 1` times, once per set of rows a
    /// threshold can keep.
    pub fn add_article(
        &mut self,
        rows: &[Attribution],
        mut score: impl FnMut(&[Attribution]) -> Result<Counts>,
    ) -> Result<()> {
        self.rows_without_confidence += rows.iter().filter(|r| r.confidence.is_none()).count();
        let mut confidences: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.confidence)
            .filter(|c| c.is_finite())
            .collect();
        if confidences.is_empty() && rows.iter().all(|r| r.confidence.is_none()) {
            // Kept whole at every threshold: one scoring, no step.
            self.lowest += SignedCounts::from(score(rows)?);
            return Ok(());
        }
        confidences.sort_by(f64::total_cmp);
        confidences.dedup();
        let mut keep = |pass: &dyn Fn(f64) -> bool| -> Result<SignedCounts> {
            let kept: Vec<Attribution> = rows
                .iter()
                .filter(|r| r.confidence.is_none_or(pass))
                .cloned()
                .collect();
            Ok(SignedCounts::from(score(&kept)?))
        };
        // At or below the lowest confidence; then just above each one in turn.
        let lowest = confidences.first().copied().unwrap_or(f64::INFINITY);
        let mut previous = keep(&|c| c >= lowest)?;
        self.lowest += previous;
        for (i, &confidence) in confidences.iter().enumerate() {
            let above = match confidences.get(i + 1) {
                Some(&next) => keep(&|c| c >= next)?,
                None => keep(&|c| c > confidence)?,
            };
            *self.steps.entry(order_key(confidence)).or_default() += above - previous;
            previous = above;
        }
        Ok(())
    }

    /// Adds another tally (another shard's), as if its articles had been added here.
    pub fn merge(&mut self, other: &ConfidenceTally) {
        self.lowest += other.lowest;
        for (&key, &delta) in &other.steps {
            *self.steps.entry(key).or_default() += delta;
        }
        self.rows_without_confidence += other.rows_without_confidence;
    }

    /// The curve at the distinct confidences (or [`MAX_THRESHOLDS`] of them); `None` when
    /// no row had one.
    pub fn curve(&self) -> Option<ConfidenceCurve> {
        if self.steps.is_empty() {
            return None;
        }
        let picked = thresholds(self.steps.keys().map(|&k| from_order_key(k)));
        let mut points = Vec::with_capacity(picked.len());
        let mut running = self.lowest;
        let mut wanted = picked.iter().peekable();
        for (&key, &delta) in &self.steps {
            let threshold = from_order_key(key);
            // The counts at a threshold take the changes strictly below it.
            if wanted.peek().is_some_and(|&&t| t == threshold) {
                wanted.next();
                points.push(point(threshold, running.to_counts()));
            }
            running += delta;
        }
        Some(finish(points, self.rows_without_confidence))
    }
}

fn point(threshold: f64, counts: Counts) -> CurvePoint {
    let prf = pair_prf(&counts);
    CurvePoint {
        threshold,
        counts,
        p: prf.p,
        r: prf.r,
        f1: prf.f1,
    }
}

fn finish(points: Vec<CurvePoint>, rows_without_confidence: usize) -> ConfidenceCurve {
    let best_f1 = points.iter().filter(|p| p.f1.is_some()).fold(
        None::<CurvePoint>,
        |best, point| match best {
            Some(b) if b.f1 > point.f1 => Some(b),
            _ => Some(*point),
        },
    );
    ConfidenceCurve {
        scheme: Scheme::Overlap,
        average_precision: average_precision(&points),
        best_f1,
        points,
        rows_without_confidence,
    }
}

/// A key whose unsigned order is the numeric order of finite floats.
fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// Counts that may go down: the change of the summed counts across a threshold.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
    derive_more::AddAssign,
    derive_more::Sub,
)]
pub struct SignedCounts {
    gold: i64,
    pred: i64,
    cor: i64,
    inc: i64,
    mis: i64,
    spu: i64,
}

impl From<Counts> for SignedCounts {
    fn from(c: Counts) -> Self {
        SignedCounts {
            gold: c.gold as i64,
            pred: c.pred as i64,
            cor: c.cor as i64,
            inc: c.inc as i64,
            mis: c.mis as i64,
            spu: c.spu as i64,
        }
    }
}

impl SignedCounts {
    /// Summed over articles every count is one article's count at some threshold, so
    /// never negative.
    fn to_counts(self) -> Counts {
        let u = |x: i64| x.max(0) as u64;
        Counts {
            gold: u(self.gold),
            pred: u(self.pred),
            cor: u(self.cor),
            inc: u(self.inc),
            mis: u(self.mis),
            spu: u(self.spu),
        }
    }
}

/// A tally as `shard.json` holds it: the steps by their confidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TallyRecord {
    lowest: SignedCounts,
    steps: Vec<TallyStep>,
    rows_without_confidence: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TallyStep {
    confidence: f64,
    change: SignedCounts,
}

impl From<ConfidenceTally> for TallyRecord {
    fn from(t: ConfidenceTally) -> Self {
        TallyRecord {
            lowest: t.lowest,
            steps: t
                .steps
                .iter()
                .map(|(&k, &change)| TallyStep {
                    confidence: from_order_key(k),
                    change,
                })
                .collect(),
            rows_without_confidence: t.rows_without_confidence,
        }
    }
}

impl From<TallyRecord> for ConfidenceTally {
    fn from(r: TallyRecord) -> Self {
        let mut steps = BTreeMap::new();
        for step in r.steps.into_iter().filter(|s| s.confidence.is_finite()) {
            *steps.entry(order_key(step.confidence)).or_default() += step.change;
        }
        ConfidenceTally {
            lowest: r.lowest,
            steps,
            rows_without_confidence: r.rows_without_confidence,
        }
    }
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
    use crate::scoring::{Scorer, ScoringOptions};

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
        let mut tally = ConfidenceTally::default();
        tally
            .add_article(pred, |kept| {
                scorer
                    .score_article(&article, gold, kept)
                    .map(|s| s.schemes.overlap.counts)
            })
            .unwrap();
        tally.curve().expect("a row has a confidence")
    }

    const TEXT: &str = "“We will build the bridge,” Ana Ruiz said. “Taxes will fall,” \
                        said Ben Okafor. “The port stays open,” Ana Ruiz added.";

    /// The three quotes of [`TEXT`] with their speakers.
    fn gold_of_text() -> [Attribution; 3] {
        [
            row("We will build the bridge,", TEXT, "Ana Ruiz", None),
            row("Taxes will fall,", TEXT, "Ben Okafor", None),
            row("The port stays open,", TEXT, "Ana Ruiz", None),
        ]
    }

    #[test]
    fn each_threshold_scores_the_rows_it_keeps() {
        let gold = gold_of_text();
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

    #[test]
    fn articles_added_one_by_one_or_in_shards_give_the_rescored_curve() {
        let scorer = Scorer::new(&Aliases::default(), &ScoringOptions::default());
        let gold = gold_of_text();
        let first = [
            row("We will build the bridge,", TEXT, "Ana Ruiz", Some(0.9)),
            row("Taxes will fall,", TEXT, "Ana Ruiz", Some(0.4)),
        ];
        let second = [
            row("Taxes will fall,", TEXT, "Ben Okafor", Some(0.6)),
            row("The port stays open,", TEXT, "Ana Ruiz", None),
            row("The port stays open,", TEXT, "Ben Okafor", Some(0.95)),
        ];
        let article = Article::new("a", TEXT);
        let score = |rows: &[Attribution]| {
            scorer
                .score_article(&article, &gold, rows)
                .map(|s| s.schemes.overlap.counts)
        };
        let tally_of = |rows: &[Attribution]| {
            let mut tally = ConfidenceTally::default();
            tally.add_article(rows, score).unwrap();
            tally
        };
        let mut both = tally_of(&first);
        both.add_article(&second, score).unwrap();
        let mut merged = tally_of(&second);
        merged.merge(&tally_of(&first));
        let curve = both.curve().unwrap();
        assert_eq!(merged.curve(), Some(curve.clone()));
        // Every point is the two articles rescored with the rows the threshold keeps.
        let thresholds: Vec<f64> = curve.points.iter().map(|p| p.threshold).collect();
        assert_eq!(thresholds, [0.4, 0.6, 0.9, 0.95]);
        for point in &curve.points {
            let kept = |rows: &[Attribution]| -> Vec<Attribution> {
                rows.iter()
                    .filter(|r| r.confidence.is_none_or(|c| c >= point.threshold))
                    .cloned()
                    .collect()
            };
            let mut expected = score(&kept(&first)).unwrap();
            expected += score(&kept(&second)).unwrap();
            assert_eq!(point.counts, expected, "at {}", point.threshold);
        }
        // shard.json's form reads back as the same tally.
        let json = serde_json::to_string(&both).unwrap();
        let back: ConfidenceTally = serde_json::from_str(&json).unwrap();
        assert_eq!(back, both);
    }
}
