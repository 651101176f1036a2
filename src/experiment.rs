//! Named experiments: `experiments/NAME.toml` fixes datasets, models and scoring flags so
//! a run can be repeated by name.
//!
//! ```toml
//! datasets = ["seed", "litbank-quotes"]
//! models = ["rules", "v2=file:preds_v2.csv"]
//!
//! [scoring]
//! overlap = 0.5
//! speaker_match = "name"
//! types = ["direct", "indirect", "mixed"]
//! seed = 12345
//! resamples = 1000
//! ```

use crate::attribution::QuoteType;
use crate::error::{Error, InputError, Location, Result};
use crate::scoring::{ScoringOptions, SpeakerMatch};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Experiment {
    /// The file's name without `.toml`.
    #[serde(skip)]
    pub name: String,
    pub description: Option<String>,
    pub datasets: Vec<String>,
    pub models: Vec<String>,
    pub scoring: ScoringConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    pub overlap: Option<f64>,
    pub speaker_match: Option<SpeakerMatch>,
    pub types: Option<Vec<QuoteType>>,
    pub seed: Option<u64>,
    pub resamples: Option<usize>,
}

impl ScoringConfig {
    pub fn apply_to(&self, mut base: ScoringOptions) -> ScoringOptions {
        if let Some(overlap) = self.overlap {
            base.overlap = overlap;
        }
        if let Some(mode) = self.speaker_match {
            base.speaker_match = mode;
        }
        if let Some(types) = &self.types {
            base.types = QuoteType::ALL
                .into_iter()
                .filter(|t| types.contains(t))
                .collect();
        }
        if let Some(seed) = self.seed {
            base.seed = seed;
        }
        if let Some(resamples) = self.resamples {
            base.resamples = resamples;
        }
        base
    }
}

impl Experiment {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut experiment: Experiment = toml::from_str(&text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| line_and_column(&text, span.start))
                .unwrap_or((1, 1));
            InputError::new(
                Location::numbered_column(path, line, column),
                e.message().to_string(),
            )
        })?;
        if let Some(overlap) = experiment.scoring.overlap
            && !(overlap > 0.0 && overlap <= 1.0)
        {
            return Err(InputError::new(
                Location::file(path),
                format!("scoring.overlap must be in (0, 1], got {overlap}"),
            )
            .into());
        }
        experiment.name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| PathBuf::from(path).display().to_string());
        Ok(experiment)
    }
}

/// 1-based line and character column of a byte offset.
fn line_and_column(text: &str, byte: usize) -> (u64, u64) {
    let before = &text[..text.floor_char_boundary(byte.min(text.len()))];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_sets_datasets_models_and_scoring() {
        let (_dir, path) = crate::test_support::temp_file(
            "direct-only.toml",
            "datasets = [\"seed\"]\nmodels = [\"rules\"]\n[scoring]\ntypes = [\"direct\"]\nspeaker_match = \"mention\"\n",
        );
        let experiment = Experiment::load(&path).unwrap();
        assert_eq!(experiment.name, "direct-only");
        let options = experiment.scoring.apply_to(ScoringOptions::default());
        assert_eq!(options.types, vec![QuoteType::Direct]);
        assert_eq!(options.speaker_match, SpeakerMatch::Mention);
        assert_eq!(options.overlap, 0.5);
    }

    #[test]
    fn a_typo_is_named_with_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "datasets = [\"seed\"]\nmodel = [\"rules\"]\n").unwrap();
        let message = Experiment::load(&path).unwrap_err().to_string();
        assert!(message.contains("bad.toml:2:1"), "{message}");
        assert!(message.contains("unknown field `model`"), "{message}");
    }
}
