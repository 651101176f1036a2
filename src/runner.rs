//! A run as a library call: datasets × models → a run folder (docs/run-record.md).
//!
//! [`run`] takes opened datasets and models (`Box<dyn Model>`, built in or a caller's
//! own); turning command-line specs into models is the command line's job, through the
//! model registry ([`crate::model::load`]). Articles stream from the dataset in chunks; each chunk is predicted in parallel on a
//! pool of `threads`, then scored. A model that fails on an article costs that article
//! only: the error is recorded, the article counts as predicting nothing, and the run is
//! marked partial.

use crate::attribution::Attribution;
use crate::dataset::{Article, Dataset, check_rows_against_article};
use crate::error::{Error, Result};
use crate::model::{
    Batch, Model, ModelErrorKind, ModelInfo, SpeakersRequest, Task, TimedPrediction,
};
use crate::record::shard::{ExtractTotals, ShardFile, ShardResult, SpeakersTotals};
use crate::record::{
    ArticleError, ArticleLine, ArticleSchemeLine, DatasetRecord, Interruption, Latency,
    OutcomeLine, ResultRecord, RunFolder, RunRecord, RunStatus, SCHEMA_VERSION, ShardRecord,
    SpeakerOutcomeLine, SpeakersArticleLine, SpeakersResultRecord, TaskResult, Throughput,
    ToolInfo, markdown_report,
};
use crate::scoring::{
    self, ArticleScore, ArticleSpeakerScore, ConfidenceTally, DatasetTally, PerScheme, Scorer,
    ScoringOptions, SpeakerConfusion, SpeakerMatch, SpeakersTally,
};
use crate::shard::Shard;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

/// Articles predicted between two writes of `articles.jsonl`; bounds memory on large
/// corpora while keeping every thread busy.
const CHUNK: usize = 256;

/// How a run goes, whatever its models: what it measures, how it scores, where it
/// writes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub task: Task,
    pub scoring: ScoringOptions,
    /// Worker threads for in-process models and for scoring.
    pub threads: usize,
    /// Where run folders go, and this run's folder name (letters, digits, `.`, `_`, `-`).
    pub out_dir: PathBuf,
    pub name: String,
    /// The command line, recorded as given (empty for a library call).
    pub command: Vec<String>,
    /// Progress bars on stderr.
    pub progress: bool,
    /// The shard of every dataset this run holds (docs/distributed.md); `None`: all.
    pub shard: Option<Shard>,
}

/// A model of a run, under its name in the record. A model used as is on every dataset
/// (`ModelEntry::new`), or made for each dataset (`ModelEntry::per_dataset`: a `file:`
/// CSV belongs to one dataset, an external program is started per dataset).
pub struct ModelEntry {
    pub name: String,
    /// What the record says the model is (`rules`, `file:…`, or a library caller's own).
    pub spec: String,
    source: ModelSource,
}

type Loader = Box<dyn Fn(&Dataset) -> Result<Box<dyn Model>> + Send + Sync>;

enum ModelSource {
    Shared(Box<dyn Model>),
    PerDataset(Loader),
}

impl ModelEntry {
    /// A model used on every dataset; its name and spec come from its [`ModelInfo`].
    pub fn new(model: Box<dyn Model>) -> Self {
        ModelEntry {
            name: model.info().name.clone(),
            spec: model.info().spec.clone(),
            source: ModelSource::Shared(model),
        }
    }

    /// A model made for each dataset by `load`. A load that fails with bad input (a
    /// broken CSV) stops the run; any other failure is recorded and the model's
    /// articles count as predicting nothing.
    pub fn per_dataset(
        name: impl Into<String>,
        spec: impl Into<String>,
        load: impl Fn(&Dataset) -> Result<Box<dyn Model>> + Send + Sync + 'static,
    ) -> Self {
        ModelEntry {
            name: name.into(),
            spec: spec.into(),
            source: ModelSource::PerDataset(Box::new(load)),
        }
    }
}

pub struct RunOutcome {
    pub folder: PathBuf,
    pub record: RunRecord,
}

