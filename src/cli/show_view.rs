//! How `show` prints one model's rows on one article: gold and predicted side by side as
//! the scorer aligned them, with each pair's outcome. The same for a model run on the
//! spot and for a saved run.

use crate::attribution::Attribution;
use crate::error::escape_controls;
use crate::model::Task;
use crate::record::saved::AlignedRow;
use crate::scoring::{Counts, OutcomeKind, PerScheme, Scheme, ScoringOptions};
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use std::fmt::Write as _;

/// Width of the table when the output is not a terminal (a pipe, a file, a test).
const DEFAULT_WIDTH: u16 = 120;

/// One model's alignment on one article, ready to print or serialize.
#[derive(Debug, Serialize)]
pub struct ModelView<'a> {
    pub model: &'a str,
    pub dataset: &'a str,
    pub article_id: &'a str,
    /// `extract`, or `speakers` when quotes were given and only speakers answered.
    pub task: Task,
    pub scheme: &'static str,
    /// The model's failure on this article (it then predicted nothing).
    pub error: Option<&'a str>,
    pub counts: Counts,
    /// Every scheme's counts, for the summary line (extract only).
    #[serde(skip)]
    pub all_counts: Option<PerScheme<Counts>>,
    pub rows: Vec<RowView<'a>>,
    /// Predictions the type filter left out of the counts.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub ignored: &'a [Attribution],
}

#[derive(Debug, Serialize)]
pub struct RowView<'a> {
    pub kind: OutcomeKind,
    pub gold: Option<&'a Attribution>,
    pub pred: Option<&'a Attribution>,
    pub sim: Option<f64>,
}

impl<'a> From<AlignedRow<'a>> for RowView<'a> {
    fn from(row: AlignedRow<'a>) -> Self {
        RowView {
            kind: row.kind,
            gold: row.gold,
            pred: row.pred,
            sim: row.sim,
        }
    }
}

impl<'a> ModelView<'a> {
    /// Keeps only the rows that went wrong (INC, MIS, SPU).
    pub fn errors_only(mut self) -> Self {
        self.rows.retain(|r| r.kind != OutcomeKind::Cor);
        self
    }
}

pub fn outcome_label(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Cor => "COR",
        OutcomeKind::Inc => "INC",
        OutcomeKind::Mis => "MIS",
        OutcomeKind::Spu => "SPU",
    }
}

fn counts_line(c: &Counts) -> String {
    format!("COR {} INC {} MIS {} SPU {}", c.cor, c.inc, c.mis, c.spu)
}

fn span(span: Option<crate::attribution::Span>) -> String {
    span.map(|s| format!("[{}..{}]", s.start, s.end))
        .unwrap_or_else(|| "[no offsets]".into())
}

fn speaker(row: &Attribution) -> String {
    if row.speaker.trim().is_empty() {
        "(no speaker)".to_string()
    } else {
        escape_controls(&row.speaker).into_owned()
    }
}

fn mention(row: &Attribution) -> String {
    match (&row.speaker_mention, row.mention_span) {
        (Some(m), Some(s)) => format!(" via \"{}\" [{}..{}]", escape_controls(m), s.start, s.end),
        (Some(m), None) => format!(" via \"{}\"", escape_controls(m)),
        _ => String::new(),
    }
}

fn kind(row: &Attribution) -> &'static str {
    row.quote_type.map(|t| t.as_str()).unwrap_or("-")
}

/// A row as a table cell: the quote, who said it, and where the quote is.
fn cell(row: &Attribution) -> String {
    format!(
        "\"{}\"\n— {}{}\n{} {}",
        escape_controls(&row.quote),
        speaker(row),
        mention(row),
        kind(row),
        span(row.quote_span)
    )
}

/// A row on one line, as `show D ARTICLE_ID` lists the gold.
pub fn describe(row: &Attribution) -> String {
    format!(
        "{} {:<8} {}{}: \"{}\"",
        span(row.quote_span),
        kind(row),
        speaker(row),
        mention(row),
        escape_controls(&row.quote)
    )
}

/// The text of one model's view: a heading, its counts and the aligned rows.
pub fn render(view: &ModelView, options: &ScoringOptions, errors_only: bool) -> String {
    let mut out = String::new();
    let speakers = view.task == Task::Speakers;
    let types = if options.types.len() < crate::attribution::QuoteType::ALL.len() {
        format!(", types {}", options.types_flag())
    } else {
        String::new()
    };
    let how = if speakers {
        "speakers task".to_string()
    } else if view.scheme == Scheme::Overlap.as_str() {
        format!("overlap scheme (τ = {})", options.overlap)
    } else {
        format!("{} scheme", view.scheme)
    };
    let how = format!(
        "{how}, speaker match {}{types}",
        options.speaker_match.as_str()
    );
    let _ = writeln!(
        out,
        "{} on {} / {}: {how}",
        view.model, view.dataset, view.article_id
    );
    if let Some(error) = view.error {
        let _ = writeln!(
            out,
            "the model failed on this article, which counts as predicting nothing: {}",
            escape_controls(error)
        );
    }
    let c = &view.counts;
    let mut summary = format!(
        "{}  (gold {}, predicted {})",
        counts_line(c),
        c.gold,
        c.pred
    );
    if let Some(all) = &view.all_counts {
        let others: Vec<String> = Scheme::ALL
            .into_iter()
            .filter(|s| s.as_str() != view.scheme)
            .map(|s| format!("{} {}", s.as_str(), counts_line(all.get(s))))
            .collect();
        let _ = write!(summary, "; {}", others.join("; "));
    }
    let _ = writeln!(out, "{summary}");
    if view.rows.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            if errors_only {
                "no INC, MIS or SPU rows (--errors): every row is COR"
            } else {
                "no rows: neither gold nor predictions on this article"
            }
        );
    } else {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        table.set_content_arrangement(ContentArrangement::Dynamic);
        if table.width().is_none() {
            table.set_width(DEFAULT_WIDTH);
        }
        // Speakers-task quotes are given, so no similarity decides a pair there.
        table.set_header(if speakers {
            vec!["outcome", "gold", "answer"]
        } else {
            vec!["outcome", "sim", "gold", "predicted"]
        });
        for row in &view.rows {
            let mut cells = vec![outcome_label(row.kind).to_string()];
            if !speakers {
                cells.push(row.sim.map(|s| format!("{s:.2}")).unwrap_or_default());
            }
            cells.push(row.gold.map(cell).unwrap_or_default());
            cells.push(row.pred.map(cell).unwrap_or_default());
            table.add_row(cells);
        }
        if errors_only {
            let _ = writeln!(
                out,
                "the {} INC, MIS and SPU rows (--errors):",
                view.rows.len()
            );
        }
        let _ = writeln!(out, "{table}");
    }
    if !view.ignored.is_empty() && !errors_only {
        let _ = writeln!(
            out,
            "{} predictions left out of the counts by the type filter (types {}):",
            view.ignored.len(),
            options.types_flag()
        );
        for row in view.ignored {
            let _ = writeln!(out, "  {}", describe(row));
        }
    }
    out
}
