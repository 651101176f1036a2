//! Long texts go to the model in overlapping chunks: a context window is finite and a
//! model's attention to a long prompt is not. Chunks are cut at a paragraph break, else
//! at a line break, else at a space, near their size, so a quote is rarely cut in two;
//! the overlap gives a quote cut anyway a second, whole chance.

use crate::attribution::{Attribution, Span};
use crate::model::task::GivenQuote;
use std::collections::HashSet;

/// A stretch of an article's text, in code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
}

impl Chunk {
    pub fn holds(&self, span: Span) -> bool {
        self.start <= span.start && span.end <= self.end
    }
}

/// Chunks of at most `size` code points (a break is looked for in the last half), each
/// starting `overlap` code points before the previous one's end; a text of at most
/// `size` is one chunk. `size` 0 means no chunking.
pub fn chunks(text: &str, size: usize, overlap: usize) -> Vec<Chunk> {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    if size == 0 || len <= size {
        return vec![Chunk { start: 0, end: len }];
    }
    // An overlap of half the size or more would make no progress worth a request.
    let overlap = overlap.min(size / 2);
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let limit = (start + size).min(len);
        let end = if limit == len {
            len
        } else {
            break_before(&chars, start + size / 2, limit)
        };
        out.push(Chunk { start, end });
        if end == len {
            return out;
        }
        // Start the next chunk at a word: after the first space in the overlap.
        let mut next = end.saturating_sub(overlap).max(start + 1);
        if let Some(space) = (next..end).find(|&i| chars[i].is_whitespace()) {
            next = space + 1;
        }
        start = next.min(end);
    }
}

/// The best cut in `(from, limit]`: after a blank line, else after a newline, else after
/// a space; `limit` itself when there is none (a text without spaces).
fn break_before(chars: &[char], from: usize, limit: usize) -> usize {
    let after = |pred: &dyn Fn(usize) -> bool| (from + 1..=limit).rev().find(|&i| pred(i));
    after(&|i| i >= 2 && chars[i - 1] == '\n' && chars[i - 2] == '\n')
        .or_else(|| after(&|i| chars[i - 1] == '\n'))
        .or_else(|| after(&|i| chars[i - 1].is_whitespace()))
        .unwrap_or(limit)
}

/// The speakers task: each given quote goes to the first chunk that holds it whole, so
/// the model sees all of it with its context. A quote no chunk holds (longer than the
/// overlap, across a cut) widens the chunk where it starts to hold it.
/// Returns, per chunk, the indices of its quotes.
pub fn assign(chunks: &mut [Chunk], quotes: &[GivenQuote]) -> Vec<Vec<usize>> {
    let mut assigned = vec![Vec::new(); chunks.len()];
    for (index, quote) in quotes.iter().enumerate() {
        let span = quote.span();
        let home = chunks.iter().position(|c| c.holds(span)).or_else(|| {
            let at = chunks
                .iter()
                .position(|c| c.start <= span.start && span.start < c.end)
                .or(chunks.len().checked_sub(1))?;
            let chunk = &mut chunks[at];
            chunk.start = chunk.start.min(span.start);
            chunk.end = chunk.end.max(span.end);
            Some(at)
        });
        if let Some(at) = home {
            assigned[at].push(index);
        }
    }
    assigned
}

/// Rows of all chunks, each (span, speaker) once: the overlap makes two chunks find the
/// same quote. A row without a span is known by its quote instead.
pub fn merge(rows: impl IntoIterator<Item = Attribution>) -> Vec<Attribution> {
    let mut seen: HashSet<(Option<Span>, String, String)> = HashSet::new();
    rows.into_iter()
        .filter(|row| {
            let quote = match row.quote_span {
                Some(_) => String::new(),
                None => row.quote.clone(),
            };
            seen.insert((row.quote_span, quote, row.speaker.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, chunks: &[Chunk]) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        chunks
            .iter()
            .map(|c| chars[c.start..c.end].iter().collect())
            .collect()
    }

    #[test]
    fn short_texts_are_one_chunk() {
        assert_eq!(chunks("abc", 10, 2), [Chunk { start: 0, end: 3 }]);
        assert_eq!(chunks("abc", 0, 2), [Chunk { start: 0, end: 3 }]);
        assert_eq!(chunks("", 5, 2), [Chunk { start: 0, end: 0 }]);
    }

    #[test]
    fn chunks_cover_the_text_cut_at_breaks_with_overlap() {
        let text = "One two three.\n\nFour five six seven.\nEight nine ten eleven twelve.";
        let cut = chunks(text, 24, 8);
        assert_eq!(cut[0].start, 0);
        assert_eq!(cut.last().unwrap().end, text.chars().count());
        for pair in cut.windows(2) {
            assert!(pair[1].start < pair[0].end, "overlap: {cut:?}");
            assert!(pair[1].start > pair[0].start, "progress: {cut:?}");
        }
        for c in &cut {
            assert!(c.end - c.start <= 24);
        }
        assert_eq!(texts(text, &cut)[0], "One two three.\n\n");
    }

    #[test]
    fn texts_without_spaces_are_cut_anyway() {
        let text = "é".repeat(100);
        let cut = chunks(&text, 30, 100);
        assert!(cut.len() >= 4);
        assert_eq!(cut.last().unwrap().end, 100);
        assert!(cut.iter().all(|c| c.end - c.start <= 30));
    }

    #[test]
    fn quotes_go_to_a_chunk_that_holds_them() {
        let quote = |i: usize, start: usize, end: usize| GivenQuote {
            quote_id: format!("q{i}"),
            start,
            end,
            quote: String::new(),
        };
        let mut cut = vec![Chunk { start: 0, end: 10 }, Chunk { start: 8, end: 20 }];
        let quotes = [
            quote(0, 1, 4),
            quote(1, 8, 10),
            quote(2, 9, 12),
            quote(3, 5, 18),
        ];
        let assigned = assign(&mut cut, &quotes);
        assert_eq!(assigned, [vec![0, 1, 3], vec![2]]);
        assert_eq!(cut[0], Chunk { start: 0, end: 18 });
    }

    #[test]
    fn merge_keeps_each_span_and_speaker_once() {
        let row = |s: usize, speaker: &str| Attribution {
            quote_span: Some(Span::new(s, s + 2)),
            speaker: speaker.into(),
            ..Attribution::default()
        };
        let merged = merge([row(0, "A"), row(0, "A"), row(0, "B"), row(3, "A")]);
        assert_eq!(merged.len(), 3);
        let loose = |quote: &str| Attribution {
            quote: quote.into(),
            speaker: "A".into(),
            ..Attribution::default()
        };
        assert_eq!(merge([loose("x"), loose("y"), loose("x")]).len(), 2);
    }
}
