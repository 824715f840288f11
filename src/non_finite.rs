//! Non-finite samples (NaN, +inf, -inf) of float images in the table
//! backends, the one mechanism `Integral`, `RunningSum` and `IteratedBox` share.
//!
//! `Naive` sums a window in `f64`: any NaN in it gives NaN, an infinity
//! gives that infinity, and +inf with -inf gives NaN. A summed-area table or
//! a running sum would instead carry one non-finite sample into every later
//! entry (and inf - inf is NaN), spoiling pixels whose windows never reach
//! it. So the value tables and sums hold 0 in place of a non-finite sample:
//! a row whose sums come out non-finite is summed again from a copy made by
//! [`crate::sample::finite_row`]. [`NonFinite`] counts those samples in two
//! summed-area tables of its own over the same band of rows: samples that
//! are NaN or +inf (`up`) and samples that are NaN or -inf (`down`). A window
//! with both counts non-zero holds a NaN, or both infinities: NaN; with only
//! `up`, +inf; with only `down`, -inf; with neither, the value from the
//! tables stands, and is what it would be if those samples were 0.
//!
//! The counts are built only for a band that has a non-finite sample, so
//! images without any pay one test per row of the sums, and integer images
//! nothing.

use ndarray::ArrayView3;

use crate::border::{Border, window_terms};
use crate::sample::Sample;
use crate::strips::Band;
use crate::table::{SummedArea, TableKind};

/// The value `Naive` gives a window whose non-finite samples are counted
/// by `up` (NaN or +inf) and `down` (NaN or -inf); `None` if it has none.
#[inline]
pub(crate) fn class(up: bool, down: bool) -> Option<f64> {
    match (up, down) {
        (true, true) => Some(f64::NAN),
        (true, false) => Some(f64::INFINITY),
        (false, true) => Some(f64::NEG_INFINITY),
        (false, false) => None,
    }
}

/// Summed-area tables of the counts, `u32` while the band's pixel count
/// fits (entries never wrap, so any integer combination of them is exact in
/// `i128`), else `u64`.
enum Counts {
    U32([SummedArea<u32>; 2]),
    U64([SummedArea<u64>; 2]),
}

/// Counts of the non-finite samples of a band of image rows, per channel.
pub(crate) struct NonFinite {
    counts: Counts,
    height: usize,
    width: usize,
    channels: usize,
}

impl NonFinite {
    /// Counts the non-finite samples of image rows `band` of `input`.
    pub(crate) fn build<T: Sample>(input: &ArrayView3<'_, T>, band: impl Into<Band>) -> Self {
        let band = band.into();
        let (height, width, channels) = input.dim();
        let up = |v: T| {
            let v = v.to_f64();
            v.is_nan() || v == f64::INFINITY
        };
        let down = |v: T| {
            let v = v.to_f64();
            v.is_nan() || v == f64::NEG_INFINITY
        };
        let counts = match TableKind::for_count(band.len() as u128 * width as u128) {
            TableKind::U32 => Counts::U32([
                SummedArea::build_with(input, band.clone(), |v| u32::from(up(v))),
                SummedArea::build_with(input, band, |v| u32::from(down(v))),
            ]),
            _ => Counts::U64([
                SummedArea::build_with(input, band.clone(), |v| u64::from(up(v))),
                SummedArea::build_with(input, band, |v| u64::from(down(v))),
            ]),
        };
        NonFinite {
            counts,
            height,
            width,
            channels,
        }
    }

    /// Whether the window of half-width `extent` centred on (`y`, `x`) under
    /// `border` holds samples of each count, for channel `ch`. The window
    /// lies within the band (its rows are those the band was built for).
    #[inline]
    pub(crate) fn window(&self, border: Border, (y, x): (usize, usize), extent: i64, ch: usize) -> (bool, bool) {
        let (first_y, last_y) = (y as i64 - extent, y as i64 + extent);
        let (first_x, last_x) = (x as i64 - extent, x as i64 + extent);
        let (h, w) = (self.height as i64, self.width as i64);
        let within = first_y >= 0 && first_x >= 0 && last_y < h && last_x < w;
        if within || !border.reads_outside() {
            // Clip and Constant read only the in-image part (the constant is finite).
            let rows = first_y.max(0)..(last_y + 1).min(h);
            let cols = first_x.max(0)..(last_x + 1).min(w);
            match &self.counts {
                Counts::U32([up, down]) => (
                    up.rect(rows.clone(), cols.clone(), ch) != 0,
                    down.rect(rows, cols, ch) != 0,
                ),
                Counts::U64([up, down]) => (
                    up.rect(rows.clone(), cols.clone(), ch) != 0,
                    down.rect(rows, cols, ch) != 0,
                ),
            }
        } else {
            let row_terms = window_terms(border, first_y, last_y, self.height);
            let col_terms = window_terms(border, first_x, last_x, self.width);
            // Exact integers (converted to f64): non-zero stays non-zero.
            match &self.counts {
                Counts::U32([up, down]) => (
                    up.rect_terms(&row_terms, &col_terms, ch) != 0.0,
                    down.rect_terms(&row_terms, &col_terms, ch) != 0.0,
                ),
                Counts::U64([up, down]) => (
                    up.rect_terms(&row_terms, &col_terms, ch) != 0.0,
                    down.rect_terms(&row_terms, &col_terms, ch) != 0.0,
                ),
            }
        }
    }

