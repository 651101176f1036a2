//! Dialogue in fiction: the paragraphs of a text and the quotations of its conversations.
//!
//! Novels mark speech with one family of marks: double (`"…"`, `“…”`, LitBank's
//! spaced `" … "` and `` `` … '' ``) or single (`'…'`, `‘…’`, where the apostrophe of
//! "don't" must not close a quote). A speech that runs over several paragraphs leaves
//! each one open and reopens the next, so an open quote ends with its paragraph. Texts
//! with blank lines between paragraphs are read by paragraph; texts without them
//! (LitBank: one sentence a line) by line, where a quote may run on over lines.

use std::ops::Range;

/// A quotation, in byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speech {
    /// The opening mark.
    pub open: usize,
    /// The words inside the marks, trimmed of white space.
    pub inner: Range<usize>,
    /// Just past the closing mark, or the end of the paragraph that ended it unclosed.
    pub close_end: usize,
    /// Index of the paragraph the quote opens in.
    pub para: usize,
}

/// The paragraphs of a text and its quotations in text order.
pub struct Dialogue {
    pub paragraphs: Vec<Range<usize>>,
    pub speeches: Vec<Speech>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Open,
    Close,
    /// A straight `"`: opens when no quote is open, else closes.
    Toggle,
}

/// Paragraphs: runs of non-blank lines when the text separates paragraphs by blank
/// lines, else its non-blank lines; and whether they are lines.
fn by_lines_or_blocks(text: &str) -> (Vec<Range<usize>>, bool) {
    let bytes = text.as_bytes();
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        lines.push(start..nl);
        start = nl + 1;
    }
    let blank = |r: &Range<usize>| bytes[r.clone()].iter().all(u8::is_ascii_whitespace);
    let blanks = lines.iter().filter(|l| blank(l)).count();
    let by_blank_lines = blanks * 12 >= lines.len() && blanks > 0;
    let mut out = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for line in lines {
        if blank(&line) {
            out.extend(current.take());
        } else if by_blank_lines {
            current = Some(match current {
                Some(c) => c.start..line.end,
                None => line,
            });
        } else {
            out.push(line);
        }
    }
    out.extend(current);
    (out, !by_blank_lines)
}

/// The paragraph holding byte `pos` (the last one starting at or before it).
pub fn paragraph_of(paragraphs: &[Range<usize>], pos: usize) -> usize {
    paragraphs
        .partition_point(|p| p.start <= pos)
        .saturating_sub(1)
}

fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let lead = s.len() - s.trim_start().len();
    let tail = s.len() - s.trim_end().len();
    if lead + tail >= s.len() {
        return range.start..range.start;
    }
    range.start + lead..range.end - tail
}

/// Whether the dialogue uses single marks: more paragraphs open with one than with a
/// double mark.
fn single_family(text: &str, paragraphs: &[Range<usize>]) -> bool {
    let (mut single, mut double) = (0usize, 0usize);
    for p in paragraphs {
        let s = text[p.clone()].trim_start();
        if s.starts_with(['"', '“']) || s.starts_with("``") {
            double += 1;
        } else if s.starts_with(['\'', '‘']) && !s.starts_with("''") {
            single += 1;
        }
    }
    // Curly marks tell open from close wherever they stand.
    let bytes = text.as_bytes();
    let curly = |mark: &[u8]| memchr::memmem::find_iter(bytes, mark).count();
    let (curly_single, curly_double) = (curly("‘".as_bytes()), curly("“".as_bytes()));
    (single > double && single >= 3)
        || (curly_single >= 3 && curly_single > 2 * curly_double + double)
}

fn char_before(text: &str, pos: usize) -> Option<char> {
    text[..pos].chars().next_back()
}

fn char_at(text: &str, pos: usize) -> Option<char> {
    text[pos..].chars().next()
}

/// LitBank's tokenized text: punctuation stands apart (" , " is frequent).
fn is_tokenized(text: &str) -> bool {
    let sample = &text.as_bytes()[..text.len().min(20_000)];
    let spaced = memchr::memmem::find_iter(sample, b" , ").count();
    let attached = memchr::memmem::find_iter(sample, b", ").count();
    spaced >= 5 && spaced * 2 > attached
}

