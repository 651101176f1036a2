//! The one-to-one alignment of docs/scoring.md#alignment: an optimal assignment, exact in integers.
//!
//! The objective is lexicographic: (1) edges whose speakers match, (2) edges, (3) the sum
//! of `sim`. The levels are packed into one weight per edge, `a·B_b + B_c + sim·S`, with
//! bases that keep each level above the greatest possible sum of the ones below.
//!
//! `sim = num/den` is a fraction, and sums of fractions must compare exactly. Edges that
//! an optimal matching can provably do without are dropped ([`Matcher::drop_dominated`]), then
//! the graph is split into connected components (most are a single edge; a star, one
//! gold or one prediction, takes its best edge). A larger component is solved by the
//! first of these routes that applies, all exact:
//!
//! 1. `S` = the least common multiple of the component's denominators, when the packed
//!    weights fit an `i128`: every weight is an integer, the assignment is exact.
//! 2. Otherwise prune: solve with `S = 2^32` and `sim·S` rounded down, and drop every
//!    edge whose reduced cost (slack) under that solution's dual potentials is at least
//!    `n`, the matrix size. Such an edge is in no exactly optimal matching: for a full
//!    assignment M through it, exact weight(M) < Σ potentials − slack + n ≤ Σ potentials
//!    ≤ exact weight of the rounded optimum (each rounded weight lost less than 1).
//!    What remains splits into small components, solved again from route 1.
//! 3. If pruning removes nothing, big integers with the exact common multiple.
//!
//! A crate such as `pathfinding` (its `kuhn_munkres`) needs `Copy` weights (no big integers) and
//! does not return its potentials, so the Hungarian method (shortest augmenting paths with
//! potentials, O(n³)) is written here once, generic over the weight type, and checked against brute
//! force in tests.

use super::similarity::Sim;
use num_bigint::BigInt;
use num_traits::Zero;
use std::ops::{Add, Neg, Sub};

/// One candidate pair within a component; `gold` and `pred` are local indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub gold: usize,
    pub pred: usize,
    pub sim: Sim,
    /// Speakers match (level 1).
    pub speaker: bool,
}

const NO_EDGE: usize = usize::MAX;

/// Indices into `edges` of an optimal matching of a whole bipartite graph (`gold` and
/// `pred` of the edges index `0..n_gold` and `0..n_pred`).
pub fn optimal_matching(n_gold: usize, n_pred: usize, edges: &[Edge]) -> Vec<usize> {
    let mut chosen = Vec::new();
    Matcher::default().optimal_matching(n_gold, n_pred, edges, &mut chosen);
    chosen
}

/// Working buffers of [`optimal_matching`], kept by a caller that matches many graphs
/// (the scorer: three per article) so that the common small cases allocate nothing.
#[derive(Debug, Default)]
pub struct Matcher {
    gold_seen: Vec<bool>,
    pred_seen: Vec<bool>,
    gold_degree: Vec<u32>,
    pred_degree: Vec<u32>,
    gold_best: Vec<Option<usize>>,
    pred_best: Vec<Option<usize>>,
    kept: Vec<usize>,
    sub: Vec<Edge>,
    parent: Vec<usize>,
    order: Vec<(usize, usize)>,
    local_gold: Vec<usize>,
    local_pred: Vec<usize>,
    component: Vec<Edge>,
}

/// `buffer` as `len` copies of `value`, reusing its allocation.
fn reset<T: Clone>(buffer: &mut Vec<T>, len: usize, value: T) {
    buffer.clear();
    buffer.resize(len, value);
}

