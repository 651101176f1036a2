//! The shipped `tagger`'s inference side: how it reads articles, its labels and config,
//! and how its compact trained tensors are laid over the encoder to make a folder
//! `bert:` loads. Training (`attr-eval train`) lives in `crate::train` and is not
//! needed to load or run the tagger.

use super::{BertOptions, LabelSet, Tag};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;
use tch::{Kind, Tensor};

/// The windows the tagger reads, in training and at inference alike. Shorter than
/// BERT's 512 because attention cost grows with the square of the window and
/// all-MiniLM-L6-v2 was tuned on sequences of at most 256 tokens.
pub fn tagger_options() -> BertOptions {
    BertOptions {
        window_length: 256,
        overlap: 64,
        content_merge_gap: Some(CONTENT_MERGE_GAP),
        min_content_words: MIN_CONTENT_WORDS,
        min_content_confidence: MIN_CONTENT_CONFIDENCE,
        max_cross_sentence_link: Some(MAX_CROSS_SENTENCE_LINK),
        source_rescue: Some(SOURCE_RESCUE),
        ..BertOptions::default()
    }
}

/// A quote the tagger breaks usually breaks at a word or a punctuation mark.
const CONTENT_MERGE_GAP: usize = 3;
/// PolNeAR's contents are clauses; one- and two-word "contents" are the tagger's noise.
const MIN_CONTENT_WORDS: usize = 3;
/// The decoding thresholds below were chosen on PolNeAR dev (the tagger's card gives
/// the figures): each raised pair F1 there by cutting rows more often wrong than right.
const MIN_CONTENT_CONFIDENCE: f32 = 0.6;
/// "“…,” he said. “…”": the second piece's source sits just before it, in the
/// previous sentence; farther sources in other sentences were mostly wrong.
const MAX_CROSS_SENTENCE_LINK: usize = 40;
const SOURCE_RESCUE: f32 = 0.1;

pub(crate) fn model_error(message: impl Into<String>) -> Error {
    Error::Model {
        model: "tagger".into(),
        message: message.into(),
    }
}

/// The encoder's tensors by name, without the `bert.` prefix some files carry and with
/// old `gamma`/`beta` layer-norm names modernised, so any BERT file lines up.
pub(crate) fn read_tensors(path: &Path) -> Result<HashMap<String, Tensor>> {
    let tensors = Tensor::read_safetensors(path)
        .map_err(|e| model_error(format!("{}: {e}", path.display())))?;
    Ok(tensors
        .into_iter()
        .map(|(name, tensor)| (canonical_name(&name), tensor))
        .collect())
}

pub(crate) fn canonical_name(name: &str) -> String {
    name.strip_prefix("bert.")
        .unwrap_or(name)
        .replace("LayerNorm.gamma", "LayerNorm.weight")
        .replace("LayerNorm.beta", "LayerNorm.bias")
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

/// Suffix of the per-row scales of a matrix stored in int8 (see [`compact_tensors`]).
pub(crate) const INT8_SCALE: &str = ".int8_scale";

/// The f32 tensors of `path`, a file [`compact_tensors`] wrote (f16 and f32 files pass
/// through).
pub(crate) fn expand_tensors(path: &Path) -> Result<HashMap<String, Tensor>> {
    let mut tensors = read_tensors(path)?;
    let scales: Vec<String> = tensors
        .keys()
        .filter(|name| name.ends_with(INT8_SCALE))
        .cloned()
        .collect();
    for scale_name in scales {
        let scale = tensors.remove(&scale_name).expect("listed above");
        let name = scale_name.trim_end_matches(INT8_SCALE);
        let Some(quantized) = tensors.get(name) else {
            return Err(model_error(format!(
                "{}: `{scale_name}` scales a tensor `{name}` the file does not have",
                path.display()
            )));
        };
        let expanded = quantized.to_kind(Kind::Float) * scale.to_kind(Kind::Float).unsqueeze(1);
        tensors.insert(name.to_string(), expanded);
    }
    Ok(tensors
        .into_iter()
        .map(|(name, t)| (name, t.to_kind(Kind::Float)))
        .collect())
}

/// The file of trained tensors `train tagger` writes and `models/tagger/` ships.
pub const TRAINED_WEIGHTS: &str = "tagger.safetensors";
/// The fitted linker beside the tagger's weights (`train linker` writes it).
pub const LINKER_FILE: &str = "linker.json";

/// Writes a Hugging Face folder from the encoder folder `base` with the trained tensors
/// of `trained` laid over it: what `bert:` loads. Used by training and by the `tagger`
/// spec at load time.
pub fn assemble(base: &Path, trained: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let config_path = base.join("config.json");
    let bytes = std::fs::read(&config_path).map_err(|e| Error::io(&config_path, e))?;
    let base_config: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| model_error(format!("{}: {e}", config_path.display())))?;
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
    let mut tensors = read_tensors(&base.join("model.safetensors"))?;
    let overlay = expand_tensors(trained)?;
    if !overlay.contains_key("classifier.weight") {
        return Err(model_error(format!(
            "{} has no classifier.weight: not a file `train tagger` wrote",
            trained.display()
        )));
    }
    tensors.extend(overlay);
    // A fixed order makes the file, and so the model's version hash, reproducible.
    let mut tensors: Vec<(String, Tensor)> = tensors.into_iter().collect();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let path = out.join("model.safetensors");
    Tensor::write_safetensors(&tensors, &path)
        .map_err(|e| model_error(format!("{}: {e}", path.display())))
}
