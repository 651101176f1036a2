//! Scoring one article under all three schemes (docs/scoring.md).
//!
//! Throughput matters (issue 2: a million gold rows a second on one core), so the work
//! per article is kept near what the answer needs, without changing it:
//!
//! - A pair of rows with offsets has `sim > 0` only if the spans overlap. Gold spans are
//!   sorted by start, so each prediction meets only the gold rows it overlaps.
//! - Alphanumeric positions are counted over the spans themselves (once per row) and
//!   over an overlap only when it is neither span, never over the whole article.
//! - A quote is tokenized at most once per article, its tokens interned as dense ids
//!   whose multiset intersections are counted in an array (no sorted token lists). A
//!   prediction without offsets, which meets every gold row, is counted in once.
//! - Similarities and speaker matches are computed once for all three schemes; each
//!   scheme keeps the candidate pairs that reach its threshold.
//! - Working buffers live per thread and are reused from article to article.
//! - A corpus is larger than the caches: an article's row strings are prefetched
//!   together before the first is read, so that their trips to memory overlap.
//!
//! `#[cfg(test)] reference` keeps the straightforward version (all pairs, prefix counts
//! over the article, per-row token lists); tests check both give identical scores.

use super::assign::{Edge, Matcher};
use super::counting::{TokenInterner, count_positions};
use super::rows::{TypeFilter, canonical_order, check_mention_offsets, is_blank};
use super::similarity::{Sim, Threshold};
use super::speaker::{Cast, NameId, NameKeys, names_match};
use super::types::{
    ArticleSchemeScore, ArticleScore, Counts, Outcome, OutcomeKind, PerScheme, Scheme,
    ScoringOptions, SpeakerMatch, TypeCounts,
};
use crate::attribution::{Attribution, Span};
use crate::dataset::{Aliases, Article};
use crate::error::Result;
use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::{FxBuildHasher, FxHashMap};
use std::cell::RefCell;
use std::hash::BuildHasher;

/// A scorer for one set of options and aliases, reusable across articles and threads
/// (it is `Sync`): the cast is built once, not once per article.
#[derive(Debug, Clone)]
pub struct Scorer {
    options: ScoringOptions,
    threshold: Threshold,
    cast: Cast,
    types: TypeFilter,
}

