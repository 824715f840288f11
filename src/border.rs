//! Border modes and the one rule that maps an out-of-image position to the
//! image, in the two forms the backends need: per position
//! ([`Border::map_index`], used by `Naive`) and per prefix sum
//! ([`window_terms`], used by the table backends).
//!
//! The modes, with their names elsewhere (axis `abcd`):
//! - `Clip`: outside positions do not count; the weights are renormalised
//!   over the image (no scipy, OpenCV or numpy equivalent).
//! - `Replicate` (`aaa|abcd|ddd`): scipy.ndimage `nearest`, OpenCV
//!   `BORDER_REPLICATE`, numpy.pad `edge`.
//! - `Reflect` (`dcb|abcd|cba`): scipy.ndimage `mirror`, OpenCV
//!   `BORDER_REFLECT_101` (its default), numpy.pad `reflect`.
//! - `Constant(c)`: scipy.ndimage `constant` with `cval`, OpenCV
//!   `BORDER_CONSTANT`, numpy.pad `constant`.
//! - `Symmetric` (`dcba|abcd|dcba`): scipy.ndimage `reflect`, OpenCV
//!   `BORDER_REFLECT`, numpy.pad `symmetric`.
//! - `Wrap` (`abcd|abcd|abcd`): scipy.ndimage `wrap`, OpenCV `BORDER_WRAP`,
//!   numpy.pad `wrap`.
//!
//! `Reflect`, `Symmetric` and `Wrap` repeat with a period ([`Border::period`]),
//! so a window of any length, far past the image too, reads every pixel a
//! number of times that is counted, not walked.

/// What positions outside the image contribute.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Border {
    /// Only in-image positions count; the weights are renormalised over them.
    #[default]
    Clip,
    /// Outside positions take the nearest edge pixel (`aaa|abcd|ddd`).
    Replicate,
    /// Mirror without repeating the edge (`dcb|abcd|cba`), repeated as needed.
    Reflect,
    /// Outside positions take this value (in the sample's own units).
    Constant(f64),
    /// Mirror repeating the edge (`dcba|abcd|dcba`), period 2 L: scipy.ndimage's
    /// `reflect`, numpy's `symmetric`, OpenCV's `BORDER_REFLECT`.
    Symmetric,
    /// Periodic (`abcd|abcd|abcd`), period L: scipy.ndimage's `wrap`.
    Wrap,
}

impl Border {
    /// The in-image index that position `q` of an axis of length `len`
    /// (> 0) reads, or `None` when it reads no image pixel (Clip and Constant).
    #[inline]
    pub fn map_index(self, q: i64, len: usize) -> Option<usize> {
        let last = len as i64 - 1;
        match self {
            Border::Clip | Border::Constant(_) => (0..=last).contains(&q).then_some(q as usize),
            Border::Replicate => Some(q.clamp(0, last) as usize),
            Border::Reflect => {
                if last == 0 {
                    return Some(0);
                }
                let period = 2 * last;
                let r = q.rem_euclid(period);
                Some(if r <= last { r } else { period - r } as usize)
            }
            Border::Symmetric => {
                let r = q.rem_euclid(2 * len as i64);
                Some(if r <= last { r } else { 2 * last + 1 - r } as usize)
            }
            Border::Wrap => Some(q.rem_euclid(len as i64) as usize),
        }
    }

    /// The period of the extended axis of length `len` (> 0) for the
    /// periodic borders (`Reflect`: 2 (L - 1), or 1 for L = 1;
    /// `Symmetric`: 2 L; `Wrap`: L), `None` for the others.
    #[inline]
    pub fn period(self, len: usize) -> Option<usize> {
        match self {
            Border::Reflect => Some((2 * len.saturating_sub(1)).max(1)),
            Border::Symmetric => Some(2 * len),
            Border::Wrap => Some(len),
            Border::Clip | Border::Replicate | Border::Constant(_) => None,
        }
    }

    /// Whether out-of-image positions are left out of the weight sum.
    #[inline]
    pub fn is_clip(self) -> bool {
        matches!(self, Border::Clip)
    }

    /// Whether out-of-image positions read image pixels.
    #[inline]
    pub fn reads_outside(self) -> bool {
        matches!(
            self,
            Border::Replicate | Border::Reflect | Border::Symmetric | Border::Wrap
        )
    }
}

