//! Quotation-mark scanning: pairs opening and closing marks into top-level quotes.
//!
//! News text mixes straight and curly marks (a straight mark may be closed by a curly
//! one and the reverse), uses `’` both as apostrophe and closing mark, and runs quotes
//! over several paragraphs by reopening each one. An unbalanced mark must cost at most
//! its own quote, so no open mark survives a paragraph break unless the next paragraph
//! reopens the quote.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Double,
    Single,
    Guillemet,
}

/// A top-level quote, in byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// Byte offset of the opening mark.
    pub open: usize,
    /// The text inside the marks.
    pub inner: Range<usize>,
    /// Just past the closing mark; `inner.end` when the paragraph ended first.
    pub close_end: usize,
    /// The quote runs on into the next paragraph, which reopens it.
    pub continues: bool,
}

struct Open {
    family: Family,
    pos: usize,
    len: usize,
    /// Opened by `„` (closed by `“`) or a reversed `»` (closed by `«`).
    reversed: bool,
    /// Quotes closed inside this one: promoted if this mark turns out unbalanced.
    children: Vec<Quote>,
}

fn is_open_mark(c: char) -> bool {
    matches!(c, '“' | '‘' | '„' | '«' | '‚')
}

fn is_close_mark(c: char) -> bool {
    matches!(c, '”' | '’' | '»')
}

fn opening_context(prev: Option<char>) -> bool {
    prev.is_none_or(|c| {
        c.is_whitespace() || matches!(c, '(' | '[' | '{' | '—' | '–' | '-' | '/') || is_open_mark(c)
    })
}

fn closing_context(next: Option<char>) -> bool {
    next.is_none_or(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '—' | '–' | '-' | '…'
            )
            || is_close_mark(c)
            || c == '"'
            || c == '\''
    })
}

