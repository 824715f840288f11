//! The levels as separable 1-D pipelines on a band of the image, along
//! either axis of a (rows, columns, channels) plane.
//!
//! Levels below sigma [`START`] are the definition's sampled kernels at full
//! resolution. From [`START`] up a factor-2 pyramid serves them: grid 1 is
//! the image blurred to sigma [`START`] and decimated by 2 (sigma
//! [`START`] / 2 in its own units), grid k + 1 is grid k blurred by the
//! increment that takes it back to sigma [`START`] and decimated. A level
//! of octave k (sigma [`START`] 2^(k-1) up to [`START`] 2^k) is grid k
//! blurred by the increment to its sigma in grid units, then upsampled to
//! full resolution by a cubic B-spline after its recursive prefilter.
//! Blurs that add a small variance use kernels whose discrete variance is
//! the increment (a sampled Gaussian's falls short below sigma 1).
//!
//! Every grid is aligned to the image's own coordinates (node n of grid k
//! lies at position n 2^k), so a level at a pixel does not depend on which
//! band it was computed in, except through the truncation of the
//! prefilter's recursion [`PREFILTER_PAD`] nodes past what is read, whose
//! weight there is below 1e-9.

use std::cell::RefCell;
use std::ops::Range;

use ndarray::Axis;
use rayon::prelude::*;

use super::weights::{PER_OCTAVE, extent, normalised_taps};
use crate::arch::{Isa, Lanes, Portable};
#[cfg(target_arch = "x86_64")]
use crate::arch::{avx2_copy, avx512_copy};

/// The sigma where the pyramid starts.
pub(crate) const START: f64 = 4.0;
/// The first level of the pyramid (sigma [`START`]).
pub(crate) const FIRST_PYRAMID_LEVEL: usize = 1 + 3 * PER_OCTAVE;
/// Coarse nodes computed past those an upsampling reads, for the
/// prefilter's recursion to settle.
const PREFILTER_PAD: i64 = 12;
/// The largest half-width of an increment blur on a coarse grid (sigma
/// below sqrt(START^2 - (START / 2)^2) grid units).
const INCREMENT_REACH: i64 = 14;
/// The largest half-width of a full-resolution level below [`START`].
const FINE_REACH: i64 = 14;
/// The pole of the cubic B-spline's prefilter.
const POLE: f64 = -0.267_949_192_431_122_7;

/// The octave of level `j`: 0 below [`START`], else k with the level's
/// sigma in [START 2^(k-1), START 2^k).
pub(crate) fn octave(j: usize) -> usize {
    if j < FIRST_PYRAMID_LEVEL {
        0
    } else {
        (j - FIRST_PYRAMID_LEVEL) / PER_OCTAVE + 1
    }
}

/// A symmetric 1-D kernel of odd length, centred.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Taps {
    weights: Vec<f64>,
}

impl Taps {
    /// The definition's normalised sampled Gaussian of `sigma` (the
    /// identity at 0).
    pub(crate) fn gaussian(sigma: f64) -> Self {
        Taps {
            weights: normalised_taps(sigma, extent(sigma)),
        }
    }

    /// A kernel whose discrete variance is `sigma`^2: the sampled Gaussian
    /// from sigma 1.2 up (its variance is sigma^2 to within 1e-9 there);
    /// below, a sampled Gaussian of the larger sigma that has that variance;
    /// below 0.5, [a, 1 - 2a, a].
    pub(crate) fn increment(sigma: f64) -> Self {
        if sigma <= 0.0 {
            return Taps { weights: vec![1.0] };
        }
        if sigma >= 1.2 {
            return Taps::gaussian(sigma);
        }
        if sigma < 0.5 {
            let a = 0.5 * sigma * sigma;
            return Taps {
                weights: vec![a, 1.0 - 2.0 * a, a],
            };
        }
        let (mut low, mut high) = (sigma, 2.0 * sigma);
        for _ in 0..60 {
            let mid = 0.5 * (low + high);
            if Taps::gaussian(mid).variance() < sigma * sigma {
                low = mid;
            } else {
                high = mid;
            }
        }
        Taps::gaussian(high)
    }

    /// The half-width.
    pub(crate) fn reach(&self) -> i64 {
        (self.weights.len() / 2) as i64
    }

    fn variance(&self) -> f64 {
        let r = self.reach();
        self.weights.iter().zip(-r..).map(|(w, d)| w * (d * d) as f64).sum()
    }
}

/// How an axis of length `len` extends past the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extension {
    /// The band holds the extension itself, as far as any tap reads.
    Band,
    /// Zero past the image.
    Zero(usize),
    /// The nearest edge of the image.
    Edge(usize),
    /// Periodic with this period (> 0).
    Periodic(usize),
}

/// What a pass reads past the positions a plane holds along an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outside {
    /// Zero (or nothing: the plan covers every tap).
    Zero,
    /// The value at the nearest position held.
    Edge,
    /// The positions held, repeated: they are one period.
    Periodic,
}

impl Outside {
    /// The position of a plane of `len` positions that position `at` reads.
    fn read(self, at: i64, len: i64) -> Option<usize> {
        match self {
            _ if len <= 0 => None,
            Outside::Zero => (0..len).contains(&at).then_some(at as usize),
            Outside::Edge => Some(at.clamp(0, len - 1) as usize),
            Outside::Periodic => Some(at.rem_euclid(len) as usize),
        }
    }
}