/// Adds `weight` to `folded[m]` for every position q in `first..=last` that
/// reads pixel m under `border` (axis length `folded.len()` > 0), and
/// returns the smallest and largest m it added to (`None` if none).
///
/// Work is bounded by the axis length, not the interval length: whole
/// periods of the periodic borders and the runs past the edges of
/// `Replicate` are counted, not walked.
pub fn fold_interval(border: Border, first: i64, last: i64, weight: f64, folded: &mut [f64]) -> Option<(usize, usize)> {
    if first > last {
        return None;
    }
    let len = folded.len();
    let end = len as i64 - 1;
    let mut touched: Option<(usize, usize)> = None;
    let mut add = |m: usize, w: f64| {
        folded[m] += w;
        touched = Some(touched.map_or((m, m), |(lo, hi)| (lo.min(m), hi.max(m))));
    };
    match border {
        Border::Clip | Border::Constant(_) | Border::Replicate => {
            if border == Border::Replicate {
                let below = (last.min(-1) - first + 1).max(0);
                let above = (last - first.max(len as i64) + 1).max(0);
                if below > 0 {
                    add(0, weight * below as f64);
                }
                if above > 0 {
                    add(len - 1, weight * above as f64);
                }
            }
            for q in first.max(0)..=last.min(end) {
                add(q as usize, weight);
            }
        }
        Border::Reflect | Border::Symmetric | Border::Wrap => {
            let period = border.period(len).expect("a periodic border") as i64;
            let whole = (last - first + 1) / period;
            if whole > 0 {
                for q in first..first + period {
                    add(border.map_index(q, len).unwrap_or(0), weight * whole as f64);
                }
            }
            for q in first + whole * period..=last {
                add(border.map_index(q, len).unwrap_or(0), weight);
            }
        }
    }
    touched
}

/// Most terms a window sum needs (after merging equal indices).
const MAX_TERMS: usize = 12;

/// A window sum over an axis written as a linear combination of prefix sums
/// G(j) = sum of the first j pixels: sum = sum_k coeff_k * G(index_k).
/// Coefficients sum to zero, so any constant offset of G cancels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    len: usize,
    items: [(usize, i64); MAX_TERMS],
}

impl Terms {
    fn new() -> Self {
        Terms {
            len: 0,
            items: [(0, 0); MAX_TERMS],
        }
    }

    fn add(&mut self, index: usize, coeff: i64) {
        if coeff == 0 {
            return;
        }
        for item in &mut self.items[..self.len] {
            if item.0 == index {
                item.1 += coeff;
                return;
            }
        }
        self.items[self.len] = (index, coeff);
        self.len += 1;
    }

    /// The (prefix index, coefficient) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.items[..self.len].iter().copied().filter(|t| t.1 != 0)
    }
}

/// Adds `sign` times F(x) to `terms`, where F is the prefix sum of the
/// border-extended axis: F(x) = sum of positions 0..x for x >= 0 and minus
/// the sum of positions x..0 for x < 0, as prefix sums of the image axis.
fn add_prefix(terms: &mut Terms, border: Border, x: i64, len: usize, sign: i64) {
    let n = len as i64;
    match border {
        Border::Clip | Border::Constant(_) => terms.add(x.clamp(0, n) as usize, sign),
        Border::Reflect if n > 1 => {
            // Period 0, 1, .., n-1, n-2, .., 1 of length 2(n-1).
            let period = 2 * (n - 1);
            let whole = x.div_euclid(period);
            let rest = x.rem_euclid(period);
            // One period sums to G(n) - G(0) + G(n-1) - G(1).
            terms.add(len, sign * whole);
            terms.add(0, -sign * whole);
            terms.add(len - 1, sign * whole);
            terms.add(1, -sign * whole);
            if rest <= n {
                terms.add(rest as usize, sign);
            } else {
                terms.add(len, sign);
                terms.add(len - 1, sign);
                terms.add((period - rest + 1) as usize, -sign);
            }
        }
        Border::Symmetric => {
            // Period 0, 1, .., n-1, n-1, .., 0 of length 2n, which sums to 2 G(n) - 2 G(0).
            let period = 2 * n;
            let whole = x.div_euclid(period);
            let rest = x.rem_euclid(period);
            terms.add(len, 2 * sign * whole);
            terms.add(0, -2 * sign * whole);
            if rest <= n {
                terms.add(rest as usize, sign);
            } else {
                // G(n) plus the last rest - n pixels read backwards: G(n) - G(2n - rest).
                terms.add(len, 2 * sign);
                terms.add((period - rest) as usize, -sign);
            }
        }
        Border::Wrap => {
            let whole = x.div_euclid(n);
            let rest = x.rem_euclid(n);
            terms.add(len, sign * whole);
            terms.add(0, -sign * whole);
            terms.add(rest as usize, sign);
        }
        // Replicate, and Reflect on a one-pixel axis, which reads that pixel everywhere.
        Border::Replicate | Border::Reflect => {
            if x <= 0 {
                // x copies of pixel 0 below the image: G(0) + x (G(1) - G(0)).
                terms.add(0, sign * (1 - x));
                terms.add(1, sign * x);
            } else if x >= n {
                terms.add(len, sign * (1 + x - n));
                terms.add(len - 1, sign * (n - x));
            } else {
                terms.add(x as usize, sign);
            }
        }
    }
}

