//! The rules' reading of fiction: the quotations of dialogue ([`dialogue`]), their speech
//! tags ([`tags`]) resolved to the cast ([`cast`]), and turn-taking ([`turns`]) for the
//! quotes no tag attributes.
//!
//! A speaker is chosen, in this order, from: a tag with a speech verb at the quote
//! (after it, then before it); a tag with a speech verb elsewhere in the quote's
//! paragraph; the speaker of the paragraph's previous quote; the subject of the
//! narration in the paragraph ("Emma laughed. "…""); the other party of the
//! conversation; the character named last.

use super::cast::{Cast, Gender};
use super::cues::Lexicon;
use super::described;
use super::dialogue::{self, Speech};
use super::narration::{lower, tokens};
use super::narrator;
use super::tags::{self, Tag, Who};
use super::turns::Conversation;
use crate::model::CastMember;
use std::ops::Range;

/// One attributed quotation, in byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    pub inner: Range<usize>,
    pub speaker: Option<String>,
    /// The words naming the speaker at the quote, when a tag does.
    pub mention: Option<Range<usize>>,
    pub evidence: Evidence,
}

/// What chose the speaker, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A tag with a speech verb at the quote.
    Tag,
    /// A tag with a speech verb at another quote of the paragraph.
    ParagraphTag,
    /// The paragraph's previous quote.
    SameTurn,
    /// The subject of the narration in the paragraph.
    Action,
    /// Turn-taking: the other party, or whoever was last spoken to.
    Turn,
    /// The character named last.
    Recent,
}

impl Evidence {
    /// The share of speakers it chose right on the quotes the rules were tuned on
    /// (PDNC's tuning novels and LitBank), rounded.
    pub fn confidence(self) -> f64 {
        match self {
            Evidence::Tag => 0.9,
            Evidence::ParagraphTag => 0.8,
            Evidence::SameTurn => 0.8,
            Evidence::Action => 0.6,
            Evidence::Turn => 0.5,
            Evidence::Recent => 0.3,
        }
    }
}

/// How far back (bytes) a pronoun looks for the character it refers to.
const PRONOUN_REACH: usize = 2500;

/// The quotes of `text` (or the `given` ones, byte ranges of their words) with a
/// speaker each.
pub fn attribute(
    text: &str,
    lex: &Lexicon,
    members: &[CastMember],
    given: Option<&[Range<usize>]>,
) -> Vec<Attributed> {
    let dialogue::Dialogue {
        paragraphs,
        speeches,
    } = dialogue::scan(text);
    let speeches: Vec<Speech> = match given {
        None => speeches,
        Some(spans) => spans
            .iter()
            .map(|inner| Speech {
                open: opening_mark(text, inner.start),
                inner: inner.clone(),
                close_end: tags::past_close(text, inner.end),
                para: dialogue::paragraph_of(&paragraphs, inner.start),
            })
            .collect(),
    };
    let mut cast = Cast::from_members(members);
    let raw = raw_tags(text, lex, &paragraphs, &speeches);
    // Names in tags that the cast does not have are characters too.
    for tag in raw.iter().flat_map(|(a, b)| [a, b]).flatten() {
        let words = &text[tag.mention.range.clone()];
        // "said the old man": a character the cast may lack (with "a", "an", "the").
        let described = matches!(tag.mention.who, Who::Description(_))
            && ["the ", "a ", "an ", "The ", "A ", "An "]
                .iter()
                .any(|d| words.starts_with(d));
        let named = tag.mention.who == Who::Name
            || described && !cast.is_given() && cast.candidates(words).is_empty();
        if tag.verb && named {
            cast.resolve(words, &[], true);
        }
    }
    // "I" is the narrator: the cast may say who (PDNC's `_narr`), or the text may.
    if cast.narrator.is_none()
        && cast.candidates("I").is_empty()
        && let Some(name) = narrator::name_by_address(text, lex, &speeches, &raw)
    {
        cast.narrator = cast.resolve(name, &[], true);
    }
    let timeline = mentions(text, lex, &paragraphs, &speeches, &mut cast);
    assign(text, &paragraphs, &speeches, &raw, &timeline, &mut cast)
}

/// Where the opening mark of a quote whose words start at `start` is.
fn opening_mark(text: &str, start: usize) -> usize {
    let head = &text[start.saturating_sub(4)..start];
    let trimmed = head.trim_end();
    match trimmed.chars().next_back() {
        Some(c @ ('"' | '“' | '\'' | '‘' | '`')) => {
            start - (head.len() - trimmed.len()) - c.len_utf8()
        }
        _ => start,
    }
}

