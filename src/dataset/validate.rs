//! Checks of attribution rows against an article's text (docs/datasets.md#csv), shared by gold,
//! prediction files and the rows a model returns at run time.

use super::article::Article;
use crate::attribution::{Attribution, Span};
use crate::error::{Error, InputError, Location, Result};
use std::path::PathBuf;

/// One thing wrong with a row, with the CSV column it is best blamed on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RowProblem {
    pub column: &'static str,
    pub message: String,
}

/// At most this many errors are kept: a corpus where every line is wrong would otherwise
/// hold millions of messages, and nobody reads past the first screens of them.
pub(crate) const MAX_REPORTED_ERRORS: usize = 1000;

/// Collects input errors over a whole pass so that they are reported together.
#[derive(Debug, Default)]
pub(crate) struct ErrorSink {
    errors: Vec<InputError>,
    not_kept: usize,
}

impl ErrorSink {
    pub fn push(&mut self, error: InputError) {
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(error);
        } else {
            self.not_kept += 1;
        }
    }

    /// `Ok` when nothing was found; one error as [`Error::Input`], several as
    /// [`Error::InputErrors`] sorted by file and line (the pass visits gold rows in
    /// article order, not line order). `summary_file` is what the "N more" note names.
    pub fn finish(mut self, summary_file: impl Into<PathBuf>) -> Result<()> {
        if self.errors.is_empty() {
            return Ok(());
        }
        self.errors.sort_by(|a, b| {
            (&a.location.file, a.location.line).cmp(&(&b.location.file, b.location.line))
        });
        if self.not_kept > 0 {
            self.errors.push(InputError::new(
                Location::file(summary_file.into()),
                format!(
                    "{} more errors not shown (only the first {MAX_REPORTED_ERRORS} are kept)",
                    self.not_kept
                ),
            ));
        }
        if self.errors.len() == 1 {
            Err(Error::Input(self.errors.remove(0)))
        } else {
            Err(Error::InputErrors(self.errors))
        }
    }
}

/// A short, single-line rendering of a possibly long text for messages.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= MAX {
        flat
    } else {
        let head: String = flat.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// Offsets of the row that do not fit the article: reversed, out of range, or not
/// selecting the quote (or the speaker mention) exactly, compared in code points with
/// no normalization (docs/datasets.md#offsets).
pub(crate) fn span_problems(row: &Attribution, article: &Article) -> Vec<RowProblem> {
    let mut problems = Vec::new();
    if let Some(span) = row.quote_span {
        // An empty quote is an error of its own; a mismatch on top of it says nothing new.
        check_span(
            article,
            span,
            Some(row.quote.as_str()).filter(|q| !q.is_empty()),
            SpanColumns::QUOTE,
            &mut problems,
        );
    }
    if let Some(span) = row.mention_span {
        check_span(
            article,
            span,
            row.speaker_mention.as_deref(),
            SpanColumns::MENTION,
            &mut problems,
        );
    }
    problems
}

struct SpanColumns {
    start: &'static str,
    end: &'static str,
    text: &'static str,
}

impl SpanColumns {
    const QUOTE: SpanColumns = SpanColumns {
        start: "start",
        end: "end",
        text: "quote",
    };
    const MENTION: SpanColumns = SpanColumns {
        start: "speaker_start",
        end: "speaker_end",
        text: "speaker_mention",
    };
}

fn check_span(
    article: &Article,
    span: Span,
    expected: Option<&str>,
    columns: SpanColumns,
    problems: &mut Vec<RowProblem>,
) {
    let len = article.char_len();
    if span.start > span.end {
        problems.push(RowProblem {
            column: columns.start,
            message: format!(
                "{} {} is after {} {} (reversed offsets)",
                columns.start, span.start, columns.end, span.end
            ),
        });
        return;
    }
    let Some(slice) = article.slice(span) else {
        problems.push(RowProblem {
            column: if span.start > len {
                columns.start
            } else {
                columns.end
            },
            message: format!(
                "offsets {}..{} are out of range: article `{}` has {len} characters",
                span.start, span.end, article.id
            ),
        });
        return;
    };
    // Offsets without a mention text are accepted: there is nothing to compare them to.
    if let Some(expected) = expected
        && slice != expected
    {
        problems.push(RowProblem {
            column: columns.start,
            message: format!(
                "text[{}:{}] is \"{}\" but {} is \"{}\"",
                span.start,
                span.end,
                excerpt(slice),
                columns.text,
                excerpt(expected)
            ),
        });
    }
}

/// Problems of a confidence value, if any: docs/datasets.md#csv wants a number in [0, 1].
pub(crate) fn confidence_problem(confidence: f64) -> Option<String> {
    if !confidence.is_finite() {
        Some(format!("confidence `{confidence}` is not a number"))
    } else if !(0.0..=1.0).contains(&confidence) {
        Some(format!("confidence {confidence} is outside [0, 1]"))
    } else {
        None
    }
}

/// Checks rows a model produced for `article` at run time: offsets, where a row has them, must fit
/// the text (a row without them, from a file whose quote is not in the text, is compared by its
/// words, as in `score`). Each problem is one readable message naming the row (1-based, in the
/// order the model returned them), an excerpt of its quote and what is wrong; an empty list means
/// the rows are fine.
pub fn check_rows_against_article(rows: &[Attribution], article: &Article) -> Vec<String> {
    let mut messages = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let mut problems: Vec<String> = Vec::new();
        if row.quote.is_empty() {
            problems.push("empty quote".into());
        }
        if let Some(problem) = row.confidence.and_then(confidence_problem) {
            problems.push(problem);
        }
        problems.extend(span_problems(row, article).into_iter().map(|p| p.message));
        for problem in problems {
            messages.push(format!(
                "row {} (\"{}\"): {problem}",
                index + 1,
                excerpt(&row.quote)
            ));
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(quote: &str, span: Option<Span>) -> Attribution {
        Attribution {
            article_id: "a".into(),
            quote: quote.into(),
            quote_span: span,
            ..Attribution::default()
        }
    }

    #[test]
    fn run_time_rows_are_checked_in_code_points() {
        let article = Article::new("a", "Él dijo: «hola».");
        assert!(
            check_rows_against_article(&[row("hola", Some(Span::new(10, 14)))], &article)
                .is_empty()
        );
        let problems =
            check_rows_against_article(&[row("hola", Some(Span::new(11, 15)))], &article);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("row 1 (\"hola\"): text[11:15] is \"ola»\""),
            "{problems:?}"
        );
    }

    #[test]
    fn run_time_rows_with_an_empty_quote_or_a_bad_confidence_are_reported() {
        let article = Article::new("a", "abc");
        let mut bad = row("", None);
        bad.confidence = Some(1.5);
        let problems =
            check_rows_against_article(&[row("abc", Some(Span::new(0, 3))), bad], &article);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().all(|p| p.starts_with("row 2 ")));
        assert!(problems.iter().any(|p| p.contains("empty quote")));
        assert!(problems.iter().any(|p| p.contains("outside [0, 1]")));
    }

    #[test]
    fn reversed_and_out_of_range_spans_are_reported() {
        let article = Article::new("a", "abc");
        let reversed = check_rows_against_article(&[row("b", Some(Span::new(2, 1)))], &article);
        assert!(reversed[0].contains("reversed"), "{reversed:?}");
        let out = check_rows_against_article(&[row("c", Some(Span::new(2, 4)))], &article);
        assert!(out[0].contains("out of range"), "{out:?}");
        assert!(confidence_problem(f64::NAN).is_some());
    }
}
