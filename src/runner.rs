//! `attr-eval run`: datasets × models → a run folder (SPEC 5 and 6).
//!
//! Articles stream from the dataset in chunks; each chunk is predicted in parallel on a
//! pool of `threads`, then scored. A model that fails on an article costs that article
//! only: the error is recorded, the article counts as predicting nothing, and the run is
//! marked partial.

use crate::attribution::Attribution;
use crate::dataset::{Article, Dataset, check_rows_against_article};
use crate::error::{Error, Result};
use crate::model::{self, ModelInfo, ModelSpec, TimedPrediction};
use crate::record::{
    ArticleError, ArticleLine, ArticleSchemeLine, DatasetRecord, Latency, OutcomeLine,
    ResultRecord, RunFolder, RunRecord, RunStatus, SCHEMA_VERSION, Throughput, ToolInfo,
    markdown_report,
};
use crate::scoring::{
    self, ArticleScore, PerScheme, Scorer, ScoringOptions, SpeakerConfusion, SpeakerMatch,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

/// Articles predicted between two writes of `articles.jsonl`; bounds memory on large
/// corpora while keeping every thread busy.
const CHUNK: usize = 256;

#[derive(Debug, Clone)]
pub struct RunPlan {
    /// Dataset specs: names under `datasets/` or paths.
    pub datasets: Vec<String>,
    pub models: Vec<ModelSpec>,
    pub scoring: ScoringOptions,
    pub threads: usize,
    pub out_dir: PathBuf,
    pub name: String,
    /// The command line, recorded as given.
    pub command: Vec<String>,
    pub progress: bool,
    /// How `cmd:` and `bert:` models start, and the prediction cache.
    pub load: model::LoadOptions,
}

pub struct RunOutcome {
    pub folder: PathBuf,
    pub record: RunRecord,
}

/// Every dataset folder under `datasets/` (those with a `gold.csv`), sorted by name.
pub fn default_datasets() -> Result<Vec<String>> {
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

pub fn execute(plan: &RunPlan) -> Result<RunOutcome> {
    // Every dataset is loaded and validated before any model runs (SPEC 2).
    let datasets = plan
        .datasets
        .iter()
        .map(|spec| Dataset::open(spec))
        .collect::<Result<Vec<_>>>()?;
    if plan.scoring.speaker_match == SpeakerMatch::Mention {
        for dataset in &datasets {
            dataset.check_mention_offsets()?;
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", plan.threads)))?;

    let mut folder = RunFolder::create(&plan.out_dir, &plan.name)?;
    let mut results = Vec::new();
    let mut model_infos: Vec<ModelInfo> = Vec::new();
    for dataset in &datasets {
        for spec in &plan.models {
            let (result, info) = pool.install(|| run_one(plan, spec, dataset, &mut folder))?;
            if let Some(info) = info
                && !model_infos.iter().any(|m| m.name == info.name)
            {
                model_infos.push(info);
            }
            results.push(result);
        }
    }
    // A model that failed everywhere still appears, so the record says what was asked.
    for spec in &plan.models {
        if !model_infos.iter().any(|m| m.name == spec.name) {
            model_infos.push(ModelInfo {
                spec: spec.spec.clone(),
                name: spec.name.clone(),
                version: "unknown".into(),
                config_hash: "unknown".into(),
            });
        }
    }

    let status = if results.iter().any(|r| !r.errors.is_empty()) {
        RunStatus::Partial
    } else {
        RunStatus::Complete
    };
    let record = RunRecord {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        command: plan.command.clone(),
        status,
        scoring: plan.scoring.clone(),
        datasets: datasets
            .iter()
            .map(|d| DatasetRecord {
                name: d.name().to_string(),
                path: d.path().display().to_string(),
                articles: d.article_ids().len(),
                gold_rows: d.gold_rows(),
                fingerprint: d.fingerprint().to_string(),
            })
            .collect(),
        models: model_infos,
        results,
    };
    let report = markdown_report(&plan.name, &record);
    let folder = folder.finish(&record, &report)?;
    Ok(RunOutcome { folder, record })
}

/// Scores a predictions file against a dataset's gold without running a model: what
/// `attr-eval score` does. Articles stream from the dataset, so memory stays bounded by
/// the gold and the predictions.
pub fn score_predictions(
    dataset: &Dataset,
    predictions: &[Attribution],
    options: &ScoringOptions,
) -> Result<ScoredPredictions> {
    if options.speaker_match == SpeakerMatch::Mention {
        dataset.check_mention_offsets()?;
    }
    let mut by_article: HashMap<&str, Vec<Attribution>> = HashMap::new();
    for row in predictions {
        by_article
            .entry(row.article_id.as_str())
            .or_default()
            .push(row.clone());
    }
    let scorer = Scorer::new(dataset.aliases(), options);
    let mut scores = Vec::with_capacity(dataset.article_ids().len());
    let mut confusion = SpeakerConfusion::default();
    for article in dataset.articles() {
        let article = article?;
        let predicted = by_article.remove(article.id.as_str()).unwrap_or_default();
        let gold = dataset.gold_for(&article.id);
        let score = scorer.score_article(&article, gold, &predicted)?;
        confusion.add_outcomes(
            scorer.cast(),
            &article.id,
            &score.schemes.overlap.outcomes,
            gold,
            &predicted,
        );
        scores.push(score);
    }
    Ok(ScoredPredictions {
        aggregate: scoring::aggregate(&scores, options),
        confusion,
    })
}

/// What [`score_predictions`] gives: the dataset figures and the speaker confusion.
#[derive(Debug, Clone)]
pub struct ScoredPredictions {
    pub aggregate: scoring::DatasetScores,
    /// Over the headline `overlap` scheme.
    pub confusion: SpeakerConfusion,
}

impl ScoredPredictions {
    /// The confusion as the run record holds it: the top pairs, and the number of
    /// distinct pairs when the list leaves some out.
    pub fn confusion_record(&self) -> (Vec<scoring::ConfusionPair>, Option<usize>) {
        scoring::confusion_record(&self.confusion)
    }
}

/// What [`score_speakers`] gives: the figures of SPEC 3.7 and the confusion.
#[derive(Debug, Clone)]
pub struct ScoredSpeakers {
    pub aggregate: scoring::SpeakersAggregate,
    pub articles: Vec<scoring::ArticleSpeakerScore>,
    pub confusion: SpeakerConfusion,
}

/// Scores a file of answers in the `speakers` task (SPEC 3.7): each gold quote kept by
/// the type filter against the answer rows of its article. A gold row without offsets
/// is an input error, reported with its line before anything is scored.
pub fn score_speakers(
    dataset: &Dataset,
    answers: &[Attribution],
    options: &ScoringOptions,
) -> Result<ScoredSpeakers> {
    dataset.check_quote_offsets(&options.types)?;
    if options.speaker_match == SpeakerMatch::Mention {
        dataset.check_mention_offsets()?;
    }
    let mut by_article: HashMap<&str, Vec<Attribution>> = HashMap::new();
    for row in answers {
        by_article
            .entry(row.article_id.as_str())
            .or_default()
            .push(row.clone());
    }
    let cast = scoring::Cast::new(dataset.aliases());
    let mut articles = Vec::with_capacity(dataset.article_ids().len());
    let mut confusion = SpeakerConfusion::default();
    for id in dataset.article_ids() {
        let gold = dataset.gold_for(id);
        let answered = by_article.remove(id.as_str()).unwrap_or_default();
        let score = scoring::score_speakers_article(id, gold, &answered, &cast, options)?;
        confusion.merge(scoring::speakers_confusion(
            std::slice::from_ref(&score),
            &cast,
            |_| (gold, &answered),
        ));
        articles.push(score);
    }
    Ok(ScoredSpeakers {
        aggregate: scoring::aggregate_speakers(&articles, options),
        articles,
        confusion,
    })
}

/// What one article gave: its rows, time and error, before scoring.
struct Predicted {
    article: Article,
    rows: Vec<Attribution>,
    latency_ms: f64,
    cpu_s: Option<f64>,
    error: Option<String>,
}

/// Checks a model's answer for one article against its text: rows that do not fit the
/// text cost that article only, never the run.
fn checked(article: Article, answer: Option<TimedPrediction>) -> Predicted {
    let Some(answer) = answer else {
        return Predicted {
            article,
            rows: Vec::new(),
            latency_ms: 0.0,
            cpu_s: None,
            error: Some("the model gave no answer for this article".into()),
        };
    };
    let (rows, error) = match answer.result {
        Ok(mut rows) => {
            for row in &mut rows {
                row.article_id.clone_from(&article.id);
            }
            let problems = check_rows_against_article(&rows, &article);
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
        Err(error) => (Vec::new(), Some(error.message)),
    };
    Predicted {
        article,
        rows,
        latency_ms: answer.latency_ms,
        cpu_s: answer.cpu_s,
        error,
    }
}

fn progress_bar(plan: &RunPlan, total: usize, label: String) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(total as u64),
        if plan.progress {
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

fn run_one(
    plan: &RunPlan,
    spec: &ModelSpec,
    dataset: &Dataset,
    folder: &mut RunFolder,
) -> Result<(ResultRecord, Option<ModelInfo>)> {
    let mut errors = Vec::new();
    let model = match model::load(spec, dataset, &plan.load) {
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
    let info = model.as_ref().map(|m| ModelInfo {
        spec: spec.spec.clone(),
        name: spec.name.clone(),
        version: m.info().version.clone(),
        config_hash: m.info().config_hash.clone(),
    });

    let bar = progress_bar(
        plan,
        dataset.article_ids().len(),
        format!("{} on {}", spec.name, dataset.name()),
    );
    let scorer = Scorer::new(dataset.aliases(), &plan.scoring);
    let mut scores: Vec<ArticleScore> = Vec::with_capacity(dataset.article_ids().len());
    let mut confusion = SpeakerConfusion::default();
    let mut predictions: Vec<Attribution> = Vec::new();
    let mut latencies: Vec<f64> = Vec::new();
    let mut chars = 0usize;
    let mut bytes = 0usize;
    let mut predict_wall_s = 0.0;
    let mut process_cpu_s = Some(0.0);
    // Summed per article when the model measured each on its own thread: exact model
    // work, unlike the process clock, which also counts idle workers spinning.
    let mut article_cpu_s = Some(0.0);
    let mut articles = dataset.articles().peekable();
    while articles.peek().is_some() {
        let chunk = articles
            .by_ref()
            .take(CHUNK)
            .collect::<Result<Vec<Article>>>()?;
        let started = Instant::now();
        let cpu_started = crate::cpu_time::process_seconds();
        let predicted: Vec<Predicted> = match &model {
            Some(model) => {
                let answers = model.predict_batch(&chunk);
                let mut answers = answers.into_iter();
                chunk
                    .into_iter()
                    .map(|article| checked(article, answers.next()))
                    .collect()
            }
            None => chunk
                .into_iter()
                .map(|article| Predicted {
                    article,
                    rows: Vec::new(),
                    latency_ms: 0.0,
                    cpu_s: None,
                    error: None,
                })
                .collect(),
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

        let scored: Vec<(ArticleScore, &Predicted)> = predicted
            .par_iter()
            .map(|p| {
                let gold = dataset.gold_for(&p.article.id);
                scorer
                    .score_article(&p.article, gold, &p.rows)
                    .map(|score| (score, p))
            })
            .collect::<Result<Vec<_>>>()?;
        for (score, p) in scored {
            let gold = dataset.gold_for(&p.article.id);
            folder.write_article(&article_line(spec, dataset, p, gold, &score))?;
            confusion.add_outcomes(
                scorer.cast(),
                &p.article.id,
                &score.schemes.overlap.outcomes,
                gold,
                &p.rows,
            );
            if let Some(message) = &p.error {
                errors.push(ArticleError {
                    article_id: Some(p.article.id.clone()),
                    message: message.clone(),
                });
            }
            if model.is_some() {
                chars += p.article.char_len();
                bytes += p.article.text.len();
                latencies.push(p.latency_ms);
                article_cpu_s = article_cpu_s.zip(p.cpu_s).map(|(sum, cpu)| sum + cpu);
            }
            scores.push(score);
        }
        for p in predicted {
            predictions.extend(p.rows);
        }
        bar.set_position(scores.len() as u64);
    }
    bar.finish_and_clear();
    folder.write_predictions(&spec.name, dataset.name(), &predictions)?;

    let aggregate = scoring::aggregate(&scores, &plan.scoring);
    let (speaker_confusion, speaker_confusion_pairs) = scoring::confusion_record(&confusion);
    let throughput = model.as_ref().map(|_| {
        let mut t = throughput(latencies, chars, predict_wall_s, plan.threads);
        t.bytes = bytes;
        let cpu_s = article_cpu_s.or(process_cpu_s);
        t.cpu_s = cpu_s;
        t.bytes_per_cpu_s = cpu_s.filter(|&cpu| cpu > 0.0).map(|cpu| bytes as f64 / cpu);
        t
    });
    Ok((
        ResultRecord {
            model: spec.name.clone(),
            dataset: dataset.name().to_string(),
            scores: aggregate.scores,
            by_type: aggregate.by_type,
            by_mention_type: aggregate.by_mention_type,
            speaker_confusion,
            speaker_confusion_pairs,
            throughput,
            errors,
        },
        info,
    ))
}

fn article_line(
    spec: &ModelSpec,
    dataset: &Dataset,
    predicted: &Predicted,
    gold: &[Attribution],
    score: &ArticleScore,
) -> ArticleLine {
    let row = |rows: &[Attribution], index: Option<usize>| index.and_then(|i| rows.get(i)).cloned();
    ArticleLine {
        model: spec.name.clone(),
        dataset: dataset.name().to_string(),
        article_id: predicted.article.id.clone(),
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

/// Latency percentiles by the nearest-rank method.
fn throughput(mut latencies: Vec<f64>, chars: usize, wall_s: f64, threads: usize) -> Throughput {
    latencies.sort_by(f64::total_cmp);
    let rank = |q: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let index = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index]
    };
    let articles = latencies.len();
    let per_s = |n: usize| if wall_s > 0.0 { n as f64 / wall_s } else { 0.0 };
    Throughput {
        articles,
        chars,
        wall_s,
        articles_per_s: per_s(articles),
        chars_per_s: per_s(chars),
        latency_ms: Latency {
            p50: rank(0.5),
            p95: rank(0.95),
            max: latencies.last().copied().unwrap_or(0.0),
        },
        threads,
        bytes: 0,
        cpu_s: None,
        bytes_per_cpu_s: None,
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