/// The positions one strip computes along one axis, in each grid: the
/// output positions (full resolution), the band of extended input, for
/// each octave k >= 1 the nodes of grid k, where each grid may differ
/// from what a pass reads past the nodes held, and what it reads there
/// (the band's first, then each grid's). All are image coordinates in the
/// grid's own units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AxisPlan {
    pub(crate) output: Range<i64>,
    pub(crate) input: Range<i64>,
    grids: Vec<Range<i64>>,
    support: Vec<Range<i64>>,
    outside: Vec<Outside>,
}

/// The number of positions in `range`.
pub(crate) fn span(range: &Range<i64>) -> usize {
    (range.end - range.start).max(0) as usize
}

fn hull(a: Range<i64>, b: Range<i64>) -> Range<i64> {
    a.start.min(b.start)..a.end.max(b.end)
}

impl AxisPlan {
    /// The plan for `output` positions and levels up to octave `top`.
    /// With an `extension` of zeros or of the edges every range stops
    /// where the values of its grid are zero or the edge's for certain (a
    /// blur of a constant is that constant), so the work stays within the
    /// image's reach whatever the sigma; a pass reads the edge's value
    /// from the last position of the grid, which lies past that reach.
    /// With a period P, the band and each grid k whose nodes would span
    /// one of its periods (P / gcd(P, 2^k) nodes: node n lies at n 2^k)
    /// hold one period from node 0, read modulo it, so the work stays
    /// within a period whatever the sigma.
    pub(crate) fn new(output: Range<i64>, top: usize, extension: Extension) -> Self {
        let base = Taps::gaussian(START).reach();
        let grow = Taps::increment(grow_sigma()).reach();
        // Where each grid may be non-zero (or differ from the edge): the
        // image, then each blur's reach, one more node before it for
        // the edges (the first node past the reach at each end).
        let everywhere = i64::MIN / 4..i64::MAX / 4;
        let mut support = vec![everywhere.clone(); top + 1];
        let (bounded, read) = match extension {
            Extension::Band | Extension::Periodic(_) => (None, Outside::Zero),
            Extension::Zero(len) => (Some((len, 0)), Outside::Zero),
            Extension::Edge(len) => (Some((len, 1)), Outside::Edge),
        };
        let mut outside = vec![read; top + 1];
        // One period of grid `k` where the plan would compute at least that.
        let period = |k: usize, need: &Range<i64>| match extension {
            Extension::Periodic(p) => {
                let p = p as i64 >> (p.trailing_zeros() as usize).min(k);
                (p <= span(need) as i64).then_some(0..p)
            }
            _ => None,
        };
        if let Some((len, margin)) = bounded {
            support[0] = 0..len as i64;
            for k in 1..=top {
                let (below, reach) = (&support[k - 1], if k == 1 { base } else { grow });
                support[k] = (below.start - reach).div_euclid(2) - margin..(below.end - 1 + reach).div_euclid(2) + 2;
            }
        }
        let levels: Vec<Range<i64>> = (1..=top).map(|k| level_nodes(&support[k], k, &output)).collect();
        let mut grids = vec![0..0; top];
        for k in (1..=top).rev() {
            let own = &levels[k - 1];
            let mut need = own.start - INCREMENT_REACH..own.end + INCREMENT_REACH;
            if k < top {
                let above = &grids[k];
                need = hull(need, 2 * above.start - grow..2 * (above.end - 1) + grow + 1);
            }
            grids[k - 1] = match period(k, &need) {
                Some(one) => {
                    outside[k] = Outside::Periodic;
                    one
                }
                None => intersection(need, &support[k]),
            };
        }
        let mut input = output.start - FINE_REACH..output.end + FINE_REACH;
        if let Some(first) = grids.first() {
            input = hull(input, 2 * first.start - base..2 * (first.end - 1) + base + 1);
        }
        let input = match period(0, &input) {
            Some(one) => {
                outside[0] = Outside::Periodic;
                one
            }
            None => intersection(input, &support[0]),
        };
        AxisPlan {
            output,
            input,
            grids,
            support,
            outside,
        }
    }

    /// The nodes of grid `k` that the levels of octave `k` are computed
    /// on for the positions `output` (within the plan's output).
    pub(crate) fn level_nodes(&self, k: usize, output: &Range<i64>) -> Range<i64> {
        level_nodes(&self.support[k], k, output)
    }

    /// The plan of a strip's `output` positions (within this plan's
    /// output): the same grids, computed once for the whole axis, and as
    /// its band every position that the levels below the pyramid read
    /// there, each filled by the border rule, so that no pass reads past
    /// the band.
    pub(crate) fn strip(&self, output: Range<i64>) -> Self {
        let mut outside = self.outside.clone();
        outside[0] = Outside::Zero;
        AxisPlan {
            input: output.start - FINE_REACH..output.end + FINE_REACH,
            output,
            grids: self.grids.clone(),
            support: self.support.clone(),
            outside,
        }
    }
}

/// The values of the grids 1 ..= `top` that the plans of the rows and
/// the columns hold, per channel.
pub(crate) fn pyramid_values(rows: &AxisPlan, cols: &AxisPlan) -> u128 {
    rows.grids
        .iter()
        .zip(&cols.grids)
        .map(|(r, c)| span(r) as u128 * span(c) as u128)
        .sum()
}

/// The nodes of grid `k` (whose values may be non-zero on `support`)
/// that a level of octave `k` is computed on for the full-resolution
/// positions `output`: the four of the spline at each, and
/// [`PREFILTER_PAD`] more each side for the prefilter's recursion.
fn level_nodes(support: &Range<i64>, k: usize, output: &Range<i64>) -> Range<i64> {
    let h = 1i64 << k;
    let first = output.start.div_euclid(h) - 1 - PREFILTER_PAD;
    let last = (output.end - 1).div_euclid(h) + 2 + PREFILTER_PAD;
    let reach = INCREMENT_REACH + PREFILTER_PAD;
    first.max(support.start - reach)..(last + 1).min(support.end + reach)
}

