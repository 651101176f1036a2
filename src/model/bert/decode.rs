//! From per-token predictions to labelled character spans.

use super::labels::{Layer, Tag};
use crate::attribution::Span;

/// One token of the article with its stitched prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenPrediction {
    /// Code-point offsets of the token in the article.
    pub span: Span,
    /// The word the token belongs to (subword pieces of one word share it); `None` for
    /// tokens outside any word.
    pub word: Option<u32>,
    pub tag: Tag,
    /// The probability the model gave `tag`.
    pub probability: f32,
    /// The probability it gave SOURCE (`B-` and `I-` together), whatever `tag` is.
    pub source_probability: f32,
}

/// A word with the tag of its first piece.
///
/// Token-classification models are usually trained with the label on a word's first
/// piece only (the other pieces are ignored by the loss), so the first piece speaks for
/// the whole word, as in the Hugging Face pipeline's "first" aggregation.
pub fn words(tokens: &[TokenPrediction]) -> Vec<TokenPrediction> {
    let mut out: Vec<TokenPrediction> = Vec::with_capacity(tokens.len());
    for token in tokens {
        if let Some(last) = out.last_mut()
            && token.word.is_some()
            && token.word == last.word
        {
            last.span.start = last.span.start.min(token.span.start);
            last.span.end = last.span.end.max(token.span.end);
            continue;
        }
        out.push(token.clone());
    }
    out
}

/// A span of one layer, with the mean probability of its words' tags.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSpan {
    pub layer: Layer,
    pub span: Span,
    pub confidence: f64,
}

/// BIO decoding. `B-X` opens a span of X; `I-X` continues an open X span and otherwise
/// opens one (models do predict `I-` without `B-`, and dropping those words would cut
/// quotes short); `O` and a tag of another layer close the open span.
pub fn decode_bio(units: &[TokenPrediction]) -> Vec<LayerSpan> {
    struct Open {
        layer: Layer,
        span: Span,
        probability_sum: f64,
        count: usize,
    }
    fn close(open: &mut Option<Open>, out: &mut Vec<LayerSpan>) {
        if let Some(o) = open.take() {
            out.push(LayerSpan {
                layer: o.layer,
                span: o.span,
                confidence: o.probability_sum / o.count as f64,
            });
        }
    }
    let mut out = Vec::new();
    let mut open: Option<Open> = None;
    for unit in units {
        let continues = match (unit.tag, &open) {
            (Tag::Inside(layer), Some(o)) => o.layer == layer,
            _ => false,
        };
        if continues {
            let o = open.as_mut().expect("checked above");
            o.span.end = o.span.end.max(unit.span.end);
            o.probability_sum += f64::from(unit.probability);
            o.count += 1;
            continue;
        }
        close(&mut open, &mut out);
        if let Some(layer) = unit.tag.layer() {
            open = Some(Open {
                layer,
                span: unit.span,
                probability_sum: f64::from(unit.probability),
                count: 1,
            });
        }
    }
    close(&mut open, &mut out);
    out
}

/// Repairs what a tagger typically does to a long quote: content spans separated by at
/// most `merge_gap` characters with no source or cue between them become one span, then
/// content spans of fewer than `min_words` words or a confidence under `min_confidence`
/// are dropped.
pub fn tidy_contents(
    article: &crate::dataset::Article,
    mut spans: Vec<LayerSpan>,
    merge_gap: Option<usize>,
    min_words: usize,
    min_confidence: f32,
) -> Vec<LayerSpan> {
    spans.sort_by_key(|s| (s.span.start, s.span.end));
    let mut out: Vec<LayerSpan> = Vec::with_capacity(spans.len());
    // The last content span in `out`, while nothing but content has followed it.
    let mut open: Option<usize> = None;
    for span in spans {
        if span.layer != Layer::Content {
            open = None;
            out.push(span);
            continue;
        }
        if let (Some(gap), Some(index)) = (merge_gap, open) {
            let previous = &mut out[index];
            if span.span.start.saturating_sub(previous.span.end) <= gap {
                previous.span.end = previous.span.end.max(span.span.end);
                previous.confidence = (previous.confidence + span.confidence) / 2.0;
                continue;
            }
        }
        open = Some(out.len());
        out.push(span);
    }
    let enough_words = |span: Span| {
        min_words == 0
            || article
                .slice(span)
                .is_some_and(|text| word_count(text) >= min_words)
    };
    out.retain(|s| {
        s.layer != Layer::Content
            || (s.confidence >= f64::from(min_confidence) && enough_words(s.span))
    });
    out
}

