//! The common case of [`RunningSum`](super::RunningSum): any border but
//! `Constant` (whose outside positions add the constant, not image rows),
//! and a window shorter than an eighth of the image. Each strip keeps one row of running column sums
//! (the window's rows, summed per sample), updated by the row that enters
//! and the row that leaves, and slides the horizontal window along it for
//! each output row. Nothing but that row and the output row is written, so
//! the working set stays in the cache whatever the image size.
//!
//! Integer samples sum in `u32` and divide exactly through
//! [`crate::quotient`] (sums below 2^31); floats sum in `f64` and multiply
//! by the reciprocal weight. Other requests take the general path
//! ([`BoxStrips::by_row_sums`]).
//!
//! A fractional radius n + f weighs the window of half-width n fully and
//! its two end taps by f, along each axis. Its column sums are those of the
//! n window plus f times the window's two end rows; the horizontal running
//! sums over them add f times their two end columns before each mean. For
//! `u8` samples of 1 to 4 channels both stay exact `u32` sums in fixed
//! point ([`FixedPoint`]), in the same vector running sums as a whole
//! radius's `u32` windows, and the end columns are blended in `f32` once
//! per output sample. Other integer samples whose window sums stay below
//! 2^31 (`u16` radii below 90) keep the n window's sums and its end rows'
//! sums apart, both exact `u32` running sums in vectors, and blend the
//! four whole numbers of each window in `f32` once per output sample
//! ([`IntegerBlend::Parts`]). Elsewhere the sums are `f64`, in the same
//! vector loop as a whole radius's `f64` windows ([`window_means_four`]),
//! for integer samples with f rounded so that those sums are exact. The
//! general path computes the same means for integer samples from its own
//! exact sums ([`IntegerBlend`]), so a tile gets the whole image's bits.
//!
//! A strip runs in a copy compiled for AVX-512 where the CPU has it and
//! the build does not target it ([`crate::arch`]); in that copy the `u8`
//! loops, written once over [`Lanes`], take AVX-512's vectors of sixteen
//! lanes rather than `wide`'s (which a portable build makes four SSE2
//! vectors of). While a row's windows
//! slide, the strip asks the cache for the image rows the next rows' column
//! sums will add and remove: the column step otherwise waits for memory.
//!
//! A strip whose column sums met a NaN or an infinity is computed again
//! with them summed as 0, and the windows that hold them patched from
//! their counts ([`crate::non_finite`]).

use std::ops::Range;

use ndarray::{ArrayView2, ArrayView3, ArrayViewMut3, Axis};

use super::{
    AxisSteps, BoxStrips, Slide, horizontal, horizontal_finish, horizontal_four, horizontal_start, plain_steps,
};
use crate::arch::{ByteLanes, DifferenceRows, Isa, Lanes, Portable, avx2_copy, avx512_copy};
use crate::border::Border;
use crate::kernel::BoxTaps;
use crate::non_finite::NonFinite;
use crate::prefix::{DIFFERENCE_LANES as LANES, F64_LANES};
use crate::quotient::{self, SUM_LIMIT};
use crate::sample::{Sample, SampleType};
use crate::strips::{Band, as_contiguous, for_each_strip};
use crate::table::TableValue;

/// A running-sum type of this path, and how its window sums become means.
pub(super) trait ColumnSum: TableValue {
    /// Whether sums of this type serve samples `T` with windows of up to
    /// `largest_weight` pixels (of an integer radius: exact means).
    fn serves<T: Sample>(largest_weight: f64) -> bool;

    /// Whether this is the sum type of samples `T` (for a fractional
    /// radius, whose means are blends in `f64`).
    fn sums<T: Sample>() -> bool;

    /// The means of one row of window sums: `out[i] = sums[i] / weight`,
    /// rounded per the crate's rule, with the row's weights in `row`.
    fn means<T: Sample>(sums: &[Self], row: &mut RowMeans<'_>, out: &mut [T]);

    /// The window sums of four rows of column sums and straight away their
    /// means into `out`, where this type has that form ([`window_means_four`],
    /// `f64`); `false` (nothing written) elsewhere. `ahead` holds, per row
    /// of the next group, the image rows that enter and leave its column
    /// sums (empty where none), for cache hints.
    #[inline(always)]
    fn window_means_four<T: Sample>(
        _sums: [&[Self]; 4],
        _rows: &RowGroup<'_>,
        _window: [&mut [Self]; 4],
        _out: [&mut [T]; 4],
        _ahead: [[&[T]; 2]; 4],
    ) -> bool {
        false
    }

    /// The window sums of one row of column sums and straight away their
    /// means into `out`, where this type has that form for the row's
    /// weights ([`window_means_short`], `u32` sums of `u8` windows);
    /// `false` (nothing written) elsewhere. `ahead`: the image rows that
    /// enter and leave the next row's column sums, for cache hints.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn window_means_row<T: Sample>(
        _isa: Isa,
        _sums: &[Self],
        _axis: (&Slide, &AxisSteps),
        _channels: usize,
        _row: &RowMeans<'_>,
        _window: &mut [Self],
        _out: &mut [T],
        _ahead: [&[T]; 2],
    ) -> bool {
        false
    }

    /// `next = previous + entering - leaving` for `u8` rows, where this
    /// type has a vector form of it; `false` (nothing written) elsewhere.
    #[inline(always)]
    fn step_bytes(_isa: Isa, _previous: &[Self], _next: &mut [Self], _entering: &[u8], _leaving: &[u8]) -> bool {
        false
    }
}

impl ColumnSum for u32 {
    #[inline(always)]
    fn window_means_row<T: Sample>(
        isa: Isa,
        sums: &[u32],
        axis: (&Slide, &AxisSteps),
        channels: usize,
        row: &RowMeans<'_>,
        window: &mut [u32],
        out: &mut [T],
        ahead: [&[T]; 2],
    ) -> bool {
        // Only `u8` rows are short: the `const` condition keeps these loops
        // out of the other types' compiled copies.
        if const { !matches!(T::TYPE, SampleType::U8) } || !row.short {
            return false;
        }
        match channels {
            1 => window_means_short::<T, 1>(isa, sums, axis, row, window, out, ahead),
            2 => window_means_short::<T, 2>(isa, sums, axis, row, window, out, ahead),
            3 => window_means_short::<T, 3>(isa, sums, axis, row, window, out, ahead),
            4 => window_means_short::<T, 4>(isa, sums, axis, row, window, out, ahead),
            _ => return false,
        }
        true
    }

    #[inline(always)]
    fn step_bytes(isa: Isa, previous: &[u32], next: &mut [u32], entering: &[u8], leaving: &[u8]) -> bool {
        step_bytes_u32(isa, previous, next, entering, leaving);
        true
    }

    fn serves<T: Sample>(largest_weight: f64) -> bool {
        T::TYPE.is_integer() && T::MAX * largest_weight < SUM_LIMIT as f64
    }

    fn sums<T: Sample>() -> bool {
        T::TYPE.is_integer()
    }

    #[inline(always)]
    fn means<T: Sample>(sums: &[u32], row: &mut RowMeans<'_>, out: &mut [T]) {
        if row.short {
            // u8 windows of up to 8192 pixels: one product per sample.
            quotient::quotients_rounded_up(row.isa, sums, &row.weight, &row.rounded_up_inverse, out);
            return;
        }
        if row.small {
            // The sums are below 2^23: the quotient in f32 alone, straight
            // into the samples.
            quotient::quotients_float_rest(row.isa, sums, &row.weight, &row.inverse, out);
            return;
        }
        quotient::quotients(row.isa, sums, &row.weight, &row.inverse, &mut row.quotients);
        for (out, &q) in out.iter_mut().zip(&row.quotients) {
            *out = T::from_whole(q);
        }
    }
}

impl ColumnSum for f64 {
    #[inline(always)]
    fn window_means_four<T: Sample>(
        sums: [&[f64]; 4],
        rows: &RowGroup<'_>,
        window: [&mut [f64]; 4],
        out: [&mut [T]; 4],
        ahead: [[&[T]; 2]; 4],
    ) -> bool {
        match rows.channels {
            1 => window_means_four::<T, 1, false>(sums, rows, window, out, ahead),
            2 => window_means_four::<T, 2, false>(sums, rows, window, out, ahead),
            _ => return false,
        }
        true
    }

    fn serves<T: Sample>(_largest_weight: f64) -> bool {
        !T::TYPE.is_integer()
    }

    fn sums<T: Sample>() -> bool {
        !T::TYPE.is_integer()
    }

    #[inline(always)]
    fn means<T: Sample>(sums: &[f64], row: &mut RowMeans<'_>, out: &mut [T]) {
        for ((out, sum), inverse) in out.iter_mut().zip(sums).zip(&row.inverse64) {
            *out = T::from_f64(sum * inverse);
        }
    }
}

/// The window weights (pixel counts) of one output row, per sample, with
/// their reciprocals, and the row's quotients: recomputed only when the
/// row's own weight changes (near the top and bottom with `Clip`).
pub(super) struct RowMeans<'a> {
    /// The window's columns, per sample of a row (the same for every row).
    weight_x: &'a [f64],
    /// The window's rows for the weights below.
    weight_y: f64,
    /// The largest of `weight_x`, and the largest sample value.
    largest_x: f64,
    sample_max: f64,
    /// Whether this row's window sums stay below
    /// [`quotient::FLOAT_REST_SUM_LIMIT`] (integer samples).
    small: bool,
    /// Whether this row's samples are u8 and its weights at most
    /// [`quotient::ROUNDED_UP_WEIGHT_LIMIT`].
    short: bool,
    rounded_up_inverse: Vec<f32>,
    weight: Vec<u32>,
    inverse: Vec<f32>,
    inverse64: Vec<f64>,
    quotients: Vec<u32>,
    /// Whether the quotients may take AVX-512.
    isa: Isa,
}

impl<'a> RowMeans<'a> {
    /// The means of rows whose windows have `weight_x` columns per sample,
    /// of samples up to `sample_max` (integers if `integer`), their
    /// quotients with the instruction sets of `isa`.
    fn new(isa: Isa, weight_x: &'a [f64], integer: bool, sample_max: f64) -> Self {
        let len = weight_x.len();
        RowMeans {
            weight_x,
            weight_y: f64::NAN,
            largest_x: weight_x.iter().fold(0.0, |m, &w| w.max(m)),
            sample_max,
            small: false,
            short: false,
            rounded_up_inverse: vec![0.0; if integer { len } else { 0 }],
            weight: vec![0; if integer { len } else { 0 }],
            inverse: vec![0.0; if integer { len } else { 0 }],
            inverse64: vec![0.0; if integer { 0 } else { len }],
            quotients: vec![0; if integer { len } else { 0 }],
            isa,
        }
    }

    /// Makes the weights those of a row whose window has `weight_y` rows.
    fn set_row(&mut self, weight_y: f64) {
        if weight_y == self.weight_y {
            return;
        }
        self.weight_y = weight_y;
        let weights = self.weight_x.iter().map(|x| weight_y * x);
        if self.inverse64.is_empty() {
            // Integer paths: weights below 2^24, exact in f32.
            self.small = self.sample_max * self.largest_x * weight_y < quotient::FLOAT_REST_SUM_LIMIT as f64;
            self.short =
                self.sample_max <= 255.0 && self.largest_x * weight_y <= quotient::ROUNDED_UP_WEIGHT_LIMIT as f64;
            for ((w, inverse), weight) in self.weight.iter_mut().zip(&mut self.inverse).zip(weights) {
                *w = weight as u32;
                *inverse = 1.0 / weight as f32;
            }
            if self.short {
                for (short, &w) in self.rounded_up_inverse.iter_mut().zip(&self.weight) {
                    *short = quotient::rounded_up_inverse(w);
                }
            }
        } else {
            for (inverse, weight) in self.inverse64.iter_mut().zip(weights) {
                *inverse = 1.0 / weight;
            }
        }
    }
}

/// The pixel count of the window of half-width `n` along `slide` at `p`:
/// only the positions in the image for `Clip`, all of them otherwise.
fn axis_weight(slide: &Slide, n: i64, p: usize) -> f64 {
    match slide.border {
        Border::Clip => slide.inside(p, n),
        _ => (2 * n + 1) as f64,
    }
}

/// The weight of the window of radius n + f along `slide` at `p`: the n
/// window's pixels and f times those of its two end taps (the positions
/// in the image for `Clip`). Every path computes it here, so that the
/// same window gets the same bits.
pub(super) fn blended_weight(slide: &Slide, n: i64, f: f64, p: usize) -> f64 {
    (1.0 - f) * axis_weight(slide, n, p) + f * axis_weight(slide, n + 1, p)
}

