//! Box blur of any per-pixel radius from summed-area tables: O(1) per pixel.
//!
//! Each strip of output rows gets a table of its rows plus the halo its
//! largest radius needs; under the borders that read image pixels outside
//! it, the table also holds the positions past the image's edges that the
//! halo reaches (see `extends`), so that a window leaving the image is one
//! rectangle, as under `Clip`. A fractional radius r = n + f is the blend
//! (1 - f) box(n) + f box(n + 1) per axis, so a pixel reads up to four
//! rectangles. Integer samples use integer tables whose entries wrap (u32
//! when the largest window's total fits, or the band's; else u64): window
//! sums are exact. NaN and infinities in
//! float images stay out of the tables and are counted apart
//! ([`crate::non_finite`]).

use std::any::Any;
use std::ops::Range;

use ndarray::{ArrayView2, ArrayViewMut3, Axis, s};

mod fractional;
mod row_plan;
mod runs;

use fractional::{FractionalRow, blend_small, blend_wide};
use row_plan::{Geometry, RowPlan};
use runs::RowRuns;

use crate::border::{Border, Terms, window_terms};
use crate::error::Error;
use crate::filter::{Filter, Job, Request, RunSamples, Support, TypedJob};
use crate::kernel::{BoxTaps, Kernel, MAX_EXTENT, MAXIMA_COLS, RowMaxima};
use crate::non_finite::NonFinite;
use crate::quotient;
use crate::sample::Sample;
use crate::strips::{Band, band_rows, for_each_strip, strip_rows};
use crate::table::{Extension, SummedArea, TableKind, TableValue};

/// Exact box blur via summed-area tables; any per-pixel radius.
#[derive(Debug, Clone, Copy, Default)]
pub struct Integral;

/// One axis of one pixel's window: positions `first..=last`.
#[derive(Clone, Copy)]
struct AxisWindow {
    first: i64,
    last: i64,
    /// Prefix positions of the part within the table's rows or columns:
    /// `inside_start..inside_end`.
    inside_start: i64,
    inside_end: i64,
    /// Whether the window leaves the table's positions and reads image
    /// pixels there (through the border rule's prefix-sum terms).
    extended: bool,
}

impl AxisWindow {
    /// The window of half-width `half_width` centred on `centre`, for a
    /// table that holds prefix positions `bounds.0..=bounds.1` of this axis
    /// one after another: the image's (or, for `Clip` and `Constant`, the
    /// in-image part of every window of the strip), or for an extended
    /// table the border-extended axis's.
    #[inline(always)]
    fn new(centre: usize, half_width: i64, (lo, hi): (i64, i64), border: Border) -> Self {
        let first = centre as i64 - half_width;
        let last = centre as i64 + half_width;
        let within = first >= lo && last < hi;
        AxisWindow {
            first,
            last,
            inside_start: first.max(lo),
            inside_end: (last + 1).min(hi),
            extended: border.reads_outside() && !within,
        }
    }

    fn full(&self) -> f64 {
        (self.last - self.first + 1) as f64
    }

    #[inline(always)]
    fn inside(&self) -> Range<i64> {
        self.inside_start..self.inside_end
    }

    #[inline(always)]
    fn in_count(&self) -> f64 {
        (self.inside_end - self.inside_start) as f64
    }
}

/// The prefix rows and prefix columns of `table` that lie one after
/// another (see [`AxisWindow::new`]).
fn table_bounds<A: TableValue>(table: &SummedArea<A>) -> ((i64, i64), (i64, i64)) {
    (
        (table.first_row(), table.last_row()),
        (table.first_col(), table.last_col()),
    )
}

/// The sum of one pixel's window `wy` x `wx`, channel `ch`: one rectangle
/// of the table where it holds the window, else the border rule's terms.
#[inline(always)]
fn window_sum<A: TableValue>(
    table: &SummedArea<A>,
    border: Border,
    (height, width): (usize, usize),
    (wy, wx): (&AxisWindow, &AxisWindow),
    ch: usize,
) -> f64 {
    if wy.extended || wx.extended {
        let row_terms = window_terms(border, wy.first, wy.last, height);
        let col_terms = window_terms(border, wx.first, wx.last, width);
        table.rect_terms(&row_terms, &col_terms, ch)
    } else {
        table.rect(wy.inside(), wx.inside(), ch).to_f64()
    }
}

/// Whether an extended table of `T` samples holds what `border` reads
/// past the image's edges: image pixels (the borders that read outside),
/// or `Constant`'s value where it is a sample of `T` and, for floats,
/// small enough that a table's sums of it stay finite ([`HELD_CONSTANT`]).
/// A larger float constant is left to the general path, whose one product
/// of it keeps a constant near the type's largest value from overflowing.
fn holds_border<T: Sample>(border: Border) -> bool {
    match border {
        Border::Constant(value) => {
            let sample = T::from_f64(value).to_f64() == value;
            sample && (T::TYPE.is_integer() || value.abs() <= HELD_CONSTANT)
        }
        _ => border.reads_outside(),
    }
}

/// The largest magnitude of a float `Constant` that an extended table
/// holds: an extended table holds fewer than 2^31 samples ([`extends`]),
/// so the sum of any of them at this magnitude stays below `f64::MAX`
/// (every `f32` constant is held).
const HELD_CONSTANT: f64 = f64::MAX / (1u64 << 32) as f64;

/// The window counts `[rows, wide_rows, cols, wide_cols]` of a fractional
/// radius under a border that an extended table `holds` ([`holds_border`]),
/// if they fit in `i32`: such a pixel is blended as the fractional path
/// blends it ([`fractional::blend_small`] or [`fractional::blend_wide`],
/// from its whole windows' sums), since that path takes the same pixel
/// wherever the table holds its windows (an extended table), and a
/// pixel's bits must not depend on which table a strip or a tile has.
fn full_counts(holds: bool, rows: [f64; 2], cols: [f64; 2]) -> Option<[i32; 4]> {
    let counts = [rows[0], rows[1], cols[0], cols[1]];
    let fit = counts.iter().all(|&c| c <= i32::MAX as f64);
    (holds && fit).then(|| counts.map(|c| c as i32))
}

/// The sum of a window of `full` positions of which `inside` lie in the
/// image or the table (`sum` is theirs): for `Constant`, plus the value of
/// the others (an exact integer for the constants a table holds).
fn whole_window_sum(border: Border, sum: f64, (full, inside): (f64, f64)) -> f64 {
    match border {
        Border::Constant(value) => sum + value * (full - inside),
        _ => sum,
    }
}

/// The largest reach (half-width) of a window whose sum of samples of `T`
/// stays below [`quotient::SUM_LIMIT`] whatever the samples, so that it
/// is an `i32` for the exact quotient and the `f32` blend; -1 for float
/// samples. Every pixel's choice between those and the `f64` arithmetic
/// is by its own widest window against this reach (n for an integer
/// radius, n + 1 for a fractional one) alone: not by its strip, table or
/// path, so a pixel gets the same bits in a whole image, a tile or a
/// block whatever its neighbours' radii.
pub(super) fn small_reach<T: Sample>() -> i64 {
    if !T::TYPE.is_integer() {
        return -1;
    }
    let max = T::MAX as u64;
    let fits = |reach: u64| (2 * reach + 1).pow(2) * max < quotient::SUM_LIMIT;
    let mut reach = ((quotient::SUM_LIMIT as f64 / T::MAX).sqrt() / 2.0) as u64;
    while reach > 0 && !fits(reach) {
        reach -= 1;
    }
    while fits(reach + 1) {
        reach += 1;
    }
    reach as i64
}

