//! The speakers task (docs/tasks.md#speakers) for a tagger: the given quotes take the
//! place of the tagger's own CONTENT spans, each gets the SOURCE candidate the linker
//! scores highest around it (or, without a linker, the hand-written linking's source),
//! and the mention is named as the cast names it.
//!
//! Naming is the only part not learned: a name goes to the cast member it fits (the most
//! recently answered of several), and a pronoun to the character of its gender the text
//! named last before it (a capitalized word or title and name that fits one cast member
//! only), else to the most recently answered one of its gender ("I" to the cast's
//! narrator). Without a cast the mention's own words are the answer, as in `extract`.

use super::decode::{LayerSpan, TokenPrediction};
use super::labels::Layer;
use super::{BertOptions, link, linker, spans_from_words};
use crate::attribution::{Attribution, Span};
use crate::dataset::Article;
use crate::model::SpeakersRequest;
use crate::model::rules::cast::{Cast, Gender, is_title};

/// One answer per given quote, in the request's order; a quote with no candidate in
/// reach gets no answer.
pub fn answer_given(
    article: &Article,
    words: &[TokenPrediction],
    request: &SpeakersRequest,
    options: &BertOptions,
) -> Vec<Attribution> {
    let mut spans: Vec<LayerSpan> = spans_from_words(article, words, options)
        .into_iter()
        .filter(|s| s.layer != Layer::Content)
        .collect();
    spans.extend(request.quotes.iter().map(|quote| LayerSpan {
        layer: Layer::Content,
        span: quote.span(),
        confidence: 1.0,
    }));
    spans.sort_by_key(|s| (s.span.start, s.span.end));
    let picks = picks(article, &spans, words, options);

    let cast = Cast::from_members(&request.cast);
    let named = named_in_text(article, words, &cast);
    let mut answered: Vec<usize> = Vec::new();
    request
        .quotes
        .iter()
        .filter_map(|quote| {
            let span = quote.span();
            let (mention_span, mention) = picks
                .iter()
                .find(|(content, _)| content.overlaps(&span))
                .and_then(|(_, pick)| pick.clone())?;
            let before = named.partition_point(|(at, _)| *at < mention_span.start);
            let speaker = match name_of(&cast, &mention, &named[..before], &answered) {
                Some(character) => {
                    answered.retain(|&c| c != character);
                    answered.push(character);
                    cast.characters[character].name.clone()
                }
                None => mention.clone(),
            };
            Some(Attribution {
                article_id: article.id.clone(),
                quote: quote.quote.clone(),
                speaker,
                quote_span: Some(span),
                speaker_mention: Some(mention),
                mention_span: Some(mention_span),
                ..Attribution::default()
            })
        })
        .collect()
}

/// Each content's chosen source, by the linker when there is one.
fn picks(
    article: &Article,
    spans: &[LayerSpan],
    words: &[TokenPrediction],
    options: &BertOptions,
) -> Vec<(Span, Option<(Span, String)>)> {
    match &options.linker {
        Some(fitted) => {
            linker::pick_speakers(article, spans, words, options.max_link_distance, fitted)
        }
        None => link(article, spans, words, options)
            .into_iter()
            .filter_map(|row| {
                let source = row.mention_span.zip(row.speaker_mention);
                Some((row.quote_span?, source))
            })
            .collect(),
    }
}

/// Where the text names one cast member for certain, in text order: a capitalized word
/// that is not a title, with the title before it if there is one ("Miss Woodhouse"),
/// whose cast candidates are exactly one character.
fn named_in_text(article: &Article, words: &[TokenPrediction], cast: &Cast) -> Vec<(usize, usize)> {
    if cast.characters.is_empty() {
        return Vec::new();
    }
    let texts: Vec<&str> = words
        .iter()
        .map(|w| article.slice(w.span).unwrap_or(""))
        .collect();
    let mut out = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let capitalized = text.chars().next().is_some_and(char::is_uppercase);
        let lower = text.trim_end_matches('.').to_lowercase();
        if !capitalized || text.chars().count() < 2 || is_title(&lower) {
            continue;
        }
        let title = i
            .checked_sub(1)
            .map(|p| texts[p])
            .filter(|t| is_title(&t.trim_end_matches('.').to_lowercase()));
        let name = match title {
            Some(title) => format!("{title} {text}"),
            None => text.to_string(),
        };
        if let [character] = cast.candidates(&name)[..] {
            out.push((words[i].span.start, character));
        }
    }
    out
}

