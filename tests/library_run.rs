//! The runner as a library: a model written outside the crate runs through
//! `attr_eval::runner::run` like a built-in one (examples/custom_model.rs shows it).

use attr_eval::Attribution;
use attr_eval::dataset::{Article, Dataset};
use attr_eval::model::{Model, ModelError, ModelInfo};
use attr_eval::record::RunStatus;
use attr_eval::runner::{ModelEntry, RunOptions, run};
use attr_eval::scoring::ScoringOptions;
use std::collections::HashMap;

/// Answers every article with its gold rows: a perfect model.
struct Oracle {
    info: ModelInfo,
    gold: HashMap<String, Vec<Attribution>>,
}

impl Model for Oracle {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn predict(&self, article: &Article) -> Result<Vec<Attribution>, ModelError> {
        Ok(self.gold.get(&article.id).cloned().unwrap_or_default())
    }
}

#[test]
fn an_outside_model_runs_through_the_library() {
    let dataset = Dataset::open(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/seed")).unwrap();
    let gold = dataset
        .article_ids()
        .iter()
        .map(|id| (id.clone(), dataset.gold_for(id).unwrap()))
        .collect();
    let oracle = Oracle {
        info: ModelInfo {
            spec: "test:oracle".into(),
            name: "oracle".into(),
            version: "1".into(),
            config_hash: "none".into(),
        },
        gold,
    };
    let out = tempfile::tempdir().unwrap();
    let options = RunOptions {
        task: Default::default(),
        scoring: ScoringOptions {
            resamples: 50,
            ..ScoringOptions::default()
        },
        threads: 2,
        out_dir: out.path().to_path_buf(),
        name: "lib".into(),
        command: Vec::new(),
        progress: false,
        shard: None,
    };
    let outcome = run(&[dataset], &[ModelEntry::new(Box::new(oracle))], &options).unwrap();
    assert_eq!(outcome.record.status, RunStatus::Complete);
    let scores = &outcome.record.results[0].as_extract().unwrap().scores;
    assert_eq!(scores.overlap.pair.f1, Some(1.0));
    assert_eq!(scores.exact.pair.f1, Some(1.0));
    assert_eq!(outcome.record.models[0].spec, "test:oracle");
    assert!(outcome.folder.join("run.json").is_file());
}