/// The mean of the fractional path from the four window sums `sums` (rows
/// n / n + 1 by columns n / n + 1, exact), edge weight `f` and window
/// counts `counts` (whole windows: `counts[1]` is 2 (n + 1) + 1); blended
/// in `f32` where the n + 1 window is within `small_reach`
/// ([`small_reach`]), as the fractional path does, else in `f64`.
#[inline(always)]
fn fractional_mean<T: Sample>(sums: [f64; 4], f: f64, counts: [i32; 4], small_reach: i64) -> T {
    let f = f as f32;
    if i64::from(counts[1] / 2) <= small_reach {
        T::from_whole(blend_small(sums.map(|s| s as u32), f, counts))
    } else {
        T::from_f64(blend_wide(sums, f, counts))
    }
}

/// The mean of one pixel, channel `ch`, from the blend of the box windows
/// `y_windows` x `x_windows`; `holds` as in [`full_counts`], `small_reach`
/// as in [`fractional_mean`].
#[inline(always)]
fn blended_mean<T: Sample, A: TableValue>(
    table: &SummedArea<A>,
    border: Border,
    size: (usize, usize),
    (y_windows, x_windows): (&[WeightedWindow], &[WeightedWindow]),
    ch: usize,
    (holds, small_reach): (bool, i64),
) -> T {
    let sum = |wy: &AxisWindow, wx: &AxisWindow| window_sum(table, border, size, (wy, wx), ch);
    if let ([(_, y0), (f, y1)], [(_, x0), (_, x1)]) = (y_windows, x_windows)
        && let Some(counts) = full_counts(holds, [y0.full(), y1.full()], [x0.full(), x1.full()])
    {
        let whole = |wy: &AxisWindow, wx: &AxisWindow| {
            let counts = (wy.full() * wx.full(), wy.in_count() * wx.in_count());
            whole_window_sum(border, sum(wy, wx), counts)
        };
        let sums = [whole(y0, x0), whole(y0, x1), whole(y1, x0), whole(y1, x1)];
        return fractional_mean(sums, *f, counts, small_reach);
    }
    let mut num = 0.0;
    let mut den = 0.0;
    // The weight of the positions outside the image, which read a Constant.
    let mut outside = 0.0;
    for (weight_y, wy) in y_windows {
        for (weight_x, wx) in x_windows {
            let weight = weight_y * weight_x;
            let inside = wy.in_count() * wx.in_count();
            let full = wy.full() * wx.full();
            num += weight * sum(wy, wx);
            outside += weight * (full - inside);
            den += weight * if border.is_clip() { inside } else { full };
        }
    }
    // One product of the constant, as in `Naive`: a constant near f64::MAX
    // times the outside weight of one of the blended windows alone could
    // overflow where the blend does not.
    if let Border::Constant(value) = border {
        num += value * outside;
    }
    T::from_f64(num / den)
}

/// A window of one axis and its blend weight.
type WeightedWindow = (f64, AxisWindow);

/// The windows n and n + 1 of one axis, with their blend weights.
type AxisBlend = [WeightedWindow; 2];

/// The row and column windows of a pixel of radius `size` at (`y`, `x`)
/// in a table of prefix rows and columns `bounds` ([`table_bounds`]):
/// half-widths n and, for a fractional radius, n + 1, with their blend
/// weights, and how many of each there are.
#[inline(always)]
fn blend_windows(
    size: f32,
    (y, x): (usize, usize),
    (row_bounds, col_bounds): ((i64, i64), (i64, i64)),
    border: Border,
) -> (AxisBlend, AxisBlend, usize) {
    let taps = BoxTaps::new(size);
    let n = taps.inner;
    let f = taps.edge_weight;
    let wy = AxisWindow::new(y, n, row_bounds, border);
    let wx = AxisWindow::new(x, n, col_bounds, border);
    let mut y_windows = [(1.0 - f, wy), (f, wy)];
    let mut x_windows = [(1.0 - f, wx), (f, wx)];
    if f > 0.0 {
        y_windows[1].1 = AxisWindow::new(y, n + 1, row_bounds, border);
        x_windows[1].1 = AxisWindow::new(x, n + 1, col_bounds, border);
        (y_windows, x_windows, 2)
    } else {
        (y_windows, x_windows, 1)
    }
}

/// Scratch space of the pixels outside the row plan whose windows share one
/// radius along the row (a uniform map, or a row of one radius): their row
/// windows are the same, so each is combined from the table once per row
/// ([`SummedArea::combine_rows`]), and the column side of each pixel (its
/// column terms and in-image counts), which depends on the radius and the
/// column alone, is kept across rows. Each such pixel then reads only its
/// column terms: radii far past the image cost about what small ones do.
#[derive(Default)]
struct SharedRadius<W> {
    /// Per blend (n, n + 1): the row window's combination of prefix rows.
    combined: [Vec<W>; 2],
    /// The radius whose column side is held below.
    size: Option<f32>,
    /// Per blend, per column: the column window as prefix-column terms.
    col_terms: [Vec<Terms>; 2],
    /// Per blend, per column: in-image positions of the column window.
    col_inside: [Vec<f64>; 2],
    /// Per blend, per column and channel: the window sums of this row.
    window_sums: [[Vec<f64>; 2]; 2],
}

/// The radius every pixel of the row outside the plan has, if one, and if
/// they are enough (a 16th of the row) to pay for combining whole table rows.
fn shared_size(sizes: &[f32], plan: &RowPlan) -> Option<f32> {
    let mut unplanned = sizes
        .iter()
        .zip(&plan.weight)
        .filter(|(_, w)| **w == 0)
        .map(|(s, _)| *s);
    let first = unplanned.next()?;
    let mut count = 1;
    for size in unplanned {
        if size != first {
            return None;
        }
        count += 1;
    }
    (count * 16 >= sizes.len()).then_some(first)
}

