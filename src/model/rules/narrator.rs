//! Who "I" is in a story told in the first person when the cast does not say: the name
//! the other characters call the narrator by. Holmes's "My dear Watson," and a
//! convict's "Tell me your name, Pip!" are spoken to the narrator, and a quote whose
//! tag names a third person as the speaker ("…," said Holmes; "…," he said) is not the
//! narrator's own. LitBank's gold names the narrator so ("Watson"), where a bare "I"
//! would never match.

use super::cues::Lexicon;
use super::dialogue::Speech;
use super::narration::{lower, tokens};
use super::tags::{Tag, Who};
use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;

/// First-person speech tags ("said I", "I answered") below which a text is not taken to
/// be told in the first person.
const FIRST_PERSON_TAGS: usize = 1;
/// How often a name must be called in other speakers' quotes to be the narrator's: a
/// call in a quote tagged to a third person counts 2, in an untagged quote 1.
const MIN_ADDRESSED: usize = 2;

/// The narrator's name as the text writes it (one word: "Watson", "Pip"), or `None`
/// when the text is not told in the first person or no name stands out.
///
/// `tags` holds, for each speech, the tag after it and the tag before it.
pub fn name_by_address<'t>(
    text: &'t str,
    lex: &Lexicon,
    speeches: &[Speech],
    tags: &[(Option<Tag>, Option<Tag>)],
) -> Option<&'t str> {
    let own_tags = || {
        tags.iter()
            .map(|(after, before)| after.iter().chain(before).find(|t| t.verb))
    };
    let first_person = own_tags()
        .filter(|t| t.is_some_and(|t| t.mention.who == Who::FirstPerson))
        .count();
    if first_person < FIRST_PERSON_TAGS {
        return None;
    }
    // Whoever a tag names as a speaker speaks in the third person: not the narrator.
    let mut tagged: Vec<String> = own_tags()
        .flatten()
        .filter(|t| t.mention.who == Who::Name)
        .filter_map(|t| text[t.mention.range.clone()].split_whitespace().last())
        .map(str::to_lowercase)
        .collect();
    tagged.sort_unstable();
    let mut addressed: HashMap<&str, usize> = HashMap::default();
    for (speech, own) in speeches.iter().zip(own_tags()) {
        // A quote tagged to a third person speaks to the narrator more surely than an
        // untagged one, which may be the narrator's own.
        let weight = match own.map(|t| t.mention.who) {
            Some(Who::FirstPerson) => continue,
            Some(_) => 2,
            None => 1,
        };
        for name in vocatives(text, lex, speech.inner.clone()) {
            *addressed.entry(name).or_default() += weight;
        }
    }
    let mut ranked: Vec<(&str, usize)> = addressed
        .into_iter()
        .filter(|&(name, n)| {
            n >= MIN_ADDRESSED && tagged.binary_search(&name.to_lowercase()).is_err()
        })
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked.retain(|(name, _)| !written_in_lowercase(text, name));
    // Two names called as often ("Nonsense!" as often as "Pip!"): no telling which.
    match ranked[..] {
        [(name, _)] => Some(name),
        [(name, first), (_, second), ..] if first > second => Some(name),
        _ => None,
    }
}

/// The last word of each name a quote calls someone by: a capitalized word (or run of
/// them) set off by commas or ending a sentence, after a comma, "dear" or the quote's
/// start: "Come, Watson!", "My dear Watson, …", "Pip, …".
fn vocatives<'t>(text: &'t str, lex: &Lexicon, inner: Range<usize>) -> Vec<&'t str> {
    let toks = tokens(text, inner, 80);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let capitalized = |k: usize| {
            toks.get(k).is_some_and(|t| {
                let w = &text[t.range.clone()];
                t.is_word() && w.starts_with(char::is_uppercase) && w != "I"
            })
        };
        if !capitalized(i) {
            i += 1;
            continue;
        }
        let mut end = i;
        while capitalized(end + 1) {
            end += 1;
        }
        let mut buf = [0u8; 24];
        let opens = i == 0
            || toks[i - 1].is(',')
            || toks[i - 1].is_word()
                && lower(&text[toks[i - 1].range.clone()], &mut buf) == Some("dear");
        let closes = toks
            .get(end + 1)
            .is_none_or(|t| t.is(',') || t.is('!') || t.is('?') || t.is('.') || t.is(';'));
        let word = &text[toks[end].range.clone()];
        let plain_word = lower(word, &mut buf).is_none_or(|l| {
            let info = lex.word(l);
            info.not_name || info.title || info.cue.is_some()
        });
        if opens && closes && !plain_word {
            out.push(word);
        }
        i = end + 1;
    }
    out
}

/// Whether the text has the word in lowercase too ("Well, …" and "as well"): then it
/// is a word, not a name.
fn written_in_lowercase(text: &str, word: &str) -> bool {
    let lowercase = word.to_lowercase();
    text.match_indices(lowercase.as_str()).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + lowercase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::{dialogue, fiction};

    fn narrator(text: &str) -> Option<&str> {
        let lex = Lexicon::new();
        let scanned = dialogue::scan(text);
        let tags = fiction::raw_tags(text, &lex, &scanned.paragraphs, &scanned.speeches);
        name_by_address(text, &lex, &scanned.speeches, &tags)
    }

    const TOLD_BY_WATSON: &str = "“You see, Watson,” said Holmes, “it is simple.”\n\n\
        “I do not see it,” said I.\n\n\
        “Well, my dear Watson, look again,” he said.\n\n\
        “Very well,” I answered.\n\n\
        “Come, Holmes,” said I. “Tell me.”\n";

    #[test]
    fn the_name_others_call_the_narrator_by() {
        assert_eq!(narrator(TOLD_BY_WATSON), Some("Watson"));
    }

    #[test]
    fn a_story_in_the_third_person_has_no_narrator_to_name() {
        let text = TOLD_BY_WATSON
            .replace("said I", "said Watson")
            .replace("I answered", "Watson answered");
        assert_eq!(narrator(&text), None);
    }

    #[test]
    fn a_name_tagged_as_a_speaker_is_not_the_narrator() {
        // Holmes is called by name twice in others' quotes, but speaks in tags himself.
        let text = format!(
            "{TOLD_BY_WATSON}\n“Look, Holmes,” said Lestrade.\n\n“Holmes, wait!” he cried.\n"
        );
        assert_eq!(narrator(&text), Some("Watson"));
    }
}