impl<T: Sample> BoxStrips<'_, T> {
    /// Output rows per strip of this path: eight halos, and at least a
    /// sixteenth of the image (so each strip's first window, 2n + 1 rows
    /// summed, stays a small part of its work while 16 cores find work).
    /// Depends on the request only, never on the thread count.
    pub(super) fn column_strip_rows(&self) -> usize {
        let height = self.rows_slide.len;
        (8 * self.halo).max(height.div_ceil(16)).max(64).min(height).max(1)
    }

    /// Runs this path with sums of type `A` where it serves the request;
    /// `false` (output untouched) where it does not.
    pub(super) fn by_column_sums<A: ColumnSum>(&self, isa: Isa, out: ArrayViewMut3<'_, T>) -> bool {
        let n = self.taps.inner;
        let [height, width] = [self.rows_slide.len, self.cols_slide.len];
        let image_only = !matches!(self.border, Border::Constant(_));
        let largest = |len: usize| match self.border {
            Border::Clip => (2 * n + 1).min(len as i64) as f64,
            _ => (2 * n + 1) as f64,
        };
        let fractional = self.taps.edge_weight > 0.0;
        let served = if fractional {
            A::sums::<T>() && (!T::TYPE.is_integer() || self.integer_blend.is_some())
        } else {
            A::serves::<T>(largest(height) * largest(width))
        };
        if !image_only || 8 * self.halo > height || !served {
            return false;
        }
        let channels = self.channels;
        let weight_x: Vec<f64> = (0..width * channels)
            .map(|i| axis_weight(&self.cols_slide, n, i / channels))
            .collect();
        let weights = &weight_x[..];
        let strip = |rows: Range<usize>, out_strip: ArrayViewMut3<'_, T>, non_finite: Option<&NonFinite>| {
            self.column_strip::<A>(isa, weights, rows, out_strip, non_finite)
        };
        for_each_strip(out, self.first_row, self.column_strip_rows(), |rows, mut out_strip| {
            if !strip(rows.clone(), out_strip.view_mut(), None) {
                // Again with NaN and infinities summed as 0, then their own
                // windows patched from their counts.
                let band = Band::of(&rows, self.halo, height, self.border);
                let non_finite = NonFinite::build(&self.input, band);
                strip(rows, out_strip, Some(&non_finite));
            }
        });
        true
    }

    /// Adds to `sums` the column sums of the window of output row `y`
    /// (each row it reads, as often as it reads it). Inlined always, so
    /// that the strip's AVX-512 copy vectorises it for AVX-512 too.
    #[inline(always)]
    fn first_column_sums<A: TableValue>(&self, y: usize, sums: &mut [A], copy: &mut Vec<T>, to_sum: impl Fn(T) -> A) {
        for (m, count) in self.rows_slide.counts(y) {
            for (sum, &s) in sums.iter_mut().zip(self.image_row(m, copy)) {
                *sum = sum.add(to_sum(s).times(count));
            }
        }
    }

    /// The image rows that enter and leave the column sums of output row
    /// `y` of the strip's `rows`, where they are contiguous (empty slices
    /// elsewhere): what the cache is asked for ahead of that row.
    fn rows_ahead(&self, y: usize, rows: &Range<usize>) -> [&[T]; 2] {
        let (enter, leave) = if (rows.start + 1..rows.end).contains(&y) {
            self.rows_slide.step(y)
        } else {
            (None, None)
        };
        [enter, leave].map(|m| {
            m.and_then(|m| self.input.index_axis(Axis(0), m).to_slice())
                .unwrap_or(&[])
        })
    }

    /// Output row `y` (`out`) with the windows that hold a NaN or an
    /// infinity set from their counts, where the strip has `non_finite`.
    fn patch_non_finite(&self, non_finite: Option<&NonFinite>, y: usize, out: &mut [T]) {
        if let Some(non_finite) = non_finite {
            non_finite.patch_row(self.border, (y, 0), |_| self.taps.extent(), out);
        }
    }

    /// Image row `m` as one slice (copied into `copy` if strided).
    fn image_row<'s>(&'s self, m: usize, copy: &'s mut Vec<T>) -> &'s [T] {
        as_contiguous(self.input.index_axis(Axis(0), m), copy)
    }

    /// One strip of output `rows`; `false` if its column sums met a NaN or
    /// an infinity (the strip must then be computed again with
    /// `non_finite`: such samples are then summed as 0, and the windows
    /// that hold them patched). Compiled for AVX-512 as well, taken where
    /// `isa` has it and the build target does not.
    fn column_strip<A: ColumnSum>(
        &self,
        isa: Isa,
        weights: &[f64],
        rows: Range<usize>,
        out_strip: ArrayViewMut3<'_, T>,
        non_finite: Option<&NonFinite>,
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        if isa.needs_avx512_copy() {
            // SAFETY: an `Isa` with AVX-512 exists only where the CPU has it.
            return unsafe { self.column_strip_avx512::<A>(isa, weights, rows, out_strip, non_finite) };
        }
        #[cfg(target_arch = "x86_64")]
        if isa.needs_avx2_copy() {
            // SAFETY: an `Isa` that needs an AVX2 copy exists only where the CPU has AVX2.
            return unsafe { self.column_strip_avx2::<A>(isa, weights, rows, out_strip, non_finite) };
        }
        self.column_strip_for::<A>(isa, weights, rows, out_strip, non_finite)
    }

    avx512_copy! {
        /// [`Self::column_strip_for`] compiled for AVX-512.
        ///
        /// # Safety
        /// `isa` must have AVX-512.
        unsafe fn column_strip_avx512<A: ColumnSum>(
            &self,
            isa: Isa,
            weights: &[f64],
            rows: Range<usize>,
            out_strip: ArrayViewMut3<'_, T>,
            non_finite: Option<&NonFinite>,
        ) -> bool {
            self.column_strip_for::<A>(isa, weights, rows, out_strip, non_finite)
        }
    }

    avx2_copy! {
        /// [`Self::column_strip_for`] compiled for AVX2.
        ///
        /// # Safety
        /// The CPU must have AVX2 (an `isa` that needs its copy).
        unsafe fn column_strip_avx2<A: ColumnSum>(
            &self,
            isa: Isa,
            weights: &[f64],
            rows: Range<usize>,
            out_strip: ArrayViewMut3<'_, T>,
            non_finite: Option<&NonFinite>,
        ) -> bool {
            self.column_strip_for::<A>(isa, weights, rows, out_strip, non_finite)
        }
    }

    /// [`Self::column_strip`] for the instruction sets of `isa`.
    #[inline(always)]
    fn column_strip_for<A: ColumnSum>(
        &self,
        isa: Isa,
        weights: &[f64],
        rows: Range<usize>,
        out_strip: ArrayViewMut3<'_, T>,
        non_finite: Option<&NonFinite>,
    ) -> bool {
        let f = self.taps.edge_weight;
        // Every path below is inlined here, twice (see `column_strip`), so
        // each is called from one place, and the `const` conditions keep
        // what a sample type never takes out of its compiled copy: integer
        // samples are always finite (`non_finite` is `None` for them), and
        // only they blend in fixed point or in parts.
        match (f > 0.0, non_finite.is_some()) {
            (true, true) if const { !T::TYPE.is_integer() } => {
                self.fractional_strip_with(isa, f, rows, out_strip, non_finite, finite_sum::<T, A>)
            }
            (false, true) if const { !T::TYPE.is_integer() } => {
                self.column_strip_with(isa, weights, rows, out_strip, non_finite, finite_sum::<T, A>)
            }
            (true, _) => {
                let edge_weight = match self.integer_blend {
                    Some(IntegerBlend::Fixed(fixed_point)) if const { T::TYPE.is_integer() } => {
                        return self.fixed_point_strip(isa, fixed_point, rows, out_strip);
                    }
                    // `Parts` serves window sums below 2^31 only, whose
                    // accumulator is always `u32`: with `f64` sums this never
                    // happens (the arm below only keeps the match whole).
                    Some(IntegerBlend::Parts { edge_weight })
                        if const { T::TYPE.is_integer() && A::LARGEST == u32::MAX as u128 } =>
                    {
                        return self.parts_strip(isa, edge_weight, rows, out_strip);
                    }
                    Some(IntegerBlend::Parts { edge_weight }) => edge_weight as f64,
                    Some(IntegerBlend::Dyadic { edge_weight }) => edge_weight,
                    _ => f,
                };
                self.fractional_strip_with(isa, edge_weight, rows, out_strip, non_finite, A::from_sample)
            }
            (false, _) => self.column_strip_with(isa, weights, rows, out_strip, non_finite, A::from_sample),
        }
    }

    /// [`Self::column_strip`] for a fractional radius n + f (`f`, which
    /// [`IntegerBlend::Dyadic`] rounds): per group of four output rows, the column sums of the n windows, each blended
    /// with f times its two end rows ([`Self::blend_columns`], in `f64`),
    /// then the horizontal windows of the blended sums with their end taps
    /// and their means ([`window_means_four`]).
    #[inline(always)]
    fn fractional_strip_with<A: ColumnSum>(
        &self,
        isa: Isa,
        f: f64,
        rows: Range<usize>,
        mut out_strip: ArrayViewMut3<'_, T>,
        non_finite: Option<&NonFinite>,
        to_sum: impl Fn(T) -> A + Copy,
    ) -> bool {
        let (width, channels) = (self.cols_slide.len, self.channels);
        let row_len = width * channels;
        let n = self.taps.inner;
        let blend = |slide: &Slide, p: usize| blended_weight(slide, n, f, p);
        let blend_x: Vec<f64> = (0..row_len).map(|i| blend(&self.cols_slide, i / channels)).collect();
        let inverse_x: Vec<f64> = blend_x.iter().map(|w| 1.0 / w).collect();
        let (mut entering_copy, mut leaving_copy) = (Vec::new(), Vec::new());
        let mut column_sums: [Vec<A>; GROUP] = std::array::from_fn(|_| vec![A::default(); row_len]);
        self.first_column_sums(rows.start, &mut column_sums[GROUP - 1], &mut entering_copy, to_sum);
        // The blended column sums, each with the pixel the border reads
        // past the row's end (see `EndTaps`).
        let mut blended: [Vec<f64>; GROUP] = std::array::from_fn(|_| vec![0.0; row_len + channels]);
        let mut window: [Vec<f64>; GROUP] = std::array::from_fn(|_| vec![0.0; row_len]);
        // Output rows of a strided strip, or of a group short of four, go through here.
        let mut row_buffer = vec![T::default(); GROUP * row_len];
        let mut finite = true;
        let groups = rows
            .clone()
            .step_by(GROUP)
            .zip(out_strip.axis_chunks_iter_mut(Axis(0), GROUP));
        for (first_y, mut out_rows) in groups {
            let group_len = out_rows.len_of(Axis(0));
            let copies = (&mut entering_copy, &mut leaving_copy);
            self.group_column_sums(isa, (first_y, group_len), rows.start, &mut column_sums, copies, to_sum);
            for (k, blended) in blended.iter_mut().enumerate() {
                // A group short of four repeats its last row (means not kept).
                let k = k.min(group_len - 1);
                let copies = (&mut entering_copy, &mut leaving_copy);
                self.blend_columns(first_y + k, &column_sums[k], f, blended, copies, to_sum);
            }
            // The end rows of the strip's first and last rows are the only
            // ones that never enter its column sums.
            if !T::TYPE.is_integer() && (first_y == rows.start || first_y + group_len == rows.end) {
                finite &= blended.iter().all(|row| row.iter().all(|s| s.is_finite()));
            }
            let group = RowGroup {
                slide: &self.cols_slide,
                steps: &self.col_steps,
                channels,
                weight_x: &blend_x,
                weight_y: std::array::from_fn(|k| blend(&self.rows_slide, first_y + k.min(group_len - 1))),
                end_taps: EndTaps {
                    weight: f,
                    inverse_x: &inverse_x,
                },
                isa,
            };
            let contiguous = group_len == GROUP && out_rows.is_standard_layout();
            let out = match out_rows.as_slice_mut() {
                Some(out) if contiguous => out,
                _ => &mut row_buffer[..],
            };
            let (o01, o23) = out.split_at_mut(2 * row_len);
            let ((o0, o1), (o2, o3)) = (o01.split_at_mut(row_len), o23.split_at_mut(row_len));
            let [b0, b1, b2, b3] = &blended;
            let [w0, w1, w2, w3] = &mut window;
            let sums = [&b0[..], &b1[..], &b2[..], &b3[..]];
            let windows = [&mut w0[..], &mut w1[..], &mut w2[..], &mut w3[..]];
            let outs = [&mut *o0, &mut *o1, &mut *o2, &mut *o3];
            let ahead = std::array::from_fn(|k| self.rows_ahead(first_y + GROUP + k, &rows));
            window_means_with_end_taps(sums, &group, windows, outs, ahead);
            for (k, out) in [o0, o1, o2, o3].into_iter().take(group_len).enumerate() {
                self.patch_non_finite(non_finite, first_y + k, out);
            }
            if !contiguous {
                let values = ArrayView3::from_shape((group_len, width, channels), &row_buffer[..group_len * row_len])
                    .expect("row buffer has the group's shape");
                out_rows.assign(&values);
            }
            // The last row of the group becomes the one before the next group.
            if group_len < GROUP {
                column_sums.swap(group_len - 1, GROUP - 1);
            }
        }
        // A NaN or infinity that entered the column sums leaves them
        // non-finite for good (inf - inf is NaN).
        finite && column_sums[GROUP - 1].iter().all(|sum| sum.to_f64().is_finite())
    }

    /// [`Self::column_strip`] for a fractional radius n + f of integer
    /// samples in [`FixedPoint`]: per output row ([`Self::fractional_rows`]),
    /// the `u32` column sums of the n window, blended with the window's two
    /// end rows in fixed point ([`FixedPoint::blend_columns`]), then the
    /// horizontal windows of the blended sums with their end taps and their
    /// means ([`fixed_point_means`]). Every sum is an exact integer, so no
    /// sample is ever non-finite: always `true`.
    #[inline(always)]
    fn fixed_point_strip(
        &self,
        isa: Isa,
        fixed_point: FixedPoint,
        rows: Range<usize>,
        out_strip: ArrayViewMut3<'_, T>,
    ) -> bool {
        let row_len = self.cols_slide.len * self.channels;
        let inverses = RowInverses::new(self, fixed_point.weight, move |weight_y, weight_x| {
            fixed_point.inverse(weight_y, weight_x)
        });
        let mut row_means = FixedPointRows {
            strips: self,
            isa,
            fixed_point,
            inverses,
            blended: vec![0u32; row_len + self.channels],
            window: vec![0u32; row_len],
            past: self.cols_slide.read(self.cols_slide.len as i64),
        };
        self.fractional_rows(isa, rows, out_strip, &mut row_means);
        true
    }

    /// [`Self::column_strip`] for a fractional radius n + f of integer
    /// samples in [`IntegerBlend::Parts`]: per output row
    /// ([`Self::fractional_rows`]), the exact `u32` column sums of the n
    /// window and of its two end rows (`ends`), the horizontal window sums
    /// of each in `u32`, and each mean from the four whole numbers of its
    /// [`BlendParts`] in `f32` ([`parts_means`]). Every running sum is a
    /// `u32` vector, where the blended sums of the `f64` form run a sample
    /// at a time without AVX-512. Integer samples are always finite: always
    /// `true`.
    #[inline(always)]
    fn parts_strip(&self, isa: Isa, f: f32, rows: Range<usize>, out_strip: ArrayViewMut3<'_, T>) -> bool {
        let (channels, row_len) = (self.channels, self.cols_slide.len * self.channels);
        let mut row_means = PartsRows {
            strips: self,
            isa,
            edge_weight: f,
            inverses: RowInverses::new(self, f as f64, parts_inverse),
            ends: vec![0u32; row_len + channels],
            window: vec![0u32; row_len],
            ends_window: vec![0u32; row_len],
            past: self.cols_slide.read(self.cols_slide.len as i64),
        };
        self.fractional_rows(isa, rows, out_strip, &mut row_means);
        true
    }

    /// The output rows of a strip of a fractional radius whose column sums
    /// are `u32` ([`Self::fixed_point_strip`], [`Self::parts_strip`]), one
    /// at a time: steps the column sums of the n window to each row, reads
    /// its two end rows through the border rule (absent: none read there),
    /// and hands them to `row_means` with the rows to ask the cache for and
    /// the output row (through a buffer where the strip is strided). The
    /// column sums end with the pixel the border reads past the row's end
    /// (0 where it reads none).
    #[inline(always)]
    fn fractional_rows(
        &self,
        isa: Isa,
        rows: Range<usize>,
        mut out_strip: ArrayViewMut3<'_, T>,
        row_means: &mut impl FractionalRowMeans<T>,
    ) {
        let (width, channels) = (self.cols_slide.len, self.channels);
        let row_len = width * channels;
        let (mut entering_copy, mut leaving_copy) = (Vec::new(), Vec::new());
        let (mut column_sums, mut next_sums) = (vec![0u32; row_len + channels], vec![0u32; row_len + channels]);
        self.first_column_sums(
            rows.start,
            &mut column_sums[..row_len],
            &mut entering_copy,
            u32::from_sample,
        );
        let past = self.cols_slide.read(width as i64);
        // Output rows of a strided strip go through here.
        let mut row_buffer = vec![T::default(); row_len];
        for (y, mut out_row) in rows.clone().zip(out_strip.axis_iter_mut(Axis(0))) {
            if y != rows.start {
                let (enter, leave) = self.rows_slide.step(y);
                let entering = enter.map(|m| self.image_row(m, &mut entering_copy));
                let leaving = leave.map(|m| self.image_row(m, &mut leaving_copy));
                let previous = &column_sums[..row_len];
                step_column_sums(
                    isa,
                    previous,
                    &mut next_sums[..row_len],
                    entering,
                    leaving,
                    u32::from_sample,
                );
                std::mem::swap(&mut column_sums, &mut next_sums);
            }
            with_past(&mut column_sums, channels, past);
            let (top, bottom) = self.rows_slide.outer(y);
            let top = top.map(|m| self.image_row(m, &mut entering_copy));
            let bottom = bottom.map(|m| self.image_row(m, &mut leaving_copy));
            let ahead = self.rows_ahead(y + 1, &rows);
            match out_row.as_slice_mut() {
                Some(out) => row_means.row_means(y, &column_sums, (top, bottom), ahead, out),
                None => {
                    row_means.row_means(y, &column_sums, (top, bottom), ahead, &mut row_buffer);
                    let values = ArrayView2::from_shape((width, channels), &row_buffer[..])
                        .expect("row buffer has the row's shape");
                    out_row.assign(&values);
                }
            }
        }
    }

    /// The column sums of output row `y`'s n window (`sums`) plus f times
    /// its two end rows (as the border rule reads them), in `f64`, into
    /// `blended`; its last pixel, past the row, is the one the border rule
    /// reads at position `width` (0 where it reads none).
    #[inline(always)]
    fn blend_columns<A: TableValue>(
        &self,
        y: usize,
        sums: &[A],
        f: f64,
        blended: &mut [f64],
        (top_copy, bottom_copy): (&mut Vec<T>, &mut Vec<T>),
        to_sum: impl Fn(T) -> A + Copy,
    ) {
        let (top, bottom) = self.rows_slide.outer(y);
        let top = top.map(|m| self.image_row(m, top_copy));
        let bottom = bottom.map(|m| self.image_row(m, bottom_copy));
        let (row, past) = blended.split_at_mut(sums.len());
        let value = |s: T| to_sum(s).to_f64();
        match (top, bottom) {
            (Some(top), Some(bottom)) => {
                let ends = top.iter().zip(bottom);
                for ((out, sum), (&t, &b)) in row.iter_mut().zip(sums).zip(ends) {
                    *out = sum.to_f64() + f * (value(t) + value(b));
                }
            }
            (Some(end), None) | (None, Some(end)) => {
                for ((out, sum), &e) in row.iter_mut().zip(sums).zip(end) {
                    *out = sum.to_f64() + f * value(e);
                }
            }
            (None, None) => {
                for (out, sum) in row.iter_mut().zip(sums) {
                    *out = sum.to_f64();
                }
            }
        }
        let channels = past.len();
        match self.cols_slide.read(self.cols_slide.len as i64) {
            Some(m) => {
                let (row, past) = blended.split_at_mut(sums.len());
                past.copy_from_slice(&row[m * channels..(m + 1) * channels]);
            }
            None => past.fill(0.0),
        }
    }

    /// The column sums of the group of `len` rows from `first_y`, each
    /// from the previous row's (the last buffer of `column_sums` holds the
    /// row before the group; the strip's first row, `start`, copies it).
    #[inline(always)]
    fn group_column_sums<A: ColumnSum>(
        &self,
        isa: Isa,
        (first_y, len): (usize, usize),
        start: usize,
        column_sums: &mut [Vec<A>; GROUP],
        (entering_copy, leaving_copy): (&mut Vec<T>, &mut Vec<T>),
        to_sum: impl Fn(T) -> A + Copy,
    ) {
        for k in 0..len {
            let y = first_y + k;
            let (previous, next) = if k == 0 {
                let (head, last) = column_sums.split_at_mut(GROUP - 1);
                (&last[0], &mut head[0])
            } else {
                let (head, rest) = column_sums.split_at_mut(k);
                (&head[k - 1], &mut rest[0])
            };
            if y == start {
                next.copy_from_slice(previous);
                continue;
            }
            let (enter, leave) = self.rows_slide.step(y);
            let entering = enter.map(|m| self.image_row(m, entering_copy));
            let leaving = leave.map(|m| self.image_row(m, leaving_copy));
            step_column_sums(isa, previous, next, entering, leaving, to_sum);
        }
    }

    /// [`Self::column_strip`], each sample summed as `to_sum` gives it.
    #[inline(always)]
    fn column_strip_with<A: ColumnSum>(
        &self,
        isa: Isa,
        weights: &[f64],
        rows: Range<usize>,
        mut out_strip: ArrayViewMut3<'_, T>,
        non_finite: Option<&NonFinite>,
        to_sum: impl Fn(T) -> A + Copy,
    ) -> bool {
        let (width, channels) = (self.cols_slide.len, self.channels);
        let row_len = width * channels;
        let (mut entering_copy, mut leaving_copy) = (Vec::new(), Vec::new());
        // The column sums of four consecutive rows (a group), and their
        // window sums: the horizontal passes of a group interleave.
        let mut column_sums: [Vec<A>; GROUP] = std::array::from_fn(|_| vec![A::default(); row_len]);
        let mut window_sums: [Vec<A>; GROUP] = std::array::from_fn(|_| vec![A::default(); row_len]);
        self.first_column_sums(rows.start, &mut column_sums[GROUP - 1], &mut entering_copy, to_sum);
        let mut row_means = RowMeans::new(isa, weights, T::TYPE.is_integer(), T::MAX);
        // Output rows of a strided strip go through here (a group's four).
        let mut row_buffer = vec![
            T::default();
            if out_strip.is_standard_layout() {
                0
            } else {
                GROUP * row_len
            }
        ];
        // Three or more channels, and sums added several samples at once
        // (`u32`), do not interleave rows (see `horizontal_four`): one row
        // per group keeps their buffers small.
        let group = if channels <= 2 && !A::VECTOR_RUNNING_SUMS {
            GROUP
        } else {
            1
        };
        let groups = rows
            .clone()
            .step_by(group)
            .zip(out_strip.axis_chunks_iter_mut(Axis(0), group));
        for (first_y, mut out_rows) in groups {
            let group_len = out_rows.len_of(Axis(0));
            let copies = (&mut entering_copy, &mut leaving_copy);
            self.group_column_sums(isa, (first_y, group_len), rows.start, &mut column_sums, copies, to_sum);
            let group_rows = (first_y, &rows);
            let done = group_len == GROUP
                && self.group_of_four(
                    isa,
                    (weights, group_rows),
                    (&column_sums, &mut window_sums),
                    (&mut out_rows, &mut row_buffer),
                    non_finite,
                );
            if !done {
                let sums = (&column_sums, &mut window_sums);
                self.group_rows_each(
                    isa,
                    group_rows,
                    sums,
                    (&mut out_rows, &mut row_buffer),
                    &mut row_means,
                    non_finite,
                );
            }
            // The last row of the group becomes the one before the next group.
            if group_len < GROUP {
                column_sums.swap(group_len - 1, GROUP - 1);
            }
        }
        // A NaN or infinity that entered the column sums leaves them
        // non-finite for good (inf - inf is NaN).
        column_sums[GROUP - 1].iter().all(|sum| sum.to_f64().is_finite())
    }

    /// A whole group of four output rows (from `first_y`, of the strip's
    /// `rows`) from their column sums: the window sums and means in one
    /// fused pass where the sum type has it (true: the rows are written),
    /// else the four rows' window sums into `window_sums` (false).
    #[inline(always)]
    fn group_of_four<A: ColumnSum>(
        &self,
        isa: Isa,
        (weights, (first_y, rows)): (&[f64], (usize, &Range<usize>)),
        (column_sums, window_sums): (&[Vec<A>; GROUP], &mut [Vec<A>; GROUP]),
        (out_rows, row_buffer): (&mut ArrayViewMut3<'_, T>, &mut [T]),
        non_finite: Option<&NonFinite>,
    ) -> bool {
        let (width, channels) = (self.cols_slide.len, self.channels);
        let row_len = width * channels;
        let [w0, w1, w2, w3] = window_sums;
        let [c0, c1, c2, c3] = column_sums;
        let inputs = [&c0[..], &c1[..], &c2[..], &c3[..]];
        let four = RowGroup {
            slide: &self.cols_slide,
            steps: &self.col_steps,
            channels,
            weight_x: weights,
            weight_y: std::array::from_fn(|k| axis_weight(&self.rows_slide, self.taps.inner, first_y + k)),
            end_taps: EndTaps::NONE,
            isa,
        };
        // The same form for every strip, whatever its output's layout or
        // its non-finite samples: its roundings then do not depend on them.
        let contiguous = out_rows.is_standard_layout();
        let out = match out_rows.as_slice_mut() {
            Some(out) => out,
            None => &mut row_buffer[..],
        };
        let (o01, o23) = out.split_at_mut(2 * row_len);
        let ((o0, o1), (o2, o3)) = (o01.split_at_mut(row_len), o23.split_at_mut(row_len));
        let window = [&mut w0[..], &mut w1[..], &mut w2[..], &mut w3[..]];
        let ahead = std::array::from_fn(|k| self.rows_ahead(first_y + GROUP + k, rows));
        if A::window_means_four(inputs, &four, window, [&mut *o0, &mut *o1, &mut *o2, &mut *o3], ahead) {
            for (k, out) in [o0, o1, o2, o3].into_iter().enumerate() {
                self.patch_non_finite(non_finite, first_y + k, out);
            }
            if !contiguous {
                let values = ArrayView3::from_shape((GROUP, width, channels), &row_buffer[..])
                    .expect("row buffer has the group's shape");
                out_rows.assign(&values);
            }
            return true;
        }
        let outputs = [&mut w0[..], &mut w1[..], &mut w2[..], &mut w3[..]];
        horizontal_four(inputs, |sum| sum, &self.cols_slide, &self.col_steps, channels, outputs);
        false
    }

    /// The output rows of a group (from `first_y`, of the strip's `rows`)
    /// one by one, into `out_rows`: a whole group's window sums are in
    /// `window_sums` already; a shorter group's rows get their window sums
    /// and means at once where the sum type has that form, else their
    /// window sums here. Then the means of each row's window sums.
    #[inline(always)]
    fn group_rows_each<A: ColumnSum>(
        &self,
        isa: Isa,
        (first_y, rows): (usize, &Range<usize>),
        (column_sums, window_sums): (&[Vec<A>; GROUP], &mut [Vec<A>; GROUP]),
        (out_rows, row_buffer): (&mut ArrayViewMut3<'_, T>, &mut [T]),
        row_means: &mut RowMeans<'_>,
        non_finite: Option<&NonFinite>,
    ) {
        let (width, channels) = (self.cols_slide.len, self.channels);
        let row_len = width * channels;
        let group_len = out_rows.len_of(Axis(0));
        for (k, mut out_row) in out_rows.axis_iter_mut(Axis(0)).enumerate() {
            let y = first_y + k;
            row_means.set_row(axis_weight(&self.rows_slide, self.taps.inner, y));
            if group_len < GROUP {
                let (sums, window) = (&column_sums[k], &mut window_sums[k]);
                let axis = (&self.cols_slide, &self.col_steps);
                if non_finite.is_none()
                    && let Some(out) = out_row.as_slice_mut()
                    && A::window_means_row(
                        isa,
                        sums,
                        axis,
                        channels,
                        row_means,
                        window,
                        out,
                        self.rows_ahead(y + 1, rows),
                    )
                {
                    continue;
                }
                horizontal(sums, |sum| sum, axis.0, axis.1, channels, window, None);
            }
            let patch = |out: &mut [T]| self.patch_non_finite(non_finite, y, out);
            match out_row.as_slice_mut() {
                Some(out) => {
                    A::means(&window_sums[k], row_means, out);
                    patch(out);
                }
                None => {
                    let row_buffer = &mut row_buffer[..row_len];
                    A::means(&window_sums[k], row_means, row_buffer);
                    patch(row_buffer);
                    let values = ArrayView2::from_shape((width, channels), &row_buffer[..])
                        .expect("row buffer has the row's shape");
                    out_row.assign(&values);
                }
            }
        }
    }
}

/// What [`BoxStrips::fractional_rows`] does with each output row: its
/// column sums of the n window, its two end rows, the rows to ask the
/// cache for, and the output row. A trait whose method is inlined, not a
/// closure: a closure is a function of its own, compiled without the
/// instruction sets of the strip's AVX2 or AVX-512 copy, so the vector
/// intrinsics it reaches would be calls.
trait FractionalRowMeans<T> {
    fn row_means(
        &mut self,
        y: usize,
        column_sums: &[u32],
        ends: (Option<&[T]>, Option<&[T]>),
        ahead: [&[T]; 2],
        out: &mut [T],
    );
}

/// [`BoxStrips::fixed_point_strip`]'s rows: the column sums blended with
/// the two end rows in fixed point, then the horizontal windows and means.
struct FixedPointRows<'s, 'a, T, F> {
    strips: &'s BoxStrips<'a, T>,
    isa: Isa,
    fixed_point: FixedPoint,
    inverses: RowInverses<F>,
    /// The blended column sums, with the pixel the border reads past the
    /// row's end (see `EndTaps`).
    blended: Vec<u32>,
    window: Vec<u32>,
    past: Option<usize>,
}

impl<T: Sample, F: Fn(f64, f64) -> f32> FractionalRowMeans<T> for FixedPointRows<'_, '_, T, F> {
    #[inline(always)]
    fn row_means(
        &mut self,
        y: usize,
        column_sums: &[u32],
        (top, bottom): (Option<&[T]>, Option<&[T]>),
        ahead: [&[T]; 2],
        out: &mut [T],
    ) {
        let (strips, isa, fixed_point) = (self.strips, self.isa, self.fixed_point);
        let row_len = strips.cols_slide.len * strips.channels;
        fixed_point.blend_columns(isa, &column_sums[..row_len], top, bottom, &mut self.blended[..row_len]);
        with_past(&mut self.blended, strips.channels, self.past);
        let means = FixedPointRow {
            edge_weight: fixed_point.weight as f32,
            inverse: self.inverses.of_row(y),
        };
        let axis = (&strips.cols_slide, &strips.col_steps);
        fixed_point_means(
            isa,
            &self.blended,
            axis,
            strips.channels,
            &means,
            &mut self.window,
            out,
            ahead,
        );
    }
}

/// [`BoxStrips::parts_strip`]'s rows: the end rows' sums and their
/// horizontal windows beside the column sums', then each mean from its
/// parts.
struct PartsRows<'s, 'a, T, F> {
    strips: &'s BoxStrips<'a, T>,
    isa: Isa,
    edge_weight: f32,
    inverses: RowInverses<F>,
    /// The end rows' sums, with the pixel past the row's end as the
    /// column sums have it.
    ends: Vec<u32>,
    window: Vec<u32>,
    ends_window: Vec<u32>,
    past: Option<usize>,
}

impl<T: Sample, F: Fn(f64, f64) -> f32> FractionalRowMeans<T> for PartsRows<'_, '_, T, F> {
    #[inline(always)]
    fn row_means(
        &mut self,
        y: usize,
        column_sums: &[u32],
        (top, bottom): (Option<&[T]>, Option<&[T]>),
        ahead: [&[T]; 2],
        out: &mut [T],
    ) {
        let strips = self.strips;
        let (channels, row_len) = (strips.channels, strips.cols_slide.len * strips.channels);
        let value = u32::from_sample::<T>;
        let row = &mut self.ends[..row_len];
        match (top, bottom) {
            (Some(top), Some(bottom)) => {
                for ((end, &t), &b) in row.iter_mut().zip(top).zip(bottom) {
                    *end = value(t) + value(b);
                }
            }
            (Some(end_row), None) | (None, Some(end_row)) => {
                for (end, &s) in row.iter_mut().zip(end_row) {
                    *end = value(s);
                }
            }
            (None, None) => row.fill(0),
        }
        with_past(&mut self.ends, channels, self.past);
        let (slide, steps) = (&strips.cols_slide, &strips.col_steps);
        horizontal(
            &self.ends[..row_len],
            |sum| sum,
            slide,
            steps,
            channels,
            &mut self.ends_window,
            None,
        );
        let row = PartsRow {
            columns: column_sums,
            ends: &self.ends,
            ends_window: &self.ends_window,
            edge_weight: self.edge_weight,
            inverse: self.inverses.of_row(y),
        };
        parts_means(self.isa, &row, (slide, steps), channels, &mut self.window, out, ahead);
    }
}

/// What [`window_means_four`] needs of a group of four output rows
/// besides their column sums.
pub(super) struct RowGroup<'a> {
    slide: &'a Slide,
    steps: &'a AxisSteps,
    channels: usize,
    /// The window's columns per sample, and its rows per output row.
    weight_x: &'a [f64],
    weight_y: [f64; 4],
    /// The end taps of a fractional radius n + f ([`EndTaps`]); unused
    /// for a whole radius.
    end_taps: EndTaps<'a>,
    /// Whether the running sums may take AVX-512.
    isa: Isa,
}

