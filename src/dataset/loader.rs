//! The two article forms of docs/datasets.md#articles, read as streams: `articles/<id>.txt` files
//! and `articles.jsonl` lines. Nothing here keeps a text longer than the caller does.

use super::article::Article;
use super::validate::ErrorSink;
use crate::error::{Error, InputError, Location, Result};
use serde::Deserialize;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Where a dataset's articles live.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// `articles/<id>.txt`; ids are sorted.
    Files { dir: PathBuf },
    /// `articles.jsonl`; `lines[i]` locates the i-th article id in file order.
    Jsonl { file: PathBuf, lines: Vec<LineRef> },
}

/// Where one `articles.jsonl` line starts, for random access without keeping texts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineRef {
    pub offset: u64,
    pub line: u64,
}

pub(crate) fn valid_article_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

pub(crate) const ID_RULE: &str = "article ids may use only A-Z, a-z, 0-9, `.`, `_` and `-`";

/// 1-based line and character column of a byte offset in `bytes`.
fn line_and_column(bytes: &[u8], offset: usize) -> (u64, u64) {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u64
        + 1;
    (line, column)
}

/// Decodes an article file; invalid UTF-8 is an error at the line and column of the
/// first bad byte.
pub(crate) fn decode_text(path: &Path, bytes: Vec<u8>) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let (line, column) = line_and_column(error.as_bytes(), offset);
        InputError::new(
            Location::numbered_column(path, line, column),
            "the article is not valid UTF-8",
        )
    })
}

/// The `.txt` files of `articles/` as (id, path), sorted by id. Other files are not
/// articles and are skipped (a README, an editor's backup). A stem that is not a valid id
/// is reported and skipped.
pub(crate) fn list_article_files(
    dir: &Path,
    sink: &mut ErrorSink,
) -> Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "txt") || !path.is_file() {
            continue;
        }
        match path.file_stem().and_then(|s| s.to_str()) {
            Some(id) if valid_article_id(id) => files.push((id.to_string(), path)),
            _ => sink.push(InputError::new(
                Location::file(&path),
                format!(
                    "`{}` is not a valid article id (the file stem): {ID_RULE}",
                    path.file_stem().unwrap_or_default().to_string_lossy()
                ),
            )),
        }
    }
    files.sort();
    Ok(files)
}

/// The fields validation needs, borrowed from the line where possible; other keys are
/// skipped without being built.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
}

/// One line of `articles.jsonl` as validation sees it.
pub(crate) struct JsonlEntry<'a> {
    pub line: u64,
    /// Byte offset of the line (after a leading byte order mark).
    pub offset: u64,
    pub id: Cow<'a, str>,
    pub text: Cow<'a, str>,
}

fn json_error(file: &Path, line: u64, bytes: &[u8], error: &serde_json::Error) -> InputError {
    // serde_json counts columns in bytes; messages count characters.
    let (_, column) = line_and_column(bytes, error.column().saturating_sub(1));
    InputError::new(
        Location::numbered_column(file, line, column),
        format!("not a valid article line: {error}"),
    )
}

/// Reads `articles.jsonl` once, line by line, calling `each` with every well-formed
/// article line; malformed lines go to `sink`. Blank lines are skipped. Memory stays
/// at one line whatever the size of the file.
pub(crate) fn scan_jsonl(
    file: &Path,
    sink: &mut ErrorSink,
    mut each: impl FnMut(JsonlEntry<'_>, &mut ErrorSink),
) -> Result<()> {
    let handle = File::open(file).map_err(|e| Error::io(file, e))?;
    let mut reader = BufReader::with_capacity(1 << 20, handle);
    let mut buffer = Vec::new();
    let mut offset = 0u64;
    let mut line = 0u64;
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|e| Error::io(file, e))?;
        if read == 0 {
            break;
        }
        line += 1;
        let mut start = offset;
        offset += read as u64;
        let mut bytes = buffer.as_slice();
        if line == 1
            && let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF")
        {
            bytes = rest;
            start += 3;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            let column = bytes.len() - bytes.trim_ascii_start().len() + 1;
            sink.push(InputError::new(
                Location::numbered_column(file, line, column as u64),
                "not a valid article line: expected a JSON object {\"id\": ..., \"text\": ...}",
            ));
            continue;
        }
        let probe: Probe = match serde_json::from_slice(bytes) {
            Ok(probe) => probe,
            Err(error) => {
                sink.push(json_error(file, line, bytes, &error));
                continue;
            }
        };
        let (Some(id), Some(text)) = (probe.id, probe.text) else {
            sink.push(InputError::new(
                Location::line(file, line),
                "an article line needs both `id` and `text` (strings)",
            ));
            continue;
        };
        each(
            JsonlEntry {
                line,
                offset: start,
                id,
                text,
            },
            sink,
        );
    }
    Ok(())
}