/// Computes the pixels outside the plan of output row `y`, from column
/// `first_col` on (one per size), into `out_row`; `holds` as in
/// [`full_counts`], `small_reach` as in [`fractional_mean`].
#[allow(clippy::too_many_arguments)]
fn filter_unplanned<T: Sample, A: TableValue>(
    table: &SummedArea<A>,
    border: Border,
    [height, width, channels]: [usize; 3],
    (y, first_col): (usize, usize),
    sizes: &[f32],
    out_row: &mut [T],
    plan: &RowPlan,
    (shared, holds, small_reach): (&mut SharedRadius<A::Accumulator>, bool, i64),
) {
    let axes = (height, width);
    let bounds = table_bounds(table);
    // The shared radius's terms are kept per column of the whole row, from
    // the image's prefix columns: a table of them (not extended). Not for
    // `Clip`: its windows are rectangles of the table, one read each.
    let whole_row = first_col == 0 && sizes.len() == width && bounds.1 == (0, width as i64) && !border.is_clip();
    let Some(size) = shared_size(sizes, plan).filter(|_| whole_row) else {
        for (x, (out_px, &size)) in out_row.chunks_exact_mut(channels).zip(sizes).enumerate() {
            if plan.weight[x] != 0 {
                continue;
            }
            let (y_windows, x_windows, blended) = blend_windows(size, (y, first_col + x), bounds, border);
            let windows = (&y_windows[..blended], &x_windows[..blended]);
            for (ch, out) in out_px.iter_mut().enumerate() {
                *out = blended_mean(table, border, axes, windows, ch, (holds, small_reach));
            }
        }
        return;
    };
    let (y_windows, x_windows, blended) = blend_windows(size, (y, 0), bounds, border);
    for (i, (_, wy)) in y_windows[..blended].iter().enumerate() {
        table.combine_rows(
            &window_terms(border, wy.first, wy.last, height),
            &mut shared.combined[i],
        );
    }
    if shared.size != Some(size) {
        for (j, (_, wx)) in x_windows[..blended].iter().enumerate() {
            let half = (wx.last - wx.first) / 2;
            shared.col_terms[j].clear();
            shared.col_terms[j].extend((0..width as i64).map(|x| window_terms(border, x - half, x + half, width)));
            shared.col_inside[j].clear();
            shared.col_inside[j].extend((0..width).map(|x| AxisWindow::new(x, half, bounds.1, border).in_count()));
        }
        shared.size = Some(size);
    }
    // Window sums first, per blend and sample, then the blend and the
    // division per sample: short loops that keep many pixels in flight.
    let planned = &plan.weight;
    for i in 0..blended {
        for j in 0..blended {
            let sums = &mut shared.window_sums[i][j];
            sums.resize(width * channels, 0.0);
            let columns = sums.chunks_exact_mut(channels).zip(&shared.col_terms[j]);
            for ((pixel_sums, col_terms), _) in columns.zip(planned).filter(|(_, w)| **w == 0) {
                for (ch, sum) in pixel_sums.iter_mut().enumerate() {
                    *sum = table.combined_terms(&shared.combined[i], col_terms, ch);
                }
            }
        }
    }
    let full_x: [f64; 2] = x_windows.map(|(_, wx)| wx.full());
    let full_y: [f64; 2] = y_windows.map(|(_, wy)| wy.full());
    // A fractional radius under a border that an extended table holds:
    // the blend of the fractional path (see `full_counts`).
    let counts = full_counts(holds, full_y, full_x).filter(|_| blended == 2);
    let [[first, first_wide], [wide_first, wide_wide]] = &shared.window_sums;
    for x in (0..width).filter(|&x| planned[x] == 0) {
        let out_px = &mut out_row[x * channels..(x + 1) * channels];
        if let Some(counts) = counts {
            let f = y_windows[1].0;
            let in_rows = y_windows.map(|(_, wy)| wy.in_count());
            let in_cols = [shared.col_inside[0][x], shared.col_inside[1][x]];
            let whole = |sum: f64, i: usize, j: usize| {
                whole_window_sum(border, sum, (full_y[i] * full_x[j], in_rows[i] * in_cols[j]))
            };
            for (ch, out) in out_px.iter_mut().enumerate() {
                let at = x * channels + ch;
                let sums = [
                    whole(first[at], 0, 0),
                    whole(first_wide[at], 0, 1),
                    whole(wide_first[at], 1, 0),
                    whole(wide_wide[at], 1, 1),
                ];
                *out = fractional_mean(sums, f, counts, small_reach);
            }
            continue;
        }
        let mut weights = [[0.0; 2]; 2];
        let (mut den, mut outside) = (0.0, 0.0);
        for (i, (weight_y, wy)) in y_windows[..blended].iter().enumerate() {
            for (j, (weight_x, _)) in x_windows[..blended].iter().enumerate() {
                let weight = weight_y * weight_x;
                let inside = wy.in_count() * shared.col_inside[j][x];
                let full = wy.full() * full_x[j];
                outside += weight * (full - inside);
                den += weight * if border.is_clip() { inside } else { full };
                weights[i][j] = weight;
            }
        }
        for (ch, out) in out_px.iter_mut().enumerate() {
            let at = x * channels + ch;
            let mut num = weights[0][0] * first[at];
            if blended == 2 {
                num += weights[0][1] * first_wide[at] + weights[1][0] * wide_first[at] + weights[1][1] * wide_wide[at];
            }
            // As in `blended_mean`: one product of the constant.
            if let Border::Constant(value) = border {
                num += value * outside;
            }
            *out = T::from_f64(num / den);
        }
    }
}

/// Scratch space of the planned pixels: their window sums and means.
#[derive(Default)]
struct PlannedSums<A> {
    /// Window sums, per sample.
    sums: Vec<A>,
    /// Window weights per sample, for more than one channel.
    weights: Vec<i32>,
    /// Rounded means, per sample.
    quotients: Vec<u32>,
}

impl<A: TableValue> PlannedSums<A> {
    /// Writes the means of the planned pixels (weight > 0) into `out_row`:
    /// from `u32` tables of integer samples, the exact quotients of every
    /// pixel whose window sum stays below [`quotient::SUM_LIMIT`] (its
    /// weight times the type's largest sample), then the `f64` quotient of
    /// the others, which is exact too (a correctly rounded quotient of two
    /// integers below 2^53 is never on the wrong side of a half); from
    /// other tables, that quotient alone.
    fn write_means<T: Sample>(&mut self, weights: &[i32], channels: usize, out_row: &mut [T]) {
        let sums: &dyn Any = &self.sums;
        let small_weight = if T::TYPE.is_integer() {
            ((quotient::SUM_LIMIT - 1) as f64 / T::MAX) as i32
        } else {
            0
        };
        if let (true, Some(sums)) = (small_weight > 0, sums.downcast_ref::<Vec<u32>>()) {
            let sample_weights = if channels == 1 {
                weights
            } else {
                self.weights.clear();
                self.weights
                    .extend(weights.iter().flat_map(|&w| std::iter::repeat_n(w, channels)));
                &self.weights
            };
            self.quotients.resize(sums.len(), 0);
            quotient::quotients_of(sums, sample_weights, &mut self.quotients);
            if channels == 1 {
                // A select, not a branch: the loop vectorises.
                for ((out, &q), &weight) in out_row.iter_mut().zip(&self.quotients).zip(weights) {
                    *out = if weight > 0 { T::from_whole(q) } else { *out };
                }
            } else {
                let means = out_row
                    .chunks_exact_mut(channels)
                    .zip(self.quotients.chunks_exact(channels));
                for ((out_px, quotients), &weight) in means.zip(weights) {
                    if weight > 0 {
                        for (out, &q) in out_px.iter_mut().zip(quotients) {
                            *out = T::from_whole(q);
                        }
                    }
                }
            }
            if weights.iter().all(|&w| w <= small_weight) {
                return;
            }
        }
        // Every pixel past the quotients' weight (all of them where none
        // was taken above).
        let small_weight = if sums.is::<Vec<u32>>() { small_weight } else { 0 };
        for ((out_px, pixel_sums), &weight) in out_row
            .chunks_exact_mut(channels)
            .zip(self.sums.chunks_exact(channels))
            .zip(weights)
        {
            if weight <= small_weight {
                continue;
            }
            let weight = weight as f64;
            for (out, sum) in out_px.iter_mut().zip(pixel_sums) {
                *out = T::from_f64(sum.to_f64() / weight);
            }
        }
    }
}

/// Scratch space of a strip's rows, kept across rows.
struct RowScratch<A: TableValue> {
    runs: RowRuns,
    plan: RowPlan,
    planned: PlannedSums<A>,
    fractional: FractionalRow<A>,
    shared: SharedRadius<A::Accumulator>,
}

impl<A: TableValue> RowScratch<A> {
    fn new() -> Self {
        RowScratch {
            runs: RowRuns::default(),
            plan: RowPlan::default(),
            planned: PlannedSums::default(),
            fractional: FractionalRow::default(),
            shared: SharedRadius::default(),
        }
    }
}

/// Where a row (or the part of it) lies: the table, the border, the image's
/// shape, and the row and first column; and the memory of the next row's
/// sizes (or none), for cache hints.
#[derive(Clone, Copy)]
struct RowAt<'t, A: TableValue> {
    table: &'t SummedArea<A>,
    border: Border,
    shape: [usize; 3],
    y: usize,
    first_col: usize,
    next_map: &'t [u8],
}

