//! The scorer as first written, kept for tests: every pair of rows, prefix counts over
//! the whole article, a token list per row. The fast [`Scorer`](super::Scorer) must give
//! identical scores.

use super::assign::{Edge, optimal_matching};
use super::similarity::{Sim, Threshold, Tokens, alnum_prefix, span_sim, token_sim};
use super::speaker::{NormalizedAliases, name_key, names_match};
use super::types::{
    ArticleSchemeScore, ArticleScore, Counts, Outcome, OutcomeKind, PerScheme, Scheme,
    ScoringOptions, SpeakerMatch, TypeCounts,
};
use crate::attribution::Attribution;
use crate::dataset::{Aliases, Article};
use crate::error::{Error, Result};

/// A scorer for one set of options and aliases, reusable across articles and threads
/// (it is `Sync`): the aliases are normalized once, not once per article.
#[derive(Debug, Clone)]
pub struct Reference {
    options: ScoringOptions,
    threshold: Threshold,
    aliases: NormalizedAliases,
    keep: [bool; 3],
}

/// A gold–prediction pair with positive similarity (or any pair when τ ≤ 0), with
/// indices into the kept rows.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    gold: usize,
    pred: usize,
    sim: Sim,
    speaker: bool,
}

impl Reference {
    pub fn new(aliases: &Aliases, options: &ScoringOptions) -> Reference {
        let mut keep = [false; 3];
        for t in &options.types {
            keep[t.index()] = true;
        }
        Reference {
            options: options.clone(),
            threshold: Threshold::new(options.overlap),
            aliases: NormalizedAliases::new(aliases),
            keep,
        }
    }

    /// Scores one article's predictions against its gold rows under every scheme.
    /// Outcome indices point into `gold` and `pred` as given (before the type filter).
    pub fn score_article(
        &self,
        article: &Article,
        gold: &[Attribution],
        pred: &[Attribution],
    ) -> Result<ArticleScore> {
        let mut kept_gold: Vec<usize> = (0..gold.len())
            .filter(|&g| self.keep[gold[g].gold_type().index()])
            .collect();
        let dropped_gold: Vec<usize> = (0..gold.len())
            .filter(|&g| !self.keep[gold[g].gold_type().index()])
            .collect();
        let mut kept_pred: Vec<usize> = (0..pred.len())
            .filter(|&p| pred[p].quote_type.is_none_or(|t| self.keep[t.index()]))
            .collect();
        // Rows are visited in a canonical order of their content, so that whatever ties
        // the objective leaves open are broken the same way however the rows are
        // ordered in the files: the per-type figures, which depend on which of two
        // equally good rows is paired, then do not depend on row order either.
        kept_gold.sort_by(|&a, &b| canonical_order(&gold[a], &gold[b]).then(a.cmp(&b)));
        kept_pred.sort_by(|&a, &b| canonical_order(&pred[a], &pred[b]).then(a.cmp(&b)));

        if self.options.speaker_match == SpeakerMatch::Mention {
            // Only kept rows are scored, so only they must carry mention offsets.
            if let Some(&g) = kept_gold
                .iter()
                .find(|&&g| !is_blank(&gold[g].speaker) && gold[g].mention_span.is_none())
            {
                return Err(Error::Usage(format!(
                    "article `{}`: the gold row with speaker `{}` and quote `{}` has no \
                     speaker_start/speaker_end, which --speaker-match mention needs",
                    article.id, gold[g].speaker, gold[g].quote
                )));
            }
        }

        let mut sims = SimContext::new(article, gold, pred);

        // docs/scoring.md#type-filter: a prediction that overlaps a dropped gold row may be excused.
        let excusable: Vec<bool> = kept_pred
            .iter()
            .map(|&p| dropped_gold.iter().any(|&g| sims.sim(g, p).is_positive()))
            .collect();

        let every_pair = self.threshold == Threshold::Always;
        let mut candidates = Vec::new();
        let speakers = Speakers::new(self, article, gold, pred);
        for (gi, &g) in kept_gold.iter().enumerate() {
            for (pi, &p) in kept_pred.iter().enumerate() {
                let sim = sims.sim(g, p);
                if sim.is_positive() || every_pair {
                    candidates.push(Candidate {
                        gold: gi,
                        pred: pi,
                        sim,
                        speaker: speakers.matches(gold, pred, g, p),
                    });
                }
            }
        }

        let schemes = PerScheme::from_fn(|scheme| {
            let edges: Vec<Candidate> = candidates
                .iter()
                .copied()
                .filter(|c| match scheme {
                    Scheme::Exact => c.sim.is_exact(),
                    Scheme::Overlap => self.threshold.reached_by(c.sim),
                    Scheme::Lenient => c.sim.is_positive(),
                })
                .collect();
            let matched = align(kept_gold.len(), kept_pred.len(), &edges);
            self.outcomes(gold, pred, &kept_gold, &kept_pred, &excusable, &matched)
        });
        Ok(ArticleScore {
            article_id: article.id.clone(),
            schemes,
        })
    }

