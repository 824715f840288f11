//! Box blur of one uniform radius by separable running sums: a horizontal
//! pass over the rows a strip needs, then a vertical pass down the strip.
//! O(1) per pixel whatever the radius.
//!
//! Each pass slides a window of half-width n along an axis: one position
//! enters and one leaves per step, each read through the border rule
//! ([`Border::map_index`]), so every border mode and any radius (far
//! larger than the image too) costs the same. The first window of an axis is
//! counted with [`fold_interval`], in O(axis length). A fractional radius
//! n + f blends the n and n + 1 windows per axis, and the n + 1 window is the
//! n window plus its two edge positions: the column-sums path adds f times
//! the two edge positions to the n window's sums, once per axis.
//!
//! Integer samples accumulate in integers (u32 or u64, chosen so the largest
//! window sum fits; wrapping adds and subtracts are then exact), floats in
//! f64. A window sum beyond u64 (radii near 2^30 with a border that reads
//! image pixels outside the image) accumulates in f64, exact below 2^53 and within 1 LSB above. NaN and
//! infinities in float images are summed as 0 and counted apart
//! ([`crate::non_finite`]).

use std::ops::Range;

use ndarray::{ArrayView2, ArrayView3, ArrayViewMut3, Axis};
use rayon::prelude::*;

use crate::arch::Isa;
use crate::border::{Border, fold_interval};
use crate::error::Error;
use crate::filter::{Filter, Job, Request, RunSamples, Support, TypedJob};
use crate::kernel::{BoxTaps, Kernel};
use crate::non_finite::NonFinite;
use crate::sample::Sample;
use crate::strips::{Band, as_contiguous, for_each_strip, strip_rows};
use crate::table::{TableKind, TableValue};

mod column_sums;

use column_sums::{BlendParts, ColumnSum, IntegerBlend, blended_weight};

/// Exact box blur of a uniform radius by separable running sums.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunningSum;

/// A window of half-width `half` sliding along an axis of length `len`.
#[derive(Debug, Clone, Copy)]
struct Slide {
    border: Border,
    half: i64,
    len: usize,
}

impl Slide {
    /// The pixel that position `q` reads, if any.
    #[inline(always)]
    fn read(&self, q: i64) -> Option<usize> {
        if (0..self.len as i64).contains(&q) {
            Some(q as usize)
        } else {
            self.border.map_index(q, self.len)
        }
    }

    /// How often each pixel is read by the window centred on `centre`.
    fn counts(&self, centre: usize) -> Vec<(usize, u64)> {
        let mut folded = vec![0.0; self.len];
        let c = centre as i64;
        fold_interval(self.border, c - self.half, c + self.half, 1.0, &mut folded);
        // Counts are integers of at most 2 MAX_EXTENT + 1: exact in f64.
        folded
            .iter()
            .enumerate()
            .filter(|(_, w)| **w != 0.0)
            .map(|(m, w)| (m, *w as u64))
            .collect()
    }

    /// Moving the window from `centre - 1` to `centre`: the pixel that
    /// enters and the one that leaves.
    #[inline(always)]
    fn step(&self, centre: usize) -> (Option<usize>, Option<usize>) {
        let c = centre as i64;
        (self.read(c + self.half), self.read(c - self.half - 1))
    }

    /// The pixels at the two ends of the window one wider than this one.
    #[inline(always)]
    fn outer(&self, centre: usize) -> (Option<usize>, Option<usize>) {
        let c = centre as i64;
        (self.read(c - self.half - 1), self.read(c + self.half + 1))
    }

    /// Positions of the window centred on `centre` that lie in the image.
    #[inline(always)]
    fn inside(&self, centre: usize, half: i64) -> f64 {
        let c = centre as i64;
        ((c + half).min(self.len as i64 - 1) - (c - half).max(0) + 1) as f64
    }
}

/// What a window sliding along an axis reads, worked out once for every
/// row: border reads cost a division for the periodic borders, and a
/// window far past the image reads through the border rule at every step.
struct AxisSteps {
    /// How often each pixel is read by the first window (centre 0).
    first: Vec<(usize, u64)>,
    /// Per centre x: the pixel that enters and the one that leaves when the
    /// window moves from x - 1 to x (centre 0: unused).
    steps: Vec<(Option<usize>, Option<usize>)>,
    /// Per centre: the pixels at the two ends of the window one wider.
    outer: Vec<(Option<usize>, Option<usize>)>,
}