type RawTags = Vec<(Option<Tag>, Option<Tag>)>;

/// For each speech, the tag after it and the tag before it.
pub(super) fn raw_tags(
    text: &str,
    lex: &Lexicon,
    paragraphs: &[Range<usize>],
    speeches: &[Speech],
) -> RawTags {
    let para_end = |s: &Speech| paragraphs.get(s.para).map_or(text.len(), |p| p.end);
    let para_start = |s: &Speech| paragraphs.get(s.para).map_or(0, |p| p.start);
    (0..speeches.len())
        .map(|k| {
            let s = &speeches[k];
            let from = s.close_end.max(s.inner.end);
            let to = match speeches.get(k + 1) {
                Some(n) if n.para == s.para => n.open.max(from),
                _ => para_end(s).max(from),
            };
            let after = tags::after(text, lex, from..to);
            let start = match k.checked_sub(1).map(|j| &speeches[j]) {
                Some(p) if p.para == s.para => p.close_end.max(p.inner.end),
                _ => para_start(s),
            };
            let before = (start < s.open)
                .then(|| tags::before(text, lex, start..s.open))
                .flatten();
            (after, before)
        })
        .collect()
}

/// A character named in the narration, at a byte offset.
#[derive(Debug, Clone, Copy)]
struct Seen {
    pos: usize,
    character: usize,
}

/// The characters the narration names, in text order, with the pronouns after each
/// name counted towards the character's gender.
fn mentions(
    text: &str,
    lex: &Lexicon,
    paragraphs: &[Range<usize>],
    speeches: &[Speech],
    cast: &mut Cast,
) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut last_seen = vec![0usize; cast.characters.len()];
    let mut k = 0;
    for p in paragraphs {
        let mut segments = Vec::new();
        let mut from = p.start;
        while let Some(s) = speeches.get(k).filter(|s| s.open < p.end) {
            if s.open > from {
                segments.push(from..s.open);
            }
            from = from.max(s.close_end.max(s.inner.end));
            k += 1;
        }
        if from < p.end {
            segments.push(from..p.end);
        }
        for seg in segments {
            let toks = tokens(text, seg, usize::MAX);
            let mut i = 0;
            let mut pending: Option<usize> = None;
            while i < toks.len() {
                let t = &toks[i];
                let w = &text[t.range.clone()];
                let mut buf = [0u8; 24];
                let titled = is_title_word(text, t)
                    && toks.get(i + 1).is_some_and(|n| {
                        n.is('.') || text[n.range.clone()].starts_with(char::is_uppercase)
                    });
                if titled {
                    i += 1;
                    continue;
                }
                if t.is_word() && w.starts_with(char::is_uppercase) && cast.knows_token(w) {
                    let not_name = lower(w, &mut buf).is_some_and(|l| lex.word(l).not_name);
                    // A title before the name: "Mrs. Bell", "Miss Ray".
                    let start_tok = start_with_title(text, &toks, i);
                    let mut end_tok = i;
                    while end_tok + 1 < toks.len()
                        && toks[end_tok + 1].is_word()
                        && text[toks[end_tok + 1].range.clone()].starts_with(char::is_uppercase)
                    {
                        end_tok += 1;
                    }
                    if !not_name || start_tok < i {
                        let name = &text[toks[start_tok].range.start..toks[end_tok].range.end];
                        last_seen.resize(cast.characters.len(), 0);
                        let found = cast
                            .resolve(name, &last_seen, false)
                            .or_else(|| cast.fuller_name(name));
                        if let Some(c) = found {
                            last_seen.resize(cast.characters.len(), 0);
                            last_seen[c] = t.range.start + 1;
                            out.push(Seen {
                                pos: t.range.start,
                                character: c,
                            });
                            pending = Some(c);
                        }
                    }
                    i = end_tok + 1;
                    continue;
                }
                if let Some(c) = pending
                    && t.is_word()
                {
                    let g = match lower(w, &mut buf) {
                        Some("he" | "him" | "his" | "himself") => Gender::Male,
                        Some("she" | "her" | "hers" | "herself") => Gender::Female,
                        _ => Gender::Unknown,
                    };
                    if g != Gender::Unknown {
                        cast.characters[c].vote(g);
                        pending = None;
                    }
                }
                if t.ends_sentence() {
                    pending = None;
                }
                i += 1;
            }
        }
    }
    out
}

