//! The pixels of a fractional radius r = n + f whose n and n + 1 windows
//! are both rectangles of the table (`Border::Clip`, or windows inside the
//! table: the image, or an extended table's extended image), in three passes over a row: the plan (each pixel's prefix rows
//! and columns, in-image counts and edge weight, 8 pixels at a time into
//! one array per quantity), the reads (the four rectangle sums, exact in
//! the table type, with nothing else in the loop so that many reads are in
//! flight), and the blends and divisions. One pass doing all three per
//! pixel was much slower on B3's smooth fractional map: its long body left
//! room for few table reads at once; a plan of one record per pixel,
//! pushed lane by lane, was slower too.
//!
//! Integer samples whose n + 1 window's sum stays below 2^31 whatever the
//! samples (its reach at most [`super::small_reach`]) blend in `f32`, 8
//! pixels at a time:
//! the sums are exact integers, and the blend's rounding (a few parts in
//! 10^7 of the mean) can move a mean by at most one step where it lies
//! next to a half, within the 1 LSB that exactness allows for fractional radii. The scalar
//! form of that blend computes the same operations in the same order, so
//! a pixel gets the same bits whichever lane or block it falls in. Floats
//! and wider sums blend in `f64`.

use std::any::Any;

use wide::{f32x8, i32x8};

use super::row_plan::Geometry;
use crate::arch::{LaneEntry, Lanes, Portable};
use crate::kernel::{BoxTaps, MAX_EXTENT};
use crate::sample::Sample;
use crate::table::{SummedArea, TableValue};

/// The plan of one row (or block of a row): per pixel, whole lanes stored.
/// Pixels this pass does not compute have `in_pass` 0 and all offsets 0 (so
/// that every pixel's reads stay in the table).
#[derive(Debug, Default, Clone, PartialEq)]
struct FractionalPlan {
    /// -1 for the pixels this pass computes, else 0.
    in_pass: Vec<i32>,
    /// Table offsets of the prefix rows: the n window's top and bottom,
    /// then the n + 1 window's.
    rows: [Vec<i32>; 4],
    /// Table offsets of the prefix columns (channel 0), likewise.
    cols: [Vec<i32>; 4],
    /// In-image counts of the n and n + 1 windows: rows, then columns.
    counts: [Vec<i32>; 4],
    /// The edge weight f.
    f: Vec<f32>,
    /// -1 for the pixels whose n + 1 window is within the small reach
    /// (blended in `f32`), else 0.
    small: Vec<i32>,
    /// The largest row offset plus column offset the plan may hold
    /// ([`Geometry::reach`]): window ends are clamped to the table's rows
    /// and columns, so every read lies in `0..=reach` plus a channel.
    reach: usize,
}

impl FractionalPlan {
    /// Sizes the plan for `len` pixels; every entry is overwritten by planning.
    fn reset(&mut self, len: usize) {
        self.in_pass.resize(len, 0);
        for v in self.rows.iter_mut().chain(&mut self.cols).chain(&mut self.counts) {
            v.resize(len, 0);
        }
        self.f.resize(len, 0.0);
        self.small.resize(len, 0);
    }
}

/// Scratch space of one row's fractional pixels.
#[derive(Default)]
pub(super) struct FractionalRow<A> {
    plan: FractionalPlan,
    /// Per pixel and channel, the window sums of rows n / n + 1 by
    /// columns n / n + 1.
    sums: [Vec<A>; 4],
}

impl<A: TableValue> FractionalRow<A> {
    /// Computes the pixels of the row `geometry` places (from its first
    /// column on, one per size) that are not yet done (`done` 0) and have a
    /// fractional radius whose windows are rectangles of `table`, into
    /// `out_row`, and marks them done (-1).
    pub(super) fn filter<T: Sample>(
        &mut self,
        table: &SummedArea<A>,
        geometry: &Geometry,
        sizes: &[f32],
        out_row: &mut [T],
        done: &mut [i32],
    ) {
        let small_reach = super::small_reach::<T>();
        if !self.plan(geometry, sizes, done, small_reach) {
            return;
        }
        let channels = geometry.channels as usize;
        self.read(table.values(), channels);
        if small_reach >= 0 {
            write_small(&self.plan, &self.sums, channels, out_row);
        }
        self.write_wide(channels, out_row);
        for (done, &in_pass) in done.iter_mut().zip(&self.plan.in_pass) {
            *done |= in_pass;
        }
    }

