//! The run folder on disk: `run.json`, `articles.jsonl`, `predictions/<model>.csv`,
//! `report.md`, `report.html`.
//!
//! `predictions/<model>.csv` holds the model's rows on every dataset of the run, with a trailing
//! `dataset` column (readers of docs/datasets.md#csv ignore unknown columns). Article ids of two
//! datasets may collide, so each dataset also gets `predictions/<dataset>/<model>.csv`, which
//! `attr-eval score --dataset <dataset>` re-scores as it is.

use super::html::TextLookup;
use super::{ArticleLine, RunRecord, SCHEMA_VERSION, SpeakersArticleLine};
use crate::attribution::{Attribution, CSV_COLUMNS, csv_record};
use crate::error::{Error, InputError, Location, Result};
use crate::model::Task;
use rayon::prelude::*;
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A run folder being written. Article lines stream to disk as they are scored, so an
/// interrupted run still leaves what it did.
pub struct RunFolder {
    path: PathBuf,
    articles: BufWriter<File>,
    /// `predictions/<model>.csv`, one writer per model, appended dataset by dataset.
    combined: HashMap<String, csv::Writer<BufWriter<File>>>,
    /// `predictions/<dataset>/<model>.csv` being written.
    current: Option<PredictionsFile>,
}

struct PredictionsFile {
    model: String,
    dataset: String,
    path: PathBuf,
    partial: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    with_mention_type: bool,
}

