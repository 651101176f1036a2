//! Importers: public quote-attribution corpora converted into the dataset folder of
//! docs/datasets.md#folder-layout (`articles/<id>.txt`, `gold.csv`, `DATASET.md`).
//!
//! Each importer parses its source completely, converts it to rows and checks every row
//! against its article before the first file is written, so a bad source leaves no
//! half-written dataset behind.

mod litbank;
mod litbank_cast;
mod pdnc;
mod polnear;
mod pylit;

pub use litbank::import_litbank;
pub use pdnc::{Character, import_pdnc, read_cast};
pub use polnear::import_polnear;

use crate::attribution::{Attribution, QuoteType, Span, write_csv};
use crate::dataset::Article;
use crate::error::{Error, InputError, Location, Result};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The double-quote family: what makes a PolNeAR part `direct` or `mixed`. Apostrophes
/// and single quotes are left out on purpose: "Trump's" must not make a row mixed.
pub const QUOTATION_MARKS: [char; 7] = ['"', '“', '”', '„', '‟', '«', '»'];

/// The single quotes left out of [`QUOTATION_MARKS`]; only used to measure what including
/// them would change.
pub const SINGLE_QUOTES: [char; 3] = ['\'', '‘', '’'];

/// What an import did, printed by `attr-eval import`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportSummary {
    /// The corpus, as a user names it ("PolNeAR", "LitBank").
    pub corpus: String,
    pub source: PathBuf,
    pub out: PathBuf,
    /// Articles written.
    pub documents: usize,
    /// Articles written with no row: annotated, and found to hold no attribution.
    pub documents_without_rows: usize,
    pub rows: RowCounts,
    /// Rows whose source gives no speaker.
    pub rows_without_speaker: usize,
    pub duplicates_dropped: usize,
    /// Documents with several annotator files, and which one was taken.
    pub annotator_choices: Vec<AnnotatorChoice>,
    /// Article ids changed to fit `[A-Za-z0-9._-]`.
    pub renamed_ids: Vec<RenamedId>,
    /// Text files without any annotation file: not imported, since every prediction on
    /// them would count as spurious against an empty gold.
    pub unannotated_texts: Vec<PathBuf>,
    /// Annotation files without a text file: nothing to attach them to.
    pub orphan_annotations: Vec<PathBuf>,
    /// Attribution events with no Content: nothing to quote.
    pub events_without_content: usize,
    /// Events of a type other than the attribution ones.
    pub other_events: usize,
    /// Content parts that are only whitespace.
    pub empty_parts: usize,
    /// Annotations whose own copy of the text differs from the article at their offsets;
    /// the offsets are used, the copy is ignored.
    pub text_mismatches: usize,
    /// Rows whose type would differ if single quotes and apostrophes counted as
    /// quotation marks (PolNeAR only).
    pub type_changes_with_single_quotes: Option<usize>,
}

