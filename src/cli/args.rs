//! Argument definitions, kept apart from what the commands do.

use crate::attribution::QuoteType;
use crate::model::Task;
use crate::scoring::{ScoringOptions, SpeakerMatch};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes (docs/exit-codes.md):
  0  success
  1  a quality gate failed (`compare` found a regression)
  2  bad usage or bad input (the message names the file, line and column); nothing ran
  3  a run finished partial (a model failed on some articles) or was interrupted
     (SIGINT, SIGTERM): its record is written and says so";

#[derive(Debug, Parser)]
#[command(
    name = "attr-eval",
    version,
    about = "Evaluate quote-attribution models: who said what, scored exactly.",
    long_about = "Runs quote-attribution models over labeled articles, scores their \
                  speaker–quote pairs against gold CSV labels (precision, recall, F1 with \
                  bootstrap intervals), measures throughput, and tells whether a new model \
                  version is better or worse than the last one.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run models over datasets, score them and write a run record under results/.
    ///
    /// With no arguments: every built-in model that needs no set-up over every dataset
    /// in datasets/.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Score a predictions CSV against a dataset's gold.
    #[command(after_help = EXIT_CODES)]
    Score(ScoreArgs),
    /// Compare two runs with a paired bootstrap; exit 1 on a significant regression.
    #[command(after_help = EXIT_CODES)]
    Compare(CompareArgs),
    /// Check a dataset: articles, gold.csv and aliases.csv against docs/datasets.md.
    #[command(after_help = EXIT_CODES)]
    Validate(ValidateArgs),
    /// Merge the run folders of a sharded run (`run --shard K/N`) into one, equal to the
    /// unsharded run's.
    #[command(after_help = EXIT_CODES)]
    Merge(MergeArgs),
    /// List a dataset's articles, or show one with its gold rows and a model's rows
    /// aligned with them (run now, or as a saved run scored it: --run).
    Show(ShowArgs),
    /// Convert a corpus in another format into an attr-eval dataset.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Train a model (needs the `bert` cargo feature)
    #[command(subcommand)]
    Train(TrainCommand),
}

