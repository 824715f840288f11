//! Runs of a row: consecutive pixels whose radii share the whole part n
//! (all integer or all fractional) and whose widest windows (n + 1 for a
//! fractional radius, n for an integer one) lie within the table's columns
//! (and rows, unless `Clip` clips them): the image's, or for an extended
//! table the positions it holds past the image's edges too. A run's
//! windows use the same prefix rows, and their
//! prefix columns advance one pixel per pixel, so its window sums are
//! differences of table row segments: no offsets per pixel to plan, and
//! vectors of samples with `wide` (8 per step from `u32` tables, 4 from
//! `f64` tables), whatever the channel count. A smooth radius map is
//! mostly long runs.
//!
//! A run takes integer and fractional radii alike and computes each pixel
//! with the arithmetic of the path that would take it otherwise (the
//! exact quotient of the planned pixels for an integer radius, the blend of
//! [`super::fractional`] for a fractional one), so that a pixel gets the
//! same bits whichever path computes it: a tile or a block whose runs are
//! cut elsewhere matches a whole-image run.

use std::any::Any;

use wide::{f32x8, i32x8};

use super::fractional::{blend_small, blend_small_lanes};
use super::row_plan::Geometry;
use crate::arch::{Isa, LaneEntry, Lanes, Portable, avx2_copy, avx512_copy};
use crate::cache;
use crate::kernel::MAX_EXTENT;
use crate::quotient::{quotient, quotient_lanes};
use crate::sample::Sample;
use crate::table::{SummedArea, TableValue};

/// The fewest pixels a run takes.
const MIN_RUN: usize = 16;

/// Pixels `start..end` of a row (or block of a row) of radius whole part
/// `n`, all integer radii (`fractional` false: only the n window is read,
/// which is all the table's halo holds for an integer largest radius) or
/// all fractional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Run {
    pub start: usize,
    pub end: usize,
    n: i64,
    fractional: bool,
}

/// Where a run's windows lie in the table: its prefix rows (table offsets)
/// and its first pixel's prefix columns (channel 0), for the n and the
/// n + 1 windows, and the windows' in-image counts.
struct RunWindows {
    run: Run,
    rows: [usize; 2],
    wide_rows: [usize; 2],
    cols: [usize; 2],
    wide_cols: [usize; 2],
    /// Rows, wide rows, columns, wide columns in the image.
    counts: [i32; 4],
    /// The table offsets that the next output row's run of the same n
    /// reads and this one does not (the top row of its n window and the
    /// bottom row of its widest, each at both column segments).
    next_row: [usize; 4],
}

impl RunWindows {
    fn of(run: Run, g: &Geometry) -> Self {
        let Run {
            start, n, fractional, ..
        } = run;
        let (y, channels) = (g.y as i64, g.channels as usize);
        let row = |r: i64| ((r - g.first_row as i64) * g.row_stride as i64) as usize;
        // Clamped to the table's rows: `Clip` clips there (the table holds
        // every in-image row of the strip's windows); other windows lie within.
        let (first, last) = (g.table_rows.0 as i64, g.table_rows.1 as i64);
        let (top, bottom) = ((y - n).max(first), (y + n + 1).min(last));
        // An integer run reads no n + 1 window: its rows are the n window's.
        let wide = i64::from(fractional);
        let (wide_top, wide_bottom) = ((y - n - wide).max(first), (y + n + 1 + wide).min(last));
        let left = g.col_offset(g.first_col + start as i32 - n as i32) as usize;
        let right = left + (2 * n as usize + 1) * channels;
        let wide_cols = [left - wide as usize * channels, right + wide as usize * channels];
        let below = |r: i64| row(r) + g.row_stride as usize;
        RunWindows {
            run,
            rows: [row(top), row(bottom)],
            wide_rows: [row(wide_top), row(wide_bottom)],
            cols: [left, right],
            wide_cols,
            counts: [bottom - top, wide_bottom - wide_top, 2 * n + 1, 2 * n + 3].map(|c| c as i32),
            next_row: [
                below(top) + wide_cols[0],
                below(top) + wide_cols[1],
                below(wide_bottom) + wide_cols[0],
                below(wide_bottom) + wide_cols[1],
            ],
        }
    }

    /// Asks the cache for the entries the next output row's run reads at
    /// sample `i` of this run (a hint: no effect on results). Called once
    /// per cache line of the run, it brings in the table rows that the next
    /// row reads first, a row ahead: those rows were written at the
    /// table's build, long ago, and reading them as they come stalled on
    /// memory (B3's case in `examples/large` shows the gain).
    #[inline(always)]
    fn prefetch_next_row<A>(&self, values: &[A], i: usize) {
        for at in self.next_row {
            cache::prefetch(values, at + i);
        }
    }

    /// The window weight of an integer radius: rows times columns.
    fn weight(&self) -> i32 {
        self.counts[0] * self.counts[2]
    }
}

