//! From labelled spans to attribution rows: each CONTENT span becomes one row, linked to
//! the SOURCE span that most likely belongs to the same attribution.

use super::BertOptions;
use super::decode::{LayerSpan, TokenPrediction};
use super::labels::Layer;
use crate::attribution::{Attribution, QuoteType, Span};
use crate::dataset::Article;

/// How far a cue may sit from its source when it is not between source and content
/// ("“…,” Smith said": content, source, cue), in characters.
pub(super) const CUE_NEAR_SOURCE: usize = 20;

/// Characters between two spans; 0 when they touch or overlap.
pub(super) fn gap(a: Span, b: Span) -> usize {
    // At most one of the two is non-zero; both are zero for touching or overlapping spans.
    b.start
        .saturating_sub(a.end)
        .max(a.start.saturating_sub(b.end))
}

/// True when `inner` lies in the stretch of text between `a` and `b`.
pub(super) fn between(inner: Span, a: Span, b: Span) -> bool {
    let (left, right) = if a.start <= b.start { (a, b) } else { (b, a) };
    left.end <= inner.start && inner.end <= right.start
}

/// True when a sentence ends in the text between two spans: a newline, or `.`, `!`, `?`
/// (perhaps followed by a closing quotation mark) before white space. A source in
/// another sentence than its content is the exception in news text.
fn sentence_between(article: &Article, a: Span, b: Span) -> bool {
    let (left, right) = if a.start <= b.start { (a, b) } else { (b, a) };
    if left.end >= right.start {
        return false;
    }
    let Some(text) = article.slice(Span::new(left.end, right.start)) else {
        return false;
    };
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        c == '\n'
            || (matches!(c, '.' | '!' | '?') && {
                let rest = &chars[i + 1..];
                let after_quote = rest
                    .iter()
                    .position(|&c| !matches!(c, '"' | '”' | '’' | '\''))
                    .map(|skip| &rest[skip..])
                    .unwrap_or(&[]);
                after_quote.first().is_some_and(|c| c.is_whitespace())
            })
    })
}

/// Double quotation marks in the scripts news text uses; single quotes are left out on
/// purpose because they double as apostrophes.
fn is_double_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '“' | '”' | '„' | '‟' | '«' | '»' | '〝' | '〞' | '＂'
    )
}

/// The types (docs/datasets.md#csv) from the quotation marks of the quote's text: `direct` when it
/// starts and ends with a double quotation mark, `mixed` when it holds one elsewhere, otherwise
/// `indirect`.
pub fn quote_type(quote: &str) -> QuoteType {
    let quote = quote.trim();
    let mut chars = quote.chars();
    let first = chars.next();
    let last = chars.next_back();
    match (first, last) {
        (Some(f), Some(l)) if is_double_quote(f) && is_double_quote(l) => QuoteType::Direct,
        _ if quote.chars().any(is_double_quote) => QuoteType::Mixed,
        _ => QuoteType::Indirect,
    }
}

/// The span without surrounding white space; `None` when nothing is left.
pub(super) fn trimmed(article: &Article, span: Span) -> Option<(Span, String)> {
    let text = article.slice(span)?;
    let lead = text.chars().take_while(|c| c.is_whitespace()).count();
    let inner = text.trim();
    if inner.is_empty() {
        return None;
    }
    let start = span.start + lead;
    let span = Span::new(start, start + inner.chars().count());
    Some((span, inner.to_string()))
}

struct Piece {
    span: Span,
    text: String,
}

