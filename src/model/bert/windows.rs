//! Long articles are read in overlapping windows of tokens; each token then takes its
//! label from the window that saw the most context on both of its sides.

/// A half-open range of token positions in the article's token sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
}

impl Window {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Windows of at most `capacity` tokens over `n_tokens`, consecutive windows sharing
/// `overlap` tokens; together they cover every token. Callers guarantee
/// `overlap < capacity` (checked when options are validated).
pub fn plan_windows(n_tokens: usize, capacity: usize, overlap: usize) -> Vec<Window> {
    assert!(
        overlap < capacity,
        "window overlap {overlap} must be below capacity {capacity}"
    );
    let step = capacity - overlap;
    let mut windows = Vec::new();
    let mut start = 0;
    while start < n_tokens {
        let end = (start + capacity).min(n_tokens);
        windows.push(Window { start, end });
        if end == n_tokens {
            break;
        }
        start += step;
    }
    windows
}

/// For each token, the index of the window where it is most central: the largest
/// distance to a window edge that cuts the article. The article's own start and end are
/// not cuts (no window has more context there). Ties go to the earlier window.
pub fn owners(n_tokens: usize, windows: &[Window]) -> Vec<usize> {
    let mut best: Vec<Option<(usize, usize)>> = vec![None; n_tokens];
    for (index, window) in windows.iter().enumerate() {
        for (token, slot) in best
            .iter_mut()
            .enumerate()
            .take(window.end.min(n_tokens))
            .skip(window.start)
        {
            let left = if window.start == 0 {
                usize::MAX
            } else {
                token - window.start
            };
            let right = if window.end >= n_tokens {
                usize::MAX
            } else {
                window.end - 1 - token
            };
            let centrality = left.min(right);
            if slot.is_none_or(|(_, c)| centrality > c) {
                *slot = Some((index, centrality));
            }
        }
    }
    best.into_iter()
        .map(|slot| {
            slot.map(|(index, _)| index)
                .expect("windows cover every token")
        })
        .collect()
}

/// Joins per-window rows (one row per token of the window, e.g. class probabilities)
/// into one row per article token, each from its owner window.
pub fn stitch<T: Clone>(n_tokens: usize, windows: &[Window], per_window: &[Vec<T>]) -> Vec<T> {
    owners(n_tokens, windows)
        .into_iter()
        .enumerate()
        .map(|(token, window)| per_window[window][token - windows[window].start].clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_input_is_one_window_and_empty_input_none() {
        assert_eq!(plan_windows(5, 10, 3), vec![Window { start: 0, end: 5 }]);
        assert_eq!(plan_windows(10, 10, 3), vec![Window { start: 0, end: 10 }]);
        assert!(plan_windows(0, 10, 3).is_empty());
    }

    #[test]
    fn windows_step_by_capacity_minus_overlap() {
        let windows = plan_windows(20, 8, 3);
        let starts: Vec<_> = windows.iter().map(|w| (w.start, w.end)).collect();
        assert_eq!(starts, vec![(0, 8), (5, 13), (10, 18), (15, 20)]);
    }

    #[test]
    fn overlap_tokens_go_to_the_window_where_they_are_central() {
        // Windows [0,8) and [5,13) over 13 tokens share 5, 6, 7: 5 is 2 from the cut at 8
        // in the first window and 0 from the cut at 5 in the second.
        let windows = plan_windows(13, 8, 3);
        let owner = owners(13, &windows);
        assert_eq!(owner[4], 0);
        assert_eq!(owner[5], 0);
        assert_eq!(owner[6], 0); // tie (1 vs 1): the earlier window
        assert_eq!(owner[7], 1);
        assert_eq!(owner[12], 1);
    }

    #[test]
    fn stitch_takes_each_token_from_its_owner() {
        let windows = plan_windows(6, 4, 2);
        // Each window labels its tokens with (window index, absolute position).
        let per_window: Vec<Vec<(usize, usize)>> = windows
            .iter()
            .enumerate()
            .map(|(i, w)| (w.start..w.end).map(|t| (i, t)).collect())
            .collect();
        let stitched = stitch(6, &windows, &per_window);
        let positions: Vec<usize> = stitched.iter().map(|&(_, t)| t).collect();
        assert_eq!(positions, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(stitched[0].0, 0);
        assert_eq!(stitched[5].0, windows.len() - 1);
    }

    proptest! {
        #[test]
        fn every_token_is_covered_and_owned_by_a_window_that_holds_it(
            n in 0usize..400, capacity in 1usize..64, overlap_frac in 0.0f64..1.0,
        ) {
            let overlap = ((capacity as f64) * overlap_frac) as usize;
            let overlap = overlap.min(capacity - 1);
            let windows = plan_windows(n, capacity, overlap);
            for w in &windows {
                prop_assert!(!w.is_empty() && w.len() <= capacity);
            }
            for pair in windows.windows(2) {
                prop_assert_eq!(pair[1].start, pair[0].start + capacity - overlap);
            }
            let owner = owners(n, &windows);
            prop_assert_eq!(owner.len(), n);
            for (token, &w) in owner.iter().enumerate() {
                prop_assert!(windows[w].start <= token && token < windows[w].end);
            }
            if n > 0 {
                prop_assert_eq!(windows[0].start, 0);
                prop_assert_eq!(windows.last().unwrap().end, n);
            }
        }
    }
}
