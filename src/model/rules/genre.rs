//! Is this text fiction or news? The rules read the two differently (a news quote comes
//! with a cue and a named source, most speech in a novel with neither), so the choice
//! is made from what the text shows: news is dense in figures and in the words of
//! public life, fiction is almost free of them; fiction's dialogue has the inverted and
//! pronoun tags of narration ("said he", "she cried"). A cast given with the text (a
//! dataset's `aliases.csv`, the speakers protocol's `cast`) counts as fiction evidence.
//!
//! Measured on the corpora the rules were tuned on: news words and figures per 1,000
//! words are 0–3.4 in 4 of 84 PolNeAR dev articles and above 5 in the rest, at most 7.7
//! in LitBank's excerpts (4.0 and 5.6 in two with dialogue and a cast) and at most 3.1
//! in PDNC's novels (a novel of gambling).

use super::cues::Words;
use super::narration::{lower, words};

static NEWS_WORDS: Words = Words::new(include_str!("words/news_words.txt"));

/// Only the start of a long text is read: a novel shows its genre within pages.
const SAMPLE: usize = 64 * 1024;

/// Above this many figures and news words per 1,000 words, a text is news.
const NEWS_DENSITY: usize = 3;

/// Text this long, unless dense in news words, is a book.
const BOOK_LENGTH: usize = 60_000;

pub fn news_words() -> &'static [&'static str] {
    NEWS_WORDS.get()
}

/// What the sample shows.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    pub words: usize,
    /// Figures (runs of digits) and news words.
    pub news: usize,
    /// Fiction's speech tags: "said he", "she replied".
    pub tags: usize,
}

pub fn evidence(text: &str) -> Evidence {
    let mut end = text.len().min(SAMPLE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut e = Evidence::default();
    let news = NEWS_WORDS.get();
    let mut prev: &str = "";
    for w in words(&text[..end]) {
        e.words += 1;
        let mut buf = [0u8; 24];
        if w.as_bytes()[0].is_ascii_digit() {
            e.news += 1;
        } else if let Some(lower) = lower(w, &mut buf) {
            if news.contains(&lower) {
                e.news += 1;
            }
            let pronoun = matches!(lower, "he" | "she");
            let verb = super::tags::is_speech_verb(lower) && lower != "said";
            let prev_verb = super::tags::is_speech_verb(prev);
            let prev_pronoun = matches!(prev, "he" | "she");
            if (pronoun && prev_verb) || (verb && prev_pronoun) {
                e.tags += 1;
            }
            prev = news_prev(lower);
        }
    }
    e
}

/// Keeps the previous word only when it can take part in a tag, as a static string.
fn news_prev(lower: &str) -> &'static str {
    match lower {
        "he" => "he",
        "she" => "she",
        _ => super::tags::speech_verb(lower).unwrap_or(""),
    }
}

/// Fiction unless the text reads as news; a short text needs some sign of fiction.
pub fn is_fiction(text: &str, has_cast: bool) -> bool {
    let e = evidence(text);
    let book = text.len() >= BOOK_LENGTH;
    if e.words == 0 || e.news * 1000 > 2 * NEWS_DENSITY * e.words {
        return false;
    }
    if e.news * 1000 > NEWS_DENSITY * e.words {
        // A novel of money or a diary of dates: a book, or a cast and fiction's tags.
        return book || has_cast && e.tags >= 1;
    }
    has_cast || book || e.tags >= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_is_news_and_dialogue_is_fiction() {
        let news = "WASHINGTON — The president said on Monday that 42 percent of voters \
                    backed the plan, according to a statement. \"We will win,\" he said.";
        assert!(!is_fiction(news, true));
        let story = "\"Come here,\" said he. \"No,\" she replied, and went out.";
        assert!(is_fiction(story, false));
        let plain = "\"Come here.\" \"No.\"";
        assert!(!is_fiction(plain, false));
        assert!(is_fiction(plain, true));
        // Four figures in a thousand words: fiction only with a cast and its tags.
        let ride = "We rode on, and he said nothing at all to us of the road that lay ahead. ";
        let diary = format!("On the 4th day. {} \"Come in,\" said he.", ride.repeat(12));
        assert!(is_fiction(&diary, true));
        assert!(!is_fiction(&diary, false));
    }
}
