//! The Project Dialogism Novel Corpus (Vishnubhotla, Hammond and Hirst, LREC 2022):
//! every quotation of full-length novels, with its speaker, its type (explicit,
//! anaphoric, implicit) and the novel's cast.
//!
//! `SRC` holds one folder per novel (or a `novels/` folder of them) with
//! `novel_text.txt`, `quotation_info.csv` and `character_info.csv`. The rules
//! (docs/datasets.md#pdnc):
//!
//! - article id: the novel's folder name; text: `novel_text.txt` as is;
//! - one row per element of a quotation's `quoteByteSpans` (a quote interrupted by
//!   "said Emma" is two rows), the span trimmed of white space at both ends (empty spans
//!   skipped; the novels are ASCII, so the spans count code points), `quote` the text at
//!   the span;
//! - `speaker`: the character's `Main Name` when the quotation's `speaker` is that name
//!   or one of its `Aliases`, else the field as given; `type` direct; `mention_type` the
//!   lowercase `quoteType` when it is explicit, anaphoric or implicit;
//! - exact duplicate rows once; `aliases.csv`: one row per (novel, main name, alias) for
//!   each alias other than the main name.
//!
//! PDNC states no license: the converted folder is for local use, never committed.

use super::pylit::{self, PyValue};
use super::{
    IdMaker, ImportSummary, SourceArticle, dedupe, input, read_text, tool_name, write_aliases,
    write_dataset,
};
use crate::attribution::{Attribution, MentionType, QuoteType, Span};
use crate::dataset::Article;
use crate::error::{Error, Location, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const TEXT_FILE: &str = "novel_text.txt";
const QUOTES_FILE: &str = "quotation_info.csv";
const CAST_FILE: &str = "character_info.csv";

/// One character of a novel's `character_info.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Character {
    pub main_name: String,
    /// In the order the cell lists them, each once.
    pub aliases: Vec<String>,
}

/// Converts PDNC's novel folders under `src` into a dataset at `out`.
pub fn import_pdnc(src: &Path, out: &Path) -> Result<ImportSummary> {
    // The folder of novels itself, or a checkout of the corpus holding it.
    let root = ["novels", "data"]
        .iter()
        .map(|sub| src.join(sub))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| src.to_path_buf());
    if !root.is_dir() {
        return Err(input(
            Location::file(src),
            "not a folder: expected PDNC's novel folders (each with novel_text.txt, \
             quotation_info.csv and character_info.csv)",
        ));
    }
    let mut novels: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| Error::io(&root, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join(QUOTES_FILE).is_file())
        .collect();
    novels.sort();
    if novels.is_empty() {
        return Err(input(
            Location::file(&root),
            format!("no novel folder here holds a {QUOTES_FILE}"),
        ));
    }

    let mut summary = ImportSummary::new("PDNC", src, out);
    let mut ids = IdMaker::default();
    let (mut articles, mut rows) = (Vec::new(), Vec::new());
    let mut aliases = Vec::new();
    for folder in &novels {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = ids.make(&name, folder)?;
        let text_path = folder.join(TEXT_FILE);
        let article = Article::new(id.clone(), read_text(&text_path)?);
        let cast = read_cast(&folder.join(CAST_FILE))?;
        for character in &cast {
            for alias in &character.aliases {
                if alias != &character.main_name {
                    aliases.push((id.clone(), character.main_name.clone(), alias.clone()));
                }
            }
        }
        let quotes_path = folder.join(QUOTES_FILE);
        rows.extend(read_quotations(
            &quotes_path,
            &article,
            &cast,
            &mut summary,
        )?);
        articles.push(SourceArticle {
            article,
            origin: text_path,
        });
    }
    summary.renamed_ids = std::mem::take(&mut ids.renamed);
    aliases.dedup();
    let rows = dedupe(rows, &mut summary);
    let alias_count = aliases.len();
    write_dataset(out, &articles, rows, |s| card(s, alias_count), &mut summary)?;
    write_aliases(&out.join("aliases.csv"), &aliases)?;
    Ok(summary)
}

