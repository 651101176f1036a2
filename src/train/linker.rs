//! `attr-eval train linker`: fits the tagger's linker on the tagger's own output over a
//! training set with gold speakers, and reports the dev score with and without it.

use super::tagger::progress;
use crate::attribution::Span;
use crate::dataset::{Article, Dataset};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::bert::linker::{self, FitReport, Linker};
use crate::model::bert::tagger::{LINKER_FILE, tagger_options};
use crate::model::bert::{BertModel, Tag, TokenPrediction, rows_from_words, spans_from_words};
use crate::scoring::{Scorer, ScoringOptions, SpeakerMatch, aggregate};
use crate::train::split::{self, Part};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Articles per batch handed to the tagger.
const ARTICLES_PER_BATCH: usize = 8;
/// Adam steps of the fit: the loss is convex and flat well before this.
const FIT_STEPS: usize = 4000;
/// L2 penalty per example.
const L2: f64 = 1e-4;
/// The headline overlap of docs/scoring.md#schemes: a content that matches a gold quote this well
/// is that quote, and its gold speaker says which options are right.
const MATCH_OVERLAP: f64 = 0.5;

/// What `train linker` needs.
#[derive(Debug, Clone)]
pub struct LinkerOptions {
    pub train: String,
    pub dev: Option<String>,
    /// `K/N`: fit on the training articles outside shard K of N and report dev on
    /// those in it ([`crate::train::split`]).
    pub hold_out: Option<String>,
    /// The folder of the tagger, where `linker.json` is written.
    pub out: PathBuf,
    /// Where to keep the tagger's words of every article between runs (a folder);
    /// `None` tags afresh.
    pub cache: Option<PathBuf>,
}

/// One word as the cache keeps it.
#[derive(Serialize, Deserialize)]
struct CachedWord {
    start: usize,
    end: usize,
    word: Option<u32>,
    tag: String,
    probability: f32,
    source_probability: f32,
}

#[derive(Serialize, Deserialize)]
struct CachedArticle {
    id: String,
    words: Vec<CachedWord>,
}

/// The dev figures `train linker` prints and writes.
#[derive(Debug, Clone, Serialize)]
pub struct DevComparison {
    pub articles: usize,
    /// Overlap-scheme pair F1 in mention mode, all types, τ = 0.5.
    pub hand_written_pair_f1: Option<f64>,
    pub learned_pair_f1: Option<f64>,
    /// The fitted linker's pair F1 with other floors of the content confidence
    /// (`min_content_confidence`, applied after fitting), to check the shipped floor on dev.
    pub learned_by_confidence_floor: Vec<FloorScore>,
}

/// Pair F1 at one content-confidence floor.
#[derive(Debug, Clone, Serialize)]
pub struct FloorScore {
    pub floor: f32,
    pub pair_f1: Option<f64>,
}

/// The floors `compare_on_dev` tries beside the shipped one.
const CONFIDENCE_FLOORS: [f32; 6] = [0.0, 0.4, 0.5, 0.6, 0.7, 0.8];

#[derive(Serialize)]
struct LinkerFile<'a> {
    #[serde(flatten)]
    linker: &'a Linker,
    fit: &'a FitReport,
    dev: Option<&'a DevComparison>,
    train: &'a str,
    train_articles: String,
}

/// Fits the linker and writes `linker.json` into `options.out`.
pub fn train_linker(options: &LinkerOptions) -> Result<(FitReport, Option<DevComparison>)> {
    let tagger = crate::model::tagger_model("tagger", "tagger", false)?;
    let (train_part, held_out) = split::parts(options.hold_out.as_deref())?;
    let train = Dataset::open(&options.train)?;
    let train_words = tag_dataset(
        &tagger,
        &train,
        &train_part,
        options.cache.as_deref(),
        "train",
    )?;
    let tagger_options = tagger_options();
    let mut examples = Vec::new();
    for (article, words) in &train_words {
        let spans = spans_from_words(article, words, &tagger_options);
        examples.extend(linker::examples(
            article,
            &spans,
            words,
            &train.gold_for(&article.id)?,
            tagger_options.max_link_distance,
            MATCH_OVERLAP,
        ));
    }
    let (linker, fit) = linker::fit(&examples, FIT_STEPS, L2);
    let dev = match (&options.dev, &options.hold_out) {
        (Some(dev), _) => Some((Dataset::open(dev)?, Part::All)),
        (None, Some(_)) => Some((Dataset::open(&options.train)?, held_out)),
        (None, None) => None,
    };
    let dev = match dev {
        Some((dev, part)) => {
            let words = tag_dataset(&tagger, &dev, &part, options.cache.as_deref(), "dev")?;
            Some(compare_on_dev(&dev, &words, &linker)?)
        }
        None => None,
    };
    std::fs::create_dir_all(&options.out).map_err(|e| Error::io(&options.out, e))?;
    let path = options.out.join(LINKER_FILE);
    let file = LinkerFile {
        linker: &linker,
        fit: &fit,
        dev: dev.as_ref(),
        train: &options.train,
        train_articles: train_part.describe(),
    };
    let json = serde_json::to_string_pretty(&file).expect("the linker serializes");
    std::fs::write(&path, json + "\n").map_err(|e| Error::io(&path, e))?;
    Ok((fit, dev))
}

