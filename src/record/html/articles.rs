//! The articles the browser of `report.html` embeds, chosen from `articles.jsonl` without
//! holding the file: per model × dataset, those with most errors.

use super::TextLookup;
use super::browser::{self, BrowsedArticle};
use crate::error::{Error, Result};
use crate::model::Task;
use crate::record::saved::SavedArticle;
use crate::record::{ArticleLine, SpeakersArticleLine};
use serde::Serialize;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// Articles the browser shows per model × dataset: those with most errors first.
pub const BROWSER_ARTICLES: usize = 200;

/// Characters of article text the browser embeds in all, shared evenly by the model ×
/// dataset sections; past a section's share its articles are left out (and the report
/// says how many), so a large run still gives a file that opens fast.
pub const TEXT_BUDGET: usize = 4_000_000;

#[derive(Serialize)]
pub(super) struct BrowserSection {
    model: String,
    dataset: String,
    total: usize,
    articles: Vec<BrowsedArticle>,
}

/// The articles of one model × dataset, as the first pass ranks them.
struct RankedSection {
    model: String,
    dataset: String,
    articles: Vec<Ranked>,
}

struct Ranked {
    errors: u64,
    article_id: String,
    /// Length of its text in code points, as the line records it.
    chars: usize,
    /// Index of its line in `articles.jsonl`.
    line: usize,
}

/// One line of `articles.jsonl`, of either task.
enum Line {
    Extract(ArticleLine),
    Speakers(SpeakersArticleLine),
}

impl Line {
    fn chars(&self) -> usize {
        match self {
            Line::Extract(l) => l.chars,
            Line::Speakers(l) => l.chars,
        }
    }

    fn saved(&self, index: usize) -> SavedArticle<'_> {
        match self {
            Line::Extract(l) => SavedArticle::of_extract(l, index + 1),
            Line::Speakers(l) => SavedArticle::of_speakers(l, index + 1),
        }
    }
}

/// Calls `each` with every line of `articles.jsonl` and its index.
fn for_each_line(path: &Path, task: Task, mut each: impl FnMut(usize, Line)) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    for (index, text) in std::io::BufReader::new(file).lines().enumerate() {
        let text = text.map_err(|e| Error::io(path, e))?;
        if text.trim().is_empty() {
            continue;
        }
        let parsed = match task {
            Task::Extract => serde_json::from_str(&text).map(Line::Extract),
            Task::Speakers => serde_json::from_str(&text).map(Line::Speakers),
        };
        let line = parsed.map_err(|e| {
            Error::from(crate::error::InputError::new(
                crate::error::Location::numbered_column(path, index as u64 + 1, e.column() as u64),
                format!("not an article line: {e}"),
            ))
        })?;
        each(index, line);
    }
    Ok(())
}

/// Per model × dataset, the [`BROWSER_ARTICLES`] articles with most errors, in two
/// passes over the file: the first ranks (keeping ids and counts only), the second
/// renders the chosen ones.
pub(super) fn browser_sections(
    task: Task,
    path: &Path,
    texts: &TextLookup<'_>,
) -> Result<Vec<BrowserSection>> {
    let mut ranked: Vec<RankedSection> = Vec::new();
    for_each_line(path, task, |index, line| {
        let saved = line.saved(index);
        let (model, dataset) = (saved.model(), saved.dataset());
        let section = match ranked
            .iter()
            .position(|s| s.model == model && s.dataset == dataset)
        {
            Some(i) => i,
            None => {
                ranked.push(RankedSection {
                    model: model.to_string(),
                    dataset: dataset.to_string(),
                    articles: Vec::new(),
                });
                ranked.len() - 1
            }
        };
        ranked[section].articles.push(Ranked {
            errors: browser::errors(&saved),
            article_id: saved.article_id().to_string(),
            chars: line.chars(),
            line: index,
        });
    })?;
    // Line index → (section, rank within it) of the articles shown: by most errors,
    // as long as the section's share of the text budget lasts.
    let share = TEXT_BUDGET / ranked.len().max(1);
    let mut chosen: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut sections: Vec<BrowserSection> = Vec::new();
    for (section, mut ranked) in ranked.into_iter().enumerate() {
        ranked.articles.sort_by(|a, b| {
            b.errors
                .cmp(&a.errors)
                .then_with(|| a.article_id.cmp(&b.article_id))
        });
        let mut left = share;
        let shown = ranked.articles.iter().filter(|article| {
            let fits = article.chars <= left;
            if fits {
                left -= article.chars;
            }
            fits
        });
        for (rank, article) in shown.take(BROWSER_ARTICLES).enumerate() {
            chosen.insert(article.line, (section, rank));
        }
        sections.push(BrowserSection {
            model: ranked.model,
            dataset: ranked.dataset,
            total: ranked.articles.len(),
            articles: Vec::new(),
        });
    }
    let mut placed: Vec<Vec<(usize, BrowsedArticle)>> =
        sections.iter().map(|_| Vec::new()).collect();
    for_each_line(path, task, |index, line| {
        let Some(&(section, rank)) = chosen.get(&index) else {
            return;
        };
        let saved = line.saved(index);
        // An article whose text cannot be read (the dataset changed under the run) is
        // left out like one over the budget.
        if let Some(text) = texts(&sections[section].dataset, saved.article_id()) {
            placed[section].push((rank, browser::article(&saved, Some(&text))));
        }
    })?;
    for (section, mut articles) in sections.iter_mut().zip(placed) {
        articles.sort_by_key(|(rank, _)| *rank);
        section.articles = articles.into_iter().map(|(_, a)| a).collect();
    }
    Ok(sections)
}