/// Runs every model on every dataset and writes the run folder (docs/run-record.md).
///
/// The datasets are opened (and so validated) by the caller; models with names used
/// twice are refused. SIGINT and SIGTERM, when the caller has installed
/// [`crate::signals::install_interrupt_handlers`], stop the run cleanly: the record is
/// written with `"status": "interrupted"`.
pub fn run(
    datasets: &[Dataset],
    models: &[ModelEntry],
    options: &RunOptions,
) -> Result<RunOutcome> {
    refuse_same_names(datasets)?;
    for (i, entry) in models.iter().enumerate() {
        if models[..i].iter().any(|other| other.name == entry.name) {
            return Err(Error::Usage(format!(
                "two models are named `{}`: name them apart (NAME=SPEC)",
                entry.name
            )));
        }
    }
    for dataset in datasets {
        dataset.check_mention_offsets(&options.scoring)?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", options.threads)))?;

    let mut folder = RunFolder::create(&options.out_dir, &options.name)?;
    let mut results = Vec::new();
    let mut shard_results = Vec::new();
    let mut model_infos: Vec<ModelInfo> = Vec::new();
    let mut reached = 0usize;
    let mut total = 0usize;
    for dataset in datasets {
        for entry in models {
            let done = pool.install(|| run_one(options, entry, dataset, &mut folder))?;
            if let Some(info) = done.info
                && !model_infos.iter().any(|m| m.name == info.name)
            {
                model_infos.push(info);
            }
            reached += done.reached;
            total += held_articles(dataset, options.shard.as_ref()).len();
            results.push(done.result);
            shard_results.push(done.shard_result);
        }
    }
    // A model that failed everywhere still appears, so the record says what was asked.
    for entry in models {
        if !model_infos.iter().any(|m| m.name == entry.name) {
            model_infos.push(ModelInfo {
                spec: entry.spec.clone(),
                name: entry.name.clone(),
                version: "unknown".into(),
                config_hash: "unknown".into(),
            });
        }
    }

    let interruption = crate::signals::signal_name().map(|signal| Interruption {
        signal: signal.to_string(),
        articles_reached: reached,
        articles_total: total,
    });
    let status = RunStatus::of(&results, interruption.is_some());
    let record = RunRecord {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        created_at: crate::record::created_now(),
        command: options.command.clone(),
        task: options.task,
        status,
        interruption,
        scoring: options.scoring.clone(),
        datasets: datasets
            .iter()
            .map(|d| DatasetRecord {
                name: d.name().to_string(),
                path: d.path().display().to_string(),
                articles: d.article_ids().len(),
                gold_rows: d.gold_rows(),
                fingerprint: d.fingerprint().to_string(),
                shard_articles: options
                    .shard
                    .as_ref()
                    .map(|s| held_articles(d, Some(s)).len()),
            })
            .collect(),
        models: model_infos,
        results,
        shard: options.shard.as_ref().map(|s| ShardRecord {
            index: s.index,
            count: s.count,
            source: s.source,
            from: s.from.clone(),
            hash: crate::shard::HASH.to_string(),
        }),
    };
    if options.shard.is_some() {
        folder.write_shard(&ShardFile {
            results: shard_results,
        })?;
    }
    let report = markdown_report(&options.name, &record);
    let texts = |dataset: &str, id: &str| {
        let dataset = datasets.iter().find(|d| d.name() == dataset)?;
        dataset.article(id).ok().flatten().map(|a| a.text)
    };
    let folder = folder.finish(&record, &report, &texts)?;
    Ok(RunOutcome { folder, record })
}

/// Two datasets of one name would write over each other's predictions and could not be
/// told apart in the record.
fn refuse_same_names(datasets: &[Dataset]) -> Result<()> {
    for (i, a) in datasets.iter().enumerate() {
        if let Some(b) = datasets[..i].iter().find(|b| b.name() == a.name()) {
            return Err(Error::Usage(format!(
                "two datasets are both named `{}` ({} and {}): a run names datasets by \
                 their folder, so rename one folder or pass each once",
                a.name(),
                b.path().display(),
                a.path().display()
            )));
        }
    }
    Ok(())
}

/// What one article gave: its rows, time and error, before scoring.
struct Predicted {
    article: Article,
    rows: Vec<Attribution>,
    latency_ms: f64,
    cpu_s: Option<f64>,
    error: Option<String>,
    /// Whether the model was asked about it (false after an interrupt).
    reached: bool,
}

impl Predicted {
    /// An article the model was not asked about (it failed to load, or the run was
    /// interrupted): it counts as predicting nothing.
    fn unreached(article: Article) -> Predicted {
        Predicted {
            article,
            rows: Vec::new(),
            latency_ms: 0.0,
            cpu_s: None,
            error: None,
            reached: false,
        }
    }
}

/// Checks a model's answer for one article against its text: rows that do not fit the
/// text cost that article only, never the run.
fn checked(article: Article, answer: Option<TimedPrediction>, task: Task) -> Predicted {
    let Some(answer) = answer else {
        return Predicted {
            article,
            rows: Vec::new(),
            latency_ms: 0.0,
            cpu_s: None,
            error: Some("the model gave no answer for this article".into()),
            reached: true,
        };
    };
    let (rows, error) = match answer.result {
        Ok(mut rows) => {
            for row in &mut rows {
                row.article_id.clone_from(&article.id);
            }
            // In the speakers task an answer may name its quote by id alone, or by a
            // text that is not in the article: it is scored (as unmatched, if it
            // answers nothing), not checked against the text.
            let problems = match task {
                Task::Extract => check_rows_against_article(&rows, &article),
                Task::Speakers => {
                    let placed: Vec<Attribution> = rows
                        .iter()
                        .filter(|r| r.quote_span.is_some())
                        .cloned()
                        .collect();
                    check_rows_against_article(&placed, &article)
                }
            };
            if problems.is_empty() {
                (rows, None)
            } else {
                (
                    Vec::new(),
                    Some(format!(
                        "the model's rows do not fit the text: {}",
                        problems.join("; ")
                    )),
                )
            }
        }
        // Not a failure of the model: the run stopped before it answered.
        Err(error) if error.kind == ModelErrorKind::Interrupted => {
            return Predicted::unreached(article);
        }
        Err(error) => (Vec::new(), Some(error.message)),
    };
    Predicted {
        article,
        rows,
        latency_ms: answer.latency_ms,
        cpu_s: answer.cpu_s,
        error,
        reached: true,
    }
}

fn progress_bar(options: &RunOptions, total: usize, label: String) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(total as u64),
        if options.progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix:>28} [{bar:30}] {pos}/{len} articles {per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(label);
    bar
}

