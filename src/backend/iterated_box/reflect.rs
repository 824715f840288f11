//! `Reflect` for kernels of any width. Along an axis of L positions the
//! reflected image repeats with period P = 2 (L - 1) (P = 1 for L = 1).
//! One box of width w = a P + b (1 <= b < P) over a P-periodic signal is a
//! times the period sum (its first a P positions) plus the box of width b
//! centred a P / 2 further on; half a period on, the reflected signal is
//! the mirror image (u(L - 1 + t) = u(L - 1 - t)), so for odd a that box
//! sits at the mirror position L - 1 - p. Expanding the k-fold box,
//!
//!   box_w^k = M^(a k) box_b^k + alpha E,  alpha = ((b + a P)^k - b^k) / P,
//!
//! where M mirrors and E gives every position the period sum. So a kernel
//! of any width reads the padded band only as far as its folded width
//! b < P reaches (less than k L), and the rest is one multiple of the
//! period sums: per row (for the fold along the rows), per column (down
//! the columns) and of the whole period. Exact in the tables' modular
//! integers, like every other window.

use std::ops::Range;

use ndarray::ArrayView3;

use super::BandSamples;
use super::integrated::{IntegratedLine, Quantizer, Wrapping, difference_coefficients};
use crate::border::Border;
use crate::sample::Sample;

/// A k-fold box folded onto one reflected axis: the box of width beta
/// that the tables read (its half-width, sign and position), and alpha,
/// the weight of the period sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AxisFold {
    pub inner: i64,
    pub alpha: u128,
    /// Whether the folded box sits at the mirror position.
    pub mirror: bool,
    /// Whether the folded box is subtracted.
    pub negative: bool,
    folded: bool,
}

impl AxisFold {
    /// The k-fold box of width w = 2 `inner` + 1 on a reflected axis of
    /// `len` (> 0) positions.
    ///
    /// With w = a P + b (1 <= b < P), one box is a E + M^a box_b; where b
    /// is over half the period, its complement in a period is narrower:
    /// box_b = E - M box_(P - b). Either way one box is c E + e M^s box_beta
    /// with beta <= P / 2 and e = +-1, and the k-fold box is
    /// e^k M^(s k) box_beta^k + alpha E with
    /// alpha = sum_{j >= 1} C(k, j) c^j P^(j - 1) (e beta)^(k - j),
    /// worked out in wrapping 128-bit arithmetic (exact whenever the window
    /// sums fit the tables). So folded kernels reach at most k P / 4.
    pub(crate) fn new(boxes: usize, inner: i64, len: usize) -> Self {
        let period = if len > 1 { 2 * (len as i64 - 1) } else { 1 };
        let w = 2 * inner + 1;
        if 2 * w <= period {
            return AxisFold::unfolded(inner);
        }
        // b odd, as w is and P is even (or b = 1 for P = 1).
        let a = (w - 1) / period;
        let b = w - a * period;
        let (c, negative_box, shift, beta) = if period > 1 && 2 * b > period {
            (a + 1, true, a + 1, period - b)
        } else {
            (a, false, a, b)
        };
        let binomial = difference_coefficients(boxes);
        let (c, beta_u, p) = (c as u128, beta as u128, period as u128);
        let mut alpha = 0u128;
        for (j, coefficient) in binomial.iter().enumerate().take(boxes + 1).skip(1) {
            // |(-1)^j C(k, j)| = C(k, j).
            let mut term = coefficient.unsigned_abs() as u128;
            for _ in 0..j {
                term = term.wrapping_mul(c);
            }
            for _ in 0..boxes - j {
                term = term.wrapping_mul(beta_u);
            }
            for _ in 0..j - 1 {
                term = term.wrapping_mul(p);
            }
            if negative_box && (boxes - j) % 2 == 1 {
                term = term.wrapping_neg();
            }
            alpha = alpha.wrapping_add(term);
        }
        AxisFold {
            inner: (beta - 1) / 2,
            alpha,
            mirror: shift % 2 == 1 && boxes % 2 == 1,
            negative: negative_box && boxes % 2 == 1,
            folded: true,
        }
    }