/// The marks of one family in text order: `(position, length, kind)`.
fn marks(text: &str, single: bool) -> Vec<(usize, usize, Mark)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    if single {
        let tokenized = is_tokenized(text);
        for i in memchr::memchr2_iter(b'\'', 0xE2, bytes) {
            if tokenized && bytes[i] == b'\'' {
                // Spaced tokens: a mark stands alone, an apostrophe clings ("He 's").
                let alone = |b: Option<&u8>| b.is_none_or(|c| c.is_ascii_whitespace());
                if alone(i.checked_sub(1).map(|j| &bytes[j])) && alone(bytes.get(i + 1)) {
                    out.push((i, 1, Mark::Toggle));
                }
                continue;
            }
            let (len, curly_open, curly_close) = match bytes[i] {
                b'\'' => (1, false, false),
                _ => match bytes.get(i + 1..i + 3) {
                    Some([0x80, 0x98]) => (3, true, false),
                    Some([0x80, 0x99]) => (3, false, true),
                    _ => continue,
                },
            };
            let prev = char_before(text, i);
            let next = char_at(text, i + len);
            let word_before = prev.is_some_and(char::is_alphanumeric);
            let word_after = next.is_some_and(char::is_alphanumeric);
            if word_before && word_after {
                continue; // don't, Emma's
            }
            let opening = prev.is_none_or(|c| c.is_whitespace() || "([—–-\"“".contains(c))
                && next.is_some_and(|c| !c.is_whitespace());
            // LitBank's tokens put spaces inside the marks: `‘ Well , ’`.
            let spaced_open = curly_open && !word_before;
            if (opening || spaced_open) && !curly_close {
                out.push((i, len, Mark::Open));
            } else if !curly_open && !word_after {
                let after_punct = prev.is_some_and(|c| ".,!?;:-—–…".contains(c));
                // "goin' home": a word's elided end, not the end of the speech.
                let elided = word_before && {
                    let rest = &text[i + len..];
                    let trimmed = rest.trim_start_matches([' ', '\t']);
                    trimmed.len() < rest.len() && trimmed.starts_with(char::is_lowercase)
                };
                if after_punct || !elided {
                    out.push((i, len, Mark::Close));
                }
            }
        }
        return out;
    }
    let backticks = memchr::memmem::find(bytes, b"``").is_some();
    let third = if backticks { b'`' } else { b'"' };
    let mut i_skip = 0;
    for i in memchr::memchr3_iter(b'"', 0xE2, third, bytes) {
        if i < i_skip {
            continue;
        }
        match bytes[i] {
            b'"' => out.push((i, 1, Mark::Toggle)),
            b'`' => {
                if bytes.get(i + 1) == Some(&b'`') {
                    out.push((i, 2, Mark::Open));
                    i_skip = i + 2;
                }
            }
            _ => match bytes.get(i + 1..i + 3) {
                Some([0x80, 0x9C]) => out.push((i, 3, Mark::Open)),
                Some([0x80, 0x9D]) => out.push((i, 3, Mark::Close)),
                _ => {}
            },
        }
    }
    if backticks {
        for i in memchr::memmem::find_iter(bytes, b"''") {
            out.push((i, 2, Mark::Close));
        }
        out.sort_by_key(|m| m.0);
        out.dedup_by_key(|m| m.0);
    }
    out
}

/// A line mode quote may run on over this many lines before its mark counts as stray.
const MAX_LINES: usize = 12;

/// The quotations of a text of fiction.
pub fn scan(text: &str) -> Dialogue {
    let (paragraphs, by_lines) = by_lines_or_blocks(text);
    let single = single_family(text, &paragraphs);
    let line_mode = by_lines && paragraphs.len() > 1;
    let mut speeches = Vec::new();
    // The open mark: position, length, paragraph.
    let mut open: Option<(usize, usize, usize)> = None;
    let mut para = 0;
    let close = |speeches: &mut Vec<Speech>, o: (usize, usize, usize), end: usize, close_end| {
        let inner = trimmed(text, o.0 + o.1..end);
        if text[inner.clone()].chars().any(char::is_alphanumeric) {
            speeches.push(Speech {
                open: o.0,
                inner,
                close_end,
                para: o.2,
            });
        }
    };
    for (pos, len, kind) in marks(text, single) {
        while para + 1 < paragraphs.len() && paragraphs[para + 1].start <= pos {
            para += 1;
        }
        let at_start = text[paragraphs[para].start..pos].trim().is_empty();
        if let Some(o) = open
            && o.2 != para
        {
            let runs_on = line_mode && !at_start && para - o.2 <= MAX_LINES;
            if !runs_on {
                let end = paragraphs[if line_mode { para - 1 } else { o.2 }].end;
                close(&mut speeches, o, end, end);
                open = None;
            }
        }
        match (kind, open) {
            (Mark::Open, Some(o)) => {
                close(&mut speeches, o, pos, pos);
                open = Some((pos, len, para));
            }
            (Mark::Open | Mark::Toggle, None) => open = Some((pos, len, para)),
            (Mark::Close | Mark::Toggle, Some(o)) => {
                close(&mut speeches, o, pos, pos + len);
                open = None;
            }
            (Mark::Close, None) => {}
        }
    }
    if let Some(o) = open {
        let end = paragraphs.get(o.2).map_or(text.len(), |p| p.end);
        close(&mut speeches, o, end, end);
    }
    if line_mode {
        return regroup(text, paragraphs, speeches);
    }
    Dialogue {
        paragraphs,
        speeches,
    }
}

