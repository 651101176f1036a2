//! A saved run read article by article, without its models: what `show --run` prints
//! and what `compare --articles` lists.
//!
//! Each line of `articles.jsonl` holds every outcome with the gold and predicted rows
//! themselves, so the alignment is read, never recomputed (a `cmd:` model's program may
//! be gone). A line's counts are checked against its outcomes, so an edited or cut file
//! is reported rather than shown wrong. The article text is not in the folder: it comes
//! from the dataset the record names, accepted only when its fingerprint is the run's.

use super::{ArticleLine, DatasetRecord, LoadedRun, SpeakersArticleLine};
use crate::attribution::Attribution;
use crate::dataset::Dataset;
use crate::error::{Error, InputError, Location, Result};
use crate::scoring::{Counts, OutcomeKind, Scheme};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// One row of an article's alignment: a gold row and the prediction paired with it, or
/// one of them alone (MIS, SPU).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlignedRow<'a> {
    pub kind: OutcomeKind,
    pub gold: Option<&'a Attribution>,
    pub pred: Option<&'a Attribution>,
    pub sim: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
enum Line<'a> {
    Extract(&'a ArticleLine),
    Speakers(&'a SpeakersArticleLine),
}

/// One model × dataset × article of a saved run.
#[derive(Debug, Clone, Copy)]
pub struct SavedArticle<'a> {
    line: Line<'a>,
    /// 1-based line in `articles.jsonl`, for messages.
    line_number: usize,
}

impl<'a> SavedArticle<'a> {
    /// An extract line read on its own (by a caller streaming `articles.jsonl`, as
    /// `report.html` does); `line_number` is 1-based.
    pub fn of_extract(line: &'a ArticleLine, line_number: usize) -> Self {
        SavedArticle {
            line: Line::Extract(line),
            line_number,
        }
    }

    /// As [`SavedArticle::of_extract`], for a speakers line.
    pub fn of_speakers(line: &'a SpeakersArticleLine, line_number: usize) -> Self {
        SavedArticle {
            line: Line::Speakers(line),
            line_number,
        }
    }

