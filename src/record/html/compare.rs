//! `compare --format html`: the paired differences as a chart and a table, then the
//! articles whose outcomes changed, each with the quotes that changed and its text
//! marked before (baseline) and after (candidate).

use super::browser::{self, Segment};
use super::svg::{self, Bar, BarChart, BarGroup};
use super::{Chart, TEXT_BUDGET, TextLookup, chart, render};
use crate::attribution::Attribution;
use crate::compare::{Comparison, Verdict};
use crate::error::Result;
use crate::record::saved::{self, QuoteChange, SavedArticle};
use crate::record::{LoadedRun, ratio};
use crate::scoring::OutcomeKind;
use serde::Serialize;
use std::collections::HashMap;

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
    let verdict = comparison.verdict_line();
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

    let index = |run| -> HashMap<(&str, &str, &str), SavedArticle> {
        saved::articles(run)
            .into_iter()
            .map(|a| ((a.model(), a.dataset(), a.article_id()), a))
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
                    let key = |model| (model, pair.dataset.as_str(), article.article_id.as_str());
                    let b = base_index.get(&key(pair.base_model.as_str()))?;
                    let c = cand_index.get(&key(pair.cand_model.as_str()))?;
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
                    let summary = article.change_labels().join(", ");
                    Some(ChangedArticle {
                        id: article.article_id.clone(),
                        summary,
                        rows: article.quotes.iter().map(changed_row).collect(),
                        before: browser::article(b, text.as_deref()).segments,
                        after: browser::article(c, text.as_deref()).segments,
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

/// How a quote fared in one run: outcome and predicted speaker; `–` where the run has
/// no such row (a spurious prediction the other run alone made).
fn fate(kind: Option<OutcomeKind>, pred: Option<&Attribution>) -> String {
    let Some(kind) = kind else {
        return "–".to_string();
    };
    let label = browser::kind_label(kind);
    match pred {
        Some(p) if !p.speaker.is_empty() => format!("{label} ({})", p.speaker),
        Some(_) => format!("{label} (no speaker)"),
        None => label.to_string(),
    }
}

/// A changed quote as the page lists it; a gain is the candidate doing better on it (a
/// gold quote found or its speaker fixed, a spurious prediction gone).
fn changed_row(change: &QuoteChange) -> ChangedRow {
    use OutcomeKind::{Cor, Inc, Mis, Spu};
    let gain = matches!(
        (change.before, change.after),
        (_, Some(Cor)) | (Some(Mis), Some(Inc)) | (Some(Spu), None)
    );
    let row = change
        .gold
        .as_ref()
        .or(change.pred_after.as_ref())
        .or(change.pred_before.as_ref());
    ChangedRow {
        quote: browser::shortened(row.map_or("", |r| r.quote.as_str())),
        gold_speaker: change
            .gold
            .as_ref()
            .map(|g| g.speaker.clone())
            .unwrap_or_default(),
        before: fate(change.before, change.pred_before.as_ref()),
        after: fate(change.after, change.pred_after.as_ref()),
        gain,
    }
}
