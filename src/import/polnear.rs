//! PolNeAR (Newell, Margolin & Ruths, LREC 2018): attribution relations in political
//! news, one brat standoff file per document and annotator.
//!
//! A split folder holds `text/<doc>.txt` and `attributions/<doc>_<annotator>.ann`. An
//! attribution is an event `E1 Attribution:T4 Content:T3 Cue:T2 Source:T1` over
//! text-bound spans `T3 Content 115 290;300 310 <text>` whose offsets count code points.

use super::{
    AnnotatorChoice, IdMaker, ImportSummary, QUOTATION_MARKS, SINGLE_QUOTES, SourceArticle,
    column_of, counts_section, dedupe, input, quote_type_of, read_text, sorted_files, tool_name,
    write_dataset,
};
use crate::attribution::{Attribution, Span};
use crate::dataset::Article;
use crate::error::{Error, Location, Result};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Converts a PolNeAR split folder (`text/`, `attributions/`) into a dataset at `out`.
pub fn import_polnear(src: &Path, out: &Path) -> Result<ImportSummary> {
    let text_dir = src.join("text");
    let ann_dir = src.join("attributions");
    if !text_dir.is_dir() || !ann_dir.is_dir() {
        return Err(input(
            Location::file(src),
            "not a PolNeAR split folder: expected `text/` and `attributions/` in it",
        ));
    }
    let texts: BTreeMap<String, PathBuf> =
        with_extension(sorted_files(&text_dir)?, "txt").collect();
    let mut annotations: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for (stem, path) in with_extension(sorted_files(&ann_dir)?, "ann") {
        annotations
            .entry(document_of(&stem, &texts))
            .or_default()
            .push(path);
    }

    let mut summary = ImportSummary::new("PolNeAR", src, out);
    let mut ids = IdMaker::default();
    let (mut articles, mut rows) = (Vec::new(), Vec::new());
    for (stem, text_path) in &texts {
        // Files come sorted, so the first is the first annotator in sorted order: the
        // public loader picks one at random, a harness must be reproducible.
        let Some(files) = annotations.remove(stem) else {
            summary.unannotated_texts.push(text_path.clone());
            continue;
        };
        let raw = read_text(text_path)?;
        let id = ids.make(stem, text_path)?;
        if files.len() > 1 {
            summary.annotator_choices.push(AnnotatorChoice {
                article_id: id.clone(),
                taken: file_name(&files[0]),
                left_out: files[1..].iter().map(|f| file_name(f)).collect(),
            });
        }
        // brat counts a byte order mark as a character; the article drops it.
        let shift = usize::from(raw.starts_with('\u{feff}'));
        let article = Article::new(id, raw);
        let ann_path = &files[0];
        let content = read_text(ann_path)?;
        let parsed = parse_ann(ann_path, &content, &article, shift, text_path)?;
        summary.text_mismatches += parsed.text_mismatches;
        rows.extend(convert(&parsed, &article, ann_path, &mut summary)?);
        articles.push(SourceArticle {
            article,
            origin: ann_path.clone(),
        });
    }
    summary.orphan_annotations = annotations.into_values().flatten().collect();
    if articles.is_empty() {
        return Err(input(
            Location::file(&text_dir),
            "no text file with an annotation file in `attributions/`: nothing to import",
        ));
    }
    let rows = dedupe(rows, &mut summary);
    let with_single: Vec<char> = QUOTATION_MARKS
        .iter()
        .chain(&SINGLE_QUOTES)
        .copied()
        .collect();
    summary.type_changes_with_single_quotes = Some(
        rows.iter()
            .filter(|row| Some(quote_type_of(&row.quote, &with_single)) != row.quote_type)
            .count(),
    );
    summary.renamed_ids = std::mem::take(&mut ids.renamed);
    let split = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| src.display().to_string());
    write_dataset(out, &articles, rows, |s| card(&split, s), &mut summary)?;
    Ok(summary)
}