impl AxisSteps {
    fn new(slide: &Slide, fractional: bool) -> Self {
        AxisSteps {
            first: slide.counts(0),
            steps: (0..slide.len).map(|x| slide.step(x)).collect(),
            outer: if fractional {
                (0..slide.len).map(|x| slide.outer(x)).collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// Adds `row` to `acc`, element by element.
#[inline(always)]
fn add_row<A: TableValue>(acc: &mut [A], row: &[A]) {
    acc.iter_mut().zip(row).for_each(|(a, &r)| *a = a.add(r));
}

/// Subtracts `row` from `acc`, element by element.
#[inline(always)]
fn sub_row<A: TableValue>(acc: &mut [A], row: &[A]) {
    acc.iter_mut().zip(row).for_each(|(a, &r)| *a = a.sub(r));
}

/// The horizontal pass over one image row: window sums of half-width n
/// (`inner`) and, for a fractional radius, n + 1 (`outer`), per pixel and channel.
fn horizontal<S: Copy, A: TableValue>(
    pixels: &[S],
    to_acc: impl Fn(S) -> A + Copy,
    slide: &Slide,
    steps: &AxisSteps,
    channels: usize,
    inner: &mut [A],
    outer: Option<&mut [A]>,
) {
    let mut acc = horizontal_start(pixels, to_acc, slide, steps, channels, inner);
    middle_differences(pixels, to_acc, slide, channels, inner);
    let plain = plain_steps(slide);
    let middle = &mut inner[plain.start * channels..plain.end * channels];
    A::running_sums(middle, &mut acc, channels);
    horizontal_finish(pixels, to_acc, slide, steps, channels, inner, outer, acc);
}

/// The horizontal pass over four rows at once (each row's `pixels` to its
/// `inner`): the running sums of the rows interleave, so four independent
/// additions are in flight where one row has a chain of dependent ones
/// (an `f64` addition waits for the previous one).
fn horizontal_four<S: Copy, A: TableValue>(
    pixels: [&[S]; 4],
    to_acc: impl Fn(S) -> A + Copy,
    slide: &Slide,
    steps: &AxisSteps,
    channels: usize,
    inner: [&mut [A]; 4],
) {
    let [i0, i1, i2, i3] = inner;
    let mut accs = [0, 1, 2, 3].map(|_| [A::default(); crate::MAX_CHANNELS]);
    for (acc, (row, out)) in accs
        .iter_mut()
        .zip(pixels.iter().zip([&mut *i0, &mut *i1, &mut *i2, &mut *i3]))
    {
        *acc = horizontal_start(row, to_acc, slide, steps, channels, out);
        middle_differences(row, to_acc, slide, channels, out);
    }
    let plain = plain_steps(slide);
    let samples = plain.start * channels..plain.end * channels;
    let middles = [
        &mut i0[samples.clone()],
        &mut i1[samples.clone()],
        &mut i2[samples.clone()],
        &mut i3[samples],
    ];
    // Three or more channels already give as many independent chains per
    // row; interleaving rows then only spills registers (B4's RGB
    // case is slower with it), so those rows go one by one.
    // Sums that take several samples at once (`u32`) have no chain to
    // hide either; their strips never group rows (`column_strip_with`).
    match channels {
        1 => running_sums_four::<A, 1>(middles, &mut accs),
        2 => running_sums_four::<A, 2>(middles, &mut accs),
        _ => {
            for (middle, acc) in middles.into_iter().zip(&mut accs) {
                A::running_sums(middle, acc, channels);
            }
        }
    }
    for ((row, out), acc) in pixels.iter().zip([i0, i1, i2, i3]).zip(accs) {
        horizontal_finish(row, to_acc, slide, steps, channels, out, None, acc);
    }
}

/// The centres whose steps (entering x + n, leaving x - n - 1) both lie in
/// the image, so need no border rule.
fn plain_steps(slide: &Slide) -> Range<usize> {
    let n = slide.half;
    let start = ((n + 1) as usize).min(slide.len);
    let end = (slide.len as i64 - n).max(0) as usize;
    start..end.max(start)
}

/// The first part of [`horizontal`]: the window sums before the plain
/// steps into `inner`. Returns the sums of the window before the plain
/// steps.
#[inline(always)]
fn horizontal_start<S: Copy, A: TableValue>(
    pixels: &[S],
    to_acc: impl Fn(S) -> A + Copy,
    slide: &Slide,
    steps: &AxisSteps,
    c: usize,
    inner: &mut [A],
) -> [A; crate::MAX_CHANNELS] {
    let sample = |m: usize, ch: usize| to_acc(pixels[m * c + ch]);
    let mut acc = [A::default(); crate::MAX_CHANNELS];
    for &(m, count) in &steps.first {
        for (ch, a) in acc[..c].iter_mut().enumerate() {
            *a = a.add(sample(m, ch).times(count));
        }
    }
    let plain = plain_steps(slide);
    let head = &mut inner[..plain.start * c];
    for (x, out) in head.chunks_exact_mut(c).enumerate() {
        if x > 0 {
            border_step(&sample, steps, x, &mut acc[..c]);
        }
        out.copy_from_slice(&acc[..c]);
    }
    acc
}

/// Over the plain steps, the differences of the entering and leaving
/// samples into `inner` (which [`TableValue::running_sums`] then turns into
/// window sums): a loop the compiler vectorises first, then one add per
/// sample on the dependency chain instead of two. Nothing when there are
/// no plain steps.
#[inline(always)]
fn middle_differences<S: Copy, A: TableValue>(
    pixels: &[S],
    to_acc: impl Fn(S) -> A + Copy,
    slide: &Slide,
    c: usize,
    inner: &mut [A],
) {
    let plain = plain_steps(slide);
    let n = slide.half as usize;
    let middle = &mut inner[plain.start * c..plain.end * c];
    let entering = &pixels[((plain.start + n) * c).min(pixels.len())..];
    let leaving = &pixels[(plain.start.saturating_sub(n + 1) * c).min(pixels.len())..];
    for ((out, &enter), &leave) in middle.iter_mut().zip(entering).zip(leaving) {
        *out = to_acc(enter).sub(to_acc(leave));
    }
}

/// Moves the window sums `acc` to centre `x` through the border rule.
#[inline(always)]
fn border_step<A: TableValue>(sample: &impl Fn(usize, usize) -> A, steps: &AxisSteps, x: usize, acc: &mut [A]) {
    let (enter, leave) = steps.steps[x];
    for (ch, a) in acc.iter_mut().enumerate() {
        if let Some(m) = enter {
            *a = a.add(sample(m, ch));
        }
        if let Some(m) = leave {
            *a = a.sub(sample(m, ch));
        }
    }
}

/// The last part of [`horizontal`]: the window sums after the plain steps,
/// from `acc` (the sums at the last plain step), and the n + 1 windows.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn horizontal_finish<S: Copy, A: TableValue>(
    pixels: &[S],
    to_acc: impl Fn(S) -> A + Copy,
    slide: &Slide,
    steps: &AxisSteps,
    c: usize,
    inner: &mut [A],
    outer: Option<&mut [A]>,
    mut acc: [A; crate::MAX_CHANNELS],
) {
    let sample = |m: usize, ch: usize| to_acc(pixels[m * c + ch]);
    let plain = plain_steps(slide);
    let tail = &mut inner[plain.end * c..];
    for (i, out) in tail.chunks_exact_mut(c).enumerate() {
        let x = plain.end + i;
        if x > 0 {
            border_step(&sample, steps, x, &mut acc[..c]);
        }
        out.copy_from_slice(&acc[..c]);
    }
    if let Some(outer) = outer {
        // The n + 1 window adds the positions x - n - 1 and x + n + 1: for
        // the centres where both lie in the image, a loop over slices (which
        // the compiler vectorises), elsewhere through the border rule.
        let reach = slide.half as usize + 1;
        let both_inside = reach.min(slide.len)..slide.len.saturating_sub(reach).max(reach.min(slide.len));
        for x in (0..both_inside.start).chain(both_inside.end..slide.len) {
            let (out, sums) = (&mut outer[x * c..(x + 1) * c], &inner[x * c..(x + 1) * c]);
            let (left, right) = steps.outer[x];
            for ch in 0..c {
                let mut sum = sums[ch];
                for m in [left, right].into_iter().flatten() {
                    sum = sum.add(sample(m, ch));
                }
                out[ch] = sum;
            }
        }
        let samples = both_inside.start * c..both_inside.end * c;
        let lefts = &pixels[(both_inside.start - reach.min(both_inside.start)) * c..];
        let rights = &pixels[((both_inside.start + reach) * c).min(pixels.len())..];
        let middle = outer[samples.clone()].iter_mut().zip(&inner[samples]);
        for ((out, &sum), (&left, &right)) in middle.zip(lefts.iter().zip(rights)) {
            *out = sum.add(to_acc(left)).add(to_acc(right));
        }
    }
}

/// [`TableValue::running_sums`] of four rows of equal length, interleaved.
#[inline(always)]
fn running_sums_four<A: TableValue, const C: usize>(rows: [&mut [A]; 4], accs: &mut [[A; crate::MAX_CHANNELS]; 4]) {
    let mut sums: [[A; C]; 4] = std::array::from_fn(|r| std::array::from_fn(|ch| accs[r][ch]));
    let [r0, r1, r2, r3] = rows;
    let pixels = r0
        .chunks_exact_mut(C)
        .zip(r1.chunks_exact_mut(C))
        .zip(r2.chunks_exact_mut(C).zip(r3.chunks_exact_mut(C)));
    for ((p0, p1), (p2, p3)) in pixels {
        for ch in 0..C {
            sums[0][ch] = sums[0][ch].add(p0[ch]);
            p0[ch] = sums[0][ch];
            sums[1][ch] = sums[1][ch].add(p1[ch]);
            p1[ch] = sums[1][ch];
            sums[2][ch] = sums[2][ch].add(p2[ch]);
            p2[ch] = sums[2][ch];
            sums[3][ch] = sums[3][ch].add(p3[ch]);
            p3[ch] = sums[3][ch];
        }
    }
    for (acc, sums) in accs.iter_mut().zip(sums) {
        acc[..C].copy_from_slice(&sums);
    }
}

/// Horizontal window sums of the image rows of a band (n and, if fractional, n + 1).
struct RowSums<A> {
    band: Band,
    row_len: usize,
    inner: Vec<A>,
    outer: Vec<A>,
    /// Whether the band has a NaN or infinite sample (summed as 0).
    non_finite: bool,
}

impl<A: TableValue> RowSums<A> {
    /// Sums the rows of `band` (in parallel: rows are independent, so the
    /// sums are the same for any thread count).
    fn build<T: Sample>(
        input: &ArrayView3<'_, T>,
        band: Band,
        slide: &Slide,
        steps: &AxisSteps,
        fractional: bool,
    ) -> Self {
        let (_, width, channels) = input.dim();
        let row_len = width * channels;
        let mut inner = vec![A::default(); band.len() * row_len];
        let mut outer = vec![A::default(); if fractional { band.len() * row_len } else { 0 }];
        let image_rows: Vec<usize> = band.rows().collect();
        let sum_row = |scratch: &mut (Vec<T>, Vec<T>), j: usize, inner: &mut [A], mut outer: Option<&mut [A]>| {
            let (scratch, finite_scratch) = scratch;
            let pixels = as_contiguous(input.index_axis(Axis(0), image_rows[j]), scratch);
            horizontal(
                pixels,
                A::from_sample,
                slide,
                steps,
                channels,
                inner,
                outer.as_deref_mut(),
            );
            // Every sample of the row enters the sliding sum, and a NaN or
            // infinity that entered leaves it non-finite for good (inf - inf
            // is NaN): the last window finds every such row at no cost to
            // the others. Such a row is summed again with 0 in their place.
            let last = &inner[row_len - channels..];
            if !T::TYPE.is_integer() && !last.iter().all(|s| s.to_f64().is_finite()) {
                let (pixels, had) = crate::sample::finite_row(pixels, finite_scratch);
                horizontal(pixels, A::from_sample, slide, steps, channels, inner, outer);
                return had;
            }
            false
        };
        let chunk = row_len.max(1);
        let no_scratch = || (Vec::new(), Vec::new());
        let non_finite = if fractional {
            inner
                .par_chunks_mut(chunk)
                .zip(outer.par_chunks_mut(chunk))
                .enumerate()
                .map_init(no_scratch, |scratch, (j, (inner, outer))| {
                    sum_row(scratch, j, inner, Some(outer))
                })
                .reduce(|| false, |a, b| a | b)
        } else {
            inner
                .par_chunks_mut(chunk)
                .enumerate()
                .map_init(no_scratch, |scratch, (j, inner)| sum_row(scratch, j, inner, None))
                .reduce(|| false, |a, b| a | b)
        };
        RowSums {
            band,
            row_len,
            inner,
            outer,
            non_finite,
        }
    }

    #[inline(always)]
    fn inner_row(&self, image_row: usize) -> &[A] {
        let j = self.band.index(image_row);
        &self.inner[j * self.row_len..(j + 1) * self.row_len]
    }

    #[inline(always)]
    fn outer_row(&self, image_row: usize) -> &[A] {
        let j = self.band.index(image_row);
        &self.outer[j * self.row_len..(j + 1) * self.row_len]
    }
}

/// What every strip of one request shares.
struct BoxStrips<'a, T> {
    input: ArrayView3<'a, T>,
    border: Border,
    taps: BoxTaps,
    rows_slide: Slide,
    cols_slide: Slide,
    col_steps: AxisSteps,
    /// Rows a window reaches up and down, clamped to the image.
    halo: usize,
    channels: usize,
    /// The first input row whose outputs are asked for.
    first_row: usize,
    /// How both paths blend a fractional radius of integer samples.
    integer_blend: Option<IntegerBlend>,
}

impl<'a, T: Sample> BoxStrips<'a, T> {
    fn new(job: &Job<'a, T>) -> Self {
        let [height, width, channels] = job.shape();
        let params = job.params();
        let taps = BoxTaps::new(params.size.at(0, 0));
        let border = params.border;
        let slide = |len| Slide {
            border,
            half: taps.inner,
            len,
        };
        let cols_slide = slide(width);
        BoxStrips {
            input: job.input(),
            border,
            taps,
            rows_slide: slide(height),
            col_steps: AxisSteps::new(&cols_slide, taps.edge_weight > 0.0),
            cols_slide,
            halo: (taps.extent() as usize).min(height),
            channels,
            first_row: job.rows().start,
            integer_blend: IntegerBlend::new::<T>(taps, channels, border),
        }
    }

    /// Output rows per strip: at least eight halos, so the rows summed twice
    /// (the halos between strips) stay a small part of the work.
    fn strip_rows(&self) -> usize {
        let height = self.rows_slide.len;
        strip_rows(height, self.halo).max((8 * self.halo).min(height)).max(1)
    }

    /// The general path for one strip of output `rows`: horizontal sums of
    /// the strip's band of rows (both windows of a fractional radius), then
    /// a vertical pass in blocks of columns, every mean in `f64` but those
    /// of an [`IntegerBlend`] (which the column sums compute alike).
    fn by_row_sums<A: TableValue>(&self, rows: Range<usize>, mut out_strip: ArrayViewMut3<'_, T>) {
        let (input, border, taps, channels) = (&self.input, self.border, self.taps, self.channels);
        let (rows_slide, cols_slide) = (&self.rows_slide, &self.cols_slide);
        let height = rows_slide.len;
        let (n, f) = (taps.inner, taps.edge_weight);
        let fractional = f > 0.0;
        // Per-axis weights of the blended windows, and their in-image parts.
        let full_axis = (2 * n + 1) as f64 + 2.0 * f;
        let in_axis = |slide: &Slide, p: usize| (1.0 - f) * slide.inside(p, n) + f * slide.inside(p, n + 1);
        let band = Band::of(&rows, self.halo, height, border);
        let sums = RowSums::<A>::build(input, band.clone(), cols_slide, &self.col_steps, fractional);
        // Only a band with NaN or infinities needs their counts.
        let non_finite = sums.non_finite.then(|| NonFinite::build(input, band));
        // The vertical pass, in blocks of columns: each column's sums are
        // the same whatever the blocks, and blocks keep every core busy
        // when one strip is the whole image (radii past the image).
        let block = VERTICAL_BLOCK_SAMPLES.div_ceil(channels.max(1)).max(1);
        // The strip's first vertical window, the same for every block.
        let first_rows = rows_slide.counts(rows.start);
        out_strip
            .axis_chunks_iter_mut(Axis(1), block)
            .into_par_iter()
            .enumerate()
            .for_each(|(b, mut out_block)| {
                let first_x = b * block;
                let samples = first_x * channels..(first_x + out_block.len_of(Axis(1))) * channels;
                let block_len = samples.len();
                let mut vertical = VerticalSums::first(&sums, samples.clone(), &first_rows, fractional);
                let mut row_buffer = vec![T::default(); block_len];
                let in_cols: Vec<f64> = samples.clone().map(|i| in_axis(cols_slide, i / channels)).collect();
                let blend_x: Vec<f64> = match self.integer_blend {
                    Some(blend) => samples
                        .clone()
                        .map(|i| blended_weight(cols_slide, n, blend.edge_weight(), i / channels))
                        .collect(),
                    None => Vec::new(),
                };
                let (mut num_row, mut den_row) = (vec![0.0; block_len], vec![0.0; block_len]);
                for (y, mut out_view) in rows.clone().zip(out_block.axis_iter_mut(Axis(0))) {
                    if y > rows.start {
                        vertical.slide(rows_slide.step(y));
                    }
                    if let Some(blend) = self.integer_blend {
                        let weight_y = blended_weight(rows_slide, n, blend.edge_weight(), y);
                        let contiguous = out_view.is_standard_layout();
                        let out_row: &mut [T] = match out_view.as_slice_mut() {
                            Some(slice) => slice,
                            None => &mut row_buffer,
                        };
                        vertical.integer_means(blend, rows_slide.outer(y), (weight_y, &blend_x), out_row);
                        if !contiguous {
                            let values = ArrayView2::from_shape((block_len / channels, channels), &row_buffer[..])
                                .expect("row buffer has the block's shape");
                            out_view.assign(&values);
                        }
                        continue;
                    }
                    vertical.blended(rows_slide.outer(y), f, &mut num_row);
                    let in_y = in_axis(rows_slide, y);
                    border_weights(
                        border,
                        full_axis * full_axis,
                        (in_y, &in_cols),
                        &mut num_row,
                        &mut den_row,
                    );
                    let contiguous = out_view.is_standard_layout();
                    let out_row: &mut [T] = match out_view.as_slice_mut() {
                        Some(slice) => slice,
                        None => &mut row_buffer,
                    };
                    for ((out, num), den) in out_row.iter_mut().zip(&num_row).zip(&den_row) {
                        *out = T::from_f64(num / den);
                    }
                    if let Some(non_finite) = &non_finite {
                        non_finite.patch_row(border, (y, first_x), |_| taps.extent(), out_row);
                    }
                    if !contiguous {
                        let values = ArrayView2::from_shape((block_len / channels, channels), &row_buffer[..])
                            .expect("row buffer has the block's shape");
                        out_view.assign(&values);
                    }
                }
            });
    }
}

/// The vertical running sums of one block of columns over the horizontal
/// sums of a band: of the n windows, and for a fractional radius of the
/// n + 1 windows too.
struct VerticalSums<'s, A> {
    sums: &'s RowSums<A>,
    /// The block's samples within a row.
    samples: Range<usize>,
    inner: Vec<A>,
    /// Empty for an integer radius.
    outer: Vec<A>,
}

impl<'s, A: TableValue> VerticalSums<'s, A> {
    /// The sums of the first window, whose rows (`first_rows`, each with
    /// how often the border rule reads it) are counted once per strip.
    fn first(sums: &'s RowSums<A>, samples: Range<usize>, first_rows: &[(usize, u64)], fractional: bool) -> Self {
        let block_len = samples.len();
        let mut inner = vec![A::default(); block_len];
        let mut outer = vec![A::default(); if fractional { block_len } else { 0 }];
        for &(m, count) in first_rows {
            for (a, &s) in inner.iter_mut().zip(&sums.inner_row(m)[samples.clone()]) {
                *a = a.add(s.times(count));
            }
            if fractional {
                for (a, &s) in outer.iter_mut().zip(&sums.outer_row(m)[samples.clone()]) {
                    *a = a.add(s.times(count));
                }
            }
        }
        VerticalSums {
            sums,
            samples,
            inner,
            outer,
        }
    }

