//! `attr-eval merge`: the shards of a run (`run --shard K/N`) back into the run folder the
//! unsharded run writes (docs/distributed.md).
//!
//! Each shard's `articles.jsonl` holds its articles in the dataset's order, each line
//! with its place in that order (`dataset_index`), so the shards' lines merge like sorted
//! lists, one line in memory per shard. The dataset figures are recomputed from the
//! merged per-article counts (the bootstrap resamples them in the dataset's order, as the
//! unsharded run does) and the counts each shard kept in `shard.json`.

use crate::dataset::Dataset;
use crate::error::{Error, InputError, Location, Result};
use crate::model::{ModelInfo, Task};
use crate::record::shard::{SHARD_FILE, ShardFile, ShardResult};
use crate::record::{
    ArticleError, ArticleLine, Latency, ResultRecord, RunFolder, RunRecord, RunStatus,
    SCHEMA_VERSION, SpeakersArticleLine, SpeakersResultRecord, TaskResult, Throughput, ToolInfo,
    markdown_report, read_record, run_folder,
};
use crate::scoring::{
    ConfidenceTally, DatasetTally, Scheme, SpeakerConfusion, SpeakersTally,
    aggregate_speakers_tally, aggregate_tally,
};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One shard as read: its folder, record and `shard.json`.
struct Part {
    folder: PathBuf,
    record: RunRecord,
    totals: ShardFile,
}

fn read_part(path: &Path) -> Result<Part> {
    let folder = run_folder(path);
    let record = read_record(&folder)?;
    if record.shard.is_none() {
        return Err(Error::Usage(format!(
            "{} is not a shard: its run.json has no `shard` (it holds its datasets whole); \
             merge takes the folders of `run --shard K/N`",
            folder.display()
        )));
    }
    if record.status == RunStatus::Interrupted {
        return Err(Error::Usage(format!(
            "{} was interrupted before it finished: run that shard again, then merge",
            folder.display()
        )));
    }
    let shard_path = folder.join(SHARD_FILE);
    let text = std::fs::read_to_string(&shard_path).map_err(|e| Error::io(&shard_path, e))?;
    let totals: ShardFile = serde_json::from_str(&text).map_err(|e| {
        InputError::new(
            Location::numbered_column(&shard_path, e.line() as u64, e.column() as u64),
            format!("not a shard file: {e}"),
        )
    })?;
    if totals.results.len() != record.results.len() {
        return Err(InputError::new(
            Location::file(&shard_path),
            "it does not hold one entry per result of run.json: the folder was changed",
        )
        .into());
    }
    Ok(Part {
        folder,
        record,
        totals,
    })
}

/// What must be equal in every shard for their merge to be the unsharded run.
fn check_same(parts: &[Part]) -> Result<()> {
    let first = &parts[0];
    let models = |r: &RunRecord| -> Vec<String> {
        r.models
            .iter()
            .map(|m| format!("{}={}", m.name, m.spec))
            .collect()
    };
    let datasets = |r: &RunRecord| -> Vec<String> {
        r.datasets
            .iter()
            .map(|d| format!("{} ({})", d.name, d.fingerprint))
            .collect()
    };
    for part in &parts[1..] {
        let differ = |what: &str, a: String, b: String| {
            Error::Usage(format!(
                "{} and {} are not shards of one run: their {what} differ ({a} and {b})",
                first.folder.display(),
                part.folder.display()
            ))
        };
        let (a, b) = (&first.record, &part.record);
        if datasets(a) != datasets(b) {
            return Err(differ(
                "datasets (name and fingerprint)",
                datasets(a).join(", "),
                datasets(b).join(", "),
            ));
        }
        if models(a) != models(b) {
            return Err(differ("models", models(a).join(", "), models(b).join(", ")));
        }
        if a.task != b.task {
            return Err(differ(
                "tasks",
                a.task.as_str().into(),
                b.task.as_str().into(),
            ));
        }
        if a.scoring != b.scoring {
            let show = |r: &RunRecord| serde_json::to_string(&r.scoring).unwrap_or_default();
            return Err(differ("scoring flags", show(a), show(b)));
        }
        let (sa, sb) = (a.shard.as_ref(), b.shard.as_ref());
        if sa.map(|s| s.count) != sb.map(|s| s.count) {
            return Err(differ(
                "shard counts N",
                sa.map_or(0, |s| s.count).to_string(),
                sb.map_or(0, |s| s.count).to_string(),
            ));
        }
    }
    Ok(())
}

