//! Speaker comparison of SPEC 3.3, `name` mode: normalized token lists, titles, aliases.

use super::similarity::nfkc_casefold;
use crate::dataset::Aliases;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The title list of SPEC 3.3, dropped from the front of a name (never its last token).
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
/// Decision where SPEC 3.3 is silent: a lone `s` is kept (there is nothing for it to be
/// the possessive of), matching the rule that the last token is never dropped as a title.
pub fn name_tokens(speaker: &str) -> Vec<String> {
    let folded = nfkc_casefold(speaker);
    let stripped: String = if folded.is_ascii() {
        folded
    } else {
        folded.nfd().filter(|c| !is_combining_mark(*c)).collect()
    };
    let spaced: String = stripped
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut tokens: Vec<&str> = spaced.split_whitespace().collect();
    if tokens.len() > 1 && tokens.last() == Some(&"s") {
        tokens.pop();
    }
    let titles = tokens
        .iter()
        .take(tokens.len().saturating_sub(1))
        .take_while(|t| is_title(t))
        .count();
    tokens[titles..].iter().map(|t| t.to_string()).collect()
}

/// `aliases.csv`, normalized once for a whole dataset.
///
/// Each alias maps to the first name given for it: the article's own rows first, then
/// `*` rows, each in file order (SPEC 3.3). One lookup, not transitive: an alias's name
/// is not itself looked up again. Rows whose alias normalizes to nothing are skipped, so
/// an empty speaker always stays empty.
#[derive(Debug, Clone, Default)]
pub struct NormalizedAliases {
    global: HashMap<Vec<String>, Vec<String>>,
    by_article: HashMap<String, HashMap<Vec<String>, Vec<String>>>,
}

impl NormalizedAliases {
    pub fn new(aliases: &Aliases) -> Self {
        let mut normalized = NormalizedAliases::default();
        for entry in &aliases.entries {
            let alias = name_tokens(&entry.alias);
            if alias.is_empty() {
                continue;
            }
            let map = match &entry.article_id {
                None => &mut normalized.global,
                Some(id) => normalized.by_article.entry(id.clone()).or_default(),
            };
            map.entry(alias).or_insert_with(|| name_tokens(&entry.name));
        }
        normalized
    }

    pub fn is_empty(&self) -> bool {
        self.global.is_empty() && self.by_article.is_empty()
    }

    /// The speaker's token list after aliases.
    pub fn resolve(&self, article_id: &str, tokens: Vec<String>) -> Vec<String> {
        if tokens.is_empty() || self.is_empty() {
            return tokens;
        }
        let own = self.by_article.get(article_id).and_then(|m| m.get(&tokens));
        match own.or_else(|| self.global.get(&tokens)) {
            Some(name) => name.clone(),
            None => tokens,
        }
    }
}

/// SPEC 3.3: equal token lists, or both non-empty with equal last tokens and the shorter
/// one's tokens a subset of the longer one's. Subset is of token sets; with equal lengths
/// either side may be "the shorter".
pub fn names_match(gold: &[String], pred: &[String]) -> bool {
    if gold == pred {
        return true;
    }
    if gold.is_empty() || pred.is_empty() || gold.last() != pred.last() {
        return false;
    }
    let (short, long) = if gold.len() <= pred.len() {
        (gold, pred)
    } else {
        (pred, gold)
    };
    short.iter().all(|t| long.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::AliasEntry;

    fn toks(s: &str) -> Vec<String> {
        name_tokens(s)
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
        assert!(names_match(&toks("Trump"), &toks("Donald Trump")));
        assert!(names_match(&toks("Donald J. Trump"), &toks("Donald Trump")));
        assert!(!names_match(&toks("Donald"), &toks("Donald Trump")));
        assert!(!names_match(&toks("he"), &toks("Donald Trump")));
        assert!(names_match(&toks("he"), &toks("He")));
        assert!(names_match(&toks(""), &toks("")));
        assert!(!names_match(&toks(""), &toks("Trump")));
        assert!(!names_match(&toks("Trump"), &toks("")));
        assert!(names_match(&toks("President Trump"), &toks("Mr Trump")));
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
        assert_eq!(n.resolve("a1", toks("The Kremlin")), ["dmitry", "peskov"]);
        assert_eq!(n.resolve("a2", toks("The Kremlin")), ["vladimir", "putin"]);
        assert_eq!(n.resolve("a2", toks("Putin")), ["putin"]);
        assert_eq!(n.resolve("a2", Vec::new()), Vec::<String>::new());
    }
}