    pub fn model(&self) -> &'a str {
        match self.line {
            Line::Extract(l) => &l.model,
            Line::Speakers(l) => &l.model,
        }
    }

    pub fn dataset(&self) -> &'a str {
        match self.line {
            Line::Extract(l) => &l.dataset,
            Line::Speakers(l) => &l.dataset,
        }
    }

    pub fn article_id(&self) -> &'a str {
        match self.line {
            Line::Extract(l) => &l.article_id,
            Line::Speakers(l) => &l.article_id,
        }
    }

    /// The model's failure on this article, if it failed (it then predicted nothing).
    pub fn error(&self) -> Option<&'a str> {
        match self.line {
            Line::Extract(l) => l.error.as_deref(),
            Line::Speakers(l) => l.error.as_deref(),
        }
    }

    /// Whether the line is of the speakers task, where quotes are given and schemes do
    /// not apply.
    pub fn is_speakers(&self) -> bool {
        matches!(self.line, Line::Speakers(_))
    }

    /// The counts under `scheme`. In the speakers task (one outcome per given quote,
    /// whatever the scheme) answered quotes are the predictions and unmatched answers
    /// the spurious ones.
    pub fn counts(&self, scheme: Scheme) -> Counts {
        match self.line {
            Line::Extract(l) => l.schemes.get(scheme).counts,
            Line::Speakers(l) => {
                let c = l.counts;
                Counts {
                    gold: c.gold,
                    pred: c.cor + c.inc + c.unmatched_answers,
                    cor: c.cor,
                    inc: c.inc,
                    mis: c.mis,
                    spu: c.unmatched_answers,
                }
            }
        }
    }

    /// The alignment under `scheme`, in the order the run recorded it; in the speakers
    /// task unmatched answers come last as SPU.
    pub fn rows(&self, scheme: Scheme) -> Vec<AlignedRow<'a>> {
        match self.line {
            Line::Extract(l) => l
                .schemes
                .get(scheme)
                .outcomes
                .iter()
                .map(|o| AlignedRow {
                    kind: o.kind,
                    gold: o.gold.as_ref(),
                    pred: o.pred.as_ref(),
                    sim: o.sim,
                })
                .collect(),
            Line::Speakers(l) => l
                .outcomes
                .iter()
                .map(|o| AlignedRow {
                    kind: o.kind,
                    gold: Some(&o.gold),
                    pred: o.answer.as_ref(),
                    sim: None,
                })
                .chain(l.unmatched.iter().map(|row| AlignedRow {
                    kind: OutcomeKind::Spu,
                    gold: None,
                    pred: Some(row),
                    sim: None,
                }))
                .collect(),
        }
    }

    /// Predictions the type filter left out of the counts under `scheme`.
    pub fn ignored(&self, scheme: Scheme) -> &'a [Attribution] {
        match self.line {
            Line::Extract(l) => &l.schemes.get(scheme).ignored,
            Line::Speakers(_) => &[],
        }
    }

    /// Checks that the outcomes add up to the counts the line states, under every
    /// scheme: a line that does not was edited or cut, and showing it would mislead.
    pub fn check(&self, run: &LoadedRun) -> Result<()> {
        let schemes: &[Scheme] = if self.is_speakers() {
            &[Scheme::Overlap]
        } else {
            &Scheme::ALL
        };
        for &scheme in schemes {
            let rows = self.rows(scheme);
            let of = |kind: OutcomeKind| rows.iter().filter(|r| r.kind == kind).count() as u64;
            let counts = self.counts(scheme);
            let found = Counts {
                gold: rows.iter().filter(|r| r.gold.is_some()).count() as u64,
                pred: if self.is_speakers() {
                    rows.iter().filter(|r| r.pred.is_some()).count() as u64
                } else {
                    of(OutcomeKind::Cor) + of(OutcomeKind::Inc) + of(OutcomeKind::Spu)
                },
                cor: of(OutcomeKind::Cor),
                inc: of(OutcomeKind::Inc),
                mis: of(OutcomeKind::Mis),
                spu: of(OutcomeKind::Spu),
            };
            let agrees = if self.is_speakers() {
                // A speakers line's counts hold no predictions; its answered MIS
                // (an answer naming no speaker) has a row but no count.
                (found.gold, found.cor, found.inc, found.mis, found.spu)
                    == (counts.gold, counts.cor, counts.inc, counts.mis, counts.spu)
            } else {
                found == counts
            };
            if !agrees {
                return Err(InputError::new(
                    Location::line(run.folder.join("articles.jsonl"), self.line_number as u64),
                    format!(
                        "the {} outcomes of `{}` on `{}` do not add up to its counts (the \
                         counts say COR {} INC {} MIS {} SPU {}, the outcomes hold COR {} \
                         INC {} MIS {} SPU {}): the file was edited or cut short; re-run \
                         `attr-eval run` to get a whole record",
                        scheme.as_str(),
                        self.model(),
                        self.article_id(),
                        counts.cor,
                        counts.inc,
                        counts.mis,
                        counts.spu,
                        found.cor,
                        found.inc,
                        found.mis,
                        found.spu
                    ),
                )
                .into());
            }
        }
        Ok(())
    }
}

/// Every article line of a run, in file order.
pub fn articles(run: &LoadedRun) -> Vec<SavedArticle<'_>> {
    // `read_run` keeps the lines in file order and skips blank ones; the numbers here
    // count the lines kept, which is the file's numbering unless it has blank lines.
    let extract = run.articles.iter().map(Line::Extract);
    let speakers = run.speaker_articles.iter().map(Line::Speakers);
    extract
        .chain(speakers)
        .enumerate()
        .map(|(index, line)| SavedArticle {
            line,
            line_number: index + 1,
        })
        .collect()
}

/// What happened to one quote between two runs of one article.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteChange {
    /// `None` where the row is not in that run at all (a spurious prediction only the
    /// other run made).
    pub before: Option<OutcomeKind>,
    pub after: Option<OutcomeKind>,
    /// The gold row; `None` for a spurious prediction.
    pub gold: Option<Attribution>,
    pub pred_before: Option<Attribution>,
    pub pred_after: Option<Attribution>,
}

impl QuoteChange {
    /// Where the quote stands in the text, for ordering: the gold row's start, else
    /// the prediction's.
    fn position(&self) -> Option<usize> {
        self.gold
            .as_ref()
            .or(self.pred_after.as_ref())
            .or(self.pred_before.as_ref())
            .and_then(|row| row.quote_span)
            .map(|span| span.start)
    }
}

