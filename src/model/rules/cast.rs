//! The characters of a story: the cast a dataset gives (`aliases.csv`, or `cast` in the
//! speakers protocol), else the names its speech tags use; how a name in the text
//! resolves to one of them ("Miss Woodhouse" → Emma); and each one's gender, from
//! titles, first names and the pronouns the text uses after naming them.

use super::cues::Words;
use super::narration::lower;
use crate::model::CastMember;
use rustc_hash::FxHashMap as HashMap;

static MALE_NOUNS: Words = Words::new(include_str!("words/male_nouns.txt"));
static FEMALE_NOUNS: Words = Words::new(include_str!("words/female_nouns.txt"));
static MALE_NAMES: Words = Words::new(include_str!("words/male.txt"));
static FEMALE_NAMES: Words = Words::new(include_str!("words/female.txt"));

pub fn word_lists() -> [(&'static str, &'static [&'static str]); 2] {
    [
        ("male_nouns", MALE_NOUNS.get()),
        ("female_nouns", FEMALE_NOUNS.get()),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gender {
    #[default]
    Unknown,
    Male,
    Female,
}

impl Gender {
    /// Whether a character of gender `self` may be referred to as `other`.
    pub fn fits(self, other: Gender) -> bool {
        self == Gender::Unknown || other == Gender::Unknown || self == other
    }
}

/// The gender a lowercase title, kin word or first name implies.
pub fn gender_of_word(lower: &str) -> Gender {
    gender_by_lists(lower, &FEMALE_NOUNS, &MALE_NOUNS)
}

fn gender_of_first_name(lower: &str) -> Gender {
    gender_by_lists(lower, &FEMALE_NAMES, &MALE_NAMES)
}

fn gender_by_lists(lower: &str, female: &Words, male: &Words) -> Gender {
    if female.get().contains(&lower) {
        Gender::Female
    } else if male.get().contains(&lower) {
        Gender::Male
    } else {
        Gender::Unknown
    }
}

#[derive(Debug, Clone)]
pub struct Character {
    /// The name answers give: the cast's `name`, or the fullest form the text used.
    pub name: String,
    /// Not in the given cast: named by the text, and renamed to its fullest form.
    pub from_text: bool,
    /// Gender from the names alone.
    named_gender: Gender,
    /// Pronouns seen right after a mention: (he, she).
    votes: (u32, u32),
    /// The titles its names use ("miss" for "Miss Thorpe").
    titles: Vec<String>,
}

impl Character {
    pub fn gender(&self) -> Gender {
        if self.named_gender != Gender::Unknown {
            return self.named_gender;
        }
        let (he, she) = self.votes;
        if he >= 2 && he >= 2 * she {
            Gender::Male
        } else if she >= 2 && she >= 2 * he {
            Gender::Female
        } else {
            Gender::Unknown
        }
    }

    pub fn vote(&mut self, gender: Gender) {
        match gender {
            Gender::Male => self.votes.0 += 1,
            Gender::Female => self.votes.1 += 1,
            Gender::Unknown => {}
        }
    }
}

/// Lowercase words of a name without periods: "Mr. Knightley" → ["mr", "knightley"].
fn name_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

pub fn is_title(lower: &str) -> bool {
    gender_of_word(lower) != Gender::Unknown
        || matches!(
            lower,
            "dr" | "doctor" | "professor" | "rev" | "st" | "saint"
        )
}

#[derive(Default)]
pub struct Cast {
    pub characters: Vec<Character>,
    /// Whole aliases, as their joined lowercase tokens.
    by_alias: HashMap<String, Vec<usize>>,
    /// Every token of every alias but articles.
    by_token: HashMap<String, Vec<usize>>,
    /// The character the cast marks as the narrator (alias `_narr`, as PDNC's casts
    /// do, or `narrator`): who "I" is.
    pub narrator: Option<usize>,
}

impl Cast {
    pub fn from_members(members: &[CastMember]) -> Cast {
        let mut cast = Cast::default();
        for m in members {
            let i = cast.push(&m.name);
            for alias in &m.aliases {
                cast.index(i, alias);
            }
        }
        for c in 0..cast.characters.len() {
            if cast.characters[c].named_gender == Gender::Unknown {
                let g = cast.gender_from_aliases(c, members);
                cast.characters[c].named_gender = g;
            }
        }
        cast
    }

    fn gender_from_aliases(&self, c: usize, members: &[CastMember]) -> Gender {
        let Some(m) = members.get(c) else {
            return Gender::Unknown;
        };
        let mut found = Gender::Unknown;
        for name in std::iter::once(&m.name).chain(&m.aliases) {
            let toks = name_tokens(name);
            let Some(first) = toks.first() else { continue };
            let g = match gender_of_word(first) {
                Gender::Unknown => gender_of_first_name(first),
                g => g,
            };
            if g != Gender::Unknown {
                if found != Gender::Unknown && found != g {
                    return Gender::Unknown;
                }
                found = g;
            }
        }
        found
    }

    /// Adds a character named `name` and returns its index.
    pub fn push(&mut self, name: &str) -> usize {
        let i = self.characters.len();
        let toks = name_tokens(name);
        let named_gender = match toks.first().map(String::as_str) {
            // A description ("the old man") has the gender of its head noun.
            Some("the" | "a" | "an") => toks.last().map_or(Gender::Unknown, |h| gender_of_word(h)),
            Some(f) => match gender_of_word(f) {
                Gender::Unknown => gender_of_first_name(f),
                g => g,
            },
            None => Gender::Unknown,
        };
        self.characters.push(Character {
            name: name.split_whitespace().collect::<Vec<_>>().join(" "),
            from_text: false,
            named_gender,
            votes: (0, 0),
            titles: Vec::new(),
        });
        self.index(i, name);
        i
    }

    fn index(&mut self, i: usize, alias: &str) {
        let toks = name_tokens(alias);
        if toks.is_empty() {
            return;
        }
        let entry = self.by_alias.entry(toks.join(" ")).or_default();
        if !entry.contains(&i) {
            entry.push(i);
        }
        if is_title(&toks[0]) && toks.len() > 1 && !self.characters[i].titles.contains(&toks[0]) {
            self.characters[i].titles.push(toks[0].clone());
        }
        if matches!(
            toks.join(" ").as_str(),
            "_narr" | "narrator" | "the narrator"
        ) {
            self.narrator = Some(i);
        }
        // "Jock 's mother" is not a name of Jock's.
        if toks
            .iter()
            .any(|t| t == "'s" || t == "’s" || t.ends_with("'s") || t.ends_with("’s"))
        {
            return;
        }
        for t in toks {
            if matches!(t.as_str(), "the" | "a" | "an" | "of" | "and") {
                continue;
            }
            let entry = self.by_token.entry(t).or_default();
            if !entry.contains(&i) {
                entry.push(i);
            }
        }
    }

    /// Whether the cast came with the text.
    pub fn is_given(&self) -> bool {
        self.characters.iter().any(|c| !c.from_text)
    }

    /// Whether a capitalized word may start or be part of a character's name.
    pub fn knows_token(&self, word: &str) -> bool {
        let mut buf = [0u8; 24];
        match lower(word, &mut buf) {
            Some(l) => self.by_token.contains_key(l) || self.by_alias.contains_key(l),
            None => self.by_token.contains_key(&word.to_lowercase()),
        }
    }

    /// The characters a name from the text may be: those with the whole of it as an
    /// alias, else those whose aliases hold all of its non-title words, narrowed by the
    /// gender its title implies.
    pub fn candidates(&self, name: &str) -> Vec<usize> {
        let toks = name_tokens(name);
        if toks.is_empty() {
            return Vec::new();
        }
        if let Some(found) = self.by_alias.get(&toks.join(" ")) {
            return found.clone();
        }
        let title_gender = gender_of_word(&toks[0]);
        let mut result: Option<Vec<usize>> = None;
        let content = |t: &&String| !matches!(t.as_str(), "the" | "a" | "an" | "of" | "and");
        let all_titles = toks.iter().filter(content).all(|t| is_title(t));
        for t in toks
            .iter()
            .filter(content)
            .filter(|t| all_titles || !is_title(t))
        {
            let Some(found) = self.by_token.get(t) else {
                return Vec::new();
            };
            result = Some(match result {
                None => found.clone(),
                Some(r) => r.into_iter().filter(|c| found.contains(c)).collect(),
            });
        }
        let mut result = result.unwrap_or_default();
        // "Mrs. Thorpe" is not the daughter her cast knows as "Miss Thorpe".
        if is_title(&toks[0]) && !all_titles {
            result.retain(|&c| {
                let titles = &self.characters[c].titles;
                titles.is_empty() || titles.contains(&toks[0])
            });
        }
        if title_gender != Gender::Unknown {
            let fitting: Vec<usize> = result
                .iter()
                .copied()
                .filter(|&c| self.characters[c].gender().fits(title_gender))
                .collect();
            if !fitting.is_empty() {
                result = fitting;
            }
        }
        result
    }

    /// The character a name resolves to, the most recent of several (by `last_seen`);
    /// without one, a new character when `create` (names in speech tags).
    pub fn resolve(&mut self, name: &str, last_seen: &[usize], create: bool) -> Option<usize> {
        let found = self.candidates(name);
        match found.len() {
            0 => {
                let toks = name_tokens(name);
                let shouting = name
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase);
                let shouting = shouting && name != "I";
                // "Apparently", "Presently": an adverb opening a sentence.
                let adverb = toks.len() == 1 && toks[0].len() > 6 && toks[0].ends_with("ly");
                let shouting = shouting || adverb;
                if !create || shouting || toks.iter().all(|t| is_title(t) || t == "the") {
                    return None;
                }
                let i = self.push(name);
                self.characters[i].from_text = true;
                Some(i)
            }
            1 => Some(found[0]),
            _ => found
                .iter()
                .copied()
                .max_by_key(|&c| (last_seen.get(c).copied().unwrap_or(0), usize::MAX - c)),
        }
    }
}

impl Cast {
    /// The character a description of the narration stands for ("the girl"), added
    /// when the cast has none by it: [`Cast::resolve`] takes such words for titles.
    pub fn described(&mut self, description: &str) -> usize {
        let key = name_tokens(description).join(" ");
        if let Some(&c) = self.by_alias.get(&key).and_then(|found| found.first()) {
            return c;
        }
        let i = self.push(description);
        self.characters[i].from_text = true;
        i
    }

    /// A run of capitalized words in the narration that holds all the words of a
    /// character the text named ("Bill" → "Bill Gorton"): that character, renamed to it.
    pub fn fuller_name(&mut self, run: &str) -> Option<usize> {
        let run = run.trim_end_matches("'s").trim_end_matches("’s");
        let toks = name_tokens(run);
        let adverb = |t: &String| t.len() > 6 && t.ends_with("ly");
        if toks.len() < 2 || toks.iter().any(adverb) {
            return None;
        }
        let c = toks
            .iter()
            .filter_map(|t| self.by_token.get(t))
            .flatten()
            .copied()
            .find(|&c| {
                let ch = &self.characters[c];
                ch.from_text && {
                    let own = name_tokens(&ch.name);
                    own.len() < toks.len() && own.iter().all(|t| toks.contains(t))
                }
            })?;
        self.characters[c].name = run.split_whitespace().collect::<Vec<_>>().join(" ");
        self.index(c, run);
        Some(c)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::model::rules) fn member(name: &str, aliases: &[&str]) -> CastMember {
        CastMember {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn names_resolve_to_the_cast_by_alias_or_words() {
        let mut cast = Cast::from_members(&[
            member("Emma Woodhouse", &["Emma", "Miss Woodhouse"]),
            member("Mr. Woodhouse", &["Henry Woodhouse"]),
            member("George Knightley", &["Mr. Knightley"]),
        ]);
        assert_eq!(cast.resolve("Miss Woodhouse", &[], false), Some(0));
        assert_eq!(cast.resolve("Mr. Woodhouse", &[], false), Some(1));
        assert_eq!(cast.resolve("Knightley", &[], false), Some(2));
        assert_eq!(cast.characters[0].gender(), Gender::Female);
        assert_eq!(cast.characters[1].gender(), Gender::Male);
        // "Woodhouse" alone: the one seen last.
        assert_eq!(cast.resolve("Woodhouse", &[5, 9, 0], false), Some(1));
        assert_eq!(cast.resolve("Harriet", &[], false), None);
        assert_eq!(cast.resolve("CHAPTER ONE", &[], true), None);
        assert_eq!(cast.resolve("Harriet", &[], true), Some(3));
        assert_eq!(cast.fuller_name("Harriet Smith"), Some(3));
        assert_eq!(cast.characters[3].name, "Harriet Smith");
    }

    #[test]
    fn pronouns_after_a_name_decide_its_gender() {
        let mut cast = Cast::from_members(&[member("Robin", &[])]);
        assert_eq!(cast.characters[0].gender(), Gender::Unknown);
        cast.characters[0].vote(Gender::Female);
        cast.characters[0].vote(Gender::Male);
        assert_eq!(cast.characters[0].gender(), Gender::Unknown);
        cast.characters[0].vote(Gender::Female);
        assert_eq!(cast.characters[0].gender(), Gender::Female);
    }
}
