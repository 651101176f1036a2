//! Tiny random `bert:` model folders, made in Rust with tch, for tests and benches that
//! must not download anything.

use super::labels::{LabelSet, Tag};
use rust_bert::bert::{BertConfig, BertForTokenClassification};
use std::path::Path;
use tch::{Device, Tensor, nn};

/// libtorch's random generator is one per process, and tests run on several threads: a
/// test that seeds it and then draws must hold this, or another test's draws come in
/// between and the "seeded" weights differ from run to run.
pub fn seeded_rng(seed: i64) -> std::sync::MutexGuard<'static, ()> {
    static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = RNG.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    tch::manual_seed(seed);
    guard
}

/// What to put in a tiny model folder.
#[derive(Debug, Clone)]
pub struct TinyModel {
    /// Seed of the random weights.
    pub seed: i64,
    /// When set, the classifier ignores its input and always predicts this tag (its
    /// weights are zero, its bias favours the tag): outputs known in advance.
    pub constant_tag: Option<Tag>,
    /// Length of the position table (the longest window the model takes).
    pub max_positions: i64,
    /// Write `tokenizer.json` beside `vocab.txt`.
    pub tokenizer_json: bool,
}

impl Default for TinyModel {
    fn default() -> Self {
        TinyModel {
            seed: 7,
            constant_tag: None,
            max_positions: 64,
            tokenizer_json: false,
        }
    }
}

/// The Hugging Face `id2label` of the tiny models.
pub fn id2label() -> serde_json::Value {
    let labels: serde_json::Map<String, serde_json::Value> = Tag::all()
        .into_iter()
        .enumerate()
        .map(|(id, tag)| (id.to_string(), tag.to_string().into()))
        .collect();
    serde_json::Value::Object(labels)
}

/// A WordPiece vocabulary that spells any ASCII text: special tokens, some whole words,
/// then every ASCII letter, digit and punctuation mark alone and as a `##` piece.
fn vocabulary() -> Vec<String> {
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .map(String::from)
        .to_vec();
    for word in [
        "the",
        "said",
        "told",
        "reporters",
        "that",
        "he",
        "she",
        "they",
        "would",
        "not",
        "minister",
        "talks",
        "on",
        "go",
        "will",
        "we",
        "it",
        "is",
        "over",
        "a",
        "of",
        "and",
    ] {
        vocab.push(word.to_string());
    }
    let chars: Vec<char> = ('a'..='z')
        .chain('0'..='9')
        .chain("\"'.,;:!?()-«»“”’".chars())
        .collect();
    for c in &chars {
        vocab.push(c.to_string());
    }
    for c in &chars {
        vocab.push(format!("##{c}"));
    }
    vocab
}

/// Writes `config.json`, `model.safetensors` and `vocab.txt` (and `tokenizer.json` if
/// asked) of a 2-layer BERT token classifier with hidden size 32.
pub fn write_tiny_model(dir: &Path, spec: &TinyModel) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let vocab = vocabulary();
    std::fs::write(dir.join("vocab.txt"), vocab.join("\n") + "\n").map_err(|e| e.to_string())?;
    let config = serde_json::json!({
        "architectures": ["BertForTokenClassification"],
        "model_type": "bert",
        "hidden_act": "gelu",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "hidden_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "max_position_embeddings": spec.max_positions,
        "num_attention_heads": 2,
        "num_hidden_layers": 2,
        "type_vocab_size": 2,
        "vocab_size": vocab.len(),
        "pad_token_id": 0,
        "id2label": id2label(),
    });
    let text = serde_json::to_string_pretty(&config).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("config.json"), text).map_err(|e| e.to_string())?;

    let rng = seeded_rng(spec.seed);
    let vars = nn::VarStore::new(Device::Cpu);
    let bert_config: BertConfig = serde_json::from_value(config).map_err(|e| e.to_string())?;
    let _model =
        BertForTokenClassification::new(vars.root(), &bert_config).map_err(|e| e.to_string())?;
    if let Some(tag) = spec.constant_tag {
        let labels = LabelSet::from_config(&serde_json::json!({ "id2label": id2label() }))?;
        let id = labels.id(tag).ok_or("tag not in the label set")? as i64;
        let variables = vars.variables();
        tch::no_grad(|| {
            let mut weight = variables["classifier.weight"].shallow_clone();
            let mut bias = variables["classifier.bias"].shallow_clone();
            let _ = weight.zero_();
            let _ = bias.zero_();
            let _ = bias.get(id).fill_(10.0);
        });
    }
    drop(rng);
    vars.save(dir.join("model.safetensors"))
        .map_err(|e| e.to_string())?;

    if spec.tokenizer_json {
        let tokenizer = super::net::wordpiece_tokenizer(dir, &dir.join("vocab.txt"))?;
        tokenizer
            .save(dir.join("tokenizer.json"), true)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes a safetensors file holding only the tensors whose names pass `keep`.
pub fn filter_weights(from: &Path, to: &Path, keep: impl Fn(&str) -> bool) -> Result<(), String> {
    let tensors: Vec<(String, Tensor)> = Tensor::read_safetensors(from)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|(name, _)| keep(name))
        .collect();
    Tensor::write_safetensors(&tensors, to).map_err(|e| e.to_string())
}
