//! `attr-eval compare`: is a candidate run better or worse than a baseline, and is the
//! difference real? (docs/compare.md)
//!
//! Both runs are reduced to per-article outcome counts of the headline scheme
//! (`overlap`). A *paired* bootstrap resamples the article list with replacement and
//! re-sums both runs' counts over the same resampled lists; the difference of each
//! metric over the resamples gives a 95% percentile interval and a p-value.
//!
//! The p-value follows sacreBLEU's paired bootstrap: the resampled absolute differences
//! are centred on their mean (the null hypothesis of no difference) and
//! `p = (c + 1) / (n + 1)`, where `c` counts centred differences at least as large as the
//! observed absolute difference. sacreBLEU counts strictly larger ones; we count ties too
//! so that two identical runs get `p = 1` rather than `1/(n+1)`, which would read as a
//! significant change where there is none. Away from exact ties the two agree.

use crate::error::{Error, Result};
use crate::model::Task;
use crate::record::saved::{self, QuoteChange, SavedArticle};
use crate::record::{LoadedRun, RunRecord, read_run};
use crate::scoring::{self, Counts, OutcomeKind, Scheme};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The figures compared: each has its own difference, interval and p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    PairF1,
    QuoteF1,
    AttributionAccuracy,
    /// The speakers task's headline: COR / gold.
    SpeakerAccuracy,
    /// The speakers task: (COR + INC) / gold.
    Coverage,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::PairF1, Metric::QuoteF1, Metric::AttributionAccuracy];
    /// What a speakers run is compared on, its headline first.
    pub const SPEAKERS: [Metric; 2] = [Metric::SpeakerAccuracy, Metric::Coverage];

    pub fn label(self) -> &'static str {
        match self {
            Metric::PairF1 => "pair F1",
            Metric::QuoteF1 => "quote F1",
            Metric::AttributionAccuracy => "attribution accuracy",
            Metric::SpeakerAccuracy => "speaker accuracy",
            Metric::Coverage => "coverage",
        }
    }

    pub fn of(self, counts: &Counts) -> Option<f64> {
        let ratio = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
        match self {
            Metric::PairF1 => scoring::pair_f1(counts),
            Metric::QuoteF1 => scoring::quote_f1(counts),
            Metric::AttributionAccuracy => scoring::attribution_accuracy(counts),
            Metric::SpeakerAccuracy => ratio(counts.cor, counts.gold),
            Metric::Coverage => ratio(counts.cor + counts.inc, counts.gold),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareOptions {
    pub pairs: Vec<(String, String)>,
    pub max_drop: f64,
    pub alpha: f64,
    pub resamples: usize,
    pub seed: u64,
    /// Also run an approximate randomization test; a verdict then needs both p-values
    /// below `alpha`.
    pub randomization: bool,
    /// Fail the gate when the candidate lacks a model or dataset of the baseline.
    pub strict: bool,
}

/// What a row of the comparison says (docs/compare.md#verdicts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Significantly higher in the candidate.
    Better,
    /// Lower by more than `--max-drop`, significantly (or, when it cannot be tested,
    /// by the drop alone).
    Worse,
    NoSignificantChange,
    /// The bootstrap could show no uncertainty (fewer than 2 articles with gold rows,
    /// or every resampled difference equal) and the drop is within `--max-drop`.
    NotTested,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoSignificantChange => "no significant change",
            Verdict::NotTested => "not tested",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricComparison {
    pub metric: Metric,
    pub base: Option<f64>,
    pub cand: Option<f64>,
    /// `cand − base`; `None` when either is undefined.
    pub diff: Option<f64>,
    /// 95% percentile interval of the resampled differences.
    pub diff_ci95: Option<[f64; 2]>,
    /// Paired bootstrap p-value (two-sided); `None` when the bootstrap cannot show
    /// uncertainty (then `significance_tested` is false).
    pub p_bootstrap: Option<f64>,
    /// Approximate randomization p-value, with `--test ar`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_randomization: Option<f64>,
    pub significance_tested: bool,
    pub verdict: Verdict,
}

/// What changed for one gold row or the spurious count of one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    QuoteFound,
    QuoteFoundWrongSpeaker,
    QuoteLost,
    SpeakerFixed,
    SpeakerBroken,
    FewerSpurious,
    MoreSpurious,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::QuoteFound => "gold quote found",
            Change::QuoteFoundWrongSpeaker => "gold quote found, wrong speaker",
            Change::QuoteLost => "gold quote lost",
            Change::SpeakerFixed => "speaker fixed",
            Change::SpeakerBroken => "speaker broken",
            Change::FewerSpurious => "fewer spurious",
            Change::MoreSpurious => "more spurious",
        }
    }

    /// True for changes that make the candidate better.
    pub fn is_gain(self) -> bool {
        matches!(
            self,
            Change::QuoteFound
                | Change::QuoteFoundWrongSpeaker
                | Change::SpeakerFixed
                | Change::FewerSpurious
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleChange {
    pub article_id: String,
    /// Change → how many rows it concerns.
    pub changes: BTreeMap<Change, u64>,
    pub total: u64,
    /// The quotes whose outcome changed, in text order, for the text and markdown
    /// outputs; left out of the JSON, whose shape docs/compare.md fixes.
    #[serde(skip)]
    pub quotes: Vec<QuoteChange>,
}

impl ArticleChange {
    /// Each change with its count, `+ MIS→COR 2`, gains marked `+` and losses `−`.
    pub fn change_labels(&self) -> Vec<String> {
        self.changes
            .iter()
            .map(|(change, n)| {
                let sign = if change.is_gain() { "+" } else { "−" };
                format!("{sign} {} {n}", change.label())
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairComparison {
    pub base_model: String,
    pub cand_model: String,
    pub dataset: String,
    pub articles: usize,
    pub metrics: Vec<MetricComparison>,
    /// The headline metric's verdict (pair F1, or speaker accuracy in the speakers
    /// task): the gate fails when it is `worse`.
    pub verdict: Verdict,
    pub regression: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_articles: Vec<ArticleChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub base: String,
    pub cand: String,
    pub scheme: &'static str,
    pub seed: u64,
    pub resamples: usize,
    pub max_drop: f64,
    pub alpha: f64,
    pub pairs: Vec<PairComparison>,
    /// What the baseline has and the candidate lacks (models, datasets, a model's lines
    /// on a dataset): named in every format so nothing is dropped silently; `--strict`
    /// fails the gate on it.
    pub missing: Vec<String>,
    /// What only the candidate has (new models, new datasets): listed, never a failure.
    pub unpaired: Vec<String>,
    pub strict: bool,
}

impl Comparison {
    pub fn has_regression(&self) -> bool {
        self.pairs.iter().any(|p| p.regression)
    }

    /// Whether the gate fails: a regression, or with `--strict` anything missing.
    pub fn gate_fails(&self) -> bool {
        self.has_regression() || (self.strict && !self.missing.is_empty())
    }

    /// The gate's verdict in words, as every format states it first.
    pub fn verdict_line(&self) -> &'static str {
        if self.has_regression() {
            "REGRESSION: the gate fails"
        } else if self.gate_fails() {
            "the candidate lacks part of the baseline (--strict): the gate fails"
        } else {
            "no significant regression: the gate passes"
        }
    }
}

/// Reads two run folders and compares them.
pub fn compare_paths(base: &Path, cand: &Path, options: &CompareOptions) -> Result<Comparison> {
    let base_run = read_run(base)?;
    let cand_run = read_run(cand)?;
    let mut comparison = compare_runs(&base_run, &cand_run, options)?;
    comparison.base = base.display().to_string();
    comparison.cand = cand.display().to_string();
    Ok(comparison)
}

fn check_comparable(base: &RunRecord, cand: &RunRecord) -> Result<()> {
    if base.task != cand.task {
        return Err(Error::Incomparable(format!(
            "the baseline ran the `{}` task and the candidate the `{}` task: runs of \
             different tasks measure different things and are not compared",
            base.task, cand.task
        )));
    }
    let (b, c) = (&base.scoring, &cand.scoring);
    if b.overlap != c.overlap || b.speaker_match != c.speaker_match || b.types != c.types {
        return Err(Error::Incomparable(format!(
            "the runs were scored differently (base: overlap {}, speaker match {}, types {:?}; \
             candidate: overlap {}, speaker match {}, types {:?}): re-run one with the other's \
             scoring flags",
            b.overlap,
            b.speaker_match.as_str(),
            b.types,
            c.overlap,
            c.speaker_match.as_str(),
            c.types
        )));
    }
    Ok(())
}

/// Pairs models by name (or by `options.pairs`) on datasets both runs share, and
/// compares each pair.
pub fn compare_runs(
    base: &LoadedRun,
    cand: &LoadedRun,
    options: &CompareOptions,
) -> Result<Comparison> {
    check_comparable(&base.record, &cand.record)?;
    let mut model_pairs: Vec<(String, String)> = options.pairs.clone();
    for model in &base.record.models {
        let explicitly_paired = model_pairs.iter().any(|(b, _)| b == &model.name);
        if !explicitly_paired && cand.record.models.iter().any(|m| m.name == model.name) {
            model_pairs.push((model.name.clone(), model.name.clone()));
        }
    }
    for (b, c) in &options.pairs {
        if !base.record.models.iter().any(|m| &m.name == b) {
            return Err(Error::Usage(format!(
                "--pair {b}={c}: the baseline has no model `{b}`"
            )));
        }
        if !cand.record.models.iter().any(|m| &m.name == c) {
            return Err(Error::Usage(format!(
                "--pair {b}={c}: the candidate has no model `{c}`"
            )));
        }
    }
    if model_pairs.is_empty() {
        return Err(Error::Incomparable(
            "nothing to compare: the runs share no model name (pair models with --pair \
             BASE_NAME=CAND_NAME)"
                .into(),
        ));
    }
    let mut unpaired: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for model in &base.record.models {
        if !model_pairs.iter().any(|(b, _)| b == &model.name) {
            missing.push(format!("model {} (baseline only)", model.name));
        }
    }
    for model in &cand.record.models {
        if !model_pairs.iter().any(|(_, c)| c == &model.name) {
            unpaired.push(format!("model {} (candidate only)", model.name));
        }
    }

    let base_lines = index_lines(base);
    let cand_lines = index_lines(cand);
    let metrics: &[Metric] = match base.record.task {
        Task::Extract => &Metric::ALL,
        Task::Speakers => &Metric::SPEAKERS,
    };
    let mut pairs = Vec::new();
    for dataset in &base.record.datasets {
        let Some(other) = cand.record.datasets.iter().find(|d| d.name == dataset.name) else {
            missing.push(format!("dataset {} (baseline only)", dataset.name));
            continue;
        };
        if other.fingerprint != dataset.fingerprint {
            return Err(Error::Incomparable(format!(
                "dataset `{}` differs between the runs (fingerprint {} vs {}): a comparison \
                 needs the same articles and gold; re-run both on one version of the dataset",
                dataset.name, dataset.fingerprint, other.fingerprint
            )));
        }
        for (base_model, cand_model) in &model_pairs {
            let key_base = (base_model.as_str(), dataset.name.as_str());
            let key_cand = (cand_model.as_str(), dataset.name.as_str());
            let (b, c) = match (base_lines.get(&key_base), cand_lines.get(&key_cand)) {
                (Some(b), Some(c)) => (b, c),
                (None, _) => {
                    missing.push(format!(
                        "{base_model} on {}: the baseline has no article lines",
                        dataset.name
                    ));
                    continue;
                }
                (Some(_), None) => {
                    missing.push(format!(
                        "{cand_model} on {}: the candidate has no article lines",
                        dataset.name
                    ));
                    continue;
                }
            };
            pairs.push(compare_pair(
                base_model,
                cand_model,
                &dataset.name,
                b,
                c,
                metrics,
                options,
            )?);
        }
    }
    for dataset in &cand.record.datasets {
        if !base.record.datasets.iter().any(|d| d.name == dataset.name) {
            unpaired.push(format!("dataset {} (candidate only)", dataset.name));
        }
    }
    // The gate never passes on nothing.
    if pairs.is_empty() {
        let why = if missing.is_empty() {
            "no model × dataset is in both runs".to_string()
        } else {
            missing.join("; ")
        };
        return Err(Error::Incomparable(format!(
            "nothing to compare between {} and {}: {why}",
            base.folder.display(),
            cand.folder.display()
        )));
    }
    Ok(Comparison {
        base: base.folder.display().to_string(),
        cand: cand.folder.display().to_string(),
        scheme: "overlap",
        seed: options.seed,
        resamples: options.resamples,
        max_drop: options.max_drop,
        alpha: options.alpha,
        pairs,
        missing,
        unpaired,
        strict: options.strict,
    })
}

type LineIndex<'a> = HashMap<(&'a str, &'a str), BTreeMap<&'a str, SavedArticle<'a>>>;

/// The article lines of a run by model × dataset, then by article id.
fn index_lines(run: &LoadedRun) -> LineIndex<'_> {
    let mut index: LineIndex<'_> = HashMap::new();
    for article in saved::articles(run) {
        index
            .entry((article.model(), article.dataset()))
            .or_default()
            .insert(article.article_id(), article);
    }
    index
}

fn compare_pair(
    base_model: &str,
    cand_model: &str,
    dataset: &str,
    base: &BTreeMap<&str, SavedArticle>,
    cand: &BTreeMap<&str, SavedArticle>,
    metrics: &[Metric],
    options: &CompareOptions,
) -> Result<PairComparison> {
    if base.len() != cand.len() || base.keys().any(|id| !cand.contains_key(id)) {
        return Err(Error::Incomparable(format!(
            "`{base_model}` and `{cand_model}` on `{dataset}` were scored on different \
             articles ({} vs {}): was one run interrupted?",
            base.len(),
            cand.len()
        )));
    }
    // Articles in id order in both: the pairing the bootstrap relies on.
    let base_counts: Vec<Counts> = base.values().map(|v| v.counts(Scheme::Overlap)).collect();
    let cand_counts: Vec<Counts> = cand.values().map(|v| v.counts(Scheme::Overlap)).collect();
    let metrics: Vec<MetricComparison> = metrics
        .iter()
        .map(|&metric| compare_metric(metric, &base_counts, &cand_counts, options))
        .collect();
    let verdict = metrics[0].verdict;
    let changed_articles = base
        .iter()
        .filter_map(|(id, b)| {
            let c = cand.get(id)?;
            // The speakers task has no spans to find or lose: its changes are not listed.
            if b.is_speakers() || c.is_speakers() {
                return None;
            }
            article_change(id, b, c)
        })
        .collect::<Vec<_>>();
    let mut changed_articles = changed_articles;
    changed_articles.sort_by(|a, b| b.total.cmp(&a.total).then(a.article_id.cmp(&b.article_id)));
    Ok(PairComparison {
        base_model: base_model.to_string(),
        cand_model: cand_model.to_string(),
        dataset: dataset.to_string(),
        articles: base_counts.len(),
        metrics,
        verdict,
        regression: verdict == Verdict::Worse,
        changed_articles,
    })
}

fn sum(counts: &[Counts], indices: &[usize]) -> Counts {
    let mut total = Counts::default();
    for &i in indices {
        total += counts[i];
    }
    total
}

fn total(counts: &[Counts]) -> Counts {
    let mut total = Counts::default();
    for c in counts {
        total += *c;
    }
    total
}

/// `(c + 1) / (n + 1)` over centred absolute differences; see the module docs.
fn p_value(abs_diffs: &[f64], observed: f64) -> Option<f64> {
    if abs_diffs.is_empty() {
        return None;
    }
    let mean = abs_diffs.iter().sum::<f64>() / abs_diffs.len() as f64;
    let c = abs_diffs
        .iter()
        .filter(|&&d| d - mean >= observed.abs())
        .count();
    Some((c + 1) as f64 / (abs_diffs.len() + 1) as f64)
}

pub fn compare_metric(
    metric: Metric,
    base: &[Counts],
    cand: &[Counts],
    options: &CompareOptions,
) -> MetricComparison {
    let base_value = metric.of(&total(base));
    let cand_value = metric.of(&total(cand));
    let diff = base_value.zip(cand_value).map(|(b, c)| c - b);
    let mut diffs = Vec::with_capacity(options.resamples);
    scoring::for_each_resample(base.len(), options.resamples, options.seed, |indices| {
        if let (Some(b), Some(c)) = (
            metric.of(&sum(base, indices)),
            metric.of(&sum(cand, indices)),
        ) {
            diffs.push(c - b);
        }
    });
    // With one article (or none) that has gold, or every resample giving the same
    // difference, the bootstrap shows no spread at all: `(c+1)/(n+1)` would then read
    // as certainty it does not have.
    let articles_with_gold = base.iter().filter(|c| c.gold > 0).count();
    let spread = diffs
        .first()
        .is_some_and(|first| diffs.iter().any(|d| d != first));
    let tested = diff.is_some() && articles_with_gold >= 2 && spread;
    let abs_diffs: Vec<f64> = diffs.iter().map(|d| d.abs()).collect();
    let p_bootstrap = diff.filter(|_| tested).and_then(|d| p_value(&abs_diffs, d));
    diffs.sort_by(f64::total_cmp);
    let diff_ci95 = diff.and_then(|_| scoring::percentile_interval(&diffs));
    let p_randomization = if options.randomization && tested {
        diff.and_then(|d| randomization_p(metric, base, cand, d, options))
    } else {
        None
    };
    let significant = p_bootstrap.is_some_and(|p| p < options.alpha)
        && (!options.randomization || p_randomization.is_some_and(|p| p < options.alpha));
    let drop = diff.map_or(0.0, |d| -d);
    let verdict = if !tested {
        if drop > options.max_drop {
            Verdict::Worse
        } else {
            Verdict::NotTested
        }
    } else if significant && drop > options.max_drop {
        Verdict::Worse
    } else if significant && drop < 0.0 {
        Verdict::Better
    } else {
        Verdict::NoSignificantChange
    };
    MetricComparison {
        metric,
        base: base_value,
        cand: cand_value,
        diff,
        diff_ci95,
        p_bootstrap,
        p_randomization,
        significance_tested: tested,
        verdict,
    }
}

/// Approximate randomization: swap each article's two outcomes with probability ½ and
/// count trials whose absolute difference reaches the observed one.
fn randomization_p(
    metric: Metric,
    base: &[Counts],
    cand: &[Counts],
    observed: f64,
    options: &CompareOptions,
) -> Option<f64> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(options.seed);
    let trials = options.resamples.max(1);
    let mut reached = 0usize;
    for _ in 0..trials {
        let (mut a, mut b) = (Counts::default(), Counts::default());
        for (x, y) in base.iter().zip(cand) {
            if rng.gen_bool(0.5) {
                a += *y;
                b += *x;
            } else {
                a += *x;
                b += *y;
            }
        }
        if let (Some(a), Some(b)) = (metric.of(&a), metric.of(&b))
            && (a - b).abs() >= observed.abs()
        {
            reached += 1;
        }
    }
    Some((reached + 1) as f64 / (trials + 1) as f64)
}

/// What happened to each gold row between two runs, matched by the gold row itself,
/// and which quotes changed (for `--articles` in text and markdown).
fn article_change(id: &str, base: &SavedArticle, cand: &SavedArticle) -> Option<ArticleChange> {
    let quotes = saved::changed_quotes(&base.rows(Scheme::Overlap), &cand.rows(Scheme::Overlap));
    let mut changes: BTreeMap<Change, u64> = BTreeMap::new();
    for quote in quotes.iter().filter(|q| q.gold.is_some()) {
        let change = match (quote.before, quote.after) {
            (Some(OutcomeKind::Mis), Some(OutcomeKind::Cor)) => Change::QuoteFound,
            (Some(OutcomeKind::Mis), Some(OutcomeKind::Inc)) => Change::QuoteFoundWrongSpeaker,
            (Some(OutcomeKind::Cor | OutcomeKind::Inc), Some(OutcomeKind::Mis)) => {
                Change::QuoteLost
            }
            (Some(OutcomeKind::Inc), Some(OutcomeKind::Cor)) => Change::SpeakerFixed,
            (Some(OutcomeKind::Cor), Some(OutcomeKind::Inc)) => Change::SpeakerBroken,
            _ => continue,
        };
        *changes.entry(change).or_default() += 1;
    }
    let (spu_before, spu_after) = (
        base.counts(Scheme::Overlap).spu,
        cand.counts(Scheme::Overlap).spu,
    );
    if spu_after > spu_before {
        changes.insert(Change::MoreSpurious, spu_after - spu_before);
    } else if spu_before > spu_after {
        changes.insert(Change::FewerSpurious, spu_before - spu_after);
    }
    let total: u64 = changes.values().sum();
    (total > 0).then(|| ArticleChange {
        article_id: id.to_string(),
        changes,
        total,
        quotes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::percentile_interval;

    fn counts(gold: u64, pred: u64, cor: u64) -> Counts {
        Counts {
            gold,
            pred,
            cor,
            inc: 0,
            mis: gold - cor,
            spu: pred - cor,
        }
    }

    fn options(resamples: usize) -> CompareOptions {
        CompareOptions {
            pairs: Vec::new(),
            max_drop: 0.0,
            alpha: 0.05,
            resamples,
            seed: 12345,
            randomization: true,
            strict: false,
        }
    }

    /// Identical runs: every resampled difference is 0, so nothing can be tested.
    #[test]
    fn identical_outcomes_are_not_tested_and_not_worse() {
        let base = vec![counts(4, 3, 2), counts(2, 2, 2), counts(5, 0, 0)];
        let m = compare_metric(Metric::PairF1, &base, &base, &options(500));
        assert_eq!(m.diff, Some(0.0));
        assert_eq!(m.diff_ci95, Some([0.0, 0.0]));
        assert_eq!(m.p_bootstrap, None);
        assert_eq!(m.p_randomization, None);
        assert!(!m.significance_tested);
        assert_eq!(m.verdict, Verdict::NotTested);
    }

    /// When every article has the same outcomes, every resample has the same F1s: the
    /// interval is one point and p is undefined, never 1/(n+1); the verdict follows
    /// the drop alone.
    #[test]
    fn a_constant_difference_is_judged_by_the_drop_alone() {
        let base = vec![counts(4, 4, 4); 10];
        let cand = vec![counts(4, 4, 2); 10];
        let m = compare_metric(Metric::PairF1, &base, &cand, &options(999));
        assert_eq!((m.base, m.cand, m.diff), (Some(1.0), Some(0.5), Some(-0.5)));
        assert_eq!(m.diff_ci95, Some([-0.5, -0.5]));
        assert_eq!(m.p_bootstrap, None);
        assert_eq!(m.verdict, Verdict::Worse);
        let tolerant = CompareOptions {
            max_drop: 0.6,
            ..options(999)
        };
        let m = compare_metric(Metric::PairF1, &base, &cand, &tolerant);
        assert_eq!(m.verdict, Verdict::NotTested);
    }

    /// One article with gold (the shipped seed): no spread to show.
    #[test]
    fn one_article_is_not_significance_tested() {
        let base = vec![counts(36, 38, 36)];
        let cand = vec![counts(36, 30, 20)];
        let m = compare_metric(Metric::PairF1, &base, &cand, &options(1000));
        assert_eq!(m.p_bootstrap, None);
        assert!(!m.significance_tested);
        assert_eq!(m.verdict, Verdict::Worse);
    }

    #[test]
    fn a_real_gain_is_better_and_with_ar_needs_both_p_values() {
        let base: Vec<Counts> = (0..40).map(|i| counts(4, 4, 1 + (i % 2))).collect();
        let cand: Vec<Counts> = (0..40).map(|i| counts(4, 4, 3 + (i % 2))).collect();
        let mut opts = options(500);
        opts.randomization = false;
        let m = compare_metric(Metric::PairF1, &base, &cand, &opts);
        assert!(m.significance_tested && m.p_bootstrap < Some(0.05));
        assert_eq!(m.verdict, Verdict::Better);
        // A randomization test with one trial cannot reach p < 0.05: no verdict then.
        let strict_ar = CompareOptions {
            randomization: true,
            resamples: 1,
            ..options(1)
        };
        let m = compare_metric(Metric::PairF1, &base, &cand, &strict_ar);
        assert_ne!(m.verdict, Verdict::Better);
    }

    /// The bootstrap computed by hand from the same resampled article lists.
    #[test]
    fn p_value_and_interval_agree_with_a_direct_computation() {
        let base = vec![
            counts(3, 3, 3),
            counts(2, 2, 1),
            counts(4, 2, 2),
            counts(1, 1, 0),
        ];
        let cand = vec![
            counts(3, 3, 1),
            counts(2, 2, 2),
            counts(4, 3, 1),
            counts(1, 2, 0),
        ];
        let opts = options(400);
        let m = compare_metric(Metric::PairF1, &base, &cand, &opts);

        let f1 = |c: &[Counts], idx: &[usize]| -> Option<f64> {
            let (g, p, cor) = idx.iter().fold((0u64, 0u64, 0u64), |(g, p, k), &i| {
                (g + c[i].gold, p + c[i].pred, k + c[i].cor)
            });
            (g > 0 && p > 0).then(|| 2.0 * cor as f64 / (g + p) as f64)
        };
        let all: Vec<usize> = (0..base.len()).collect();
        let observed = f1(&cand, &all).unwrap() - f1(&base, &all).unwrap();
        let mut diffs = Vec::new();
        scoring::for_each_resample(base.len(), opts.resamples, opts.seed, |idx| {
            if let (Some(b), Some(c)) = (f1(&base, idx), f1(&cand, idx)) {
                diffs.push(c - b);
            }
        });
        let mean_abs = diffs.iter().map(|d: &f64| d.abs()).sum::<f64>() / diffs.len() as f64;
        let reached = diffs
            .iter()
            .filter(|d| d.abs() - mean_abs >= observed.abs())
            .count();
        let p = (reached + 1) as f64 / (diffs.len() + 1) as f64;
        assert!((m.diff.unwrap() - observed).abs() < 1e-12);
        assert_eq!(m.p_bootstrap, Some(p));
        // The interval of the same differences (the percentile itself is checked against
        // numpy in scoring::aggregate).
        let [low, high] = m.diff_ci95.unwrap();
        let [expected_low, expected_high] = percentile_interval(&diffs).unwrap();
        assert!((low - expected_low).abs() < 1e-12);
        assert!((high - expected_high).abs() < 1e-12);
        assert!(low <= observed && observed <= high);
    }
}
