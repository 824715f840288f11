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

use std::ops::Range;

use ndarray::{Array3, ArrayView3, Axis};

use super::weights::{PER_OCTAVE, extent, level_sigma};

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
        let e = extent(sigma) as i64;
        let mut weights: Vec<f64> = (-e..=e)
            .map(|d| {
                if sigma == 0.0 {
                    1.0
                } else {
                    (-((d * d) as f64) / (2.0 * sigma * sigma)).exp()
                }
            })
            .collect();
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        Taps { weights }
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

/// The positions one strip computes along one axis, in each grid: the
/// output positions (full resolution), the band of extended input, and
/// for each octave k >= 1 the nodes of grid k and the nodes its levels
/// prefilter. All are image coordinates in the grid's own units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AxisPlan {
    pub(crate) output: Range<i64>,
    pub(crate) input: Range<i64>,
    grids: Vec<Range<i64>>,
    levels: Vec<Range<i64>>,
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
    /// With `zero_outside` (the length of the axis, for the borders that
    /// read nothing outside the image) every range stops where the values
    /// of its grid are zero for certain, so the work stays within the
    /// image's reach whatever the sigma.
    pub(crate) fn new(output: Range<i64>, top: usize, zero_outside: Option<usize>) -> Self {
        let base = Taps::gaussian(START).reach();
        let grow = Taps::increment(grow_sigma()).reach();
        // Where each grid may be non-zero: the image, then each blur's reach.
        let everywhere = i64::MIN / 4..i64::MAX / 4;
        let mut support = vec![everywhere.clone(); top + 1];
        if let Some(len) = zero_outside {
            support[0] = 0..len as i64;
            for k in 1..=top {
                let (below, reach) = (&support[k - 1], if k == 1 { base } else { grow });
                support[k] = (below.start - reach).div_euclid(2)..(below.end - 1 + reach).div_euclid(2) + 2;
            }
        }
        let levels: Vec<Range<i64>> = (1..=top)
            .map(|k| {
                let h = 1i64 << k;
                let first = output.start.div_euclid(h) - 1 - PREFILTER_PAD;
                let last = (output.end - 1).div_euclid(h) + 2 + PREFILTER_PAD;
                let own = &support[k];
                let reach = INCREMENT_REACH + PREFILTER_PAD;
                first.max(own.start - reach)..(last + 1).min(own.end + reach)
            })
            .collect();
        let mut grids = vec![0..0; top];
        for k in (1..=top).rev() {
            let own = &levels[k - 1];
            let mut need = own.start - INCREMENT_REACH..own.end + INCREMENT_REACH;
            if k < top {
                let above = &grids[k];
                need = hull(need, 2 * above.start - grow..2 * (above.end - 1) + grow + 1);
            }
            grids[k - 1] = intersection(need, &support[k]);
        }
        let mut input = output.start - FINE_REACH..output.end + FINE_REACH;
        if let Some(first) = grids.first() {
            input = hull(input, 2 * first.start - base..2 * (first.end - 1) + base + 1);
        }
        let input = intersection(input, &support[0]);
        AxisPlan {
            output,
            input,
            grids,
            levels,
        }
    }
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

/// Output node n (image coordinates, `out` grid) along `axis` is the sum of
/// `taps` around input position `step` n; `input`'s first position along
/// `axis` is `first`.
fn correlate(
    input: ArrayView3<'_, f64>,
    first: i64,
    taps: &Taps,
    step: i64,
    out: Range<i64>,
    axis: Axis,
) -> Array3<f64> {
    let mut shape = input.raw_dim();
    shape[axis.index()] = span(&out);
    let mut output = Array3::zeros(shape);
    let reach = taps.reach();
    for (k, n) in out.enumerate() {
        let mut lane = output.index_axis_mut(axis, k);
        let start = step * n - reach - first;
        let len = input.len_of(axis) as i64;
        // Positions past the input's range are zero (only where a grid's
        // support ends; elsewhere the plan covers every tap).
        for (d, &t) in taps.weights.iter().enumerate() {
            let at = start + d as i64;
            if (0..len).contains(&at) {
                lane.scaled_add(t, &input.index_axis(axis, at as usize));
            }
        }
    }
    output
}

