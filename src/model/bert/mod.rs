//! `bert:DIR` models: BERT token classifiers whose labels are BIO tags over the PolNeAR
//! layers SOURCE, CUE and CONTENT, run natively through rust-bert (cargo feature `bert`).
//!
//! Everything but the network itself lives here without the feature, so the label
//! checks, window planning and stitching, BIO decoding and linking are built and tested
//! by the default build, which never needs libtorch.

mod decode;
mod given;
mod labels;
mod link;
pub mod linker;
mod windows;

#[cfg(feature = "bert")]
pub(crate) mod net;
#[cfg(feature = "bert")]
pub mod tagger;
#[cfg(feature = "bert")]
pub mod testing;

pub use decode::{LayerSpan, TokenPrediction, decode_bio, tidy_contents, words};
pub use given::answer_given;
pub use labels::{LabelSet, Layer, Tag};
pub use link::{link, quote_type};
pub use linker::Linker;
#[cfg(feature = "bert")]
pub use net::BertModel;
pub use windows::{Window, owners, plan_windows, stitch};

use crate::attribution::{Attribution, Span};
use crate::dataset::Article;
use crate::error::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// How a `bert:` model reads articles. Part of the model's config hash: two runs with
/// different options are different configurations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BertOptions {
    /// Tokens per window, special tokens included; capped at the model's
    /// `max_position_embeddings`.
    pub window_length: usize,
    /// Tokens shared by consecutive windows, so no token is labelled without context;
    /// capped at half the text tokens of a window.
    pub overlap: usize,
    /// Windows per forward pass.
    pub batch_size: usize,
    /// How far (in characters) a SOURCE may be from the CONTENT it is linked to.
    pub max_link_distance: usize,
    /// Content spans at most this many characters apart, with no source or cue between
    /// them, are one quote the tagger broke (`None`: never merge).
    pub content_merge_gap: Option<usize>,
    /// Content spans with fewer words are dropped as stray fragments (0: keep all).
    pub min_content_words: usize,
    /// Content spans whose words' mean tag probability is lower are dropped (0: keep all).
    pub min_content_confidence: f32,
    /// How far (in characters) a source in another sentence than its content may be;
    /// a content whose only source is farther gives no row (`None`: as far as
    /// `max_link_distance`).
    pub max_cross_sentence_link: Option<usize>,
    /// When no tagged source shares the content's sentence, the word of that sentence
    /// with the highest SOURCE probability becomes the source if the probability reaches
    /// this (`None`: never).
    pub source_rescue: Option<f32>,
    /// A fitted linker chooses each content's speaker (or none, or no row) in place of
    /// the hand-written ordering; the three linking options above then do not apply.
    pub linker: Option<Linker>,
    /// libtorch's intra-op threads (process-wide); 0 keeps libtorch's default (every
    /// core). On a busy 2-core machine 1 thread ran the tiny test model 10× faster than
    /// 2, whose OpenMP workers spin against other processes. Not part of the config hash:
    /// it changes speed, not predictions.
    #[serde(skip)]
    pub threads: usize,
}

impl Default for BertOptions {
    fn default() -> Self {
        BertOptions {
            window_length: 512,
            overlap: 128,
            batch_size: 8,
            max_link_distance: 300,
            content_merge_gap: None,
            min_content_words: 0,
            min_content_confidence: 0.0,
            max_cross_sentence_link: None,
            source_rescue: None,
            linker: None,
            threads: 0,
        }
    }
}

impl BertOptions {
    /// Checks the options against a model: `special_tokens` is how many tokens the
    /// tokenizer adds around each window ([CLS] and [SEP] for BERT). Returns the options
    /// with the window capped at the model's maximum and the overlap at half a window
    /// (so the defaults suit models with short position tables too); the record's config
    /// hash is taken over these effective values.
    pub fn effective(&self, max_positions: usize, special_tokens: usize) -> Result<BertOptions> {
        let window_length = self.window_length.min(max_positions);
        if window_length <= special_tokens {
            return Err(Error::Usage(format!(
                "bert: window length {window_length} leaves no room for text beside the \
                 model's {special_tokens} special tokens"
            )));
        }
        let capacity = window_length - special_tokens;
        if self.batch_size == 0 {
            return Err(Error::Usage("bert: batch size must be at least 1".into()));
        }
        Ok(BertOptions {
            window_length,
            overlap: self.overlap.min(capacity / 2),
            ..self.clone()
        })
    }
}

