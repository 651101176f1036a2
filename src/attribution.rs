//! The attribution row of docs/datasets.md#csv, shared by gold labels, predictions and models.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A half-open range `[start, end)` of Unicode scalar values (code points), never bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the two spans share at least one position.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start.max(other.start) < self.end.min(other.end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuoteType {
    /// Verbatim, in quotation marks.
    Direct,
    /// Reported speech.
    Indirect,
    /// Reported speech containing a quoted fragment.
    Mixed,
}

impl QuoteType {
    pub const ALL: [QuoteType; 3] = [QuoteType::Direct, QuoteType::Indirect, QuoteType::Mixed];

    pub fn as_str(self) -> &'static str {
        match self {
            QuoteType::Direct => "direct",
            QuoteType::Indirect => "indirect",
            QuoteType::Mixed => "mixed",
        }
    }

    /// Position in [`QuoteType::ALL`], for per-type arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for QuoteType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for QuoteType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "direct" => Ok(QuoteType::Direct),
            "indirect" => Ok(QuoteType::Indirect),
            "mixed" => Ok(QuoteType::Mixed),
            other => Err(format!(
                "unknown quote type `{other}`: expected direct, indirect or mixed"
            )),
        }
    }
}

/// How the text signals the speaker at a quote (docs/datasets.md#the-attribution-csv, the gold
/// `mention_type` column): scores are broken down by it, as fiction benchmarks report explicit,
/// anaphoric and implicit attributions apart (they differ in difficulty by an order of magnitude).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MentionType {
    /// A name: "said Emma".
    Explicit,
    /// A pronoun or description: "she replied", "the old man said".
    Anaphoric,
    /// No mention: a turn in a dialogue.
    Implicit,
}

impl MentionType {
    pub const ALL: [MentionType; 3] = [
        MentionType::Explicit,
        MentionType::Anaphoric,
        MentionType::Implicit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MentionType::Explicit => "explicit",
            MentionType::Anaphoric => "anaphoric",
            MentionType::Implicit => "implicit",
        }
    }

    /// Position in [`MentionType::ALL`], for per-value arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for MentionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MentionType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "explicit" => Ok(MentionType::Explicit),
            "anaphoric" => Ok(MentionType::Anaphoric),
            "implicit" => Ok(MentionType::Implicit),
            other => Err(format!(
                "unknown mention type `{other}`: expected explicit, anaphoric or implicit"
            )),
        }
    }
}

/// One speaker–quote pair: a gold label or a prediction.
///
/// Offsets are optional in the CSV; models always fill them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Attribution {
    pub article_id: String,
    pub quote: String,
    /// The speaker as an entity (the fullest name); empty for no or unknown speaker.
    pub speaker: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_span: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_type: Option<QuoteType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_mention: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_span: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Gold only: how the text signals the speaker here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_type: Option<MentionType>,
}

impl Attribution {
    /// The type used for scoring: docs/datasets.md#csv reads a gold row without a type as `direct`.
    pub fn gold_type(&self) -> QuoteType {
        self.quote_type.unwrap_or(QuoteType::Direct)
    }
}

/// The CSV columns in the order attr-eval writes them.
pub const CSV_COLUMNS: [&str; 12] = [
    "article_id",
    "speaker",
    "quote",
    "start",
    "end",
    "type",
    "cue",
    "speaker_mention",
    "speaker_start",
    "speaker_end",
    "confidence",
    // Last: `write_csv` leaves it out when no row has one.
    "mention_type",
];

/// Writes rows as schema-2 CSV with the header of [`CSV_COLUMNS`]. The last column,
/// `mention_type`, is left out when no row has one: files written before it existed
/// (shipped datasets, whose fingerprints hash `gold.csv`) are then written byte for
/// byte as they were.
pub fn write_csv<W: std::io::Write>(out: W, rows: &[Attribution]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let columns = if rows.iter().any(|r| r.mention_type.is_some()) {
        CSV_COLUMNS.len()
    } else {
        CSV_COLUMNS.len() - 1
    };
    writer.write_record(&CSV_COLUMNS[..columns])?;
    for row in rows {
        writer.write_record(&csv_record(row)[..columns])?;
    }
    writer.flush()?;
    Ok(())
}

pub(crate) fn csv_record(row: &Attribution) -> [String; 12] {
    let opt = |v: Option<usize>| v.map(|n| n.to_string()).unwrap_or_default();
    [
        row.article_id.clone(),
        row.speaker.clone(),
        row.quote.clone(),
        opt(row.quote_span.map(|s| s.start)),
        opt(row.quote_span.map(|s| s.end)),
        row.quote_type.map(|t| t.to_string()).unwrap_or_default(),
        row.cue.clone().unwrap_or_default(),
        row.speaker_mention.clone().unwrap_or_default(),
        opt(row.mention_span.map(|s| s.start)),
        opt(row.mention_span.map(|s| s.end)),
        row.confidence.map(|c| c.to_string()).unwrap_or_default(),
        row.mention_type.map(|t| t.to_string()).unwrap_or_default(),
    ]
}