    /// Counts, per-type counts and outcomes from a matching (`matched[gold] = edge`).
    fn outcomes(
        &self,
        gold: &[Attribution],
        pred: &[Attribution],
        kept_gold: &[usize],
        kept_pred: &[usize],
        excusable: &[bool],
        matched: &[Option<Candidate>],
    ) -> ArticleSchemeScore {
        let mut score = ArticleSchemeScore::default();
        let mut pred_taken = vec![None; kept_pred.len()];
        let mut counts = Counts {
            gold: kept_gold.len() as u64,
            ..Counts::default()
        };
        for (gi, &g) in kept_gold.iter().enumerate() {
            let by_type = &mut score.by_type[gold[g].gold_type().index()];
            by_type.gold += 1;
            match matched[gi] {
                Some(c) => {
                    pred_taken[c.pred] = Some(c.speaker);
                    let kind = if c.speaker {
                        counts.cor += 1;
                        by_type.gold_cor += 1;
                        OutcomeKind::Cor
                    } else {
                        counts.inc += 1;
                        OutcomeKind::Inc
                    };
                    score.outcomes.push(Outcome {
                        kind,
                        gold: Some(g),
                        pred: Some(kept_pred[c.pred]),
                        sim: Some(c.sim.as_f64()),
                    });
                }
                None => {
                    counts.mis += 1;
                    score.outcomes.push(Outcome {
                        kind: OutcomeKind::Mis,
                        gold: Some(g),
                        pred: None,
                        sim: None,
                    });
                }
            }
        }
        for (pi, &p) in kept_pred.iter().enumerate() {
            let cor = match pred_taken[pi] {
                Some(speaker) => speaker,
                None if excusable[pi] => {
                    score.ignored.push(p);
                    continue;
                }
                None => {
                    counts.spu += 1;
                    score.outcomes.push(Outcome {
                        kind: OutcomeKind::Spu,
                        gold: None,
                        pred: Some(p),
                        sim: None,
                    });
                    false
                }
            };
            counts.pred += 1;
            if let Some(t) = pred[p].quote_type {
                let by_type: &mut TypeCounts = &mut score.by_type[t.index()];
                by_type.pred += 1;
                by_type.pred_cor += cor as u64;
            }
        }
        score.counts = counts;
        score
            .outcomes
            .sort_by_key(|o| (o.gold.is_none(), o.gold, o.pred));
        score.ignored.sort_unstable();
        score
    }
}

