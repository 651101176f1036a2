//! An article's text with code-point addressing (docs/datasets.md#offsets: offsets count Unicode
//! scalar values, never bytes).

use crate::attribution::{Attribution, Span};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub text: String,
    /// Other keys of an `articles.jsonl` line (title, date, url, source).
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Where code points are, for text that is not ASCII (for ASCII text, code point and
    /// byte offsets coincide and this is empty).
    char_index: CharIndex,
}

/// Where each code point starts, in two parts: the byte offset of every
/// [`CHARS_PER_BLOCK`]-th code point, and for each code point its distance in bytes
/// from the start of its block, which fits a byte (31 characters of at most 4 bytes).
/// A lookup is two loads and an add, with no search or stepping through characters,
/// at 1.25 bytes per character where a full table of offsets took 8, eight times the
/// text (the scoring bench's corpus took 828 MB with it, 405 MB with this).
#[derive(Debug, Clone, PartialEq, Default)]
struct CharIndex {
    block_starts: Vec<usize>,
    /// One per code point, plus one for the end of the text.
    in_block: Vec<u8>,
}

const CHARS_PER_BLOCK: usize = 32;

impl CharIndex {
    fn new(text: &str) -> CharIndex {
        let mut block_starts = Vec::with_capacity(text.len() / CHARS_PER_BLOCK + 1);
        let mut in_block = Vec::with_capacity(text.len() + 1);
        let ends = text.char_indices().map(|(byte, _)| byte);
        for (c, byte) in ends.chain(std::iter::once(text.len())).enumerate() {
            if c % CHARS_PER_BLOCK == 0 {
                block_starts.push(byte);
            }
            let block_start = block_starts.last().copied().unwrap_or(0);
            in_block.push((byte - block_start) as u8);
        }
        CharIndex {
            block_starts,
            in_block,
        }
    }

    /// The number of code points.
    fn chars(&self) -> usize {
        self.in_block.len().saturating_sub(1)
    }

    fn byte_offset(&self, char_offset: usize) -> Option<usize> {
        let in_block = *self.in_block.get(char_offset)?;
        let block_start = *self.block_starts.get(char_offset / CHARS_PER_BLOCK)?;
        Some(block_start + in_block as usize)
    }

    fn char_offset(&self, byte_offset: usize) -> Option<usize> {
        // The last block starting at or before the offset (the first starts at 0).
        let block = self
            .block_starts
            .partition_point(|&b| b <= byte_offset)
            .checked_sub(1)?;
        let first = block * CHARS_PER_BLOCK;
        let offsets = self.in_block.get(first..)?;
        let offsets = &offsets[..offsets.len().min(CHARS_PER_BLOCK)];
        let within = u8::try_from(byte_offset - self.block_starts[block]).ok()?;
        offsets.binary_search(&within).ok().map(|i| first + i)
    }
}

impl Article {
    /// The first occurrence of `quote` not already given to an earlier row, so that two
    /// rows with the same quote land on two occurrences.
    pub fn locate(&self, quote: &str, located: &mut HashSet<Span>) -> Option<Span> {
        let span = self
            .text
            .match_indices(quote)
            .filter_map(|(byte, _)| self.span_of_bytes(byte..byte + quote.len()))
            .find(|span| !located.contains(span))?;
        located.insert(span);
        Some(span)
    }

    /// Gives rows without offsets the place of their quote in the text, as `cmd:` rows
    /// are placed (docs/models.md#placing-rows): the same rows score the same whether
    /// they come from a file, a program or `score`. A quote not in the text keeps no
    /// offsets and is compared by its words.
    pub fn place_rows(&self, rows: &mut [Attribution]) {
        let mut located: HashSet<Span> = rows.iter().filter_map(|r| r.quote_span).collect();
        for row in rows.iter_mut().filter(|r| r.quote_span.is_none()) {
            if !row.quote.is_empty() {
                row.quote_span = self.locate(&row.quote, &mut located);
            }
        }
    }

    /// Builds an article; a leading byte order mark is dropped before offsets count.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text: String = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let char_index = if text.is_ascii() {
            CharIndex::default()
        } else {
            CharIndex::new(&text)
        };
        Article {
            id: id.into(),
            text,
            metadata: serde_json::Map::new(),
            char_index,
        }
    }

    pub fn with_metadata(mut self, metadata: serde_json::Map<String, serde_json::Value>) -> Self {
        self.metadata = metadata;
        self
    }

    /// Length in code points.
    pub fn char_len(&self) -> usize {
        if self.is_ascii() {
            self.text.len()
        } else {
            self.char_index.chars()
        }
    }

    fn is_ascii(&self) -> bool {
        self.char_index.in_block.is_empty()
    }

    /// Byte offset of a code-point offset; `None` past the end.
    pub fn byte_offset(&self, char_offset: usize) -> Option<usize> {
        if self.is_ascii() {
            (char_offset <= self.text.len()).then_some(char_offset)
        } else {
            self.char_index.byte_offset(char_offset)
        }
    }

    /// Code-point offset of a byte offset that sits on a character boundary.
    pub fn char_offset(&self, byte_offset: usize) -> Option<usize> {
        if self.is_ascii() {
            (byte_offset <= self.text.len()).then_some(byte_offset)
        } else {
            self.char_index.char_offset(byte_offset)
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
    use proptest::prelude::*;

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

    proptest! {
        /// Against a table of every code point's byte offset, on text mixing ASCII with
        /// two-, three- and four-byte characters, at every offset and a few past the end.
        #[test]
        fn offsets_agree_with_a_full_table(text in "[a-c é“😀]{0,80}") {
            let article = Article::new("a", text.clone());
            let table: Vec<usize> = text
                .char_indices()
                .map(|(byte, _)| byte)
                .chain(std::iter::once(text.len()))
                .collect();
            prop_assert_eq!(article.char_len(), table.len() - 1);
            for c in 0..table.len() + 3 {
                prop_assert_eq!(article.byte_offset(c), table.get(c).copied());
            }
            for b in 0..text.len() + 3 {
                prop_assert_eq!(article.char_offset(b), table.binary_search(&b).ok());
            }
        }
    }

    #[test]
    fn byte_ranges_map_back_to_code_points() {
        let article = Article::new("a", "é“x”");
        let x = article.text.find('x').unwrap();
        assert_eq!(article.span_of_bytes(x..x + 1), Some(Span::new(2, 3)));
    }
}
