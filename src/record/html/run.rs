//! `report.html` of a run: the headline, the charts, one section per model × dataset
//! and the article browser.

use super::articles::{BROWSER_ARTICLES, BrowserSection, browser_sections};
use super::svg::{self, Bar, BarChart, BarGroup, PrPoint};
use super::{Chart, TextLookup, chart, render};
use crate::attribution::{MentionType, QuoteType};
use crate::error::Result;
use crate::model::Task;
use crate::record::{
    COUNT_COLUMNS, PAIR_COLUMNS, RunRecord, TaskResult, count_cells, interval, pair_cells, ratio,
    speakers_cells,
};
use crate::scoring::{PerScheme, Scheme};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Serialize)]
struct HeadlineRow {
    dataset: String,
    model: String,
    figures: Vec<String>,
    errors: usize,
}

#[derive(Serialize)]
struct ConfusionRow {
    gold: String,
    pred: String,
    count: u64,
}

#[derive(Serialize)]
struct CurveView {
    svg: String,
    average_precision: String,
    best_threshold: String,
    best_f1: String,
    thresholds: usize,
    rows_without_confidence: usize,
}

#[derive(Serialize)]
struct ResultView {
    model: String,
    dataset: String,
    /// Scheme rows of figures (extract) or one row (speakers).
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    charts: Vec<Chart>,
    confusion: Vec<ConfusionRow>,
    confusion_more: Option<usize>,
    curve: Option<CurveView>,
    errors: Vec<String>,
    warnings: Vec<String>,
    /// What a model that calls a service spent, as report.md says it.
    usage: Option<String>,
}

#[derive(Serialize)]
struct RunReport<'a> {
    name: &'a str,
    record: &'a RunRecord,
    speakers: bool,
    headline_header: Vec<&'static str>,
    headline: Vec<HeadlineRow>,
    charts: Vec<Chart>,
    results: Vec<ResultView>,
    browser: Vec<BrowserSection>,
    browser_limit: usize,
}

fn label(result: &TaskResult) -> String {
    format!("{} · {}", result.model(), result.dataset())
}

/// `report.html` of a run: charts, tables and the article browser, built from the
/// record and the run's `articles.jsonl` (read line by line, so memory holds only the
/// articles shown), with texts from `texts`.
pub fn run_report(
    name: &str,
    record: &RunRecord,
    articles_jsonl: &Path,
    texts: &TextLookup<'_>,
) -> Result<String> {
    let speakers = record.task == Task::Speakers;
    let mut headline_header = vec!["dataset", "model"];
    headline_header.extend(if speakers {
        &["speaker acc", "acc 95% CI", "coverage", "answered acc"][..]
    } else {
        &PAIR_COLUMNS[..]
    });
    headline_header.extend(["articles/s", "p95 ms"]);
    let headline = record
        .results
        .iter()
        .map(|result| {
            let mut figures = match result {
                TaskResult::Extract(r) => pair_cells(&r.scores.overlap).to_vec(),
                TaskResult::Speakers(r) => vec![
                    ratio(r.scores.speaker_accuracy),
                    interval(r.scores.speaker_accuracy_ci95),
                    ratio(r.scores.coverage),
                    ratio(r.scores.answered_accuracy),
                ],
            };
            match result.throughput() {
                Some(t) => figures.extend([
                    format!("{:.0}", t.articles_per_s),
                    format!("{:.2}", t.latency_ms.p95),
                ]),
                None => figures.extend(["–".to_string(), "–".to_string()]),
            }
            HeadlineRow {
                dataset: result.dataset().to_string(),
                model: result.model().to_string(),
                figures,
                errors: result.errors().len(),
            }
        })
        .collect();

    let report = RunReport {
        name,
        record,
        speakers,
        headline_header,
        headline,
        charts: overview_charts(record),
        results: record.results.iter().map(result_view).collect(),
        browser: browser_sections(record.task, articles_jsonl, texts)?,
        browser_limit: BROWSER_ARTICLES,
    };
    render("report.html", report)
}

