//! The scorer as first written, kept for tests: every pair of rows, prefix counts over
//! the whole article, a token list per row. The fast [`Scorer`](super::Scorer) must give
//! identical scores.

use super::assign::{Edge, optimal_matching};
use super::rows::{TypeFilter, canonical_order, check_mention_offsets, is_blank};
use super::similarity::{Sim, Threshold, nfkc_casefold, position_counts};
use super::types::{
    ArticleSchemeScore, ArticleScore, Counts, Outcome, OutcomeKind, PerScheme, Scheme,
    ScoringOptions, SpeakerMatch, TypeCounts,
};
use crate::attribution::Attribution;
use crate::dataset::{Aliases, Article};
use crate::error::Result;

/// A scorer for one set of options and aliases, reusable across articles and threads
/// (it is `Sync`).
#[derive(Debug, Clone)]
pub struct Reference {
    options: ScoringOptions,
    threshold: Threshold,
    cast: RefCast,
    types: TypeFilter,
}

/// The rows the type filter kept, in canonical order, and whether each kept prediction
/// overlaps a dropped gold row (docs/scoring.md#type-filter: it may be excused).
struct Kept {
    gold: Vec<usize>,
    pred: Vec<usize>,
    excusable: Vec<bool>,
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
        Reference {
            options: options.clone(),
            threshold: Threshold::new(options.overlap),
            cast: RefCast::new(aliases),
            types: TypeFilter::new(&options.types),
        }
    }

    /// The oracle's scores of one article, to be compared with [`super::Scorer::score_article`]'s
    /// (outcome indices into `gold` and `pred` as given).
    pub fn score(
        &self,
        article: &Article,
        gold: &[Attribution],
        pred: &[Attribution],
    ) -> Result<ArticleScore> {
        let mut kept_gold: Vec<usize> = (0..gold.len())
            .filter(|&g| self.types.keeps_gold(&gold[g]))
            .collect();
        let dropped_gold: Vec<usize> = (0..gold.len())
            .filter(|&g| !self.types.keeps_gold(&gold[g]))
            .collect();
        let mut kept_pred: Vec<usize> = (0..pred.len())
            .filter(|&p| self.types.keeps_prediction(&pred[p]))
            .collect();
        // Rows are visited in a canonical order of their content, so that whatever ties
        // the objective leaves open are broken the same way however the rows are
        // ordered in the files: the per-type figures, which depend on which of two
        // equally good rows is paired, then do not depend on row order either.
        kept_gold.sort_by(|&a, &b| canonical_order(&gold[a], &gold[b]).then(a.cmp(&b)));
        kept_pred.sort_by(|&a, &b| canonical_order(&pred[a], &pred[b]).then(a.cmp(&b)));

        check_mention_offsets(
            &self.options,
            &article.id,
            kept_gold.iter().map(|&g| &gold[g]),
        )?;

        let mut sims = SimContext::new(article, gold, pred);

        // docs/scoring.md#type-filter: a prediction that overlaps a dropped gold row may be
        // excused.
        let excusable: Vec<bool> = kept_pred
            .iter()
            .map(|&p| dropped_gold.iter().any(|&g| sims.sim(g, p).is_positive()))
            .collect();
        let kept = Kept {
            gold: kept_gold,
            pred: kept_pred,
            excusable,
        };

        let every_pair = self.threshold == Threshold::Always;
        let mut candidates = Vec::new();
        let speakers = Speakers::new(self, article, gold, pred);
        for (gi, &g) in kept.gold.iter().enumerate() {
            for (pi, &p) in kept.pred.iter().enumerate() {
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

        let score_scheme = |scheme| {
            let edges: Vec<Candidate> = candidates
                .iter()
                .copied()
                .filter(|c| match scheme {
                    Scheme::Exact => c.sim.is_exact(),
                    Scheme::Overlap => self.threshold.reached_by(c.sim),
                    Scheme::Lenient => c.sim.is_positive(),
                })
                .collect();
            let matched = align(kept.gold.len(), kept.pred.len(), &edges);
            self.outcomes(gold, pred, &kept, &matched)
        };
        Ok(ArticleScore {
            article_id: article.id.clone(),
            schemes: PerScheme::from_fn(score_scheme),
        })
    }

    /// Outcomes from a matching (`matched[gold] = edge`), then every count derived from
    /// the outcomes by counting them: a construction apart from the fast scorer's, which
    /// counts as it goes, so that the tests compare two ways of reaching the numbers.
    fn outcomes(
        &self,
        gold: &[Attribution],
        pred: &[Attribution],
        kept: &Kept,
        matched: &[Option<Candidate>],
    ) -> ArticleSchemeScore {
        let mut score = ArticleSchemeScore::default();
        let outcome = |kind, gold, pred, sim: Option<Sim>| Outcome {
            kind,
            gold,
            pred,
            sim: sim.map(Sim::as_f64),
        };
        // Which kept prediction each gold row took, if any.
        let taken: Vec<Option<(usize, bool)>> = (0..kept.pred.len())
            .map(|pi| {
                matched
                    .iter()
                    .flatten()
                    .find(|c| c.pred == pi)
                    .map(|c| (c.gold, c.speaker))
            })
            .collect();
        for (gi, &g) in kept.gold.iter().enumerate() {
            score.outcomes.push(match matched[gi] {
                Some(c) if c.speaker => outcome(
                    OutcomeKind::Cor,
                    Some(g),
                    Some(kept.pred[c.pred]),
                    Some(c.sim),
                ),
                Some(c) => outcome(
                    OutcomeKind::Inc,
                    Some(g),
                    Some(kept.pred[c.pred]),
                    Some(c.sim),
                ),
                None => outcome(OutcomeKind::Mis, Some(g), None, None),
            });
        }
        for (pi, &p) in kept.pred.iter().enumerate() {
            if taken[pi].is_none() {
                if kept.excusable[pi] {
                    score.ignored.push(p);
                } else {
                    score
                        .outcomes
                        .push(outcome(OutcomeKind::Spu, None, Some(p), None));
                }
            }
        }
        let of_kind =
            |kind: OutcomeKind| score.outcomes.iter().filter(|o| o.kind == kind).count() as u64;
        score.counts = Counts {
            gold: kept.gold.len() as u64,
            pred: (kept.pred.len() - score.ignored.len()) as u64,
            cor: of_kind(OutcomeKind::Cor),
            inc: of_kind(OutcomeKind::Inc),
            mis: of_kind(OutcomeKind::Mis),
            spu: of_kind(OutcomeKind::Spu),
        };
        for o in &score.outcomes {
            let cor = o.kind == OutcomeKind::Cor;
            if let Some(g) = o.gold {
                let by_type: &mut TypeCounts = &mut score.by_type[gold[g].gold_type().index()];
                by_type.gold += 1;
                by_type.gold_cor += u64::from(cor);
                if let Some(m) = gold[g].mention_type {
                    score.by_mention_type[m.index()].gold += 1;
                    score.by_mention_type[m.index()].cor += u64::from(cor);
                }
            }
            if let Some(t) = o.pred.and_then(|p| pred[p].quote_type) {
                score.by_type[t.index()].pred += 1;
                score.by_type[t.index()].pred_cor += u64::from(cor);
            }
        }
        score
            .outcomes
            .sort_by_key(|o| (o.gold.is_none(), o.gold, o.pred));
        score.ignored.sort_unstable();
        score
    }
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
enum Speakers<'a> {
    Name {
        cast: &'a RefCast,
        article_id: &'a str,
    },
    Mention,
    Any,
}

impl<'a> Speakers<'a> {
    fn new(
        scorer: &'a Reference,
        article: &'a Article,
        _gold: &[Attribution],
        _pred: &[Attribution],
    ) -> Self {
        match scorer.options.speaker_match {
            SpeakerMatch::Name => Speakers::Name {
                cast: &scorer.cast,
                article_id: &article.id,
            },
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
            Speakers::Name { cast, article_id } => {
                cast.matches(article_id, &gold_rows[g].speaker, &pred_rows[p].speaker)
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

/// docs/scoring.md#speaker-matching-name read literally, token lists as vectors and a scan of every
/// alias row for every comparison: the scorer's cast indexes rows by joined token lists instead.
#[derive(Debug, Clone)]
pub struct RefCast {
    /// (article, alias, name) of each row, in file order.
    rows: Vec<(Option<String>, String, String)>,
}

const REF_TITLES: &str = "the mr mrs ms miss dr prof sir dame lord lady president vice senator \
    sen rep representative gov governor mayor gen general col secretary minister prime \
    chancellor king queen prince princess pope rev reverend judge justice st saint";

/// The full token list of docs/scoring.md#speaker-matching-name.
pub fn ref_full_list(speaker: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let folded = nfkc_casefold(speaker);
    let mut plain = String::new();
    for c in folded.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        plain.push(if c.is_alphanumeric() { c } else { ' ' });
    }
    let mut tokens: Vec<String> = plain.split_whitespace().map(str::to_string).collect();
    // A lone `s` stays (the scorer's documented decision).
    if tokens.len() >= 2 && tokens[tokens.len() - 1] == "s" {
        tokens.pop();
    }
    tokens
}

/// The short token list of docs/scoring.md#speaker-matching-name.
pub fn ref_short_list(speaker: &str) -> Vec<String> {
    ref_without_titles(ref_full_list(speaker))
}

fn ref_without_titles(mut tokens: Vec<String>) -> Vec<String> {
    let titles: Vec<&str> = REF_TITLES.split_whitespace().collect();
    while tokens.len() >= 2 && titles.contains(&tokens[0].as_str()) {
        tokens.remove(0);
    }
    tokens
}

impl RefCast {
    pub fn new(aliases: &Aliases) -> RefCast {
        RefCast {
            rows: aliases
                .entries
                .iter()
                .map(|e| (e.article_id.clone(), e.alias.clone(), e.name.clone()))
                .collect(),
        }
    }

    /// The applicable rows as (offered string, name): own rows, then `*` rows. Rows whose
    /// name has no token are left out, as the scorer documents.
    fn offers(&self, article_id: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let own = self
            .rows
            .iter()
            .filter(|r| r.0.as_deref() == Some(article_id));
        let star = self.rows.iter().filter(|r| r.0.is_none());
        for (_, alias, name) in own.chain(star) {
            if ref_full_list(name).is_empty() {
                continue;
            }
            out.push((alias.clone(), name.clone()));
            out.push((name.clone(), name.clone()));
        }
        out
    }

    /// The full list of the name `speaker` resolves to (names are told apart by it).
    pub fn resolve(&self, article_id: &str, speaker: &str) -> Option<Vec<String>> {
        let full = ref_full_list(speaker);
        if full.is_empty() {
            return None;
        }
        let offers = self.offers(article_id);
        // The two strings of one row come together, so the first offer is the first row.
        for (offered, name) in &offers {
            if ref_full_list(offered) == full {
                return Some(ref_full_list(name));
            }
        }
        let short = ref_short_list(speaker);
        let mut found: Vec<Vec<String>> = Vec::new();
        for (offered, name) in &offers {
            if ref_short_list(offered) == short {
                let n = ref_full_list(name);
                if !found.contains(&n) {
                    found.push(n);
                }
            }
        }
        if found.len() == 1 { found.pop() } else { None }
    }

    pub fn matches(&self, article_id: &str, gold: &str, pred: &str) -> bool {
        let (rg, rp) = (
            self.resolve(article_id, gold),
            self.resolve(article_id, pred),
        );
        if let (Some(a), Some(b)) = (&rg, &rp) {
            return a == b;
        }
        let short = |resolved: &Option<Vec<String>>, speaker: &str| match resolved {
            Some(full) => ref_without_titles(full.clone()),
            None => ref_short_list(speaker),
        };
        let (a, b) = (short(&rg, gold), short(&rp, pred));
        if a == b {
            return true;
        }
        if a.is_empty() || b.is_empty() || a.last() != b.last() {
            return false;
        }
        let (shorter, longer) = if a.len() <= b.len() {
            (&a, &b)
        } else {
            (&b, &a)
        };
        shorter.iter().all(|t| longer.contains(t))
    }
}

/// Reference for [`count_positions`](super::counting::count_positions): prefix counts of counting
/// positions over an article: `prefix[i]` is the number of counting positions in `[0, i)`. Spans
/// index it in code points.
pub fn alnum_prefix(text: &str, out: &mut Vec<u32>) {
    out.clear();
    out.reserve(text.len() + 1);
    out.push(0);
    let mut count = 0u32;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            count += b.is_ascii_alphanumeric() as u32;
            i += 1;
        } else {
            // `i` is at a character boundary: ASCII bytes and whole characters only are
            // stepped over.
            let c = text[i..].chars().next().unwrap_or('\u{fffd}');
            count += position_counts(c) as u32;
            i += c.len_utf8();
        }
        out.push(count);
    }
}

/// Reference for [`TokenInterner`](super::counting::TokenInterner): the tokens of a quote text
/// (docs/scoring.md#similarity), maximal runs of alphanumeric characters after NFKC and case
/// folding, kept sorted so that a multiset intersection is a merge.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    text: String,
    /// (hash, start, end) of each token in `text`, sorted by hash then content: a merge
    /// then compares integers and only reads text when hashes are equal.
    spans: Vec<(u64, u32, u32)>,
}

impl Tokens {
    pub fn new(quote: &str) -> Tokens {
        let text = nfkc_casefold(quote);
        let mut spans = Vec::new();
        let mut start: Option<usize> = None;
        for (i, c) in text.char_indices() {
            let alnum = if c.is_ascii() {
                c.is_ascii_alphanumeric()
            } else {
                c.is_alphanumeric()
            };
            match (alnum, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    spans.push((token_hash(&text[s..i]), s as u32, i as u32));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            spans.push((token_hash(&text[s..]), s as u32, text.len() as u32));
        }
        spans.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                text[a.1 as usize..a.2 as usize].cmp(&text[b.1 as usize..b.2 as usize])
            })
        });
        Tokens { text, spans }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn token(&self, i: usize) -> (u64, &str) {
        let (h, s, e) = self.spans[i];
        (h, &self.text[s as usize..e as usize])
    }
}

