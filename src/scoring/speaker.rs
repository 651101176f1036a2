//! Speaker comparison of docs/scoring.md#speaker-matching-name, `name` mode: full and short token
//! lists, and the resolution of speakers to the names of a cast (`aliases.csv`).

use super::similarity::nfkc_casefold;
use crate::dataset::Aliases;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The title list of docs/scoring.md#speaker-matching, dropped from the front of a name (never its
/// last token).
const TITLES: [&str; 38] = [
    "the",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "sir",
    "dame",
    "lord",
    "lady",
    "president",
    "vice",
    "senator",
    "sen",
    "rep",
    "representative",
    "gov",
    "governor",
    "mayor",
    "gen",
    "general",
    "col",
    "secretary",
    "minister",
    "prime",
    "chancellor",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "rev",
    "reverend",
    "judge",
    "justice",
    "st",
    "saint",
];

fn is_title(token: &str) -> bool {
    TITLES.contains(&token)
}

/// A speaker's two token lists of docs/scoring.md#speaker-matching-name, each joined by single
/// spaces (tokens never contain one): one string to compare instead of one allocation per token.
/// The short list is a suffix of the full one (it only drops leading tokens), so it is kept as
/// where it begins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameKeys {
    full: String,
    short_start: usize,
}

impl NameKeys {
    /// Full list: NFKC, case folding, diacritics stripped, every non-alphanumeric
    /// character a space, split, a final possessive `s` dropped. Short list: the full
    /// one without its leading titles, never its last token.
    ///
    /// Decision where docs/scoring.md#speaker-matching-name is silent: a lone `s` is kept (there is
    /// nothing for it to be the possessive of), as the last token is never dropped as a title.
    pub fn new(speaker: &str) -> NameKeys {
        let folded = nfkc_casefold(speaker);
        let stripped: String = if folded.is_ascii() {
            folded
        } else {
            folded.nfd().filter(|c| !is_combining_mark(*c)).collect()
        };
        let mut tokens: Vec<&str> = stripped
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.len() > 1 && tokens.last() == Some(&"s") {
            tokens.pop();
        }
        let titles = tokens
            .iter()
            .take(tokens.len().saturating_sub(1))
            .take_while(|t| is_title(t))
            .count();
        let short_start = tokens[..titles].iter().map(|t| t.len() + 1).sum();
        NameKeys {
            full: tokens.join(" "),
            short_start,
        }
    }

    /// The full token list, space-joined.
    pub fn full(&self) -> &str {
        &self.full
    }

    /// The short token list, space-joined.
    pub fn short(&self) -> &str {
        self.full.get(self.short_start..).unwrap_or("")
    }

    /// No token at all: an empty speaker ("", "—").
    pub fn is_empty(&self) -> bool {
        self.full.is_empty()
    }
}

/// The short token list of docs/scoring.md#speaker-matching-name (leading titles dropped): what two
/// speakers that do not both resolve through a cast are compared by.
pub fn name_tokens(speaker: &str) -> Vec<String> {
    split_key(NameKeys::new(speaker).short())
}

/// The full token list of docs/scoring.md#speaker-matching-name (titles kept): what resolution and
/// resolved names are compared by.
pub fn full_name_tokens(speaker: &str) -> Vec<String> {
    split_key(NameKeys::new(speaker).full())
}

fn split_key(key: &str) -> Vec<String> {
    key.split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A cast member: one name of `aliases.csv`, told apart from the others by its full
/// token list. Ids are dense, per [`Cast`].
pub type NameId = u32;

/// What the strings of some alias rows that share a token list lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    One(NameId),
    /// Two or more names: a speaker with this short list does not resolve.
    Several,
}

impl Lead {
    fn join(a: Option<Lead>, b: Option<Lead>) -> Option<Lead> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(Lead::One(x)), Some(Lead::One(y))) if x == y => Some(Lead::One(x)),
            _ => Some(Lead::Several),
        }
    }
}

/// The alias rows of one article (or of `*`), indexed by the lists of the strings they
/// offer.
#[derive(Debug, Clone, Default)]
struct RowIndex {
    /// Full list → the name of the first row (in file order) offering it (step 1).
    by_full: HashMap<String, NameId>,
    /// Short list → the names of all the rows offering it (step 2).
    by_short: HashMap<String, Lead>,
}