/// One model on one dataset, as far as the run got.
struct ModelOnDataset {
    result: TaskResult,
    info: Option<ModelInfo>,
    /// Articles the model was asked about before an interrupt (all, without one).
    reached: usize,
    /// What `shard.json` keeps of it.
    shard_result: ShardResult,
}

fn run_one(
    options: &RunOptions,
    entry: &ModelEntry,
    dataset: &Dataset,
    folder: &mut RunFolder,
) -> Result<ModelOnDataset> {
    let mut errors = Vec::new();
    let loaded: Result<Option<Box<dyn Model>>> = match &entry.source {
        ModelSource::Shared(_) => Ok(None),
        ModelSource::PerDataset(load) => load(dataset).map(Some),
    };
    let owned = match loaded {
        Ok(model) => Some(model),
        // Bad input in a file model's CSV is the user's to fix: stop, as for gold.
        Err(error @ (Error::Input(_) | Error::InputErrors(_))) => return Err(error),
        Err(error) => {
            errors.push(ArticleError {
                article_id: None,
                message: error.to_string(),
            });
            None
        }
    };
    let model: Option<&dyn Model> = match (&entry.source, &owned) {
        (ModelSource::Shared(model), _) => Some(model.as_ref()),
        (ModelSource::PerDataset(_), Some(Some(model))) => Some(model.as_ref()),
        _ => None,
    };
    let info = model.map(|m| ModelInfo {
        spec: entry.spec.clone(),
        name: entry.name.clone(),
        version: m.info().version.clone(),
        config_hash: m.info().config_hash.clone(),
    });

    // The articles of this run's shard, by their place in the dataset's order.
    let held: Vec<usize> = held_articles(dataset, options.shard.as_ref());
    let bar = progress_bar(
        options,
        held.len(),
        format!("{} on {}", entry.name, dataset.name()),
    );
    let scorer = Scorer::new(dataset.aliases(), &options.scoring);
    let speakers_task = options.task == Task::Speakers;
    // Only counts are kept per article: memory does not grow with the texts or rows.
    let mut tally = DatasetTally::default();
    let mut speakers_tally = SpeakersTally::default();
    if speakers_task {
        speakers_tally.articles.reserve_exact(held.len());
    } else {
        tally.articles.reserve_exact(held.len());
    }
    let mut confusion = SpeakerConfusion::default();
    let mut confidence = ConfidenceTally::default();
    let (mut prediction_rows, mut rows_with_mentions) = (0usize, 0usize);
    let mut latencies: Vec<f64> = Vec::with_capacity(held.len());
    let mut chars = 0usize;
    let mut bytes = 0usize;
    let mut reached = 0usize;
    let mut done = 0usize;
    let mut predict_wall_s = 0.0;
    let mut process_cpu_s = Some(0.0);
    // Summed per article when the model measured each on its own thread: exact model
    // work, unlike the process clock, which also counts idle workers spinning.
    let mut article_cpu_s = Some(0.0);
    let external_cpu_before = model.and_then(|m| m.external_cpu_s());
    let sharded = options.shard.is_some();
    folder.start_predictions(&entry.name, dataset.name())?;
    let mut stream = dataset.articles();
    for chunk_indices in held.chunks(CHUNK) {
        let mut positions = Vec::with_capacity(chunk_indices.len());
        let mut chunk = Vec::with_capacity(chunk_indices.len());
        for &index in chunk_indices {
            if let Some(article) = stream.load(index) {
                chunk.push(article?);
                positions.push(index);
            }
        }
        let golds: Vec<Vec<Attribution>> = chunk
            .iter()
            .map(|article| dataset.gold_for(&article.id))
            .collect::<Result<_>>()?;
        let started = Instant::now();
        let cpu_started = crate::cpu_time::process_seconds();
        // After an interrupt the articles left are not sent: they count as predicting
        // nothing, so the scores still cover the whole dataset.
        let active = model.filter(|_| !crate::signals::interrupted());
        let predicted: Vec<Predicted> = match active {
            Some(model) => {
                let requests: Option<Vec<SpeakersRequest>> = speakers_task.then(|| {
                    chunk
                        .iter()
                        .zip(&golds)
                        .map(|(article, gold)| {
                            let kept: Vec<&Attribution> = gold
                                .iter()
                                .filter(|row| options.scoring.types.contains(&row.gold_type()))
                                .collect();
                            SpeakersRequest::new(&article.id, &kept, dataset.aliases())
                        })
                        .collect()
                });
                let answers = model.run_batch(
                    Batch {
                        articles: &chunk,
                        requests: requests.as_deref(),
                    },
                    &|_, _| {},
                );
                let mut answers = answers.into_iter();
                chunk
                    .into_iter()
                    .map(|article| checked(article, answers.next(), options.task))
                    .collect()
            }
            None => chunk.into_iter().map(Predicted::unreached).collect(),
        };
        predict_wall_s += started.elapsed().as_secs_f64();
        process_cpu_s = match (
            process_cpu_s,
            cpu_started,
            crate::cpu_time::process_seconds(),
        ) {
            (Some(sum), Some(before), Some(after)) => Some(sum + (after - before).max(0.0)),
            _ => None,
        };

        for p in &predicted {
            if let Some(message) = &p.error {
                errors.push(ArticleError {
                    article_id: Some(p.article.id.clone()),
                    message: message.clone(),
                });
            }
            if p.reached {
                reached += 1;
                chars += p.article.char_len();
                bytes += p.article.text.len();
                latencies.push(p.latency_ms);
                article_cpu_s = article_cpu_s.zip(p.cpu_s).map(|(sum, cpu)| sum + cpu);
            }
            prediction_rows += p.rows.len();
            rows_with_mentions += p.rows.iter().filter(|r| r.mention_span.is_some()).count();
        }
        let place = |i: usize| sharded.then(|| positions[i]);
        if speakers_task {
            for (i, p) in predicted.iter().enumerate() {
                let gold = &golds[i];
                let score = scoring::score_speakers_article(
                    &p.article.id,
                    gold,
                    &p.rows,
                    scorer.cast(),
                    &options.scoring,
                )?;
                confusion.merge(scoring::speakers_confusion(
                    std::slice::from_ref(&score),
                    scorer.cast(),
                    |_| (gold, &p.rows),
                ));
                let mut line = speakers_line(&entry.name, dataset, p, gold, &score);
                line.dataset_index = place(i);
                folder.write_article(&line)?;
                speakers_tally.push(&score);
            }
        } else {
            let scored: Vec<ArticleScore> = predicted
                .par_iter()
                .zip(&golds)
                .map(|(p, gold)| scorer.score_article(&p.article, gold, &p.rows))
                .collect::<Result<Vec<_>>>()?;
            for (i, (score, p)) in scored.iter().zip(&predicted).enumerate() {
                let gold = &golds[i];
                let mut line = article_line(&entry.name, dataset, p, gold, score);
                line.dataset_index = place(i);
                folder.write_article(&line)?;
                confusion.add_outcomes(
                    scorer.cast(),
                    &p.article.id,
                    &score.schemes.overlap.outcomes,
                    gold,
                    &p.rows,
                );
                tally.push(&score.schemes);
                if p.rows.iter().all(|r| r.confidence.is_none()) {
                    confidence.add_unranked(p.rows.len(), score.schemes.overlap.counts);
                } else {
                    confidence.add_article(&p.rows, |kept| {
                        scorer
                            .score_article(&p.article, gold, kept)
                            .map(|s| s.schemes.overlap.counts)
                    })?;
                }
            }
        }
        for p in &predicted {
            folder.append_predictions(&p.rows)?;
        }
        done += predicted.len();
        bar.set_position(done as u64);
    }
    bar.finish_and_clear();
    folder.end_predictions()?;

    let mut warnings = Vec::new();
    if let Some(warning) = mention_warning(&options.scoring, prediction_rows, rows_with_mentions) {
        warnings.push(warning);
    }
    let external_cpu_s = external_cpu_before
        .zip(model.and_then(|m| m.external_cpu_s()))
        .map(|(before, after)| (after - before).max(0.0));
    let throughput = model.map(|model| {
        let mut t = throughput(latencies, chars, predict_wall_s, options.threads);
        t.bytes = bytes;
        let own_cpu_s = article_cpu_s.or(process_cpu_s);
        // An external program's work is its own CPU time plus the harness's piping.
        let cpu_s = match external_cpu_s {
            Some(external) => own_cpu_s.map(|own| own + external),
            None => own_cpu_s,
        };
        t.cpu_s = cpu_s;
        t.external_cpu_s = external_cpu_s;
        t.bytes_per_cpu_s = cpu_s.filter(|&cpu| cpu > 0.0).map(|cpu| bytes as f64 / cpu);
        t.usage = model.take_usage();
        t
    });
    let shard_result = ShardResult {
        model: entry.name.clone(),
        dataset: dataset.name().to_string(),
        extract: (!speakers_task).then_some(ExtractTotals {
            by_type: tally.by_type,
            by_mention_type: tally.by_mention_type,
        }),
        speakers: speakers_task.then_some(SpeakersTotals {
            by_type: speakers_tally.by_type,
            by_mention_type: speakers_tally.by_mention_type,
        }),
        speaker_confusion: confusion.top(usize::MAX),
        // Every shard's, with confidences or not: the curve's lowest point sums them all.
        confidence: (!speakers_task).then(|| confidence.clone()),
        prediction_rows,
        rows_with_mentions,
    };
    Ok(ModelOnDataset {
        result: if speakers_task {
            let aggregate = scoring::aggregate_speakers_tally(&speakers_tally, &options.scoring);
            TaskResult::Speakers(SpeakersResultRecord {
                throughput,
                errors,
                warnings,
                ..SpeakersResultRecord::new(&entry.name, dataset.name(), aggregate, &confusion)
            })
        } else {
            let aggregate = scoring::aggregate_tally(&tally, &options.scoring);
            TaskResult::Extract(ResultRecord {
                throughput,
                errors,
                warnings,
                confidence_curve: confidence.curve(),
                ..ResultRecord::new(&entry.name, dataset.name(), aggregate, &confusion)
            })
        },
        info,
        reached: if model.is_some() { reached } else { 0 },
        shard_result,
    })
}

