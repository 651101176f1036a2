//! `attr-eval train tagger`: a SOURCE/CUE/CONTENT BIO tagger fine-tuned from a BERT
//! encoder (all-MiniLM-L6-v2).
//!
//! A linear head on the frozen encoder was tried first and fragmented quotes badly
//! (PolNeAR dev pair F1 0.08): sentence-embedding features do not say where a quote
//! ends. Fine-tuning the whole encoder on two CPU cores takes too long, so the lower
//! layers stay frozen and their output is computed once per window; only the top
//! `trained_layers` transformer layers and the classifier are trained, on those cached
//! states. The trained tensors alone are small enough to commit; at load time they are
//! laid over the set-up's encoder (`assemble`), giving an ordinary Hugging Face folder
//! that `bert:DIR` reads.

use crate::attribution::{Attribution, Span};
use crate::dataset::{Article, Dataset};
use crate::error::{Error, Result};
use crate::model::bert::net::{TokenizedText, load_tokenizer, special_tokens, tokenize_text};
#[cfg(test)]
use crate::model::bert::tagger::expand_tensors;
use crate::model::bert::tagger::{
    INT8_SCALE, TRAINED_WEIGHTS, assemble, canonical_name, model_error, read_tensors,
    tagger_labels, tagger_options,
};
use crate::model::bert::{
    BertOptions, LabelSet, Layer, Tag, Token, Window, plan_windows, rows_from_windows,
};
use crate::scoring::{PerScheme, Scorer, ScoringOptions, SpeakerMatch, aggregate};
use crate::train::split::{self, Part};
use indicatif::{ProgressBar, ProgressStyle};
use rust_bert::bert::{BertConfig, BertEmbedding, BertEmbeddings, BertLayer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{Device, Kind, Tensor, nn, nn::Module, nn::OptimizerConfig};

/// Label index the loss skips: special tokens and padding.
const IGNORED: i64 = -100;

/// What `train tagger` needs.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The encoder folder (all-MiniLM-L6-v2: config.json, model.safetensors, vocab).
    pub base: PathBuf,
    pub train: String,
    /// The dev dataset; `None` with `hold_out`: the held-out part of `train`.
    pub dev: Option<String>,
    /// `K/N`: the training articles in shard K of N are left out of training and are
    /// the dev set ([`crate::train::split`]).
    pub hold_out: Option<String>,
    pub out: PathBuf,
    pub epochs: usize,
    pub seed: i64,
    /// Peak learning rate of the fine-tuned encoder layers (AdamW, linear warm-up over
    /// the first tenth of the steps, then linear decay to zero).
    pub learning_rate: f64,
    /// Peak learning rate of the freshly initialised classifier.
    pub head_learning_rate: f64,
    /// Windows per optimizer step.
    pub batch_size: usize,
    /// How many of the encoder's top layers are trained; the rest stay frozen.
    pub trained_layers: usize,
    /// Train on the first N training articles only (0: all).
    pub limit: usize,
}

/// The dev score of one epoch (mention mode, all types, τ = 0.5).
#[derive(Debug, Clone, Copy)]
pub struct EpochScore {
    pub epoch: usize,
    pub loss: f64,
    pub seconds: f64,
    /// Dev pair F1 under each scheme.
    pub pair_f1: PerScheme<Option<f64>>,
}

/// What training produced.
#[derive(Debug, Clone)]
pub struct TrainReport {
    pub epochs: Vec<EpochScore>,
    pub best: EpochScore,
    pub train_tokens: usize,
    pub train_windows: usize,
    pub dev_tokens: usize,
}

/// Copies `tensors` into the variables of `vars` with the same (canonical) name; every
/// variable must be found except those whose name starts with one of `fresh`.
fn copy_into(vars: &nn::VarStore, tensors: &HashMap<String, Tensor>, fresh: &[&str]) -> Result<()> {
    let mut variables: Vec<(String, Tensor)> = vars.variables().into_iter().collect();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| {
        for (name, variable) in &mut variables {
            if fresh.iter().any(|prefix| name.starts_with(prefix)) {
                continue;
            }
            let value = tensors
                .get(&canonical_name(name))
                .ok_or_else(|| model_error(format!("the encoder has no weight `{name}`")))?;
            if value.size() != variable.size() {
                return Err(model_error(format!(
                    "`{name}` has shape {:?} in the encoder file but {:?} in its configuration",
                    value.size(),
                    variable.size()
                )));
            }
            variable
                .f_copy_(&value.to_kind(variable.kind()))
                .map_err(|e| model_error(format!("`{name}`: {e}")))?;
        }
        Ok(())
    })
}