/// Every shard `0..N` exactly once.
fn check_complete(parts: &[Part]) -> Result<()> {
    let count = parts[0].record.shard.as_ref().map_or(0, |s| s.count);
    let mut holders: Vec<Vec<&Path>> = vec![Vec::new(); count];
    for part in parts {
        if let Some(shard) = &part.record.shard
            && let Some(slot) = holders.get_mut(shard.index)
        {
            slot.push(&part.folder);
        }
    }
    let doubled: Vec<String> = holders
        .iter()
        .enumerate()
        .filter(|(_, h)| h.len() > 1)
        .map(|(k, h)| {
            let folders: Vec<String> = h.iter().map(|p| p.display().to_string()).collect();
            format!(
                "shard {k}/{count} is given {} times ({})",
                h.len(),
                folders.join(", ")
            )
        })
        .collect();
    if !doubled.is_empty() {
        return Err(Error::Usage(format!(
            "{}: give each shard once",
            doubled.join("; ")
        )));
    }
    let missing: Vec<String> = holders
        .iter()
        .enumerate()
        .filter(|(_, h)| h.is_empty())
        .map(|(k, _)| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "shard{} {} of {count} missing: merge needs every shard (K from 0 to {}); run \
             the missing one(s) with --shard K/{count}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            count.saturating_sub(1)
        )));
    }
    Ok(())
}

/// An article line of either task.
enum Line {
    Extract(ArticleLine),
    Speakers(SpeakersArticleLine),
}

impl Line {
    fn group(&self) -> (&str, &str) {
        match self {
            Line::Extract(l) => (&l.model, &l.dataset),
            Line::Speakers(l) => (&l.model, &l.dataset),
        }
    }
    fn index(&self) -> Option<usize> {
        match self {
            Line::Extract(l) => l.dataset_index,
            Line::Speakers(l) => l.dataset_index,
        }
    }
    fn article_id(&self) -> &str {
        match self {
            Line::Extract(l) => &l.article_id,
            Line::Speakers(l) => &l.article_id,
        }
    }
    fn latency_ms(&self) -> f64 {
        match self {
            Line::Extract(l) => l.latency_ms,
            Line::Speakers(l) => l.latency_ms,
        }
    }
    fn error(&self) -> Option<&String> {
        match self {
            Line::Extract(l) => l.error.as_ref(),
            Line::Speakers(l) => l.error.as_ref(),
        }
    }
}

/// A shard's `articles.jsonl` and `predictions/`, read forward.
struct Reader {
    path: PathBuf,
    lines: std::io::Lines<BufReader<File>>,
    number: u64,
    task: Task,
    /// The next line, parsed and as written.
    next: Option<Line>,
    raw: String,
}

impl Reader {
    fn open(folder: &Path, task: Task) -> Result<Reader> {
        let path = folder.join("articles.jsonl");
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let mut reader = Reader {
            path,
            lines: BufReader::with_capacity(1 << 20, file).lines(),
            number: 0,
            task,
            next: None,
            raw: String::new(),
        };
        reader.advance()?;
        Ok(reader)
    }

    /// The current line as the unsharded run writes it: without its `dataset_index`,
    /// taken out of the text so that every other byte stays as the shard wrote it.
    fn unsharded_line(&self) -> Result<String> {
        let Some(line) = &self.next else {
            return Ok(String::new());
        };
        let id = format!("\"article_id\":\"{}\"", line.article_id());
        let field = format!(",\"dataset_index\":{}", line.index().unwrap_or_default());
        match self.raw.find(&format!("{id}{field}")) {
            Some(at) => {
                let from = at + id.len();
                Ok(format!(
                    "{}{}",
                    &self.raw[..from],
                    &self.raw[from + field.len()..]
                ))
            }
            None => Err(InputError::new(
                Location::line(&self.path, self.number),
                "expected `dataset_index` right after `article_id`, as `run --shard` writes it",
            )
            .into()),
        }
    }

