//! `compare --format html`: the paired differences as a chart and a table, then the
//! articles whose outcomes changed, each with the quotes that changed and its text
//! marked before (baseline) and after (candidate).

use super::browser::{self, Segment};
use super::svg::{self, Bar, BarChart, BarGroup};
use super::{Chart, TEXT_BUDGET, TextLookup, chart, render};
use crate::attribution::Attribution;
use crate::compare::{Comparison, Verdict};
use crate::error::Result;
use crate::record::{ArticleLine, LoadedRun, ratio};
use crate::scoring::OutcomeKind;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Changed articles shown per model pair × dataset, most changed first.
pub const CHANGED_ARTICLES: usize = 50;

#[derive(Serialize)]
struct MetricRow {
    model: String,
    dataset: String,
    metric: &'static str,
    base: String,
    cand: String,
    diff: String,
    interval: String,
    p_bootstrap: String,
    p_randomization: Option<String>,
    verdict: &'static str,
    /// `worse`, `better` or `same`, as a CSS class.
    class: &'static str,
}

#[derive(Serialize)]
struct ChangedRow {
    quote: String,
    gold_speaker: String,
    before: String,
    after: String,
    /// Whether the candidate is better on this row.
    gain: bool,
}

#[derive(Serialize)]
struct ChangedArticle {
    /// `shown`, `missing` (the dataset is not where the run read it) or `over budget`.
    text_state: &'static str,
    id: String,
    summary: String,
    rows: Vec<ChangedRow>,
    before: Vec<Segment>,
    after: Vec<Segment>,
}

#[derive(Serialize)]
struct ChangedPair {
    model: String,
    dataset: String,
    articles: usize,
    changed: usize,
    shown: Vec<ChangedArticle>,
}

#[derive(Serialize)]
struct CompareReport<'a> {
    comparison: &'a Comparison,
    verdict: &'static str,
    gate_fails: bool,
    chart: Chart,
    with_ar: bool,
    metrics: Vec<MetricRow>,
    changed: Vec<ChangedPair>,
    changed_limit: usize,
}

fn signed(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:+.3}"))
}

fn p(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.4}"))
}

fn pair_model(base: &str, cand: &str) -> String {
    if base == cand {
        base.to_string()
    } else {
        format!("{base} → {cand}")
    }
}

