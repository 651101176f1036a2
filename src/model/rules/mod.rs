//! The `rules` model: a rule-based quote attributor in pure Rust (issue 4).
//!
//! Direct quotes come from quotation-mark pairing ([`quotes`]); a speaker from the cue
//! patterns of news text (`“…,” X said`, `“…,” said X`, `X said: “…”`, participles
//! such as `calling`, `according to X`, embedded posts signed `— Name (@handle)`);
//! indirect quotes are the reported clause after a cue verb. Speakers are resolved to
//! the fullest name the article uses ([`speakers`]). Everything is searched in bytes
//! and reported in code points.

pub mod cues;
pub mod quotes;
pub mod speakers;

use crate::attribution::{Attribution, QuoteType};
use crate::dataset::Article;
use crate::model::{Model, ModelError, ModelInfo};
use cues::{Complement, Lexicon, ascii_lower, ascii_lower_bytes};
use quotes::Quote;
use speakers::{Entities, Np, NpKind};
use std::ops::Range;

/// Goes into every record: change it when the rules change what they predict.
pub const VERSION: &str = "1.0.0";

/// Abbreviations whose period does not end a sentence.
pub const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "st", "jr", "sr",
    "inc", "co", "corp", "no", "jan", "feb", "aug", "sept", "sep", "oct", "nov", "dec", "vs",
    "prof", "rev", "u.s", "d.c", "u.n", "u.k", "e.g", "i.e", "ft", "mt", "ave",
];

/// Words that end a reported clause when they follow a comma: ", though he …".
pub const CLAUSE_BREAKS: &[&str] = &[
    "though",
    "although",
    "despite",
    "after",
    "before",
    "but",
    "which",
    "while",
    "whereas",
    "according",
    "as",
    "because",
    "since",
    "when",
    "even",
    "unless",
    "until",
    "noting",
    "adding",
    "saying",
    "calling",
    "insisting",
    "alleging",
    "arguing",
    "claiming",
    "describing",
    "stressing",
    "explaining",
    "warning",
    "telling",
    "where",
    "prompting",
];

pub struct Rules {
    info: ModelInfo,
    lex: Lexicon,
}

impl Rules {
    pub fn new() -> Rules {
        let lex = Lexicon::new();
        Rules {
            info: ModelInfo {
                spec: "rules".into(),
                name: "rules".into(),
                version: VERSION.into(),
                config_hash: lex.config_hash(),
            },
            lex,
        }
    }

    /// The rows for one text, in byte offsets; `predict` converts them to code points.
    fn find(&self, text: &str) -> Vec<Found> {
        let doc = Doc::new(text, &self.lex);
        let mut found = Vec::new();
        let posts = doc.posts();
        let in_post = |pos: usize| posts.iter().any(|p| p.paragraph.contains(&pos));
        let mut post_rows = Vec::new();
        for post in &posts {
            post_rows.push(Found {
                content: post.quote.clone(),
                kind: QuoteType::Direct,
                cue: None,
                speaker: Some(Speaker {
                    mention: post.mention.clone(),
                    name: text[post.mention.clone()].to_string(),
                }),
            });
        }
        doc.direct_quotes(&mut found, &in_post);
        doc.indirect_quotes(&mut found, &in_post);
        found.retain(|f| !doc.in_headline(f.content.start));
        found.extend(post_rows);
        found
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::new()
    }
}

impl Model for Rules {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict(&self, article: &Article) -> Result<Vec<Attribution>, ModelError> {
        // The rules are meant never to panic (a property test runs them on arbitrary
        // text); should one still, it costs this article, not the run.
        let found =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.find(&article.text)))
                .map_err(|_| ModelError::new("rules: internal error on this article"))?;
        let mut rows = Vec::new();
        for f in found {
            let Some(speaker) = f.speaker else { continue };
            let (Some(quote_span), Some(mention_span)) = (
                article.span_of_bytes(f.content.clone()),
                article.span_of_bytes(speaker.mention.clone()),
            ) else {
                return Err(ModelError::new(
                    "rules: an offset fell inside a character (a bug in the rules model)",
                ));
            };
            rows.push(Attribution {
                article_id: article.id.clone(),
                quote: article.text[f.content.clone()].to_string(),
                speaker: speaker.name,
                quote_span: Some(quote_span),
                quote_type: Some(f.kind),
                cue: f.cue.map(|c| article.text[c].to_string()),
                speaker_mention: Some(article.text[speaker.mention].to_string()),
                mention_span: Some(mention_span),
                confidence: None,
                mention_type: None,
            });
        }
        rows.sort_by_key(|r| r.quote_span.map(|s| (s.start, s.end)));
        Ok(rows)
    }
}

#[derive(Debug, Clone)]
struct Speaker {
    mention: Range<usize>,
    name: String,
}

#[derive(Debug, Clone)]
struct Found {
    content: Range<usize>,
    kind: QuoteType,
    cue: Option<Range<usize>>,
    speaker: Option<Speaker>,
}

