use super::args::RunArgs;
use crate::dataset::Dataset;
use crate::error::{Error, Result, exit_code};
use crate::experiment::Experiment;
use crate::model::LoadOptions;
use crate::model::cache::CacheMode;
use crate::model::command::CommandOptions;
use crate::model::{self, Model, ModelKind, Task};
use crate::model::{ModelSpec, default_models};
use crate::record::{RunStatus, TableStyle, headline_table};
use crate::runner::{self, ModelEntry, RunOptions};
use crate::scoring::ScoringOptions;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

pub fn execute(args: RunArgs) -> Result<i32> {
    crate::signals::install_interrupt_handlers()
        .map_err(|e| Error::Usage(format!("cannot catch SIGINT and SIGTERM: {e}")))?;
    let experiment = args.config.as_deref().map(Experiment::load).transpose()?;
    let pick = |given: &[String], from_config: Option<&Vec<String>>| -> Vec<String> {
        if !given.is_empty() {
            given.to_vec()
        } else {
            from_config.cloned().unwrap_or_default()
        }
    };
    let mut datasets = pick(&args.datasets, experiment.as_ref().map(|e| &e.datasets));
    if datasets.is_empty() {
        datasets = default_datasets()?;
    }
    let mut models = pick(&args.models, experiment.as_ref().map(|e| &e.models));
    if models.is_empty() {
        models = default_models();
    }
    let base = experiment
        .as_ref()
        .map(|e| e.scoring.apply_to(ScoringOptions::default()))
        .unwrap_or_default();
    let mut scoring = args.scoring.apply_to(base);
    let chosen = args.scoring.speaker_match.is_some()
        || experiment
            .as_ref()
            .is_some_and(|e| e.scoring.speaker_match.is_some());
    if !chosen {
        let (mode, note) = crate::dataset::declared_speaker_match(&datasets)?;
        scoring.speaker_match = mode;
        if let Some(note) = note {
            eprintln!("{note}");
        }
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let name = args.name.clone().unwrap_or_else(|| match &experiment {
        Some(e) => format!("{}-{stamp}", e.name),
        None => stamp,
    });
    crate::record::check_run_name(&name)?;
    let specs = ModelSpec::parse_all(&models)?;
    let load = load_options(&args)?;
    let shard = crate::shard::select(args.shard.as_deref(), args.shards, |name| {
        std::env::var(name).ok()
    })?;
    let options = RunOptions {
        task: args.task,
        scoring,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1),
        out_dir: args.out.clone(),
        name,
        command: std::env::args().collect(),
        progress: std::io::stderr().is_terminal(),
        shard,
    };
    // Everything a user can get wrong is checked before any model runs: the datasets,
    // every `file:` model's CSV (docs/datasets.md#validation).
    let datasets = datasets
        .iter()
        .map(|spec| Dataset::open(spec))
        .collect::<Result<Vec<_>>>()?;
    if let Some(shard) = &options.shard {
        let held: Vec<String> = datasets
            .iter()
            .map(|d| {
                let n = runner::held_articles(d, Some(shard)).len();
                format!("{n} of {} articles of {}", d.article_ids().len(), d.name())
            })
            .collect();
        eprintln!(
            "shard {}/{} (K from 0; from {}): {}",
            shard.index,
            shard.count,
            shard.from,
            held.join(", ")
        );
    }
    let entries = model_entries(&specs, &datasets, &load)?;
    let outcome = runner::run(&datasets, &entries, &options)?;
    for result in &outcome.record.results {
        for warning in result.warnings() {
            eprintln!(
                "warning: {} on {}: {}",
                result.model(),
                result.dataset(),
                crate::error::escape_controls(warning)
            );
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&outcome.record).unwrap_or_default()
        );
    } else {
        println!("{}", headline_table(&outcome.record, TableStyle::Text));
        let report = outcome.folder.join("report.md");
        match outcome.record.task {
            Task::Extract => println!(
                "pair F1 under the overlap scheme (τ = {}); every scheme in {}",
                outcome.record.scoring.overlap,
                report.display()
            ),
            Task::Speakers => println!(
                "speaker accuracy of the given quotes (speaker match {}); breakdowns and \
                 confusion in {}",
                outcome.record.scoring.speaker_match.as_str(),
                report.display()
            ),
        }
    }
    if outcome.record.status == RunStatus::Partial {
        let failed: usize = outcome
            .record
            .results
            .iter()
            .map(|r| r.errors().len())
            .sum();
        eprintln!(
            "warning: the run is partial: {failed} failure(s) recorded in {}; \
             failed articles count as predicting nothing",
            outcome.folder.join("run.json").display()
        );
        // The first few failures here, so a user sees what went wrong without opening
        // the record.
        const SHOWN: usize = 10;
        let all = outcome
            .record
            .results
            .iter()
            .flat_map(|r| r.errors().iter().map(move |e| (r, e)));
        for (result, error) in all.clone().take(SHOWN) {
            let article = error
                .article_id
                .as_deref()
                .map(|id| format!(", article `{id}`"))
                .unwrap_or_default();
            eprintln!(
                "  {} on {}{article}: {}",
                result.model(),
                result.dataset(),
                crate::error::escape_controls(&error.message)
            );
        }
        if failed > SHOWN {
            eprintln!("  … and {} more", failed - SHOWN);
        }
        return Ok(exit_code::PARTIAL);
    }
    if let Some(interruption) = &outcome.record.interruption {
        eprintln!(
            "warning: the run was interrupted by {} after {} of {} model × article \
             evaluations; the rest count as predicting nothing. The record is in {}; \
             `--resume` reuses the answers of cached models",
            interruption.signal,
            interruption.articles_reached,
            interruption.articles_total,
            outcome.folder.join("run.json").display()
        );
        return Ok(exit_code::PARTIAL);
    }
    Ok(exit_code::SUCCESS)
}

