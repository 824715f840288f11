//! Strip scheduling: output rows in horizontal strips, each computed from
//! its own rows plus the halo its windows need, strips in parallel.

use std::ops::Range;

use ndarray::{ArrayView, ArrayViewMut3, Axis, Dimension};
use rayon::prelude::*;

use crate::border::Border;

/// Fewest and most output rows per strip.
const MIN_STRIP_ROWS: usize = 64;
const MAX_STRIP_ROWS: usize = 512;

/// Output rows per strip for an image of `height` rows whose windows reach
/// `halo` rows up and down. Twice the halo keeps the rows a strip reads to
/// at most about twice the rows it writes. It depends on the request only,
/// never on the thread count, so results are the same for any thread count.
pub(crate) fn strip_rows(height: usize, halo: usize) -> usize {
    halo.saturating_mul(2)
        .clamp(MIN_STRIP_ROWS, MAX_STRIP_ROWS)
        .min(height.max(1))
}

/// Output rows per strip as [`strip_rows`], but taller (up to twice the
/// halo) where a strip's band of input rows, `band_row_bytes` of tables
/// per row, stays within `budget` bytes: a tall halo then costs fewer
/// re-read rows. Depends on the request only, never on the thread count.
pub(crate) fn strip_rows_within(height: usize, halo: usize, band_row_bytes: usize, budget: usize) -> usize {
    let affordable = (budget / band_row_bytes.max(1)).saturating_sub(halo.saturating_mul(2));
    let wanted = halo.saturating_mul(2).min(affordable);
    strip_rows(height, halo).max(wanted).min(height.max(1))
}

/// The input rows a strip of output `rows` reads, for windows reaching
/// `halo` rows, clamped to an image of `height` rows.
pub(crate) fn band_rows(rows: &Range<usize>, halo: usize, height: usize) -> Range<usize> {
    rows.start.saturating_sub(halo)..rows.end.saturating_add(halo).min(height)
}

/// The image rows a strip reads, as a table or a strip's sums hold them:
/// the rows its windows cover in the image (`near`), then, for `Wrap`, the
/// rows at the other end of the image that its windows past an edge read
/// (`far`, empty for the other borders, whose outside positions read rows
/// no farther into the image than the window reaches). The two ranges are
/// apart: where they would meet, `near` is the whole image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Band {
    near: Range<usize>,
    far: Range<usize>,
}

impl Band {
    /// The rows a strip of output `rows` reads under `border`, for windows
    /// reaching `halo` rows, of an image of `height` rows.
    pub(crate) fn of(rows: &Range<usize>, halo: usize, height: usize, border: Border) -> Self {
        let near = band_rows(rows, halo, height);
        if !matches!(border, Border::Wrap) {
            return near.into();
        }
        // Windows reaching a whole period: the whole image.
        if rows.len().saturating_add(halo.saturating_mul(2)) >= height {
            return (0..height).into();
        }
        // Positions above the image read the last rows, those below it the first.
        let far = if rows.start < halo {
            height - (halo - rows.start)..height
        } else if rows.end + halo > height {
            0..rows.end + halo - height
        } else {
            0..0
        };
        Band { near, far }
    }

    /// Rows in the band.
    pub(crate) fn len(&self) -> usize {
        self.near.len() + self.far.len()
    }

    /// Rows in the far part.
    pub(crate) fn far_len(&self) -> usize {
        self.far.len()
    }

    /// The image rows of the band, in the order they are held.
    pub(crate) fn rows(&self) -> impl Iterator<Item = usize> + Clone + use<> {
        self.near.clone().chain(self.far.clone())
    }

    /// The first row of the near part: rows of that part are held at
    /// `row - near_start()`.
    pub(crate) fn near_start(&self) -> usize {
        self.near.start
    }

    /// Where image row `row` (in the band) is held.
    #[inline(always)]
    pub(crate) fn index(&self, row: usize) -> usize {
        if self.far.contains(&row) {
            self.near.len() + (row - self.far.start)
        } else {
            row - self.near.start
        }
    }