struct Post {
    paragraph: Range<usize>,
    quote: Range<usize>,
    mention: Range<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Word {
    start: usize,
    end: usize,
    /// Index of the top-level quote the word sits in.
    quote: Option<usize>,
    /// Lexicon facts, looked up once per word.
    cue: Option<cues::Cue>,
    title: bool,
    between: bool,
    person_noun: bool,
    name_token: bool,
}

/// One article prepared for the rules: quotes, words, sentences, entities.
pub(crate) struct Doc<'a> {
    text: &'a str,
    lex: &'a Lexicon,
    quotes: Vec<Quote>,
    words: Vec<Word>,
    /// Byte offsets where sentences start, ascending, the first 0.
    sentences: Vec<usize>,
    /// The main subject of each sentence.
    subjects: Vec<Option<Np>>,
    /// Byte offsets where lines start, ascending, the first 0.
    lines: Vec<usize>,
    entities: Entities,
}

/// Two ascending streams of byte positions (two memchr searches: one finds at most
/// three distinct bytes) merged into one ascending stream.
pub(crate) fn merged(
    a: impl Iterator<Item = usize>,
    b: impl Iterator<Item = usize>,
) -> impl Iterator<Item = usize> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(&x), Some(&y)) if y < x => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '.')
}

impl<'a> Doc<'a> {
    fn new(text: &'a str, lex: &'a Lexicon) -> Doc<'a> {
        let quotes = quotes::scan(text);
        let mut words = tokenize(text, &quotes);
        for w in &mut words {
            let word = &text[w.start..w.end];
            let mut buf = [0u8; 32];
            let Some(l) = ascii_lower_bytes(word, &mut buf) else {
                w.name_token = word.starts_with(char::is_uppercase);
                continue;
            };
            let info = lex.word_bytes(l);
            w.cue = info.cue;
            w.title = info.title;
            w.between = info.between;
            w.person_noun = info.person_noun;
            // `l` is ASCII: the word is capitalized iff its first byte is, and of the
            // possessive endings only `'s` can occur.
            if word.as_bytes()[0].is_ascii_uppercase() {
                let mut bare = l;
                while let Some(stem) = bare.strip_suffix(b"'s") {
                    bare = stem;
                }
                let not_name = if bare.len() == l.len() {
                    info.not_name
                } else {
                    lex.word_bytes(bare).not_name
                };
                w.name_token = !not_name;
            }
        }
        let mut doc = Doc {
            text,
            lex,
            quotes,
            words,
            sentences: Vec::new(),
            subjects: Vec::new(),
            lines: std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect(),
            entities: Entities::default(),
        };
        doc.sentences = doc.split_sentences();
        doc.entities = Entities::collect(&doc);
        doc.subjects = (0..doc.sentences.len())
            .map(|s| doc.main_subject(doc.sentence_range(s)))
            .collect();
        doc
    }

    fn word(&self, i: usize) -> &'a str {
        let w = &self.words[i];
        &self.text[w.start..w.end]
    }

    fn lower<'b>(&self, i: usize, buf: &'b mut [u8; 32]) -> Option<&'b str> {
        ascii_lower(self.word(i), buf)
    }

    /// The cue verb at word `i`, unless it is used as an adjective ("the reported
    /// approach", "Witkoff’s stated aim").
    fn cue(&self, i: usize) -> Option<cues::Cue> {
        let cue = self.words[i].cue?;
        if i > 0 && self.only_spaces(self.words[i - 1].end, self.words[i].start) {
            let prev = self.word(i - 1);
            let mut b = [0u8; 32];
            let lower = ascii_lower(prev, &mut b).unwrap_or("");
            if matches!(
                lower,
                "the" | "a" | "an" | "his" | "her" | "its" | "their" | "this"
            ) || prev.ends_with("’s")
                || prev.ends_with("'s")
            {
                return None;
            }
        }
        Some(cue)
    }

    /// The infinitive after `to` ("to suggest that …") reports nobody's speech.
    fn after_to(&self, i: usize) -> bool {
        let mut b = [0u8; 32];
        i > 0 && self.lower(i - 1, &mut b) == Some("to")
    }

    /// A short line without final punctuation: a headline, whose quotes are titles,
    /// not attributions.
    fn in_headline(&self, byte: usize) -> bool {
        let para = self.paragraph_of(byte);
        let line = self.text[para].trim_end();
        !line.ends_with(['.', '?', '!', '"', '”', '’', '\'', ':', ')', '»'])
            && line.split_whitespace().count() <= 20
    }

    /// Index of the first word starting at or after `byte`.
    fn word_at_or_after(&self, byte: usize) -> usize {
        self.words.partition_point(|w| w.start < byte)
    }

    pub(crate) fn words_in(&self, range: Range<usize>) -> Vec<&'a str> {
        let from = self.word_at_or_after(range.start);
        self.words[from..]
            .iter()
            .take_while(|w| w.end <= range.end)
            .map(|w| &self.text[w.start..w.end])
            .collect()
    }

    /// Only spaces (no punctuation, no line break) between two byte offsets.
    fn only_spaces(&self, from: usize, to: usize) -> bool {
        from <= to
            && self
                .text
                .get(from..to)
                .is_some_and(|s| s.chars().all(|c| c == ' ' || c == '\u{a0}' || c == '\t'))
    }

    /// Words `j - 1` and `j` belong to one name: only spaces between them, or the
    /// stop of a title abbreviation or an initial ("Mr. Bruner", "J. Gerald Hebert").
    fn name_joined(&self, j: usize) -> bool {
        let (a, b) = (self.words[j - 1].end, self.words[j].start);
        if self.only_spaces(a, b) {
            return true;
        }
        let abbreviated = self
            .text
            .get(a..b)
            .is_some_and(|g| g.starts_with(". ") && g.len() == 2);
        if !abbreviated {
            return false;
        }
        let prev = self.word(j - 1);
        let mut buf = [0u8; 32];
        let lower = ascii_lower(prev, &mut buf).unwrap_or("");
        (prev.len() == 1 && prev.starts_with(char::is_uppercase))
            || matches!(
                lower,
                "mr" | "mrs"
                    | "ms"
                    | "dr"
                    | "sen"
                    | "rep"
                    | "gov"
                    | "gen"
                    | "lt"
                    | "col"
                    | "sgt"
                    | "st"
                    | "prof"
                    | "rev"
                    | "jr"
            )
    }

    fn quote_at(&self, byte: usize) -> Option<usize> {
        let i = self.quotes.partition_point(|q| q.open <= byte);
        let q = self.quotes.get(i.checked_sub(1)?)?;
        (byte < q.close_end.max(q.inner.end)).then_some(i - 1)
    }

    fn split_sentences(&self) -> Vec<usize> {
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

    fn sentence_index(&self, byte: usize) -> usize {
        self.sentences
            .partition_point(|&s| s <= byte)
            .saturating_sub(1)
    }

    fn sentence_range(&self, s: usize) -> Range<usize> {
        let start = self.sentences[s];
        let end = self
            .sentences
            .get(s + 1)
            .copied()
            .unwrap_or(self.text.len());
        start..end
    }

    fn paragraph_of(&self, byte: usize) -> Range<usize> {
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

    fn is_title(&self, i: usize) -> bool {
        self.words[i].title
    }

    /// A capitalized run starting at word `i` ("Kremlin spokesperson Dmitry Peskov"):
    /// lowercase titles may join it when a capitalized word follows.
    pub(crate) fn name_run_from(&self, i: usize) -> Option<Np> {
        let mut j = i;
        let mut last_name = None;
        let mut last_title = None;
        while j < self.words.len() {
            if j > i && !self.name_joined(j) {
                break;
            }
            if self.words[j].quote != self.words[i].quote {
                break;
            }
            let w = self.word(j);
            if self.is_title(j) {
                last_title = Some(j);
            } else if self.is_name_token(j) {
                last_name = Some(j);
                if w.ends_with("’s") || w.ends_with("'s") {
                    break;
                }
            } else {
                break;
            }
            j += 1;
        }
        let last = last_name?;
        let core_start = match last_title {
            Some(t) if t < last => t + 1,
            _ => i,
        };
        if core_start > last {
            return None;
        }
        Some(Np {
            kind: NpKind::Name,
            range: self.words[i].start..self.words[last].end,
            core: self.words[core_start].start..self.words[last].end,
        })
    }

    pub(crate) fn looks_like_person(&self, words: &[&str]) -> bool {
        if words.len() > 4 {
            return false;
        }
        let last = words[words.len() - 1]
            .trim_end_matches("’s")
            .trim_end_matches("'s")
            .to_lowercase();
        !self.lex.org_words.contains(last.as_str())
            && words.iter().all(|w| {
                w.chars().next().is_some_and(char::is_alphabetic)
                    && !self.lex.org_words.contains(w.to_lowercase().as_str())
            })
    }

    /// Words of an apposition after a name: "Kirill Dmitriev, a close adviser to …".
    pub(crate) fn apposition_words(&self, after: usize) -> Vec<String> {
        let rest = &self.text[after..];
        let Some(rest) = rest.strip_prefix(", ") else {
            return Vec::new();
        };
        let start = after + 2;
        let i = self.word_at_or_after(start);
        if i >= self.words.len() || self.words[i].start != start {
            return Vec::new();
        }
        let mut buf = [0u8; 32];
        let first = self.lower(i, &mut buf).unwrap_or("");
        if !matches!(first, "a" | "an" | "the" | "who" | "his" | "her") && !self.is_title(i) {
            return Vec::new();
        }
        let end = rest
            .find([',', '.', ';', '\n'])
            .map_or(self.text.len(), |p| after + p);
        self.words_in(start..end)
            .iter()
            .take(8)
            .map(|w| w.to_lowercase())
            .filter(|w| self.lex.person_nouns.contains(w.as_str()))
            .collect()
    }

    /// The noun phrase that ends right before word `k` (the subject of a cue verb).
    fn np_left(&self, k: usize, floor: usize) -> Option<Np> {
        let mut i = k.checked_sub(1)?;
        while i > 0 && self.words[i].start >= floor && self.words[i].between {
            i -= 1;
        }
        if self.words[i].start < floor || self.words[i].quote.is_some() {
            return None;
        }
        let gap = &self.text[self.words[i].end..self.words[i + 1].start];
        if gap.trim() == "," && i > 0 {
            // An apposition: "Peskov, the Kremlin spokesman, said".
            let comma = self.text[floor..self.words[i].end].rfind(',')? + floor;
            let j = self.word_at_or_after(comma).checked_sub(1)?;
            if j + 12 < i || self.words[j].start < floor {
                return None;
            }
            return self.np_ending_at(j, floor);
        }
        if !self.only_spaces(self.words[i].end, self.words[i + 1].start) {
            return None;
        }
        self.np_ending_at(i, floor)
    }

    fn np_ending_at(&self, i: usize, floor: usize) -> Option<Np> {
        let w = self.word(i);
        let mut buf = [0u8; 32];
        let lower = self.lower(i, &mut buf).unwrap_or("");
        if self.lex.pronouns.contains(lower) {
            let r = self.words[i].start..self.words[i].end;
            return Some(Np {
                kind: NpKind::Pronoun,
                range: r.clone(),
                core: r,
            });
        }
        if self.is_name_token(i) && !w.ends_with("’s") && !w.ends_with("'s") {
            let mut s = i;
            while s > 0
                && self.words[s - 1].start >= floor
                && self.name_joined(s)
                && (self.is_name_token(s - 1) || self.is_title(s - 1))
            {
                s -= 1;
            }
            let mut np = self.name_run_from(s)?;
            if np.range.end != self.words[i].end {
                return None;
            }
            // "The Kremlin": keep the article in the mention, as annotators do.
            if s > 0 && self.only_spaces(self.words[s - 1].end, self.words[s].start) {
                let mut b = [0u8; 32];
                if self.lower(s - 1, &mut b) == Some("the") && self.words[s - 1].start >= floor {
                    np.range.start = self.words[s - 1].start;
                    np.kind = NpKind::Description;
                    np.core = self.words[i].start..self.words[i].end;
                }
            }
            return Some(np);
        }
        if self.lex.person_nouns.contains(lower) {
            // Walk back to a determiner: "the Kremlin adviser", "a campaign spokesman".
            let mut s = i;
            for _ in 0..4 {
                if s == 0 || self.words[s - 1].start < floor {
                    break;
                }
                if !self.only_spaces(self.words[s - 1].end, self.words[s].start) {
                    break;
                }
                s -= 1;
                let mut b = [0u8; 32];
                let l = self.lower(s, &mut b).unwrap_or("");
                if matches!(l, "the" | "a" | "an" | "his" | "her" | "their" | "its") {
                    return Some(Np {
                        kind: NpKind::Description,
                        range: self.words[s].start..self.words[i].end,
                        core: self.words[i].start..self.words[i].end,
                    });
                }
                if self.lex.cue(l).is_some() || self.lex.function_words.contains(l) {
                    break;
                }
            }
            if lower.ends_with('s') {
                let r = self.words[i].start..self.words[i].end;
                return Some(Np {
                    kind: NpKind::Description,
                    range: r.clone(),
                    core: r,
                });
            }
        }
        None
    }

    /// The noun phrase that starts at word `i` ("said Caddell", "said the senator").
    fn np_right(&self, i: usize, ceiling: usize) -> Option<Np> {
        if i >= self.words.len() || self.words[i].end > ceiling || self.words[i].quote.is_some() {
            return None;
        }
        let mut buf = [0u8; 32];
        let lower = self.lower(i, &mut buf).unwrap_or("");
        if matches!(lower, "he" | "she" | "they" | "who" | "we") || self.word(i) == "I" {
            let r = self.words[i].start..self.words[i].end;
            return Some(Np {
                kind: NpKind::Pronoun,
                range: r.clone(),
                core: r,
            });
        }
        if matches!(lower, "the" | "a" | "an" | "his" | "her" | "their" | "its") {
            let mut j = i + 1;
            let mut head = None;
            while j < self.words.len() && j <= i + 5 && self.words[j].end <= ceiling {
                if !self.only_spaces(self.words[j - 1].end, self.words[j].start) {
                    break;
                }
                if self.words[j].person_noun || self.is_name_token(j) {
                    head = Some(j);
                } else if head.is_some() || self.cue(j).is_some() {
                    break;
                }
                j += 1;
            }
            let h = head?;
            return Some(Np {
                kind: NpKind::Description,
                range: self.words[i].start..self.words[h].end,
                core: self.words[h].start..self.words[h].end,
            });
        }
        if self.is_name_token(i) || self.is_title(i) {
            let np = self.name_run_from(i)?;
            return (np.range.end <= ceiling).then_some(np);
        }
        None
    }

    /// The subject of a sentence's main clause, after connectives and a leading
    /// subordinate or participial clause ("Asked whether …, Trump replied").
    fn main_subject(&self, sentence: Range<usize>) -> Option<Np> {
        let mut i = self.word_at_or_after(sentence.start);
        let end = sentence.end;
        while i < self.words.len() && self.words[i].end <= end && self.words[i].quote.is_some() {
            i += 1;
        }
        if i >= self.words.len() || self.words[i].end > end {
            return None;
        }
        let mut buf = [0u8; 32];
        let first = self.lower(i, &mut buf).unwrap_or("");
        if matches!(
            first,
            "but" | "and" | "yet" | "so" | "still" | "meanwhile" | "also" | "now"
        ) {
            i += 1;
        }
        // A dateline, "KREMLIN, RUSSIA: The Kremlin …", is no subject.
        let head_text = self.text.get(sentence.start..end).unwrap_or("");
        if let Some(p) = dateline_mark(head_text, 48)
            && !head_text[..p].chars().any(char::is_lowercase)
        {
            i = self.word_at_or_after(sentence.start + p);
        }
        let mut b2 = [0u8; 32];
        let head = self
            .lower(i.min(self.words.len() - 1), &mut b2)
            .unwrap_or("");
        let leading_clause = self.lex.prepositions.contains(head)
            || matches!(
                head,
                "after"
                    | "before"
                    | "when"
                    | "while"
                    | "although"
                    | "though"
                    | "despite"
                    | "asked"
                    | "if"
                    | "as"
                    | "since"
                    | "because"
                    | "according"
                    | "for"
                    | "amid"
                    | "following"
                    | "unlike"
                    | "like"
            )
            || head.ends_with("ing");
        if leading_clause {
            let from = self.words.get(i)?.end;
            let comma = self.text.get(from..end)?.find(',')? + from;
            let mut after = comma + 1;
            while let Some(c) = self.text[after..].chars().next() {
                if matches!(c, '”' | '"' | '’' | '\'' | ' ') {
                    after += c.len_utf8();
                } else {
                    break;
                }
            }
            i = self.word_at_or_after(after);
        }
        self.np_right(i, end)
    }

    /// "Trump, who said": the phrase a relative pronoun stands for.
    pub(crate) fn np_before_relative(&self, np: &Np) -> Option<Np> {
        let i = self.word_at_or_after(np.range.start);
        let floor = self
            .sentence_range(self.sentence_index(np.range.start))
            .start;
        let prev = i.checked_sub(1)?;
        let gap = &self.text[self.words[prev].end..self.words[i].start];
        (gap.trim() == ",")
            .then(|| self.np_ending_at(prev, floor))
            .flatten()
    }

    fn speaker(&self, np: &Np) -> Speaker {
        Speaker {
            mention: if np.kind == NpKind::Name {
                np.core.clone()
            } else {
                np.range.clone()
            },
            name: speakers::resolve(self, np),
        }
    }

    /// The subject of the cue at word `k`: the phrase before it, else (for participles
    /// and cues whose left side is no noun phrase) the clause's or sentence's subject.
    fn cue_subject(&self, k: usize) -> Option<Np> {
        let s = self.sentence_range(self.sentence_index(self.words[k].start));
        let is_participle = self.cue(k).is_some_and(|c| c.participle);
        if !is_participle {
            if let Some(np) = self.np_left(k, s.start) {
                return Some(np);
            }
        } else {
            // The finite cue this participle hangs on: "Ushakov added, calling …".
            let from = self.word_at_or_after(s.start);
            for j in (from..k).rev() {
                if self.words[j].quote.is_none()
                    && self.cue(j).is_some_and(|c| !c.participle)
                    && let Some(np) = self.cue_subject(j)
                {
                    return Some(np);
                }
            }
        }
        self.subjects[self.sentence_index(self.words[k].start)].clone()
    }

    /// Embedded social posts: a paragraph followed by `— Name (@handle) date`.
    fn posts(&self) -> Vec<Post> {
        let mut posts = Vec::new();
        let text = self.text;
        let mut offset = 0;
        let mut prev: Option<Range<usize>> = None;
        for line in text.split('\n') {
            let range = offset..offset + line.len();
            offset += line.len() + 1;
            let trimmed = line.trim_start();
            let lead = line.len() - trimmed.len();
            if let Some(rest) = trimmed
                .strip_prefix('—')
                .or_else(|| trimmed.strip_prefix('–'))
                .or_else(|| trimmed.strip_prefix("- "))
                .or_else(|| trimmed.strip_prefix("--"))
                && let Some(paren) = rest.find("(@")
                && let Some(prev_range) = prev.clone()
            {
                let name_raw = &rest[..paren];
                let name = name_raw.trim();
                let dash_len = trimmed.len() - rest.len();
                let name_start =
                    range.start + lead + dash_len + (name_raw.len() - name_raw.trim_start().len());
                let mut quote = prev_range.clone();
                let body = &text[quote.clone()];
                let mut cut = body.len();
                for marker in ["https://", "http://", "pic.twitter.com"] {
                    if let Some(p) = body.find(marker) {
                        cut = cut.min(p);
                    }
                }
                let kept = body[..cut].trim_end();
                let lead_ws = kept.len() - kept.trim_start().len();
                quote = quote.start + lead_ws..quote.start + kept.len();
                if !name.is_empty()
                    && name.split_whitespace().count() <= 5
                    && text[quote.clone()].chars().any(char::is_alphanumeric)
                {
                    posts.push(Post {
                        paragraph: prev_range,
                        quote,
                        mention: name_start..name_start + name.len(),
                    });
                }
            }
            if !line.trim().is_empty() {
                prev = Some(range);
            }
        }
        posts
    }

    /// Attributes every top-level quote (a quote running over paragraphs shares one
    /// speaker across its parts).
    fn direct_quotes(&self, found: &mut Vec<Found>, in_post: &dyn Fn(usize) -> bool) {
        let mut last: Option<(usize, Speaker, Option<Range<usize>>)> = None;
        let mut chain: Vec<usize> = Vec::new();
        for q in 0..self.quotes.len() {
            chain.push(q);
            if self.quotes[q].continues {
                continue;
            }
            let parts = std::mem::take(&mut chain);
            if parts.iter().any(|&p| in_post(self.quotes[p].open)) {
                continue;
            }
            let own: Vec<_> = parts.iter().map(|&p| self.attribute(p)).collect();
            let mut shared = own.iter().flatten().next().cloned();
            if shared.is_none() {
                shared = self.continuation(parts[0], &last);
            }
            let Some(shared) = shared else { continue };
            for (&p, own) in parts.iter().zip(own) {
                let (speaker, cue) = own.unwrap_or_else(|| shared.clone());
                found.push(Found {
                    content: self.quotes[p].inner.clone(),
                    kind: QuoteType::Direct,
                    cue: cue.clone(),
                    speaker: Some(speaker.clone()),
                });
                last = Some((self.quotes[p].close_end, speaker, cue));
            }
        }
    }

    /// A quote with no cue of its own that opens a sentence continues the speaker of the
    /// quote just before it in the same or the previous paragraph.
    fn continuation(
        &self,
        q: usize,
        last: &Option<(usize, Speaker, Option<Range<usize>>)>,
    ) -> Option<(Speaker, Option<Range<usize>>)> {
        let (end, speaker, cue) = last.as_ref()?;
        let quote = &self.quotes[q];
        let s = self.sentence_range(self.sentence_index(quote.open));
        if s.start != quote.open {
            return None;
        }
        let between = self.text.get(*end..quote.open)?;
        if between.matches('\n').filter(|_| true).count() > 0 {
            let paragraphs = between.split('\n').filter(|l| !l.trim().is_empty()).count();
            if paragraphs > 1 {
                return None;
            }
        }
        if between.len() > 400 {
            return None;
        }
        Some((speaker.clone(), cue.clone()))
    }

    /// The speaker and cue of quote `q` from the patterns around it.
    fn attribute(&self, q: usize) -> Option<(Speaker, Option<Range<usize>>)> {
        let quote = &self.quotes[q];
        let sentence = self.sentence_range(self.sentence_index(quote.open));
        // After: `“…,” X said` / `“…,” said X`.
        if !quote.continues {
            let i = self.word_at_or_after(quote.close_end);
            let ceiling = self
                .sentence_range(
                    self.sentence_index(quote.close_end.min(self.text.len().saturating_sub(1))),
                )
                .end
                .max(quote.close_end);
            let inner_end = self.text[quote.inner.clone()].trim_end();
            let ends_sentence = inner_end.ends_with('.');
            if i < self.words.len() && self.only_spaces(quote.close_end, self.words[i].start) {
                if let Some(c) = self.cue(i).filter(|c| !c.participle) {
                    let _ = c;
                    if let Some(np) = self
                        .np_right(i + 1, ceiling)
                        .or_else(|| self.loose_np_after(i + 1, ceiling))
                        && self.only_spaces(self.words[i].end, self.words[i + 1].start)
                    {
                        let cue = self.words[i].start..self.words[i].end;
                        return Some((self.speaker(&np), Some(cue)));
                    }
                }
                let comma_quote = inner_end.ends_with([',', '?', '!', '—', '-']);
                let loose = || {
                    comma_quote
                        .then(|| self.loose_np_before_cue(i, ceiling))
                        .flatten()
                };
                if let Some(np) = self.np_right(i, ceiling).or_else(loose) {
                    let mut k = self.word_at_or_after(np.range.end);
                    let rest = &self.text[np.range.end..];
                    // An apposition: "Peskov, the Kremlin spokesman, said".
                    if let Some(apposition) = rest.strip_prefix(", ")
                        && let Some(p) = apposition.find(',').filter(|&p| p < 120)
                    {
                        k = self.word_at_or_after(np.range.end + 2 + p);
                    }
                    while k < self.words.len() && self.words[k].between {
                        k += 1;
                    }
                    if k < self.words.len()
                        && self.words[k].quote.is_none()
                        && let Some(c) = self.cue(k)
                        && !c.participle
                    {
                        let after = &self.text[self.words[k].end..];
                        let ok = !ends_sentence
                            || after.starts_with(['.', ',', ';'])
                            || after.is_empty();
                        if ok {
                            let cue = self.words[k].start..self.words[k].end;
                            return Some((self.speaker(&np), Some(cue)));
                        }
                    }
                }
            }
        }
        // Before, in the same sentence: `X said: “…”`, `X stressed it was “…”`,
        // `…, calling it “…”`, `according to X, “…”`.
        let from = self.word_at_or_after(sentence.start);
        let to = self.word_at_or_after(quote.open);
        for k in (from..to).rev() {
            if self.words[k].quote.is_some() {
                continue;
            }
            if self.cue(k).is_some() {
                let cue = self.words[k].start..self.words[k].end;
                let at_start = self.words[k].start == sentence.start
                    && self.cue(k).is_some_and(|c| !c.participle);
                let np = if at_start {
                    // Inverted: "Said Dorothy Poynter, …: “…”".
                    self.np_right(k + 1, quote.open)
                        .or_else(|| self.loose_np_after(k + 1, quote.open))
                } else {
                    self.cue_subject(k)
                };
                let np = np?;
                return Some((self.speaker(&np), Some(cue)));
            }
            if let Some(np) = self.according_to(k, quote.open) {
                return Some((self.speaker(&np), None));
            }
        }
        // "Mr. Smith shot back: “…”": a colon before the quote introduces it.
        if self.text[sentence.start..quote.open]
            .trim_end()
            .ends_with(':')
            && let Some(np) = self.subjects[self.sentence_index(quote.open)].clone()
            && np.range.end <= quote.open
        {
            return Some((self.speaker(&np), None));
        }
        // A paragraph ending in `X said:` introduces the next one.
        if sentence.start == quote.open || self.text[sentence.start..quote.open].trim().is_empty() {
            let before = self.text[..sentence.start].trim_end();
            if before.ends_with(':') {
                let colon = before.len() - 1;
                let k = self.word_at_or_after(colon).checked_sub(1)?;
                if self.cue(k).is_some() {
                    let np = self.cue_subject(k)?;
                    let cue = self.words[k].start..self.words[k].end;
                    return Some((self.speaker(&np), Some(cue)));
                }
            }
        }
        None
    }

    /// "a spokesman for committee Democrats said": up to eight words from `i` that a
    /// finite cue verb follows, taken as a description when no better phrase is found.
    fn loose_np_before_cue(&self, i: usize, ceiling: usize) -> Option<Np> {
        let mut buf = [0u8; 32];
        let first = self.lower(i, &mut buf).unwrap_or("");
        if self.lex.function_words.contains(first)
            && !matches!(
                first,
                "a" | "an"
                    | "the"
                    | "one"
                    | "another"
                    | "his"
                    | "her"
                    | "their"
                    | "its"
                    | "some"
                    | "many"
                    | "two"
                    | "three"
            )
        {
            return None;
        }
        let mut k = i;
        while k < self.words.len() && k < i + 8 && self.words[k].end <= ceiling {
            if k > i && !self.only_spaces(self.words[k - 1].end, self.words[k].start) {
                return None;
            }
            if self.words[k].quote.is_some() {
                return None;
            }
            if k > i && self.cue(k).is_some_and(|c| !c.participle) && !self.after_to(k) {
                return Some(Np {
                    kind: NpKind::Description,
                    range: self.words[i].start..self.words[k - 1].end,
                    core: self.words[k - 1].start..self.words[k - 1].end,
                });
            }
            k += 1;
        }
        None
    }

    /// "said one longtime adviser to Bill Clinton.": the words after an inverted cue up
    /// to the next punctuation, at most eight.
    fn loose_np_after(&self, i: usize, ceiling: usize) -> Option<Np> {
        let mut k = i;
        while k < self.words.len() && k < i + 8 && self.words[k].end <= ceiling {
            if self.words[k].quote.is_some()
                || (k > i && !self.only_spaces(self.words[k - 1].end, self.words[k].start))
            {
                break;
            }
            k += 1;
        }
        (k > i).then(|| Np {
            kind: NpKind::Description,
            range: self.words[i].start..self.words[k - 1].end,
            core: self.words[k - 1].start..self.words[k - 1].end,
        })
    }

    /// `according to X` at word `k`: the phrase X.
    fn according_to(&self, k: usize, ceiling: usize) -> Option<Np> {
        let mut buf = [0u8; 32];
        if self.lower(k, &mut buf) != Some("according") {
            return None;
        }
        let mut b = [0u8; 32];
        if k + 1 >= self.words.len() || self.lower(k + 1, &mut b) != Some("to") {
            return None;
        }
        self.np_right(k + 2, ceiling)
    }

    /// Reported clauses: `X said (that) …`, `X told reporters …`, `according to X`.
    fn indirect_quotes(&self, found: &mut Vec<Found>, in_post: &dyn Fn(usize) -> bool) {
        for k in 0..self.words.len() {
            if self.words[k].quote.is_some() || in_post(self.words[k].start) {
                continue;
            }
            if let Some(cue) = self.cue(k).filter(|_| !self.after_to(k)) {
                let Some(start) = self.clause_start(k, cue.complement) else {
                    continue;
                };
                let Some(content) = self.clause(start) else {
                    continue;
                };
                let Some(np) = self.cue_subject(k) else {
                    continue;
                };
                found.push(Found {
                    content,
                    kind: QuoteType::Indirect,
                    cue: Some(self.words[k].start..self.words[k].end),
                    speaker: Some(self.speaker(&np)),
                });
            } else if let Some(found_row) = self.according_to_clause(k) {
                found.push(found_row);
            }
        }
    }

    /// Where the reported clause after the cue at word `k` starts, if it has one.
    fn clause_start(&self, k: usize, complement: Complement) -> Option<usize> {
        let next = k + 1;
        if next >= self.words.len() {
            return None;
        }
        let gap = &self.text[self.words[k].end..self.words[next].start];
        if !gap.chars().all(|c| c == ' ') {
            return None;
        }
        let sentence_end = self
            .sentence_range(self.sentence_index(self.words[k].start))
            .end;
        let that_within = |from: usize, limit: usize| -> Option<usize> {
            (from..(from + limit).min(self.words.len())).find(|&j| {
                let mut b = [0u8; 32];
                self.words[j].end <= sentence_end
                    && self.words[j].quote.is_none()
                    && self.lower(j, &mut b) == Some("that")
            })
        };
        let mut b = [0u8; 32];
        let first = self.lower(next, &mut b).unwrap_or("").to_string();
        let after = |j: usize| (j + 1 < self.words.len()).then(|| self.words[j + 1].start);
        match complement {
            Complement::None => None,
            Complement::Accuse => Some(self.words[next].start),
            Complement::Clause | Complement::That => {
                if first == "that" {
                    return after(next);
                }
                if self.lex.prepositions.contains(first.as_str()) {
                    return that_within(next, 6).and_then(after);
                }
                if complement == Complement::Clause
                    && !matches!(
                        first.as_str(),
                        "of" | "about" | "so" | "by" | "for" | "and" | "or" | "but"
                    )
                {
                    return Some(self.words[next].start);
                }
                None
            }
            Complement::Object => {
                // The addressee: a pronoun, "reporters", or a name or description.
                let mut j = next;
                if matches!(
                    first.as_str(),
                    "him"
                        | "her"
                        | "them"
                        | "me"
                        | "us"
                        | "reporters"
                        | "journalists"
                        | "supporters"
                        | "voters"
                        | "lawmakers"
                ) {
                    j += 1;
                } else if let Some(np) = self.np_right(next, sentence_end) {
                    j = self.word_at_or_after(np.range.end);
                } else {
                    return None;
                }
                if j >= self.words.len() || self.words[j].end > sentence_end {
                    return None;
                }
                let mut b2 = [0u8; 32];
                if self.lower(j, &mut b2) == Some("that") {
                    return after(j);
                }
                let gap = &self.text[self.words[j - 1].end..self.words[j].start];
                gap.chars().all(|c| c == ' ').then_some(self.words[j].start)
            }
        }
    }

    /// The reported clause from `start` to the end of its sentence or the first
    /// clause break (", though", " and stressed").
    fn clause(&self, start: usize) -> Option<Range<usize>> {
        let s = self.sentence_index(start);
        let sentence = self.sentence_range(s);
        // "adding that “…”": the quote is the direct row, there is no clause of its own.
        if self.quote_at(start).is_some() {
            return None;
        }
        let mut end = sentence.end;
        let first = self.word_at_or_after(start);
        for j in first.max(1)..self.words.len() {
            let w = &self.words[j];
            if w.start >= sentence.end {
                break;
            }
            if w.quote.is_some() {
                continue;
            }
            let gap = &self.text[self.words[j - 1].end..w.start];
            let mut b = [0u8; 32];
            let lower = self.lower(j, &mut b).unwrap_or("");
            if gap.contains(';') || gap.contains(':') || gap.contains(" — ") || gap.contains(" – ")
            {
                end = self.words[j - 1].end + gap.find([';', ':', ' ']).unwrap_or(0);
                break;
            }
            if gap.trim_start().starts_with(',') && CLAUSE_BREAKS.contains(&lower) {
                end = self.words[j - 1].end + gap.find(',').unwrap_or(0);
                break;
            }
            if lower == "and"
                && j + 1 < self.words.len()
                && self.cue(j + 1).is_some_and(|c| !c.participle)
            {
                end = self.words[j - 1].end + gap.find(',').unwrap_or(0);
                break;
            }
        }
        let text = &self.text[start..end.max(start)];
        let mut trimmed = text.trim_end();
        // A closing quotation mark belongs to the clause; its final stop does too only
        // inside the mark.
        trimmed = trimmed.trim_end_matches([',', ';', ':']);
        if trimmed.ends_with(['.', '!', '?']) {
            trimmed = &trimmed[..trimmed.len() - 1];
        }
        let trimmed = trimmed.trim_end();
        if trimmed.split_whitespace().count() < 3 {
            return None;
        }
        Some(start..start + trimmed.len())
    }

    /// `According to X, CLAUSE.` and `CLAUSE, according to X.`
    fn according_to_clause(&self, k: usize) -> Option<Found> {
        if !self.word(k).eq_ignore_ascii_case("according") {
            return None;
        }
        let s = self.sentence_range(self.sentence_index(self.words[k].start));
        let np = self.according_to(k, s.end)?;
        let cue = Some(self.words[k].start..self.words[k + 1].end);
        let speaker = Some(self.speaker(&np));
        if self.words[k].start == s.start {
            let comma = self.text.get(np.range.end..s.end)?.find(',')? + np.range.end;
            let start = comma
                + 1
                + (self.text[comma + 1..].len() - self.text[comma + 1..].trim_start().len());
            let content = self.clause(start)?;
            return Some(Found {
                content,
                kind: QuoteType::Indirect,
                cue,
                speaker,
            });
        }
        let before = self.text[s.start..self.words[k].start].trim_end();
        let before = before.strip_suffix(',')?.trim_end();
        if before.split_whitespace().count() < 3 || self.quote_at(s.start).is_some() {
            return None;
        }
        Some(Found {
            content: s.start..s.start + before.len(),
            kind: QuoteType::Indirect,
            cue,
            speaker,
        })
    }
}

/// The first `:` or `—` of `text` when it starts at byte `limit` or before: only the
/// head of the text is read, not the whole sentence.
fn dateline_mark(text: &str, limit: usize) -> Option<usize> {
    let head = &text.as_bytes()[..text.len().min(limit + '—'.len_utf8())];
    // In valid UTF-8 these bytes match only at the start of the characters themselves.
    (0..head.len().min(limit + 1))
        .find(|&p| head[p] == b':' || head[p..].starts_with("—".as_bytes()))
}

/// The character at byte `i` and its length; ASCII, most of any text, without decoding.
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let b = *text.as_bytes().get(i)?;
    if b.is_ascii() {
        return Some((b as char, 1));
    }
    let c = text[i..].chars().next()?;
    Some((c, c.len_utf8()))
}

fn tokenize(text: &str, quotes: &[Quote]) -> Vec<Word> {
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

#[cfg(test)]
mod tests;
