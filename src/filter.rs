//! The [`Filter`] trait every backend implements, the request it is asked
//! about, and the one validation step every call goes through.

use std::ops::Range;

use ndarray::{Array, ArrayView, ArrayView3, ArrayViewMut, ArrayViewMut3, Axis, Dimension, Ix2, Ix3};

use crate::border::Border;
use crate::error::Error;
use crate::kernel::{Kernel, RowMaxima, RowSizes, Size};
use crate::sample::{Sample, SampleType};

/// Most channels an image may have.
pub const MAX_CHANNELS: usize = 16;

/// What to compute: kernel, per-pixel size and border.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params<'a> {
    /// The kernel shape.
    pub kernel: Kernel,
    /// The radius (box) or sigma (Gaussian) of every pixel.
    pub size: Size<'a>,
    /// What positions outside the image contribute.
    pub border: Border,
}

impl<'a> Params<'a> {
    /// `kernel` with `size`, and the default border ([`Border::Clip`]).
    pub fn new(kernel: Kernel, size: Size<'a>) -> Self {
        Params {
            kernel,
            size,
            border: Border::default(),
        }
    }

    /// The same parameters, borrowed for a shorter lifetime (`Size` holds an
    /// `ArrayView`, which does not shorten on its own).
    pub fn reborrow(&self) -> Params<'_> {
        Params {
            kernel: self.kernel,
            size: self.size.reborrow(),
            border: self.border,
        }
    }

    /// The same parameters with another border.
    pub fn with_border(self, border: Border) -> Self {
        Params { border, ..self }
    }
}

/// A summary of one call, for [`Filter::support`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// The kernel shape.
    pub kernel: Kernel,
    /// The size, where one serves every pixel ([`Size::Uniform`]).
    pub uniform_size: Option<f32>,
    /// The border mode.
    pub border: Border,
    /// The sample type.
    pub sample: SampleType,
    /// Image (height, width, channels).
    pub shape: [usize; 3],
}

impl Request {
    /// The request that `params` on an image of `shape` and sample type `T` makes.
    pub fn new<T: Sample>(params: &Params<'_>, shape: [usize; 3]) -> Self {
        Request {
            kernel: params.kernel,
            uniform_size: match params.size {
                Size::Uniform(size) => Some(size),
                _ => None,
            },
            border: params.border,
            sample: T::TYPE,
            shape,
        }
    }
}

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [h, w, c] = self.shape;
        let size = if self.uniform_size.is_some() {
            "uniform"
        } else {
            "per-pixel"
        };
        write!(
            f,
            "{:?} kernel with {size} size, {:?} border, {:?} {h} x {w} x {c}",
            self.kernel, self.border, self.sample
        )
    }
}

