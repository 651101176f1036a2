//! The article browser: an article's text cut into segments, each marked with the gold
//! and the predicted quote covering it and their outcomes, from a saved article line
//! ([`crate::record::saved`]).

use crate::attribution::{Attribution, Span};
use crate::record::saved::SavedArticle;
use crate::scoring::{OutcomeKind, Scheme};
use serde::Serialize;

/// A quote placed in the text: a gold row or a prediction, with its outcome.
#[derive(Debug, Clone)]
pub struct Mark {
    pub span: Span,
    /// A gold row (coloured behind the text) or a prediction (underlined).
    pub gold: bool,
    pub kind: OutcomeKind,
    pub gold_speaker: Option<String>,
    pub pred_speaker: Option<String>,
}

/// A run of text under the same marks.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub text: String,
    /// Outcome of the gold quote covering it (`cor`, `inc`, `mis`), as a CSS class.
    pub gold: Option<&'static str>,
    /// Outcome of the prediction covering it (`cor`, `inc`, `spu`).
    pub pred: Option<&'static str>,
    /// Shown on hover: outcome, gold and predicted speaker.
    pub title: String,
}

/// One outcome, for the table beside the text.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    pub kind: &'static str,
    pub quote: String,
    pub gold_speaker: Option<String>,
    pub pred_speaker: Option<String>,
}

/// What the browser shows of one article.
#[derive(Debug, Clone, Serialize)]
pub struct BrowsedArticle {
    pub id: String,
    /// INC + MIS + SPU (unmatched answers in the speakers task).
    pub errors: u64,
    pub cor: u64,
    pub inc: u64,
    pub mis: u64,
    pub spu: u64,
    /// The model's failure on this article, if any.
    pub error: Option<String>,
    /// Empty when the text could not be read (the dataset moved since the run).
    pub segments: Vec<Segment>,
    pub rows: Vec<OutcomeRow>,
}

pub fn kind_label(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Cor => "COR",
        OutcomeKind::Inc => "INC",
        OutcomeKind::Mis => "MIS",
        OutcomeKind::Spu => "SPU",
    }
}

fn kind_class(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Cor => "cor",
        OutcomeKind::Inc => "inc",
        OutcomeKind::Mis => "mis",
        OutcomeKind::Spu => "spu",
    }
}

/// Quotes in tables are cut to this many characters; the text shows them whole.
const QUOTE_CHARS: usize = 90;

pub fn shortened(quote: &str) -> String {
    match quote.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &quote[..cut]),
        None => quote.to_string(),
    }
}

fn speaker(row: &Attribution) -> String {
    if row.speaker.is_empty() {
        "(none)".to_string()
    } else {
        row.speaker.clone()
    }
}

/// Errors of a saved article under the headline `overlap` scheme: INC + MIS + SPU (in
/// the speakers task, unmatched answers count as SPU).
pub fn errors(saved: &SavedArticle) -> u64 {
    let c = saved.counts(Scheme::Overlap);
    c.inc + c.mis + c.spu
}

/// What the browser shows of a saved article: its alignment under the headline
/// `overlap` scheme marked in `text`, and the same rows as a table.
pub fn article(saved: &SavedArticle, text: Option<&str>) -> BrowsedArticle {
    let mut marks = Vec::new();
    let mut rows = Vec::new();
    for row in saved.rows(Scheme::Overlap) {
        let gold_speaker = row.gold.map(speaker);
        let pred_speaker = row.pred.map(speaker);
        // In the speakers task an answer names a given quote: its span, when it has
        // one, is the gold row's, so only answers to no quote are marked on their own.
        let pred_marked = !saved.is_speakers() || row.gold.is_none();
        for (placed, is_gold) in [(row.gold, true), (row.pred.filter(|_| pred_marked), false)] {
            if let Some(span) = placed.and_then(|r| r.quote_span) {
                marks.push(Mark {
                    span,
                    gold: is_gold,
                    kind: row.kind,
                    gold_speaker: gold_speaker.clone(),
                    pred_speaker: pred_speaker.clone(),
                });
            }
        }
        rows.push(OutcomeRow {
            kind: kind_label(row.kind),
            quote: shortened(row.gold.or(row.pred).map_or("", |r| r.quote.as_str())),
            gold_speaker,
            pred_speaker,
        });
    }
    let c = saved.counts(Scheme::Overlap);
    BrowsedArticle {
        id: saved.article_id().to_string(),
        errors: errors(saved),
        cor: c.cor,
        inc: c.inc,
        mis: c.mis,
        spu: c.spu,
        error: saved.error().map(str::to_string),
        segments: text.map(|t| segments(t, &marks)).unwrap_or_default(),
        rows,
    }
}