fn overview_charts(record: &RunRecord) -> Vec<Chart> {
    let mut charts = Vec::new();
    if record.task == Task::Speakers {
        charts.push(one_series_chart(
            "Speaker accuracy with its 95% interval, per model × dataset",
            "speaker accuracy",
            labelled(record, TaskResult::as_speakers)
                .map(|(label, r)| {
                    let s = &r.scores;
                    (label, s.speaker_accuracy, s.speaker_accuracy_ci95)
                })
                .collect(),
            [0.0, 1.0],
            svg::ratio,
        ));
    } else {
        charts.push(one_series_chart(
            "Pair F1 (overlap scheme) with its 95% interval, per model × dataset",
            "pair F1",
            labelled(record, TaskResult::as_extract)
                .map(|(label, r)| {
                    let pair = &r.scores.overlap.pair;
                    (label, pair.f1, pair.f1_ci95)
                })
                .collect(),
            [0.0, 1.0],
            svg::ratio,
        ));
        charts.push(chart(BarChart {
            title: "Pair F1 under the three schemes".into(),
            series: Scheme::ALL.iter().map(|s| s.as_str().to_string()).collect(),
            groups: labelled(record, TaskResult::as_extract)
                .map(|(label, r)| BarGroup {
                    label,
                    bars: Scheme::ALL
                        .iter()
                        .enumerate()
                        .map(|(i, &scheme)| Bar {
                            value: r.scores.get(scheme).pair.f1,
                            interval: r.scores.get(scheme).pair.f1_ci95,
                            series: i,
                        })
                        .collect(),
                })
                .collect(),
            domain: [0.0, 1.0],
            format: svg::ratio,
        }));
    }
    let throughput: Vec<(String, f64)> = record
        .results
        .iter()
        .filter_map(|r| r.throughput().map(|t| (label(r), t.articles_per_s)))
        .collect();
    if !throughput.is_empty() {
        let max = throughput.iter().map(|(_, v)| *v).fold(0.0, f64::max);
        charts.push(one_series_chart(
            "Throughput, articles per second",
            "articles/s",
            throughput
                .into_iter()
                .map(|(label, value)| (label, Some(value), None))
                .collect(),
            [0.0, if max > 0.0 { max } else { 1.0 }],
            svg::whole,
        ));
    }
    charts
}

/// A chart of one bar per group: `(label, value, 95% interval)`.
fn one_series_chart(
    title: &str,
    series: &str,
    bars: Vec<(String, Option<f64>, Option<[f64; 2]>)>,
    domain: [f64; 2],
    format: fn(f64) -> String,
) -> Chart {
    chart(BarChart {
        title: title.into(),
        series: vec![series.into()],
        groups: bars
            .into_iter()
            .map(|(label, value, interval)| BarGroup {
                label,
                bars: vec![Bar {
                    value,
                    interval,
                    series: 0,
                }],
            })
            .collect(),
        domain,
        format,
    })
}