/// The two end taps of a window of fractional radius n + f along a row:
/// each window sum of half-width n gains f times the two sums just past
/// its ends (`x - n - 1` and `x + n + 1`, as the border rule reads them).
/// The rows they are read from carry one more pixel past their end, the
/// one the border rule reads at position `len` (0 where it reads none), so
/// that every plain window (whose left end tap lies in the row) finds both
/// taps by offset alone.
#[derive(Clone, Copy)]
pub(super) struct EndTaps<'a> {
    /// f, the weight of each end tap.
    weight: f64,
    /// 1 / the blended window's columns, per sample (the last plain
    /// window's right tap may lie outside the image).
    inverse_x: &'a [f64],
}

impl EndTaps<'_> {
    /// No end taps: a whole radius.
    const NONE: EndTaps<'static> = EndTaps {
        weight: 0.0,
        inverse_x: &[],
    };
}

/// The horizontal windows of four rows of `f64` column sums (`C` channels)
/// and their means: over the plain steps the running sums go straight to
/// the output samples, the four rows interleaved (one dependent add per
/// sample, as in `horizontal_four`), so neither the differences nor the
/// window sums make a pass through memory. Where `rows.isa` has AVX-512,
/// eight samples of each row at a time
/// ([`crate::prefix::difference_sums_f64_rows`]), whose additions within a
/// vector go in another order: the sums may differ in their last bits from
/// `horizontal_four` (a unit test bounds them). Elsewhere the same
/// additions in the same order as `horizontal_four`, eight samples of a
/// row handed at a time to means computed over arrays (which the compiler
/// vectorises), as [`ColumnSum::means`] computes them, so the same bits
/// (the unit test compares them).
/// Window sums before and after the plain steps go through `window`
/// (scratch of a row each).
///
/// With `END_TAPS` (a fractional radius, `rows.end_taps`), each window sum
/// gains its two end taps before its mean, in the vector and the scalar
/// form alike; `sums` then carry the border's pixel past their end
/// ([`EndTaps`]).
///
/// The eight-sample form also asks the cache for the rows `ahead` (the next
/// group's entering and leaving rows), a line per row as its own rows
/// advance: the next column step then finds them in the cache instead of
/// waiting for memory (the B4 bench, `f32` gray radius 16, shows the gain;
/// the entering and the leaving rows both count).
#[inline(always)]
fn window_means_four<T: Sample, const C: usize, const END_TAPS: bool>(
    sums: [&[f64]; 4],
    rows: &RowGroup<'_>,
    mut window: [&mut [f64]; 4],
    out: [&mut [T]; 4],
    ahead: [[&[T]; 2]; 4],
) {
    let (slide, steps) = (rows.slide, rows.steps);
    let plain = plain_steps(slide);
    let row_len = slide.len * C;
    let identity = |sum: f64| sum;
    let mut accs = [[0.0; crate::MAX_CHANNELS]; 4];
    for ((acc, sums), window) in accs.iter_mut().zip(sums).zip(window.iter_mut()) {
        *acc = horizontal_start(&sums[..row_len], identity, slide, steps, C, window);
    }
    let taps = rows.end_taps;
    let inverse_y = rows.weight_y.map(|weight_y| 1.0 / weight_y);
    let reach = (slide.half as usize + 1) * C;
    // The mean of window sum `sum` of row `r`, sample `i`, plain or not.
    let mean_with_taps = |r: usize, i: usize, sum: f64, (left, right): (f64, f64)| {
        T::from_f64((sum + taps.weight * (left + right)) * (inverse_y[r] * taps.inverse_x[i]))
    };
    let [o0, o1, o2, o3] = out;
    if !plain.is_empty() {
        // Every plain window of a whole radius lies inside the row: 2n + 1 columns.
        let weight_x = rows.weight_x[plain.start * C];
        debug_assert!(
            END_TAPS
                || rows.weight_x[plain.start * C..plain.end * C]
                    .iter()
                    .all(|&w| w == weight_x)
        );
        let n = slide.half as usize;
        let samples = plain.start * C..plain.end * C;
        let len = samples.len();
        // With end taps, every plain window but the last has both taps in
        // the row and so one weight (the last one's right tap may lie past
        // the row: `Clip` weighs it less); the vector form takes those.
        let (inverse, vector_len) = if END_TAPS {
            let inverse_x = taps.inverse_x[samples.start];
            debug_assert!(
                taps.inverse_x[samples.start..samples.end - C]
                    .iter()
                    .all(|&w| w == inverse_x)
            );
            (inverse_y.map(|inverse_y| inverse_y * inverse_x), len - C)
        } else {
            (rows.weight_y.map(|weight_y| 1.0 / (weight_y * weight_x)), len)
        };
        let (enter_at, leave_at) = ((plain.start + n) * C, (plain.start - n - 1) * C);
        // Eight samples at a time (in vectors where `rows.isa` has
        // AVX-512), asking for the lines of the rows `ahead` as it goes; whole
        // vectors of whole pixels, so the rest below starts at channel 0.
        let done = crate::prefix::difference_sums_f64_rows(
            rows.isa,
            vector_len / (F64_LANES * C) * (F64_LANES * C),
            accs.each_mut().map(|acc| &mut acc[..C]),
            C,
            &mut PlainWindows::<T, END_TAPS> {
                sums,
                enter_at,
                leave_at,
                first: samples.start,
                reach,
                outs: [&mut *o0, &mut *o1, &mut *o2, &mut *o3].map(|out| &mut out[samples.clone()]),
                inverse,
                taps,
                ahead,
            },
        );
        // The rest one sample at a time.
        let samples = samples.start + done..samples.end;
        let first = samples.start;
        let len = samples.len();
        let steps_of = |r: usize| {
            let entering = &sums[r][enter_at + done..][..len];
            let leaving = &sums[r][leave_at + done..][..len];
            entering.chunks_exact(C).zip(leaving.chunks_exact(C))
        };
        let outs = o0[samples.clone()]
            .chunks_exact_mut(C)
            .zip(o1[samples.clone()].chunks_exact_mut(C))
            .zip(
                o2[samples.clone()]
                    .chunks_exact_mut(C)
                    .zip(o3[samples].chunks_exact_mut(C)),
            );
        let ins = steps_of(0).zip(steps_of(1)).zip(steps_of(2).zip(steps_of(3)));
        let mean = |r: usize, i: usize, sum: f64| {
            if END_TAPS {
                mean_with_taps(r, i, sum, (sums[r][i - reach], sums[r][i + reach]))
            } else {
                T::from_f64(sum * inverse[r])
            }
        };
        // The sums in locals of exactly C channels, so they stay in registers.
        let [mut a0, mut a1, mut a2, mut a3]: [[f64; C]; 4] = accs.map(|acc| std::array::from_fn(|ch| acc[ch]));
        let pixels = ins.zip(outs).enumerate();
        for (j, ((((e0, l0), (e1, l1)), ((e2, l2), (e3, l3))), ((p0, p1), (p2, p3)))) in pixels {
            for ch in 0..C {
                let i = first + j * C + ch;
                a0[ch] += e0[ch] - l0[ch];
                p0[ch] = mean(0, i, a0[ch]);
                a1[ch] += e1[ch] - l1[ch];
                p1[ch] = mean(1, i, a1[ch]);
                a2[ch] += e2[ch] - l2[ch];
                p2[ch] = mean(2, i, a2[ch]);
                a3[ch] += e3[ch] - l3[ch];
                p3[ch] = mean(3, i, a3[ch]);
            }
        }
        for (acc, sums) in accs.iter_mut().zip([a0, a1, a2, a3]) {
            acc[..C].copy_from_slice(&sums);
        }
    }
    let edges = (0..plain.start * C).chain(plain.end * C..row_len);
    for (r, (out, window)) in [o0, o1, o2, o3].into_iter().zip(window).enumerate() {
        horizontal_finish(&sums[r][..row_len], identity, slide, steps, C, window, None, accs[r]);
        for i in edges.clone() {
            out[i] = if END_TAPS {
                let (left, right) = steps.outer[i / C];
                let tap = |m: Option<usize>| m.map_or(0.0, |m| sums[r][m * C + i % C]);
                mean_with_taps(r, i, window[i], (tap(left), tap(right)))
            } else {
                T::from_f64(window[i] * (1.0 / (rows.weight_y[r] * rows.weight_x[i])))
            };
        }
    }
}

