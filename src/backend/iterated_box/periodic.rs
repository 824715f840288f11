//! The periodic borders (`Reflect`, `Symmetric`, `Wrap`) for kernels of
//! any width, by folding each kernel onto one period of the extended axis.
//!
//! The fold needs a period Q of the extended axis of L positions such that
//! a shift by half of it, Q / 2, is a map the tables can read: either the
//! identity or the mirror p -> L - 1 - p.
//! - `Reflect` repeats with period 2 (L - 1), and half a period on, the
//!   signal is its mirror image: u(p + L - 1) = u(L - 1 - p). Q = 2 (L - 1)
//!   (Q = 1 for L = 1, where every position reads the one pixel).
//! - `Symmetric` repeats with period 2 L, and again half a period on it is
//!   the mirror image, with the same mirror position: u(p + L) = u(L - 1 - p).
//!   Q = 2 L.
//! - `Wrap` repeats with period L, and no shift is a mirror. L may be odd,
//!   and then removing one period from an odd-width box leaves an even
//!   width, a box that is not centred on any position; removing an even
//!   number of periods keeps the rest odd and centred. So the fold works
//!   with Q = 2 L, a period as well, whose half (L) is the identity: folded
//!   widths reach at most L (as for `Symmetric`), not L / 2, the price of
//!   staying centred for every L.
//!
//! With M the half-period map (mirror or identity) and E the period sum
//! (every position gets the sum of one period Q of the extended axis),
//! one box of width w = a Q + b (1 <= b < Q) over the Q-periodic signal is
//! a times the period sum (its first a Q positions) plus the box of width
//! b centred a Q / 2 further on, that is M^a box_b. Where b is over half
//! the period, its complement in a period is narrower: box_b = E - M
//! box_(Q - b). Expanding the k-fold box,
//!
//!   box_w^k = e^k M^(s k) box_beta^k + alpha E,
//!
//! so a kernel of any width reads the padded band only as far as its folded
//! width beta <= Q / 2 <= L reaches (less than k L / 2), and the rest is one
//! multiple of the period sums: per row (for the fold along the rows), per
//! column (down the columns) and of the whole period. Exact in the tables'
//! modular integers, like every other window.

use std::ops::Range;

use ndarray::ArrayView3;

use super::BandSamples;
use super::integrated::{
    CachedRead, IntegratedBand, IntegratedLine, IntegratedRows, Quantizer, Wrapping, difference_coefficients,
};
use crate::border::{Border, fold_interval};
use crate::sample::Sample;

/// The period a kernel folds onto along one axis of a periodic border,
/// and what a shift by half of it does (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AxisPeriod {
    /// Q: even, or 1 for `Reflect` on one position.
    length: i64,
    /// Whether a shift by Q / 2 is the mirror p -> L - 1 - p (else it is
    /// the identity).
    mirrors: bool,
}

impl AxisPeriod {
    /// The fold period of `border` on an axis of `len` positions; `None`
    /// for the borders that are not periodic.
    pub(crate) fn new(border: Border, len: usize) -> Option<Self> {
        let period = border.period(len.max(1))? as i64;
        Some(match border {
            // A shift by L is the identity; 2 L is even whatever L is.
            Border::Wrap => AxisPeriod {
                length: 2 * period,
                mirrors: false,
            },
            _ => AxisPeriod {
                length: period,
                mirrors: true,
            },
        })
    }

    /// Q, the length of the period.
    pub(crate) fn length(&self) -> i64 {
        self.length
    }

    /// Whether a shift by half the period is the mirror (else the identity).
    pub(crate) fn mirrors(&self) -> bool {
        self.mirrors
    }
}

/// Whether `border` extends the image periodically (kernels fold).
pub(crate) fn is_periodic(border: Border) -> bool {
    border.period(1).is_some()
}

/// How many times one fold period (Q positions) of `border` on an axis of
/// `len` (> 0) positions reads each image position: for `Reflect` the two
/// ends once and the others twice, for `Symmetric` and `Wrap` twice.
/// Counted by the shared border rule.
pub(crate) fn period_weights(border: Border, len: usize) -> Vec<i64> {
    if len == 0 {
        return Vec::new();
    }
    let period = AxisPeriod::new(border, len).expect("a periodic border");
    let mut weights = vec![0.0; len];
    fold_interval(border, 0, period.length() - 1, 1.0, &mut weights);
    weights.into_iter().map(|w| w as i64).collect()
}

