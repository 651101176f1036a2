//! Reading a chat model's reply: `{"attributions": [ROW, ...]}`, leniently, because
//! models wrap JSON in prose, in ```json fences, or after a `<think>` block even when
//! asked for JSON alone.

use crate::attribution::QuoteType;
use serde_json::{Map, Value};

/// One row of a reply, before it is placed in the text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplyRow {
    pub quote: Option<String>,
    /// `q3` (numbers and `"3"` are read as `q3`: models drop the prefix).
    pub quote_id: Option<String>,
    /// A missing or null speaker is the empty speaker (no or unknown speaker).
    pub speaker: String,
    pub cue: Option<String>,
    pub speaker_mention: Option<String>,
    pub quote_type: Option<QuoteType>,
}

/// What a reply gave: its rows and how many entries could not be read as rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedReply {
    pub rows: Vec<ReplyRow>,
    /// Entries that were not objects, or had neither a quote nor a quote id.
    pub skipped: usize,
}

/// Braces in prose tried as the start of the answer.
const MAX_STARTS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("the reply holds no JSON object with a list of attributions")]
    NoAttributions,
}

/// Finds the attributions in a reply's text: the whole text as JSON, else a fenced code
/// block, else the first JSON object (or list) in it that holds them.
pub fn parse_reply(content: &str) -> Result<ParsedReply, ReplyError> {
    let text = strip_thinking(content);
    let candidates = std::iter::once(text.trim())
        .chain(fenced_blocks(&text))
        .map(str::to_string);
    for candidate in candidates {
        if let Ok(value) = serde_json::from_str::<Value>(&candidate)
            && let Some(parsed) = attributions_of(&value)
        {
            return Ok(parsed);
        }
    }
    // A JSON value starting at some brace: the stream deserializer reads one value and
    // ignores the prose after it. Bounded, since each try may read to the end: a reply of
    // many braces must not cost quadratic time.
    let starts = text
        .char_indices()
        .filter(|&(_, c)| c == '{' || c == '[')
        .take(MAX_STARTS);
    for (at, _) in starts {
        let mut values = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
        if let Some(Ok(value)) = values.next()
            && let Some(parsed) = attributions_of(&value)
        {
            return Ok(parsed);
        }
    }
    Err(ReplyError::NoAttributions)
}

