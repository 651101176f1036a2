//! The rules model's first stage: words, sentences, paragraphs and the dateline.

use super::*;

impl<'a> Doc<'a> {
    pub(super) fn split_sentences(&self) -> Vec<usize> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        // Every character that ends a sentence is ASCII, so bytes are enough.
        let ends = merged(
            memchr::memchr3_iter(b'.', b'?', b'!', bytes),
            memchr::memchr_iter(b'\n', bytes),
        );
        for i in ends {
            let c = bytes[i] as char;
            if c == '\n' {
                let next = i + 1 + (text[i + 1..].len() - text[i + 1..].trim_start().len());
                if next < text.len() && starts.last() != Some(&next) {
                    starts.push(next);
                }
                continue;
            }
            if !matches!(c, '.' | '?' | '!') {
                continue;
            }
            let mut j = i + 1;
            while let Some(n) = text[j..].chars().next() {
                if matches!(n, '”' | '"' | '’' | '\'' | ')' | '»') {
                    j += n.len_utf8();
                } else {
                    break;
                }
            }
            // The cheap test first: most stops are followed by no space.
            if j >= text.len() || bytes[j] != b' ' {
                continue;
            }
            if let Some(q) = self.quote_at(i)
                && self.quote_at(j.saturating_sub(1)) == Some(q)
                && j < self.quotes[q].close_end
            {
                continue;
            }
            let k = j + (text[j..].len() - text[j..].trim_start_matches(' ').len());
            let Some(n) = text[k..].chars().next() else {
                continue;
            };
            if !(n.is_uppercase() || n.is_ascii_digit() || matches!(n, '“' | '"' | '‘' | '\''))
            {
                continue;
            }
            if c == '.' {
                let before = &text[..i];
                let word_start = before
                    .char_indices()
                    .rev()
                    .take_while(|&(_, ch)| ch.is_alphanumeric() || ch == '.')
                    .last()
                    .map_or(i, |(b, _)| b);
                let raw = &before[word_start..];
                let abbreviation = if raw.is_ascii() {
                    // Lowercasing keeps ASCII one byte per character: no allocation.
                    ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(raw))
                        || (raw.len() == 1 && raw.as_bytes()[0].is_ascii_uppercase())
                } else {
                    let word = raw.to_lowercase();
                    ABBREVIATIONS.contains(&word.as_str())
                        || (word.chars().count() == 1 && raw.starts_with(char::is_uppercase))
                };
                if abbreviation {
                    continue;
                }
            }
            if starts.last() != Some(&k) {
                starts.push(k);
            }
        }
        starts
    }

    pub(super) fn sentence_index(&self, byte: usize) -> usize {
        self.sentences
            .partition_point(|&s| s <= byte)
            .saturating_sub(1)
    }

    pub(super) fn sentence_range(&self, s: usize) -> Range<usize> {
        let start = self.sentences[s];
        let end = self
            .sentences
            .get(s + 1)
            .copied()
            .unwrap_or(self.text.len());
        start..end
    }

    pub(super) fn paragraph_of(&self, byte: usize) -> Range<usize> {
        let line = self.lines.partition_point(|&l| l <= byte).saturating_sub(1);
        let start = self.lines.get(line).copied().unwrap_or(0);
        let end = self
            .lines
            .get(line + 1)
            .map_or(self.text.len(), |&next| next.saturating_sub(1));
        start..end.max(start)
    }

    pub(crate) fn is_name_token(&self, i: usize) -> bool {
        self.words[i].name_token
    }
}

/// The first `:` or `—` of `text` when it starts at byte `limit` or before: only the
/// head of the text is read, not the whole sentence.
pub(super) fn dateline_mark(text: &str, limit: usize) -> Option<usize> {
    let head = &text.as_bytes()[..text.len().min(limit + '—'.len_utf8())];
    // In valid UTF-8 these bytes match only at the start of the characters themselves.
    (0..head.len().min(limit + 1))
        .find(|&p| head[p] == b':' || head[p..].starts_with("—".as_bytes()))
}

/// The character at byte `i` and its length; ASCII, most of any text, without decoding.
pub(super) fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let b = *text.as_bytes().get(i)?;
    if b.is_ascii() {
        return Some((b as char, 1));
    }
    let c = text[i..].chars().next()?;
    Some((c, c.len_utf8()))
}

pub(super) fn tokenize(text: &str, quotes: &[Quote]) -> Vec<Word> {
    // About one word per six bytes in English prose: one allocation for most articles.
    let mut words = Vec::with_capacity(text.len() / 5 + 1);
    let mut q = 0;
    let mut i = 0;
    while let Some((c, len)) = char_at(text, i) {
        if !is_word_char(c) {
            i += len;
            continue;
        }
        let mut end = i + len;
        while let Some((n, n_len)) = char_at(text, end) {
            // A joiner only inside a word: it’s, son-in-law, U.S (not a final stop).
            let in_word = is_word_char(n)
                || (is_joiner(n)
                    && char_at(text, end + n_len).is_some_and(|(after, _)| is_word_char(after)));
            if !in_word {
                break;
            }
            end += n_len;
        }
        while q < quotes.len() && quotes[q].close_end.max(quotes[q].inner.end) <= i {
            q += 1;
        }
        let quote = quotes
            .get(q)
            .filter(|quote| quote.inner.start <= i && i < quote.inner.end)
            .map(|_| q);
        words.push(Word {
            start: i,
            end,
            quote,
            cue: None,
            title: false,
            between: false,
            person_noun: false,
            name_token: false,
        });
        i = end;
    }
    words
}