impl Matcher {
    /// [`optimal_matching`] into `chosen` (cleared first).
    pub fn optimal_matching(
        &mut self,
        n_gold: usize,
        n_pred: usize,
        edges: &[Edge],
        chosen: &mut Vec<usize>,
    ) {
        chosen.clear();
        // Common under the stricter schemes: no row has two edges, so all of them are
        // taken.
        reset(&mut self.gold_seen, n_gold, false);
        reset(&mut self.pred_seen, n_pred, false);
        let (gold_seen, pred_seen) = (&mut self.gold_seen, &mut self.pred_seen);
        let disjoint = edges.iter().all(|e| {
            let fresh = !gold_seen[e.gold] && !pred_seen[e.pred];
            gold_seen[e.gold] = true;
            pred_seen[e.pred] = true;
            fresh
        });
        if disjoint {
            chosen.extend(0..edges.len());
            return;
        }
        let mut kept = std::mem::take(&mut self.kept);
        self.drop_dominated(n_gold, n_pred, edges, &mut kept);
        if kept.len() < edges.len() {
            let mut sub = std::mem::take(&mut self.sub);
            sub.clear();
            sub.extend(kept.iter().map(|&k| edges[k]));
            self.components(n_gold, n_pred, &sub, chosen);
            for k in chosen.iter_mut() {
                *k = kept[*k];
            }
            self.sub = sub;
        } else {
            self.components(n_gold, n_pred, edges, chosen);
        }
        self.kept = kept;
    }

    /// Edges that some optimal matching avoids are left out of `kept` (an exact
    /// reduction). Let gold g have an edge e* to a prediction whose only edge it is
    /// (degree 1), the best such edge of g. Every other edge e of g with weight ≤ w(e*)
    /// can go: in an optimal matching that uses e, e*'s prediction is free, and swapping
    /// e for e* loses nothing. The same holds with the roles of gold and prediction
    /// exchanged. Applied to all edges at once this stays valid: the swap targets are
    /// distinct (each has degree 1) and are never dropped themselves. This is what keeps
    /// a prediction without offsets, which shares a word with every gold row, from
    /// gluing a whole article into one component.
    fn drop_dominated(
        &mut self,
        n_gold: usize,
        n_pred: usize,
        edges: &[Edge],
        kept: &mut Vec<usize>,
    ) {
        let gold_degree = &mut self.gold_degree;
        let pred_degree = &mut self.pred_degree;
        reset(gold_degree, n_gold, 0);
        reset(pred_degree, n_pred, 0);
        for e in edges {
            gold_degree[e.gold] += 1;
            pred_degree[e.pred] += 1;
        }
        // Best edge to a degree-1 partner, per node (first of equals).
        let gold_best = &mut self.gold_best;
        let pred_best = &mut self.pred_best;
        reset(gold_best, n_gold, None);
        reset(pred_best, n_pred, None);
        for (k, e) in edges.iter().enumerate() {
            if pred_degree[e.pred] == 1
                && gold_best[e.gold].is_none_or(|b| !at_least_as_good(&edges[b], e))
            {
                gold_best[e.gold] = Some(k);
            }
            if gold_degree[e.gold] == 1
                && pred_best[e.pred].is_none_or(|b| !at_least_as_good(&edges[b], e))
            {
                pred_best[e.pred] = Some(k);
            }
        }
        kept.clear();
        kept.extend((0..edges.len()).filter(|&k| {
            let e = &edges[k];
            let dominated_by = |best: Option<usize>| {
                best.is_some_and(|b| b != k && at_least_as_good(&edges[b], e))
            };
            !dominated_by(gold_best[e.gold]) && !dominated_by(pred_best[e.pred])
        }));
    }

