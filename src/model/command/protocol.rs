//! The answer lines of the JSONL protocol (docs/models.md#jsonl-protocol): rows checked against the
//! text, rows without offsets placed in it.

use super::snippet;
use crate::attribution::{Attribution, QuoteType, Span};
use crate::dataset::Article;
use crate::model::SpeakersRequest;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Reads an answer object into rows, checking them against the article.
/// How the message of an error the program reported itself begins.
pub(super) const REPORTED: &str = "reported an error on this article";

/// The rows of one answer line. In the speakers task (`request` given) a row may name
/// its quote by `quote_id` (it then takes that quote's span and text); a row with
/// neither id nor offsets keeps no span, to be matched to a given quote by its text
/// when it is scored (docs/tasks.md), instead of being placed in the text.
pub(super) fn parse_answer(
    article: &Article,
    value: &Value,
    request: Option<&SpeakersRequest>,
) -> std::result::Result<Vec<Attribution>, String> {
    match value.get("error") {
        None | Some(Value::Null) => {}
        Some(Value::String(message)) => return Err(format!("{REPORTED}: {message}")),
        Some(other) => return Err(format!("{REPORTED}: {other}")),
    }
    let rows = match value.get("attributions") {
        Some(Value::Array(rows)) => rows,
        Some(_) => return Err("answered with `attributions` that is not a list".into()),
        None => return Err("answered without `attributions` (nor `error`)".into()),
    };
    let mut located: HashSet<Span> = HashSet::new();
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            parse_row(article, row, request, &mut located).map_err(|problem| {
                format!(
                    "answered with a bad attribution (#{} of {}): {problem}",
                    i + 1,
                    rows.len()
                )
            })
        })
        .collect()
}

fn parse_row(
    article: &Article,
    row: &Value,
    request: Option<&SpeakersRequest>,
    located: &mut HashSet<Span>,
) -> std::result::Result<Attribution, String> {
    let Value::Object(row) = row else {
        return Err("it is not a JSON object".into());
    };
    let mut quote = string_field(row, "quote")?.unwrap_or_default();
    let named = match (request, string_field(row, "quote_id")?) {
        (Some(request), Some(id)) => Some(request.quote(&id).map(|given| {
            quote.clone_from(&given.quote);
            given.span()
        })),
        _ => None,
    };
    if quote.is_empty() && named.is_none() {
        return Err("`quote` is missing or empty".into());
    }
    let quote_span = match span_field(row, "start", "end")? {
        // An id the request never gave: an answer to no quote, counted when scored.
        _ if named.is_some() => named.flatten(),
        None if request.is_some() => None,
        Some(span) => {
            let found = article.slice(span).ok_or_else(|| {
                format!(
                    "offsets [{}, {}) are outside the text ({} code points) or reversed",
                    span.start,
                    span.end,
                    article.char_len()
                )
            })?;
            if found != quote {
                return Err(format!(
                    "text[{}:{}] is `{}` but the quote is `{}` (offsets count code points, \
                     not bytes)",
                    span.start,
                    span.end,
                    snippet(found),
                    snippet(&quote)
                ));
            }
            Some(span)
        }
        None => Some(article.locate(&quote, located).ok_or_else(|| {
            format!(
                "it has no offsets and its quote `{}` does not occur in the text",
                snippet(&quote)
            )
        })?),
    };
    let mut speaker_mention = string_field(row, "speaker_mention")?;
    let mention_span = span_field(row, "speaker_start", "speaker_end")?;
    if let Some(span) = mention_span {
        let found = article.slice(span).ok_or_else(|| {
            format!(
                "speaker offsets [{}, {}) are outside the text or reversed",
                span.start, span.end
            )
        })?;
        match &speaker_mention {
            Some(mention) if mention != found => {
                return Err(format!(
                    "text[{}:{}] is `{}` but speaker_mention is `{}`",
                    span.start,
                    span.end,
                    snippet(found),
                    snippet(mention)
                ));
            }
            Some(_) => {}
            None => speaker_mention = Some(found.to_string()),
        }
    }
    let quote_type = string_field(row, "type")?
        .map(|t| t.parse::<QuoteType>())
        .transpose()?;
    let confidence = match row.get("confidence") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_f64() {
            Some(c) if (0.0..=1.0).contains(&c) => Some(c),
            _ => {
                return Err(format!(
                    "`confidence` must be a number in [0, 1], not {value}"
                ));
            }
        },
    };
    Ok(Attribution {
        article_id: article.id.clone(),
        quote,
        speaker: string_field(row, "speaker")?.unwrap_or_default(),
        quote_span,
        quote_type,
        cue: string_field(row, "cue")?,
        speaker_mention,
        mention_span,
        confidence,
        mention_type: None,
    })
}

