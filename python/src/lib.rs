//! `varblur._core`: the numpy entry points of the `varblur` crate.
//!
//! `blur` (a whole image), `blur_tile` (one output rectangle from an input
//! window, for engines that hold an image in pieces), `distance` (the
//! distance transform of a mask) and `blur_by_distance` (from a mask to the
//! blurred image in one call). The Python package wraps them with the public API and its
//! docs; this module does the argument conversion, the dtype dispatch, the
//! thread pools and the error mapping, and leaves the work to the crate.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use numpy::ndarray::{Array, Array2, Dimension, Ix2, Ix3};
use numpy::{
    Element, IntoPyArray, PyArray, PyArray2, PyArrayDescr, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray,
    PyReadonlyArray2, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use varblur::tile::{Rect, apply_tile};
use varblur::{Auto, Border, DistanceToSize, Filter, ImageDim, Kernel, MAX_CHANNELS, Params, Sample, SampleType, Size};

create_exception!(
    varblur,
    Error,
    PyValueError,
    "Base class of every error the varblur package raises for a bad argument (a subclass of ValueError)."
);

/// The crate's error as a Python `varblur.Error` (a newtype: the orphan
/// rule forbids converting a foreign error into a foreign exception type).
struct CoreError(varblur::Error);

impl From<CoreError> for PyErr {
    fn from(error: CoreError) -> PyErr {
        Error::new_err(error.0.to_string())
    }
}

fn error(message: String) -> PyErr {
    Error::new_err(message)
}

/// The most threads one call may ask for: each is an OS thread of its own
/// pool, and a mistyped count must not exhaust the process.
const MAX_THREADS: i64 = 1024;

/// Thread counts whose idle pools are kept for later calls, a few at a time.
const MAX_POOLS: usize = 8;

/// Idle pools kept per thread count: as many as calls ran at once, up to this.
const MAX_IDLE_POOLS: usize = 8;

/// The sizes a caller gave, as the crate takes them. A float64 map is
/// converted to float32 (the crate's sizes are single precision); the other
/// maps are borrowed without a copy.
enum SizeArg<'py> {
    Uniform(f32),
    F32(PyReadonlyArray2<'py, f32>),
    F64(Array2<f32>),
    U8(PyReadonlyArray2<'py, u8>),
    U16(PyReadonlyArray2<'py, u16>),
}

impl SizeArg<'_> {
    fn size(&self) -> Size<'_> {
        match self {
            SizeArg::Uniform(value) => Size::Uniform(*value),
            SizeArg::F32(map) => Size::map(map.as_array()),
            SizeArg::F64(map) => Size::map(map.view()),
            SizeArg::U8(map) => Size::map_u8(map.as_array(), 1.0),
            SizeArg::U16(map) => Size::map_u16(map.as_array(), 1.0),
        }
    }

    /// The bytes a borrowed map occupies (none for a uniform size or a
    /// converted copy).
    fn bytes(&self) -> Option<Range<usize>> {
        match self {
            SizeArg::Uniform(_) | SizeArg::F64(_) => None,
            SizeArg::F32(map) => view_bytes(map.as_array()),
            SizeArg::U8(map) => view_bytes(map.as_array()),
            SizeArg::U16(map) => view_bytes(map.as_array()),
        }
    }
}

/// The f32 nearest `value`: finite values beyond the f32 range saturate (a
/// radius of 1e300 blurs as one of `f32::MAX`), and a negative value stays
/// negative so that it is still refused.
fn size_to_f32(value: f64) -> f32 {
    if !value.is_finite() {
        return value as f32;
    }
    let single = value.clamp(-(f32::MAX as f64), f32::MAX as f64) as f32;
    if value < 0.0 && single == 0.0 {
        -f32::from_bits(1)
    } else {
        single
    }
}

fn size_arg<'py>(size: &Bound<'py, PyAny>) -> PyResult<SizeArg<'py>> {
    let accepted = "a number, or a 2-D numpy array of float32, float64, uint8 or uint16";
    let size = &aligned(size)?;
    let Ok(map) = size.cast::<PyUntypedArray>() else {
        return match size.extract::<f64>() {
            Ok(value) => Ok(SizeArg::Uniform(size_to_f32(value))),
            Err(_) => Err(PyTypeError::new_err(format!(
                "size must be {accepted}; got {}",
                size.get_type().name()?
            ))),
        };
    };
    if map.ndim() == 0 {
        return Ok(SizeArg::Uniform(size_to_f32(size.extract::<f64>()?)));
    }
    if map.ndim() != 2 {
        return Err(error(format!(
            "a size map must be 2-D (height, width); got shape {:?}",
            map.shape()
        )));
    }
    let busy = |_| error("the size map is being written by another call".to_string());
    if let Ok(map) = size.cast::<PyArray2<f32>>() {
        return Ok(SizeArg::F32(map.try_readonly().map_err(busy)?));
    }
    if let Ok(map) = size.cast::<PyArray2<f64>>() {
        let map = map.try_readonly().map_err(busy)?;
        return Ok(SizeArg::F64(map.as_array().mapv(size_to_f32)));
    }
    if let Ok(map) = size.cast::<PyArray2<u8>>() {
        return Ok(SizeArg::U8(map.try_readonly().map_err(busy)?));
    }
    if let Ok(map) = size.cast::<PyArray2<u16>>() {
        return Ok(SizeArg::U16(map.try_readonly().map_err(busy)?));
    }
    Err(PyTypeError::new_err(format!(
        "size map dtype {} is not supported: size must be {accepted} (native byte order)",
        map.dtype().str()?
    )))
}