/// [`window_means_four`] with end taps (a fractional radius) for four rows
/// of blended column sums of `rows.channels` channels: its vector form for
/// 1 to 4 channels, [`window_means_with_taps`] for more.
#[inline(always)]
fn window_means_with_end_taps<T: Sample>(
    sums: [&[f64]; 4],
    rows: &RowGroup<'_>,
    window: [&mut [f64]; 4],
    out: [&mut [T]; 4],
    ahead: [[&[T]; 2]; 4],
) {
    match rows.channels {
        1 => window_means_four::<T, 1, true>(sums, rows, window, out, ahead),
        2 => window_means_four::<T, 2, true>(sums, rows, window, out, ahead),
        3 => window_means_four::<T, 3, true>(sums, rows, window, out, ahead),
        4 => window_means_four::<T, 4, true>(sums, rows, window, out, ahead),
        _ => window_means_with_taps(sums, rows, window, out),
    }
}

/// [`window_means_four`] with end taps for rows of any channel count, a
/// row at a time and a sample at a time: the same arithmetic per sample
/// as its windows outside the plain steps.
fn window_means_with_taps<T: Sample>(
    sums: [&[f64]; 4],
    rows: &RowGroup<'_>,
    window: [&mut [f64]; 4],
    out: [&mut [T]; 4],
) {
    let (slide, steps, channels, taps) = (rows.slide, rows.steps, rows.channels, rows.end_taps);
    let row_len = slide.len * channels;
    for (r, ((sums, window), out)) in sums.into_iter().zip(window).zip(out).enumerate() {
        horizontal(&sums[..row_len], |sum| sum, slide, steps, channels, window, None);
        let inverse_y = 1.0 / rows.weight_y[r];
        for (i, (out, &sum)) in out.iter_mut().zip(&*window).enumerate() {
            let (left, right) = steps.outer[i / channels];
            let tap = |m: Option<usize>| m.map_or(0.0, |m| sums[m * channels + i % channels]);
            *out = T::from_f64((sum + taps.weight * (tap(left) + tap(right))) * (inverse_y * taps.inverse_x[i]));
        }
    }
}

