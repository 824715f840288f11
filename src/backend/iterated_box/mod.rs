//! `IteratedBox`: the Gaussian of a per-pixel sigma, approximated by k
//! boxes, in O(1) per pixel whatever the sigma.
//!
//! Each output pixel gathers with its own kernel (the gather of the definition in [`crate::kernel`]):
//! - small sigma (below 3.5): the exact sampled Gaussian, tap by tap (at
//!   most 33 x 33 taps; a box approximation is poorest there, and the exact
//!   kernel is affordable);
//! - otherwise a mix of two k-fold boxes, widths 2n + 1 and 2n + 3, weighted
//!   so that the variance is exactly the sampled Gaussian's ([`plan`]);
//!   each k-fold box is read from k-times integrated images of the strip
//!   ([`integrated`], Heckbert 1986) with (k + 1)^2 table reads;
//! - in between, a blend of the two that moves continuously with sigma.
//!
//! The mix of widths (rather than one fractional width) is what keeps the
//! per-pixel cost at 2 (k + 1)^2 reads: a k-fold box of one integer width is
//! a plain k-th difference of the integrated table.

mod integrated;
mod periodic;
mod plan;
mod replicate;

use std::ops::Range;

use ndarray::{ArrayView3, ArrayViewMut3, Axis};

use self::integrated::{IntegratedBand, IntegratedLine, IntegratedRows, Quantizer, ReadCaches, Wrapping, axis_mass};
use self::periodic::{AxisFold, AxisPeriod, PeriodSums, folded_reach, is_periodic};
use self::plan::{DIRECT_EXTENT, PixelKernel, Planner};
use self::replicate::ReplicateEdges;
use crate::border::Border;
use crate::error::Error;
use crate::filter::{Filter, Job, Request, RunSamples, Support, TypedJob};
use crate::kernel::{GaussianTaps, Kernel, Size};
use crate::non_finite::{self, NonFinite};
use crate::sample::{Sample, SampleType};
use crate::strips::{Band, as_contiguous, band_rows, for_each_strip, strip_rows_within};

/// The Gaussian of a per-pixel (or uniform) sigma, approximated by k boxes
/// whose total variance equals the sampled Gaussian's; O(1) per pixel.
/// Its bound against [`super::Naive`] is in the repository's
/// `docs/DEFINITION.md`; `cargo run --release --example gaussian_accuracy`
/// measures its error on realistic images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IteratedBox {
    boxes: usize,
}

impl Default for IteratedBox {
    fn default() -> Self {
        IteratedBox {
            boxes: Self::DEFAULT_BOXES,
        }
    }
}

impl IteratedBox {
    /// Boxes per axis unless asked otherwise.
    pub const DEFAULT_BOXES: usize = 3;
    /// The box counts supported.
    pub const BOXES: std::ops::RangeInclusive<usize> = 2..=5;

    /// The backend with `boxes` boxes per axis (2..=5; more boxes are closer
    /// to the Gaussian and cost (k + 1)^2 table reads per pixel).
    pub fn new(boxes: usize) -> Result<Self, Error> {
        if Self::BOXES.contains(&boxes) {
            Ok(IteratedBox { boxes })
        } else {
            Err(Error::InvalidBoxCount {
                boxes,
                supported: Self::BOXES,
            })
        }
    }

    /// Boxes per axis.
    pub fn boxes(&self) -> usize {
        self.boxes
    }
}

/// Bytes of tables a strip may take for taller strips (see
/// `strips::strip_rows_within`): 64 MB, a few per thread of L3-sized work.
const STRIP_BUDGET: usize = 64 << 20;

/// log2 of the largest total weight a window's integer kernel puts on
/// `len` positions: per axis at most min(w^k, len w^(k-1)).
fn axis_weight_bits(boxes: usize, width: i64, len: i64) -> f64 {
    let w = (width as f64).log2();
    (boxes as f64 * w).min((len.max(1) as f64).log2() + (boxes - 1) as f64 * w)
}

/// Float samples become integers with at least this many bits below the
/// band's largest magnitude in 64-bit tables (a relative step of 2^-28,
/// 4e-9, far below the approximation's error); wider windows take 128-bit
/// tables, with up to 62 such bits.
const FLOAT_FRACTION_BITS: f64 = 28.0;

/// Fewest bits below a float band's largest magnitude that a 128-bit table
/// must leave (a relative step of 2^-16, 1.5e-5; only sigmas of thousands
/// on images of thousands of pixels come near it).
const MIN_FLOAT_FRACTION_BITS: f64 = 16.0;

/// log2 of the largest total weight of one integer window sum that a
/// request reads: k = `boxes` boxes of half-width up to `widest` on tables
/// of `table` = (rows, columns) positions, of an image of `image` = (H, W).
/// Replicate's edge parts are windows of the image's edges, no larger.
/// With the periodic borders, widths fold to at most the image side, and
/// the period sums add 1-D windows of row and column sums over a fold
/// period (at most 2 L positions: each position at most twice).
fn window_bits(boxes: usize, border: Border, widest: i64, table: (i64, i64), image: (usize, usize)) -> f64 {
    let w = 2 * widest + 1;
    if is_periodic(border) {
        let (h, wd) = (image.0.max(1) as i64, image.1.max(1) as i64);
        let down = axis_weight_bits(boxes, w.min(h), table.0);
        let along = axis_weight_bits(boxes, w.min(wd), table.1);
        let (rows, cols) = (((2 * h) as f64).log2(), ((2 * wd) as f64).log2());
        (down + along).max(down + cols).max(along + rows).max(rows + cols)
    } else {
        axis_weight_bits(boxes, w, table.0) + axis_weight_bits(boxes, w, table.1)
    }
}

/// The table bits (64 or 128) for window sums of `weight_bits` (see
/// [`window_bits`]): integers need every window sum below 2^62 or 2^126;
/// floats need [`FLOAT_FRACTION_BITS`] in 64 bits, or at least
/// [`MIN_FLOAT_FRACTION_BITS`] in 128. `None` where neither fits.
fn table_bits(sample: SampleType, weight_bits: f64) -> Option<u32> {
    let need = if sample.is_integer() {
        let max = if sample == SampleType::U8 { 255.0f64 } else { 65535.0 };
        max.log2() + weight_bits
    } else {
        weight_bits + FLOAT_FRACTION_BITS
    };
    if need <= 62.0 {
        Some(64)
    } else if need <= 126.0 || (!sample.is_integer() && weight_bits + MIN_FLOAT_FRACTION_BITS <= 124.0) {
        Some(128)
    } else {
        None
    }
}

