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
}

impl Attribution {
    /// The type used for scoring: docs/datasets.md#csv reads a gold row without a type as `direct`.
    pub fn gold_type(&self) -> QuoteType {
        self.quote_type.unwrap_or(QuoteType::Direct)
    }
}

/// The CSV columns in the order attr-eval writes them.
pub const CSV_COLUMNS: [&str; 11] = [
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
];

/// Writes rows as schema-2 CSV with the header of [`CSV_COLUMNS`].
pub fn write_csv<W: std::io::Write>(out: W, rows: &[Attribution]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    for row in rows {
        writer.write_record(csv_record(row))?;
    }
    writer.flush()?;
    Ok(())
}

pub(crate) fn csv_record(row: &Attribution) -> [String; 11] {
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
    ]
}
