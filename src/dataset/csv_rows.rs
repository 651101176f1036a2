//! Reading the attribution CSV of docs/datasets.md#csv (gold and predictions) and `aliases.csv`.
//!
//! Parsing is the csv crate's (RFC 4180, quoted fields spanning lines); this module maps
//! header names to columns and checks each field, collecting every error with its file,
//! line and column instead of stopping at the first.

use super::aliases::AliasEntry;
use super::validate::{ErrorSink, confidence_problem};
use crate::attribution::{Attribution, MentionType, QuoteType, Span};
use crate::error::{Error, InputError, Location, Result};
use sha2::Digest;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;

/// Gold and predictions share the schema but not every rule: `confidence` is read only
/// for predictions, and only gold forbids exactly repeated rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Gold,
    Prediction,
}

/// A row with the 1-based line of the file where its record starts.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedRow {
    pub line: u64,
    pub row: Attribution,
    /// The row's `dataset` column, when the file has one: a run's combined
    /// `predictions/<model>.csv` holds the rows of all its datasets.
    pub dataset: Option<String>,
}

/// Reads an attribution CSV and checks everything that does not need the article text:
/// required columns, empty quotes, numbers, offset pairs (both or neither, not reversed),
/// types, confidence in [0, 1] and, for gold, exactly repeated rows. All problems of the
/// file are reported together. A leading UTF-8 byte order mark is dropped.
pub fn read_attribution_csv(path: &Path, kind: RowKind) -> Result<Vec<LocatedRow>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut sink = ErrorSink::default();
    let rows = parse_attribution_csv(path, &bytes, kind, &mut sink);
    sink.finish(path)?;
    Ok(rows)
}

const REQUIRED: [&str; 3] = ["article_id", "quote", "speaker"];

/// Header positions of the schema-2 columns.
#[derive(Debug, Default)]
struct Columns {
    article_id: usize,
    quote: usize,
    speaker: usize,
    start: Option<usize>,
    end: Option<usize>,
    quote_type: Option<usize>,
    cue: Option<usize>,
    speaker_mention: Option<usize>,
    speaker_start: Option<usize>,
    speaker_end: Option<usize>,
    confidence: Option<usize>,
    mention_type: Option<usize>,
}

/// The header row: every field name with its position, the first occurrence of each.
struct Header {
    names: Vec<String>,
    positions: HashMap<String, usize>,
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// A CSV reader with correct line numbers, over a file held in memory or read as it goes.
struct Records<R: Read> {
    reader: ::csv::Reader<Tee<R>>,
    lines: LineCounter,
}

/// The bytes the csv reader has pulled that the line counter has not yet passed: one
/// record and the reader's buffer, whatever the size of the file.
#[derive(Default)]
struct Window {
    bytes: Vec<u8>,
    /// Offset of `bytes[0]` in the file (after a byte order mark).
    base: u64,
}

/// A reader that keeps what it passes on in a [`Window`].
struct Tee<R> {
    inner: R,
    window: Rc<RefCell<Window>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.window.borrow_mut().bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<'b> Records<&'b [u8]> {
    fn new(bytes: &'b [u8]) -> Self {
        Records::from_reader(strip_bom(bytes))
    }
}

impl<R: Read> Records<R> {
    /// `inner` starts after any byte order mark.
    fn from_reader(inner: R) -> Self {
        let window = Rc::new(RefCell::new(Window::default()));
        // Headers are read by hand so that their line is known and field counts are
        // checked here, with a message that names the line, instead of by the csv crate.
        let reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Tee {
                inner,
                window: Rc::clone(&window),
            });
        Records {
            reader,
            lines: LineCounter {
                window,
                counted_to: 0,
                line: 1,
            },
        }
    }