/// The places, in the dataset's order, of the articles `shard` holds (all without one).
pub fn held_articles(dataset: &Dataset, shard: Option<&Shard>) -> Vec<usize> {
    let ids = dataset.article_ids();
    (0..ids.len())
        .filter(|&i| shard.is_none_or(|s| s.holds(&ids[i])))
        .collect()
}

/// In mention mode, a model that gives no mention offsets gets every speaker wrong:
/// said, as it is no failure of the run.
pub fn mention_warning(
    scoring: &ScoringOptions,
    rows: usize,
    with_mentions: usize,
) -> Option<String> {
    (scoring.speaker_match == SpeakerMatch::Mention && rows > 0 && with_mentions == 0).then(|| {
        format!(
            "none of its {rows} rows has speaker_start/speaker_end, and --speaker-match mention \
             compares those offsets: every speaker counts as wrong. Have the model give \
             mentions, or score with --speaker-match name"
        )
    })
}

/// The `articles.jsonl` line of one article in the speakers task.
fn speakers_line(
    model: &str,
    dataset: &Dataset,
    predicted: &Predicted,
    gold: &[Attribution],
    score: &ArticleSpeakerScore,
) -> SpeakersArticleLine {
    let answer = |index: Option<usize>| index.and_then(|i| predicted.rows.get(i)).cloned();
    SpeakersArticleLine {
        model: model.to_string(),
        dataset: dataset.name().to_string(),
        article_id: predicted.article.id.clone(),
        dataset_index: None,
        task: Task::Speakers.as_str().to_string(),
        chars: predicted.article.char_len(),
        latency_ms: predicted.latency_ms,
        error: predicted.error.clone(),
        counts: score.counts,
        outcomes: score
            .outcomes
            .iter()
            .filter_map(|o| {
                Some(SpeakerOutcomeLine {
                    kind: o.kind,
                    gold: gold.get(o.gold)?.clone(),
                    answer: answer(o.answer),
                })
            })
            .collect(),
        unmatched: score
            .unmatched
            .iter()
            .filter_map(|&i| predicted.rows.get(i).cloned())
            .collect(),
    }
}