/// The bytes a view's elements occupy, from its lowest to one past its
/// highest address; `None` when it has no element.
fn view_bytes<T, D: Dimension>(view: numpy::ndarray::ArrayView<'_, T, D>) -> Option<Range<usize>> {
    let item = std::mem::size_of::<T>() as isize;
    let strides: Vec<isize> = view.strides().iter().map(|s| s * item).collect();
    array_bytes(view.as_ptr() as usize, view.shape(), &strides, item as usize)
}

/// The bytes of an array at `start` of `shape` and byte `strides`, as numpy's
/// `may_share_memory` bounds them.
fn array_bytes(start: usize, shape: &[usize], strides: &[isize], item: usize) -> Option<Range<usize>> {
    if shape.contains(&0) {
        return None;
    }
    let (mut low, mut high) = (start as isize, start as isize);
    for (&len, &stride) in shape.iter().zip(strides) {
        let reach = (len as isize - 1) * stride;
        if reach < 0 {
            low += reach;
        } else {
            high += reach;
        }
    }
    Some(low as usize..high as usize + item)
}

/// Whether two elements of an array of `shape` and byte `strides` may
/// share memory (a zero stride, or rows laid over each other): false
/// whenever each axis, taken by growing stride, steps past all the smaller
/// axes' extent.
fn may_alias_itself(shape: &[usize], strides: &[isize], item: usize) -> bool {
    let mut axes: Vec<(usize, usize)> = shape
        .iter()
        .zip(strides)
        .filter(|(len, _)| **len > 1)
        .map(|(&len, &stride)| (len, stride.unsigned_abs()))
        .collect();
    axes.sort_by_key(|&(_, stride)| stride);
    let mut extent = item;
    for (len, stride) in axes {
        if stride < extent {
            return true;
        }
        extent = stride.saturating_mul(len - 1).saturating_add(extent);
    }
    false
}

fn overlap(a: &Option<Range<usize>>, b: &Option<Range<usize>>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.start < b.end && b.start < a.end)
}

fn kernel_of(kernel: &str) -> PyResult<Kernel> {
    match kernel {
        "box" => Ok(Kernel::Box),
        "gaussian" => Ok(Kernel::Gaussian),
        _ => Err(error(format!(
            "unknown kernel '{kernel}'; valid kernels: 'box', 'gaussian'"
        ))),
    }
}

/// scipy.ndimage's mode names where scipy has the same rule; `renormalize`
/// (only in-image pixels count, weights renormalised) has no scipy twin.
fn border_of(mode: &str, cval: f64) -> PyResult<Border> {
    match mode {
        "renormalize" => Ok(Border::Clip),
        "nearest" => Ok(Border::Replicate),
        "mirror" => Ok(Border::Reflect),
        "reflect" => Ok(Border::Symmetric),
        "wrap" => Ok(Border::Wrap),
        "constant" => Ok(Border::Constant(cval)),
        _ => Err(error(format!(
            "unknown mode '{mode}'; valid modes: 'renormalize', 'nearest', 'mirror', 'reflect', 'wrap', 'constant'"
        ))),
    }
}

