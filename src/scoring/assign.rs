//! The one-to-one alignment of SPEC 3.4: an optimal assignment, exact in integers.
//!
//! The objective is lexicographic: (1) edges whose speakers match, (2) edges, (3) the sum
//! of `sim`, and (4) our own last level, where the SPEC is silent: the number of matched
//! predictions that the ignore rule of 3.5 could not excuse. Level 4 only breaks ties that
//! the SPEC leaves open; it makes the counts independent of row order even under a type
//! filter (among equally good matchings it leaves unmatched, hence ignored, the
//! predictions that overlap dropped gold rows, so `|P|` is as small as the rules allow).
//! Ties that remain after level 4 change which rows are paired, never a count.
//!
//! The levels are packed into one integer weight per edge. `sim = num/den` becomes an
//! integer by scaling with the least common multiple of the component's denominators, so
//! sums of `sim` compare exactly. That weight fits an `i128` for any real article; when a
//! component's multiple is too large, the same weights are built as big integers.
//!
//! `pathfinding::kuhn_munkres` needs `Copy` weights, which big integers are not, so the
//! Hungarian method (shortest augmenting paths with potentials, O(rows²·cols)) is written
//! here once, generic over the weight type, and checked against brute force in tests.

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
    /// The prediction cannot be excused by the ignore rule if left unmatched (level 4).
    pub counted: bool,
}

/// Indices into `edges` of an optimal matching.
pub fn best_matching(n_gold: usize, n_pred: usize, edges: &[Edge]) -> Vec<usize> {
    match edges.len() {
        0 => return Vec::new(),
        1 => return vec![0],
        _ => {}
    }
    let transpose = n_gold > n_pred;
    let (rows, cols) = if transpose {
        (n_pred, n_gold)
    } else {
        (n_gold, n_pred)
    };
    let mut at = vec![usize::MAX; rows * cols];
    for (k, e) in edges.iter().enumerate() {
        let (r, c) = if transpose {
            (e.pred, e.gold)
        } else {
            (e.gold, e.pred)
        };
        at[r * cols + c] = k;
    }
    let assignment = match Scale::new(rows as u128, edges) {
        Some(scale) => {
            let weights: Vec<i128> = edges.iter().map(|e| scale.weight(e)).collect();
            hungarian(rows, cols, &at, &weights)
        }
        None => {
            let weights: Vec<BigInt> = edges.iter().map(|e| big_weight(rows, edges, e)).collect();
            hungarian(rows, cols, &at, &weights)
        }
    };
    assignment
        .into_iter()
        .enumerate()
        .filter_map(|(r, c)| {
            let k = at[r * cols + c];
            (k != usize::MAX).then_some(k)
        })
        .collect()
}

/// Bases of the packed weight `a·B_b + B_c + c·B_d + d`, where `a` is the speaker level,
/// `c = sim·L` and `d` the counted level. With `m` the most edges a matching can hold,
/// `B_d = m+1 > Σd`, `B_c = (mL+1)(m+1) > Σ(c·B_d + d)` and `B_b = (m+1)·B_c` exceeds the
/// sum of everything below level 1.
struct Scale {
    lcm: i128,
    b_b: i128,
    b_c: i128,
    b_d: i128,
}

impl Scale {
    fn new(max_edges: u128, edges: &[Edge]) -> Option<Scale> {
        let mut lcm: u128 = 1;
        for e in edges {
            if e.sim.den > 0 {
                let den = e.sim.den as u128;
                lcm = (lcm / gcd(lcm, den)).checked_mul(den)?;
            }
        }
        let m = max_edges;
        let b_d = m + 1;
        let b_c = m.checked_mul(lcm)?.checked_add(1)?.checked_mul(m + 1)?;
        let b_b = (m + 1).checked_mul(b_c)?;
        // Potentials and path lengths of the Hungarian method stay within a few times
        // the total weight of a full matching; keep a wide margin below i128::MAX.
        let top = (m + 1).checked_mul(b_b)?.checked_mul(4 * (m + 2))?;
        if top > (i128::MAX as u128) / 16 {
            return None;
        }
        Some(Scale {
            lcm: lcm as i128,
            b_b: b_b as i128,
            b_c: b_c as i128,
            b_d: b_d as i128,
        })
    }

    fn weight(&self, e: &Edge) -> i128 {
        let c = scaled_sim(e.sim, self.lcm as u128) as i128;
        self.b_b * e.speaker as i128 + self.b_c + c * self.b_d + e.counted as i128
    }
}