fn article_line(
    model: &str,
    dataset: &Dataset,
    predicted: &Predicted,
    gold: &[Attribution],
    score: &ArticleScore,
) -> ArticleLine {
    let row = |rows: &[Attribution], index: Option<usize>| index.and_then(|i| rows.get(i)).cloned();
    ArticleLine {
        model: model.to_string(),
        dataset: dataset.name().to_string(),
        article_id: predicted.article.id.clone(),
        dataset_index: None,
        chars: predicted.article.char_len(),
        latency_ms: predicted.latency_ms,
        error: predicted.error.clone(),
        schemes: PerScheme::from_fn(|scheme| {
            let s = score.schemes.get(scheme);
            ArticleSchemeLine {
                counts: s.counts,
                outcomes: s
                    .outcomes
                    .iter()
                    .map(|o| OutcomeLine {
                        kind: o.kind,
                        gold: row(gold, o.gold),
                        pred: row(&predicted.rows, o.pred),
                        sim: o.sim,
                    })
                    .collect(),
                ignored: s
                    .ignored
                    .iter()
                    .filter_map(|&i| predicted.rows.get(i).cloned())
                    .collect(),
            }
        }),
    }
}

/// A model's throughput on one dataset from its per-article latencies.
fn throughput(latencies: Vec<f64>, chars: usize, wall_s: f64, threads: usize) -> Throughput {
    let articles = latencies.len();
    let per_s = |n: usize| if wall_s > 0.0 { n as f64 / wall_s } else { 0.0 };
    Throughput {
        articles,
        chars,
        wall_s,
        articles_per_s: per_s(articles),
        chars_per_s: per_s(chars),
        latency_ms: Latency::of(latencies),
        threads,
        bytes: 0,
        cpu_s: None,
        external_cpu_s: None,
        bytes_per_cpu_s: None,
        usage: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_percentiles_use_nearest_rank() {
        let t = throughput((1..=100).map(f64::from).collect(), 1000, 2.0, 2);
        assert_eq!(
            (t.latency_ms.p50, t.latency_ms.p95, t.latency_ms.max),
            (50.0, 95.0, 100.0)
        );
        assert_eq!(t.articles_per_s, 50.0);
        assert_eq!(t.chars_per_s, 500.0);
    }

    #[test]
    fn no_articles_gives_zero_rates_not_nan() {
        let t = throughput(Vec::new(), 0, 0.0, 1);
        assert_eq!(t.articles_per_s, 0.0);
        assert_eq!(t.latency_ms.max, 0.0);
    }
}