/// A token of the article as the tokenizer cut it: code-point offsets and its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub word: Option<u32>,
}

/// Turns the class probabilities of every window into the article's rows: stitch the
/// windows, take each token's most probable tag, merge subword pieces into words, decode
/// BIO spans and link them.
///
/// `window_probabilities[w][i]` holds the probabilities over `labels` of token
/// `windows[w].start + i`.
pub fn rows_from_windows(
    article: &Article,
    tokens: &[Token],
    windows: &[Window],
    window_probabilities: &[Vec<Vec<f32>>],
    labels: &LabelSet,
    options: &BertOptions,
) -> Vec<Attribution> {
    let words = tag_words(tokens, windows, window_probabilities, labels);
    rows_from_words(article, &words, options)
}

/// The article's rows from its tagged words: BIO spans, tidied, then linked.
pub fn rows_from_words(
    article: &Article,
    words: &[TokenPrediction],
    options: &BertOptions,
) -> Vec<Attribution> {
    let spans = spans_from_words(article, words, options);
    match &options.linker {
        Some(linker) => {
            linker::link_learned(article, &spans, words, options.max_link_distance, linker)
        }
        None => link(article, &spans, words, options),
    }
}

/// The labelled spans of tagged words: BIO decoding, then the contents tidied as the
/// options say. What the linking (hand-written or learned) reads.
pub fn spans_from_words(
    article: &Article,
    words: &[TokenPrediction],
    options: &BertOptions,
) -> Vec<LayerSpan> {
    tidy_contents(
        article,
        decode_bio(words),
        options.content_merge_gap,
        options.min_content_words,
        options.min_content_confidence,
    )
}

/// Stitches the windows' probabilities and gives each word the most probable tag of its
/// first piece.
pub fn tag_words(
    tokens: &[Token],
    windows: &[Window],
    window_probabilities: &[Vec<Vec<f32>>],
    labels: &LabelSet,
) -> Vec<TokenPrediction> {
    let stitched = stitch(tokens.len(), windows, window_probabilities);
    let predictions: Vec<TokenPrediction> = tokens
        .iter()
        .zip(&stitched)
        .filter_map(|(token, probabilities)| {
            let (class, probability) = probabilities
                .iter()
                .copied()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(&b.1))?;
            Some(TokenPrediction {
                span: token.span,
                word: token.word,
                tag: labels.tag(class)?,
                probability,
                source_probability: labels.source_probability(probabilities),
            })
        })
        .collect();
    words(&predictions)
}