/// The 1-D sampled Gaussian of `sigma` (at most [`DIRECT_EXTENT`]) into
/// `weights[..2e + 1]`, centre at e; returns its extent e.
fn gaussian_weights(sigma: f32, weights: &mut [f64; 2 * DIRECT_EXTENT as usize + 1]) -> i64 {
    let taps = GaussianTaps::new(sigma);
    let e = taps.extent().min(DIRECT_EXTENT);
    // w(d) = q^(d^2), q = exp(-1 / (2 sigma^2)): one exp, then
    // w(d + 1) = w(d) q^(2d + 1).
    weights[e as usize] = 1.0;
    if e > 0 {
        let q = taps.weight(1);
        let (mut w, mut step) = (1.0, q);
        for d in 1..=e as usize {
            w *= step;
            step *= q * q;
            weights[e as usize + d] = w;
            weights[e as usize - d] = w;
        }
    }
    e
}

/// The samples of the positions a strip reads, in their own type: rows `rows` x
/// columns `cols` (image coordinates; beyond the image where the border
/// rule reads image pixels there), channels interleaved.
struct BandSamples<T> {
    rows: Range<i64>,
    cols: Range<i64>,
    channels: usize,
    values: Vec<T>,
}

impl<T: Sample> BandSamples<T> {
    fn read(input: &ArrayView3<'_, T>, border: Border, rows: Range<i64>, cols: Range<i64>) -> Self {
        let (height, width, channels) = input.dim();
        let row_len = (cols.end - cols.start) as usize * channels;
        let mut values = vec![T::default(); (rows.end - rows.start) as usize * row_len];
        let mut scratch = Vec::new();
        for (row, out) in rows.clone().zip(values.chunks_exact_mut(row_len.max(1))) {
            if border.reads_outside() {
                let my = border.map_index(row, height).expect("padded borders read the image");
                for (x, px) in cols.clone().zip(out.chunks_exact_mut(channels)) {
                    let mx = border.map_index(x, width).expect("padded borders read the image");
                    for (ch, v) in px.iter_mut().enumerate() {
                        *v = input[[my, mx, ch]];
                    }
                }
            } else {
                let pixels = as_contiguous(input.index_axis(Axis(0), row as usize), &mut scratch);
                out.copy_from_slice(pixels);
            }
        }
        BandSamples {
            rows,
            cols,
            channels,
            values,
        }
    }

    fn row_len(&self) -> usize {
        (self.cols.end - self.cols.start) as usize * self.channels
    }

    /// The samples of position row `row`.
    fn row(&self, row: i64) -> &[T] {
        let j = (row - self.rows.start) as usize;
        &self.values[j * self.row_len()..(j + 1) * self.row_len()]
    }

    /// The samples of position row `row`, columns `cols` (within the band's).
    fn row_part(&self, row: i64, cols: &Range<i64>) -> &[T] {
        let first = (cols.start - self.cols.start) as usize * self.channels;
        &self.row(row)[first..first + (cols.end - cols.start) as usize * self.channels]
    }

    /// The exact sampled Gaussian of `sigma` around (y, x), every channel,
    /// into `out`. Positions outside the band lie outside the image (the
    /// band holds every position the kernel reads there).
    fn direct_gather(&self, border: Border, sigma: f32, (y, x): (i64, i64), out: &mut [f64]) {
        let mut weights = [0.0f64; 2 * DIRECT_EXTENT as usize + 1];
        let e = gaussian_weights(sigma, &mut weights);
        let weights = &weights[..(2 * e + 1) as usize];
        let full: f64 = weights.iter().sum();
        let (r0, r1) = ((y - e).max(self.rows.start), (y + e + 1).min(self.rows.end));
        let (c0, c1) = ((x - e).max(self.cols.start), (x + e + 1).min(self.cols.end));
        let wy = &weights[(r0 - y + e) as usize..(r1 - y + e) as usize];
        let wx = &weights[(c0 - x + e) as usize..(c1 - x + e) as usize];
        let (in_y, in_x): (f64, f64) = (wy.iter().sum(), wx.iter().sum());
        let channels = self.channels;
        let mut sums = [0.0f64; crate::MAX_CHANNELS];
        let sums = &mut sums[..channels];
        let mut row_sums = [0.0f64; crate::MAX_CHANNELS];
        let row_sums = &mut row_sums[..channels];
        for (row, wr) in (r0..r1).zip(wy) {
            let first = (c0 - self.cols.start) as usize * channels;
            let samples = &self.row(row)[first..first + wx.len() * channels];
            if channels == 1 {
                row_sums[0] = dot(samples, wx);
            } else {
                row_sums.fill(0.0);
                for (px, wc) in samples.chunks_exact(channels).zip(wx) {
                    for (acc, v) in row_sums.iter_mut().zip(px) {
                        *acc += wc * v.to_f64();
                    }
                }
            }
            for (acc, r) in sums.iter_mut().zip(row_sums.iter()) {
                *acc += wr * r;
            }
        }
        for (out, num) in out.iter_mut().zip(sums.iter()) {
            *out = match border {
                Border::Clip => num / (in_y * in_x),
                Border::Constant(c) => (num + c * (full * full - in_y * in_x)) / (full * full),
                _ => num / (full * full),
            };
        }
    }
}

/// The box window sums of one output row's pixels whose windows lie inside
/// the table, per box slot of their plans, computed run by run (runs of
/// one half-width: [`IntegratedBand::run_windows`]); the same integers as
/// [`IntegratedBand::window_cached`] pixel by pixel.
struct RowWindows<V> {
    channels: usize,
    /// Per slot and centre: the half-width of the sums held, or -1 for none.
    inner: [Vec<i64>; 2],
    /// Per slot: the sums, `channels` per centre.
    sums: [Vec<V>; 2],
}

impl<V: Wrapping> RowWindows<V> {
    fn new(width: usize, channels: usize) -> Self {
        RowWindows {
            channels,
            inner: std::array::from_fn(|_| vec![-1; width]),
            sums: std::array::from_fn(|_| vec![V::default(); width * channels]),
        }
    }