/// The sum over positions `first..=last` of an axis of length `len` > 0
/// under `border` (for Clip and Constant: its in-image part), as prefix-sum terms.
pub fn window_terms(border: Border, first: i64, last: i64, len: usize) -> Terms {
    let mut terms = Terms::new();
    add_prefix(&mut terms, border, last + 1, len, 1);
    add_prefix(&mut terms, border, first, len, -1);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    const BORDERS: [Border; 6] = [
        Border::Clip,
        Border::Replicate,
        Border::Reflect,
        Border::Constant(0.0),
        Border::Symmetric,
        Border::Wrap,
    ];

    #[test]
    fn map_index_examples() {
        let row: Vec<Option<usize>> = (-4..8).map(|q| Border::Reflect.map_index(q, 4)).collect();
        // dcb|abcd|cba on a = 0 .. d = 3, then repeating.
        let expect = [2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1].map(Some);
        assert_eq!(row, expect);
        assert_eq!(Border::Replicate.map_index(-9, 4), Some(0));
        assert_eq!(Border::Replicate.map_index(9, 4), Some(3));
        assert_eq!(Border::Clip.map_index(-1, 4), None);
        assert_eq!(Border::Constant(1.0).map_index(4, 4), None);
        assert_eq!(Border::Reflect.map_index(-7, 1), Some(0));
        // dcba|abcd|dcba and abcd|abcd|abcd.
        let symmetric: Vec<Option<usize>> = (-5..10).map(|q| Border::Symmetric.map_index(q, 4)).collect();
        assert_eq!(symmetric, [3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1].map(Some));
        let wrap: Vec<Option<usize>> = (-5..6).map(|q| Border::Wrap.map_index(q, 4)).collect();
        assert_eq!(wrap, [3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1].map(Some));
        assert_eq!(Border::Symmetric.map_index(-3, 1), Some(0));
        assert_eq!(Border::Wrap.map_index(7, 1), Some(0));
    }

    /// Folds by walking every position through `map_index`.
    fn fold_by_walking(border: Border, first: i64, last: i64, len: usize) -> Vec<f64> {
        let mut folded = vec![0.0; len];
        for q in first..=last {
            if let Some(m) = border.map_index(q, len) {
                folded[m] += 1.0;
            }
        }
        folded
    }

    #[test]
    fn fold_interval_equals_walking_every_position() {
        for border in BORDERS {
            for len in 1..7usize {
                for first in -30..20i64 {
                    for last in first - 1..first + 45 {
                        let mut folded = vec![0.0; len];
                        let span = fold_interval(border, first, last, 1.0, &mut folded);
                        let walked = fold_by_walking(border, first, last, len);
                        assert_eq!(folded, walked, "{border:?} len {len} [{first}, {last}]");
                        let nonzero: Vec<usize> = (0..len).filter(|&m| walked[m] != 0.0).collect();
                        let expected = nonzero.first().map(|&lo| (lo, *nonzero.last().unwrap()));
                        assert_eq!(span, expected, "{border:?} len {len} [{first}, {last}]");
                    }
                }
            }
        }
    }

    #[test]
    fn window_terms_equal_walking_every_position() {
        let pixels = [3i64, 1, 4, 1, 5, 9, 2];
        for border in BORDERS {
            for len in 1..=pixels.len() {
                let prefix: Vec<i64> = (0..=len).map(|j| pixels[..j].iter().sum()).collect();
                for first in -30..20i64 {
                    for last in first - 1..first + 45 {
                        let terms = window_terms(border, first, last, len);
                        let sum: i64 = terms.iter().map(|(j, c)| c * prefix[j]).sum();
                        let walked: f64 = fold_by_walking(border, first, last, len)
                            .iter()
                            .zip(&pixels)
                            .map(|(w, &p)| w * p as f64)
                            .sum();
                        assert_eq!(sum as f64, walked, "{border:?} len {len} [{first}, {last}]");
                        let coeff_sum: i64 = terms.iter().map(|t| t.1).sum();
                        assert_eq!(coeff_sum, 0);
                    }
                }
            }
        }
    }
}