/// sha256 of a file, read in pieces (weights run to hundreds of megabytes).
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, e))?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// The model's configuration hash: config.json, the tokenizer file and the options,
/// everything besides the weights that changes what the model predicts.
pub fn config_hash(config_json: &[u8], tokenizer_file: &[u8], options: &BertOptions) -> String {
    let mut hasher = Sha256::new();
    for part in [
        config_json,
        tokenizer_file,
        serde_json::to_string(options)
            .expect("options serialize")
            .as_bytes(),
    ] {
        // Length-prefixed so that moving bytes from one part to the next changes the hash.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    format!("sha256:{:x}", hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> LabelSet {
        LabelSet::from_config(&serde_json::json!({"id2label": {"0": "O", "1": "B-SOURCE",
            "2": "I-SOURCE", "3": "B-CUE", "4": "I-CUE", "5": "B-CONTENT", "6": "I-CONTENT"}}))
        .unwrap()
    }

    /// Whitespace tokens of a text, one word each.
    fn tokens_of(article: &Article) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut start = None;
        for (i, c) in article.text.chars().chain(std::iter::once(' ')).enumerate() {
            match (c.is_whitespace(), start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    tokens.push(Token {
                        span: Span::new(s, i),
                        word: Some(tokens.len() as u32),
                    });
                    start = None;
                }
                _ => {}
            }
        }
        tokens
    }

    fn one_hot(labels: &LabelSet, tag: &str) -> Vec<f32> {
        let mut p = vec![0.0; labels.len()];
        p[labels.id(Tag::parse(tag).unwrap()).unwrap()] = 1.0;
        p
    }

    /// Every window predicts the gold tags, except that a window's tokens within `noise`
    /// of a cut edge are predicted wrong (`O`), as a model starved of context might.
    fn windows_with_noisy_edges(
        tags: &[&str],
        windows: &[Window],
        noise: usize,
        labels: &LabelSet,
    ) -> Vec<Vec<Vec<f32>>> {
        windows
            .iter()
            .map(|w| {
                (w.start..w.end)
                    .map(|t| {
                        let near_cut = (w.start > 0 && t - w.start < noise)
                            || (w.end < tags.len() && w.end - 1 - t < noise);
                        one_hot(labels, if near_cut { "O" } else { tags[t] })
                    })
                    .collect()
            })
            .collect()
    }

    /// The rows decoded from windows of `capacity` tokens overlapping by `overlap` whose
    /// predictions are the gold `tags` with `noise` wrong tokens at each cut edge.
    fn decode_noisy_windows(
        article: &Article,
        tags: &[&str],
        capacity: usize,
        overlap: usize,
        noise: usize,
    ) -> Vec<Attribution> {
        let tokens = tokens_of(article);
        assert_eq!(tokens.len(), tags.len());
        let labels = labels();
        let windows = plan_windows(tokens.len(), capacity, overlap);
        let probabilities = windows_with_noisy_edges(tags, &windows, noise, &labels);
        rows_from_windows(
            article,
            &tokens,
            &windows,
            &probabilities,
            &labels,
            &BertOptions::default(),
        )
    }

    #[test]
    fn a_quote_across_window_borders_comes_out_whole() {
        let article = Article::new(
            "a",
            "Yesterday Peskov said that the talks would go on for many more weeks . Nothing else",
        );
        let tokens = tokens_of(&article);
        let tags = [
            "O",
            "B-SOURCE",
            "B-CUE",
            "B-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "O",
            "O",
            "O",
        ];
        assert!(plan_windows(tokens.len(), 6, 4).len() > 3);
        // Capacity 6 with overlap 4: every token is at least 2 tokens from a cut in its
        // owner window, so edge noise of 2 never reaches the stitched result.
        let rows = decode_noisy_windows(&article, &tags, 6, 4, 2);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].speaker, "Peskov");
        assert_eq!(rows[0].cue.as_deref(), Some("said"));
        assert_eq!(
            rows[0].quote,
            "that the talks would go on for many more weeks"
        );
        assert_eq!(
            article.slice(rows[0].quote_span.unwrap()),
            Some(rows[0].quote.as_str())
        );
    }

    #[test]
    fn without_overlap_the_noisy_edges_would_break_the_quote() {
        // The same data with windows that barely overlap: the noise at the cuts splits
        // the quote, which is what the overlap is there to prevent.
        let article = Article::new("a", "Peskov said that the talks would go on and on and on");
        let mut tags = vec!["B-SOURCE", "B-CUE", "B-CONTENT"];
        tags.resize(tokens_of(&article).len(), "I-CONTENT");
        let rows = decode_noisy_windows(&article, &tags, 5, 0, 1);
        assert!(rows.len() > 1, "{rows:?}");
    }

    #[test]
    fn options_are_capped_and_checked() {
        let options = BertOptions::default().effective(128, 2).unwrap();
        assert_eq!(options.window_length, 128);
        assert_eq!(options.overlap, 63);
        let options = BertOptions::default().effective(4096, 2).unwrap();
        assert_eq!((options.window_length, options.overlap), (512, 128));
        let no_batch = BertOptions {
            batch_size: 0,
            ..BertOptions::default()
        };
        assert!(no_batch.effective(512, 2).is_err());
        let tiny = BertOptions {
            window_length: 2,
            ..BertOptions::default()
        };
        assert!(matches!(tiny.effective(512, 2), Err(Error::Usage(_))));
    }

    #[test]
    fn config_hash_changes_with_each_part() {
        let options = BertOptions::default();
        let base = config_hash(b"{}", b"vocab", &options);
        assert!(base.starts_with("sha256:"));
        assert_ne!(base, config_hash(b"{ }", b"vocab", &options));
        assert_ne!(base, config_hash(b"{}", b"vocab2", &options));
        let other = BertOptions {
            overlap: 64,
            ..options.clone()
        };
        assert_ne!(base, config_hash(b"{}", b"vocab", &other));
        let threads = BertOptions {
            threads: 1,
            ..options.clone()
        };
        assert_eq!(base, config_hash(b"{}", b"vocab", &threads));
        assert_ne!(
            config_hash(b"ab", b"c", &options),
            config_hash(b"a", b"bc", &options)
        );
    }
}