/// Replaces the values along `axis` by the coefficients of the cubic
/// B-spline through them (the causal and anti-causal recursions).
fn prefilter(plane: &mut Array3<f64>, axis: Axis) {
    let z = POLE;
    for mut lane in plane.lanes_mut(axis) {
        let n = lane.len();
        if n < 2 {
            continue;
        }
        let mut start = 0.0;
        let mut power = 1.0;
        for k in 0..n.min(2 * PREFILTER_PAD as usize) {
            start += power * lane[k];
            power *= z;
        }
        lane[0] = start;
        for k in 1..n {
            lane[k] += z * lane[k - 1];
        }
        let last = z / (z * z - 1.0) * (lane[n - 1] + z * lane[n - 2]);
        lane[n - 1] = last;
        for k in (0..n - 1).rev() {
            lane[k] = z * (lane[k + 1] - lane[k]);
        }
        lane.mapv_inplace(|v| 6.0 * v);
    }
}

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
fn upsample(coarse: ArrayView3<'_, f64>, first: i64, h: i64, out: Range<i64>, axis: Axis) -> Array3<f64> {
    let mut shape = coarse.raw_dim();
    shape[axis.index()] = span(&out);
    let mut output = Array3::zeros(shape);
    for (k, p) in out.enumerate() {
        let mut lane = output.index_axis_mut(axis, k);
        let node = p.div_euclid(h);
        for m in node - 1..=node + 2 {
            let w = bspline((p - m * h) as f64 / h as f64);
            let at = m - first;
            if w != 0.0 && (0..coarse.len_of(axis) as i64).contains(&at) {
                lane.scaled_add(w, &coarse.index_axis(axis, at as usize));
            }
        }
    }
    output
}

/// The grids 1 ..= top of the pyramid of `input` (the band of
/// [`AxisPlan::input`] along each planned axis).
pub(crate) fn grids(input: ArrayView3<'_, f64>, axes: &[(Axis, &AxisPlan)], top: usize) -> Vec<Array3<f64>> {
    let mut out: Vec<Array3<f64>> = Vec::with_capacity(top);
    let base = Taps::gaussian(START);
    let grow = Taps::increment(grow_sigma());
    for k in 1..=top {
        let mut plane = match out.last() {
            Some(below) => below.clone(),
            None => input.to_owned(),
        };
        for &(axis, plan) in axes {
            let (first, taps) = if k == 1 {
                (plan.input.start, &base)
            } else {
                (plan.grids[k - 2].start, &grow)
            };
            plane = correlate(plane.view(), first, taps, 2, plan.grids[k - 1].clone(), axis);
        }
        out.push(plane);
    }
    out
}

/// Level `j` at the output positions of every planned axis, from the
/// band `input` and its pyramid `grids`.
pub(crate) fn level(
    j: usize,
    input: ArrayView3<'_, f64>,
    grids: &[Array3<f64>],
    axes: &[(Axis, &AxisPlan)],
) -> Array3<f64> {
    let k = octave(j);
    if k == 0 {
        let taps = Taps::gaussian(level_sigma(j));
        let mut plane: Option<Array3<f64>> = None;
        for &(axis, plan) in axes {
            let source = plane.as_ref().map_or(input.view(), |p| p.view());
            let first = plan.input.start;
            let next = if taps.reach() == 0 {
                let from = (plan.output.start - first) as usize;
                let to = (plan.output.end - first) as usize;
                source.slice_axis(axis, (from..to).into()).to_owned()
            } else {
                correlate(source, first, &taps, 1, plan.output.clone(), axis)
            };
            plane = Some(next);
        }
        return plane.unwrap_or_else(|| input.to_owned());
    }
    let h = 1i64 << k;
    let grid_sigma = level_sigma(j) / h as f64;
    let half = START / 2.0;
    let taps = Taps::increment((grid_sigma * grid_sigma - half * half).max(0.0).sqrt());
    let mut plane = grids[k - 1].view().to_owned();
    for &(axis, plan) in axes {
        plane = correlate(
            plane.view(),
            plan.grids[k - 1].start,
            &taps,
            1,
            plan.levels[k - 1].clone(),
            axis,
        );
    }
    for &(axis, _) in axes {
        prefilter(&mut plane, axis);
    }
    for &(axis, plan) in axes {
        plane = upsample(plane.view(), plan.levels[k - 1].start, h, plan.output.clone(), axis);
    }
    plane
}

/// Level `j` of an axis's indicator `line` (from [`indicator`], with its
/// pyramid `grids`) at the output positions of `plan`: the denominators of
/// the Clip border along that axis.
pub(crate) fn indicator_level(j: usize, line: &Array3<f64>, grids: &[Array3<f64>], plan: &AxisPlan) -> Vec<f64> {
    level(j, line.view(), grids, &[(Axis(0), plan)])
        .iter()
        .copied()
        .collect()
}

/// The indicator of an axis of `len` positions over the plan's input band.
pub(crate) fn indicator(len: usize, plan: &AxisPlan) -> Array3<f64> {
    let mut line = Array3::zeros((span(&plan.input), 1, 1));
    for (q, v) in plan.input.clone().zip(line.iter_mut()) {
        *v = f64::from(u8::from((0..len as i64).contains(&q)));
    }
    line
}

/// The pyramid of an axis's indicator `line`.
pub(crate) fn indicator_grids(line: &Array3<f64>, plan: &AxisPlan, top: usize) -> Vec<Array3<f64>> {
    grids(line.view(), &[(Axis(0), plan)], top)
}