    fn advance(&mut self) -> Result<()> {
        self.next = None;
        for line in self.lines.by_ref() {
            self.number += 1;
            let line = line.map_err(|e| Error::io(&self.path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            let at = |e: serde_json::Error| {
                Error::from(InputError::new(
                    Location::numbered_column(&self.path, self.number, e.column() as u64),
                    format!("not an article line: {e}"),
                ))
            };
            let parsed = match self.task {
                Task::Extract => Line::Extract(serde_json::from_str(&line).map_err(at)?),
                Task::Speakers => Line::Speakers(serde_json::from_str(&line).map_err(at)?),
            };
            if parsed.index().is_none() {
                return Err(InputError::new(
                    Location::named_column(&self.path, self.number, "dataset_index"),
                    "a shard's article line needs its dataset_index: the folder was not \
                     written by `run --shard`",
                )
                .into());
            }
            self.next = Some(parsed);
            self.raw = line;
            break;
        }
        Ok(())
    }
}

/// A shard's `predictions/<dataset>/<model>.csv`, read forward as records of
/// [`crate::attribution::CSV_COLUMNS`].
struct Predictions {
    path: PathBuf,
    reader: csv::Reader<File>,
    next: Option<[String; 12]>,
}

impl Predictions {
    fn open(folder: &Path, dataset: &str, model: &str) -> Result<Predictions> {
        let path = folder
            .join("predictions")
            .join(dataset)
            .join(format!("{model}.csv"));
        let reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&path)
            .map_err(|e| Error::io(&path, e.into()))?;
        let mut predictions = Predictions {
            path,
            reader,
            next: None,
        };
        predictions.advance()?;
        Ok(predictions)
    }

    fn advance(&mut self) -> Result<()> {
        let mut record = csv::StringRecord::new();
        let more = self
            .reader
            .read_record(&mut record)
            .map_err(|e| Error::io(&self.path, e.into()))?;
        // Files without a mention type leave out its column: padded back.
        self.next = more.then(|| std::array::from_fn(|i| record.get(i).unwrap_or("").into()));
        Ok(())
    }

    /// Copies the rows of `article_id`, which come next.
    fn copy_article(&mut self, article_id: &str, folder: &mut RunFolder) -> Result<()> {
        while let Some(record) = self.next.take() {
            if record[0] != article_id {
                self.next = Some(record);
                break;
            }
            folder.append_prediction_record(&record)?;
            self.advance()?;
        }
        Ok(())
    }
}

/// Merges the shards at `runs` into `out/name`, which it returns.
pub fn merge(runs: &[PathBuf], out: &Path, name: &str, command: Vec<String>) -> Result<PathBuf> {
    crate::record::check_run_name(name)?;
    let parts = runs
        .iter()
        .map(|p| read_part(p))
        .collect::<Result<Vec<_>>>()?;
    let Some(first) = parts.first() else {
        return Err(Error::Usage("merge needs the shards' run folders".into()));
    };
    check_same(&parts)?;
    check_complete(&parts)?;
    let task = first.record.task;
    let scoring = first.record.scoring.clone();

    let mut folder = RunFolder::create(out, name)?;
    let mut readers = parts
        .iter()
        .map(|p| Reader::open(&p.folder, task))
        .collect::<Result<Vec<_>>>()?;
    let mut results = Vec::new();
    for (r, result) in first.record.results.iter().enumerate() {
        let (model, dataset) = (result.model(), result.dataset());
        let mut predictions = parts
            .iter()
            .map(|p| Predictions::open(&p.folder, dataset, model))
            .collect::<Result<Vec<_>>>()?;
        for part in &parts {
            let other = &part.record.results[r];
            let totals = &part.totals.results[r];
            if other.model() != model
                || other.dataset() != dataset
                || totals.model != model
                || totals.dataset != dataset
            {
                return Err(Error::Usage(format!(
                    "{}: its results are not in the order of {}'s ({model} on {dataset} \
                     expected): the folder was changed",
                    part.folder.display(),
                    first.folder.display()
                )));
            }
        }
        let mut tally = DatasetTally::default();
        let mut speakers = SpeakersTally::default();
        let mut latencies = Vec::new();
        let mut errors: Vec<ArticleError> = Vec::new();
        // A model that failed as a whole failed so on every shard: said once.
        for part in &parts {
            for error in part.record.results[r].errors() {
                if error.article_id.is_none() && !errors.contains(error) {
                    errors.push(error.clone());
                }
            }
        }
        let timed: Vec<bool> = parts
            .iter()
            .map(|p| p.record.results[r].throughput().is_some())
            .collect();
        folder.start_predictions(model, dataset)?;
        let mut last: Option<usize> = None;
        loop {
            // The shard whose next line of this result comes first in the dataset.
            let pick = readers
                .iter()
                .enumerate()
                .filter_map(|(s, reader)| {
                    let line = reader.next.as_ref()?;
                    (line.group() == (model, dataset)).then(|| (line.index(), s))
                })
                .min();
            let Some((index, s)) = pick else { break };
            if index.is_some() && index == last {
                return Err(InputError::new(
                    Location::line(&readers[s].path, readers[s].number),
                    format!(
                        "article {} is in two shards: the shards overlap",
                        index.unwrap_or_default()
                    ),
                )
                .into());
            }
            last = index;
            folder.write_article_raw(&readers[s].unsharded_line()?)?;
            let Some(line) = readers[s].next.take() else {
                break;
            };
            predictions[s].copy_article(line.article_id(), &mut folder)?;
            if timed[s] {
                latencies.push(line.latency_ms());
            }
            if let Some(message) = line.error() {
                errors.push(ArticleError {
                    article_id: Some(line.article_id().to_string()),
                    message: message.clone(),
                });
            }
            match line {
                Line::Extract(line) => tally.articles.push(line.schemes.map(|_, s| s.counts)),
                Line::Speakers(line) => speakers.articles.push(line.counts),
            }
            readers[s].advance()?;
        }
        for (p, part) in predictions.iter().zip(&parts) {
            if let Some(record) = &p.next {
                return Err(Error::Usage(format!(
                    "{}: a row of article `{}` follows no article line of {model} on \
                     {dataset} in {}: the folder was changed",
                    p.path.display(),
                    record[0],
                    part.folder.join("articles.jsonl").display()
                )));
            }
        }
        folder.end_predictions()?;
        let merged_articles = tally.articles.len().max(speakers.articles.len());
        let expected = first
            .record
            .datasets
            .iter()
            .find(|d| d.name == dataset)
            .map_or(0, |d| d.articles);
        if merged_articles != expected {
            return Err(Error::Usage(format!(
                "the shards hold {merged_articles} articles of {dataset} for {model}, and the \
                 dataset has {expected}: a shard's articles.jsonl is incomplete"
            )));
        }

        let mut confusion = SpeakerConfusion::default();
        let mut confidence = ConfidenceTally::default();
        let (mut rows, mut with_mentions) = (0, 0);
        for part in &parts {
            let totals: &ShardResult = &part.totals.results[r];
            for pair in &totals.speaker_confusion {
                confusion.add_resolved(&pair.gold, &pair.pred, pair.count);
            }
            rows += totals.prediction_rows;
            with_mentions += totals.rows_with_mentions;
            if let Some(part_confidence) = &totals.confidence {
                confidence.merge(part_confidence);
            }
            if let Some(t) = &totals.extract {
                for scheme in Scheme::ALL {
                    tally.add_breakdowns(
                        scheme,
                        t.by_type.get(scheme),
                        t.by_mention_type.get(scheme),
                    );
                }
            }
            if let Some(t) = &totals.speakers {
                speakers.add_breakdowns(&t.by_type, &t.by_mention_type);
            }
        }
        let warnings: Vec<String> = crate::runner::mention_warning(&scoring, rows, with_mentions)
            .into_iter()
            .collect();
        let throughputs: Vec<&Throughput> = parts
            .iter()
            .filter_map(|p| p.record.results[r].throughput())
            .collect();
        let throughput = merged_throughput(&throughputs, latencies);
        results.push(match task {
            Task::Speakers => TaskResult::Speakers(SpeakersResultRecord {
                throughput,
                errors,
                warnings,
                ..SpeakersResultRecord::new(
                    model,
                    dataset,
                    aggregate_speakers_tally(&speakers, &scoring),
                    &confusion,
                )
            }),
            Task::Extract => TaskResult::Extract(ResultRecord {
                throughput,
                errors,
                warnings,
                confidence_curve: confidence.curve(),
                ..ResultRecord::new(
                    model,
                    dataset,
                    aggregate_tally(&tally, &scoring),
                    &confusion,
                )
            }),
        });
    }

    for reader in &readers {
        if reader.next.is_some() {
            return Err(InputError::new(
                Location::line(&reader.path, reader.number),
                "this line belongs to no result of the run (or is out of order): the \
                 folder was changed",
            )
            .into());
        }
    }
    let status = RunStatus::of(&results, false);
    let record = RunRecord {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        created_at: crate::record::created_now(),
        command,
        task,
        status,
        interruption: None,
        scoring,
        datasets: first
            .record
            .datasets
            .iter()
            .map(|d| crate::record::DatasetRecord {
                shard_articles: None,
                ..d.clone()
            })
            .collect(),
        models: merged_models(&parts),
        results,
        shard: None,
    };
    let report = markdown_report(name, &record);
    // The article browser of report.html shows the texts where the datasets are still
    // at their recorded paths with the recorded fingerprints; else it lists the quotes.
    let datasets: Vec<Dataset> = record
        .datasets
        .iter()
        .filter_map(|d| {
            Dataset::open(&d.path)
                .ok()
                .filter(|opened| opened.fingerprint() == d.fingerprint)
        })
        .collect();
    let texts = |dataset: &str, id: &str| {
        let dataset = datasets.iter().find(|d| d.name() == dataset)?;
        dataset.article(id).ok().flatten().map(|a| a.text)
    };
    folder.finish(&record, &report, &texts)
}

/// The models as the shards name them; a model that failed to load on one shard is
/// described by a shard where it loaded.
fn merged_models(parts: &[Part]) -> Vec<ModelInfo> {
    parts[0]
        .record
        .models
        .iter()
        .map(|model| {
            parts
                .iter()
                .flat_map(|p| &p.record.models)
                .find(|m| m.name == model.name && m.version != "unknown")
                .unwrap_or(model)
                .clone()
        })
        .collect()
}

/// The shards' throughput as one: counts, CPU time and rates summed (the shards ran side
/// by side), the wall time of the longest shard, latency percentiles over every article.
fn merged_throughput(parts: &[&Throughput], latencies: Vec<f64>) -> Option<Throughput> {
    let first = parts.first()?;
    let sum_option = |f: fn(&Throughput) -> Option<f64>| -> Option<f64> {
        parts.iter().map(|t| f(t)).sum::<Option<f64>>()
    };
    let bytes = parts.iter().map(|t| t.bytes).sum::<usize>();
    let cpu_s = sum_option(|t| t.cpu_s);
    let usage = parts
        .iter()
        .filter_map(|t| t.usage.clone())
        .reduce(|mut a, b| {
            a.requests += b.requests;
            a.cached += b.cached;
            a.retries += b.retries;
            a.parse_failures += b.parse_failures;
            a.unplaced_rows += b.unplaced_rows;
            a.dropped_rows += b.dropped_rows;
            a.prompt_tokens += b.prompt_tokens;
            a.completion_tokens += b.completion_tokens;
            // Percentiles of requests do not add up: the slowest shard's stand.
            a.request_latency_ms = Latency {
                p50: a.request_latency_ms.p50.max(b.request_latency_ms.p50),
                p95: a.request_latency_ms.p95.max(b.request_latency_ms.p95),
                max: a.request_latency_ms.max.max(b.request_latency_ms.max),
            };
            for fingerprint in b.system_fingerprints {
                if !a.system_fingerprints.contains(&fingerprint) {
                    a.system_fingerprints.push(fingerprint);
                }
            }
            a.response_format_dropped |= b.response_format_dropped;
            a
        });
    Some(Throughput {
        articles: parts.iter().map(|t| t.articles).sum(),
        chars: parts.iter().map(|t| t.chars).sum(),
        wall_s: parts.iter().map(|t| t.wall_s).fold(0.0, f64::max),
        articles_per_s: parts.iter().map(|t| t.articles_per_s).sum(),
        chars_per_s: parts.iter().map(|t| t.chars_per_s).sum(),
        latency_ms: Latency::of(latencies),
        threads: parts
            .iter()
            .map(|t| t.threads)
            .sum::<usize>()
            .max(first.threads),
        bytes,
        cpu_s,
        external_cpu_s: sum_option(|t| t.external_cpu_s),
        bytes_per_cpu_s: cpu_s.filter(|&c| c > 0.0).map(|c| bytes as f64 / c),
        usage,
    })
}
