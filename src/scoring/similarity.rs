//! Quote similarity of docs/scoring.md#similarity, kept as an exact fraction so that the
//! schemes of docs/scoring.md#schemes compare without rounding.
//!
//! This module holds the definitions only; the fast ways of counting them that the
//! scorer uses are in `counting`, and the test oracle's straightforward ones in
//! `reference`.

use unicode_normalization::UnicodeNormalization;

/// `sim = num / den` with `num = 2|A∩B|` and `den = |A|+|B|`; `den == 0` only for the
/// zero similarity of a side without alphanumerics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sim {
    pub num: u64,
    pub den: u64,
}

impl Sim {
    pub const ZERO: Sim = Sim { num: 0, den: 0 };
    /// The similarity of two rows with the same span (the exception of docs/scoring.md#similarity),
    /// whether or not the span holds an alphanumeric character.
    pub const ONE: Sim = Sim { num: 1, den: 1 };

    /// `2·common / (a+b)`, zero when either side is empty (docs/scoring.md#similarity, last rule).
    pub fn from_counts(common: u64, a: u64, b: u64) -> Sim {
        if a == 0 || b == 0 || common == 0 {
            Sim::ZERO
        } else {
            Sim {
                num: 2 * common,
                den: a + b,
            }
        }
    }

    pub fn is_positive(self) -> bool {
        self.num > 0
    }

    /// `sim = 1`, i.e. A = B.
    pub fn is_exact(self) -> bool {
        self.num > 0 && self.num == self.den
    }

    pub fn as_f64(self) -> f64 {
        if self.den == 0 {
            0.0
        } else {
            self.num as f64 / self.den as f64
        }
    }
}

/// τ of the `overlap` scheme as an exact fraction.
///
/// τ arrives as an `f64` parsed from what the user typed. `--overlap 0.1` means one
/// tenth, not the binary double nearest to it, so τ is read back as the shortest decimal
/// that round-trips (Rust's `Display` of `f64`) and compared as that decimal:
/// `sim ≥ τ` ⇔ `num · 10^k ≥ digits · den`, all in integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// τ ≤ 0: every pair satisfies `sim ≥ τ`, even with `sim = 0` (docs/scoring.md#schemes read
    /// literally; the command line only accepts τ in (0, 1]).
    Always,
    /// τ > 1 (or NaN): no pair does.
    Never,
    /// τ = digits / 10^k.
    Decimal { digits: u128, scale: u128 },
    /// τ so small (below 1e-30) that any positive similarity reaches it: `den` is at most
    /// twice an article's length, far below 10^30.
    AnyPositive,
}

impl Threshold {
    pub fn new(tau: f64) -> Threshold {
        if tau.is_nan() || tau > 1.0 {
            return Threshold::Never;
        }
        if tau <= 0.0 {
            return Threshold::Always;
        }
        // `Display` never uses exponent notation for f64.
        let text = format!("{tau}");
        let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
        let frac_part = frac_part.trim_end_matches('0');
        if frac_part.len() > 30 {
            return Threshold::AnyPositive;
        }
        let digits_text = format!("{int_part}{frac_part}");
        match digits_text.parse::<u128>() {
            Ok(digits) => Threshold::Decimal {
                digits,
                scale: 10u128.pow(frac_part.len() as u32),
            },
            Err(_) => Threshold::Never,
        }
    }

    pub fn reached_by(self, sim: Sim) -> bool {
        match self {
            Threshold::Always => true,
            Threshold::Never => false,
            Threshold::AnyPositive => sim.is_positive(),
            Threshold::Decimal { digits, scale } => {
                if sim.den == 0 {
                    // sim = 0 ≥ τ > 0 is false.
                    return false;
                }
                // num, den < 2^64 and digits, scale ≤ 10^30 < 2^100: use checked
                // arithmetic; an overflow cannot happen for real article lengths, and if
                // it did the wider side simply wins.
                let lhs = (sim.num as u128).checked_mul(scale);
                let rhs = (sim.den as u128).checked_mul(digits);
                match (lhs, rhs) {
                    (Some(l), Some(r)) => l >= r,
                    (None, Some(_)) => true,
                    (Some(_), None) => false,
                    (None, None) => sim.as_f64() >= digits as f64 / scale as f64,
                }
            }
        }
    }
}

/// Whether the character at one article position counts for docs/scoring.md#similarity.
///
/// docs/scoring.md#similarity normalizes text (NFKC, then case folding) before asking
/// `is_alphanumeric`, but normalization can change lengths, while offsets name positions of the
/// stored text. We decide per position: a position counts when its character, normalized on its own
/// (NFKC then case folding), contains an alphanumeric character. For ASCII this is
/// `is_ascii_alphanumeric`.
pub fn position_counts(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    // A character without a compatibility decomposition is its own NFKC, and case
    // folding maps letters to letters: the answer is then `is_alphanumeric` itself. This
    // spares an allocation for every curly quotation mark and dash.
    let mut decomposes = false;
    unicode_normalization::char::decompose_compatible(c, |d| decomposes |= d != c);
    if !decomposes {
        return c.is_alphanumeric();
    }
    let nfkc: String = std::iter::once(c).nfkc().collect();
    caseless::default_case_fold_str(&nfkc)
        .chars()
        .any(char::is_alphanumeric)
}

/// NFKC then case folding, as docs/scoring.md#similarity and #speaker-matching begin.
pub fn nfkc_casefold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let nfkc: String = text.nfkc().collect();
    caseless::default_case_fold_str(&nfkc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_reads_tau_as_typed_decimal() {
        // 6/60 = 0.1 exactly; the binary double 0.1 is slightly above one tenth, and
        // 0.1 * 60.0 rounds to 6.000000000000001 in floating point.
        let t = Threshold::new(0.1);
        assert!(t.reached_by(Sim { num: 6, den: 60 }));
        assert!(!t.reached_by(Sim { num: 5, den: 60 }));
        let half = Threshold::new(0.5);
        assert!(half.reached_by(Sim { num: 2, den: 4 }));
        assert!(!half.reached_by(Sim { num: 2, den: 5 }));
        assert_eq!(
            Threshold::new(1.0),
            Threshold::Decimal {
                digits: 1,
                scale: 1
            }
        );
        assert!(Threshold::new(1.0).reached_by(Sim { num: 8, den: 8 }));
        assert!(!Threshold::new(1.0).reached_by(Sim { num: 6, den: 8 }));
        assert_eq!(Threshold::new(0.0), Threshold::Always);
        assert_eq!(Threshold::new(1.5), Threshold::Never);
        assert_eq!(Threshold::new(1e-40), Threshold::AnyPositive);
        assert!(!Threshold::new(0.3).reached_by(Sim::ZERO));
    }

    #[test]
    fn positions_count_after_normalization() {
        assert!(position_counts('a'));
        assert!(position_counts('É'));
        assert!(position_counts('ﬁ')); // ligature: NFKC gives "fi"
        assert!(position_counts('²')); // superscript two: NFKC gives "2"
        assert!(!position_counts('“'));
        assert!(!position_counts('\u{0301}')); // combining acute accent
        assert!(!position_counts(' '));
        assert!(position_counts('℀')); // account of: NFKC gives "a/c"
        assert!(position_counts('ß'));
        assert!(!position_counts('—'));
    }
}