/// How a backend serves a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Results meet the exactness bounds against `Naive`: `u8`/`u16`
    /// bit-identical for integer sizes and within 1 LSB otherwise; `f32`/`f64`
    /// within 1e-6 of the value range (the largest finite |sample|, and |c|
    /// of a `Constant` border); non-finite pixels exactly as the definition
    /// in [`crate::kernel`] says.
    Exact,
    /// Results approximate the definition; the text states the error.
    Approximate(&'static str),
    /// The request is refused with [`Error::Unsupported`]; the text says why.
    Unsupported(&'static str),
}

/// Image arrays the crate accepts: (height, width) for one channel, or
/// (height, width, channels). Sealed.
pub trait ImageDim: Dimension + private::Sealed {
    /// Views an image of this dimensionality as (height, width, channels).
    fn view3<T>(image: ArrayView<'_, T, Self>) -> ArrayView3<'_, T>;
    /// Views a mutable image of this dimensionality as (height, width, channels).
    fn view3_mut<T>(image: ArrayViewMut<'_, T, Self>) -> ArrayViewMut3<'_, T>;
}

mod private {
    pub trait Sealed {}
    impl Sealed for ndarray::Ix2 {}
    impl Sealed for ndarray::Ix3 {}
}

impl ImageDim for Ix2 {
    fn view3<T>(image: ArrayView<'_, T, Self>) -> ArrayView3<'_, T> {
        image.insert_axis(Axis(2))
    }
    fn view3_mut<T>(image: ArrayViewMut<'_, T, Self>) -> ArrayViewMut3<'_, T> {
        image.insert_axis(Axis(2))
    }
}

impl ImageDim for Ix3 {
    fn view3<T>(image: ArrayView<'_, T, Self>) -> ArrayView3<'_, T> {
        image
    }
    fn view3_mut<T>(image: ArrayViewMut<'_, T, Self>) -> ArrayViewMut3<'_, T> {
        image
    }
}

/// A validated call: the input image as (height, width, channels), the
/// input rows whose outputs are asked for, and the parameters, checked
/// against each other. Only [`Filter::apply_into`] and
/// [`apply_tile`](crate::tile::apply_tile) make one, so a backend never
/// sees an unchecked request.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a, T> {
    input: ArrayView3<'a, T>,
    params: Params<'a>,
    maxima: &'a RowMaxima,
    first_row: usize,
    row_count: usize,
}

impl<'a, T: Sample> Job<'a, T> {
    /// The job of the outputs of input rows `rows` of `input` with
    /// `params`, whose size map covers those rows, which [`validate_params`]
    /// has checked and whose row maxima (from `rows.start` on) it returned.
    pub(crate) fn validated(
        input: ArrayView3<'a, T>,
        rows: Range<usize>,
        params: Params<'a>,
        maxima: &'a RowMaxima,
    ) -> Self {
        Job {
            input,
            params,
            maxima,
            first_row: rows.start,
            row_count: rows.len(),
        }
    }

    /// The input image, (height, width, channels), any strides, not empty.
    pub fn input(&self) -> ArrayView3<'a, T> {
        self.input
    }
    /// The input rows whose outputs are asked for, every column of them:
    /// all rows for a whole-image call, a tile's rows for
    /// [`apply_tile`](crate::tile::apply_tile). Not empty.
    pub fn rows(&self) -> Range<usize> {
        self.first_row..self.first_row + self.row_count
    }
    /// The parameters: sizes are finite and >= 0. A size map covers the
    /// rows of [`Job::rows`] (its first row is input row `rows().start`)
    /// and every column: read sizes with [`Job::size_at`].
    pub fn params(&self) -> &Params<'a> {
        &self.params
    }
    /// The size of input pixel (row, col), a pixel of [`Job::rows`].
    pub fn size_at(&self, row: usize, col: usize) -> f32 {
        self.sizes().at(row, col)
    }
    /// (height, width, channels) of the input.
    pub fn shape(&self) -> [usize; 3] {
        let (h, w, c) = self.input.dim();
        [h, w, c]
    }
    /// The largest size of the rows asked for (of the map, or the uniform
    /// size), known from validation: no scan of the map.
    pub fn largest_size(&self) -> f32 {
        self.maxima.over(self.rows())
    }
    /// The largest size of each row of the map, by input row, from validation.
    pub(crate) fn row_maxima(&self) -> &'a RowMaxima {
        self.maxima
    }
    /// The sizes of the output pixels, by input row.
    pub(crate) fn sizes(&self) -> RowSizes<'a> {
        RowSizes::new(self.params.size, self.first_row)
    }
}

/// Checks everything that does not depend on the backend: shapes, channel
/// count, size values, border value (finite, in the sample type's range);
/// returns the largest size of each row of the size map, which the scan of
/// its values gave.
pub(crate) fn validate<T: Sample>(
    input: &ArrayView3<'_, T>,
    params: &Params<'_>,
    out_shape: &[usize],
) -> Result<RowMaxima, Error> {
    if out_shape != input.shape() {
        return Err(Error::ShapeMismatch {
            what: "output",
            expected: input.shape().to_vec(),
            found: out_shape.to_vec(),
        });
    }
    let (h, w, c) = input.dim();
    validate_params::<T>(params, (h, w), c)
}

/// The checks of [`validate`] but the output's shape, for a size map of
/// `map_dim` (rows, columns) and `channels` channels.
pub(crate) fn validate_params<T: Sample>(
    params: &Params<'_>,
    (h, w): (usize, usize),
    c: usize,
) -> Result<RowMaxima, Error> {
    if c > MAX_CHANNELS {
        return Err(Error::TooManyChannels {
            channels: c,
            max: MAX_CHANNELS,
        });
    }
    let valid = |v: f32| v.is_finite() && v >= 0.0;
    if let Some(dim) = params.size.map_dim()
        && dim != (h, w)
    {
        return Err(Error::ShapeMismatch {
            what: "size map",
            expected: vec![h, w],
            found: vec![dim.0, dim.1],
        });
    }
    // The uniform size, or the scale of a u8 or u16 map.
    if let Size::Uniform(value) | Size::MapU8(_, value) | Size::MapU16(_, value) = params.size
        && !valid(value)
    {
        return Err(Error::InvalidSize { position: None, value });
    }
    // One scan of a map for its rows' largest sizes and the first row with
    // an invalid value (a map's rows across threads: the first bad row
    // whatever the split), whose first invalid value is then searched for.
    let maxima = params.size.row_maxima().map_err(|row| {
        let (col, value) = (0..w)
            .map(|col| (col, params.size.at(row, col)))
            .find(|(_, v)| !valid(*v))
            .expect("row has an invalid value");
        Error::InvalidSize {
            position: Some((row, col)),
            value,
        }
    })?;
    if let Border::Constant(value) = params.border {
        // NaN fails both comparisons.
        let (lowest, highest) = T::TYPE.range();
        if !(value >= lowest && value <= highest) {
            return Err(Error::InvalidBorder { value });
        }
    }
    Ok(maxima)
}

/// A new array of shape `dim` filled with `T::default()`, or
/// [`Error::TooLarge`] when its memory cannot be had. A view may be far
/// larger than memory (a broadcast view has zero strides), and a failed
/// allocation would abort the process.
pub(crate) fn new_output<T: Sample, D: Dimension>(dim: D) -> Result<Array<T, D>, Error> {
    let shape = dim.slice();
    if Vec::<T>::new().try_reserve_exact(dim.size()).is_err() {
        return Err(Error::TooLarge {
            height: shape.first().copied().unwrap_or(0),
            width: shape.get(1).copied().unwrap_or(0),
            reason: "the output array cannot be allocated",
        });
    }
    // Allocated again here: zeroed pages are not touched until written.
    Ok(Array::from_elem(dim, T::default()))
}

/// A job and its output with the sample type named, so that a built-in
/// backend's work is compiled once, in this crate, for each of the four
/// types.
///
/// Why: an optimised build compiles a generic function again in every crate
/// that instantiates it (it does not reuse the instantiations of the crate
/// that defines it). Were a backend's [`Filter::run`] its whole generic
/// work, every program, test and example that calls the backend would
/// compile all of it anew. So the built-in backends' `run` only names the
/// type ([`crate::sample::private::Sealed::typed_job`]) and calls a plain
/// method, `run_typed`, which is compiled here with the generic work of all
/// four types ([`RunSamples`]).
pub(crate) enum TypedJob<'j, 'o> {
    U8(Job<'j, u8>, ArrayViewMut3<'o, u8>),
    U16(Job<'j, u16>, ArrayViewMut3<'o, u16>),
    F32(Job<'j, f32>, ArrayViewMut3<'o, f32>),
    F64(Job<'j, f64>, ArrayViewMut3<'o, f64>),
}

impl TypedJob<'_, '_> {
    /// Runs `backend`'s generic work for the job's type.
    #[inline(always)]
    pub(crate) fn run_on<B: RunSamples>(self, backend: &B) -> Result<(), Error> {
        match self {
            TypedJob::U8(job, out) => backend.run_samples(job, out),
            TypedJob::U16(job, out) => backend.run_samples(job, out),
            TypedJob::F32(job, out) => backend.run_samples(job, out),
            TypedJob::F64(job, out) => backend.run_samples(job, out),
        }
    }
}

/// A built-in backend's generic work (what [`Filter::run`] asks), reached
/// through [`TypedJob`] from a plain method compiled in this crate.
pub(crate) trait RunSamples {
    /// Computes `job` into `out`, as [`Filter::run`].
    fn run_samples<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error>;
}

/// A spatially variable blur algorithm.
///
/// Implement [`Filter::name`], [`Filter::support`] and [`Filter::run`];
/// callers use [`Filter::apply`] or [`Filter::apply_into`], which validate
/// the request once and then call `run`.
///
/// `Send + Sync` are supertraits: the strips of one call run on rayon's
/// threads with a shared `&self`, and a caller may share one filter value
/// between its own threads or rayon tasks (a batch over many images). A
/// backend with internal state (caches, scratch buffers) must make it safe
/// to share; the built-in ones hold none (`tests/suite/threads.rs` checks that
/// shared use gives bit-identical results).
pub trait Filter: Send + Sync {
    /// Short lowercase name, e.g. `"integral"`.
    fn name(&self) -> &'static str;

    /// Whether this backend serves `request` exactly, approximately, or not at all.
    fn support(&self, request: &Request) -> Support;

    /// Computes `job` into `out`: the outputs of input rows
    /// [`Job::rows`], every column and channel ((rows, width, channels),
    /// any strides); the rest of the input is there to be read. Sizes are
    /// those of [`Job::size_at`].
    ///
    /// The job is validated and not empty, and the backend has answered
    /// [`Support::Exact`] or [`Support::Approximate`] for it. A backend that
    /// can still fail (e.g. [`Error::TooLarge`]) must do so before it
    /// writes to `out`.
    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error>;

    /// Blurs `input` into `out`, which must have the input's shape (any strides).
    /// On error `out` is left untouched.
    fn apply_into<T: Sample, D: ImageDim>(
        &self,
        input: ArrayView<'_, T, D>,
        params: &Params<'_>,
        out: ArrayViewMut<'_, T, D>,
    ) -> Result<(), Error> {
        let input = D::view3(input);
        let out = D::view3_mut(out);
        let maxima = validate(&input, params, out.shape())?;
        let (h, w, c) = input.dim();
        let request = Request::new::<T>(params, [h, w, c]);
        if let Support::Unsupported(reason) = self.support(&request) {
            return Err(Error::Unsupported {
                backend: self.name(),
                request: request.to_string(),
                reason,
            });
        }
        if h == 0 || w == 0 || c == 0 {
            return Ok(());
        }
        self.run(Job::validated(input.reborrow(), 0..h, params.reborrow(), &maxima), out)
    }

    /// Blurs `input` into a new array of the same shape. An output that
    /// cannot be allocated (e.g. for a huge broadcast view) is
    /// [`Error::TooLarge`].
    fn apply<T: Sample, D: ImageDim>(
        &self,
        input: ArrayView<'_, T, D>,
        params: &Params<'_>,
    ) -> Result<Array<T, D>, Error> {
        let mut out = new_output(input.raw_dim())?;
        self.apply_into(input, params, out.view_mut())?;
        Ok(out)
    }
}