/// [`window_means_four`]'s plain windows, eight samples at a time: the
/// differences of the entering and leaving column sums in, the means of
/// the window sums (with their end taps where `END_TAPS`) out, asking the
/// cache for a line of the rows `ahead` per line of samples.
struct PlainWindows<'a, T, const END_TAPS: bool> {
    sums: [&'a [f64]; 4],
    enter_at: usize,
    leave_at: usize,
    /// The row's sample of the first plain window, and the offset of its
    /// end taps.
    first: usize,
    reach: usize,
    /// The output samples of the plain windows, per row.
    outs: [&'a mut [T]; 4],
    /// 1 / the window's weight, per row (with end taps: the blended
    /// window's, the same for every window the vector form takes).
    inverse: [f64; 4],
    /// The end taps of a fractional radius.
    taps: EndTaps<'a>,
    ahead: [[&'a [T]; 2]; 4],
}

impl<T: Sample, const END_TAPS: bool> DifferenceRows for PlainWindows<'_, T, END_TAPS> {
    #[inline(always)]
    fn differences(&mut self, r: usize, i: usize) -> [f64; F64_LANES] {
        let entering = &self.sums[r][self.enter_at + i..][..F64_LANES];
        let leaving = &self.sums[r][self.leave_at + i..][..F64_LANES];
        if END_TAPS {
            // Over arrays, as the end taps' means below.
            return std::array::from_fn(|k| entering[k] - leaving[k]);
        }
        (eight_of(entering) - eight_of(leaving)).to_array()
    }

    #[inline(always)]
    fn sums(&mut self, r: usize, i: usize, sums: [f64; F64_LANES]) {
        crate::cache::prefetch_rows(&self.ahead[r], i, F64_LANES);
        let out = &mut self.outs[r][i..][..F64_LANES];
        if END_TAPS {
            // Lane by lane over arrays, which the compiler vectorises for
            // the instruction sets of the strip's copy (`wide`'s `f64x8`
            // is four SSE2 vectors in a portable build, even inside the
            // AVX-512 copy). The same operations in the same order as the
            // scalar means, so the same values.
            let at = self.first + i;
            let row = self.sums[r];
            let lefts = &row[at - self.reach..][..F64_LANES];
            let rights = &row[at + self.reach..][..F64_LANES];
            let (weight, inverse) = (self.taps.weight, self.inverse[r]);
            let means: [f64; F64_LANES] =
                std::array::from_fn(|k| (sums[k] + weight * (lefts[k] + rights[k])) * inverse);
            for (out, mean) in out.iter_mut().zip(means) {
                *out = T::from_f64(mean);
            }
            return;
        }
        let means = (wide::f64x8::from(sums) * wide::f64x8::splat(self.inverse[r])).to_array();
        for (out, mean) in out.iter_mut().zip(means) {
            *out = T::from_f64(mean);
        }
    }
}

/// The first eight values of `values`.
#[inline(always)]
fn eight_of(values: &[f64]) -> wide::f64x8 {
    <[f64; F64_LANES]>::try_from(&values[..F64_LANES])
        .expect("8 values")
        .into()
}

/// The horizontal windows of one row of `u32` column sums (`C` channels)
/// and their means, for rows whose weights take
/// [`quotient::quotients_rounded_up`]: over the plain steps the running sums of
/// the entering and leaving column sums go sixteen at a time straight to
/// their quotients and the output samples
/// ([`crate::prefix::difference_sums_u32`]; in the strip's AVX-512 copy
/// [`crate::arch::avx512::difference_sums_u32`]), so neither the differences nor
/// the window sums make a pass through memory. Integer sums are exact in
/// any order, so the same values as `horizontal` and then
/// [`ColumnSum::means`] (a unit test compares them). Window sums before and
/// after the plain steps go through `window` (scratch of a row). Asks the
/// cache for the rows `ahead` a line at a time as it goes (the B4 bench, `u8`
/// gray radius 16, shows the gain).
#[inline(always)]
fn window_means_short<T: Sample, const C: usize>(
    isa: Isa,
    sums: &[u32],
    (slide, steps): (&Slide, &AxisSteps),
    row: &RowMeans<'_>,
    window: &mut [u32],
    out: &mut [T],
    ahead: [&[T]; 2],
) {
    let identity = |sum: u32| sum;
    let plain = plain_steps(slide);
    let mut acc = horizontal_start(sums, identity, slide, steps, C, window);
    let samples = plain.start * C..plain.end * C;
    if !plain.is_empty() {
        // Every plain window lies inside the row: one weight for them all.
        let (weight, inverse) = (row.weight[samples.start], row.rounded_up_inverse[samples.start]);
        debug_assert!(row.weight[samples.clone()].iter().all(|&w| w == weight));
        let n = slide.half as usize;
        let entering = &sums[(plain.start + n) * C..][..samples.len()];
        let leaving = &sums[(plain.start - n - 1) * C..][..samples.len()];
        let plain_out = &mut out[samples.clone()];
        let mut means = ShortMeans {
            weight,
            inverse,
            out: plain_out,
            ahead,
        };
        let done = plain_window_sums::<C>(isa, entering, leaving, &mut acc[..C], &mut means);
        let plain_out = &mut *means.out;
        for i in done..samples.len() {
            let ch = i % C;
            acc[ch] = acc[ch].wrapping_add(entering[i]).wrapping_sub(leaving[i]);
            plain_out[i] = T::from_whole(quotient::quotient_rounded_up(acc[ch], weight, inverse));
        }
    }
    horizontal_finish(sums, identity, slide, steps, C, window, None, acc);
    for edge in [0..samples.start, samples.end..window.len()] {
        quotient::quotients_rounded_up(
            isa,
            &window[edge.clone()],
            &row.weight[edge.clone()],
            &row.rounded_up_inverse[edge.clone()],
            &mut out[edge],
        );
    }
}

/// A fractional radius n + f for integer samples in fixed point: each
/// column sum of the n window scaled by 2^`shift`, plus its two end rows
/// times f rounded to a multiple of 2^-`shift` (`edge`), in `u32`. The
/// horizontal pass then keeps exact `u32` running sums of those blended
/// column sums and adds f times its two end columns in `f32`, once per
/// output sample, where the `f64` form ([`EndTaps`]) blends every column
/// sum and window sum in `f64`.
///
/// The shift is the largest that keeps every window sum below 2^31 (the
/// vector lanes convert them to `f32` as `i32`), and at most
/// [`FIXED_POINT_SHIFT`], so that `edge` and the sum of two end samples
/// are 16-bit numbers: their product is then one 16-bit multiply per lane,
/// where a 32-bit one is several without SSE4.1. Only f is rounded: the
/// end rows' weight moves by at most 2^-shift / 2, which moves a mean by
/// at most `T::MAX` 2^-shift / (n + 1) (two end rows of samples up to
/// `T::MAX` against at least n + 1 rows of weight); the form serves only
/// where that stays within [`FIXED_POINT_ERROR`], so the means stay within
/// 1 of the exact ones. `u8` samples meet it up to radii of several
/// hundred, `u16` samples never (their sums leave too few bits for f).
#[derive(Debug, Clone, Copy)]
pub(super) struct FixedPoint {
    shift: u32,
    edge: u16,
    /// f itself, which the horizontal end taps and the weights take.
    weight: f64,
}

/// The largest change of a mean (in units of the sample) that
/// [`FixedPoint`]'s rounding of f may cause.
const FIXED_POINT_ERROR: f64 = 1.0 / 8.0;

/// The largest shift of [`FixedPoint`]: f 2^shift rounds to at most 2^14,
/// a 16-bit number, and `u8` samples still meet [`FIXED_POINT_ERROR`] at
/// every radius (`u8::MAX` 2^-14 is below an eighth).
const FIXED_POINT_SHIFT: u32 = 14;

impl FixedPoint {
    /// The fixed point of the radius `taps` for samples `T` of `channels`
    /// channels, where it serves them ([`fixed_point_means`] has a form for
    /// 1 to 4 channels): `None` elsewhere.
    fn new<T: Sample>(taps: BoxTaps, channels: usize) -> Option<Self> {
        if !T::TYPE.is_integer() || !(1..=4).contains(&channels) || taps.edge_weight == 0.0 {
            return None;
        }
        let n = taps.inner as f64;
        // The largest window sum of the blended sums, before the shift:
        // 2n + 3 positions along each axis.
        let largest = T::MAX * (2.0 * n + 3.0) * (2.0 * n + 3.0);
        let limit = (1u64 << 31) as f64;
        let shift = (0..=FIXED_POINT_SHIFT)
            .rev()
            .find(|&shift| largest * (1u64 << shift) as f64 <= limit - 1.0)?;
        let scale = (1u64 << shift) as f64;
        if T::MAX / (scale * (n + 1.0)) > FIXED_POINT_ERROR {
            return None;
        }
        Some(FixedPoint {
            shift,
            edge: (taps.edge_weight * scale).round() as u16,
            weight: taps.edge_weight,
        })
    }

    /// 2^shift, the weight of a column sum's samples.
    fn scale(self) -> f64 {
        (1u64 << self.shift) as f64
    }

    /// 1 / (2^shift times the blended window's weight), of `weight_y`
    /// rows and `weight_x` columns, as [`tap_mean`] takes it.
    #[inline(always)]
    fn inverse(self, weight_y: f64, weight_x: f64) -> f32 {
        (1.0 / (self.scale() * weight_y * weight_x)) as f32
    }

    /// `blended = (sums << shift) + edge (top + bottom)`, sample by sample,
    /// where `top` and `bottom` are the window's end rows (absent: none
    /// read there). Rows of bytes with both ends go a vector at a time
    /// ([`Self::blend_bytes`]).
    #[inline(always)]
    fn blend_columns<T: Sample>(
        self,
        isa: Isa,
        sums: &[u32],
        top: Option<&[T]>,
        bottom: Option<&[T]>,
        blended: &mut [u32],
    ) {
        let (shift, edge) = (self.shift, u32::from(self.edge));
        let value = u32::from_sample::<T>;
        match (top, bottom) {
            (Some(top), Some(bottom)) => {
                let done = match (T::as_bytes(top), T::as_bytes(bottom)) {
                    (Some(top), Some(bottom)) => self.blend_bytes(isa, sums, (top, bottom), blended),
                    _ => 0,
                };
                let ends = top[done..].iter().zip(&bottom[done..]);
                for ((out, &sum), (&t, &b)) in blended[done..].iter_mut().zip(&sums[done..]).zip(ends) {
                    *out = (sum << shift) + edge * (value(t) + value(b));
                }
            }
            (Some(end), None) | (None, Some(end)) => {
                for ((out, &sum), &e) in blended.iter_mut().zip(sums).zip(end) {
                    *out = (sum << shift) + edge * value(e);
                }
            }
            (None, None) => {
                for (out, &sum) in blended.iter_mut().zip(sums) {
                    *out = sum << shift;
                }
            }
        }
    }

    /// [`Self::blend_columns`] of two end rows of bytes, sixteen samples
    /// at a time (in AVX-512 where `isa` calls for the strip's AVX-512
    /// copy); returns how many samples it did (the most sixteens).
    #[inline(always)]
    fn blend_bytes(self, isa: Isa, sums: &[u32], ends: (&[u8], &[u8]), blended: &mut [u32]) -> usize {
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = isa.avx512_copy_lanes() {
            return self.blend_bytes_in_lanes(lanes, sums, ends, blended);
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = isa.avx2_copy_lanes() {
            return self.blend_bytes_in_lanes(lanes, sums, ends, blended);
        }
        let _ = isa;
        self.blend_bytes_in_lanes(Portable::<wide::i32x16>::new(), sums, ends, blended)
    }

    /// [`Self::blend_bytes`] a vector of `lanes` at a time.
    #[inline(always)]
    fn blend_bytes_in_lanes<L: ByteLanes>(
        self,
        lanes: L,
        sums: &[u32],
        (top, bottom): (&[u8], &[u8]),
        blended: &mut [u32],
    ) -> usize {
        let n = L::LANES;
        let len = blended.len().min(sums.len()).min(top.len()).min(bottom.len());
        let vectors = len / n * n;
        let chunks = blended[..vectors]
            .chunks_exact_mut(n)
            .zip(sums[..vectors].chunks_exact(n))
            .zip(top[..vectors].chunks_exact(n).zip(bottom[..vectors].chunks_exact(n)));
        for ((out, sums), (top, bottom)) in chunks {
            let scaled = lanes.shift_left(lanes.load(sums), self.shift);
            lanes.store(scaled + lanes.byte_sums_times(top, bottom, self.edge), out);
        }
        vectors
    }
}

/// How a fractional radius n + f of integer samples is blended, on every
/// path: the column sums, and the general path that small images, tiles
/// and strips of a few rows take ([`BoxStrips::by_row_sums`](super::BoxStrips)).
/// Each form's mean is a function of exact whole-number window sums and
/// the window's weights alone ([`IntegerBlend::mean`] is the general path's
/// twin of the column sums' loops), so a sample gets the same bits
/// whatever the image's size, the strip, the tile or the thread count.
#[derive(Debug, Clone, Copy)]
pub(super) enum IntegerBlend {
    /// [`FixedPoint`]: `u8` of 1 to 4 channels, radii up to several hundred.
    Fixed(FixedPoint),
    /// Sums in `f64`, f rounded to `edge_weight`, a multiple of 2^-shift
    /// for the largest shift that keeps every blended column sum and
    /// window sum a multiple of 2^-shift below 2^53: exact in any order of
    /// additions. The last step, the window sum plus f times its end
    /// columns, is one expression of exact values.
    Dyadic { edge_weight: f64 },
    /// The four whole numbers of each window's [`BlendParts`] and f in
    /// `f32` ([`parts_mean`]), where every window sum of the n + 1 window
    /// stays below 2^31 (so the `u32` sums are exact and convert to `f32`
    /// as `i32`): `u16` radii below 90, and `u8` past [`FixedPoint`]'s
    /// radii. Every value on the way is at most the blended window sum,
    /// `T::MAX` times the window's weight, so each of the thirteen
    /// roundings to `f32` (f, four conversions, seven products and sums,
    /// the inverse) moves the mean by at most about 2^-24 `T::MAX`: less
    /// than 0.06 for `u16`, so the means stay within 1 of the exact ones.
    Parts { edge_weight: f32 },
}

/// A window of an [`IntegerBlend`] in four exact whole numbers: the sum
/// of its n window along both axes (`sums`), the n-window sums along the
/// rows of its two end rows (`ends`), the n-window sums down the columns
/// of its two end columns (`taps`), and its four corners (`end_taps`).
#[derive(Debug, Clone, Copy)]
pub(super) struct BlendParts {
    pub(super) sums: f64,
    pub(super) ends: f64,
    pub(super) taps: f64,
    pub(super) end_taps: f64,
}

impl IntegerBlend {
    /// The blend of a fractional radius `taps` for integer samples `T` of
    /// `channels` channels under `border`; `None` for whole radii, floats,
    /// `Constant` (which only the general path serves, with its own
    /// blend) and radii no form serves (idem).
    pub(super) fn new<T: Sample>(taps: BoxTaps, channels: usize, border: Border) -> Option<Self> {
        if !T::TYPE.is_integer() || taps.edge_weight == 0.0 || matches!(border, Border::Constant(_)) {
            return None;
        }
        if let Some(fixed_point) = FixedPoint::new::<T>(taps, channels) {
            return Some(IntegerBlend::Fixed(fixed_point));
        }
        let n = taps.inner as f64;
        // The largest blended window sum, before the shift.
        let largest = T::MAX * (2.0 * n + 3.0) * (2.0 * n + 3.0);
        if largest < SUM_LIMIT as f64 {
            return Some(IntegerBlend::Parts {
                edge_weight: taps.edge_weight as f32,
            });
        }
        let shift = (0..=30)
            .rev()
            .find(|&shift| largest * (1u64 << shift) as f64 <= (1u64 << 53) as f64)?;
        let scale = (1u64 << shift) as f64;
        // As for `FixedPoint`: rounding f moves a mean by at most this.
        if T::MAX / (scale * (n + 1.0)) > FIXED_POINT_ERROR {
            return None;
        }
        Some(IntegerBlend::Dyadic {
            edge_weight: (taps.edge_weight * scale).round() / scale,
        })
    }

    /// f as this blend weighs the windows.
    pub(super) fn edge_weight(self) -> f64 {
        match self {
            IntegerBlend::Fixed(fixed_point) => fixed_point.weight,
            IntegerBlend::Dyadic { edge_weight } => edge_weight,
            IntegerBlend::Parts { edge_weight } => edge_weight as f64,
        }
    }

    /// The mean of the window of `parts`, of `weight_y` rows and
    /// `weight_x` columns ([`blended_weight`] with [`Self::edge_weight`]):
    /// the same operations on the same values as the column sums' loops
    /// ([`fixed_point_means`], [`window_means_four`] with end taps).
    #[inline(always)]
    pub(super) fn mean<T: Sample>(self, parts: BlendParts, weight_y: f64, weight_x: f64) -> T {
        match self {
            IntegerBlend::Fixed(fixed_point) => {
                let (shift, edge) = (fixed_point.shift, fixed_point.edge as u64);
                // Whole numbers below 2^31 (`FixedPoint`'s shift): exact in `u64`.
                let blend = |sums: f64, ends: f64| (((sums as u64) << shift) + edge * ends as u64) as u32;
                let sum = blend(parts.sums, parts.ends);
                let taps = blend(parts.taps, parts.end_taps);
                let inverse = fixed_point.inverse(weight_y, weight_x);
                T::from_whole(tap_mean(sum, taps, fixed_point.weight as f32, inverse))
            }
            IntegerBlend::Parts { edge_weight } => {
                // Whole numbers below 2^31 (`Parts`' bound).
                let parts = [parts.sums, parts.ends, parts.taps, parts.end_taps].map(|part| part as u32);
                T::from_whole(parts_mean(parts, edge_weight, parts_inverse(weight_y, weight_x)))
            }
            IntegerBlend::Dyadic { edge_weight: f } => {
                let sum = parts.sums + f * parts.ends;
                let taps = parts.taps + f * parts.end_taps;
                T::from_f64((sum + f * taps) * ((1.0 / weight_y) * (1.0 / weight_x)))
            }
        }
    }
}

/// What [`fixed_point_means`] needs of an output row besides its blended
/// column sums.
struct FixedPointRow<'a> {
    /// f, the weight of each end column.
    edge_weight: f32,
    /// Per sample, 1 / (2^shift times the blended window's weight).
    inverse: &'a [f32],
}

/// The mean of a [`FixedPoint`] window: its window sum of half-width n
/// plus f times its two end columns (`taps`, their sum), times `inverse`,
/// rounded (ties up). The scalar twin of [`tap_means_lanes`]: the same
/// `f32` operations in the same order, so the same values.
#[inline(always)]
fn tap_mean(sum: u32, taps: u32, edge_weight: f32, inverse: f32) -> u32 {
    (((sum as i32 as f32) + edge_weight * (taps as i32 as f32)) * inverse + 0.5) as u32
}

/// [`tap_mean`] on a vector of lanes.
#[inline(always)]
fn tap_means_lanes<L: Lanes>(lanes: L, sums: L::Ints, taps: L::Ints, edge_weight: f32, inverse: L::Floats) -> L::Ints {
    let blended = lanes.to_floats(sums) + lanes.splat_floats(edge_weight) * lanes.to_floats(taps);
    lanes.truncate(blended * inverse + lanes.splat_floats(0.5))
}

/// The horizontal windows of one row of [`FixedPoint`] blended column
/// sums (`sums`, with the border's pixel past the row's end) and their
/// means into `out`: [`fixed_point_means_of`] for 1 to 4 channels.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn fixed_point_means<T: Sample>(
    isa: Isa,
    sums: &[u32],
    axis: (&Slide, &AxisSteps),
    channels: usize,
    row: &FixedPointRow,
    window: &mut [u32],
    out: &mut [T],
    ahead: [&[T]; 2],
) {
    match channels {
        1 => fixed_point_means_of::<T, 1>(isa, sums, axis, row, window, out, ahead),
        2 => fixed_point_means_of::<T, 2>(isa, sums, axis, row, window, out, ahead),
        3 => fixed_point_means_of::<T, 3>(isa, sums, axis, row, window, out, ahead),
        _ => fixed_point_means_of::<T, 4>(isa, sums, axis, row, window, out, ahead),
    }
}

/// [`fixed_point_means`] for `C` channels: over the plain steps the exact
/// `u32` running sums of the window of half-width n go sixteen at a time
/// ([`plain_window_sums`]) straight to their means with the two end columns
/// ([`tap_means_lanes`]), as [`window_means_short`] does for a whole radius;
/// the window sums before and after them go through `window` (scratch of
/// a row) and [`tap_mean`], one sample at a time, with the end columns the
/// border rule reads. Asks the cache for the rows `ahead` as it goes.
#[inline(always)]
fn fixed_point_means_of<T: Sample, const C: usize>(
    isa: Isa,
    sums: &[u32],
    (slide, steps): (&Slide, &AxisSteps),
    row: &FixedPointRow,
    window: &mut [u32],
    out: &mut [T],
    ahead: [&[T]; 2],
) {
    let identity = |sum: u32| sum;
    let row_len = slide.len * C;
    let plain = plain_steps(slide);
    let mut acc = horizontal_start(&sums[..row_len], identity, slide, steps, C, window);
    let samples = plain.start * C..plain.end * C;
    if !plain.is_empty() {
        let (n, len) = (slide.half as usize, samples.len());
        let reach = (n + 1) * C;
        let entering = &sums[(plain.start + n) * C..][..len];
        let leaving = &sums[(plain.start - n - 1) * C..][..len];
        // Every plain window but the last has both end columns in the row
        // and so one weight (the last one's right end column may lie past
        // the row: `Clip` weighs it less); the vectors take those.
        let inverse = &row.inverse[samples.clone()];
        debug_assert!(inverse[..len - C].iter().all(|&w| w == inverse[0]));
        let mut means = TapMeans {
            lefts: &sums[samples.start - reach..][..len],
            rights: &sums[samples.start + reach..][..len],
            edge_weight: row.edge_weight,
            inverse: inverse[0],
            out: &mut out[samples.clone()],
            ahead,
        };
        let uniform = len - C;
        let done = plain_window_sums::<C>(
            isa,
            &entering[..uniform],
            &leaving[..uniform],
            &mut acc[..C],
            &mut means,
        );
        let TapMeans {
            lefts,
            rights,
            out: plain_out,
            ..
        } = means;
        for i in done..len {
            let ch = i % C;
            acc[ch] = acc[ch].wrapping_add(entering[i]).wrapping_sub(leaving[i]);
            let taps = lefts[i] + rights[i];
            plain_out[i] = T::from_whole(tap_mean(acc[ch], taps, row.edge_weight, inverse[i]));
        }
    }
    horizontal_finish(&sums[..row_len], identity, slide, steps, C, window, None, acc);
    for i in (0..samples.start).chain(samples.end..row_len) {
        let (left, right) = steps.outer[i / C];
        let tap = |m: Option<usize>| m.map_or(0, |m| sums[m * C + i % C]);
        out[i] = T::from_whole(tap_mean(
            window[i],
            tap(left) + tap(right),
            row.edge_weight,
            row.inverse[i],
        ));
    }
}

/// [`fixed_point_means_of`]'s means of the plain windows' sums with their
/// end columns (`lefts[i] + rights[i]`) to `out`, asking the cache for a
/// line of the rows `ahead` per line of samples.
struct TapMeans<'a, T> {
    lefts: &'a [u32],
    rights: &'a [u32],
    edge_weight: f32,
    /// The plain windows' inverse weight (see [`FixedPointRow`]).
    inverse: f32,
    out: &'a mut [T],
    ahead: [&'a [T]; 2],
}

impl<T: Sample> PlainMeans for TapMeans<'_, T> {
    #[inline(always)]
    fn write<L: Lanes>(&mut self, lanes: L, i: usize, sums: L::Ints) {
        crate::cache::prefetch_rows(&self.ahead, i, L::LANES);
        let taps = lanes.load(&self.lefts[i..]) + lanes.load(&self.rights[i..]);
        let inverse = lanes.splat_floats(self.inverse);
        let means = tap_means_lanes(lanes, sums, taps, self.edge_weight, inverse);
        for (out, mean) in self.out[i..][..L::LANES].iter_mut().zip(lanes.values(means)) {
            *out = T::from_whole(mean);
        }
    }
}