    /// Splits the graph into connected components and solves each, appending the
    /// chosen edges to `chosen`.
    fn components(
        &mut self,
        n_gold: usize,
        n_pred: usize,
        edges: &[Edge],
        chosen: &mut Vec<usize>,
    ) {
        let parent = &mut self.parent;
        parent.clear();
        parent.extend(0..n_gold + n_pred);
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for e in edges {
            let a = find(parent, e.gold);
            let b = find(parent, n_gold + e.pred);
            if a != b {
                parent[a] = b;
            }
        }
        let order = &mut self.order;
        order.clear();
        order.extend(
            edges
                .iter()
                .enumerate()
                .map(|(k, e)| (find(parent, e.gold), k)),
        );
        order.sort_unstable();

        let local_gold = &mut self.local_gold;
        let local_pred = &mut self.local_pred;
        reset(local_gold, n_gold, usize::MAX);
        reset(local_pred, n_pred, usize::MAX);
        let component = &mut self.component;
        let mut start = 0;
        while start < order.len() {
            let root = order[start].0;
            let end = start
                + order[start..]
                    .iter()
                    .take_while(|(r, _)| *r == root)
                    .count();
            if end - start == 1 {
                chosen.push(order[start].1);
            } else {
                let (mut golds, mut preds) = (0, 0);
                component.clear();
                component.extend(order[start..end].iter().map(|&(_, k)| {
                    let e = edges[k];
                    if local_gold[e.gold] == usize::MAX {
                        local_gold[e.gold] = golds;
                        golds += 1;
                    }
                    if local_pred[e.pred] == usize::MAX {
                        local_pred[e.pred] = preds;
                        preds += 1;
                    }
                    Edge {
                        gold: local_gold[e.gold],
                        pred: local_pred[e.pred],
                        ..e
                    }
                }));
                if golds == 1 || preds == 1 {
                    // A star, common enough to spare the allocation of best_matching.
                    chosen.push(order[start + best_of_star(component)].1);
                } else {
                    chosen.extend(
                        best_matching(golds, preds, component)
                            .into_iter()
                            .map(|i| order[start + i].1),
                    );
                }
            }
            start = end;
        }
    }
}

/// Two single edges by the objective: speaker match first, then sim, exactly.
fn compare_edges(a: &Edge, b: &Edge) -> std::cmp::Ordering {
    a.speaker.cmp(&b.speaker).then_with(|| {
        (a.sim.num as u128 * b.sim.den.max(1) as u128)
            .cmp(&(b.sim.num as u128 * a.sim.den.max(1) as u128))
    })
}

/// `a` is at least as good as `b` for the objective.
fn at_least_as_good(a: &Edge, b: &Edge) -> bool {
    compare_edges(a, b).is_ge()
}

/// Indices into `edges` of an optimal matching of one component.
fn best_matching(n_gold: usize, n_pred: usize, edges: &[Edge]) -> Vec<usize> {
    match edges.len() {
        0 => return Vec::new(),
        1 => return vec![0],
        _ => {}
    }
    if n_gold == 1 || n_pred == 1 {
        return vec![best_of_star(edges)];
    }
    // A square matrix: the pruning bound of route 2 is stated for a perfect
    // assignment, and a cell without an edge weighs zero ("unmatched").
    let n = n_gold.max(n_pred);
    let mut at = vec![NO_EDGE; n * n];
    for (k, e) in edges.iter().enumerate() {
        at[e.gold * n + e.pred] = k;
    }
    let max_edges = n_gold.min(n_pred) as u128;
    let assignment = match solve_exact_lcm(n, &at, edges, max_edges) {
        Some(assignment) => assignment,
        None => match prune(n, &at, edges, max_edges, 32) {
            Some(kept) => {
                let sub: Vec<Edge> = kept.iter().map(|&k| edges[k]).collect();
                return optimal_matching(n_gold, n_pred, &sub)
                    .into_iter()
                    .map(|i| kept[i])
                    .collect();
            }
            None => solve_big(n, &at, edges, max_edges),
        },
    };
    assignment
        .into_iter()
        .enumerate()
        .filter_map(|(r, c)| {
            let k = at[r * n + c];
            (k != NO_EDGE).then_some(k)
        })
        .collect()
}

/// The edge of an optimal matching of a star (one gold row or one prediction, at least
/// one edge): a matching holds one edge, so the best edge by (speaker, sim) wins,
/// compared exactly; on a tie, the first (rows arrive in a canonical order).
fn best_of_star(edges: &[Edge]) -> usize {
    let mut best = 0;
    for k in 1..edges.len() {
        if compare_edges(&edges[k], &edges[best]).is_gt() {
            best = k;
        }
    }
    best
}

