//! `attr_eval._attr_eval`: the extension module under the Python package `attr_eval`.
//!
//! Everything here calls the library, never the command line (but for [`main`], which
//! *is* the command line), and hands results to Python as JSON that `json.loads` turns
//! into dicts: the figures are then the very values `attr-eval score --json` prints,
//! serialised by the same serde code, with no second conversion to keep in step.

use attr_eval::attribution::{Attribution, QuoteType};
use attr_eval::cli::{Cli, ScoringArgs, dispatch};
use attr_eval::dataset::{Dataset, declared_speaker_match};
use attr_eval::error::{Column, Error, InputError, escape_controls};
use attr_eval::model::Task;
use attr_eval::record::{ResultRecord, SpeakersResultRecord};
use attr_eval::scoring::{
    ArticleScore, Counts, OutcomeKind, PerScheme, Scheme, ScoredSpeakers, Scorer, ScoringOptions,
    SpeakerCounts, SpeakerMatch, score_dataset, score_speakers,
};
use clap::Parser;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use serde::Serialize;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `file` reads in an error about rows given as a list rather than a file.
const ROWS_SOURCE: &str = "<predictions>";

/// A validated dataset (`attr_eval.load_dataset`).
#[pyclass(name = "Dataset", module = "attr_eval", frozen)]
struct PyDataset {
    inner: Dataset,
    /// The folder as an absolute path: `dataset.toml` is looked up there, and texts are
    /// read from there, whatever the working directory is by then.
    folder: String,
}

/// The folder a spec names, by the rule of `Dataset::open`: a plain name that is a
/// folder under `datasets/`, otherwise the spec as a path.
fn resolve_spec(spec: &str) -> Option<PathBuf> {
    let plain = !spec.is_empty() && !spec.contains(['/', '\\']) && spec != "." && spec != "..";
    let named = Path::new("datasets").join(spec);
    let folder = if plain && named.is_dir() {
        named
    } else {
        PathBuf::from(spec)
    };
    if !folder.is_dir() {
        return None;
    }
    std::path::absolute(&folder).ok()
}

#[pymethods]
impl PyDataset {
    /// The folder's name, as in run.json's `dataset`.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    #[getter]
    fn path(&self) -> String {
        self.inner.path().display().to_string()
    }

    /// `sha256:…` of the content (docs/datasets.md#fingerprints).
    #[getter]
    fn fingerprint(&self) -> &str {
        self.inner.fingerprint()
    }

    /// Article ids in the dataset's order.
    #[getter]
    fn article_ids(&self) -> Vec<String> {
        self.inner.article_ids().to_vec()
    }

    /// The number of gold rows.
    #[getter]
    fn gold_rows(&self) -> usize {
        self.inner.gold_rows()
    }

    fn __len__(&self) -> usize {
        self.inner.article_ids().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<attr_eval.Dataset {:?}: {} articles, {} gold rows>",
            self.inner.name(),
            self.inner.article_ids().len(),
            self.inner.gold_rows()
        )
    }

    /// Every article as `{"id", "text", "metadata"}`, in the dataset's order.
    fn articles(&self, py: Python<'_>) -> PyResult<PyObject> {
        let mut out = Vec::with_capacity(self.inner.article_ids().len());
        for article in self.inner.articles() {
            out.push(article.map_err(|e| to_py_err(py, e, None))?);
        }
        to_python(py, &out.iter().map(ArticleOut::of).collect::<Vec<_>>())
    }

    /// One article as `{"id", "text", "metadata"}`; `None` when there is no such id.
    fn article(&self, py: Python<'_>, article_id: &str) -> PyResult<PyObject> {
        let article = self
            .inner
            .article(article_id)
            .map_err(|e| to_py_err(py, e, None))?;
        to_python(py, &article.as_ref().map(ArticleOut::of))
    }

    /// Gold rows as dicts with the CSV schema's columns: one article's, or with no id
    /// every article's in the dataset's order.
    #[pyo3(signature = (article_id = None))]
    fn gold(&self, py: Python<'_>, article_id: Option<&str>) -> PyResult<PyObject> {
        // The dataset reads gold rows from gold.csv when asked: held here while listed.
        let gold: Vec<Attribution> = match article_id {
            Some(id) => self.inner.gold_for(id),
            None => self
                .inner
                .article_ids()
                .iter()
                .map(|id| self.inner.gold_for(id))
                .collect::<attr_eval::Result<Vec<_>>>()
                .map(|rows| rows.into_iter().flatten().collect()),
        }
        .map_err(|e| to_py_err(py, e, None))?;
        let rows: Vec<RowOut<'_>> = gold.iter().map(RowOut::of).collect();
        to_python(py, &rows)
    }

    /// The cast of `aliases.csv`: `{"article_id", "name", "alias"}`, `article_id` being
    /// `None` for a `*` row (an alias in every article).
    fn aliases(&self, py: Python<'_>) -> PyResult<PyObject> {
        let rows: Vec<AliasOut<'_>> = self
            .inner
            .aliases()
            .entries
            .iter()
            .map(|e| AliasOut {
                article_id: e.article_id.as_deref(),
                name: &e.name,
                alias: &e.alias,
            })
            .collect();
        to_python(py, &rows)
    }

    /// A predictions CSV read and validated against the dataset as `score` reads it.
    fn read_predictions(&self, py: Python<'_>, path: PathBuf) -> PyResult<PyObject> {
        let rows = py
            .allow_threads(|| self.inner.read_predictions(&path))
            .map_err(|e| to_py_err(py, e, None))?;
        to_python(py, &rows.iter().map(RowOut::of).collect::<Vec<_>>())
    }
}