fn string_field(
    row: &Map<String, Value>,
    key: &str,
) -> std::result::Result<Option<String>, String> {
    match row.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` must be a string, not {other}")),
    }
}

fn span_field(
    row: &Map<String, Value>,
    start: &str,
    end: &str,
) -> std::result::Result<Option<Span>, String> {
    let offset = |key: &str| match row.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a non-negative integer, not {value}")),
    };
    match (offset(start)?, offset(end)?) {
        (Some(s), Some(e)) => Ok(Some(Span::new(s, e))),
        (None, None) => Ok(None),
        _ => Err(format!(
            "it gives one of `{start}` and `{end}` without the other"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(text: &str) -> Article {
        Article::new("a1", text)
    }

    /// Why the answer is refused (the test fails if it is accepted).
    fn rejection(article: &Article, answer: &serde_json::Value) -> String {
        parse_answer(article, answer, None).unwrap_err()
    }

    #[test]
    fn rows_with_matching_offsets_are_kept() {
        let a = article("“Hi,” said Ushakov.");
        let answer = serde_json::json!({"id": "a1", "attributions": [
            {"speaker": "Ushakov", "quote": "Hi,", "start": 1, "end": 4, "type": "direct"}
        ]});
        let rows = parse_answer(&a, &answer, None).unwrap();
        assert_eq!(rows[0].quote_span, Some(Span::new(1, 4)));
        assert_eq!(rows[0].article_id, "a1");
        assert_eq!(rows[0].quote_type, Some(QuoteType::Direct));
    }

    #[test]
    fn byte_offsets_are_refused_with_both_texts() {
        let a = article("“Hi,” said Ushakov.");
        let answer = serde_json::json!({"id": "a1", "attributions": [
            {"speaker": "Ushakov", "quote": "Hi,", "start": 3, "end": 6}
        ]});
        let err = rejection(&a, &answer);
        assert!(err.contains("text[3:6]"), "{err}");
        assert!(err.contains("`Hi,`"), "{err}");
    }

    #[test]
    fn rows_without_offsets_take_successive_occurrences() {
        let a = article("\"No.\" He said: \"No.\"");
        let answer = serde_json::json!({"id": "a1", "attributions": [
            {"speaker": "", "quote": "No."}, {"speaker": null, "quote": "No."}
        ]});
        let rows = parse_answer(&a, &answer, None).unwrap();
        assert_eq!(rows[0].quote_span, Some(Span::new(1, 4)));
        assert_eq!(rows[1].quote_span, Some(Span::new(16, 19)));
        let missing = serde_json::json!({"id": "a1", "attributions": [{"quote": "Yes."}]});
        assert!(rejection(&a, &missing).contains("does not occur"));
    }

    #[test]
    fn the_error_extension_fails_the_article() {
        let a = article("x");
        let answer = serde_json::json!({"id": "a1", "error": "spaCy choked"});
        assert!(rejection(&a, &answer).contains("spaCy choked"));
    }

    #[test]
    fn bad_fields_are_named() {
        let a = article("\"Yes,\" she said.");
        for (row, expected) in [
            (
                serde_json::json!({"quote": "Yes,", "start": 1}),
                "without the other",
            ),
            (
                serde_json::json!({"quote": "Yes,", "type": "quoted"}),
                "unknown quote type",
            ),
            (
                serde_json::json!({"quote": "Yes,", "confidence": 2}),
                "confidence",
            ),
            (serde_json::json!({"quote": ""}), "missing or empty"),
            (
                serde_json::json!({"quote": "Yes,", "speaker": 3}),
                "`speaker` must be",
            ),
        ] {
            let answer = serde_json::json!({"id": "a1", "attributions": [row]});
            let err = rejection(&a, &answer);
            assert!(err.contains(expected), "{err}");
        }
    }
}
