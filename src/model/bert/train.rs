//! `attr-eval train tagger`: a SOURCE/CUE/CONTENT BIO tagger on a frozen BERT encoder.
//!
//! Two CPU cores cannot fine-tune a transformer on PolNeAR in under an hour, so the
//! encoder stays frozen: every token's last hidden state is computed once (in the same
//! windows `bert:` inference uses), and only a linear classifier on top is trained. That
//! is exactly `BertForTokenClassification`'s head, so the result is an ordinary Hugging
//! Face folder that `bert:DIR` loads, and the head alone is small enough to commit.

use super::net::{load_tokenizer, load_weights, special_tokens};
use super::{BertOptions, LabelSet, Layer, Tag, Token, Window, plan_windows, rows_from_windows};
use crate::attribution::{Attribution, Span};
use crate::dataset::{Article, Dataset};
use crate::error::{Error, Result};
use crate::scoring::{Scheme, Scorer, ScoringOptions, SpeakerMatch, aggregate};
use indicatif::{ProgressBar, ProgressStyle};
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel as BertEncoder};
use std::path::{Path, PathBuf};
use tch::{Device, Kind, Tensor, nn, nn::Module, nn::OptimizerConfig};

/// What `train tagger` needs.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The encoder folder (all-MiniLM-L6-v2: config.json, model.safetensors, vocab).
    pub base: PathBuf,
    pub train: String,
    pub dev: String,
    pub out: PathBuf,
    pub epochs: usize,
    pub seed: i64,
    pub learning_rate: f64,
    pub batch_size: i64,
    /// Train on the first N training articles only (0: all).
    pub limit: usize,
}

/// The dev score of one epoch (mention mode, all types, τ = 0.5).
#[derive(Debug, Clone, Copy)]
pub struct EpochScore {
    pub epoch: usize,
    pub loss: f64,
    pub exact_f1: Option<f64>,
    pub overlap_f1: Option<f64>,
    pub lenient_f1: Option<f64>,
}

/// What training produced.
#[derive(Debug, Clone)]
pub struct TrainReport {
    pub epochs: Vec<EpochScore>,
    pub best: EpochScore,
    pub train_tokens: usize,
    pub dev_tokens: usize,
}

/// The frozen encoder with its tokenizer.
struct Encoder {
    _vars: nn::VarStore,
    model: BertEncoder<BertEmbeddings>,
    tokenizer: tokenizers::Tokenizer,
    prefix: Vec<i64>,
    suffix: Vec<i64>,
    pad_id: i64,
    options: BertOptions,
    hidden: i64,
    config: serde_json::Value,
}

/// One article's tokens with the encoder's last hidden state for each, taken from the
/// window where the token is most central (what inference's stitching does).
struct Encoded {
    article: Article,
    tokens: Vec<Token>,
    features: Tensor,
}