/// Where a cast name at token `i` starts once a title before it is taken in: "Mrs. Bell",
/// "Miss Ray".
fn start_with_title(text: &str, toks: &[super::narration::Tok], i: usize) -> usize {
    if i >= 2 && toks[i - 1].is('.') && is_title_word(text, &toks[i - 2]) {
        i - 2
    } else if i >= 1 && is_title_word(text, &toks[i - 1]) {
        i - 1
    } else {
        i
    }
}

fn is_title_word(text: &str, t: &super::narration::Tok) -> bool {
    let mut buf = [0u8; 24];
    t.is_word()
        && lower(&text[t.range.clone()], &mut buf)
            .is_some_and(|l| super::cast::gender_of_word(l) != Gender::Unknown || l == "dr")
}

fn assign(
    text: &str,
    _paragraphs: &[Range<usize>],
    speeches: &[Speech],
    raw: &RawTags,
    timeline: &[Seen],
    cast: &mut Cast,
) -> Vec<Attributed> {
    // The first tag with a speech verb in each paragraph, for its untagged quotes.
    let mut para_tag: Vec<(usize, &Tag)> = Vec::new();
    for (s, (a, b)) in speeches.iter().zip(raw) {
        let verb = a.iter().chain(b).find(|t| t.verb);
        if let Some(t) = verb
            && para_tag.last().is_none_or(|(p, _)| *p != s.para)
        {
            para_tag.push((s.para, t));
        }
    }
    let mut conv = Conversation::default();
    let mut descriptions = described::Descriptions::default();
    let mut last_addressee: Option<usize> = None;
    let mut seen_upto = 0;
    let mut last_seen = vec![0usize; cast.characters.len()];
    let mut out = Vec::with_capacity(speeches.len());
    for (s, (after, before)) in speeches.iter().zip(raw) {
        while let Some(m) = timeline.get(seen_upto).filter(|m| m.pos < s.open) {
            last_seen.resize(cast.characters.len(), 0);
            last_seen[m.character] = m.pos + 1;
            seen_upto += 1;
        }
        let recent = recent(timeline, seen_upto, s.open);
        let own = after.iter().chain(before).find(|t| t.verb);
        let in_para = para_tag
            .binary_search_by_key(&s.para, |(p, _)| *p)
            .ok()
            .map(|i| para_tag[i].1);
        let action = after.iter().chain(before).find(|t| !t.verb);
        let mut resolve = |tag: &Tag, cast: &mut Cast| -> Option<usize> {
            last_seen.resize(cast.characters.len(), 0);
            let words = &text[tag.mention.range.clone()];
            match tag.mention.who {
                Who::Name => cast.resolve(words, &last_seen, true),
                Who::Pronoun(g) => {
                    let found = conv.pronoun(cast, g, s.para, &recent);
                    let of_gender = found.is_some_and(|c| cast.characters[c].gender() == g);
                    if of_gender || cast.is_given() {
                        return found;
                    }
                    // Nobody of that gender yet: someone the narration describes.
                    descriptions
                        .nearest(text, speeches, s.open, g)
                        .map(|d| cast.described(&d))
                        .or(found)
                }
                Who::Description(g) => {
                    let found = cast.candidates(words);
                    match found.len() {
                        0 => conv.pronoun(cast, g, s.para, &recent),
                        _ => found.into_iter().max_by_key(|&c| last_seen.get(c).copied()),
                    }
                }
                Who::FirstPerson => cast.narrator.or_else(|| {
                    let i = cast.resolve("I", &[], true);
                    cast.narrator = i;
                    i
                }),
            }
        };
        let mut speaker = None;
        let mut mention = None;
        let mut evidence = Evidence::Recent;
        for (tag, e) in [(own, Evidence::Tag), (in_para, Evidence::ParagraphTag)] {
            if let Some(tag) = tag
                && let Some(c) = resolve(tag, cast)
            {
                speaker = Some(c);
                mention = Some(tag.mention.range.clone());
                evidence = e;
                break;
            }
        }
        if speaker.is_none() && conv.same_turn(s.para) {
            speaker = conv.last;
            evidence = Evidence::SameTurn;
        }
        if speaker.is_none()
            && let Some(tag) = action
            && let Some(c) = resolve(tag, cast)
        {
            speaker = Some(c);
            mention = Some(tag.mention.range.clone());
            evidence = Evidence::Action;
        }
        let addressed = addressees(text, &s.inner, cast);
        if speaker.is_none() {
            evidence = Evidence::Turn;
            // A new turn answers whoever the last quote spoke to.
            let answer = (!conv.same_turn(s.para) && conv.goes_on(s.para))
                .then_some(last_addressee)
                .flatten()
                .filter(|&c| Some(c) != conv.last && !addressed.contains(&c));
            speaker = answer.or_else(|| conv.next_turn(s.para));
            // Nobody calls themselves by name: "Tell me, Watson".
            if let Some(c) = speaker.filter(|c| addressed.contains(c)) {
                speaker = [conv.other, conv.last]
                    .into_iter()
                    .flatten()
                    .find(|o| *o != c && !addressed.contains(o))
                    .or(Some(c));
            }
        }
        if speaker.is_none() {
            evidence = Evidence::Recent;
            speaker = recent
                .iter()
                .copied()
                .find(|&c| Some(c) != conv.last)
                .or(conv.last);
        }
        last_addressee = addressed.first().copied();
        if let Some(c) = speaker {
            conv.spoke(c, s.para);
        }
        out.push(Attributed {
            inner: s.inner.clone(),
            speaker: speaker.map(|c| cast.characters[c].name.clone()),
            mention,
            evidence,
        });
    }
    out
}