    /// One step down: the row that enters and the one that leaves.
    fn slide(&mut self, (enter, leave): (Option<usize>, Option<usize>)) {
        let (sums, samples, fractional) = (self.sums, self.samples.clone(), !self.outer.is_empty());
        if let Some(m) = enter {
            add_row(&mut self.inner, &sums.inner_row(m)[samples.clone()]);
            if fractional {
                add_row(&mut self.outer, &sums.outer_row(m)[samples.clone()]);
            }
        }
        if let Some(m) = leave {
            sub_row(&mut self.inner, &sums.inner_row(m)[samples.clone()]);
            if fractional {
                sub_row(&mut self.outer, &sums.outer_row(m)[samples]);
            }
        }
    }

    /// The window sums blended for edge weight `f` into `num_row`, in f64
    /// (exact integers for an integer radius). The vertical n + 1 sums are
    /// the n sums plus the two edge rows (`edge_rows`, top and bottom, as
    /// the border rule reads them).
    fn blended(&self, edge_rows: (Option<usize>, Option<usize>), f: f64, num_row: &mut [f64]) {
        for (num, a) in num_row.iter_mut().zip(&self.inner) {
            *num = a.to_f64();
        }
        if self.outer.is_empty() {
            return;
        }
        let (sums, samples) = (self.sums, &self.samples);
        let (top, bottom) = edge_rows;
        let edge_rows = [top, bottom]
            .map(|m| m.map(|m| (&sums.inner_row(m)[samples.clone()], &sums.outer_row(m)[samples.clone()])));
        for (i, (num, outer)) in num_row.iter_mut().zip(&self.outer).enumerate() {
            let (nn, n_wide) = (*num, outer.to_f64());
            let (mut wide_n, mut wide_wide) = (nn, n_wide);
            for (inner_row, outer_row) in edge_rows.iter().flatten() {
                wide_n += inner_row[i].to_f64();
                wide_wide += outer_row[i].to_f64();
            }
            *num = (1.0 - f) * (1.0 - f) * nn + (1.0 - f) * f * (n_wide + wide_n) + f * f * wide_wide;
        }
    }
}

impl<A: TableValue> VerticalSums<'_, A> {
    /// The means of an [`IntegerBlend`] into `out`, from the exact window
    /// sums of the n and n + 1 windows along the rows and the end rows
    /// (`edge_rows`, top and bottom, as the border rule reads them), with
    /// `weight_y` rows and `weight_x` columns per sample.
    fn integer_means<T: Sample>(
        &self,
        blend: IntegerBlend,
        edge_rows: (Option<usize>, Option<usize>),
        (weight_y, weight_x): (f64, &[f64]),
        out: &mut [T],
    ) {
        let (sums, samples) = (self.sums, &self.samples);
        let (top, bottom) = edge_rows;
        let edge_rows = [top, bottom]
            .map(|m| m.map(|m| (&sums.inner_row(m)[samples.clone()], &sums.outer_row(m)[samples.clone()])));
        let windows = self.inner.iter().zip(&self.outer).zip(weight_x);
        for (i, (out, ((&inner, &outer), &weight_x))) in out.iter_mut().zip(windows).enumerate() {
            let (mut ends, mut wide_ends) = (A::default(), A::default());
            for (inner_row, outer_row) in edge_rows.iter().flatten() {
                ends = ends.add(inner_row[i]);
                wide_ends = wide_ends.add(outer_row[i]);
            }
            // Whole numbers: the n + 1 sums less the n sums are the end
            // columns' (wrapping subtraction is exact for them).
            let parts = BlendParts {
                sums: inner.to_f64(),
                ends: ends.to_f64(),
                taps: outer.sub(inner).to_f64(),
                end_taps: wide_ends.sub(ends).to_f64(),
            };
            *out = blend.mean(parts, weight_y, weight_x);
        }
    }
}