fn with_extension(
    files: Vec<PathBuf>,
    extension: &'static str,
) -> impl Iterator<Item = (String, PathBuf)> {
    files.into_iter().filter_map(move |path| {
        if path.extension()? != extension {
            return None;
        }
        let stem = path.file_stem()?.to_string_lossy().into_owned();
        Some((stem, path))
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The document of `<doc>_<annotator>.ann`; a file named after its text alone belongs to
/// that text.
fn document_of(ann_stem: &str, texts: &BTreeMap<String, PathBuf>) -> String {
    match ann_stem.rsplit_once('_') {
        Some((doc, _)) if texts.contains_key(doc) || !texts.contains_key(ann_stem) => {
            doc.to_string()
        }
        _ => ann_stem.to_string(),
    }
}

/// A `T` line: a labelled span, discontinuous when it has several fragments.
struct TextBound {
    fragments: Vec<Span>,
}

struct EventArg {
    role: String,
    target: String,
    column: u64,
}

/// An `E` line: the trigger's label and the role arguments.
struct Event {
    label: String,
    line: u64,
    args: Vec<EventArg>,
}

struct Annotations {
    spans: HashMap<String, TextBound>,
    events: Vec<Event>,
    text_mismatches: usize,
}

fn parse_ann(
    path: &Path,
    content: &str,
    article: &Article,
    shift: usize,
    text_path: &Path,
) -> Result<Annotations> {
    let lines: Vec<&str> = content.split('\n').collect();
    let mut parsed = Annotations {
        spans: HashMap::new(),
        events: Vec::new(),
        text_mismatches: 0,
    };
    let mut event_ids = HashSet::new();
    let mut i = 0;
    while i < lines.len() {
        let number = i as u64 + 1;
        let line = lines[i].strip_suffix('\r').unwrap_or(lines[i]);
        i += 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |column: u64, message: String| {
            input(Location::numbered_column(path, number, column), message)
        };
        let at_field = |field: &str, message: String| at(column_of(line, field), message);
        let Some((id, rest)) = line.split_once('\t') else {
            return Err(at(
                1,
                "expected an annotation id and a tab (`T1\\tContent 0 5\\ttext`)".into(),
            ));
        };
        let kind = id.chars().next().unwrap_or(' ');
        let valid_id = id.len() > 1 && id.bytes().skip(1).all(|b| b.is_ascii_digit());
        match kind {
            'T' | 'E' if !valid_id => {
                return Err(at(
                    1,
                    format!("`{id}` is not an annotation id like T1 or E1"),
                ));
            }
            'T' => {
                let (middle, text_field) = split_field(
                    rest,
                    '\t',
                    "`Label start end`, a tab and the span's text",
                    &at_field,
                )?;
                let (_label, ranges) = split_field(middle, ' ', "a label and offsets", &at_field)?;
                let mut fragments = Vec::new();
                for range in ranges.split(';') {
                    let numbers: Vec<&str> = range.split(' ').collect();
                    let [start, end] = numbers[..] else {
                        return Err(at_field(
                            range,
                            format!("expected `start end`, found `{range}`"),
                        ));
                    };
                    let offset = |number: &str| {
                        number
                            .parse::<usize>()
                            .map_err(|_| at_field(number, format!("`{number}` is not an offset")))
                    };
                    let (start_at, end_at) = (column_of(line, start), column_of(line, end));
                    let (start, end) = (offset(start)?, offset(end)?);
                    if start > end {
                        return Err(at(start_at, format!("reversed span {start} {end}")));
                    }
                    if start < shift {
                        return Err(at(
                            start_at,
                            "the span covers the byte order mark, which is not text".into(),
                        ));
                    }
                    let span = Span::new(start - shift, end - shift);
                    if span.end > article.char_len() {
                        return Err(at(
                            end_at,
                            format!(
                                "offset {end} is past the end of {} ({} code points)",
                                text_path.display(),
                                article.char_len() + shift
                            ),
                        ));
                    }
                    fragments.push(span);
                }
                // brat writes the span's text after the offsets, fragments joined by a
                // space; a text with line breaks continues on the next lines.
                let expected = span_text(article, &fragments);
                let breaks = expected.matches('\n').count();
                if i + breaks > lines.len() {
                    let message = "the span's text runs past the end of the file";
                    return Err(at_field(text_field, message.into()));
                }
                let mut field = text_field.to_string();
                for continued in &lines[i..i + breaks] {
                    field.push('\n');
                    field.push_str(continued);
                }
                i += breaks;
                if field.replace('\r', "") != expected.replace('\r', "") {
                    parsed.text_mismatches += 1;
                }
                if parsed
                    .spans
                    .insert(id.to_string(), TextBound { fragments })
                    .is_some()
                {
                    return Err(at(1, format!("`{id}` is defined twice")));
                }
            }
            'E' => {
                let mut parts = rest
                    .split(|c: char| c.is_whitespace())
                    .filter(|p| !p.is_empty());
                let trigger = parts
                    .next()
                    .ok_or_else(|| at_field(rest, "an event without a trigger".into()))?;
                let (label, _) = split_field(trigger, ':', "`Type:T1` as the trigger", &at_field)?;
                let mut args = Vec::new();
                for part in parts {
                    let (role, target) = split_field(part, ':', "`Role:T1`", &at_field)?;
                    args.push(EventArg {
                        role: role.to_string(),
                        target: target.to_string(),
                        column: column_of(line, part),
                    });
                }
                if !event_ids.insert(id) {
                    return Err(at(1, format!("`{id}` is defined twice")));
                }
                parsed.events.push(Event {
                    label: label.to_string(),
                    line: number,
                    args,
                });
            }
            // Relations, attributes and normalizations carry nothing PolNeAR uses.
            'R' | 'A' | 'M' | 'N' | '*' => {}
            _ => {
                return Err(at(
                    1,
                    format!("unknown annotation `{id}`: expected T, E, R, A, M, N, * or # lines"),
                ));
            }
        }
    }
    Ok(parsed)
}

/// `field` split at its first `separator`, or the error at the field: what was expected
/// and what was found.
fn split_field<'a>(
    field: &'a str,
    separator: char,
    expected: &str,
    at_field: &dyn Fn(&str, String) -> Error,
) -> Result<(&'a str, &'a str)> {
    field
        .split_once(separator)
        .ok_or_else(|| at_field(field, format!("expected {expected}, found `{field}`")))
}

fn span_text(article: &Article, fragments: &[Span]) -> String {
    fragments
        .iter()
        .map(|&f| article.slice(f).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rows of one document's attribution events (the rules of issue 3).
fn convert(
    parsed: &Annotations,
    article: &Article,
    path: &Path,
    summary: &mut ImportSummary,
) -> Result<Vec<Attribution>> {
    let mut rows = Vec::new();
    for event in &parsed.events {
        if event.label != "Attribution" && event.label != "Attribution-no-source" {
            summary.other_events += 1;
            continue;
        }
        let mut contents = Vec::new();
        let mut sources = Vec::new();
        let mut cues = Vec::new();
        for arg in &event.args {
            let Some(span) = parsed.spans.get(&arg.target) else {
                return Err(input(
                    Location::numbered_column(path, event.line, arg.column),
                    format!(
                        "`{}:{}` refers to `{}`, which no T line of this file defines",
                        arg.role, arg.target, arg.target
                    ),
                ));
            };
            // brat numbers repeated roles: Content, Content2, Content3...
            match arg.role.trim_end_matches(|c: char| c.is_ascii_digit()) {
                "Content" => contents.push(span),
                "Source" => sources.push(span),
                "Cue" => cues.push(span),
                _ => {}
            }
        }
        if contents.is_empty() {
            summary.events_without_content += 1;
            continue;
        }
        // The Source argument decides, not the event type: one dev event is typed
        // Attribution-no-source yet names its Source.
        let mention =
            sources
                .iter()
                .flat_map(|s| &s.fragments)
                .fold(None, |cover: Option<Span>, f| {
                    Some(match cover {
                        None => *f,
                        Some(c) => Span::new(c.start.min(f.start), c.end.max(f.end)),
                    })
                });
        let speaker_mention = mention.map(|m| article.slice(m).unwrap_or_default().to_string());
        let cue = cues
            .iter()
            .map(|c| span_text(article, &c.fragments))
            .collect::<Vec<_>>()
            .join(" ");
        for content in contents {
            for &fragment in &content.fragments {
                let part = article.slice(fragment).unwrap_or_default();
                let after_lead = part.trim_start();
                let lead = part.chars().count() - after_lead.chars().count();
                let quote = after_lead.trim_end();
                let trail = after_lead.chars().count() - quote.chars().count();
                if quote.is_empty() {
                    summary.empty_parts += 1;
                    continue;
                }
                rows.push(Attribution {
                    article_id: article.id.clone(),
                    quote: quote.to_string(),
                    speaker: speaker_mention.clone().unwrap_or_default(),
                    quote_span: Some(Span::new(fragment.start + lead, fragment.end - trail)),
                    quote_type: Some(quote_type_of(quote, &QUOTATION_MARKS)),
                    cue: (!cue.is_empty()).then(|| cue.clone()),
                    speaker_mention: speaker_mention.clone(),
                    mention_span: mention,
                    confidence: None,
                    mention_type: None,
                });
            }
        }
    }
    Ok(rows)
}

fn card(split: &str, summary: &ImportSummary) -> String {
    let mut card = format!(
        "# PolNeAR `{split}`\n\n\
         Attribution relations in political news articles (2016 US presidential campaign),\n\
         converted from the PolNeAR split folder `{split}` by `attr-eval import polnear` ({tool}).\n\n\
         - Source: PolNeAR, Edward Newell, Drew Margolin and Derek Ruths, \"An Attribution\n  \
         Relations Corpus for Political News\", LREC 2018.\n  \
         <https://github.com/networkdynamics/PolNeAR>\n\
         - License: unknown; the articles belong to their publishers. Do not commit or\n  \
         redistribute this folder.\n\n\
         ## Counts\n\n{counts}\n\
         ## Conversion\n\n\
         - One article per `text/<doc>.txt`, stored unchanged; offsets are PolNeAR's own\n  \
         (code points). A text without any annotation file is left out.\n\
         - When several annotators annotated a document (`attributions/<doc>_<annotator>.ann`),\n  \
         the first file in sorted order is taken (the public loader picks one at random).\n\
         - Every `Attribution` or `Attribution-no-source` event with a Content becomes rows,\n  \
         one per Content fragment (a discontinuous Content gives several rows), each\n  \
         trimmed of surrounding whitespace; whitespace-only fragments are dropped.\n\
         - `speaker` and `speaker_mention`: the Source text with its offsets (the covering\n  \
         span of a discontinuous or repeated Source), untrimmed; no Source argument gives\n  \
         an empty speaker and no mention offsets.\n\
         - `cue`: the Cue text (fragments joined by a space, as brat writes them).\n\
         - `type`: `direct` when the quote starts and ends with a double quotation mark\n  \
         (`\"` `“` `”` `„` `‟` `«` `»`), `mixed` when it holds one elsewhere, else\n  \
         `indirect`. Single quotes and apostrophes do not count ({changes} rows would change\n  \
         type if they did).\n\
         - Discuss and Discard spans are not attributions; exact duplicate rows are written\n  \
         once.\n",
        tool = tool_name(),
        counts = counts_section(summary),
        changes = summary.type_changes_with_single_quotes.unwrap_or(0),
    );
    if !summary.annotator_choices.is_empty() {
        card.push_str(&format!(
            "\n## Annotator choices\n\n{} documents have several annotator files:\n\n",
            summary.annotator_choices.len()
        ));
        for choice in &summary.annotator_choices {
            card.push_str(&format!(
                "- `{}`: took `{}`, left out {}\n",
                choice.article_id,
                choice.taken,
                choice
                    .left_out
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if !summary.renamed_ids.is_empty() {
        card.push_str("\n## Renamed articles\n\nArticle ids keep only `[A-Za-z0-9._-]`; other characters became `_`:\n\n");
        for renamed in &summary.renamed_ids {
            card.push_str(&format!(
                "- `{}` → `{}`\n",
                renamed.original, renamed.article_id
            ));
        }
    }
    card
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::QuoteType;
    use crate::error::{Column, Error};
    use crate::test_support::import_shared;

    /// A split folder with the given texts and annotation files.
    fn split(texts: &[(&str, &str)], anns: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("text")).unwrap();
        std::fs::create_dir(dir.path().join("attributions")).unwrap();
        for (name, text) in texts {
            std::fs::write(dir.path().join("text").join(name), text).unwrap();
        }
        for (name, ann) in anns {
            std::fs::write(dir.path().join("attributions").join(name), ann).unwrap();
        }
        dir
    }

    use crate::import::test_support::{field, gold};

    // Code points: "é" and "’" are 2 and 3 bytes, which offsets must not count.
    const TEXT: &str = "Café owner Ann said “We’re open.” Critics argued that the café is \
                        “a scandal” and, they added, too small. Discuss this.";

    fn offsets(needle: &str) -> (usize, usize) {
        let byte = TEXT.find(needle).unwrap();
        let start = TEXT[..byte].chars().count();
        (start, start + needle.chars().count())
    }

    fn t(id: &str, label: &str, fragments: &[&str]) -> String {
        let ranges: Vec<String> = fragments
            .iter()
            .map(|f| {
                let (s, e) = offsets(f);
                format!("{s} {e}")
            })
            .collect();
        format!(
            "{id}\t{label} {}\t{}\n",
            ranges.join(";"),
            fragments.join(" ")
        )
    }

    fn ann() -> String {
        [
            t("T1", "Source", &["Café owner Ann"]),
            t("T2", "Cue", &["said"]),
            // Content with its surrounding spaces, trimmed by the importer.
            t("T3", "Content", &[" “We’re open.” "]),
            t("T4", "Attribution", &["said"]),
            "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n".to_string(),
            t("T5", "Source", &["Critics"]),
            t("T6", "Cue", &["argued"]),
            // Discontinuous: two parts, two rows.
            t(
                "T7",
                "Content",
                &["that the café is “a scandal”", "too small"],
            ),
            t("T8", "Attribution", &["argued"]),
            "E2\tAttribution:T8 Source:T5 Cue:T6 Content:T7\n".to_string(),
            // The same attribution annotated twice: written once.
            t("T9", "Attribution", &["argued"]),
            "E3\tAttribution:T9 Source:T5 Cue:T6 Content:T7\n".to_string(),
            t("T10", "Cue", &["they added"]),
            t("T11", "Attribution-no-source", &["they added"]),
            t("T12", "Content", &["too small."]),
            "E4\tAttribution-no-source:T11 Cue:T10 Content:T12 \n".to_string(),
            // No Content: nothing to quote.
            t("T13", "Attribution-no-source", &["said"]),
            "E5\tAttribution-no-source:T13\n".to_string(),
            // Discuss spans are not attributions; the last one ends at the end of the text.
            t("T14", "Discuss", &["Discuss this."]),
            t("T15", "Content", &["this."]),
            "#1\tAnnotatorNotes T14\tunsure\n".to_string(),
            t("T16", "Attribution", &["Discuss"]),
            "E6\tAttribution:T16 Content:T15\n".to_string(),
        ]
        .concat()
    }

    #[test]
    fn converts_events_by_the_rules() {
        let src = split(&[("doc-1.txt", TEXT)], &[("doc-1_aaaa.ann", &ann())]);
        let out = src.path().join("out");
        let summary = import_polnear(src.path(), &out).unwrap();
        let rows = gold(&out);
        let quotes: Vec<(&str, &str, &str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    field(r, "quote"),
                    field(r, "speaker"),
                    field(r, "type"),
                    field(r, "cue"),
                    field(r, "speaker_start"),
                )
            })
            .collect();
        assert_eq!(
            quotes,
            [
                ("“We’re open.”", "Café owner Ann", "direct", "said", "0"),
                (
                    "that the café is “a scandal”",
                    "Critics",
                    "mixed",
                    "argued",
                    "34"
                ),
                ("too small", "Critics", "indirect", "argued", "34"),
                ("too small.", "", "indirect", "they added", ""),
                ("this.", "", "indirect", "", ""),
            ]
        );
        let article = Article::new("doc-1", TEXT);
        for row in &rows {
            let span = Span::new(
                field(row, "start").parse().unwrap(),
                field(row, "end").parse().unwrap(),
            );
            assert_eq!(article.slice(span), Some(field(row, "quote")));
        }
        assert_eq!(
            field(&rows[0], "start"),
            offsets("“We’re open.”").0.to_string()
        );
        assert_eq!(summary.duplicates_dropped, 2);
        assert_eq!(summary.events_without_content, 1);
        assert_eq!(summary.rows.total(), 5);
        assert_eq!(
            (
                summary.rows.direct,
                summary.rows.indirect,
                summary.rows.mixed
            ),
            (1, 3, 1)
        );
        assert_eq!(summary.rows_without_speaker, 2);
        assert_eq!(summary.text_mismatches, 0);
        // "We’re" holds an apostrophe: with single quotes counted it would not change
        // (still direct), but nothing else has one either.
        assert_eq!(summary.type_changes_with_single_quotes, Some(0));
        assert_eq!(
            std::fs::read_to_string(out.join("articles/doc-1.txt")).unwrap(),
            TEXT
        );
        let card = std::fs::read_to_string(out.join("DATASET.md")).unwrap();
        assert!(card.contains("networkdynamics/PolNeAR"), "{card}");
    }

    #[test]
    fn a_span_text_with_line_breaks_continues_on_the_next_lines() {
        let text = "He said: \"one\n\ntwo\" and left.";
        let ann = "T1\tContent 9 19\t\"one\n\ntwo\"\nT2\tSource 0 2\tHe\nT3\tCue 3 7\tsaid\n\
                   E1\tAttribution:T3 Source:T2 Cue:T3 Content:T1\n";
        let src = split(&[("d.txt", text)], &[("d_x.ann", ann)]);
        let out = src.path().join("out");
        let summary = import_polnear(src.path(), &out).unwrap();
        let rows = gold(&out);
        assert_eq!(rows.len(), 1);
        assert_eq!(field(&rows[0], "quote"), "\"one\n\ntwo\"");
        assert_eq!(field(&rows[0], "type"), "direct");
        assert_eq!(summary.text_mismatches, 0);
    }

    #[test]
    fn takes_the_first_annotator_in_sorted_order() {
        let text = "Bo said yes. Al said no.";
        let bo = "T1\tSource 0 2\tBo\nT2\tCue 3 7\tsaid\nT3\tContent 8 11\tyes\nE1\tAttribution:T2 Source:T1 Cue:T2 Content:T3\n";
        let al = "T1\tSource 13 15\tAl\nT2\tCue 16 20\tsaid\nT3\tContent 21 23\tno\nE1\tAttribution:T2 Source:T1 Cue:T2 Content:T3\n";
        let src = split(
            &[("d.txt", text), ("e.txt", text)],
            &[
                ("d_b2.ann", al),
                ("d_a1.ann", bo),
                ("d_c3.ann", al),
                ("e_zz.ann", al),
            ],
        );
        let out = src.path().join("out");
        let summary = import_polnear(src.path(), &out).unwrap();
        let rows = gold(&out);
        let speakers: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (field(r, "article_id"), field(r, "speaker")))
            .collect();
        assert_eq!(speakers, [("d", "Bo"), ("e", "Al")]);
        assert_eq!(
            summary.annotator_choices,
            [AnnotatorChoice {
                article_id: "d".into(),
                taken: "d_a1.ann".into(),
                left_out: vec!["d_b2.ann".into(), "d_c3.ann".into()],
            }]
        );
        assert!(summary.to_string().contains("took d_a1.ann"), "{summary}");
    }

    #[test]
    fn unannotated_texts_and_orphan_files_are_reported() {
        let ann = "T1\tContent 0 3\tyes\nT2\tCue 4 8\tsaid\nE1\tAttribution-no-source:T2 Cue:T2 Content:T1\n";
        let src = split(
            &[("a.txt", "yes said"), ("b.txt", "nothing")],
            &[("a_1.ann", ann), ("zzz_1.ann", ann)],
        );
        let out = src.path().join("out");
        let summary = import_polnear(src.path(), &out).unwrap();
        assert_eq!(summary.documents, 1);
        assert_eq!(summary.unannotated_texts.len(), 1);
        assert_eq!(summary.orphan_annotations.len(), 1);
        assert!(!out.join("articles/b.txt").exists());
    }

    fn error_of(ann: &str) -> (u64, Option<u64>, String) {
        let src = split(&[("d.txt", "Héllo said the man.")], &[("d_x.ann", ann)]);
        match import_polnear(src.path(), &src.path().join("out")) {
            Err(Error::Input(e)) => {
                assert!(e.location.file.ends_with("d_x.ann"), "{e}");
                let column = match e.location.column {
                    Some(Column::Number(n)) => Some(n),
                    _ => None,
                };
                (e.location.line.unwrap(), column, e.message)
            }
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn malformed_lines_are_input_errors_with_line_and_column() {
        let ok = "T1\tSource 0 5\tHéllo\n";
        let cases = [
            (format!("{ok}garbage line\n"), 2, Some(1), "annotation id"),
            (
                format!("{ok}T2\tContent 0 x\tHéllo\n"),
                2,
                Some(14),
                "not an offset",
            ),
            (format!("{ok}T2\tContent 5 0\tx\n"), 2, Some(12), "reversed"),
            (
                format!("{ok}T2\tContent 0 99\tx\n"),
                2,
                Some(14),
                "past the end",
            ),
            (
                format!("{ok}T2\tContent 0 1 2\tx\n"),
                2,
                Some(12),
                "start end",
            ),
            (format!("{ok}T2\tContent 0 5\n"), 2, Some(4), "tab"),
            (format!("{ok}T1\tCue 6 10\tsaid\n"), 2, Some(1), "twice"),
            (
                format!("{ok}E1\tAttribution:T1 Content\n"),
                2,
                Some(19),
                "Role:T1",
            ),
            (
                format!("{ok}E1\tAttribution:T1 Content:T9\n"),
                2,
                Some(19),
                "T9",
            ),
            (format!("{ok}Q1\tfoo\n"), 2, Some(1), "unknown annotation"),
            (
                format!("{ok}Tx\tContent 0 1\tH\n"),
                2,
                Some(1),
                "annotation id",
            ),
        ];
        for (ann, line, column, message) in cases {
            let (l, c, m) = error_of(&ann);
            assert_eq!((l, c), (line, column), "{ann:?}: {m}");
            assert!(m.contains(message), "{ann:?}: {m}");
        }
    }

    #[test]
    fn an_offset_at_the_very_end_of_the_text_is_valid() {
        let text = "Mo said “go”";
        let ann = "T1\tSource 0 2\tMo\nT2\tCue 3 7\tsaid\nT3\tContent 8 12\t“go”\nE1\tAttribution:T2 Source:T1 Cue:T2 Content:T3\n";
        let src = split(&[("d.txt", text)], &[("d_x.ann", ann)]);
        let out = src.path().join("out");
        import_polnear(src.path(), &out).unwrap();
        let rows = gold(&out);
        assert_eq!(
            (
                field(&rows[0], "quote"),
                field(&rows[0], "end"),
                field(&rows[0], "type")
            ),
            ("“go”", "12", "direct")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever the annotation file holds, the import answers, never panics.
        #[test]
        fn any_annotation_file_gives_rows_or_an_input_error(
            ann in "([TEAR#é]{0,2}[0-9]{0,2}[\t ]{0,2}(Content|Source|Cue|Attribution)?[:; \t0-9T-]{0,12}é?\n?){0,6}"
        ) {
            let src = split(&[("d.txt", "Héllo said the man.")], &[("d_x.ann", &ann)]);
            match import_polnear(src.path(), &src.path().join("out")) {
                Ok(_) | Err(Error::Input(_)) => {}
                Err(other) => proptest::prop_assert!(false, "{other}"),
            }
        }
    }

    /// Every row of an imported dataset against its article, read back from disk.
    fn check_rows_match_text(out: &Path) -> Vec<csv::StringRecord> {
        let rows = gold(out);
        let mut articles: HashMap<String, Article> = HashMap::new();
        for row in &rows {
            let id = field(row, "article_id").to_string();
            let article = articles.entry(id.clone()).or_insert_with(|| {
                let text = std::fs::read_to_string(out.join(format!("articles/{id}.txt"))).unwrap();
                Article::new(id.clone(), text)
            });
            let span = |s: &str, e: &str| {
                Span::new(
                    field(row, s).parse().unwrap(),
                    field(row, e).parse().unwrap(),
                )
            };
            assert!(!field(row, "quote").is_empty());
            assert_eq!(
                article.slice(span("start", "end")),
                Some(field(row, "quote"))
            );
            assert!(field(row, "type").parse::<QuoteType>().is_ok());
            if !field(row, "speaker_start").is_empty() {
                let mention = article.slice(span("speaker_start", "speaker_end"));
                assert_eq!(mention, Some(field(row, "speaker_mention")));
                assert_eq!(mention, Some(field(row, "speaker")));
            } else {
                assert_eq!(field(row, "speaker"), "");
            }
        }
        rows
    }

    /// What importing one PolNeAR split must give.
    struct SplitFigures {
        documents: usize,
        direct: usize,
        indirect: usize,
        mixed: usize,
        rows_without_speaker: usize,
        annotator_choices: usize,
        events_without_content: usize,
        type_changes_with_single_quotes: usize,
    }

    fn check_split_import(split: &str, expected: SplitFigures) {
        let name = format!("polnear-{split}");
        let Some(imported) = import_shared(&format!("polnear/{split}"), &name, import_polnear)
        else {
            return;
        };
        let (summary, out) = (imported.summary, &imported.dir);
        println!("{summary}");
        let rows = check_rows_match_text(out);
        assert_eq!(rows.len(), summary.rows.total());
        assert_eq!(summary.documents, expected.documents);
        assert_eq!(
            std::fs::read_dir(out.join("articles")).unwrap().count(),
            expected.documents
        );
        assert_eq!(summary.rows.direct, expected.direct);
        assert_eq!(summary.rows.indirect, expected.indirect);
        assert_eq!(summary.rows.mixed, expected.mixed);
        assert_eq!(summary.rows_without_speaker, expected.rows_without_speaker);
        assert_eq!(summary.duplicates_dropped, 0);
        assert_eq!(summary.annotator_choices.len(), expected.annotator_choices);
        assert_eq!(
            summary.events_without_content,
            expected.events_without_content
        );
        assert_eq!(summary.text_mismatches, 0);
        assert_eq!(
            summary.type_changes_with_single_quotes,
            Some(expected.type_changes_with_single_quotes)
        );
    }

    #[test]
    fn imports_the_polnear_dev_split() {
        check_split_import(
            "dev",
            SplitFigures {
                documents: 84,
                direct: 503,
                indirect: 1741,
                mixed: 271,
                rows_without_speaker: 174,
                annotator_choices: 2,
                events_without_content: 1,
                type_changes_with_single_quotes: 403,
            },
        );
    }

    #[test]
    fn imports_the_polnear_train_split() {
        check_split_import(
            "train",
            SplitFigures {
                documents: 840,
                direct: 4259,
                indirect: 16632,
                mixed: 2398,
                rows_without_speaker: 2032,
                annotator_choices: 16,
                events_without_content: 36,
                type_changes_with_single_quotes: 4225,
            },
        );
    }
}
