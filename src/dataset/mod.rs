//! Stage 1 of the pipeline: datasets (docs/datasets.md) and the attribution CSV
//! (docs/datasets.md#csv).
//!
//! [`Dataset::open`] reads a dataset folder once, validating everything and collecting
//! every input error, and keeps only what scoring needs at hand: article ids, gold rows
//! and aliases. Texts are read again, one article at a time, by [`Dataset::articles`] and
//! [`Dataset::article`], so a corpus larger than memory can be evaluated.

mod aliases;
mod article;
mod csv_rows;
mod defaults;
mod gold;
mod loader;
mod validate;

pub use aliases::{AliasEntry, Aliases};
pub use article::Article;
pub use csv_rows::{LocatedRow, RowKind, read_attribution_csv};
pub use defaults::{DEFAULTS_FILE, DatasetDefaults, declared_speaker_match};
pub use loader::ArticleStream;
pub use validate::check_rows_against_article;

use crate::attribution::{Attribution, QuoteType};
use crate::error::{Error, InputError, Location, Result};
use crate::scoring::{ScoringOptions, SpeakerMatch, TypeFilter, is_blank};
use gold::GoldIndex;
use loader::{ID_RULE, LineRef, Source};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use validate::ErrorSink;
pub(crate) use validate::span_problems;

/// A validated dataset: ids, gold and aliases in memory, texts on disk.
#[derive(Debug)]
pub struct Dataset {
    name: String,
    path: PathBuf,
    source: Source,
    /// Sorted for `articles/`, file order for `articles.jsonl`.
    ids: Vec<String>,
    index: HashMap<String, usize>,
    /// Where each article's gold rows are in `gold.csv`.
    gold: GoldIndex,
    gold_rows: usize,
    /// Gold rows by [`QuoteType::index`].
    gold_by_type: [usize; 3],
    aliases: Aliases,
    chars: u64,
    fingerprint: String,
}

/// The folder a spec names: `datasets/<spec>` when the spec is a plain name and that
/// folder exists, otherwise the spec as a path.
fn resolve(spec: &str) -> Result<PathBuf> {
    let plain_name = !spec.is_empty() && !spec.contains(['/', '\\']) && spec != "." && spec != "..";
    let named = Path::new("datasets").join(spec);
    if plain_name && named.is_dir() {
        return Ok(named);
    }
    let path = PathBuf::from(spec);
    if path.is_dir() {
        return Ok(path);
    }
    Err(Error::Usage(if plain_name {
        format!(
            "no dataset `{spec}`: neither {} nor {spec} is a folder",
            named.display()
        )
    } else {
        format!("no dataset at `{spec}`: not a folder")
    }))
}

