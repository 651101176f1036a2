//! Turn-taking: who speaks a quotation when no tag says, and which of the characters a
//! pronoun in a tag is. Two people talking take turns: in a run of untagged quotes the
//! speakers alternate between the conversation's last two, a new paragraph being a new
//! turn and a quote in the same paragraph the same speaker's.

use super::cast::{Cast, Gender};

/// What the conversation so far tells about the next speaker.
#[derive(Debug, Default, Clone)]
pub struct Conversation {
    /// The speaker of the previous quote.
    pub last: Option<usize>,
    /// The speaker before `last` who was not `last`.
    pub other: Option<usize>,
    /// Paragraph of the previous quote.
    pub last_para: Option<usize>,
}

/// Paragraphs of narration alone after which a conversation is over.
const GAP: usize = 2;

impl Conversation {
    /// The conversation goes on at paragraph `para`.
    pub fn goes_on(&self, para: usize) -> bool {
        self.last_para.is_some_and(|p| para <= p + GAP)
    }

    pub fn same_turn(&self, para: usize) -> bool {
        self.last_para == Some(para)
    }

    /// Records that `speaker` spoke a quote in `para`.
    pub fn spoke(&mut self, speaker: usize, para: usize) {
        if !self.goes_on(para) {
            self.other = None;
        }
        if self.last != Some(speaker) {
            self.other = self.last.filter(|_| self.goes_on(para));
            self.last = Some(speaker);
        }
        self.last_para = Some(para);
    }

    /// The speaker of an untagged quote opening paragraph `para`: the other party of
    /// the conversation; `None` when there is no conversation to go by.
    pub fn next_turn(&self, para: usize) -> Option<usize> {
        if self.same_turn(para) {
            return self.last;
        }
        if !self.goes_on(para) {
            return None;
        }
        self.other
    }

    /// The character a pronoun of gender `g` in a tag at paragraph `para` means: the
    /// one the turn falls to when the gender fits, else the most recently mentioned
    /// character of that gender (`recent`: most recent first), else the other party.
    pub fn pronoun(&self, cast: &Cast, g: Gender, para: usize, recent: &[usize]) -> Option<usize> {
        // The narrator is "I", never "he" or "she".
        let strict = |c: usize| cast.characters[c].gender() == g && Some(c) != cast.narrator;
        let fits = |c: usize| cast.characters[c].gender().fits(g) && Some(c) != cast.narrator;
        if let Some(turn) = self.next_turn(para).filter(|&c| strict(c)) {
            return Some(turn);
        }
        if let Some(&c) = recent.iter().find(|&&c| strict(c)) {
            return Some(c);
        }
        if let Some(turn) = self.next_turn(para).filter(|&c| fits(c)) {
            return Some(turn);
        }
        recent.iter().copied().find(|&c| fits(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CastMember;

    fn cast() -> Cast {
        let m = |name: &str| CastMember {
            name: name.into(),
            aliases: Vec::new(),
        };
        Cast::from_members(&[m("Mr. Bell"), m("Mrs. Bell"), m("Miss Ray")])
    }

    #[test]
    fn untagged_turns_alternate_and_a_long_silence_ends_the_talk() {
        let mut c = Conversation::default();
        c.spoke(0, 0);
        c.spoke(1, 1);
        assert_eq!(c.next_turn(2), Some(0));
        c.spoke(0, 2);
        assert_eq!(c.next_turn(3), Some(1));
        assert_eq!(c.next_turn(2), Some(0), "same paragraph, same speaker");
        assert_eq!(c.next_turn(9), None);
    }

    #[test]
    fn pronouns_go_to_the_party_whose_turn_it_is_if_the_gender_fits() {
        let cast = cast();
        let mut c = Conversation::default();
        c.spoke(0, 0);
        c.spoke(1, 1);
        // "…," he said: Mr. Bell's turn.
        assert_eq!(c.pronoun(&cast, Gender::Male, 2, &[1, 0]), Some(0));
        // "…," she said in the next paragraph: not Mr. Bell; Miss Ray was just named.
        assert_eq!(c.pronoun(&cast, Gender::Female, 2, &[2, 1]), Some(2));
    }
}