pub fn compare_html(
    comparison: &Comparison,
    base: &LoadedRun,
    cand: &LoadedRun,
    texts: &TextLookup<'_>,
) -> Result<String> {
    let verdict = if comparison.has_regression() {
        "REGRESSION: the gate fails"
    } else if comparison.gate_fails() {
        "the candidate lacks part of the baseline (--strict): the gate fails"
    } else {
        "no significant regression: the gate passes"
    };
    let mut metrics = Vec::new();
    let mut groups = Vec::new();
    let mut reach: f64 = 0.05;
    for pair in &comparison.pairs {
        let model = pair_model(&pair.base_model, &pair.cand_model);
        for m in &pair.metrics {
            let (verdict, class) = match m.verdict {
                Verdict::Worse => ("worse ✗", "worse"),
                Verdict::Better => ("better ✓", "better"),
                Verdict::NotTested => ("not significance-tested", "same"),
                Verdict::NoSignificantChange => ("no significant change", "same"),
            };
            for v in m.diff.into_iter().chain(m.diff_ci95.into_iter().flatten()) {
                reach = reach.max(v.abs());
            }
            groups.push(BarGroup {
                label: format!("{model} · {} · {}", pair.dataset, m.metric.label()),
                bars: vec![Bar {
                    value: m.diff,
                    interval: m.diff_ci95,
                    series: 0,
                }],
            });
            metrics.push(MetricRow {
                model: model.clone(),
                dataset: pair.dataset.clone(),
                metric: m.metric.label(),
                base: ratio(m.base),
                cand: ratio(m.cand),
                diff: signed(m.diff),
                interval: m
                    .diff_ci95
                    .map_or_else(|| "–".into(), |[lo, hi]| format!("[{lo:+.3}, {hi:+.3}]")),
                p_bootstrap: p(m.p_bootstrap),
                p_randomization: m.p_randomization.map(|v| format!("{v:.4}")),
                verdict,
                class,
            });
        }
    }
    // A round axis end a little past the widest interval.
    let reach = (reach * 1.1 * 20.0).ceil() / 20.0;
    let chart = chart(BarChart {
        title: "Candidate − baseline, with the paired bootstrap's 95% interval".into(),
        series: vec!["difference".into()],
        groups,
        domain: [-reach, reach],
        format: svg::signed,
    });

    let index = |run: &'_ LoadedRun| -> HashMap<(String, String, String), usize> {
        run.articles
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    (l.model.clone(), l.dataset.clone(), l.article_id.clone()),
                    i,
                )
            })
            .collect()
    };
    let (base_index, cand_index) = (index(base), index(cand));
    // Each text is shown twice (before and after).
    let mut budget = TEXT_BUDGET / 2;
    let changed = comparison
        .pairs
        .iter()
        .map(|pair| {
            let shown = pair
                .changed_articles
                .iter()
                .take(CHANGED_ARTICLES)
                .filter_map(|article| {
                    let key = |model: &str| {
                        (
                            model.to_string(),
                            pair.dataset.clone(),
                            article.article_id.clone(),
                        )
                    };
                    let b = &base.articles[*base_index.get(&key(&pair.base_model))?];
                    let c = &cand.articles[*cand_index.get(&key(&pair.cand_model))?];
                    let found = texts(&pair.dataset, &article.article_id);
                    let text_state = match &found {
                        None => "missing",
                        Some(t) if t.len() > budget => "over budget",
                        Some(t) => {
                            budget -= t.len();
                            "shown"
                        }
                    };
                    let text = found.filter(|_| text_state == "shown");
                    let summary = article
                        .changes
                        .iter()
                        .map(|(change, n)| {
                            format!(
                                "{} {} {n}",
                                if change.is_gain() { "+" } else { "−" },
                                change.label()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    Some(ChangedArticle {
                        id: article.article_id.clone(),
                        summary,
                        rows: changed_rows(b, c),
                        before: browser::extract_article(b, text.as_deref()).segments,
                        after: browser::extract_article(c, text.as_deref()).segments,
                        text_state,
                    })
                })
                .collect();
            ChangedPair {
                model: pair_model(&pair.base_model, &pair.cand_model),
                dataset: pair.dataset.clone(),
                articles: pair.articles,
                changed: pair.changed_articles.len(),
                shown,
            }
        })
        .collect();
    render(
        "compare.html",
        CompareReport {
            comparison,
            verdict,
            gate_fails: comparison.gate_fails(),
            chart,
            with_ar: metrics.iter().any(|m| m.p_randomization.is_some()),
            metrics,
            changed,
            changed_limit: CHANGED_ARTICLES,
        },
    )
}

/// How one gold row (or one spurious prediction) fared: outcome and predicted speaker.
fn fate(kind: OutcomeKind, pred: Option<&Attribution>) -> String {
    let label = browser::kind_label(kind);
    match pred {
        Some(p) if !p.speaker.is_empty() => format!("{label} ({})", p.speaker),
        Some(_) => format!("{label} (no speaker)"),
        None => label.to_string(),
    }
}

/// A gold row, or a spurious prediction, as both runs identify it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey {
    span: Option<(usize, usize)>,
    quote: String,
    /// Empty for a gold row; the predicted speaker for a spurious prediction.
    speaker: String,
}

/// How a row fared in one run.
struct Fate {
    shown: String,
    gold_speaker: String,
    cor: bool,
    spurious: bool,
}

/// The rows whose outcome or predicted speaker differ between the two lines, under
/// the headline `overlap` scheme: gold rows by their span and quote, spurious
/// predictions by span, quote and speaker.
fn changed_rows(base: &ArticleLine, cand: &ArticleLine) -> Vec<ChangedRow> {
    let fates = |line: &ArticleLine| {
        let mut out: BTreeMap<RowKey, Fate> = BTreeMap::new();
        for o in &line.schemes.overlap.outcomes {
            let (row, spurious) = match (&o.gold, &o.pred) {
                (Some(g), _) => (g, false),
                (None, Some(p)) => (p, true),
                (None, None) => continue,
            };
            let key = RowKey {
                span: row.quote_span.map(|s| (s.start, s.end)),
                quote: row.quote.clone(),
                speaker: if spurious {
                    row.speaker.clone()
                } else {
                    String::new()
                },
            };
            out.insert(
                key,
                Fate {
                    shown: fate(o.kind, o.pred.as_ref()),
                    gold_speaker: o
                        .gold
                        .as_ref()
                        .map(|g| g.speaker.clone())
                        .unwrap_or_default(),
                    cor: o.kind == OutcomeKind::Cor,
                    spurious,
                },
            );
        }
        out
    };
    let (before, after) = (fates(base), fates(cand));
    let mut keys: Vec<&RowKey> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (b, a) = (before.get(key), after.get(key));
            if b.map(|f| &f.shown) == a.map(|f| &f.shown) {
                return None;
            }
            // Better: a COR gained, or a spurious prediction gone.
            let gain = match (b, a) {
                (_, Some(a)) => a.cor,
                (Some(b), None) => b.spurious,
                (None, None) => false,
            };
            Some(ChangedRow {
                quote: browser::shortened(&key.quote),
                gold_speaker: b.or(a).map(|f| f.gold_speaker.clone()).unwrap_or_default(),
                before: b.map_or_else(|| "–".into(), |f| f.shown.clone()),
                after: a.map_or_else(|| "–".into(), |f| f.shown.clone()),
                gain,
            })
        })
        .collect()
}
