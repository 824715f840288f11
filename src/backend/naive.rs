//! The reference: the definition of [`crate::kernel`] evaluated directly, accumulated in `f64`.
//!
//! It uses only the shared definitions (kernel taps, [`Border::map_index`]
//! through [`fold_interval`], [`Sample::from_f64`]) and none of the tables,
//! strips or SIMD code of the fast backends, so a bug there cannot hide in
//! both the oracle and the backend it checks.
#![forbid(unsafe_code)]

use std::ops::Range;

use ndarray::{Array3, ArrayView3, ArrayViewMut3, Axis};
use rayon::prelude::*;

use crate::border::{Border, fold_interval};
use crate::error::Error;
use crate::filter::{Filter, ImageDim, Job, Params, Request, RunSamples, Support, TypedJob, new_output, validate};
use crate::kernel::{BoxTaps, GaussianTaps, Kernel, RowSizes};
use crate::sample::Sample;

/// The exact reference backend, every kernel and border. Its cost per pixel
/// is the number of image pixels the window reads (O(r^2)), plus O(r) per
/// axis for the Gaussian's taps.
#[derive(Debug, Clone, Copy, Default)]
pub struct Naive;

/// The weights of one axis for one output position, folded onto the image:
/// `folded[m]` is the total weight of the window positions that read pixel m.
struct AxisWeights {
    /// Image-length buffer, zero outside `span`.
    folded: Vec<f64>,
    /// The indices that received weight (`lo..=hi`), if any.
    span: Option<(usize, usize)>,
    /// Sum of the weights of every window position, inside the image or not.
    full: f64,
}

impl AxisWeights {
    /// Folds the window onto `buffer` (the axis length, all zero).
    fn new(kernel: Kernel, size: f32, centre: usize, border: Border, mut folded: Vec<f64>) -> Self {
        let p = centre as i64;
        let mut span = None;
        let mut fold = |first: i64, last: i64, weight: f64, folded: &mut [f64]| {
            if let Some((lo, hi)) = fold_interval(border, first, last, weight, folded) {
                span = Some(span.map_or((lo, hi), |(a, b): (usize, usize)| (a.min(lo), b.max(hi))));
            }
        };
        let full = match kernel {
            Kernel::Box => {
                let taps = BoxTaps::new(size);
                let n = taps.inner;
                fold(p - n, p + n, 1.0, &mut folded);
                if taps.edge_weight > 0.0 {
                    fold(p - n - 1, p - n - 1, taps.edge_weight, &mut folded);
                    fold(p + n + 1, p + n + 1, taps.edge_weight, &mut folded);
                }
                (2 * n + 1) as f64 + 2.0 * taps.edge_weight
            }
            Kernel::Gaussian => {
                let taps = GaussianTaps::new(size);
                let mut full = 0.0;
                for d in -taps.extent()..=taps.extent() {
                    let weight = taps.weight(d);
                    fold(p + d, p + d, weight, &mut folded);
                    full += weight;
                }
                full
            }
        };
        AxisWeights { folded, span, full }
    }

    /// Indices with non-zero weight (zero weights must not read the pixel:
    /// 0 * NaN would spread a NaN the kernel does not reach).
    fn nonzero(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (lo, hi) = self.span.unwrap_or((1, 0));
        (lo..=hi).map(|m| (m, self.folded[m])).filter(|(_, w)| *w != 0.0)
    }

    fn inside(&self) -> f64 {
        self.nonzero().map(|(_, w)| w).sum()
    }

    /// The buffer, zeroed again for the next pixel.
    fn into_buffer(mut self) -> Vec<f64> {
        if let Some((lo, hi)) = self.span {
            self.folded[lo..=hi].fill(0.0);
        }
        self.folded
    }
}

/// Computes output pixel (row, col) of every channel into `out`. The axis
/// buffers have the image's height and width and are all zero, and are
/// left so.
fn pixel<T: Sample>(
    input: &ArrayView3<'_, T>,
    params: &Params<'_>,
    size: f32,
    (row, col): (usize, usize),
    buffers: &mut (Vec<f64>, Vec<f64>),
    out: &mut [T],
) {
    let wy = AxisWeights::new(params.kernel, size, row, params.border, std::mem::take(&mut buffers.0));
    let wx = AxisWeights::new(params.kernel, size, col, params.border, std::mem::take(&mut buffers.1));
    let inside = wy.inside() * wx.inside();
    let full = wy.full * wx.full;
    let den = if params.border.is_clip() { inside } else { full };
    for (ch, out) in out.iter_mut().enumerate() {
        let mut num = 0.0;
        for (i, weight_y) in wy.nonzero() {
            let mut row_sum = 0.0;
            for (j, weight_x) in wx.nonzero() {
                row_sum += weight_x * input[[i, j, ch]].to_f64();
            }
            num += weight_y * row_sum;
        }
        if let Border::Constant(value) = params.border {
            num += value * (full - inside);
        }
        *out = T::from_f64(num / den);
    }
    *buffers = (wy.into_buffer(), wx.into_buffer());
}

/// Computes output pixels `rows` x `cols` (image positions) into `out`,
/// with the sizes of `sizes`.
fn fill<T: Sample>(
    input: ArrayView3<'_, T>,
    params: &Params<'_>,
    sizes: RowSizes<'_>,
    rows: Range<usize>,
    cols: Range<usize>,
    mut out: ArrayViewMut3<'_, T>,
) {
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(rows)
        .for_each(|(mut out_row, row)| {
            let (h, w, c) = input.dim();
            let mut values = vec![T::default(); c];
            let mut buffers = (vec![0.0; h], vec![0.0; w]);
            for (mut out_px, col) in out_row.axis_iter_mut(Axis(0)).zip(cols.clone()) {
                pixel(
                    &input,
                    params,
                    sizes.at(row, col),
                    (row, col),
                    &mut buffers,
                    &mut values,
                );
                out_px.iter_mut().zip(&values).for_each(|(o, v)| *o = *v);
            }
        });
}

impl Naive {
    /// Computes only the output pixels in `rows` x `cols` of a whole-image
    /// blur of `input` (e.g. to check a fast backend on a crop of a large image).
    /// The result has shape (rows.len(), cols.len(), channels).
    pub fn apply_region<T: Sample, D: ImageDim>(
        &self,
        input: ndarray::ArrayView<'_, T, D>,
        params: &Params<'_>,
        rows: Range<usize>,
        cols: Range<usize>,
    ) -> Result<Array3<T>, Error> {
        let input = D::view3(input);
        let (h, w, c) = input.dim();
        if rows.end > h || cols.end > w || rows.start > rows.end || cols.start > cols.end {
            return Err(Error::ShapeMismatch {
                what: "region",
                expected: vec![h, w],
                found: vec![rows.end, cols.end],
            });
        }
        validate(&input, params, input.shape())?;
        let mut out = new_output(ndarray::Dim([rows.len(), cols.len(), c]))?;
        fill(input, params, RowSizes::new(params.size, 0), rows, cols, out.view_mut());
        Ok(out)
    }
}

impl Filter for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn support(&self, _request: &Request) -> Support {
        Support::Exact
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        self.run_typed(T::typed_job(job, out))
    }
}

impl Naive {
    /// [`Filter::run`] for each sample type, compiled in this crate (see
    /// [`TypedJob`]).
    fn run_typed(&self, job: TypedJob<'_, '_>) -> Result<(), Error> {
        job.run_on(self)
    }
}

impl RunSamples for Naive {
    fn run_samples<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        let [_, w, _] = job.shape();
        fill(job.input(), job.params(), job.sizes(), job.rows(), 0..w, out);
        Ok(())
    }
}
