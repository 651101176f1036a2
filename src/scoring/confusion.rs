//! Speaker confusion of docs/scoring.md#speaker-confusion: which gold speakers are mistaken for
//! which.

use super::speaker::Cast;
use super::types::{ConfusionPair, Outcome, OutcomeKind};
use crate::attribution::Attribution;
use std::collections::HashMap;

/// The run record keeps this many pairs per result: a corpus with many speakers has
/// many pairs seen once, and the record is read by people; the most frequent carry the
/// lesson.
pub const CONFUSION_LIMIT: usize = 50;

/// Counts of (gold speaker, predicted speaker) over INC outcomes, summed over articles.
#[derive(Debug, Clone, Default)]
pub struct SpeakerConfusion {
    counts: HashMap<(String, String), u64>,
}

impl SpeakerConfusion {
    /// Counts one article's INC outcomes (indices into `gold` and `pred`, as the scorer
    /// gives them). Speakers are named as they resolve through `cast`, else as written
    /// (trimmed), so that a cast member's aliases count as one name.
    pub fn add_outcomes(
        &mut self,
        cast: &Cast,
        article_id: &str,
        outcomes: &[Outcome],
        gold: &[Attribution],
        pred: &[Attribution],
    ) {
        for o in outcomes.iter().filter(|o| o.kind == OutcomeKind::Inc) {
            let (Some(g), Some(p)) = (
                o.gold.and_then(|i| gold.get(i)),
                o.pred.and_then(|i| pred.get(i)),
            ) else {
                continue;
            };
            self.add(cast, article_id, &g.speaker, &p.speaker);
        }
    }

    /// Counts one INC pair.
    pub fn add(&mut self, cast: &Cast, article_id: &str, gold: &str, pred: &str) {
        let name = |s: &str| cast.display(article_id, s.trim()).to_string();
        *self.counts.entry((name(gold), name(pred))).or_default() += 1;
    }

    /// Counts a pair already named as resolved `n` times (a shard's pairs, when shards
    /// merge).
    pub fn add_resolved(&mut self, gold: &str, pred: &str, n: u64) {
        *self
            .counts
            .entry((gold.to_string(), pred.to_string()))
            .or_default() += n;
    }

    pub fn merge(&mut self, other: SpeakerConfusion) {
        for (pair, n) in other.counts {
            *self.counts.entry(pair).or_default() += n;
        }
    }

    /// The `limit` most frequent pairs: by count, descending, then gold name, then
    /// predicted name (byte order), so that the list does not depend on the order rows
    /// were scored in.
    pub fn top(&self, limit: usize) -> Vec<ConfusionPair> {
        let mut pairs: Vec<ConfusionPair> = self
            .counts
            .iter()
            .map(|((gold, pred), &count)| ConfusionPair {
                gold: gold.clone(),
                pred: pred.clone(),
                count,
            })
            .collect();
        pairs.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.gold.cmp(&b.gold))
                .then_with(|| a.pred.cmp(&b.pred))
        });
        pairs.truncate(limit);
        pairs
    }

    /// Distinct pairs counted (the record says how many were left out).
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{AliasEntry, Aliases};

    #[test]
    fn pairs_resolve_through_the_cast_and_sort_by_count_then_names() {
        let cast = Cast::new(&Aliases {
            entries: vec![AliasEntry {
                article_id: None,
                name: "Emma Woodhouse".into(),
                alias: "Miss Woodhouse".into(),
            }],
        });
        let mut confusion = SpeakerConfusion::default();
        confusion.add(&cast, "a", "Miss Woodhouse", "Harriet");
        confusion.add(&cast, "a", "Emma Woodhouse", "Harriet ");
        confusion.add(&cast, "a", "Knightley", "Harriet");
        confusion.add(&cast, "a", "Elton", "Harriet");
        let top = confusion.top(CONFUSION_LIMIT);
        let pair = |g: &str, p: &str, count| ConfusionPair {
            gold: g.into(),
            pred: p.into(),
            count,
        };
        assert_eq!(
            top,
            [
                pair("Emma Woodhouse", "Harriet", 2),
                pair("Elton", "Harriet", 1),
                pair("Knightley", "Harriet", 1),
            ]
        );
        assert_eq!(confusion.top(1).len(), 1);
        assert_eq!(confusion.len(), 3);
    }
}
