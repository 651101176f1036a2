//! `aliases.csv`: extra names for a speaker (docs/datasets.md#aliases-csv).

/// One row of `aliases.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasEntry {
    /// `None` for `*`: the alias holds in every article.
    pub article_id: Option<String>,
    pub name: String,
    pub alias: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases {
    pub entries: Vec<AliasEntry>,
}

impl Aliases {
    /// The entries that apply to one article: the article's own rows first, then `*` rows, each in
    /// file order (docs/scoring.md#resolving-through-aliases gives the article's own precedence).
    pub fn for_article<'a>(&'a self, article_id: &'a str) -> impl Iterator<Item = &'a AliasEntry> {
        let own = self
            .entries
            .iter()
            .filter(move |e| e.article_id.as_deref() == Some(article_id));
        let global = self.entries.iter().filter(|e| e.article_id.is_none());
        own.chain(global)
    }
}