/// FNV-1a: a fixed, fast hash so token lists sort the same way in every run.
fn token_hash(token: &str) -> u64 {
    token.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Size of the multiset intersection of two token lists.
pub fn multiset_common(a: &Tokens, b: &Tokens) -> u64 {
    let (mut i, mut j, mut common) = (0, 0, 0u64);
    while i < a.len() && j < b.len() {
        match a.token(i).cmp(&b.token(j)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

/// Reference for the scorer's span similarity: two spans of the same article from its prefix
/// counts; spans are clamped to the article (loading rejects spans out of range, so this only
/// guards against a model's bad offsets).
pub fn span_sim(prefix: &[u32], a: (usize, usize), b: (usize, usize)) -> Sim {
    let last = prefix.len() - 1;
    let clamp = |(s, e): (usize, usize)| {
        let e = e.min(last);
        (s.min(e), e)
    };
    let (a, b) = (clamp(a), clamp(b));
    let count = |(s, e): (usize, usize)| (prefix[e] - prefix[s]) as u64;
    let lo = a.0.max(b.0);
    let hi = a.1.min(b.1);
    let common = if lo < hi { count((lo, hi)) } else { 0 };
    let sim = Sim::from_counts(common, count(a), count(b));
    // the exception of docs/scoring.md#similarity: the same span is the same quote, even "?" (an
    // empty span, which loading rejects, holds no quote).
    if sim == Sim::ZERO && a == b && a.0 < a.1 {
        return Sim::ONE;
    }
    sim
}

/// Reference for the scorer's token similarity: two quote texts as token multisets.
pub fn token_sim(a: &Tokens, b: &Tokens) -> Sim {
    Sim::from_counts(multiset_common(a, b), a.len() as u64, b.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_similarity_counts_alphanumeric_positions() {
        let mut prefix = Vec::new();
        alnum_prefix("ab, cd ef", &mut prefix);
        // [0,6) = "ab, cd" has 4 alnum; [4,9) = "cd ef" has 4; common [4,6) = 2.
        assert_eq!(span_sim(&prefix, (0, 6), (4, 9)), Sim { num: 4, den: 8 });
        assert_eq!(span_sim(&prefix, (0, 2), (0, 2)), Sim { num: 4, den: 4 });
        // Only punctuation on one side: zero.
        assert_eq!(span_sim(&prefix, (2, 4), (0, 9)), Sim::ZERO);
        assert_eq!(span_sim(&prefix, (2, 4), (2, 3)), Sim::ZERO);
        // ... except against the same span (docs/scoring.md#similarity).
        assert_eq!(span_sim(&prefix, (2, 4), (2, 4)), Sim::ONE);
        assert!(Sim::ONE.is_exact());
        // Out of range is clamped, never a panic.
        assert_eq!(span_sim(&prefix, (7, 100), (7, 9)), Sim { num: 4, den: 4 });
        // Punctuation differences do not matter: same alnum positions.
        assert!(span_sim(&prefix, (0, 3), (0, 2)).is_exact());
    }

    #[test]
    fn token_similarity_is_a_multiset_intersection() {
        let a = Tokens::new("We will, we WILL win.");
        let b = Tokens::new("we win");
        // A = {we×2, will×2, win}, B = {we, win}: common 2, sim = 4/7.
        assert_eq!(token_sim(&a, &b), Sim { num: 4, den: 7 });
        let c = Tokens::new("…");
        assert_eq!(token_sim(&a, &c), Sim::ZERO);
        let d = Tokens::new("ＷＥ ｗｉｌｌ we will WIN"); // fullwidth: NFKC
        assert!(token_sim(&a, &d).is_exact());
    }
}