thread_local! {
    /// Working buffers of [`Scorer::score_article`], reused by each thread across the
    /// articles it scores: a [`Scorer`] is shared between threads, so it cannot own them.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The buffers of one article's scoring; contents never outlive the article.
#[derive(Debug, Default)]
struct Scratch {
    kept_gold: Vec<usize>,
    dropped_gold: Vec<usize>,
    kept_pred: Vec<usize>,
    span_keys: SortKeys,
    excusable: Vec<bool>,
    /// Pairs with `sim > 0` (every pair when τ ≤ 0), by kept gold then kept prediction.
    candidates: Vec<Edge>,
    /// One scheme's edges (and a buffer for sorting the candidates).
    edges: Vec<Edge>,
    /// Where each kept gold row's candidates go when sorting them.
    edge_starts: Vec<usize>,
    matched: Vec<Option<Edge>>,
    matcher: Matcher,
    chosen: Vec<usize>,
    /// Kept index of each gold row and prediction (`usize::MAX` if not kept), so that
    /// outcomes are produced in index order without sorting them.
    gold_rank: Vec<usize>,
    pred_rank: Vec<usize>,
    pred_taken: Vec<Option<bool>>,
    rows: RowCache,
    sweep: Sweep,
    names: NameIds,
}

impl Scorer {
    pub fn new(aliases: &Aliases, options: &ScoringOptions) -> Scorer {
        Scorer {
            options: options.clone(),
            threshold: Threshold::new(options.overlap),
            cast: Cast::new(aliases),
            types: TypeFilter::new(&options.types),
        }
    }

    pub fn options(&self) -> &ScoringOptions {
        &self.options
    }

    /// The cast the scorer resolves speakers by, for reports that name them as it does.
    pub fn cast(&self) -> &Cast {
        &self.cast
    }

    /// Scores one article's predictions against its gold rows under every scheme.
    /// Outcome indices point into `gold` and `pred` as given (before the type filter).
    pub fn score_article(
        &self,
        article: &Article,
        gold: &[Attribution],
        pred: &[Attribution],
    ) -> Result<ArticleScore> {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.score_with(&mut scratch, article, gold, pred),
            // Only a reentrant call could find the buffers taken.
            Err(_) => self.score_with(&mut Scratch::default(), article, gold, pred),
        })
    }

    fn score_with(
        &self,
        scratch: &mut Scratch,
        article: &Article,
        gold: &[Attribution],
        pred: &[Attribution],
    ) -> Result<ArticleScore> {
        let Scratch {
            kept_gold,
            dropped_gold,
            kept_pred,
            span_keys,
            excusable,
            candidates,
            edges,
            edge_starts,
            matched,
            matcher,
            chosen,
            gold_rank,
            pred_rank,
            pred_taken,
            rows,
            sweep,
            names,
        } = scratch;
        // Before anything reads them (the canonical sort, the speakers, the tokens).
        for row in gold.iter().chain(pred) {
            prefetch(&row.quote);
            prefetch(&row.speaker);
        }
        let kept = |g: &Attribution| self.types.keeps_gold(g);
        kept_gold.clear();
        kept_gold.extend((0..gold.len()).filter(|&g| kept(&gold[g])));
        dropped_gold.clear();
        dropped_gold.extend((0..gold.len()).filter(|&g| !kept(&gold[g])));
        kept_pred.clear();
        kept_pred.extend((0..pred.len()).filter(|&p| self.types.keeps_prediction(&pred[p])));
        // Rows are visited in a canonical order of their content, so that whatever ties
        // the objective leaves open are broken the same way however the rows are
        // ordered in the files: the per-type figures, which depend on which of two
        // equally good rows is paired, then do not depend on row order either. (The
        // index makes the order total, so an unstable sort gives the same order.)
        sort_canonically(kept_gold, gold, span_keys);
        sort_canonically(kept_pred, pred, span_keys);
        rank(kept_gold, gold.len(), gold_rank);
        rank(kept_pred, pred.len(), pred_rank);

        check_mention_offsets(
            &self.options,
            &article.id,
            kept_gold.iter().map(|&g| &gold[g]),
        )?;

        rows.reset(article, gold, pred);
        let mut sims = Sims {
            text: &article.text,
            gold,
            pred,
            rows,
        };

        // docs/scoring.md#type-filter: a prediction that overlaps a dropped gold row may be
        // excused.
        excusable.clear();
        excusable.extend(
            kept_pred
                .iter()
                .map(|&p| dropped_gold.iter().any(|&g| sims.sim(g, p).is_positive())),
        );

        candidates.clear();
        if self.threshold == Threshold::Always {
            for (gi, &g) in kept_gold.iter().enumerate() {
                for (pi, &p) in kept_pred.iter().enumerate() {
                    candidates.push(edge(gi, pi, sims.sim(g, p)));
                }
            }
        } else {
            sims.positive_pairs(kept_gold, kept_pred, sweep, candidates);
            // The order the alignment breaks ties by, as the all-pairs loop gives it.
            sort_by_gold_then_pred(candidates, kept_gold.len(), edge_starts, edges);
        }
        names.fill(self, article, gold, pred);
        for c in candidates.iter_mut() {
            c.speaker =
                self.speakers_match(names, gold, pred, kept_gold[c.gold], kept_pred[c.pred]);
        }

        let schemes = PerScheme::from_fn(|scheme| {
            edges.clear();
            // A plain loop: through `filter`, each edge took a detour over the stack
            // that stalled on store forwarding.
            for c in candidates.iter() {
                let kept = match scheme {
                    Scheme::Exact => c.sim.is_exact(),
                    Scheme::Overlap => self.threshold.reached_by(c.sim),
                    Scheme::Lenient => c.sim.is_positive(),
                };
                if kept {
                    edges.push(*c);
                }
            }
            matcher.optimal_matching(kept_gold.len(), kept_pred.len(), edges, chosen);
            matched.clear();
            matched.resize(kept_gold.len(), None);
            for &k in chosen.iter() {
                matched[edges[k].gold] = Some(edges[k]);
            }
            self.outcomes(
                gold, pred, kept_gold, kept_pred, gold_rank, pred_rank, excusable, matched,
                pred_taken,
            )
        });
        Ok(ArticleScore {
            article_id: article.id.clone(),
            schemes,
        })
    }

    /// Counts, per-type counts and outcomes from a matching (`matched[gold] = edge`).
    #[allow(clippy::too_many_arguments)]
    fn outcomes(
        &self,
        gold: &[Attribution],
        pred: &[Attribution],
        kept_gold: &[usize],
        kept_pred: &[usize],
        gold_rank: &[usize],
        pred_rank: &[usize],
        excusable: &[bool],
        matched: &[Option<Edge>],
        pred_taken: &mut Vec<Option<bool>>,
    ) -> ArticleSchemeScore {
        let mut score = ArticleSchemeScore {
            outcomes: Vec::with_capacity(kept_gold.len() + kept_pred.len()),
            ..ArticleSchemeScore::default()
        };
        let mut counts = Counts {
            gold: kept_gold.len() as u64,
            ..Counts::default()
        };
        // Rows in index order give the outcomes in their reported order: gold rows by
        // index, then spurious predictions by index.
        pred_taken.clear();
        pred_taken.resize(kept_pred.len(), None);
        for (gi, g) in in_row_order(gold_rank) {
            let by_type = &mut score.by_type[gold[g].gold_type().index()];
            by_type.gold += 1;
            let mut by_mention = gold[g]
                .mention_type
                .map(|m| &mut score.by_mention_type[m.index()]);
            if let Some(m) = by_mention.as_deref_mut() {
                m.gold += 1;
            }
            match matched[gi] {
                Some(c) => {
                    pred_taken[c.pred] = Some(c.speaker);
                    let kind = if c.speaker {
                        counts.cor += 1;
                        by_type.gold_cor += 1;
                        if let Some(m) = by_mention {
                            m.cor += 1;
                        }
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
        for (pi, p) in in_row_order(pred_rank) {
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
    }

    /// Whether the speakers of gold `g` and prediction `p` match
    /// (docs/scoring.md#speaker-matching).
    fn speakers_match(
        &self,
        names: &mut NameIds,
        gold: &[Attribution],
        pred: &[Attribution],
        g: usize,
        p: usize,
    ) -> bool {
        match self.options.speaker_match {
            SpeakerMatch::Name => names.matches(g, p),
            SpeakerMatch::Mention => match (gold[g].mention_span, pred[p].mention_span) {
                (Some(a), Some(b)) => a.overlaps(&b),
                (Some(_), None) => false,
                // Gold without offsets has an empty speaker (checked before).
                (None, _) => is_blank(&pred[p].speaker),
            },
            SpeakerMatch::None => true,
        }
    }
}

fn edge(gold: usize, pred: usize, sim: Sim) -> Edge {
    Edge {
        gold,
        pred,
        sim,
        // Filled in once the candidates are known.
        speaker: false,
    }
}

/// Sorts row indices by [`canonical_order`], then index. The order begins with the quote
/// span, so the rows are sorted by (span, index) as plain keys, and only rows that share
/// a span are compared in full: comparing through the rows costs a comparator call and
/// two row loads per step. (Packing each key into one `u64`, for the sorting networks
/// the standard sort has for small values, was measured at +2.5% of scoring throughput,
/// within run-to-run spread, and went: `examples/scoring_throughput`, thread CPU time,
/// best of 5, four alternating runs each.)
pub(super) fn sort_canonically(kept: &mut [usize], rows: &[Attribution], keys: &mut SortKeys) {
    let keys = &mut keys.keys;
    keys.clear();
    keys.extend(kept.iter().map(|&r| (rows[r].quote_span, r)));
    keys.sort_unstable();
    for (slot, &(_, r)) in kept.iter_mut().zip(keys.iter()) {
        *slot = r;
    }
    let mut start = 0;
    while start < kept.len() {
        let span = keys[start].0;
        let end = start + keys[start..].iter().take_while(|k| k.0 == span).count();
        if end - start > 1 {
            kept[start..end]
                .sort_unstable_by(|&a, &b| canonical_order(&rows[a], &rows[b]).then(a.cmp(&b)));
        }
        start = end;
    }
}

/// The buffer of [`sort_canonically`]: (span, index) of each kept row.
#[derive(Debug, Default)]
pub(super) struct SortKeys {
    keys: Vec<(Option<Span>, usize)>,
}

/// Asks for the first 256 bytes of `text` (most quotes and names whole) to be brought
/// into the cache, without waiting for them: the strings of an article's rows lie apart
/// in memory, and fetched one at a time, as each is first read, every one costs a whole
/// trip to memory, where prefetched together the trips overlap. Measured: +12% scoring
/// throughput (1.40–1.46 M gold rows per CPU-second with it, 1.21–1.29 M without;
/// `examples/scoring_throughput`, best of 5, four alternating runs each, 2 shared cores).
#[inline]
fn prefetch(text: &str) {
    #[cfg(target_arch = "x86_64")]
    for line in text.as_bytes().chunks(64).take(4) {
        // SAFETY: a prefetch is only a hint: it reads nothing the program sees and never
        // faults, and the address is inside `text` anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                line.as_ptr().cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = text;
}

/// (kept index, row) of the kept rows, by row.
fn in_row_order(rank: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
    rank.iter()
        .enumerate()
        .filter_map(|(row, &i)| (i != usize::MAX).then_some((i, row)))
}

/// Sorts `edges` by (gold, pred), pairs that are distinct: a counting sort by gold
/// row, then each row's few edges by prediction (most often in order already), where a
/// comparison sort of the whole list costs several times more.
fn sort_by_gold_then_pred(
    edges: &mut Vec<Edge>,
    n_gold: usize,
    starts: &mut Vec<usize>,
    sorted: &mut Vec<Edge>,
) {
    starts.clear();
    starts.resize(n_gold + 1, 0);
    for e in edges.iter() {
        starts[e.gold + 1] += 1;
    }
    for g in 0..n_gold {
        starts[g + 1] += starts[g];
    }
    sorted.clear();
    sorted.extend_from_slice(edges);
    for &e in edges.iter() {
        sorted[starts[e.gold]] = e;
        starts[e.gold] += 1;
    }
    // Each start has moved to the end of its row's edges.
    let mut from = 0;
    for &end in &starts[..n_gold] {
        sorted[from..end].sort_unstable_by_key(|e| e.pred);
        from = end;
    }
    std::mem::swap(edges, sorted);
}

/// `rank[row]` = the position of `row` in `kept`, `usize::MAX` for rows not kept.
fn rank(kept: &[usize], rows: usize, rank: &mut Vec<usize>) {
    rank.clear();
    rank.resize(rows, usize::MAX);
    for (i, &row) in kept.iter().enumerate() {
        rank[row] = i;
    }
}

/// A quote span clamped to the article (loading rejects spans out of range, so this only
/// guards against a model's bad offsets), in code points and in bytes.
#[derive(Debug, Clone, Copy)]
struct Clamped {
    start: usize,
    end: usize,
    byte_start: usize,
    byte_end: usize,
}

/// What the similarities of one row need, each computed at most once per article.
#[derive(Debug, Clone, Copy)]
struct Row {
    span: Option<Clamped>,
    /// Counting positions of `span`.
    count: Option<u64>,
    /// The range of the quote's token ids in [`RowCache::tokens`].
    tokens: Option<(usize, usize)>,
}

/// Per-row similarity data of one article, gold and predicted rows by their index.
#[derive(Debug, Default)]
struct RowCache {
    gold: Vec<Row>,
    pred: Vec<Row>,
    tokens: Vec<u32>,
    interner: TokenInterner,
}

impl RowCache {
    fn reset(&mut self, article: &Article, gold: &[Attribution], pred: &[Attribution]) {
        let last = article.char_len();
        let row = |r: &Attribution| Row {
            span: r.quote_span.map(|span| {
                let end = span.end.min(last);
                let start = span.start.min(end);
                // Both are at most the length, so both have a byte offset.
                let byte = |c: usize| article.byte_offset(c).unwrap_or(article.text.len());
                Clamped {
                    start,
                    end,
                    byte_start: byte(start),
                    byte_end: byte(end),
                }
            }),
            count: None,
            tokens: None,
        };
        self.gold.clear();
        self.gold.extend(gold.iter().map(row));
        self.pred.clear();
        self.pred.extend(pred.iter().map(row));
        self.tokens.clear();
        self.interner.clear();
    }
}

/// Gold spans sorted by start, for finding the ones a prediction overlaps.
#[derive(Debug, Default)]
struct Sweep {
    /// (start, end, kept gold index).
    spans: Vec<(usize, usize, usize)>,
    /// `reach[i]`: the greatest end among `spans[..=i]`, non-decreasing.
    reach: Vec<usize>,
}

/// Similarities (docs/scoring.md#similarity) of one article's rows.
struct Sims<'a> {
    text: &'a str,
    gold: &'a [Attribution],
    pred: &'a [Attribution],
    rows: &'a mut RowCache,
}

impl Sims<'_> {
    fn sim(&mut self, g: usize, p: usize) -> Sim {
        match (self.rows.gold[g].span, self.rows.pred[p].span) {
            (Some(a), Some(b)) => self.span_sim(g, p, a, b),
            _ => self.token_sim(g, p),
        }
    }

    fn span_sim(&mut self, g: usize, p: usize, a: Clamped, b: Clamped) -> Sim {
        let (lo, hi) = (a.start.max(b.start), a.end.min(b.end));
        if lo >= hi {
            return Sim::ZERO;
        }
        let count_a = self.count(true, g, a);
        // A prediction that copies the gold span (the most common kind) has its count.
        let count_b = if (a.start, a.end) == (b.start, b.end) {
            *self.rows.pred[p].count.get_or_insert(count_a)
        } else {
            self.count(false, p, b)
        };
        let common = if (lo, hi) == (a.start, a.end) {
            count_a
        } else if (lo, hi) == (b.start, b.end) {
            count_b
        } else {
            let byte_lo = if a.start >= b.start {
                a.byte_start
            } else {
                b.byte_start
            };
            let byte_hi = if a.end <= b.end {
                a.byte_end
            } else {
                b.byte_end
            };
            count_positions(self.text, byte_lo..byte_hi)
        };
        if common == 0 && (a.start, a.end) == (b.start, b.end) {
            // the exception of docs/scoring.md#similarity: the same span is the same quote, even
            // "?" (the spans overlap, so they are not empty).
            return Sim::ONE;
        }
        Sim::from_counts(common, count_a, count_b)
    }

    fn count(&mut self, is_gold: bool, i: usize, span: Clamped) -> u64 {
        let row = if is_gold {
            &mut self.rows.gold[i]
        } else {
            &mut self.rows.pred[i]
        };
        *row.count
            .get_or_insert_with(|| count_positions(self.text, span.byte_start..span.byte_end))
    }

    fn token_sim(&mut self, g: usize, p: usize) -> Sim {
        let (a0, a1) = self.tokens(true, g);
        let (b0, b1) = self.tokens(false, p);
        let rows = &mut *self.rows;
        let common = rows
            .interner
            .common(&rows.tokens[a0..a1], &rows.tokens[b0..b1]);
        Sim::from_counts(common, (a1 - a0) as u64, (b1 - b0) as u64)
    }

    fn tokens(&mut self, is_gold: bool, i: usize) -> (usize, usize) {
        let (row, quote) = if is_gold {
            (&mut self.rows.gold[i], &self.gold[i].quote)
        } else {
            (&mut self.rows.pred[i], &self.pred[i].quote)
        };
        if let Some(range) = row.tokens {
            return range;
        }
        let start = self.rows.tokens.len();
        self.rows.interner.tokenize(quote, &mut self.rows.tokens);
        let range = (start, self.rows.tokens.len());
        let row = if is_gold {
            &mut self.rows.gold[i]
        } else {
            &mut self.rows.pred[i]
        };
        row.tokens = Some(range);
        range
    }

    /// `f(gi, sim)` for each kept gold row `gi` and prediction `p`, which has no offsets:
    /// its tokens are counted once for all the gold rows.
    fn token_sims_of_pred(&mut self, p: usize, kept_gold: &[usize], mut f: impl FnMut(usize, Sim)) {
        let (b0, b1) = self.tokens(false, p);
        {
            let rows = &mut *self.rows;
            rows.interner.hold(&rows.tokens[b0..b1]);
        }
        for (gi, &g) in kept_gold.iter().enumerate() {
            let (a0, a1) = self.tokens(true, g);
            let rows = &mut *self.rows;
            let common = rows.interner.common_with_held(&rows.tokens[a0..a1]);
            f(
                gi,
                Sim::from_counts(common, (a1 - a0) as u64, (b1 - b0) as u64),
            );
        }
        let rows = &mut *self.rows;
        rows.interner.release(&rows.tokens[b0..b1]);
    }

    /// Every pair of kept rows with `sim > 0`, as edges between kept indices, in no
    /// particular order. Pairs of disjoint spans are skipped unseen.
    fn positive_pairs(
        &mut self,
        kept_gold: &[usize],
        kept_pred: &[usize],
        sweep: &mut Sweep,
        out: &mut Vec<Edge>,
    ) {
        sweep.spans.clear();
        for (gi, &g) in kept_gold.iter().enumerate() {
            if let Some(span) = self.rows.gold[g].span {
                sweep.spans.push((span.start, span.end, gi));
            }
        }
        sweep.spans.sort_unstable();
        sweep.reach.clear();
        let mut reach = 0;
        for &(_, end, _) in &sweep.spans {
            reach = reach.max(end);
            sweep.reach.push(reach);
        }
        let push = |this: &mut Self, out: &mut Vec<Edge>, gi: usize, pi: usize| {
            let sim = this.sim(kept_gold[gi], kept_pred[pi]);
            if sim.is_positive() {
                out.push(edge(gi, pi, sim));
            }
        };
        for (pi, &p) in kept_pred.iter().enumerate() {
            match self.rows.pred[p].span {
                Some(b) => {
                    // Gold spans before `first` end by b.start; from `last` on they
                    // start at b.end or later: neither can overlap.
                    let first = sweep.reach.partition_point(|&r| r <= b.start);
                    let last = sweep.spans.partition_point(|&(s, _, _)| s < b.end);
                    for &(_, _, gi) in sweep.spans.get(first..last).unwrap_or(&[]) {
                        push(self, out, gi, pi);
                    }
                }
                // Token similarity: any gold row may share a word.
                None => self.token_sims_of_pred(p, kept_gold, |gi, sim| {
                    if sim.is_positive() {
                        out.push(edge(gi, pi, sim));
                    }
                }),
            }
        }
        for (gi, &g) in kept_gold.iter().enumerate() {
            if self.rows.gold[g].span.is_none() {
                for (pi, &p) in kept_pred.iter().enumerate() {
                    if self.rows.pred[p].span.is_some() {
                        push(self, out, gi, pi);
                    }
                }
            }
        }
    }
}

/// Speakers in `name` mode: the distinct speakers of an article, and each row's index
/// into them. An article names few people many times, so each is resolved once.
#[derive(Debug, Default)]
struct NameIds {
    names: Vec<SpeakerName>,
    name_text: String,
    gold: Vec<u32>,
    pred: Vec<u32>,
    /// For each name, the row (gold rows, then predictions) whose speaker gave it.
    first_row: Vec<usize>,
    /// Name ids by the hash of their raw speaker: comparing each row's speaker with
    /// every distinct one so far is quadratic in string comparisons.
    by_speaker: HashTable<u32>,
    /// `names_match` of two name ids that share a last token, as computed so far. A
    /// map of the pairs met, not a table of all pairs: an article may have hundreds of
    /// thousands of distinct speakers, and a names² table would not fit in memory.
    /// Pairs with different last tokens, most of them, are told apart without it.
    pair_match: FxHashMap<(u32, u32), bool>,
    /// (raw speaker, its lists) of speakers seen in earlier articles of this thread:
    /// the same people speak across a dataset, and normalizing allocates three times.
    /// Emptied when it grows past [`KEY_CACHE_LIMIT`].
    keys: HashTable<(String, NameKeys)>,
}

/// One distinct speaker of an article, as docs/scoring.md#speaker-matching-name compares it.
#[derive(Debug, Clone, Copy)]
struct SpeakerName {
    /// The cast member it resolves to.
    resolved: Option<NameId>,
    /// The byte range in `name_text` of the short list it is compared by (its name's
    /// when it resolves: one buffer for all, rather than a string allocated and freed
    /// per name and article), and where its last token begins.
    start: usize,
    last: usize,
    end: usize,
}

const KEY_CACHE_LIMIT: usize = 1 << 14;

impl NameIds {
    fn fill(
        &mut self,
        scorer: &Scorer,
        article: &Article,
        gold: &[Attribution],
        pred: &[Attribution],
    ) {
        self.names.clear();
        self.name_text.clear();
        self.gold.clear();
        self.pred.clear();
        self.first_row.clear();
        self.by_speaker.clear();
        if scorer.options.speaker_match != SpeakerMatch::Name {
            return;
        }
        let speaker = |row: usize| match row.checked_sub(gold.len()) {
            None => gold[row].speaker.as_str(),
            Some(p) => pred[p].speaker.as_str(),
        };
        let first_row = &mut self.first_row;
        for row in 0..gold.len() + pred.len() {
            let raw = speaker(row);
            let entry = self.by_speaker.entry(
                FxBuildHasher.hash_one(raw),
                |&id| speaker(first_row[id as usize]) == raw,
                |&id| FxBuildHasher.hash_one(speaker(first_row[id as usize])),
            );
            let id = match entry {
                Entry::Occupied(entry) => *entry.get(),
                Entry::Vacant(entry) => {
                    let id = first_row.len() as u32;
                    entry.insert(id);
                    first_row.push(row);
                    let keys = cached_name_keys(&mut self.keys, raw);
                    let resolved = scorer.cast.resolved(&article.id, keys);
                    let start = self.name_text.len();
                    self.name_text.push_str(resolved.short);
                    let last = start + resolved.short.rfind(' ').map_or(0, |space| space + 1);
                    self.names.push(SpeakerName {
                        resolved: resolved.name,
                        start,
                        last,
                        end: self.name_text.len(),
                    });
                    id
                }
            };
            if row < gold.len() {
                self.gold.push(id);
            } else {
                self.pred.push(id);
            }
        }
        self.pair_match.clear();
    }

    /// Whether the speakers of gold row `g` and prediction `p` match by name.
    fn matches(&mut self, g: usize, p: usize) -> bool {
        let (a, b) = (self.gold[g], self.pred[p]);
        // The same raw speaker is the same name.
        if a == b {
            return true;
        }
        let (names, text) = (&self.names, &self.name_text);
        let (na, nb) = (names[a as usize], names[b as usize]);
        // Two cast members are the same person only if they are the same name.
        if let (Some(x), Some(y)) = (na.resolved, nb.resolved) {
            return x == y;
        }
        let name = |n: SpeakerName| text.get(n.start..n.end).unwrap_or("");
        let last = |n: SpeakerName| text.get(n.last..n.end).unwrap_or("");
        // Names with different last tokens never match (nor are they equal): most pairs
        // of people are told apart here, without splitting both names again.
        if last(na) != last(nb) {
            return false;
        }
        *self
            .pair_match
            .entry((a, b))
            .or_insert_with(|| names_match(name(na), name(nb)))
    }
}

/// `NameKeys::new(raw)` through the thread's cache.
fn cached_name_keys<'a>(keys: &'a mut HashTable<(String, NameKeys)>, raw: &str) -> &'a NameKeys {
    if keys.len() >= KEY_CACHE_LIMIT {
        keys.clear();
    }
    let hash = FxBuildHasher.hash_one(raw);
    let entry = keys
        .entry(
            hash,
            |(cached, _)| cached == raw,
            |(cached, _)| FxBuildHasher.hash_one(cached),
        )
        .or_insert_with(|| (raw.to_string(), NameKeys::new(raw)));
    &entry.into_mut().1
}