impl RunFolder {
    /// Creates `parent/name/`, which must not exist yet. The folder is made in one step
    /// that fails if it exists, so of two runs started with the same name exactly one
    /// gets it and the other stops, instead of both writing into one folder.
    pub fn create(parent: &Path, name: &str) -> Result<Self> {
        check_run_name(name)?;
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let path = parent.join(name);
        match fs::create_dir(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::Usage(format!(
                    "{} already exists (another run, or one running now): choose another \
                     --name or remove the folder",
                    path.display()
                )));
            }
            Err(e) => return Err(Error::io(&path, e)),
        }
        fs::create_dir(path.join("predictions")).map_err(|e| Error::io(&path, e))?;
        let articles_path = path.join("articles.jsonl");
        let articles = File::create(&articles_path).map_err(|e| Error::io(&articles_path, e))?;
        Ok(RunFolder {
            path,
            articles: BufWriter::new(articles),
            combined: HashMap::new(),
            current: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write_article(&mut self, line: &impl serde::Serialize) -> Result<()> {
        let articles_path = self.path.join("articles.jsonl");
        serde_json::to_writer(&mut self.articles, line)
            .map_err(|e| Error::io(&articles_path, e.into()))?;
        self.articles
            .write_all(b"\n")
            .map_err(|e| Error::io(&articles_path, e))
    }

    /// Writes a line of `articles.jsonl` as given (without its newline).
    pub fn write_article_raw(&mut self, line: &str) -> Result<()> {
        let articles_path = self.path.join("articles.jsonl");
        self.articles
            .write_all(line.as_bytes())
            .and_then(|()| self.articles.write_all(b"\n"))
            .map_err(|e| Error::io(&articles_path, e))
    }

    /// Writes one model's rows on one dataset at once (see [`RunFolder::start_predictions`]).
    pub fn write_predictions(
        &mut self,
        model: &str,
        dataset: &str,
        rows: &[Attribution],
    ) -> Result<()> {
        self.start_predictions(model, dataset)?;
        self.append_predictions(rows)?;
        self.end_predictions()
    }

    /// Starts one model's rows on one dataset: appended to `predictions/<model>.csv` and
    /// written alone to `predictions/<dataset>/<model>.csv`, chunk by chunk
    /// ([`RunFolder::append_predictions`]) until [`RunFolder::end_predictions`].
    pub fn start_predictions(&mut self, model: &str, dataset: &str) -> Result<()> {
        self.end_predictions()?;
        let folder = self.path.join("predictions").join(dataset);
        fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
        let path = folder.join(format!("{model}.csv"));
        // Written whole first: the `mention_type` column stays only if a row has one,
        // which is known at the end.
        let partial = folder.join(format!(".{model}.csv.partial"));
        let file = File::create(&partial).map_err(|e| Error::io(&partial, e))?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(file));
        writer
            .write_record(CSV_COLUMNS)
            .map_err(|e| Error::io(&partial, e.into()))?;
        self.current = Some(PredictionsFile {
            model: model.to_string(),
            dataset: dataset.to_string(),
            path,
            partial,
            writer,
            with_mention_type: false,
        });

        let path = self.path.join("predictions").join(format!("{model}.csv"));
        if let std::collections::hash_map::Entry::Vacant(entry) =
            self.combined.entry(model.to_string())
        {
            let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut writer = csv::Writer::from_writer(BufWriter::new(file));
            let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
            header.push("dataset");
            writer
                .write_record(&header)
                .map_err(|e| Error::io(&path, e.into()))?;
            entry.insert(writer);
        }
        Ok(())
    }

    pub fn append_predictions(&mut self, rows: &[Attribution]) -> Result<()> {
        for row in rows {
            self.append_prediction_record(&csv_record(row))?;
        }
        Ok(())
    }

    /// One row as the CSV holds it (the fields of [`CSV_COLUMNS`]).
    pub fn append_prediction_record(&mut self, record: &[String; 12]) -> Result<()> {
        let Some(current) = self.current.as_mut() else {
            return Err(Error::Usage(
                "predictions written before start_predictions".into(),
            ));
        };
        current.with_mention_type |= !record[11].is_empty();
        current
            .writer
            .write_record(record)
            .map_err(|e| Error::io(&current.partial, e.into()))?;
        let path = self
            .path
            .join("predictions")
            .join(format!("{}.csv", current.model));
        if let Some(writer) = self.combined.get_mut(&current.model) {
            writer
                .write_record(record.iter().chain(std::iter::once(&current.dataset)))
                .map_err(|e| Error::io(&path, e.into()))?;
        }
        Ok(())
    }

    /// Finishes the rows started by [`RunFolder::start_predictions`], if any.
    pub fn end_predictions(&mut self) -> Result<()> {
        let Some(current) = self.current.take() else {
            return Ok(());
        };
        let PredictionsFile {
            model,
            path,
            partial,
            mut writer,
            with_mention_type,
            ..
        } = current;
        writer.flush().map_err(|e| Error::io(&partial, e))?;
        drop(writer);
        if with_mention_type {
            fs::rename(&partial, &path).map_err(|e| Error::io(&path, e))?;
        } else {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(&partial)
                .map_err(|e| Error::io(&partial, e.into()))?;
            let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut out = csv::Writer::from_writer(BufWriter::new(file));
            let mut record = csv::ByteRecord::new();
            while reader
                .read_byte_record(&mut record)
                .map_err(|e| Error::io(&partial, e.into()))?
            {
                out.write_record(record.iter().take(CSV_COLUMNS.len() - 1))
                    .map_err(|e| Error::io(&path, e.into()))?;
            }
            out.flush().map_err(|e| Error::io(&path, e))?;
            fs::remove_file(&partial).map_err(|e| Error::io(&partial, e))?;
        }
        let combined = self.path.join("predictions").join(format!("{model}.csv"));
        if let Some(writer) = self.combined.get_mut(&model) {
            writer.flush().map_err(|e| Error::io(&combined, e))?;
        }
        Ok(())
    }

    /// Writes `shard.json`, what a sharded run keeps for `attr-eval merge`.
    pub fn write_shard(&self, file: &super::shard::ShardFile) -> Result<()> {
        let path = self.path.join(super::shard::SHARD_FILE);
        let json = serde_json::to_string(file).map_err(|e| Error::io(&path, e.into()))?;
        fs::write(&path, json + "\n").map_err(|e| Error::io(&path, e))
    }

    /// Writes `run.json`, `report.md` and `report.html` last: their presence marks a
    /// finished write. `texts` gives the article texts the HTML article browser shows.
    pub fn finish(
        mut self,
        record: &RunRecord,
        report: &str,
        texts: &TextLookup<'_>,
    ) -> Result<PathBuf> {
        self.end_predictions()?;
        let articles_path = self.path.join("articles.jsonl");
        self.articles
            .flush()
            .map_err(|e| Error::io(&articles_path, e))?;
        let json_path = self.path.join("run.json");
        let json =
            serde_json::to_string_pretty(record).map_err(|e| Error::io(&json_path, e.into()))?;
        fs::write(&json_path, json + "\n").map_err(|e| Error::io(&json_path, e))?;
        let report_path = self.path.join("report.md");
        fs::write(&report_path, report).map_err(|e| Error::io(&report_path, e))?;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let html = super::html::run_report(&name, record, &articles_path, texts)?;
        let html_path = self.path.join("report.html");
        fs::write(&html_path, html).map_err(|e| Error::io(&html_path, e))?;
        Ok(self.path)
    }
}