/// The positions of `a` within `b` (at least one, so that every plane
/// keeps a position to stand on).
fn intersection(a: Range<i64>, b: &Range<i64>) -> Range<i64> {
    let start = a.start.max(b.start);
    start..a.end.min(b.end).max(start + 1)
}

/// The blur that takes grid k (sigma START / 2 in its units) to sigma
/// START before decimation.
fn grow_sigma() -> f64 {
    START * (1.0 - 0.25f64).sqrt()
}

/// A plane of `rows` x `cols` pixels of `channels` values each, row by
/// row in one buffer, so that every pass reads and writes whole rows as
/// contiguous slices: along a row the taps are shifts of the same row,
/// across rows each tap adds a whole row. The values are `f32`, twice as
/// many per vector as `f64` (the module documentation of `Levels` bounds
/// the rounding).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plane {
    rows: usize,
    cols: usize,
    channels: usize,
    data: Vec<f32>,
}

impl Plane {
    /// A plane of zeros, in a spare buffer of this thread where one is
    /// large enough.
    pub(crate) fn zeros(rows: usize, cols: usize, channels: usize) -> Self {
        Plane::in_spare(rows, cols, channels, true)
    }

    /// A plane whose every value the caller writes before it reads any:
    /// a spare buffer's values are left as they were.
    pub(crate) fn scratch(rows: usize, cols: usize, channels: usize) -> Self {
        Plane::in_spare(rows, cols, channels, false)
    }

    /// A plane in a spare buffer of this thread where one is large enough
    /// (its values zeros if `zeroed`), else in a new buffer of zeros.
    fn in_spare(rows: usize, cols: usize, channels: usize, zeroed: bool) -> Self {
        let len = rows * cols * channels;
        Plane {
            rows,
            cols,
            channels,
            data: take_spare(len, zeroed).unwrap_or_else(|| vec![0.0f32; len]),
        }
    }

    /// Every value, row after row.
    pub(crate) fn values(&self) -> &[f32] {
        &self.data
    }

    /// Every value, row after row, to write.
    pub(crate) fn values_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// The values of one row, pixel by pixel.
    pub(crate) fn row(&self, r: usize) -> &[f32] {
        let len = self.cols * self.channels;
        &self.data[r * len..(r + 1) * len]
    }

    /// The values of one row, to write.
    pub(crate) fn row_mut(&mut self, r: usize) -> &mut [f32] {
        let len = self.cols * self.channels;
        &mut self.data[r * len..(r + 1) * len]
    }

    /// A plane of the same pixels with `len` positions along `axis`, for
    /// the caller to write whole ([`Plane::scratch`]).
    fn resized(&self, axis: Axis, len: usize) -> Self {
        match axis.index() {
            0 => Plane::scratch(len, self.cols, self.channels),
            _ => Plane::scratch(self.rows, len, self.channels),
        }
    }

    /// The number of positions along `axis`.
    fn len_of(&self, axis: Axis) -> usize {
        match axis.index() {
            0 => self.rows,
            _ => self.cols,
        }
    }

    /// The rows at `positions` (in the units of the axis, whose first
    /// row held is at `first`) as a pass reads them, those past the rows
    /// held as `outside` says, as a plane of their own.
    fn rows_read(&self, first: i64, outside: Outside, positions: Range<i64>) -> Self {
        let mut out = Plane::scratch(span(&positions), self.cols, self.channels);
        for (r, p) in positions.enumerate() {
            match outside.read(p - first, self.rows as i64) {
                Some(m) => out.row_mut(r).copy_from_slice(self.row(m)),
                None => out.row_mut(r).fill(0.0),
            }
        }
        out
    }

    /// The rows `rows` and columns `cols`, as a plane of their own.
    fn window(&self, rows: Range<usize>, cols: Range<usize>) -> Self {
        let mut out = Plane::scratch(rows.len(), cols.len(), self.channels);
        let c = self.channels;
        for (r, from) in rows.enumerate() {
            out.row_mut(r)
                .copy_from_slice(&self.row(from)[cols.start * c..cols.end * c]);
        }
        out
    }

    /// The positions `range` along `axis`, as a plane of their own.
    fn slice(&self, axis: Axis, range: Range<usize>) -> Self {
        let mut out = self.resized(axis, range.len());
        let c = self.channels;
        for r in 0..out.rows {
            match axis.index() {
                0 => out.row_mut(r).copy_from_slice(self.row(range.start + r)),
                _ => out
                    .row_mut(r)
                    .copy_from_slice(&self.row(r)[range.start * c..range.end * c]),
            }
        }
        out
    }
}

impl Drop for Plane {
    fn drop(&mut self) {
        keep_spare(std::mem::take(&mut self.data));
    }
}

