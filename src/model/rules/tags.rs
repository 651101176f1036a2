//! Speech tags in fiction: who the narration around a quotation says is speaking.
//!
//! After the quote: `"…," said Emma`, `said he`, `said the old man`, `"…," Mr.
//! Knightley replied`, `she answered quietly`. Before it: `Emma said: "…"`, `Then she
//! turned to him and said, "…"`. Without a speech verb, the subject of the narration
//! next to the quote in its paragraph ("Emma laughed. "…"") is an action mention,
//! weaker evidence of the speaker.

use super::cast::{Gender, gender_of_word};
use super::cues::{Lexicon, Words};
use super::narration::{Kind, Tok, lower, tokens};
use rustc_hash::FxHashSet as HashSet;
use std::ops::Range;
use std::sync::OnceLock;

static SPEECH_VERBS: Words = Words::new(include_str!("words/speech_verbs.txt"));

pub fn speech_verbs() -> &'static [&'static str] {
    SPEECH_VERBS.get()
}

fn verb_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| SPEECH_VERBS.get().iter().copied().collect())
}

pub fn is_speech_verb(lower: &str) -> bool {
    verb_set().contains(lower)
}

/// The list's own copy of a speech verb.
pub fn speech_verb(lower: &str) -> Option<&'static str> {
    verb_set().get(lower).copied()
}

/// How the narration names the speaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Name,
    Pronoun(Gender),
    FirstPerson,
    /// "the old man", "her father": with the gender its head noun implies.
    Description(Gender),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub who: Who,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub mention: Mention,
    /// A speech verb ties the mention to the quote; otherwise it is an action mention.
    pub verb: bool,
}

const DETERMINERS: &[&str] = &[
    "the", "his", "her", "my", "their", "our", "your", "this", "that", "a", "an",
];

const PREPOSITIONS: &[&str] = &[
    "to", "at", "with", "of", "for", "from", "on", "upon", "by", "towards", "toward", "into",
    "about", "behind", "beside",
];

/// Words that may stand between a subject and its speech verb: "she at last replied".
fn between(lower: &str) -> bool {
    lower.ends_with("ly")
        || matches!(
            lower,
            "then"
                | "at"
                | "last"
                | "again"
                | "now"
                | "also"
                | "too"
                | "presently"
                | "once"
                | "still"
        )
}

struct Reader<'a> {
    text: &'a str,
    lex: &'a Lexicon,
    toks: Vec<Tok>,
}