#[pyfunction]
fn load_dataset(py: Python<'_>, path: PathBuf) -> PyResult<PyDataset> {
    let spec = path.to_string_lossy().into_owned();
    let folder = resolve_spec(&spec);
    // A spec that names no folder goes to `open` as it is, for the CLI's own message.
    let opened = folder
        .as_ref()
        .map_or_else(|| spec.clone(), |f| f.display().to_string());
    let inner = py
        .allow_threads(|| Dataset::open(&opened))
        .map_err(|e| to_py_err(py, e, None))?;
    Ok(PyDataset {
        inner,
        folder: opened,
    })
}

/// Rows given as a table (a header and string fields, from the Python side), written as
/// the CSV a user would have written, so that they are read and checked by the very code
/// that reads a predictions file: same rules, same messages.
struct RowsFile {
    file: tempfile::NamedTempFile,
    /// The 1-based line each record starts on, header first.
    starts: Vec<u64>,
}

impl RowsFile {
    fn write(header: &[String], rows: &[Vec<String>]) -> std::io::Result<RowsFile> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut ends = Vec::with_capacity(rows.len() + 1);
        for record in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
            writer.write_record(record)?;
            writer.flush()?;
            ends.push(writer.get_ref().len());
        }
        let bytes = writer.into_inner().map_err(|e| e.into_error())?;
        // Quotes may hold line breaks: count them as the CSV reader does (\n, \r\n, a
        // lone \r), so an error's line maps back to its row.
        let mut starts = Vec::with_capacity(ends.len());
        let (mut line, mut from) = (1u64, 0usize);
        for &end in &ends {
            starts.push(line);
            for i in from..end {
                let ends_line = match bytes[i] {
                    b'\n' => true,
                    b'\r' => bytes.get(i + 1) != Some(&b'\n'),
                    _ => false,
                };
                line += u64::from(ends_line);
            }
            from = end;
        }
        let mut file = tempfile::Builder::new()
            .prefix("attr-eval-predictions-")
            .suffix(".csv")
            .tempfile()?;
        file.write_all(&bytes)?;
        file.flush()?;
        Ok(RowsFile { file, starts })
    }

    /// The 0-based row of the list a line of the file belongs to; `None` for the header.
    fn row_of_line(&self, line: u64) -> Option<usize> {
        let record = self.starts.partition_point(|&start| start <= line);
        record.checked_sub(2)
    }
}

/// Where the predictions come from.
enum Source {
    Path(PathBuf),
    Rows(RowsFile),
}

