//! The network half of `bert:` models: loading a Hugging Face folder into rust-bert and
//! running batched inference through libtorch.

use super::{BertOptions, LabelSet, Token, Window, config_hash, file_sha256, plan_windows};
use crate::attribution::{Attribution, Span};
use crate::dataset::Article;
use crate::error::{Error, Result};
use crate::model::{Model, ModelError, ModelInfo, SpeakersRequest, TimedPrediction};
use rust_bert::bert::{BertConfig, BertForTokenClassification};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;
use tch::{Device, Kind, Tensor, nn};
use tokenizers::Tokenizer;

/// The network and the variables it reads. tch tensors are `Send` but not `Sync`, so
/// the model sits behind a mutex; one forward pass already uses every core.
struct Network {
    _vars: nn::VarStore,
    model: BertForTokenClassification,
}

/// A BERT token classifier over the PolNeAR layers, loaded from a Hugging Face folder.
pub struct BertModel {
    info: ModelInfo,
    options: BertOptions,
    labels: LabelSet,
    tokenizer: Tokenizer,
    /// Ids the tokenizer puts before and after a sequence ([CLS] … [SEP]).
    prefix: Vec<i64>,
    suffix: Vec<i64>,
    pad_id: i64,
    network: Mutex<Network>,
}

/// An article cut into tokens and windows, ready for the network.
struct Prepared {
    ids: Vec<i64>,
    tokens: Vec<Token>,
    windows: Vec<Window>,
}

impl BertModel {
    /// Loads `dir`: `config.json` (a BERT token classifier whose `id2label` holds the
    /// BIO tags over SOURCE, CUE and CONTENT), `model.safetensors`, and `tokenizer.json`
    /// or else `vocab.txt`.
    pub fn load(name: &str, spec: &str, dir: &Path, options: BertOptions) -> Result<BertModel> {
        let fail = |message: String| Error::Model {
            model: name.to_string(),
            message,
        };
        if !dir.is_dir() {
            return Err(fail(format!(
                "{} is not a folder: bert:DIR needs a Hugging Face model folder",
                dir.display()
            )));
        }
        let config_path = dir.join("config.json");
        let config_bytes = read_required(&config_path, &fail)?;
        let config: serde_json::Value = serde_json::from_slice(&config_bytes)
            .map_err(|e| fail(format!("{}: not valid JSON: {e}", config_path.display())))?;

        if let Some(model_type) = config.get("model_type").and_then(|v| v.as_str())
            && model_type != "bert"
        {
            return Err(fail(format!(
                "{}: model_type `{model_type}` is not supported; bert: loads BERT models \
                 (model_type `bert`)",
                config_path.display()
            )));
        }
        if let Some(architectures) = config.get("architectures").and_then(|v| v.as_array()) {
            let names: Vec<&str> = architectures.iter().filter_map(|v| v.as_str()).collect();
            if !names.iter().any(|a| a.ends_with("ForTokenClassification")) {
                return Err(fail(format!(
                    "{}: the model is {}, not a token-classification model \
                     (BertForTokenClassification)",
                    config_path.display(),
                    names.join(", ")
                )));
            }
        }
        let labels = LabelSet::from_config(&config)
            .map_err(|message| fail(format!("{}: {message}", config_path.display())))?;
        let bert_config: BertConfig = serde_json::from_value(config.clone()).map_err(|e| {
            fail(format!(
                "{}: not a BERT configuration: {e}",
                config_path.display()
            ))
        })?;

        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            let hint = if dir.join("pytorch_model.bin").is_file() {
                " (the folder has pytorch_model.bin, which libtorch cannot read from Rust: \
                 save the model with safetensors)"
            } else {
                ""
            };
            return Err(fail(format!("{} not found{hint}", weights.display())));
        }

        let (tokenizer, tokenizer_bytes) = load_tokenizer(dir, &fail)?;
        let vocab_size = tokenizer.get_vocab_size(true);
        if vocab_size as i64 > bert_config.vocab_size {
            return Err(fail(format!(
                "the tokenizer knows {vocab_size} tokens but the model only {}: they do not \
                 belong together",
                bert_config.vocab_size
            )));
        }
        let (prefix, suffix) = special_tokens(&tokenizer).map_err(fail)?;
        let pad_id = config
            .get("pad_token_id")
            .and_then(|v| v.as_i64())
            .or_else(|| tokenizer.token_to_id("[PAD]").map(i64::from))
            .unwrap_or(0);