/// Computes output row `at.y`, from column `at.first_col` on, into
/// `out_row` (one pixel per size, channels interleaved) from the row's
/// sizes: the runs first (in a smooth map, most rows are runs alone), then
/// the pixels between them.
fn filter_row<T: Sample, A: TableValue>(
    at: RowAt<'_, A>,
    sizes: &[f32],
    out_row: &mut [T],
    scratch: &mut RowScratch<A>,
) {
    let channels = at.shape[2];
    // Where an offset would pass i32, every pixel takes the general path.
    let runs = &mut scratch.runs;
    let in_runs = match Geometry::of(at.table, at.shape, (at.y, at.first_col), at.border.is_clip()) {
        Some(geometry) => runs.filter(at.table, &geometry, (sizes, at.next_map), out_row),
        None => {
            runs.clear();
            0
        }
    };
    if in_runs == 0 {
        filter_others(at, sizes, out_row, scratch);
        return;
    }
    // The others may not touch the runs: they are set aside meanwhile.
    let runs = std::mem::take(&mut scratch.runs);
    let mut start = 0;
    let ends = runs.runs().iter().map(|run| (run.start, run.end));
    for (end, next) in ends.chain([(sizes.len(), sizes.len())]) {
        if start < end {
            let samples = start * channels..end * channels;
            let part = RowAt {
                first_col: at.first_col + start,
                ..at
            };
            filter_others(part, &sizes[start..end], &mut out_row[samples], scratch);
        }
        start = next;
    }
    scratch.runs = runs;
}

/// Computes output row `at.y`, from column `at.first_col` on, into
/// `out_row` (one pixel per size, channels interleaved) from the row's
/// sizes, by the paths other than runs: the plan of integer radii,
/// fractional radii, the rest.
fn filter_others<T: Sample, A: TableValue>(
    at: RowAt<'_, A>,
    sizes: &[f32],
    out_row: &mut [T],
    scratch: &mut RowScratch<A>,
) {
    let RowAt {
        table,
        border,
        shape,
        y,
        first_col,
        ..
    } = at;
    let RowScratch {
        plan,
        planned,
        fractional,
        shared,
        ..
    } = scratch;
    let channels = shape[2];
    // Where an offset would pass i32, every pixel takes the general path.
    let geometry = Geometry::of(table, shape, (y, first_col), border.is_clip());
    match &geometry {
        Some(geometry) => plan.plan(sizes, geometry),
        None => plan.plan_none(sizes.len()),
    }
    // Pixels outside the plan: fractional radii (most read rectangles
    // alone), border terms.
    if let (Some(geometry), true) = (&geometry, plan.weight.contains(&0)) {
        fractional.filter(table, geometry, sizes, out_row, &mut plan.weight);
    }
    if plan.weight.contains(&0) {
        let scratch = (shared, holds_border::<T>(border), small_reach::<T>());
        filter_unplanned(table, border, shape, (y, first_col), sizes, out_row, plan, scratch);
    }
    // The planned pixels: exact rectangle sums first, in a loop of reads
    // alone (every pixel read, planned or not: no branch in the loop), then
    // one division and rounding per sample. None where the other paths
    // took every pixel (a row of fractional radii).
    if plan.weight.iter().fold(0, |most, &w| most.max(w)) <= 0 {
        return;
    }
    let values = table.values();
    let sums = &mut planned.sums;
    sums.resize(sizes.len() * channels, A::default());
    // Every corner lies in 0..=plan.reach, which the plan's geometry
    // found within the table ([`RowPlan::reach`]).
    assert!(
        plan.reach + channels <= values.len(),
        "row plan reads outside the table"
    );
    let corners = plan
        .bottom_right
        .iter()
        .zip(&plan.bottom_left)
        .zip(plan.top_right.iter().zip(&plan.top_left));
    // SAFETY: in both loops every index is a corner plus a channel below
    // `channels`: at least 0 and at most plan.reach + channels - 1 <
    // values.len() by the check above. Unchecked reads are faster on B1, where
    // these reads dominate (the `variable_box` bench shows it).
    let at = |corner: i32| unsafe { *values.get_unchecked(corner as usize) };
    if channels == 1 {
        for (sum, ((&br, &bl), (&tr, &tl))) in sums.iter_mut().zip(corners) {
            *sum = at(br).sub(at(bl)).sub(at(tr).sub(at(tl)));
        }
    } else {
        for (pixel_sums, ((&br, &bl), (&tr, &tl))) in sums.chunks_exact_mut(channels).zip(corners) {
            for (ch, sum) in (0..).zip(pixel_sums.iter_mut()) {
                *sum = at(br + ch).sub(at(bl + ch)).sub(at(tr + ch).sub(at(tl + ch)));
            }
        }
    }
    planned.write_means(&plan.weight, channels, out_row);
}

/// Columns per block where a strip's rows go block by block: the blocks
/// whose largest sizes validation kept, so that each block's table element
/// comes from them ([`RowMaxima::over_rect`]) without another scan of the
/// map.
const BLOCK_COLS: usize = MAXIMA_COLS;

/// The columns per block for a strip whose `largest` size reaches `halo`
/// rows: `width` (whole rows), or fewer where each block's rows in
/// turn keep the table columns that the block reads (its columns and the
/// halo on both sides, of every row of the band) in the cache, where whole
/// rows would read the whole band, which for large radii is far larger
/// than the cache (a band of 1026 rows of 15000 `u32` columns is 62 MB). Each block
/// has a table of those columns alone, so a thread's table stays a few MB
/// whatever the image's width. Only where every pixel is planned (`Clip`,
/// or tables `extended` past the image's edges; no radius at
/// `MAX_EXTENT`), since the pixels outside the plan share work along whole
/// rows.
fn column_blocks(border: Border, extended: bool, largest: f32, width: usize, halo: usize) -> usize {
    let all_planned = (border.is_clip() || extended) && largest < MAX_EXTENT as f32;
    if all_planned && width > BLOCK_COLS && halo > 0 {
        BLOCK_COLS
    } else {
        width
    }
}

/// Whether the tables of a strip whose windows reach `halo` rows and
/// columns are extended past the image's edges by that reach
/// ([`SummedArea::build_extended`]), for an image of `shape` cut in strips
/// of `strip` rows: under the borders whose outside positions the table
/// holds ([`holds_border`]), where the halo is at most the strip's rows and its block's columns, so
/// that a table holds at most 3 x 3 times the pixels it serves, and where
/// the table's offsets fit the plans' `i32` ([`Geometry::of`]).
///
/// Every window of the strip then lies within its tables, and the plan,
/// the fractional pass and the runs take every pixel as one rectangle per
/// window, whatever the border: none is left to the border's prefix-sum
/// terms (whose `Wrap` rows such a table does not hold as a band does).
/// Larger reaches (windows far past the image, folding it many times) keep
/// the tables of the image's rows alone, and the terms.
fn extends<T: Sample>(border: Border, halo: usize, strip: usize, [height, width, channels]: [usize; 3]) -> bool {
    let cols = width.min(BLOCK_COLS);
    let within = halo > 0 && halo <= strip && halo <= cols;
    let len = (strip + 2 * halo + 1) as u128 * (cols + 2 * halo + 1) as u128 * channels as u128;
    let columns = (width + halo + 1) as u128 * channels as u128;
    let fits = len < i32::MAX as u128 && columns < i32::MAX as u128 && Geometry::fits(len as usize, height, width);
    holds_border::<T>(border) && within && fits
}

/// The table of the rows of `band` (those of output `rows` and the `halo`
/// around them) and image columns `cols` with the `halo` around them, of
/// `input`; `extended`: with the positions past the image's edges that
/// the halo reaches ([`extends`]).
fn strip_table<T: Sample, A: TableValue>(
    input: &ndarray::ArrayView3<'_, T>,
    border: Border,
    (rows, band): (&Range<usize>, &Band),
    cols: Range<usize>,
    (halo, extended): (usize, bool),
) -> SummedArea<A> {
    let (height, width, _) = input.dim();
    let table_cols = cols.start.saturating_sub(halo)..cols.end.saturating_add(halo).min(width);
    if !extended {
        return SummedArea::build_rect(input, band.clone(), table_cols);
    }
    let extension = Extension {
        border,
        top: halo.saturating_sub(rows.start),
        bottom: (rows.end + halo).saturating_sub(height),
        left: halo.saturating_sub(cols.start),
        right: (cols.end + halo).saturating_sub(width),
    };
    SummedArea::build_extended(input, band_rows(rows, halo, height), table_cols, extension)
}