/// Idle pools by thread count, kept for later calls.
type IdlePools = HashMap<usize, Vec<ThreadPool>>;

/// The idle pools, shared by every calling thread.
fn idle_pools() -> std::sync::MutexGuard<'static, IdlePools> {
    static IDLE: OnceLock<Mutex<IdlePools>> = OnceLock::new();
    // A panic elsewhere while the lock was held leaves the map itself sound.
    IDLE.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A pool of a given thread count, lent to one call: calls in flight at once
/// (from several Python threads, as a Dask worker's) each get a pool of
/// their own, so each runs on as many threads as it asked for instead of
/// queueing for one shared pool. The pool goes back to the idle ones when
/// the call ends.
struct LentPool {
    count: usize,
    pool: Option<ThreadPool>,
}

impl LentPool {
    fn pool(&self) -> &ThreadPool {
        self.pool.as_ref().expect("a lent pool is held until dropped")
    }
}

impl Drop for LentPool {
    fn drop(&mut self) {
        let Some(pool) = self.pool.take() else {
            return;
        };
        let mut idle = idle_pools();
        if !idle.contains_key(&self.count) && idle.len() >= MAX_POOLS {
            // Another count's idle pools make room.
            let evicted = *idle.keys().next().expect("the map is full");
            idle.remove(&evicted);
        }
        let pools = idle.entry(self.count).or_default();
        if pools.len() < MAX_IDLE_POOLS {
            pools.push(pool);
        }
    }
}

/// A pool of `threads` for one call (None: rayon's global pool, shared).
fn pool_of(threads: Option<&Bound<'_, PyAny>>) -> PyResult<Option<LentPool>> {
    let Some(threads) = threads else {
        return Ok(None);
    };
    let count = match threads.extract::<i64>() {
        Ok(count) => count,
        Err(err) if err.is_instance_of::<PyOverflowError>(threads.py()) => i64::MAX,
        Err(err) => return Err(err),
    };
    if !(1..=MAX_THREADS).contains(&count) {
        return Err(error(format!(
            "threads must be None or an integer from 1 to {MAX_THREADS}; got {threads}"
        )));
    }
    let count = count as usize;
    let idle = idle_pools().get_mut(&count).and_then(Vec::pop);
    let pool = match idle {
        Some(pool) => pool,
        None => ThreadPoolBuilder::new()
            .num_threads(count)
            .build()
            .map_err(|err| error(format!("cannot start a pool of {count} threads: {err}")))?,
    };
    Ok(Some(LentPool {
        count,
        pool: Some(pool),
    }))
}

fn in_pool<R: Send>(pool: Option<&LentPool>, work: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(pool) => pool.pool().install(work),
        None => work(),
    }
}

/// The crate's sample type of a numpy dtype, if it is one the crate takes
/// (in native byte order).
fn sample_type_of(dtype: &Bound<'_, PyArrayDescr>) -> Option<SampleType> {
    let py = dtype.py();
    [
        (numpy::dtype::<u8>(py), SampleType::U8),
        (numpy::dtype::<u16>(py), SampleType::U16),
        (numpy::dtype::<f32>(py), SampleType::F32),
        (numpy::dtype::<f64>(py), SampleType::F64),
    ]
    .into_iter()
    .find(|(candidate, _)| dtype.is_equiv_to(candidate))
    .map(|(_, sample)| sample)
}

/// The sample type and rank of an image argument, checked: a numpy array of
/// a supported dtype, 2-D or 3-D with 1..=16 channels.
fn image_kind(name: &str, image: &Bound<'_, PyAny>) -> PyResult<(SampleType, usize)> {
    let Ok(array) = image.cast::<PyUntypedArray>() else {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a numpy array; got {}",
            image.get_type().name()?
        )));
    };
    let dtype = array.dtype();
    let Some(sample) = sample_type_of(&dtype) else {
        return Err(PyTypeError::new_err(format!(
            "{name} dtype {} is not supported: use uint8, uint16, float32 or float64 (native byte order)",
            dtype.str()?
        )));
    };
    let shape = array.shape();
    match shape.len() {
        2 => {}
        3 if (1..=MAX_CHANNELS).contains(&shape[2]) => {}
        3 if shape[2] > MAX_CHANNELS => {
            return Err(CoreError(varblur::Error::TooManyChannels {
                channels: shape[2],
                max: MAX_CHANNELS,
            })
            .into());
        }
        _ => {
            return Err(error(format!(
                "{name} must be 2-D (height, width) or 3-D (height, width, channels) with 1 to \
                 {MAX_CHANNELS} channels; got shape {shape:?}"
            )));
        }
    }
    Ok((sample, shape.len()))
}