/// BERT's additive attention mask: 0 where a window has a token, -10000 on padding.
fn attention_mask(lengths: &[usize], width: usize) -> Tensor {
    let mut mask = Vec::with_capacity(lengths.len() * width);
    for &used in lengths {
        mask.extend(std::iter::repeat_n(0f32, used));
        mask.extend(std::iter::repeat_n(-10000f32, width - used));
    }
    Tensor::from_slice(&mask).view([lengths.len() as i64, 1, 1, width as i64])
}

/// The frozen lower layers: embeddings and the encoder layers below the trained ones.
struct Frozen {
    _vars: nn::VarStore,
    embeddings: BertEmbeddings,
    layers: Vec<BertLayer>,
    tokenizer: tokenizers::Tokenizer,
    prefix: Vec<i64>,
    suffix: Vec<i64>,
    pad_id: i64,
}

/// The trained part: the top encoder layers and the classifier. Variable names are
/// Hugging Face's (`bert.encoder.layer.5…`, `classifier.weight`).
struct Trained {
    vars: nn::VarStore,
    layers: Vec<BertLayer>,
    classifier: nn::Linear,
}

/// An article's tokens split into windows, with the frozen layers' output per window
/// (special tokens included, padding not).
struct Encoded {
    article: Article,
    tokens: Vec<Token>,
    windows: Vec<Window>,
    states: Vec<Tensor>,
}

/// One training window: frozen states and the gold tag of each position.
struct Sample {
    states: Tensor,
    tags: Vec<i64>,
}

/// Window batches for the frozen layers.
const ENCODE_BATCH: usize = 16;

impl Frozen {
    fn load(
        base: &Path,
        config: &BertConfig,
        tensors: &HashMap<String, Tensor>,
        frozen_layers: usize,
        pad_id: i64,
    ) -> Result<Frozen> {
        let fail = |message: String| model_error(message);
        let (tokenizer, _) = load_tokenizer(base, &fail)?;
        let (prefix, suffix) = special_tokens(&tokenizer).map_err(fail)?;
        let vars = nn::VarStore::new(Device::Cpu);
        let root = vars.root() / "bert";
        let embeddings = BertEmbeddings::new(&root / "embeddings", config);
        let layers = (0..frozen_layers)
            .map(|i| BertLayer::new(&root / "encoder" / "layer" / i, config))
            .collect();
        copy_into(&vars, tensors, &[])?;
        Ok(Frozen {
            _vars: vars,
            embeddings,
            layers,
            tokenizer,
            prefix,
            suffix,
            pad_id,
        })
    }

    fn encode(&self, article: Article, capacity: usize, overlap: usize) -> Result<Encoded> {
        let TokenizedText { tokens, ids } = tokenize_text(&self.tokenizer, &article.text)
            .map_err(|e| model_error(format!("{}: tokenizer failed: {e}", article.id)))?;
        let windows = plan_windows(tokens.len(), capacity, overlap);
        let mut states = Vec::with_capacity(windows.len());
        for chunk in windows.chunks(ENCODE_BATCH) {
            states.extend(self.forward(&ids, chunk)?);
        }
        Ok(Encoded {
            article,
            tokens,
            windows,
            states,
        })
    }

    fn forward(&self, ids: &[i64], windows: &[Window]) -> Result<Vec<Tensor>> {
        let special = self.prefix.len() + self.suffix.len();
        let lengths: Vec<usize> = windows.iter().map(|w| w.len() + special).collect();
        let width = lengths.iter().copied().max().unwrap_or(0);
        let mut input = Vec::with_capacity(windows.len() * width);
        for (w, &used) in windows.iter().zip(&lengths) {
            input.extend_from_slice(&self.prefix);
            input.extend_from_slice(&ids[w.start..w.end]);
            input.extend_from_slice(&self.suffix);
            input.extend(std::iter::repeat_n(self.pad_id, width - used));
        }
        let input = Tensor::from_slice(&input).view([windows.len() as i64, width as i64]);
        let mask = attention_mask(&lengths, width);
        let hidden = tch::no_grad(|| -> Result<Tensor> {
            let mut hidden = self
                .embeddings
                .forward_t(Some(&input), None, None, None, false)
                .map_err(|e| model_error(format!("encoder failed: {e}")))?;
            for layer in &self.layers {
                hidden = layer
                    .forward_t(&hidden, Some(&mask), None, None, false)
                    .hidden_state;
            }
            Ok(hidden)
        })?;
        Ok(lengths
            .iter()
            .enumerate()
            .map(|(i, &used)| hidden.get(i as i64).narrow(0, 0, used as i64).copy())
            .collect())
    }
}