    /// The next record and the line it starts on.
    fn next(&mut self, record: &mut ::csv::ByteRecord) -> Result<Option<u64>, ::csv::Error> {
        if !self.reader.read_byte_record(record)? {
            return Ok(None);
        }
        let byte = record.position().map_or(0, |p| p.byte());
        Ok(Some(self.lines.line_of_record_at(byte)))
    }
}

/// Line numbers counted from the bytes. The csv crate's own `Position::line` is wrong
/// after blank lines and with CRLF endings (csv 1.4 reports the second record of
/// "h\r\na\r\n" on line 1), because the position it gives is where reading of the
/// previous terminator stopped, not where the record starts.
struct LineCounter {
    window: Rc<RefCell<Window>>,
    counted_to: u64,
    line: u64,
}

impl LineCounter {
    /// The line of a record whose reading began at byte `from`: the record itself starts
    /// at the first byte that is not a line terminator. Calls come in increasing order.
    fn line_of_record_at(&mut self, from: u64) -> u64 {
        let mut window = self.window.borrow_mut();
        let base = window.base;
        let bytes = &window.bytes;
        let at = |offset: u64| -> Option<u8> {
            offset
                .checked_sub(base)
                .and_then(|i| bytes.get(usize::try_from(i).ok()?).copied())
        };
        let mut start = from.max(self.counted_to);
        while matches!(at(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.counted_to {
            for offset in self.counted_to..start {
                // \n, \r\n and a lone \r each end one line, as for the csv parser.
                let ends_line = match at(offset) {
                    Some(b'\n') => true,
                    Some(b'\r') => at(offset + 1) != Some(b'\n'),
                    _ => false,
                };
                if ends_line {
                    self.line += 1;
                }
            }
            self.counted_to = start;
        }
        // What the counter has passed is not needed again.
        let passed = usize::try_from(self.counted_to.saturating_sub(base))
            .unwrap_or(usize::MAX)
            .min(window.bytes.len());
        window.bytes.drain(..passed);
        window.base += passed as u64;
        self.line
    }
}

/// Reads the header record. `None` (with the error pushed) when the file has no header
/// or a column it needs is missing or repeated.
fn read_header(
    file: &Path,
    records: &mut Records<impl Read>,
    required: &[&str],
    known: &[&str],
    sink: &mut ErrorSink,
) -> Option<Header> {
    let mut record = ::csv::ByteRecord::new();
    let line = match records.next(&mut record) {
        Ok(Some(line)) => line,
        Ok(None) => {
            sink.push(InputError::new(
                Location::line(file, 1),
                format!(
                    "the file is empty: a header row is required (columns {})",
                    required.join(", ")
                ),
            ));
            return None;
        }
        Err(error) => {
            sink.push(csv_error(file, &error, 1));
            return None;
        }
    };
    let mut names = Vec::with_capacity(record.len());
    let mut positions = HashMap::new();
    let mut ok = true;
    for (index, field) in record.iter().enumerate() {
        let name = match std::str::from_utf8(field) {
            Ok(name) => name.to_string(),
            Err(_) => {
                sink.push(InputError::new(
                    Location::line(file, line),
                    format!("header field {} is not valid UTF-8", index + 1),
                ));
                ok = false;
                String::from_utf8_lossy(field).into_owned()
            }
        };
        if positions.contains_key(&name) {
            // A repeated unknown column is harmless; a repeated schema column is ambiguous.
            if known.contains(&name.as_str()) {
                sink.push(InputError::new(
                    Location::named_column(file, line, &name),
                    format!("column `{name}` appears more than once in the header"),
                ));
                ok = false;
            }
        } else {
            positions.insert(name.clone(), index);
        }
        names.push(name);
    }
    for column in required {
        if !positions.contains_key(*column) {
            sink.push(InputError::new(
                Location::named_column(file, line, column),
                format!(
                    "missing required column `{column}` (the header has: {})",
                    names.join(", ")
                ),
            ));
            ok = false;
        }
    }
    ok.then_some(Header { names, positions })
}

fn csv_error(file: &Path, error: &::csv::Error, line: u64) -> InputError {
    InputError::new(
        Location::line(file, line),
        format!("malformed CSV: {error}"),
    )
}

/// Reads the records after the header, checking that each has as many fields as the
/// header; calls `each` with the record and its line.
fn for_each_record(
    file: &Path,
    records: &mut Records<impl Read>,
    header: &Header,
    sink: &mut ErrorSink,
    mut each: impl FnMut(&::csv::ByteRecord, u64, RecordSpan, &mut ErrorSink),
) {
    let mut record = ::csv::ByteRecord::new();
    loop {
        let start = records.reader.position().byte();
        let line = match records.next(&mut record) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(error) => {
                sink.push(csv_error(file, &error, records.lines.line));
                // Reading from memory, the only errors are ones the reader cannot step
                // past; stop rather than loop on them.
                break;
            }
        };
        if record.len() != header.names.len() {
            let location = match header.names.get(record.len()) {
                // Name the first column the short row lacks.
                Some(missing) => Location::named_column(file, line, missing),
                None => Location::line(file, line),
            };
            sink.push(InputError::new(
                location,
                format!(
                    "the row has {} fields but the header has {}",
                    record.len(),
                    header.names.len()
                ),
            ));
            continue;
        }
        let end = records.reader.position().byte();
        each(&record, line, RecordSpan { start, end }, sink);
    }
}

/// The error of a field has been reported already.
struct Reported;

/// Field access for one record, recording errors against its line.
struct Fields<'r> {
    file: &'r Path,
    record: &'r ::csv::ByteRecord,
    line: u64,
    /// Errors reported for this record so far.
    errors: usize,
}

impl Fields<'_> {
    fn error(&mut self, sink: &mut ErrorSink, column: &str, message: String) {
        self.errors += 1;
        sink.push(InputError::new(
            Location::named_column(self.file, self.line, column),
            message,
        ));
    }