    /// The k-fold box of width 2 `inner` + 1, as it is.
    pub(crate) fn unfolded(inner: i64) -> Self {
        AxisFold {
            inner,
            alpha: 0,
            mirror: false,
            negative: false,
            folded: false,
        }
    }

    /// Where the folded box of position `p` of an axis of `len` sits.
    #[inline]
    pub(crate) fn at(&self, p: i64, len: usize) -> i64 {
        if self.mirror { len as i64 - 1 - p } else { p }
    }

    /// `window` (of the folded box) with the fold's sign.
    #[inline]
    pub(crate) fn signed<V: Wrapping>(&self, window: V) -> V {
        if self.negative {
            V::from_i64(-1).mul(window)
        } else {
            window
        }
    }

    /// Whether the box was folded (its period-sum term is used).
    #[inline]
    pub(crate) fn folds(&self) -> bool {
        self.folded
    }
}

/// How many times one period of a reflected axis of `len` holds position
/// `i`: the two ends once, the others twice.
#[inline]
pub(crate) fn period_weight(i: usize, len: usize) -> i64 {
    if len == 1 || i == 0 || i == len - 1 { 1 } else { 2 }
}

/// The farthest a folded kernel (and the exact taps, at most `direct`)
/// reaches on a reflected axis of `len`, for kernels reaching `reach`
/// unfolded: a folded width is at most half the period, L - 1, so its
/// k-fold box reaches at most k (L - 2) / 2.
pub(crate) fn folded_reach(boxes: usize, reach: i64, len: usize, direct: i64) -> i64 {
    reach.min((boxes * len / 2) as i64 + direct)
}

/// The period sums of a strip, per channel, in the tables' integer units.
pub(crate) struct PeriodSums<V> {
    /// Per band row (its image row): the row's period sum, k times integrated.
    rows: Vec<IntegratedLine<V>>,
    /// Per band column (its image column): the column's period sum over
    /// the whole image, k times integrated; empty if no kernel folds down
    /// the columns.
    cols: Vec<IntegratedLine<V>>,
    /// The sum over one period of both axes.
    total: Vec<V>,
    height: usize,
    width: usize,
}

impl<V: Wrapping> PeriodSums<V> {
    /// The sums for `band` of the image `input`; `columns` says whether
    /// any kernel folds down the columns (they need the whole image).
    pub(crate) fn build<T: Sample>(
        input: &ArrayView3<'_, T>,
        band: &BandSamples<T>,
        quantizer: Quantizer,
        boxes: usize,
        columns: bool,
    ) -> Self {
        let (height, width, channels) = input.dim();
        let integer = |v: T| -> V {
            let v = v.to_f64();
            V::from_i64(if v.is_finite() { quantizer.quantize(v) } else { 0 })
        };
        let weighted = |v: V, weight: i64| v.mul(V::from_i64(weight));
        let image_cols: Range<i64> = 0..width as i64;
        let line = |origin: i64, values: Vec<V>| {
            let mut line = IntegratedLine::new(boxes);
            line.fill(origin, values.into_iter());
            line
        };
        let rows = (0..channels)
            .map(|ch| {
                let sums = band.rows.clone().map(|row| {
                    let samples = band.row_part(row, &image_cols);
                    samples[ch..]
                        .iter()
                        .step_by(channels)
                        .enumerate()
                        .fold(V::default(), |acc, (x, &v)| {
                            acc.add(weighted(integer(v), period_weight(x, width)))
                        })
                });
                line(band.rows.start, sums.collect())
            })
            .collect();
        let mut cols = Vec::new();
        let mut total = vec![V::default(); channels];
        if columns {
            // Column period sums of the image, then read through the border rule.
            let mut image_sums = vec![V::default(); width * channels];
            for (y, row) in input.outer_iter().enumerate() {
                let weight = period_weight(y, height);
                for ((x, ch), &v) in row.indexed_iter() {
                    let sum = &mut image_sums[x * channels + ch];
                    *sum = sum.add(weighted(integer(v), weight));
                }
            }
            for (ch, t) in total.iter_mut().enumerate() {
                *t = (0..width).fold(V::default(), |acc, x| {
                    acc.add(weighted(image_sums[x * channels + ch], period_weight(x, width)))
                });
            }
            cols = (0..channels)
                .map(|ch| {
                    let sums = band.cols.clone().map(|col| {
                        let x = Border::Reflect.map_index(col, width).expect("Reflect reads the image");
                        image_sums[x * channels + ch]
                    });
                    line(band.cols.start, sums.collect())
                })
                .collect();
        }
        PeriodSums {
            rows,
            cols,
            total,
            height,
            width,
        }
    }

