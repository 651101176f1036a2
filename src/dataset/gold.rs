//! Where each article's gold rows are in `gold.csv`, instead of the rows: a large corpus's
//! gold would otherwise be most of a run's memory. An article's rows are parsed again
//! from their records when asked for, with the same parser that validated them.

use super::csv_rows::{self, RecordSpan, RowKind};
use super::validate::ErrorSink;
use crate::attribution::Attribution;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// One gold row: its record's bytes (after a byte order mark) and its 1-based line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GoldRef {
    pub start: u64,
    pub len: u32,
    /// 32 bits keep the index at 16 bytes a row; a gold file of 4 billion lines is not one.
    line: u32,
}

impl GoldRef {
    pub fn line(&self) -> u64 {
        u64::from(self.line)
    }
}

#[derive(Debug, Default)]
pub(crate) struct GoldIndex {
    file: PathBuf,
    /// Bytes of the byte order mark, before every record span.
    bom: u64,
    /// The header record, ending with a line break.
    header: Vec<u8>,
    /// By article id while the dataset opens; then moved to `by_article`.
    pub refs: HashMap<String, Vec<GoldRef>>,
    /// By the article's place in the dataset's order, once [`GoldIndex::place`] ran.
    by_article: Vec<Box<[GoldRef]>>,
}

/// What the one pass over `gold.csv` gives besides the index.
pub(crate) struct GoldCounts {
    pub rows: usize,
    /// By [`crate::attribution::QuoteType::index`].
    pub by_type: [usize; 3],
}

impl GoldIndex {
    /// Validates `gold.csv` into `sink`, reading it once as it goes, and indexes its rows
    /// by article.
    pub fn build(file: &Path, sink: &mut ErrorSink) -> Result<(GoldIndex, GoldCounts)> {
        let handle = std::fs::File::open(file).map_err(|e| Error::io(file, e))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, handle);
        let bom = csv_rows::skip_bom(&mut reader).map_err(|e| Error::io(file, e))?;
        let mut refs: HashMap<String, Vec<GoldRef>> = HashMap::new();
        let mut counts = GoldCounts {
            rows: 0,
            by_type: [0; 3],
        };
        let mut header_end: Option<u64> = None;
        csv_rows::for_each_attribution_row(
            file,
            reader,
            RowKind::Gold,
            false,
            sink,
            |parsed, span| {
                header_end.get_or_insert(span.start);
                // An empty id is already reported; it names no article to check against.
                if parsed.row.article_id.is_empty() {
                    return;
                }
                counts.rows += 1;
                counts.by_type[parsed.row.gold_type().index()] += 1;
                let RecordSpan { start, end } = span;
                refs.entry(parsed.row.article_id)
                    .or_default()
                    .push(GoldRef {
                        start,
                        len: u32::try_from(end - start).unwrap_or(u32::MAX),
                        line: u32::try_from(parsed.line).unwrap_or(u32::MAX),
                    });
            },
        );
        // The header, to parse an article's records again on their own.
        let mut header = Vec::new();
        let mut handle = std::fs::File::open(file).map_err(|e| Error::io(file, e))?;
        handle
            .seek(SeekFrom::Start(bom))
            .map_err(|e| Error::io(file, e))?;
        match header_end {
            Some(end) => {
                header.resize(end as usize, 0);
                handle
                    .read_exact(&mut header)
                    .map_err(|e| Error::io(file, e))?;
            }
            None => {
                handle
                    .read_to_end(&mut header)
                    .map_err(|e| Error::io(file, e))?;
            }
        }
        end_line(&mut header);
        let index = GoldIndex {
            file: file.to_path_buf(),
            bom,
            header,
            refs,
            by_article: Vec::new(),
        };
        Ok((index, counts))
    }

    /// No gold file (an error reported elsewhere).
    pub fn empty(file: &Path) -> (GoldIndex, GoldCounts) {
        let index = GoldIndex {
            file: file.to_path_buf(),
            ..GoldIndex::default()
        };
        let counts = GoldCounts {
            rows: 0,
            by_type: [0; 3],
        };
        (index, counts)
    }

    /// The rows of an article as they parse, bad fields or not (while the dataset
    /// opens, its rows are checked against the text whatever else is wrong with them),
    /// and whether every row parsed without a bad field.
    pub fn read_lenient(&self, refs: &[GoldRef]) -> Result<(Vec<Attribution>, bool)> {
        let snippet = self.snippet(refs)?;
        let mut sink = ErrorSink::default();
        let mut rows = Vec::with_capacity(refs.len());
        csv_rows::for_each_attribution_row(
            &self.file,
            snippet.as_slice(),
            RowKind::Gold,
            false,
            &mut sink,
            |parsed, _| rows.push(parsed.row),
        );
        Ok((rows, sink.finish(&self.file).is_ok()))
    }

    /// Keeps the rows by the place of their article in `ids` (the dataset's order), in
    /// exact-sized lists, and drops the map by id: kept for the whole run, it is the
    /// part of the dataset's memory that grows with the corpus.
    pub fn place(&mut self, ids: &[String]) {
        let mut refs = std::mem::take(&mut self.refs);
        self.by_article = ids
            .iter()
            .map(|id| refs.remove(id).unwrap_or_default().into_boxed_slice())
            .collect();
    }

    /// The rows of the article at `index` of the dataset's order.
    pub fn refs_at(&self, index: usize) -> &[GoldRef] {
        self.by_article.get(index).map_or(&[], |r| r)
    }

    /// The gold rows of the article at `index` in file order, read from `gold.csv`;
    /// empty when it has none.
    pub fn read(&self, index: usize) -> Result<Vec<Attribution>> {
        let refs = self.refs_at(index);
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        let snippet = self.snippet(refs)?;
        self.parse(&snippet, refs.len())
    }

    /// The header and the records of `refs`, one per line: a CSV of their own.
    fn snippet(&self, refs: &[GoldRef]) -> Result<Vec<u8>> {
        let mut file = std::fs::File::open(&self.file).map_err(|e| Error::io(&self.file, e))?;
        let mut snippet = self.header.clone();
        for r in refs {
            file.seek(SeekFrom::Start(self.bom + r.start))
                .map_err(|e| Error::io(&self.file, e))?;
            let from = snippet.len();
            snippet.resize(from + r.len as usize, 0);
            file.read_exact(&mut snippet[from..])
                .map_err(|e| Error::io(&self.file, e))?;
            end_line(&mut snippet);
        }
        Ok(snippet)
    }

    fn parse(&self, snippet: &[u8], expected: usize) -> Result<Vec<Attribution>> {
        let mut sink = ErrorSink::default();
        let rows = csv_rows::parse_attribution_csv(&self.file, snippet, RowKind::Gold, &mut sink);
        if sink.finish(&self.file).is_err() || rows.len() != expected {
            return Err(Error::Usage(format!(
                "{} changed after the dataset was opened: run again",
                self.file.display()
            )));
        }
        Ok(rows.into_iter().map(|r| r.row).collect())
    }
}

/// Records are joined one per line, whatever the last one of the file ends with.
fn end_line(bytes: &mut Vec<u8>) {
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
}