impl Trained {
    fn new(
        config: &BertConfig,
        tensors: &HashMap<String, Tensor>,
        first_layer: usize,
        labels: usize,
    ) -> Result<Trained> {
        let vars = nn::VarStore::new(Device::Cpu);
        let layers_root = vars.root() / "bert" / "encoder" / "layer";
        let layers = (first_layer..first_layer + trained_count(config, first_layer))
            .map(|i| BertLayer::new(&layers_root / i, config))
            .collect();
        // Group 1 gets the classifier's own, larger learning rate.
        let classifier = nn::linear(
            vars.root().set_group(1) / "classifier",
            config.hidden_size,
            labels as i64,
            Default::default(),
        );
        copy_into(&vars, tensors, &["classifier."])?;
        Ok(Trained {
            vars,
            layers,
            classifier,
        })
    }

    /// Logits `[batch, width, labels]` for padded frozen states `[batch, width, hidden]`.
    fn forward(&self, states: &Tensor, mask: &Tensor, train: bool) -> Tensor {
        let mut hidden = states.shallow_clone();
        for layer in &self.layers {
            hidden = layer
                .forward_t(&hidden, Some(mask), None, None, train)
                .hidden_state;
        }
        self.classifier.forward(&hidden.dropout(0.1, train))
    }

    /// The trained tensors, copied: what `tagger.safetensors` holds.
    fn snapshot(&self) -> Vec<(String, Tensor)> {
        let mut tensors: Vec<(String, Tensor)> = self
            .vars
            .variables()
            .into_iter()
            .map(|(name, t)| (name, t.detach().copy()))
            .collect();
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        tensors
    }
}

fn trained_count(config: &BertConfig, first_layer: usize) -> usize {
    usize::try_from(config.num_hidden_layers).unwrap_or(0) - first_layer
}

/// Pads states `[len, hidden]` into one `[batch, width, hidden]` tensor.
fn pad(states: &[&Tensor], width: usize, hidden: i64) -> Tensor {
    let batch = Tensor::zeros(
        [states.len() as i64, width as i64, hidden],
        (Kind::Float, Device::Cpu),
    );
    tch::no_grad(|| {
        for (i, s) in states.iter().enumerate() {
            batch.get(i as i64).narrow(0, 0, s.size()[0]).copy_(s);
        }
    });
    batch
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

pub(crate) fn progress(len: usize, what: &str) -> ProgressBar {
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
    frozen: &Frozen,
    dataset: &Dataset,
    part: &Part,
    limit: usize,
    overlap: usize,
    capacity: usize,
    what: &str,
) -> Result<Vec<Encoded>> {
    let total = if limit == 0 {
        part.count(dataset)
    } else {
        limit.min(part.count(dataset))
    };
    let bar = progress(total, what);
    let mut out = Vec::with_capacity(total);
    for article in split::articles(dataset, part).take(total) {
        out.push(frozen.encode(article?, capacity, overlap)?);
        bar.inc(1);
    }
    bar.finish();
    Ok(out)
}

/// Training windows with their gold tags; special tokens are left out of the loss.
fn samples(
    encoded: Vec<Encoded>,
    dataset: &Dataset,
    labels: &LabelSet,
    prefix: usize,
) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    for e in encoded {
        let tags = gold_tags(
            &e.article,
            &e.tokens,
            &dataset.gold_for(&e.article.id)?,
            labels,
        );
        for (window, states) in e.windows.iter().zip(e.states) {
            let used = states.size()[0] as usize;
            let mut window_tags = vec![IGNORED; used];
            for (slot, tag) in window_tags[prefix..]
                .iter_mut()
                .zip(&tags[window.start..window.end])
            {
                *slot = *tag;
            }
            out.push(Sample {
                states,
                tags: window_tags,
            });
        }
    }
    Ok(out)
}