/// The options as `attr-eval score` builds them from its flags, through the same
/// `ScoringArgs::apply_to`.
fn scoring_options(
    folder: &str,
    overlap: f64,
    speaker_match: Option<&str>,
    types: Option<Vec<String>>,
    resamples: usize,
    seed: u64,
) -> PyResult<ScoringOptions> {
    // As the CLI's `--overlap` parser: NaN fails both comparisons.
    if !(overlap > 0.0 && overlap <= 1.0) {
        return Err(PyValueError::new_err(format!(
            "overlap: τ must be in (0, 1], got {overlap}"
        )));
    }
    let types = types
        .map(|names| {
            names
                .iter()
                .map(|name| name.trim().parse::<QuoteType>())
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(|e| PyValueError::new_err(format!("types: {e}")))?;
    let args = ScoringArgs {
        overlap: Some(overlap),
        speaker_match: None,
        types,
        resamples: Some(resamples),
        seed: Some(seed),
    };
    let mut options = args.apply_to(ScoringOptions::default());
    options.speaker_match = match speaker_match {
        Some("name") => SpeakerMatch::Name,
        Some("mention") => SpeakerMatch::Mention,
        Some("none") => SpeakerMatch::None,
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "speaker_match: `{other}` is none of name, mention, none"
            )));
        }
        // As the CLI with no --speaker-match: what dataset.toml declares, else name.
        None => {
            declared_speaker_match(&[folder.to_string()])
                .map_err(|e| Python::with_gil(|py| to_py_err(py, e, None)))?
                .0
        }
    };
    Ok(options)
}

/// An [`Attribution`] under the CSV schema's column names, so a row reads (and goes
/// back into `score`) as the file would.
#[derive(Serialize)]
struct RowOut<'a> {
    article_id: &'a str,
    speaker: &'a str,
    quote: &'a str,
    start: Option<usize>,
    end: Option<usize>,
    #[serde(rename = "type")]
    quote_type: Option<&'static str>,
    cue: Option<&'a str>,
    speaker_mention: Option<&'a str>,
    speaker_start: Option<usize>,
    speaker_end: Option<usize>,
    confidence: Option<f64>,
    mention_type: Option<&'static str>,
}

impl<'a> RowOut<'a> {
    fn of(row: &'a Attribution) -> Self {
        RowOut {
            article_id: &row.article_id,
            speaker: &row.speaker,
            quote: &row.quote,
            start: row.quote_span.map(|s| s.start),
            end: row.quote_span.map(|s| s.end),
            quote_type: row.quote_type.map(|t| t.as_str()),
            cue: row.cue.as_deref(),
            speaker_mention: row.speaker_mention.as_deref(),
            speaker_start: row.mention_span.map(|s| s.start),
            speaker_end: row.mention_span.map(|s| s.end),
            confidence: row.confidence,
            mention_type: row.mention_type.map(|t| t.as_str()),
        }
    }
}

#[derive(Serialize)]
struct ArticleOut<'a> {
    id: &'a str,
    text: &'a str,
    metadata: &'a serde_json::Map<String, serde_json::Value>,
}

impl<'a> ArticleOut<'a> {
    fn of(article: &'a attr_eval::dataset::Article) -> Self {
        ArticleOut {
            id: &article.id,
            text: &article.text,
            metadata: &article.metadata,
        }
    }
}

#[derive(Serialize)]
struct AliasOut<'a> {
    article_id: Option<&'a str>,
    name: &'a str,
    alias: &'a str,
}

/// One article's outcomes, shaped as a line of a run's `articles.jsonl` (rows under the
/// CSV schema's names).
#[derive(Serialize)]
struct OutcomesOut<'a> {
    article_id: &'a str,
    chars: usize,
    schemes: PerScheme<SchemeOut<'a>>,
}

#[derive(Serialize)]
struct SchemeOut<'a> {
    counts: Counts,
    outcomes: Vec<OutcomeOut<'a>>,
    ignored: Vec<RowOut<'a>>,
}

#[derive(Serialize)]
struct OutcomeOut<'a> {
    kind: OutcomeKind,
    gold: Option<RowOut<'a>>,
    pred: Option<RowOut<'a>>,
    sim: Option<f64>,
}

/// One article's outcomes in the `speakers` task: each kept gold quote's fate with the
/// answer that decided it, and the answers that answered no quote.
#[derive(Serialize)]
struct SpeakersArticleOut<'a> {
    article_id: &'a str,
    counts: SpeakerCounts,
    outcomes: Vec<SpeakerOutcomeOut<'a>>,
    unmatched: Vec<RowOut<'a>>,
}

