//! `file:PATH` models: predictions already in a CSV, validated against the dataset like
//! gold and served article by article.

use super::{Model, ModelError, ModelInfo};
use crate::attribution::Attribution;
use crate::dataset::{Article, Dataset};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

pub struct FileModel {
    info: ModelInfo,
    rows: HashMap<String, Vec<Attribution>>,
}

impl FileModel {
    /// Reads and validates the file against `dataset`: a bad row stops the run before any
    /// model runs, as for gold.
    pub fn load(name: &str, spec: &str, path: &Path, dataset: &Dataset) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let hash = format!("{:x}", Sha256::digest(&bytes));
        let mut rows: HashMap<String, Vec<Attribution>> = HashMap::new();
        for row in dataset.read_predictions(path)? {
            rows.entry(row.article_id.clone()).or_default().push(row);
        }
        Ok(FileModel {
            info: ModelInfo {
                spec: spec.to_string(),
                name: name.to_string(),
                // A file has no version of its own: its content is what it is.
                version: format!("sha256:{}", &hash[..16]),
                config_hash: format!("sha256:{hash}"),
            },
            rows,
        })
    }
}

impl Model for FileModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict(&self, article: &Article) -> Result<Vec<Attribution>, ModelError> {
        let mut rows = self.rows.get(&article.id).cloned().unwrap_or_default();
        article.place_rows(&mut rows);
        Ok(rows)
    }

    /// In the speakers task a row without offsets answers the given quote of the same
    /// text (docs/tasks.md), so it is not placed in the text.
    fn attribute(
        &self,
        article: &Article,
        _request: &super::SpeakersRequest,
    ) -> Result<Vec<Attribution>, ModelError> {
        Ok(self.rows.get(&article.id).cloned().unwrap_or_default())
    }
}