/// The article's rows through the same stitching, decoding and linking `bert:` uses.
fn predict_rows(
    trained: &Trained,
    encoded: &Encoded,
    labels: &LabelSet,
    options: &BertOptions,
    prefix: usize,
    hidden: i64,
) -> Vec<Attribution> {
    let mut probabilities: Vec<Vec<Vec<f32>>> = Vec::with_capacity(encoded.windows.len());
    for (windows, states) in encoded
        .windows
        .chunks(ENCODE_BATCH)
        .zip(encoded.states.chunks(ENCODE_BATCH))
    {
        let lengths: Vec<usize> = states.iter().map(|s| s.size()[0] as usize).collect();
        let width = lengths.iter().copied().max().unwrap_or(0);
        let batch = pad(&states.iter().collect::<Vec<_>>(), width, hidden);
        let output = tch::no_grad(|| {
            trained
                .forward(&batch, &attention_mask(&lengths, width), false)
                .softmax(-1, Kind::Float)
        });
        let output = Vec::<Vec<Vec<f32>>>::try_from(&output).expect("a 3-d float tensor");
        for (window, rows) in windows.iter().zip(output) {
            probabilities.push(rows.into_iter().skip(prefix).take(window.len()).collect());
        }
    }
    rows_from_windows(
        &encoded.article,
        &encoded.tokens,
        &encoded.windows,
        &probabilities,
        labels,
        options,
    )
}

/// Pair F1 of every scheme on the dev set (mention mode, all types, τ = 0.5).
fn dev_scores(
    trained: &Trained,
    options: &BertOptions,
    dev: &[Encoded],
    dataset: &Dataset,
    labels: &LabelSet,
    prefix: usize,
    hidden: i64,
) -> Result<PerScheme<Option<f64>>> {
    let scoring = ScoringOptions {
        speaker_match: SpeakerMatch::Mention,
        resamples: 0,
        ..ScoringOptions::default()
    };
    let scorer = Scorer::new(dataset.aliases(), &scoring);
    let mut scores = Vec::with_capacity(dev.len());
    for encoded in dev {
        let rows = predict_rows(trained, encoded, labels, options, prefix, hidden);
        scores.push(scorer.score_article(
            &encoded.article,
            &dataset.gold_for(&encoded.article.id)?,
            &rows,
        )?);
    }
    let total = aggregate(&scores, &scoring);
    Ok(PerScheme::from_fn(|s| total.scores.get(s).pair.f1))
}

/// Warm-up over the first tenth of the steps, then linear decay to zero.
fn schedule(step: usize, total: usize) -> f64 {
    let warmup = (total / 10).max(1);
    if step < warmup {
        (step + 1) as f64 / warmup as f64
    } else {
        (total - step) as f64 / (total - warmup).max(1) as f64
    }
}