/// Scratch space: the runs of the row at hand.
#[derive(Default)]
pub(super) struct RowRuns {
    runs: Vec<Run>,
    /// A run's sizes, one per sample (each pixel's size once per channel),
    /// for the vector loops over samples of more than one channel.
    sample_sizes: Vec<f32>,
    /// Finds no runs: every pixel takes the other paths (tests compare).
    #[cfg(test)]
    pub(super) off: bool,
}

impl RowRuns {
    /// Forgets the last row's runs (a row that takes no runs).
    pub(super) fn clear(&mut self) {
        self.runs.clear();
    }

    /// The runs found by the last [`Self::filter`].
    pub(super) fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// Computes the pixels of the row `geometry` places (from its first
    /// column on, one per size) that lie in runs, into `out_row`; returns
    /// how many. Each run takes the exact quotient or the `f32` blend where
    /// its widest window is within [`super::small_reach`] (its sums stay
    /// below [`crate::quotient::SUM_LIMIT`]), else the `f64` arithmetic,
    /// as every other path chooses for its pixels. `next_map`:
    /// the memory of the next row's sizes (or none), asked for in the
    /// cache as the sizes are read.
    pub(super) fn filter<T: Sample, A: TableValue>(
        &mut self,
        table: &SummedArea<A>,
        geometry: &Geometry,
        (sizes, next_map): (&[f32], &[u8]),
        out_row: &mut [T],
    ) -> usize {
        self.find(geometry, sizes, next_map);
        let small_reach = super::small_reach::<T>();
        let channels = geometry.channels as usize;
        let table: &dyn Any = table;
        let isa = Isa::detect();
        for &run in &self.runs {
            let windows = RunWindows::of(run, geometry);
            let run_sizes = &sizes[run.start..run.end];
            let sample_sizes = if channels == 1 {
                run_sizes
            } else {
                self.sample_sizes.resize(run_sizes.len() * channels, 0.0);
                match channels {
                    3 => each_sample::<3>(run_sizes, &mut self.sample_sizes),
                    4 => each_sample::<4>(run_sizes, &mut self.sample_sizes),
                    _ => {
                        for (pixel, &size) in self.sample_sizes.chunks_exact_mut(channels).zip(run_sizes) {
                            pixel.fill(size);
                        }
                    }
                }
                &self.sample_sizes
            };
            let out = &mut out_row[run.start * channels..run.end * channels];
            let small = run.n + i64::from(run.fractional) <= small_reach;
            let (narrow, wide) = (
                table.downcast_ref::<SummedArea<u32>>(),
                table.downcast_ref::<SummedArea<u64>>(),
            );
            match (narrow, wide) {
                (Some(table), _) if small => means_small_for(isa, &windows, table.values(), sample_sizes, out),
                (_, Some(table)) if small => means_small_for(isa, &windows, table.values(), sample_sizes, out),
                _ => {
                    let table = table.downcast_ref::<SummedArea<A>>().expect("the table's own type");
                    means_float_for(isa, &windows, table.values(), sample_sizes, out)
                }
            }
        }
        self.runs.iter().map(|run| run.end - run.start).sum()
    }

    /// Finds the row's long runs (see [`Run::long`]) into `runs`, 8 pixels
    /// at a time. A run of 16 pixels or more holds a whole step of 8 of one
    /// key (a uniform step), so runs start at uniform steps, reaching back
    /// over the lanes of the step before that share the key, and end at the
    /// first step that is not uniform, after its leading lanes of the key:
    /// a step of mixed keys (most steps of a random map) costs only its
    /// keys and two comparisons.
    ///
    /// Each cache line of `next_map` (the memory of the next row's sizes,
    /// or none) is asked for as the same columns of this row are read:
    /// a row of a block of columns is a few pages, each a new stream for
    /// the hardware's prefetch, and finding runs stalled on the map's
    /// loads (B3's smooth map in `examples/large` shows the gain).
    fn find(&mut self, g: &Geometry, sizes: &[f32], next_map: &[u8]) {
        self.runs.clear();
        #[cfg(test)]
        if self.off {
            return;
        }
        let mut current: Option<Run> = None;
        let mut previous = i32x8::splat(-1);
        let size_bytes = next_map.len() / sizes.len().max(1);
        for (i, chunk) in sizes.chunks(8).enumerate() {
            let x = 8 * i;
            // Once per line: 8 sizes are at most a line.
            let at = x * size_bytes;
            if at % cache::LINE_BYTES < 8 * size_bytes {
                cache::prefetch(next_map, at);
            }
            let lanes = <[f32; 8]>::try_from(chunk).unwrap_or_else(|_| {
                // A short last chunk is padded with NaN, which no run takes.
                let mut lanes = [f32::NAN; 8];
                lanes[..chunk.len()].copy_from_slice(chunk);
                lanes
            });
            let sizes = f32x8::from(lanes);
            if let Some(run) = &mut current
                && chunk.len() == 8
                && run.extends_through(g, x, sizes)
            {
                run.end = x + 8;
                previous = i32x8::splat(run.key());
                continue;
            }
            let keys = run_keys(g, x, sizes);
            let first = keys.to_array()[0];
            if first >= 0 && keys.simd_eq(i32x8::splat(first)).all() {
                match &mut current {
                    Some(run) if run.key() == first => run.end = x + 8,
                    _ => {
                        self.runs.extend(current.take().filter(Run::long));
                        // Lane i is bit i: the last lanes of the step before.
                        let before = previous.simd_eq(i32x8::splat(first)).to_bitmask() as u8;
                        current = Some(Run {
                            start: x - before.leading_ones() as usize,
                            end: x + 8,
                            n: i64::from(first >> 1),
                            fractional: first & 1 == 1,
                        });
                    }
                }
            } else if let Some(mut run) = current.take() {
                let along = keys.simd_eq(i32x8::splat(run.key())).to_bitmask() as u8;
                run.end = x + along.trailing_ones() as usize;
                self.runs.extend(Some(run).filter(Run::long));
            }
            previous = keys;
        }
        self.runs.extend(current.filter(Run::long));
    }
}

