//! Characters the narration only describes: "A girl sat on the fence. … “What you run
//! for?” she asked." When a pronoun in a tag has no character of its gender to go to
//! (the story has named nobody yet), it goes to the nearest such description before
//! the quote: "the girl". LitBank names such speakers by their description ("a girl",
//! "The boy"), which "the girl" matches.

use super::cast::{Gender, gender_of_word};
use super::dialogue::Speech;
use super::narration::{lower, tokens};

/// How far back (bytes) the narration is searched for a description.
const REACH: usize = 1500;
/// Words that may stand between the determiner and the noun: "a little old man".
const MAX_ADJECTIVES: usize = 2;

/// Bytes before a window that are read too, for the determiner of a noun at its start.
const LEAD: usize = 40;

/// The descriptions found so far, per gender, for quotes taken in text order: each part
/// of the text is read once, however many pronouns ask.
#[derive(Debug, Default)]
pub struct Descriptions {
    /// For female, then male: the latest description found (its position and noun).
    latest: [Option<(usize, String)>; 2],
    /// How far the text has been read, per gender.
    read_to: [usize; 2],
}

impl Descriptions {
    /// The nearest description of a person of gender `g` in the narration before `pos`
    /// and within reach of it (outside the quotes, `speeches` in text order), as
    /// "the NOUN". Calls must come with `pos` not decreasing.
    pub fn nearest(
        &mut self,
        text: &str,
        speeches: &[Speech],
        pos: usize,
        g: Gender,
    ) -> Option<String> {
        let k = match g {
            Gender::Female => 0,
            Gender::Male => 1,
            Gender::Unknown => return None,
        };
        let from = pos.saturating_sub(REACH).max(self.read_to[k].min(pos));
        if let Some(found) = latest_in(text, speeches, from..pos, g) {
            self.latest[k] = Some(found);
        }
        self.read_to[k] = pos;
        self.latest[k]
            .as_ref()
            .filter(|(at, _)| at + REACH >= pos)
            .map(|(_, noun)| format!("the {noun}"))
    }
}

/// The last "a/an/the (up to two words) NOUN" of gender `g` starting in `window`.
fn latest_in(
    text: &str,
    speeches: &[Speech],
    window: std::ops::Range<usize>,
    g: Gender,
) -> Option<(usize, String)> {
    let mut start = window.start.saturating_sub(LEAD);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let toks = tokens(text, start..window.end, usize::MAX);
    let in_quote = |at: usize| {
        let k = speeches.partition_point(|s| s.inner.start <= at);
        k > 0 && speeches[k - 1].inner.contains(&at)
    };
    let mut buf = [0u8; 24];
    for (i, t) in toks.iter().enumerate().rev() {
        if t.range.start < window.start {
            break;
        }
        if !t.is_word() || in_quote(t.range.start) {
            continue;
        }
        let Some(noun) = lower(&text[t.range.clone()], &mut buf).map(str::to_string) else {
            continue;
        };
        // Titles ("Mrs.") head names, not descriptions.
        if gender_of_word(&noun) != g || text[t.range.end..].starts_with('.') {
            continue;
        }
        let determined = (1..=MAX_ADJECTIVES + 1).any(|back| {
            i >= back
                && toks[i - back + 1..i].iter().all(|w| w.is_word())
                && toks[i - back].is_word()
                && lower(&text[toks[i - back].range.clone()], &mut buf)
                    .is_some_and(|d| matches!(d, "a" | "an" | "the"))
        });
        if determined {
            return Some((t.range.start, noun));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::dialogue;

    fn nearest_before_last_quote(text: &str, g: Gender) -> Option<String> {
        let scanned = dialogue::scan(text);
        let last = scanned.speeches.last().expect("a quote");
        Descriptions::default().nearest(text, &scanned.speeches, last.open, g)
    }

    #[test]
    fn the_nearest_description_of_the_pronouns_gender() {
        let text = "A tall man came by. A little girl sat on the fence.\n\n\
                    “What you run for?” she asked.";
        assert_eq!(
            nearest_before_last_quote(text, Gender::Female).as_deref(),
            Some("the girl")
        );
        assert_eq!(
            nearest_before_last_quote(text, Gender::Male).as_deref(),
            Some("the man")
        );
    }

    #[test]
    fn quotes_titles_and_bare_nouns_are_no_description() {
        let text = "“The girl is late,” he said. Mrs. Hall waited; her mother slept.\n\n\
                    “Well?” she asked.";
        assert_eq!(nearest_before_last_quote(text, Gender::Female), None);
    }
}