/// Runs `job` in strips of `strip` output rows, each with tables of the
/// element `kind_of` gives for the extent of its largest window (and a
/// strip cut in blocks of columns, each block the narrower of that and
/// the element for its own largest window); `maxima`: the size map's row
/// maxima. Strips and blocks are independent: an element that keeps a
/// table's own window sums exact gives the bits of any other exact one,
/// so most strips and blocks of a map of mostly smaller radii get
/// narrower tables than its largest radius needs.
fn run_with<T: Sample>(
    job: Job<'_, T>,
    out: ArrayViewMut3<'_, T>,
    strip: usize,
    maxima: &RowMaxima,
    kind_of: impl Fn(i64) -> TableKind + Sync,
) {
    for_each_strip(out, job.rows().start, strip, |rows, out_strip| {
        let largest = maxima.over(rows.clone());
        filter_strip::<T>((job, strip, largest), rows, out_strip, &kind_of);
    });
}

/// Scratch space of a strip's rows for each table element its blocks take.
#[derive(Default)]
struct StripScratch {
    float: Option<RowScratch<f64>>,
    narrow: Option<RowScratch<u32>>,
    wide: Option<RowScratch<u64>>,
}

/// What every block of a strip reads: the job, the strip's output rows,
/// its band and halo, whether its tables are extended, and the sizes of
/// a uniform map.
struct StripWork<'a, 'j, T: Sample> {
    job: Job<'j, T>,
    rows: Range<usize>,
    band: &'a Band,
    halo: usize,
    extended: bool,
    uniform_sizes: &'a [f32],
}

/// Computes output `rows` of `job` (cut in strips of `strip` rows; the
/// strip's `largest` size) into `out_strip`, with tables of the element
/// `kind_of` gives (see [`run_with`]).
fn filter_strip<T: Sample>(
    (job, strip, largest): (Job<'_, T>, usize, f32),
    rows: Range<usize>,
    mut out_strip: ArrayViewMut3<'_, T>,
    kind_of: &impl Fn(i64) -> TableKind,
) {
    let input = job.input();
    let params = job.params();
    let row_sizes = job.sizes();
    let shape = job.shape();
    let [height, width, channels] = shape;
    let halo = BoxTaps::new(largest).extent() as usize;
    let band = Band::of(&rows, halo, height, params.border);
    let mut row_buffer = vec![T::default(); width * channels];
    let uniform_sizes = vec![params.size.at(0, 0); width];
    let mut size_buffer = Vec::new();
    let extended = extends::<T>(params.border, halo, strip, shape);
    let strip_kind = kind_of(halo as i64);
    let mut scratch = StripScratch::default();
    let mut non_finite = false;
    let work = StripWork {
        job,
        rows: rows.clone(),
        band: &band,
        halo,
        extended,
        uniform_sizes: &uniform_sizes,
    };
    // Blocks of columns in turn (one block: whole rows), each with a
    // table of its columns and the halo on both sides, and each
    // block's rows in order.
    let block = column_blocks(params.border, extended, largest, width, halo);
    for first_col in (0..width).step_by(block.max(1)) {
        let cols = first_col..(first_col + block).min(width);
        // A block's own element where it may be narrower: its windows
        // are those of its own pixels alone.
        let kind = if block < width && strip_kind == TableKind::U64 {
            let extent = BoxTaps::new(job.row_maxima().over_rect(rows.clone(), cols.clone())).extent();
            narrower(Some(strip_kind), Some(kind_of(extent))).unwrap_or(strip_kind)
        } else {
            strip_kind
        };
        let buffers = (&mut row_buffer, &mut size_buffer);
        let out = out_strip.view_mut();
        // Float samples always take `f64` tables (`kind` is `Float` for
        // them): the `const` conditions keep the integer tables out of
        // their compiled copies.
        non_finite |= match kind {
            TableKind::U32 if const { T::TYPE.is_integer() } => filter_block(
                &work,
                cols,
                out,
                buffers,
                scratch.narrow.get_or_insert_with(RowScratch::new),
            ),
            TableKind::U64 if const { T::TYPE.is_integer() } => filter_block(
                &work,
                cols,
                out,
                buffers,
                scratch.wide.get_or_insert_with(RowScratch::new),
            ),
            _ => filter_block(
                &work,
                cols,
                out,
                buffers,
                scratch.float.get_or_insert_with(RowScratch::new),
            ),
        };
    }
    // Only a band with NaN or infinities needs their counts.
    let non_finite = non_finite.then(|| NonFinite::build(&input, band));
    // NaN and infinities: their windows patched from their counts.
    if let Some(non_finite) = &non_finite {
        for (y, mut out_row) in rows.zip(out_strip.axis_iter_mut(Axis(0))) {
            let sizes: &[f32] = row_sizes.row(y, 0..width, &mut size_buffer).unwrap_or(&uniform_sizes);
            let extent = |x: usize| BoxTaps::new(sizes[x]).extent();
            match out_row.as_slice_mut() {
                Some(out) => non_finite.patch_row(params.border, (y, 0), extent, out),
                None => {
                    row_buffer.clear();
                    row_buffer.extend(out_row.iter().copied());
                    non_finite.patch_row(params.border, (y, 0), extent, &mut row_buffer);
                    let values = ArrayView2::from_shape((width, channels), &row_buffer[..])
                        .expect("row buffer has the row's shape");
                    out_row.assign(&values);
                }
            }
        }
    }
}

/// Computes the output pixels of block `cols` of the strip `work` places
/// into `out_strip` (its rows, every column), with a table of `A` of the
/// block's columns and the halo on both sides, and the block's rows in
/// order; a row of a block that is not one slice of the output goes
/// through `row_buffer`. Returns whether the table holds NaN or
/// infinities.
fn filter_block<T: Sample, A: TableValue>(
    work: &StripWork<'_, '_, T>,
    cols: Range<usize>,
    mut out_strip: ArrayViewMut3<'_, T>,
    (row_buffer, size_buffer): (&mut Vec<T>, &mut Vec<f32>),
    scratch: &mut RowScratch<A>,
) -> bool {
    let StripWork {
        job,
        rows,
        band,
        halo,
        extended,
        uniform_sizes,
    } = work;
    let input = job.input();
    let params = job.params();
    let row_sizes = job.sizes();
    let shape = job.shape();
    let channels = shape[2];
    let first_col = cols.start;
    let table: SummedArea<A> = strip_table(&input, params.border, (rows, band), cols.clone(), (*halo, *extended));
    let mut row = |(y, first_col): (usize, usize), out_row: &mut [T], size_buffer: &mut Vec<f32>| {
        let cols = first_col..first_col + out_row.len() / channels.max(1);
        let sizes: &[f32] = row_sizes
            .row(y, cols.clone(), size_buffer)
            .unwrap_or(&uniform_sizes[cols.clone()]);
        // The next row of the block follows this one.
        let next_map = if y + 1 < rows.end {
            row_sizes.row_bytes(y + 1, cols)
        } else {
            &[]
        };
        let at = RowAt {
            table: &table,
            border: params.border,
            shape,
            y,
            first_col,
            next_map,
        };
        filter_row(at, sizes, out_row, scratch);
    };
    for (y, mut out_row) in rows.clone().zip(out_strip.axis_iter_mut(Axis(0))) {
        let mut out_block = out_row.slice_mut(s![cols.clone(), ..]);
        match out_block.as_slice_mut() {
            Some(out) => row((y, first_col), out, size_buffer),
            None => {
                let buffer = &mut row_buffer[..cols.len() * channels];
                row((y, first_col), buffer, size_buffer);
                let values =
                    ArrayView2::from_shape((cols.len(), channels), &*buffer).expect("buffer has the block's shape");
                out_block.assign(&values);
            }
        }
    }
    table.has_non_finite()
}

/// The table element that keeps every window sum of a strip exact, under
/// `border`, for an image of `height` x `width` cut in strips of `strip`
/// rows whose windows reach `extent` positions from their centre: the
/// narrower of two exact choices; `None` beyond `u64`.
///
/// By the largest window: integer entries wrap, so any integer combination
/// of them (four corners, or the border rule's terms) is its true value
/// modulo 2^32 (or 2^64), which is the true value wherever it fits. A
/// window reads at most (2 extent + 1)^2 positions (clipped to the image
/// under `Clip`, which reads none outside it), each a sample in the type's
/// range: an image pixel, or `Constant`'s value where an extended table
/// holds it (elsewhere the constant's part is added apart). So the element
/// that holds that many samples at the type's maximum gives every window
/// sum exactly, however large the band and whatever the border.
///
/// By the band: an element that holds the total of every sample a table
/// holds (the band's rows times `width`, or the samples of an extended
/// table, [`extends`]) never wraps, and the terms of windows far past the
/// image (more positions than any table holds) are exact in the
/// accumulator.
fn table_kind<T: Sample>([height, width]: [usize; 2], strip: usize, extent: i64, border: Border) -> Option<TableKind> {
    let span = 2 * extent.max(0) as u128 + 1;
    let window = if border.is_clip() {
        span.min(height as u128) * span.min(width as u128)
    } else {
        span.saturating_mul(span)
    };
    let halo = extent.clamp(0, height as i64) as usize;
    let band = (strip + 2 * halo).min(height);
    let mut samples = band as u128 * width as u128;
    if !border.is_clip() {
        // A strip's halo is at most the image's; an extended one at most
        // the strip's rows and block's columns.
        let cols = width.min(BLOCK_COLS);
        let reach = halo.min(strip).min(cols) as u128;
        samples = samples.max((strip as u128 + 2 * reach) * (cols as u128 + 2 * reach));
    }
    narrower(TableKind::for_window::<T>(window), TableKind::for_sum::<T>(samples))
}

/// The narrower of two exact table elements (`None`: past `u64`).
fn narrower(a: Option<TableKind>, b: Option<TableKind>) -> Option<TableKind> {
    let rank = |kind: &Option<TableKind>| match kind {
        Some(TableKind::Float | TableKind::U32) => 0,
        Some(TableKind::U64) => 1,
        None => 2,
    };
    if rank(&a) <= rank(&b) { a } else { b }
}

impl Filter for Integral {
    fn name(&self) -> &'static str {
        "integral"
    }

    fn support(&self, request: &Request) -> Support {
        match request.kernel {
            Kernel::Box => Support::Exact,
            Kernel::Gaussian => Support::Unsupported("summed-area tables compute box kernels only"),
        }
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        self.run_typed(T::typed_job(job, out))
    }
}