impl ImportSummary {
    fn new(corpus: &str, source: &Path, out: &Path) -> ImportSummary {
        ImportSummary {
            corpus: corpus.to_string(),
            source: source.to_path_buf(),
            out: out.to_path_buf(),
            ..ImportSummary::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RowCounts {
    pub direct: usize,
    pub indirect: usize,
    pub mixed: usize,
}

impl RowCounts {
    pub fn total(&self) -> usize {
        self.direct + self.indirect + self.mixed
    }

    fn add(&mut self, quote_type: QuoteType) {
        match quote_type {
            QuoteType::Direct => self.direct += 1,
            QuoteType::Indirect => self.indirect += 1,
            QuoteType::Mixed => self.mixed += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatorChoice {
    pub article_id: String,
    pub taken: String,
    pub left_out: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenamedId {
    pub original: String,
    pub article_id: String,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "imported {} from {} into {}",
            self.corpus,
            self.source.display(),
            self.out.display()
        )?;
        writeln!(
            f,
            "  documents: {} ({} without any row)",
            self.documents, self.documents_without_rows
        )?;
        writeln!(
            f,
            "  rows: {} (direct {}, indirect {}, mixed {}); {} without a speaker",
            self.rows.total(),
            self.rows.direct,
            self.rows.indirect,
            self.rows.mixed,
            self.rows_without_speaker
        )?;
        writeln!(
            f,
            "  exact duplicate rows dropped: {}",
            self.duplicates_dropped
        )?;
        if self.events_without_content > 0 || self.other_events > 0 {
            writeln!(
                f,
                "  events skipped: {} attribution events without a Content, {} events of other types",
                self.events_without_content, self.other_events
            )?;
        }
        if self.empty_parts > 0 {
            writeln!(
                f,
                "  whitespace-only content parts skipped: {}",
                self.empty_parts
            )?;
        }
        if self.text_mismatches > 0 {
            writeln!(
                f,
                "  annotations whose copy of the text differs from the article (offsets used): {}",
                self.text_mismatches
            )?;
        }
        if let Some(changes) = self.type_changes_with_single_quotes {
            writeln!(
                f,
                "  quote types use double quotation marks only; counting ' ‘ ’ too would change {changes} rows"
            )?;
        }
        let path = |p: &PathBuf| p.display().to_string();
        let texts = &self.unannotated_texts;
        let heading = format!("text files without annotations, skipped: {}", texts.len());
        write_list(f, &heading, texts, path)?;
        let orphans = &self.orphan_annotations;
        let heading = format!(
            "annotation files without a text file, skipped: {}",
            orphans.len()
        );
        write_list(f, &heading, orphans, path)?;
        let renamed = &self.renamed_ids;
        let heading = format!(
            "article ids renamed to fit [A-Za-z0-9._-]: {}",
            renamed.len()
        );
        write_list(f, &heading, renamed, |r| {
            format!("{} -> {}", r.original, r.article_id)
        })?;
        let choices = &self.annotator_choices;
        let heading = format!(
            "{} documents have several annotator files: the first in sorted order was taken",
            choices.len()
        );
        write_list(f, &heading, choices, |c| {
            format!(
                "{}: took {}, left out {}",
                c.article_id,
                c.taken,
                c.left_out.join(", ")
            )
        })?;
        Ok(())
    }
}

/// A heading line, then one indented line per item; nothing when there are none.
fn write_list<T>(
    f: &mut std::fmt::Formatter<'_>,
    heading: &str,
    items: &[T],
    line: impl Fn(&T) -> String,
) -> std::fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(f, "  {heading}")?;
    for item in items {
        writeln!(f, "    {}", line(item))?;
    }
    Ok(())
}

/// An article converted from a source file, with that file kept for error messages.
pub(crate) struct SourceArticle {
    pub article: Article,
    pub origin: PathBuf,
}

/// Gives each source name a valid article id, failing when two names collapse into one.
#[derive(Default)]
pub(crate) struct IdMaker {
    taken: HashMap<String, PathBuf>,
    pub renamed: Vec<RenamedId>,
}

impl IdMaker {
    pub fn make(&mut self, name: &str, origin: &Path) -> Result<String> {
        let id: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if id.is_empty() {
            return Err(input(
                Location::file(origin),
                "empty file name: no article id",
            ));
        }
        if let Some(other) = self.taken.get(&id) {
            return Err(input(
                Location::file(origin),
                format!(
                    "article id `{id}` is already taken by {}: the two names differ only in \
                     characters outside [A-Za-z0-9._-]",
                    other.display()
                ),
            ));
        }
        if id != name {
            self.renamed.push(RenamedId {
                original: name.to_string(),
                article_id: id.clone(),
            });
        }
        self.taken.insert(id.clone(), origin.to_path_buf());
        Ok(id)
    }
}

pub(crate) fn input(location: Location, message: impl Into<String>) -> Error {
    Error::Input(InputError::new(location, message))
}

/// Reads a UTF-8 file; invalid UTF-8 is bad input, not an I/O failure.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        input(Location::line(path, line), "not valid UTF-8")
    })
}

/// The files of a folder, sorted by name, so that every run sees them in one order.
pub(crate) fn sorted_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// 1-based character column of `part`, which must be a subslice of `line`.
pub(crate) fn column_of(line: &str, part: &str) -> u64 {
    let byte = (part.as_ptr() as usize)
        .saturating_sub(line.as_ptr() as usize)
        .min(line.len());
    let byte = (0..=byte)
        .rev()
        .find(|&b| line.is_char_boundary(b))
        .unwrap_or(0);
    line[..byte].chars().count() as u64 + 1
}

/// The type rule of PolNeAR parts: `direct` when the part starts and ends with a mark,
/// `mixed` when it holds one anywhere else, `indirect` otherwise.
pub fn quote_type_of(part: &str, marks: &[char]) -> QuoteType {
    let first = part.chars().next();
    let last = part.chars().next_back();
    match (first, last) {
        (Some(first), Some(last)) if marks.contains(&first) && marks.contains(&last) => {
            QuoteType::Direct
        }
        _ if part.contains(marks) => QuoteType::Mixed,
        _ => QuoteType::Indirect,
    }
}

/// Fields of a row as a hashable key: `Attribution` holds an `f64` and cannot be one.
type RowKey = (
    String,
    String,
    String,
    Option<Span>,
    Option<QuoteType>,
    Option<String>,
    Option<String>,
    Option<Span>,
);

fn row_key(row: &Attribution) -> RowKey {
    (
        row.article_id.clone(),
        row.quote.clone(),
        row.speaker.clone(),
        row.quote_span,
        row.quote_type,
        row.cue.clone(),
        row.speaker_mention.clone(),
        row.mention_span,
    )
}

/// Drops exact duplicate rows; the first copy stays.
pub(crate) fn dedupe(rows: Vec<Attribution>, summary: &mut ImportSummary) -> Vec<Attribution> {
    let mut seen = HashSet::new();
    rows.into_iter()
        .filter(|row| {
            let new = seen.insert(row_key(row));
            if !new {
                summary.duplicates_dropped += 1;
            }
            new
        })
        .collect()
}

/// Sorts rows by article and position, checks each against its article and writes the
/// dataset folder. Fills the row counts of `summary` before the card is written.
pub(crate) fn write_dataset(
    out: &Path,
    articles: &[SourceArticle],
    mut rows: Vec<Attribution>,
    card: impl FnOnce(&ImportSummary) -> String,
    summary: &mut ImportSummary,
) -> Result<()> {
    rows.sort_by(|a, b| {
        (&a.article_id, a.quote_span, a.mention_span).cmp(&(
            &b.article_id,
            b.quote_span,
            b.mention_span,
        ))
    });

    let by_id: HashMap<&str, &SourceArticle> = articles
        .iter()
        .map(|a| (a.article.id.as_str(), a))
        .collect();
    for row in &rows {
        verify_row(row, &by_id)?;
        summary.rows.add(row.gold_type());
        if row.speaker.is_empty() {
            summary.rows_without_speaker += 1;
        }
    }
    summary.documents = articles.len();
    let with_rows: HashSet<&str> = rows.iter().map(|r| r.article_id.as_str()).collect();
    summary.documents_without_rows = articles.len() - with_rows.len();

    prepare_out_dir(out)?;
    let articles_dir = out.join("articles");
    std::fs::create_dir_all(&articles_dir).map_err(|e| Error::io(&articles_dir, e))?;
    for source in articles {
        let path = articles_dir.join(format!("{}.txt", source.article.id));
        std::fs::write(&path, &source.article.text).map_err(|e| Error::io(&path, e))?;
    }
    let gold = out.join("gold.csv");
    let file = std::fs::File::create(&gold).map_err(|e| Error::io(&gold, e))?;
    write_csv(std::io::BufWriter::new(file), &rows).map_err(|e| Error::io(&gold, e.into()))?;
    let card_path = out.join("DATASET.md");
    std::fs::write(&card_path, card(summary)).map_err(|e| Error::io(&card_path, e))?;
    Ok(())
}

/// The checks of docs/datasets.md#validation on a converted row: its offsets must give back its
/// quote and mention.
fn verify_row(row: &Attribution, articles: &HashMap<&str, &SourceArticle>) -> Result<()> {
    let Some(source) = articles.get(row.article_id.as_str()) else {
        return Err(Error::Usage(format!(
            "internal: row for unknown article `{}`",
            row.article_id
        )));
    };
    let checks = [
        ("quote", row.quote_span, Some(&row.quote)),
        (
            "speaker mention",
            row.mention_span,
            row.speaker_mention.as_ref(),
        ),
    ];
    for (what, span, expected) in checks {
        if let (Some(span), Some(expected)) = (span, expected)
            && source.article.slice(span) != Some(expected.as_str())
        {
            return Err(input(
                Location::file(&source.origin),
                format!(
                    "the {what} `{expected}` does not match the text at {}..{}",
                    span.start, span.end
                ),
            ));
        }
    }
    if row.quote.is_empty() {
        return Err(input(Location::file(&source.origin), "empty quote"));
    }
    Ok(())
}

/// Writes `aliases.csv` (docs/datasets.md#aliases): one `(article_id, name, alias)` row
/// each.
pub(crate) fn write_aliases(path: &Path, aliases: &[(String, String, String)]) -> Result<()> {
    let mut writer = csv::Writer::from_path(path).map_err(|e| Error::io(path, e.into()))?;
    let mut write = |record: [&str; 3]| {
        writer
            .write_record(record)
            .map_err(|e| Error::io(path, e.into()))
    };
    write(["article_id", "name", "alias"])?;
    for (id, name, alias) in aliases {
        write([id, name, alias])?;
    }
    writer.flush().map_err(|e| Error::io(path, e))
}

/// Importing into a folder that holds an older dataset would mix stale articles into the
/// new one, so only a missing or empty folder is accepted.
fn prepare_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        if !out.is_dir() {
            return Err(Error::Usage(format!(
                "{} exists and is not a folder",
                out.display()
            )));
        }
        let mut entries = std::fs::read_dir(out).map_err(|e| Error::io(out, e))?;
        if entries.next().is_some() {
            return Err(Error::Usage(format!(
                "{} is not empty: remove it or choose another --out (an import never mixes \
                 with an older dataset)",
                out.display()
            )));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))
}