/// Cuts `text` at every mark's ends (code-point offsets); each piece carries the gold
/// and the predicted mark covering it. Marks past the end of the text are cut to it.
pub fn segments(text: &str, marks: &[Mark]) -> Vec<Segment> {
    // Byte offset of every code point, and of the end.
    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let len = bytes.len() - 1;
    let mut cuts: Vec<usize> = vec![0, len];
    for mark in marks {
        cuts.push(mark.span.start.min(len));
        cuts.push(mark.span.end.min(len));
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| {
            let (start, end) = (w[0], w[1]);
            let covering = |gold: bool| {
                marks
                    .iter()
                    .find(|m| m.gold == gold && m.span.start <= start && end <= m.span.end)
            };
            let (gold, pred) = (covering(true), covering(false));
            let title = [gold, pred]
                .into_iter()
                .flatten()
                .map(describe)
                .collect::<Vec<_>>()
                .join("\n");
            Segment {
                text: text[bytes[start]..bytes[end]].to_string(),
                gold: gold.map(|m| kind_class(m.kind)),
                pred: pred.map(|m| kind_class(m.kind)),
                title,
            }
        })
        .collect()
}

fn describe(mark: &Mark) -> String {
    let side = if mark.gold { "gold quote" } else { "predicted" };
    let mut out = format!("{side}: {}", kind_label(mark.kind));
    if let Some(gold) = &mark.gold_speaker {
        out.push_str(&format!(" · gold speaker {gold}"));
    }
    if let Some(pred) = &mark.pred_speaker {
        out.push_str(&format!(" · predicted speaker {pred}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(start: usize, end: usize, gold: bool, kind: OutcomeKind) -> Mark {
        Mark {
            span: Span::new(start, end),
            gold,
            kind,
            gold_speaker: gold.then(|| "Ana".to_string()),
            pred_speaker: (!gold).then(|| "Ben".to_string()),
        }
    }

    #[test]
    fn overlapping_gold_and_prediction_cut_the_text_where_they_start_and_end() {
        // Code points, not bytes: the curly quote is three bytes.
        let text = "“abcdef” x";
        let marks = [
            mark(1, 5, true, OutcomeKind::Inc),
            mark(3, 7, false, OutcomeKind::Inc),
        ];
        let pieces: Vec<(String, Option<&str>, Option<&str>)> = segments(text, &marks)
            .into_iter()
            .map(|s| (s.text, s.gold, s.pred))
            .collect();
        assert_eq!(
            pieces,
            [
                ("“".to_string(), None, None),
                ("ab".to_string(), Some("inc"), None),
                ("cd".to_string(), Some("inc"), Some("inc")),
                ("ef".to_string(), None, Some("inc")),
                ("” x".to_string(), None, None),
            ]
        );
        let both = &segments(text, &marks)[2].title;
        assert!(both.contains("gold speaker Ana") && both.contains("predicted speaker Ben"));
    }

    #[test]
    fn marks_past_the_end_are_cut_to_the_text() {
        let pieces = segments("abc", &[mark(2, 10, true, OutcomeKind::Mis)]);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[1].text, "c");
        assert_eq!(pieces[1].gold, Some("mis"));
    }
}