/// Lines (sentences) into paragraphs: a line that opens with a quote starts a turn, and
/// the lines after it (the speech tag a sentence split put on the next line, the
/// narration that follows) belong with it.
fn regroup(text: &str, lines: Vec<Range<usize>>, mut speeches: Vec<Speech>) -> Dialogue {
    let mut starts_turn = vec![false; lines.len()];
    starts_turn[0] = true;
    // Lines that hold a quote, and lines that end inside or at the end of one.
    let mut has_quote = vec![false; lines.len()];
    let mut ends_in_quote = vec![false; lines.len()];
    for s in &speeches {
        has_quote[s.para] = true;
        let last = paragraph_of(&lines, s.close_end.saturating_sub(1));
        if text[s.close_end.min(lines[last].end)..lines[last].end]
            .trim()
            .is_empty()
        {
            ends_in_quote[last] = true;
        }
    }
    for s in &speeches {
        if !text[lines[s.para].start..s.open].trim().is_empty() || s.para == 0 {
            continue;
        }
        // `“ … , ” said Tom ./“ … ”`: after the narration that tagged a quote, the same
        // speaker goes on (a sentence split cut one paragraph in lines).
        let p = s.para - 1;
        let tag_line = !ends_in_quote[p]
            && (has_quote[p] || p > 0 && has_quote[p - 1] && ends_in_quote[p - 1]);
        starts_turn[s.para] = !tag_line;
    }
    let mut group_of = Vec::with_capacity(lines.len());
    let mut paragraphs: Vec<Range<usize>> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        match paragraphs.last_mut() {
            Some(last) if !starts_turn[i] => last.end = line.end,
            _ => paragraphs.push(line.clone()),
        }
        group_of.push(paragraphs.len() - 1);
    }
    for s in &mut speeches {
        s.para = group_of[s.para];
    }
    Dialogue {
        paragraphs,
        speeches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotes(text: &str) -> Vec<&str> {
        scan(text)
            .speeches
            .iter()
            .map(|s| &text[s.inner.clone()])
            .collect()
    }

    #[test]
    fn straight_and_curly_marks_and_interrupted_speech() {
        let text = "\"Come in,\" said he, \"and sit.\"\n\n“Thank you,” she said.";
        assert_eq!(quotes(text), ["Come in,", "and sit.", "Thank you,"]);
        let d = scan(text);
        assert_eq!(d.paragraphs.len(), 2);
        assert_eq!(d.speeches[2].para, 1);
    }

    #[test]
    fn a_paragraph_left_open_ends_its_quote_and_the_next_reopens() {
        let text = "\"It was late. I walked home.\n\n\"Then I slept.\" He stopped.\n\nNothing.";
        assert_eq!(
            quotes(text),
            ["It was late. I walked home.", "Then I slept."]
        );
    }

    #[test]
    fn single_marks_are_told_from_apostrophes() {
        let spaced = "He said , ‘ we ’ll see , ’ and went .\n‘ Yes .\nNo . ’\n‘ Well . ’";
        assert_eq!(quotes(spaced), ["we ’ll see ,", "Yes .\nNo .", "Well ."]);
        let straight = "' Come , ' he said , ' it 's late , and we 're far , '\n' No , ' said she , ' stay . '\n' Well . '";
        assert_eq!(
            quotes(straight),
            [
                "Come ,",
                "it 's late , and we 're far ,",
                "No ,",
                "stay .",
                "Well ."
            ]
        );
        let text = "'I don't know,' said Tom.\n\n'The boys' room is cold,' he said.\n\n\
                    'We're goin' home.'\n\n'Yes.'";
        assert_eq!(
            quotes(text),
            [
                "I don't know,",
                "The boys' room is cold,",
                "We're goin' home.",
                "Yes."
            ]
        );
    }

    #[test]
    fn litbank_tokens_and_lines() {
        let text = "He came in .\n\" Of course , we ’ll go , \" said she .\n\" It is late .\nCome . \"\n`` Yes , '' he said .";
        assert_eq!(
            quotes(text),
            ["Of course , we ’ll go ,", "It is late .\nCome .", "Yes ,"]
        );
    }

    #[test]
    fn a_line_that_opens_a_quote_ends_the_one_left_open() {
        let text = "It read : \" ELLIOT OF KELLYNCH .\n\" Walter Elliot , born 1760 . \"\nThen .";
        assert_eq!(
            quotes(text),
            ["ELLIOT OF KELLYNCH .", "Walter Elliot , born 1760 ."]
        );
    }
}