/// Each pixel's size `sizes` once per channel of its `C` into `samples`:
/// a channel count known to the compiler makes each pixel one store (a
/// loop over a pixel's channels of any count was a visible part of the RGB
/// runs in `benches/pixel_types.py`).
fn each_sample<const C: usize>(sizes: &[f32], samples: &mut [f32]) {
    for (pixel, &size) in samples.chunks_exact_mut(C).zip(sizes) {
        pixel.copy_from_slice(&[size; C]);
    }
}

impl Run {
    /// Whether the run goes on through the 8 pixels from `x` on of
    /// `sizes`, which follow it: their keys are the run's, found from
    /// the sizes alone (the same n, all integer or all fractional) and
    /// the last pixel's window (the run's first pixel, to the left, has
    /// its windows inside; rows are the run's). Cheaper than
    /// [`run_keys`], for the steps inside long runs.
    #[inline(always)]
    fn extends_through(&self, g: &Geometry, x: usize, sizes: f32x8) -> bool {
        let reach = self.n + i64::from(self.fractional);
        let last_col = g.first_col as i64 + x as i64 + 7;
        // n is exact in f32: a size whose whole part is n >= 2^24 is n.
        let n = f32x8::splat(self.n as f32);
        let same = if self.fractional {
            sizes.simd_gt(n) & sizes.simd_lt(n + f32x8::splat(1.0))
        } else {
            sizes.simd_eq(n)
        };
        last_col + reach < g.table_cols.1 as i64 && same.all()
    }

    /// Whether the run is kept: short runs are left to the other paths,
    /// as a run's own work (its windows, slices, a scalar tail) is not paid
    /// back below [`MIN_RUN`] pixels (a random map, whose runs are mostly
    /// one pixel).
    fn long(&self) -> bool {
        self.end - self.start >= MIN_RUN
    }

    /// The run's key as [`run_keys`] gives it.
    fn key(&self) -> i32 {
        (self.n as i32) << 1 | i32::from(self.fractional)
    }
}

/// The run key of the 8 pixels from `x` on, of `sizes`: 2 n + 1 for a
/// fractional radius, 2 n for an integer one, or -1 where the pixel cannot
/// be in a run (its widest window, n + 1 or n, leaves the table's columns,
/// or rows unless `Clip`; or its size is past [`MAX_EXTENT`], or NaN).
/// Exact in `i32`: n, the image's sides and every position are below 2^30.
#[inline(always)]
fn run_keys(g: &Geometry, x: usize, sizes: f32x8) -> i32x8 {
    let limit = f32x8::splat(MAX_EXTENT as f32);
    let valid: i32x8 = bytemuck::cast(sizes.simd_lt(limit));
    // Clamped first: the lanes past MAX_EXTENT (or NaN) stay in range.
    let n = sizes.min(limit).max(f32x8::splat(0.0)).trunc_int();
    let fractional: i32x8 = bytemuck::cast(n.round_float().simd_ne(sizes));
    // `fractional` is -1 in fractional lanes.
    let reach = n - fractional;
    let cols = i32x8::splat(g.first_col + x as i32) + i32x8::new([0, 1, 2, 3, 4, 5, 6, 7]);
    let minus_one = i32x8::splat(-1);
    // Positions first..last - 1 (prefix ends first..=last).
    let inside = |centre: i32x8, (first, last): (i32, i32)| {
        (centre - reach).simd_gt(i32x8::splat(first - 1)) & (centre + reach).simd_lt(i32x8::splat(last))
    };
    let rows = if g.clip {
        minus_one
    } else {
        inside(i32x8::splat(g.y), g.table_rows)
    };
    let taken = valid & inside(cols, g.table_cols) & rows;
    // -1 in the lanes not taken.
    ((n + n - fractional) & taken) | (taken ^ minus_one)
}