/// Work generic over the sample type and rank, run once the image's dtype
/// and rank are known.
trait Typed {
    type Output;
    fn run<T: Sample + Element, D: ImageDim>(self) -> Self::Output;
}

fn dispatch<W: Typed>((sample, rank): (SampleType, usize), work: W) -> W::Output {
    match (sample, rank == 2) {
        (SampleType::U8, true) => work.run::<u8, Ix2>(),
        (SampleType::U8, false) => work.run::<u8, Ix3>(),
        (SampleType::U16, true) => work.run::<u16, Ix2>(),
        (SampleType::U16, false) => work.run::<u16, Ix3>(),
        (SampleType::F32, true) => work.run::<f32, Ix2>(),
        (SampleType::F32, false) => work.run::<f32, Ix3>(),
        (SampleType::F64, true) => work.run::<f64, Ix2>(),
        (SampleType::F64, false) => work.run::<f64, Ix3>(),
    }
}

/// `array`, or a copy of it where numpy marks it unaligned (a view into a
/// packed record or into bytes at an odd offset): Rust cannot read
/// misaligned elements.
fn aligned<'py>(array: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    match array.cast::<PyUntypedArray>() {
        Ok(untyped) if !untyped.is_aligned() => array.call_method0("copy"),
        _ => Ok(array.clone()),
    }
}

/// A read borrow of an array whose dtype and rank were checked.
fn read<'py, T: Element, D: Dimension>(name: &str, array: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray<'py, T, D>> {
    let array = array.cast::<PyArray<T, D>>()?;
    array
        .try_readonly()
        .map_err(|_| error(format!("{name} is being written by another call")))
}

/// An array of `dim` filled with zeros, or the crate's `TooLarge` when its
/// memory cannot be had (a failed allocation would abort the interpreter).
fn zeros<T: Sample, D: Dimension>(dim: D) -> Result<Array<T, D>, varblur::Error> {
    if Vec::<T>::new().try_reserve_exact(dim.size()).is_err() {
        let shape = dim.slice();
        return Err(varblur::Error::TooLarge {
            height: shape[0],
            width: shape[1],
            reason: "the output array cannot be allocated",
        });
    }
    Ok(Array::from_elem(dim, T::default()))
}

struct Blur<'py, 'a> {
    image: &'a Bound<'py, PyAny>,
    size: SizeArg<'py>,
    kernel: Kernel,
    border: Border,
    out: Option<&'a Bound<'py, PyAny>>,
    pool: Option<LentPool>,
}

impl<'py> Typed for Blur<'py, '_> {
    type Output = PyResult<Bound<'py, PyAny>>;

    fn run<T: Sample + Element, D: ImageDim>(self) -> Self::Output {
        let py = self.image.py();
        let pool = self.pool.as_ref();
        let image = read::<T, D>("image", self.image)?;
        let params = Params::new(self.kernel, self.size.size()).with_border(self.border);
        let view = image.as_array();
        let blur_new = || {
            py.detach(|| in_pool(pool, || Auto.apply(view.view(), &params)))
                .map_err(CoreError)
        };
        let Some(out) = self.out else {
            return Ok(blur_new()?.into_pyarray(py).into_any());
        };
        let target = out.cast::<PyArray<T, D>>().map_err(|_| out_mismatch(self.image, out))?;
        if target.shape() != image.shape() {
            return Err(CoreError(varblur::Error::ShapeMismatch {
                what: "out",
                expected: image.shape().to_vec(),
                found: target.shape().to_vec(),
            })
            .into());
        }
        if !out.getattr("flags")?.getattr("writeable")?.extract::<bool>()? {
            return Err(error("out is read-only".to_string()));
        }
        let item = std::mem::size_of::<T>();
        let out_bytes = array_bytes(target.data() as usize, target.shape(), target.strides(), item);
        let direct = target.is_aligned()
            && !may_alias_itself(target.shape(), target.strides(), item)
            && !overlap(&out_bytes, &view_bytes(view.view()))
            && !overlap(&out_bytes, &self.size.bytes());
        if direct {
            let mut target = target.try_readwrite().map_err(|_| out_busy())?;
            let target = target.as_array_mut();
            py.detach(|| in_pool(pool, || Auto.apply_into(view.view(), &params, target)))
                .map_err(CoreError)?;
        } else {
            // Writing memory that is being read would feed results back as
            // input, and Rust cannot write misaligned or self-aliasing
            // elements: blur into a new array and let numpy copy it in.
            let result = blur_new()?;
            drop(image);
            out.set_item(py.Ellipsis(), result.into_pyarray(py))?;
        }
        Ok(out.clone())
    }
}