    /// The sums of image row `y`, whose pixels have the plans `plans`.
    fn fill<const K: usize>(&mut self, table: &IntegratedBand<V>, y: i64, plans: &[PixelKernel]) {
        let channels = self.channels;
        for slot in 0..2 {
            // The half-width a pixel's box of this slot reads, or -1.
            let wanted = |plan: &PixelKernel| match plan.boxes[slot] {
                (inner, weight) if plan.direct < 1.0 && weight > 0.0 => inner,
                _ => -1,
            };
            let (inner, sums) = (&mut self.inner[slot], &mut self.sums[slot]);
            inner.fill(-1);
            let mut start = 0;
            while start < plans.len() {
                let n = wanted(&plans[start]);
                let end = start + plans[start..].iter().take_while(|p| wanted(p) == n).count();
                if n >= 0 {
                    let inside = table.inside_columns::<K>(y, n);
                    let xs = inside.start.max(start as i64)..inside.end.min(end as i64);
                    if !xs.is_empty() {
                        let (a, b) = (xs.start as usize, xs.end as usize);
                        table.run_windows::<K>(y, xs, n, &mut sums[a * channels..b * channels]);
                        inner[a..b].fill(n);
                    }
                }
                start = end;
            }
        }
    }

    /// The sum of `slot` at centre `x`, channel `ch`, if held for `inner`.
    #[inline(always)]
    fn get(&self, slot: usize, x: usize, inner: i64, ch: usize) -> Option<V> {
        (self.inner[slot][x] == inner).then(|| self.sums[slot][x * self.channels + ch])
    }
}

/// Sum of `a[i] b[i]`, in four interleaved partial sums so that it vectorises.
#[inline]
fn dot<T: Sample>(a: &[T], b: &[f64]) -> f64 {
    let mut partial = [0.0f64; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(x, y)| x.to_f64() * y)
        .sum();
    for (x, y) in a4.zip(b4) {
        for i in 0..4 {
            partial[i] += x[i].to_f64() * y[i];
        }
    }
    (partial[0] + partial[1]) + (partial[2] + partial[3]) + tail
}

/// One box of a plan (half-width and weight) with its folds down and along
/// the rows (see [`periodic`]; no fold but for the periodic borders).
#[derive(Debug, Clone, Copy)]
struct FoldedBox {
    inner: i64,
    weight: f64,
    down: AxisFold,
    along: AxisFold,
}

/// Everything a strip needs that is the same for every strip.
struct GaussianStrips<'a, T> {
    input: ArrayView3<'a, T>,
    sigmas: crate::kernel::RowSizes<'a>,
    border: Border,
    planner: Planner,
    boxes: usize,
}