fn folder_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            // `.` or `..`: the folder's real name.
            std::fs::canonicalize(path)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads an optional file: `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::io(path, error)),
    }
}

/// The fingerprint's framing: every part is preceded by its length, so no two different
/// datasets hash the same bytes.
fn hash_part(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// [`hash_part`] of a file's bytes (none when absent), streamed.
fn hash_file(hasher: &mut Sha256, file: &Path, present: bool) -> Result<()> {
    if !present {
        hash_part(hasher, &[]);
        return Ok(());
    }
    let mut handle = std::fs::File::open(file).map_err(|e| Error::io(file, e))?;
    let len = handle.metadata().map_err(|e| Error::io(file, e))?.len();
    hasher.update(len.to_le_bytes());
    let copied = std::io::copy(&mut handle, hasher).map_err(|e| Error::io(file, e))?;
    if copied != len {
        return Err(Error::Usage(format!(
            "{} changed while the dataset was read: open it again",
            file.display()
        )));
    }
    Ok(())
}

/// State of the single validation pass over the articles.
struct Pass<'g> {
    gold: &'g GoldIndex,
    gold_file: PathBuf,
    ids: Vec<String>,
    index: HashMap<String, usize>,
    /// Ids of articles that exist but failed to load: their gold rows are not also
    /// reported as naming an unknown article.
    broken: HashSet<String>,
    chars: u64,
    hasher: Sha256,
}

impl Pass<'_> {
    /// Takes in one article: counts and hashes it and checks its gold rows against it.
    /// Only an article with gold rows is built as an [`Article`] (with its code-point
    /// index): a large corpus is mostly text without gold, and this pass reads all of it.
    fn accept(&mut self, id: &str, text: &str, sink: &mut ErrorSink) {
        // As Article::new does: offsets count after a leading byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        self.index.insert(id.to_string(), self.ids.len());
        self.ids.push(id.to_string());
        self.chars += text.chars().count() as u64;
        hash_part(&mut self.hasher, id.as_bytes());
        hash_part(&mut self.hasher, text.as_bytes());
        if let Some(refs) = self.gold.refs_of(id) {
            let article = Article::new(id, text);
            // Validated rows parse again as they did; nothing to report if not.
            let (rows, clean) = match self.gold.read_lenient(refs) {
                Ok(read) => read,
                Err(error) => {
                    sink.push(InputError::new(
                        Location::file(&self.gold_file),
                        error.to_string(),
                    ));
                    return;
                }
            };
            // Repeated rows share their article: checked here, article by article.
            if clean {
                let mut seen: HashMap<String, u64> = HashMap::new();
                for (row, r) in rows.iter().zip(refs) {
                    let key = serde_json::to_string(row).unwrap_or_default();
                    match seen.get(&key) {
                        Some(first) => sink.push(InputError::new(
                            Location::line(&self.gold_file, r.line()),
                            format!(
                                "this gold row repeats line {first} exactly (a gold row may \
                                 appear only once)"
                            ),
                        )),
                        None => {
                            seen.insert(key, r.line());
                        }
                    }
                }
            }
            for (row, line) in rows.iter().zip(refs.iter().map(|r| r.line())) {
                for problem in span_problems(row, &article) {
                    sink.push(InputError::new(
                        Location::named_column(&self.gold_file, line, problem.column),
                        problem.message,
                    ));
                }
            }
        }
    }
}

impl Dataset {
    /// Opens and validates a dataset: `spec` is a name under `datasets/` (relative to the
    /// current directory) or a path to a dataset folder. Every input error of the folder
    /// is collected in one pass and returned together ([`Error::Input`] for one,
    /// [`Error::InputErrors`] for several); each names the file, line and column.
    ///
    /// The articles are streamed once; only their ids (and, for `articles.jsonl`, the byte
    /// offset of each line) are kept.
    pub fn open(spec: &str) -> Result<Dataset> {
        let path = resolve(spec)?;
        let name = folder_name(&path);
        let mut sink = ErrorSink::default();

        let files_dir = path.join("articles");
        let jsonl_file = path.join("articles.jsonl");
        let source = match (files_dir.is_dir(), jsonl_file.is_file()) {
            (true, false) => Some(Source::Files { dir: files_dir }),
            (false, true) => Some(Source::Jsonl {
                file: jsonl_file,
                lines: Vec::new(),
            }),
            (true, true) => {
                sink.push(InputError::new(
                    Location::file(&path),
                    "the dataset has both articles/ and articles.jsonl: keep one of them",
                ));
                None
            }
            (false, false) => {
                sink.push(InputError::new(
                    Location::file(&path),
                    "the dataset has no articles: expected articles/<id>.txt files or articles.jsonl",
                ));
                None
            }
        };

        let gold_file = path.join("gold.csv");
        let gold_present = gold_file.is_file();
        if !gold_present {
            sink.push(InputError::new(
                Location::file(&gold_file),
                "missing gold.csv: a dataset needs its gold attributions (a header row at least)",
            ));
        }
        // Read as it goes: a large gold file is never held whole.
        let (gold, gold_counts) = if gold_present {
            GoldIndex::build(&gold_file, &mut sink)?
        } else {
            GoldIndex::empty(&gold_file)
        };

        let aliases_file = path.join("aliases.csv");
        let aliases_bytes = read_optional(&aliases_file)?;
        let located_aliases = aliases_bytes.as_deref().map_or_else(Vec::new, |bytes| {
            csv_rows::parse_aliases(&aliases_file, bytes, &mut sink)
        });

        let mut hasher = Sha256::new();
        hasher.update(b"attr-eval dataset fingerprint v1\n");
        let mut pass = Pass {
            gold: &gold,
            gold_file: gold_file.clone(),
            ids: Vec::new(),
            index: HashMap::new(),
            broken: HashSet::new(),
            chars: 0,
            hasher,
        };
        let source = match source {
            Some(Source::Files { dir }) => {
                for (id, file) in loader::list_article_files(&dir, &mut sink)? {
                    let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
                    match loader::decode_text(&file, bytes) {
                        Ok(text) => pass.accept(&id, &text, &mut sink),
                        Err(error) => {
                            sink.push(error);
                            pass.broken.insert(id);
                        }
                    }
                }
                Some(Source::Files { dir })
            }
            Some(Source::Jsonl { file, .. }) => {
                let mut lines: Vec<LineRef> = Vec::new();
                loader::scan_jsonl(&file, &mut sink, |entry, sink| {
                    let location = Location::named_column(&file, entry.line, "id");
                    if !loader::valid_article_id(&entry.id) {
                        sink.push(InputError::new(
                            location,
                            format!("`{}` is not a valid article id: {ID_RULE}", entry.id),
                        ));
                        pass.broken.insert(entry.id.into_owned());
                        return;
                    }
                    if let Some(&first) = pass.index.get(entry.id.as_ref()) {
                        sink.push(InputError::new(
                            location,
                            format!(
                                "article id `{}` repeats the id of line {}",
                                entry.id,
                                lines.get(first).map_or(0, |l| l.line)
                            ),
                        ));
                        return;
                    }
                    lines.push(LineRef {
                        offset: entry.offset,
                        line: entry.line,
                    });
                    pass.accept(&entry.id, &entry.text, sink);
                })?;
                Some(Source::Jsonl { file, lines })
            }
            _ => None,
        };

        // Unknown ids are only known once every article was seen; with no usable
        // articles at all, every id would be "unknown", which says nothing new.
        if source.is_some() {
            for (id, refs) in gold.by_id() {
                if pass.index.contains_key(id) || pass.broken.contains(id) {
                    continue;
                }
                for line in refs.iter().map(|r| r.line()) {
                    sink.push(InputError::new(
                        Location::named_column(&gold_file, line, "article_id"),
                        format!("unknown article_id `{id}`: the dataset has no such article"),
                    ));
                }
            }
            for alias in &located_aliases {
                if let Some(id) = &alias.entry.article_id
                    && !pass.index.contains_key(id)
                    && !pass.broken.contains(id)
                {
                    sink.push(InputError::new(
                        Location::named_column(&aliases_file, alias.line, "article_id"),
                        format!(
                            "unknown article_id `{id}`: the dataset has no such article (`*` means every article)"
                        ),
                    ));
                }
            }
        }
        sink.finish(&path)?;

        let Pass {
            ids,
            index,
            chars,
            mut hasher,
            ..
        } = pass;
        hash_file(&mut hasher, &gold_file, gold_present)?;
        hash_part(&mut hasher, aliases_bytes.as_deref().unwrap_or_default());
        let fingerprint = format!("sha256:{:x}", hasher.finalize());
        let (mut ids, mut index, mut gold) = (ids, index, gold);
        ids.shrink_to_fit();
        index.shrink_to_fit();
        gold.place(&ids);
        Ok(Dataset {
            name,
            path,
            source: source.ok_or_else(|| Error::Usage("no article source".into()))?,
            ids,
            index,
            gold,
            gold_rows: gold_counts.rows,
            gold_by_type: gold_counts.by_type,
            aliases: Aliases {
                entries: located_aliases.into_iter().map(|a| a.entry).collect(),
            },
            chars,
            fingerprint,
        })
    }

    /// The folder's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Article ids in the dataset's order: sorted for `articles/`, file order for
    /// `articles.jsonl`. [`Dataset::articles`] yields in this order.
    pub fn article_ids(&self) -> &[String] {
        &self.ids
    }

    /// The gold rows of an article in file order; empty when it has none. Read from
    /// `gold.csv` at each call: the dataset keeps where rows are, not the rows, so its
    /// memory does not grow with the gold.
    pub fn gold_for(&self, id: &str) -> Result<Vec<Attribution>> {
        match self.index.get(id) {
            Some(&index) => self.gold.read(index),
            None => Ok(Vec::new()),
        }
    }

    /// Every gold row with its line, article by article.
    fn for_each_gold_row(&self, mut each: impl FnMut(&Attribution, u64)) -> Result<()> {
        for index in 0..self.ids.len() {
            let rows = self.gold.read(index)?;
            for (row, r) in rows.iter().zip(self.gold.refs_at(index)) {
                each(row, r.line());
            }
        }
        Ok(())
    }

    pub fn gold_rows(&self) -> usize {
        self.gold_rows
    }

    pub fn aliases(&self) -> &Aliases {
        &self.aliases
    }

    /// Total length of the texts in code points (byte order marks excluded).
    pub fn chars(&self) -> u64 {
        self.chars
    }

    /// `sha256:<hex>` of the dataset's content, equal for equal content wherever the
    /// folder is. Hashed, each part preceded by its byte length as a little-endian u64:
    /// for every article in [`Dataset::article_ids`] order its id and its text (UTF-8,
    /// after the byte order mark is dropped), then the bytes of `gold.csv` as stored, then
    /// those of `aliases.csv` (empty when absent), after the prefix
    /// `attr-eval dataset fingerprint v1\n`. Metadata of `articles.jsonl` lines and the
    /// form the articles are stored in are not part of it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The articles in the dataset's order, read lazily one at a time.
    pub fn articles(&self) -> ArticleStream<'_> {
        ArticleStream::new(&self.source, &self.ids)
    }

    /// One article by id; `None` when the dataset has no such article.
    pub fn article(&self, id: &str) -> Result<Option<Article>> {
        let Some(&index) = self.index.get(id) else {
            return Ok(None);
        };
        self.articles().load(index).transpose()
    }

    /// Reads a prediction CSV and validates it against the dataset like gold: unknown
    /// ids, offsets against the texts, types and confidence. Repeated rows are allowed
    /// (each one is a prediction). Rows come back in file order.
    pub fn read_predictions(&self, path: &Path) -> Result<Vec<Attribution>> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let mut sink = ErrorSink::default();
        let parsed = csv_rows::parse_attribution_csv(path, &bytes, RowKind::Prediction, &mut sink);
        // A run's combined predictions file names each row's dataset: the rows of the
        // others are not this dataset's to check or score.
        let parsed: Vec<LocatedRow> = parsed
            .into_iter()
            .filter(|row| row.dataset.as_deref().is_none_or(|d| d == self.name))
            .collect();
        let mut by_article: HashMap<&str, Vec<usize>> = HashMap::new();
        for (position, row) in parsed.iter().enumerate() {
            if !row.row.article_id.is_empty() {
                by_article
                    .entry(row.row.article_id.as_str())
                    .or_default()
                    .push(position);
            }
        }
        let mut known: Vec<(usize, &[usize])> = Vec::new();
        for (id, positions) in &by_article {
            match self.index.get(*id) {
                Some(&index) => known.push((index, positions)),
                None => {
                    for &position in positions {
                        sink.push(InputError::new(
                            Location::named_column(path, parsed[position].line, "article_id"),
                            format!(
                                "unknown article_id `{id}`: dataset `{}` has no such article",
                                self.name
                            ),
                        ));
                    }
                }
            }
        }
        // In dataset order, so an articles.jsonl reader moves forward only.
        known.sort_unstable_by_key(|&(index, _)| index);
        let mut stream = self.articles();
        for (index, positions) in known {
            let Some(article) = stream.load(index).transpose()? else {
                continue;
            };
            for &position in positions {
                let located = &parsed[position];
                for problem in span_problems(&located.row, &article) {
                    sink.push(InputError::new(
                        Location::named_column(path, located.line, problem.column),
                        problem.message,
                    ));
                }
            }
        }
        sink.finish(path)?;
        Ok(parsed.into_iter().map(|p| p.row).collect())
    }

    /// For `--speaker-match mention` (docs/scoring.md#speaker-matching-mention): every gold
    /// row the type filter keeps that has a speaker must carry `speaker_start` and
    /// `speaker_end` (rows the filter drops are never scored, so they need not).
    /// Nothing to check in the other speaker-match modes.
    pub fn check_mention_offsets(&self, options: &ScoringOptions) -> Result<()> {
        if options.speaker_match != SpeakerMatch::Mention {
            return Ok(());
        }
        let types = TypeFilter::new(&options.types);
        let gold_file = self.path.join("gold.csv");
        let needs_offsets = |row: &Attribution| types.keeps_gold(row) && !is_blank(&row.speaker);
        let (mut speakers, mut with_offsets) = (0usize, 0usize);
        self.for_each_gold_row(|row, _| {
            if needs_offsets(row) {
                speakers += 1;
                with_offsets += usize::from(row.mention_span.is_some());
            }
        })?;
        // A dataset that has no mentions at all is one problem, said once.
        if speakers > 0 && with_offsets == 0 {
            return Err(Error::Input(InputError::new(
                Location::file(&gold_file),
                format!(
                    "dataset `{}` has no speaker_start/speaker_end on any of its {speakers} \
                     gold rows with a speaker, and --speaker-match mention compares those \
                     offsets: score it with --speaker-match name (or none)",
                    self.name
                ),
            )));
        }
        self.check_gold_rows("speaker_start", |row| {
            (needs_offsets(row) && row.mention_span.is_none()).then(|| {
                format!(
                    "speaker `{}` has no speaker_start/speaker_end: --speaker-match mention \
                     needs mention offsets on every gold row with a speaker that the type \
                     filter keeps",
                    row.speaker
                )
            })
        })
    }

    /// Every gold row's problem as `problem` sees it, reported at its line under
    /// `column`, all at once.
    fn check_gold_rows(
        &self,
        column: &str,
        problem: impl Fn(&Attribution) -> Option<String>,
    ) -> Result<()> {
        let gold_file = self.path.join("gold.csv");
        let mut sink = ErrorSink::default();
        self.for_each_gold_row(|row, line| {
            if let Some(message) = problem(row) {
                sink.push(InputError::new(
                    Location::named_column(&gold_file, line, column),
                    message,
                ));
            }
        })?;
        sink.finish(&gold_file)
    }

    /// docs/tasks.md#speakers: in the `speakers` task every gold row the type filter keeps is given
    /// to the model by its offsets, so one without them is an input error, reported with its line
    /// before anything is scored.
    pub fn check_quote_offsets(&self, types: &[crate::attribution::QuoteType]) -> Result<()> {
        self.check_gold_rows("start", |row| {
            (types.contains(&row.gold_type()) && row.quote_span.is_none()).then(|| {
                format!(
                    "the quote `{}` has no start/end: the speakers task gives the model each \
                     gold quote by its offsets",
                    row.quote
                )
            })
        })
    }

    /// Counts for the `validate` command.
    pub fn summary(&self) -> ValidationSummary {
        let by_type = self.gold_by_type;
        ValidationSummary {
            name: self.name.clone(),
            articles: self.ids.len(),
            chars: self.chars,
            gold_rows: self.gold_rows,
            direct: by_type[QuoteType::Direct.index()],
            indirect: by_type[QuoteType::Indirect.index()],
            mixed: by_type[QuoteType::Mixed.index()],
            aliases: self.aliases.entries.len(),
        }
    }
}

/// What `attr-eval validate` reports for a valid dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationSummary {
    pub name: String,
    pub articles: usize,
    pub chars: u64,
    pub gold_rows: usize,
    /// Gold rows by type; a row without a type counts as direct (docs/datasets.md#csv).
    pub direct: usize,
    pub indirect: usize,
    pub mixed: usize,
    pub aliases: usize,
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

impl fmt::Display for ValidationSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}, {} ({} direct, {} indirect, {} mixed), {}: valid",
            self.name,
            plural(self.articles, "article", "articles"),
            plural(self.gold_rows, "gold row", "gold rows"),
            self.direct,
            self.indirect,
            self.mixed,
            plural(self.aliases, "alias", "aliases"),
        )
    }
}

/// Opens and validates a dataset (see [`Dataset::open`]) and summarizes it.
pub fn validate(spec: &str) -> Result<ValidationSummary> {
    Ok(Dataset::open(spec)?.summary())
}