        let max_positions = usize::try_from(bert_config.max_position_embeddings).unwrap_or(0);
        let options = options.effective(max_positions, prefix.len() + suffix.len())?;

        if options.threads > 0 {
            tch::set_num_threads(options.threads as i32);
        }
        let vars = nn::VarStore::new(Device::Cpu);
        let model = BertForTokenClassification::new(vars.root(), &bert_config)
            .map_err(|e| fail(format!("{}: {e}", config_path.display())))?;
        load_weights(&vars, &weights).map_err(fail)?;

        let weights_hash = file_sha256(&weights)?;
        let info = ModelInfo {
            spec: spec.to_string(),
            name: name.to_string(),
            version: format!("sha256:{}", &weights_hash[..16]),
            config_hash: config_hash(&config_bytes, &tokenizer_bytes, &options),
        };
        Ok(BertModel {
            info,
            options,
            labels,
            tokenizer,
            prefix,
            suffix,
            pad_id,
            network: Mutex::new(Network { _vars: vars, model }),
        })
    }

    /// The options in force: window length capped at the model's position table.
    pub fn options(&self) -> &BertOptions {
        &self.options
    }

    /// The article's tokens with code-point offsets (the tokenizer's char offsets).
    pub fn tokenize(&self, article: &Article) -> Result<Vec<Token>, ModelError> {
        Ok(self.prepare(article)?.tokens)
    }

    fn prepare(&self, article: &Article) -> Result<Prepared, ModelError> {
        let TokenizedText { tokens, ids } = tokenize_text(&self.tokenizer, &article.text)
            .map_err(|e| ModelError::new(format!("tokenizer failed: {e}")))?;
        let capacity = self.options.window_length - self.prefix.len() - self.suffix.len();
        let windows = plan_windows(tokens.len(), capacity, self.options.overlap);
        Ok(Prepared {
            ids,
            tokens,
            windows,
        })
    }

    /// The windows the network reads for an article, in order: each window's token ids
    /// without the special tokens [`BertModel::forward`] adds. What a throughput
    /// measurement feeds the network, and another runtime must be fed to compare.
    pub fn input_windows(&self, article: &Article) -> Result<Vec<Vec<i64>>, ModelError> {
        let prepared = self.prepare(article)?;
        Ok(prepared
            .windows
            .iter()
            .map(|w| prepared.ids[w.start..w.end].to_vec())
            .collect())
    }

    /// The ids the tokenizer puts before and after each window ([CLS], [SEP]) and the
    /// padding id, as [`BertModel::forward`] lays a batch out.
    pub fn special_ids(&self) -> (&[i64], &[i64], i64) {
        (&self.prefix, &self.suffix, self.pad_id)
    }

    /// One forward pass over a batch of windows (token ids without special tokens);
    /// returns the class probabilities of each window's tokens.
    pub fn forward(&self, windows: &[&[i64]]) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
        let longest = windows.iter().map(|w| w.len()).max().unwrap_or(0);
        let width = self.prefix.len() + longest + self.suffix.len();
        let mut ids = Vec::with_capacity(windows.len() * width);
        let mut mask = Vec::with_capacity(windows.len() * width);
        for window in windows {
            let used = self.prefix.len() + window.len() + self.suffix.len();
            ids.extend_from_slice(&self.prefix);
            ids.extend_from_slice(window);
            ids.extend_from_slice(&self.suffix);
            ids.extend(std::iter::repeat_n(self.pad_id, width - used));
            mask.extend(std::iter::repeat_n(1i64, used));
            mask.extend(std::iter::repeat_n(0i64, width - used));
        }
        let shape = [windows.len() as i64, width as i64];
        let network = self.network.lock().unwrap_or_else(|e| e.into_inner());
        // rust-bert unwraps inside forward_t; a libtorch failure must not take the run down.
        let probabilities = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tch::no_grad(|| {
                let ids = Tensor::from_slice(&ids).view(shape);
                let mask = Tensor::from_slice(&mask).view(shape);
                let output =
                    network
                        .model
                        .forward_t(Some(&ids), Some(&mask), None, None, None, false);
                output.logits.softmax(-1, Kind::Float)
            })
        }))
        .map_err(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown failure".into());
            ModelError::new(format!("libtorch failed: {message}"))
        })?;
        drop(network);
        let probabilities = Vec::<Vec<Vec<f32>>>::try_from(&probabilities)
            .map_err(|e| ModelError::new(format!("reading the model's output: {e}")))?;
        Ok(windows
            .iter()
            .zip(probabilities)
            .map(|(window, rows)| {
                rows.into_iter()
                    .skip(self.prefix.len())
                    .take(window.len())
                    .collect()
            })
            .collect())
    }

    fn rows(
        &self,
        article: &Article,
        prepared: &Prepared,
        probabilities: &[Vec<Vec<f32>>],
    ) -> Vec<Attribution> {
        super::rows_from_windows(
            article,
            &prepared.tokens,
            &prepared.windows,
            probabilities,
            &self.labels,
            &self.options,
        )
    }
}