impl<'a> Reader<'a> {
    fn word(&self, i: usize) -> Option<&'a str> {
        let t = self.toks.get(i)?;
        t.is_word().then(|| &self.text[t.range.clone()])
    }

    fn lower_is(&self, i: usize, f: impl Fn(&str) -> bool) -> bool {
        let mut buf = [0u8; 24];
        self.word(i).and_then(|w| lower(w, &mut buf)).is_some_and(f)
    }

    fn capitalized(&self, i: usize) -> bool {
        self.word(i)
            .is_some_and(|w| w.starts_with(|c: char| c.is_uppercase()))
    }

    /// A word that may begin or continue a name: capitalized, and not a function word
    /// (titles such as "Mr" are kept).
    fn name_word(&self, i: usize) -> bool {
        if !self.capitalized(i) {
            return false;
        }
        let w = self.word(i).unwrap_or("");
        if w == "I" {
            return false;
        }
        let mut buf = [0u8; 24];
        match lower(w, &mut buf) {
            Some(l) => {
                let info = self.lex.word(l);
                gender_of_word(l) != Gender::Unknown
                    || info.title
                    || !info.not_name && !is_speech_verb(l)
            }
            None => true,
        }
    }

    /// The subject starting at token `i`, and the index of the token after it.
    fn subject(&self, i: usize) -> Option<(Mention, usize)> {
        let w = self.word(i)?;
        let start = self.toks[i].range.start;
        let mut buf = [0u8; 24];
        let l = lower(w, &mut buf).unwrap_or("");
        let one = |who| {
            Some((
                Mention {
                    who,
                    range: self.toks[i].range.clone(),
                },
                i + 1,
            ))
        };
        match l {
            "he" => return one(Who::Pronoun(Gender::Male)),
            "she" => return one(Who::Pronoun(Gender::Female)),
            "i" if w == "I" => return one(Who::FirstPerson),
            _ => {}
        }
        if l == "the" && self.name_word(i + 1) {
            // "the King", "the Mock Turtle": a name with its article.
            let (m, next) = self.subject(i + 1)?;
            return Some((
                Mention {
                    who: Who::Name,
                    range: start..m.range.end,
                },
                next,
            ));
        }
        if DETERMINERS.contains(&l) && !self.capitalized(i + 1) {
            // "the old man": lowercase words up to the one before the verb or a mark.
            let mut j = i + 1;
            let mut head = None;
            while j < i + 5 && self.word(j).is_some() && !self.capitalized(j) {
                if self.lower_is(j, |x| is_speech_verb(x) || between(x) && x != "only") {
                    break;
                }
                head = Some(j);
                j += 1;
            }
            let head = head?;
            let mut hb = [0u8; 24];
            let g = lower(self.word(head)?, &mut hb).map_or(Gender::Unknown, gender_of_word);
            return Some((
                Mention {
                    who: Who::Description(g),
                    range: start..self.toks[head].range.end,
                },
                head + 1,
            ));
        }
        if !self.name_word(i) {
            return None;
        }
        let mut j = i;
        let mut end = self.toks[i].range.end;
        loop {
            // A title's stop: "Mr. Knightley".
            if self.toks.get(j + 1).is_some_and(|t| t.is('.')) && self.name_word(j + 2) {
                let is_abbrev = self.lower_is(j, |x| {
                    gender_of_word(x) != Gender::Unknown
                        || matches!(x, "dr" | "st" | "rev" | "col" | "capt" | "gen")
                }) || self.word(j).is_some_and(|w| w.len() == 1);
                if is_abbrev {
                    j += 2;
                    end = self.toks[j].range.end;
                    continue;
                }
            }
            if self.name_word(j + 1) {
                j += 1;
                end = self.toks[j].range.end;
                continue;
            }
            let particle =
                self.lower_is(j + 1, |x| matches!(x, "de" | "van" | "von" | "du" | "la"));
            if particle && self.name_word(j + 2) {
                j += 2;
                end = self.toks[j].range.end;
                continue;
            }
            break;
        }
        Some((
            Mention {
                who: Who::Name,
                range: start..end,
            },
            j + 1,
        ))
    }

    /// A speech verb within a few tokens from `j`, past adverbs.
    fn verb_near(&self, j: usize) -> bool {
        let mut k = j;
        while k < j + 3 {
            if self.lower_is(k, is_speech_verb) {
                return true;
            }
            if !self.lower_is(k, between) && !self.toks.get(k).is_some_and(|t| t.is(',')) {
                return false;
            }
            k += 1;
        }
        false
    }
}

/// Just past the quote's closing mark, when the quote ends at `inner_end` (a given
/// quote's span leaves the mark and the punctuation inside it out: `…!"`).
pub fn past_close(text: &str, inner_end: usize) -> usize {
    for (i, c) in text[inner_end..].char_indices().take(8) {
        if matches!(c, '"' | '”' | '’' | '\'' | '»') {
            return inner_end + i + c.len_utf8();
        }
        if c.is_alphanumeric() {
            break;
        }
    }
    inner_end
}

/// The tag in the narration `range` just after a quote.
pub fn after(text: &str, lex: &Lexicon, range: Range<usize>) -> Option<Tag> {
    let r = Reader {
        text,
        lex,
        toks: tokens(text, range, 14),
    };
    let mut i = 0;
    while let Some(t) = r.toks.get(i) {
        match t.kind {
            Kind::Word => break,
            Kind::Punct('.' | '?' | '!') => return None,
            Kind::Punct(_) => i += 1,
        }
    }
    let after_punct = i > 0;
    if r.lower_is(i, is_speech_verb) {
        // "called out Mr. Witherspoon", "went on the Mouse".
        let phrasal = r.lower_is(i, |x| matches!(x, "went" | "broke" | "put" | "cut"));
        let particle = r.lower_is(i + 1, |x| {
            matches!(x, "out" | "up" | "back" | "aloud") || phrasal && matches!(x, "in" | "on")
        });
        let (mention, _) = r
            .subject(i + 1 + usize::from(particle))
            .filter(|(m, _)| !particle || !matches!(m.who, Who::Description(_)))?;
        return Some(Tag {
            mention,
            verb: true,
        });
    }
    let (mention, j) = r.subject(i)?;
    if r.verb_near(j) {
        return Some(Tag {
            mention,
            verb: true,
        });
    }
    // "Emma laughed.": a subject and a verb, an action in the speaker's paragraph.
    let acts = r.word(j).is_some_and(|w| w.starts_with(char::is_lowercase));
    (acts && (!after_punct || mention.who == Who::Name)).then_some(Tag {
        mention,
        verb: false,
    })
}