impl Integral {
    /// [`Filter::run`] for each sample type, compiled in this crate (see
    /// [`TypedJob`]).
    fn run_typed(&self, job: TypedJob<'_, '_>) -> Result<(), Error> {
        job.run_on(self)
    }
}

impl RunSamples for Integral {
    fn run_samples<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        let [height, width, _] = job.shape();
        // The map's row maxima from validation: the whole image's halo and each strip's.
        let maxima = job.row_maxima();
        let extent = BoxTaps::new(job.largest_size()).extent();
        let strip = strip_rows(height, (extent as usize).min(height));
        let border = job.params().border;
        let Some(widest) = table_kind::<T>([height, width], strip, extent, border) else {
            return Err(Error::TooLarge {
                height,
                width,
                reason: "an exact u64 summed-area table of a strip would overflow",
            });
        };
        // Each strip's element by its own largest window, never wider
        // than the image's.
        let kind_of = |extent| table_kind::<T>([height, width], strip, extent, border).unwrap_or(widest);
        run_with(job, out, strip, maxima, kind_of);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    const BORDERS: [Border; 6] = [
        Border::Clip,
        Border::Replicate,
        Border::Reflect,
        Border::Constant(3.0),
        Border::Symmetric,
        Border::Wrap,
    ];

    /// Every row of `image` with the runs and with the other paths alone:
    /// the same bits, for each border, from tables of `A`; returns how
    /// many pixels the runs took.
    fn check_runs<T: Sample + std::fmt::Debug, A: TableValue>(image: &Array3<T>, sizes: &[Vec<f32>]) -> usize {
        let shape = [image.shape()[0], image.shape()[1], image.shape()[2]];
        let [height, width, channels] = shape;
        let largest = sizes.iter().flatten().fold(0.0f32, |m, &s| m.max(s));
        let halo = BoxTaps::new(largest).extent() as usize;
        let mut taken = 0;
        for border in BORDERS {
            for (y, row_sizes) in sizes.iter().enumerate() {
                let table = SummedArea::<A>::build(&image.view(), Band::of(&(y..y + 1), halo, height, border));
                let mut rows = [
                    vec![T::default(); width * channels],
                    vec![T::default(); width * channels],
                ];
                for (off, out_row) in [false, true].into_iter().zip(&mut rows) {
                    let mut scratch = RowScratch::<A>::new();
                    scratch.runs.off = off;
                    let at = RowAt {
                        table: &table,
                        border,
                        shape,
                        y,
                        first_col: 0,
                        next_map: &[],
                    };
                    filter_row(at, row_sizes, out_row, &mut scratch);
                    if !off {
                        taken += scratch.runs.runs().iter().map(|r| r.end - r.start).sum::<usize>();
                    }
                }
                let [with_runs, without] = &rows;
                let same = with_runs
                    .iter()
                    .zip(without)
                    .all(|(a, b)| a.to_f64().to_bits() == b.to_f64().to_bits());
                assert!(same, "{shape:?} {border:?} row {y}: {with_runs:?} against {without:?}");
            }
        }
        taken
    }

    #[test]
    fn runs_give_the_bits_of_the_other_paths() {
        let mut numbers = crate::test_numbers(0x51_7cc1_b727_220a);
        let (mut pixels, mut taken) = (0, 0);
        for case in 0..24usize {
            let (height, width) = (1 + (numbers() % 30) as usize, 1 + (numbers() % 120) as usize);
            let channels = 1 + case % 4;
            // Smooth maps of fractional radii with integer spots, runs of
            // one radius, and random radii.
            let base = (numbers() % 40) as f32 / 8.0;
            let sizes: Vec<Vec<f32>> = (0..height)
                .map(|y| {
                    (0..width)
                        .map(|x| match case % 3 {
                            0 => base + (x as f32 * 0.02 + y as f32 * 0.11).sin().abs() * 6.0,
                            1 => (base + (x / 24) as f32).floor(),
                            _ => (numbers() % 64) as f32 / 4.0,
                        })
                        .collect()
                })
                .collect();
            let image = Array3::from_shape_simple_fn((height, width, channels), || (numbers() % 256) as u8);
            taken += check_runs::<u8, u32>(&image, &sizes);
            check_runs::<u8, u64>(&image, &sizes);
            let wide_image = image.mapv(|v| v as u16 * 257);
            check_runs::<u16, u32>(&wide_image, &sizes);
            check_runs::<u16, u64>(&wide_image, &sizes);
            let float_image = image.mapv(|v| v as f32 / 7.0 - 3.0);
            check_runs::<f32, f64>(&float_image, &sizes);
            pixels += BORDERS.len() * height * width;
        }
        // The runs must have taken a fair share of the pixels of every border.
        assert!(taken * 8 > pixels, "runs took {taken} of {pixels} pixels");
    }

