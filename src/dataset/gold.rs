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
    pub refs: HashMap<String, Vec<GoldRef>>,
}

/// What the one pass over `gold.csv` gives besides the index.
pub(crate) struct GoldCounts {
    pub rows: usize,
    /// By [`crate::attribution::QuoteType::index`].
    pub by_type: [usize; 3],
}

impl GoldIndex {
    /// Validates `bytes` (the whole `gold.csv`) into `sink` and indexes its rows by article.
    pub fn build(file: &Path, bytes: &[u8], sink: &mut ErrorSink) -> (GoldIndex, GoldCounts) {
        let bom = csv_rows::bom_len(bytes);
        let body = &bytes[bom as usize..];
        let mut refs: HashMap<String, Vec<GoldRef>> = HashMap::new();
        let mut counts = GoldCounts {
            rows: 0,
            by_type: [0; 3],
        };
        let mut header_end: Option<u64> = None;
        csv_rows::for_each_attribution_row(
            file,
            bytes,
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
        let header_end = header_end.map_or(body.len(), |end| end as usize);
        let mut header = body[..header_end.min(body.len())].to_vec();
        end_line(&mut header);
        let index = GoldIndex {
            file: file.to_path_buf(),
            bom,
            header,
            refs,
        };
        (index, counts)
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

    /// The rows of `refs`, from the whole file held in memory (while the dataset opens).
    /// Also whether every row parsed without a bad field.
    pub fn rows_in(&self, bytes: &[u8], refs: &[GoldRef]) -> (Vec<Attribution>, bool) {
        let mut snippet = self.header.clone();
        for r in refs {
            let start = (self.bom + r.start) as usize;
            let end = (start + r.len as usize).min(bytes.len());
            snippet.extend_from_slice(&bytes[start.min(end)..end]);
            end_line(&mut snippet);
        }
        // Rows with a bad field are reported already, and still have their spans checked.
        let mut sink = ErrorSink::default();
        let mut rows = Vec::with_capacity(refs.len());
        csv_rows::for_each_attribution_row(
            &self.file,
            &snippet,
            RowKind::Gold,
            false,
            &mut sink,
            |parsed, _| rows.push(parsed.row),
        );
        (rows, sink.finish(&self.file).is_ok())
    }

    /// The gold rows of an article in file order, read from `gold.csv`; empty when it
    /// has none.
    pub fn read(&self, id: &str) -> Result<Vec<Attribution>> {
        let Some(refs) = self.refs.get(id) else {
            return Ok(Vec::new());
        };
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
        self.parse(&snippet, refs.len())
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