/// A row's identity across two runs: the row itself, every field.
fn key(row: &Attribution) -> String {
    serde_json::to_string(row).unwrap_or_default()
}

/// The quotes of one article whose outcome differs between `base` and `cand` (two
/// alignments of the same gold): each gold row whose kind changed, and each spurious
/// prediction made by one run only. In text order (rows without offsets last).
pub fn changed_quotes(base: &[AlignedRow], cand: &[AlignedRow]) -> Vec<QuoteChange> {
    fn spurious<'a>(rows: &[AlignedRow<'a>]) -> Vec<&'a Attribution> {
        rows.iter()
            .filter(|r| r.kind == OutcomeKind::Spu)
            .filter_map(|r| r.pred)
            .collect()
    }
    let after: HashMap<String, &AlignedRow> = cand
        .iter()
        .filter_map(|row| row.gold.map(|g| (key(g), row)))
        .collect();
    let mut changes: Vec<QuoteChange> = base
        .iter()
        .filter_map(|old| {
            let gold = old.gold?;
            let new = after.get(&key(gold))?;
            (old.kind != new.kind).then(|| QuoteChange {
                before: Some(old.kind),
                after: Some(new.kind),
                gold: Some(gold.clone()),
                pred_before: old.pred.cloned(),
                pred_after: new.pred.cloned(),
            })
        })
        .collect();
    let (spu_before, spu_after) = (spurious(base), spurious(cand));
    // A prediction may be repeated: each copy in one run answers one copy in the other.
    let only_in = |rows: &[&Attribution], other: &[&Attribution]| -> Vec<Attribution> {
        let mut left: HashMap<String, usize> = HashMap::new();
        for row in other {
            *left.entry(key(row)).or_default() += 1;
        }
        rows.iter()
            .filter(|row| match left.get_mut(&key(row)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .map(|row| (*row).clone())
            .collect()
    };
    changes.extend(
        only_in(&spu_before, &spu_after)
            .into_iter()
            .map(|row| QuoteChange {
                before: Some(OutcomeKind::Spu),
                after: None,
                gold: None,
                pred_before: Some(row),
                pred_after: None,
            }),
    );
    changes.extend(
        only_in(&spu_after, &spu_before)
            .into_iter()
            .map(|row| QuoteChange {
                before: None,
                after: Some(OutcomeKind::Spu),
                gold: None,
                pred_before: None,
                pred_after: Some(row),
            }),
    );
    changes.sort_by_key(|c| (c.position().is_none(), c.position()));
    changes
}

/// Opens the dataset `name` of a saved run for its texts, checking that it is the
/// dataset the run scored (same fingerprint). It is looked for at the path `run.json`
/// records (relative to where `attr-eval run` started: the current folder, or the one
/// the run's `--out` implies), unless `moved` (a dataset the user named) has the run's
/// fingerprint.
pub fn open_dataset(run: &LoadedRun, name: &str, moved: Option<&Dataset>) -> Result<Dataset> {
    let record = dataset_record(run, name)?;
    if let Some(moved) = moved
        && moved.fingerprint() == record.fingerprint
    {
        return Dataset::open(&moved.path().display().to_string());
    }
    let mut changed: Option<(PathBuf, String)> = None;
    let mut looked: Vec<PathBuf> = Vec::new();
    for candidate in candidate_paths(run, &record.path) {
        if looked.contains(&candidate) {
            continue;
        }
        looked.push(candidate.clone());
        if !candidate.is_dir() {
            continue;
        }
        let dataset = Dataset::open(&candidate.display().to_string())?;
        if dataset.fingerprint() == record.fingerprint {
            return Ok(dataset);
        }
        changed.get_or_insert((candidate, dataset.fingerprint().to_string()));
    }
    let moved_note = moved
        .map(|m| {
            format!(
                " ({} has fingerprint {}, another dataset's)",
                m.path().display(),
                m.fingerprint()
            )
        })
        .unwrap_or_default();
    Err(Error::Usage(match changed {
        Some((path, fingerprint)) => format!(
            "dataset `{name}` at {} has changed since the run (fingerprint {fingerprint} now, \
             {} in the run): the saved rows and offsets refer to the text and gold as they \
             were; restore that version (e.g. with git) or give a copy of it with \
             --dataset-path DIR{moved_note}",
            path.display(),
            record.fingerprint
        ),
        None => format!(
            "dataset `{name}` of the run is no longer at {} (the path run.json records, \
             relative to where `attr-eval run` was started; looked in {}): run `attr-eval \
             show` from that folder, or give the dataset's new place with --dataset-path \
             DIR{moved_note}",
            record.path,
            looked
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }))
}

fn dataset_record<'a>(run: &'a LoadedRun, name: &str) -> Result<&'a DatasetRecord> {
    run.record
        .datasets
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| {
            InputError::new(
                Location::file(run.folder.join("run.json")),
                format!(
                    "articles.jsonl has lines of dataset `{name}`, which `datasets` does not \
                     list: the record is not whole; re-run `attr-eval run`"
                ),
            )
            .into()
        })
}