impl Model for BertModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict(&self, article: &Article) -> Result<Vec<Attribution>, ModelError> {
        self.predict_batch(std::slice::from_ref(article))
            .pop()
            .map(|p| p.result)
            .unwrap_or_else(|| Err(ModelError::new("no prediction")))
    }

    /// Batches windows across articles, `batch_size` per forward pass, in article order
    /// so that each article is answered (and timed) as soon as its last window is done.
    fn predict_batch(&self, articles: &[Article]) -> Vec<TimedPrediction> {
        self.run_batch(articles, |article, prepared, probabilities| {
            self.rows(article, prepared, probabilities)
        })
        .into_iter()
        .map(|(result, latency_ms)| TimedPrediction {
            result,
            latency_ms,
            cpu_s: None,
        })
        .collect()
    }

    fn attribute(
        &self,
        article: &Article,
        request: &SpeakersRequest,
    ) -> Result<Vec<Attribution>, ModelError> {
        self.attribute_batch(std::slice::from_ref(article), std::slice::from_ref(request))
            .pop()
            .map(|p| p.result)
            .unwrap_or_else(|| Err(ModelError::new("no prediction")))
    }

    /// The given quotes in place of the tagger's own contents, each linked to a source
    /// of the tagger's ([`super::answer_given`]), batched as `predict_batch` is.
    fn attribute_batch(
        &self,
        articles: &[Article],
        requests: &[SpeakersRequest],
    ) -> Vec<TimedPrediction> {
        self.tag_timed(articles)
            .into_iter()
            .zip(articles.iter().zip(requests))
            .map(
                |((words, latency_ms), (article, request))| TimedPrediction {
                    result: words
                        .map(|words| super::answer_given(article, &words, request, &self.options)),
                    latency_ms,
                    cpu_s: None,
                },
            )
            .collect()
    }
}

impl BertModel {
    /// The tagger's words of each article with their tags and SOURCE probabilities, as
    /// [`super::rows_from_words`] reads them (what `train linker` learns from).
    pub fn tag_batch(
        &self,
        articles: &[Article],
    ) -> Vec<Result<Vec<super::TokenPrediction>, ModelError>> {
        self.tag_timed(articles)
            .into_iter()
            .map(|(result, _)| result)
            .collect()
    }

    /// [`BertModel::tag_batch`] with each article's latency in milliseconds.
    fn tag_timed(
        &self,
        articles: &[Article],
    ) -> Vec<(Result<Vec<super::TokenPrediction>, ModelError>, f64)> {
        self.run_batch(articles, |_, prepared, probabilities| {
            super::tag_words(
                &prepared.tokens,
                &prepared.windows,
                probabilities,
                &self.labels,
            )
        })
    }

