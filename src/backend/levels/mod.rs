//! `Levels`: the Gaussian of a per-pixel sigma as a blend of four uniform
//! Gaussian levels, with a bounded cost per pixel whatever the sigma.
//!
//! # The levels
//!
//! A stack of uniform Gaussian blurs of the whole strip: level 0 is the
//! identity, level j >= 1 has sigma 0.5 * 2^((j - 1) / 4), four per
//! octave. Each pixel is a weighted sum of the four levels around its own
//! sigma ([`weights`]): the weights minimise the L2 distance between the
//! blended 2-D kernel and the exact one, with sum 1. A pixel's output is a
//! fixed blend of uniform levels at that pixel, so its error does not depend
//! on how the sigma map varies around it (sigma 0 next to sigma 30 is no
//! worse than a uniform sigma).
//!
//! A uniform sigma needs no blend where one level of its own sigma
//! exists: up to sigma 3.5 the definition's kernel itself at full
//! resolution (exact up to the planes' rounding), and from sigma 4 up one
//! level of the pyramid (below). A uniform sigma between them, and every
//! sigma map, take the blend of four. Sigma 0 copies the input.
//!
//! # The pyramid
//!
//! Levels below sigma 4 are the definition's sampled kernels, separable, at
//! full resolution. From sigma 4 up a factor-2 pyramid serves them
//! ([`pyramid`]): octave k holds sigma 4 * 2^(k-1) .. 4 * 2^k as sigma 2 ..
//! 4 on a grid 2^k times coarser, each level upsampled by a cubic B-spline
//! after its recursive prefilter. The work per pixel and level is then
//! bounded: a few taps per grid, and four spline taps per axis.
//!
//! The grids are computed once for the whole image, in groups of rows
//! that read only the rows of the finer grid (or of the image) they need,
//! so the image's band at full resolution is never held whole; then each
//! strip of output rows computes each level only over the rows and
//! columns that hold its pixels whose blends read it (a sigma ramp reads
//! few levels in each region), from the nodes of the grids those
//! positions read, and the levels below the pyramid from its own rows of
//! the image and the few around them. Every
//! pass runs over planes of `f32` values stored row by row, adding whole
//! rows or shifts of a row in vectors (AVX-512's sixteen lanes where the
//! CPU has them, the same sums in the same order on every path).
//!
//! # Borders
//!
//! `Clip` and `Constant` read nothing outside the image: their levels are
//! computed on the zero-extended image, every grid only where it may be
//! non-zero (the image and the reach of the blurs that made it), so the
//! work stays within the image's reach at any sigma. `Clip` blends
//! numerators and denominators apart: out = sum w_i N_i / sum w_i D_i,
//! where D_i is level i of the in-image indicator, separable, one line per
//! axis; that is Clip applied to the blended kernel, and it keeps constant
//! images exact. `Constant(c)` is sum w_i N_i + c (1 - sum w_i D_i): the
//! weights sum to 1, and what the image does not cover reads c.
//!
//! `Replicate`, `Reflect`, `Symmetric` and `Wrap` extend the image's band
//! by the border rule at full resolution before any level is computed;
//! every level is normalised, so no denominator. `Replicate`'s band holds
//! the image only: its extension is constant along an axis past each
//! edge, so every grid is too past the reach of its blurs, and a pass
//! reads the nearest node held there (each grid is held one node past
//! that reach). The periodic ones hold one period P of the band along an
//! axis where the band would span one, and one period of each grid that
//! would span its own: P / gcd(P, 2^k) nodes for grid k, whose node n
//! lies at n 2^k, read modulo it (the fold by P / 2^k would be right
//! only for periods that are multiples of 2^k). With the periodic ones a
//! sigma past twice the longer period gives the flat mean over the
//! period, and is computed as that sigma; with the others a sigma past
//! 2^40 is computed as 2^40 (the output moves by the image's side over
//! sigma). So the work of every border
//! stays within the image's reach or a period whatever the sigma; a
//! pyramid that would still not fit its budget (2 GiB) is refused with
//! [`Error::TooLarge`] before anything is written.
//!
//! # Error
//!
//! The fit of four levels per octave differs from the exact kernel by at
//! most 6e-4 of the value range for any image (half the L1 norm of the 2-D
//! kernel difference), and by about 1e-4 on step edges and noise; the
//! pyramid's levels add at most about 1e-4 each. The published bound
//! against [`super::Naive`] is [`Levels::TOLERANCE`] of the value range
//! (plus one unit for integer samples, which are rounded once, at the end).
//!
//! The planes hold `f32` values: the image scaled by the power of two
//! that brings its largest |sample| into [1, 2) (exact in `f64`), so
//! every bound below is relative to the range, and no value overflows.
//! With u = 2^-24, the conversion rounds each sample by at most u of the
//! range. A pass of n taps with positive weights summing to 1 adds at most
//! (n - 1) u of the range (recursive summation; its output stays within
//! the range): n <= 33 for the first grid and the levels below sigma 4, at
//! most 29 for the increments. A level of octave K goes through 2 K grid
//! passes and two increment passes, so at most (64 K + 58) u of the range
//! before its prefilter, and its prefilter (a recursion whose pole is
//! below 0.27 in size) and spline (four positive taps) add a few u more
//! and multiply what came before by at most 3 in all (the l-infinity norm
//! of the interpolating cubic spline's two axes, below sqrt(3) each). At
//! sigma 32 (K = 3) that is below 1e-4 of the range, at sigma 2^20 below
//! 3e-4. The blend adds four levels with weights of sum 1 and small
//! overshoot in `f32` (four products and three sums, each rounded: a few
//! u of the range for each unit of the weights' l1 norm), the Clip and
//! Constant denominators come from `f32` indicators with the same
//! bounds, and integer samples are rounded once, at the end. Non-finite samples are set to 0 in the levels, and every pixel whose
//! window (half-width ceil(4 sigma)) reaches one is then set as `Naive`
//! sets it, so a NaN stays within its windows.
//!
//! # Memory
//!
//! The pyramid of the image is held whole: its grids take a third of the
//! image's pixels in `f32` values (grid 1, a quarter, and the smaller ones),
//! within the image's reach of its blurs, or one period for the periodic
//! borders; a pyramid over its budget is refused. Computing a group of
//! rows of a grid takes the rows of the finer plane it reads. Output rows
//! go in strips, as many rows as fit a strip's budget of per-pixel
//! buffers (32 to 128 rows): its rows of the image and the few around
//! them, one level at a time (with a copy of the part of the band or grid
//! it reads), the blend's sums and shares in `f32`, and per pixel its four
//! weights in `f32` and at most one run (a row's pixels whose blends start
//! at the same level, which read the same levels in the same places). A
//! strip holds at most four levels at a time. Each thread keeps the
//! buffers of the planes it drops, up to 32 MiB, for its next planes; each
//! thread frees them once the call is done, when it next takes work.

mod pyramid;
mod weights;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use ndarray::{ArrayView3, ArrayViewMut2, ArrayViewMut3, Axis, s};
use rayon::prelude::*;

