//! Speaker comparison of docs/scoring.md#speaker-matching, `name` mode: normalized token lists, titles, aliases.

use super::similarity::nfkc_casefold;
use crate::dataset::Aliases;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The title list of docs/scoring.md#speaker-matching, dropped from the front of a name (never its last token).
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

/// NFKC, case folding, diacritics stripped, every non-alphanumeric character a space,
/// split, a final possessive `s` dropped, leading titles dropped (never the last token).
///
/// attr-eval's choice (docs/scoring.md#speaker-matching-name): a lone `s` is kept (there is nothing for it to be
/// the possessive of), matching the rule that the last token is never dropped as a title.
pub fn name_tokens(speaker: &str) -> Vec<String> {
    let key = name_key(speaker);
    key.split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// [`name_tokens`] joined by single spaces: one allocation to compare instead of one per
/// token (tokens never contain a space).
pub fn name_key(speaker: &str) -> String {
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
    tokens[titles..].join(" ")
}

/// `aliases.csv`, normalized once for a whole dataset.
///
/// Each alias maps to the first name given for it: the article's own rows first, then
/// `*` rows, each in file order (docs/scoring.md#resolving-through-aliases). One lookup, not transitive: an alias's name
/// is not itself looked up again. Rows whose alias normalizes to nothing are skipped, so
/// an empty speaker always stays empty.
#[derive(Debug, Clone, Default)]
pub struct NormalizedAliases {
    global: HashMap<String, String>,
    by_article: HashMap<String, HashMap<String, String>>,
}

impl NormalizedAliases {
    pub fn new(aliases: &Aliases) -> Self {
        let mut normalized = NormalizedAliases::default();
        for entry in &aliases.entries {
            let alias = name_key(&entry.alias);
            if alias.is_empty() {
                continue;
            }
            let map = match &entry.article_id {
                None => &mut normalized.global,
                Some(id) => normalized.by_article.entry(id.clone()).or_default(),
            };
            map.entry(alias).or_insert_with(|| name_key(&entry.name));
        }
        normalized
    }

    pub fn is_empty(&self) -> bool {
        self.global.is_empty() && self.by_article.is_empty()
    }

    /// The speaker's normalized name (a [`name_key`]) after aliases.
    #[cfg(test)]
    pub fn resolve(&self, article_id: &str, key: String) -> String {
        match self.lookup(article_id, &key) {
            Some(name) => name.to_string(),
            None => key,
        }
    }

    /// The name an alias stands for, `None` if `key` (a [`name_key`]) is no alias.
    pub fn lookup(&self, article_id: &str, key: &str) -> Option<&str> {
        if key.is_empty() || self.is_empty() {
            return None;
        }
        let own = self.by_article.get(article_id).and_then(|m| m.get(key));
        own.or_else(|| self.global.get(key)).map(String::as_str)
    }
}

/// docs/scoring.md#the-match-rule on two [`name_key`]s: equal token lists, or both non-empty with equal last
/// tokens and the shorter one's tokens a subset of the longer one's. Subset is of token
/// sets; with equal lengths either side may be "the shorter".
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
        name_key(s)
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

    #[test]
    fn aliases_prefer_the_article_rows_then_star() {
        let aliases = Aliases {
            entries: vec![
                AliasEntry {
                    article_id: None,
                    name: "Vladimir Putin".into(),
                    alias: "the Kremlin".into(),
                },
                AliasEntry {
                    article_id: Some("a1".into()),
                    name: "Dmitry Peskov".into(),
                    alias: "Kremlin".into(),
                },
                AliasEntry {
                    article_id: None,
                    name: "Somebody Else".into(),
                    alias: "Kremlin".into(),
                },
            ],
        };
        let n = NormalizedAliases::new(&aliases);
        assert_eq!(n.resolve("a1", key("The Kremlin")), "dmitry peskov");
        assert_eq!(n.resolve("a2", key("The Kremlin")), "vladimir putin");
        assert_eq!(n.resolve("a2", key("Putin")), "putin");
        assert_eq!(n.resolve("a2", String::new()), "");
    }
}