#[derive(Serialize)]
struct SpeakerOutcomeOut<'a> {
    kind: OutcomeKind,
    gold: Option<RowOut<'a>>,
    answer: Option<RowOut<'a>>,
}

fn row(rows: &[Attribution], index: Option<usize>) -> Option<RowOut<'_>> {
    index.and_then(|i| rows.get(i)).map(RowOut::of)
}

fn outcomes_json(
    score: &ArticleScore,
    gold: &[Attribution],
    pred: &[Attribution],
    chars: usize,
) -> serde_json::Result<String> {
    let line = OutcomesOut {
        article_id: &score.article_id,
        chars,
        schemes: score.schemes.map(|_, s| SchemeOut {
            counts: s.counts,
            outcomes: s
                .outcomes
                .iter()
                .map(|o| OutcomeOut {
                    kind: o.kind,
                    gold: row(gold, o.gold),
                    pred: row(pred, o.pred),
                    sim: o.sim,
                })
                .collect(),
            ignored: s
                .ignored
                .iter()
                .filter_map(|&i| pred.get(i))
                .map(RowOut::of)
                .collect(),
        }),
    };
    serde_json::to_string(&line)
}

/// Each article's outcomes in the `extract` task, as a JSON array. The figures are
/// `score_dataset`'s; this loop scores the articles again only to keep their rows.
fn extract_outcomes(
    dataset: &Dataset,
    predictions: &[Attribution],
    options: &ScoringOptions,
) -> attr_eval::Result<String> {
    let mut by_article = attr_eval::scoring::by_article(predictions);
    let scorer = Scorer::new(dataset.aliases(), options);
    // Serialised article by article: the rows are borrowed from this loop.
    let mut lines = String::from("[");
    for article in dataset.articles() {
        let article = article?;
        let mut predicted = by_article.remove(article.id.as_str()).unwrap_or_default();
        article.place_rows(&mut predicted);
        let gold = dataset.gold_for(&article.id)?;
        let score = scorer.score_article(&article, &gold, &predicted)?;
        if lines.len() > 1 {
            lines.push(',');
        }
        let line = outcomes_json(&score, &gold, &predicted, article.char_len())
            .map_err(|e| Error::Usage(format!("serialising the outcomes: {e}")))?;
        lines.push_str(&line);
    }
    lines.push(']');
    Ok(lines)
}