use self::pyramid::{AxisPlan, Extension, Plane, octave, span};
use self::weights::{BLENDED, Blender, blend, level_sigma};
use crate::border::Border;
use crate::error::Error;
use crate::filter::{Filter, Job, Request, RunSamples, Support, TypedJob};
use crate::kernel::{GaussianTaps, Kernel, Size};
use crate::non_finite::NonFinite;
use crate::sample::Sample;
use crate::strips::{Band, as_contiguous, for_each_strip};

/// The Gaussian of a per-pixel (or uniform) sigma as a blend of four
/// uniform Gaussian levels from a stack of four per octave; a bounded
/// cost per pixel whatever the sigma. Within [`Levels::TOLERANCE`] of the
/// value range of [`super::Naive`]; the module documentation gives the
/// design and the memory a strip takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Levels;

impl Levels {
    /// The largest |Levels - Naive| on any request, as a fraction of the
    /// value range (the largest finite |sample|), plus one unit for the
    /// integer types.
    pub const TOLERANCE: f64 = 1e-3;
}

/// Bytes the pyramid of an image may take; a larger request is refused
/// with [`Error::TooLarge`] before anything is written.
const PYRAMID_BUDGET: usize = 1 << 31;

impl Filter for Levels {
    fn name(&self) -> &'static str {
        "levels"
    }

    fn support(&self, request: &Request) -> Support {
        match request.kernel {
            Kernel::Box => Support::Unsupported("a blend of Gaussian levels serves the Gaussian kernel only"),
            Kernel::Gaussian => {
                Support::Approximate("a blend of four uniform Gaussian levels; within 1e-3 of the value range")
            }
        }
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        self.run_typed(T::typed_job(job, out))
    }
}

impl Levels {
    /// [`Filter::run`] for each sample type, compiled in this crate (see
    /// [`TypedJob`]).
    fn run_typed(&self, job: TypedJob<'_, '_>) -> Result<(), Error> {
        job.run_on(self)
    }
}

impl RunSamples for Levels {
    fn run_samples<T: Sample>(&self, job: Job<'_, T>, mut out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        let [height, width, channels] = job.shape();
        if matches!(job.params().size, Size::Uniform(sigma) if sigma == 0.0) {
            // The identity, exactly (the planes would round floats).
            out.assign(&job.input().slice(s![job.rows(), .., ..]));
            return Ok(());
        }
        let border = job.params().border;
        let limit = sigma_limit(border, height, width);
        let top = match uniform_level(job.params().size, limit) {
            Some((_, k)) => k,
            None => octave(last_level(limit.min(f64::from(job.largest_size())))),
        };
        let rows = job.rows();
        let row_plan = AxisPlan::new(rows.start as i64..rows.end as i64, top, extension(border, height));
        let col_plan = AxisPlan::new(0..width as i64, top, extension(border, width));
        let pyramid = pyramid::pyramid_values(&row_plan, &col_plan) * channels as u128 * 4;
        if pyramid > PYRAMID_BUDGET as u128 {
            return Err(Error::TooLarge {
                height,
                width,
                reason: "the pyramid of levels would pass its memory budget",
            });
        }
        let source = Source::new(job.input(), border, &col_plan);
        let axes = [(Axis(0), &row_plan), (Axis(1), &col_plan)];
        let grids = pyramid::grids(|rows| source.band(rows), span(&col_plan.input), channels, &axes, top);
        let lines = zero_outside(border).then(|| Lines::new(height, width, &row_plan, &col_plan, top));
        let whole = Whole {
            source,
            row_plan: &row_plan,
            col_plan: &col_plan,
            grids,
            along: match (&lines, uniform_level(job.params().size, limit)) {
                (Some(_), None) => (0..=last_level(limit.min(f64::from(job.largest_size()))))
                    .map(|_| OnceLock::new())
                    .collect(),
                _ => Vec::new(),
            },
            lines,
        };
        let strip = strip_rows(width, channels, rows.len());
        for_each_strip(out, rows.start, strip, |rows, strip| {
            run_strip(&job, &whole, rows, strip)
        });
        // The threads' spare buffers go back to the allocator once the
        // call is done: each thread frees its own when it next comes to it.
        drop(whole);
        pyramid::free_spares();
        rayon::spawn_broadcast(|_| pyramid::free_spares());
        Ok(())
    }
}

/// Bytes the per-pixel buffers of one strip take at most (its band, its
/// level planes, its blends and sums): the strip's height follows from
/// it, within [`MIN_STRIP_ROWS`] ..= [`MAX_STRIP_ROWS`]. Each level of a
/// strip adds into its sums over the pixels that read it, so the budget is
/// kept near the size of a core's caches rather than of memory: short
/// strips are also more tasks for the threads to share.
const STRIP_BUDGET: usize = 16 << 20;
const MIN_STRIP_ROWS: usize = 32;
const MAX_STRIP_ROWS: usize = 128;

/// Output rows per strip for `width` pixels of `channels` values per row
/// and `height` rows: as many as [`STRIP_BUDGET`] holds. The pyramid is
/// computed once for the image, so a strip costs no more per row for
/// being short, beyond the few nodes each level reads past its rows.
/// It depends on the request only, never on the thread count.
fn strip_rows(width: usize, channels: usize, height: usize) -> usize {
    // The band, four level planes and the sums of f32, and per pixel a
    // share of f32 and a blend.
    let per_pixel = channels * (6 * 4) + 4 + BLEND_BYTES;
    let per_row = width.saturating_mul(per_pixel).max(1);
    (STRIP_BUDGET / per_row)
        .clamp(MIN_STRIP_ROWS, MAX_STRIP_ROWS)
        .min(height.max(1))
}

/// The input as the passes read it: every sample scaled by the power of
/// two that brings the largest finite |sample| near 1, non-finite
/// samples as 0, positions past the image as the border extends it.
struct Source<'a, T> {
    input: ArrayView3<'a, T>,
    border: Border,
    /// The image column each column of a band reads, if any.
    columns: Vec<Option<usize>>,
    /// The image position of a band's first column.
    first: i64,
    scale: f64,
    /// Whether any sample is not finite.
    non_finite: bool,
}

impl<'a, T: Sample> Source<'a, T> {
    fn new(input: ArrayView3<'a, T>, border: Border, col_plan: &AxisPlan) -> Self {
        let width = input.dim().1;
        let columns = col_plan.input.clone().map(|q| border.map_index(q, width)).collect();
        // Integer samples are finite and at most their type's largest
        // value, whose scale serves as well as the image's own: a power of
        // two moves no rounding of the planes' floating point values.
        let (largest, non_finite) = if T::TYPE.is_integer() {
            (T::MAX, false)
        } else {
            input
                .axis_iter(Axis(0))
                .into_par_iter()
                .map_init(Vec::new, |scratch, row| scan(as_contiguous(row, scratch)))
                .reduce(|| (0.0, false), |a, b| (a.0.max(b.0), a.1 || b.1))
        };
        Source {
            input,
            border,
            columns,
            first: col_plan.input.start,
            scale: unit_scale(largest),
            non_finite,
        }
    }