/// The four corners' table segments of each of a run's windows, from
/// sample `0` of the run on: rows n / n + 1 by columns n / n + 1, each
/// `[bottom right, bottom left, top right, top left]`.
fn run_corners<'v, A>(windows: &RunWindows, values: &'v [A], len: usize) -> [[&'v [A]; 4]; 4] {
    let segment = |at: usize| &values[at..at + len];
    let window = |[top, bottom]: [usize; 2], [left, right]: [usize; 2]| {
        [
            segment(bottom + right),
            segment(bottom + left),
            segment(top + right),
            segment(top + left),
        ]
    };
    [
        window(windows.rows, windows.cols),
        window(windows.rows, windows.wide_cols),
        window(windows.wide_rows, windows.cols),
        window(windows.wide_rows, windows.wide_cols),
    ]
}

/// [`means_small`] for the instruction sets of `isa`: in a copy compiled
/// for AVX-512, on its vectors of sixteen lanes, where `isa` calls for it
/// (`wide`'s vectors of a portable build are 128 bits wide).
fn means_small_for<T: Sample, E: LaneEntry>(
    isa: Isa,
    windows: &RunWindows,
    values: &[E],
    sizes: &[f32],
    out: &mut [T],
) {
    #[cfg(target_arch = "x86_64")]
    if isa.needs_avx512_copy() {
        // SAFETY: an `Isa` with AVX-512 exists only where the CPU has it.
        return unsafe { means_small_avx512(isa, windows, values, sizes, out) };
    }
    #[cfg(target_arch = "x86_64")]
    if isa.needs_avx2_copy() {
        // SAFETY: an `Isa` that needs an AVX2 copy exists only where the CPU has AVX2.
        return unsafe { means_small_avx2(isa, windows, values, sizes, out) };
    }
    let _ = isa;
    means_small(Portable::<i32x8>::new(), windows, values, sizes, out)
}

avx512_copy! {
    /// [`means_small`] compiled for AVX-512, on its vectors where `isa`
    /// has them.
    ///
    /// # Safety
    /// The CPU must have AVX-512 (an [`Isa`] with it).
    unsafe fn means_small_avx512<T: Sample, E: LaneEntry>(isa: Isa, windows: &RunWindows, values: &[E], sizes: &[f32], out: &mut [T]) {
        match isa.avx512_lanes() {
            Some(lanes) => means_small(lanes, windows, values, sizes, out),
            None => means_small(Portable::<i32x8>::new(), windows, values, sizes, out),
        }
    }
}

avx2_copy! {
    /// [`means_small`] compiled for AVX2, on its vectors.
    ///
    /// # Safety
    /// The CPU must have AVX2 (an [`Isa`] that needs its copy).
    unsafe fn means_small_avx2<T: Sample, E: LaneEntry>(isa: Isa, windows: &RunWindows, values: &[E], sizes: &[f32], out: &mut [T]) {
        match isa.avx2_copy_lanes() {
            Some(lanes) => means_small(lanes, windows, values, sizes, out),
            None => means_small(Portable::<i32x8>::new(), windows, values, sizes, out),
        }
    }
}

avx2_copy! {
    /// [`means_float`] compiled for AVX2.
    ///
    /// # Safety
    /// The CPU must have AVX2 (an [`Isa`] that needs its copy).
    unsafe fn means_float_avx2<T: Sample, A: TableValue>(windows: &RunWindows, values: &[A], sizes: &[f32], out: &mut [T]) {
        means_float(windows, values, sizes, out)
    }
}

/// [`means_float`] for the instruction sets of `isa`, as [`means_small_for`].
fn means_float_for<T: Sample, A: TableValue>(
    isa: Isa,
    windows: &RunWindows,
    values: &[A],
    sizes: &[f32],
    out: &mut [T],
) {
    #[cfg(target_arch = "x86_64")]
    if isa.needs_avx512_copy() {
        // SAFETY: an `Isa` with AVX-512 exists only where the CPU has it.
        return unsafe { means_float_avx512(windows, values, sizes, out) };
    }
    #[cfg(target_arch = "x86_64")]
    if isa.needs_avx2_copy() {
        // SAFETY: an `Isa` that needs an AVX2 copy exists only where the CPU has AVX2.
        return unsafe { means_float_avx2(windows, values, sizes, out) };
    }
    let _ = isa;
    means_float(windows, values, sizes, out)
}

avx512_copy! {
    /// [`means_float`] compiled for AVX-512.
    ///
    /// # Safety
    /// The CPU must have AVX-512 (an [`Isa`] with it).
    unsafe fn means_float_avx512<T: Sample, A: TableValue>(windows: &RunWindows, values: &[A], sizes: &[f32], out: &mut [T]) {
        means_float(windows, values, sizes, out)
    }
}

/// The run's samples `out` (channels interleaved) from an integer table
/// (`u32`, or the low halves of `u64`: see [`LaneEntry`]) whose window
/// sums stay below 2^31, for integer samples; `sizes`: the size of
/// each sample's pixel. A vector of `lanes` at a time, the rest one by
/// one, the same values: every lane's window is the same rectangle moved
/// along the row, so the channel count changes nothing but which size
/// each lane reads.
#[inline(always)]
fn means_small<L: Lanes, T: Sample, E: LaneEntry>(
    lanes: L,
    windows: &RunWindows,
    values: &[E],
    sizes: &[f32],
    out: &mut [T],
) {
    let run = windows.run;
    let len = out.len();
    let corners = run_corners(windows, values, len);
    let weight = windows.weight();
    let inverse = 1.0 / weight as f32;
    let n = run.n as f32;
    let whole = len / L::LANES * L::LANES;
    let [rows, wide_rows, cols, wide_cols] = windows.counts;
    let counts = [
        lanes.splat(rows),
        lanes.splat(wide_rows),
        lanes.splat(cols),
        lanes.splat(wide_cols),
    ];
    let weights = lanes.splat(weight);
    let (inverses, ns) = (lanes.splat_floats(inverse), lanes.splat_floats(n));
    let line = cache::line_elements::<E>();
    // The samples past the whole vectors: one more vector that ends at the
    // run's end, over samples already written, which it writes again with
    // the same bits (a sample's mean depends on that sample alone); a
    // scalar tail was a visible part of u8 RGB in `examples/large`.
    let last = (whole < len && len >= L::LANES).then_some(len - L::LANES);
    for i in (0..whole).step_by(L::LANES).chain(last) {
        if i % line == 0 {
            windows.prefetch_next_row(values, i);
        }
        let [a, b, c, d] = &corners;
        let means = if run.fractional {
            let f = lanes.load_floats(&sizes[i..]) - ns;
            let sums = [
                window_lanes(lanes, a, i),
                window_lanes(lanes, b, i),
                window_lanes(lanes, c, i),
                window_lanes(lanes, d, i),
            ];
            blend_small_lanes(lanes, sums, f, counts)
        } else {
            quotient_lanes(lanes, window_lanes(lanes, a, i), weights, inverses)
        };
        for (out, mean) in out[i..i + L::LANES].iter_mut().zip(lanes.values(means)) {
            *out = T::from_whole(mean);
        }
    }
    // Runs shorter than a vector, one by one.
    if len < L::LANES {
        means_small_one_by_one(windows, values, sizes, out, 0);
    }
}

/// The run's samples `out` from sample `from` on, one by one, with the
/// arithmetic of [`means_small`] (which takes runs shorter than a vector
/// this way): its scalar twin.
#[inline(always)]
fn means_small_one_by_one<T: Sample, E: LaneEntry>(
    windows: &RunWindows,
    values: &[E],
    sizes: &[f32],
    out: &mut [T],
    from: usize,
) {
    let run = windows.run;
    let len = out.len();
    let corners = run_corners(windows, values, len);
    let weight = windows.weight();
    let inverse = 1.0 / weight as f32;
    let n = run.n as f32;
    let line = cache::line_elements::<E>();
    let sum = |[br, bl, tr, tl]: &[&[E]; 4], i: usize| {
        let (br, bl, tr, tl) = (br[i].low(), bl[i].low(), tr[i].low(), tl[i].low());
        br.wrapping_sub(bl).wrapping_sub(tr.wrapping_sub(tl))
    };
    for i in from..len {
        if i % line == 0 {
            windows.prefetch_next_row(values, i);
        }
        let [a, b, c, d] = &corners;
        let mean = if run.fractional {
            let sums = [sum(a, i), sum(b, i), sum(c, i), sum(d, i)];
            blend_small(sums, sizes[i] - n, windows.counts)
        } else {
            quotient(sum(a, i), weight as u32, inverse)
        };
        out[i] = T::from_whole(mean);
    }
}

/// The window sums at samples `i..i + L::LANES` of a window's four corner
/// segments `[br, bl, tr, tl]` (wrapping, exact below 2^31). A function,
/// not a closure: a closure in a function compiled for AVX-512 is compiled
/// without it, and its intrinsics become calls.
#[inline(always)]
fn window_lanes<L: Lanes, E: LaneEntry>(lanes: L, [br, bl, tr, tl]: &[&[E]; 4], i: usize) -> L::Ints {
    let (br, bl) = (E::load(lanes, &br[i..]), E::load(lanes, &bl[i..]));
    let (tr, tl) = (E::load(lanes, &tr[i..]), E::load(lanes, &tl[i..]));
    br - bl - (tr - tl)
}

/// The run's samples `out` from any table, with the `f64` arithmetic of
/// [`means_wide`] (float samples, and integer window sums past the exact
/// `u32` quotients); `sizes`: the size of each sample's pixel. [`BLOCK`]
/// samples at a time, each block's means converted straight into `out`
/// (a block of a length the compiler knows becomes vectors of the
/// instruction set at hand, its conversion and store included; means of
/// a cache line kept in a buffer and converted apart were stores reloaded
/// at once, and the loop around each line cost as much as its arithmetic
/// in f32 gray of `benches/pixel_types.py`), then the rest one at a time:
/// each sample takes the operations of [`means_wide`] in its order, so
/// the same bits.
#[inline(always)]
fn means_float<T: Sample, A: TableValue>(windows: &RunWindows, values: &[A], sizes: &[f32], out: &mut [T]) {
    let run = windows.run;
    let len = out.len();
    let corners = run_corners(windows, values, len);
    if run.fractional {
        let blends = Blends {
            windows: corners,
            sizes: &sizes[..len],
            n: run.n as f32,
            counts: windows.counts.map(|c| c as f64),
        };
        write_means(windows, values, &blends, out);
    } else {
        let quotients = Quotients {
            window: corners[0],
            weight: windows.weight() as f64,
        };
        write_means(windows, values, &quotients, out);
    }
}

/// The `f64` means of a run's samples, a [`BLOCK`] at a time or one at a
/// time, for [`write_means`]. Methods rather than closures: a closure is
/// its own function, which the AVX-512 copy neither inlines nor compiles
/// for AVX-512.
trait RunMeans {
    /// The means of samples `start..start + BLOCK`.
    fn block(&self, start: usize) -> [f64; BLOCK];
    /// The mean of sample `i`.
    fn one(&self, i: usize) -> f64;
}

/// An integer radius's means: one window's sums over its `weight`, as
/// [`means_wide`].
struct Quotients<'v, A> {
    window: [&'v [A]; 4],
    weight: f64,
}

impl<A: TableValue> RunMeans for Quotients<'_, A> {
    #[inline(always)]
    fn block(&self, start: usize) -> [f64; BLOCK] {
        let mut means = block_sums(&self.window, start);
        for mean in &mut means {
            *mean /= self.weight;
        }
        means
    }

    #[inline(always)]
    fn one(&self, i: usize) -> f64 {
        segment_sum(&self.window, i) / self.weight
    }
}