impl<T: Sample> GaussianStrips<'_, T> {
    /// How far the folded kernels of the pixels of output `rows` reach
    /// (down, along the rows), with a periodic border: a band padded that far holds
    /// every position they read.
    fn folded_halo(&self, rows: &Range<usize>) -> (i64, i64) {
        let (_, width, _) = self.input.dim();
        let k = self.boxes as i64;
        let (mut halo, mut last) = ((0, 0), None);
        for y in rows.clone() {
            for x in 0..width {
                let sigma = self.sigmas.at(y, x);
                if last == Some(sigma.to_bits()) {
                    continue;
                }
                last = Some(sigma.to_bits());
                let plan = self.planner.plan(sigma);
                let direct = if plan.direct > 0.0 {
                    GaussianTaps::new(sigma).extent()
                } else {
                    0
                };
                for b in self.folded(&plan).iter().filter(|b| b.weight > 0.0) {
                    halo.0 = i64::max(halo.0, k * b.down.inner);
                    halo.1 = i64::max(halo.1, k * b.along.inner);
                }
                halo = (halo.0.max(direct), halo.1.max(direct));
            }
        }
        halo
    }

    /// The plan's boxes, folded onto the periods of the axes where the
    /// border is periodic.
    fn folded(&self, plan: &PixelKernel) -> [FoldedBox; 2] {
        let (height, width, _) = self.input.dim();
        plan.boxes.map(|(inner, weight)| {
            let fold = |len| match AxisPeriod::new(self.border, len) {
                Some(period) => AxisFold::new(self.boxes, inner, period),
                None => AxisFold::unfolded(inner),
            };
            FoldedBox {
                inner,
                weight,
                down: fold(height),
                along: fold(width),
            }
        })
    }

    /// (2n + 1)^(2k): the total weight of the unnormalised k-fold box in 2-D.
    #[inline(always)]
    fn total_weight(&self, inner: i64) -> f64 {
        let w = (2 * inner + 1) as f64;
        (0..2 * self.boxes).fold(1.0, |t, _| t * w)
    }

    /// The positions a strip of output `rows` reads for kernels reaching
    /// `halo` = (down, along) the rows: the band of rows they reach, padded
    /// by the border rule for the periodic borders (as far as the folded
    /// kernels reach, see [`periodic`]); for Replicate, padded only as far
    /// as the exact taps reach (the boxes take the edges by their weight,
    /// see [`replicate`]).
    ///
    /// With `mirrored`, the band also holds the rows that kernels folded to
    /// the mirror rows read (see [`periodic`]).
    fn band(&self, rows: &Range<usize>, (halo, halo_x): (i64, i64), mirrored: bool) -> BandSamples<T> {
        let (height, width, _) = self.input.dim();
        let clamped = band_rows(rows, halo as usize, height);
        let (band_y, band_x) = match self.border {
            Border::Reflect | Border::Symmetric | Border::Wrap => {
                let (mut start, mut end) = (rows.start as i64, rows.end as i64);
                if mirrored {
                    (start, end) = (start.min(height as i64 - end), end.max(height as i64 - start));
                }
                (start - halo..end + halo, -halo_x..width as i64 + halo_x)
            }
            Border::Replicate => {
                let pad = halo.min(DIRECT_EXTENT);
                let start = if clamped.start == 0 { -pad } else { clamped.start as i64 };
                let end = if clamped.end == height {
                    height as i64 + pad
                } else {
                    clamped.end as i64
                };
                (start..end, -pad..width as i64 + pad)
            }
            _ => (clamped.start as i64..clamped.end as i64, 0..width as i64),
        };
        BandSamples::read(&self.input, self.border, band_y, band_x)
    }

    /// The positions of a band that the box tables cover: the whole band,
    /// but for Replicate its image part only.
    fn table_region(&self, band: &BandSamples<T>) -> (Range<i64>, Range<i64>) {
        let (height, width, _) = self.input.dim();
        match self.border {
            Border::Replicate => (
                band.rows.start.max(0)..band.rows.end.min(height as i64),
                0..width as i64,
            ),
            _ => (band.rows.clone(), band.cols.clone()),
        }
    }

    /// The image rows that kernels of output `rows` reaching `halo` read:
    /// those within `halo` of the strip, and with Wrap, where that passes
    /// an edge, the rows it reaches past the other edge (not the rows
    /// between, so the counts stay the size of the strip's band). The
    /// mirror borders read back into the rows within `halo`.
    fn non_finite_rows(&self, rows: &Range<usize>, halo: i64) -> Band {
        let halo = usize::try_from(halo).unwrap_or(0);
        Band::of(rows, halo, self.input.dim().0, self.border)
    }

    /// The edge lines for Replicate (else `None`), for tables over `rows`.
    fn replicate_edges<V: Wrapping>(
        &self,
        band: &BandSamples<T>,
        rows: &Range<i64>,
        quantizer: Quantizer,
    ) -> Option<ReplicateEdges<V>> {
        let (height, width, _) = self.input.dim();
        (self.border == Border::Replicate && width > 0 && !rows.is_empty())
            .then(|| ReplicateEdges::build(band, (height as i64, width as i64), rows.clone(), quantizer, self.boxes))
    }

    /// The integers for the band's samples in tables of `V` whose windows
    /// reach `widest` (n of the widest box), and whether the samples the
    /// strip's kernels read hold non-finite ones: the band's, and with
    /// `whole_image` (kernels folded down the columns) the whole image's.
    fn quantizer<V: Wrapping>(&self, band: &BandSamples<T>, widest: i64, whole_image: bool) -> (Quantizer, bool) {
        if T::TYPE.is_integer() {
            return (Quantizer::identity(), false);
        }
        let (mut largest, mut non_finite) = (0.0f64, false);
        // The column period sums read every image row, and so do the
        // kernels folded down the columns.
        if whole_image {
            for v in self.input.iter().map(|v| v.to_f64()) {
                if v.is_finite() {
                    largest = largest.max(v.abs());
                } else {
                    non_finite = true;
                }
            }
        }
        for v in band.values.iter().map(|v| v.to_f64()) {
            if v.is_finite() {
                largest = largest.max(v.abs());
            } else {
                non_finite = true;
            }
        }
        let (rows, cols) = self.table_region(band);
        let table = (rows.end - rows.start, cols.end - cols.start);
        let (height, width, _) = self.input.dim();
        let bits = window_bits(self.boxes, self.border, widest, table, (height, width));
        (Quantizer::for_floats(largest, bits, V::BITS), non_finite)
    }

    /// How far the band of a uniform kernel's strip reaches (down, along
    /// the rows): the kernel's extent `halo`, or with a periodic border as
    /// far as its folded boxes (and its exact taps) reach.
    fn uniform_band_halo(&self, plan: &PixelKernel, sigma: f32, boxes: &[FoldedBox], halo: i64) -> (i64, i64) {
        if !is_periodic(self.border) {
            return (halo, halo);
        }
        let direct = if plan.direct > 0.0 {
            GaussianTaps::new(sigma).extent()
        } else {
            0
        };
        let reach = |inner: fn(&FoldedBox) -> i64| {
            boxes
                .iter()
                .map(|b| self.boxes as i64 * inner(b))
                .max()
                .unwrap_or(0)
                .max(direct)
        };
        (reach(|b| b.down.inner), reach(|b| b.along.inner))
    }

    /// Computes output rows `rows` of a uniform `sigma` into `out`
    /// separably: each k-fold box is a pass along the rows and one down the
    /// columns, over k-times integrated lines ([`IntegratedLine`]), so the
    /// integer window sums are those of [`GaussianStrips::strip`]'s tables, at
    /// 2 (k + 1) reads per box instead of (k + 1)^2.
    fn strip_uniform<V: Wrapping, const K: usize>(&self, rows: Range<usize>, out: ArrayViewMut3<'_, T>, sigma: f32) {
        let (_, width, channels) = self.input.dim();
        let plan = self.planner.plan(sigma);
        let halo = self.planner.extent(&plan, sigma);
        let boxes: Vec<FoldedBox> = self.folded(&plan).into_iter().filter(|b| b.weight > 0.0).collect();
        let band_halo = self.uniform_band_halo(&plan, sigma, &boxes, halo);
        let band = self.band(&rows, band_halo, boxes.iter().any(|b| b.down.mirror));
        let row_len = width * channels;
        let columns_fold = boxes.iter().any(|b| b.down.folds());
        let (quantizer, non_finite) = self.quantizer::<V>(&band, plan.widest().unwrap_or(0), columns_fold);
        let mut boxed = vec![0.0f64; rows.len() * row_len];
        if plan.direct < 1.0 {
            let boxes = UniformBoxes {
                boxes: &boxes,
                stretch: self.planner.stretch(sigma),
                quantizer,
                columns_fold,
            };
            self.uniform_boxes::<V, K>(&rows, &band, boxes, &mut boxed);
        }
        let mut direct = vec![0.0f64; if plan.direct > 0.0 { rows.len() * row_len } else { 0 }];
        if plan.direct > 0.0 {
            self.separable_gaussian(&band, &rows, sigma, &mut direct);
        }
        let counts = non_finite.then(|| NonFinite::build(&self.input, self.non_finite_rows(&rows, halo)));
        self.write_uniform_rows(&rows, &plan, (&direct, &boxed), counts.as_ref().map(|c| (c, halo)), out);
    }

    /// Adds a uniform kernel's boxes to `boxed` (output `rows` x width x
    /// channels), normalised per the border: for each box a pass along the
    /// rows, then one down the columns.
    fn uniform_boxes<V: Wrapping, const K: usize>(
        &self,
        rows: &Range<usize>,
        band: &BandSamples<T>,
        kernel: UniformBoxes<'_>,
        boxed: &mut [f64],
    ) {
        let (height, width, channels) = self.input.dim();
        let border = self.border;
        let quantizer = kernel.quantizer;
        let (line_y, line_x) = self.table_region(band);
        let row_len = width * channels;
        let period = kernel
            .boxes
            .iter()
            .any(|b| b.down.folds() || b.along.folds())
            .then(|| PeriodSums::<V>::build(&self.input, border, band, quantizer, self.boxes, kernel.columns_fold));
        let edges = self.replicate_edges::<V>(band, &line_y, quantizer);
        let clip_or_constant = !border.reads_outside();
        let mut line = IntegratedLine::<V>::new(self.boxes);
        let mut passed = vec![V::default(); line_y.clone().count() * row_len];
        let mut inside = vec![0.0f64; if clip_or_constant { rows.len() * width } else { 0 }];
        for &FoldedBox {
            inner,
            weight,
            down: fold_y,
            along: fold_x,
        } in kernel.boxes
        {
            self.pass_along_rows::<V, K>(band, (&line_y, &line_x), fold_x, quantizer, &mut line, &mut passed);
            // Down the columns.
            let columns = IntegratedRows::new(self.boxes, line_y.start, &mut passed, row_len);
            if let Some(edges) = &edges {
                edges.add_uniform_box::<K>(&columns, rows, (inner, weight, kernel.stretch), boxed);
                continue;
            }
            let restored = quantizer.restore(weight / self.total_weight(inner));
            let dims = (height, width, channels);
            match &period {
                Some(period) => period.add_uniform_box::<K>(&columns, rows, dims, (fold_y, fold_x), restored, boxed),
                None => add_box_rows(&columns, rows, (height, row_len), fold_y, restored, boxed),
            }
            if clip_or_constant {
                self.add_inside_mass(rows, inner, weight, &mut inside);
            }
        }
        normalise_by_border(border, boxed, &inside, (width, channels));
    }

    /// The pass along the rows of one box: each line of the table region
    /// (`line_y` x `line_x`), k times integrated per channel, read at every
    /// column's window (folded by `fold_x`) into `passed`.
    fn pass_along_rows<V: Wrapping, const K: usize>(
        &self,
        band: &BandSamples<T>,
        (line_y, line_x): (&Range<i64>, &Range<i64>),
        fold_x: AxisFold,
        quantizer: Quantizer,
        line: &mut IntegratedLine<V>,
        passed: &mut [V],
    ) {
        let (_, width, channels) = self.input.dim();
        let row_len = width * channels;
        // Every line of the band has the same reads.
        let line_len = (line_x.end - line_x.start) as usize;
        let mut reads = IntegratedLine::<V>::reads::<K>(line_x.start, line_len, 0..width as i64, fold_x.inner);
        if fold_x.mirror {
            reads.reverse();
        }
        for (j, row) in line_y.clone().enumerate() {
            let samples = band.row_part(row, line_x);
            for ch in 0..channels {
                let values = samples[ch..].iter().step_by(channels);
                line.fill(
                    line_x.start,
                    values.map(|v| {
                        let v = v.to_f64();
                        V::from_i64(if v.is_finite() { quantizer.quantize(v) } else { 0 })
                    }),
                );
                for (x, read) in reads.iter().enumerate() {
                    passed[j * row_len + x * channels + ch] = fold_x.signed(line.window_read::<K>(read));
                }
            }
        }
    }

    /// Adds one box's in-image weight per pixel (`weight` over its total
    /// weight, times its in-image mass on each axis) to `inside` (output
    /// `rows` x width): what Clip and Constant normalise by.
    fn add_inside_mass(&self, rows: &Range<usize>, inner: i64, weight: f64, inside: &mut [f64]) {
        let (height, width, _) = self.input.dim();
        let total = self.total_weight(inner);
        let mass_x: Vec<f64> = (0..width as i64)
            .map(|x| axis_mass(self.boxes, inner, x, width as i64))
            .collect();
        for (j, y) in rows.clone().enumerate() {
            let mass_y = weight / total * axis_mass(self.boxes, inner, y as i64, height as i64);
            for (m, mx) in inside[j * width..(j + 1) * width].iter_mut().zip(&mass_x) {
                *m += mass_y * mx;
            }
        }
    }

    /// Writes output `rows` into `out`: the exact taps' part (`direct`)
    /// mixed with the boxes' (`boxed`) per the plan, and where `counts`
    /// finds a NaN or infinity within `halo` of a pixel, what it gives.
    fn write_uniform_rows(
        &self,
        rows: &Range<usize>,
        plan: &PixelKernel,
        (direct, boxed): (&[f64], &[f64]),
        counts: Option<(&NonFinite, i64)>,
        mut out: ArrayViewMut3<'_, T>,
    ) {
        let (_, width, channels) = self.input.dim();
        let row_len = width * channels;
        for (j, y) in rows.clone().enumerate() {
            for x in 0..width {
                for ch in 0..channels {
                    let i = j * row_len + x * channels + ch;
                    let mut value = plan.mix(direct.get(i), boxed[i]);
                    if let Some((counts, halo)) = counts {
                        let (up, down) = counts.window(self.border, (y, x), halo, ch);
                        if let Some(special) = non_finite::class(up, down) {
                            value = special;
                        }
                    }
                    out[[j, x, ch]] = T::from_f64(value);
                }
            }
        }
    }

    /// The exact sampled Gaussian of a uniform `sigma` (at most
    /// [`DIRECT_EXTENT`] taps per side) for output `rows`, separably, into
    /// `out` (rows x width x channels), normalised per the border.
    fn separable_gaussian(&self, band: &BandSamples<T>, rows: &Range<usize>, sigma: f32, out: &mut [f64]) {
        let (_, width, channels) = self.input.dim();
        let mut weights = [0.0f64; 2 * DIRECT_EXTENT as usize + 1];
        let e = gaussian_weights(sigma, &mut weights);
        let weights = &weights[..(2 * e + 1) as usize];
        let full: f64 = weights.iter().sum();
        let row_len = width * channels;
        let band_height = band.rows.clone().count();
        // The in-band taps of position p: the first position and the weights.
        let taps = |p: i64, span: &Range<i64>| {
            let (lo, hi) = ((p - e).max(span.start), (p + e + 1).min(span.end));
            (lo, &weights[(lo - p + e) as usize..(hi - p + e) as usize])
        };
        let mut passed = vec![0.0f64; band_height * row_len];
        for (j, row) in band.rows.clone().enumerate() {
            let samples = band.row(row);
            for x in 0..width as i64 {
                let (first, wx) = taps(x, &band.cols);
                let start = (first - band.cols.start) as usize * channels;
                for ch in 0..channels {
                    let values = samples[start + ch..].iter().step_by(channels);
                    passed[j * row_len + x as usize * channels + ch] =
                        values.zip(wx).map(|(v, w)| v.to_f64() * w).sum();
                }
            }
        }
        for (j, y) in rows.clone().enumerate() {
            let (first, wy) = taps(y as i64, &band.rows);
            let in_y: f64 = wy.iter().sum();
            let out_row = &mut out[j * row_len..(j + 1) * row_len];
            for (k, w) in wy.iter().enumerate() {
                let start = ((first - band.rows.start) as usize + k) * row_len;
                for (o, v) in out_row.iter_mut().zip(&passed[start..start + row_len]) {
                    *o += w * v;
                }
            }
            for x in 0..width {
                let in_x: f64 = taps(x as i64, &band.cols).1.iter().sum();
                for o in &mut out_row[x * channels..(x + 1) * channels] {
                    *o = match self.border {
                        Border::Clip => *o / (in_y * in_x),
                        Border::Constant(c) => (*o + c * (full * full - in_y * in_x)) / (full * full),
                        _ => *o / (full * full),
                    };
                }
            }
        }
    }

    /// The separable passes for a uniform sigma, else the per-pixel tables.
    fn dispatch<V: Wrapping, const K: usize>(
        &self,
        rows: Range<usize>,
        out: ArrayViewMut3<'_, T>,
        uniform: Option<f32>,
    ) {
        match uniform {
            Some(sigma) => self.strip_uniform::<V, K>(rows, out, sigma),
            None => self.strip::<V, K>(rows, out),
        }
    }

    /// The largest sigma of output `rows`: the strip's sizes (halo, widest
    /// box, table bits) are bounded by its kernel, as sizes grow with sigma.
    fn strip_sigma_bound(&self, rows: &Range<usize>) -> f32 {
        let (_, width, _) = self.input.dim();
        rows.clone()
            .flat_map(|y| (0..width).map(move |x| (y, x)))
            .map(|(y, x)| self.sigmas.at(y, x))
            .fold(0.0f32, f32::max)
    }

    /// The band and the tables every pixel of output `rows` reads from.
    fn strip_tables<V: Wrapping>(&self, rows: &Range<usize>) -> StripTables<T, V> {
        let (height, width, channels) = self.input.dim();
        let border = self.border;
        let max_sigma = self.strip_sigma_bound(rows);
        let halo = self.planner.reach_bound(max_sigma);
        let max_inner = self.planner.widest_bound(max_sigma);
        // Kernels of at most the widest width: if that one does not fold, none does.
        let folds = |len| {
            let period = AxisPeriod::new(border, len);
            period.is_some_and(|period| max_inner.is_some_and(|n| AxisFold::new(self.boxes, n, period).folds()))
        };
        let (columns_fold, rows_fold) = (folds(height), folds(width));
        // Where some kernel folds, pad only as far as the folded kernels reach.
        let band_halo = if columns_fold || rows_fold {
            self.folded_halo(rows)
        } else {
            (halo, halo)
        };
        // Folds mirror for odd k only, and only where half a period mirrors.
        let mirrors = AxisPeriod::new(border, height).is_some_and(|period| period.mirrors());
        let band = self.band(rows, band_halo, columns_fold && mirrors && self.boxes % 2 == 1);
        let (table_y, table_x) = self.table_region(&band);
        let (quantizer, non_finite) = self.quantizer::<V>(&band, max_inner.unwrap_or(0), columns_fold);
        let table = max_inner.map(|_| {
            IntegratedBand::<V>::build(self.boxes, channels, table_y.clone(), table_x.clone(), |row, out| {
                for (o, v) in out.iter_mut().zip(band.row_part(row, &table_x)) {
                    let v = v.to_f64();
                    *o = if v.is_finite() { quantizer.quantize(v) } else { 0 };
                }
            })
        });
        let edges = max_inner.and_then(|_| self.replicate_edges::<V>(&band, &table_y, quantizer));
        let period = (columns_fold || rows_fold)
            .then(|| PeriodSums::<V>::build(&self.input, border, &band, quantizer, self.boxes, columns_fold));
        let non_finite = non_finite.then(|| NonFinite::build(&self.input, self.non_finite_rows(rows, halo)));
        StripTables {
            band,
            table,
            quantizer,
            edges,
            period,
            non_finite,
        }
    }

    /// The plan of each pixel of image row `y`, into `plans`.
    fn row_plans(&self, y: usize, plans: &mut Vec<PixelKernel>) {
        let (_, width, _) = self.input.dim();
        plans.clear();
        let mut previous = f32::NAN;
        for x in 0..width {
            let sigma = self.sigmas.at(y, x);
            // Neighbours often share a sigma (plateaus of a distance map).
            let plan = match plans.last() {
                Some(&plan) if sigma.to_bits() == previous.to_bits() => plan,
                _ => self.planner.plan(sigma),
            };
            previous = sigma;
            plans.push(plan);
        }
    }

    /// The normalised kernel's in-image weight at `(py, px)`, for Clip and
    /// Constant: per box of `boxes` (half-width, weight over its total),
    /// its weight times its in-image masses down and along, each kept in
    /// `masses` (the row's, the column's) for the neighbours with the same
    /// box.
    fn inside_weight(&self, boxes: &[(i64, f64); 2], (py, px): (i64, i64), masses: [&mut [MassCache; 2]; 2]) -> f64 {
        let (height, width, _) = self.input.dim();
        let [row_masses, column_masses] = masses;
        let mut inside = 0.0;
        for (slot, &(inner, weight)) in boxes.iter().enumerate().filter(|b| b.1.1 > 0.0) {
            let mass = |cache: &mut MassCache, p, len| match *cache {
                Some((n, mass)) if n == inner => mass,
                _ => {
                    let mass = axis_mass(self.boxes, inner, p, len);
                    *cache = Some((inner, mass));
                    mass
                }
            };
            let down = mass(&mut row_masses[slot], py, height as i64);
            let along = mass(&mut column_masses[slot], px, width as i64);
            inside += weight * down * along;
        }
        inside
    }

    /// The boxes of one pixel's plan from the table, per channel into
    /// `boxed`, normalised per the border (`inside`: the kernel's in-image
    /// weight): run-by-run sums from `row_windows` where it holds them,
    /// table reads (through `reads`) elsewhere, the folded reads with a
    /// periodic border.
    fn table_boxes<V: Wrapping, const K: usize>(
        &self,
        tables: &StripTables<T, V>,
        (plan, folds): (&PixelKernel, &[FoldedBox; 2]),
        (py, px): (i64, i64),
        (row_windows, reads): (Option<&RowWindows<V>>, &mut ReadCaches<V>),
        inside: f64,
        boxed: &mut [f64],
    ) {
        let (height, width, _) = self.input.dim();
        let Some(table) = &tables.table else {
            return;
        };
        let x = px as usize;
        // Each box's weight over its total (2n + 1)^(2k), in sample units.
        let boxes = plan
            .boxes
            .map(|(inner, weight)| (inner, tables.quantizer.restore(weight / self.total_weight(inner))));
        for (ch, value) in boxed.iter_mut().enumerate() {
            let mut sum = 0.0;
            for (slot, &(inner, weight)) in boxes.iter().enumerate().filter(|b| b.1.1 > 0.0) {
                let cache = reads.at(x, slot);
                let Some(period) = &tables.period else {
                    let window = match row_windows.and_then(|w| w.get(slot, x, inner, ch)) {
                        Some(window) => window,
                        None => table.window_cached::<K>((py, px), (inner, inner), ch, cache),
                    };
                    sum += weight * window.to_signed_f64();
                    continue;
                };
                let (down, along) = (folds[slot].down, folds[slot].along);
                sum += weight * period.folded_window::<K>(table, (down, along), (py, px), (height, width), ch, cache);
            }
            *value = match self.border {
                Border::Clip => sum / inside,
                Border::Constant(c) => sum + c * (1.0 - inside),
                _ => sum,
            };
        }
    }

    /// Computes output rows `rows` into `out` with tables of type `V`.
    fn strip<V: Wrapping, const K: usize>(&self, rows: Range<usize>, mut out: ArrayViewMut3<'_, T>) {
        let (_, width, channels) = self.input.dim();
        let border = self.border;
        let tables = self.strip_tables::<V>(&rows);
        let clip_or_constant = !border.reads_outside();
        let mut direct = vec![0.0; channels];
        let mut boxed = vec![0.0; channels];
        let mut folds = [FoldedBox {
            inner: 0,
            weight: 0.0,
            down: AxisFold::unfolded(0),
            along: AxisFold::unfolded(0),
        }; 2];
        // Replicate's axis parts, per box of the plan: per column, and for the row.
        let mut column_parts = vec![[None; 2]; if tables.edges.is_some() { width } else { 0 }];
        let mut reads = ReadCaches::<V>::new(if tables.table.is_some() { width } else { 0 });
        // Clip's and Constant's in-image masses likewise.
        let mut column_masses = vec![[None; 2]; if clip_or_constant { width } else { 0 }];
        // Without Replicate's edge parts and the periodic borders' folds, a row's window
        // sums inside the table are read run by run before its pixels.
        let mut row_windows = tables
            .table
            .as_ref()
            .filter(|_| tables.edges.is_none() && tables.period.is_none())
            .map(|_| RowWindows::<V>::new(width, channels));
        // Each pixel's plan, a row at a time.
        let mut row_plans: Vec<PixelKernel> = Vec::with_capacity(width);
        for (j, y) in rows.clone().enumerate() {
            let mut row_parts = [None; 2];
            let mut row_masses = [None; 2];
            reads.start_row();
            self.row_plans(y, &mut row_plans);
            if let (Some(windows), Some(table)) = (&mut row_windows, &tables.table) {
                windows.fill::<K>(table, y as i64, &row_plans);
            }
            for x in 0..width {
                let (sigma, plan) = (self.sigmas.at(y, x), row_plans[x]);
                // The folds, once per plan.
                if tables.period.is_some() && (x == 0 || row_plans[x - 1] != plan) {
                    folds = self.folded(&plan);
                }
                let (py, px) = (y as i64, x as i64);
                if plan.direct > 0.0 {
                    tables.band.direct_gather(border, sigma, (py, px), &mut direct);
                }
                if let Some(table) = tables.table.as_ref().filter(|_| plan.direct < 1.0) {
                    if let Some(edges) = &tables.edges {
                        let parts = (&mut row_parts, &mut column_parts[x]);
                        let stretch = self.planner.stretch(sigma);
                        edges.pixel_boxes::<K>(table, &plan, (py, px, stretch), parts, &mut reads, &mut boxed);
                    } else {
                        // The normalised kernel's in-image weight.
                        let inside = if clip_or_constant {
                            let boxes = plan
                                .boxes
                                .map(|(inner, weight)| (inner, weight / self.total_weight(inner)));
                            self.inside_weight(&boxes, (py, px), [&mut row_masses, &mut column_masses[x]])
                        } else {
                            1.0
                        };
                        let (kernel, sources) = ((&plan, &folds), (row_windows.as_ref(), &mut reads));
                        self.table_boxes::<V, K>(&tables, kernel, (py, px), sources, inside, &mut boxed);
                    }
                }
                for ch in 0..channels {
                    let mut value = plan.mix(direct.get(ch), boxed[ch]);
                    if let Some(counts) = &tables.non_finite {
                        let reach = self.planner.extent(&plan, sigma);
                        let (up, down) = counts.window(border, (y, x), reach, ch);
                        if let Some(special) = non_finite::class(up, down) {
                            value = special;
                        }
                    }
                    out[[j, x, ch]] = T::from_f64(value);
                }
            }
        }
    }
}