    /// Plans the pixels, 8 at a time with `wide` and the rest one by one,
    /// marking those within `small_reach` ([`super::small_reach`]);
    /// `false` if none is this pass's.
    fn plan(&mut self, geometry: &Geometry, sizes: &[f32], done: &[i32], small_reach: i64) -> bool {
        self.plan.reset(sizes.len());
        self.plan.reach = geometry.reach();
        let whole = sizes.len() / 8 * 8;
        let mut any = 0;
        for x in (0..whole).step_by(8) {
            any |= self.plan_eight(&sizes[x..x + 8], x, geometry, &done[x..x + 8], small_reach);
        }
        for x in whole..sizes.len() {
            any |= self.plan_one(sizes[x], x, geometry, done[x], small_reach);
        }
        any != 0
    }

    /// Plans pixel `x` (of the plan) of size `size`, if not `done`;
    /// returns its `in_pass`.
    #[inline(always)]
    fn plan_one(&mut self, size: f32, x: usize, g: &Geometry, done: i32, small_reach: i64) -> i32 {
        let plan = &mut self.plan;
        plan.in_pass[x] = 0;
        for v in plan.rows.iter_mut().chain(&mut plan.cols).chain(&mut plan.counts) {
            v[x] = 0;
        }
        plan.f[x] = 0.0;
        plan.small[x] = 0;
        let BoxTaps {
            inner: n,
            edge_weight: f,
        } = BoxTaps::new(size);
        let (y, col) = (g.y as i64, (g.first_col as usize + x) as i64);
        let ((first_row, last_row), (first_col, last_col)) = (g.table_rows, g.table_cols);
        // The n + 1 window within the table (the image, or the extended
        // image of an extended table), unless `Clip` clips it.
        let inside = y - n > first_row as i64
            && y + n + 2 <= last_row as i64
            && col - n > first_col as i64
            && col + n + 2 <= last_col as i64;
        if done != 0 || f == 0.0 || !(g.clip || inside) {
            return 0;
        }
        // Per axis, the in-image ends of the n and n + 1 windows (the
        // first position and one past the last), clamped to the table's
        // prefix rows or columns: the image's ends wherever the table
        // holds what the strip's windows reach, and every offset the plan
        // holds is then in the table.
        let ends = |centre: i64, (lo, hi): (i32, i32)| {
            [centre - n, centre + n + 1, centre - n - 1, centre + n + 2].map(|end| end.max(lo as i64).min(hi as i64))
        };
        let (rows, cols) = (ends(y, g.table_rows), ends(col, g.table_cols));
        for i in 0..4 {
            plan.rows[i][x] = g.row_offset(rows[i] as i32);
            plan.cols[i][x] = g.col_offset(cols[i] as i32);
        }
        for (axis, [start, end, wide_start, wide_end]) in [rows, cols].into_iter().enumerate() {
            plan.counts[2 * axis][x] = (end - start) as i32;
            plan.counts[2 * axis + 1][x] = (wide_end - wide_start) as i32;
        }
        plan.f[x] = f as f32;
        plan.small[x] = -i32::from(n < small_reach);
        plan.in_pass[x] = -1;
        -1
    }

