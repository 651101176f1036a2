//! Dataset figures of docs/scoring.md#metrics: micro sums, macro pair F1, the per-type breakdown
//! and the bootstrap interval.

use super::types::{
    ArticleSchemeScore, ArticleScore, Counts, MentionCounts, MentionTypeScores, PairPrf, PerScheme,
    Prf, Scheme, Scores, ScoringOptions, TypeCounts, TypeScores,
};
use crate::attribution::{MentionType, QuoteType};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What [`aggregate`] returns: the `scores`, `by_type` and `by_mention_type` of a result
/// in the run record.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetScores {
    pub scores: PerScheme<Scores>,
    pub by_type: BTreeMap<QuoteType, PerScheme<TypeScores>>,
    /// Gold mention types present in the gold; empty when the gold has no such column.
    pub by_mention_type: BTreeMap<MentionType, PerScheme<MentionTypeScores>>,
}

/// `num / den`, undefined (`None`) when `den` is zero.
pub(super) fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Undefined when precision or recall is; 0 when both are 0.
fn f1(p: Option<f64>, r: Option<f64>) -> Option<f64> {
    let (p, r) = (p?, r?);
    Some(if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    })
}

pub fn pair_prf(c: &Counts) -> Prf {
    let p = ratio(c.cor, c.pred);
    let r = ratio(c.cor, c.gold);
    Prf { p, r, f1: f1(p, r) }
}

pub fn quote_prf(c: &Counts) -> Prf {
    let p = ratio(c.cor + c.inc, c.pred);
    let r = ratio(c.cor + c.inc, c.gold);
    Prf { p, r, f1: f1(p, r) }
}

pub fn pair_f1(c: &Counts) -> Option<f64> {
    pair_prf(c).f1
}

pub fn quote_f1(c: &Counts) -> Option<f64> {
    quote_prf(c).f1
}

pub fn attribution_accuracy(c: &Counts) -> Option<f64> {
    ratio(c.cor, c.cor + c.inc)
}

/// The one definition of the bootstrap's resampled article lists: a ChaCha8 generator
/// seeded with `seed` draws, for each of `resamples` lists, `n` indices with
/// `gen_range(0..n)`. `compare` calls it too, so both runs of a paired bootstrap see the
/// same lists. With `n = 0` each list is empty.
pub fn for_each_resample(n: usize, resamples: usize, seed: u64, mut f: impl FnMut(&[usize])) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut indices = vec![0usize; n];
    for _ in 0..resamples {
        for slot in indices.iter_mut() {
            *slot = rng.gen_range(0..n);
        }
        f(&indices);
    }
}

/// The 95% percentile interval `[q(0.025), q(0.975)]` with linear interpolation between
/// order statistics (numpy's default `linear` method: `h = (n-1)·q`). Values need not
/// be sorted; NaNs (there are none from F1) are dropped. `None` when nothing is left.
pub fn percentile_interval(values: &[f64]) -> Option<[f64; 2]> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let h = (sorted.len() - 1) as f64 * q;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
    };
    Some([quantile(0.025), quantile(0.975)])
}

/// What the dataset figures need of a dataset's articles: each article's counts (for the
/// bootstrap and macro F1), in the dataset's order, and the sums of the breakdowns. A
/// run keeps this instead of the articles' scores, so its memory grows by a few counts
/// per article; shards' tallies concatenate into the whole dataset's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetTally {
    pub articles: Vec<PerScheme<Counts>>,
    pub by_type: PerScheme<[TypeCounts; 3]>,
    pub by_mention_type: PerScheme<[MentionCounts; 3]>,
}

impl DatasetTally {
    /// Takes in the next article of the dataset's order.
    pub fn push(&mut self, schemes: &PerScheme<ArticleSchemeScore>) {
        self.articles.push(schemes.map(|_, s| s.counts));
        for scheme in Scheme::ALL {
            let s = schemes.get(scheme);
            self.add_breakdowns(scheme, &s.by_type, &s.by_mention_type);
        }
    }

    pub fn add_breakdowns(
        &mut self,
        scheme: Scheme,
        by_type: &[TypeCounts; 3],
        by_mention_type: &[MentionCounts; 3],
    ) {
        for i in 0..3 {
            self.by_type.get_mut(scheme)[i] += by_type[i];
            self.by_mention_type.get_mut(scheme)[i] += by_mention_type[i];
        }
    }
}

/// Sums the articles' counts, derives every figure of docs/scoring.md#metrics and runs the bootstrap
/// (`options.resamples` lists from `options.seed`; resamples whose F1 is undefined are
/// dropped; no interval when the full-data F1 is undefined).
pub fn aggregate(articles: &[ArticleScore], options: &ScoringOptions) -> DatasetScores {
    let mut tally = DatasetTally::default();
    for article in articles {
        tally.push(&article.schemes);
    }
    aggregate_tally(&tally, options)
}

