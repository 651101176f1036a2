//! What scoring produces. These are the shapes the run record (docs/run-record.md) serialises, so
//! every figure has a named field: a famous scorer in this field swapped precision and
//! recall by returning them as a positional pair.

use crate::attribution::QuoteType;
use serde::{Deserialize, Serialize};

/// The three matching schemes of docs/scoring.md#schemes, reported side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Exact,
    Overlap,
    Lenient,
}

impl Scheme {
    pub const ALL: [Scheme; 3] = [Scheme::Exact, Scheme::Overlap, Scheme::Lenient];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Exact => "exact",
            Scheme::Overlap => "overlap",
            Scheme::Lenient => "lenient",
        }
    }
}

/// One value per scheme, with named fields so JSON reads `{"exact":…,"overlap":…,"lenient":…}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PerScheme<T> {
    pub exact: T,
    pub overlap: T,
    pub lenient: T,
}

impl<T> PerScheme<T> {
    pub fn get(&self, scheme: Scheme) -> &T {
        match scheme {
            Scheme::Exact => &self.exact,
            Scheme::Overlap => &self.overlap,
            Scheme::Lenient => &self.lenient,
        }
    }

    pub fn get_mut(&mut self, scheme: Scheme) -> &mut T {
        match scheme {
            Scheme::Exact => &mut self.exact,
            Scheme::Overlap => &mut self.overlap,
            Scheme::Lenient => &mut self.lenient,
        }
    }

    pub fn from_fn(mut f: impl FnMut(Scheme) -> T) -> Self {
        PerScheme {
            exact: f(Scheme::Exact),
            overlap: f(Scheme::Overlap),
            lenient: f(Scheme::Lenient),
        }
    }

    pub fn map<U>(&self, mut f: impl FnMut(Scheme, &T) -> U) -> PerScheme<U> {
        PerScheme {
            exact: f(Scheme::Exact, &self.exact),
            overlap: f(Scheme::Overlap, &self.overlap),
            lenient: f(Scheme::Lenient, &self.lenient),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SpeakerMatch {
    #[default]
    Name,
    Mention,
    None,
}

impl SpeakerMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            SpeakerMatch::Name => "name",
            SpeakerMatch::Mention => "mention",
            SpeakerMatch::None => "none",
        }
    }
}

/// The scoring flags of docs/cli.md#scoring-flags, with the defaults given there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringOptions {
    /// τ of the `overlap` scheme.
    pub overlap: f64,
    pub speaker_match: SpeakerMatch,
    /// Quote types kept (docs/scoring.md#type-filter), in the order of [`QuoteType::ALL`].
    pub types: Vec<QuoteType>,
    pub seed: u64,
    pub resamples: usize,
}

impl ScoringOptions {
    /// The kept types as `--types` spells them: `direct,indirect`.
    pub fn types_flag(&self) -> String {
        let names: Vec<&str> = self.types.iter().map(|t| t.as_str()).collect();
        names.join(",")
    }
}

impl Default for ScoringOptions {
    fn default() -> Self {
        ScoringOptions {
            overlap: 0.5,
            speaker_match: SpeakerMatch::Name,
            types: QuoteType::ALL.to_vec(),
            seed: 12345,
            resamples: 1000,
        }
    }
}

/// Outcome counts of docs/scoring.md#outcomes. `pred` leaves out the predictions ignored under
/// docs/scoring.md#type-filter.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, derive_more::AddAssign,
)]
pub struct Counts {
    pub gold: u64,
    pub pred: u64,
    pub cor: u64,
    pub inc: u64,
    pub mis: u64,
    pub spu: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OutcomeKind {
    Cor,
    Inc,
    Mis,
    Spu,
}

/// One row's fate in one article under one scheme. Indices point into the article's
/// gold and predicted rows as given to the scorer (before the type filter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub kind: OutcomeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pred: Option<usize>,
    /// Quote similarity of a matched pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim: Option<f64>,
}

/// Per gold type: pair recall counts always; pair precision counts from predictions that
/// carry a type.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, derive_more::AddAssign,
)]
pub struct TypeCounts {
    pub gold: u64,
    pub gold_cor: u64,
    pub pred: u64,
    pub pred_cor: u64,
}

/// Per gold `mention_type`: the gold rows that carry it and the COR among them.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, derive_more::AddAssign,
)]
pub struct MentionCounts {
    pub gold: u64,
    pub cor: u64,
}

/// Gold without `mention_type` leaves the breakdown empty, and the article's serialized
/// score as it was before the column existed.
fn no_mention_types(counts: &[MentionCounts; 3]) -> bool {
    counts.iter().all(|c| c.gold == 0)
}

/// One article under one scheme.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleSchemeScore {
    pub counts: Counts,
    /// Indexed by [`QuoteType::index`].
    pub by_type: [TypeCounts; 3],
    /// Indexed by [`MentionType::index`](crate::attribution::MentionType::index); rows without a
    /// mention type are in no entry.
    #[serde(default, skip_serializing_if = "no_mention_types")]
    pub by_mention_type: [MentionCounts; 3],
    pub outcomes: Vec<Outcome>,
    /// Kept predictions left out of the counts under docs/scoring.md#type-filter (indices into
    /// predictions).
    pub ignored: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleScore {
    pub article_id: String,
    pub schemes: PerScheme<ArticleSchemeScore>,
}

/// Precision, recall and F1 as docs/scoring.md#metrics defines them; `None` is undefined (`null`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    pub p: Option<f64>,
    pub r: Option<f64>,
    pub f1: Option<f64>,
}

/// Pair figures carry the bootstrap interval of F1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairPrf {
    pub p: Option<f64>,
    pub r: Option<f64>,
    pub f1: Option<f64>,
    /// 95% percentile interval, `[low, high]`; `None` when F1 is undefined.
    pub f1_ci95: Option<[f64; 2]>,
}

/// The `SCORES` object of docs/run-record.md#results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub counts: Counts,
    pub pair: PairPrf,
    pub quote: Prf,
    pub attribution_accuracy: Option<f64>,
    pub macro_pair_f1: Option<f64>,
}

/// Per-type figures of one scheme: `{"recall": …, "precision": …}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TypeScores {
    pub recall: Option<f64>,
    pub precision: Option<f64>,
}

/// Per gold mention type of one scheme: `{"recall": …}` (COR / gold rows of the value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MentionTypeScores {
    pub recall: Option<f64>,
}

/// One (gold speaker, predicted speaker) pair of the INC outcomes, names as resolved
/// (docs/scoring.md#speaker-confusion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionPair {
    pub gold: String,
    pub pred: String,
    pub count: u64,
}