    /// [`Self::plan_one`] for the 8 pixels from `x` on: the same values in
    /// `i32` lanes (exact: every position, count and offset fits); returns
    /// the lanes' `in_pass`, or-ed.
    #[inline(always)]
    fn plan_eight(&mut self, sizes: &[f32], x: usize, g: &Geometry, done: &[i32], small_reach: i64) -> i32 {
        let size = f32x8::from(<[f32; 8]>::try_from(sizes).expect("8 sizes"));
        let pending = i32x8::from(<[i32; 8]>::try_from(done).expect("8 pixels")).simd_eq(i32x8::splat(0));
        // Sizes at or above MAX_EXTENT are whole (BoxTaps); clamping first
        // keeps the integer arithmetic of those lanes in range.
        let below_max: i32x8 = bytemuck::cast(size.simd_lt(f32x8::splat(MAX_EXTENT as f32)));
        let n = size.min(f32x8::splat(MAX_EXTENT as f32)).trunc_int();
        // Exact: size and n share the exponent range of size.
        let f = size - n.round_float();
        let fractional: i32x8 = bytemuck::cast(f.simd_gt(f32x8::splat(0.0)));
        let (one, two) = (i32x8::splat(1), i32x8::splat(2));
        let y = i32x8::splat(g.y);
        let xs = i32x8::splat(g.first_col + x as i32) + i32x8::new([0, 1, 2, 3, 4, 5, 6, 7]);
        let mut in_pass = pending & below_max & fractional;
        if !g.clip {
            let ((first_row, last_row), (first_col, last_col)) = (g.table_rows, g.table_cols);
            let inside = (y - n).simd_gt(i32x8::splat(first_row))
                & (y + n + two).simd_lt(i32x8::splat(last_row) + one)
                & (xs - n).simd_gt(i32x8::splat(first_col))
                & (xs + n + two).simd_lt(i32x8::splat(last_col) + one);
            in_pass &= inside;
        }
        // As in `plan_one`.
        let ends = |centre: i32x8, (lo, hi): (i32, i32)| {
            let (lo, hi) = (i32x8::splat(lo), i32x8::splat(hi));
            [centre - n, centre + n + one, centre - n - one, centre + n + two].map(|end| end.max(lo).min(hi))
        };
        let (rows, cols) = (ends(y, g.table_rows), ends(xs, g.table_cols));
        let lanes = x..x + 8;
        let plan = &mut self.plan;
        let store = |v: &mut Vec<i32>, value: i32x8| v[lanes.clone()].copy_from_slice(&(value & in_pass).to_array());
        for i in 0..4 {
            store(&mut plan.rows[i], g.row_offsets(rows[i]));
            store(&mut plan.cols[i], g.col_offsets(cols[i]));
        }
        for (axis, [start, end, wide_start, wide_end]) in [rows, cols].into_iter().enumerate() {
            store(&mut plan.counts[2 * axis], end - start);
            store(&mut plan.counts[2 * axis + 1], wide_end - wide_start);
        }
        // `small_reach` is at most the reach of an `i32` window; -1 for floats.
        store(&mut plan.small, n.simd_lt(i32x8::splat(small_reach as i32)));
        store(&mut plan.in_pass, in_pass);
        let f: i32x8 = bytemuck::cast(f);
        let f: f32x8 = bytemuck::cast(f & in_pass);
        plan.f[lanes].copy_from_slice(&f.to_array());
        in_pass.to_array().into_iter().fold(0, |any, lane| any | lane)
    }

    /// The four window sums of every pixel and channel of the plan (0 for
    /// the pixels that are not this pass's).
    fn read(&mut self, values: &[A], channels: usize) {
        let plan = &self.plan;
        for sums in &mut self.sums {
            sums.clear();
            sums.resize(plan.in_pass.len() * channels, A::default());
        }
        // Every read is a row offset plus a column offset plus a channel,
        // in 0..=plan.reach plus a channel (see `FractionalPlan::reach`).
        assert!(
            plan.reach + channels <= values.len(),
            "fractional plan reads outside the table"
        );
        // SAFETY: every index below is a row offset plus a column offset
        // plus a channel below `channels`: at least 0 and at most
        // plan.reach + channels - 1 < values.len() by the check above.
        // Unchecked reads are faster on this pass (16 reads per pixel; the
        // `variable_box` bench's fractional radii show it).
        let at = |index: usize| unsafe { *values.get_unchecked(index) };
        let window = |[top, bottom]: [usize; 2], [left, right]: [usize; 2]| {
            at(bottom + right)
                .sub(at(bottom + left))
                .sub(at(top + right).sub(at(top + left)))
        };
        let [a, b, c, d] = &mut self.sums;
        if channels == 1 {
            // Slices of one length: no bounds checks, every base pointer
            // in a register.
            let len = plan.in_pass.len();
            let in_pass = &plan.in_pass[..len];
            let [top, bottom, wide_top, wide_bottom] = plan.rows.each_ref().map(|v| &v[..len]);
            let [left, right, wide_left, wide_right] = plan.cols.each_ref().map(|v| &v[..len]);
            let (a, b, c, d) = (&mut a[..len], &mut b[..len], &mut c[..len], &mut d[..len]);
            for x in 0..len {
                if in_pass[x] == 0 {
                    continue;
                }
                let rows = [top[x] as usize, bottom[x] as usize];
                let wide_rows = [wide_top[x] as usize, wide_bottom[x] as usize];
                let cols = [left[x] as usize, right[x] as usize];
                let wide_cols = [wide_left[x] as usize, wide_right[x] as usize];
                a[x] = window(rows, cols);
                b[x] = window(rows, wide_cols);
                c[x] = window(wide_rows, cols);
                d[x] = window(wide_rows, wide_cols);
            }
            return;
        }
        for x in 0..plan.in_pass.len() {
            if plan.in_pass[x] == 0 {
                continue;
            }
            let [top, bottom, wide_top, wide_bottom] = plan.rows.each_ref().map(|v| v[x] as usize);
            let [left, right, wide_left, wide_right] = plan.cols.each_ref().map(|v| v[x] as usize);
            for ch in 0..channels {
                let (rows, wide_rows) = ([top + ch, bottom + ch], [wide_top + ch, wide_bottom + ch]);
                let (cols, wide_cols) = ([left, right], [wide_left, wide_right]);
                let i = x * channels + ch;
                a[i] = window(rows, cols);
                b[i] = window(rows, wide_cols);
                c[i] = window(wide_rows, cols);
                d[i] = window(wide_rows, wide_cols);
            }
        }
    }