/// The results of the run's task, each with its label: `pick` is
/// [`TaskResult::as_extract`] or [`TaskResult::as_speakers`].
fn labelled<'a, T>(
    record: &'a RunRecord,
    pick: fn(&'a TaskResult) -> Option<&'a T>,
) -> impl Iterator<Item = (String, &'a T)> + 'a {
    record
        .results
        .iter()
        .filter_map(move |r| pick(r).map(|picked| (label(r), picked)))
}

/// The figures of one result: its table, its charts, its confidence curve.
struct Figures {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    charts: Vec<Chart>,
    curve: Option<CurveView>,
}

fn result_view(result: &TaskResult) -> ResultView {
    let (figures, confusion, more) = match result {
        TaskResult::Extract(r) => (
            extract_figures(r, &label(result)),
            &r.speaker_confusion,
            r.speaker_confusion_pairs,
        ),
        TaskResult::Speakers(r) => (
            speakers_figures(r),
            &r.speaker_confusion,
            r.speaker_confusion_pairs,
        ),
    };
    let shown = |name: &str| {
        if name.is_empty() {
            "(none)".to_string()
        } else {
            name.to_string()
        }
    };
    ResultView {
        model: result.model().to_string(),
        dataset: result.dataset().to_string(),
        header: figures.header,
        rows: figures.rows,
        charts: figures.charts,
        confusion: confusion
            .iter()
            .map(|p| ConfusionRow {
                gold: shown(&p.gold),
                pred: shown(&p.pred),
                count: p.count,
            })
            .collect(),
        confusion_more: more,
        curve: figures.curve,
        errors: result
            .errors()
            .iter()
            .map(|e| match &e.article_id {
                Some(id) => format!("{id}: {}", e.message),
                None => e.message.clone(),
            })
            .collect(),
        warnings: result.warnings().to_vec(),
        usage: result
            .throughput()
            .and_then(|t| t.usage.as_ref())
            .map(crate::record::report::usage_line),
    }
}

fn extract_figures(r: &crate::record::ResultRecord, label: &str) -> Figures {
    let header = ["scheme"]
        .into_iter()
        .chain(COUNT_COLUMNS)
        .chain(PAIR_COLUMNS)
        .collect();
    let rows = Scheme::ALL
        .iter()
        .map(|&scheme| {
            let s = r.scores.get(scheme);
            [scheme.as_str().to_string()]
                .into_iter()
                .chain(count_cells(&s.counts))
                .chain(pair_cells(s))
                .collect()
        })
        .collect();
    let mut charts = Vec::new();
    if !r.by_type.is_empty() {
        charts.push(recall_chart(
            "Pair recall by gold type",
            &QuoteType::ALL,
            &r.by_type,
            |t| t.recall,
        ));
    }
    if !r.by_mention_type.is_empty() {
        charts.push(recall_chart(
            "Pair recall by gold mention_type",
            &MentionType::ALL,
            &r.by_mention_type,
            |t| t.recall,
        ));
    }
    let curve = r.confidence_curve.as_ref().map(|c| {
        let point = |p: &crate::scoring::CurvePoint| {
            Some(PrPoint {
                recall: p.r?,
                precision: p.p?,
                threshold: p.threshold,
            })
        };
        let points: Vec<PrPoint> = c.points.iter().filter_map(point).collect();
        CurveView {
            svg: svg::pr_curve(
                &format!("Precision–recall of pairs over confidence, {label}"),
                &points,
                c.best_f1.as_ref().and_then(point),
            ),
            average_precision: ratio(c.average_precision),
            best_threshold: c
                .best_f1
                .map_or_else(|| "–".into(), |b| format!("{}", b.threshold)),
            best_f1: ratio(c.best_f1.and_then(|b| b.f1)),
            thresholds: c.points.len(),
            rows_without_confidence: c.rows_without_confidence,
        }
    });
    Figures {
        header,
        rows,
        charts,
        curve,
    }
}

/// Pair recall per gold category (type or mention type), one bar per scheme.
fn recall_chart<K: Ord + std::fmt::Display, V>(
    title: &str,
    categories: &[K],
    by_category: &BTreeMap<K, PerScheme<V>>,
    recall: impl Fn(&V) -> Option<f64>,
) -> Chart {
    chart(BarChart {
        title: title.into(),
        series: Scheme::ALL.iter().map(|s| s.as_str().into()).collect(),
        groups: categories
            .iter()
            .filter_map(|category| {
                let per = by_category.get(category)?;
                Some(BarGroup {
                    label: category.to_string(),
                    bars: Scheme::ALL
                        .iter()
                        .enumerate()
                        .map(|(series, &scheme)| Bar {
                            value: recall(per.get(scheme)),
                            interval: None,
                            series,
                        })
                        .collect(),
                })
            })
            .collect(),
        domain: [0.0, 1.0],
        format: svg::ratio,
    })
}

fn speakers_figures(r: &crate::record::SpeakersResultRecord) -> Figures {
    let header = crate::record::SPEAKERS_COLUMNS.to_vec();
    let rows = vec![speakers_cells(&r.scores).to_vec()];
    let accuracy = |title: &str, groups: Vec<(String, Option<f64>)>| {
        let bars = groups
            .into_iter()
            .map(|(label, value)| (label, value, None));
        one_series_chart(
            title,
            "speaker accuracy",
            bars.collect(),
            [0.0, 1.0],
            svg::ratio,
        )
    };
    let mut charts = vec![accuracy(
        "Speaker accuracy by gold type",
        r.by_type
            .iter()
            .map(|(t, a)| (t.to_string(), a.speaker_accuracy))
            .collect(),
    )];
    if !r.by_mention_type.is_empty() {
        charts.push(accuracy(
            "Speaker accuracy by gold mention_type",
            r.by_mention_type
                .iter()
                .map(|(t, a)| (t.to_string(), a.speaker_accuracy))
                .collect(),
        ));
    }
    Figures {
        header,
        rows,
        charts,
        curve: None,
    }
}