    /// Runs every window of `articles` through the network, `batch_size` windows per
    /// forward pass, and hands each article's probabilities to `finish` as soon as its
    /// last window is done; returns each answer with its latency in milliseconds.
    fn run_batch<T: Clone>(
        &self,
        articles: &[Article],
        finish: impl Fn(&Article, &Prepared, &[Vec<Vec<f32>>]) -> T,
    ) -> Vec<(Result<T, ModelError>, f64)> {
        let started = Instant::now();
        let elapsed_ms = || started.elapsed().as_secs_f64() * 1e3;
        let prepared: Vec<Result<Prepared, ModelError>> =
            articles.iter().map(|a| self.prepare(a)).collect();
        let mut answers: Vec<Option<(Result<T, ModelError>, f64)>> = vec![None; articles.len()];
        let mut probabilities: Vec<Vec<Vec<Vec<f32>>>> = vec![Vec::new(); articles.len()];
        let mut jobs: Vec<(usize, usize)> = Vec::new();
        for (index, p) in prepared.iter().enumerate() {
            match p {
                Err(e) => answers[index] = Some((Err(e.clone()), elapsed_ms())),
                // An article without a window (no text) needs no forward pass.
                Ok(p) if p.windows.is_empty() => {
                    answers[index] = Some((Ok(finish(&articles[index], p, &[])), elapsed_ms()))
                }
                Ok(p) => jobs.extend((0..p.windows.len()).map(|w| (index, w))),
            }
        }
        for chunk in jobs.chunks(self.options.batch_size) {
            let inputs: Vec<&[i64]> = chunk
                .iter()
                .map(|&(a, w)| {
                    let p = prepared[a]
                        .as_ref()
                        .expect("jobs come from prepared articles");
                    let window = p.windows[w];
                    &p.ids[window.start..window.end]
                })
                .collect();
            match self.forward(&inputs) {
                Ok(outputs) => {
                    for (&(a, _), output) in chunk.iter().zip(outputs) {
                        probabilities[a].push(output);
                    }
                }
                Err(e) => {
                    for &(a, _) in chunk {
                        answers[a].get_or_insert_with(|| (Err(e.clone()), elapsed_ms()));
                    }
                }
            }
            for &(a, _) in chunk {
                let p = prepared[a]
                    .as_ref()
                    .expect("jobs come from prepared articles");
                if answers[a].is_none() && probabilities[a].len() == p.windows.len() {
                    let answer = finish(&articles[a], p, &probabilities[a]);
                    probabilities[a] = Vec::new();
                    answers[a] = Some((Ok(answer), elapsed_ms()));
                }
            }
        }
        answers
            .into_iter()
            .map(|a| {
                a.unwrap_or_else(|| {
                    (
                        Err(ModelError::new("no answer for this article")),
                        elapsed_ms(),
                    )
                })
            })
            .collect()
    }
}

fn read_required(path: &Path, fail: &dyn Fn(String) -> Error) -> Result<Vec<u8>> {
    if !path.is_file() {
        return Err(fail(format!("{} not found", path.display())));
    }
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// `tokenizer.json` when present (it carries the exact pipeline the model was trained
/// with); otherwise BERT's WordPiece over `vocab.txt`, lower-casing unless
/// `tokenizer_config.json` says `do_lower_case: false`.
/// A text's tokens, with code-point offsets, and their vocabulary ids.
pub(crate) struct TokenizedText {
    pub tokens: Vec<Token>,
    pub ids: Vec<i64>,
}

pub(crate) fn tokenize_text(
    tokenizer: &Tokenizer,
    text: &str,
) -> std::result::Result<TokenizedText, tokenizers::Error> {
    // Char offsets, not the byte offsets plain `encode` gives: rows count code points.
    let encoding = tokenizer.encode_char_offsets(text, false)?;
    let tokens = encoding
        .get_offsets()
        .iter()
        .zip(encoding.get_word_ids())
        .map(|(&(start, end), &word)| Token {
            span: Span::new(start, end),
            word,
        })
        .collect();
    let ids = encoding.get_ids().iter().map(|&id| i64::from(id)).collect();
    Ok(TokenizedText { tokens, ids })
}

pub(crate) fn load_tokenizer(
    dir: &Path,
    fail: &dyn Fn(String) -> Error,
) -> Result<(Tokenizer, Vec<u8>)> {
    let json = dir.join("tokenizer.json");
    let vocab = dir.join("vocab.txt");
    let mut tokenizer = if json.is_file() {
        Tokenizer::from_file(&json).map_err(|e| fail(format!("{}: {e}", json.display())))?
    } else if vocab.is_file() {
        wordpiece_tokenizer(dir, &vocab).map_err(fail)?
    } else {
        return Err(fail(format!(
            "{} has neither tokenizer.json nor vocab.txt",
            dir.display()
        )));
    };
    // Windows are cut by us; a saved truncation or padding would silently drop text.
    tokenizer
        .with_truncation(None)
        .map_err(|e| fail(format!("tokenizer: {e}")))?;
    tokenizer.with_padding(None);
    let source: PathBuf = if json.is_file() { json } else { vocab };
    let bytes = std::fs::read(&source).map_err(|e| Error::io(&source, e))?;
    Ok((tokenizer, bytes))
}

pub(super) fn wordpiece_tokenizer(dir: &Path, vocab: &Path) -> Result<Tokenizer, String> {
    use tokenizers::models::wordpiece::WordPiece;
    use tokenizers::normalizers::bert::BertNormalizer;
    use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
    use tokenizers::processors::bert::BertProcessing;

    let lowercase = std::fs::read(dir.join("tokenizer_config.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|config| config.get("do_lower_case").and_then(|v| v.as_bool()))
        .unwrap_or(true);
    let model = WordPiece::from_file(&vocab.to_string_lossy())
        .unk_token("[UNK]".into())
        .build()
        .map_err(|e| format!("{}: {e}", vocab.display()))?;
    let mut tokenizer = Tokenizer::new(model);
    let id = |token: &str| {
        tokenizer
            .token_to_id(token)
            .ok_or_else(|| format!("{} has no {token} token", vocab.display()))
    };
    let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
    tokenizer
        .with_normalizer(Some(BertNormalizer::new(true, true, None, lowercase)))
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), sep),
            ("[CLS]".into(), cls),
        )));
    Ok(tokenizer)
}