/// The border's share of a row of means: Clip divides by the in-image
/// weight (`in_y` down the columns times each column's `in_cols`), Constant
/// adds its value times the weight outside the image, the others divide by
/// the `full` weight.
fn border_weights(border: Border, full: f64, (in_y, in_cols): (f64, &[f64]), num_row: &mut [f64], den_row: &mut [f64]) {
    match border {
        Border::Clip => den_row.iter_mut().zip(in_cols).for_each(|(d, in_x)| *d = in_y * in_x),
        Border::Constant(value) => {
            for ((num, d), in_x) in num_row.iter_mut().zip(den_row.iter_mut()).zip(in_cols) {
                *num += value * (full - in_y * in_x);
                *d = full;
            }
        }
        _ => den_row.fill(full),
    }
}

/// The general path for every request.
fn run_with<T: Sample, A: TableValue>(setup: &BoxStrips<'_, T>, out: ArrayViewMut3<'_, T>) {
    for_each_strip(out, setup.first_row, setup.strip_rows(), |rows, out_strip| {
        setup.by_row_sums::<A>(rows, out_strip)
    });
}

/// The column-sums path where it serves the request (with the
/// instruction sets of `isa`), else the general one.
fn run_common<T: Sample, A: ColumnSum>(job: Job<'_, T>, mut out: ArrayViewMut3<'_, T>, isa: Isa) {
    let setup = BoxStrips::new(&job);
    if !setup.by_column_sums::<A>(isa, out.view_mut()) {
        run_with::<T, A>(&setup, out);
    }
}

