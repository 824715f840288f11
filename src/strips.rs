//! Strip scheduling: output rows in horizontal strips, each computed from
//! its own rows plus the halo its windows need, strips in parallel.

use std::ops::Range;

use ndarray::{ArrayView, ArrayViewMut3, Axis, Dimension};
use rayon::prelude::*;

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

/// Calls `work(rows, out_strip)` for every strip of `strip_rows` output rows, in parallel.
pub(crate) fn for_each_strip<T: Send + Sync>(
    mut out: ArrayViewMut3<'_, T>,
    strip_rows: usize,
    work: impl Fn(Range<usize>, ArrayViewMut3<'_, T>) + Sync,
) {
    out.axis_chunks_iter_mut(Axis(0), strip_rows)
        .into_par_iter()
        .enumerate()
        .for_each(|(index, strip)| {
            let first = index * strip_rows;
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