/// Builds the rows of one article from its labelled spans and its words.
///
/// A content span's source is chosen among the source spans at most
/// `max_link_distance` characters away: first those in the same sentence as the
/// content, then those with a cue between them and the content (the cue ties the two
/// into one attribution), then the nearest, then one before the content over one after.
///
/// When no tagged source shares the content's sentence, the tagger often did see the
/// speaker but gave SOURCE less than the winning tag: with `source_rescue` set, the word
/// of that sentence with the highest SOURCE probability (at least the threshold) is taken.
/// Failing that, a source in another sentence is kept only within
/// `max_cross_sentence_link` characters, and otherwise the content gives no row: a
/// far-fetched speaker is more often wrong than right, and a wrong pair costs both
/// precision and recall where a missing one costs recall only. With no source in reach
/// at all, the row has an empty speaker (docs/datasets.md#csv: unknown speaker).
///
/// The speaker is the source's own words: this model does not resolve pronouns.
pub fn link(
    article: &Article,
    spans: &[LayerSpan],
    words: &[TokenPrediction],
    options: &BertOptions,
) -> Vec<Attribution> {
    let max_distance = options.max_link_distance;
    let pieces = |layer: Layer| -> Vec<(Piece, f64)> {
        spans
            .iter()
            .filter(|s| s.layer == layer)
            .filter_map(|s| {
                let (span, text) = trimmed(article, s.span)?;
                Some((Piece { span, text }, s.confidence))
            })
            .collect()
    };
    let sources = pieces(Layer::Source);
    let cues = pieces(Layer::Cue);
    let contents = pieces(Layer::Content);

    let mut rows = Vec::with_capacity(contents.len());
    for (content, confidence) in &contents {
        let cue_between = |source: &Piece| {
            cues.iter()
                .map(|(cue, _)| cue)
                .filter(|cue| between(cue.span, source.span, content.span))
                .min_by_key(|cue| gap(cue.span, source.span))
        };
        let tagged = sources
            .iter()
            .map(|(source, _)| source)
            .filter(|source| gap(source.span, content.span) <= max_distance)
            .filter(|source| !source.span.overlaps(&content.span))
            .min_by_key(|source| {
                (
                    sentence_between(article, source.span, content.span),
                    cue_between(source).is_none(),
                    gap(source.span, content.span),
                    source.span.start > content.span.start,
                )
            });
        let same_sentence =
            tagged.filter(|source| !sentence_between(article, source.span, content.span));
        let rescued = match same_sentence {
            Some(_) => None,
            None => options.source_rescue.and_then(|threshold| {
                rescue(article, words, content.span, threshold, max_distance)
            }),
        };
        let source = match (same_sentence, rescued.as_ref(), tagged) {
            (Some(source), _, _) | (None, Some(source), _) => Some(source),
            (None, None, Some(far))
                if options
                    .max_cross_sentence_link
                    .is_some_and(|limit| gap(far.span, content.span) > limit) =>
            {
                continue;
            }
            (None, None, elsewhere) => elsewhere,
        };
        let anchor = source.map_or(content.span, |s| s.span);
        let cue = source.and_then(cue_between).or_else(|| {
            cues.iter()
                .map(|(cue, _)| cue)
                .filter(|cue| !cue.span.overlaps(&content.span))
                .filter(|cue| gap(cue.span, anchor) <= CUE_NEAR_SOURCE)
                .min_by_key(|cue| gap(cue.span, anchor))
        });
        rows.push(Attribution {
            article_id: article.id.clone(),
            quote: content.text.clone(),
            speaker: source.map(|s| s.text.clone()).unwrap_or_default(),
            quote_span: Some(content.span),
            quote_type: Some(quote_type(&content.text)),
            cue: cue.map(|c| c.text.clone()),
            speaker_mention: source.map(|s| s.text.clone()),
            mention_span: source.map(|s| s.span),
            confidence: Some(*confidence),
            mention_type: None,
        });
    }
    rows
}

/// The word of the content's sentence, outside the content and not tagged CUE, with the
/// highest SOURCE probability, if that reaches `threshold`; the nearer word on a tie.
/// Like tagged sources, at most `max_distance` characters from the content.
fn rescue(
    article: &Article,
    words: &[TokenPrediction],
    content: Span,
    threshold: f32,
    max_distance: usize,
) -> Option<Piece> {
    let word = words
        .iter()
        .filter(|w| w.source_probability >= threshold)
        .filter(|w| gap(w.span, content) <= max_distance)
        .filter(|w| w.tag.layer() != Some(Layer::Cue))
        .filter(|w| !w.span.overlaps(&content))
        .filter(|w| !sentence_between(article, w.span, content))
        .max_by(|a, b| {
            a.source_probability
                .total_cmp(&b.source_probability)
                .then_with(|| gap(b.span, content).cmp(&gap(a.span, content)))
        })?;
    let (span, text) = trimmed(article, word.span)?;
    text.chars()
        .any(char::is_alphanumeric)
        .then_some(Piece { span, text })
}