    /// The band's rows at `positions` (image coordinates, any range), every
    /// column of the column plan's input.
    fn band(&self, positions: Range<i64>) -> Plane {
        let (height, width, channels) = self.input.dim();
        let columns = self.columns.len();
        // Every value is written below, 0 where the border reads nothing.
        let mut band = Plane::scratch(span(&positions), columns, channels);
        // The band's columns that are the image's own, in its order, and
        // those that the border maps into the image.
        let direct = (-self.first).clamp(0, columns as i64) as usize
            ..(width as i64 - self.first).clamp(0, columns as i64) as usize;
        let image_columns = (direct.start as i64 + self.first) as usize..(direct.end as i64 + self.first) as usize;
        let mapped: Vec<(usize, usize)> = (0..direct.start)
            .chain(direct.end..columns)
            .filter_map(|i| self.columns[i].map(|n| (i * channels, n * channels)))
            .collect();
        // Each row's samples in the band's order (zeros where the border
        // reads nothing), then converted in one loop, which the compiler
        // turns into vector instructions (the scale in a local, not read
        // through `self`).
        let mut samples = vec![T::default(); columns * channels];
        let mut scratch = Vec::new();
        let scale = self.scale;
        for (r, q) in positions.enumerate() {
            let band_row = band.row_mut(r);
            let Some(m) = self.border.map_index(q, height) else {
                band_row.fill(0.0);
                continue;
            };
            let source = as_contiguous(self.input.index_axis(Axis(0), m), &mut scratch);
            samples[direct.start * channels..direct.end * channels]
                .copy_from_slice(&source[image_columns.start * channels..image_columns.end * channels]);
            pyramid::copy_pixels(&mut samples, source, mapped.iter().copied(), channels);
            for (v, &s) in band_row.iter_mut().zip(&samples) {
                *v = scaled(s, scale);
            }
        }
        band
    }
}

/// `sample` as the planes hold it: times `scale`, 0 where it is not
/// finite (integer samples always are).
#[inline(always)]
fn scaled<T: Sample>(sample: T, scale: f64) -> f32 {
    let s = sample.to_f64();
    let value = (s * scale) as f32;
    if T::TYPE.is_integer() || s.is_finite() {
        value
    } else {
        0.0
    }
}

/// The largest finite |sample| of `samples` and whether any is not finite.
fn scan<T: Sample>(samples: &[T]) -> (f64, bool) {
    // Independent maxima for consecutive samples, so that each does not
    // wait on the one before.
    const LANES: usize = 8;
    let mut largest = [0.0f64; LANES];
    let mut non_finite = false;
    let mut add = |m: &mut f64, s: T| {
        let a = s.to_f64().abs();
        let finite = a <= f64::MAX;
        non_finite |= !finite;
        *m = if finite && a > *m { a } else { *m };
    };
    let mut chunks = samples.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (m, &s) in largest.iter_mut().zip(chunk) {
            add(m, s);
        }
    }
    for &s in chunks.remainder() {
        add(&mut largest[0], s);
    }
    (largest.into_iter().fold(0.0, f64::max), non_finite)
}

/// The in-image indicators of both axes and their pyramids, over the
/// input of each plan: the Clip denominators and the share of a
/// Constant border.
struct Lines {
    rows: (Plane, Vec<Plane>),
    cols: (Plane, Vec<Plane>),
}

impl Lines {
    fn new(height: usize, width: usize, row_plan: &AxisPlan, col_plan: &AxisPlan, top: usize) -> Self {
        let line = |len: usize, plan: &AxisPlan| {
            let line = pyramid::indicator(len, plan);
            let grids = pyramid::indicator_grids(&line, plan, top);
            (line, grids)
        };
        Lines {
            rows: line(height, row_plan),
            cols: line(width, col_plan),
        }
    }
}

/// What every strip reads: the input, the plans of the whole job's rows
/// and columns, the pyramid of the image, and the indicators.
struct Whole<'a, T> {
    source: Source<'a, T>,
    row_plan: &'a AxisPlan,
    col_plan: &'a AxisPlan,
    grids: Vec<Plane>,
    lines: Option<Lines>,
    /// The level of the column indicator for each level of the stack, once
    /// a strip has asked for it (only where the border needs them).
    along: Vec<OnceLock<Vec<f32>>>,
}

/// The last level the blend of `sigma` reads.
fn last_level(sigma: f64) -> usize {
    blend(sigma).first + BLENDED - 1
}

/// Whether `border` reads nothing outside the image: the levels are then
/// computed on the zero-extended image, and the indicator's levels give
/// the Clip denominators and the share of a Constant border.
fn zero_outside(border: Border) -> bool {
    matches!(border, Border::Clip | Border::Constant(_))
}

/// How an axis of length `len` extends past the image under `border`:
/// zeros where nothing outside is read, the edges for `Replicate` (every
/// grid is then constant past the reach of its blurs, and held only up
/// to there), a period for the periodic borders.
fn extension(border: Border, len: usize) -> Extension {
    match border {
        Border::Clip | Border::Constant(_) => Extension::Zero(len),
        Border::Replicate => Extension::Edge(len),
        Border::Reflect | Border::Symmetric | Border::Wrap => match border.period(len) {
            Some(period) if period > 0 => Extension::Periodic(period),
            _ => Extension::Band,
        },
    }
}

/// The sigma past which the output no longer changes: with the periodic
/// borders a Gaussian wider than twice the longer period folds to a flat
/// kernel over the period (its first harmonic is below 1e-30, and the
/// truncation at 4 sigma leaves a ripple far below the tolerance), so
/// larger sigmas are that one. For the others, [`FAR`].
fn sigma_limit(border: Border, height: usize, width: usize) -> f64 {
    match border.period(height.max(width)) {
        Some(period) => 2.0 * period as f64,
        None => FAR,
    }
}

/// A sigma past which no output changes by more than about 1e-6 of the
/// range on any image that fits in memory (the kernel over the image and
/// the share of each edge move by its side over sigma), and whose
/// pyramid's positions stay far within `i64`.
const FAR: f64 = (1u64 << 40) as f64;

/// The one level that gives a uniform `size` (capped at `limit`) by
/// itself, with its octave, where there is one (see [`pyramid::single_level`]):
/// a uniform sigma then costs one level instead of a blend of four.
fn uniform_level(size: Size<'_>, limit: f64) -> Option<(f64, usize)> {
    match size {
        Size::Uniform(sigma) => {
            let sigma = f64::from(sigma).min(limit);
            pyramid::single_level(sigma).map(|k| (sigma, k))
        }
        _ => None,
    }
}

/// The outputs of image `rows` into `out`.
fn run_strip<T: Sample>(job: &Job<'_, T>, whole: &Whole<'_, T>, rows: Range<usize>, out: ArrayViewMut3<'_, T>) {
    let (height, width, _) = job.input().dim();
    let limit = sigma_limit(job.params().border, height, width);
    match uniform_level(job.params().size, limit) {
        Some(level) => uniform_strip(job, whole, rows, out, level),
        None => blended_strip(job, whole, rows, out, limit),
    }
}