/// A fractional radius's blended means from its four windows (rows n /
/// n + 1 by columns n / n + 1), the size of each sample's pixel, the whole
/// part `n` and the in-image counts: [`blend_sample`].
struct Blends<'v, A> {
    windows: [[&'v [A]; 4]; 4],
    sizes: &'v [f32],
    n: f32,
    counts: [f64; 4],
}

impl<A: TableValue> RunMeans for Blends<'_, A> {
    #[inline(always)]
    fn block(&self, start: usize) -> [f64; BLOCK] {
        let [a, b, c, d] = &self.windows;
        let sums = [
            block_sums(a, start),
            block_sums(b, start),
            block_sums(c, start),
            block_sums(d, start),
        ];
        let sizes = &self.sizes[start..start + BLOCK];
        let mut means = [0.0; BLOCK];
        for (k, mean) in means.iter_mut().enumerate() {
            let sums = [sums[0][k], sums[1][k], sums[2][k], sums[3][k]];
            *mean = blend_sample(sums, sizes[k], self.n, self.counts);
        }
        means
    }

    #[inline(always)]
    fn one(&self, i: usize) -> f64 {
        let [a, b, c, d] = &self.windows;
        let sums = [
            segment_sum(a, i),
            segment_sum(b, i),
            segment_sum(c, i),
            segment_sum(d, i),
        ];
        blend_sample(sums, self.sizes[i], self.n, self.counts)
    }
}