    /// The row period sums boxed down the columns at row `y` with the fold
    /// there (sign included): what the fold along the rows adds, per unit
    /// of its alpha, before the period sum of both axes.
    #[inline]
    pub(crate) fn rows_window<const K: usize>(&self, y: i64, fold_y: AxisFold, ch: usize) -> f64 {
        let boxed = self.rows[ch].window::<K>(fold_y.at(y, self.height), fold_y.inner);
        fold_y.signed(boxed).to_signed_f64()
    }

    /// The column period sums boxed along the rows at column `x`, likewise.
    #[inline]
    pub(crate) fn cols_window<const K: usize>(&self, x: i64, fold_x: AxisFold, ch: usize) -> f64 {
        let boxed = self.cols[ch].window::<K>(fold_x.at(x, self.width), fold_x.inner);
        fold_x.signed(boxed).to_signed_f64()
    }

    /// The whole kernel's unnormalised window (table units) from its parts:
    /// `window` the folded 2-D window (signed), `rows` and `cols` the 1-D
    /// windows of [`PeriodSums::rows_window`] and [`PeriodSums::cols_window`]
    /// (used where the kernel folds that way). Summed in `f64`: each part
    /// fits the tables, the whole kernel's weight need not.
    #[inline]
    pub(crate) fn combine(
        &self,
        window: f64,
        (fold_y, fold_x): (AxisFold, AxisFold),
        rows: f64,
        cols: f64,
        ch: usize,
    ) -> f64 {
        let (alpha_y, alpha_x) = (fold_y.alpha as f64, fold_x.alpha as f64);
        let mut sum = window;
        if fold_x.folds() {
            sum += alpha_x * rows;
        }
        if fold_y.folds() {
            sum += alpha_y * cols;
            if fold_x.folds() {
                sum += alpha_y * alpha_x * self.total[ch].to_signed_f64();
            }
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::super::integrated::kfold_box;
    use super::*;

    /// The k-fold box around `p` of the reflected line, tap by tap.
    fn reflected_window(line: &[i64], boxes: usize, inner: i64, p: i64) -> i64 {
        let reach = boxes as i64 * inner;
        kfold_box(boxes, inner)
            .iter()
            .zip(-reach..=reach)
            .map(|(&weight, d)| weight * line[Border::Reflect.map_index(p + d, line.len()).unwrap()])
            .sum()
    }

    /// The folded box (tap by tap, on the reflected line) plus alpha times
    /// the period sum equals the whole kernel, for widths far past the period.
    #[test]
    fn folded_kernel_plus_period_sums_is_the_whole_kernel() {
        for len in 1..=7usize {
            let line: Vec<i64> = (0..len as i64).map(|x| (x * 37 + 11) % 19 - 7).collect();
            let period_sum: i64 = line.iter().enumerate().map(|(x, &v)| period_weight(x, len) * v).sum();
            for boxes in 1..=5 {
                for inner in [0i64, 1, 2, 3, 5, 6, 7, 13, 40] {
                    let fold = AxisFold::new(boxes, inner, len);
                    let period = if len > 1 { 2 * (len as i64 - 1) } else { 1 };
                    // Folded widths are at most half the period.
                    assert!(
                        2 * (2 * fold.inner + 1) <= period.max(2),
                        "len {len} k {boxes} n {inner}: {fold:?}"
                    );
                    assert_eq!(fold.folds(), 2 * (2 * inner + 1) > period);
                    for p in 0..len as i64 {
                        let expect = reflected_window(&line, boxes, inner, p);
                        let boxed = reflected_window(&line, boxes, fold.inner, fold.at(p, len));
                        let folded =
                            if fold.negative { -boxed } else { boxed } + fold.alpha as i128 as i64 * period_sum;
                        assert_eq!(folded, expect, "len {len} k {boxes} n {inner} at {p}");
                    }
                }
            }
        }
    }
}
