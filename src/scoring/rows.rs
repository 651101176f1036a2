//! What docs/scoring.md says of rows before any alignment: which rows the type filter
//! keeps, the canonical order that breaks ties, and the rows `--speaker-match mention`
//! needs offsets on. The fast scorer and the test oracle both take these from here, so
//! that the oracle checks the alignment, not a copy of the rules.

use super::types::{ScoringOptions, SpeakerMatch};
use crate::attribution::{Attribution, QuoteType};
use crate::error::{Error, Result};
use std::cmp::Ordering;

/// docs/scoring.md#type-filter: the quote types a scoring keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeFilter {
    kept: [bool; 3],
}

impl TypeFilter {
    pub fn new(types: &[QuoteType]) -> TypeFilter {
        let mut kept = [false; 3];
        for quote_type in types {
            kept[quote_type.index()] = true;
        }
        TypeFilter { kept }
    }

    pub fn keeps_gold(&self, row: &Attribution) -> bool {
        self.kept[row.gold_type().index()]
    }

    /// A prediction without a type is kept whatever the filter.
    pub fn keeps_prediction(&self, row: &Attribution) -> bool {
        row.quote_type.is_none_or(|t| self.kept[t.index()])
    }
}

/// The order rows are visited in, on their content alone, so that whatever ties the
/// objective leaves open are broken the same way however the rows are ordered in the
/// files.
pub fn canonical_order(a: &Attribution, b: &Attribution) -> Ordering {
    a.quote_span
        .cmp(&b.quote_span)
        .then_with(|| a.quote.cmp(&b.quote))
        .then_with(|| a.speaker.cmp(&b.speaker))
        .then_with(|| a.quote_type.cmp(&b.quote_type))
        .then_with(|| a.mention_span.cmp(&b.mention_span))
        .then_with(|| a.speaker_mention.cmp(&b.speaker_mention))
        .then_with(|| a.cue.cmp(&b.cue))
        .then_with(|| {
            let bits = |c: Option<f64>| c.map(f64::to_bits);
            bits(a.confidence).cmp(&bits(b.confidence))
        })
}

pub fn is_blank(speaker: &str) -> bool {
    speaker.trim().is_empty()
}

/// `--speaker-match mention` compares mention offsets, so every kept gold row with a
/// speaker must have them; only kept rows are scored, so only they are checked.
pub fn check_mention_offsets<'a>(
    options: &ScoringOptions,
    article_id: &str,
    kept_gold: impl IntoIterator<Item = &'a Attribution>,
) -> Result<()> {
    if options.speaker_match != SpeakerMatch::Mention {
        return Ok(());
    }
    for row in kept_gold {
        if !is_blank(&row.speaker) && row.mention_span.is_none() {
            return Err(Error::Usage(format!(
                "article `{article_id}`: the gold row with speaker `{}` and quote `{}` has no \
                 speaker_start/speaker_end, which --speaker-match mention needs",
                row.speaker, row.quote
            )));
        }
    }
    Ok(())
}