/// Trains the tagger and writes to `options.out`: `tagger.safetensors` (the trained
/// tensors of the best epoch, in f16), a complete `bert:`-loadable folder, and
/// `train.json` (options and every epoch's dev scores).
pub fn train_tagger(options: &TrainOptions) -> Result<TrainReport> {
    if options.epochs == 0 || options.batch_size == 0 {
        return Err(Error::Usage(
            "train tagger: --epochs and --batch-size must be at least 1".into(),
        ));
    }
    let config_path = options.base.join("config.json");
    let bytes = std::fs::read(&config_path).map_err(|e| Error::io(&config_path, e))?;
    let config: BertConfig = serde_json::from_slice(&bytes).map_err(|e| {
        model_error(format!(
            "{}: not a BERT configuration: {e}",
            config_path.display()
        ))
    })?;
    let pad_id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|c| c.get("pad_token_id")?.as_i64())
        .unwrap_or(0);
    let layers = usize::try_from(config.num_hidden_layers).unwrap_or(0);
    if options.trained_layers == 0 || options.trained_layers > layers {
        return Err(Error::Usage(format!(
            "train tagger: --trained-layers must be between 1 and the encoder's {layers} layers"
        )));
    }
    let frozen_layers = layers - options.trained_layers;
    let labels = tagger_labels();
    let (train_part, held_out) = split::parts(options.hold_out.as_deref())?;
    let train_set = Dataset::open(&options.train)?;
    let (dev_set, dev_part) = match &options.dev {
        Some(dev) => (Dataset::open(dev)?, Part::All),
        None if options.hold_out.is_some() => (Dataset::open(&options.train)?, held_out),
        None => {
            return Err(Error::Usage(
                "train tagger: give --dev D, or --hold-out K/N to keep part of --train as dev"
                    .into(),
            ));
        }
    };
    let weights = read_tensors(&options.base.join("model.safetensors"))?;
    let frozen = Frozen::load(&options.base, &config, &weights, frozen_layers, pad_id)?;
    let prefix = frozen.prefix.len();
    let inference = tagger_options().effective(
        usize::try_from(config.max_position_embeddings).unwrap_or(0),
        prefix + frozen.suffix.len(),
    )?;
    let capacity = inference.window_length - prefix - frozen.suffix.len();

    // Training windows do not overlap: every token is seen once per epoch.
    let train = encode_dataset(
        &frozen,
        &train_set,
        &train_part,
        options.limit,
        0,
        capacity,
        "encoding train",
    )?;
    let train_tokens = train.iter().map(|e| e.tokens.len()).sum();
    let samples = samples(train, &train_set, &labels, prefix)?;
    let dev = encode_dataset(
        &frozen,
        &dev_set,
        &dev_part,
        0,
        inference.overlap,
        capacity,
        "encoding dev",
    )?;
    let dev_tokens = dev.iter().map(|e| e.tokens.len()).sum();
    let hidden = config.hidden_size;

    tch::manual_seed(options.seed);
    let trained = Trained::new(&config, &weights, frozen_layers, labels.len())?;
    drop(weights);
    let mut optimizer = nn::AdamW::default()
        .build(&trained.vars, options.learning_rate)
        .map_err(|e| model_error(e.to_string()))?;

    let n = samples.len();
    let steps_per_epoch = n.div_ceil(options.batch_size);
    let total_steps = steps_per_epoch * options.epochs;
    let mut step = 0;
    let mut epochs = Vec::new();
    let mut best: Option<(EpochScore, Vec<(String, Tensor)>)> = None;
    for epoch in 1..=options.epochs {
        let started = Instant::now();
        let order: Vec<i64> =
            Vec::try_from(&Tensor::randperm(n as i64, (Kind::Int64, Device::Cpu)))
                .expect("a 1-d index tensor");
        let bar = progress(steps_per_epoch, &format!("epoch {epoch}"));
        let mut loss_sum = 0.0;
        for batch in order.chunks(options.batch_size) {
            let chosen: Vec<&Sample> = batch.iter().map(|&i| &samples[i as usize]).collect();
            let lengths: Vec<usize> = chosen.iter().map(|s| s.tags.len()).collect();
            let width = lengths.iter().copied().max().unwrap_or(0);
            let states = pad(
                &chosen.iter().map(|s| &s.states).collect::<Vec<_>>(),
                width,
                hidden,
            );
            let mut tags = Vec::with_capacity(chosen.len() * width);
            for s in &chosen {
                tags.extend_from_slice(&s.tags);
                tags.extend(std::iter::repeat_n(IGNORED, width - s.tags.len()));
            }
            let tags = Tensor::from_slice(&tags);
            let factor = schedule(step, total_steps);
            optimizer.set_lr_group(0, options.learning_rate * factor);
            optimizer.set_lr_group(1, options.head_learning_rate * factor);
            let logits = trained.forward(&states, &attention_mask(&lengths, width), true);
            let loss = logits
                .view([-1, labels.len() as i64])
                .cross_entropy_loss::<Tensor>(&tags, None, tch::Reduction::Mean, IGNORED, 0.0);
            optimizer.backward_step_clip_norm(&loss, 1.0);
            let loss = loss.double_value(&[]);
            loss_sum += loss;
            step += 1;
            bar.set_message(format!("epoch {epoch} loss {loss:.3}"));
            bar.inc(1);
        }
        bar.finish_and_clear();
        let pair_f1 = dev_scores(
            &trained, &inference, &dev, &dev_set, &labels, prefix, hidden,
        )?;
        let score = EpochScore {
            epoch,
            loss: loss_sum / steps_per_epoch as f64,
            seconds: started.elapsed().as_secs_f64(),
            pair_f1,
        };
        let show = |f: Option<f64>| f.map_or("–".to_string(), |f| format!("{f:.4}"));
        eprintln!(
            "epoch {epoch:>2}: train loss {:.4}, dev pair F1 exact {} overlap {} lenient {} ({:.0} s)",
            score.loss,
            show(pair_f1.exact),
            show(pair_f1.overlap),
            show(pair_f1.lenient),
            score.seconds,
        );
        epochs.push(score);
        let better = best
            .as_ref()
            .is_none_or(|(b, _)| pair_f1.overlap.unwrap_or(0.0) > b.pair_f1.overlap.unwrap_or(0.0));
        if better {
            best = Some((score, trained.snapshot()));
        }
    }
    let (best, tensors) = best.expect("at least one epoch");
    eprintln!(
        "best epoch: {} (dev pair F1 overlap {:?})",
        best.epoch, best.pair_f1.overlap
    );
    std::fs::create_dir_all(&options.out).map_err(|e| Error::io(&options.out, e))?;
    let weights_path = options.out.join(TRAINED_WEIGHTS);
    let compact = compact_tensors(tensors);
    Tensor::write_safetensors(&compact, &weights_path)
        .map_err(|e| model_error(format!("{}: {e}", weights_path.display())))?;
    assemble(&options.base, &weights_path, &options.out)?;
    let report = TrainReport {
        epochs,
        best,
        train_tokens,
        train_windows: n,
        dev_tokens,
    };
    let summary = serde_json::json!({
        "base": options.base,
        "train": options.train,
        "train_articles": train_part.describe(),
        "dev_dataset": options.dev.as_deref().unwrap_or(&options.train),
        "dev_articles": dev_part.describe(),
        "seed": options.seed,
        "epochs": options.epochs,
        "learning_rate": options.learning_rate,
        "head_learning_rate": options.head_learning_rate,
        "batch_size": options.batch_size,
        "trained_layers": options.trained_layers,
        "limit": options.limit,
        "window_length": inference.window_length,
        "train_tokens": report.train_tokens,
        "train_windows": report.train_windows,
        "dev_tokens": report.dev_tokens,
        "best_epoch": best.epoch,
        "dev": report.epochs.iter().map(|e| serde_json::json!({
            "epoch": e.epoch, "loss": e.loss, "seconds": e.seconds, "exact": e.pair_f1.exact,
            "overlap": e.pair_f1.overlap, "lenient": e.pair_f1.lenient})).collect::<Vec<_>>(),
    });
    let path = options.out.join("train.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary).expect("json"))
        .map_err(|e| Error::io(&path, e))?;
    Ok(report)
}