/// The tag in the narration `range` just before a quote.
pub fn before(text: &str, lex: &Lexicon, range: Range<usize>) -> Option<Tag> {
    let mut from = range.end.saturating_sub(240).max(range.start);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let r = Reader {
        text,
        lex,
        toks: tokens(text, from..range.end, 80),
    };
    let n = r.toks.len();
    let mut end = n;
    while end > 0 && !r.toks[end - 1].is_word() && !r.toks[end - 1].ends_sentence() {
        end -= 1;
    }
    // Where the last sentence starts (a title's stop does not end it).
    let sentence_start = |upto: usize| {
        (0..upto)
            .rev()
            .find(|&k| {
                r.toks[k].ends_sentence()
                    && !(k > 0
                        && r.lower_is(k - 1, |x| gender_of_word(x) != Gender::Unknown || x == "dr"))
            })
            .map_or(0, |k| k + 1)
    };
    let mut start = sentence_start(end);
    // `Emma laughed. "…"`: the sentence before, an action unless it ends in a speech
    // verb ("Mr. Collins began.").
    let mut verb_at_end_only = false;
    if start >= end {
        end = end.saturating_sub(1);
        start = sentence_start(end);
        verb_at_end_only = true;
    }
    if start >= end {
        return None;
    }
    // A speech verb among the last words, perhaps followed by "to him".
    let reach = if verb_at_end_only { 1 } else { 6 };
    let verb = (start..end)
        .rev()
        .take(reach)
        .find(|&k| r.lower_is(k, is_speech_verb));
    if let Some(v) = verb {
        if let Some((mention, _)) = r.subject(v + 1).filter(|(m, _)| m.who == Who::Name) {
            return Some(Tag {
                mention,
                verb: true,
            });
        }
        let mut best = None;
        let mut k = start;
        while k < v {
            let governed = k > start && r.lower_is(k - 1, |x| PREPOSITIONS.contains(&x));
            match r.subject(k) {
                Some((m, next)) => {
                    if !governed {
                        best = Some(m);
                    }
                    k = next;
                }
                None => k += 1,
            }
        }
        return best.map(|mention| Tag {
            mention,
            verb: true,
        });
    }
    let (mention, _) = r.subject(start)?;
    Some(Tag {
        mention,
        verb: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after_tag(text: &str) -> Option<(String, Who, bool)> {
        let lex = Lexicon::new();
        after(text, &lex, 0..text.len())
            .map(|t| (text[t.mention.range].to_string(), t.mention.who, t.verb))
    }

    fn before_tag(text: &str) -> Option<(String, Who, bool)> {
        let lex = Lexicon::new();
        before(text, &lex, 0..text.len())
            .map(|t| (text[t.mention.range].to_string(), t.mention.who, t.verb))
    }

    #[test]
    fn tags_after_a_quote() {
        let name = |s: &str| Some((s.to_string(), Who::Name, true));
        assert_eq!(
            after_tag("\" said Mr. Knightley, smiling."),
            name("Mr. Knightley")
        );
        assert_eq!(
            after_tag(", Lady Catherine de Bourgh replied."),
            name("Lady Catherine de Bourgh")
        );
        assert_eq!(
            after_tag(" she answered quietly."),
            Some(("she".into(), Who::Pronoun(Gender::Female), true))
        );
        assert_eq!(
            after_tag("\" cried the old man."),
            Some(("the old man".into(), Who::Description(Gender::Male), true))
        );
        assert_eq!(after_tag(". The rain fell."), None);
        assert_eq!(after_tag("\" called out Mr. Bell."), name("Mr. Bell"));
        assert_eq!(
            after_tag("\" Emma rose."),
            Some(("Emma".into(), Who::Name, false))
        );
    }

    #[test]
    fn tags_before_a_quote() {
        assert_eq!(
            before_tag("When she had gone, Emma turned to Harriet and said, "),
            Some(("Emma".into(), Who::Name, true))
        );
        assert_eq!(
            before_tag("It was late. Harriet rose. "),
            Some(("Harriet".into(), Who::Name, false))
        );
        assert_eq!(
            before_tag("He said: "),
            Some(("He".into(), Who::Pronoun(Gender::Male), true))
        );
    }
}