/// Sets the last pixel of `row` (a row of sums of `channels` channels and
/// one more pixel) to pixel `past`, the one the border rule reads beyond
/// the row's end (0 where it reads none), so that plain windows find
/// their end taps by offset alone.
#[inline(always)]
fn with_past(row: &mut [u32], channels: usize, past: Option<usize>) {
    let (sums, beyond) = row.split_at_mut(row.len() - channels);
    match past {
        Some(m) => beyond.copy_from_slice(&sums[m * channels..(m + 1) * channels]),
        None => beyond.fill(0),
    }
}

/// Per sample, 1 / the blended weight of an output row's windows, in the
/// form its means take: computed again only where the row's weight
/// changes (the rows whose windows the border clips).
struct RowInverses<F> {
    /// Per sample, the blended weight along the row.
    weight_x: Vec<f64>,
    weight_y: f64,
    inverse: Vec<f32>,
    /// The inverse of the weights of a row and a column.
    of_weights: F,
    /// n and f, the blended weight along the columns' parameters.
    taps: (i64, f64),
    rows_slide: Slide,
}

impl<F: Fn(f64, f64) -> f32> RowInverses<F> {
    fn new<T: Sample>(strips: &BoxStrips<'_, T>, f: f64, of_weights: F) -> Self {
        let (n, channels, cols) = (strips.taps.inner, strips.channels, &strips.cols_slide);
        let weight_x: Vec<f64> = (0..cols.len * channels)
            .map(|i| blended_weight(cols, n, f, i / channels))
            .collect();
        RowInverses {
            inverse: vec![0.0; weight_x.len()],
            weight_x,
            weight_y: f64::NAN,
            of_weights,
            taps: (n, f),
            rows_slide: strips.rows_slide,
        }
    }

    /// The inverses of output row `y`.
    fn of_row(&mut self, y: usize) -> &[f32] {
        let (n, f) = self.taps;
        let weight_y = blended_weight(&self.rows_slide, n, f, y);
        if weight_y != self.weight_y {
            self.weight_y = weight_y;
            for (inverse, &weight_x) in self.inverse.iter_mut().zip(&self.weight_x) {
                *inverse = (self.of_weights)(weight_y, weight_x);
            }
        }
        &self.inverse
    }
}

/// 1 / the weight of a window of `weight_y` rows and `weight_x` columns,
/// as [`parts_mean`] takes it.
#[inline(always)]
fn parts_inverse(weight_y: f64, weight_x: f64) -> f32 {
    (1.0 / (weight_y * weight_x)) as f32
}

/// The mean of an [`IntegerBlend::Parts`] window from its parts (`sums`,
/// `ends`, `taps`, `end_taps`: see [`BlendParts`]), rounded (ties up):
/// the n window plus f times its end rows, plus f times its end columns
/// (with their end rows). The scalar twin of [`parts_means_lanes`]: the
/// same `f32` operations in the same order, so the same values.
#[inline(always)]
fn parts_mean(parts: [u32; 4], edge_weight: f32, inverse: f32) -> u32 {
    let [sums, ends, taps, end_taps] = parts.map(|part| part as i32 as f32);
    let sum = sums + edge_weight * ends;
    let taps = taps + edge_weight * end_taps;
    ((sum + edge_weight * taps) * inverse + 0.5) as u32
}

/// [`parts_mean`] on vectors of lanes.
#[inline(always)]
fn parts_means_lanes<L: Lanes>(lanes: L, parts: [L::Ints; 4], edge_weight: f32, inverse: L::Floats) -> L::Ints {
    let [sums, ends, taps, end_taps] = parts.map(|part| lanes.to_floats(part));
    let f = lanes.splat_floats(edge_weight);
    let sum = sums + f * ends;
    let taps = taps + f * end_taps;
    lanes.truncate((sum + f * taps) * inverse + lanes.splat_floats(0.5))
}

/// What [`parts_means`] needs of an output row: the `u32` sums of the
/// [`BlendParts`] of its windows.
struct PartsRow<'a> {
    /// The column sums of the n window, then the pixel past the row's end.
    columns: &'a [u32],
    /// The sums of the window's two end rows, per column, then idem.
    ends: &'a [u32],
    /// The horizontal window sums of `ends`, of half-width n.
    ends_window: &'a [u32],
    edge_weight: f32,
    /// Per sample, 1 / the blended window's weight ([`parts_inverse`]).
    inverse: &'a [f32],
}

/// The horizontal windows of one row of [`PartsRow`] column sums and
/// their means into `out`: [`parts_means_of`] for 1 to 4 channels, one
/// sample at a time for more.
#[inline(always)]
fn parts_means<T: Sample>(
    isa: Isa,
    row: &PartsRow<'_>,
    axis: (&Slide, &AxisSteps),
    channels: usize,
    window: &mut [u32],
    out: &mut [T],
    ahead: [&[T]; 2],
) {
    match channels {
        1 => parts_means_of::<T, 1>(isa, row, axis, window, out, ahead),
        2 => parts_means_of::<T, 2>(isa, row, axis, window, out, ahead),
        3 => parts_means_of::<T, 3>(isa, row, axis, window, out, ahead),
        4 => parts_means_of::<T, 4>(isa, row, axis, window, out, ahead),
        _ => parts_means_scalar(row, axis, channels, window, out),
    }
}

/// [`parts_means`] one sample at a time: the window sums of the whole row
/// into `window`, then each mean ([`parts_edge_means`]). The scalar twin
/// of [`parts_means_of`].
fn parts_means_scalar<T: Sample>(
    row: &PartsRow<'_>,
    (slide, steps): (&Slide, &AxisSteps),
    channels: usize,
    window: &mut [u32],
    out: &mut [T],
) {
    let row_len = out.len();
    horizontal(&row.columns[..row_len], |sum| sum, slide, steps, channels, window, None);
    parts_edge_means(row, steps, channels, window, out, 0..row_len);
}

/// [`parts_means`] for `C` channels: over the plain steps the exact `u32`
/// running sums of the column sums go sixteen at a time
/// ([`plain_window_sums`]) straight to their means ([`PartsMeans`]); the
/// windows before and after them through `window` (scratch of a row), one
/// sample at a time, with the end columns the border rule reads. Asks the
/// cache for the rows `ahead` as it goes.
#[inline(always)]
fn parts_means_of<T: Sample, const C: usize>(
    isa: Isa,
    row: &PartsRow<'_>,
    (slide, steps): (&Slide, &AxisSteps),
    window: &mut [u32],
    out: &mut [T],
    ahead: [&[T]; 2],
) {
    let identity = |sum: u32| sum;
    let row_len = slide.len * C;
    let columns = row.columns;
    let plain = plain_steps(slide);
    let mut acc = horizontal_start(&columns[..row_len], identity, slide, steps, C, window);
    let samples = plain.start * C..plain.end * C;
    if !plain.is_empty() {
        let (n, len) = (slide.half as usize, samples.len());
        let entering = &columns[(plain.start + n) * C..][..len];
        let leaving = &columns[(plain.start - n - 1) * C..][..len];
        let mut means = PartsMeans {
            row,
            first: samples.start,
            reach: (n + 1) * C,
            out: &mut out[samples.clone()],
            ahead,
        };
        let done = plain_window_sums::<C>(isa, entering, leaving, &mut acc[..C], &mut means);
        for i in done..len {
            let ch = i % C;
            acc[ch] = acc[ch].wrapping_add(entering[i]).wrapping_sub(leaving[i]);
            window[samples.start + i] = acc[ch];
        }
        parts_edge_means(row, steps, C, window, out, samples.start + done..samples.end);
    }
    horizontal_finish(&columns[..row_len], identity, slide, steps, C, window, None, acc);
    parts_edge_means(row, steps, C, window, out, 0..samples.start);
    parts_edge_means(row, steps, C, window, out, samples.end..row_len);
}

/// The means of the samples `range` of a [`PartsRow`] from their window
/// sums `window`, one at a time, with the end columns the border rule
/// reads.
#[inline(always)]
fn parts_edge_means<T: Sample>(
    row: &PartsRow<'_>,
    steps: &AxisSteps,
    channels: usize,
    window: &[u32],
    out: &mut [T],
    range: Range<usize>,
) {
    for i in range {
        let (left, right) = steps.outer[i / channels];
        let taps = |sums: &[u32]| {
            let tap = |m: Option<usize>| m.map_or(0, |m| sums[m * channels + i % channels]);
            tap(left) + tap(right)
        };
        let parts = [window[i], row.ends_window[i], taps(row.columns), taps(row.ends)];
        out[i] = T::from_whole(parts_mean(parts, row.edge_weight, row.inverse[i]));
    }
}

/// [`parts_means_of`]'s means of the plain windows' sums, whose end
/// columns lie `reach` samples either side (in the row, or for the last
/// window at the pixel past it), asking the cache for a line of the rows
/// `ahead` per line of samples.
struct PartsMeans<'a, T> {
    row: &'a PartsRow<'a>,
    /// The row's sample of the first plain window.
    first: usize,
    reach: usize,
    /// The output samples of the plain windows.
    out: &'a mut [T],
    ahead: [&'a [T]; 2],
}

impl<T: Sample> PlainMeans for PartsMeans<'_, T> {
    #[inline(always)]
    fn write<L: Lanes>(&mut self, lanes: L, i: usize, sums: L::Ints) {
        crate::cache::prefetch_rows(&self.ahead, i, L::LANES);
        let (row, at) = (self.row, self.first + i);
        let (lefts, rights) = (at - self.reach, at + self.reach);
        let taps = |sums: &[u32]| lanes.load(&sums[lefts..]) + lanes.load(&sums[rights..]);
        let parts = [
            sums,
            lanes.load(&row.ends_window[at..]),
            taps(row.columns),
            taps(row.ends),
        ];
        let inverse = lanes.load_floats(&row.inverse[at..]);
        let means = parts_means_lanes(lanes, parts, row.edge_weight, inverse);
        for (out, mean) in self.out[i..][..L::LANES].iter_mut().zip(lanes.values(means)) {
            *out = T::from_whole(mean);
        }
    }
}

/// A sample as a sum, with NaN and infinities as 0.
fn finite_sum<T: Sample, A: TableValue>(sample: T) -> A {
    let sum = A::from_sample(sample);
    if sum.to_f64().is_finite() { sum } else { A::default() }
}

/// Rows per group of the horizontal passes.
const GROUP: usize = 4;

/// `next = previous + entering - leaving`, sample by sample (a row absent
/// from the window adds or removes nothing).
#[inline(always)]
fn step_column_sums<T: Sample, A: ColumnSum>(
    isa: Isa,
    previous: &[A],
    next: &mut [A],
    entering: Option<&[T]>,
    leaving: Option<&[T]>,
    to_sum: impl Fn(T) -> A + Copy,
) {
    // `u8` rows (whose `to_sum` is the plain conversion: no NaN to drop).
    if let (Some(entering), Some(leaving)) = (entering.and_then(T::as_bytes), leaving.and_then(T::as_bytes))
        && A::step_bytes(isa, previous, next, entering, leaving)
    {
        return;
    }
    match (entering, leaving) {
        (Some(entering), Some(leaving)) => {
            let samples = entering.iter().zip(leaving);
            for ((next, previous), (&e, &l)) in next.iter_mut().zip(previous).zip(samples) {
                *next = previous.add(to_sum(e)).sub(to_sum(l));
            }
        }
        (Some(entering), None) => {
            for ((next, previous), &e) in next.iter_mut().zip(previous).zip(entering) {
                *next = previous.add(to_sum(e));
            }
        }
        (None, Some(leaving)) => {
            for ((next, previous), &l) in next.iter_mut().zip(previous).zip(leaving) {
                *next = previous.sub(to_sum(l));
            }
        }
        (None, None) => next.copy_from_slice(previous),
    }
}