/// Test data: the first occurrence of `needle` as a span of `layer`.
#[cfg(test)]
pub(super) fn span_of(article: &Article, needle: &str, layer: Layer) -> LayerSpan {
    let byte = article.text.find(needle).expect("needle in text");
    LayerSpan {
        layer,
        span: article.span_of_bytes(byte..byte + needle.len()).unwrap(),
        confidence: 0.9,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::bert::labels::Tag;

    /// The default options with sources up to `max_link_distance` characters away.
    fn reach(max_link_distance: usize) -> BertOptions {
        BertOptions {
            max_link_distance,
            ..BertOptions::default()
        }
    }

    #[test]
    fn types_follow_the_quotation_marks() {
        assert_eq!(quote_type("“We will win.”"), QuoteType::Direct);
        assert_eq!(quote_type("\"We will win\""), QuoteType::Direct);
        assert_eq!(
            quote_type("that they would “never” yield"),
            QuoteType::Mixed
        );
        assert_eq!(quote_type("“We will win,” and more"), QuoteType::Mixed);
        assert_eq!(quote_type("that they would win"), QuoteType::Indirect);
        assert_eq!(quote_type("it's 'fine'"), QuoteType::Indirect);
        assert_eq!(quote_type("“"), QuoteType::Mixed);
    }

    #[test]
    fn each_content_links_to_the_source_its_cue_ties_it_to() {
        let article = Article::new(
            "a1",
            "“We will not yield,” said Peskov. Ushakov told reporters that talks would go on.",
        );
        let spans = vec![
            span_of(&article, "“We will not yield,”", Layer::Content),
            span_of(&article, "said", Layer::Cue),
            span_of(&article, "Peskov", Layer::Source),
            span_of(&article, "Ushakov", Layer::Source),
            span_of(&article, "told reporters", Layer::Cue),
            span_of(&article, "that talks would go on", Layer::Content),
        ];
        let rows = link(&article, &spans, &[], &reach(300));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].speaker, "Peskov");
        assert_eq!(rows[0].cue.as_deref(), Some("said"));
        assert_eq!(rows[0].quote_type, Some(QuoteType::Direct));
        assert_eq!(rows[1].speaker, "Ushakov");
        assert_eq!(rows[1].cue.as_deref(), Some("told reporters"));
        assert_eq!(rows[1].quote_type, Some(QuoteType::Indirect));
        for row in &rows {
            assert!(
                row.quote_span.is_some() && row.mention_span.is_some(),
                "{row:?}"
            );
            assert_eq!(crate::dataset::span_problems(row, &article), []);
        }
    }

    #[test]
    fn a_cue_after_the_source_is_found_and_the_nearer_source_wins() {
        let article = Article::new("a", "Lavrov spoke. “It is over,” Peskov said.");
        let spans = vec![
            span_of(&article, "Lavrov", Layer::Source),
            span_of(&article, "“It is over,”", Layer::Content),
            span_of(&article, "Peskov", Layer::Source),
            span_of(&article, "said", Layer::Cue),
        ];
        let rows = link(&article, &spans, &[], &reach(300));
        assert_eq!(rows[0].speaker, "Peskov");
        assert_eq!(rows[0].cue.as_deref(), Some("said"));
    }

    #[test]
    fn the_source_of_the_same_sentence_wins_over_a_nearer_one() {
        let article = Article::new(
            "a",
            "Smith said the plan failed. Jones added that it worked, Brown said.",
        );
        let spans = vec![
            span_of(&article, "Smith", Layer::Source),
            span_of(&article, "said", Layer::Cue),
            span_of(&article, "the plan failed", Layer::Content),
            span_of(&article, "Jones", Layer::Source),
        ];
        let rows = link(&article, &spans, &[], &reach(300));
        assert_eq!(rows[0].speaker, "Smith");
        assert!(sentence_between(
            &article,
            rows[0].quote_span.unwrap(),
            spans[3].span
        ));
    }

    #[test]
    fn a_source_out_of_reach_leaves_the_speaker_empty() {
        let article = Article::new("a", "Peskov arrived. Much later, the plan would work.");
        let spans = vec![
            span_of(&article, "Peskov", Layer::Source),
            span_of(&article, "the plan would work", Layer::Content),
        ];
        let rows = link(&article, &spans, &[], &reach(10));
        assert_eq!(rows[0].speaker, "");
        assert_eq!(rows[0].speaker_mention, None);
        let rows = link(&article, &spans, &[], &reach(300));
        assert_eq!(rows[0].speaker, "Peskov");
    }

    /// The article's words (split at white space) tagged O, with the SOURCE
    /// probabilities given for some of them.
    fn words_of(article: &Article, source_probabilities: &[(&str, f32)]) -> Vec<TokenPrediction> {
        let mut words = Vec::new();
        let mut offset = 0;
        for word in article.text.split(' ') {
            let start = offset;
            offset += word.chars().count() + 1;
            let probability = source_probabilities
                .iter()
                .find(|(w, _)| *w == word)
                .map_or(0.0, |(_, p)| *p);
            words.push(TokenPrediction {
                span: Span::new(start, start + word.chars().count()),
                word: Some(words.len() as u32),
                tag: Tag::Outside,
                probability: 0.9,
                source_probability: probability,
            });
        }
        words
    }

    #[test]
    fn an_untagged_speaker_of_the_same_sentence_is_rescued_by_its_source_probability() {
        let article = Article::new(
            "a",
            "Peskov arrived. The talks , the spokesman said , would go on .",
        );
        let spans = vec![
            span_of(&article, "Peskov", Layer::Source),
            span_of(&article, "would go on", Layer::Content),
        ];
        let words = words_of(&article, &[("spokesman", 0.3), ("talks", 0.05)]);
        let rescue = |threshold| BertOptions {
            source_rescue: Some(threshold),
            ..reach(300)
        };
        let rows = link(&article, &spans, &words, &rescue(0.1));
        assert_eq!(rows[0].speaker, "spokesman");
        assert_eq!(
            article.slice(rows[0].mention_span.unwrap()),
            Some("spokesman")
        );
        // Below the threshold, the tagged source of the other sentence stays.
        let rows = link(&article, &spans, &words, &rescue(0.5));
        assert_eq!(rows[0].speaker, "Peskov");
    }

    #[test]
    fn a_source_far_away_in_another_sentence_gives_no_row() {
        let article = Article::new(
            "a",
            "Peskov spoke at length about many things that day. The talks would go on. \
             “It is over.” “We go home.”",
        );
        let spans = vec![
            span_of(&article, "Peskov", Layer::Source),
            span_of(&article, "The talks would go on", Layer::Content),
        ];
        let near_only = BertOptions {
            max_cross_sentence_link: Some(40),
            ..reach(300)
        };
        assert!(link(&article, &spans, &[], &near_only).is_empty());
        assert_eq!(
            link(&article, &spans, &[], &reach(300))[0].speaker,
            "Peskov"
        );

        // "“…,” he said. “…”": the source just before, in the previous sentence, stays.
        let article = Article::new("b", "“We will win,” he said. “Then we go home.”");
        let spans = vec![
            span_of(&article, "he", Layer::Source),
            span_of(&article, "“Then we go home.”", Layer::Content),
        ];
        assert_eq!(link(&article, &spans, &[], &near_only)[0].speaker, "he");
    }

    #[test]
    fn spans_are_trimmed_and_counted_in_code_points() {
        let article = Article::new("é", "Ém said:  « ça va »  ok");
        let byte = article.text.find("  « ça va »  ").unwrap();
        let spans = vec![
            span_of(&article, "Ém", Layer::Source),
            LayerSpan {
                layer: Layer::Content,
                span: article
                    .span_of_bytes(byte..byte + "  « ça va »  ".len())
                    .unwrap(),
                confidence: 0.5,
            },
        ];
        let rows = link(&article, &spans, &[], &reach(300));
        assert_eq!(rows[0].quote, "« ça va »");
        assert_eq!(rows[0].quote_span, Some(Span::new(10, 19)));
        assert_eq!(article.slice(Span::new(10, 19)), Some("« ça va »"));
        assert_eq!(rows[0].quote_type, Some(QuoteType::Direct));
    }

    #[test]
    fn white_space_only_content_gives_no_row() {
        let article = Article::new("a", "a   b");
        let spans = vec![LayerSpan {
            layer: Layer::Content,
            span: Span::new(1, 4),
            confidence: 0.5,
        }];
        assert!(link(&article, &spans, &[], &reach(300)).is_empty());
    }
}
