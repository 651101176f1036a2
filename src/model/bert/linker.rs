//! A learned linker: for each CONTENT span, a log-linear model scores every candidate
//! speaker (the tagged SOURCE spans and the words the tagger thought likely sources),
//! an empty speaker and no row at all, and the best option wins.
//!
//! The hand-written ordering in [`super::link`] takes the same evidence (sentence, cue,
//! distance, SOURCE probability) but weighs it by fiat; here the weights are fitted on
//! the tagger's own output over a training set with gold speakers
//! (`attr-eval train linker`), so that, say, a pronoun right after a direct quote can
//! outweigh a name two clauses away.

use super::decode::{LayerSpan, TokenPrediction, word_count};
use super::labels::Layer;
use super::link::{CUE_NEAR_SOURCE, between, gap, quote_type, trimmed};
use crate::attribution::{Attribution, QuoteType, Span};
use crate::dataset::Article;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Words the tagger gave at least this SOURCE probability are candidates even when
/// another tag won: the speaker is often there, just under the winning tag.
const CANDIDATE_SOURCE_PROBABILITY: f32 = 0.05;

/// Pronouns that name a speaker; the tagger tags them as sources and PolNeAR's gold
/// mentions are often exactly these words.
const PRONOUNS: [&str; 14] = [
    "he", "she", "they", "we", "i", "it", "you", "him", "her", "them", "us", "me", "his", "their",
];

/// Declares the features once: the enum that indexes a feature vector, and their names
/// in the same order (`linker.json` carries the names, so a file fitted for other
/// features is refused).
macro_rules! features {
    ($($variant:ident => $name:literal,)*) => {
        #[derive(Debug, Clone, Copy)]
        enum Feature { $($variant,)* }

        /// The features of one option, by name; the order is the weight vector's.
        pub const FEATURES: &[&str] = &[$($name,)*];
    };
}

features! {
    Tagged => "candidate: tagged source",
    LikelyWord => "candidate: likely-source word",
    SourceProbability => "candidate: SOURCE probability",
    SourceLogOdds => "candidate: SOURCE log-odds / 7",
    SameSentence => "candidate: same sentence",
    NextOrPreviousSentence => "candidate: next or previous sentence",
    Before => "candidate: before the content",
    LogGap => "candidate: ln(1 + gap) / 6",
    Touching => "candidate: gap <= 3",
    CueBetween => "candidate: cue between",
    CueBeside => "candidate: cue beside it, outside",
    ContentBetween => "candidate: another content between",
    InsideContent => "candidate: inside another content",
    Nearest => "candidate: nearest candidate",
    SecondNearest => "candidate: second nearest",
    SourceBetween => "candidate: a tagged source between",
    Pronoun => "candidate: pronoun",
    Capitalized => "candidate: capitalized",
    LogWords => "candidate: ln(1 + words)",
    LikeliestInSentence => "candidate: most likely source of its sentence",
    DirectBefore => "candidate: direct content x before",
    DirectSameSentence => "candidate: direct content x same sentence",
    ContentConfidence => "candidate: content confidence",
    ContentDirect => "candidate: content is direct",
    ContentLength => "candidate: ln(content words) / 4",
    ContentThat => "candidate: content starts with 'that'",
    CueRightAfter => "candidate: a cue right after it",
    CueRightBefore => "candidate: a cue right before it",
    SameSentenceLogGap => "candidate: same sentence x ln(1 + gap) / 6",
    FirstInSentence => "candidate: first candidate of its sentence",
    EmptyBias => "empty: bias",
    EmptyConfidence => "empty: content confidence",
    EmptyDirect => "empty: content is direct",
    EmptyNoneInSentence => "empty: no candidate in the sentence",
    EmptyNoCandidate => "empty: no candidate at all",
    EmptyContentLength => "empty: ln(content words) / 4",
}

const FEATURE_COUNT: usize = FEATURES.len();

/// The fitted weights; [`FEATURES`] names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Linker {
    pub features: Vec<String>,
    pub weights: Vec<f64>,
}