impl RowIndex {
    fn offer(&mut self, keys: &NameKeys, name: NameId) {
        self.by_full.entry(keys.full().to_string()).or_insert(name);
        let lead = self.by_short.get(keys.short()).copied();
        let joined = Lead::join(lead, Some(Lead::One(name)));
        self.by_short
            .insert(keys.short().to_string(), joined.unwrap_or(Lead::One(name)));
    }
}

#[derive(Debug, Clone)]
struct CastName {
    /// The name as `aliases.csv` first writes it.
    written: String,
    keys: NameKeys,
}

/// `aliases.csv` as the cast of docs/scoring.md#speaker-matching-name: built once per dataset, it
/// resolves speakers to names and compares speakers. Everything that compares speakers by name (the
/// scorer, the speakers task, models that link mentions, reports) goes through it, so that all of
/// them agree.
#[derive(Debug, Clone, Default)]
pub struct Cast {
    names: Vec<CastName>,
    /// Full list of a name → its id: names with equal full lists are one name.
    ids: HashMap<String, NameId>,
    global: RowIndex,
    by_article: HashMap<String, RowIndex>,
}

/// A speaker as compared in `name` mode: the name it resolves to, if any, and the short
/// list it is compared by when the other side does not resolve (its name's when it
/// resolves, its own when not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved<'a> {
    pub name: Option<NameId>,
    pub short: &'a str,
}