/// The scoring flags of docs/cli.md#scoring-flags. Unset flags fall back to a config
/// file, then to the defaults given there.
#[derive(Debug, Clone, Default, Args)]
pub struct ScoringArgs {
    /// Similarity threshold τ of the `overlap` scheme, in (0, 1] [default: 0.5]
    #[arg(long, value_name = "TAU", value_parser = parse_tau)]
    pub overlap: Option<f64>,
    /// How speakers are compared [default: name]
    #[arg(long, value_enum, value_name = "MODE")]
    pub speaker_match: Option<SpeakerMatchArg>,
    /// Quote types to score, comma-separated [default: direct,indirect,mixed]
    #[arg(long, value_name = "TYPES", value_delimiter = ',', value_parser = parse_type)]
    pub types: Option<Vec<QuoteType>>,
    /// Bootstrap resamples for the F1 interval [default: 1000]
    #[arg(long, value_name = "N")]
    pub resamples: Option<usize>,
    /// Bootstrap seed [default: 12345]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

impl ScoringArgs {
    /// Flags given here win over `base`, as a config file's `[scoring]` does.
    pub fn apply_to(&self, base: ScoringOptions) -> ScoringOptions {
        crate::experiment::ScoringConfig {
            overlap: self.overlap,
            speaker_match: self.speaker_match.map(Into::into),
            types: self.types.clone(),
            seed: self.seed,
            resamples: self.resamples,
        }
        .apply_to(base)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpeakerMatchArg {
    /// Normalized names: titles dropped, "Trump" ~ "Donald Trump", aliases applied
    Name,
    /// The speaker mention spans overlap
    Mention,
    /// Any speaker: quote extraction alone
    None,
}

impl From<SpeakerMatchArg> for SpeakerMatch {
    fn from(arg: SpeakerMatchArg) -> Self {
        match arg {
            SpeakerMatchArg::Name => SpeakerMatch::Name,
            SpeakerMatchArg::Mention => SpeakerMatch::Mention,
            SpeakerMatchArg::None => SpeakerMatch::None,
        }
    }
}

fn parse_tau(s: &str) -> Result<f64, String> {
    let tau: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if tau > 0.0 && tau <= 1.0 {
        Ok(tau)
    } else {
        Err(format!("τ must be in (0, 1], got {s}"))
    }
}

fn parse_type(s: &str) -> Result<QuoteType, String> {
    s.trim().parse()
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A dataset: a name under datasets/ or a path (repeatable) [default: all of datasets/]
    #[arg(long = "dataset", short = 'd', value_name = "D")]
    pub datasets: Vec<String>,
    /// A model spec, optionally named: `rules`, `file:PATH`, `cmd:COMMAND`, `bert:DIR`,
    /// `llm:MODEL@BASE_URL[?OPTIONS]`, `NAME=SPEC` (repeatable) [default: every built-in
    /// model that needs no set-up]. `llm:` is a chat model behind an OpenAI-compatible
    /// endpoint (`llm:qwen2.5-7b-instruct@http://127.0.0.1:8000/v1`); its API key comes
    /// from ATTR_EVAL_API_KEY or OPENAI_API_KEY; OPTIONS are `key=value` joined by `&`:
    /// template=FILE (prompts, as models/llm/prompts.toml), temperature, max_tokens, seed,
    /// chunk and overlap (characters), retries, backoff (seconds), response_format
    /// (json_schema|none); see examples/llm.md
    #[arg(long = "model", short = 'm', value_name = "M")]
    pub models: Vec<String>,
    /// A named experiment (TOML: datasets, models, [scoring]); flags given here win
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to measure: `extract` (find quotes and speakers) or `speakers` (name the
    /// speaker of each given gold quote; docs/tasks.md)
    #[arg(long, value_enum, default_value_t = Task::Extract)]
    pub task: Task,
    /// Where run folders go
    #[arg(long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// The run folder's name, in [A-Za-z0-9._-] [default: a UTC time stamp]
    #[arg(long)]
    pub name: Option<String>,
    /// Worker threads for models [default: all cores]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print the run record as JSON on stdout instead of the summary table
    #[arg(long)]
    pub json: bool,
    /// `cmd:` models: seconds to wait for one article's answer before the program is
    /// restarted and the article recorded as failed (at most a year); `llm:` models:
    /// seconds for one HTTP request, which is then retried
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub timeout: f64,
    /// `cmd:` models: how many copies of the program to run side by side; `llm:` models:
    /// how many requests to keep in flight
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub workers: usize,
    /// Reuse cached predictions of `cmd:` and `bert:` models from an earlier, interrupted
    /// run (keyed by model spec, version, config hash and article text), and cached
    /// replies of `llm:` models (keyed by model, base URL, config and request body)
    #[arg(long, conflicts_with = "no_cache")]
    pub resume: bool,
    /// Neither read nor write the prediction cache
    #[arg(long)]
    pub no_cache: bool,
    /// Run only shard K of N (K from 0): the articles whose id hashes to K
    /// (docs/distributed.md). Without it: ATTR_EVAL_SHARD=K/N, a Slurm array's
    /// SLURM_ARRAY_TASK_* variables, or JOB_COMPLETION_INDEX with --shards
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// How many shards a Kubernetes indexed Job has (its completions): JOB_COMPLETION_INDEX
    /// gives this task's K
    #[arg(long, value_name = "N")]
    pub shards: Option<usize>,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

/// `attr-eval merge`: the shards of one run back into one run folder.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' run folders (or their run.json), each shard once, in any order
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// Where the merged run folder goes
    #[arg(long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// The merged run folder's name, in [A-Za-z0-9._-]
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The dataset holding the gold: a name under datasets/ or a path
    #[arg(long, value_name = "D")]
    pub dataset: String,
    /// Predictions CSV (schema of docs/datasets.md#csv)
    #[arg(long, value_name = "FILE")]
    pub pred: PathBuf,
    /// Print the result as JSON (an element of run.json's `results`)
    #[arg(long)]
    pub json: bool,
    /// What the predictions answer: `extract` (quotes and speakers found in the text) or
    /// `speakers` (a speaker for each given gold quote, docs/tasks.md#speakers)
    #[arg(long, value_enum, default_value_t = Task::Extract)]
    pub task: Task,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The dataset: a name under datasets/ or a path
    pub dataset: String,
    /// Also validate a predictions CSV against it
    #[arg(long, value_name = "FILE")]
    pub pred: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    override_usage = "attr-eval show D [ARTICLE_ID] [--model SPEC] [--errors] [--format text|json]\n       \
                      attr-eval show --run DIR [ARTICLE_ID] [--model NAME] [--errors] [--format text|json]",
    after_help = EXIT_CODES
)]
pub struct ShowArgs {
    /// The dataset: a name under datasets/ or a path. With --run, the article id instead
    #[arg(value_name = "D")]
    pub dataset: Option<String>,
    /// The article to show; without it, the articles are listed with their gold counts
    pub article_id: Option<String>,
    /// A run folder (or its run.json): show the article as that run scored it, from the
    /// rows it saved, without running any model
    #[arg(long, value_name = "DIR")]
    pub run: Option<PathBuf>,
    /// Without --run: run this model spec on the article and show its rows aligned with
    /// the gold. With --run: show only this model of the run (by name) [default: every
    /// model of the run]
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// Show only the rows that went wrong: INC, MIS and SPU
    #[arg(long)]
    pub errors: bool,
    /// The matching scheme whose alignment is shown (the counts of the others are shown
    /// beside it)
    #[arg(long, value_enum, default_value_t = SchemeArg::Overlap)]
    pub scheme: SchemeArg,
    /// With --run: where the run's dataset is now, when it is no longer at the path
    /// run.json records (it must be the same dataset: its fingerprint is checked)
    #[arg(long, value_name = "DIR", requires = "run")]
    pub dataset_path: Option<String>,
    /// `text` for people, `json` for scripts
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemeArg {
    /// Quotes match only when identical
    Exact,
    /// Quotes match when their similarity reaches τ (the headline)
    Overlap,
    /// Quotes match when their similarity is above 0
    Lenient,
}

impl From<SchemeArg> for crate::scoring::Scheme {
    fn from(arg: SchemeArg) -> Self {
        match arg {
            SchemeArg::Exact => crate::scoring::Scheme::Exact,
            SchemeArg::Overlap => crate::scoring::Scheme::Overlap,
            SchemeArg::Lenient => crate::scoring::Scheme::Lenient,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a PolNeAR split folder (text/, attributions/*.ann in brat standoff)
    Polnear(ImportArgs),
    /// Import LitBank quotations (quotations/tsv: *_brat.txt and *_brat.ann), with
    /// `--coref` its cast as aliases.csv
    Litbank(LitbankArgs),
    /// Import the Project Dialogism Novel Corpus (one folder per novel: novel_text.txt,
    /// quotation_info.csv, character_info.csv), its casts as aliases.csv
    Pdnc(ImportArgs),
}

#[derive(Debug, Args)]
pub struct LitbankArgs {
    /// The source folder (LitBank's quotations/tsv, or LitBank's root)
    pub src: PathBuf,
    /// LitBank's coreference folder (coref/tsv): writes the cast of each text's speakers
    /// to aliases.csv
    #[arg(long, value_name = "DIR")]
    pub coref: Option<PathBuf>,
    /// The dataset folder to write
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The source folder
    pub src: PathBuf,
    /// The dataset folder to write
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Md,
    Json,
    // A plain comment: a doc comment here would turn clap's one-line list of values
    // into a paragraph per value.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignificanceTest {
    /// Paired bootstrap over articles (always reported)
    Bootstrap,
    /// Also an approximate randomization test
    Ar,
}

#[derive(Debug, Args)]
#[command(
    long_about = "Compares two run folders (or their run.json) with a paired bootstrap \
over articles. Models are paired by name; datasets must have equal fingerprints.\n\n\
The gate: exits 1 when a paired model × dataset's pair F1 (overlap scheme) dropped by more \
than --max-drop with p < --alpha; 0 otherwise; 2 for bad input."
)]
pub struct CompareArgs {
    /// The baseline run folder or run.json
    pub base: PathBuf,
    /// The candidate run folder or run.json
    pub cand: PathBuf,
    /// Pair two differently named models: BASE_NAME=CAND_NAME (repeatable)
    #[arg(long = "pair", value_name = "BASE=CAND")]
    pub pairs: Vec<String>,
    /// Largest drop in pair F1 tolerated before the gate can fail
    #[arg(long, default_value_t = 0.0, value_name = "X")]
    pub max_drop: f64,
    /// Significance level of the gate
    #[arg(long, default_value_t = 0.05, value_name = "A")]
    pub alpha: f64,
    /// Significance test(s) to report
    #[arg(long, value_enum, default_value_t = SignificanceTest::Bootstrap)]
    pub test: SignificanceTest,
    /// Output format; `md` is ready to paste into a pull request, `html` is a page to
    /// open in a browser (`> compare.html`)
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// List the articles whose outcomes changed, most changes first
    #[arg(long)]
    pub articles: bool,
    /// Bootstrap resamples
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub resamples: usize,
    /// Bootstrap seed
    #[arg(long, default_value_t = 12345, value_name = "N")]
    pub seed: u64,
    /// Fail the gate (exit 1) when the candidate lacks a model or dataset of the baseline
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// A SOURCE/CUE/CONTENT BIO tagger: the top layers of a BERT encoder fine-tuned
    Tagger(TrainTaggerArgs),
    /// The tagger's linker: which source speaks each content, fitted on the tagger's own
    /// output over a dataset with gold speakers (writes linker.json beside the tagger)
    Linker(TrainLinkerArgs),
}

#[derive(Debug, Args)]
pub struct TrainLinkerArgs {
    /// Training dataset with gold speaker mentions (a name under datasets/ or a path)
    #[arg(long, value_name = "D")]
    pub train: String,
    /// Dev dataset: pair F1 with the hand-written and the fitted linking is printed
    #[arg(long, value_name = "D")]
    pub dev: Option<String>,
    /// Fit on the training articles outside shard K of N only, and print dev pair F1 on
    /// those in it (the split `train tagger --hold-out K/N` makes)
    #[arg(long, value_name = "K/N", conflicts_with = "dev")]
    pub hold_out: Option<String>,
    /// The tagger folder to write linker.json into
    #[arg(long, value_name = "DIR", default_value = "models/tagger")]
    pub out: PathBuf,
    /// Folder that keeps the tagger's output per dataset between runs (tagging the
    /// training set takes minutes); delete it when the tagger changes
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// libtorch threads [default: libtorch's choice]
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct TrainTaggerArgs {
    /// The encoder folder (all-MiniLM-L6-v2 from scripts/setup-libtorch.sh: .libtorch/minilm)
    #[arg(long, value_name = "DIR")]
    pub base: PathBuf,
    /// Training dataset with gold spans (a name under datasets/ or a path)
    #[arg(long, value_name = "D")]
    pub train: String,
    /// Dev dataset, scored after each epoch (mention mode, all types, τ = 0.5)
    #[arg(long, value_name = "D", required_unless_present = "hold_out")]
    pub dev: Option<String>,
    /// Keep the training articles whose id hashes to shard K of N (as `run --shard K/N`
    /// picks them) out of training, as the dev set
    #[arg(long, value_name = "K/N", conflicts_with = "dev")]
    pub hold_out: Option<String>,
    /// The model folder to write (loadable as bert:DIR)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub epochs: usize,
    #[arg(long, default_value_t = 13, value_name = "N")]
    pub seed: i64,
    /// Peak learning rate of the fine-tuned encoder layers (AdamW, warm-up then linear decay)
    #[arg(long, default_value_t = 1e-4, value_name = "X")]
    pub learning_rate: f64,
    /// Peak learning rate of the new classifier
    #[arg(long, default_value_t = 1e-3, value_name = "X")]
    pub head_learning_rate: f64,
    /// Windows (of 256 tokens) per optimizer step
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub batch_size: usize,
    /// How many top encoder layers to fine-tune; the others stay frozen
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub trained_layers: usize,
    /// Train on the first N training articles only [default: all]
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub limit: usize,
    /// libtorch threads [default: libtorch's choice]
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
}