/// Each article's outcomes in the `speakers` task, as a JSON array.
fn speakers_outcomes(
    dataset: &Dataset,
    answers: &[Attribution],
    scored: &ScoredSpeakers,
) -> attr_eval::Result<String> {
    let by_article = attr_eval::scoring::by_article(answers);
    // Each line serialised while its article's gold rows, read from gold.csv, are held.
    let mut lines: Vec<String> = Vec::with_capacity(scored.articles.len());
    for score in &scored.articles {
        let gold = &dataset.gold_for(&score.article_id)?;
        let answered = by_article
            .get(score.article_id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let line = SpeakersArticleOut {
            article_id: &score.article_id,
            counts: score.counts,
            outcomes: score
                .outcomes
                .iter()
                .map(|o| SpeakerOutcomeOut {
                    kind: o.kind,
                    gold: row(gold, Some(o.gold)),
                    answer: row(answered, o.answer),
                })
                .collect(),
            unmatched: score
                .unmatched
                .iter()
                .filter_map(|&i| answered.get(i))
                .map(RowOut::of)
                .collect(),
        };
        lines.push(
            serde_json::to_string(&line)
                .map_err(|e| Error::Usage(format!("serialising the outcomes: {e}")))?,
        );
    }
    Ok(format!("[{}]", lines.join(",")))
}

#[pyfunction]
#[pyo3(signature = (dataset, path, header, rows, model, overlap, speaker_match, types, task, resamples, seed, articles))]
#[allow(clippy::too_many_arguments)]
fn _score(
    py: Python<'_>,
    dataset: &PyDataset,
    path: Option<PathBuf>,
    header: Option<Vec<String>>,
    rows: Option<Vec<Vec<String>>>,
    model: String,
    overlap: f64,
    speaker_match: Option<String>,
    types: Option<Vec<String>>,
    task: &str,
    resamples: usize,
    seed: u64,
    articles: bool,
) -> PyResult<PyObject> {
    let task = match task {
        "extract" => Task::Extract,
        "speakers" => Task::Speakers,
        other => {
            return Err(PyValueError::new_err(format!(
                "task: `{other}` is none of \"extract\", \"speakers\""
            )));
        }
    };
    let options = scoring_options(
        &dataset.folder,
        overlap,
        speaker_match.as_deref(),
        types,
        resamples,
        seed,
    )?;
    let source = match (path, header, rows) {
        (Some(path), _, _) => Source::Path(path),
        (None, Some(header), Some(rows)) => Source::Rows(
            RowsFile::write(&header, &rows)
                .map_err(|e| PyOSError::new_err(format!("writing the rows to a CSV: {e}")))?,
        ),
        _ => return Err(PyValueError::new_err("predictions: give a path or rows")),
    };
    let rows_file = match &source {
        Source::Rows(file) => Some(file),
        Source::Path(_) => None,
    };
    let inner = &dataset.inner;
    let model = &model;
    let scored = py.allow_threads(|| {
        let file = match &source {
            Source::Path(path) => path.as_path(),
            Source::Rows(rows) => rows.file.path(),
        };
        let predictions = inner.read_predictions(file)?;
        // The library calls of src/cli/score.rs, and the records it prints, built as it
        // builds them: the same figures in the same JSON.
        let (record, lines) = match task {
            Task::Extract => {
                let scored = score_dataset(inner, &predictions, &options)?;
                let record = serde_json::to_string(&ResultRecord::new(
                    model.clone(),
                    inner.name(),
                    scored.aggregate,
                    &scored.confusion,
                ));
                let lines = articles
                    .then(|| extract_outcomes(inner, &predictions, &options))
                    .transpose()?;
                (record, lines)
            }
            Task::Speakers => {
                let scored = score_speakers(inner, &predictions, &options)?;
                let lines = articles
                    .then(|| speakers_outcomes(inner, &predictions, &scored))
                    .transpose()?;
                let record = serde_json::to_string(&SpeakersResultRecord::new(
                    model.clone(),
                    inner.name(),
                    scored.aggregate,
                    &scored.confusion,
                ));
                (record, lines)
            }
        };
        let record = record.map_err(|e| Error::Usage(format!("serialising the result: {e}")))?;
        Ok((record, lines))
    });
    let (record, lines) = scored.map_err(|e| to_py_err(py, e, rows_file))?;
    let value = loads(py, &record)?;
    if let Some(lines) = lines {
        value.bind(py).set_item("articles", loads(py, &lines)?)?;
    }
    Ok(value)
}

/// The scheme names, in the order the record lists them.
#[pyfunction]
fn schemes() -> Vec<&'static str> {
    Scheme::ALL.iter().map(|s| s.as_str()).collect()
}

/// The command line, run in this process: what the `attr-eval` script calls. Parses
/// `argv` (its first element is the program name) and returns the exit code the binary
/// would end with, having printed what it prints.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<OsString>) -> i32 {
    py.allow_threads(|| {
        // As src/main.rs, with clap's `exit` split into its print and its code.
        let code = match Cli::try_parse_from(argv) {
            Ok(cli) => match dispatch(cli) {
                Ok(code) => code,
                Err(error) => {
                    eprintln!("error: {}", escape_controls(&error.to_string()));
                    error.exit_code()
                }
            },
            Err(error) => {
                let _ = error.print();
                error.exit_code()
            }
        };
        // Rust's stdout buffer is not flushed by Python's exit.
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        code
    })
}

/// Through JSON, so that Python sees what the record's serde code writes, with keys in
/// the order `attr-eval score --json` prints them.
fn to_python<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<PyObject> {
    let text = serde_json::to_string(value)
        .map_err(|e| PyRuntimeError::new_err(format!("serialising: {e}")))?;
    loads(py, &text)
}