/// The level `(sigma, k)` of the row indicator down the strip's rows (of
/// `row_plan`, the strip's), or ones where the border needs none.
fn row_indicator<T>(whole: &Whole<'_, T>, level: (f64, usize), row_plan: &AxisPlan) -> Vec<f32> {
    match &whole.lines {
        Some(lines) => {
            let (line, grids) = &lines.rows;
            pyramid::indicator_level(level, line, grids, whole.row_plan, row_plan.output.clone())
        }
        None => vec![1.0; span(&row_plan.output)],
    }
}

/// The level `(sigma, k)` of the column indicator along the image's
/// columns, or ones where the border needs none.
fn column_indicator<T>(whole: &Whole<'_, T>, level: (f64, usize)) -> Vec<f32> {
    let output = whole.col_plan.output.clone();
    match &whole.lines {
        Some(lines) => {
            let (line, grids) = &lines.cols;
            pyramid::indicator_level(level, line, grids, whole.col_plan, output)
        }
        None => vec![1.0; span(&output)],
    }
}

/// The strip of a uniform sigma that one level `(sigma, k)` gives: that
/// level, normalised by the indicators' where the border reads nothing
/// outside.
fn uniform_strip<T: Sample>(
    job: &Job<'_, T>,
    whole: &Whole<'_, T>,
    rows: Range<usize>,
    mut out: ArrayViewMut3<'_, T>,
    level: (f64, usize),
) {
    let row_plan = whole.row_plan.strip(rows.start as i64..rows.end as i64);
    let band = whole.source.band(row_plan.input.clone());
    let axes = [(Axis(0), &row_plan), (Axis(1), whole.col_plan)];
    let outputs = [row_plan.output.clone(), whole.col_plan.output.clone()];
    let plane = pyramid::level(level, &band, &whole.grids, &axes, &outputs);
    let down = row_indicator(whole, level, &row_plan);
    let along = column_indicator(whole, level);
    let mut writer = RowWriter::new(job, whole, &rows);
    let mut weights = vec![0.0f32; along.len()];
    for (local, out_row) in out.outer_iter_mut().enumerate() {
        for (weight, &along) in weights.iter_mut().zip(&along) {
            *weight = down[local] * along;
        }
        writer.write(rows.start + local, plane.row(local), &weights, out_row);
    }
}

/// The strip of a per-pixel sigma (or a uniform one that no single level
/// gives), each sigma capped at `limit`: the blend of the four levels
/// around each pixel's sigma. Each level is computed over the rows and
/// columns that hold the pixels reading it, and added run by run, a run
/// reading one of its four weights as one slice; every pixel adds its
/// levels in increasing order, whatever the runs.
fn blended_strip<T: Sample>(
    job: &Job<'_, T>,
    whole: &Whole<'_, T>,
    rows: Range<usize>,
    mut out: ArrayViewMut3<'_, T>,
    limit: f64,
) {
    let (_, width, channels) = job.input().dim();
    let blends = StripBlends::new(job, rows.clone(), limit);
    let row_plan = whole.row_plan.strip(rows.start as i64..rows.end as i64);
    let band = whole.source.band(row_plan.input.clone());
    let axes = [(Axis(0), &row_plan), (Axis(1), whole.col_plan)];
    // Every pixel lies in one run, which writes its sums and share.
    let mut sums = Plane::scratch(rows.len(), width, channels);
    let clip_shares = whole.lines.is_some();
    let mut shares = Plane::scratch(if clip_shares { rows.len() } else { 0 }, width, 1);
    // The four levels the runs of the current first level read, level j
    // in slot j % BLENDED: each level is computed once, when the first
    // runs that read it come, and dropped when the runs have moved past it.
    let mut slots: [Option<StripLevel>; BLENDED] = Default::default();
    let mut edges = Vec::new();
    for (f, runs) in blends.runs_by_first() {
        if runs.is_empty() {
            continue;
        }
        for j in f..f + BLENDED {
            let slot = &mut slots[j % BLENDED];
            if slot.as_ref().is_none_or(|level| level.j != j) {
                let level = (level_sigma(j), octave(j));
                let pieces = blends.pieces(j, PIECE_GAP << level.1, &mut edges);
                *slot = (!pieces.is_empty()).then(|| {
                    let pieces = pieces
                        .into_iter()
                        .map(|(ys, xs)| {
                            let outputs = [
                                (rows.start + ys.start) as i64..(rows.start + ys.end) as i64,
                                xs.start as i64..xs.end as i64,
                            ];
                            LevelPiece {
                                plane: pyramid::level(level, &band, &whole.grids, &axes, &outputs),
                                first: (ys.start, xs.start),
                                end: xs.end,
                            }
                        })
                        .collect();
                    // Every strip reads the same columns of each level.
                    let along = whole.along.get(j).map_or_else(
                        || Cow::Owned(column_indicator(whole, level)),
                        |cell| Cow::Borrowed(cell.get_or_init(|| column_indicator(whole, level)).as_slice()),
                    );
                    StripLevel {
                        j,
                        pieces,
                        down: row_indicator(whole, level, &row_plan),
                        along,
                    }
                });
            }
        }
        let levels: [&StripLevel; BLENDED] = std::array::from_fn(|k| {
            slots[(f + k) % BLENDED]
                .as_ref()
                .expect("the pieces of a level that a run reads hold the run")
        });
        for run in runs {
            let (y, cols) = (run.row as usize, run.cols.start as usize..run.cols.end as usize);
            let pixels = y * width + cols.start..y * width + cols.end;
            let weights: [&[f32]; BLENDED] = std::array::from_fn(|k| &blends.weights[k][pixels.clone()]);
            let values = levels.map(|level| level.values(y, cols.clone(), channels));
            blend_run(
                &mut sums.values_mut()[pixels.start * channels..pixels.end * channels],
                weights,
                values,
            );
            if clip_shares {
                let down = levels.map(|level| level.down[y]);
                let along = levels.map(|level| &level.along[cols.clone()]);
                blend_shares(&mut shares.values_mut()[pixels], weights, down, along);
            }
        }
    }
    let mut writer = RowWriter::new(job, whole, &rows);
    for (local, out_row) in out.outer_iter_mut().enumerate() {
        let at = local * width;
        let shares = if clip_shares {
            &shares.values()[at..at + width]
        } else {
            &[]
        };
        writer.write(
            rows.start + local,
            &sums.values()[at * channels..(at + width) * channels],
            shares,
            out_row,
        );
    }
}

/// A run of pixels of one strip row whose blends start at the same level.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    /// The row, local to the strip.
    row: u32,
    cols: Range<u32>,
}

/// The blends of a strip's pixels: the weights apart by their place in
/// the blend (so that a run of pixels reads one level's weights as one
/// slice), and the runs of pixels whose blends start at the same level,
/// grouped by that level.
struct StripBlends {
    /// `weights[k]`: each pixel's weight of the k-th level of its blend,
    /// row by row.
    weights: [Vec<f32>; BLENDED],
    /// The smallest first level.
    low: usize,
    /// `runs[f - low]`: the runs whose blends start at level f, row by row.
    runs: Vec<Vec<Run>>,
}

/// Bytes per pixel a strip's blends take at most (one run per pixel).
const BLEND_BYTES: usize = BLENDED * size_of::<f32>() + size_of::<Run>();