/// `character_info.csv`: `Main Name` and `Aliases` (a Python set or list literal).
pub fn read_cast(path: &Path) -> Result<Vec<Character>> {
    let (mut reader, columns) = csv_with_columns(path, &["Main Name", "Aliases"])?;
    let (main, alias_column) = (columns[0], columns[1]);
    let mut cast = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        // Names as written (an independent converter compares them as strings too).
        let main_name = record.get(main).unwrap_or("").to_string();
        let cell = record.get(alias_column).unwrap_or("");
        let mut aliases: Vec<String> = Vec::new();
        for alias in strings(path, line, "Aliases", cell)? {
            if !aliases.contains(&alias) {
                aliases.push(alias);
            }
        }
        cast.push(Character { main_name, aliases });
    }
    Ok(cast)
}

/// The rows of one novel's `quotation_info.csv`.
fn read_quotations(
    path: &Path,
    article: &Article,
    cast: &[Character],
    summary: &mut ImportSummary,
) -> Result<Vec<Attribution>> {
    // The first character that has the name, as main name or alias, in file order.
    let mut main_name_of: HashMap<&str, &str> = HashMap::new();
    for character in cast {
        main_name_of
            .entry(character.main_name.as_str())
            .or_insert(&character.main_name);
        for alias in &character.aliases {
            main_name_of
                .entry(alias.as_str())
                .or_insert(&character.main_name);
        }
    }
    let (mut reader, columns) =
        csv_with_columns(path, &["quoteByteSpans", "speaker", "quoteType"])?;
    let (spans_column, speaker_column, type_column) = (columns[0], columns[1], columns[2]);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let given = record.get(speaker_column).unwrap_or("");
        let speaker = main_name_of
            .get(given)
            .copied()
            .unwrap_or(given)
            .to_string();
        let mention_type = match record
            .get(type_column)
            .unwrap_or("")
            .trim()
            .to_lowercase()
            .as_str()
        {
            "explicit" => Some(MentionType::Explicit),
            "anaphoric" => Some(MentionType::Anaphoric),
            "implicit" => Some(MentionType::Implicit),
            _ => None,
        };
        let cell = record.get(spans_column).unwrap_or("");
        for (start, end) in pairs(path, line, "quoteByteSpans", cell)? {
            let Some(span) = trimmed(article, start, end).map_err(|message| {
                input(
                    Location::named_column(path, line, "quoteByteSpans"),
                    message,
                )
            })?
            else {
                summary.empty_parts += 1;
                continue;
            };
            rows.push(Attribution {
                article_id: article.id.clone(),
                quote: article.slice(span).unwrap_or_default().to_string(),
                speaker: speaker.clone(),
                quote_span: Some(span),
                quote_type: Some(QuoteType::Direct),
                mention_type,
                ..Attribution::default()
            });
        }
    }
    Ok(rows)
}

/// `[start, end)` without the white space at its ends; `None` when nothing is left.
fn trimmed(article: &Article, start: i64, end: i64) -> std::result::Result<Option<Span>, String> {
    let len = article.char_len();
    let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
        return Err(format!("span [{start}, {end}) has a negative offset"));
    };
    if start > end || end > len {
        return Err(format!(
            "span [{start}, {end}) is reversed or past the end of the text ({len} characters)"
        ));
    }
    let text = article.slice(Span::new(start, end)).unwrap_or_default();
    let lead = text.chars().take_while(|c| c.is_whitespace()).count();
    let rest = text.chars().count() - lead;
    let trail = text
        .chars()
        .rev()
        .take_while(|c| c.is_whitespace())
        .count()
        .min(rest);
    let span = Span::new(start + lead, end - trail);
    Ok((!span.is_empty()).then_some(span))
}