    /// Where the prefix sum "above image row `row`" is held in a table of
    /// the band's rows (`row` in `near.start..=near.end` or
    /// `far.start..=far.end`). The far part's prefix sums carry the near
    /// part's total: a window sum whose coefficients add up to zero within
    /// each part (as every window of the band's strip does) is exact.
    #[inline(always)]
    pub(crate) fn prefix_index(&self, row: usize) -> usize {
        if !self.far.is_empty() && (self.far.start..=self.far.end).contains(&row) {
            self.near.len() + (row - self.far.start)
        } else {
            row - self.near.start
        }
    }
}

impl From<Range<usize>> for Band {
    /// The band of the rows `near` alone.
    fn from(near: Range<usize>) -> Self {
        Band { near, far: 0..0 }
    }
}

/// Calls `work(rows, out_strip)` for every strip of `strip_rows` output
/// rows, in parallel; `out` holds the outputs of image rows from
/// `first_row` on, and `rows` are image rows.
///
/// Each strip is a task of its own: left to itself, rayon hands a thread
/// a run of strips (a quarter of them on two threads) that no other
/// thread can take over, so a thread slowed by other work on the machine,
/// or given the costlier strips, kept the call waiting while the other
/// idled. A strip is far more work than a task's cost.
pub(crate) fn for_each_strip<T: Send + Sync>(
    mut out: ArrayViewMut3<'_, T>,
    first_row: usize,
    strip_rows: usize,
    work: impl Fn(Range<usize>, ArrayViewMut3<'_, T>) + Sync,
) {
    out.axis_chunks_iter_mut(Axis(0), strip_rows)
        .into_par_iter()
        .with_max_len(1)
        .enumerate()
        .for_each(|(index, strip)| {
            let first = first_row + index * strip_rows;
            work(first..first + strip.len_of(Axis(0)), strip)
        });
}

/// The elements of `view` in logical order as one slice: the view's own
/// memory when it is contiguous, else a copy in `scratch`.
pub(crate) fn as_contiguous<'a, T: Copy, D: Dimension>(view: ArrayView<'a, T, D>, scratch: &'a mut Vec<T>) -> &'a [T] {
    match view.to_slice() {
        Some(slice) => slice,
        None => {
            scratch.clear();
            scratch.extend(view.iter().copied());
            scratch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row that a window of a strip reads lies in the strip's band,
    /// each band row is held once, and the prefix sums of the two parts
    /// are held apart.
    #[test]
    fn a_band_holds_every_row_its_strip_reads() {
        let borders = [
            Border::Clip,
            Border::Replicate,
            Border::Reflect,
            Border::Constant(0.0),
            Border::Symmetric,
            Border::Wrap,
        ];
        for border in borders {
            for height in 1..14usize {
                for halo in 0..16usize {
                    for start in 0..height {
                        for end in start + 1..=height {
                            let rows = start..end;
                            let band = Band::of(&rows, halo, height, border);
                            let held: Vec<usize> = band.rows().collect();
                            assert_eq!(held.len(), band.len());
                            let indices: Vec<usize> = held.iter().map(|&m| band.index(m)).collect();
                            assert_eq!(indices, (0..band.len()).collect::<Vec<_>>(), "{border:?} {band:?}");
                            for q in start as i64 - halo as i64..end as i64 + halo as i64 {
                                if let Some(m) = border.map_index(q, height) {
                                    assert!(
                                        held.contains(&m),
                                        "{border:?} {rows:?} halo {halo}: row {m} of {band:?}"
                                    );
                                }
                            }
                            if !band.far.is_empty() {
                                let near = band.near.start..=band.near.end;
                                let far = band.far.start..=band.far.end;
                                assert!(near.end() < far.start() || far.end() < near.start(), "{band:?}");
                            }
                        }
                    }
                }
            }
        }
    }
}
