//! Tokens of narration for the fiction stages: words (letters and digits, with inner
//! apostrophes and hyphens: "don't", "well-bred") and single punctuation marks, each
//! with its byte range.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Punct(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub range: Range<usize>,
    pub kind: Kind,
}

impl Tok {
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }

    pub fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }

    /// Ends a sentence: `.`, `!`, `?`.
    pub fn ends_sentence(&self) -> bool {
        matches!(self.kind, Kind::Punct('.' | '!' | '?'))
    }
}

fn word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

/// The tokens of `text[range]`, at most `limit` of them, in order.
pub fn tokens(text: &str, range: Range<usize>, limit: usize) -> Vec<Tok> {
    let mut out = Vec::new();
    let s = &text[range.clone()];
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if out.len() >= limit {
            break;
        }
        if c.is_whitespace() {
            continue;
        }
        if !word_char(c) {
            out.push(Tok {
                range: range.start + i..range.start + i + c.len_utf8(),
                kind: Kind::Punct(c),
            });
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = it.peek() {
            if word_char(d) {
                end = j + d.len_utf8();
                it.next();
            } else if matches!(d, '\'' | '’' | '-')
                && s[j + d.len_utf8()..].chars().next().is_some_and(word_char)
            {
                it.next();
            } else {
                break;
            }
        }
        out.push(Tok {
            range: range.start + i..range.start + end,
            kind: Kind::Word,
        });
    }
    out
}

/// The words of a text, as slices (for counting, where positions do not matter).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !word_char(c) && c != '\'')
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
}

/// ASCII lowercase of a short word into `buf`, or `None` when it is long or not ASCII.
pub use super::cues::ascii_lower as lower;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_marks() {
        let text = "\"No,\" said Mr. O'Hara, well-bred.";
        let toks = tokens(text, 0..text.len(), 100);
        let shown: Vec<&str> = toks.iter().map(|t| &text[t.range.clone()]).collect();
        assert_eq!(
            shown,
            [
                "\"",
                "No",
                ",",
                "\"",
                "said",
                "Mr",
                ".",
                "O'Hara",
                ",",
                "well-bred",
                "."
            ]
        );
        assert!(toks[10].ends_sentence() && toks[4].is_word());
    }
}