fn canonical_order(a: &Attribution, b: &Attribution) -> std::cmp::Ordering {
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

fn is_blank(speaker: &str) -> bool {
    speaker.trim().is_empty()
}

/// The optimal matching as `matched[gold] = edge`.
fn align(n_gold: usize, n_pred: usize, candidates: &[Candidate]) -> Vec<Option<Candidate>> {
    let edges: Vec<Edge> = candidates
        .iter()
        .map(|c| Edge {
            gold: c.gold,
            pred: c.pred,
            sim: c.sim,
            speaker: c.speaker,
        })
        .collect();
    let mut matched = vec![None; n_gold];
    for k in optimal_matching(n_gold, n_pred, &edges) {
        matched[candidates[k].gold] = Some(candidates[k]);
    }
    matched
}

/// Similarities of one article's rows, with the article's prefix counts and the quote
/// tokens computed once and only when some pair needs them.
struct SimContext<'a> {
    gold: &'a [Attribution],
    pred: &'a [Attribution],
    prefix: Vec<u32>,
    gold_tokens: Vec<Option<Tokens>>,
    pred_tokens: Vec<Option<Tokens>>,
}

impl<'a> SimContext<'a> {
    fn new(article: &Article, gold: &'a [Attribution], pred: &'a [Attribution]) -> Self {
        let mut prefix = Vec::new();
        let spans = |rows: &[Attribution]| rows.iter().any(|r| r.quote_span.is_some());
        if spans(gold) && spans(pred) {
            alnum_prefix(&article.text, &mut prefix);
        }
        SimContext {
            gold,
            pred,
            prefix,
            gold_tokens: vec![None; gold.len()],
            pred_tokens: vec![None; pred.len()],
        }
    }

    fn sim(&mut self, g: usize, p: usize) -> Sim {
        let (gold, pred) = (&self.gold[g], &self.pred[p]);
        if let (Some(a), Some(b)) = (gold.quote_span, pred.quote_span) {
            return span_sim(&self.prefix, (a.start, a.end), (b.start, b.end));
        }
        let a = self.gold_tokens[g].get_or_insert_with(|| Tokens::new(&gold.quote));
        let b = self.pred_tokens[p].get_or_insert_with(|| Tokens::new(&pred.quote));
        token_sim(a, b)
    }
}

/// Speaker comparison for the chosen mode.
enum Speakers {
    Name {
        /// Distinct normalized names of the article, and each row's index into them:
        /// an article names few people many times, so each is normalized once.
        names: Vec<String>,
        gold: Vec<u32>,
        pred: Vec<u32>,
    },
    Mention,
    Any,
}

impl Speakers {
    fn new(
        scorer: &Reference,
        article: &Article,
        gold: &[Attribution],
        pred: &[Attribution],
    ) -> Self {
        match scorer.options.speaker_match {
            SpeakerMatch::Name => {
                let mut raw: Vec<&str> = Vec::new();
                let mut names: Vec<String> = Vec::new();
                let mut gold_ids: Vec<u32> = Vec::with_capacity(gold.len() + pred.len());
                for row in gold.iter().chain(pred) {
                    let speaker = row.speaker.as_str();
                    let id = match raw.iter().position(|x| *x == speaker) {
                        Some(i) => i,
                        None => {
                            raw.push(speaker);
                            names.push(scorer.aliases.resolve(&article.id, name_key(speaker)));
                            names.len() - 1
                        }
                    };
                    gold_ids.push(id as u32);
                }
                let pred = gold_ids.split_off(gold.len());
                let gold = gold_ids;
                Speakers::Name { names, gold, pred }
            }
            SpeakerMatch::Mention => Speakers::Mention,
            SpeakerMatch::None => Speakers::Any,
        }
    }

    fn matches(
        &self,
        gold_rows: &[Attribution],
        pred_rows: &[Attribution],
        g: usize,
        p: usize,
    ) -> bool {
        match self {
            Speakers::Name { names, gold, pred } => {
                names_match(&names[gold[g] as usize], &names[pred[p] as usize])
            }
            Speakers::Mention => match (gold_rows[g].mention_span, pred_rows[p].mention_span) {
                (Some(a), Some(b)) => a.overlaps(&b),
                (Some(_), None) => false,
                // Gold without offsets has an empty speaker (checked before).
                (None, _) => is_blank(&pred_rows[p].speaker),
            },
            Speakers::Any => true,
        }
    }
}