/// The run's models from their specs, through the model registry ([`model::load`]).
/// `file:` models are read and validated here, for every dataset, before any model
/// runs: a bad CSV stops the run before it costs anything.
fn model_entries(
    specs: &[ModelSpec],
    datasets: &[Dataset],
    load: &LoadOptions,
) -> Result<Vec<ModelEntry>> {
    let mut entries = Vec::with_capacity(specs.len());
    for spec in specs {
        let preloaded: Mutex<HashMap<PathBuf, Box<dyn Model>>> = Mutex::new(HashMap::new());
        if matches!(spec.kind, ModelKind::File(_)) {
            let mut map = preloaded.lock().unwrap_or_else(|p| p.into_inner());
            for dataset in datasets {
                map.insert(
                    dataset.path().to_path_buf(),
                    model::load(spec, dataset, load)?,
                );
            }
        }
        let (spec_for_load, load) = (spec.clone(), load.clone());
        entries.push(ModelEntry::per_dataset(
            spec.name.clone(),
            spec.spec.clone(),
            move |dataset: &Dataset| {
                let taken = preloaded
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(dataset.path());
                match taken {
                    Some(model) => Ok(model),
                    None => model::load(&spec_for_load, dataset, &load),
                }
            },
        ));
    }
    Ok(entries)
}

/// Every dataset folder under `datasets/` (those with a `gold.csv`), sorted by name.
fn default_datasets() -> Result<Vec<String>> {
    let root = PathBuf::from("datasets");
    let entries = std::fs::read_dir(&root).map_err(|e| Error::io(&root, e))?;
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("gold.csv").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(Error::Usage(
            "no datasets found under datasets/: pass --dataset PATH or run from the project folder"
                .into(),
        ));
    }
    Ok(names)
}

fn load_options(args: &RunArgs) -> Result<LoadOptions> {
    // A year is longer than any sensible wait and far from Duration's limits, so a
    // typo such as 1e30 is a usage error, not an overflow.
    const MAX_TIMEOUT_S: f64 = 365.0 * 86_400.0;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= MAX_TIMEOUT_S) {
        return Err(Error::Usage(format!(
            "--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_S} \
             (a year), got {}",
            args.timeout
        )));
    }
    if args.workers == 0 {
        return Err(Error::Usage("--workers must be at least 1".into()));
    }
    let defaults = LoadOptions::default();
    Ok(LoadOptions {
        command: CommandOptions {
            workers: args.workers,
            timeout: Duration::from_secs_f64(args.timeout),
            ..defaults.command
        },
        cache: CacheMode::from_flags(args.resume, args.no_cache),
        cache_dir: defaults.cache_dir,
    })
}