/// A box's in-image mass on one axis, kept with the half-width it is for.
type MassCache = Option<(i64, f64)>;

/// What every pixel of a strip reads: the band's samples, the k-times
/// integrated table of its image part (none where every kernel is exact
/// taps), the quantizer of the table's integers, and the border's extras
/// (Replicate's edge lines, the periodic borders' period sums, the counts
/// of non-finite samples).
struct StripTables<T, V> {
    band: BandSamples<T>,
    table: Option<IntegratedBand<V>>,
    quantizer: Quantizer,
    edges: Option<ReplicateEdges<V>>,
    period: Option<PeriodSums<V>>,
    non_finite: Option<NonFinite>,
}

/// A uniform kernel's boxes (folded where the border is periodic), with
/// what their passes share.
#[derive(Clone, Copy)]
struct UniformBoxes<'b> {
    boxes: &'b [FoldedBox],
    /// The planner's stretch of the sigma (Replicate's edge parts).
    stretch: f64,
    quantizer: Quantizer,
    /// Whether some box folds down the columns.
    columns_fold: bool,
}

/// Adds `restored` (a box's weight over its total, in sample units) times
/// its window sums down the columns (`columns`, at the rows `fold_y` reads)
/// to `boxed` (output `rows`, `row_len` samples each).
fn add_box_rows<V: Wrapping>(
    columns: &IntegratedRows<'_, V>,
    rows: &Range<usize>,
    (height, row_len): (usize, usize),
    fold_y: AxisFold,
    restored: f64,
    boxed: &mut [f64],
) {
    let (mut sums, mut scratch) = (vec![V::default(); row_len], Vec::new());
    for (j, y) in rows.clone().enumerate() {
        sums.fill(V::default());
        columns.window_row(fold_y.at(y as i64, height), fold_y.inner, &mut sums, &mut scratch);
        let out_row = &mut boxed[j * row_len..(j + 1) * row_len];
        for (b, s) in out_row.iter_mut().zip(&sums) {
            *b += restored * s.to_signed_f64();
        }
    }
}

