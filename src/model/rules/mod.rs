//! The `rules` model: a rule-based quote attributor in pure Rust (issue 4).
//!
//! Direct quotes come from quotation-mark pairing ([`quotes`]); a speaker from the cue
//! patterns of news text (`“…,” X said`, `“…,” said X`, `X said: “…”`, participles
//! such as `calling`, `according to X`, embedded posts signed `— Name (@handle)`);
//! indirect quotes are the reported clause after a cue verb. Speakers are resolved to
//! the fullest name the article uses ([`speakers`]). Everything is searched in bytes
//! and reported in code points.

pub(crate) mod cast;
pub mod cues;
mod described;
mod dialogue;
mod direct;
mod fiction;
pub mod genre;
mod indirect;
mod narration;
mod narrator;
mod phrases;
pub mod quotes;
pub mod speakers;
mod tags;
mod text;
mod turns;

use text::{dateline_mark, tokenize};

use crate::attribution::{Attribution, QuoteType};
use crate::dataset::Aliases;
use crate::dataset::Article;
use crate::model::task::cast_of;
use crate::model::{Model, ModelError, ModelInfo, SpeakersRequest};
use cues::{Complement, Lexicon, ascii_lower, ascii_lower_bytes};
use quotes::Quote;
use speakers::{Entities, Np, NpKind};
use std::ops::Range;

/// Goes into every record: change it when the rules change what they predict.
pub const VERSION: &str = "1.2.0";

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
    /// The dataset's cast, for fiction.
    aliases: Aliases,
}

impl Rules {
    pub fn new() -> Rules {
        Rules::with_cast(Aliases::default())
    }

    /// The model for a dataset whose `aliases.csv` is the cast of its stories.
    pub fn with_cast(aliases: Aliases) -> Rules {
        let lex = Lexicon::new();
        Rules {
            info: ModelInfo {
                spec: "rules".into(),
                name: "rules".into(),
                version: VERSION.into(),
                config_hash: lex.config_hash(),
            },
            lex,
            aliases,
        }
    }

    /// Rows for a text of fiction, or for its `given` quotes (byte ranges).
    fn fiction_rows(
        &self,
        article: &Article,
        cast: &[crate::model::CastMember],
        given: Option<&[Range<usize>]>,
    ) -> Result<Vec<Attribution>, ModelError> {
        let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            fiction::attribute(&article.text, &self.lex, cast, given)
        }))
        .map_err(|_| ModelError::new("rules: internal error on this article"))?;
        let mut rows = Vec::with_capacity(found.len());
        for f in found {
            let Some(speaker) = f.speaker else { continue };
            let quote_span = article.span_of_bytes(f.inner.clone());
            let mention_span = f.mention.clone().and_then(|m| article.span_of_bytes(m));
            if quote_span.is_none() || f.mention.is_some() && mention_span.is_none() {
                return Err(ModelError::new(
                    "rules: an offset fell inside a character (a bug in the rules model)",
                ));
            }
            rows.push(Attribution {
                article_id: article.id.clone(),
                quote: article.text[f.inner].to_string(),
                speaker,
                quote_span,
                quote_type: Some(QuoteType::Direct),
                speaker_mention: f.mention.map(|m| article.text[m].to_string()),
                mention_span,
                confidence: Some(f.evidence.confidence()),
                ..Attribution::default()
            });
        }
        Ok(rows)
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
        let cast = cast_of(&article.id, &self.aliases);
        if genre::is_fiction(&article.text, !cast.is_empty()) {
            return self.fiction_rows(article, &cast, None);
        }
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

    /// Fiction attributes the given quotes themselves, with the cast given; news goes by
    /// the model's own extraction.
    fn attribute(
        &self,
        article: &Article,
        request: &SpeakersRequest,
    ) -> Result<Vec<Attribution>, ModelError> {
        if !genre::is_fiction(&article.text, !request.cast.is_empty()) {
            let rows = self.predict(article)?;
            return Ok(crate::model::task::answers_from_rows(
                &article.id,
                &rows,
                request,
            ));
        }
        let mut given = Vec::with_capacity(request.quotes.len());
        for q in &request.quotes {
            let (Some(start), Some(end)) =
                (article.byte_offset(q.start), article.byte_offset(q.end))
            else {
                return Err(ModelError::new(format!(
                    "rules: given quote {} lies outside the text",
                    q.quote_id
                )));
            };
            given.push(start..end);
        }
        self.fiction_rows(article, &request.cast, Some(&given))
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
}

#[cfg(test)]
mod tests;