/// The cast member a mention names: for a name, the one it fits (the most recently
/// answered of several); for a pronoun, the one of its gender named last in the text
/// before it (`recent`: positions and characters, in text order), else the most recently
/// answered one.
fn name_of(
    cast: &Cast,
    mention: &str,
    recent: &[(usize, usize)],
    answered: &[usize],
) -> Option<usize> {
    if cast.characters.is_empty() {
        return None;
    }
    let lower = mention.to_lowercase();
    let pronoun_gender = match lower.as_str() {
        "he" | "him" | "his" | "himself" => Some(Gender::Male),
        "she" | "her" | "hers" | "herself" => Some(Gender::Female),
        "i" | "me" | "my" | "myself" => return cast.narrator,
        "they" | "them" | "we" | "us" | "you" | "it" => Some(Gender::Unknown),
        _ => None,
    };
    if let Some(gender) = pronoun_gender {
        let fits = |c: &usize| cast.characters[*c].gender().fits(gender);
        return recent
            .iter()
            .rev()
            .map(|&(_, c)| c)
            .find(fits)
            .or_else(|| answered.iter().rev().copied().find(fits));
    }
    let candidates = cast.candidates(mention);
    answered
        .iter()
        .rev()
        .copied()
        .find(|c| candidates.contains(c))
        .or_else(|| candidates.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::bert::Tag;
    use crate::model::task::{CastMember, GivenQuote};

    /// Words of the text, each tagged `O` unless listed with its tag.
    fn words(article: &Article, tagged: &[(&str, &str)]) -> Vec<TokenPrediction> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in article.text.chars().chain(std::iter::once(' ')).enumerate() {
            match (c.is_alphanumeric() || c == '.', start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    let span = Span::new(s, i);
                    let text = article.slice(span).unwrap();
                    let tag = tagged
                        .iter()
                        .find(|(word, _)| *word == text)
                        .map_or("O", |(_, tag)| tag);
                    out.push(TokenPrediction {
                        span,
                        word: Some(out.len() as u32),
                        tag: Tag::parse(tag).unwrap(),
                        probability: 0.9,
                        source_probability: if tag.ends_with("SOURCE") { 0.9 } else { 0.0 },
                    });
                    start = None;
                }
                _ => {}
            }
        }
        out
    }

    fn given(article: &Article, quotes: &[&str]) -> SpeakersRequest {
        let chars: Vec<char> = article.text.chars().collect();
        let quotes = quotes
            .iter()
            .enumerate()
            .map(|(i, quote)| {
                let needle: Vec<char> = quote.chars().collect();
                let start = (0..chars.len())
                    .find(|&s| chars[s..].starts_with(&needle))
                    .unwrap();
                GivenQuote {
                    quote_id: format!("q{i}"),
                    start,
                    end: start + needle.len(),
                    quote: quote.to_string(),
                }
            })
            .collect();
        SpeakersRequest {
            quotes,
            cast: vec![
                CastMember {
                    name: "Emma Woodhouse".into(),
                    aliases: vec!["Emma".into(), "Miss Woodhouse".into()],
                },
                CastMember {
                    name: "George Knightley".into(),
                    aliases: vec!["Mr. Knightley".into()],
                },
            ],
        }
    }

    #[test]
    fn given_quotes_get_the_source_beside_them_named_as_the_cast_names_it() {
        let article = Article::new(
            "a",
            "\"It will not do,\" said Miss Woodhouse. Knightley smiled. \"Nonsense,\" he said.",
        );
        let words = words(
            &article,
            &[
                ("said", "B-CUE"),
                ("Miss", "B-SOURCE"),
                ("Woodhouse.", "I-SOURCE"),
                ("Knightley", "B-SOURCE"),
                ("he", "B-SOURCE"),
            ],
        );
        let request = given(&article, &["It will not do,", "Nonsense,"]);
        let answers = answer_given(&article, &words, &request, &BertOptions::default());
        assert_eq!(answers.len(), 2, "{answers:?}");
        assert_eq!(answers[0].speaker, "Emma Woodhouse");
        assert_eq!(answers[0].quote_span, Some(request.quotes[0].span()));
        // "he": the last character the text named before it who may be "he".
        assert_eq!(answers[1].speaker_mention.as_deref(), Some("he"));
        assert_eq!(answers[1].speaker, "George Knightley");
    }

    #[test]
    fn a_pronoun_goes_to_the_last_named_then_the_last_answered_character_of_its_gender() {
        let cast = Cast::from_members(&given(&Article::new("a", "x"), &[]).cast);
        let emma = cast.candidates("Emma")[0];
        let knightley = cast.candidates("Mr. Knightley")[0];
        let answered = [knightley, emma];
        assert_eq!(name_of(&cast, "he", &[], &answered), Some(knightley));
        assert_eq!(name_of(&cast, "she", &[], &answered), Some(emma));
        // The text's last fitting name comes before the answers.
        let named = [(0, emma), (10, knightley)];
        assert_eq!(name_of(&cast, "she", &named, &[]), Some(emma));
        assert_eq!(name_of(&cast, "Emma", &[], &[]), Some(emma));
        assert_eq!(name_of(&cast, "the stranger", &[], &[]), None);
    }
}