thread_local! {
    /// The buffers of this thread's dropped planes, for its next ones: a
    /// strip's planes then take the memory of the strip before it instead
    /// of memory the allocator has just handed back to the system, which
    /// every first write would fault in again.
    static SPARES: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// The most values the spare buffers of a thread hold, all together; a
/// buffer that would pass it is freed.
const SPARE_VALUES: usize = (32 << 20) / size_of::<f32>();

/// The smallest spare buffer of this thread that holds `len` values, as
/// `len` zeros if `zeroed`, else as `len` values of any kind.
fn take_spare(len: usize, zeroed: bool) -> Option<Vec<f32>> {
    SPARES.with(|spares| {
        let mut spares = spares.borrow_mut();
        let best = (0..spares.len())
            .filter(|&i| spares[i].capacity() >= len)
            .min_by_key(|&i| spares[i].capacity())?;
        let mut buffer = spares.swap_remove(best);
        if zeroed {
            buffer.clear();
        }
        buffer.resize(len, 0.0);
        Some(buffer)
    })
}

/// Keeps `buffer` as a spare of this thread if the spares stay within
/// [`SPARE_VALUES`].
fn keep_spare(buffer: Vec<f32>) {
    if buffer.capacity() == 0 {
        return;
    }
    // `try_with`: a plane dropped while the thread exits frees its buffer.
    let _ = SPARES.try_with(|spares| {
        let mut spares = spares.borrow_mut();
        let held: usize = spares.iter().map(Vec::capacity).sum();
        if held + buffer.capacity() <= SPARE_VALUES {
            spares.push(buffer);
        }
    });
}

/// Frees the spare buffers of this thread.
pub(crate) fn free_spares() {
    let _ = SPARES.try_with(|spares| spares.borrow_mut().clear());
}

/// `out += weight * input`, value by value (a loop the compiler turns
/// into vector instructions).
#[inline]
fn add_scaled(out: &mut [f32], weight: f32, input: &[f32]) {
    for (o, &i) in out.iter_mut().zip(input) {
        *o += weight * i;
    }
}

/// `out = sum_i weight_i * input[offset_i ..]` over `terms` of
/// (weight_i, offset_i), value by value (0 for no terms), every run of
/// `input` at least as long as `out` (the rows of a plane, or shifts of
/// one gathered row): a vector of values at a time (AVX-512's sixteen
/// lanes where the CPU has them), summing every term in registers before
/// it is stored; what `out` held is never read, so it needs no zeroing.
/// The terms are added in their order, each product rounded and then
/// added, as [`weighted_sum_scalar`] adds them, so the result does not
/// depend on the vectors used.
fn weighted_sum(out: &mut [f32], input: &[f32], terms: &[(f32, usize)]) {
    let isa = Isa::detect();
    #[cfg(target_arch = "x86_64")]
    if isa.needs_avx512_copy() {
        // SAFETY: `isa` has AVX-512 (a copy is needed only where the CPU has it).
        unsafe { weighted_sum_avx512(isa, out, input, terms) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(lanes) = isa.avx2_copy_lanes() {
        // SAFETY: an `Avx2` exists only where the CPU has AVX2.
        unsafe { weighted_sum_avx2(lanes, out, input, terms) };
        return;
    }
    let _ = isa;
    weighted_sum_in(Portable::<wide::i32x16>::new(), out, input, terms);
}

avx512_copy! {
    /// [`weighted_sum`] compiled for AVX-512.
    ///
    /// # Safety
    /// `isa` must have AVX-512.
    unsafe fn weighted_sum_avx512(isa: Isa, out: &mut [f32], input: &[f32], terms: &[(f32, usize)]) {
        match isa.avx512_lanes() {
            Some(lanes) => weighted_sum_in(lanes, out, input, terms),
            None => weighted_sum_in(Portable::<wide::i32x16>::new(), out, input, terms),
        }
    }
}

avx2_copy! {
    /// [`weighted_sum`] compiled for AVX2, on its vectors.
    ///
    /// # Safety
    /// The CPU must have AVX2 (as `lanes` proves).
    unsafe fn weighted_sum_avx2(lanes: crate::arch::avx2_lanes::Avx2, out: &mut [f32], input: &[f32], terms: &[(f32, usize)]) {
        weighted_sum_in(lanes, out, input, terms)
    }
}

/// [`weighted_sum`] in vectors of `lanes`, the values past the last whole
/// vector one at a time.
#[inline(always)]
fn weighted_sum_in<L: Lanes>(lanes: L, out: &mut [f32], input: &[f32], terms: &[(f32, usize)]) {
    let n = L::LANES;
    let vectors = out.len() / n * n;
    let Some((&(weight, offset), rest)) = terms.split_first() else {
        out.fill(0.0);
        return;
    };
    for start in (0..vectors).step_by(n) {
        let mut sums = lanes.splat_floats(weight) * lanes.load_floats(&input[offset + start..]);
        for &(weight, offset) in rest {
            sums = sums + lanes.splat_floats(weight) * lanes.load_floats(&input[offset + start..]);
        }
        lanes.store_floats(sums, &mut out[start..]);
    }
    weighted_sum_scalar(&mut out[vectors..], input, terms, vectors);
}

/// [`weighted_sum`] one value at a time, from position `from` of every
/// run: the twin that the vectors must equal.
#[inline(always)]
fn weighted_sum_scalar(out: &mut [f32], input: &[f32], terms: &[(f32, usize)], from: usize) {
    let Some((&(weight, offset), rest)) = terms.split_first() else {
        out.fill(0.0);
        return;
    };
    for (i, o) in out.iter_mut().enumerate() {
        let mut sum = weight * input[offset + from + i];
        for &(weight, offset) in rest {
            sum += weight * input[offset + from + i];
        }
        *o = sum;
    }
}

/// Output node n (image coordinates, `out` grid) along `axis` is the sum of
/// `taps` around input position `step` n; `input`'s first position along
/// `axis` is `first`. Positions past the input's range read what
/// `outside` says (only where a grid's support ends; elsewhere the plan
/// covers every tap).
fn correlate(
    input: &Plane,
    first: i64,
    taps: &Taps,
    step: i64,
    out: Range<i64>,
    axis: Axis,
    outside: Outside,
) -> Plane {
    let reach = taps.reach();
    let len = input.len_of(axis) as i64;
    let mut output = input.resized(axis, span(&out));
    // The input position of tap `d` for output node `n`.
    let at = |n: i64, d: usize| step * n - reach - first + d as i64;
    if axis.index() == 0 {
        let row_len = input.cols * input.channels;
        let mut terms: Vec<(f32, usize)> = Vec::with_capacity(taps.weights.len());
        for (k, n) in out.enumerate() {
            terms.clear();
            for (d, &t) in taps.weights.iter().enumerate() {
                if let Some(at) = outside.read(at(n, d), len) {
                    terms.push((t as f32, at * row_len));
                }
            }
            weighted_sum(output.row_mut(k), &input.data, &terms);
        }
        return output;
    }
    if out.start >= out.end {
        return output;
    }
    let c = input.channels;
    // The input positions the outputs read, `low` to `high`, gathered
    // once per row (those past the input as `outside` reads them), and
    // with a step of 2 split into the even positions and then the odd
    // ones: every tap then reads a contiguous run of them, and each row
    // is one weighted sum of shifted runs (in the order of the taps, as
    // the plane passes add).
    let low = at(out.start, 0);
    let high = at(out.end - 1, taps.weights.len() - 1) + 1;
    let phases = step as usize;
    let per_phase = span(&(low..high)).div_ceil(phases);
    let slot = |i: usize| ((i % phases) * per_phase + i / phases) * c;
    let mut gathered = vec![0.0f32; phases * per_phase * c];
    // With a step of 1 the input's own positions are one run, copied at
    // once; every other position is copied from where it reads.
    let run = (step == 1).then(|| low.max(0)..high.min(len).max(low.max(0)));
    let copies: Vec<(usize, usize)> = (low..high)
        .filter(|p| !run.as_ref().is_some_and(|run| run.contains(p)))
        .filter_map(|p| outside.read(p, len).map(|m| (slot((p - low) as usize), m * c)))
        .collect();
    let terms: Vec<(f32, usize)> = taps
        .weights
        .iter()
        .enumerate()
        .map(|(d, &t)| (t as f32, slot(d)))
        .collect();
    for r in 0..input.rows {
        let source = input.row(r);
        if let Some(run) = run.as_ref().filter(|run| run.start < run.end) {
            let into = (run.start - low) as usize * c;
            let from = run.start as usize * c..run.end as usize * c;
            gathered[into..into + from.len()].copy_from_slice(&source[from]);
        }
        copy_pixels(&mut gathered, source, copies.iter().copied(), c);
        weighted_sum(output.row_mut(r), &gathered, &terms);
    }
    output
}

/// Replaces the values along `axis` by the coefficients of the cubic
/// B-spline through them (the causal and anti-causal recursions).
fn prefilter(plane: &mut Plane, axis: Axis) {
    let z = POLE as f32;
    let n = plane.len_of(axis);
    if n < 2 {
        return;
    }
    let settle = n.min(2 * PREFILTER_PAD as usize);
    if axis.index() == 0 {
        // The recursions run down the rows, a whole row at a time.
        let len = plane.cols * plane.channels;
        let mut start = vec![0.0f32; len];
        let mut power = 1.0f32;
        for k in 0..settle {
            add_scaled(&mut start, power, plane.row(k));
            power *= z;
        }
        plane.row_mut(0).copy_from_slice(&start);
        for k in 1..n {
            let (done, rest) = plane.data.split_at_mut(k * len);
            add_scaled(&mut rest[..len], z, &done[(k - 1) * len..]);
        }
        let factor = z / (z * z - 1.0);
        let (before, last) = plane.data.split_at_mut((n - 1) * len);
        for (l, &b) in last.iter_mut().zip(&before[(n - 2) * len..]) {
            *l = factor * (*l + z * b);
        }
        for k in (0..n - 1).rev() {
            let (head, tail) = plane.data.split_at_mut((k + 1) * len);
            for (v, &next) in head[k * len..].iter_mut().zip(&tail[..len]) {
                *v = z * (next - *v);
            }
        }
        plane.data.iter_mut().for_each(|v| *v *= 6.0);
        return;
    }
    // Along a row each channel of each row is a recursion of its own. Their
    // steps are dependent within one line and not across lines, so the
    // lines go a group at a time, each step taken for every line of the
    // group before the next (the same operations per line, in the same
    // order, as line by line).
    let c = plane.channels;
    let len = plane.cols * c;
    let starts: Vec<usize> = (0..plane.rows)
        .flat_map(|r| (0..c).map(move |ch| r * len + ch))
        .collect();
    let data = &mut plane.data;
    let factor = z / (z * z - 1.0);
    for group in starts.chunks(LINES) {
        let mut first = [0.0f32; LINES];
        let mut power = 1.0f32;
        for k in 0..settle {
            for (s, &b) in first.iter_mut().zip(group) {
                *s += power * data[b + k * c];
            }
            power *= z;
        }
        for (&s, &b) in first.iter().zip(group) {
            data[b] = s;
        }
        for k in 1..n {
            for &b in group {
                data[b + k * c] += z * data[b + (k - 1) * c];
            }
        }
        for &b in group {
            let (last, before) = (b + (n - 1) * c, b + (n - 2) * c);
            data[last] = factor * (data[last] + z * data[before]);
        }
        for k in (0..n - 1).rev() {
            for &b in group {
                data[b + k * c] = z * (data[b + (k + 1) * c] - data[b + k * c]);
            }
        }
    }
    data.iter_mut().for_each(|v| *v *= 6.0);
}

/// Recursions of the prefilter along a row taken together (see
/// [`prefilter`]).
const LINES: usize = 16;

/// The cubic B-spline at `t`.
fn bspline(t: f64) -> f64 {
    let t = t.abs();
    if t < 1.0 {
        2.0 / 3.0 - t * t + 0.5 * t * t * t
    } else if t < 2.0 {
        (2.0 - t).powi(3) / 6.0
    } else {
        0.0
    }
}

/// The spline of coefficients `coarse` (grid of spacing `h` pixels, first
/// node `first`) at the full-resolution positions `out` along `axis`.
fn upsample(coarse: &Plane, first: i64, h: i64, out: Range<i64>, axis: Axis) -> Plane {
    let mut output = coarse.resized(axis, span(&out));
    let len = coarse.len_of(axis) as i64;
    let c = coarse.channels;
    // The nodes and weights of each output position.
    let nodes = |p: i64| {
        let node = p.div_euclid(h);
        (node - 1..=node + 2).filter_map(move |m| {
            let w = bspline((p - m * h) as f64 / h as f64);
            let at = m - first;
            (w != 0.0 && (0..len).contains(&at)).then_some((at as usize, w as f32))
        })
    };
    if axis.index() == 0 {
        let row_len = coarse.cols * c;
        let mut terms: Vec<(f32, usize)> = Vec::with_capacity(4);
        for (k, p) in out.enumerate() {
            terms.clear();
            terms.extend(nodes(p).map(|(at, w)| (w, at * row_len)));
            weighted_sum(output.row_mut(k), &coarse.data, &terms);
        }
        return output;
    }
    if out.start >= out.end {
        return output;
    }
    // Along a row the outputs of one phase (position modulo h) read the
    // same four weights at shifts of the nodes: each phase is one
    // weighted sum of shifted runs of the row (its nodes held past the
    // plane's as zeros), whose values then go to every h-th output.
    let held = out.start.div_euclid(h) - 1..(out.end - 1).div_euclid(h) + 3;
    let within = (held.start - first).clamp(0, len)..(held.end - first).clamp(0, len);
    let mut padded = vec![0.0f32; span(&held) * c];
    let phases: Vec<Phase> = (0..h.min(span(&out) as i64))
        .map(|phase| {
            let p = out.start + phase;
            let count = (out.end - 1 - p).div_euclid(h) + 1;
            let node = p.div_euclid(h);
            let terms = (0..4)
                .filter_map(|t| {
                    let w = bspline((p - (node - 1 + t) * h) as f64 / h as f64);
                    let shift = (node - 1 + t - held.start) as usize * c;
                    (w != 0.0).then_some((w as f32, shift))
                })
                .collect();
            Phase {
                first: phase as usize,
                count: count as usize,
                terms,
            }
        })
        .collect();
    let mut sums = vec![0.0f32; span(&held) * c];
    for r in 0..coarse.rows {
        if within.start < within.end {
            let into = (first + within.start - held.start) as usize * c;
            let from = &coarse.row(r)[within.start as usize * c..within.end as usize * c];
            padded[into..into + from.len()].copy_from_slice(from);
        }
        let row = output.row_mut(r);
        for phase in &phases {
            let sums = &mut sums[..phase.count * c];
            weighted_sum(sums, &padded, &phase.terms);
            // Every h-th pixel of the row from the phase's first.
            let pairs = (0..phase.count).map(|m| ((phase.first + m * h as usize) * c, m * c));
            copy_pixels(row, sums, pairs, c);
        }
    }
    output
}

/// Copies a pixel of `c` values from `input` to `out` for each pair of
/// (`out` offset, `input` offset). The usual channel counts copy pixels
/// of a size the compiler knows, in place; a slice copy of a size known
/// only at run time is a call per pixel.
pub(crate) fn copy_pixels<T: Copy>(
    out: &mut [T],
    input: &[T],
    pairs: impl IntoIterator<Item = (usize, usize)>,
    c: usize,
) {
    let pairs = pairs.into_iter();
    match c {
        1 => pairs.for_each(|(to, from)| out[to] = input[from]),
        3 => copy_fixed_pixels::<T, 3>(out, input, pairs),
        4 => copy_fixed_pixels::<T, 4>(out, input, pairs),
        _ => pairs.for_each(|(to, from)| out[to..to + c].copy_from_slice(&input[from..from + c])),
    }
}

/// [`copy_pixels`] for pixels of `C` values.
fn copy_fixed_pixels<T: Copy, const C: usize>(out: &mut [T], input: &[T], pairs: impl Iterator<Item = (usize, usize)>) {
    for (to, from) in pairs {
        out[to..to + C].copy_from_slice(&input[from..from + C]);
    }
}

/// Nodes of a grid computed together along the rows: each group gathers
/// the rows of the finer plane it reads, and the groups run in parallel.
const GRID_ROWS: usize = 64;

/// The outputs of one phase of an upsampling along a row: the first
/// (relative to the output), how many (every h-th from it), and the
/// weights of the spline's nodes with the shift of each in the row.
struct Phase {
    first: usize,
    count: usize,
    terms: Vec<(f32, usize)>,
}

/// The grids 1 ..= top of the pyramid of a band along the planned `axes`
/// (the rows first, then the columns where planned). `band(positions)`
/// gives the rows of the band at `positions` (image coordinates) as the
/// passes read them, each of `cols` columns of `channels` values: the
/// band is never held whole, only the rows one group of nodes of grid 1
/// reads, so the pyramid of a whole image costs a third of its grid 1.
pub(crate) fn grids<F>(band: F, cols: usize, channels: usize, axes: &[(Axis, &AxisPlan)], top: usize) -> Vec<Plane>
where
    F: Fn(Range<i64>) -> Plane + Sync,
{
    let base = Taps::gaussian(START);
    let grow = Taps::increment(grow_sigma());
    let down = axes[0].1;
    let across = axes.get(1).map(|&(_, plan)| plan);
    let mut out: Vec<Plane> = Vec::with_capacity(top);
    for k in 1..=top {
        let taps = if k == 1 { &base } else { &grow };
        let nodes = down.grids[k - 1].clone();
        let width = across.map_or(cols, |plan| span(&plan.grids[k - 1]));
        // Every group below writes its nodes whole.
        let mut grid = Plane::scratch(span(&nodes), width, channels);
        let finer = out.last();
        let group = (GRID_ROWS * width * channels).max(1);
        grid.data.par_chunks_mut(group).enumerate().for_each(|(index, values)| {
            let start = nodes.start + (index * GRID_ROWS) as i64;
            let end = (start + GRID_ROWS as i64).min(nodes.end);
            let reads = 2 * start - taps.reach()..2 * (end - 1) + taps.reach() + 1;
            let source = match finer {
                None => band(reads.clone()),
                Some(finer) => finer.rows_read(down.grids[k - 2].start, down.outside[k - 1], reads.clone()),
            };
            let mut plane = correlate(&source, reads.start, taps, 2, start..end, Axis(0), Outside::Zero);
            if let Some(plan) = across {
                let first = if k == 1 {
                    plan.input.start
                } else {
                    plan.grids[k - 2].start
                };
                let nodes = plan.grids[k - 1].clone();
                plane = correlate(&plane, first, taps, 2, nodes, Axis(1), plan.outside[k - 1]);
            }
            values.copy_from_slice(&plane.data);
        });
        out.push(grid);
    }
    out
}

/// The part of `plane` (the band for `index` 0, else grid `index`; its
/// first position along each planned axis of `axes` is in `firsts`) that
/// passes of half-width `reach` read for the positions `outputs`, as a
/// plane of its own, with its first positions: the pass along the first
/// axis then runs over the positions of the second that the outputs read,
/// not over the whole band. An axis whose plane holds one period stays
/// whole, since its reads past either end wrap to the other.
fn read_window(
    plane: &Plane,
    axes: &[(Axis, &AxisPlan)],
    index: usize,
    firsts: &[i64],
    outputs: &[Range<i64>],
    reach: i64,
) -> (Plane, Vec<i64>) {
    let mut ranges = [0..plane.rows, 0..plane.cols];
    let mut starts = Vec::with_capacity(axes.len());
    for ((&(axis, plan), output), &first) in axes.iter().zip(outputs).zip(firsts) {
        let len = plane.len_of(axis) as i64;
        if plan.outside[index] == Outside::Periodic {
            starts.push(first);
            continue;
        }
        let low = (output.start - reach - first).clamp(0, len);
        let high = (output.end + reach - first).clamp(low, len);
        ranges[axis.index()] = low as usize..high as usize;
        starts.push(first + low);
    }
    let [rows, cols] = ranges;
    (plane.window(rows, cols), starts)
}

/// The octave whose grid gives the uniform level of `sigma` by itself,
/// where one does: 0 (full resolution, the definition's kernel) while
/// its half-width is within the reach the plans give the levels below
/// [`START`], else k >= 1 from [`START`] up, with `sigma` in [START
/// 2^(k-1), START 2^k); none between (a blend of levels serves there).
pub(crate) fn single_level(sigma: f64) -> Option<usize> {
    if extent(sigma) as i64 <= FINE_REACH {
        return Some(0);
    }
    if sigma < START {
        return None;
    }
    let mut k = 1;
    while k < 62 && sigma >= START * (1u64 << k) as f64 {
        k += 1;
    }
    Some(k)
}

/// The level of `sigma`, of octave `k` (that of a level's sigma, see
/// [`octave`], or [`single_level`]'s), at the output positions `outputs`
/// (one range per planned axis, within each plan's output), from the
/// band `input` and its pyramid `grids`. Along each axis the level is
/// computed from the nodes that those outputs read, so a level that a
/// few pixels of a strip use costs little.
pub(crate) fn level(
    (sigma, k): (f64, usize),
    input: &Plane,
    grids: &[Plane],
    axes: &[(Axis, &AxisPlan)],
    outputs: &[Range<i64>],
) -> Plane {
    if k == 0 {
        let taps = Taps::gaussian(sigma);
        let firsts: Vec<i64> = axes.iter().map(|(_, plan)| plan.input.start).collect();
        let (input, firsts) = read_window(input, axes, 0, &firsts, outputs, taps.reach());
        let mut plane: Option<Plane> = None;
        for ((&(axis, plan), output), &first) in axes.iter().zip(outputs).zip(&firsts) {
            let source = plane.as_ref().unwrap_or(&input);
            let next = if taps.reach() == 0 {
                let from = (output.start - first) as usize;
                let to = (output.end - first) as usize;
                source.slice(axis, from..to)
            } else {
                correlate(source, first, &taps, 1, output.clone(), axis, plan.outside[0])
            };
            plane = Some(next);
        }
        return plane.unwrap_or(input);
    }
    let h = 1i64 << k;
    let grid_sigma = sigma / h as f64;
    let half = START / 2.0;
    let taps = Taps::increment((grid_sigma * grid_sigma - half * half).max(0.0).sqrt());
    // The coarse nodes the outputs read, with the prefilter's padding.
    let nodes: Vec<Range<i64>> = axes
        .iter()
        .zip(outputs)
        .map(|(&(_, plan), output)| plan.level_nodes(k, output))
        .collect();
    let firsts: Vec<i64> = axes.iter().map(|(_, plan)| plan.grids[k - 1].start).collect();
    let (grid, firsts) = read_window(&grids[k - 1], axes, k, &firsts, &nodes, taps.reach());
    let mut plane: Option<Plane> = None;
    for ((&(axis, plan), nodes), &first) in axes.iter().zip(&nodes).zip(&firsts) {
        let source = plane.as_ref().unwrap_or(&grid);
        plane = Some(correlate(source, first, &taps, 1, nodes.clone(), axis, plan.outside[k]));
    }
    let mut plane = plane.unwrap_or(grid);
    for &(axis, _) in axes {
        prefilter(&mut plane, axis);
    }
    // The spline reads four nodes around each output: the prefilter's
    // padding is dropped before the upsampling passes run over the nodes.
    let mut ranges = [0..plane.rows, 0..plane.cols];
    let mut firsts = Vec::with_capacity(axes.len());
    for ((&(axis, _), nodes), output) in axes.iter().zip(&nodes).zip(outputs) {
        let read = output.start.div_euclid(h) - 1..(output.end - 1).div_euclid(h) + 3;
        let start = read.start.clamp(nodes.start, nodes.end);
        let end = read.end.clamp(start, nodes.end);
        ranges[axis.index()] = (start - nodes.start) as usize..(end - nodes.start) as usize;
        firsts.push(start);
    }
    let [rows, cols] = ranges;
    let mut plane = plane.window(rows, cols);
    // Along the rows first: the gathers of that pass then run over the
    // coarse rows only, and the pass down the rows adds whole rows.
    for (&(axis, _), (&first, output)) in axes.iter().zip(firsts.iter().zip(outputs)).rev() {
        plane = upsample(&plane, first, h, output.clone(), axis);
    }
    plane
}

/// The level of `sigma` (of octave `k`, as for [`level`]) of an axis's
/// indicator `line` (from [`indicator`], with its pyramid `grids`, over
/// the input of `plan`) at the positions `output`: the denominators of
/// the Clip border along that axis.
pub(crate) fn indicator_level(
    (sigma, k): (f64, usize),
    line: &Plane,
    grids: &[Plane],
    plan: &AxisPlan,
    output: Range<i64>,
) -> Vec<f32> {
    let level = level((sigma, k), line, grids, &[(Axis(0), plan)], &[output]);
    level.data.clone()
}

/// The indicator of an axis of `len` positions over the plan's input band.
pub(crate) fn indicator(len: usize, plan: &AxisPlan) -> Plane {
    let mut line = Plane::zeros(span(&plan.input), 1, 1);
    for (q, v) in plan.input.clone().zip(line.data.iter_mut()) {
        *v = f32::from(u8::from((0..len as i64).contains(&q)));
    }
    line
}

/// The pyramid of an axis's indicator `line`.
pub(crate) fn indicator_grids(line: &Plane, plan: &AxisPlan, top: usize) -> Vec<Plane> {
    let band = |positions| line.rows_read(plan.input.start, plan.outside[0], positions);
    grids(band, 1, 1, &[(Axis(0), plan)], top)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plane made from a dropped plane's buffer holds zeros, whatever the
    /// buffer held, and the spares are freed on request.
    #[test]
    fn planes_in_spare_buffers_are_zeros() {
        free_spares();
        let mut used = Plane::zeros(3, 5, 2);
        used.data.iter_mut().for_each(|v| *v = 7.5);
        let at = used.data.as_ptr();
        drop(used);
        let plane = Plane::zeros(2, 5, 2);
        assert_eq!(plane.data.as_ptr(), at, "the spare buffer serves the next plane");
        assert!(plane.data.iter().all(|&v| v == 0.0), "{:?}", plane.data);
        assert_eq!(plane.data.len(), 20);
        drop(plane);
        free_spares();
        assert!(take_spare(1, true).is_none());
    }

    /// Rows of every length around the vector widths, with terms of mixed
    /// signs and magnitudes: the vector paths (the build's, sixteen and
    /// eight lanes, and AVX-512 where the CPU has it) give the bits of the
    /// scalar twin.
    #[test]
    fn vector_sums_equal_their_scalar_twin() {
        let mut next = crate::test_numbers(0x1e7e15);
        let mut value = move || (next() % 20_001) as f32 / 997.0 - 10.0;
        for len in [0usize, 1, 7, 8, 15, 16, 17, 31, 33, 64, 70] {
            for count in [0usize, 1, 4, 33] {
                // Runs at offsets of every residue, overlapping.
                let input: Vec<f32> = (0..count * 5 + len + 3).map(|_| value()).collect();
                let terms: Vec<(f32, usize)> = (0..count).map(|i| (value() / 10.0, i * 5 + i % 3)).collect();
                let start: Vec<f32> = (0..len).map(|_| value()).collect();
                let mut scalar = start.clone();
                weighted_sum_scalar(&mut scalar, &input, &terms, 0);
                // What `out` held is not read: no terms give zeros.
                if count == 0 {
                    assert!(scalar.iter().all(|&v| v == 0.0), "{scalar:?}");
                }
                let mut results = Vec::new();
                let mut out = start.clone();
                weighted_sum(&mut out, &input, &terms);
                results.push(("dispatched", out));
                let mut out = start.clone();
                weighted_sum_in(Portable::<wide::i32x16>::new(), &mut out, &input, &terms);
                results.push(("sixteen", out));
                let mut out = start.clone();
                weighted_sum_in(Portable::<wide::i32x8>::new(), &mut out, &input, &terms);
                results.push(("eight", out));
                #[cfg(target_arch = "x86_64")]
                if let Some(lanes) = Isa::detect().avx512_lanes() {
                    let mut out = start.clone();
                    weighted_sum_in(lanes, &mut out, &input, &terms);
                    results.push(("avx512", out));
                }
                for (name, out) in results {
                    let same = out.iter().zip(&scalar).all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(same, "{name}, {len} values, {count} terms: {out:?} against {scalar:?}");
                }
            }
        }
    }
}