/// Where a recorded dataset path may be now: as written (relative to the current
/// folder), then relative to the folder the run was started in, which a relative
/// `--out` (default `results`) pins down from the run folder itself.
fn candidate_paths(run: &LoadedRun, recorded: &str) -> Vec<PathBuf> {
    let recorded = PathBuf::from(recorded);
    let mut paths = vec![recorded.clone()];
    if recorded.is_absolute() {
        return paths;
    }
    let command = &run.record.command;
    let out = command
        .iter()
        .enumerate()
        .find_map(|(i, word)| {
            if word == "--out" {
                command.get(i + 1).cloned()
            } else {
                word.strip_prefix("--out=").map(str::to_string)
            }
        })
        .unwrap_or_else(|| "results".to_string());
    let out = Path::new(&out);
    let plain = out.components().all(|c| matches!(c, Component::Normal(_)));
    if let (true, Ok(folder)) = (plain, run.folder.canonicalize())
        && let Some(start) = folder.ancestors().nth(out.components().count() + 1)
    {
        paths.push(start.join(&recorded));
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(quote: &str, speaker: &str, start: usize) -> Attribution {
        crate::test_support::row_at("a", quote, speaker, start)
    }

    fn aligned<'a>(
        kind: OutcomeKind,
        gold: Option<&'a Attribution>,
        pred: Option<&'a Attribution>,
    ) -> AlignedRow<'a> {
        AlignedRow {
            kind,
            gold,
            pred,
            sim: None,
        }
    }

    /// A found quote, an unchanged one, a spurious row kept, one dropped and one added,
    /// and a repeated spurious row of which only one copy is new.
    #[test]
    fn changed_quotes_lists_changed_gold_rows_and_spurious_rows_of_one_run_only() {
        let (g1, g2) = (row("one", "Ann", 10), row("two", "Bo", 0));
        let p1 = row("one", "Ann", 10);
        let (kept, dropped, added) = (row("k", "X", 30), row("d", "Y", 40), row("n", "Z", 5));
        use OutcomeKind::*;
        let base = [
            aligned(Mis, Some(&g1), None),
            aligned(Cor, Some(&g2), Some(&g2)),
            aligned(Spu, None, Some(&kept)),
            aligned(Spu, None, Some(&dropped)),
        ];
        let cand = [
            aligned(Cor, Some(&g1), Some(&p1)),
            aligned(Cor, Some(&g2), Some(&g2)),
            aligned(Spu, None, Some(&kept)),
            aligned(Spu, None, Some(&kept)),
            aligned(Spu, None, Some(&added)),
        ];
        let changes = changed_quotes(&base, &cand);
        let summary: Vec<(Option<OutcomeKind>, Option<OutcomeKind>, usize)> = changes
            .iter()
            .map(|c| (c.before, c.after, c.position().unwrap()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (None, Some(Spu), 5),
                (Some(Mis), Some(Cor), 10),
                (None, Some(Spu), 30),
                (Some(Spu), None, 40),
            ]
        );
        assert_eq!(changes[1].gold.as_ref(), Some(&g1));
        assert_eq!(changes[1].pred_after.as_ref(), Some(&p1));
        assert_eq!(changes[1].pred_before, None);
    }
}