fn out_busy() -> PyErr {
    error("out is being read or written by another call".to_string())
}

/// `out` is not an array of the image's dtype and rank.
fn out_mismatch(image: &Bound<'_, PyAny>, out: &Bound<'_, PyAny>) -> PyErr {
    let describe = |array: &Bound<'_, PyAny>| -> PyResult<String> {
        Ok(match array.cast::<PyUntypedArray>() {
            Ok(array) => format!("dtype {} and shape {:?}", array.dtype().str()?, array.shape()),
            Err(_) => format!("a {} (not a numpy array)", array.get_type().name()?),
        })
    };
    let (Ok(wanted), Ok(found)) = (describe(image), describe(out)) else {
        return PyTypeError::new_err("out must be a numpy array of the image's dtype and shape");
    };
    let same_dtype = matches!(
        (image.cast::<PyUntypedArray>(), out.cast::<PyUntypedArray>()),
        (Ok(image), Ok(out)) if image.dtype().is_equiv_to(&out.dtype())
    );
    let message = format!("out must have the image's {wanted}; got {found}");
    if same_dtype {
        error(message)
    } else {
        PyTypeError::new_err(message)
    }
}

/// Blurs `image` (2-D or 3-D numpy array) with per-pixel `size` into a new
/// array or into `out`; see `varblur.box_blur` and `varblur.gaussian_blur`.
#[pyfunction]
#[pyo3(signature = (image, size, kernel, mode, cval, out, threads))]
#[allow(clippy::too_many_arguments)]
fn blur<'py>(
    image: &Bound<'py, PyAny>,
    size: &Bound<'py, PyAny>,
    kernel: &str,
    mode: &str,
    cval: f64,
    out: Option<&Bound<'py, PyAny>>,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = image_kind("image", image)?;
    let image = &aligned(image)?;
    let work = Blur {
        image,
        size: size_arg(size)?,
        kernel: kernel_of(kernel)?,
        border: border_of(mode, cval)?,
        out: out.filter(|out| !out.is_none()),
        pool: pool_of(threads.filter(|threads| !threads.is_none()))?,
    };
    dispatch(kind, work)
}

struct BlurTile<'py, 'a> {
    window: &'a Bound<'py, PyAny>,
    size: SizeArg<'py>,
    window_rect: Rect,
    image_dim: (usize, usize),
    tile: Rect,
    kernel: Kernel,
    border: Border,
    pool: Option<LentPool>,
}

impl<'py> Typed for BlurTile<'py, '_> {
    type Output = PyResult<Bound<'py, PyAny>>;

    fn run<T: Sample + Element, D: ImageDim>(self) -> Self::Output {
        let py = self.window.py();
        let window = read::<T, D>("window", self.window)?;
        let view = window.as_array();
        let mut dim = view.raw_dim();
        (dim[0], dim[1]) = self.tile.dim();
        let mut out = zeros::<T, D>(dim).map_err(CoreError)?;
        let params = Params::new(self.kernel, self.size.size()).with_border(self.border);
        let target = out.view_mut();
        let pool = self.pool.as_ref();
        py.detach(|| {
            in_pool(pool, || {
                apply_tile(
                    &Auto,
                    view,
                    &self.window_rect,
                    self.image_dim,
                    &params,
                    &self.tile,
                    target,
                )
            })
        })
        .map_err(CoreError)?;
        Ok(out.into_pyarray(py).into_any())
    }
}