impl Cast {
    pub fn new(aliases: &Aliases) -> Cast {
        let mut cast = Cast::default();
        for entry in &aliases.entries {
            let name_keys = NameKeys::new(&entry.name);
            // A name without a token names nobody; its rows would resolve speakers to
            // an empty name, which docs/scoring.md#speaker-matching-name reserves for no speaker.
            if name_keys.is_empty() {
                continue;
            }
            let id = match cast.ids.get(name_keys.full()) {
                Some(&id) => id,
                None => {
                    let id = cast.names.len() as NameId;
                    cast.ids.insert(name_keys.full().to_string(), id);
                    cast.names.push(CastName {
                        written: entry.name.clone(),
                        keys: name_keys.clone(),
                    });
                    id
                }
            };
            let index = match &entry.article_id {
                None => &mut cast.global,
                Some(article) => cast.by_article.entry(article.clone()).or_default(),
            };
            index.offer(&name_keys, id);
            let alias_keys = NameKeys::new(&entry.alias);
            // An empty speaker never resolves, so an alias without a token leads nowhere.
            if !alias_keys.is_empty() {
                index.offer(&alias_keys, id);
            }
        }
        cast
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name `speaker` resolves to in `article_id`, as `aliases.csv` first writes it.
    pub fn resolve(&self, article_id: &str, speaker: &str) -> Option<&str> {
        let id = self.resolve_keys(article_id, &NameKeys::new(speaker))?;
        Some(self.names[id as usize].written.as_str())
    }

    /// The name a speaker with these lists resolves to (docs/scoring.md#speaker-matching-name,
    /// steps 1 and 2).
    pub fn resolve_keys(&self, article_id: &str, keys: &NameKeys) -> Option<NameId> {
        if keys.is_empty() || self.is_empty() {
            return None;
        }
        let own = self.by_article.get(article_id);
        let indices = || own.into_iter().chain(std::iter::once(&self.global));
        if let Some(id) = indices().find_map(|index| index.by_full.get(keys.full())) {
            return Some(*id);
        }
        let lead = indices()
            .map(|index| index.by_short.get(keys.short()).copied())
            .fold(None, Lead::join);
        match lead {
            Some(Lead::One(id)) => Some(id),
            Some(Lead::Several) | None => None,
        }
    }

    /// `speaker` resolved in `article_id`, with the short list it is compared by.
    pub fn resolved<'a>(&'a self, article_id: &str, keys: &'a NameKeys) -> Resolved<'a> {
        let name = self.resolve_keys(article_id, keys);
        Resolved {
            name,
            short: match name {
                Some(id) => self.name_keys(id).short(),
                None => keys.short(),
            },
        }
    }

    /// The name of a cast member as `aliases.csv` first writes it.
    pub fn name(&self, id: NameId) -> &str {
        self.names
            .get(id as usize)
            .map_or("", |n| n.written.as_str())
    }

    pub fn name_keys(&self, id: NameId) -> &NameKeys {
        static EMPTY: NameKeys = NameKeys {
            full: String::new(),
            short_start: 0,
        };
        self.names.get(id as usize).map_or(&EMPTY, |n| &n.keys)
    }

    /// Whether a gold and a predicted speaker of `article_id` match
    /// (docs/scoring.md#speaker-matching-name, `name`).
    pub fn speakers_match(&self, article_id: &str, gold: &str, pred: &str) -> bool {
        let (g, p) = (NameKeys::new(gold), NameKeys::new(pred));
        resolved_match(self.resolved(article_id, &g), self.resolved(article_id, &p))
    }

    /// The speaker as reports show it: the name it resolves to, else itself.
    pub fn display<'a>(&'a self, article_id: &str, speaker: &'a str) -> &'a str {
        self.resolve(article_id, speaker).unwrap_or(speaker)
    }
}

/// the matching of docs/scoring.md#speaker-matching-name of two resolved speakers: by name when
/// both resolve (ids are per full list), otherwise by short lists.
pub fn resolved_match(gold: Resolved<'_>, pred: Resolved<'_>) -> bool {
    match (gold.name, pred.name) {
        (Some(a), Some(b)) => a == b,
        _ => names_match(gold.short, pred.short),
    }
}

/// docs/scoring.md#speaker-matching-name on two short lists (space-joined): equal, or both
/// non-empty with equal last tokens and the shorter one's tokens a subset of the longer one's.
/// Subset is of token sets; with equal lengths either side may be "the shorter".
pub fn names_match(gold: &str, pred: &str) -> bool {
    if gold == pred {
        return true;
    }
    if gold.is_empty() || pred.is_empty() || gold.rsplit(' ').next() != pred.rsplit(' ').next() {
        return false;
    }
    let count = |k: &str| k.split(' ').count();
    let (short, long) = if count(gold) <= count(pred) {
        (gold, pred)
    } else {
        (pred, gold)
    };
    short.split(' ').all(|t| long.split(' ').any(|u| u == t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::AliasEntry;

    fn toks(s: &str) -> Vec<String> {
        name_tokens(s)
    }

    fn key(s: &str) -> String {
        NameKeys::new(s).short().to_string()
    }

    #[test]
    fn normalization_follows_the_spec_steps() {
        assert_eq!(toks("Yuri Ushakov"), ["yuri", "ushakov"]);
        assert_eq!(
            toks("  Dr. José   Müller-Lüdenscheidt "),
            ["jose", "muller", "ludenscheidt"]
        );
        assert_eq!(toks("Ushakov's"), ["ushakov"]);
        assert_eq!(toks("Ushakov’s"), ["ushakov"]);
        assert_eq!(toks("The President"), ["president"]);
        assert_eq!(toks("President Vice"), ["vice"]);
        assert_eq!(toks("Mr. Prime Minister Smith"), ["smith"]);
        assert_eq!(toks("Mr"), ["mr"]);
        assert_eq!(toks("S"), ["s"]);
        assert_eq!(toks(""), Vec::<String>::new());
        assert_eq!(toks("—"), Vec::<String>::new());
        assert_eq!(toks("ＤＯＮＡＬＤ Trump"), ["donald", "trump"]);
        assert_eq!(toks("STRASSE"), toks("Straße"));
    }

    #[test]
    fn full_list_keeps_titles_and_drops_the_possessive() {
        assert_eq!(full_name_tokens("Mrs. Beaver's"), ["mrs", "beaver"]);
        assert_eq!(full_name_tokens("The President"), ["the", "president"]);
        assert_eq!(full_name_tokens("Dr. José"), ["dr", "jose"]);
        let keys = NameKeys::new("Mr. Prime Minister Smith");
        assert_eq!(keys.full(), "mr prime minister smith");
        assert_eq!(keys.short(), "smith");
        assert!(NameKeys::new(" — ").is_empty());
    }

    #[test]
    fn match_rule_covers_subsets_and_empties() {
        assert!(names_match(&key("Trump"), &key("Donald Trump")));
        assert!(names_match(&key("Donald J. Trump"), &key("Donald Trump")));
        assert!(!names_match(&key("Donald"), &key("Donald Trump")));
        assert!(!names_match(&key("he"), &key("Donald Trump")));
        assert!(names_match(&key("he"), &key("He")));
        assert!(names_match(&key(""), &key("")));
        assert!(!names_match(&key(""), &key("Trump")));
        assert!(!names_match(&key("Trump"), &key("")));
        assert!(names_match(&key("President Trump"), &key("Mr Trump")));
    }

    /// A cast of `(name, alias)` rows that hold for every article.
    fn cast_of(rows: &[(&str, &str)]) -> Cast {
        Cast::new(&Aliases {
            entries: rows
                .iter()
                .map(|&(name, alias)| entry(None, name, alias))
                .collect(),
        })
    }

    fn entry(article: Option<&str>, name: &str, alias: &str) -> AliasEntry {
        AliasEntry {
            article_id: article.map(str::to_string),
            name: name.into(),
            alias: alias.into(),
        }
    }

    #[test]
    fn full_list_resolution_prefers_the_article_rows_then_star() {
        let cast = Cast::new(&Aliases {
            entries: vec![
                entry(None, "Vladimir Putin", "the Kremlin"),
                entry(Some("a1"), "Dmitry Peskov", "Kremlin"),
                entry(None, "Somebody Else", "Kremlin"),
            ],
        });
        // Step 1 on full lists: "The Kremlin" is offered by the `*` row only.
        assert_eq!(cast.resolve("a1", "The Kremlin"), Some("Vladimir Putin"));
        // "Kremlin": the article's row comes first.
        assert_eq!(cast.resolve("a1", "Kremlin"), Some("Dmitry Peskov"));
        assert_eq!(cast.resolve("a2", "Kremlin"), Some("Somebody Else"));
        // A name offers itself.
        assert_eq!(cast.resolve("a2", "VLADIMIR PUTIN"), Some("Vladimir Putin"));
        // Step 2: short list "putin" is offered by no row ("vladimir putin" is not it).
        assert_eq!(cast.resolve("a2", "Putin"), None);
        assert_eq!(cast.resolve("a2", ""), None);
        assert_eq!(cast.resolve("a2", "—"), None);
        assert!(Cast::new(&Aliases::default()).is_empty());
        assert_eq!(Cast::default().resolve("a1", "Kremlin"), None);
    }

    #[test]
    fn short_list_resolution_needs_one_name() {
        let cast = cast_of(&[
            ("Emma Woodhouse", "Miss Woodhouse"),
            ("Emma Woodhouse", "Emma"),
            ("Mr. Woodhouse", "Henry Woodhouse"),
            ("Mr Knightley", "Knightley"),
        ]);
        // Step 2: "Mrs. Emma" has short list "emma", offered only by Emma's rows.
        assert_eq!(cast.resolve("x", "Mrs. Emma"), Some("Emma Woodhouse"));
        // "Dr. Knightley": short "knightley", offered by "Mr Knightley" (short
        // "knightley") and its alias: one name.
        assert_eq!(cast.resolve("x", "Dr. Knightley"), Some("Mr Knightley"));
        // "Woodhouse": short list offered by "Miss Woodhouse" (Emma) and "Mr.
        // Woodhouse" (her father): two names, no resolution.
        assert_eq!(cast.resolve("x", "Woodhouse"), None);
        // Step 1 wins over ambiguity: the full list "mr woodhouse" is offered.
        assert_eq!(cast.resolve("x", "Mr Woodhouse"), Some("Mr. Woodhouse"));
        // Names are one when their full lists are equal.
        let same = cast_of(&[
            ("Emma Woodhouse", "Miss Woodhouse"),
            ("EMMA  Woodhouse", "Lady Woodhouse"),
        ]);
        assert_eq!(same.resolve("x", "Woodhouse"), Some("Emma Woodhouse"));
    }

    #[test]
    fn resolved_speakers_compare_by_name_others_by_short_list() {
        let cast = cast_of(&[("Mrs. Beaver", "Mrs Beaver"), ("John Beaver", "Mr. Beaver")]);
        // Both resolve, to two people.
        assert!(!cast.speakers_match("a", "Mrs. Beaver", "John Beaver"));
        assert!(cast.speakers_match("a", "Mr Beaver", "John Beaver"));
        // Neither resolves ("Beaver" is ambiguous): short lists, subset rule.
        assert!(cast.speakers_match("a", "Beaver", "Beaver"));
        // One resolves: its name's short list ("beaver" for Mrs. Beaver) against the
        // other speaker's ("beaver"): equal.
        assert!(cast.speakers_match("a", "Mrs. Beaver", "Beaver"));
        assert!(cast.speakers_match("a", "Beaver", "John Beaver"));
        // Empty speakers.
        assert!(cast.speakers_match("a", "", ""));
        assert!(!cast.speakers_match("a", "", "Mrs. Beaver"));
        assert!(!cast.speakers_match("a", "John Beaver", ""));
    }
}