    /// The blended means of this pass's pixels past the small reach into
    /// `out_row`, in `f64`.
    fn write_wide<T: Sample>(&self, channels: usize, out_row: &mut [T]) {
        let plan = &self.plan;
        let [a, b, c, d] = &self.sums;
        let wide = |x: &usize| plan.in_pass[*x] != 0 && plan.small[*x] == 0;
        for x in (0..plan.in_pass.len()).filter(wide) {
            let counts = plan.counts.each_ref().map(|v| v[x]);
            for ch in 0..channels {
                let i = x * channels + ch;
                out_row[i] = T::from_f64(blend_wide([a[i], b[i], c[i], d[i]], plan.f[x], counts));
            }
        }
    }
}

/// The `f64` blend of one sample: window sums `[a, b, c, d]` (rows n / n + 1
/// by columns n / n + 1), edge weight `f`, in-image counts `[rows,
/// wide_rows, cols, wide_cols]`; the mean.
#[inline(always)]
pub(super) fn blend_wide<A: TableValue>(sums: [A; 4], f: f32, counts: [i32; 4]) -> f64 {
    let f = f as f64;
    let axis_weight = |count: i32, wide_count: i32| (1.0 - f) * count as f64 + f * wide_count as f64;
    let [rows, wide_rows, cols, wide_cols] = counts;
    let den = axis_weight(rows, wide_rows) * axis_weight(cols, wide_cols);
    let weights = [1.0 - f, f];
    let mut num = 0.0;
    for (k, weight_y) in weights.iter().enumerate() {
        for (j, weight_x) in weights.iter().enumerate() {
            num += weight_y * weight_x * sums[2 * k + j].to_f64();
        }
    }
    num / den
}

/// The `f32` blend of one sample: window sums `[a, b, c, d]` (rows n / n + 1
/// by columns n / n + 1), edge weight `f`, in-image counts `[rows,
/// wide_rows, cols, wide_cols]`; the rounded mean (ties up; the mean is
/// never negative).
#[inline(always)]
pub(super) fn blend_small(sums: [u32; 4], f: f32, counts: [i32; 4]) -> u32 {
    let g = 1.0 - f;
    let [rows, wide_rows, cols, wide_cols] = counts.map(|c| c as f32);
    let den = (g * rows + f * wide_rows) * (g * cols + f * wide_cols);
    let [a, b, c, d] = sums.map(|s| s as i32 as f32);
    let num = g * (g * a + f * b) + f * (g * c + f * d);
    (num / den + 0.5) as i32 as u32
}

/// [`blend_small`] on 8 lanes.
#[inline(always)]
pub(super) fn blend_small_x8(sums: [i32x8; 4], f: f32x8, counts: [i32x8; 4]) -> i32x8 {
    blend_small_lanes(Portable::<i32x8>::new(), sums, f, counts)
}

/// [`blend_small`] on the lanes of `lanes`: the same operations in the
/// same order, so each lane gets the scalar blend's bits.
#[inline(always)]
pub(super) fn blend_small_lanes<L: Lanes>(lanes: L, sums: [L::Ints; 4], f: L::Floats, counts: [L::Ints; 4]) -> L::Ints {
    let g = lanes.splat_floats(1.0) - f;
    // No closures: a closure inside a function compiled for AVX-512 is
    // compiled without it, so it and the intrinsics it calls stay calls.
    let [rows, wide_rows, cols, wide_cols] = counts;
    let [rows, wide_rows] = [lanes.to_floats(rows), lanes.to_floats(wide_rows)];
    let [cols, wide_cols] = [lanes.to_floats(cols), lanes.to_floats(wide_cols)];
    let den = (g * rows + f * wide_rows) * (g * cols + f * wide_cols);
    let [a, b, c, d] = sums;
    let [a, b, c, d] = [
        lanes.to_floats(a),
        lanes.to_floats(b),
        lanes.to_floats(c),
        lanes.to_floats(d),
    ];
    let num = g * (g * a + f * b) + f * (g * c + f * d);
    lanes.truncate(num / den + lanes.splat_floats(0.5))
}