/// `start..stop` of an axis of `len`, checked.
fn span(what: &str, start: usize, stop: usize, len: usize) -> PyResult<Range<usize>> {
    if start > stop || stop > len {
        return Err(error(format!(
            "{what} {start}..{stop} must satisfy start <= stop <= {len}"
        )));
    }
    Ok(start..stop)
}

/// Blurs the output rectangle `tile` = (row_start, row_stop, col_start,
/// col_stop) of an image of `image_shape` (height, width) from `window`,
/// the input pixels from `window_origin` (row, col) on, which must cover
/// every pixel the tile's kernels read; `size` is a number, a map of the
/// window's (height, width), or a map of the tile's rows and the window's
/// columns (no padding needed). Returns the tile's output, bit-identical to
/// the same pixels of a whole-image `blur` where the crate serves the
/// request exactly.
#[pyfunction]
#[pyo3(signature = (window, size, window_origin, image_shape, tile, kernel, mode, cval, threads))]
#[allow(clippy::too_many_arguments)]
fn blur_tile<'py>(
    window: &Bound<'py, PyAny>,
    size: &Bound<'py, PyAny>,
    window_origin: (usize, usize),
    image_shape: (usize, usize),
    tile: (usize, usize, usize, usize),
    kernel: &str,
    mode: &str,
    cval: f64,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = image_kind("window", window)?;
    let window = &aligned(window)?;
    let shape = window.cast::<PyUntypedArray>()?.shape().to_vec();
    let (height, width) = image_shape;
    let tile = Rect::new(
        span("tile rows", tile.0, tile.1, height)?,
        span("tile cols", tile.2, tile.3, width)?,
    );
    let window_end = |origin: usize, len: usize, axis: &str| {
        origin
            .checked_add(len)
            .ok_or_else(|| error(format!("window {axis} {origin} + {len} overflow")))
    };
    let (row, col) = window_origin;
    let window_rect = Rect::new(
        row..window_end(row, shape[0], "rows")?,
        col..window_end(col, shape[1], "cols")?,
    );
    let work = BlurTile {
        window,
        size: size_arg(size)?,
        window_rect,
        image_dim: image_shape,
        tile,
        kernel: kernel_of(kernel)?,
        border: border_of(mode, cval)?,
        pool: pool_of(threads.filter(|threads| !threads.is_none()))?,
    };
    dispatch(kind, work)
}

/// The sample type of a mask argument, checked: a 2-D numpy array of a
/// supported dtype (the package views a bool mask as uint8).
fn mask_kind(mask: &Bound<'_, PyAny>) -> PyResult<SampleType> {
    let Ok(array) = mask.cast::<PyUntypedArray>() else {
        return Err(PyTypeError::new_err(format!(
            "mask must be a numpy array; got {}",
            mask.get_type().name()?
        )));
    };
    if array.ndim() != 2 {
        return Err(error(format!(
            "mask must be 2-D (height, width); got shape {:?}",
            array.shape()
        )));
    }
    let dtype = array.dtype();
    sample_type_of(&dtype).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "mask dtype {} is not supported: use bool, uint8, uint16, float32 or float64 \
             (native byte order), or pass mask != 0",
            dtype.str().map(|s| s.to_string()).unwrap_or_default()
        ))
    })
}

/// Work generic over a mask's sample type, run once its dtype is known.
trait TypedMask {
    type Output;
    fn run<M: Sample + Element>(self) -> Self::Output;
}

fn dispatch_mask<W: TypedMask>(sample: SampleType, work: W) -> W::Output {
    match sample {
        SampleType::U8 => work.run::<u8>(),
        SampleType::U16 => work.run::<u16>(),
        SampleType::F32 => work.run::<f32>(),
        SampleType::F64 => work.run::<f64>(),
    }
}

struct Distance<'py, 'a> {
    mask: &'a Bound<'py, PyAny>,
    cap: Option<f32>,
    pool: Option<LentPool>,
}

impl<'py> TypedMask for Distance<'py, '_> {
    type Output = PyResult<Bound<'py, PyAny>>;

    fn run<M: Sample + Element>(self) -> Self::Output {
        let py = self.mask.py();
        let mask = read::<M, Ix2>("mask", self.mask)?;
        let view = mask.as_array();
        let pool = self.pool.as_ref();
        let distances = py
            .detach(|| in_pool(pool, || varblur::distance(view, self.cap)))
            .map_err(CoreError)?;
        Ok(distances.into_pyarray(py).into_any())
    }
}