    /// The field as text; an empty string when the column is absent or not UTF-8 (the
    /// latter reported).
    fn text(&mut self, sink: &mut ErrorSink, index: Option<usize>, column: &str) -> String {
        let Some(bytes) = index.and_then(|i| self.record.get(i)) else {
            return String::new();
        };
        match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(error) => {
                self.error(
                    sink,
                    column,
                    format!(
                        "not valid UTF-8 (invalid byte after {} valid bytes of the field)",
                        error.valid_up_to()
                    ),
                );
                String::new()
            }
        }
    }

    /// The field as text; empty is an error (reported once: not again after a UTF-8
    /// error).
    fn required_text(
        &mut self,
        sink: &mut ErrorSink,
        index: Option<usize>,
        column: &str,
    ) -> String {
        let errors_before = self.errors;
        let text = self.text(sink, index, column);
        if text.is_empty() && self.errors == errors_before {
            self.error(sink, column, format!("empty `{column}`"));
        }
        text
    }

    fn optional_text(
        &mut self,
        sink: &mut ErrorSink,
        index: Option<usize>,
        column: &str,
    ) -> Option<String> {
        Some(self.text(sink, index, column)).filter(|t| !t.is_empty())
    }

    /// An optional offset; `Err` when the field is there but is no offset (reported).
    fn offset(
        &mut self,
        sink: &mut ErrorSink,
        index: Option<usize>,
        column: &str,
    ) -> Result<Option<usize>, Reported> {
        let errors_before = self.errors;
        let text = self.text(sink, index, column);
        if self.errors != errors_before {
            return Err(Reported);
        }
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        // Digits only: `usize::from_str` would also take a leading `+`.
        match trimmed
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| trimmed.parse::<usize>().ok())
            .flatten()
        {
            Some(value) => Ok(Some(value)),
            None => {
                self.error(
                    sink,
                    column,
                    format!("`{}` is not an offset (a non-negative integer)", text),
                );
                Err(Reported)
            }
        }
    }

    /// An offset pair: both or neither, start not after end.
    fn span(
        &mut self,
        sink: &mut ErrorSink,
        start: Option<usize>,
        end: Option<usize>,
        names: (&str, &str),
    ) -> Option<Span> {
        let (start_name, end_name) = names;
        let start_value = self.offset(sink, start, start_name);
        let end_value = self.offset(sink, end, end_name);
        let (Ok(start_value), Ok(end_value)) = (start_value, end_value) else {
            return None;
        };
        match (start_value, end_value) {
            (None, None) => None,
            (Some(_), None) => {
                self.error(
                    sink,
                    end_name,
                    format!(
                        "`{start_name}` is given but `{end_name}` is empty: give both or neither"
                    ),
                );
                None
            }
            (None, Some(_)) => {
                self.error(
                    sink,
                    start_name,
                    format!(
                        "`{end_name}` is given but `{start_name}` is empty: give both or neither"
                    ),
                );
                None
            }
            (Some(s), Some(e)) if s > e => {
                self.error(
                    sink,
                    start_name,
                    format!("{start_name} {s} is after {end_name} {e} (reversed offsets)"),
                );
                None
            }
            (Some(s), Some(e)) => Some(Span::new(s, e)),
        }
    }
}