/// The blended means of the plan's pixels within the small reach into
/// `out_row`, in `f32` (their sums are below 2^31: exact in `u32`, from
/// an integer table of any width, [`LaneEntry`]): one channel 8 pixels at
/// a time, the rest one by one.
fn write_small<T: Sample, A: TableValue>(
    plan: &FractionalPlan,
    sums: &[Vec<A>; 4],
    channels: usize,
    out_row: &mut [T],
) {
    let any: &dyn Any = sums;
    if let Some(sums) = any.downcast_ref::<[Vec<u32>; 4]>() {
        write_small_entries(plan, sums, channels, out_row);
    } else if let Some(sums) = any.downcast_ref::<[Vec<u64>; 4]>() {
        write_small_entries(plan, sums, channels, out_row);
    }
}

/// [`write_small`] for the sums' own integer type.
fn write_small_entries<T: Sample, E: LaneEntry>(
    plan: &FractionalPlan,
    sums: &[Vec<E>; 4],
    channels: usize,
    out_row: &mut [T],
) {
    let len = plan.in_pass.len();
    let whole = if channels == 1 { len / 8 * 8 } else { 0 };
    let eight = Portable::<i32x8>::new();
    let lanes = |v: &[i32], x: usize| i32x8::from(<[i32; 8]>::try_from(&v[x..x + 8]).expect("8 lanes"));
    for x in (0..whole).step_by(8) {
        let taken = (lanes(&plan.in_pass, x) & lanes(&plan.small, x)).to_array();
        if taken == [0; 8] {
            continue;
        }
        let sums = sums.each_ref().map(|v| E::load(eight, &v[x..x + 8]));
        let f = f32x8::from(<[f32; 8]>::try_from(&plan.f[x..x + 8]).expect("8 lanes"));
        let counts = plan.counts.each_ref().map(|v| lanes(v, x));
        let means = blend_small_x8(sums, f, counts).to_array();
        for ((out, &mean), &taken) in out_row[x..x + 8].iter_mut().zip(&means).zip(&taken) {
            // A select, not a branch.
            *out = if taken != 0 { T::from_whole(mean as u32) } else { *out };
        }
    }
    for x in (whole..len).filter(|&x| plan.in_pass[x] != 0 && plan.small[x] != 0) {
        let f = plan.f[x];
        let counts = plan.counts.each_ref().map(|v| v[x]);
        for ch in 0..channels {
            let i = x * channels + ch;
            let sums = sums.each_ref().map(|v| v[i].low());
            out_row[i] = T::from_whole(blend_small(sums, f, counts));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    /// The plan of `sizes` in `geometry`'s row, from the scalar code alone.
    fn plan_scalar(
        row: &mut FractionalRow<u32>,
        geometry: &Geometry,
        sizes: &[f32],
        done: &[i32],
        small_reach: i64,
    ) -> bool {
        row.plan.reset(sizes.len());
        row.plan.reach = geometry.reach();
        let mut any = 0;
        for (x, (&size, &done)) in sizes.iter().zip(done).enumerate() {
            any |= row.plan_one(size, x, geometry, done, small_reach);
        }
        any != 0
    }

    #[test]
    fn simd_plan_equals_scalar_plan() {
        let specials = [
            0.0,
            0.5,
            1.0,
            2.25,
            7.75,
            300.5,
            1e9,
            1e30,
            (MAX_EXTENT - 64) as f32 + 0.5,
            1e-30,
        ];
        for (height, width, channels) in [(1, 1, 1), (9, 23, 1), (40, 61, 3), (50, 17, 2)] {
            let image = Array3::from_shape_fn((height, width, channels), |(y, x, c)| {
                ((y * 31 + x * 7 + c) % 256) as u8
            });
            for y in [0, height / 2, height - 1] {
                let band = y.saturating_sub(20)..(y + 21).min(height);
                let table = SummedArea::<u32>::build(&image.view(), band);
                for seed in 0..4u32 {
                    // Floats' reach, and one within the sizes below.
                    let small_reach = [-1, 3, 90, 1450][seed as usize];
                    let sizes: Vec<f32> = (0..width as u32)
                        .map(|i| {
                            let h = (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)).rotate_left(9);
                            if h.is_multiple_of(4) {
                                specials[(h / 4) as usize % specials.len()]
                            } else {
                                (h % 80) as f32 / 4.0
                            }
                        })
                        .collect();
                    let done: Vec<i32> = (0..width)
                        .map(|x| -i32::from((x as u32 + seed).is_multiple_of(5)))
                        .collect();
                    // The whole row, and a block of it from a later column.
                    for (clip, first_col) in [(true, 0), (false, 0), (true, width / 3), (false, width / 3)] {
                        let shape = [height, width, channels];
                        let geometry = Geometry::of(&table, shape, (y, first_col), clip).expect("a small table");
                        let (mut simd, mut scalar) = (FractionalRow::<u32>::default(), FractionalRow::default());
                        let block = &sizes[first_col..];
                        let simd_any = simd.plan(&geometry, block, &done[first_col..], small_reach);
                        let scalar_any = plan_scalar(&mut scalar, &geometry, block, &done[first_col..], small_reach);
                        let what = format!("{shape:?} y {y} clip {clip} from {first_col} sizes {sizes:?}");
                        assert_eq!(simd_any, scalar_any, "{what}");
                        assert_eq!(simd.plan, scalar.plan, "{what}");
                        if clip && block.len() >= 8 {
                            assert!(scalar_any, "nothing planned: {what}");
                        }
                    }
                }
            }
        }
    }

    /// The `f32` blend, in lanes and alone, gives the same bits, within one
    /// step of the exact mean (rounded half up), for window sums of u8 and
    /// u16 samples up to the 2^31 limit, edge weights across (0, 1) and
    /// windows from 1 x 1 to beyond 4000 pixels a side.
    #[test]
    fn simd_blend_equals_scalar_blend_within_one_step() {
        let mut numbers = crate::test_numbers(0x9e37_79b9_7f4a_7c15);
        let mut next = move |below: u64| numbers() % below.max(1);
        for case in 0..20_000 {
            let max_sample: u64 = if case % 2 == 0 { 255 } else { 65535 };
            let mut lanes = Vec::new();
            while lanes.len() < 8 {
                // Small windows, or large ones whose sums reach 2^31.
                let side = if case % 3 == 0 { 4200 } else { 40 };
                let (rows, cols) = (1 + next(side), 1 + next(side));
                let (wide_rows, wide_cols) = (rows + next(3), cols + next(3));
                let (in_rows, in_cols) = ((wide_rows - rows) * cols, (wide_cols - cols) * rows);
                let corners = (wide_rows - rows) * (wide_cols - cols);
                if wide_rows * wide_cols * max_sample >= 1 << 31 {
                    continue;
                }
                let a = next(rows * cols * max_sample + 1);
                let b = a + next(in_cols * max_sample + 1);
                let c = a + next(in_rows * max_sample + 1);
                let d = b + c - a + next(corners * max_sample + 1);
                let f = (1 + next((1 << 24) - 1)) as f32 / (1u32 << 24) as f32;
                lanes.push((
                    [a, b, c, d].map(|v| v as u32),
                    f,
                    [rows, wide_rows, cols, wide_cols].map(|v| v as i32),
                ));
            }
            let column = |k: usize| i32x8::from(std::array::from_fn::<i32, 8, _>(|l| lanes[l].0[k] as i32));
            let counts = |k: usize| i32x8::from(std::array::from_fn::<i32, 8, _>(|l| lanes[l].2[k]));
            let f = f32x8::from(std::array::from_fn::<f32, 8, _>(|l| lanes[l].1));
            let simd = blend_small_x8([0, 1, 2, 3].map(column), f, [0, 1, 2, 3].map(counts)).to_array();
            for (lane, &(sums, f, counts)) in lanes.iter().enumerate() {
                let scalar = blend_small(sums, f, counts);
                assert_eq!(simd[lane] as u32, scalar, "{sums:?} {f} {counts:?}");
                let (g, f) = (1.0 - f as f64, f as f64);
                let [a, b, c, d] = sums.map(|v| v as f64);
                let [rows, wide_rows, cols, wide_cols] = counts.map(|v| v as f64);
                let mean = (g * (g * a + f * b) + f * (g * c + f * d))
                    / ((g * rows + f * wide_rows) * (g * cols + f * wide_cols));
                let exact = (mean + 0.5).floor() as i64;
                let step = (scalar as i64 - exact).abs();
                assert!(step <= 1, "{sums:?} {f} {counts:?}: {scalar} against {exact}");
            }
        }
    }
}