/// The distance from every pixel of `mask` (2-D) to its nearest non-zero
/// pixel, as float32, capped at `max_distance` when given; see
/// `varblur.distance`.
#[pyfunction]
#[pyo3(signature = (mask, max_distance, threads))]
fn distance<'py>(
    mask: &Bound<'py, PyAny>,
    max_distance: Option<f64>,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let sample = mask_kind(mask)?;
    let mask = &aligned(mask)?;
    let work = Distance {
        mask,
        cap: max_distance.map(size_to_f32),
        pool: pool_of(threads.filter(|threads| !threads.is_none()))?,
    };
    dispatch_mask(sample, work)
}

struct ByDistance<'py, 'a> {
    image: &'a Bound<'py, PyAny>,
    mask: &'a Bound<'py, PyAny>,
    mask_sample: SampleType,
    mapping: DistanceToSize,
    kernel: Kernel,
    border: Border,
    pool: Option<LentPool>,
}

/// [`ByDistance`] once the image's dtype and rank are known, waiting for
/// the mask's.
struct ByDistanceOf<'py, 'a, T: Element, D: ImageDim> {
    work: ByDistance<'py, 'a>,
    image: PyReadonlyArray<'py, T, D>,
}

impl<'py> Typed for ByDistance<'py, '_> {
    type Output = PyResult<Bound<'py, PyAny>>;

    fn run<T: Sample + Element, D: ImageDim>(self) -> Self::Output {
        let image = read::<T, D>("image", self.image)?;
        let sample = self.mask_sample;
        dispatch_mask(sample, ByDistanceOf { work: self, image })
    }
}

impl<'py, T: Sample + Element, D: ImageDim> TypedMask for ByDistanceOf<'py, '_, T, D> {
    type Output = PyResult<Bound<'py, PyAny>>;

    fn run<M: Sample + Element>(self) -> Self::Output {
        let work = self.work;
        let py = work.image.py();
        let mask = read::<M, Ix2>("mask", work.mask)?;
        let (image, mask) = (self.image.as_array(), mask.as_array());
        let pool = work.pool.as_ref();
        let blurred = py
            .detach(|| {
                in_pool(pool, || {
                    varblur::blur_by_distance(&image, &mask, work.mapping, work.kernel, work.border)
                })
            })
            .map_err(CoreError)?;
        Ok(blurred.into_pyarray(py).into_any())
    }
}

/// Blurs `image` with a size per pixel made from the distance to the
/// non-zero pixels of `mask`: `clamp(scale * max(distance - offset, 0), 0,
/// max_size)`; see `varblur.blur_by_distance`.
#[pyfunction]
#[pyo3(signature = (image, mask, scale, offset, max_size, kernel, mode, cval, threads))]
#[allow(clippy::too_many_arguments)]
fn blur_by_distance<'py>(
    image: &Bound<'py, PyAny>,
    mask: &Bound<'py, PyAny>,
    scale: f64,
    offset: f64,
    max_size: f64,
    kernel: &str,
    mode: &str,
    cval: f64,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = image_kind("image", image)?;
    let mask_sample = mask_kind(mask)?;
    let (image, mask) = (&aligned(image)?, &aligned(mask)?);
    let mapping = DistanceToSize::new(size_to_f32(scale), offset as f32, size_to_f32(max_size)).map_err(CoreError)?;
    let work = ByDistance {
        image,
        mask,
        mask_sample,
        mapping,
        kernel: kernel_of(kernel)?,
        border: border_of(mode, cval)?,
        pool: pool_of(threads.filter(|threads| !threads.is_none()))?,
    };
    dispatch(kind, work)
}

#[pymodule]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("Error", module.py().get_type::<Error>())?;
    module.add("MAX_CHANNELS", MAX_CHANNELS)?;
    module.add_function(wrap_pyfunction!(blur, module)?)?;
    module.add_function(wrap_pyfunction!(blur_tile, module)?)?;
    module.add_function(wrap_pyfunction!(distance, module)?)?;
    module.add_function(wrap_pyfunction!(blur_by_distance, module)?)?;
    Ok(())
}
