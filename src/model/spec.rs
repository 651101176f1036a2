//! Model specs on the command line (docs/models.md#model-specs): `rules`, `file:PATH`,
//! `cmd:COMMAND`, each optionally named `NAME=SPEC`.

use crate::error::{Error, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelKind {
    Rules,
    File(PathBuf),
    Command(String),
    /// A BERT-family token classifier in a Hugging Face folder (cargo feature `bert`).
    Bert(PathBuf),
    /// The MiniLM tagger: the trained tensors in `models/tagger/` on the encoder of
    /// scripts/setup-libtorch.sh (cargo feature `bert`).
    Tagger,
    /// A chat model behind an OpenAI-compatible endpoint: what follows `llm:`
    /// (`MODEL@BASE_URL[?OPTIONS]`, parsed by [`super::llm::LlmConfig`]).
    Llm(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub name: String,
    /// The spec without its `NAME=` prefix, as recorded in `run.json`.
    pub spec: String,
    pub kind: ModelKind,
}

/// Built-in models that run with no set-up: what `attr-eval run` uses by default.
pub const DEFAULT_MODELS: [&str; 1] = ["rules"];

/// What `attr-eval run` uses with no `--model`: [`DEFAULT_MODELS`], plus `tagger` when
/// this build has the `bert` feature and its trained weights and encoder are both present.
pub fn default_models() -> Vec<String> {
    let mut models: Vec<String> = DEFAULT_MODELS.iter().map(|m| m.to_string()).collect();
    if cfg!(feature = "bert") && tagger_head().is_some() && tagger_encoder().is_some() {
        models.push("tagger".into());
    }
    models
}

/// The trained weights of the `tagger` model (`models/tagger/tagger.safetensors`, which
/// `train tagger` writes): under the current folder, else under the source tree this
/// binary was built from.
pub fn tagger_head() -> Option<PathBuf> {
    [
        PathBuf::from("models/tagger"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/tagger"),
    ]
    .into_iter()
    .find(|dir| dir.join("tagger.safetensors").is_file())
}

/// The all-MiniLM-L6-v2 encoder scripts/setup-libtorch.sh links: `$LIBTORCH/minilm`,
/// else `.libtorch/minilm` under the current folder or the source tree.
pub fn tagger_encoder() -> Option<PathBuf> {
    std::env::var_os("LIBTORCH")
        .map(|l| PathBuf::from(l).join("minilm"))
        .into_iter()
        .chain([
            PathBuf::from(".libtorch/minilm"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".libtorch/minilm"),
        ])
        .find(|dir| dir.join("model.safetensors").is_file())
}

impl ModelSpec {
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let (explicit_name, spec) = split_name(text);
        let kind = if spec == "rules" {
            ModelKind::Rules
        } else if spec == "tagger" {
            ModelKind::Tagger
        } else if let Some(path) = spec.strip_prefix("file:") {
            ModelKind::File(PathBuf::from(path))
        } else if let Some(command) = spec.strip_prefix("cmd:") {
            if command.trim().is_empty() {
                return Err(Error::Usage("model spec `cmd:` needs a command".into()));
            }
            ModelKind::Command(command.to_string())
        } else if let Some(dir) = spec.strip_prefix("bert:") {
            if dir.trim().is_empty() {
                return Err(Error::Usage(
                    "model spec `bert:` needs a model folder".into(),
                ));
            }
            ModelKind::Bert(PathBuf::from(dir))
        } else if let Some(rest) = spec.strip_prefix("llm:") {
            // Checked here so a typo stops the run before any model runs.
            super::llm::LlmConfig::parse(rest).map_err(Error::Usage)?;
            ModelKind::Llm(rest.to_string())
        } else {
            return Err(Error::Usage(format!(
                "unknown model spec `{spec}`: expected `rules`, `tagger`, `file:PATH`, `cmd:COMMAND`, \
                 `bert:DIR` or `llm:MODEL@BASE_URL`, optionally as NAME=SPEC"
            )));
        };
        let name = match explicit_name {
            Some(name) => name.to_string(),
            None => default_name(&kind),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(Error::Usage(format!(
                "model name `{name}` must be non-empty and use only A-Z a-z 0-9 . _ - \
                 (it names a predictions file): name it with NAME=SPEC"
            )));
        }
        Ok(ModelSpec {
            name,
            spec: spec.to_string(),
            kind,
        })
    }

    /// Parses a run's model list; names must be unique within a run.
    pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Self>> {
        let specs = texts
            .iter()
            .map(|t| ModelSpec::parse(t.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        let mut seen = BTreeSet::new();
        for spec in &specs {
            if !seen.insert(spec.name.as_str()) {
                return Err(Error::Usage(format!(
                    "two models are named `{}`: give one another name with NAME=SPEC",
                    spec.name
                )));
            }
        }
        Ok(specs)
    }
}

/// `NAME=SPEC`, where NAME cannot contain `:` (so `cmd:python x.py --k=v` is not split).
fn split_name(text: &str) -> (Option<&str>, &str) {
    match text.split_once('=') {
        Some((name, spec)) if !name.contains(':') && !name.contains(' ') => (Some(name), spec),
        _ => (None, text),
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn default_name(kind: &ModelKind) -> String {
    match kind {
        ModelKind::Rules => "rules".into(),
        ModelKind::Tagger => "tagger".into(),
        ModelKind::File(path) => file_stem(path),
        ModelKind::Bert(dir) => dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bert".into()),
        ModelKind::Llm(rest) => super::llm::LlmConfig::parse(rest)
            .map(|config| config.default_name())
            .unwrap_or_else(|_| "llm".into()),
        ModelKind::Command(command) => {
            // The program's file stem: for `python3 adapter.py`, name the script, since
            // every Python adapter would otherwise be called `python3`.
            let words: Vec<&str> = command.split_whitespace().collect();
            let program = words
                .iter()
                .find(|w| {
                    let stem = file_stem(Path::new(w));
                    !w.starts_with('-') && !is_interpreter(&stem)
                })
                .or(words.first())
                .copied()
                .unwrap_or("");
            file_stem(Path::new(program))
        }
    }
}

fn is_interpreter(stem: &str) -> bool {
    let base = stem.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    matches!(
        base,
        "python" | "node" | "ruby" | "perl" | "bash" | "sh" | "uv" | "env"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_default_from_the_spec() {
        assert_eq!(ModelSpec::parse("rules").unwrap().name, "rules");
        assert_eq!(
            ModelSpec::parse("file:out/preds_v2.csv").unwrap().name,
            "preds_v2"
        );
        assert_eq!(
            ModelSpec::parse("cmd:./bin/tagger --fast").unwrap().name,
            "tagger"
        );
        assert_eq!(
            ModelSpec::parse("cmd:python3 examples/adapter.py")
                .unwrap()
                .name,
            "adapter"
        );
    }

    #[test]
    fn explicit_names_win_and_keep_equals_signs_in_commands() {
        let spec = ModelSpec::parse("v2=file:preds_v2.csv").unwrap();
        assert_eq!(
            (spec.name.as_str(), spec.spec.as_str()),
            ("v2", "file:preds_v2.csv")
        );
        let spec = ModelSpec::parse("cmd:tool --k=v").unwrap();
        assert_eq!(spec.kind, ModelKind::Command("tool --k=v".into()));
    }

    #[test]
    fn duplicate_names_are_refused() {
        let err = ModelSpec::parse_all(&["rules", "rules"]).unwrap_err();
        assert!(err.to_string().contains("two models are named `rules`"));
    }

    #[test]
    fn unknown_specs_say_what_is_accepted() {
        let err = ModelSpec::parse("gpt").unwrap_err();
        assert!(
            err.to_string()
                .contains("expected `rules`, `tagger`, `file:PATH`")
        );
    }
}