/// As [`aggregate`], from a tally: the bootstrap resamples `tally.articles` in their order.
pub fn aggregate_tally(tally: &DatasetTally, options: &ScoringOptions) -> DatasetScores {
    let articles = &tally.articles;
    let mut resampled: PerScheme<Vec<f64>> = PerScheme::default();
    for_each_resample(articles.len(), options.resamples, options.seed, |indices| {
        for scheme in Scheme::ALL {
            let mut sum = Counts::default();
            for &i in indices {
                sum += *articles[i].get(scheme);
            }
            if let Some(f) = pair_f1(&sum) {
                resampled.get_mut(scheme).push(f);
            }
        }
    });

    let scores = PerScheme::from_fn(|scheme| {
        let mut counts = Counts::default();
        for c in articles {
            counts += *c.get(scheme);
        }
        let pair = pair_prf(&counts);
        // docs/scoring.md#macro-f1: articles with any gold or (counted) predicted row; undefined
        // per-article F1 counts as 0.
        let scored: Vec<f64> = articles
            .iter()
            .map(|c| c.get(scheme))
            .filter(|c| c.gold + c.pred > 0)
            .map(|c| pair_f1(c).unwrap_or(0.0))
            .collect();
        let macro_pair_f1 =
            (!scored.is_empty()).then(|| scored.iter().sum::<f64>() / scored.len() as f64);
        Scores {
            counts,
            pair: PairPrf {
                p: pair.p,
                r: pair.r,
                f1: pair.f1,
                f1_ci95: pair
                    .f1
                    .and_then(|_| percentile_interval(resampled.get(scheme))),
            },
            quote: quote_prf(&counts),
            attribution_accuracy: attribution_accuracy(&counts),
            macro_pair_f1,
        }
    });

    let mut by_type = BTreeMap::new();
    for &quote_type in &options.types {
        let totals: PerScheme<TypeCounts> = tally.by_type.map(|_, t| t[quote_type.index()]);
        let present = Scheme::ALL
            .iter()
            .any(|&s| totals.get(s).gold > 0 || totals.get(s).pred > 0);
        if present {
            by_type.insert(
                quote_type,
                totals.map(|_, t| TypeScores {
                    recall: ratio(t.gold_cor, t.gold),
                    precision: ratio(t.pred_cor, t.pred),
                }),
            );
        }
    }
    let mut by_mention_type = BTreeMap::new();
    for mention_type in MentionType::ALL {
        let totals: PerScheme<MentionCounts> =
            tally.by_mention_type.map(|_, t| t[mention_type.index()]);
        // Every scheme counts the same gold rows.
        if totals.overlap.gold > 0 {
            by_mention_type.insert(
                mention_type,
                totals.map(|_, t| MentionTypeScores {
                    recall: ratio(t.cor, t.gold),
                }),
            );
        }
    }
    DatasetScores {
        scores,
        by_type,
        by_mention_type,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(gold: u64, pred: u64, cor: u64, inc: u64) -> Counts {
        Counts {
            gold,
            pred,
            cor,
            inc,
            mis: gold - cor - inc,
            spu: pred - cor - inc,
        }
    }

    #[test]
    fn undefined_ratios_are_none_and_f1_zero_when_both_zero() {
        let none = counts(0, 0, 0, 0);
        assert_eq!(
            pair_prf(&none),
            Prf {
                p: None,
                r: None,
                f1: None
            }
        );
        assert_eq!(attribution_accuracy(&none), None);
        let no_pred = counts(3, 0, 0, 0);
        assert_eq!(
            pair_prf(&no_pred),
            Prf {
                p: None,
                r: Some(0.0),
                f1: None
            }
        );
        let zero = counts(3, 2, 0, 2);
        assert_eq!(
            pair_prf(&zero),
            Prf {
                p: Some(0.0),
                r: Some(0.0),
                f1: Some(0.0)
            }
        );
        assert_eq!(quote_prf(&zero).p, Some(1.0));
        assert_eq!(attribution_accuracy(&zero), Some(0.0));
        let c = counts(36, 30, 20, 5);
        let prf = pair_prf(&c);
        assert!((prf.p.unwrap() - 20.0 / 30.0).abs() < 1e-12);
        assert!((prf.r.unwrap() - 20.0 / 36.0).abs() < 1e-12);
        assert!((prf.f1.unwrap() - 40.0 / 66.0).abs() < 1e-12);
    }

    #[test]
    fn percentile_interval_interpolates_like_numpy() {
        let values: Vec<f64> = (0..=100).rev().map(f64::from).collect();
        assert_eq!(percentile_interval(&values), Some([2.5, 97.5]));
        // numpy.percentile([1, 2, 3, 4], [2.5, 97.5]) == [1.075, 3.925]
        let [lo, hi] = percentile_interval(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert!((lo - 1.075).abs() < 1e-12 && (hi - 3.925).abs() < 1e-12);
        assert_eq!(percentile_interval(&[0.5]), Some([0.5, 0.5]));
        assert_eq!(percentile_interval(&[]), None);
    }

    #[test]
    fn resamples_are_seeded_and_in_range() {
        let mut first = Vec::new();
        for_each_resample(7, 5, 12345, |idx| first.push(idx.to_vec()));
        let mut second = Vec::new();
        for_each_resample(7, 5, 12345, |idx| second.push(idx.to_vec()));
        assert_eq!(first, second);
        assert_eq!(first.len(), 5);
        assert!(
            first
                .iter()
                .all(|l| l.len() == 7 && l.iter().all(|&i| i < 7))
        );
        let mut other = Vec::new();
        for_each_resample(7, 5, 1, |idx| other.push(idx.to_vec()));
        assert_ne!(first, other);
        let mut empties = 0;
        for_each_resample(0, 3, 1, |idx| {
            assert!(idx.is_empty());
            empties += 1;
        });
        assert_eq!(empties, 3);
    }
}