/// The special ids the tokenizer adds before and after a single sequence, read off its
/// own post-processor so that any BERT tokenizer file works.
pub(crate) fn special_tokens(tokenizer: &Tokenizer) -> Result<(Vec<i64>, Vec<i64>), String> {
    let encoding = tokenizer
        .encode("a", true)
        .map_err(|e| format!("tokenizer: {e}"))?;
    let ids = encoding.get_ids();
    let special = encoding.get_special_tokens_mask();
    let lead = special.iter().take_while(|&&s| s == 1).count();
    let trail = special.iter().rev().take_while(|&&s| s == 1).count();
    if lead == ids.len() {
        return Err("the tokenizer turns text into special tokens only".into());
    }
    let to_i64 = |ids: &[u32]| ids.iter().map(|&id| i64::from(id)).collect::<Vec<_>>();
    Ok((to_i64(&ids[..lead]), to_i64(&ids[ids.len() - trail..])))
}

/// Copies the file's tensors into the network's variables.
///
/// Names are Hugging Face's (`bert.encoder…`, `classifier.weight`). A base-model file
/// (no `bert.` prefix) is accepted for the encoder, and old `LayerNorm.gamma/beta` names
/// for `weight/bias`; a file without a classifier is not a token classifier.
pub(super) fn load_weights(vars: &nn::VarStore, path: &Path) -> Result<(), String> {
    let tensors: HashMap<String, Tensor> = Tensor::read_safetensors(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .into_iter()
        .collect();
    let lookup = |name: &str| -> Option<&Tensor> {
        let old = name
            .replace("LayerNorm.weight", "LayerNorm.gamma")
            .replace("LayerNorm.bias", "LayerNorm.beta");
        [name, old.as_str()]
            .into_iter()
            .flat_map(|n| [Some(n), n.strip_prefix("bert.")])
            .flatten()
            .find_map(|n| tensors.get(n))
    };
    let mut missing = Vec::new();
    let mut variables: Vec<(String, Tensor)> = vars.variables().into_iter().collect();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| -> Result<(), String> {
        for (name, variable) in &mut variables {
            let Some(value) = lookup(name) else {
                missing.push(name.clone());
                continue;
            };
            if value.size() != variable.size() {
                return Err(format!(
                    "{}: `{name}` has shape {:?} but the configuration needs {:?}",
                    path.display(),
                    value.size(),
                    variable.size()
                ));
            }
            variable
                .f_copy_(&value.to_kind(variable.kind()))
                .map_err(|e| format!("{}: `{name}`: {e}", path.display()))?;
        }
        Ok(())
    })?;
    if missing.iter().any(|n| n.starts_with("classifier.")) {
        return Err(format!(
            "{} has no classifier weights (classifier.weight): it is not a \
             token-classification model",
            path.display()
        ));
    }
    if !missing.is_empty() {
        return Err(format!(
            "{} lacks {} weights the configuration needs, e.g. {}",
            path.display(),
            missing.len(),
            missing
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{TinyModel, filter_weights, id2label, write_tiny_model};
    use super::super::{Layer, Tag};
    use super::*;
    use crate::attribution::QuoteType;

    const TEXT: &str = "The minister said that the talks would go on. “We will not yield,” \
        she told reporters. They said it is over, and that they would not go. Élodie \
        Müller said: « ça va » — and then nothing more of note was said by anyone at all.";

    fn small_windows() -> BertOptions {
        BertOptions {
            window_length: 16,
            overlap: 4,
            batch_size: 3,
            ..BertOptions::default()
        }
    }

    fn tiny(spec: &TinyModel) -> (tempfile::TempDir, BertModel) {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_model(dir.path(), spec).unwrap();
        let model = BertModel::load("tiny", "bert:tiny", dir.path(), small_windows()).unwrap();
        (dir, model)
    }

    fn assert_offsets_match(article: &Article, rows: &[Attribution]) {
        for row in rows {
            assert_eq!(row.article_id, article.id);
            assert_eq!(
                article.slice(row.quote_span.unwrap()),
                Some(row.quote.as_str())
            );
            assert_eq!(row.quote_type, Some(super::super::quote_type(&row.quote)));
            if let Some(span) = row.mention_span {
                assert_eq!(article.slice(span), row.speaker_mention.as_deref());
                assert_eq!(row.speaker_mention.as_deref(), Some(row.speaker.as_str()));
            }
            let confidence = row.confidence.unwrap();
            assert!((0.0..=1.0).contains(&confidence), "{confidence}");
        }
    }

    #[test]
    fn a_random_model_predicts_rows_whose_offsets_match_the_text() {
        let (_dir, model) = tiny(&TinyModel::default());
        let article = Article::new("a1", TEXT);
        let tokens = model.tokenize(&article).unwrap();
        assert!(
            tokens.len() > 3 * 14,
            "the article must need several windows"
        );
        let rows = model.predict(&article).unwrap();
        assert!(!rows.is_empty(), "a random model tags some content");
        assert_offsets_match(&article, &rows);
        assert!(model.info().version.starts_with("sha256:"));
        assert_eq!(model.info().version.len(), "sha256:".len() + 16);
        assert!(model.info().config_hash.starts_with("sha256:"));
        assert_eq!(model.info().name, "tiny");
        assert_eq!(model.info().spec, "bert:tiny");
    }

    #[test]
    fn batched_answers_equal_one_by_one_answers() {
        // Padding in a batch must not change any token's prediction.
        let (_dir, model) = tiny(&TinyModel::default());
        let articles = vec![
            Article::new("long", TEXT),
            Article::new("empty", ""),
            Article::new("short", "He said it is over."),
            Article::new("blank", "   \n "),
        ];
        let batched = model.predict_batch(&articles);
        assert_eq!(batched.len(), articles.len());
        for (article, answer) in articles.iter().zip(&batched) {
            let alone = model.predict(article).unwrap();
            let together = answer.result.clone().unwrap();
            let key = |rows: &[Attribution]| -> Vec<(Option<Span>, Option<Span>, Option<String>)> {
                rows.iter()
                    .map(|r| (r.quote_span, r.mention_span, r.cue.clone()))
                    .collect()
            };
            assert_eq!(key(&alone), key(&together), "article {}", article.id);
            assert!(answer.latency_ms >= 0.0);
        }
        assert!(batched[1].result.as_ref().unwrap().is_empty());
    }

    #[test]
    fn in_the_speakers_task_answers_carry_the_given_quotes_and_batching_changes_nothing() {
        use crate::model::{GivenQuote, SpeakersRequest};
        let (_dir, model) = tiny(&TinyModel::default());
        let article = Article::new("a1", TEXT);
        let quote = "“We will not yield,”";
        let byte = TEXT.find(quote).unwrap();
        let span = article.span_of_bytes(byte..byte + quote.len()).unwrap();
        let request = SpeakersRequest {
            quotes: vec![GivenQuote {
                quote_id: "q0".into(),
                start: span.start,
                end: span.end,
                quote: quote.into(),
            }],
            cast: Vec::new(),
        };
        let empty = SpeakersRequest {
            quotes: Vec::new(),
            cast: Vec::new(),
        };
        let articles = [
            article.clone(),
            Article::new("short", "He said it is over."),
        ];
        let batched = model.attribute_batch(&articles, &[request.clone(), empty]);
        assert_eq!(batched.len(), 2);
        let answers = batched[0].result.clone().unwrap();
        assert_eq!(answers, model.attribute(&article, &request).unwrap());
        assert!(batched[1].result.as_ref().unwrap().is_empty());
        // The seeded random model tags sources enough for the quote to get a candidate.
        assert_eq!(answers.len(), 1, "{answers:?}");
        for answer in &answers {
            assert_eq!(answer.quote_span, Some(span));
            assert_eq!(answer.quote, quote);
            let mention = answer.mention_span.expect("an answer names its mention");
            assert_eq!(article.slice(mention), answer.speaker_mention.as_deref());
            assert!(!mention.overlaps(&span), "the speaker is outside the quote");
        }
    }

    #[test]
    fn a_constant_content_model_yields_one_quote_across_all_windows() {
        let spec = TinyModel {
            constant_tag: Some(Tag::Inside(Layer::Content)),
            ..TinyModel::default()
        };
        let (_dir, model) = tiny(&spec);
        let article = Article::new("a1", format!("  {TEXT}  "));
        let rows = model.predict(&article).unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].quote, TEXT);
        assert_eq!(
            rows[0].quote_span,
            Some(Span::new(2, 2 + TEXT.chars().count()))
        );
        assert_eq!(rows[0].speaker, "");
        assert_eq!(rows[0].quote_type, Some(QuoteType::Mixed));
        assert!(rows[0].confidence.unwrap() > 0.99);
    }

    #[test]
    fn token_offsets_count_code_points() {
        let spec = TinyModel {
            tokenizer_json: true,
            ..TinyModel::default()
        };
        let (dir, model) = tiny(&spec);
        assert!(dir.path().join("tokenizer.json").is_file());
        let article = Article::new("é", "Élodie Müller said “ça va”.");
        let tokens = model.tokenize(&article).unwrap();
        let words: Vec<String> = {
            let mut words: Vec<String> = Vec::new();
            let mut last = None;
            for token in &tokens {
                let piece = article.slice(token.span).unwrap();
                if token.word.is_some() && token.word == last {
                    words.last_mut().unwrap().push_str(piece);
                } else {
                    words.push(piece.to_string());
                }
                last = token.word;
            }
            words
        };
        assert_eq!(
            words,
            ["Élodie", "Müller", "said", "“", "ça", "va", "”", "."]
        );
    }

    fn load_error(dir: &Path) -> String {
        match BertModel::load("m", "bert:m", dir, BertOptions::default()) {
            Ok(_) => panic!("{} loaded", dir.display()),
            Err(e) => {
                assert!(matches!(e, Error::Model { .. } | Error::Usage(_)), "{e:?}");
                e.to_string()
            }
        }
    }

    fn edit_config(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
        let path = dir.join("config.json");
        let mut config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        edit(&mut config);
        std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
    }

    #[test]
    fn missing_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_model(dir.path(), &TinyModel::default()).unwrap();

        let err = load_error(&dir.path().join("nowhere"));
        assert!(err.contains("not a folder"), "{err}");

        std::fs::rename(dir.path().join("vocab.txt"), dir.path().join("v")).unwrap();
        let err = load_error(dir.path());
        assert!(
            err.contains("neither tokenizer.json nor vocab.txt"),
            "{err}"
        );
        std::fs::rename(dir.path().join("v"), dir.path().join("vocab.txt")).unwrap();

        std::fs::rename(dir.path().join("model.safetensors"), dir.path().join("w")).unwrap();
        std::fs::write(dir.path().join("pytorch_model.bin"), b"").unwrap();
        let err = load_error(dir.path());
        assert!(err.contains("model.safetensors not found"), "{err}");
        assert!(err.contains("pytorch_model.bin"), "{err}");

        std::fs::remove_file(dir.path().join("config.json")).unwrap();
        let err = load_error(dir.path());
        assert!(err.contains("config.json not found"), "{err}");
    }

    #[test]
    fn a_wrong_label_set_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_model(dir.path(), &TinyModel::default()).unwrap();
        edit_config(dir.path(), |c| {
            c["id2label"] = serde_json::json!({"0": "O", "1": "B-PER", "2": "I-PER",
                "3": "B-LOC", "4": "I-LOC", "5": "B-ORG", "6": "I-ORG"});
        });
        let err = load_error(dir.path());
        assert!(err.contains("B-PER") && err.contains("B-SOURCE"), "{err}");
    }

    #[test]
    fn a_model_that_is_not_a_token_classifier_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_model(dir.path(), &TinyModel::default()).unwrap();

        edit_config(dir.path(), |c| {
            c["architectures"] = serde_json::json!(["BertModel"])
        });
        let err = load_error(dir.path());
        assert!(err.contains("not a token-classification model"), "{err}");

        // Without `architectures` the weights tell: no classifier, no token classifier.
        edit_config(dir.path(), |c| {
            c.as_object_mut().unwrap().remove("architectures");
        });
        let weights = dir.path().join("model.safetensors");
        let encoder = dir.path().join("encoder.safetensors");
        filter_weights(&weights, &encoder, |name| !name.starts_with("classifier.")).unwrap();
        std::fs::rename(&encoder, &weights).unwrap();
        let err = load_error(dir.path());
        assert!(err.contains("no classifier weights"), "{err}");

        edit_config(dir.path(), |c| c["model_type"] = "roberta".into());
        let err = load_error(dir.path());
        assert!(err.contains("model_type `roberta`"), "{err}");
    }

    #[test]
    fn weights_of_the_wrong_shape_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_model(dir.path(), &TinyModel::default()).unwrap();
        edit_config(dir.path(), |c| c["intermediate_size"] = 48.into());
        let err = load_error(dir.path());
        assert!(err.contains("has shape"), "{err}");
    }

    #[test]
    fn options_reach_the_config_hash() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_model(dir.path(), &TinyModel::default()).unwrap();
        let a = BertModel::load("m", "bert:m", dir.path(), small_windows()).unwrap();
        let b = BertModel::load("m", "bert:m", dir.path(), BertOptions::default()).unwrap();
        assert_eq!(a.info().version, b.info().version);
        assert_ne!(a.info().config_hash, b.info().config_hash);
        // The default window is capped at the tiny model's 64 positions.
        assert_eq!(b.options().window_length, 64);
    }

    /// The real all-MiniLM-L6-v2 encoder from the PyPI package that
    /// scripts/setup-libtorch.sh links to `.libtorch/minilm`.
    fn minilm() -> Option<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".libtorch/minilm");
        if dir.join("model.safetensors").is_file() {
            Some(dir)
        } else {
            eprintln!(
                "skipped: {} not found (run scripts/setup-libtorch.sh)",
                dir.display()
            );
            None
        }
    }

    #[test]
    fn the_real_minilm_encoder_is_refused_as_it_is_not_a_token_classifier() {
        let Some(dir) = minilm() else { return };
        let err = load_error(&dir);
        assert!(err.contains("BertModel"), "{err}");
    }

    #[test]
    fn the_real_minilm_encoder_with_a_classifier_head_runs() {
        let Some(source) = minilm() else { return };
        let dir = tempfile::tempdir().unwrap();
        for file in ["tokenizer.json", "vocab.txt", "tokenizer_config.json"] {
            std::fs::copy(source.join(file), dir.path().join(file)).unwrap();
        }
        let mut config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(source.join("config.json")).unwrap()).unwrap();
        config["architectures"] = serde_json::json!(["BertForTokenClassification"]);
        config["id2label"] = id2label();
        std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
        // The package's file is a base model: names without `bert.` and no classifier.
        let _rng = crate::model::bert::testing::seeded_rng(1);
        let mut tensors: Vec<(String, Tensor)> =
            Tensor::read_safetensors(source.join("model.safetensors")).unwrap();
        assert!(tensors.iter().all(|(name, _)| !name.starts_with("bert.")));
        tensors.push((
            "classifier.weight".into(),
            Tensor::randn([7, 384], tch::kind::FLOAT_CPU),
        ));
        tensors.push((
            "classifier.bias".into(),
            Tensor::zeros([7], tch::kind::FLOAT_CPU),
        ));
        Tensor::write_safetensors(&tensors, dir.path().join("model.safetensors")).unwrap();

        let options = BertOptions {
            window_length: 32,
            overlap: 8,
            ..BertOptions::default()
        };
        let model = BertModel::load("minilm", "bert:minilm", dir.path(), options).unwrap();
        let hello = Article::new("h", "Hello world");
        let tokens = model.tokenize(&hello).unwrap();
        let spans: Vec<Span> = tokens.iter().map(|t| t.span).collect();
        assert_eq!(spans, [Span::new(0, 5), Span::new(6, 11)]);
        let article = Article::new("a1", TEXT);
        let rows = model.predict(&article).unwrap();
        assert!(!rows.is_empty());
        assert_offsets_match(&article, &rows);
    }
}