/// The trained tensors as the repository carries them: matrices in int8 with one f32
/// scale per row (symmetric, `w ≈ q · scale`, |q| ≤ 127), everything else in f16. A
/// quarter of f32, so two fine-tuned MiniLM layers fit in under 4 MB; the tagger's card
/// reports scores measured with these rounded weights, and [`expand_tensors`] undoes it.
fn compact_tensors(tensors: Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    let mut out = Vec::with_capacity(tensors.len() * 2);
    for (name, tensor) in tensors {
        let tensor = tensor.to_kind(Kind::Float);
        if tensor.dim() == 2 {
            let scale = tensor.abs().amax([1].as_slice(), false).clamp_min(1e-12) / 127.0;
            let quantized = (&tensor / scale.unsqueeze(1))
                .round()
                .clamp(-127.0, 127.0)
                .to_kind(Kind::Int8);
            out.push((format!("{name}{INT8_SCALE}"), scale));
            out.push((name, quantized));
        } else {
            out.push((name, tensor.to_kind(Kind::Half)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::model::bert::testing::{TinyModel, write_tiny_model};

    /// A dataset in which every article has one direct quote, its speaker and cue.
    fn write_dataset(dir: &Path, articles: usize) {
        std::fs::create_dir_all(dir.join("articles")).unwrap();
        let mut gold = String::from(
            "article_id,speaker,quote,start,end,type,cue,speaker_mention,speaker_start,speaker_end\n",
        );
        for i in 0..articles {
            let text = format!("the plan would not work {i} , he told reporters .");
            std::fs::write(dir.join(format!("articles/a{i}.txt")), &text).unwrap();
            let quote = format!("the plan would not work {i}");
            let he = text.find(" he ").unwrap() + 1;
            gold.push_str(&format!(
                "a{i},he,{quote},0,{},direct,told,he,{he},{}\n",
                quote.len(),
                he + 2
            ));
        }
        std::fs::write(dir.join("gold.csv"), gold).unwrap();
    }

    fn options(dir: &Path, out: &str) -> TrainOptions {
        TrainOptions {
            base: dir.join("base"),
            train: dir.join("train").display().to_string(),
            dev: Some(dir.join("dev").display().to_string()),
            hold_out: None,
            out: dir.join(out),
            epochs: 2,
            seed: 5,
            learning_rate: 1e-3,
            head_learning_rate: 1e-2,
            batch_size: 4,
            trained_layers: 1,
            limit: 0,
        }
    }

    #[test]
    fn training_is_reproducible_and_writes_a_loadable_tagger() {
        tch::set_num_threads(1);
        let dir = tempfile::tempdir().unwrap();
        write_tiny_model(&dir.path().join("base"), &TinyModel::default()).unwrap();
        write_dataset(&dir.path().join("train"), 12);
        write_dataset(&dir.path().join("dev"), 3);

        // No other test's random draws between the seed and the end of each training.
        let _rng = crate::model::bert::testing::seeded_rng(0);
        let first = train_tagger(&options(dir.path(), "one")).unwrap();
        let second = train_tagger(&options(dir.path(), "two")).unwrap();
        assert_eq!(first.epochs.len(), 2);
        for (a, b) in first.epochs.iter().zip(&second.epochs) {
            assert_eq!(a.loss, b.loss, "same seed, same data: same loss");
            assert_eq!(a.pair_f1, b.pair_f1);
        }
        assert!(
            first.epochs[1].loss < first.epochs[0].loss,
            "training lowers the loss"
        );
        let weights =
            |out: &str| std::fs::read(dir.path().join(out).join(TRAINED_WEIGHTS)).unwrap();
        assert_eq!(weights("one"), weights("two"));

        // The written folder is an ordinary `bert:` model.
        let model = crate::model::bert::BertModel::load(
            "t",
            "bert:one",
            &dir.path().join("one"),
            tagger_options(),
        )
        .unwrap();
        let article = Article::new("x", "the plan would not work 9 , he told reporters .");
        for row in model.predict(&article).unwrap() {
            assert_eq!(
                article.slice(row.quote_span.unwrap()),
                Some(row.quote.as_str())
            );
        }
    }

    #[test]
    fn compact_weights_expand_to_within_half_a_step_of_the_originals() {
        let matrix = Tensor::from_slice(&[0.5f32, -1.0, 0.25, 0.0, 3.0, -0.001]).view([2, 3]);
        let vector = Tensor::from_slice(&[0.1f32, -2.0]);
        let compact = compact_tensors(vec![
            ("m".to_string(), matrix.shallow_clone()),
            ("v".to_string(), vector.shallow_clone()),
        ]);
        let kinds: HashMap<String, Kind> =
            compact.iter().map(|(n, t)| (n.clone(), t.kind())).collect();
        assert_eq!(kinds["m"], Kind::Int8);
        assert_eq!(kinds["v"], Kind::Half);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TRAINED_WEIGHTS);
        Tensor::write_safetensors(&compact, &path).unwrap();
        let expanded = expand_tensors(&path).unwrap();
        assert_eq!(expanded.len(), 2, "scales are folded back in");
        // Row maxima are 1.0 and 3.0: steps of 1/127 and 3/127.
        let error = (&expanded["m"] - &matrix).abs();
        let step = Tensor::from_slice(&[1.0f32 / 127.0, 3.0 / 127.0]).unsqueeze(1);
        assert!(bool::try_from(error.le_tensor(&(step / 2.0 + 1e-6)).all()).unwrap());
        let error = f64::try_from((&expanded["v"] - &vector).abs().max()).unwrap();
        assert!(error < 1e-3, "f16 keeps vectors to about 3 digits: {error}");
    }

    #[test]
    fn trained_layers_must_fit_the_encoder() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny_model(&dir.path().join("base"), &TinyModel::default()).unwrap();
        let mut o = options(dir.path(), "x");
        o.trained_layers = 99;
        assert!(matches!(train_tagger(&o), Err(Error::Usage(_))));
    }
}