impl Linker {
    /// Checks that the weights belong to this build's features (a file from another
    /// version would silently score garbage otherwise).
    pub fn from_json(bytes: &[u8]) -> Result<Linker, String> {
        let linker: Linker = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if linker.features != FEATURES {
            return Err(format!(
                "its features are not this build's ({} features, {} expected): train it \
                 again with `attr-eval train linker`",
                linker.features.len(),
                FEATURE_COUNT
            ));
        }
        if linker.weights.len() != FEATURE_COUNT || linker.weights.iter().any(|w| !w.is_finite()) {
            return Err(format!("it needs {FEATURE_COUNT} finite weights"));
        }
        Ok(linker)
    }

    fn score(&self, features: &[f64; FEATURE_COUNT]) -> f64 {
        self.weights.iter().zip(features).map(|(w, x)| w * x).sum()
    }
}

/// A possible speaker of a content.
#[derive(Debug, Clone)]
struct Candidate {
    span: Span,
    text: String,
    tagged: bool,
    source_probability: f32,
}

/// What a content may be given: one of its candidates, an empty speaker, or no row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Candidate(usize),
    Empty,
    NoRow,
}

/// One content with the features of every option (candidates first, then the empty
/// speaker; "no row" scores 0 and needs none).
#[derive(Debug, Clone)]
struct ContentOptions {
    content: Span,
    content_text: String,
    confidence: f64,
    candidates: Vec<Candidate>,
    features: Vec<[f64; FEATURE_COUNT]>,
}

/// The best-scored option, given the features of every candidate and, last, of the
/// empty speaker. "No row" scores 0 and wins ties: a row must earn its place.
fn choose(features: &[[f64; FEATURE_COUNT]], linker: &Linker) -> Choice {
    let candidates = features.len().saturating_sub(1);
    let mut best = (Choice::NoRow, 0.0);
    for (i, x) in features.iter().enumerate() {
        let choice = if i < candidates {
            Choice::Candidate(i)
        } else {
            Choice::Empty
        };
        let score = linker.score(x);
        if score > best.1 {
            best = (choice, score);
        }
    }
    best.0
}

/// Sentence ends of an article as code-point positions: a newline, or `.`, `!`, `?`
/// (perhaps followed by closing quotation marks) before white space.
struct Sentences {
    ends: Vec<usize>,
}

impl Sentences {
    fn new(article: &Article) -> Sentences {
        let chars: Vec<char> = article.text.chars().collect();
        let mut ends = Vec::new();
        for (i, &c) in chars.iter().enumerate() {
            let end = c == '\n'
                || (matches!(c, '.' | '!' | '?') && {
                    let after = chars[i + 1..]
                        .iter()
                        .find(|&&c| !matches!(c, '"' | '”' | '’' | '\''));
                    after.is_some_and(|c| c.is_whitespace())
                });
            if end {
                ends.push(i);
            }
        }
        Sentences { ends }
    }

    /// Sentence ends between two spans.
    fn between(&self, a: Span, b: Span) -> usize {
        let (left, right) = if a.start <= b.start { (a, b) } else { (b, a) };
        if left.end >= right.start {
            return 0;
        }
        let from = self.ends.partition_point(|&p| p < left.end);
        let to = self.ends.partition_point(|&p| p < right.start);
        to - from
    }
}