/// Parses an attribution CSV held in memory; `file` is the name errors carry. Rows whose
/// field count is wrong are left out; rows with bad fields are kept with those fields
/// empty so that the checks against the text still run on the fields that did parse
/// and one pass reports everything. Callers must not use the rows when `sink` has errors.
pub(crate) fn parse_attribution_csv(
    file: &Path,
    bytes: &[u8],
    kind: RowKind,
    sink: &mut ErrorSink,
) -> Vec<LocatedRow> {
    let mut rows = Vec::new();
    for_each_attribution_row(file, strip_bom(bytes), kind, true, sink, |row, _| {
        rows.push(row)
    });
    rows
}

/// Where the records of a CSV start, in bytes after a byte order mark: the header ends at
/// `header_end`; each row's record spans `RecordSpan`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecordSpan {
    pub start: u64,
    pub end: u64,
}

/// Skips a byte order mark at the start of `reader`; returns its length (0 or 3), after
/// which record spans count.
pub(crate) fn skip_bom(reader: &mut impl std::io::BufRead) -> std::io::Result<u64> {
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
        return Ok(3);
    }
    Ok(0)
}

/// As [`parse_attribution_csv`], one row at a time with the span of its record, so that
/// a caller can keep where rows are instead of the rows.
///
/// `repeats`: for gold, report exactly repeated rows here; a caller that checks them
/// article by article (without a map of every row of the file) passes `false`.
/// `input` starts after any byte order mark.
pub(crate) fn for_each_attribution_row(
    file: &Path,
    input: impl Read,
    kind: RowKind,
    repeats: bool,
    sink: &mut ErrorSink,
    mut emit: impl FnMut(LocatedRow, RecordSpan),
) {
    let mut records = Records::from_reader(input);
    let Some(header) = read_header(
        file,
        &mut records,
        &REQUIRED,
        &crate::attribution::CSV_COLUMNS,
        sink,
    ) else {
        return;
    };
    let at = |name: &str| header.positions.get(name).copied();
    let columns = Columns {
        article_id: at("article_id").unwrap_or_default(),
        quote: at("quote").unwrap_or_default(),
        speaker: at("speaker").unwrap_or_default(),
        start: at("start"),
        end: at("end"),
        quote_type: at("type"),
        cue: at("cue"),
        speaker_mention: at("speaker_mention"),
        speaker_start: at("speaker_start"),
        speaker_end: at("speaker_end"),
        // Gold has no confidence (docs/datasets.md#csv: predictions only): a gold column of that
        // name is ignored like any unknown column, so a scored prediction file can serve as gold.
        confidence: match kind {
            RowKind::Gold => None,
            RowKind::Prediction => at("confidence"),
        },
        // Likewise a prediction's mention type (docs/datasets.md#the-attribution-csv: gold only),
        // which nothing reads.
        mention_type: match kind {
            RowKind::Gold => at("mention_type"),
            RowKind::Prediction => None,
        },
    };

    let dataset_column = at("dataset");
    // Gold: the line where each distinct row was first seen, by a 128-bit digest of the
    // row (a large gold file's rows themselves would double its memory).
    let mut seen: HashMap<[u8; 16], u64> = HashMap::new();
    for_each_record(
        file,
        &mut records,
        &header,
        sink,
        |record, line, span, sink| {
            let mut fields = Fields {
                file,
                record,
                line,
                errors: 0,
            };
            let article_id = fields.required_text(sink, Some(columns.article_id), "article_id");
            let quote = fields.required_text(sink, Some(columns.quote), "quote");
            let speaker = fields.text(sink, Some(columns.speaker), "speaker");
            let quote_span = fields.span(sink, columns.start, columns.end, ("start", "end"));
            let quote_type = fields
                .optional_text(sink, columns.quote_type, "type")
                .and_then(|text| match text.trim().parse::<QuoteType>() {
                    Ok(t) => Some(t),
                    Err(message) => {
                        fields.error(sink, "type", message);
                        None
                    }
                });
            let cue = fields.optional_text(sink, columns.cue, "cue");
            let speaker_mention =
                fields.optional_text(sink, columns.speaker_mention, "speaker_mention");
            let mention_span = fields.span(
                sink,
                columns.speaker_start,
                columns.speaker_end,
                ("speaker_start", "speaker_end"),
            );
            let confidence = fields
                .optional_text(sink, columns.confidence, "confidence")
                .and_then(|text| match text.trim().parse::<f64>() {
                    Ok(value) => match confidence_problem(value) {
                        None => Some(value),
                        Some(message) => {
                            fields.error(sink, "confidence", message);
                            None
                        }
                    },
                    Err(_) => {
                        fields.error(
                            sink,
                            "confidence",
                            format!("confidence `{text}` is not a number"),
                        );
                        None
                    }
                });
            let mention_type = fields
                .optional_text(sink, columns.mention_type, "mention_type")
                .and_then(|text| match text.trim().parse::<MentionType>() {
                    Ok(t) => Some(t),
                    Err(message) => {
                        fields.error(sink, "mention_type", message);
                        None
                    }
                });
            let row = Attribution {
                article_id,
                quote,
                speaker,
                quote_span,
                quote_type,
                cue,
                speaker_mention,
                mention_span,
                confidence,
                mention_type,
            };
            if repeats && kind == RowKind::Gold && fields.errors == 0 {
                // Rows compare as parsed values, so `5` and ` 5` or `direct` and ` direct` in
                // otherwise equal rows are one row.
                let json = serde_json::to_vec(&row).unwrap_or_default();
                let digest = sha2::Sha256::digest(&json);
                let mut key = [0u8; 16];
                key.copy_from_slice(&digest[..16]);
                if let Some(first) = seen.get(&key) {
                    sink.push(InputError::new(
                    Location::line(file, line),
                    format!(
                        "this gold row repeats line {first} exactly (a gold row may appear only once)"
                    ),
                ));
                } else {
                    seen.insert(key, line);
                }
            }
            let dataset = dataset_column
                .and_then(|i| record.get(i))
                .map(|field| String::from_utf8_lossy(field).trim().to_string())
                .filter(|name| !name.is_empty());
            emit(LocatedRow { line, row, dataset }, span);
        },
    );
}