/// Samples per block of columns in the vertical pass: its running sums and
/// row buffers stay in L1/L2.
const VERTICAL_BLOCK_SAMPLES: usize = 512;

/// The accumulator of the running sums for an image of `height` x `width`
/// and a box of `radius` under `border`: the narrowest integer that holds
/// the largest window sum ((2n + 3) positions per axis, or the axis length
/// where the border clips, times the sample maximum), or `f64` beyond `u64`
/// (exact below 2^53, within 1 LSB above) and for floats.
fn accumulator<T: Sample>(height: usize, width: usize, border: Border, radius: f32) -> TableKind {
    let span = (BoxTaps::new(radius).inner as u128) * 2 + 3;
    let axis = |len: usize| match border {
        Border::Clip | Border::Constant(_) => span.min(len as u128),
        _ => span,
    };
    TableKind::for_sum::<T>(axis(height) * axis(width)).unwrap_or(TableKind::Float)
}

impl Filter for RunningSum {
    fn name(&self) -> &'static str {
        "running-sum"
    }

    fn support(&self, request: &Request) -> Support {
        match (request.kernel, request.uniform_size.is_some()) {
            (Kernel::Box, true) => Support::Exact,
            (Kernel::Box, false) => Support::Unsupported("running sums need one radius for the whole image"),
            (Kernel::Gaussian, _) => Support::Unsupported("running sums compute box kernels only"),
        }
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        self.run_typed(T::typed_job(job, out))
    }
}