impl Encoder {
    fn load(base: &Path) -> Result<Encoder> {
        let fail = |message: String| Error::Model {
            model: "tagger".into(),
            message,
        };
        let config_path = base.join("config.json");
        let bytes = std::fs::read(&config_path).map_err(|e| Error::io(&config_path, e))?;
        let config: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| fail(format!("{}: {e}", config_path.display())))?;
        let bert_config: BertConfig = serde_json::from_value(config.clone()).map_err(|e| {
            fail(format!(
                "{}: not a BERT configuration: {e}",
                config_path.display()
            ))
        })?;
        let (tokenizer, _) = load_tokenizer(base, &fail)?;
        let (prefix, suffix) = special_tokens(&tokenizer).map_err(fail)?;
        let pad_id = config
            .get("pad_token_id")
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        let options = BertOptions::default().effective(
            usize::try_from(bert_config.max_position_embeddings).unwrap_or(0),
            prefix.len() + suffix.len(),
        )?;
        let vars = nn::VarStore::new(Device::Cpu);
        let model = BertEncoder::<BertEmbeddings>::new_with_optional_pooler(
            vars.root() / "bert",
            &bert_config,
            false,
        );
        load_weights(&vars, &base.join("model.safetensors")).map_err(fail)?;
        Ok(Encoder {
            _vars: vars,
            model,
            tokenizer,
            prefix,
            suffix,
            pad_id,
            options,
            hidden: bert_config.hidden_size,
            config,
        })
    }

    fn encode(&self, article: Article) -> Result<Encoded> {
        let encoding = self
            .tokenizer
            .encode_char_offsets(article.text.as_str(), false)
            .map_err(|e| Error::Model {
                model: "tagger".into(),
                message: format!("{}: tokenizer failed: {e}", article.id),
            })?;
        let tokens: Vec<Token> = encoding
            .get_offsets()
            .iter()
            .zip(encoding.get_word_ids())
            .map(|(&(start, end), &word)| Token {
                span: Span::new(start, end),
                word,
            })
            .collect();
        let ids: Vec<i64> = encoding.get_ids().iter().map(|&i| i64::from(i)).collect();
        let capacity = self.options.window_length - self.prefix.len() - self.suffix.len();
        let windows = plan_windows(tokens.len(), capacity, self.options.overlap);
        let mut per_window: Vec<Tensor> = Vec::with_capacity(windows.len());
        for chunk in windows.chunks(self.options.batch_size) {
            per_window.extend(self.forward(&ids, chunk)?);
        }
        let owners = super::owners(tokens.len(), &windows);
        let features = if tokens.is_empty() {
            Tensor::zeros([0, self.hidden], (Kind::Float, Device::Cpu))
        } else {
            let rows: Vec<Tensor> = owners
                .iter()
                .enumerate()
                .map(|(t, &w)| per_window[w].get((t - windows[w].start) as i64))
                .collect();
            Tensor::stack(&rows, 0)
        };
        Ok(Encoded {
            article,
            tokens,
            features,
        })
    }

    /// Last hidden states of a batch of windows, one `[len, hidden]` tensor per window.
    fn forward(&self, ids: &[i64], windows: &[Window]) -> Result<Vec<Tensor>> {
        let longest = windows.iter().map(Window::len).max().unwrap_or(0);
        let width = self.prefix.len() + longest + self.suffix.len();
        let mut input = Vec::with_capacity(windows.len() * width);
        let mut mask = Vec::with_capacity(windows.len() * width);
        for w in windows {
            let used = self.prefix.len() + w.len() + self.suffix.len();
            input.extend_from_slice(&self.prefix);
            input.extend_from_slice(&ids[w.start..w.end]);
            input.extend_from_slice(&self.suffix);
            input.extend(std::iter::repeat_n(self.pad_id, width - used));
            mask.extend(std::iter::repeat_n(1i64, used));
            mask.extend(std::iter::repeat_n(0i64, width - used));
        }
        let shape = [windows.len() as i64, width as i64];
        let hidden = tch::no_grad(|| {
            let input = Tensor::from_slice(&input).view(shape);
            let mask = Tensor::from_slice(&mask).view(shape);
            self.model
                .forward_t(
                    Some(&input),
                    Some(&mask),
                    None,
                    None,
                    None,
                    None,
                    None,
                    false,
                )
                .map(|o| o.hidden_state)
        })
        .map_err(|e| Error::Model {
            model: "tagger".into(),
            message: format!("encoder failed: {e}"),
        })?;
        let start = self.prefix.len() as i64;
        Ok(windows
            .iter()
            .enumerate()
            .map(|(i, w)| hidden.get(i as i64).narrow(0, start, w.len() as i64))
            .collect())
    }
}

/// The seven tags in the order of the trained classifier's outputs.
pub fn tagger_labels() -> LabelSet {
    LabelSet::from_config(&serde_json::json!({ "id2label": id2label() }))
        .expect("the standard tags form a label set")
}