/// Writes the run's samples `out` from `means`: each whole [`BLOCK`]'s
/// means converted straight into `out`, then the samples left one at a
/// time; the next row's table entries are asked for at each cache line
/// ([`RunWindows::prefetch_next_row`]).
#[inline(always)]
fn write_means<T: Sample, A>(windows: &RunWindows, values: &[A], means: &impl RunMeans, out: &mut [T]) {
    // A line holds a whole number of blocks: entries are at most 8 bytes.
    let line = cache::line_elements::<A>().max(BLOCK);
    let whole = out.len() / BLOCK * BLOCK;
    let (blocks, rest) = out.split_at_mut(whole);
    for (b, out) in blocks.chunks_exact_mut(BLOCK).enumerate() {
        let start = b * BLOCK;
        if start.is_multiple_of(line) {
            windows.prefetch_next_row(values, start);
        }
        for (out, mean) in out.iter_mut().zip(means.block(start)) {
            *out = T::from_f64(mean);
        }
    }
    if !rest.is_empty() && whole.is_multiple_of(line) {
        windows.prefetch_next_row(values, whole);
    }
    for (i, out) in (whole..).zip(rest) {
        *out = T::from_f64(means.one(i));
    }
}

/// The sum of window `[br, bl, tr, tl]` (its corners' segments) at sample
/// `i`, as every path takes it: exact in the table's type, then `f64`.
#[inline(always)]
fn segment_sum<A: TableValue>([br, bl, tr, tl]: &[&[A]; 4], i: usize) -> f64 {
    br[i].sub(bl[i]).sub(tr[i].sub(tl[i])).to_f64()
}

/// Samples that [`means_float`] takes at once: one
/// vector of `f64` lanes with AVX-512.
const BLOCK: usize = 8;