impl RunningSum {
    /// [`Filter::run`] for each sample type, compiled in this crate (see
    /// [`TypedJob`]).
    fn run_typed(&self, job: TypedJob<'_, '_>) -> Result<(), Error> {
        job.run_on(self)
    }
}

impl RunSamples for RunningSum {
    fn run_samples<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        run_for(job, out, Isa::detect());
        Ok(())
    }
}

/// [`RunningSum`]'s work, with the instruction sets of `isa`.
fn run_for<T: Sample>(job: Job<'_, T>, out: ArrayViewMut3<'_, T>, isa: Isa) {
    let [height, width, _] = job.shape();
    let params = job.params();
    // Float samples always sum in `f64` (`accumulator` says `Float` for
    // them), and integer samples sum in `f64` only past `u64`, where the
    // column sums do not serve them (`ColumnSum::serves`): the `const`
    // conditions keep the paths a type never takes out of its compiled
    // copies.
    match accumulator::<T>(height, width, params.border, params.size.at(0, 0)) {
        TableKind::U32 if const { T::TYPE.is_integer() } => run_common::<T, u32>(job, out, isa),
        TableKind::U64 if const { T::TYPE.is_integer() } => run_with::<T, u64>(&BoxStrips::new(&job), out),
        TableKind::Float if const { T::TYPE.is_integer() } => run_with::<T, f64>(&BoxStrips::new(&job), out),
        _ => run_common::<T, f64>(job, out, isa),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Naive, Params, Size};
    use ndarray::Array3;

    /// `RunningSum` with the instruction sets of an `Isa` of the test's choice.
    struct RunningSumWith(Isa);

    impl Filter for RunningSumWith {
        fn name(&self) -> &'static str {
            "running-sum with a chosen isa"
        }
        fn support(&self, request: &Request) -> Support {
            RunningSum.support(request)
        }
        fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
            run_for(job, out, self.0);
            Ok(())
        }
    }

    /// A strided output gets the same bits as a contiguous one (its rows
    /// take the same form of the window sums, through a buffer), for
    /// `f64` rows of one and two channels, whose sums round (in `f32`
    /// outputs a difference in the sums' last bits rarely shows).
    #[test]
    fn strided_output_equals_contiguous_output_bit_for_bit() {
        let mut next = crate::test_numbers(0xbb67_ae85_84ca_a73b);
        for (height, width, channels) in [(48, 45, 1), (53, 37, 2)] {
            let image = Array3::from_shape_fn((height, width, channels), |_| (next() % 100_000) as f64 / 7.0 - 3e3);
            let params = Params::new(Kernel::Box, Size::Uniform(3.0)).with_border(Border::Reflect);
            for isa in [Isa::target(), Isa::detect()] {
                let contiguous = RunningSumWith(isa).apply(image.view(), &params).expect("contiguous");
                let mut wide = Array3::from_elem((height, 2 * width, channels), f64::NAN);
                let strided = wide.slice_mut(ndarray::s![.., ..;2, ..]);
                RunningSumWith(isa)
                    .apply_into(image.view(), &params, strided)
                    .expect("strided");
                let strided = wide.slice(ndarray::s![.., ..;2, ..]);
                let differing = strided
                    .indexed_iter()
                    .zip(&contiguous)
                    .find(|((_, s), c)| s.to_bits() != c.to_bits());
                assert_eq!(differing, None, "{height} x {width} x {channels}, {isa:?}");
            }
        }
    }

    /// Both copies of the column-sums path (the build target's, and the
    /// AVX-512 one where the CPU has it) against `Naive`: `u8` bit for bit
    /// (and so equal to each other), `f32` within the exactness bound, 1e-6 of the value
    /// range. Images tall enough for that path (eight halos), widths past
    /// a few vectors and not multiples of them, 1-3 channels, a strided
    /// view, each border it takes.
    #[test]
    fn both_instruction_sets_equal_naive() {
        let mut next = crate::test_numbers(0x6a09_e667_f3bc_c908);
        for (height, width, channels, radius) in
            [(40, 37, 1, 2.0), (67, 53, 2, 3.0), (33, 71, 3, 1.0), (80, 29, 1, 5.0)]
        {
            for border in [
                Border::Clip,
                Border::Replicate,
                Border::Reflect,
                Border::Symmetric,
                Border::Wrap,
            ] {
                let params = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(border);
                // A wider image, of which every other column is the input.
                let bytes = Array3::from_shape_fn((height, 2 * width, channels), |_| next() as u8);
                let bytes = bytes.slice(ndarray::s![.., ..;2, ..]);
                let floats = bytes.mapv(|b| b as f32 / 255.0 - 0.25);
                let naive_bytes = Naive.apply(bytes, &params).expect("naive u8");
                let naive_floats = Naive.apply(floats.view(), &params).expect("naive f32");
                for isa in [Isa::target(), Isa::detect()] {
                    let case = format!("{height} x {width} x {channels}, radius {radius}, {border:?}, {isa:?}");
                    let got = RunningSumWith(isa).apply(bytes, &params).expect("u8");
                    assert_eq!(got, naive_bytes, "u8, {case}");
                    let got = RunningSumWith(isa).apply(floats.view(), &params).expect("f32");
                    for (g, n) in got.iter().zip(&naive_floats) {
                        assert!((g - n).abs() <= 1e-6, "f32, {case}: {g} vs {n}");
                    }
                }
            }
        }
    }

    /// One of `RunningSum`'s paths alone: the column sums (with the
    /// instruction sets of an `Isa` of the test's choice; the test fails
    /// where that path does not serve the request), or the general path
    /// (which small images, tiles and strips of a few rows take) with the
    /// sums the request gets.
    enum PathOnly {
        ColumnSums(Isa),
        General,
    }

    impl Filter for PathOnly {
        fn name(&self) -> &'static str {
            match self {
                PathOnly::ColumnSums(_) => "running-sum column sums only",
                PathOnly::General => "running-sum general path only",
            }
        }
        fn support(&self, request: &Request) -> Support {
            RunningSum.support(request)
        }
        fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
            let [height, width, _] = job.shape();
            let params = job.params();
            let setup = BoxStrips::new(&job);
            let kind = accumulator::<T>(height, width, params.border, params.size.at(0, 0));
            match (self, kind) {
                (PathOnly::ColumnSums(isa), kind) => {
                    // The sums `run_for` gives this path, and only those
                    // compiled (see there).
                    let served = match kind {
                        TableKind::U32 if const { T::TYPE.is_integer() } => setup.by_column_sums::<u32>(*isa, out),
                        TableKind::Float if const { !T::TYPE.is_integer() } => setup.by_column_sums::<f64>(*isa, out),
                        _ => false,
                    };
                    assert!(served, "the column-sums path does not serve {height} x {width}");
                }
                (PathOnly::General, TableKind::U32) if const { T::TYPE.is_integer() } => {
                    run_with::<T, u32>(&setup, out)
                }
                (PathOnly::General, TableKind::U64) if const { T::TYPE.is_integer() } => {
                    run_with::<T, u64>(&setup, out)
                }
                (PathOnly::General, _) => run_with::<T, f64>(&setup, out),
            }
            Ok(())
        }
    }

    /// Whether `got` is within the exactness bound of `naive`: 1 LSB for
    /// integer samples, 1e-6 of the value range (here 1) for floats, NaN
    /// where `Naive` has NaN.
    fn within_bound<T: Sample>(got: T, naive: T) -> bool {
        let (got, naive) = (got.to_f64(), naive.to_f64());
        let bound = if T::TYPE.is_integer() { 1.0 } else { 1e-6 };
        (got.is_nan() && naive.is_nan()) || got == naive || (got - naive).abs() <= bound
    }

    /// Fractional radii against `Naive`, for one sample type: 1 to 4
    /// channels (each with a vector form of its own) and one more, every
    /// border, widths with and without plain windows
    /// (and past a vector of eight, not a multiple of it), images tall
    /// enough for the column-sums path (which must serve them, through
    /// both instruction sets) and radii past the image (the general path).
    fn check_fractional_radii<T: Sample>(sample: impl Fn(u64) -> T) {
        let mut next = crate::test_numbers(0x510e_527f_ade6_82d1);
        let borders = crate::PLAIN_BORDERS;
        for channels in [1, 2, 3, 4, 6] {
            for width in [3, 11, 29] {
                for radius in [0.25f32, 1.5, 2.75, 3.5] {
                    let height = 37 + width % 5;
                    let image = Array3::from_shape_fn((height, width, channels), |_| sample(next()));
                    for border in borders.into_iter().chain([Border::Constant(0.5)]) {
                        let params = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(border);
                        let naive = Naive.apply(image.view(), &params).expect("naive");
                        let case = format!("{height} x {width} x {channels}, radius {radius}, {border:?}");
                        let got = RunningSum.apply(image.view(), &params).expect("running sum");
                        for (g, n) in got.iter().zip(&naive) {
                            assert!(within_bound(*g, *n), "{case}: {g:?} vs {n:?}");
                        }
                        if radius == 1.5 {
                            let far =
                                Params::new(Kernel::Box, Size::Uniform(radius + height as f32)).with_border(border);
                            let naive = Naive.apply(image.view(), &far).expect("naive, far");
                            let got = RunningSum.apply(image.view(), &far).expect("running sum, far");
                            for (g, n) in got.iter().zip(&naive) {
                                assert!(within_bound(*g, *n), "{case}, past the image: {g:?} vs {n:?}");
                            }
                        }
                        if matches!(border, Border::Constant(_)) {
                            continue;
                        }
                        for isa in [Isa::target(), Isa::detect()] {
                            let got = PathOnly::ColumnSums(isa)
                                .apply(image.view(), &params)
                                .expect("column sums");
                            for (g, n) in got.iter().zip(&naive) {
                                assert!(within_bound(*g, *n), "{case}, {isa:?}: {g:?} vs {n:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// The general path blends fractional radii of integer samples as the
    /// column sums do, bit for bit (a tile of an image, which may take the
    /// general path, must equal the whole image's run): `u8` of 1 to 5
    /// channels (the fixed point for 1 to 4, then the dyadic blend), `u16`
    /// (the dyadic blend), every border the column sums take, radii below
    /// 1 and past it, the general path's output strided.
    #[test]
    fn general_path_blends_fractional_integer_radii_as_the_column_sums() {
        check_paths_agree(|x| x as u8, 1..=5);
        check_paths_agree(|x| x as u16, 1..=3);
    }

    fn check_paths_agree<T: Sample>(sample: impl Fn(u64) -> T, channel_counts: std::ops::RangeInclusive<usize>) {
        let mut next = crate::test_numbers(0x1f83_d9ab_fb41_bd6b);
        let (height, width) = (60, 47);
        for channels in channel_counts {
            for radius in [0.375f32, 2.6, 5.5] {
                let image = Array3::from_shape_fn((height, width, channels), |_| sample(next()));
                for border in crate::PLAIN_BORDERS {
                    let params = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(border);
                    let case = format!("{:?} x {channels}, radius {radius}, {border:?}", T::TYPE);
                    let mut wide = Array3::from_elem((height, 2 * width, channels), T::default());
                    PathOnly::General
                        .apply_into(image.view(), &params, wide.slice_mut(ndarray::s![.., ..;2, ..]))
                        .expect("general path");
                    let general = wide.slice(ndarray::s![.., ..;2, ..]);
                    for isa in [Isa::target(), Isa::detect()] {
                        let column = PathOnly::ColumnSums(isa)
                            .apply(image.view(), &params)
                            .expect("column sums");
                        let differing = general.indexed_iter().zip(&column).find(|((_, g), c)| g != c);
                        assert_eq!(differing, None, "{case}, {isa:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn fractional_radii_of_every_type_equal_naive_within_the_bound() {
        check_fractional_radii(|x| x as u8);
        check_fractional_radii(|x| x as u16);
        check_fractional_radii(|x| (x % 100_001) as f32 / 1e5 - 0.25);
        check_fractional_radii(|x| (x % 100_001) as f64 / 1e5 - 0.25);
    }

    /// A strip's first output row reads as its top end tap a row that
    /// never enters that strip's column sums, as its last output row does
    /// with its bottom one: a NaN and an infinity there must reach (only)
    /// their windows, as in `Naive`. Tall enough for several strips.
    #[test]
    fn non_finite_end_rows_of_a_strip_reach_their_windows() {
        let mut next = crate::test_numbers(0x9b05_688c_2b3e_6c1f);
        let (height, width) = (200, 13);
        let radius = 2.5;
        let params = Params::new(Kernel::Box, Size::Uniform(radius));
        let mut image = Array3::from_shape_fn((height, width, 1), |_| (next() % 1000) as f32 / 1e3);
        let maxima = crate::filter::validate_params::<f32>(&params, (height, width), 1).expect("valid");
        let rows =
            BoxStrips::new(&Job::validated(image.view(), 0..height, params.reborrow(), &maxima)).column_strip_rows();
        assert!(rows + 3 < height, "several strips");
        // The top end row of the second strip's first row, the bottom
        // end row of the first strip's last row.
        image[[rows - 3, 4, 0]] = f32::NAN;
        image[[rows + 2, 9, 0]] = f32::INFINITY;
        for border in [Border::Clip, Border::Replicate, Border::Wrap] {
            let params = params.reborrow().with_border(border);
            let naive = Naive.apply(image.view(), &params).expect("naive");
            for isa in [Isa::target(), Isa::detect()] {
                let got = PathOnly::ColumnSums(isa)
                    .apply(image.view(), &params)
                    .expect("column sums");
                for ((at, g), n) in got.indexed_iter().zip(&naive) {
                    assert!(within_bound(*g, *n), "{border:?}, {isa:?}, {at:?}: {g} vs {n}");
                }
            }
        }
    }

    #[test]
    fn accumulator_switches_at_the_documented_limits() {
        use TableKind::{Float, U32, U64};
        let outside = [Border::Replicate, Border::Reflect, Border::Symmetric, Border::Wrap];
        for border in outside {
            // (2n + 3)^2 x 255 <= u32::MAX up to n = 2050, <= u64::MAX up to 134_480_641.
            assert_eq!(accumulator::<u8>(5, 7, border, 2050.0), U32);
            assert_eq!(accumulator::<u8>(5, 7, border, 2050.5), U32);
            assert_eq!(accumulator::<u8>(5, 7, border, 2051.0), U64);
            assert_eq!(accumulator::<u8>(5, 7, border, 134_480_640.0), U64);
            assert_eq!(accumulator::<u8>(5, 7, border, 134_480_656.0), Float);
            // For u16: n = 126 and 8_388_670.
            assert_eq!(accumulator::<u16>(5, 7, border, 126.0), U32);
            assert_eq!(accumulator::<u16>(5, 7, border, 127.0), U64);
            assert_eq!(accumulator::<u16>(5, 7, border, 8_388_670.0), U64);
            assert_eq!(accumulator::<u16>(5, 7, border, 8_388_671.0), Float);
            assert_eq!(accumulator::<u16>(5, 7, border, 1e9), Float);
        }
        for border in [Border::Clip, Border::Constant(0.0)] {
            // Windows clipped to the image: its pixel count decides.
            assert_eq!(accumulator::<u8>(4096, 4112, border, 1e9), U32);
            assert_eq!(accumulator::<u8>(4096, 4113, border, 1e9), U64);
            assert_eq!(accumulator::<u16>(1, 65_537, border, 1e9), U32);
            assert_eq!(accumulator::<u16>(1, 65_538, border, 1e9), U64);
            assert_eq!(accumulator::<u16>(1 << 24, 1 << 24, border, 1e9), U64);
            assert_eq!(accumulator::<u16>(1 << 30, 1 << 30, border, 1e9), Float);
        }
        assert_eq!(accumulator::<f32>(5, 7, Border::Clip, 1.0), Float);
    }
}