/// Pair F1 on dev with the hand-written linking and with the fitted linker.
fn compare_on_dev(
    dev: &Dataset,
    words: &[(Article, Vec<TokenPrediction>)],
    linker: &Linker,
) -> Result<DevComparison> {
    let scoring = ScoringOptions {
        speaker_match: SpeakerMatch::Mention,
        resamples: 0,
        ..ScoringOptions::default()
    };
    let scorer = Scorer::new(dev.aliases(), &scoring);
    let hand_written = tagger_options();
    let learned = crate::model::bert::BertOptions {
        linker: Some(linker.clone()),
        ..tagger_options()
    };
    let pair_f1 = |options: &crate::model::bert::BertOptions| -> Result<Option<f64>> {
        let mut scores = Vec::with_capacity(words.len());
        for (article, words) in words {
            let rows = rows_from_words(article, words, options);
            scores.push(scorer.score_article(article, &dev.gold_for(&article.id)?, &rows)?);
        }
        Ok(aggregate(&scores, &scoring).scores.overlap.pair.f1)
    };
    let mut by_floor = Vec::with_capacity(CONFIDENCE_FLOORS.len());
    for floor in CONFIDENCE_FLOORS {
        let options = crate::model::bert::BertOptions {
            min_content_confidence: floor,
            ..learned.clone()
        };
        by_floor.push(FloorScore {
            floor,
            pair_f1: pair_f1(&options)?,
        });
    }
    Ok(DevComparison {
        articles: words.len(),
        hand_written_pair_f1: pair_f1(&hand_written)?,
        learned_pair_f1: pair_f1(&learned)?,
        learned_by_confidence_floor: by_floor,
    })
}

/// The tagger's words for every article of `dataset`, read from `cache` when it holds
/// them (one JSON-lines file per dataset role and tagger version), otherwise computed
/// and written there.
fn tag_dataset(
    tagger: &BertModel,
    dataset: &Dataset,
    part: &Part,
    cache: Option<&Path>,
    what: &str,
) -> Result<Vec<(Article, Vec<TokenPrediction>)>> {
    let articles: Vec<Article> = split::articles(dataset, part).collect::<Result<_>>()?;
    let version = tagger.info().version.replace(':', "-");
    let cache_file = cache.map(|dir| dir.join(format!("{what}-{version}.jsonl")));
    if let Some(file) = &cache_file
        && let Some(cached) = read_cache(file, &articles)?
    {
        return Ok(articles.into_iter().zip(cached).collect());
    }
    let bar = progress(articles.len(), &format!("tagging {what}"));
    let mut out = Vec::with_capacity(articles.len());
    for batch in articles.chunks(ARTICLES_PER_BATCH) {
        for (article, words) in batch.iter().zip(tagger.tag_batch(batch)) {
            let words = words.map_err(|e| Error::Model {
                model: "tagger".into(),
                message: format!("article {}: {e}", article.id),
            })?;
            out.push((article.clone(), words));
        }
        bar.inc(batch.len() as u64);
    }
    bar.finish();
    if let Some(file) = &cache_file {
        write_cache(file, &out)?;
    }
    Ok(out)
}

/// The cached words, if the cache holds exactly these articles in this order.
fn read_cache(file: &Path, articles: &[Article]) -> Result<Option<Vec<Vec<TokenPrediction>>>> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(articles.len());
    let mut lines = text.lines().enumerate();
    for article in articles {
        let Some((index, line)) = lines.next() else {
            return Ok(None);
        };
        let cached: CachedArticle = serde_json::from_str(line).map_err(|e| Error::Model {
            model: "tagger".into(),
            message: format!(
                "{}:{}:{}: {e}; delete the cache to tag afresh",
                file.display(),
                index + 1,
                e.column()
            ),
        })?;
        if cached.id != article.id {
            return Ok(None);
        }
        let words = cached
            .words
            .into_iter()
            .filter_map(|w| {
                Some(TokenPrediction {
                    span: Span::new(w.start, w.end),
                    word: w.word,
                    tag: Tag::parse(&w.tag)?,
                    probability: w.probability,
                    source_probability: w.source_probability,
                })
            })
            .collect();
        out.push(words);
    }
    Ok(Some(out))
}

fn write_cache(file: &Path, tagged: &[(Article, Vec<TokenPrediction>)]) -> Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut text = String::new();
    for (article, words) in tagged {
        let cached = CachedArticle {
            id: article.id.clone(),
            words: words
                .iter()
                .map(|w| CachedWord {
                    start: w.span.start,
                    end: w.span.end,
                    word: w.word,
                    tag: w.tag.to_string(),
                    probability: w.probability,
                    source_probability: w.source_probability,
                })
                .collect(),
        };
        text.push_str(&serde_json::to_string(&cached).expect("words serialize"));
        text.push('\n');
    }
    std::fs::write(file, text).map_err(|e| Error::io(file, e))
}
