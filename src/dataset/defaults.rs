//! `dataset.toml`: what a dataset declares about how it should be scored, used when the
//! command line and the experiment leave it open (docs/datasets.md#dataset-toml).
//!
//! ```toml
//! # PolNeAR's speakers are mentions ("he", "the campaign"), not entity names.
//! speaker_match = "mention"
//! ```

use crate::error::{Error, InputError, Location, Result};
use crate::scoring::SpeakerMatch;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetDefaults {
    /// How this dataset's speakers are best compared.
    pub speaker_match: Option<SpeakerMatch>,
}

pub const DEFAULTS_FILE: &str = "dataset.toml";

impl DatasetDefaults {
    /// The declarations of the dataset a spec names (a name under `datasets/` or a
    /// path); none when it has no `dataset.toml`.
    pub fn for_spec(spec: &str) -> Result<(PathBuf, DatasetDefaults)> {
        let folder = super::resolve(spec)?;
        let path = folder.join(DEFAULTS_FILE);
        let defaults = Self::read(&path)?;
        Ok((path, defaults))
    }

    fn read(path: &Path) -> Result<DatasetDefaults> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DatasetDefaults::default());
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        toml::from_str(&text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| line_and_column(&text, span.start))
                .unwrap_or((1, 1));
            Error::Input(InputError::new(
                Location::numbered_column(path, line, column),
                format!(
                    "{}: expected e.g. `speaker_match = \"mention\"` (name, mention or none)",
                    e.message()
                ),
            ))
        })
    }
}

/// The speaker matching a run uses when no flag or experiment chose one: the one the
/// datasets declare, if they agree; with a note for the user saying where it came from.
pub fn declared_speaker_match(specs: &[String]) -> Result<(SpeakerMatch, Option<String>)> {
    let mut declared: Vec<(PathBuf, SpeakerMatch)> = Vec::new();
    for spec in specs {
        let (path, defaults) = DatasetDefaults::for_spec(spec)?;
        if let Some(mode) = defaults.speaker_match {
            declared.push((path, mode));
        }
    }
    let Some((first_path, first)) = declared.first().cloned() else {
        return Ok((SpeakerMatch::default(), None));
    };
    if declared.iter().any(|(_, mode)| *mode != first) {
        let all: Vec<String> = declared
            .iter()
            .map(|(path, mode)| format!("{} in {}", mode.as_str(), path.display()))
            .collect();
        return Ok((
            SpeakerMatch::default(),
            Some(format!(
                "note: the datasets declare different speaker matching ({}); using name: \
                 run them apart, or choose with --speaker-match",
                all.join(", ")
            )),
        ));
    }
    let whole = declared.len() == specs.len();
    if !whole && first != SpeakerMatch::default() {
        return Ok((
            SpeakerMatch::default(),
            Some(format!(
                "note: {} declares speaker matching `{}` but other datasets of this run \
                 declare none; using name: run it apart, or choose with --speaker-match",
                first_path.display(),
                first.as_str()
            )),
        ));
    }
    Ok((
        first,
        Some(format!(
            "speaker matching: {} (declared by {})",
            first.as_str(),
            declared
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    ))
}

fn line_and_column(text: &str, byte: usize) -> (u64, u64) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset_with(root: &Path, name: &str, toml: Option<&str>) -> String {
        let folder = root.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        if let Some(toml) = toml {
            std::fs::write(folder.join(DEFAULTS_FILE), toml).unwrap();
        }
        folder.display().to_string()
    }

    #[test]
    fn a_declared_mode_is_used_when_every_dataset_agrees() {
        let dir = tempfile::tempdir().unwrap();
        let a = dataset_with(dir.path(), "a", Some("speaker_match = \"mention\"\n"));
        let b = dataset_with(dir.path(), "b", Some("speaker_match = \"mention\"\n"));
        let (mode, note) = declared_speaker_match(&[a.clone(), b]).unwrap();
        assert_eq!(mode, SpeakerMatch::Mention);
        assert!(note.unwrap().contains("declared by"));
        let plain = dataset_with(dir.path(), "c", None);
        let (mode, note) = declared_speaker_match(&[a, plain.clone()]).unwrap();
        assert_eq!(mode, SpeakerMatch::Name);
        assert!(note.unwrap().contains("run it apart"));
        assert_eq!(
            declared_speaker_match(&[plain]).unwrap(),
            (SpeakerMatch::Name, None)
        );
    }

    #[test]
    fn a_bad_file_names_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let a = dataset_with(dir.path(), "a", Some("\nspeaker_match = \"menton\"\n"));
        let error = declared_speaker_match(&[a]).unwrap_err().to_string();
        assert!(error.contains("dataset.toml:2:"), "{error}");
    }
}