/// Adds the run of strip `row` at `cols`, whose blends start at level
/// `first`, to `runs` (by first level).
fn push_run(runs: &mut Vec<Vec<Run>>, first: usize, row: usize, cols: Range<u32>) {
    if runs.len() <= first {
        runs.resize_with(first + 1, Vec::new);
    }
    runs[first].push(Run { row: row as u32, cols });
}

impl StripBlends {
    /// The blends of image `rows`, each sigma capped at `limit`.
    fn new<T: Sample>(job: &Job<'_, T>, rows: Range<usize>, limit: f64) -> Self {
        let width = job.input().dim().1;
        let sizes = job.sizes();
        let pixels = rows.len() * width;
        let mut weights: [Vec<f32>; BLENDED] = std::array::from_fn(|_| Vec::with_capacity(pixels));
        // The runs by their first level (below 200 for any finite sigma).
        let mut runs: Vec<Vec<Run>> = Vec::new();
        let mut scratch = Vec::new();
        let mut blender = Blender::new();
        for (row, y) in rows.enumerate() {
            let sigmas = match sizes.row(y, 0..width, &mut scratch) {
                Some(sigmas) => Cow::Borrowed(sigmas),
                None => Cow::Owned((0..width).map(|x| job.size_at(y, x)).collect()),
            };
            // One pass per row: each pixel's weights, and the run it
            // closes where its first level differs from the one before.
            let at = weights[0].len();
            for plane in &mut weights {
                plane.resize(at + width, 0.0);
            }
            let [w0, w1, w2, w3] = weights.each_mut().map(|plane| &mut plane[at..at + width]);
            let mut run: Option<(usize, u32)> = None;
            for (x, &sigma) in sigmas[..width].iter().enumerate() {
                // The weights in f32 move an output by far less than the
                // tolerance.
                let (first, [a, b, c, d]) = blender.narrow_blend(f64::from(sigma).min(limit));
                (w0[x], w1[x], w2[x], w3[x]) = (a, b, c, d);
                match run {
                    Some((current, _)) if current == first => {}
                    _ => {
                        if let Some((current, start)) = run {
                            push_run(&mut runs, current, row, start..x as u32);
                        }
                        run = Some((first, x as u32));
                    }
                }
            }
            if let Some((first, start)) = run {
                push_run(&mut runs, first, row, start..width as u32);
            }
        }
        let low = runs.iter().position(|runs| !runs.is_empty()).unwrap_or(0);
        runs.drain(..low);
        StripBlends { weights, low, runs }
    }

    /// The first levels of the blends that read level `j`.
    fn firsts_reading(&self, j: usize) -> Range<usize> {
        let low = j.saturating_sub(BLENDED - 1).max(self.low);
        low..(j + 1).min(self.low + self.runs.len()).max(low)
    }

    /// The runs of each first level, from the lowest.
    fn runs_by_first(&self) -> impl Iterator<Item = (usize, &[Run])> {
        self.runs
            .iter()
            .enumerate()
            .map(|(i, runs)| (self.low + i, runs.as_slice()))
    }

    /// The parts of the strip that the level `j` is computed over: they
    /// hold every pixel whose blend reads it, in column order, none
    /// sharing a column, as (rows local to the strip, columns). The columns
    /// those pixels take are joined across gaps of at most `gap` columns,
    /// and each part spans the rows of its pixels: a level read on both
    /// sides of a valley of smaller sigmas is not computed across it.
    /// `edges` is a scratch buffer of zeros, left as zeros.
    fn pieces(&self, j: usize, gap: usize, edges: &mut Vec<i32>) -> Vec<(Range<usize>, Range<usize>)> {
        let runs = || {
            self.firsts_reading(j)
                .flat_map(|f| &self.runs[f - self.low])
                .map(|run| (run.row as usize, run.cols.start as usize..run.cols.end as usize))
        };
        let Some(width) = runs().map(|(_, cols)| cols.end).max() else {
            return Vec::new();
        };
        // How many runs start and end at each column.
        if edges.len() <= width {
            edges.resize(width + 1, 0);
        }
        for (_, cols) in runs() {
            edges[cols.start] += 1;
            edges[cols.end] -= 1;
        }
        let mut columns: Vec<Range<usize>> = Vec::new();
        let mut depth = 0;
        for (x, &edge) in edges[..width].iter().enumerate() {
            depth += edge;
            if depth == 0 {
                continue;
            }
            match columns.last_mut() {
                Some(last) if x <= last.end + gap => last.end = x + 1,
                _ => columns.push(x..x + 1),
            }
        }
        let mut rows: Vec<Option<Range<usize>>> = vec![None; columns.len()];
        for (y, cols) in runs() {
            (edges[cols.start], edges[cols.end]) = (0, 0);
            let piece = columns.partition_point(|c| c.end <= cols.start);
            let held = &mut rows[piece];
            *held = Some(match held.take() {
                None => y..y + 1,
                Some(r) => r.start.min(y)..r.end.max(y + 1),
            });
        }
        rows.into_iter()
            .zip(columns)
            .filter_map(|(ys, xs)| ys.map(|ys| (ys, xs)))
            .collect()
    }
}

/// Columns between two parts of a strip that read a level of octave k,
/// in nodes of that octave's grid (2^k columns each), past which the
/// parts are computed apart: each part's level reads a margin of nodes
/// on either side (the reach of its blurs and its prefilter's padding),
/// so a narrower gap costs less to compute than to skip.
const PIECE_GAP: usize = 64;

/// A level of a strip over the parts its runs read
/// ([`StripBlends::pieces`]): its values, and the levels of the
/// indicators (ones where the border needs none) down the strip's rows and
/// along the image's columns.
struct StripLevel<'a> {
    j: usize,
    /// In column order.
    pieces: Vec<LevelPiece>,
    down: Vec<f32>,
    along: Cow<'a, [f32]>,
}

/// The values of a level over one part of a strip.
struct LevelPiece {
    plane: Plane,
    /// The strip row and image column of the plane's first value.
    first: (usize, usize),
    /// The image column past the plane's last.
    end: usize,
}

impl StripLevel<'_> {
    /// The values of strip row `y` at columns `cols` (within one piece),
    /// every channel.
    fn values(&self, y: usize, cols: Range<usize>, channels: usize) -> &[f32] {
        let piece = &self.pieces[self.pieces.partition_point(|p| p.end <= cols.start)];
        let from = (cols.start - piece.first.1) * channels;
        &piece.plane.row(y - piece.first.0)[from..from + cols.len() * channels]
    }
}

