//! Tables a person reads: the text table of `score` and the `report.md` of a run.

use super::{ResultRecord, RunRecord, RunStatus, SpeakersResultRecord, TaskResult};
use crate::attribution::{MentionType, QuoteType};
use crate::scoring::{ConfusionPair, Counts, Scheme, Scores, SpeakerScores};
use comfy_table::{Cell, CellAlignment, Table, presets};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStyle {
    /// Box-drawing table for a terminal.
    Text,
    /// GitHub-flavoured markdown.
    Markdown,
}

/// A ratio for people: three decimals, `–` when undefined (never 0).
pub fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

/// A 95% interval for people, `–` when there is none.
pub fn interval(ci95: Option<[f64; 2]>) -> String {
    ci95.map_or_else(|| "–".to_string(), |[lo, hi]| format!("[{lo:.3}, {hi:.3}]"))
}

fn new_table(style: TableStyle, header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_preset(match style {
        TableStyle::Text => presets::UTF8_FULL_CONDENSED,
        TableStyle::Markdown => presets::ASCII_MARKDOWN,
    });
    table.set_header(header.iter().map(Cell::new));
    for index in 1..header.len() {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// The outcome counts of one scheme, in the per-scheme tables of the report and the page.
pub const COUNT_COLUMNS: [&str; 6] = ["gold", "pred", "COR", "INC", "MIS", "SPU"];

pub fn count_cells(c: &Counts) -> [String; 6] {
    [c.gold, c.pred, c.cor, c.inc, c.mis, c.spu].map(|n| n.to_string())
}

/// The pair and quote figures of one scheme, in the summary and the per-scheme table.
pub const PAIR_COLUMNS: [&str; 6] = [
    "pair P",
    "pair R",
    "pair F1",
    "F1 95% CI",
    "quote F1",
    "attr acc",
];

pub fn pair_cells(s: &Scores) -> [String; 6] {
    [
        ratio(s.pair.p),
        ratio(s.pair.r),
        ratio(s.pair.f1),
        interval(s.pair.f1_ci95),
        ratio(s.quote.f1),
        ratio(s.attribution_accuracy),
    ]
}

/// Every scheme of one result side by side: counts, pair, quote and attribution figures.
pub fn scores_table(result: &ResultRecord, style: TableStyle) -> String {
    let mut table = new_table(
        style,
        &["scheme"]
            .into_iter()
            .chain(COUNT_COLUMNS)
            .chain(PAIR_COLUMNS)
            .chain(["macro F1"])
            .collect::<Vec<_>>(),
    );
    for scheme in Scheme::ALL {
        let s = result.scores.get(scheme);
        table.add_row(
            [scheme.as_str().to_string()]
                .into_iter()
                .chain(count_cells(&s.counts))
                .chain(pair_cells(s))
                .chain([ratio(s.macro_pair_f1)])
                .collect::<Vec<_>>(),
        );
    }
    table.to_string()
}

/// Recall and precision per gold type, for every scheme.
pub fn by_type_table(result: &ResultRecord, style: TableStyle) -> Option<String> {
    if result.by_type.is_empty() {
        return None;
    }
    let mut table = new_table(
        style,
        &[
            "type",
            "exact R",
            "exact P",
            "overlap R",
            "overlap P",
            "lenient R",
            "lenient P",
        ],
    );
    for quote_type in QuoteType::ALL {
        let Some(per_scheme) = result.by_type.get(&quote_type) else {
            continue;
        };
        let mut row = vec![quote_type.to_string()];
        for scheme in Scheme::ALL {
            let t = per_scheme.get(scheme);
            row.push(ratio(t.recall));
            row.push(ratio(t.precision));
        }
        table.add_row(row);
    }
    Some(table.to_string())
}

/// Recall per gold mention type, for every scheme; `None` when the gold has none.
pub fn by_mention_type_table(result: &ResultRecord, style: TableStyle) -> Option<String> {
    if result.by_mention_type.is_empty() {
        return None;
    }
    let mut table = new_table(
        style,
        &["mention type", "exact R", "overlap R", "lenient R"],
    );
    for mention_type in MentionType::ALL {
        let Some(per_scheme) = result.by_mention_type.get(&mention_type) else {
            continue;
        };
        let mut row = vec![mention_type.to_string()];
        for scheme in Scheme::ALL {
            row.push(ratio(per_scheme.get(scheme).recall));
        }
        table.add_row(row);
    }
    Some(table.to_string())
}

/// The speaker confusion: `None` when there is no INC outcome.
pub fn confusion_table(result: &ResultRecord, style: TableStyle) -> Option<String> {
    if result.speaker_confusion.is_empty() {
        return None;
    }
    let mut table = new_table(style, &["gold speaker", "predicted speaker", "INC"]);
    for pair in &result.speaker_confusion {
        let shown = |name: &str| {
            if name.is_empty() {
                "(none)".to_string()
            } else {
                name.to_string()
            }
        };
        table.add_row(vec![
            shown(&pair.gold),
            shown(&pair.pred),
            pair.count.to_string(),
        ]);
    }
    Some(table.to_string())
}

/// What a confusion caption says when the list holds only the most frequent pairs.
fn cut_short(listed: &[ConfusionPair], distinct_pairs: Option<usize>) -> String {
    distinct_pairs
        .map(|all| format!(" (the {} most frequent of {all} pairs)", listed.len()))
        .unwrap_or_default()
}

/// The sentence above the confusion table: what it counts and whether it is cut short.
pub fn confusion_caption(result: &ResultRecord) -> String {
    let more = cut_short(&result.speaker_confusion, result.speaker_confusion_pairs);
    format!(
        "Speaker confusion, INC outcomes of the overlap scheme, names as resolved through \
         the cast{more}:"
    )
}

/// The columns of a speakers result's figures, in the report and the HTML page.
pub const SPEAKERS_COLUMNS: [&str; 9] = [
    "gold",
    "COR",
    "INC",
    "MIS",
    "unmatched answers",
    "speaker acc",
    "acc 95% CI",
    "coverage",
    "answered acc",
];

/// The `speakers` task's figures (docs/tasks.md#speakers) of one result.
pub fn speakers_scores_table(result: &SpeakersResultRecord, style: TableStyle) -> String {
    let mut table = new_table(style, &SPEAKERS_COLUMNS);
    table.add_row(speakers_cells(&result.scores));
    table.to_string()
}

/// The cells under [`SPEAKERS_COLUMNS`].
pub fn speakers_cells(s: &SpeakerScores) -> [String; 9] {
    let c = &s.counts;
    [
        c.gold.to_string(),
        c.cor.to_string(),
        c.inc.to_string(),
        c.mis.to_string(),
        c.unmatched_answers.to_string(),
        ratio(s.speaker_accuracy),
        interval(s.speaker_accuracy_ci95),
        ratio(s.coverage),
        ratio(s.answered_accuracy),
    ]
}

/// Speaker accuracy by gold type, then by gold mention type.
pub fn speakers_breakdown_table(
    result: &SpeakersResultRecord,
    style: TableStyle,
) -> Option<String> {
    if result.by_type.is_empty() && result.by_mention_type.is_empty() {
        return None;
    }
    let mut table = new_table(style, &["gold rows", "of", "gold", "COR", "speaker acc"]);
    let types = result.by_type.iter().map(|(t, a)| ("type", t.as_str(), a));
    let mentions = result
        .by_mention_type
        .iter()
        .map(|(m, a)| ("mention type", m.as_str(), a));
    for (kind, value, a) in types.chain(mentions) {
        table.add_row(vec![
            kind.to_string(),
            value.to_string(),
            a.gold.to_string(),
            a.cor.to_string(),
            ratio(a.speaker_accuracy),
        ]);
    }
    Some(table.to_string())
}

/// The speaker confusion of a `speakers` result, with its caption.
pub fn speakers_confusion_table(
    result: &SpeakersResultRecord,
    style: TableStyle,
) -> Option<String> {
    if result.speaker_confusion.is_empty() {
        return None;
    }
    let mut table = new_table(style, &["gold speaker", "answered speaker", "INC"]);
    for pair in &result.speaker_confusion {
        table.add_row(vec![
            pair.gold.clone(),
            pair.pred.clone(),
            pair.count.to_string(),
        ]);
    }
    let more = cut_short(&result.speaker_confusion, result.speaker_confusion_pairs);
    Some(format!(
        "Speaker confusion, names as resolved through the cast{more}:\n{table}"
    ))
}

fn megabytes_per_s(per_s: f64) -> String {
    format!("{:.2}", per_s / 1e6)
}

/// One row per model × dataset: the headline (overlap-scheme pair F1, or speaker
/// accuracy in the speakers task) and throughput.
pub fn headline_table(record: &RunRecord, style: TableStyle) -> String {
    let speakers = record.task == crate::model::Task::Speakers;
    let mut header: Vec<&str> = vec!["dataset", "model"];
    if speakers {
        header.extend([
            "speaker acc",
            "acc 95% CI",
            "coverage",
            "answered acc",
            "gold",
        ]);
    } else {
        header.extend(PAIR_COLUMNS);
    }
    header.extend(["articles/s", "M chars/s", "MB/s/core", "p95 ms", "errors"]);
    let mut table = new_table(style, &header);
    for result in &record.results {
        let (articles_per_s, chars_per_s, per_core, p95) = match result.throughput() {
            Some(t) => (
                format!("{:.0}", t.articles_per_s),
                megabytes_per_s(t.chars_per_s),
                t.bytes_per_cpu_s.map_or("–".into(), megabytes_per_s),
                format!("{:.2}", t.latency_ms.p95),
            ),
            None => ("–".into(), "–".into(), "–".into(), "–".into()),
        };
        let mut row = vec![result.dataset().to_string(), result.model().to_string()];
        match result {
            TaskResult::Extract(r) => {
                row.extend(pair_cells(&r.scores.overlap));
            }
            TaskResult::Speakers(r) => {
                let s = &r.scores;
                row.extend([
                    ratio(s.speaker_accuracy),
                    interval(s.speaker_accuracy_ci95),
                    ratio(s.coverage),
                    ratio(s.answered_accuracy),
                    s.counts.gold.to_string(),
                ]);
            }
        }
        row.extend([
            articles_per_s,
            chars_per_s,
            per_core,
            p95,
            result.errors().len().to_string(),
        ]);
        table.add_row(row);
    }
    table.to_string()
}

/// The detail of an extract result: every scheme, the breakdowns, the confusion.
fn extract_sections(out: &mut String, result: &ResultRecord) {
    let md = TableStyle::Markdown;
    write_sections(
        out,
        [
            (String::new(), Some(scores_table(result, md))),
            (
                "By gold type (pair recall R; pair precision P where predictions carry a type):\n\n"
                    .into(),
                by_type_table(result, md),
            ),
            (
                "By gold mention type (pair recall R):\n\n".into(),
                by_mention_type_table(result, md),
            ),
            (
                format!("{}\n\n", confusion_caption(result)),
                confusion_table(result, md),
            ),
        ],
    );
    if let Some(curve) = &result.confidence_curve {
        let best = curve.best_f1.map_or_else(
            || "undefined at every threshold".to_string(),
            |b| format!("{} at confidence ≥ {}", ratio(b.f1), b.threshold),
        );
        let _ = writeln!(
            out,
            "Over {} confidence thresholds (pairs, overlap scheme): average precision {}, \
             best pair F1 {best}; the curve is in run.json and report.html.\n",
            curve.points.len(),
            ratio(curve.average_precision),
        );
    }
}

/// The detail of a speakers result: the figures of docs/tasks.md, the breakdowns, the
/// confusion.
fn speakers_sections(out: &mut String, result: &SpeakersResultRecord) {
    let md = TableStyle::Markdown;
    write_sections(
        out,
        [
            (String::new(), Some(speakers_scores_table(result, md))),
            (
                "Speaker accuracy by gold type and mention type:\n\n".into(),
                speakers_breakdown_table(result, md),
            ),
            (String::new(), speakers_confusion_table(result, md)),
        ],
    );
}

/// Each table that there is, after its caption, as a paragraph of the report.
fn write_sections<const N: usize>(out: &mut String, sections: [(String, Option<String>); N]) {
    for (caption, table) in sections {
        if let Some(table) = table {
            let _ = writeln!(out, "{caption}{table}\n");
        }
    }
}

/// `report.md`: the headline table first, then each result in detail.
/// What a model that calls a service spent, in one sentence of the report.
pub(super) fn usage_line(usage: &crate::model::usage::ModelUsage) -> String {
    let fingerprints = if usage.system_fingerprints.is_empty() {
        "none given".to_string()
    } else {
        usage.system_fingerprints.join(", ")
    };
    format!(
        "Service: {} requests ({} retries, {} answered from the cache), {} unreadable \
         replies, {} rows kept without offsets, {} dropped; {} prompt and {} completion \
         tokens; request latency p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms; system \
         fingerprint {}{}.",
        usage.requests,
        usage.retries,
        usage.cached,
        usage.parse_failures,
        usage.unplaced_rows,
        usage.dropped_rows,
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.request_latency_ms.p50,
        usage.request_latency_ms.p95,
        usage.request_latency_ms.max,
        fingerprints,
        if usage.response_format_dropped {
            "; the server refused `response_format`"
        } else {
            ""
        }
    )
}

pub fn markdown_report(run_name: &str, record: &RunRecord) -> String {
    let mut out = String::new();
    let scoring = &record.scoring;
    let types: Vec<&str> = scoring.types.iter().map(|t| t.as_str()).collect();
    let _ = writeln!(out, "# attr-eval run `{run_name}`\n");
    if record.status == RunStatus::Partial {
        let _ = writeln!(
            out,
            "> **Partial run**: some articles or models failed; see *Errors* below. \
             Failed articles count as predicting nothing.\n"
        );
    }
    if let Some(interruption) = &record.interruption {
        let _ = writeln!(
            out,
            "> **Interrupted run** ({}): {} of {} model × article evaluations were reached; \
             the others count as predicting nothing.\n",
            interruption.signal, interruption.articles_reached, interruption.articles_total
        );
    }
    let _ = writeln!(
        out,
        "- created {} by {} {}{}\n- scoring: overlap τ = {}, speaker match `{}`, types {}, \
         bootstrap {} resamples, seed {}\n",
        record.created_at,
        record.tool.name,
        record.tool.version,
        record
            .tool
            .git_commit
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default(),
        scoring.overlap,
        scoring.speaker_match.as_str(),
        types.join(", "),
        scoring.resamples,
        scoring.seed,
    );

    let headline = match record.task {
        crate::model::Task::Extract => "pair F1, overlap scheme",
        crate::model::Task::Speakers => "speaker accuracy of the given quotes (speakers task)",
    };
    let _ = writeln!(out, "## Headline: {headline}\n");
    let _ = writeln!(out, "{}\n", headline_table(record, TableStyle::Markdown));

    let _ = writeln!(out, "## Datasets\n");
    for dataset in &record.datasets {
        let _ = writeln!(
            out,
            "- `{}` ({}): {} article{}, {} gold rows, {}",
            dataset.name,
            dataset.path,
            dataset.articles,
            if dataset.articles == 1 { "" } else { "s" },
            dataset.gold_rows,
            dataset.fingerprint
        );
    }
    let _ = writeln!(out, "\n## Models\n");
    for model in &record.models {
        let _ = writeln!(
            out,
            "- `{}` = `{}`, version {}, config {}",
            model.name, model.spec, model.version, model.config_hash
        );
    }

    for task_result in &record.results {
        let _ = writeln!(
            out,
            "\n## `{}` on `{}`\n",
            task_result.model(),
            task_result.dataset()
        );
        match task_result {
            TaskResult::Extract(result) => extract_sections(&mut out, result),
            TaskResult::Speakers(result) => speakers_sections(&mut out, result),
        }
        if let Some(t) = task_result.throughput() {
            let _ = writeln!(
                out,
                "Throughput: {} articles, {} chars in {:.3} s on {} threads: {:.1} articles/s, \
                 {} M chars/s{}; latency p50 {:.3} ms, p95 {:.3} ms, max {:.3} ms.",
                t.articles,
                t.chars,
                t.wall_s,
                t.threads,
                t.articles_per_s,
                megabytes_per_s(t.chars_per_s),
                t.bytes_per_cpu_s.map_or(String::new(), |per_core| format!(
                    "; {} MB of text per CPU-second (per core, measured)",
                    megabytes_per_s(per_core)
                )),
                t.latency_ms.p50,
                t.latency_ms.p95,
                t.latency_ms.max
            );
            if let Some(usage) = &t.usage {
                let _ = writeln!(out, "\n{}", usage_line(usage));
            }
        }
        let errors = task_result.errors();
        if !errors.is_empty() {
            let _ = writeln!(out, "\nErrors ({}):\n", errors.len());
            for error in errors.iter().take(50) {
                let _ = writeln!(
                    out,
                    "- `{}`: {}",
                    error.article_id.as_deref().unwrap_or("(whole model)"),
                    error.message.replace('\n', " ")
                );
            }
            if errors.len() > 50 {
                let _ = writeln!(out, "- … and {} more in run.json", errors.len() - 50);
            }
        }
    }
    out
}