fn scaled_sim(sim: Sim, lcm: u128) -> u128 {
    if sim.den == 0 {
        0
    } else {
        sim.num as u128 * (lcm / sim.den as u128)
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn big_weight(max_edges: usize, edges: &[Edge], e: &Edge) -> BigInt {
    let mut lcm = BigInt::from(1u8);
    for other in edges {
        if other.sim.den > 0 {
            let den = BigInt::from(other.sim.den);
            let g = num_integer_gcd(&lcm, &den);
            lcm = lcm / g * den;
        }
    }
    let m = BigInt::from(max_edges);
    let one = BigInt::from(1u8);
    let b_d = &m + &one;
    let b_c = (&m * &lcm + &one) * (&m + &one);
    let b_b = (&m + &one) * &b_c;
    let c = if e.sim.den == 0 {
        BigInt::zero()
    } else {
        BigInt::from(e.sim.num) * (&lcm / BigInt::from(e.sim.den))
    };
    let speaker = if e.speaker { b_b } else { BigInt::zero() };
    speaker + b_c + c * b_d + BigInt::from(e.counted as u8)
}

fn num_integer_gcd(a: &BigInt, b: &BigInt) -> BigInt {
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

/// Maximum-weight assignment of every row to a distinct column (`rows ≤ cols`); a cell
/// without an edge (`at == usize::MAX`) weighs zero, so taking it means "unmatched".
/// All edge weights are positive, hence a maximum assignment restricted to real edges is
/// a maximum matching. Returns the column of each row.
fn hungarian<W: Weight>(rows: usize, cols: usize, at: &[usize], weights: &[W]) -> Vec<usize> {
    debug_assert!(rows <= cols);
    // Minimizing cost = -weight; 1-based rows and columns, index 0 is the virtual start.
    let cost = |r: usize, c: usize| -> W {
        let k = at[(r - 1) * cols + (c - 1)];
        if k == usize::MAX {
            W::zero()
        } else {
            -weights[k].clone()
        }
    };
    let mut u = vec![W::zero(); rows + 1];
    let mut v = vec![W::zero(); cols + 1];
    let mut row_of = vec![0usize; cols + 1];
    let mut way = vec![0usize; cols + 1];
    let mut min_v: Vec<Option<W>> = vec![None; cols + 1];
    let mut used = vec![false; cols + 1];
    for r in 1..=rows {
        row_of[0] = r;
        let mut c0 = 0usize;
        min_v.iter_mut().for_each(|m| *m = None);
        used.iter_mut().for_each(|x| *x = false);
        loop {
            used[c0] = true;
            let r0 = row_of[c0];
            let mut delta: Option<W> = None;
            let mut c1 = 0usize;
            for c in 1..=cols {
                if used[c] {
                    continue;
                }
                let reduced = cost(r0, c) - u[r0].clone() - v[c].clone();
                if min_v[c].as_ref().is_none_or(|m| reduced < *m) {
                    min_v[c] = Some(reduced);
                    way[c] = c0;
                }
                let candidate = min_v[c].as_ref().expect("set just above");
                if delta.as_ref().is_none_or(|d| candidate < d) {
                    delta = Some(candidate.clone());
                    c1 = c;
                }
            }
            // rows ≤ cols, so an unused column always exists here.
            let delta = delta.expect("an unused column remains while rows <= cols");
            for c in 0..=cols {
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
    let mut col_of = vec![0usize; rows];
    for c in 1..=cols {
        if row_of[c] != 0 {
            col_of[row_of[c] - 1] = c - 1;
        }
    }
    col_of
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Objective = (usize, usize, BigInt, usize);

    /// The objective as a tuple; the sum of `sim` is exact, scaled by the common
    /// multiple of all the denominators.
    fn objective(edges: &[Edge], chosen: &[usize]) -> Objective {
        let cor = chosen.iter().filter(|&&k| edges[k].speaker).count();
        let counted = chosen.iter().filter(|&&k| edges[k].counted).count();
        let mut lcm = BigInt::from(1u8);
        for e in edges.iter().filter(|e| e.sim.den > 0) {
            let den = BigInt::from(e.sim.den);
            lcm = &lcm / num_integer_gcd(&lcm, &den) * den;
        }
        let sum: BigInt = chosen
            .iter()
            .map(|&k| {
                BigInt::from(edges[k].sim.num) * (&lcm / BigInt::from(edges[k].sim.den.max(1)))
            })
            .sum();
        (cor, chosen.len(), sum, counted)
    }

    fn cmp_objective(a: Objective, b: Objective) -> std::cmp::Ordering {
        a.cmp(&b)
    }

    fn brute_force(n_gold: usize, n_pred: usize, edges: &[Edge]) -> Vec<usize> {
        fn go(
            k: usize,
            edges: &[Edge],
            used_g: &mut Vec<bool>,
            used_p: &mut Vec<bool>,
            current: &mut Vec<usize>,
            best: &mut Vec<usize>,
        ) {
            if k == edges.len() {
                if cmp_objective(objective(edges, current), objective(edges, best)).is_gt() {
                    *best = current.clone();
                }
                return;
            }
            go(k + 1, edges, used_g, used_p, current, best);
            let e = edges[k];
            if !used_g[e.gold] && !used_p[e.pred] {
                used_g[e.gold] = true;
                used_p[e.pred] = true;
                current.push(k);
                go(k + 1, edges, used_g, used_p, current, best);
                current.pop();
                used_g[e.gold] = false;
                used_p[e.pred] = false;
            }
        }
        let mut best = Vec::new();
        go(
            0,
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
            counted: true,
        }
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
        let mut chosen = best_matching(2, 2, &edges);
        chosen.sort();
        assert_eq!(chosen, vec![1, 2]);
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
        let mut chosen = best_matching(2, 2, &edges);
        chosen.sort();
        assert_eq!(chosen, vec![1, 2]);
    }

    #[test]
    fn sums_of_sim_compare_exactly() {
        // 1/3 + 1/3 + 1/3 = 1 exactly vs 1 + 0 (sim 1 and an extra edge elsewhere would
        // add a level-2 edge, so construct equal edge counts): a float sum can tip a tie.
        // g0–p0 sim 1/3, g1–p1 sim 2/3 (total 1) vs g0–p1 sim 1/2, g1–p0 sim 1/2 (total 1):
        // a true tie at level 3, decided by level 4.
        let mut edges = [
            edge(0, 0, 2, 6, false),
            edge(1, 1, 4, 6, false),
            edge(0, 1, 2, 4, false),
            edge(1, 0, 2, 4, false),
        ];
        edges[0].counted = false;
        let mut chosen = best_matching(2, 2, &edges);
        chosen.sort();
        assert_eq!(chosen, vec![2, 3]);
        edges[0].counted = true;
        edges[2].counted = false;
        let mut chosen = best_matching(2, 2, &edges);
        chosen.sort();
        assert_eq!(chosen, vec![0, 1]);
    }

    #[test]
    fn big_integer_weights_when_the_multiple_overflows() {
        // Denominators that are distinct large primes overflow i128 scaling.
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
        assert!(Scale::new(3, &edges).is_none());
        let chosen = best_matching(3, 3, &edges);
        let expected = brute_force(3, 3, &edges);
        assert!(cmp_objective(objective(&edges, &chosen), objective(&edges, &expected)).is_eq());
    }

    fn arb_edges() -> impl Strategy<Value = (usize, usize, Vec<Edge>)> {
        (1usize..5, 1usize..5).prop_flat_map(|(g, p)| {
            let cells = proptest::collection::vec(
                (
                    any::<bool>(),
                    1u64..6,
                    1u64..6,
                    any::<bool>(),
                    any::<bool>(),
                ),
                g * p,
            );
            cells.prop_map(move |cells| {
                let edges = cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.0)
                    .map(|(k, &(_, a, b, speaker, counted))| Edge {
                        gold: k / p,
                        pred: k % p,
                        sim: Sim::from_counts(a.min(b), a, b),
                        speaker,
                        counted,
                    })
                    .collect();
                (g, p, edges)
            })
        })
    }

    proptest! {
        #[test]
        fn matches_brute_force((g, p, edges) in arb_edges()) {
            let chosen = best_matching(g, p, &edges);
            let mut golds: Vec<usize> = chosen.iter().map(|&k| edges[k].gold).collect();
            let mut preds: Vec<usize> = chosen.iter().map(|&k| edges[k].pred).collect();
            golds.sort();
            golds.dedup();
            preds.sort();
            preds.dedup();
            prop_assert_eq!(golds.len(), chosen.len());
            prop_assert_eq!(preds.len(), chosen.len());
            let expected = brute_force(g, p, &edges);
            prop_assert!(cmp_objective(objective(&edges, &chosen), objective(&edges, &expected)).is_eq());
        }
    }
}