/// `sums = sum_k weights_k * levels_k` along a run of a row, the levels
/// added in their order (`sums` and the levels hold the run's channels,
/// pixel after pixel).
fn blend_run(sums: &mut [f32], weights: [&[f32]; BLENDED], levels: [&[f32]; BLENDED]) {
    let n = sums.len();
    if n == weights[0].len() {
        // Every slice cut to the run's length, so that the loop holds no
        // bounds checks and the compiler turns it into vector instructions.
        let [w0, w1, w2, w3] = weights.map(|w| &w[..n]);
        let [l0, l1, l2, l3] = levels.map(|l| &l[..n]);
        for i in 0..n {
            sums[i] = ((w0[i] * l0[i] + w1[i] * l1[i]) + w2[i] * l2[i]) + w3[i] * l3[i];
        }
        return;
    }
    let channels = sums.len() / weights[0].len().max(1);
    let term = |k: usize, i: usize, v: usize| weights[k][i] * levels[k][v];
    for (i, pixel) in sums.chunks_exact_mut(channels).enumerate() {
        for (ch, sum) in pixel.iter_mut().enumerate() {
            let v = i * channels + ch;
            *sum = ((term(0, i, v) + term(1, i, v)) + term(2, i, v)) + term(3, i, v);
        }
    }
}

/// `shares = sum_k weights_k * down_k * along_k` along a run of a row: the
/// share of the blended kernel that the image covers.
fn blend_shares(shares: &mut [f32], weights: [&[f32]; BLENDED], down: [f32; BLENDED], along: [&[f32]; BLENDED]) {
    let n = shares.len();
    let [w0, w1, w2, w3] = weights.map(|w| &w[..n]);
    let [a0, a1, a2, a3] = along.map(|a| &a[..n]);
    let [d0, d1, d2, d3] = down;
    for i in 0..n {
        let term = |w: &[f32], d: f32, a: &[f32]| w[i] * d * a[i];
        shares[i] = ((term(w0, d0, a0) + term(w1, d1, a1)) + term(w2, d2, a2)) + term(w3, d3, a3);
    }
}

/// Writes output rows of a strip from their sums.
struct RowWriter<'j, 'a, T> {
    job: &'j Job<'a, T>,
    /// Where the image has non-finite samples, their counts over the
    /// strip's rows and the rows its windows reach.
    counts: Option<NonFinite>,
    /// A power of two (or its inverse), so the sums are unscaled exactly.
    unscale: f64,
    row: Vec<T>,
}

impl<'j, 'a, T: Sample> RowWriter<'j, 'a, T> {
    fn new(job: &'j Job<'a, T>, whole: &Whole<'_, T>, rows: &Range<usize>) -> Self {
        let input = job.input();
        let (height, width, channels) = input.dim();
        let counts = whole.source.non_finite.then(|| {
            let halo = GaussianTaps::new(job.largest_size()).extent().min(height as i64) as usize;
            NonFinite::build(&input, Band::of(rows, halo, height, job.params().border))
        });
        RowWriter {
            job,
            counts,
            unscale: 1.0 / whole.source.scale,
            row: vec![T::default(); width * channels],
        }
    }

    /// Writes the output of image row `y` into `out_row` from its `sums`
    /// (of the scaled input, pixel after pixel, every channel) and, where
    /// the border reads nothing outside the image, each pixel's weight
    /// (the Clip denominator; the share of a Constant border that the
    /// image covers; the other borders read none). Pixels whose windows
    /// reach a non-finite sample are then set as `Naive` sets them.
    fn write(&mut self, y: usize, sums: &[f32], weights: &[f32], mut out_row: ArrayViewMut2<'_, T>) {
        let channels = self.job.input().dim().2;
        let border = self.job.params().border;
        let unscale = self.unscale;
        let row = &mut self.row;
        let pixels = row
            .chunks_exact_mut(channels)
            .zip(sums.chunks_exact(channels))
            .zip(weights);
        match border {
            // One sample per pixel: the same loop without the pixels'
            // chunks, which the compiler turns into vector instructions.
            Border::Clip if channels == 1 => {
                for ((o, &s), &weight) in row.iter_mut().zip(sums).zip(weights) {
                    *o = T::from_f64(f64::from(s) * unscale / f64::from(weight));
                }
            }
            Border::Clip => {
                for ((out, sums), &weight) in pixels {
                    for (o, &s) in out.iter_mut().zip(sums) {
                        *o = T::from_f64(f64::from(s) * unscale / f64::from(weight));
                    }
                }
            }
            // The weights sum to 1: what the image does not cover reads c.
            Border::Constant(c) => {
                for ((out, sums), &weight) in pixels {
                    for (o, &s) in out.iter_mut().zip(sums) {
                        *o = T::from_f64(f64::from(s) * unscale + c * (1.0 - f64::from(weight)));
                    }
                }
            }
            _ => {
                for (o, &s) in row.iter_mut().zip(sums) {
                    *o = T::from_f64(f64::from(s) * unscale);
                }
            }
        }
        if let Some(counts) = &self.counts {
            let job = self.job;
            let extent = |x: usize| GaussianTaps::new(job.size_at(y, x)).extent();
            counts.patch_row(border, (y, 0), extent, row);
        }
        match out_row.as_slice_mut() {
            Some(out) => out.copy_from_slice(row),
            None => out_row.iter_mut().zip(row.iter()).for_each(|(o, v)| *o = *v),
        }
    }
}