/// An alias entry with its line, for the check of its article id.
#[derive(Debug)]
pub(crate) struct LocatedAlias {
    pub line: u64,
    pub entry: AliasEntry,
}

/// Parses `aliases.csv`: columns `article_id` (`*` for every article), `name`, `alias`,
/// all three required and non-empty.
pub(crate) fn parse_aliases(file: &Path, bytes: &[u8], sink: &mut ErrorSink) -> Vec<LocatedAlias> {
    const COLUMNS: [&str; 3] = ["article_id", "name", "alias"];
    let mut records = Records::new(bytes);
    let Some(header) = read_header(file, &mut records, &COLUMNS, &COLUMNS, sink) else {
        return Vec::new();
    };
    let [article_id, name, alias] = COLUMNS.map(|c| header.positions.get(c).copied());
    let mut entries = Vec::new();
    for_each_record(
        file,
        &mut records,
        &header,
        sink,
        |record, line, _, sink| {
            let mut fields = Fields {
                file,
                record,
                line,
                errors: 0,
            };
            let id = fields.required_text(sink, article_id, "article_id");
            let name = fields.required_text(sink, name, "name");
            let alias = fields.required_text(sink, alias, "alias");
            if fields.errors == 0 {
                entries.push(LocatedAlias {
                    line,
                    entry: AliasEntry {
                        article_id: (id != "*").then_some(id),
                        name,
                        alias,
                    },
                });
            }
        },
    );
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, kind: RowKind) -> (Vec<LocatedRow>, Result<()>) {
        let mut sink = ErrorSink::default();
        let rows = parse_attribution_csv(Path::new("g.csv"), text.as_bytes(), kind, &mut sink);
        (rows, sink.finish("g.csv"))
    }

    fn only_error(result: Result<()>) -> InputError {
        match result {
            Err(Error::Input(e)) => e,
            other => panic!("expected one input error, got {other:?}"),
        }
    }

    #[test]
    fn columns_in_any_order_and_unknown_columns_are_ignored() {
        let (rows, result) = parse(
            "note,quote,speaker,article_id,end,start\nx,hi,Ann,a1,5,3\n",
            RowKind::Gold,
        );
        result.unwrap();
        let row = &rows[0].row;
        assert_eq!(
            (
                row.article_id.as_str(),
                row.quote.as_str(),
                row.speaker.as_str()
            ),
            ("a1", "hi", "Ann")
        );
        assert_eq!(row.quote_span, Some(Span::new(3, 5)));
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn multi_line_fields_keep_line_numbers_right() {
        let (rows, result) = parse(
            "article_id,quote,speaker,type\na,\"one\ntwo\nthree\",X,direct\na,four,Y,sideways\n",
            RowKind::Gold,
        );
        let error = only_error(result);
        assert_eq!(error.location, Location::named_column("g.csv", 5, "type"));
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].row.quote, "one\ntwo\nthree");
        assert_eq!(rows[1].line, 5);
    }

    #[test]
    fn blank_lines_and_crlf_endings_keep_line_numbers_right() {
        let (rows, _) = parse(
            "\r\narticle_id,quote,speaker\r\na,b,c\r\n\r\n\r\na,\"d\r\ne\",f\r\ng,h,i",
            RowKind::Prediction,
        );
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 6, 8]);
        let (rows, _) = parse(
            "article_id,quote,speaker\ra,b,c\r\ra,d,f\n",
            RowKind::Prediction,
        );
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn a_short_row_names_the_first_missing_column() {
        let (_, result) = parse("article_id,quote,speaker\na,b\n", RowKind::Gold);
        assert_eq!(
            only_error(result).location,
            Location::named_column("g.csv", 2, "speaker")
        );
    }

    #[test]
    fn gold_ignores_confidence_and_predictions_check_it() {
        let text = "article_id,quote,speaker,confidence\na,b,c,high\n";
        let (rows, result) = parse(text, RowKind::Gold);
        result.unwrap();
        assert_eq!(rows[0].row.confidence, None);
        let (_, result) = parse(text, RowKind::Prediction);
        assert_eq!(
            only_error(result).location,
            Location::named_column("g.csv", 2, "confidence")
        );
    }

    #[test]
    fn gold_reads_mention_type_and_names_a_bad_value() {
        let text =
            "article_id,quote,speaker,mention_type\na,b,c,anaphoric\na,d,c,\na,e,c,pronoun\n";
        let (rows, result) = parse(text, RowKind::Gold);
        let error = only_error(result);
        assert_eq!(
            error.location,
            Location::named_column("g.csv", 4, "mention_type")
        );
        assert!(error.message.contains("pronoun"), "{}", error.message);
        assert_eq!(rows[0].row.mention_type, Some(MentionType::Anaphoric));
        assert_eq!(rows[1].row.mention_type, None);
        // Predictions: ignored like an unknown column.
        let (rows, result) = parse(text, RowKind::Prediction);
        result.unwrap();
        assert!(rows.iter().all(|r| r.row.mention_type.is_none()));
    }

    #[test]
    fn mention_type_is_written_only_when_a_row_has_one() {
        let mut row = Attribution {
            article_id: "a".into(),
            quote: "b".into(),
            speaker: "c".into(),
            ..Attribution::default()
        };
        let written = |rows: &[Attribution]| {
            let mut out = Vec::new();
            crate::attribution::write_csv(&mut out, rows).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert!(!written(std::slice::from_ref(&row)).contains("mention_type"));
        row.mention_type = Some(MentionType::Implicit);
        let text = written(std::slice::from_ref(&row));
        let (rows, result) = parse(&text, RowKind::Gold);
        result.unwrap();
        assert_eq!(rows[0].row, row);
    }

    #[test]
    fn a_plus_sign_is_not_an_offset() {
        let (_, result) = parse(
            "article_id,quote,speaker,start,end\na,b,c,+1,2\n",
            RowKind::Gold,
        );
        assert_eq!(
            only_error(result).location,
            Location::named_column("g.csv", 2, "start")
        );
    }
}