/// A k-fold box folded onto one period of a periodic axis: the box of
/// width beta that the tables read (its half-width, sign and position),
/// and alpha, the weight of the period sum.
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
    /// The k-fold box of width w = 2 `inner` + 1 on a periodic axis of
    /// fold period `period`.
    ///
    /// With w = a Q + b (1 <= b < Q), one box is a E + M^a box_b; where b
    /// is over half the period, its complement in a period is narrower:
    /// box_b = E - M box_(Q - b). Either way one box is c E + e M^s box_beta
    /// with beta <= Q / 2 and e = +-1, and the k-fold box is
    /// e^k M^(s k) box_beta^k + alpha E with
    /// alpha = sum_{j >= 1} C(k, j) c^j Q^(j - 1) (e beta)^(k - j),
    /// worked out in wrapping 128-bit arithmetic (exact whenever the window
    /// sums fit the tables). So folded kernels reach at most k Q / 4.
    pub(crate) fn new(boxes: usize, inner: i64, period: AxisPeriod) -> Self {
        let AxisPeriod {
            length: period,
            mirrors,
        } = period;
        let w = 2 * inner + 1;
        if 2 * w <= period {
            return AxisFold::unfolded(inner);
        }
        // b odd, as w is and Q is even (or b = 1 for Q = 1).
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
            mirror: mirrors && shift % 2 == 1 && boxes % 2 == 1,
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

/// The farthest a folded kernel (and the exact taps, at most `direct`)
/// reaches on a periodic axis of `len`, for kernels reaching `reach`
/// unfolded: a folded width is at most half the fold period, at most L,
/// so its k-fold box reaches at most k (L - 1) / 2.
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
    /// The sums for `band` of the image `input` under `border`; `columns`
    /// says whether any kernel folds down the columns (they need the whole
    /// image).
    pub(crate) fn build<T: Sample>(
        input: &ArrayView3<'_, T>,
        border: Border,
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
        let weights_x = period_weights(border, width);
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
                        .fold(V::default(), |acc, (x, &v)| acc.add(weighted(integer(v), weights_x[x])))
                });
                line(band.rows.start, sums.collect())
            })
            .collect();
        let mut cols = Vec::new();
        let mut total = vec![V::default(); channels];
        if columns {
            // Column period sums of the image, then read through the border rule.
            let mut image_sums = vec![V::default(); width * channels];
            let weights_y = period_weights(border, height);
            for (y, row) in input.outer_iter().enumerate() {
                let weight = weights_y[y];
                for ((x, ch), &v) in row.indexed_iter() {
                    let sum = &mut image_sums[x * channels + ch];
                    *sum = sum.add(weighted(integer(v), weight));
                }
            }
            for (ch, t) in total.iter_mut().enumerate() {
                *t = (0..width).fold(V::default(), |acc, x| {
                    acc.add(weighted(image_sums[x * channels + ch], weights_x[x]))
                });
            }
            cols = (0..channels)
                .map(|ch| {
                    let sums = band.cols.clone().map(|col| {
                        let x = border.map_index(col, width).expect("periodic borders read the image");
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

    /// One folded box's whole window (table units, the fold's sign and
    /// period parts included) at pixel `(py, px)` of an image of
    /// `(height, width)`: the folded 2-D window from `table` (through
    /// `cache`), combined with the period sums where the box folds.
    #[inline]
    pub(crate) fn folded_window<const K: usize>(
        &self,
        table: &IntegratedBand<V>,
        (down, along): (AxisFold, AxisFold),
        (py, px): (i64, i64),
        (height, width): (usize, usize),
        ch: usize,
        cache: [&mut Option<CachedRead<V>>; 2],
    ) -> f64 {
        let at = (down.at(py, height), along.at(px, width));
        let window = table.window_cached::<K>(at, (down.inner, along.inner), ch, cache);
        let window = down.signed(along.signed(window)).to_signed_f64();
        let rows = if along.folds() {
            self.rows_window::<K>(py, down, ch)
        } else {
            0.0
        };
        let cols = if down.folds() {
            self.cols_window::<K>(px, along, ch)
        } else {
            0.0
        };
        self.combine(window, (down, along), rows, cols, ch)
    }

    /// Adds one folded box of a uniform kernel to `boxed` (output `rows` x
    /// width x channels of an image of `dims`): `restored` (its weight over
    /// its total, in sample units) times its whole window, from `columns`
    /// (the pass along the rows, integrated down the columns) and the
    /// period sums.
    pub(crate) fn add_uniform_box<const K: usize>(
        &self,
        columns: &IntegratedRows<'_, V>,
        rows: &Range<usize>,
        (height, width, channels): (usize, usize, usize),
        (fold_y, fold_x): (AxisFold, AxisFold),
        restored: f64,
        boxed: &mut [f64],
    ) {
        let row_len = width * channels;
        // The column period sums are the same for every row.
        let cols: Vec<f64> = if fold_y.folds() {
            (0..row_len)
                .map(|i| self.cols_window::<K>((i / channels) as i64, fold_x, i % channels))
                .collect()
        } else {
            Vec::new()
        };
        let (mut sums, mut scratch) = (vec![V::default(); row_len], Vec::new());
        for (j, y) in rows.clone().enumerate() {
            sums.fill(V::default());
            columns.window_row(fold_y.at(y as i64, height), fold_y.inner, &mut sums, &mut scratch);
            let out_row = &mut boxed[j * row_len..(j + 1) * row_len];
            let mut rows_windows = [0.0; crate::MAX_CHANNELS];
            for (ch, w) in rows_windows[..channels]
                .iter_mut()
                .enumerate()
                .filter(|_| fold_x.folds())
            {
                *w = self.rows_window::<K>(y as i64, fold_y, ch);
            }
            for (i, (b, s)) in out_row.iter_mut().zip(&sums).enumerate() {
                let ch = i % channels;
                let window = fold_y.signed(*s).to_signed_f64();
                let col = cols.get(i).copied().unwrap_or(0.0);
                let whole = self.combine(window, (fold_y, fold_x), rows_windows[ch], col, ch);
                *b += restored * whole;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::integrated::kfold_box;
    use super::*;

    const PERIODIC: [Border; 3] = [Border::Reflect, Border::Symmetric, Border::Wrap];

    /// The k-fold box around `p` of the line extended by `border`, tap by tap.
    fn extended_window(border: Border, line: &[i64], boxes: usize, inner: i64, p: i64) -> i64 {
        let reach = boxes as i64 * inner;
        kfold_box(boxes, inner)
            .iter()
            .zip(-reach..=reach)
            .map(|(&weight, d)| weight * line[border.map_index(p + d, line.len()).unwrap()])
            .sum()
    }

    #[test]
    fn period_weights_count_one_period_walked_position_by_position() {
        for border in PERIODIC {
            for len in 1..=9usize {
                let period = AxisPeriod::new(border, len).unwrap().length();
                let mut walked = vec![0i64; len];
                for q in 0..period {
                    walked[border.map_index(q, len).unwrap()] += 1;
                }
                assert_eq!(period_weights(border, len), walked, "{border:?} len {len}");
                // The table bits allow period sums of at most 2 L positions.
                assert!(period <= 2 * len as i64, "{border:?} len {len}");
                // Half a fold period on, the extended axis is the mirror image or itself.
                let mirrors = AxisPeriod::new(border, len).unwrap().mirrors;
                for p in -3 * period..3 * period {
                    let moved = border.map_index(p + period / 2, len);
                    let expect = border.map_index(if mirrors { len as i64 - 1 - p } else { p }, len);
                    assert_eq!(moved, expect, "{border:?} len {len} at {p}");
                }
            }
        }
    }

    /// The folded box (tap by tap, on the extended line) plus alpha times
    /// the period sum equals the whole kernel, for widths far past the
    /// period (folds of many periods), odd and even sides.
    #[test]
    fn folded_kernel_plus_period_sums_is_the_whole_kernel() {
        for border in PERIODIC {
            for len in 1..=9usize {
                let line: Vec<i64> = (0..len as i64).map(|x| (x * 37 + 11) % 19 - 7).collect();
                let weights = period_weights(border, len);
                let period_sum: i64 = line.iter().zip(&weights).map(|(v, w)| v * w).sum();
                let period = AxisPeriod::new(border, len).unwrap();
                let q = period.length();
                for boxes in 1..=5 {
                    for inner in (0..=20i64).chain([27, 40, 41, 63, 100]) {
                        let fold = AxisFold::new(boxes, inner, period);
                        // Folded widths are at most half the period, at most the side.
                        assert!(
                            2 * (2 * fold.inner + 1) <= q.max(2) && 2 * fold.inner < len as i64,
                            "{border:?} len {len} k {boxes} n {inner}: {fold:?}"
                        );
                        assert_eq!(fold.folds(), 2 * (2 * inner + 1) > q);
                        // And reach no further than the band is padded.
                        assert!(boxes as i64 * fold.inner <= folded_reach(boxes, i64::MAX, len, 0));
                        for p in 0..len as i64 {
                            let expect = extended_window(border, &line, boxes, inner, p);
                            let boxed = extended_window(border, &line, boxes, fold.inner, fold.at(p, len));
                            let folded =
                                if fold.negative { -boxed } else { boxed } + fold.alpha as i128 as i64 * period_sum;
                            assert_eq!(folded, expect, "{border:?} len {len} k {boxes} n {inner} at {p}");
                        }
                    }
                }
            }
        }
    }
}