/// Bases for scale `s` and at most `m` matched edges: `B_c = (m+1)·s > Σ sim·s` and
/// `B_b = (m+1)·B_c > Σ (B_c + sim·s)`. `None` when the Hungarian method's potentials
/// could leave a wide margin below `i128::MAX`.
fn bases(m: u128, s: u128) -> Option<(i128, i128)> {
    let b_c = (m + 1).checked_mul(s)?;
    let b_b = (m + 1).checked_mul(b_c)?;
    // Potentials and path lengths stay within a few times a full matching's weight.
    let top = (m + 1).checked_mul(b_b)?.checked_mul(4 * (m + 2))?;
    (top <= (i128::MAX as u128) / 16).then_some((b_b as i128, b_c as i128))
}

/// Route 1: exact integer weights scaled by the common multiple of the denominators.
fn solve_exact_lcm(n: usize, at: &[usize], edges: &[Edge], m: u128) -> Option<Vec<usize>> {
    let mut lcm: u128 = 1;
    for e in edges.iter().filter(|e| e.sim.den > 0) {
        let den = e.sim.den as u128;
        lcm = div(lcm, gcd(lcm, den)).checked_mul(den)?;
    }
    let (b_b, b_c) = bases(m, lcm)?;
    let weights: Vec<i128> = edges
        .iter()
        .map(|e| {
            let scaled = if e.sim.den == 0 {
                0
            } else {
                (e.sim.num as u128 * div(lcm, e.sim.den as u128)) as i128
            };
            b_b * e.speaker as i128 + b_c + scaled
        })
        .collect();
    Some(hungarian_i128(n, at, &weights).assignment)
}

/// Route 2: the edges that can be in an exactly optimal matching (slack below `n`
/// under the duals of the problem rounded at `sim·2^shift`); `None` if that is all.
fn prune(n: usize, at: &[usize], edges: &[Edge], m: u128, shift: u32) -> Option<Vec<usize>> {
    let s = 1u128 << shift;
    let (b_b, b_c) = bases(m, s)?;
    let weights: Vec<i128> = edges
        .iter()
        .map(|e| {
            let floor = if e.sim.den == 0 {
                0
            } else {
                e.sim.num as u128 * s / e.sim.den as u128
            };
            b_b * e.speaker as i128 + b_c + floor as i128
        })
        .collect();
    let solution = hungarian_i128(n, at, &weights);
    let kept: Vec<usize> = (0..edges.len())
        .filter(|&k| {
            let e = edges[k];
            // Slack in max form: y_r + z_c − w with y = −u, z = −v.
            let slack =
                -solution.row_potential[e.gold] - solution.col_potential[e.pred] - weights[k];
            slack < n as i128
        })
        .collect();
    (kept.len() < edges.len()).then_some(kept)
}

/// Route 3: big integers scaled by the exact common multiple.
fn solve_big(n: usize, at: &[usize], edges: &[Edge], m: u128) -> Vec<usize> {
    let mut lcm = BigInt::from(1u8);
    for e in edges.iter().filter(|e| e.sim.den > 0) {
        let den = BigInt::from(e.sim.den);
        lcm = &lcm / big_gcd(&lcm, &den) * den;
    }
    let m = BigInt::from(m);
    let one = BigInt::from(1u8);
    let b_c = (&m + &one) * &lcm;
    let b_b = (&m + &one) * &b_c;
    let weights: Vec<BigInt> = edges
        .iter()
        .map(|e| {
            let scaled = if e.sim.den == 0 {
                BigInt::zero()
            } else {
                BigInt::from(e.sim.num) * (&lcm / BigInt::from(e.sim.den))
            };
            let speaker = if e.speaker {
                b_b.clone()
            } else {
                BigInt::zero()
            };
            speaker + b_c.clone() + scaled
        })
        .collect();
    hungarian(n, at, &weights).assignment
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        // Denominators and their common multiples mostly fit a u64, whose division is
        // one instruction where a u128 one is a library call.
        if let (Ok(x), Ok(y)) = (u64::try_from(a), u64::try_from(b)) {
            return gcd_u64(x, y) as u128;
        }
        (a, b) = (b, a % b);
    }
    a
}