fn loads(py: Python<'_>, text: &str) -> PyResult<PyObject> {
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// One input error as the arguments of `attr_eval.InputError`: the message as the CLI
/// prints it, the bare message, file, line, column and, for rows given as a list, the
/// row's 0-based index.
fn input_error_args<'py>(
    py: Python<'py>,
    error: &InputError,
    rows: Option<&RowsFile>,
) -> PyResult<Bound<'py, PyTuple>> {
    let column: PyObject = match &error.location.column {
        Some(Column::Name(name)) => name.into_pyobject(py)?.into_any().unbind(),
        Some(Column::Number(n)) => n.into_pyobject(py)?.into_any().unbind(),
        None => py.None(),
    };
    if let Some(rows) = rows.filter(|r| r.file.path() == error.location.file) {
        let row = error.location.line.and_then(|line| rows.row_of_line(line));
        let mut text = match row {
            Some(row) => format!("{ROWS_SOURCE}[{row}]"),
            None => ROWS_SOURCE.to_string(),
        };
        match &error.location.column {
            Some(Column::Name(name)) => text.push_str(&format!(": column `{name}`")),
            Some(Column::Number(n)) => text.push_str(&format!(":{n}")),
            None => {}
        }
        text.push_str(&format!(": {}", error.message));
        return PyTuple::new(
            py,
            [
                text.into_pyobject(py)?.into_any().unbind(),
                error.message.clone().into_pyobject(py)?.into_any().unbind(),
                py.None(),
                py.None(),
                column,
                row.into_pyobject(py)?.into_any().unbind(),
            ],
        );
    }
    PyTuple::new(
        py,
        [
            error.to_string().into_pyobject(py)?.into_any().unbind(),
            error.message.clone().into_pyobject(py)?.into_any().unbind(),
            error
                .location
                .file
                .display()
                .to_string()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            error.location.line.into_pyobject(py)?.into_any().unbind(),
            column,
            py.None(),
        ],
    )
}

fn input_error(py: Python<'_>, errors: &[InputError], rows: Option<&RowsFile>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = py.import("attr_eval")?.getattr("InputError")?;
        let each = errors
            .iter()
            .map(|e| class.call1(input_error_args(py, e, rows)?))
            .collect::<PyResult<Vec<_>>>()?;
        let Some(first) = each.first() else {
            return Ok(PyValueError::new_err("bad input"));
        };
        if each.len() == 1 {
            return Ok(PyErr::from_value(first.clone()));
        }
        // Several problems found in one pass: one exception that names the first and
        // carries them all, its message listing every one as the CLI does.
        let message = each
            .iter()
            .map(|e| e.str().map(|s| s.to_string()))
            .collect::<PyResult<Vec<_>>>()?
            .join("\n");
        let all = class.call1((
            message,
            first.getattr("message")?,
            first.getattr("file")?,
            first.getattr("line")?,
            first.getattr("column")?,
            first.getattr("row")?,
            each.clone(),
        ))?;
        Ok(PyErr::from_value(all))
    };
    build().unwrap_or_else(|e| e)
}

/// Library errors as Python exceptions: bad input as `attr_eval.InputError` (a
/// `ValueError`), a missing or unreadable file as `OSError` (`FileNotFoundError` and
/// kin, chosen by Python from the errno), anything else as `ValueError`.
fn to_py_err(py: Python<'_>, error: Error, rows: Option<&RowsFile>) -> PyErr {
    match error {
        Error::Input(e) => input_error(py, std::slice::from_ref(&e), rows),
        Error::InputErrors(errors) => input_error(py, &errors, rows),
        Error::Io { path, source } => {
            let text = source.to_string();
            match source.raw_os_error() {
                Some(errno) => {
                    // Python prints `[Errno 2]` itself.
                    let strerror = text.trim_end_matches(&format!(" (os error {errno})"));
                    PyOSError::new_err((errno, strerror.to_string(), path.display().to_string()))
                }
                None => PyOSError::new_err(format!("{}: {text}", path.display())),
            }
        }
        other => PyValueError::new_err(other.to_string()),
    }
}

#[pymodule]
fn _attr_eval(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The main crate's version, which `attr-eval --version` prints.
    m.add(
        "__version__",
        attr_eval::record::ToolInfo::current().version,
    )?;
    m.add_class::<PyDataset>()?;
    m.add_function(wrap_pyfunction!(load_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(_score, m)?)?;
    m.add_function(wrap_pyfunction!(schemes, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    Ok(())
}