/// Words of a text that hold a letter or digit (a lone dash or quotation mark is none).
pub(super) fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(start: usize, end: usize, word: u32, tag: &str) -> TokenPrediction {
        TokenPrediction {
            span: Span::new(start, end),
            word: Some(word),
            tag: Tag::parse(tag).unwrap(),
            probability: 0.5,
            source_probability: 0.0,
        }
    }

    fn spans(units: &[TokenPrediction]) -> Vec<(Layer, usize, usize)> {
        decode_bio(units)
            .into_iter()
            .map(|s| (s.layer, s.span.start, s.span.end))
            .collect()
    }

    #[test]
    fn begin_inside_outside() {
        // "Smith said he left": SOURCE, CUE, CONTENT CONTENT
        let units = [
            token(0, 5, 0, "B-SOURCE"),
            token(6, 10, 1, "B-CUE"),
            token(11, 13, 2, "B-CONTENT"),
            token(14, 18, 3, "I-CONTENT"),
        ];
        assert_eq!(
            spans(&units),
            vec![
                (Layer::Source, 0, 5),
                (Layer::Cue, 6, 10),
                (Layer::Content, 11, 18)
            ]
        );
    }

    #[test]
    fn inside_without_begin_opens_a_span() {
        let units = [
            token(0, 3, 0, "O"),
            token(4, 7, 1, "I-CONTENT"),
            token(8, 9, 2, "I-CONTENT"),
        ];
        assert_eq!(spans(&units), vec![(Layer::Content, 4, 9)]);
    }

    #[test]
    fn inside_of_another_layer_closes_and_opens() {
        let units = [
            token(0, 3, 0, "B-CONTENT"),
            token(4, 7, 1, "I-SOURCE"),
            token(8, 9, 2, "I-SOURCE"),
        ];
        assert_eq!(
            spans(&units),
            vec![(Layer::Content, 0, 3), (Layer::Source, 4, 9)]
        );
    }

    #[test]
    fn begin_after_begin_of_the_same_layer_splits() {
        let units = [token(0, 3, 0, "B-CONTENT"), token(4, 7, 1, "B-CONTENT")];
        assert_eq!(
            spans(&units),
            vec![(Layer::Content, 0, 3), (Layer::Content, 4, 7)]
        );
    }

    #[test]
    fn a_span_at_the_end_is_closed() {
        let units = [token(0, 3, 0, "O"), token(4, 7, 1, "B-SOURCE")];
        assert_eq!(spans(&units), vec![(Layer::Source, 4, 7)]);
        assert!(spans(&[]).is_empty());
    }

    #[test]
    fn confidence_is_the_mean_probability() {
        let mut units = [token(0, 3, 0, "B-CUE"), token(4, 7, 1, "I-CUE")];
        units[1].probability = 1.0;
        let decoded = decode_bio(&units);
        assert!((decoded[0].confidence - 0.75).abs() < 1e-9);
    }

    #[test]
    fn a_word_takes_the_tag_of_its_first_piece() {
        // "unbelievable" as un ##bel ##ievable, the later pieces predicted O.
        let tokens = [
            token(0, 2, 0, "B-CONTENT"),
            token(2, 5, 0, "O"),
            token(5, 12, 0, "O"),
            token(13, 15, 1, "I-CONTENT"),
        ];
        let units = words(&tokens);
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].span, Span::new(0, 12));
        assert_eq!(spans(&units), vec![(Layer::Content, 0, 15)]);
    }

    #[test]
    fn tokens_without_a_word_stay_apart() {
        let mut a = token(0, 1, 0, "B-CUE");
        let mut b = token(1, 2, 0, "I-CUE");
        a.word = None;
        b.word = None;
        assert_eq!(words(&[a, b]).len(), 2);
    }
}

#[cfg(test)]
mod tidy_tests {
    use super::*;
    use crate::dataset::Article;

    fn span(layer: Layer, start: usize, end: usize) -> LayerSpan {
        LayerSpan {
            layer,
            span: Span::new(start, end),
            confidence: 0.5,
        }
    }

    #[test]
    fn close_content_pieces_merge_and_fragments_go() {
        // "we will win the vote , he said . ok"
        let article = Article::new("a", "we will win the vote , he said . ok");
        let spans = vec![
            span(Layer::Content, 0, 11),
            span(Layer::Content, 12, 20),
            span(Layer::Source, 23, 25),
            span(Layer::Content, 33, 35),
        ];
        let tidy = tidy_contents(&article, spans.clone(), Some(2), 2, 0.0);
        assert_eq!(
            tidy.iter()
                .map(|s| (s.layer, s.span.start, s.span.end))
                .collect::<Vec<_>>(),
            vec![(Layer::Content, 0, 20), (Layer::Source, 23, 25)]
        );
        // Off by default: nothing changes.
        assert_eq!(tidy_contents(&article, spans.clone(), None, 0, 0.0), spans);
    }

    #[test]
    fn contents_the_tagger_is_unsure_of_are_dropped() {
        let article = Article::new("a", "we will win the vote , he said");
        let sure = LayerSpan {
            confidence: 0.9,
            ..span(Layer::Content, 0, 11)
        };
        let unsure = LayerSpan {
            confidence: 0.4,
            ..span(Layer::Content, 12, 20)
        };
        let source = span(Layer::Source, 23, 25);
        let spans = vec![sure.clone(), unsure, source.clone()];
        assert_eq!(
            tidy_contents(&article, spans.clone(), None, 0, 0.6),
            vec![sure, source],
            "sources and cues are kept whatever their confidence"
        );
        assert_eq!(tidy_contents(&article, spans.clone(), None, 0, 0.0), spans);
    }

    #[test]
    fn a_source_between_two_contents_keeps_them_apart() {
        let article = Article::new("a", "we win , he said , we go");
        let spans = vec![
            span(Layer::Content, 0, 6),
            span(Layer::Source, 9, 11),
            span(Layer::Content, 19, 24),
        ];
        assert_eq!(
            tidy_contents(&article, spans.clone(), Some(100), 0, 0.0),
            spans
        );
    }
}