/// The sums at samples `start..start + BLOCK` of window `[br, bl, tr, tl]`
/// (its corners' segments), each as [`segment_sum`] takes it. A block of
/// a length the compiler knows, and no closure: the loops over it become
/// vectors of the instruction set at hand, where a loop over slices of
/// any length stayed one sample at a time (`means_float` was the largest
/// part of f32 gray in `benches/pixel_types.py`).
#[inline(always)]
fn block_sums<A: TableValue>([br, bl, tr, tl]: &[&[A]; 4], start: usize) -> [f64; BLOCK] {
    let (br, bl) = (&br[start..start + BLOCK], &bl[start..start + BLOCK]);
    let (tr, tl) = (&tr[start..start + BLOCK], &tl[start..start + BLOCK]);
    let mut sums = [0.0; BLOCK];
    for (k, sum) in sums.iter_mut().enumerate() {
        *sum = br[k].sub(bl[k]).sub(tr[k].sub(tl[k])).to_f64();
    }
    sums
}

/// The blended mean of one sample from its four window sums, its pixel's
/// `size`, the whole part `n` and the in-image counts: [`blend_wide`]'s
/// operations in its order.
#[inline(always)]
fn blend_sample([a, b, c, d]: [f64; 4], size: f32, n: f32, [rows, wide_rows, cols, wide_cols]: [f64; 4]) -> f64 {
    let f = (size - n) as f64;
    let g = 1.0 - f;
    let den = (g * rows + f * wide_rows) * (g * cols + f * wide_cols);
    let num = 0.0 + g * g * a + g * f * b + f * g * c + f * f * d;
    num / den
}

