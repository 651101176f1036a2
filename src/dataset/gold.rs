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
    /// Slot of each article id with gold, while the dataset opens; then replaced by
    /// `by_article`.
    slots: HashMap<String, u32>,
    /// Every row, grouped by slot: slot `s` holds `rows[offsets[s]..offsets[s + 1]]`.
    rows: Vec<GoldRef>,
    offsets: Vec<u32>,
    /// The slot of the article at each place of the dataset's order (`NO_GOLD`: none),
    /// once [`GoldIndex::place`] ran.
    by_article: Vec<u32>,
}

const NO_GOLD: u32 = u32::MAX;

/// What the one pass over `gold.csv` gives besides the index.
pub(crate) struct GoldCounts {
    pub rows: usize,
    /// By [`crate::attribution::QuoteType::index`].
    pub by_type: [usize; 3],
}

impl GoldIndex {
    /// Validates `gold.csv` into `sink` and indexes its rows by article. The file is read
    /// twice as it goes, never whole: once to validate and count each article's rows,
    /// once to place them in a list of exactly that size (growing lists would keep up to
    /// twice the room; for a large corpus this index is most of what stays in memory).
    pub fn build(file: &Path, sink: &mut ErrorSink) -> Result<(GoldIndex, GoldCounts)> {
        let open = || -> Result<(std::io::BufReader<std::fs::File>, u64)> {
            let handle = std::fs::File::open(file).map_err(|e| Error::io(file, e))?;
            let mut reader = std::io::BufReader::with_capacity(1 << 16, handle);
            let bom = csv_rows::skip_bom(&mut reader).map_err(|e| Error::io(file, e))?;
            Ok((reader, bom))
        };
        let (reader, bom) = open()?;
        let mut slots: HashMap<String, u32> = HashMap::new();
        let mut sizes: Vec<u32> = Vec::new();
        let mut counts = GoldCounts {
            rows: 0,
            by_type: [0; 3],
        };
        csv_rows::for_each_attribution_row(
            file,
            reader,
            RowKind::Gold,
            false,
            sink,
            |parsed, _| {
                // An empty id is already reported; it names no article to check against.
                if parsed.row.article_id.is_empty() {
                    return;
                }
                counts.rows += 1;
                counts.by_type[parsed.row.gold_type().index()] += 1;
                let next = sizes.len() as u32;
                let slot = *slots.entry(parsed.row.article_id).or_insert(next);
                if slot == next {
                    sizes.push(0);
                }
                sizes[slot as usize] += 1;
            },
        );
        let mut offsets = Vec::with_capacity(sizes.len() + 1);
        let mut total = 0u32;
        offsets.push(0);
        for size in &sizes {
            total += size;
            offsets.push(total);
        }
        // Reused as each slot's next free place.
        let mut next: Vec<u32> = offsets[..sizes.len()].to_vec();
        drop(sizes);
        let mut rows = vec![
            GoldRef {
                start: 0,
                len: 0,
                line: 0
            };
            total as usize
        ];
        let (reader, _) = open()?;
        // Problems were reported by the first pass.
        let mut again = ErrorSink::default();
        let mut header_end: Option<u64> = None;
        csv_rows::for_each_attribution_row(
            file,
            reader,
            RowKind::Gold,
            false,
            &mut again,
            |parsed, span| {
                header_end.get_or_insert(span.start);
                let Some(&slot) = slots.get(&parsed.row.article_id) else {
                    return;
                };
                let Some(place) = next.get_mut(slot as usize) else {
                    return;
                };
                let RecordSpan { start, end } = span;
                if let Some(row) = rows.get_mut(*place as usize) {
                    *row = GoldRef {
                        start,
                        len: u32::try_from(end - start).unwrap_or(u32::MAX),
                        line: u32::try_from(parsed.line).unwrap_or(u32::MAX),
                    };
                }
                *place += 1;
            },
        );
        if next.iter().zip(&offsets[1..]).any(|(a, b)| a != b) {
            return Err(Error::Usage(format!(
                "{} changed while the dataset was read: open it again",
                file.display()
            )));
        }
        // The header, to parse an article's records again on their own.
        let mut header = Vec::new();
        let (mut reader, _) = open()?;
        match header_end {
            Some(end) => {
                header.resize(end as usize, 0);
                reader
                    .read_exact(&mut header)
                    .map_err(|e| Error::io(file, e))?;
            }
            None => {
                std::io::BufRead::read_until(&mut reader, b'\n', &mut header)
                    .map_err(|e| Error::io(file, e))?;
            }
        }
        end_line(&mut header);
        let index = GoldIndex {
            file: file.to_path_buf(),
            bom,
            header,
            slots,
            rows,
            offsets,
            by_article: Vec::new(),
        };
        Ok((index, counts))
    }

    fn slot_rows(&self, slot: u32) -> &[GoldRef] {
        let slot = slot as usize;
        match (self.offsets.get(slot), self.offsets.get(slot + 1)) {
            (Some(&a), Some(&b)) => self.rows.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The rows of an article by id, while the dataset opens.
    pub fn refs_of(&self, id: &str) -> Option<&[GoldRef]> {
        self.slots.get(id).map(|&slot| self.slot_rows(slot))
    }

    /// Every article id with gold and its rows, while the dataset opens.
    pub fn by_id(&self) -> impl Iterator<Item = (&String, &[GoldRef])> {
        self.slots
            .iter()
            .map(|(id, &slot)| (id, self.slot_rows(slot)))
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

    /// Keeps the rows by the place of their article in `ids` (the dataset's order) and
    /// drops the map by id, which would keep every id a second time.
    pub fn place(&mut self, ids: &[String]) {
        let slots = std::mem::take(&mut self.slots);
        self.by_article = ids
            .iter()
            .map(|id| slots.get(id).copied().unwrap_or(NO_GOLD))
            .collect();
    }

    /// The rows of the article at `index` of the dataset's order.
    pub fn refs_at(&self, index: usize) -> &[GoldRef] {
        match self.by_article.get(index) {
            Some(&slot) if slot != NO_GOLD => self.slot_rows(slot),
            _ => &[],
        }
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