fn id2label() -> serde_json::Value {
    Tag::all()
        .into_iter()
        .enumerate()
        .map(|(id, tag)| (id.to_string(), serde_json::Value::from(tag.to_string())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The cue's place in the text: the occurrence of the cue's words nearest to the quote
/// and the speaker mention (gold rows carry cue text without offsets).
fn locate_cue(article: &Article, row: &Attribution) -> Option<Span> {
    let cue = row.cue.as_deref()?.trim();
    if cue.is_empty() {
        return None;
    }
    let anchors: Vec<Span> = [row.quote_span, row.mention_span]
        .into_iter()
        .flatten()
        .collect();
    let distance = |span: Span| -> usize {
        anchors
            .iter()
            .map(|a| {
                span.start
                    .saturating_sub(a.end)
                    .max(a.start.saturating_sub(span.end))
            })
            .sum()
    };
    article
        .text
        .match_indices(cue)
        .filter_map(|(at, text)| article.span_of_bytes(at..at + text.len()))
        .min_by_key(|&span| distance(span))
}

/// Gold tags of an article's tokens: CONTENT from the quote spans, SOURCE from the
/// speaker mentions, CUE from the located cue; where layers overlap the shorter, more
/// specific layer wins (a cue inside a quote stays a cue).
fn gold_tags(
    article: &Article,
    tokens: &[Token],
    gold: &[Attribution],
    labels: &LabelSet,
) -> Vec<i64> {
    let mut tags = vec![Tag::Outside; tokens.len()];
    let mut paint = |span: Span, layer: Layer| {
        let mut first = true;
        for (token, tag) in tokens.iter().zip(tags.iter_mut()) {
            if token.span.start < span.end && token.span.end > span.start {
                *tag = if first {
                    Tag::Begin(layer)
                } else {
                    Tag::Inside(layer)
                };
                first = false;
            }
        }
    };
    for row in gold {
        if let Some(span) = row.quote_span {
            paint(span, Layer::Content);
        }
    }
    for row in gold {
        if let Some(span) = row.mention_span {
            paint(span, Layer::Source);
        }
    }
    for row in gold {
        if let Some(span) = locate_cue(article, row) {
            paint(span, Layer::Cue);
        }
    }
    tags.into_iter()
        .map(|t| labels.id(t).expect("every tag is in the label set") as i64)
        .collect()
}

fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>14} [{bar:30}] {pos}/{len} {elapsed_precise} (eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

fn encode_dataset(
    encoder: &Encoder,
    dataset: &Dataset,
    limit: usize,
    what: &str,
) -> Result<Vec<Encoded>> {
    let total = if limit == 0 {
        dataset.article_ids().len()
    } else {
        limit.min(dataset.article_ids().len())
    };
    let bar = progress(total, what);
    let mut out = Vec::with_capacity(total);
    for article in dataset.articles().take(total) {
        out.push(encoder.encode(article?)?);
        bar.inc(1);
    }
    bar.finish();
    Ok(out)
}

/// Dev rows of every article through the same decoding and linking `bert:` uses.
fn dev_scores(
    head: &nn::Linear,
    dev: &[Encoded],
    dataset: &Dataset,
    labels: &LabelSet,
    options: &BertOptions,
) -> Result<[Option<f64>; 3]> {
    let scoring = ScoringOptions {
        speaker_match: SpeakerMatch::Mention,
        resamples: 0,
        ..ScoringOptions::default()
    };
    let scorer = Scorer::new(dataset.aliases(), &scoring);
    let mut scores = Vec::with_capacity(dev.len());
    for encoded in dev {
        let rows = predict_rows(head, encoded, labels, options);
        scores.push(scorer.score_article(
            &encoded.article,
            dataset.gold_for(&encoded.article.id),
            &rows,
        )?);
    }
    let total = aggregate(&scores, &scoring);
    Ok(Scheme::ALL.map(|s| total.scores.get(s).pair.f1))
}

fn predict_rows(
    head: &nn::Linear,
    encoded: &Encoded,
    labels: &LabelSet,
    options: &BertOptions,
) -> Vec<Attribution> {
    if encoded.tokens.is_empty() {
        return Vec::new();
    }
    let probabilities = tch::no_grad(|| head.forward(&encoded.features).softmax(-1, Kind::Float));
    let probabilities = Vec::<Vec<f32>>::try_from(&probabilities).expect("a 2-d float tensor");
    // The features are already stitched, so the article is one window here.
    let whole = [Window {
        start: 0,
        end: encoded.tokens.len(),
    }];
    rows_from_windows(
        &encoded.article,
        &encoded.tokens,
        &whole,
        &[probabilities],
        labels,
        options.max_link_distance,
    )
}

/// Trains the tagger and writes a `bert:`-loadable folder to `options.out`, plus
/// `head.safetensors` (the classifier alone) and `train.json` (the epochs' dev scores).
pub fn train_tagger(options: &TrainOptions) -> Result<TrainReport> {
    if options.epochs == 0 {
        return Err(Error::Usage(
            "train tagger: --epochs must be at least 1".into(),
        ));
    }
    tch::manual_seed(options.seed);
    let labels = tagger_labels();
    let train_set = Dataset::open(&options.train)?;
    let dev_set = Dataset::open(&options.dev)?;
    let encoder = Encoder::load(&options.base)?;

    let train = encode_dataset(&encoder, &train_set, options.limit, "encoding train")?;
    let dev = encode_dataset(&encoder, &dev_set, 0, "encoding dev")?;
    let features = Tensor::cat(
        &train
            .iter()
            .map(|e| e.features.shallow_clone())
            .collect::<Vec<_>>(),
        0,
    );
    let targets: Vec<i64> = train
        .iter()
        .flat_map(|e| {
            gold_tags(
                &e.article,
                &e.tokens,
                train_set.gold_for(&e.article.id),
                &labels,
            )
        })
        .collect();
    let targets = Tensor::from_slice(&targets);
    let n = features.size()[0];
    let dev_tokens = dev.iter().map(|e| e.tokens.len()).sum();

    tch::manual_seed(options.seed);
    let vars = nn::VarStore::new(Device::Cpu);
    let head = nn::linear(
        vars.root() / "classifier",
        encoder.hidden,
        labels.len() as i64,
        Default::default(),
    );
    let mut optimizer = nn::Adam::default()
        .build(&vars, options.learning_rate)
        .map_err(|e| Error::Model {
            model: "tagger".into(),
            message: e.to_string(),
        })?;

    let mut epochs = Vec::new();
    let mut best: Option<(EpochScore, Tensor, Tensor)> = None;
    for epoch in 1..=options.epochs {
        let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
        let batches = (n + options.batch_size - 1) / options.batch_size;
        let bar = progress(batches as usize, &format!("epoch {epoch}"));
        let mut loss_sum = 0.0;
        for b in 0..batches {
            let index = order.narrow(
                0,
                b * options.batch_size,
                options.batch_size.min(n - b * options.batch_size),
            );
            let x = features.index_select(0, &index);
            let y = targets.index_select(0, &index);
            let loss = head.forward(&x).cross_entropy_for_logits(&y);
            optimizer.backward_step(&loss);
            loss_sum += loss.double_value(&[]);
            bar.inc(1);
        }
        bar.finish_and_clear();
        let [exact_f1, overlap_f1, lenient_f1] =
            dev_scores(&head, &dev, &dev_set, &labels, &encoder.options)?;
        let score = EpochScore {
            epoch,
            loss: loss_sum / batches as f64,
            exact_f1,
            overlap_f1,
            lenient_f1,
        };
        let show = |f: Option<f64>| f.map_or("–".to_string(), |f| format!("{f:.4}"));
        eprintln!(
            "epoch {epoch:>2}: train loss {:.4}, dev pair F1 exact {} overlap {} lenient {}",
            score.loss,
            show(exact_f1),
            show(overlap_f1),
            show(lenient_f1)
        );
        epochs.push(score);
        let better = best
            .as_ref()
            .is_none_or(|(b, _, _)| overlap_f1.unwrap_or(0.0) > b.overlap_f1.unwrap_or(0.0));
        if better {
            best = Some((
                score,
                head.ws.copy(),
                head.bs.as_ref().expect("a bias").copy(),
            ));
        }
    }
    let (best, weight, bias) = best.expect("at least one epoch");
    eprintln!(
        "best epoch: {} (dev pair F1 overlap {:?})",
        best.epoch, best.overlap_f1
    );
    write_folder(options, &encoder, &weight, &bias)?;
    let report = TrainReport {
        epochs,
        best,
        train_tokens: n as usize,
        dev_tokens,
    };
    let summary = serde_json::json!({
        "base": options.base,
        "train": options.train,
        "dev": options.dev,
        "seed": options.seed,
        "epochs": options.epochs,
        "learning_rate": options.learning_rate,
        "batch_size": options.batch_size,
        "limit": options.limit,
        "train_tokens": report.train_tokens,
        "dev_tokens": report.dev_tokens,
        "best_epoch": best.epoch,
        "dev": report.epochs.iter().map(|e| serde_json::json!({
            "epoch": e.epoch, "loss": e.loss, "exact": e.exact_f1,
            "overlap": e.overlap_f1, "lenient": e.lenient_f1})).collect::<Vec<_>>(),
    });
    let path = options.out.join("train.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary).expect("json"))
        .map_err(|e| Error::io(&path, e))?;
    Ok(report)
}

/// The config of the tagger: the encoder's with the token-classification head named.
pub fn tagger_config(base_config: &serde_json::Value) -> serde_json::Value {
    let mut config = base_config.clone();
    config["architectures"] = serde_json::json!(["BertForTokenClassification"]);
    config["model_type"] = "bert".into();
    config["id2label"] = id2label();
    config["label2id"] = Tag::all()
        .into_iter()
        .enumerate()
        .map(|(id, tag)| (tag.to_string(), serde_json::Value::from(id)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    config
}

/// Writes a Hugging Face folder from the encoder folder `base` and a head file: what
/// `bert:` loads. Used by training and by the `tagger` spec at load time.
pub fn assemble(base: &Path, head: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let config_path = base.join("config.json");
    let bytes = std::fs::read(&config_path).map_err(|e| Error::io(&config_path, e))?;
    let base_config: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::Model {
            model: "tagger".into(),
            message: format!("{}: {e}", config_path.display()),
        })?;
    let config = tagger_config(&base_config);
    let path = out.join("config.json");
    std::fs::write(&path, serde_json::to_string_pretty(&config).expect("json"))
        .map_err(|e| Error::io(&path, e))?;
    for file in [
        "vocab.txt",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
    ] {
        let from = base.join(file);
        if from.is_file() {
            std::fs::copy(&from, out.join(file)).map_err(|e| Error::io(&from, e))?;
        }
    }
    let fail = |path: &Path, e: tch::TchError| Error::Model {
        model: "tagger".into(),
        message: format!("{}: {e}", path.display()),
    };
    let encoder_path = base.join("model.safetensors");
    let mut tensors =
        Tensor::read_safetensors(&encoder_path).map_err(|e| fail(&encoder_path, e))?;
    tensors.extend(Tensor::read_safetensors(head).map_err(|e| fail(head, e))?);
    // A fixed order makes the file, and so the model's version hash, reproducible.
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let path = out.join("model.safetensors");
    Tensor::write_safetensors(&tensors, &path).map_err(|e| fail(&path, e))
}

fn write_folder(
    options: &TrainOptions,
    encoder: &Encoder,
    weight: &Tensor,
    bias: &Tensor,
) -> Result<()> {
    let _ = &encoder.config;
    std::fs::create_dir_all(&options.out).map_err(|e| Error::io(&options.out, e))?;
    let head = options.out.join("head.safetensors");
    Tensor::write_safetensors(
        &[
            ("classifier.bias".to_string(), bias.shallow_clone()),
            ("classifier.weight".to_string(), weight.shallow_clone()),
        ],
        &head,
    )
    .map_err(|e| Error::Model {
        model: "tagger".into(),
        message: format!("{}: {e}", head.display()),
    })?;
    assemble(&options.base, &head, &options.out)
}