/// The run's samples `out` from sample `from` on, from any table, one
/// sample at a time, with the `f64` arithmetic of the planned and
/// fractional paths; `sizes`: the size of each sample's pixel: the
/// scalar twin of [`means_float`].
#[cfg(test)]
fn means_wide<T: Sample, A: TableValue>(windows: &RunWindows, values: &[A], sizes: &[f32], out: &mut [T], from: usize) {
    let run = windows.run;
    let window = |[top, bottom]: [usize; 2], [left, right]: [usize; 2], i: usize| {
        let at = |offset: usize| values[offset + i];
        at(bottom + right)
            .sub(at(bottom + left))
            .sub(at(top + right).sub(at(top + left)))
    };
    let weight = windows.weight() as f64;
    let n = run.n as f32;
    let line = cache::line_elements::<A>();
    for (i, (out, &size)) in out.iter_mut().zip(sizes).enumerate().skip(from) {
        if i % line == 0 {
            windows.prefetch_next_row(values, i);
        }
        let a = window(windows.rows, windows.cols, i);
        *out = if !run.fractional {
            T::from_f64(a.to_f64() / weight)
        } else {
            let b = window(windows.rows, windows.wide_cols, i);
            let c = window(windows.wide_rows, windows.cols, i);
            let d = window(windows.wide_rows, windows.wide_cols, i);
            T::from_f64(super::fractional::blend_wide([a, b, c, d], size - n, windows.counts))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The maximal runs of one key of at least [`MIN_RUN`] pixels, found
    /// pixel by pixel.
    fn runs_one_by_one(g: &Geometry, sizes: &[f32]) -> Vec<Run> {
        let keys: Vec<i32> = sizes
            .iter()
            .enumerate()
            .map(|(x, &size)| {
                let mut lanes = [f32::NAN; 8];
                lanes[0] = size;
                run_keys(g, x, f32x8::from(lanes)).to_array()[0]
            })
            .collect();
        let mut runs = Vec::new();
        let mut start = 0;
        for x in 1..=keys.len() {
            if x == keys.len() || keys[x] != keys[start] {
                let key = keys[start];
                if key >= 0 && x - start >= MIN_RUN {
                    runs.push(Run {
                        start,
                        end: x,
                        n: i64::from(key >> 1),
                        fractional: key & 1 == 1,
                    });
                }
                start = x;
            }
        }
        runs
    }

    #[test]
    fn runs_are_the_long_stretches_of_one_key() {
        let mut numbers = crate::test_numbers(0x2545_f491_4f6c_dd1d);
        let mut found = 0;
        for case in 0..400 {
            let width = (numbers() % 300) as usize;
            // Stretches of one size, of random lengths around 16.
            let mut sizes = Vec::new();
            while sizes.len() < width {
                let size = match numbers() % 4 {
                    0 => (numbers() % 6) as f32,
                    1 => (numbers() % 24) as f32 / 4.0,
                    2 => 1e9,
                    _ => (numbers() % 90) as f32,
                };
                let len = 1 + (numbers() % 40) as usize;
                sizes.extend(std::iter::repeat_n(size, len.min(width - sizes.len())));
            }
            let geometry = Geometry {
                y: (numbers() % 20) as i32,
                channels: 1,
                first_col: 10,
                first_row: 0,
                row_stride: width as i32 + 11,
                col_origin: 0,
                clip: case % 2 == 0,
                table_rows: (0, 20),
                table_cols: (0, width as i32 + 10),
            };
            let mut runs = RowRuns::default();
            runs.find(&geometry, &sizes, &[]);
            let want = runs_one_by_one(&geometry, &sizes);
            assert_eq!(runs.runs(), &want[..], "{geometry:?} {sizes:?}");
            found += want.len();
        }
        assert!(found > 100, "only {found} runs");
    }

    /// The vector loops give the bits of their scalar twin, [`means_wide`],
    /// for every channel count, whole and fractional runs, and run lengths
    /// that leave a tail of each length.
    #[test]
    fn vector_means_equal_the_scalar_means() {
        use ndarray::Array3;
        let mut numbers = crate::test_numbers(0x3c6e_f372_fe94_f82b);
        for case in 0..64usize {
            let channels = 1 + case % 4;
            let (height, width) = (9, 40 + (numbers() % 30) as usize);
            let values = || (numbers() % 65536) as f64;
            let image = Array3::from_shape_simple_fn((height, width, channels), values);
            let y = 1 + (numbers() % 7) as usize;
            let float_table = SummedArea::<f64>::build(&image.mapv(|v| v as f32 / 65535.0).view(), 0..height);
            let u8_table = SummedArea::<u32>::build(&image.mapv(|v| v as u8).view(), 0..height);
            let wide_table = SummedArea::<u64>::build(&image.mapv(|v| v as u8).view(), 0..height);
            let fractional = case % 2 == 1;
            let n = 1 + (numbers() % 3) as i64;
            let (start, len) = (4 + (numbers() % 4) as usize, MIN_RUN + (numbers() % 9) as usize);
            let run = Run {
                start,
                end: start + len,
                n,
                fractional,
            };
            let sizes: Vec<f32> = (0..len * channels)
                .map(|i| {
                    n as f32
                        + if fractional {
                            (1 + (i / channels) % 7) as f32 / 8.0
                        } else {
                            0.0
                        }
                })
                .collect();
            let shape = [height, width, channels];
            for (g, float) in [
                (Geometry::of(&float_table, shape, (y, 0), true), true),
                (Geometry::of(&u8_table, shape, (y, 0), true), false),
            ] {
                let windows = RunWindows::of(run, &g.expect("a small table"));
                let mut outs = [vec![0.0f32; len * channels], vec![0.0f32; len * channels]];
                let mut bytes = [vec![0u8; len * channels], vec![0u8; len * channels]];
                if float {
                    means_float(&windows, float_table.values(), &sizes, &mut outs[0]);
                    means_wide(&windows, float_table.values(), &sizes, &mut outs[1], 0);
                    let bits = outs
                        .each_ref()
                        .map(|o| o.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
                    assert_eq!(bits[0], bits[1], "f64 {run:?} channels {channels}");
                    // The copy for the CPU at hand (AVX-512's where it has it) too.
                    let mut widest = vec![0.0f32; len * channels];
                    means_float_for(Isa::detect(), &windows, float_table.values(), &sizes, &mut widest);
                    let widest: Vec<u32> = widest.iter().map(|v| v.to_bits()).collect();
                    assert_eq!(widest, bits[1], "f64 lanes {run:?} channels {channels}");
                } else {
                    means_float(&windows, u8_table.values(), &sizes, &mut bytes[0]);
                    means_wide(&windows, u8_table.values(), &sizes, &mut bytes[1], 0);
                    assert_eq!(bytes[0], bytes[1], "u32 f64 {run:?} channels {channels}");
                    means_small(
                        Portable::<i32x8>::new(),
                        &windows,
                        u8_table.values(),
                        &sizes,
                        &mut bytes[0],
                    );
                    // The vectors of the CPU at hand (sixteen lanes with
                    // AVX-512) give the bits of eight `wide` lanes.
                    let mut widest = vec![0u8; len * channels];
                    means_small_for(Isa::detect(), &windows, u8_table.values(), &sizes, &mut widest);
                    assert_eq!(widest, bytes[0], "u32 lanes {run:?} channels {channels}");
                    // And those of the scalar twin, sample by sample.
                    let mut scalar = vec![0u8; len * channels];
                    means_small_one_by_one(&windows, u8_table.values(), &sizes, &mut scalar, 0);
                    assert_eq!(scalar, bytes[0], "u32 scalar {run:?} channels {channels}");
                    // The low halves of a u64 table: the same bits, in
                    // `wide`'s lanes and in those of the CPU at hand.
                    let mut halves = vec![0u8; len * channels];
                    means_small(
                        Portable::<i32x8>::new(),
                        &windows,
                        wide_table.values(),
                        &sizes,
                        &mut halves,
                    );
                    assert_eq!(halves, bytes[0], "u64 lanes {run:?} channels {channels}");
                    means_small_for(Isa::detect(), &windows, wide_table.values(), &sizes, &mut halves);
                    assert_eq!(halves, bytes[0], "u64 lanes {run:?} channels {channels}");
                    // The f32 blend may differ by one step from the f64 one.
                    let close = bytes[0]
                        .iter()
                        .zip(&bytes[1])
                        .all(|(a, b)| a.abs_diff(*b) <= u8::from(fractional));
                    assert!(close, "u32 {run:?} channels {channels}: {:?}", bytes);
                }
            }
        }
    }
}