    /// Sets the samples of output row `y` from column `first_x` on
    /// (pixels x channels, row-major) whose window reaches a non-finite sample to what `Naive` gives;
    /// `extent(x)` is the half-width of pixel x's window (positions of
    /// non-zero weight).
    pub(crate) fn patch_row<T: Sample>(
        &self,
        border: Border,
        (y, first_x): (usize, usize),
        extent: impl Fn(usize) -> i64,
        out_row: &mut [T],
    ) {
        for (x, out_px) in (first_x..).zip(out_row.chunks_exact_mut(self.channels)) {
            let extent = extent(x);
            for (ch, out) in out_px.iter_mut().enumerate() {
                let (up, down) = self.window(border, (y, x), extent, ch);
                if let Some(value) = class(up, down) {
                    *out = T::from_f64(value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn classes_follow_f64_summation() {
        for (values, up, down) in [
            (vec![1.0, f64::NAN], true, true),
            (vec![f64::INFINITY, 2.0], true, false),
            (vec![f64::NEG_INFINITY, 2.0], false, true),
            (vec![f64::INFINITY, f64::NEG_INFINITY], true, true),
        ] {
            let sum: f64 = values.iter().sum();
            let class = class(up, down).unwrap();
            assert!(
                sum.to_bits() == class.to_bits() || sum.is_nan() && class.is_nan(),
                "{values:?}"
            );
        }
        assert_eq!(class(false, false), None);
        use crate::sample::any;
        assert!(!any(&[1u8, 2]));
        assert!(!any(&[1.0f32, f32::MAX, f32::MIN]));
        assert!(any(&[1.0f32, f32::NAN]));
        assert!(any(&[f64::NEG_INFINITY]));
    }

    #[test]
    fn windows_count_every_border() {
        // One row: NaN at column 1, +inf at column 5, -inf at column 6.
        let mut row = Array3::<f64>::zeros((1, 8, 1));
        row[[0, 1, 0]] = f64::NAN;
        row[[0, 5, 0]] = f64::INFINITY;
        row[[0, 6, 0]] = f64::NEG_INFINITY;
        let counts = NonFinite::build(&row.view(), 0..1);
        let at = |border, x, extent| counts.window(border, (0, x), extent, 0);
        assert_eq!(at(Border::Clip, 3, 1), (false, false));
        assert_eq!(at(Border::Clip, 3, 2), (true, true));
        assert_eq!(at(Border::Clip, 4, 1), (true, false));
        assert_eq!(at(Border::Clip, 7, 1), (false, true));
        // Reflect at column 7 with extent 2 reads 5, 6, 7, 6, 5.
        assert_eq!(at(Border::Reflect, 7, 2), (true, true));
        // Replicate at column 7 with extent 3 reads 4, 5, 6, 7, 7, 7, 7.
        assert_eq!(at(Border::Replicate, 7, 3), (true, true));
        // Column 0 with extent 1: -1 reflects to 1 (NaN); replicated, it reads 0.
        assert_eq!(at(Border::Reflect, 0, 1), (true, true));
        assert_eq!(at(Border::Replicate, 0, 0), (false, false));
        assert_eq!(at(Border::Constant(3.0), 7, 0), (false, false));
        // Symmetric at column 0 with extent 1 reads 0, 0, 1; Wrap at column 7 reads 6, 7, 0.
        assert_eq!(at(Border::Symmetric, 0, 1), (true, true));
        assert_eq!(at(Border::Wrap, 7, 1), (false, true));
    }

    /// Every window of a small image, under every border, against the
    /// samples it reads through `map_index`; from tables of the whole image
    /// and of the bands of single output rows (for `Wrap`, with the rows
    /// at the other end of the image).
    #[test]
    fn windows_equal_walking_every_position() {
        let (height, width) = (9usize, 7usize);
        let mut image = Array3::<f64>::zeros((height, width, 1));
        image[[0, 2, 0]] = f64::NAN;
        image[[4, 6, 0]] = f64::INFINITY;
        image[[8, 0, 0]] = f64::NEG_INFINITY;
        image[[7, 4, 0]] = f64::INFINITY;
        let borders = [
            Border::Clip,
            Border::Replicate,
            Border::Reflect,
            Border::Constant(0.0),
            Border::Symmetric,
            Border::Wrap,
        ];
        for border in borders {
            for extent in 0..12i64 {
                for y in 0..height {
                    let strip = Band::of(&(y..y + 1), extent as usize, height, border);
                    let tables = [
                        NonFinite::build(&image.view(), 0..height),
                        NonFinite::build(&image.view(), strip),
                    ];
                    for x in 0..width {
                        let (mut up, mut down) = (false, false);
                        for q in y as i64 - extent..=y as i64 + extent {
                            for p in x as i64 - extent..=x as i64 + extent {
                                let read = border.map_index(q, height).zip(border.map_index(p, width));
                                if let Some((m, n)) = read {
                                    let v = image[[m, n, 0]];
                                    up |= v.is_nan() || v == f64::INFINITY;
                                    down |= v.is_nan() || v == f64::NEG_INFINITY;
                                }
                            }
                        }
                        for counts in &tables {
                            let got = counts.window(border, (y, x), extent, 0);
                            assert_eq!(got, (up, down), "{border:?} at ({y}, {x}), extent {extent}");
                        }
                    }
                }
            }
        }
    }
}