/// [`ColumnSum::step_bytes`] for `u32` sums, sixteen samples at a time:
/// the differences of the entering and leaving bytes widened to 32 bits
/// ([`ByteLanes`]) and added with wrapping (which is exact for the sums, as
/// the scalar form's wrapping adds are). The compiler's own vectorisation
/// of the scalar loop widened four bytes per load. In AVX-512 where `isa`
/// calls for the strip's AVX-512 copy (`wide`'s 16-lane types compile to
/// four SSE2 vectors in a portable build even inside it).
#[inline(always)]
fn step_bytes_u32(isa: Isa, previous: &[u32], next: &mut [u32], entering: &[u8], leaving: &[u8]) {
    let len = next.len().min(previous.len()).min(entering.len()).min(leaving.len());
    let rows = (&previous[..len], &mut next[..len], &entering[..len], &leaving[..len]);
    let vectors = 'vectors: {
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = isa.avx512_copy_lanes() {
            break 'vectors step_bytes_in_lanes(lanes, rows);
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = isa.avx2_copy_lanes() {
            break 'vectors step_bytes_in_lanes(lanes, rows);
        }
        let _ = isa;
        step_bytes_in_lanes(Portable::<wide::i32x16>::new(), rows)
    };
    for i in vectors..len {
        next[i] = previous[i]
            .wrapping_add(entering[i] as u32)
            .wrapping_sub(leaving[i] as u32);
    }
}

/// [`step_bytes_u32`] a vector of `lanes` at a time, over rows of one
/// length; returns how many samples it did (the most whole vectors).
#[inline(always)]
fn step_bytes_in_lanes<L: ByteLanes>(
    lanes: L,
    (previous, next, entering, leaving): (&[u32], &mut [u32], &[u8], &[u8]),
) -> usize {
    let n = L::LANES;
    let vectors = next.len() / n * n;
    let chunks = next[..vectors]
        .chunks_exact_mut(n)
        .zip(previous[..vectors].chunks_exact(n))
        .zip(
            entering[..vectors]
                .chunks_exact(n)
                .zip(leaving[..vectors].chunks_exact(n)),
        );
    for ((next, previous), (entering, leaving)) in chunks {
        let sums = lanes.load(previous) + lanes.byte_differences(entering, leaving);
        lanes.store(sums, next);
    }
    vectors
}

/// The differences of the entering and leaving column sums at `i`, a
/// vector of `lanes`.
#[inline(always)]
fn column_differences<L: Lanes>(lanes: L, entering: &[u32], leaving: &[u32], i: usize) -> L::Ints {
    lanes.load(&entering[i..][..L::LANES]) - lanes.load(&leaving[i..][..L::LANES])
}

/// [`window_means_short`]'s means of the plain windows' sums, all of one
/// `weight` (with its short inverse), to `out`, asking the cache for a
/// line of the rows `ahead` per line of samples.
struct ShortMeans<'a, T> {
    weight: u32,
    inverse: f32,
    out: &'a mut [T],
    ahead: [&'a [T]; 2],
}

impl<T: Sample> PlainMeans for ShortMeans<'_, T> {
    #[inline(always)]
    fn write<L: Lanes>(&mut self, lanes: L, i: usize, sums: L::Ints) {
        crate::cache::prefetch_rows(&self.ahead, i, L::LANES);
        let (weights, inverses) = (lanes.splat(self.weight as i32), lanes.splat_floats(self.inverse));
        let means = quotient::quotient_rounded_up_lanes(lanes, sums, weights, inverses);
        for (out, mean) in self.out[i..][..L::LANES].iter_mut().zip(lanes.values(means)) {
            *out = T::from_whole(mean);
        }
    }
}

/// What the running sums of the plain windows go to, a vector at a time
/// ([`plain_window_sums`]).
trait PlainMeans {
    /// Takes the window sums of samples `i..i + L::LANES`, a vector of `lanes`.
    fn write<L: Lanes>(&mut self, lanes: L, i: usize, sums: L::Ints);
}

/// The window sums of the plain windows of a row of `u32` column sums
/// (`C` channels) to `means`, sixteen at a time, from the differences of
/// the `entering` and `leaving` column sums (of one length) and the sums
/// before them, `acc` ([`crate::prefix::difference_sums_u32`]; in the
/// strip's AVX-512 copy [`crate::arch::avx512::difference_sums_u32`]).
/// Returns how many samples it did (the most sixteens) and leaves in `acc`
/// the sums after them.
#[inline(always)]
fn plain_window_sums<const C: usize>(
    isa: Isa,
    entering: &[u32],
    leaving: &[u32],
    acc: &mut [u32],
    means: &mut impl PlainMeans,
) -> usize {
    let len = entering.len().min(leaving.len());
    let windows = &mut LaneWindows {
        entering,
        leaving,
        means,
    };
    #[cfg(target_arch = "x86_64")]
    if let Some(lanes) = isa.avx512_copy_lanes() {
        return crate::arch::avx512::difference_sums_u32::<C>(lanes, len, acc, windows);
    }
    let _ = isa;
    crate::prefix::difference_sums_u32(len, acc, C, windows)
}

/// [`plain_window_sums`]'s rows as the running sums read and write them.
struct LaneWindows<'a, 'm, M> {
    entering: &'a [u32],
    leaving: &'a [u32],
    means: &'m mut M,
}

/// The vectors of a portable build's windows.
const PORTABLE: Portable<wide::i32x16> = Portable::new();

impl<M: PlainMeans> crate::arch::U32DifferenceRow for LaneWindows<'_, '_, M> {
    #[inline(always)]
    fn differences(&mut self, i: usize) -> [u32; LANES] {
        let mut differences = [0; LANES];
        PORTABLE.store(
            column_differences(PORTABLE, self.entering, self.leaving, i),
            &mut differences,
        );
        differences
    }

    #[inline(always)]
    fn sums(&mut self, i: usize, sums: [u32; LANES]) {
        self.means.write(PORTABLE, i, PORTABLE.load(&sums));
    }
}

#[cfg(target_arch = "x86_64")]
impl<M: PlainMeans> crate::arch::avx512::DifferenceRow for LaneWindows<'_, '_, M> {
    #[inline(always)]
    fn differences(&mut self, lanes: crate::arch::avx512::Avx512, i: usize) -> crate::arch::avx512::Ints {
        column_differences(lanes, self.entering, self.leaving, i)
    }

