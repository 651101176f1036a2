//! LitBank quotations (Sims & Bamman 2020): direct speech in 100 works of English fiction.
//!
//! `quotations/tsv` holds, per text, `<name>.txt` (tokenized: one sentence a line,
//! tokens separated by single spaces) and `<name>.ann` (or `.tsv`) with tab-separated
//! lines `QUOTE Q342 54 0 54 13 <text>` (sentence and token indices, end inclusive) and
//! `ATTRIB Q342 Winnie_Verloc-3`.

use super::{
    IdMaker, ImportSummary, SourceArticle, column_of, counts_section, dedupe, input, read_text,
    sorted_files, tool_name, write_dataset,
};
use crate::attribution::{Attribution, QuoteType, Span};
use crate::dataset::Article;
use crate::error::{Location, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Converts LitBank's `quotations/tsv` folder (or the LitBank root holding it) into a
/// dataset at `out`.
///
/// With `coref`, LitBank's coreference folder (`coref/tsv`), the proper-name mentions of
/// each speaking entity become its aliases in `aliases.csv` ([`super::litbank_cast`]).
pub fn import_litbank(src: &Path, coref: Option<&Path>, out: &Path) -> Result<ImportSummary> {
    let nested = src.join("quotations").join("tsv");
    let dir = if nested.is_dir() {
        nested
    } else {
        src.to_path_buf()
    };
    if !dir.is_dir() {
        return Err(input(
            Location::file(src),
            "not a folder: expected LitBank's `quotations/tsv`",
        ));
    }
    let mut texts = BTreeMap::new();
    let mut annotations: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in sorted_files(&dir)? {
        let (Some(stem), Some(extension)) = (path.file_stem(), path.extension()) else {
            continue;
        };
        let stem = stem.to_string_lossy().into_owned();
        match extension.to_str() {
            Some("txt") => {
                texts.insert(stem, path);
            }
            Some("ann" | "tsv") => {
                if let Some(other) = annotations.insert(stem, path.clone()) {
                    return Err(input(
                        Location::file(&path),
                        format!("{} annotates the same text: keep one", other.display()),
                    ));
                }
            }
            _ => {}
        }
    }

    let mut summary = ImportSummary::new("LitBank quotations", src, out);
    let mut ids = IdMaker::default();
    let (mut articles, mut rows) = (Vec::new(), Vec::new());
    let mut aliases: Vec<(String, String, String)> = Vec::new();
    for (stem, text_path) in &texts {
        let Some(ann_path) = annotations.remove(stem) else {
            summary.unannotated_texts.push(text_path.clone());
            continue;
        };
        let id = ids.make(stem, text_path)?;
        let article = Article::new(id.clone(), read_text(text_path)?);
        let sentences = tokens(&article.text, text_path)?;
        let content = read_text(&ann_path)?;
        if let Some(coref) = coref {
            let speakers: std::collections::HashSet<String> = content
                .lines()
                .filter_map(|line| line.strip_prefix("ATTRIB\t"))
                .filter_map(|rest| rest.split('\t').nth(1))
                .map(|entity| entity.trim().to_string())
                .collect();
            let file = coref.join(ann_path.file_name().unwrap_or_default());
            if file.is_file() {
                for (name, alias) in super::litbank_cast::cast_rows(&file, &speakers, speaker_name)?
                {
                    aliases.push((id.clone(), name, alias));
                }
            } else {
                summary.unannotated_texts.push(file);
            }
        }
        rows.extend(convert(
            &content,
            &ann_path,
            &article,
            &sentences,
            text_path,
            &mut summary,
        )?);
        articles.push(SourceArticle {
            article,
            origin: ann_path,
        });
    }
    summary.orphan_annotations = annotations.into_values().collect();
    if articles.is_empty() {
        return Err(input(
            Location::file(&dir),
            "no `.txt` file with a `.ann` or `.tsv` quotation file: nothing to import",
        ));
    }
    let rows = dedupe(rows, &mut summary);
    summary.renamed_ids = std::mem::take(&mut ids.renamed);
    let alias_count = coref.map(|_| aliases.len());
    write_dataset(out, &articles, rows, |s| card(s, alias_count), &mut summary)?;
    if coref.is_some() {
        super::write_aliases(&out.join("aliases.csv"), &aliases)?;
    }
    Ok(summary)
}

/// The code-point span of every token, per sentence (line).
fn tokens(text: &str, path: &Path) -> Result<Vec<Vec<Span>>> {
    let mut sentences = Vec::new();
    let mut offset = 0;
    for (index, line) in text.split('\n').enumerate() {
        let body = line.strip_suffix('\r').unwrap_or(line);
        let mut spans = Vec::new();
        if !body.is_empty() {
            let mut position = offset;
            for token in body.split(' ') {
                let len = token.chars().count();
                if len == 0 {
                    // The indices count tokens: an empty one would shift every later
                    // index by one without anyone noticing.
                    return Err(input(
                        Location::numbered_column(path, index as u64 + 1, column_of(body, token)),
                        "empty token: a tokenized LitBank text separates tokens by single spaces",
                    ));
                }
                spans.push(Span::new(position, position + len));
                position += len + 1;
            }
        }
        sentences.push(spans);
        offset += line.chars().count() + 1;
    }
    Ok(sentences)
}

struct Quote {
    id: String,
    span: Span,
}

struct Speaker {
    name: String,
    line: u64,
    column: u64,
}

fn convert(
    content: &str,
    path: &Path,
    article: &Article,
    sentences: &[Vec<Span>],
    text_path: &Path,
    summary: &mut ImportSummary,
) -> Result<Vec<Attribution>> {
    let mut quotes: Vec<Quote> = Vec::new();
    let mut quote_lines: HashMap<String, u64> = HashMap::new();
    let mut speakers: HashMap<String, Speaker> = HashMap::new();
    for (index, raw) in content.split('\n').enumerate() {
        let number = index as u64 + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let at = |column: u64, message: String| {
            input(Location::numbered_column(path, number, column), message)
        };
        let fields: Vec<&str> = line.split('\t').collect();
        match fields[0] {
            "QUOTE" => {
                if fields.len() < 7 {
                    return Err(at(
                        1,
                        format!(
                            "a QUOTE line has 7 tab-separated fields (QUOTE, id, start sentence, \
                             start token, end sentence, end token, text), found {}",
                            fields.len()
                        ),
                    ));
                }
                let index_at = |field: &str| {
                    field.parse::<usize>().map_err(|_| {
                        at(column_of(line, field), format!("`{field}` is not an index"))
                    })
                };
                let token = |sentence_field: &str, token_field: &str| -> Result<Span> {
                    let sentence = index_at(sentence_field)?;
                    let token = index_at(token_field)?;
                    let Some(tokens) = sentences.get(sentence) else {
                        return Err(at(
                            column_of(line, sentence_field),
                            format!(
                                "sentence {sentence} is past the end of {} ({} lines)",
                                text_path.display(),
                                sentences.len()
                            ),
                        ));
                    };
                    tokens.get(token).copied().ok_or_else(|| {
                        at(
                            column_of(line, token_field),
                            format!(
                                "token {token} is past the end of sentence {sentence} ({} tokens)",
                                tokens.len()
                            ),
                        )
                    })
                };
                let first = token(fields[2], fields[3])?;
                // The source's end token is inclusive: the quote ends where it ends.
                let last = token(fields[4], fields[5])?;
                if last.end <= first.start {
                    return Err(at(
                        column_of(line, fields[4]),
                        "the quote ends before it starts".into(),
                    ));
                }
                let span = Span::new(first.start, last.end);
                let quotation = fields[6..].join("\t");
                let text = article.slice(span).unwrap_or_default();
                if text.replace('\r', "").replace('\n', " ") != quotation {
                    summary.text_mismatches += 1;
                }
                let id = fields[1].to_string();
                if let Some(first_line) = quote_lines.insert(id.clone(), number) {
                    return Err(at(
                        column_of(line, fields[1]),
                        format!("quote `{id}` is already defined on line {first_line}"),
                    ));
                }
                quotes.push(Quote { id, span });
            }
            "ATTRIB" => {
                if fields.len() != 3 {
                    return Err(at(
                        1,
                        format!(
                            "an ATTRIB line has 3 tab-separated fields (ATTRIB, quote id, \
                             speaker), found {}",
                            fields.len()
                        ),
                    ));
                }
                let speaker = Speaker {
                    name: speaker_name(fields[2]),
                    line: number,
                    column: column_of(line, fields[1]),
                };
                if let Some(first) = speakers.insert(fields[1].to_string(), speaker) {
                    return Err(at(
                        column_of(line, fields[1]),
                        format!(
                            "quote `{}` is already attributed on line {}",
                            fields[1], first.line
                        ),
                    ));
                }
            }
            other => {
                return Err(at(
                    1,
                    format!("unknown line type `{other}`: expected QUOTE or ATTRIB"),
                ));
            }
        }
    }
    for (id, speaker) in &speakers {
        if !quote_lines.contains_key(id) {
            return Err(input(
                Location::numbered_column(path, speaker.line, speaker.column),
                format!("ATTRIB for quote `{id}`, which no QUOTE line defines"),
            ));
        }
    }
    Ok(quotes
        .into_iter()
        .map(|quote| Attribution {
            article_id: article.id.clone(),
            quote: article.slice(quote.span).unwrap_or_default().to_string(),
            speaker: speakers
                .get(&quote.id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            quote_span: Some(quote.span),
            quote_type: Some(QuoteType::Direct),
            ..Attribution::default()
        })
        .collect())
}

/// `Winnie_Verloc-3` → `Winnie Verloc`: the `-N` suffix numbers LitBank's coreference
/// entities, which the name comparison of docs/scoring.md#speaker-matching has no use for.
fn speaker_name(id: &str) -> String {
    let base = match id.rsplit_once('-') {
        Some((base, number))
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => id,
    };
    base.replace('_', " ")
}

fn card(summary: &ImportSummary, aliases: Option<usize>) -> String {
    format!(
        r#"# LitBank quotations

Direct speech in English fiction, attributed to its speaker: the quotation layer of
LitBank (about 2,000 words from each of 100 public-domain novels and stories from
Project Gutenberg), converted by `attr-eval import litbank` ({tool}).

## Source, license and citation

- Source: LitBank, <https://github.com/dbamman/litbank>, folder `quotations/tsv`.
- License: [Creative Commons Attribution 4.0 International (CC BY 4.0)](https://creativecommons.org/licenses/by/4.0/).
  LitBank is by David Bamman and colleagues; this folder is an adaptation of it (the
  changes are listed under Conversion below) and is shared under the same license.
- Cite LitBank and the quotation annotations:
  - David Bamman, Sejal Popat and Sheng Shen (2019), "An Annotated Dataset of Literary
    Entities", NAACL 2019.
  - Matthew Sims and David Bamman (2020), "Measuring Information Propagation in Literary
    Social Networks", EMNLP 2020. <https://arxiv.org/abs/2004.13980>

```bibtex
@inproceedings{{bamman2019annotated,
  title     = {{An Annotated Dataset of Literary Entities}},
  author    = {{Bamman, David and Popat, Sejal and Shen, Sheng}},
  booktitle = {{Proceedings of NAACL-HLT 2019}},
  year      = {{2019}}
}}
@inproceedings{{sims2020measuring,
  title     = {{Measuring Information Propagation in Literary Social Networks}},
  author    = {{Sims, Matthew and Bamman, David}},
  booktitle = {{Proceedings of EMNLP 2020}},
  year      = {{2020}}
}}
```

## How it was annotated

LitBank's quotation layer marks every instance of direct speech (dialogue in quotation
marks or set off by other typographical markers, such as dashes in *Ulysses*) and links
it to its speaker, an entity of LitBank's coreference layer. Strings in quotation marks
that are not speech (scare quotes, titles, mentions of a term) are not quotations.

## Counts

{counts}
## Conversion

- One article per LitBank text: the id is the file stem (`974_the_secret_agent_a_simple_tale_brat`),
  the text is LitBank's tokenized text as given (tokens joined by single spaces,
  sentences by newlines), not Gutenberg's typography: `“ Of course , we ’ll take over your furniture , mother , ”`.
  Texts whose annotation file has no quote are kept: a model that finds quotes there is wrong.
- `start`, `end`: from the sentence and token indices of each `QUOTE` line (its end token
  is inclusive; `end` here is exclusive, in code points). A quote spanning sentences
  keeps the newline between them. The quote includes the quotation marks LitBank's span
  includes; scoring ignores them.
- `speaker`: the `ATTRIB` speaker id without its `-N` entity number, underscores read as
  spaces, each one (`Winnie_Verloc-3` → `Winnie Verloc`). Some speakers are
  descriptions (`the saloon-keeper`), as LitBank names them.
- `type`: `direct`. LitBank gives no cue and no speaker mention offsets, so `cue`,
  `speaker_mention`, `speaker_start` and `speaker_end` are empty: score with
  `--speaker-match name` (the default) or `none`.
{cast}"#,
        tool = tool_name(),
        counts = counts_section(summary),
        cast = match aliases {
            None => String::new(),
            Some(n) => format!(
                "- `aliases.csv` ({n} rows): the cast, from LitBank's coreference layer \
                 (`coref/tsv`, same license): for each speaking entity, the text of its \
                 proper-name mentions (entity type `PER`, kind `PROP`) other than its name, \
                 each once, in the order they come. Built with `attr-eval import litbank \
                 litbank/quotations/tsv --coref litbank/coref/tsv --out DIR`.\n"
            ),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Column, Error};
    use crate::test_support::import_shared;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in files {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        dir
    }

    use crate::import::test_support::{field, gold};

    const TEXT: &str = "“ Café ? ” said Winnie .\n“ Yes . \nNo . ”\nShe left . “ Bye ! ”";

    #[test]
    fn converts_quotes_from_token_indices() {
        let ann = "QUOTE\tQ1\t0\t0\t0\t3\t“ Café ? ”\n\
                   ATTRIB\tQ1\tWinnie_Verloc-3\n\
                   QUOTE\tQ2\t1\t0\t2\t2\t“ Yes . No . ”\n\
                   ATTRIB\tQ2\tthe_saloon-keeper-74\n\
                   QUOTE\tQ3\t3\t3\t3\t6\t“ Bye ! ”\n";
        // Sentence 1 ends with a space before its newline: an empty token.
        let text = TEXT.replace("Yes . \n", "Yes .\n");
        let src = folder(&[
            ("1_x_brat.txt", &text),
            ("1_x_brat.ann", ann),
            ("2_empty.txt", "A .\n"),
            ("2_empty.ann", ""),
        ]);
        let out = src.path().join("out");
        let summary = import_litbank(src.path(), None, &out).unwrap();
        let rows = gold(&out);
        let got: Vec<(&str, &str, &str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    field(r, "quote"),
                    field(r, "speaker"),
                    field(r, "start"),
                    field(r, "end"),
                    field(r, "type"),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("“ Café ? ”", "Winnie Verloc", "0", "10", "direct"),
                ("“ Yes .\nNo . ”", "the saloon-keeper", "25", "39", "direct"),
                // The last token of a file without a final newline: the quote ends at
                // the very end of the text.
                ("“ Bye ! ”", "", "51", "60", "direct"),
            ]
        );
        assert_eq!(text.chars().count(), 60);
        assert_eq!(summary.documents, 2);
        assert_eq!(summary.rows.direct, 3);
        assert_eq!(summary.rows_without_speaker, 1);
        assert_eq!(summary.text_mismatches, 0);
        assert_eq!(
            std::fs::read_to_string(out.join("articles/2_empty.txt")).unwrap(),
            "A .\n"
        );
        let card = std::fs::read_to_string(out.join("DATASET.md")).unwrap();
        assert!(
            card.contains("CC BY 4.0") && card.contains("Sims"),
            "{card}"
        );
    }

    #[test]
    fn speaker_ids_lose_their_entity_number_only() {
        assert_eq!(speaker_name("Winnie_Verloc-3"), "Winnie Verloc");
        assert_eq!(speaker_name("The_Old_Sea-dog-0"), "The Old Sea-dog");
        assert_eq!(speaker_name("Sea-dog"), "Sea-dog");
        assert_eq!(speaker_name("narrator"), "narrator");
    }

    fn error_of(text: &str, ann: &str) -> (String, u64, Option<u64>, String) {
        let src = folder(&[("t.txt", text), ("t.ann", ann)]);
        match import_litbank(src.path(), None, &src.path().join("out")) {
            Err(Error::Input(e)) => {
                let column = match e.location.column {
                    Some(Column::Number(n)) => Some(n),
                    _ => None,
                };
                let file = e
                    .location
                    .file
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (file, e.location.line.unwrap(), column, e.message)
            }
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn malformed_lines_are_input_errors_with_line_and_column() {
        let text = "“ Hi , ” he said .\nOK .\n";
        let ok = "QUOTE\tQ1\t0\t0\t0\t3\t“ Hi , ”\n";
        let cases = [
            (
                format!("{ok}QUOTE\tQ2\t0\t0\n"),
                2,
                Some(1),
                "7 tab-separated",
            ),
            (
                format!("{ok}QUOTE\tQ2\t0\tx\t0\t3\tx\n"),
                2,
                Some(12),
                "not an index",
            ),
            (
                format!("{ok}QUOTE\tQ2\t9\t0\t9\t3\tx\n"),
                2,
                Some(10),
                "sentence 9",
            ),
            (
                format!("{ok}QUOTE\tQ2\t1\t0\t1\t7\tx\n"),
                2,
                Some(16),
                "token 7",
            ),
            (
                format!("{ok}QUOTE\tQ2\t1\t1\t1\t0\tx\n"),
                2,
                Some(14),
                "ends before",
            ),
            (
                format!("{ok}QUOTE\tQ1\t1\t0\t1\t1\tOK .\n"),
                2,
                Some(7),
                "already defined",
            ),
            (format!("{ok}ATTRIB\tQ1\n"), 2, Some(1), "3 tab-separated"),
            (
                format!("{ok}ATTRIB\tQ1\ta-1\nATTRIB\tQ1\tb-2\n"),
                3,
                Some(8),
                "already attributed",
            ),
            (
                format!("{ok}ATTRIB\tQ9\ta-1\n"),
                2,
                Some(8),
                "no QUOTE line",
            ),
            (
                format!("{ok}SPEAKER\tQ1\n"),
                2,
                Some(1),
                "unknown line type",
            ),
        ];
        for (ann, line, column, message) in cases {
            let (file, l, c, m) = error_of(text, &ann);
            assert_eq!(
                (file.as_str(), l, c),
                ("t.ann", line, column),
                "{ann:?}: {m}"
            );
            assert!(m.contains(message), "{ann:?}: {m}");
        }
        let (file, l, c, m) = error_of("“ Hi ,  ” he said .\n", ok);
        assert_eq!((file.as_str(), l, c), ("t.txt", 1, Some(8)), "{m}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever the quotation file holds, the import answers, never panics.
        #[test]
        fn any_quotation_file_gives_rows_or_an_input_error(
            ann in "((QUOTE|ATTRIB|X)?(\t[Q0-9a-z_é-]{0,3}){0,8}\n?){0,6}"
        ) {
            let src = folder(&[("t.txt", "“ Hi , ” he said .\nOK .\n"), ("t.ann", &ann)]);
            match import_litbank(src.path(), None, &src.path().join("out")) {
                Ok(_) | Err(Error::Input(_)) => {}
                Err(other) => proptest::prop_assert!(false, "{other}"),
            }
        }
    }

    fn shipped() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/litbank-quotes")
    }

    #[test]
    fn the_shipped_dataset_holds_every_quote_at_its_offsets() {
        let dir = shipped();
        let rows = gold(&dir);
        assert_eq!(rows.len(), 1765);
        let mut articles: HashMap<String, Article> = HashMap::new();
        for entry in std::fs::read_dir(dir.join("articles")).unwrap() {
            let path = entry.unwrap().path();
            let id = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            articles.insert(id.clone(), Article::new(id, text));
        }
        assert_eq!(articles.len(), 100);
        for row in &rows {
            let article = &articles[field(row, "article_id")];
            let span = Span::new(
                field(row, "start").parse().unwrap(),
                field(row, "end").parse().unwrap(),
            );
            assert_eq!(article.slice(span), Some(field(row, "quote")));
            assert_eq!(field(row, "type"), "direct");
            assert!(!field(row, "speaker").is_empty());
        }
    }

    fn coref() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/litbank/coref/tsv")
    }

    #[test]
    fn the_shipped_dataset_is_what_the_importer_makes() {
        let import = |src: &Path, out: &Path| import_litbank(src, Some(&coref()), out);
        let Some(imported) = import_shared("litbank/quotations/tsv", "litbank-quotes", import)
        else {
            return;
        };
        let (summary, out) = (imported.summary, &imported.dir);
        println!("{summary}");
        assert_eq!(summary.documents, 100);
        assert_eq!(summary.rows.total(), 1765);
        assert_eq!(summary.text_mismatches, 0);
        assert_eq!(summary.duplicates_dropped, 0);
        let shipped = shipped();
        for file in ["gold.csv", "DATASET.md", "aliases.csv"] {
            assert_eq!(
                std::fs::read_to_string(out.join(file)).unwrap(),
                std::fs::read_to_string(shipped.join(file)).unwrap(),
                "{file} differs from a fresh import"
            );
        }
        for entry in std::fs::read_dir(out.join("articles")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap();
            assert_eq!(
                std::fs::read(&path).unwrap(),
                std::fs::read(shipped.join("articles").join(name)).unwrap()
            );
        }
    }

    #[test]
    #[ignore = "writes datasets/litbank-quotes from ../shared/data/litbank"]
    fn regenerate_the_shipped_dataset() {
        let src =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/litbank/quotations/tsv");
        let shipped = shipped();
        if shipped.exists() {
            std::fs::remove_dir_all(&shipped).unwrap();
        }
        println!(
            "{}",
            import_litbank(&src, Some(&coref()), &shipped).unwrap()
        );
    }
}
