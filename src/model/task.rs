//! What a model is asked for in the `speakers` task (docs/tasks.md#speakers, protocol in
//! docs/models.md#speakers-requests): the gold quotes of an article, to be given a speaker each,
//! and the article's cast.

use crate::attribution::{Attribution, Span};
use crate::dataset::Aliases;
use serde::{Deserialize, Serialize};

/// What a run measures (docs/tasks.md).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Find the quotes and their speakers in the text.
    #[default]
    Extract,
    /// Name the speaker of each given gold quote.
    Speakers,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Extract => "extract",
            Task::Speakers => "speakers",
        }
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A quote handed to the model, to be attributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenQuote {
    /// `q` and the quote's 0-based position among the given ones (by start, then end).
    pub quote_id: String,
    pub start: usize,
    pub end: usize,
    pub quote: String,
}

impl GivenQuote {
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end)
    }
}

/// A character of the article's cast: a `name` of `aliases.csv` with its aliases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CastMember {
    pub name: String,
    pub aliases: Vec<String>,
}

/// Everything a model gets beside the text in the `speakers` task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeakersRequest {
    pub quotes: Vec<GivenQuote>,
    pub cast: Vec<CastMember>,
}

impl SpeakersRequest {
    /// The request for one article: the spans of `gold` (rows already filtered by type;
    /// rows without offsets cannot be given and are skipped here, the loader rejects
    /// them in this task), distinct, ordered by start then end; and the cast of the
    /// aliases that apply to the article (its own rows, then `*` rows, in file order).
    pub fn new(article_id: &str, gold: &[&Attribution], aliases: &Aliases) -> Self {
        let mut spans: Vec<(Span, &str)> = gold
            .iter()
            .filter_map(|row| row.quote_span.map(|span| (span, row.quote.as_str())))
            .collect();
        spans.sort_by_key(|(span, _)| (span.start, span.end));
        spans.dedup_by_key(|(span, _)| *span);
        let quotes = spans
            .into_iter()
            .enumerate()
            .map(|(i, (span, quote))| GivenQuote {
                quote_id: format!("q{i}"),
                start: span.start,
                end: span.end,
                quote: quote.to_string(),
            })
            .collect();
        SpeakersRequest {
            quotes,
            cast: cast_of(article_id, aliases),
        }
    }

    /// The given quote a `quote_id` names.
    pub fn quote(&self, quote_id: &str) -> Option<&GivenQuote> {
        let index: usize = quote_id.strip_prefix('q')?.parse().ok()?;
        self.quotes.get(index).filter(|q| q.quote_id == quote_id)
    }
}

/// The cast of one article: one member per distinct `name`, in order of first
/// appearance, each alias once.
pub fn cast_of(article_id: &str, aliases: &Aliases) -> Vec<CastMember> {
    let mut cast: Vec<CastMember> = Vec::new();
    for entry in aliases.for_article(article_id) {
        let member = match cast.iter_mut().position(|m| m.name == entry.name) {
            Some(i) => &mut cast[i],
            None => {
                cast.push(CastMember {
                    name: entry.name.clone(),
                    aliases: Vec::new(),
                });
                cast.last_mut().expect("just pushed")
            }
        };
        if entry.alias != entry.name && !member.aliases.contains(&entry.alias) {
            member.aliases.push(entry.alias.clone());
        }
    }
    cast
}

/// The default answer of a model that only extracts: for each given quote, the speaker
/// of the model's own row that overlaps it most, else of the row nearest to it; no
/// answer when the model found no row at all.
pub fn answers_from_rows(
    article_id: &str,
    rows: &[Attribution],
    request: &SpeakersRequest,
) -> Vec<Attribution> {
    let spanned: Vec<(Span, &Attribution)> = rows
        .iter()
        .filter_map(|row| row.quote_span.map(|span| (span, row)))
        .collect();
    if spanned.is_empty() {
        return Vec::new();
    }
    request
        .quotes
        .iter()
        .map(|given| {
            let span = given.span();
            let overlap = |s: &Span| s.end.min(span.end).saturating_sub(s.start.max(span.start));
            let distance = |s: &Span| {
                if s.overlaps(&span) {
                    0
                } else if s.end <= span.start {
                    span.start - s.end
                } else {
                    s.start.saturating_sub(span.end)
                }
            };
            let (_, best) = spanned
                .iter()
                .max_by_key(|(s, _)| (overlap(s), std::cmp::Reverse(distance(s))))
                .expect("not empty");
            Attribution {
                article_id: article_id.to_string(),
                quote: given.quote.clone(),
                speaker: best.speaker.clone(),
                quote_span: Some(span),
                speaker_mention: best.speaker_mention.clone(),
                mention_span: best.mention_span,
                confidence: best.confidence,
                ..Attribution::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::AliasEntry;

    fn row(start: usize, end: usize, speaker: &str) -> Attribution {
        Attribution {
            article_id: "a".into(),
            quote: "x".into(),
            speaker: speaker.into(),
            quote_span: Some(Span::new(start, end)),
            ..Attribution::default()
        }
    }

    #[test]
    fn quotes_are_numbered_by_start_then_end_once_each() {
        let gold = [
            row(10, 20, "A"),
            row(0, 5, "B"),
            row(0, 3, "C"),
            row(10, 20, "D"),
        ];
        let refs: Vec<&Attribution> = gold.iter().collect();
        let request = SpeakersRequest::new("a", &refs, &Aliases::default());
        let spans: Vec<(String, usize, usize)> = request
            .quotes
            .iter()
            .map(|q| (q.quote_id.clone(), q.start, q.end))
            .collect();
        assert_eq!(
            spans,
            [
                ("q0".into(), 0, 3),
                ("q1".into(), 0, 5),
                ("q2".into(), 10, 20)
            ]
        );
        assert_eq!(request.quote("q2").map(|q| q.start), Some(10));
        assert_eq!(request.quote("q3"), None);
        assert_eq!(request.quote("x1"), None);
    }

    #[test]
    fn the_cast_gathers_aliases_of_the_article_then_star() {
        let entry = |id: Option<&str>, name: &str, alias: &str| AliasEntry {
            article_id: id.map(str::to_string),
            name: name.into(),
            alias: alias.into(),
        };
        let aliases = Aliases {
            entries: vec![
                entry(None, "Emma", "Miss Woodhouse"),
                entry(Some("a"), "Emma", "Emma Woodhouse"),
                entry(Some("b"), "Knightley", "Mr. Knightley"),
                entry(None, "Emma", "Emma Woodhouse"),
            ],
        };
        let cast = cast_of("a", &aliases);
        assert_eq!(cast.len(), 1);
        assert_eq!(cast[0].aliases, ["Emma Woodhouse", "Miss Woodhouse"]);
        assert!(cast_of("c", &aliases)[0].name == "Emma");
    }

    #[test]
    fn extracted_rows_answer_the_quotes_they_cover_or_are_nearest() {
        let gold = [row(0, 10, ""), row(50, 60, ""), row(200, 210, "")];
        let refs: Vec<&Attribution> = gold.iter().collect();
        let request = SpeakersRequest::new("a", &refs, &Aliases::default());
        let rows = [row(2, 8, "Ann"), row(45, 58, "Bob"), row(52, 53, "Cy")];
        let answers = answers_from_rows("a", &rows, &request);
        let speakers: Vec<&str> = answers.iter().map(|a| a.speaker.as_str()).collect();
        assert_eq!(speakers, ["Ann", "Bob", "Bob"]);
        assert!(answers_from_rows("a", &[], &request).is_empty());
    }
}