    #[inline(always)]
    fn sums(&mut self, lanes: crate::arch::avx512::Avx512, i: usize, sums: crate::arch::avx512::Ints) {
        self.means.write(lanes, i, sums);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fused windows and means against the two steps they replace
    /// (`horizontal_four`, then the means of `RowMeans`): bit for bit
    /// without AVX-512, within the bound of its order of additions with it.
    fn check_window_means<T: Sample + PartialEq + std::fmt::Debug>(isa: Isa) {
        let mut next_number = crate::test_numbers(0x2545_f491_4f6c_dd1d);
        let borders = crate::PLAIN_BORDERS;
        for (len, half, channels, border) in (1..=23usize).flat_map(|len| {
            [0i64, 1, 2, 5, 11, 30].into_iter().flat_map(move |half| {
                [1usize, 2]
                    .into_iter()
                    .flat_map(move |c| borders.map(|b| (len, half, c, b)))
            })
        }) {
            let slide = Slide { border, half, len };
            let steps = AxisSteps::new(&slide, false);
            let row_len = len * channels;
            let weight_x: Vec<f64> = (0..row_len).map(|i| axis_weight(&slide, half, i / channels)).collect();
            // Column sums with fractions, some large, so that roundings
            // differ; or whole (exact in any order of additions).
            let whole = next_number().is_multiple_of(2);
            let sums: [Vec<f64>; 4] = std::array::from_fn(|_| {
                (0..row_len)
                    .map(|_| (next_number() % 2_000_001) as f64 / if whole { 1.0 } else { 7.0 } - 1e5)
                    .collect()
            });
            let weight_y = [3.0, 2.0 * half as f64 + 1.0, 1.0, 2.0 * half as f64 + 1.0];
            let rows = RowGroup {
                slide: &slide,
                steps: &steps,
                channels,
                weight_x: &weight_x,
                weight_y,
                end_taps: EndTaps::NONE,
                isa,
            };
            let inputs = [&sums[0][..], &sums[1][..], &sums[2][..], &sums[3][..]];
            // Rows to ask the cache for: hints only, whatever they hold.
            let sums_ahead = vec![T::default(); row_len];
            let mut scratch: [Vec<f64>; 4] = std::array::from_fn(|_| vec![0.0; row_len]);
            let mut fused: [Vec<T>; 4] = std::array::from_fn(|_| vec![T::default(); row_len]);
            let [s0, s1, s2, s3] = &mut scratch;
            let [f0, f1, f2, f3] = &mut fused;
            assert!(f64::window_means_four(
                inputs,
                &rows,
                [&mut s0[..], &mut s1[..], &mut s2[..], &mut s3[..]],
                [&mut f0[..], &mut f1[..], &mut f2[..], &mut f3[..]],
                [[&sums_ahead[..]; 2]; 4],
            ));
            let mut windows: [Vec<f64>; 4] = std::array::from_fn(|_| vec![0.0; row_len]);
            let [w0, w1, w2, w3] = &mut windows;
            horizontal_four(
                inputs,
                |sum| sum,
                &slide,
                &steps,
                channels,
                [&mut w0[..], &mut w1[..], &mut w2[..], &mut w3[..]],
            );
            let mut row_means = RowMeans::new(Isa::target(), &weight_x, false, f64::MAX);
            for r in 0..4 {
                row_means.set_row(weight_y[r]);
                let mut expect = vec![T::default(); row_len];
                f64::means(&windows[r], &mut row_means, &mut expect);
                let case = format!("{len} x {channels}, half {half}, {border:?}, row {r}");
                if whole || !isa.avx512() {
                    assert_eq!(fused[r], expect, "{case}");
                } else {
                    // The vector form adds in another order (see
                    // `difference_sums_f64_rows`): window sums within 8 ε
                    // of the magnitudes added (each below 2e5, two per
                    // step), then one f32 rounding of the mean.
                    let bound = 8.0 * f64::EPSILON * 2e5 * (2.0 * len as f64 + 2.0 * half as f64 + 2.0);
                    for (i, (got, want)) in fused[r].iter().zip(&expect).enumerate() {
                        let weight = weight_y[r] * weight_x[i];
                        let error = (got.to_f64() - want.to_f64()).abs() * weight;
                        assert!(
                            error <= bound + want.to_f64().abs() * weight * 1e-7,
                            "{case}, sample {i}: {got:?} vs {want:?}"
                        );
                    }
                }
            }
        }
    }

    /// The means of a fractional radius's windows (`window_means_four`
    /// with end taps, and its form for more channels) against their
    /// definition (each window's columns weighed one by one through the
    /// border rule), and the vector form (AVX-512 where the CPU has it)
    /// against the scalar one: whole-number column sums add exactly in any
    /// order, so both forms must give the same bits.
    #[test]
    fn end_tap_window_means_equal_their_definition_and_their_scalar_form() {
        let mut next_number = crate::test_numbers(0x1f83_d9ab_fb41_bd6b);
        let borders = crate::PLAIN_BORDERS;
        let f = 0.375;
        for len in 1..=40usize {
            for half in [0i64, 1, 2, 5] {
                for channels in [1usize, 2, 3, 4, 6] {
                    for border in borders {
                        let slide = Slide { border, half, len };
                        let steps = AxisSteps::new(&slide, true);
                        let row_len = len * channels;
                        let pixel = |i: usize| i / channels;
                        let blend_x: Vec<f64> = (0..row_len)
                            .map(|i| {
                                (1.0 - f) * axis_weight(&slide, half, pixel(i))
                                    + f * axis_weight(&slide, half + 1, pixel(i))
                            })
                            .collect();
                        let inverse_x: Vec<f64> = blend_x.iter().map(|w| 1.0 / w).collect();
                        // Each row with the pixel the border reads past its end.
                        let sums: [Vec<f64>; 4] = std::array::from_fn(|_| {
                            let mut row: Vec<f64> =
                                (0..row_len).map(|_| (next_number() % 100_001) as f64 - 5e4).collect();
                            let past = match slide.read(len as i64) {
                                Some(m) => row[m * channels..(m + 1) * channels].to_vec(),
                                None => vec![0.0; channels],
                            };
                            row.extend(past);
                            row
                        });
                        let weight_y = [3.0, 1.75, 1.0, 7.5];
                        let means_with = |isa: Isa| {
                            let rows = RowGroup {
                                slide: &slide,
                                steps: &steps,
                                channels,
                                weight_x: &blend_x,
                                weight_y,
                                end_taps: EndTaps {
                                    weight: f,
                                    inverse_x: &inverse_x,
                                },
                                isa,
                            };
                            let mut window: [Vec<f64>; 4] = std::array::from_fn(|_| vec![0.0; row_len]);
                            let mut out: [Vec<f64>; 4] = std::array::from_fn(|_| vec![f64::NAN; row_len]);
                            let [w0, w1, w2, w3] = &mut window;
                            let [o0, o1, o2, o3] = &mut out;
                            // Rows to ask the cache for: hints only, whatever they hold.
                            let ahead = [[&sums[0][..]; 2]; 4];
                            window_means_with_end_taps(
                                [&sums[0][..], &sums[1][..], &sums[2][..], &sums[3][..]],
                                &rows,
                                [&mut w0[..], &mut w1[..], &mut w2[..], &mut w3[..]],
                                [&mut o0[..], &mut o1[..], &mut o2[..], &mut o3[..]],
                                ahead,
                            );
                            out
                        };
                        let scalar = means_with(Isa::target());
                        let vector = means_with(Isa::detect());
                        let case = format!("{len} x {channels}, half {half}, {border:?}");
                        for r in 0..4 {
                            let bits = |row: &[f64]| row.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                            assert_eq!(bits(&vector[r]), bits(&scalar[r]), "{case}, row {r}");
                            for (i, &got) in scalar[r].iter().enumerate() {
                                let (x, ch) = (pixel(i) as i64, i % channels);
                                let weighed: f64 = (x - half - 1..=x + half + 1)
                                    .map(|q| {
                                        let weight = if (q - x).abs() <= half { 1.0 } else { f };
                                        slide.read(q).map_or(0.0, |m| weight * sums[r][m * channels + ch])
                                    })
                                    .sum();
                                let want = weighed / (weight_y[r] * blend_x[i]);
                                assert!(
                                    (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                                    "{case}, row {r}, sample {i}: {got} vs {want}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn fused_window_means_equal_window_sums_then_means() {
        // The build target's instruction sets, and AVX-512 where the CPU has it.
        for isa in [Isa::target(), Isa::detect()] {
            check_window_means::<f32>(isa);
            check_window_means::<f64>(isa);
        }
    }

    /// The fused `u32` windows and means of one row against the two steps
    /// they replace (`horizontal`, then the means of `RowMeans`), for `u8`
    /// samples: every length to a few vectors past the plain steps, 1-4
    /// channels, each border.
    #[test]
    fn fused_short_window_means_equal_window_sums_then_means() {
        let mut next_number = crate::test_numbers(0x3c6e_f372_fe94_f82b);
        let borders = crate::PLAIN_BORDERS;
        for len in 1..=45usize {
            for half in [0i64, 1, 2, 3, 7, 16, 30] {
                for channels in 1..=4 {
                    for border in borders {
                        let slide = Slide { border, half, len };
                        let steps = AxisSteps::new(&slide, false);
                        let row_len = len * channels;
                        let weight_x: Vec<f64> =
                            (0..row_len).map(|i| axis_weight(&slide, half, i / channels)).collect();
                        let mut row_means = RowMeans::new(Isa::target(), &weight_x, true, 255.0);
                        let weight_y = [1, 3, 2 * half as u32 + 1][next_number() as usize % 3];
                        row_means.set_row(weight_y as f64);
                        assert!(row_means.short);
                        // Column sums of `weight_y` bytes, some at the ends of their range.
                        let sums: Vec<u32> = (0..row_len)
                            .map(|_| match next_number() % 4 {
                                0 => 0,
                                1 => 255 * weight_y,
                                _ => (next_number() % (255 * weight_y as u64 + 1)) as u32,
                            })
                            .collect();
                        let mut scratch = vec![0; row_len];
                        let mut fused = vec![0u8; row_len];
                        // Rows to ask the cache for: hints only, whatever they hold.
                        let sums_ahead = vec![0u8; row_len];
                        let axis = (&slide, &steps);
                        let mut window = vec![0; row_len];
                        horizontal(&sums, |sum| sum, &slide, &steps, channels, &mut window, None);
                        let mut expect = vec![0u8; row_len];
                        u32::means(&window, &mut row_means, &mut expect);
                        for isa in [Isa::target(), Isa::detect()] {
                            fused.fill(0);
                            assert!(u32::window_means_row(
                                isa,
                                &sums,
                                axis,
                                channels,
                                &row_means,
                                &mut scratch,
                                &mut fused,
                                [&sums_ahead[..]; 2],
                            ));
                            assert_eq!(fused, expect, "{len} x {channels}, half {half}, {border:?}, {isa:?}");
                        }
                    }
                }
            }
        }
    }

    /// The fixed-point windows and means of one row (`fixed_point_means`,
    /// with the build target's vectors and with AVX-512 where the CPU has
    /// it) against their scalar twin: `horizontal`'s window sums, then
    /// `tap_mean` of each with its two end columns read through the border
    /// rule. Every length to a few vectors past the plain steps, 1-4
    /// channels, each border; sums near the top of their range.
    #[test]
    fn fixed_point_means_equal_their_scalar_twin() {
        let mut next_number = crate::test_numbers(0xa54f_f53a_5f1d_36f1);
        let borders = crate::PLAIN_BORDERS;
        for len in 1..=45usize {
            for half in [0i64, 1, 2, 3, 7, 16] {
                for channels in 1..=4 {
                    for border in borders {
                        let slide = Slide { border, half, len };
                        let steps = AxisSteps::new(&slide, true);
                        let row_len = len * channels;
                        // Column sums whose windows (2 half + 3 of them) stay below 2^31.
                        let largest = (1u64 << 31) / (2 * half as u64 + 3) - 1;
                        let mut sums: Vec<u32> = (0..row_len)
                            .map(|_| match next_number() % 4 {
                                0 => 0,
                                1 => largest as u32,
                                _ => (next_number() % (largest + 1)) as u32,
                            })
                            .collect();
                        let past: Vec<u32> = match slide.read(len as i64) {
                            Some(m) => sums[m * channels..(m + 1) * channels].to_vec(),
                            None => vec![0; channels],
                        };
                        sums.extend(past);
                        let edge_weight = [0.0625f32, 0.5, 0.984_375][next_number() as usize % 3];
                        // Means up to 255; one weight for the plain windows but
                        // the last (as the strip's weights have it), others apart.
                        let plain = plain_steps(&slide);
                        let uniform = plain.start..plain.end.saturating_sub(1);
                        let row = FixedPointRow {
                            edge_weight,
                            inverse: &(0..row_len)
                                .map(|i| {
                                    let apart = if uniform.contains(&(i / channels)) {
                                        0
                                    } else {
                                        1 + i % 3
                                    };
                                    255.0 / (largest as f32 * (2 * half + 3 + apart as i64) as f32)
                                })
                                .collect::<Vec<f32>>(),
                        };
                        let mut window = vec![0; row_len];
                        horizontal(&sums[..row_len], |sum| sum, &slide, &steps, channels, &mut window, None);
                        let expect: Vec<u8> = (0..row_len)
                            .map(|i| {
                                let (left, right) = steps.outer[i / channels];
                                let tap = |m: Option<usize>| m.map_or(0, |m| sums[m * channels + i % channels]);
                                let mean = tap_mean(window[i], tap(left) + tap(right), edge_weight, row.inverse[i]);
                                assert!(mean <= 255, "{mean}");
                                mean as u8
                            })
                            .collect();
                        // Rows to ask the cache for: hints only, whatever they hold.
                        let ahead = vec![0u8; row_len];
                        for isa in [Isa::target(), Isa::detect()] {
                            let mut scratch = vec![0; row_len];
                            let mut got = vec![0u8; row_len];
                            let axis = (&slide, &steps);
                            fixed_point_means(
                                isa,
                                &sums,
                                axis,
                                channels,
                                &row,
                                &mut scratch,
                                &mut got,
                                [&ahead[..]; 2],
                            );
                            assert_eq!(got, expect, "{len} x {channels}, half {half}, {border:?}, {isa:?}");
                        }
                    }
                }
            }
        }
    }

    /// Which requests the fixed-point form serves: `u8` of 1 to 4 channels
    /// with fractional radii up to several hundred; not whole radii, other
    /// channel counts, `u16` (too few bits left for f) or floats.
    #[test]
    fn fixed_point_serves_fractional_u8_radii() {
        let taps = |radius: f32| BoxTaps::new(radius);
        for channels in 1..=4 {
            for radius in [0.25, 1.5, 16.5, 100.75, 600.5] {
                let fixed_point = FixedPoint::new::<u8>(taps(radius), channels);
                assert!(fixed_point.is_some(), "{radius}, {channels} channels");
            }
            assert!(FixedPoint::new::<u8>(taps(16.0), channels).is_none());
            assert!(FixedPoint::new::<u8>(taps(2000.5), channels).is_none());
            assert!(FixedPoint::new::<u16>(taps(1.5), channels).is_none());
            assert!(FixedPoint::new::<f32>(taps(1.5), channels).is_none());
        }
        assert!(FixedPoint::new::<u8>(taps(1.5), 5).is_none());
    }

    /// A strided output of a fractional radius (its rows through a
    /// buffer) gets the same values as a contiguous one, for `u8` of 1 to
    /// 4 channels in the fixed-point form.
    #[test]
    fn strided_fixed_point_output_equals_contiguous_output() {
        use crate::Filter;
        let mut next = crate::test_numbers(0x2f3b_6ab9_c7a5_1e03);
        for channels in 1..=4 {
            let (height, width) = (57, 41);
            let image = ndarray::Array3::from_shape_fn((height, width, channels), |_| next() as u8);
            let params =
                crate::Params::new(crate::Kernel::Box, crate::Size::Uniform(2.625)).with_border(Border::Reflect);
            let contiguous = crate::RunningSum.apply(image.view(), &params).expect("contiguous");
            let mut wide = ndarray::Array3::from_elem((height, 2 * width, channels), 7u8);
            let strided = wide.slice_mut(ndarray::s![.., ..;2, ..]);
            crate::RunningSum
                .apply_into(image.view(), &params, strided)
                .expect("strided");
            assert_eq!(wide.slice(ndarray::s![.., ..;2, ..]), contiguous, "{channels} channels");
        }
    }

    /// The fixed-point form's rounding of f where it is coarsest (radii of
    /// several hundred) keeps the `u8` means within 1 of the exact ones:
    /// those of the same samples as `u16`, which take the `f64` form.
    #[test]
    fn coarse_fixed_point_means_stay_within_one_of_exact_means() {
        use crate::Filter;
        let mut next = crate::test_numbers(0x6c44_198c_4a47_5817);
        for (radius, channels) in [(300.5f32, 1), (600.25, 3), (450.875, 4)] {
            assert!(FixedPoint::new::<u8>(BoxTaps::new(radius), channels).is_some());
            let height = 8 * (radius as usize + 1) + 5;
            let width = 7;
            // Runs of bright and dark rows, so the end rows weigh heavily.
            let image = ndarray::Array3::from_shape_fn((height, width, channels), |(y, _, _)| {
                if (y / 50) % 2 == 0 {
                    250 - (next() % 6) as u8
                } else {
                    (next() % 6) as u8
                }
            });
            let wide = image.mapv(u16::from);
            for border in [Border::Clip, Border::Reflect, Border::Wrap] {
                let params = crate::Params::new(crate::Kernel::Box, crate::Size::Uniform(radius)).with_border(border);
                let bytes = crate::RunningSum.apply(image.view(), &params).expect("u8");
                let exact = crate::RunningSum.apply(wide.view(), &params).expect("u16");
                for ((at, &b), &e) in bytes.indexed_iter().zip(&exact) {
                    assert!(
                        b.abs_diff(e as u8) <= 1,
                        "radius {radius}, {border:?}, {at:?}: {b} vs {e}"
                    );
                }
            }
        }
    }

    #[test]
    fn vector_byte_step_equals_the_scalar_step() {
        let mut next_number = crate::test_numbers(0x9e37_79b9_7f4a_7c15);
        for len in 0..=70 {
            for round in 0..10 {
                // Sums anywhere in u32 (so some wrap), and bytes at the ends
                // of their range.
                let previous: Vec<u32> = (0..len).map(|_| next_number() as u32).collect();
                let mut byte = || match next_number() % 4 {
                    0 => 0,
                    1 => 255,
                    _ => next_number() as u8,
                };
                let entering: Vec<u8> = (0..len).map(|_| byte()).collect();
                let leaving: Vec<u8> = (0..len).map(|_| byte()).collect();
                let mut scalar = vec![0; len];
                let (enter, leave) = (Some(&entering[..]), Some(&leaving[..]));
                // The generic form, one sample at a time (u16 rows take it).
                let widen = |row: &[u8]| row.iter().map(|&b| b as u16).collect::<Vec<u16>>();
                let (enter16, leave16) = (enter.map(widen), leave.map(widen));
                step_column_sums(
                    Isa::target(),
                    &previous,
                    &mut scalar,
                    enter16.as_deref(),
                    leave16.as_deref(),
                    u32::from_sample,
                );
                for isa in [Isa::target(), Isa::detect()] {
                    let mut vector = vec![0; len];
                    assert!(u32::step_bytes(isa, &previous, &mut vector, &entering, &leaving));
                    assert_eq!(vector, scalar, "{len} samples, round {round}, {isa:?}");
                }
            }
        }
    }

    #[test]
    fn vector_byte_blend_equals_the_scalar_blend() {
        let mut next_number = crate::test_numbers(0x6a09_e667_f3bc_c909);
        let taps = |radius: f32| BoxTaps::new(radius);
        // Radii whose shifts span the cap and the smallest.
        for radius in [0.5, 1.25, 3.5, 16.75, 100.5, 400.5] {
            let fixed_point = FixedPoint::new::<u8>(taps(radius), 1).expect("a u8 radius");
            assert!(fixed_point.shift <= FIXED_POINT_SHIFT && fixed_point.edge <= 1 << FIXED_POINT_SHIFT);
            // Column sums of the n window: below 255 (2n + 1).
            let largest = 255 * (2 * taps(radius).inner as u32 + 1);
            for len in 0..=70 {
                let sums: Vec<u32> = (0..len).map(|_| next_number() as u32 % (largest + 1)).collect();
                let mut byte = || match next_number() % 4 {
                    0 => 0,
                    1 => 255,
                    _ => next_number() as u8,
                };
                let top: Vec<u8> = (0..len).map(|_| byte()).collect();
                let bottom: Vec<u8> = (0..len).map(|_| byte()).collect();
                let expect: Vec<u32> = (0..len)
                    .map(|i| {
                        let ends = top[i] as u32 + bottom[i] as u32;
                        (sums[i] << fixed_point.shift) + fixed_point.edge as u32 * ends
                    })
                    .collect();
                for isa in [Isa::target(), Isa::detect()] {
                    let mut blended = vec![0; len];
                    fixed_point.blend_columns(isa, &sums, Some(&top[..]), Some(&bottom[..]), &mut blended);
                    assert_eq!(blended, expect, "radius {radius}, {len} samples, {isa:?}");
                }
            }
        }
    }

    /// The parts' means of a row (sixteen at a time over the plain steps,
    /// with the build target's vectors and with AVX-512 where the CPU has
    /// it) against their scalar twin (`horizontal`'s window sums, then
    /// `parts_mean` of each with its end columns read through the border
    /// rule), and against the exact mean of its parts within the bound of
    /// `IntegerBlend::Parts`. Every length to a few vectors past the plain
    /// steps, 1-5 channels, each border; sums near the top of their range.
    #[test]
    fn parts_means_equal_their_scalar_twin() {
        let mut next_number = crate::test_numbers(0x3c6e_f372_fe94_f82b);
        for len in 1..=45usize {
            for half in [0i64, 1, 2, 7, 16] {
                for channels in 1..=5 {
                    for border in crate::PLAIN_BORDERS {
                        let slide = Slide { border, half, len };
                        let steps = AxisSteps::new(&slide, true);
                        let row_len = len * channels;
                        // Rows of samples up to u16::MAX, as the sums of
                        // 2 half + 1 rows (columns) and of two rows (ends).
                        let top = u16::MAX as u64;
                        let mut sample_row = |rows: u64| -> Vec<u32> {
                            (0..row_len)
                                .map(|_| match next_number() % 4 {
                                    0 => 0,
                                    1 => (rows * top) as u32,
                                    _ => (next_number() % (rows * top + 1)) as u32,
                                })
                                .collect()
                        };
                        let and_past = |mut row: Vec<u32>| {
                            let past: Vec<u32> = match slide.read(len as i64) {
                                Some(m) => row[m * channels..(m + 1) * channels].to_vec(),
                                None => vec![0; channels],
                            };
                            row.extend(past);
                            row
                        };
                        let columns = and_past(sample_row(2 * half as u64 + 1));
                        let ends = and_past(sample_row(2));
                        let mut ends_window = vec![0; row_len];
                        horizontal(
                            &ends[..row_len],
                            |sum| sum,
                            &slide,
                            &steps,
                            channels,
                            &mut ends_window,
                            None,
                        );
                        let edge_weight = [0.0625f32, 0.5, 0.984_375][next_number() as usize % 3];
                        let weight = |p: usize| blended_weight(&slide, half, edge_weight as f64, p);
                        let weight_y = (2 * half + 1) as f64 + 2.0 * edge_weight as f64;
                        let inverse: Vec<f32> = (0..row_len)
                            .map(|i| parts_inverse(weight_y, weight(i / channels)))
                            .collect();
                        let row = PartsRow {
                            columns: &columns,
                            ends: &ends,
                            ends_window: &ends_window,
                            edge_weight,
                            inverse: &inverse,
                        };
                        let axis = (&slide, &steps);
                        let mut scratch = vec![0; row_len];
                        let mut expect = vec![0u16; row_len];
                        parts_means_scalar(&row, axis, channels, &mut scratch, &mut expect);
                        // The exact means of the parts, from the window sums.
                        for (i, &got) in expect.iter().enumerate() {
                            let (left, right) = steps.outer[i / channels];
                            let taps = |sums: &[u32]| {
                                let tap =
                                    |m: Option<usize>| m.map_or(0.0, |m| sums[m * channels + i % channels] as f64);
                                tap(left) + tap(right)
                            };
                            let f = edge_weight as f64;
                            let blended =
                                scratch[i] as f64 + f * ends_window[i] as f64 + f * (taps(&columns) + f * taps(&ends));
                            let exact = blended / (weight_y * weight(i / channels));
                            // Rounding, and the bound of `IntegerBlend::Parts`.
                            assert!((got as f64 - exact).abs() < 0.5 + 0.06, "{got} against {exact}");
                        }
                        let ahead = vec![0u16; row_len];
                        for isa in [Isa::target(), Isa::detect()] {
                            let mut got = vec![0u16; row_len];
                            parts_means(isa, &row, axis, channels, &mut scratch, &mut got, [&ahead[..]; 2]);
                            assert_eq!(got, expect, "{len} x {channels}, half {half}, {border:?}, {isa:?}");
                        }
                    }
                }
            }
        }
    }
}