fn has_alnum(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// The top-level quotes of `text`, sorted by their opening mark.
pub fn scan(text: &str) -> Vec<Quote> {
    let mut out: Vec<Quote> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let bytes = text.as_bytes();
    // Every mark is ASCII or starts with byte 0xE2 (“ ” ‘ ’ „ ‚) or 0xC2 (« »): memchr
    // finds those bytes, everything between them is skipped unread.
    let candidates = super::merged(
        memchr::memchr3_iter(b'\n', b'"', b'\'', bytes),
        memchr::memchr2_iter(0xE2, 0xC2, bytes),
    );
    // Where the next mark may start: the doubled apostrophe is read as one mark.
    let mut resume = 0;
    for i in candidates {
        if i < resume {
            continue;
        }
        let Some(mut c) = text.get(i..).and_then(|t| t.chars().next()) else {
            continue;
        };
        let mut mark_len = c.len_utf8();
        if !matches!(
            c,
            '\n' | '"' | '\'' | '“' | '”' | '„' | '«' | '»' | '‘' | '’' | '‚'
        ) {
            continue;
        }
        resume = i + mark_len;
        let prev = text[..i].chars().next_back();
        let mut next = text[i + mark_len..].chars().next();
        if c == '\'' && next == Some('\'') {
            // Two apostrophes stand for a double mark in some wire copy (''Yes,'' he said).
            c = '"';
            mark_len = 2;
            resume = i + mark_len;
            next = text[i + mark_len..].chars().next();
        }
        if c == '\n' {
            end_paragraph(text, i, &mut stack, &mut out);
            continue;
        }
        let has = |f: Family, stack: &[Open]| stack.iter().any(|o| o.family == f);
        let next_alnum = next.is_some_and(char::is_alphanumeric);
        let prev_alnum = prev.is_some_and(char::is_alphanumeric);
        let open_ctx = opening_context(prev);
        let close_ctx = closing_context(next);
        enum Act {
            Open(Family, bool),
            Close(Family),
            Skip,
        }
        let act = match c {
            '"' => {
                if has(Family::Double, &stack) && !(open_ctx && next_alnum) {
                    Act::Close(Family::Double)
                } else if has(Family::Double, &stack) || !close_ctx || open_ctx {
                    Act::Open(Family::Double, false)
                } else {
                    Act::Skip
                }
            }
            '“' => {
                let low_open = stack
                    .iter()
                    .rev()
                    .find(|o| o.family == Family::Double)
                    .is_some_and(|o| o.reversed);
                if low_open || (has(Family::Double, &stack) && close_ctx && !open_ctx) {
                    Act::Close(Family::Double)
                } else {
                    Act::Open(Family::Double, false)
                }
            }
            '”' => {
                if has(Family::Double, &stack) {
                    Act::Close(Family::Double)
                } else if open_ctx && next_alnum {
                    Act::Open(Family::Double, false)
                } else {
                    Act::Skip
                }
            }
            '„' => Act::Open(Family::Double, true),
            '«' => {
                let reversed_open = stack
                    .iter()
                    .rev()
                    .find(|o| o.family == Family::Guillemet)
                    .is_some_and(|o| o.reversed);
                if reversed_open {
                    Act::Close(Family::Guillemet)
                } else {
                    Act::Open(Family::Guillemet, false)
                }
            }
            '»' => {
                if has(Family::Guillemet, &stack) {
                    Act::Close(Family::Guillemet)
                } else if open_ctx && next_alnum {
                    Act::Open(Family::Guillemet, true)
                } else {
                    Act::Skip
                }
            }
            '‘' | '‚' => {
                if prev_alnum {
                    Act::Skip
                } else if has(Family::Single, &stack) && close_ctx && !open_ctx {
                    Act::Close(Family::Single)
                } else {
                    Act::Open(Family::Single, false)
                }
            }
            '’' | '\'' => {
                if prev_alnum && next_alnum {
                    // it’s, Moscow’s: an apostrophe inside a word.
                    Act::Skip
                } else if has(Family::Single, &stack) && !open_ctx {
                    Act::Close(Family::Single)
                } else if c == '\'' && open_ctx && next_alnum {
                    Act::Open(Family::Single, false)
                } else {
                    Act::Skip
                }
            }
            _ => Act::Skip,
        };
        match act {
            Act::Open(family, reversed) => stack.push(Open {
                family,
                pos: i,
                len: mark_len,
                reversed,
                children: Vec::new(),
            }),
            Act::Close(family) => {
                if let Some(j) = stack.iter().rposition(|o| o.family == family) {
                    // Marks opened inside and never closed are nested in this quote:
                    // dropping them loses nothing at the top level.
                    stack.truncate(j + 1);
                    if let Some(o) = stack.pop() {
                        let quote = Quote {
                            open: o.pos,
                            inner: o.pos + o.len..i,
                            close_end: i + mark_len,
                            continues: false,
                        };
                        if has_alnum(&text[quote.inner.clone()]) {
                            match stack.last_mut() {
                                Some(parent) => parent.children.push(quote),
                                None => out.push(quote),
                            }
                        }
                    }
                }
            }
            Act::Skip => {}
        }
    }
    end_paragraph(text, text.len(), &mut stack, &mut out);
    out.sort_by_key(|q| q.open);
    out
}

/// At a paragraph break, an open quote either continues (the next paragraph reopens
/// it) or was unbalanced: then its mark is dropped and the quotes closed inside it
/// become top-level.
fn end_paragraph(text: &str, at: usize, stack: &mut Vec<Open>, out: &mut Vec<Quote>) {
    if stack.is_empty() {
        return;
    }
    let next_para = text.get(at..).unwrap_or("").trim_start().chars().next();
    let bottom = &stack[0];
    let reopens = match bottom.family {
        Family::Double => next_para.is_some_and(|c| matches!(c, '"' | '“' | '„')),
        Family::Guillemet => next_para.is_some_and(|c| matches!(c, '«' | '»')),
        Family::Single => next_para.is_some_and(|c| matches!(c, '‘' | '\'')),
    };
    if reopens {
        let start = bottom.pos + bottom.len;
        let end = start + text[start..at].trim_end().len();
        if has_alnum(&text[start..end]) {
            out.push(Quote {
                open: bottom.pos,
                inner: start..end,
                close_end: end,
                continues: true,
            });
        }
        stack.clear();
        return;
    }
    while let Some(o) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.extend(o.children),
            None => out.extend(o.children),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner(text: &str) -> Vec<&str> {
        scan(text).iter().map(|q| &text[q.inner.clone()]).collect()
    }

    #[test]
    fn straight_and_curly_double_marks() {
        assert_eq!(inner("He said \"yes\" and “no”."), vec!["yes", "no"]);
    }

    #[test]
    fn straight_mark_closed_by_curly_and_reverse() {
        let text = "\"It is unlikely,” he said, adding that “someone is leaking.\"\nNext.";
        assert_eq!(inner(text), vec!["It is unlikely,", "someone is leaking."]);
    }

    #[test]
    fn apostrophes_inside_words_are_not_marks() {
        let text = "‘It’s Moscow’s call,’ he said. Then “the leaders’ view” won.";
        assert_eq!(
            inner(text),
            vec!["It’s Moscow’s call,", "the leaders’ view"]
        );
    }

    #[test]
    fn guillemets_and_low_marks() {
        assert_eq!(inner("Er sagte „nein“ und «oui»."), vec!["nein", "oui"]);
    }

    #[test]
    fn doubled_apostrophes_are_a_double_mark() {
        assert_eq!(inner("''It's over,'' he said."), vec!["It's over,"]);
    }

    #[test]
    fn nested_quotes_stay_inside_the_outer_one() {
        let text = "\"Read the question: “Are you sure?” Yes.\"";
        assert_eq!(inner(text), vec!["Read the question: “Are you sure?” Yes."]);
    }

    #[test]
    fn multi_paragraph_quote_reopened_in_each_paragraph() {
        let text = "He said: “First part.\n\n“Second part,” he added.";
        let quotes = scan(text);
        assert_eq!(inner(text), vec!["First part.", "Second part,"]);
        assert!(quotes[0].continues);
        assert!(!quotes[1].continues);
    }

    #[test]
    fn unbalanced_mark_costs_one_quote_only() {
        let text = "He said \"hello and left. Then “bye” she said.\nNext, “Later,” he wrote.";
        assert_eq!(inner(text), vec!["bye", "Later,"]);
    }

    #[test]
    fn unclosed_quote_does_not_swallow_the_next_paragraph() {
        let text = "“Never closed\nPlain paragraph with “a quote” here.";
        assert_eq!(inner(text), vec!["a quote"]);
    }
}