/// The characters a quote calls by name: a name set off by commas or ending its
/// sentence ("Tell me, Watson, …", "Good night, Mrs. Allen.").
fn addressees(text: &str, inner: &Range<usize>, cast: &Cast) -> Vec<usize> {
    let toks = tokens(text, inner.clone(), 80);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let w = &text[t.range.clone()];
        if !(t.is_word() && w.starts_with(char::is_uppercase) && cast.knows_token(w)) {
            i += 1;
            continue;
        }
        let start = start_with_title(text, &toks, i);
        let mut end = i;
        while toks
            .get(end + 1)
            .is_some_and(|n| n.is_word() && text[n.range.clone()].starts_with(char::is_uppercase))
        {
            end += 1;
        }
        let set_off_before = start == 0 || toks[start - 1].is(',');
        let set_off_after = toks
            .get(end + 1)
            .is_none_or(|n| n.is(',') || n.is('!') || n.is('?') || n.is('.') || n.is(';'));
        if set_off_before && set_off_after {
            let name = &text[toks[start].range.start..toks[end].range.end];
            let found = cast.candidates(name);
            if found.len() == 1 && !out.contains(&found[0]) {
                out.push(found[0]);
            }
        }
        i = end + 1;
    }
    out
}

/// The characters named before `upto` within reach of `pos`, most recent first, once
/// each.
fn recent(timeline: &[Seen], upto: usize, pos: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for m in timeline[..upto].iter().rev() {
        if m.pos + PRONOUN_REACH < pos || out.len() >= 8 {
            break;
        }
        if !out.contains(&m.character) {
            out.push(m.character);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::rules::cast::tests::member;

    fn speakers(text: &str, cast: &[CastMember]) -> Vec<(String, String)> {
        let lex = Lexicon::new();
        attribute(text, &lex, cast, None)
            .into_iter()
            .map(|a| (text[a.inner].to_string(), a.speaker.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn explicit_anaphoric_and_implicit_speakers() {
        let text = "Tom Bell came into the room where Ann Ray sat.\n\n\
                    \"Good evening,\" said Mr. Bell.\n\n\
                    \"Good evening,\" she replied. \"Will you sit?\"\n\n\
                    \"Thank you.\"\n\n\
                    \"Tea?\"\n\n\
                    Tom laughed. \"No.\"";
        let cast = [
            member("Tom Bell", &["Mr. Bell", "Tom"]),
            member("Ann Ray", &["Miss Ray", "Ann"]),
        ];
        let got = speakers(text, &cast);
        let who: Vec<&str> = got.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            who,
            [
                "Tom Bell", "Ann Ray", "Ann Ray", "Tom Bell", "Ann Ray", "Tom Bell"
            ]
        );
    }

    #[test]
    fn without_a_cast_the_tags_name_the_characters() {
        let text = "\"Where?\" asked Ruth.\n\n\"Here,\" said Jonas.\n\n\"Now?\"\n\n\"Yes.\"";
        let who: Vec<String> = speakers(text, &[]).into_iter().map(|(_, s)| s).collect();
        assert_eq!(who, ["Ruth", "Jonas", "Ruth", "Jonas"]);
    }
}