/// The name a dataset card gives the importing tool.
pub(crate) fn tool_name() -> String {
    format!("attr-eval {}", env!("CARGO_PKG_VERSION"))
}

/// The counts section shared by the generated dataset cards.
pub(crate) fn counts_section(summary: &ImportSummary) -> String {
    format!(
        "| | count |\n|---|---|\n| articles | {} |\n| articles without any row | {} |\n| rows | {} |\n| direct | {} |\n\
         | indirect | {} |\n| mixed | {} |\n| rows without a speaker | {} |\n\
         | exact duplicates dropped | {} |\n",
        summary.documents,
        summary.documents_without_rows,
        summary.rows.total(),
        summary.rows.direct,
        summary.rows.indirect,
        summary.rows.mixed,
        summary.rows_without_speaker,
        summary.duplicates_dropped
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_rule_uses_double_quotes_only() {
        let marks = &QUOTATION_MARKS;
        assert_eq!(quote_type_of("“We will win.”", marks), QuoteType::Direct);
        assert_eq!(quote_type_of("\"Yes\"", marks), QuoteType::Direct);
        assert_eq!(
            quote_type_of("that it was “a disgrace”", marks),
            QuoteType::Mixed
        );
        assert_eq!(
            quote_type_of("“We will win, he said", marks),
            QuoteType::Mixed
        );
        assert_eq!(
            quote_type_of("that Trump's plan failed", marks),
            QuoteType::Indirect
        );
        assert_eq!(
            quote_type_of("‘Trump’s plan failed’", marks),
            QuoteType::Indirect
        );
        let with_single: Vec<char> = marks.iter().chain(&SINGLE_QUOTES).copied().collect();
        assert_eq!(
            quote_type_of("that Trump's plan failed", &with_single),
            QuoteType::Mixed
        );
    }

    #[test]
    fn ids_are_sanitized_and_collisions_rejected() {
        let mut ids = IdMaker::default();
        assert_eq!(ids.make("a b", Path::new("x/a b.txt")).unwrap(), "a_b");
        assert_eq!(
            ids.make("ok-1.x", Path::new("ok-1.x.txt")).unwrap(),
            "ok-1.x"
        );
        assert_eq!(ids.renamed.len(), 1);
        let err = ids.make("a?b", Path::new("x/a?b.txt")).unwrap_err();
        assert!(err.to_string().contains("already taken"), "{err}");
    }

    #[test]
    fn columns_count_characters() {
        let line = "T1\tCue 1 2\t“é”";
        let part = &line[line.find('é').unwrap()..];
        assert_eq!(column_of(line, part), 13);
        assert_eq!(column_of(line, line), 1);
    }

    #[test]
    fn a_non_empty_out_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old.txt"), "x").unwrap();
        assert!(prepare_out_dir(dir.path()).is_err());
        assert!(prepare_out_dir(&dir.path().join("new")).is_ok());
    }
}

/// Reading back what an importer wrote, for the importers' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::Path;

    pub fn gold(out: &Path) -> Vec<csv::StringRecord> {
        let mut reader = csv::Reader::from_path(out.join("gold.csv")).unwrap();
        reader.records().map(|r| r.unwrap()).collect()
    }

    /// A column of a row of `gold.csv`, written in the order of `CSV_COLUMNS`.
    pub fn field<'a>(row: &'a csv::StringRecord, name: &str) -> &'a str {
        let index = crate::attribution::CSV_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap();
        &row[index]
    }
}
