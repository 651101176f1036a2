//! An article's text with code-point addressing (SPEC 1: offsets count Unicode scalar
//! values, never bytes).

use crate::attribution::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub text: String,
    /// Other keys of an `articles.jsonl` line (title, date, url, source).
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Byte offset of every code point, plus one past the end; empty for ASCII text,
    /// where code point and byte offsets coincide.
    char_starts: Vec<usize>,
}

impl Article {
    /// Builds an article; a leading byte order mark is dropped before offsets count.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text: String = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let char_starts = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(byte, _)| byte)
                .chain(std::iter::once(text.len()))
                .collect()
        };
        Article {
            id: id.into(),
            text,
            metadata: serde_json::Map::new(),
            char_starts,
        }
    }

    pub fn with_metadata(mut self, metadata: serde_json::Map<String, serde_json::Value>) -> Self {
        self.metadata = metadata;
        self
    }

    /// Length in code points.
    pub fn char_len(&self) -> usize {
        if self.char_starts.is_empty() {
            self.text.len()
        } else {
            self.char_starts.len() - 1
        }
    }

    /// Byte offset of a code-point offset; `None` past the end.
    pub fn byte_offset(&self, char_offset: usize) -> Option<usize> {
        if self.char_starts.is_empty() {
            (char_offset <= self.text.len()).then_some(char_offset)
        } else {
            self.char_starts.get(char_offset).copied()
        }
    }

    /// Code-point offset of a byte offset that sits on a character boundary.
    pub fn char_offset(&self, byte_offset: usize) -> Option<usize> {
        if self.char_starts.is_empty() {
            (byte_offset <= self.text.len()).then_some(byte_offset)
        } else {
            self.char_starts.binary_search(&byte_offset).ok()
        }
    }

    /// `text[start:end]` in code points; `None` when the span is reversed or out of range.
    pub fn slice(&self, span: Span) -> Option<&str> {
        if span.start > span.end {
            return None;
        }
        let start = self.byte_offset(span.start)?;
        let end = self.byte_offset(span.end)?;
        Some(&self.text[start..end])
    }

    /// The span in code points of a byte range of the text (for models, which search in
    /// bytes but must report code points).
    pub fn span_of_bytes(&self, bytes: std::ops::Range<usize>) -> Option<Span> {
        Some(Span::new(
            self.char_offset(bytes.start)?,
            self.char_offset(bytes.end)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_code_points_not_bytes() {
        let article = Article::new("a", "“Hi,” said Ushakov’s aide.");
        assert_eq!(article.slice(Span::new(1, 4)), Some("Hi,"));
        assert_eq!(article.char_len(), 26);
        assert_eq!(article.slice(Span::new(26, 26)), Some(""));
        assert_eq!(article.slice(Span::new(26, 27)), None);
        assert_eq!(article.slice(Span::new(5, 4)), None);
    }

    #[test]
    fn byte_order_mark_is_dropped_before_counting() {
        let article = Article::new("a", "\u{feff}abc");
        assert_eq!(article.text, "abc");
        assert_eq!(article.slice(Span::new(0, 1)), Some("a"));
    }

    #[test]
    fn byte_ranges_map_back_to_code_points() {
        let article = Article::new("a", "é“x”");
        let x = article.text.find('x').unwrap();
        assert_eq!(article.span_of_bytes(x..x + 1), Some(Span::new(2, 3)));
    }
}