/// Every content of the article with its options, given the tagger's words and spans.
fn content_options(
    article: &Article,
    spans: &[LayerSpan],
    words: &[TokenPrediction],
    max_distance: usize,
) -> Vec<ContentOptions> {
    let sentences = Sentences::new(article);
    let of_layer = |layer: Layer| -> Vec<(Span, String, f64)> {
        spans
            .iter()
            .filter(|s| s.layer == layer)
            .filter_map(|s| {
                let (span, text) = trimmed(article, s.span)?;
                Some((span, text, s.confidence))
            })
            .collect()
    };
    let sources = of_layer(Layer::Source);
    let cues: Vec<Span> = of_layer(Layer::Cue).into_iter().map(|c| c.0).collect();
    let contents = of_layer(Layer::Content);

    let mean_source_probability = |span: Span| -> f32 {
        let inside: Vec<f32> = words
            .iter()
            .filter(|w| span.start <= w.span.start && w.span.end <= span.end)
            .map(|w| w.source_probability)
            .collect();
        if inside.is_empty() {
            0.0
        } else {
            inside.iter().sum::<f32>() / inside.len() as f32
        }
    };
    let mut all_candidates: Vec<Candidate> = sources
        .iter()
        .map(|(span, text, _)| Candidate {
            span: *span,
            text: text.clone(),
            tagged: true,
            source_probability: mean_source_probability(*span),
        })
        .collect();
    for word in words {
        if word.source_probability < CANDIDATE_SOURCE_PROBABILITY
            || matches!(word.tag.layer(), Some(Layer::Source | Layer::Cue))
        {
            continue;
        }
        let Some((span, text)) = trimmed(article, word.span) else {
            continue;
        };
        if !text.chars().any(char::is_alphanumeric)
            || sources.iter().any(|(s, _, _)| s.overlaps(&span))
        {
            continue;
        }
        all_candidates.push(Candidate {
            span,
            text,
            tagged: false,
            source_probability: word.source_probability,
        });
    }

    contents
        .iter()
        .map(|(content, content_text, confidence)| {
            let mut candidates: Vec<Candidate> = all_candidates
                .iter()
                .filter(|c| gap(c.span, *content) <= max_distance)
                .filter(|c| !c.span.overlaps(content))
                .cloned()
                .collect();
            candidates.sort_by_key(|c| (gap(c.span, *content), c.span.start));
            let features = features(
                &sentences,
                *content,
                content_text,
                *confidence,
                &candidates,
                &sources,
                &cues,
                &contents,
            );
            ContentOptions {
                content: *content,
                content_text: content_text.clone(),
                confidence: *confidence,
                candidates,
                features,
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn features(
    sentences: &Sentences,
    content: Span,
    content_text: &str,
    confidence: f64,
    candidates: &[Candidate],
    sources: &[(Span, String, f64)],
    cues: &[Span],
    contents: &[(Span, String, f64)],
) -> Vec<[f64; FEATURE_COUNT]> {
    use Feature::*;
    let direct = quote_type(content_text) == QuoteType::Direct;
    let content_words = (word_count(content_text).max(1) as f64).ln() / 4.0;
    let starts_with_that = content_text
        .split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("that"));
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let best_in_sentence = candidates
        .iter()
        .filter(|c| sentences.between(c.span, content) == 0)
        .map(|c| c.source_probability)
        .fold(f32::NEG_INFINITY, f32::max);
    let mut rows = Vec::with_capacity(candidates.len() + 1);
    for (rank, candidate) in candidates.iter().enumerate() {
        let span = candidate.span;
        let sentence_ends = sentences.between(span, content);
        let before = span.end <= content.start;
        let distance = gap(span, content);
        let p = candidate.source_probability.clamp(1e-3, 1.0 - 1e-3);
        let lower = candidate.text.to_lowercase();
        let mut x = [0.0; FEATURE_COUNT];
        x[Tagged as usize] = flag(candidate.tagged);
        x[LikelyWord as usize] = flag(!candidate.tagged);
        x[SourceProbability as usize] = f64::from(candidate.source_probability);
        x[SourceLogOdds as usize] = f64::from((p / (1.0 - p)).ln()) / 7.0;
        x[SameSentence as usize] = flag(sentence_ends == 0);
        x[NextOrPreviousSentence as usize] = flag(sentence_ends == 1);
        x[Before as usize] = flag(before);
        x[LogGap as usize] = (1.0 + distance as f64).ln() / 6.0;
        x[Touching as usize] = flag(distance <= 3);
        x[CueBetween as usize] = flag(cues.iter().any(|cue| between(*cue, span, content)));
        x[CueBeside as usize] = flag(cues.iter().any(|cue| {
            !between(*cue, span, content)
                && !cue.overlaps(&content)
                && gap(*cue, span) <= CUE_NEAR_SOURCE
        }));
        x[ContentBetween as usize] = flag(
            contents
                .iter()
                .any(|(other, _, _)| *other != content && between(*other, span, content)),
        );
        x[InsideContent as usize] = flag(
            contents
                .iter()
                .any(|(other, _, _)| *other != content && other.overlaps(&span)),
        );
        x[Nearest as usize] = flag(rank == 0);
        x[SecondNearest as usize] = flag(rank == 1);
        x[SourceBetween as usize] = flag(
            sources
                .iter()
                .any(|(other, _, _)| *other != span && between(*other, span, content)),
        );
        x[Pronoun as usize] = flag(PRONOUNS.contains(&lower.as_str()));
        x[Capitalized as usize] = flag(
            candidate
                .text
                .chars()
                .next()
                .is_some_and(char::is_uppercase),
        );
        x[LogWords as usize] = (1.0 + word_count(&candidate.text) as f64).ln();
        x[LikeliestInSentence as usize] =
            flag(sentence_ends == 0 && candidate.source_probability >= best_in_sentence);
        x[DirectBefore as usize] = flag(direct && before);
        x[DirectSameSentence as usize] = flag(direct && sentence_ends == 0);
        x[ContentConfidence as usize] = confidence;
        x[ContentDirect as usize] = flag(direct);
        x[ContentLength as usize] = content_words;
        x[ContentThat as usize] = flag(starts_with_that);
        x[CueRightAfter as usize] = flag(
            cues.iter()
                .any(|cue| cue.start >= span.end && cue.start - span.end <= 3),
        );
        x[CueRightBefore as usize] = flag(
            cues.iter()
                .any(|cue| cue.end <= span.start && span.start - cue.end <= 3),
        );
        x[SameSentenceLogGap as usize] = x[SameSentence as usize] * x[LogGap as usize];
        x[FirstInSentence as usize] = flag(
            sentence_ends == 0
                && !candidates.iter().any(|other| {
                    other.span.start < span.start && sentences.between(other.span, span) == 0
                }),
        );
        rows.push(x);
    }
    let mut empty = [0.0; FEATURE_COUNT];
    empty[EmptyBias as usize] = 1.0;
    empty[EmptyConfidence as usize] = confidence;
    empty[EmptyDirect as usize] = flag(direct);
    empty[EmptyNoneInSentence as usize] = flag(
        candidates
            .iter()
            .all(|c| sentences.between(c.span, content) > 0),
    );
    empty[EmptyNoCandidate as usize] = flag(candidates.is_empty());
    empty[EmptyContentLength as usize] = content_words;
    rows.push(empty);
    rows
}

/// The article's rows: each content gets the option the linker scores highest.
pub fn link_learned(
    article: &Article,
    spans: &[LayerSpan],
    words: &[TokenPrediction],
    max_distance: usize,
    linker: &Linker,
) -> Vec<Attribution> {
    let cues: Vec<(Span, String)> = spans
        .iter()
        .filter(|s| s.layer == Layer::Cue)
        .filter_map(|s| trimmed(article, s.span))
        .collect();
    content_options(article, spans, words, max_distance)
        .into_iter()
        .filter_map(|options| {
            let source = match choose(&options.features, linker) {
                Choice::NoRow => return None,
                Choice::Empty => None,
                Choice::Candidate(i) => Some(&options.candidates[i]),
            };
            let content = options.content;
            let cue = source.and_then(|source| {
                cues.iter()
                    .filter(|(cue, _)| between(*cue, source.span, content))
                    .min_by_key(|(cue, _)| gap(*cue, source.span))
                    .or_else(|| {
                        cues.iter()
                            .filter(|(cue, _)| !cue.overlaps(&content))
                            .filter(|(cue, _)| gap(*cue, source.span) <= CUE_NEAR_SOURCE)
                            .min_by_key(|(cue, _)| gap(*cue, source.span))
                    })
            });
            Some(Attribution {
                article_id: article.id.clone(),
                quote: options.content_text.clone(),
                speaker: source.map(|s| s.text.clone()).unwrap_or_default(),
                quote_span: Some(content),
                quote_type: Some(quote_type(&options.content_text)),
                cue: cue.map(|(_, text)| text.clone()),
                speaker_mention: source.map(|s| s.text.clone()),
                mention_span: source.map(|s| s.span),
                confidence: Some(options.confidence),
                mention_type: None,
            })
        })
        .collect()
}

/// The speaker each content would get when every content must have one (the speakers
/// task, docs/tasks.md#speakers, where every given quote has a speaker): the candidate
/// the linker scores highest, "no row" and the empty speaker set aside; `None` where no
/// candidate is within reach. Each content comes with its span, trimmed.
pub fn pick_speakers(
    article: &Article,
    spans: &[LayerSpan],
    words: &[TokenPrediction],
    max_distance: usize,
    linker: &Linker,
) -> Vec<(Span, Option<(Span, String)>)> {
    content_options(article, spans, words, max_distance)
        .into_iter()
        .map(|options| {
            let best = options
                .candidates
                .iter()
                .zip(&options.features)
                .map(|(candidate, x)| (candidate, linker.score(x)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(candidate, _)| (candidate.span, candidate.text.clone()));
            (options.content, best)
        })
        .collect()
}

/// One content of a training article: its options and which of them are right.
#[derive(Debug, Clone)]
pub struct Example {
    features: Vec<[f64; FEATURE_COUNT]>,
    /// Indices into `features` that are right; empty when "no row" is.
    right: Vec<usize>,
}

/// Positions of alphanumeric characters, for the text-free span similarity of
/// docs/scoring.md#similarity.
fn alphanumeric(chars: &[char], span: Span) -> impl Iterator<Item = usize> + '_ {
    (span.start..span.end.min(chars.len())).filter(|&i| chars[i].is_alphanumeric())
}

/// The offset similarity (docs/scoring.md#similarity) of two spans: 2|A∩B| / (|A| + |B|) over
/// alphanumeric positions.
fn similarity(chars: &[char], a: Span, b: Span) -> f64 {
    let size = |s: Span| alphanumeric(chars, s).count();
    let shared = alphanumeric(chars, Span::new(a.start.max(b.start), a.end.min(b.end))).count();
    let total = size(a) + size(b);
    if total == 0 {
        0.0
    } else {
        2.0 * shared as f64 / total as f64
    }
}

/// Labels every content the tagger found in a training article against the gold rows:
/// the gold row whose quote it matches best (similarity at least `overlap`) says which
/// options are right: the candidates that share a position with the gold mention, the
/// empty speaker when the gold has none, and "no row" when no candidate is right or no
/// gold quote matches (a row there could only be wrong).
pub fn examples(
    article: &Article,
    spans: &[LayerSpan],
    words: &[TokenPrediction],
    gold: &[Attribution],
    max_distance: usize,
    overlap: f64,
) -> Vec<Example> {
    let chars: Vec<char> = article.text.chars().collect();
    content_options(article, spans, words, max_distance)
        .into_iter()
        .map(|options| {
            let best = gold
                .iter()
                .filter_map(|g| Some((g, similarity(&chars, g.quote_span?, options.content))))
                .filter(|(_, sim)| *sim >= overlap)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(g, _)| g);
            let right = match best {
                None => Vec::new(),
                Some(g) => match g.mention_span {
                    Some(mention) => (0..options.candidates.len())
                        .filter(|&i| options.candidates[i].span.overlaps(&mention))
                        .collect(),
                    None if g.speaker.trim().is_empty() => vec![options.candidates.len()],
                    None => Vec::new(),
                },
            };
            Example {
                features: options.features,
                right,
            }
        })
        .collect()
}

/// How a fit went.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    pub examples: usize,
    pub options: usize,
    /// Mean negative log-likelihood per example, before and after.
    pub initial_loss: f64,
    pub final_loss: f64,
    /// Share of examples whose best-scored option is right, after the fit.
    pub accuracy: f64,
}

/// Fits the weights by full-batch Adam on the conditional log-likelihood (the right
/// options' share of the softmax over all options, "no row" scoring 0) with an L2
/// penalty. Deterministic: no sampling, a fixed number of steps, examples in order.
pub fn fit(examples: &[Example], steps: usize, l2: f64) -> (Linker, FitReport) {
    let mut weights = vec![0.0f64; FEATURE_COUNT];
    let (mut m, mut v) = (vec![0.0f64; FEATURE_COUNT], vec![0.0f64; FEATURE_COUNT]);
    let (rate, beta1, beta2) = (0.05, 0.9, 0.999);
    let n = examples.len().max(1) as f64;
    let initial_loss = loss_and_gradient(examples, &weights, l2).0 / n;
    for step in 1..=steps {
        let (_, gradient) = loss_and_gradient(examples, &weights, l2);
        for i in 0..FEATURE_COUNT {
            let g = gradient[i] / n;
            m[i] = beta1 * m[i] + (1.0 - beta1) * g;
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g;
            let m_hat = m[i] / (1.0 - beta1.powi(step as i32));
            let v_hat = v[i] / (1.0 - beta2.powi(step as i32));
            weights[i] -= rate * m_hat / (v_hat.sqrt() + 1e-8);
        }
    }
    let final_loss = loss_and_gradient(examples, &weights, l2).0 / n;
    let linker = Linker {
        features: FEATURES.iter().map(|f| f.to_string()).collect(),
        weights,
    };
    let right = examples
        .iter()
        .filter(|e| match choose(&e.features, &linker) {
            Choice::NoRow => e.right.is_empty(),
            Choice::Empty => e.right.contains(&(e.features.len() - 1)),
            Choice::Candidate(i) => e.right.contains(&i),
        })
        .count();
    let report = FitReport {
        examples: examples.len(),
        options: examples.iter().map(|e| e.features.len() + 1).sum(),
        initial_loss,
        final_loss,
        accuracy: right as f64 / n,
    };
    (linker, report)
}

/// Summed negative log-likelihood with the L2 penalty (scaled by the example count so
/// that it does not fade on large sets), and its gradient. Examples are summed in fixed
/// chunks on rayon's threads and the chunks' sums added in order, so the result does not
/// depend on the thread count.
fn loss_and_gradient(examples: &[Example], weights: &[f64], l2: f64) -> (f64, Vec<f64>) {
    let partial: Vec<(f64, Vec<f64>)> = examples
        .par_chunks(1024)
        .map(|chunk| chunk_loss_and_gradient(chunk, weights))
        .collect();
    let mut loss = 0.0;
    let mut gradient = vec![0.0; FEATURE_COUNT];
    for (chunk_loss, chunk_gradient) in partial {
        loss += chunk_loss;
        for (g, c) in gradient.iter_mut().zip(chunk_gradient) {
            *g += c;
        }
    }
    let n = examples.len().max(1) as f64;
    for (g, w) in gradient.iter_mut().zip(weights) {
        loss += 0.5 * l2 * n * w * w;
        *g += l2 * n * w;
    }
    (loss, gradient)
}

fn chunk_loss_and_gradient(examples: &[Example], weights: &[f64]) -> (f64, Vec<f64>) {
    let mut loss = 0.0;
    let mut gradient = vec![0.0; FEATURE_COUNT];
    let mut scores = Vec::new();
    for example in examples {
        scores.clear();
        scores.extend(
            example
                .features
                .iter()
                .map(|x| weights.iter().zip(x).map(|(w, x)| w * x).sum::<f64>()),
        );
        // "No row" scores 0: it is the softmax's reference option.
        let peak = scores.iter().copied().fold(0.0f64, f64::max);
        let all: f64 = (-peak).exp() + scores.iter().map(|s| (s - peak).exp()).sum::<f64>();
        let right: f64 = if example.right.is_empty() {
            (-peak).exp()
        } else {
            example
                .right
                .iter()
                .map(|&i| (scores[i] - peak).exp())
                .sum()
        };
        loss += all.ln() - right.ln();
        for (i, x) in example.features.iter().enumerate() {
            let p = (scores[i] - peak).exp() / all;
            let q = if example.right.contains(&i) {
                (scores[i] - peak).exp() / right
            } else {
                0.0
            };
            for (g, x) in gradient.iter_mut().zip(x) {
                *g += (p - q) * x;
            }
        }
    }
    (loss, gradient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::bert::labels::Tag;
    use crate::model::bert::link::span_of;

    fn feature(name: &str) -> usize {
        FEATURES.iter().position(|f| *f == name).expect("a feature")
    }

    /// A linker that only looks at the named features.
    fn linker_with(weights: &[(&str, f64)]) -> Linker {
        let mut all = vec![0.0; FEATURE_COUNT];
        for (name, w) in weights {
            all[feature(name)] = *w;
        }
        Linker {
            features: FEATURES.iter().map(|f| f.to_string()).collect(),
            weights: all,
        }
    }

    const TEXT: &str = "Lavrov spoke first. “It is over,” Peskov said. Talks ended.";

    fn tagged() -> (Article, Vec<LayerSpan>) {
        let article = Article::new("a", TEXT);
        let spans = vec![
            span_of(&article, "Lavrov", Layer::Source),
            span_of(&article, "“It is over,”", Layer::Content),
            span_of(&article, "Peskov", Layer::Source),
            span_of(&article, "said", Layer::Cue),
        ];
        (article, spans)
    }

    #[test]
    fn sentence_ends_are_counted_between_spans() {
        let article = Article::new("a", "One. Two! “Three.” Four\nfive");
        let sentences = Sentences::new(&article);
        let at = |needle: &str| {
            let byte = article.text.find(needle).unwrap();
            article.span_of_bytes(byte..byte + needle.len()).unwrap()
        };
        assert_eq!(sentences.between(at("One"), at("Two")), 1);
        assert_eq!(sentences.between(at("Two"), at("One")), 1);
        assert_eq!(sentences.between(at("One"), at("Four")), 3);
        assert_eq!(sentences.between(at("Four"), at("five")), 1);
        assert_eq!(sentences.between(at("One"), at("One")), 0);
    }

    #[test]
    fn the_linker_follows_its_weights() {
        let (article, spans) = tagged();
        // Same-sentence sources win: Peskov, not Lavrov, although both are candidates.
        let linker = linker_with(&[("candidate: same sentence", 2.0)]);
        let rows = link_learned(&article, &spans, &[], 300, &linker);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].speaker, "Peskov");
        assert_eq!(rows[0].cue.as_deref(), Some("said"));
        assert_eq!(article.slice(rows[0].mention_span.unwrap()), Some("Peskov"));
        // Sources before the content win: Lavrov.
        let linker = linker_with(&[("candidate: before the content", 2.0)]);
        assert_eq!(
            link_learned(&article, &spans, &[], 300, &linker)[0].speaker,
            "Lavrov"
        );
        // An empty speaker scoring above 0 beats candidates scoring 0.
        let linker = linker_with(&[("empty: bias", 1.0)]);
        let rows = link_learned(&article, &spans, &[], 300, &linker);
        assert_eq!((rows[0].speaker.as_str(), rows[0].mention_span), ("", None));
        // Nothing scoring above 0: "no row" wins.
        let linker = linker_with(&[("empty: bias", -1.0), ("candidate: tagged source", -1.0)]);
        assert!(link_learned(&article, &spans, &[], 300, &linker).is_empty());
    }

    #[test]
    fn when_every_content_needs_a_speaker_the_best_candidate_is_picked_whatever_no_row_scores() {
        let (article, spans) = tagged();
        // Where link_learned would give no row, the speakers task still gets a speaker:
        // the candidate the linker scores highest (Peskov, of the same sentence).
        let linker = linker_with(&[
            ("empty: bias", -1.0),
            ("candidate: tagged source", -3.0),
            ("candidate: same sentence", 1.0),
        ]);
        assert!(link_learned(&article, &spans, &[], 300, &linker).is_empty());
        let picks = pick_speakers(&article, &spans, &[], 300, &linker);
        assert_eq!(picks.len(), 1);
        let (mention_span, mention) = picks[0].1.clone().expect("a candidate is in reach");
        assert_eq!(mention, "Peskov");
        assert_eq!(article.slice(mention_span), Some("Peskov"));
        // Out of reach, nothing is picked.
        assert_eq!(pick_speakers(&article, &spans, &[], 0, &linker)[0].1, None);
    }

    #[test]
    fn likely_source_words_are_candidates_too() {
        let article = Article::new("a", "“It is over,” the minister said.");
        let spans = vec![
            span_of(&article, "“It is over,”", Layer::Content),
            span_of(&article, "said", Layer::Cue),
        ];
        let word = |needle: &str, tag: &str, source: f32| {
            let byte = article.text.find(needle).unwrap();
            TokenPrediction {
                span: article.span_of_bytes(byte..byte + needle.len()).unwrap(),
                word: None,
                tag: Tag::parse(tag).unwrap(),
                probability: 0.5,
                source_probability: source,
            }
        };
        let words = vec![
            word("the", "O", 0.01),
            word("minister", "O", 0.4),
            word("said", "B-CUE", 0.3),
        ];
        let linker = linker_with(&[("candidate: SOURCE probability", 1.0)]);
        let rows = link_learned(&article, &spans, &words, 300, &linker);
        // "the" is under the floor and "said" is a cue: the minister speaks.
        assert_eq!(rows[0].speaker, "minister");
    }

    fn gold(article: &Article, quote: &str, mention: Option<&str>) -> Attribution {
        let at = |needle: &str| {
            let byte = article.text.find(needle).unwrap();
            article.span_of_bytes(byte..byte + needle.len()).unwrap()
        };
        Attribution {
            article_id: article.id.clone(),
            quote: quote.into(),
            speaker: mention.unwrap_or_default().into(),
            quote_span: Some(at(quote)),
            quote_type: None,
            cue: None,
            speaker_mention: mention.map(str::to_string),
            mention_span: mention.map(at),
            confidence: None,
            mention_type: None,
        }
    }

    #[test]
    fn examples_mark_the_options_the_gold_makes_right() {
        let (article, spans) = tagged();
        let labels = |gold: &[Attribution]| -> Vec<usize> {
            let examples = examples(&article, &spans, &[], gold, 300, 0.5);
            assert_eq!(examples.len(), 1);
            examples[0].right.clone()
        };
        // Candidates are sorted by distance: Peskov (adjacent) first, then Lavrov.
        assert_eq!(labels(&[gold(&article, "It is over", Some("Peskov"))]), [0]);
        assert_eq!(labels(&[gold(&article, "It is over", Some("Lavrov"))]), [1]);
        // A gold row without a speaker makes the empty speaker (after 2 candidates) right.
        assert_eq!(labels(&[gold(&article, "It is over", None)]), [2]);
        // A gold speaker no candidate reaches, or no matching gold quote: no row.
        assert!(labels(&[gold(&article, "Talks ended", Some("Talks"))]).is_empty());
        assert!(labels(&[gold(&article, "It is over", Some("spoke"))]).is_empty());
    }

    #[test]
    fn the_fit_learns_which_option_is_right_and_is_deterministic() {
        let (article, spans) = tagged();
        // Twenty articles in which the speaker is the candidate after the content.
        let mut all = Vec::new();
        for _ in 0..20 {
            all.extend(examples(
                &article,
                &spans,
                &[],
                &[gold(&article, "It is over", Some("Peskov"))],
                300,
                0.5,
            ));
        }
        let (linker, report) = fit(&all, 200, 1e-4);
        assert!(report.final_loss < report.initial_loss / 10.0, "{report:?}");
        assert_eq!(report.accuracy, 1.0);
        assert_eq!(
            link_learned(&article, &spans, &[], 300, &linker)[0].speaker,
            "Peskov"
        );
        assert_eq!(fit(&all, 200, 1e-4).0, linker);
    }

    #[test]
    fn the_fit_does_not_depend_on_the_thread_count() {
        let (article, spans) = tagged();
        let golds = [
            gold(&article, "It is over", Some("Peskov")),
            gold(&article, "It is over", Some("Lavrov")),
            gold(&article, "It is over", None),
        ];
        // More examples than one chunk of the parallel sum, with conflicting labels so
        // that the weights come out of many non-trivial additions.
        let all: Vec<Example> = (0..3000)
            .flat_map(|i| {
                let gold = std::slice::from_ref(&golds[i % 3]);
                examples(&article, &spans, &[], gold, 300, 0.5)
            })
            .collect();
        let fit_on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| fit(&all, 50, 1e-4).0)
        };
        assert_eq!(fit_on(1), fit_on(3));
    }

    #[test]
    fn weights_of_other_features_are_refused() {
        let linker = linker_with(&[]);
        let json = serde_json::to_vec(&linker).unwrap();
        assert_eq!(Linker::from_json(&json).unwrap(), linker);
        let mut other = linker.clone();
        other.features[0] = "something else".into();
        let error = Linker::from_json(&serde_json::to_vec(&other).unwrap()).unwrap_err();
        assert!(error.contains("train it again"), "{error}");
        let mut short = linker;
        short.weights.pop();
        assert!(Linker::from_json(&serde_json::to_vec(&short).unwrap()).is_err());
        assert!(Linker::from_json(b"{").is_err());
    }
}