/// A CSV reader past its header, and the position of each of `names` in it (a missing
/// one is an error naming the file and the header it has).
fn csv_with_columns(
    path: &Path,
    names: &[&str],
) -> Result<(csv::Reader<std::fs::File>, Vec<usize>)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let columns = names
        .iter()
        .map(|name| {
            headers
                .iter()
                .position(|h| h.trim() == *name)
                .ok_or_else(|| {
                    input(
                        Location::line(path, 1),
                        format!(
                            "no `{name}` column (the header has: {})",
                            headers.iter().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((reader, columns))
}

fn csv_error(path: &Path, error: &csv::Error) -> Error {
    let line = error.position().map_or(1, |p| p.line());
    input(
        Location::line(path, line),
        format!("not valid CSV: {error}"),
    )
}

/// The cell as a Python literal, with an error naming file, line and column (and the
/// character within the cell).
fn literal(path: &Path, line: u64, column: &str, cell: &str) -> Result<PyValue> {
    pylit::parse(cell).map_err(|e| {
        input(
            Location::named_column(path, line, column),
            format!(
                "{} (at character {} of the cell `{}`)",
                e.message,
                e.position + 1,
                cell.chars().take(80).collect::<String>()
            ),
        )
    })
}

fn strings(path: &Path, line: u64, column: &str, cell: &str) -> Result<Vec<String>> {
    if cell.trim().is_empty() {
        return Ok(Vec::new());
    }
    let bad = || {
        input(
            Location::named_column(path, line, column),
            "expected a set or list of strings",
        )
    };
    match literal(path, line, column, cell)? {
        PyValue::List(items) => items
            .into_iter()
            .map(|item| match item {
                PyValue::Str(s) => Ok(s),
                _ => Err(bad()),
            })
            .collect(),
        PyValue::Str(s) => Ok(vec![s]),
        _ => Err(bad()),
    }
}

fn pairs(path: &Path, line: u64, column: &str, cell: &str) -> Result<Vec<(i64, i64)>> {
    let bad = || {
        input(
            Location::named_column(path, line, column),
            "expected a list of [start, end] pairs",
        )
    };
    let PyValue::List(items) = literal(path, line, column, cell)? else {
        return Err(bad());
    };
    items
        .into_iter()
        .map(|item| match item {
            PyValue::List(pair) => match pair.as_slice() {
                [PyValue::Int(start), PyValue::Int(end)] => Ok((*start, *end)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        })
        .collect()
}

fn card(summary: &ImportSummary, aliases: usize) -> String {
    format!(
        r#"# PDNC (local import)

The Project Dialogism Novel Corpus: every quotation of full-length English novels with
its speaker and how the text signals it (`mention_type`: explicit, anaphoric,
implicit), and each novel's cast in `aliases.csv` ({aliases} aliases). Converted by
`attr-eval import pdnc` ({tool}).

- Source: PDNC, <https://github.com/Priya22/project-dialogism-novel-corpus>.
- Cite: Krishnapriya Vishnubhotla, Adam Hammond and Graeme Hirst (2022), "The Project
  Dialogism Novel Corpus: A Dataset for Quotation Attribution in Literary Texts", LREC
  2022.
- License: none stated, and some novels may still be in copyright: keep this folder
  local; never commit it.

## Conversion

One row per sub-quotation (`quoteByteSpans`), trimmed of white space; the speaker is the
character's main name when the annotated speaker is one of its names; exact duplicates
once. Score it with `--speaker-match name` (the default: speakers resolve through the
cast) and `run --task speakers` for attribution of the given quotes.

## Counts

| | count |
|---|---|
| novels | {documents} |
| rows | {rows} |
| empty sub-quotations skipped | {empty} |
| exact duplicates dropped | {duplicates} |
"#,
        tool = tool_name(),
        documents = summary.documents,
        rows = summary.rows.total(),
        empty = summary.empty_parts,
        duplicates = summary.duplicates_dropped,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{field, gold};
    use crate::test_support::import_shared;

    const TEXT: &str =
        "\"Hello,\" said Emma, \" how are you?\" \"?\" Mr. Knightley smiled. \"   \"";

    fn novel(root: &Path, name: &str, quotes: &str, cast: &str) -> PathBuf {
        let folder = root.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(TEXT_FILE), TEXT).unwrap();
        std::fs::write(folder.join(QUOTES_FILE), quotes).unwrap();
        std::fs::write(folder.join(CAST_FILE), cast).unwrap();
        folder
    }

    const CAST: &str = "Character ID,Main Name,Aliases,Gender,Category\n\
        0,Emma,\"{'Emma', 'Miss Woodhouse', 'Emma Woodhouse'}\",F,major\n\
        1,Mr. Knightley,\"['Knightley', 'Mr. Knightley', 'George']\",M,major\n";

    fn quotes(rows: &[&str]) -> String {
        let mut text = String::from(
            "quoteID,quoteText,subQuotationList,quoteByteSpans,speaker,addressees,quoteType\n",
        );
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        text
    }

    #[test]
    fn sub_quotations_become_rows_trimmed_with_the_main_name_and_mention_type() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        novel(
            &src,
            "Tiny",
            &quotes(&[
                // Two sub-quotations; the second has a leading space to trim.
                "Q0,x,x,\"[[1, 7], [21, 34]]\",Miss Woodhouse,[],Explicit",
                "Q1,x,x,\"[[37, 38]]\",George,[],Implicit",
                // Only white space: skipped.
                "Q2,x,x,\"[[63, 66]]\",Emma,[],Anaphoric",
                // A speaker not in the cast is kept as given; a type outside the three is empty.
                "Q3,x,x,\"[[37, 38]]\",The Narrator,[],Other",
                // An exact duplicate of Q1's row.
                "Q4,x,x,\"[[37, 38]]\",Knightley,[],implicit",
            ]),
            CAST,
        );
        let out = dir.path().join("out");
        let summary = import_pdnc(&src, &out).unwrap();
        let rows = gold(&out);
        let got: Vec<(String, String, String, String, String)> = rows
            .iter()
            .map(|r| {
                (
                    field(r, "quote").to_string(),
                    field(r, "speaker").to_string(),
                    field(r, "start").to_string(),
                    field(r, "end").to_string(),
                    field(r, "mention_type").to_string(),
                )
            })
            .collect();
        let row = |q: &str, s: &str, a: usize, b: usize, m: &str| {
            (
                q.to_string(),
                s.to_string(),
                a.to_string(),
                b.to_string(),
                m.to_string(),
            )
        };
        assert_eq!(
            got,
            [
                row("Hello,", "Emma", 1, 7, "explicit"),
                row("how are you?", "Emma", 22, 34, "explicit"),
                row("?", "Mr. Knightley", 37, 38, "implicit"),
                row("?", "The Narrator", 37, 38, ""),
            ]
        );
        assert_eq!(summary.empty_parts, 1);
        assert_eq!(summary.duplicates_dropped, 1);
        let aliases = std::fs::read_to_string(out.join("aliases.csv")).unwrap();
        assert_eq!(
            aliases,
            "article_id,name,alias\nTiny,Emma,Miss Woodhouse\nTiny,Emma,Emma Woodhouse\n\
             Tiny,Mr. Knightley,Knightley\nTiny,Mr. Knightley,George\n"
        );
        crate::dataset::validate(&out.display().to_string()).unwrap();
    }

    #[test]
    fn a_bad_literal_names_file_line_and_column() {
        // Each case: quotation rows, the cast file, what the error must say.
        let cases: [(&[&str], &str, &[&str]); 3] = [
            (
                &["Q0,x,x,\"[[1, 7]\",Emma,[],Explicit"],
                CAST,
                &[
                    "quotation_info.csv:2: column `quoteByteSpans`",
                    "is missing",
                ],
            ),
            (
                &[],
                "Character ID,Main Name,Aliases\n0,Emma,\"{'Emma', 'Miss W}\"\n",
                &["character_info.csv:2: column `Aliases`"],
            ),
            (
                &["Q0,x,x,\"[[1, 700]]\",Emma,[],Explicit"],
                CAST,
                &["past the end of the text"],
            ),
        ];
        for (rows, cast, expected) in cases {
            let dir = tempfile::tempdir().unwrap();
            let src = dir.path().join("src");
            novel(&src, "Tiny", &quotes(rows), cast);
            let error = import_pdnc(&src, &dir.path().join("out"))
                .unwrap_err()
                .to_string();
            for part in expected {
                assert!(error.contains(part), "{error}");
            }
        }
    }

    /// The corpus itself, when this checkout has it beside it.
    #[test]
    fn the_shared_pdnc_novels_import_and_validate() {
        let Some(imported) = import_shared("pdnc", "pdnc", import_pdnc) else {
            return;
        };
        let (summary, out) = (imported.summary, &imported.dir);
        assert_eq!(summary.documents, 22);
        assert!(summary.rows.total() > 30_000, "{}", summary.rows.total());
        let dataset = crate::dataset::Dataset::open(&out.display().to_string()).unwrap();
        assert_eq!(dataset.gold_rows(), summary.rows.total());
        assert!(dataset.aliases().entries.len() > 500);
    }
}
