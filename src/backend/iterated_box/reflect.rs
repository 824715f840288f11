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

/// A k-fold box folded onto one reflected axis: the half-width of the box
/// of width b that the tables read, and alpha, the weight of the period sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AxisFold {
    pub inner: i64,
    pub alpha: u128,
    /// Whether the folded box sits at the mirror position.
    pub mirror: bool,
}

impl AxisFold {
    /// The k-fold box of width 2 `inner` + 1 on a reflected axis of `len`
    /// (> 0) positions. Alpha is worked out in wrapping 128-bit arithmetic
    /// as sum_{j >= 1} C(k, j) a^j b^(k - j) P^(j - 1), which is exact
    /// whenever the window sums fit the tables.
    pub(crate) fn new(boxes: usize, inner: i64, len: usize) -> Self {
        let period = if len > 1 { 2 * (len as i64 - 1) } else { 1 };
        let w = 2 * inner + 1;
        if w < period {
            return AxisFold::unfolded(inner);
        }
        // b = w - a P in 1..P: odd, as w is and P is even (or b = 1 for P = 1).
        let a = (w - 1) / period;
        let b = w - a * period;
        let mirror = a % 2 == 1 && boxes % 2 == 1;
        let binomial = difference_coefficients(boxes);
        let (a, b, p) = (a as u128, b as u128, period as u128);
        let mut alpha = 0u128;
        for (j, coefficient) in binomial.iter().enumerate().take(boxes + 1).skip(1) {
            // |(-1)^j C(k, j)| = C(k, j).
            let mut term = coefficient.unsigned_abs() as u128;
            for _ in 0..j {
                term = term.wrapping_mul(a);
            }
            for _ in 0..boxes - j {
                term = term.wrapping_mul(b);
            }
            for _ in 0..j - 1 {
                term = term.wrapping_mul(p);
            }
            alpha = alpha.wrapping_add(term);
        }
        AxisFold {
            inner: (b as i64 - 1) / 2,
            alpha,
            mirror,
        }
    }

    /// The k-fold box of width 2 `inner` + 1, as it is.
    pub(crate) fn unfolded(inner: i64) -> Self {
        AxisFold {
            inner,
            alpha: 0,
            mirror: false,
        }
    }

    /// Where the folded box of position `p` of an axis of `len` sits.
    #[inline]
    pub(crate) fn at(&self, p: i64, len: usize) -> i64 {
        if self.mirror { len as i64 - 1 - p } else { p }
    }

    /// Whether the box covers a whole period (its period-sum term is used).
    #[inline]
    pub(crate) fn folds(&self) -> bool {
        self.alpha != 0
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
/// unfolded: the folded width is below the period, so its k-fold box
/// reaches less than k L.
pub(crate) fn folded_reach(boxes: usize, reach: i64, len: usize, direct: i64) -> i64 {
    reach.min((boxes * len) as i64 + direct)
}

/// The period sums of a strip, per channel, in the tables' integer units.
pub(crate) struct PeriodSums<V> {
    /// Per band row (its image row): the row's period sum, as is and k
    /// times integrated.
    row_sums: Vec<Vec<V>>,
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
        let row_sums: Vec<Vec<V>> = (0..channels)
            .map(|ch| {
                band.rows
                    .clone()
                    .map(|row| {
                        let samples = band.row_part(row, &image_cols);
                        samples[ch..]
                            .iter()
                            .step_by(channels)
                            .enumerate()
                            .fold(V::default(), |acc, (x, &v)| {
                                acc.add(weighted(integer(v), period_weight(x, width)))
                            })
                    })
                    .collect()
            })
            .collect();
        let rows = row_sums
            .iter()
            .map(|sums| line(band.rows.start, sums.clone()))
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
            row_sums,
            rows,
            cols,
            total,
            height,
            width,
        }
    }

    /// The period-sum terms of the kernel folded to `(fold_y, fold_x)`
    /// around (y, x), channel `ch`, unnormalised.
    #[inline]
    pub(crate) fn window<const K: usize>(
        &self,
        (y, x): (i64, i64),
        (fold_y, fold_x): (AxisFold, AxisFold),
        ch: usize,
    ) -> V {
        let mut sum = V::default();
        if fold_x.folds() {
            // The fold along the rows: each row's period sum, boxed down the columns.
            let rows = self.rows[ch].window::<K>(fold_y.at(y, self.height), fold_y.inner);
            sum = sum.add(V::from_u128(fold_x.alpha).mul(rows));
        }
        if fold_y.folds() {
            let cols = self.column_window::<K>(x, fold_x, ch);
            sum = sum.add(V::from_u128(fold_y.alpha).mul(cols));
        }
        sum
    }

    /// The column period sums boxed along the rows at column `x`, with the
    /// fold along the rows: what a kernel folding down the columns adds,
    /// per unit of its alpha.
    #[inline]
    pub(crate) fn column_window<const K: usize>(&self, x: i64, fold_x: AxisFold, ch: usize) -> V {
        let boxed = self.cols[ch].window::<K>(fold_x.at(x, self.width), fold_x.inner);
        boxed.add(V::from_u128(fold_x.alpha).mul(self.total[ch]))
    }

    /// The period sum of the band's row `index` (counted from its first),
    /// for the uniform path's pass along the rows.
    #[inline]
    pub(crate) fn row_sum(&self, index: usize, ch: usize) -> V {
        self.row_sums[ch][index]
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
                    assert!(
                        2 * fold.inner + 1 < period.max(2),
                        "len {len} k {boxes} n {inner}: {fold:?}"
                    );
                    assert_eq!(
                        fold.folds(),
                        2 * inner + 1 >= period && len > 1 || len == 1 && inner > 0
                    );
                    for p in 0..len as i64 {
                        let expect = reflected_window(&line, boxes, inner, p);
                        let folded = reflected_window(&line, boxes, fold.inner, fold.at(p, len))
                            + fold.alpha as i128 as i64 * period_sum;
                        assert_eq!(folded, expect, "len {len} k {boxes} n {inner} at {p}");
                    }
                }
            }
        }
    }
}