/// Drops `<think>…</think>` blocks (reasoning models print them before the answer); an
/// unclosed one hides everything after it.
fn strip_thinking(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(open) = rest.find("<think>") {
        out.push_str(&rest[..open]);
        match rest[open..].find("</think>") {
            Some(close) => rest = &rest[open + close + "</think>".len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The bodies of ``` fences (with or without a language tag), in order.
fn fenced_blocks(text: &str) -> impl Iterator<Item = &str> {
    let mut parts = text.split("```");
    // Every other part is inside a fence; the first is before any.
    parts.next();
    parts.step_by(2).map(|block| {
        let block = block.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
        block.trim()
    })
}

/// The rows of `{"attributions": [...]}`, of an object whose only list is the rows, or
/// of a bare list of rows.
fn attributions_of(value: &Value) -> Option<ParsedReply> {
    let list = match value {
        Value::Array(list) => list,
        Value::Object(object) => match object.get("attributions") {
            Some(Value::Array(list)) => list,
            Some(_) => return None,
            None => {
                let mut lists = object.values().filter_map(Value::as_array);
                let only = lists.next()?;
                if lists.next().is_some() {
                    return None;
                }
                only
            }
        },
        _ => return None,
    };
    // A list of anything but objects (a list of numbers in prose) is no answer.
    if !list.is_empty() && !list.iter().any(Value::is_object) {
        return None;
    }
    let mut parsed = ParsedReply::default();
    for entry in list {
        match entry.as_object().and_then(row_of) {
            Some(row) => parsed.rows.push(row),
            None => parsed.skipped += 1,
        }
    }
    Some(parsed)
}

fn row_of(object: &Map<String, Value>) -> Option<ReplyRow> {
    let text = |key: &str| match object.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let quote_id = text("quote_id").or_else(|| text("id")).map(|id| {
        let id = id.trim();
        if id.starts_with('q') || id.starts_with('Q') {
            format!("q{}", &id[1..])
        } else {
            format!("q{id}")
        }
    });
    let quote = text("quote");
    if quote.is_none() && quote_id.is_none() {
        return None;
    }
    Some(ReplyRow {
        quote,
        quote_id,
        speaker: text("speaker")
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        cue: text("cue"),
        speaker_mention: text("speaker_mention"),
        quote_type: text("type").and_then(|t| t.trim().to_lowercase().parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speakers(reply: &ParsedReply) -> Vec<&str> {
        reply.rows.iter().map(|r| r.speaker.as_str()).collect()
    }

    #[test]
    fn plain_json() {
        let reply = parse_reply(
            r#"{"attributions": [{"quote": "Hi", "speaker": "Ann", "cue": "said", "type": "Direct"}]}"#,
        )
        .unwrap();
        assert_eq!(reply.rows[0].quote.as_deref(), Some("Hi"));
        assert_eq!(reply.rows[0].cue.as_deref(), Some("said"));
        assert_eq!(reply.rows[0].quote_type, Some(QuoteType::Direct));
    }

    #[test]
    fn fences_prose_and_thinking_are_looked_through() {
        let fenced = "Here you go:\n```json\n{\"attributions\": [{\"quote\": \"a\", \"speaker\": \"B\"}]}\n```\nHope it helps.";
        assert_eq!(speakers(&parse_reply(fenced).unwrap()), ["B"]);
        let prose =
            "Sure! {\"attributions\": [{\"quote_id\": 3, \"speaker\": null}]} That is all {x}.";
        let reply = parse_reply(prose).unwrap();
        assert_eq!(reply.rows[0].quote_id.as_deref(), Some("q3"));
        assert_eq!(reply.rows[0].speaker, "");
        let thinking = "<think>maybe {\"attributions\": []} no</think>{\"attributions\": [{\"quote\": \"x\", \"speaker\": \"C\"}]}";
        assert_eq!(speakers(&parse_reply(thinking).unwrap()), ["C"]);
        let bare = "[{\"quote\": \"x\", \"speaker\": \"D\"}]";
        assert_eq!(speakers(&parse_reply(bare).unwrap()), ["D"]);
        let other_key = "{\"quotes\": [{\"quote\": \"x\", \"speaker\": \"E\"}]}";
        assert_eq!(speakers(&parse_reply(other_key).unwrap()), ["E"]);
    }

    #[test]
    fn garbage_is_no_answer_and_bad_entries_are_skipped() {
        for garbage in [
            "",
            "I cannot help with that.",
            "{\"attributions\": 3}",
            "<think>{\"attributions\": []}",
            "[1, 2, 3]",
            "{\"attributions\": [",
            "\u{0}\u{1}{{{{]]",
        ] {
            assert_eq!(
                parse_reply(garbage),
                Err(ReplyError::NoAttributions),
                "{garbage:?}"
            );
        }
        let reply =
            parse_reply(r#"{"attributions": [1, {"speaker": "A"}, {"quote": "q", "speaker": 7}]}"#)
                .unwrap();
        assert_eq!(reply.skipped, 2);
        assert_eq!(speakers(&reply), ["7"]);
        assert_eq!(parse_reply(r#"{"attributions": []}"#).unwrap().rows, []);
    }

    #[test]
    fn a_reply_of_many_braces_is_given_up_on_quickly() {
        let many = "{".repeat(200_000);
        let started = std::time::Instant::now();
        assert!(parse_reply(&many).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn quote_ids_are_normalised() {
        let reply = parse_reply(
            r#"{"attributions": [{"quote_id": "Q1", "speaker": "A"}, {"quote_id": " 2 ", "speaker": "B"}]}"#,
        )
        .unwrap();
        let ids: Vec<_> = reply
            .rows
            .iter()
            .map(|r| r.quote_id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["q1", "q2"]);
    }
}