    /// Every row of `image` (one strip of all its rows) from a table
    /// extended past the image's edges and from one of the image's rows
    /// alone (whose windows past an edge take the border's terms), with
    /// and without runs; returns the extended rows and the others.
    fn rows_both_ways<T: Sample, A: TableValue>(
        image: &Array3<T>,
        sizes: &[Vec<f32>],
        border: Border,
    ) -> [Vec<Vec<T>>; 2] {
        let shape = [image.shape()[0], image.shape()[1], image.shape()[2]];
        let [height, width, channels] = shape;
        let largest = sizes.iter().flatten().fold(0.0f32, |m, &s| m.max(s));
        let halo = BoxTaps::new(largest).extent() as usize;
        let rows = 0..height;
        assert!(
            extends::<T>(border, halo, height, shape),
            "{shape:?} halo {halo} is not extended"
        );
        let band = Band::of(&rows, halo, height, border);
        [true, false].map(|extended| {
            let table: SummedArea<A> = strip_table(&image.view(), border, (&rows, &band), 0..width, (halo, extended));
            let mut out = Vec::new();
            for (y, row_sizes) in sizes.iter().enumerate() {
                for off in [false, true] {
                    let mut scratch = RowScratch::<A>::new();
                    scratch.runs.off = off;
                    let mut out_row = vec![T::default(); width * channels];
                    let at = RowAt {
                        table: &table,
                        border,
                        shape,
                        y,
                        first_col: 0,
                        next_map: &[],
                    };
                    filter_row(at, row_sizes, &mut out_row, &mut scratch);
                    out.push(out_row);
                }
            }
            out
        })
    }

    /// Windows past every edge of small images (sides down to 1, several
    /// channels), of whole and fractional radii up to the largest an
    /// extended table takes (the image's side): a table extended past the
    /// edges gives the bits of the border's terms (or of the constant's
    /// product) for integer samples (fractional radii blended alike by
    /// both), and floats within a rounding of them.
    #[test]
    fn extended_tables_give_the_border_terms_means() {
        let mut numbers = crate::test_numbers(0x7f4a_7c15_9e37_79b9);
        for case in 0..36usize {
            let (height, width) = match case % 4 {
                0 => (1, 1 + (numbers() % 40) as usize),
                1 => (1 + (numbers() % 40) as usize, 1),
                _ => (1 + (numbers() % 30) as usize, 1 + (numbers() % 30) as usize),
            };
            let channels = 1 + case % 4;
            let limit = height.min(width);
            // The largest radius whose windows the table holds, whole or not.
            let largest = limit as f32 - if case % 2 == 0 { 0.0 } else { 0.5 };
            let mut sizes: Vec<Vec<f32>> = (0..height)
                .map(|_| {
                    (0..width)
                        .map(|_| match numbers() % 3 {
                            0 => (numbers() % limit as u64) as f32,
                            1 => (numbers() % (4 * limit as u64)) as f32 / 4.0,
                            _ => largest,
                        })
                        .collect()
                })
                .collect();
            sizes[0][0] = largest;
            let image = Array3::from_shape_simple_fn((height, width, channels), || (numbers() % 256) as u8);
            let wide_image = image.mapv(|v| v as u16 * 257);
            let float_image = image.mapv(|v| v as f32 / 7.0 - 3.0);
            let borders = [
                Border::Replicate,
                Border::Reflect,
                Border::Symmetric,
                Border::Wrap,
                Border::Constant(7.0),
            ];
            for border in borders {
                let what = format!("{height} x {width} x {channels} {border:?}");
                let [extended, terms] = rows_both_ways::<u8, u32>(&image, &sizes, border);
                assert_eq!(extended, terms, "u8 {what}");
                let [extended, terms] = rows_both_ways::<u8, u64>(&image, &sizes, border);
                assert_eq!(extended, terms, "u8 in u64 tables {what}");
                let [extended, terms] = rows_both_ways::<u16, u32>(&wide_image, &sizes, border);
                assert_eq!(extended, terms, "u16 {what}");
                let [extended, terms] = rows_both_ways::<f32, f64>(&float_image, &sizes, border);
                let close = extended
                    .iter()
                    .flatten()
                    .zip(terms.iter().flatten())
                    .all(|(a, b)| (a - b).abs() <= 1e-5);
                assert!(close, "f32 {what}: {extended:?} against {terms:?}");
            }
        }
    }

    #[test]
    fn tables_extend_up_to_the_strip_and_block() {
        let shape = [100, 3000, 3];
        // Within the strip's rows and the block's columns.
        assert!(extends::<u8>(Border::Replicate, 64, 64, shape));
        assert!(!extends::<u8>(Border::Replicate, 65, 64, shape));
        assert!(extends::<f32>(Border::Wrap, 40, 100, [100, 40, 1]));
        assert!(!extends::<f32>(Border::Wrap, 41, 100, [100, 40, 1]));
        assert!(!extends::<u8>(Border::Reflect, 0, 64, shape));
        // The borders that read no image pixel outside keep their tables.
        assert!(!extends::<u8>(Border::Clip, 10, 64, shape));
        // A constant that is a sample of an integer type is held.
        assert!(extends::<u8>(Border::Constant(255.0), 10, 64, shape));
        assert!(extends::<u16>(Border::Constant(0.0), 10, 64, shape));
        assert!(!extends::<u8>(Border::Constant(256.0), 10, 64, shape));
        assert!(!extends::<u8>(Border::Constant(-1.0), 10, 64, shape));
        assert!(!extends::<u16>(Border::Constant(1.5), 10, 64, shape));
        // A float constant whose sums stay finite, and only such.
        assert!(extends::<f32>(Border::Constant(1.0), 10, 64, shape));
        assert!(extends::<f32>(Border::Constant(-f32::MAX as f64), 10, 64, shape));
        assert!(!extends::<f32>(Border::Constant(0.1), 10, 64, shape));
        assert!(extends::<f64>(Border::Constant(HELD_CONSTANT), 10, 64, shape));
        assert!(!extends::<f64>(Border::Constant(-2.0 * HELD_CONSTANT), 10, 64, shape));
        assert!(!extends::<f64>(Border::Constant(f64::NAN), 10, 64, shape));
        // Offsets past i32 keep the image's tables too.
        assert!(extends::<f64>(Border::Symmetric, 400, 512, [1 << 20, 1 << 20, 4]));
        assert!(!extends::<f64>(Border::Symmetric, 400, 512, [1 << 20, 1 << 30, 1]));
    }

    /// The table element of an image of `height` x `width` whose windows
    /// reach `extent` positions, under `border`, with the strips `Integral`
    /// cuts it in.
    fn kind<T: Sample>(height: usize, width: usize, extent: i64, border: Border) -> Option<TableKind> {
        let strip = strip_rows(height, (extent as usize).min(height));
        table_kind::<T>([height, width], strip, extent, border)
    }