/// Clip divides each pixel's box sums by its kernel's in-image weight
/// (`inside`, per pixel), Constant adds its value times the weight outside;
/// the other borders keep them.
fn normalise_by_border(border: Border, boxed: &mut [f64], inside: &[f64], (width, channels): (usize, usize)) {
    for (j, values) in boxed.chunks_exact_mut(width * channels).enumerate() {
        for (x, px) in values.chunks_exact_mut(channels).enumerate() {
            for v in px {
                *v = match border {
                    Border::Clip => *v / inside[j * width + x],
                    Border::Constant(c) => *v + c * (1.0 - inside[j * width + x]),
                    _ => *v,
                };
            }
        }
    }
}

impl Filter for IteratedBox {
    fn name(&self) -> &'static str {
        "iterated-box"
    }

    fn support(&self, request: &Request) -> Support {
        match request.kernel {
            Kernel::Gaussian => Support::Approximate(
                "k boxes of the sampled Gaussian's variance; docs/DEFINITION.md gives its bound against Naive",
            ),
            Kernel::Box => Support::Unsupported("iterated boxes approximate the Gaussian kernel only"),
        }
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        self.run_typed(T::typed_job(job, out))
    }
}

impl IteratedBox {
    /// [`Filter::run`] for each sample type, compiled in this crate (see
    /// [`TypedJob`]).
    fn run_typed(&self, job: TypedJob<'_, '_>) -> Result<(), Error> {
        job.run_on(self)
    }
}