/// A run's name becomes a folder under `--out`: a path (`../x`, `a/b`) would put it
/// elsewhere, so names take the characters of article ids.
pub fn check_run_name(name: &str) -> Result<()> {
    let fits = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if fits {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "--name `{}`: a run name may hold only letters, digits, `.`, `_` and `-` \
             (it names a folder under --out)",
            crate::error::escape_controls(name)
        )))
    }
}

/// A run read back from disk: the record and its article lines.
pub struct LoadedRun {
    pub folder: PathBuf,
    pub record: RunRecord,
    /// The article lines of an extract run (empty for a speakers run).
    pub articles: Vec<ArticleLine>,
    /// The article lines of a speakers run (empty for an extract run).
    pub speaker_articles: Vec<SpeakersArticleLine>,
}

/// The folder of a run given as its folder or its `run.json`.
pub fn run_folder(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// Reads the `run.json` of a run folder, checking its schema version.
pub fn read_record(folder: &Path) -> Result<RunRecord> {
    let json_path = folder.join("run.json");
    let text = fs::read_to_string(&json_path).map_err(|e| Error::io(&json_path, e))?;
    let record: RunRecord = serde_json::from_str(&text).map_err(|e| {
        InputError::new(
            Location::numbered_column(&json_path, e.line() as u64, e.column() as u64),
            format!("not a run record: {e}"),
        )
    })?;
    if record.schema_version != SCHEMA_VERSION {
        return Err(InputError::new(
            Location::file(&json_path),
            format!(
                "run record schema_version {} is not supported by this attr-eval (it reads {SCHEMA_VERSION})",
                record.schema_version
            ),
        )
        .into());
    }
    Ok(record)
}

/// Reads a run folder, or the `run.json` inside one.
pub fn read_run(path: &Path) -> Result<LoadedRun> {
    let folder = run_folder(path);
    let record = read_record(&folder)?;
    let articles_path = folder.join("articles.jsonl");
    let text = fs::read_to_string(&articles_path).map_err(|e| Error::io(&articles_path, e))?;
    let (articles, speaker_articles) = match record.task {
        Task::Extract => (parse_lines(&articles_path, &text)?, Vec::new()),
        Task::Speakers => (Vec::new(), parse_lines(&articles_path, &text)?),
    };
    Ok(LoadedRun {
        folder,
        record,
        articles,
        speaker_articles,
    })
}

/// The lines of `articles.jsonl`, each parsed on its own (a large run's article lines
/// are most of `compare`'s time, so in parallel).
fn parse_lines<T: serde::de::DeserializeOwned + Send>(path: &Path, text: &str) -> Result<Vec<T>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(index, line)| {
            serde_json::from_str::<T>(line).map_err(|e| {
                Error::from(InputError::new(
                    Location::numbered_column(path, index as u64 + 1, e.column() as u64),
                    format!("not an article line: {e}"),
                ))
            })
        })
        .collect()
}