    #[test]
    fn tables_switch_at_the_largest_window_for_every_border() {
        let borders = BORDERS.into_iter().chain([Border::Constant(65535.0)]);
        for border in borders {
            // 255 x 255 x 65535 <= u32::MAX < 257 x 257 x 65535, however
            // large the band.
            assert_eq!(
                kind::<u16>(100_000, 100_000, 127, border),
                Some(TableKind::U32),
                "{border:?}"
            );
            assert_eq!(
                kind::<u16>(100_000, 100_000, 128, border),
                Some(TableKind::U64),
                "{border:?}"
            );
            // u8: 4103 x 4103 x 255 <= u32::MAX < 4105 x 4105 x 255.
            assert_eq!(
                kind::<u8>(1 << 20, 1 << 20, 2051, border),
                Some(TableKind::U32),
                "{border:?}"
            );
            assert_eq!(
                kind::<u8>(1 << 20, 1 << 20, 2052, border),
                Some(TableKind::U64),
                "{border:?}"
            );
            assert_eq!(kind::<f64>(1 << 20, 1 << 20, 2052, border), Some(TableKind::Float));
            // The suite's images at the switch (tests/suite/limits.rs):
            // bands of far more than 65_537 pixels, whose entries wrap.
            // (`Clip` clips these windows to the image; its switch is
            // taken on images of more than 256 rows and columns.)
            let shapes = if border.is_clip() {
                &[(300, 300)][..]
            } else {
                &[(3, 22_000), (256, 300), (600, 200)]
            };
            for &(height, width) in shapes {
                assert_eq!(
                    kind::<u16>(height, width, 127, border),
                    Some(TableKind::U32),
                    "{border:?}"
                );
                assert_eq!(
                    kind::<u16>(height, width, 128, border),
                    Some(TableKind::U64),
                    "{border:?}"
                );
            }
        }
        // Clip windows are clipped to the image: 1 x 65_537 fits, 1 x
        // 65_538 does not.
        assert_eq!(kind::<u16>(1, 65_537, 1 << 30, Border::Clip), Some(TableKind::U32));
        assert_eq!(kind::<u16>(1, 65_538, 1 << 30, Border::Clip), Some(TableKind::U64));
        assert_eq!(kind::<u16>(65_537, 1, 1 << 30, Border::Clip), Some(TableKind::U32));
        assert_eq!(kind::<u8>(4096, 4112, 4096, Border::Clip), Some(TableKind::U32));
        assert_eq!(kind::<u8>(4096, 4113, 4096, Border::Clip), Some(TableKind::U64));
        // 72_340_172_838_076_673 u8 pixels of 255 fill u64; one more is refused.
        assert_eq!(
            kind::<u8>(1, 72_340_172_838_076_673, 1 << 62, Border::Clip),
            Some(TableKind::U64)
        );
        assert_eq!(kind::<u8>(1, 72_340_172_838_076_674, 1 << 62, Border::Clip), None);
        assert_eq!(kind::<u8>(1 << 30, 1 << 30, 1 << 30, Border::Clip), None);
        assert_eq!(
            kind::<f32>(1 << 30, 1 << 30, 1 << 30, Border::Clip),
            Some(TableKind::Float)
        );
    }

    #[test]
    fn windows_past_every_table_take_the_band() {
        // Windows of far more positions than u64 holds at 65535 (radius
        // 1e9) over a small image: the band's total, which never wraps.
        for border in [Border::Replicate, Border::Reflect, Border::Wrap, Border::Constant(0.0)] {
            assert_eq!(kind::<u16>(37, 53, 1 << 30, border), Some(TableKind::U32), "{border:?}");
            assert_eq!(
                kind::<u16>(1, 65_537, 1 << 30, border),
                Some(TableKind::U32),
                "{border:?}"
            );
            assert_eq!(
                kind::<u16>(1, 65_538, 1 << 30, border),
                Some(TableKind::U64),
                "{border:?}"
            );
            // A small window over bands whose totals pass u32 (84 rows of
            // 2^20 samples at 255): the window's element.
            let strip = strip_rows(100_000, 10);
            assert!((strip as u128 + 20) * (1 << 20) * 255 > u32::MAX as u128);
            assert_eq!(
                table_kind::<u8>([100_000, 1 << 20], strip, 10, border),
                Some(TableKind::U32)
            );
        }
        // A window past u64 over a band past u64 is refused.
        assert_eq!(kind::<u8>(1 << 30, 1 << 30, 1 << 30, Border::Reflect), None);
    }

    #[test]
    fn strips_of_any_table_width_give_the_same_bits() {
        // u16, 600 x 200 in strips of 256 rows: radius 128 in the first
        // (u64 tables but under `Clip`, whose windows the image clips),
        // 127 and 100.5 in the others (u32 tables whose entries wrap over
        // bands of samples of at least 49_152; window sums past the
        // quotients' limit, as in the first), smooth fractional radii
        // elsewhere: the same bits as u64 tables in every strip.
        let (height, width) = (600, 200);
        let mut numbers = crate::test_numbers(0x3c6e_f372_fe94_f82b);
        let image = Array3::from_shape_simple_fn((height, width, 1), || 49_152 + (numbers() % 16_384) as u16);
        let mut sizes = ndarray::Array2::from_shape_fn((height, width), |(y, x)| {
            ((y as f32 * 0.05).sin() * (x as f32 * 0.07).cos()).abs() * 8.0
        });
        for (y, x, radius) in [(100, 50, 128.0), (400, 100, 127.0), (550, 150, 100.5)] {
            sizes[[y, x]] = radius;
        }
        for border in BORDERS {
            let params = crate::Params::new(Kernel::Box, crate::Size::map(sizes.view())).with_border(border);
            let maxima = crate::filter::validate_params::<u16>(&params, (height, width), 1).expect("valid");
            let job = Job::validated(image.view(), 0..height, params.reborrow(), &maxima);
            let strip = strip_rows(height, 128);
            let kind_of = |extent| table_kind::<u16>([height, width], strip, extent, border).expect("fits u64");
            let strips = [0..256, 256..512, 512..600].map(|rows| kind_of(BoxTaps::new(maxima.over(rows)).extent()));
            let first = if border.is_clip() {
                TableKind::U32
            } else {
                TableKind::U64
            };
            assert_eq!(strips, [first, TableKind::U32, TableKind::U32], "{border:?}");
            let mut per_strip = Array3::zeros((height, width, 1));
            run_with(job, per_strip.view_mut(), strip, &maxima, kind_of);
            let mut wide = Array3::zeros((height, width, 1));
            run_with(job, wide.view_mut(), strip, &maxima, |_| TableKind::U64);
            let differ = per_strip.iter().zip(&wide).filter(|(a, b)| a != b).count();
            assert_eq!(differ, 0, "{border:?}: {differ} pixels differ");
        }
    }

    #[test]
    fn blocks_of_any_table_width_give_the_same_bits() {
        // u16 under `Clip`, 3 channels, 260 x 5000 in blocks of 2048
        // columns (windows of 257 x 257 fit the image):
        // radius 128 in the last block alone (u64 tables there, u32 in
        // the others, whose strip's largest window needs u64), and in
        // every block stretches of radii on both sides of the small reach
        // (90 and 91, 89.5 and 90.5): runs of the exact quotient or `f32`
        // blend and runs of the `f64` arithmetic in one row, from tables of
        // either width. The same bits as u64 tables everywhere.
        assert_eq!(small_reach::<u16>(), 90);
        let (height, width, channels) = (260, 5000, 3);
        let mut numbers = crate::test_numbers(0x1f83_d9ab_fb41_bd6b);
        let image = Array3::from_shape_simple_fn((height, width, channels), || (numbers() % 65_536) as u16);
        let stretches = [90.0, 91.0, 89.5, 90.5, 3.25, 2.0];
        let mut sizes = ndarray::Array2::from_shape_fn((height, width), |(y, x)| stretches[(x / 40 + y / 7) % 6]);
        sizes[[130, 4500]] = 128.0;
        let params = crate::Params::new(Kernel::Box, crate::Size::map(sizes.view()));
        let maxima = crate::filter::validate_params::<u16>(&params, (height, width), channels).expect("valid");
        let job = Job::validated(image.view(), 0..height, params.reborrow(), &maxima);
        let strip = strip_rows(height, 128);
        let kind_of = |extent| table_kind::<u16>([height, width], strip, extent, Border::Clip).expect("fits u64");
        assert_eq!(kind_of(128), TableKind::U64);
        assert_eq!(kind_of(91), TableKind::U32);
        let mut per_block = Array3::zeros((height, width, channels));
        run_with(job, per_block.view_mut(), strip, &maxima, kind_of);
        let mut wide = Array3::zeros((height, width, channels));
        run_with(job, wide.view_mut(), strip, &maxima, |_| TableKind::U64);
        let differ = per_block.iter().zip(&wide).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "{differ} samples differ");
    }
}