impl RunSamples for IteratedBox {
    fn run_samples<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        let [height, width, _] = job.shape();
        let params = job.params();
        let planner = Planner::new(self.boxes, height.max(width));
        let max_sigma = job.largest_size();
        let max_plan = planner.plan(max_sigma);
        let halo = planner.reach_bound(max_sigma);
        let setup = GaussianStrips {
            input: job.input(),
            sigmas: job.sizes(),
            border: params.border,
            planner,
            boxes: self.boxes,
        };
        // Tables (bits / 8 bytes), band samples and one pass buffer per position.
        let periodic = is_periodic(params.border);
        let (band_halo, band_pad) = match params.border {
            _ if periodic => (
                folded_reach(self.boxes, halo, height, DIRECT_EXTENT),
                folded_reach(self.boxes, halo, width, DIRECT_EXTENT),
            ),
            Border::Replicate => (halo, halo.min(DIRECT_EXTENT)),
            _ => (halo, 0),
        };
        let widest = max_plan.widest().map_or(1, |inner| inner + 1);
        let table = if periodic {
            (height as i64 + 2 * band_halo, width as i64 + 2 * band_pad)
        } else {
            (height as i64, width as i64)
        };
        let weight_bits = window_bits(self.boxes, params.border, widest, table, (height, width));
        let Some(bits) = table_bits(T::TYPE, weight_bits) else {
            return Err(Error::TooLarge {
                height,
                width,
                reason: "iterated-box window sums of this sigma exceed 128-bit tables (fewer boxes reach further)",
            });
        };
        let band_row_bytes =
            (width + 2 * band_pad as usize) * job.shape()[2] * (bits as usize / 8 * 2 + size_of::<T>());
        let strip = strip_rows_within(height, band_halo as usize, band_row_bytes, STRIP_BUDGET);
        let uniform = match params.size {
            Size::Uniform(sigma) => Some(sigma),
            _ => None,
        };
        for_each_strip(out, job.rows().start, strip, |rows, out_strip| {
            match (bits, self.boxes) {
                (64, 2) => setup.dispatch::<u64, 2>(rows, out_strip, uniform),
                (64, 3) => setup.dispatch::<u64, 3>(rows, out_strip, uniform),
                (64, 4) => setup.dispatch::<u64, 4>(rows, out_strip, uniform),
                (64, _) => setup.dispatch::<u64, 5>(rows, out_strip, uniform),
                (_, 2) => setup.dispatch::<u128, 2>(rows, out_strip, uniform),
                (_, 3) => setup.dispatch::<u128, 3>(rows, out_strip, uniform),
                (_, 4) => setup.dispatch::<u128, 4>(rows, out_strip, uniform),
                (_, _) => setup.dispatch::<u128, 5>(rows, out_strip, uniform),
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_fit_every_sigma_for_three_boxes_up_to_16384_sides() {
        for sample in [SampleType::U8, SampleType::U16, SampleType::F32, SampleType::F64] {
            for side in [1usize, 256, 4096, 16384] {
                let planner = Planner::new(3, side);
                let widest = planner.plan(1e30).widest().unwrap() + 1;
                let side = side as i64;
                let bits = table_bits(sample, window_bits(3, Border::Clip, widest, (side, side), (1, 1)));
                assert!(bits.is_some(), "{sample:?} side {side}");
            }
            // Moderate sigmas keep 64-bit tables.
            let widest = Planner::new(3, 1024).plan(8.0).widest().unwrap() + 1;
            let bits = window_bits(3, Border::Clip, widest, (1024, 1024), (1024, 1024));
            assert_eq!(table_bits(sample, bits), Some(64), "{sample:?}");
        }
        // The periodic borders fold widths to at most the side and add
        // period sums of at most 2 L positions: they fit as well.
        for border in [Border::Reflect, Border::Symmetric, Border::Wrap] {
            for side in [1usize, 7, 256, 4096, 16384] {
                let planner = Planner::new(3, side);
                let halo = planner.reach_bound(1e30);
                let widest = planner.plan(1e30).widest().unwrap() + 1;
                let padded = side as i64 + 2 * folded_reach(3, halo, side, DIRECT_EXTENT);
                let bits = window_bits(3, border, widest, (padded, padded), (side, side));
                for sample in [SampleType::U8, SampleType::U16, SampleType::F32, SampleType::F64] {
                    assert!(table_bits(sample, bits).is_some(), "{border:?} {sample:?} side {side}");
                }
            }
        }
        // Five boxes of a huge sigma on a large image: refused, not wrong.
        let widest = Planner::new(5, 15000).plan(1e6).widest().unwrap() + 1;
        let bits = window_bits(5, Border::Clip, widest, (15000, 15000), (15000, 15000));
        assert_eq!(table_bits(SampleType::U16, bits), None);
        assert_eq!(table_bits(SampleType::F32, bits), None);
    }
}
