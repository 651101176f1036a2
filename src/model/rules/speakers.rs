//! Speakers as entities: noun phrases at cue verbs, and their resolution to the fullest
//! name the article uses (pronouns, surnames, descriptions through appositions).

use super::Doc;
use std::collections::HashMap;
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NpKind {
    Pronoun,
    /// A capitalized name; `name` holds the part after any title words.
    Name,
    /// "the president", "The Kremlin adviser": resolved through appositions.
    Description,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Np {
    pub kind: NpKind,
    /// The mention as reported (`speaker_mention`).
    pub range: Range<usize>,
    /// Name part (for names) or head word (for descriptions).
    pub core: Range<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gender {
    Female,
    Male,
    Unknown,
}

struct Entity {
    name: String,
    tokens: usize,
    gender: Gender,
    /// Lowercased title and apposition words: "adviser", "president".
    descriptors: Vec<String>,
    /// Byte offsets of its mentions outside quotes, ascending.
    mentions: Vec<usize>,
}

/// People the article names, keyed by lowercased last name.
#[derive(Default)]
pub struct Entities {
    list: Vec<Entity>,
    by_last: HashMap<String, usize>,
}

fn strip_possessive(word: &str) -> &str {
    word.strip_suffix("’s")
        .or_else(|| word.strip_suffix("'s"))
        .unwrap_or(word)
}

impl Entities {
    /// Collects the capitalized runs that look like person names, with their titles and
    /// appositions.
    pub(crate) fn collect(doc: &Doc) -> Entities {
        let mut entities = Entities::default();
        let mut i = 0;
        while i < doc.words.len() {
            if doc.words[i].quote.is_some() || !doc.is_name_token(i) {
                i += 1;
                continue;
            }
            let Some(np) = doc.name_run_from(i) else {
                i += 1;
                continue;
            };
            let next = doc.word_at_or_after(np.range.end);
            let core_words: Vec<&str> = doc.words_in(np.core.clone());
            if core_words.len() >= 2 && doc.looks_like_person(&core_words) {
                let prefix_words = doc.words_in(np.range.start..np.core.start);
                let mut descriptors: Vec<String> =
                    prefix_words.iter().map(|w| w.to_lowercase()).collect();
                descriptors.extend(doc.apposition_words(np.range.end));
                entities.add(doc, &core_words, np.core.start, descriptors);
            } else if core_words.len() == 1 {
                let key = strip_possessive(core_words[0]).to_lowercase();
                if let Some(&e) = entities.by_last.get(&key) {
                    entities.list[e].mentions.push(np.core.start);
                    let prefix = doc.words_in(np.range.start..np.core.start);
                    let descriptors = &mut entities.list[e].descriptors;
                    descriptors.extend(prefix.iter().map(|w| w.to_lowercase()));
                }
            }
            i = next.max(i + 1);
        }
        entities
    }

    fn add(&mut self, doc: &Doc, words: &[&str], at: usize, descriptors: Vec<String>) {
        let last = strip_possessive(words[words.len() - 1]);
        let key = last.to_lowercase();
        let mut name_words: Vec<&str> = words.to_vec();
        let n = name_words.len();
        name_words[n - 1] = last;
        let name = name_words.join(" ");
        let first = name_words[0].to_lowercase();
        let mut gender = if doc.lex.female.contains(first.as_str()) {
            Gender::Female
        } else if doc.lex.male.contains(first.as_str()) {
            Gender::Male
        } else {
            Gender::Unknown
        };
        for d in &descriptors {
            if doc.lex.female.contains(d.as_str()) {
                gender = Gender::Female;
            } else if doc.lex.male.contains(d.as_str()) && gender == Gender::Unknown {
                gender = Gender::Male;
            }
        }
        match self.by_last.get(&key) {
            Some(&e) => {
                let entity = &mut self.list[e];
                if words.len() > entity.tokens {
                    entity.name = name;
                    entity.tokens = words.len();
                }
                if entity.gender == Gender::Unknown {
                    entity.gender = gender;
                }
                entity.descriptors.extend(descriptors);
                entity.mentions.push(at);
            }
            None => {
                self.by_last.insert(key, self.list.len());
                self.list.push(Entity {
                    name,
                    tokens: words.len(),
                    gender,
                    descriptors,
                    mentions: vec![at],
                });
            }
        }
    }

    fn by_name(&self, last_word: &str) -> Option<usize> {
        self.by_last
            .get(&strip_possessive(last_word).to_lowercase())
            .copied()
    }

    /// The entity whose title or apposition has `head`, mentioned last before `at`.
    fn by_descriptor(&self, head: &str, at: usize) -> Option<usize> {
        let mut best: Option<(usize, Option<usize>)> = None;
        for (e, entity) in self.list.iter().enumerate() {
            if !entity.descriptors.iter().any(|d| d == head) {
                continue;
            }
            let last_before = entity.mentions.iter().copied().filter(|&m| m < at).max();
            let better = match best {
                None => true,
                Some((_, b)) => last_before > b,
            };
            if better {
                best = Some((e, last_before));
            }
        }
        best.map(|(e, _)| e)
    }
}

/// Who a mention is: the entity's fullest name, or the mention itself when the article
/// names nobody better.
pub(crate) fn resolve(doc: &Doc, np: &Np) -> String {
    resolve_depth(doc, np, 0).unwrap_or_else(|| doc.text[np.core.clone()].to_string())
}

fn resolve_depth(doc: &Doc, np: &Np, depth: u8) -> Option<String> {
    let entities = &doc.entities;
    match np.kind {
        NpKind::Name => {
            let words = doc.words_in(np.core.clone());
            let last = words.last()?;
            match entities.by_name(last) {
                Some(e) => Some(entities.list[e].name.clone()),
                None => Some(
                    words
                        .iter()
                        .map(|w| strip_possessive(w))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            }
        }
        NpKind::Description => {
            let core = &doc.text[np.core.clone()];
            let head = core.to_lowercase();
            let institution =
                core.starts_with(char::is_uppercase) && !doc.lex.titles.contains(head.as_str());
            if !institution && let Some(e) = entities.by_descriptor(&head, np.range.start) {
                return Some(entities.list[e].name.clone());
            }
            // "The Kremlin", "the White House": an institution named as the article
            // names it, without the article.
            let words = doc.words_in(np.range.clone());
            let named: Vec<&str> = words
                .iter()
                .copied()
                .skip_while(|w| !w.starts_with(char::is_uppercase) || is_determiner(w))
                .collect();
            if !named.is_empty() {
                return Some(named.join(" "));
            }
            let text = &doc.text[np.range.clone()];
            Some(strip_determiner(text).to_string())
        }
        NpKind::Pronoun => {
            if depth > 3 {
                return None;
            }
            let word = doc.text[np.range.clone()].to_lowercase();
            let wanted = match word.as_str() {
                "she" => Gender::Female,
                "he" => Gender::Male,
                "who" => {
                    return doc
                        .np_before_relative(np)
                        .and_then(|a| resolve_depth(doc, &a, depth + 1));
                }
                _ => return None,
            };
            resolve_person_pronoun(doc, np.range.start, wanted, depth)
        }
    }
}

fn is_determiner(word: &str) -> bool {
    matches!(
        word.to_lowercase().as_str(),
        "the" | "a" | "an" | "his" | "her" | "its" | "their" | "this" | "that"
    )
}

fn strip_determiner(text: &str) -> &str {
    for det in ["the ", "The ", "a ", "A ", "an ", "An "] {
        if let Some(rest) = text.strip_prefix(det) {
            return rest;
        }
    }
    text
}

fn compatible(entity_gender: Gender, wanted: Gender) -> bool {
    entity_gender == Gender::Unknown || entity_gender == wanted
}

/// A he/she goes to the most salient compatible person: the subject of its own
/// sentence, else of the sentences before, else the last person named.
fn resolve_person_pronoun(doc: &Doc, at: usize, wanted: Gender, depth: u8) -> Option<String> {
    let sentence = doc.sentence_index(at);
    let first = sentence.saturating_sub(6);
    for s in (first..=sentence).rev() {
        let Some(subject) = doc.subjects.get(s).and_then(|o| o.as_ref()) else {
            continue;
        };
        if subject.range.start >= at {
            continue;
        }
        if let Some(e) = person_entity(doc, subject) {
            if compatible(doc.entities.list[e].gender, wanted) {
                return Some(doc.entities.list[e].name.clone());
            }
        } else if subject.kind == NpKind::Pronoun
            && s < sentence
            && let Some(name) = resolve_depth(doc, subject, depth + 1)
        {
            return Some(name);
        }
    }
    let entities = &doc.entities;
    entities
        .list
        .iter()
        .filter(|e| compatible(e.gender, wanted))
        .filter_map(|e| {
            e.mentions
                .iter()
                .copied()
                .filter(|&m| m < at)
                .max()
                .map(|m| (m, e))
        })
        .max_by_key(|&(m, _)| m)
        .map(|(_, e)| e.name.clone())
}

fn person_entity(doc: &Doc, np: &Np) -> Option<usize> {
    match np.kind {
        NpKind::Name => {
            let words = doc.words_in(np.core.clone());
            doc.entities.by_name(words.last()?)
        }
        NpKind::Description => {
            let head = doc.text[np.core.clone()].to_lowercase();
            doc.entities.by_descriptor(&head, np.range.start)
        }
        NpKind::Pronoun => None,
    }
}