/// Parses the article at a known line of `articles.jsonl`, metadata included.
fn parse_jsonl_article(file: &Path, line: u64, bytes: &[u8]) -> Result<Article> {
    // A map rather than a struct with a flattened rest: serde's flatten would buffer and
    // copy every text once more.
    let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(bytes)
        .map_err(|error| Error::Input(json_error(file, line, bytes, &error)))?;
    let mut take = |key: &str| match map.remove(key) {
        Some(serde_json::Value::String(value)) => Ok(value),
        _ => Err(Error::Input(InputError::new(
            Location::line(file, line),
            "an article line needs both `id` and `text` (strings)",
        ))),
    };
    let id = take("id")?;
    let text = take("text")?;
    Ok(Article::new(id, text).with_metadata(map))
}

pub(crate) fn read_article_file(dir: &Path, id: &str) -> Result<Article> {
    let path = dir.join(format!("{id}.txt"));
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let text = decode_text(&path, bytes)?;
    Ok(Article::new(id, text))
}

/// The articles of a dataset in its order, read one at a time.
pub struct ArticleStream<'a> {
    source: &'a Source,
    ids: &'a [String],
    next: usize,
    /// For `articles.jsonl`: the open file and the offset the reader stands at.
    jsonl: Option<(BufReader<File>, u64)>,
    buffer: Vec<u8>,
}

impl<'a> ArticleStream<'a> {
    pub(crate) fn new(source: &'a Source, ids: &'a [String]) -> Self {
        ArticleStream {
            source,
            ids,
            next: 0,
            jsonl: None,
            buffer: Vec::new(),
        }
    }

    fn read_jsonl(&mut self, file: &Path, at: LineRef) -> Result<Article> {
        if self.jsonl.is_none() {
            let handle = File::open(file).map_err(|e| Error::io(file, e))?;
            self.jsonl = Some((BufReader::with_capacity(1 << 20, handle), 0));
        }
        let Some((reader, position)) = self.jsonl.as_mut() else {
            unreachable!("opened above")
        };
        // Lines are read in order, so a seek is needed only past the BOM or blank lines.
        if *position != at.offset {
            // Relative seeks keep the buffer when the target is within it, which matters
            // when only some articles are read (predictions for a few of them).
            let delta = i64::try_from(at.offset).unwrap_or(i64::MAX)
                - i64::try_from(*position).unwrap_or(i64::MAX);
            reader
                .seek_relative(delta)
                .map_err(|e| Error::io(file, e))?;
            *position = at.offset;
        }
        self.buffer.clear();
        let read = reader
            .read_until(b'\n', &mut self.buffer)
            .map_err(|e| Error::io(file, e))?;
        *position += read as u64;
        parse_jsonl_article(file, at.line, &self.buffer)
    }
}

impl ArticleStream<'_> {
    /// The article at `index` of the dataset's order. Reading in increasing order is what
    /// streams well: an `articles.jsonl` reader then never seeks back.
    pub(crate) fn load(&mut self, index: usize) -> Option<Result<Article>> {
        let id = self.ids.get(index)?;
        let article = match self.source {
            Source::Files { dir } => read_article_file(dir, id),
            Source::Jsonl { file, lines } => match lines.get(index) {
                Some(&at) => {
                    let file = file.clone();
                    self.read_jsonl(&file, at)
                }
                None => Err(Error::Usage(format!(
                    "{}: no line recorded for article `{id}`",
                    file.display()
                ))),
            },
        };
        // The files were validated when the dataset was opened; a different id here means
        // they changed since.
        Some(article.and_then(|article| {
            if article.id == *id {
                Ok(article)
            } else {
                Err(Error::Usage(format!(
                    "the articles changed after the dataset was opened: expected `{id}`, found `{}`",
                    article.id
                )))
            }
        }))
    }
}

impl Iterator for ArticleStream<'_> {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Self::Item> {
        let article = self.load(self.next)?;
        self.next += 1;
        Some(article)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.ids.len() - self.next;
        (left, Some(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_and_column("ab\nçd".as_bytes(), 5), (2, 2));
        assert_eq!(line_and_column(b"abc", 0), (1, 1));
    }

    #[test]
    fn ids_follow_the_rule() {
        assert!(valid_article_id("a-b_c.1"));
        assert!(!valid_article_id(""));
        assert!(!valid_article_id("a b"));
        assert!(!valid_article_id("é"));
    }
}