/// The power of two that takes `largest` (finite, >= 0) into about
/// [1, 2): the planes' `f32` values then hold the band to the same
/// relative precision whatever its scale, and never overflow. 1 for 0.
fn unit_scale(largest: f64) -> f64 {
    if largest > 0.0 {
        2.0f64.powi(-(largest.log2().floor().clamp(-1022.0, 1022.0) as i32))
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, Array3, s};

    use super::*;
    use crate::backend::Naive;
    use crate::filter::Params;
    use crate::kernel::Size;
    use crate::sample::SampleType;

    /// Every border, with a constant inside every sample type's range.
    fn borders() -> impl Iterator<Item = Border> {
        crate::PLAIN_BORDERS.into_iter().chain([Border::Constant(0.7)])
    }

    /// A test image: a step edge, a bright square and noise, in [0, 1].
    fn image(height: usize, width: usize, channels: usize) -> Array3<f64> {
        let mut next = crate::test_numbers(0x5eed + (height * 31 + width) as u64);
        Array3::from_shape_fn((height, width, channels), |(y, x, c)| {
            let step = f64::from(u8::from(x * 5 > width * 2));
            let square = f64::from(u8::from((height / 3..height / 2).contains(&y) && x < width / 4));
            let noise = (next() % 1000) as f64 / 1000.0;
            (0.5 * step + 0.3 * square + 0.2 * noise + 0.1 * c as f64).min(1.0)
        })
    }

    /// Asserts every sample of `Levels` within the tolerance of `Naive`'s,
    /// naming the case `what` where one is not.
    fn assert_near_naive(image: &Array3<f64>, params: &Params<'_>, what: &str) {
        let exact = Naive.apply(image.view(), params).unwrap();
        let got = Levels.apply(image.view(), params).unwrap();
        for (e, g) in exact.iter().zip(&got) {
            assert!((e - g).abs() <= Levels::TOLERANCE, "{what}: {e} {g}");
        }
    }

    /// The largest |Levels - Naive| over the image, as a fraction of the
    /// largest |sample|.
    fn error(image: &Array3<f64>, size: Size<'_>, border: Border) -> f64 {
        let params = Params::new(Kernel::Gaussian, size).with_border(border);
        let exact = Naive.apply(image.view(), &params).unwrap();
        let got = Levels.apply(image.view(), &params).unwrap();
        let range = image.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        exact.iter().zip(&got).fold(0.0f64, |m, (e, g)| m.max((e - g).abs())) / range
    }

    #[test]
    fn uniform_sigmas_are_within_the_tolerance() {
        let image = image(40, 52, 1);
        for border in borders() {
            for sigma in [0.0f32, 0.3, 0.5, 1.0, 2.2, 3.0, 3.9, 4.0, 5.5, 10.0, 17.0, 50.0] {
                let e = error(&image, Size::Uniform(sigma), border);
                assert!(e <= Levels::TOLERANCE, "{border:?} sigma {sigma}: {e}");
                println!("{border:?} sigma {sigma}: {e:.2e}");
            }
        }
    }

    /// A uniform sigma whose kernel fits the full-resolution reach is one
    /// level of the definition's own taps: exact up to the `f32` planes'
    /// rounding, far within the blend's tolerance.
    #[test]
    fn small_uniform_sigmas_are_the_exact_kernel() {
        let image = image(37, 45, 2);
        for border in borders() {
            for sigma in [0.25f32, 0.8, 1.5, 2.6, 3.5] {
                let e = error(&image, Size::Uniform(sigma), border);
                assert!(e <= 1e-6, "{border:?} sigma {sigma}: {e}");
            }
        }
    }

    #[test]
    fn ramps_and_distance_maps_are_within_the_tolerance() {
        let (h, w) = (48, 44);
        let image = image(h, w, 1);
        let ramp = |top: f32| Array2::from_shape_fn((h, w), move |(y, x)| top * (x + y) as f32 / (h + w - 2) as f32);
        let distance = Array2::from_shape_fn((h, w), |(y, x)| if x > w / 2 || y < 4 { 30.0f32 } else { 0.0 });
        for border in borders() {
            let maps = [
                ("0..6", ramp(6.0)),
                ("0..20", ramp(20.0)),
                ("0 next to 30", distance.clone()),
            ];
            for (name, map) in maps {
                let e = error(&image, Size::map(&map), border);
                println!("{border:?} {name}: {e:.2e}");
                assert!(e <= Levels::TOLERANCE, "{border:?} {name}: {e}");
            }
        }
        // Sigma up to 200 on a small image (Naive walks every tap of 8 sigma).
        let (h, w) = (18, 22);
        let image = super::tests::image(h, w, 1);
        let ramp = Array2::from_shape_fn((h, w), |(y, x)| 200.0 * (x + y) as f32 / (h + w - 2) as f32);
        for border in borders() {
            let e = error(&image, Size::map(&ramp), border);
            println!("{border:?} 0..200: {e:.2e}");
            assert!(e <= Levels::TOLERANCE, "{border:?} 0..200: {e}");
        }
    }

    /// Gray and colour images of every sample type, through strided and
    /// reversed views, against `Naive` on the same view: integers within one
    /// unit, floats within the tolerance.
    #[test]
    fn every_type_channel_count_and_view_is_within_the_tolerance() {
        fn check<T: Sample>(image: &Array3<f64>, scale: f64) {
            let typed = image.mapv(|v| T::from_f64(v * scale));
            let map = Array2::from_shape_fn((image.dim().0, image.dim().1), |(y, x)| {
                ((x * 3 + y * 7) % 23) as f32 / 2.0
            });
            for border in borders() {
                let views = [
                    typed.view(),
                    typed.slice(s![..;-1, .., ..]),
                    typed.slice(s![.., ..;-1, ..]),
                ];
                for view in views {
                    let params = Params::new(Kernel::Gaussian, Size::map(&map)).with_border(border);
                    let exact = Naive.apply(view, &params).unwrap();
                    let mut got = Array3::from_elem((view.dim().0, 2 * view.dim().1, view.dim().2), T::default());
                    Levels
                        .apply_into(view, &params, got.slice_mut(s![.., ..;2, ..]))
                        .unwrap();
                    let got = got.slice(s![.., ..;2, ..]);
                    // u8: the error is far below one unit, so rounding leaves at most one.
                    let bound = match T::TYPE {
                        SampleType::U8 => 1.0,
                        SampleType::U16 => Levels::TOLERANCE * scale + 1.0,
                        _ => Levels::TOLERANCE * scale,
                    };
                    for (e, g) in exact.iter().zip(got.iter()) {
                        let (e, g) = (e.to_f64(), g.to_f64());
                        assert!((e - g).abs() <= bound, "{:?} {border:?}: {e} against {g}", T::TYPE);
                    }
                }
            }
        }
        for channels in [1, 2, 3, 4] {
            let image = image(23, 31, channels);
            check::<u8>(&image, 255.0);
            check::<u16>(&image, 65535.0);
            check::<f32>(&image, 1.0);
            check::<f64>(&image, 1.0);
        }
    }

    /// Empty images, single rows, columns and pixels, and thin images whose
    /// windows reach far past both ends.
    #[test]
    fn thin_and_empty_images_are_within_the_tolerance() {
        for (h, w) in [(0, 5), (5, 0), (1, 1), (1, 9), (9, 1), (2, 70), (70, 3)] {
            let image = image(h, w, 2);
            for border in borders() {
                for sigma in [0.0f32, 0.7, 3.0, 9.0] {
                    let params = Params::new(Kernel::Gaussian, Size::Uniform(sigma)).with_border(border);
                    assert_near_naive(&image, &params, &format!("{h} x {w} {border:?} {sigma}"));
                }
            }
        }
    }

    /// A NaN and infinities change exactly the pixels whose windows reach
    /// them, as `Naive` does; every other pixel is within the tolerance.
    #[test]
    fn non_finite_samples_stay_within_their_windows() {
        let mut image = image(40, 36, 1);
        image[[10, 5, 0]] = f64::NAN;
        image[[30, 30, 0]] = f64::INFINITY;
        image[[31, 12, 0]] = f64::NEG_INFINITY;
        let map = Array2::from_shape_fn((40, 36), |(y, x)| if x < 18 { 1.0f32 } else { (y % 7) as f32 });
        for border in borders() {
            let params = Params::new(Kernel::Gaussian, Size::map(&map)).with_border(border);
            let exact = Naive.apply(image.view(), &params).unwrap();
            let got = Levels.apply(image.view(), &params).unwrap();
            let mut finite = 0;
            for (e, g) in exact.iter().zip(&got) {
                if e.is_finite() {
                    finite += 1;
                    assert!((e - g).abs() <= Levels::TOLERANCE, "{border:?}: {e} {g}");
                } else {
                    assert!(
                        e.to_bits() == g.to_bits() || e.is_nan() && g.is_nan(),
                        "{border:?}: {e} {g}"
                    );
                }
            }
            assert!(finite > 500, "{finite}");
        }
    }

    /// One thread or two, the same bits.
    #[test]
    fn thread_counts_give_the_same_bits() {
        let image = image(300, 40, 2);
        let map = Array2::from_shape_fn((300, 40), |(y, x)| (y as f32 / 10.0 + x as f32 / 20.0) % 24.0);
        for border in borders() {
            let params = Params::new(Kernel::Gaussian, Size::map(&map)).with_border(border);
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| Levels.apply(image.view(), &params).unwrap())
            };
            let one = run(1);
            let two = run(2);
            assert!(
                one.iter().zip(&two).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{border:?}"
            );
        }
    }

    /// Sigma 1e6 and wider, uniform and per pixel: within the tolerance of
    /// `Naive` with every border.
    #[test]
    fn huge_sigmas_match_naive() {
        let (h, w) = (20, 26);
        let image = image(h, w, 2);
        let pixels = [(0, 0), (h / 2, w / 3), (h - 1, w - 1)];
        let sigmas = Array2::from_shape_fn((h, w), |(y, x)| if (y + x) % 2 == 0 { 1e6f32 } else { 2.5e6 });
        for border in borders() {
            for size in [Size::Uniform(1e6), Size::map(&sigmas)] {
                let params = Params::new(Kernel::Gaussian, size).with_border(border);
                let mut out = Array3::<f64>::from_elem((h, w, 2), 7.0);
                Levels.apply_into(image.view(), &params, out.view_mut()).unwrap();
                for (y, x) in pixels {
                    let exact = Naive.apply_region(image.view(), &params, y..y + 1, x..x + 1).unwrap();
                    for c in 0..2 {
                        let (e, g) = (exact[[0, 0, c]], out[[y, x, c]]);
                        assert!((e - g).abs() <= Levels::TOLERANCE, "{border:?} at ({y}, {x}): {e} {g}");
                    }
                }
            }
        }
    }

    /// With `Clip`, `Constant` and `Replicate` the band of a strip holds
    /// the image's rows and columns and no more, whatever the sigma: every
    /// grid past them is zero or the edge's, and is read as such; with the
    /// periodic borders at most one period.
    #[test]
    fn bands_stay_within_the_image_or_a_period() {
        for border in borders() {
            for sigma in [300.0, 1e6, 3e38] {
                let top = octave(last_level(sigma_limit(border, 500, 500).min(sigma)));
                for (output, len) in [(0..20, 20), (64..128, 500), (0..1, 1)] {
                    let plan = AxisPlan::new(output.clone(), top, extension(border, len));
                    let end = border.period(len).unwrap_or(len).max(len) as i64;
                    let input = plan.input;
                    assert!(
                        input.start >= 0 && input.end <= end,
                        "{border:?} {sigma} {output:?}: {input:?}"
                    );
                }
            }
        }
    }

    /// The borders that read outside the image, at sigmas far past a small
    /// image, uniform and per pixel, gray and colour: within the tolerance
    /// of `Naive` at every pixel.
    #[test]
    fn sigmas_far_past_a_small_image_match_naive() {
        for channels in [1, 3] {
            let image = image(9, 12, channels);
            let map = Array2::from_shape_fn((9, 12), |(y, x)| (40 * x + 90 * y) as f32);
            for border in crate::PLAIN_BORDERS.into_iter().filter(|b| b.reads_outside()) {
                for size in [Size::Uniform(40.0), Size::Uniform(300.0), Size::map(&map)] {
                    let params = Params::new(Kernel::Gaussian, size).with_border(border);
                    assert_near_naive(&image, &params, &format!("{border:?} {channels} channels"));
                }
            }
        }
    }

    /// Each pixel of a strip lies in exactly one run, that of its blend's
    /// first level, with its blend's weights, and in the region of each
    /// level its blend reads.
    #[test]
    fn runs_hold_each_pixel_once_within_the_regions_of_its_levels() {
        let (height, width) = (11, 37);
        // Flat parts, ramps, jumps between far sigmas, and sigma 0.
        let sigma = Array2::from_shape_fn((height, width), |(y, x)| match (x / 6 + y) % 4 {
            0 => 0.0,
            1 => 0.4 * x as f32,
            2 => 3.3,
            _ => (y * x) as f32 * 0.91,
        });
        let image = Array3::<f32>::zeros((height, width, 1));
        let params = Params::new(Kernel::Gaussian, Size::map(&sigma));
        let maxima = crate::filter::validate_params::<f32>(&params, (height, width), 1).unwrap();
        let limit = sigma_limit(params.border, height, width);
        let job = Job::validated(image.view(), 0..height, params.reborrow(), &maxima);
        for rows in [0..height, 3..8, 10..11] {
            let blends = StripBlends::new(&job, rows.clone(), limit);
            let mut edges = Vec::new();
            let mut seen = Array2::<u32>::zeros((rows.len(), width));
            for (f, runs) in blends.runs_by_first() {
                for run in runs {
                    let y = run.row as usize;
                    for x in run.cols.start as usize..run.cols.end as usize {
                        let exact = blend(f64::from(sigma[[rows.start + y, x]]).min(limit));
                        assert_eq!(f, exact.first, "rows {rows:?}, pixel ({y}, {x})");
                        for (k, w) in exact.weights.iter().enumerate() {
                            let held = f64::from(blends.weights[k][y * width + x]);
                            assert!((held - w).abs() <= 1e-6 * w.abs().max(1.0), "{held} against {w}");
                            for gap in [0, 3, width] {
                                let pieces = blends.pieces(f + k, gap, &mut edges);
                                let holding: Vec<_> = pieces.iter().filter(|(_, xs)| xs.contains(&x)).collect();
                                assert!(
                                    matches!(holding[..], [(ys, _)] if ys.contains(&y)),
                                    "level {}, gap {gap}: ({y}, {x}) not in one of {pieces:?}",
                                    f + k
                                );
                            }
                        }
                        seen[[y, x]] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&n| n == 1), "rows {rows:?}: {seen:?}");
            // The pieces keep their order and their gaps, and every run
            // lies within one.
            for j in 0..60 {
                for gap in [0, 3, width] {
                    let pieces = blends.pieces(j, gap, &mut edges);
                    assert!(edges.iter().all(|&e| e == 0));
                    for pair in pieces.windows(2) {
                        assert!(
                            pair[0].1.end + gap < pair[1].1.start,
                            "level {j}, gap {gap}: {pieces:?}"
                        );
                    }
                    for f in blends.firsts_reading(j) {
                        for run in &blends.runs[f - blends.low] {
                            let (y, cols) = (run.row as usize, run.cols.start as usize..run.cols.end as usize);
                            assert!(
                                pieces
                                    .iter()
                                    .any(|(ys, xs)| ys.contains(&y) && xs.start <= cols.start && cols.end <= xs.end),
                                "level {j}, gap {gap}: {run:?} in none of {pieces:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_box_kernel_is_refused() {
        let image = image(5, 5, 1);
        let mut out = Array3::<f64>::from_elem((5, 5, 1), 7.0);
        for (kernel, border) in [(Kernel::Box, Border::Clip), (Kernel::Box, Border::Wrap)] {
            let params = Params::new(kernel, Size::Uniform(1.0)).with_border(border);
            let result = Levels.apply_into(image.view(), &params, out.view_mut());
            assert!(
                matches!(result, Err(Error::Unsupported { backend: "levels", .. })),
                "{result:?}"
            );
            assert!(out.iter().all(|&v| v == 7.0));
        }
    }
}