fn gcd_u64(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `a / b` in u64 arithmetic when both fit (see [`gcd`]).
fn div(a: u128, b: u128) -> u128 {
    match (u64::try_from(a), u64::try_from(b)) {
        (Ok(x), Ok(y)) => (x / y) as u128,
        _ => a / b,
    }
}

fn big_gcd(a: &BigInt, b: &BigInt) -> BigInt {
    let (mut a, mut b) = (a.clone(), b.clone());
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    a
}

/// The arithmetic the Hungarian method needs.
pub trait Weight:
    Clone + Ord + Zero + Add<Output = Self> + Sub<Output = Self> + Neg<Output = Self>
{
}

impl<T> Weight for T where
    T: Clone + Ord + Zero + Add<Output = T> + Sub<Output = T> + Neg<Output = T>
{
}

struct Solution<W> {
    /// Column of each row.
    assignment: Vec<usize>,
    /// Potentials of the min-cost form (cost = -weight): `u_r + v_c ≤ cost`, equal on
    /// the assignment.
    row_potential: Vec<W>,
    col_potential: Vec<W>,
}

/// [`hungarian`] on `i128` weights, run in `i64` when they are small enough (they are
/// for all but huge components), which is markedly faster.
fn hungarian_i128(n: usize, at: &[usize], weights: &[i128]) -> Solution<i128> {
    let max = weights.iter().copied().max().unwrap_or(0);
    let limit = (i64::MAX as i128) / (16 * (n as i128 + 2) * (n as i128 + 2));
    if max > limit {
        return hungarian(n, at, weights);
    }
    let small: Vec<i64> = weights.iter().map(|&w| w as i64).collect();
    let solution = hungarian(n, at, &small);
    Solution {
        assignment: solution.assignment,
        row_potential: solution.row_potential.into_iter().map(i128::from).collect(),
        col_potential: solution.col_potential.into_iter().map(i128::from).collect(),
    }
}

/// Maximum-weight perfect assignment of an `n × n` matrix whose cells are `weights[at]`
/// or zero for `NO_EDGE`. All edge weights are positive, so dropping the zero cells of
/// the result leaves a maximum-weight matching of the real edges.
fn hungarian<W: Weight>(n: usize, at: &[usize], weights: &[W]) -> Solution<W> {
    // 1-based rows and columns, index 0 is the virtual start of each search.
    let matrix: Vec<W> = at
        .iter()
        .map(|&k| match k {
            NO_EDGE => W::zero(),
            k => -weights[k].clone(),
        })
        .collect();
    let cost = |r: usize, c: usize| -> &W { &matrix[(r - 1) * n + (c - 1)] };
    // Row minima are feasible starting potentials (with v = 0) and save iterations.
    let mut u = vec![W::zero(); n + 1];
    for r in 1..=n {
        if let Some(min) = matrix[(r - 1) * n..r * n].iter().min() {
            u[r] = min.clone();
        }
    }
    let mut v = vec![W::zero(); n + 1];
    let mut row_of = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    let mut min_v: Vec<Option<W>> = vec![None; n + 1];
    let mut used = vec![false; n + 1];
    for r in 1..=n {
        row_of[0] = r;
        let mut c0 = 0usize;
        min_v.iter_mut().for_each(|m| *m = None);
        used.iter_mut().for_each(|x| *x = false);
        loop {
            used[c0] = true;
            let r0 = row_of[c0];
            let mut delta: Option<W> = None;
            let mut c1 = 0usize;
            for c in 1..=n {
                if used[c] {
                    continue;
                }
                let reduced = cost(r0, c).clone() - u[r0].clone() - v[c].clone();
                if min_v[c].as_ref().is_none_or(|m| reduced < *m) {
                    min_v[c] = Some(reduced);
                    way[c] = c0;
                }
                if let Some(candidate) = &min_v[c]
                    && delta.as_ref().is_none_or(|d| candidate < d)
                {
                    delta = Some(candidate.clone());
                    c1 = c;
                }
            }
            // Fewer rows are placed than there are columns, so an unused one remains.
            let Some(delta) = delta else {
                unreachable!("an unused column remains in a square assignment")
            };
            for c in 0..=n {
                if used[c] {
                    let r = row_of[c];
                    u[r] = u[r].clone() + delta.clone();
                    v[c] = v[c].clone() - delta.clone();
                } else if let Some(m) = min_v[c].take() {
                    min_v[c] = Some(m - delta.clone());
                }
            }
            c0 = c1;
            if row_of[c0] == 0 {
                break;
            }
        }
        loop {
            let c1 = way[c0];
            row_of[c0] = row_of[c1];
            c0 = c1;
            if c0 == 0 {
                break;
            }
        }
    }
    let mut assignment = vec![0usize; n];
    for c in 1..=n {
        assignment[row_of[c] - 1] = c - 1;
    }
    Solution {
        assignment,
        row_potential: u[1..].to_vec(),
        col_potential: v[1..].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Objective = (usize, usize, BigInt);

    /// The objective as a tuple; the sum of `sim` is exact, scaled by the common
    /// multiple of all the denominators.
    fn objective(edges: &[Edge], chosen: &[usize]) -> Objective {
        objective_scaled(edges, edges, chosen)
    }

    /// The sum of `sim` scaled by the common multiple of `scale`'s denominators.
    fn objective_scaled(scale: &[Edge], edges: &[Edge], chosen: &[usize]) -> Objective {
        let cor = chosen.iter().filter(|&&k| edges[k].speaker).count();
        let mut lcm = BigInt::from(1u8);
        for e in scale.iter().filter(|e| e.sim.den > 0) {
            let den = BigInt::from(e.sim.den);
            lcm = &lcm / big_gcd(&lcm, &den) * den;
        }
        let sum: BigInt = chosen
            .iter()
            .map(|&k| {
                BigInt::from(edges[k].sim.num) * (&lcm / BigInt::from(edges[k].sim.den.max(1)))
            })
            .sum();
        (cor, chosen.len(), sum)
    }

    fn brute_force(n_gold: usize, n_pred: usize, edges: &[Edge]) -> Objective {
        brute_force_scaled(edges, n_gold, n_pred, edges)
    }

    fn brute_force_scaled(
        scale: &[Edge],
        n_gold: usize,
        n_pred: usize,
        edges: &[Edge],
    ) -> Objective {
        fn go(
            k: usize,
            scale: &[Edge],
            edges: &[Edge],
            used_g: &mut Vec<bool>,
            used_p: &mut Vec<bool>,
            current: &mut Vec<usize>,
            best: &mut Objective,
        ) {
            if k == edges.len() {
                let o = objective_scaled(scale, edges, current);
                if o > *best {
                    *best = o;
                }
                return;
            }
            go(k + 1, scale, edges, used_g, used_p, current, best);
            let e = edges[k];
            if !used_g[e.gold] && !used_p[e.pred] {
                used_g[e.gold] = true;
                used_p[e.pred] = true;
                current.push(k);
                go(k + 1, scale, edges, used_g, used_p, current, best);
                current.pop();
                used_g[e.gold] = false;
                used_p[e.pred] = false;
            }
        }
        let mut best = objective_scaled(scale, edges, &[]);
        go(
            0,
            scale,
            edges,
            &mut vec![false; n_gold],
            &mut vec![false; n_pred],
            &mut Vec::new(),
            &mut best,
        );
        best
    }

    fn edge(gold: usize, pred: usize, num: u64, den: u64, speaker: bool) -> Edge {
        Edge {
            gold,
            pred,
            sim: Sim { num, den },
            speaker,
        }
    }

    fn sorted(mut v: Vec<usize>) -> Vec<usize> {
        v.sort();
        v
    }

    #[test]
    fn optimal_where_greedy_fails() {
        // Greedy by weight takes g0–p0 (speaker match, sim 1) and leaves g1 alone; the
        // optimum pairs g0–p1 and g1–p0, two speaker matches.
        let edges = [
            edge(0, 0, 2, 2, true),
            edge(0, 1, 2, 4, true),
            edge(1, 0, 2, 4, true),
        ];
        assert_eq!(sorted(best_matching(2, 2, &edges)), vec![1, 2]);
    }

    #[test]
    fn speaker_level_beats_edge_count_and_sim() {
        // One speaker-matching edge beats two wrong-speaker edges.
        let edges = [
            edge(0, 0, 2, 2, false),
            edge(1, 1, 2, 2, false),
            edge(0, 1, 2, 10, true),
        ];
        assert_eq!(best_matching(2, 2, &edges), vec![2]);
        // Among equal speaker counts, more edges beat higher sim.
        let edges = [
            edge(0, 0, 2, 2, false),
            edge(0, 1, 2, 10, false),
            edge(1, 0, 2, 10, false),
        ];
        assert_eq!(sorted(best_matching(2, 2, &edges)), vec![1, 2]);
    }

    #[test]
    fn sim_sums_differing_below_the_rounding_step_are_told_apart() {
        // Two matchings whose sim sums differ by 1/(d1·d2) ≈ 2^-40, below what the
        // rounded route resolves at 2^32: 1/d1 + 1/d2 vs 2/(d1+d2)·… built from primes.
        let (d1, d2) = (1_000_003u64, 1_000_033u64);
        // Matching A: g0–p0 (1/d1·2/2) and g1–p1; matching B: g0–p1 and g1–p0.
        let edges = [
            edge(0, 0, 2, 2 * d1, false),
            edge(1, 1, 2, 2 * d2, false),
            edge(0, 1, 2, 2 * d2 - 2, false),
            edge(1, 0, 2, 2 * d1 + 2, false),
        ];
        let chosen = best_matching(2, 2, &edges);
        assert_eq!(objective(&edges, &chosen), brute_force(2, 2, &edges));
    }

    #[test]
    fn big_integer_weights_when_the_multiple_overflows() {
        let primes = [
            1_000_003u64,
            1_000_033,
            1_000_037,
            1_000_039,
            1_000_081,
            1_000_099,
        ];
        let mut edges = Vec::new();
        for (i, &p) in primes.iter().enumerate() {
            edges.push(edge(i % 3, i / 2, 2 * (i as u64 + 1), p, i % 2 == 0));
        }
        edges.sort_by_key(|e| (e.gold, e.pred));
        edges.dedup_by_key(|e| (e.gold, e.pred));
        let mut at = vec![NO_EDGE; 9];
        for (k, e) in edges.iter().enumerate() {
            at[e.gold * 3 + e.pred] = k;
        }
        assert!(solve_exact_lcm(3, &at, &edges, 3).is_none());
        let chosen: Vec<usize> = solve_big(3, &at, &edges, 3)
            .into_iter()
            .enumerate()
            .filter_map(|(r, c)| (at[r * 3 + c] != NO_EDGE).then_some(at[r * 3 + c]))
            .collect();
        assert_eq!(objective(&edges, &chosen), brute_force(3, 3, &edges));
    }

    fn arb_edges() -> impl Strategy<Value = (usize, usize, Vec<Edge>)> {
        (1usize..6, 1usize..6).prop_flat_map(|(g, p)| {
            let cells = proptest::collection::vec(
                (prop::bool::weighted(0.4), 1u64..40, 1u64..40, any::<bool>()),
                g * p,
            );
            cells.prop_map(move |cells| {
                let edges = cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.0)
                    .map(|(k, &(_, a, b, speaker))| Edge {
                        gold: k / p,
                        pred: k % p,
                        sim: Sim::from_counts(a.min(b) / 2 + 1, a, b),
                        speaker,
                    })
                    .collect();
                (g, p, edges)
            })
        })
    }

    fn to_edges(n: usize, at: &[usize], assignment: Vec<usize>) -> Vec<usize> {
        assignment
            .into_iter()
            .enumerate()
            .filter_map(|(r, c)| (at[r * n + c] != NO_EDGE).then_some(at[r * n + c]))
            .collect()
    }

    proptest! {
        /// The u64 shortcuts of gcd and division agree with plain u128 arithmetic, on
        /// either side of the u64 limit.
        #[test]
        fn gcd_and_div_equal_u128_arithmetic(
            a in prop_oneof![any::<u64>().prop_map(u128::from), any::<u128>()],
            b in prop_oneof![(1..=u64::MAX).prop_map(u128::from), 1..=u128::MAX],
        ) {
            let (mut x, mut y) = (a, b);
            while y != 0 {
                (x, y) = (y, x % y);
            }
            prop_assert_eq!(gcd(a, b), x);
            prop_assert_eq!(div(a, b), a / b);
        }
    }

    proptest! {
        #[test]
        fn every_route_matches_brute_force((g, p, edges) in arb_edges()) {
            let chosen = best_matching(g, p, &edges);
            let mut golds: Vec<usize> = chosen.iter().map(|&k| edges[k].gold).collect();
            let mut preds: Vec<usize> = chosen.iter().map(|&k| edges[k].pred).collect();
            golds.sort();
            golds.dedup();
            preds.sort();
            preds.dedup();
            prop_assert_eq!(golds.len(), chosen.len());
            prop_assert_eq!(preds.len(), chosen.len());
            let best = brute_force(g, p, &edges);
            prop_assert_eq!(objective(&edges, &chosen), best.clone());
            // With the dominated edges dropped and the graph split into components.
            let whole = optimal_matching(g, p, &edges);
            prop_assert_eq!(objective(&edges, &whole), best.clone());
            // A matcher's buffers, left from a different graph, change nothing.
            let mut matcher = Matcher::default();
            let mut reused = Vec::new();
            let swapped: Vec<Edge> = edges
                .iter()
                .map(|e| Edge { gold: e.pred, pred: e.gold, ..*e })
                .collect();
            matcher.optimal_matching(p, g, &swapped, &mut reused);
            matcher.optimal_matching(g, p, &edges, &mut reused);
            prop_assert_eq!(&reused, &whole);
            let mut kept = Vec::new();
            matcher.drop_dominated(g, p, &edges, &mut kept);
            let sub: Vec<Edge> = kept.iter().map(|&k| edges[k]).collect();
            prop_assert_eq!(brute_force_scaled(&edges, g, p, &sub), best.clone());

            let n = g.max(p);
            let mut at = vec![NO_EDGE; n * n];
            for (k, e) in edges.iter().enumerate() {
                at[e.gold * n + e.pred] = k;
            }
            let m = g.min(p) as u128;
            if let Some(a) = solve_exact_lcm(n, &at, &edges, m) {
                prop_assert_eq!(objective(&edges, &to_edges(n, &at, a)), best.clone());
            }
            for shift in [1, 3, 32] {
                if let Some(kept) = prune(n, &at, &edges, m, shift) {
                    let sub: Vec<Edge> = kept.iter().map(|&k| edges[k]).collect();
                    prop_assert_eq!(brute_force_scaled(&edges, g, p, &sub), best.clone());
                }
            }
            let a = solve_big(n, &at, &edges, m);
            prop_assert_eq!(objective(&edges, &to_edges(n, &at, a)), best);
        }
    }
}
