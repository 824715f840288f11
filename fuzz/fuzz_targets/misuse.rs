//! API misuse: wrong output and size-map shapes, zero-sized arrays, zero,
//! negative, large and overlapping strides, permuted axes, huge broadcast
//! views, out-of-range or non-finite border constants, invalid sizes.
//!
//! Every call must return exactly the error the validation rules give (an
//! independent oracle below, in the order `Filter::apply_into` and
//! `varblur::Error` document), never panic, and leave the output untouched on error. A call
//! that succeeds must give, bit for bit, what the same backend gives on
//! contiguous copies of its arrays: the layout of a view never matters.
#![no_main]

use std::ops::Range;

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, ArrayViewMut3, Axis, ShapeBuilder, s};
use varblur::{
    Backend, Border, Error, Filter, Kernel, MAX_CHANNELS, Naive, Params, Request, Sample, SampleType, Size, Support,
};
use varblur_fuzz::size_value;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = match varblur_fuzz::sample_type(&mut u) {
        Ok(SampleType::U8) => typed::<u8>(&mut u),
        Ok(SampleType::U16) => typed::<u16>(&mut u),
        Ok(SampleType::F32) => typed::<f32>(&mut u),
        Ok(SampleType::F64) => typed::<f64>(&mut u),
        Err(e) => Err(e),
    };
});

/// Samples from fuzzer bytes: any bits for floats now and then (NaN
/// payloads, subnormals, huge values), small values otherwise.
trait Draw: Sample {
    fn draw(u: &mut Unstructured<'_>) -> Result<Self>;
}

impl Draw for u8 {
    fn draw(u: &mut Unstructured<'_>) -> Result<Self> {
        u.arbitrary()
    }
}

impl Draw for u16 {
    fn draw(u: &mut Unstructured<'_>) -> Result<Self> {
        u.arbitrary()
    }
}

impl Draw for f32 {
    fn draw(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(if u.ratio(1u8, 8u8)? {
            f32::from_bits(u.arbitrary()?)
        } else {
            u.arbitrary::<i8>()? as f32 / 4.0
        })
    }
}

impl Draw for f64 {
    fn draw(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(if u.ratio(1u8, 8u8)? {
            f64::from_bits(u.arbitrary()?)
        } else {
            u.arbitrary::<i8>()? as f64 / 4.0
        })
    }
}

fn values<T: Draw>(u: &mut Unstructured<'_>, count: usize) -> Result<Vec<T>> {
    (0..count).map(|_| T::draw(u)).collect()
}

/// The six orders of three axes, and the inverse of one.
const PERMUTATIONS: [[usize; 3]; 6] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

fn inverse(p: [usize; 3]) -> [usize; 3] {
    let mut q = [0; 3];
    for (i, &pi) in p.iter().enumerate() {
        q[pi] = i;
    }
    q
}

/// Samples of the same type are the same, NaN included.
fn same<T: Sample>(a: T, b: T) -> bool {
    let (a, b) = (a.to_f64(), b.to_f64());
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn same_error(a: &Error, b: &Error) -> bool {
    match (a, b) {
        (Error::InvalidSize { position: p, value: v }, Error::InvalidSize { position: q, value: w }) => {
            p == q && v.to_bits() == w.to_bits()
        }
        (Error::InvalidBorder { value: v }, Error::InvalidBorder { value: w }) => v.to_bits() == w.to_bits(),
        _ => a == b,
    }
}

fn typed<T: Draw>(u: &mut Unstructured<'_>) -> Result<()> {
    let height = u.int_in_range(0..=10usize)?;
    let width = u.int_in_range(0..=10usize)?;
    let channels = if u.ratio(7u8, 8u8)? {
        u.int_in_range(1..=4usize)?
    } else {
        u.int_in_range(0..=MAX_CHANNELS + 2)?
    };
    let dims = [height, width, channels];
    match u.int_in_range(0..=4u8)? {
        0 => {
            let storage = Array3::from_shape_vec((height, width, channels), values::<T>(u, height * width * channels)?)
                .expect("shape of the values");
            exercise(u, storage.view(), false)
        }
        1 => {
            // Steps on every axis, axes stored in another order, some reversed.
            let steps = [
                u.int_in_range(1..=3usize)?,
                u.int_in_range(1..=3usize)?,
                u.int_in_range(1..=3usize)?,
            ];
            let p = *u.choose(&PERMUTATIONS)?;
            let shape = p.map(|axis| dims[axis] * steps[axis]);
            let storage = Array3::from_shape_vec(shape, values::<T>(u, shape.iter().product())?).expect("shape");
            let st = p.map(|axis| steps[axis] as isize);
            let mut view = storage
                .slice(s![..;st[0], ..;st[1], ..;st[2]])
                .permuted_axes(inverse(p));
            for axis in 0..3 {
                if u.arbitrary()? {
                    view.invert_axis(Axis(axis));
                }
            }
            debug_assert_eq!(view.shape(), &dims);
            exercise(u, view, false)
        }
        2 => {
            // Zero strides: a smaller array broadcast to the image's shape.
            let small = dims.map(|d| if d > 0 && u.arbitrary().unwrap_or(false) { 1 } else { d });
            let storage = Array3::from_shape_vec(small, values::<T>(u, small.iter().product())?).expect("shape");
            match storage.broadcast(dims) {
                Some(view) => exercise(u, view, false),
                None => Ok(()),
            }
        }
        3 => {
            // Any strides, overlapping ones included, over one buffer.
            let strides = [
                u.int_in_range(0..=40usize)?,
                u.int_in_range(0..=8usize)?,
                u.int_in_range(0..=3usize)?,
            ];
            let span: usize = dims.iter().zip(&strides).map(|(d, s)| d.saturating_sub(1) * s).sum();
            let buffer = values::<T>(u, span + 1)?;
            match ArrayView3::from_shape(dims.strides(strides), &buffer) {
                Ok(view) => exercise(u, view, false),
                Err(_) => Ok(()),
            }
        }
        _ => {
            // A huge image that exists only as a broadcast view: at least
            // 2^50 samples, so no output can be allocated for it.
            let channels = channels.clamp(1, 16);
            let rows = 1usize << u.int_in_range(25..=45u32)?;
            let cols = (1usize << 50) / rows;
            let pixel = Array3::from_shape_vec((1, 1, channels), values::<T>(u, channels)?).expect("shape");
            match pixel.broadcast((rows, cols, channels)) {
                Some(view) => exercise(u, view, true),
                None => Ok(()),
            }
        }
    }
}

/// A size map of `shape` (usually the image's), in one of several layouts.
fn size_map(u: &mut Unstructured<'_>, kernel: Kernel, shape: (usize, usize)) -> Result<(Array2<f32>, u8)> {
    let (h, w) = shape;
    let layout = u.int_in_range(0..=4u8)?;
    let storage_shape = match layout {
        1 => (w, h),
        3 => (2 * h, 2 * w),
        4 => (1, w),
        _ => (h, w),
    };
    let count = storage_shape.0 * storage_shape.1;
    let odd = u.ratio(1u8, 4u8)?;
    let values = (0..count)
        .map(|_| size_value(u, kernel, odd))
        .collect::<Result<Vec<f32>>>()?;
    Ok((Array2::from_shape_vec(storage_shape, values).expect("shape"), layout))
}

fn map_view(storage: &Array2<f32>, layout: u8, shape: (usize, usize)) -> Option<ArrayView2<'_, f32>> {
    Some(match layout {
        1 => storage.t(),
        2 => storage.slice(s![..;-1, ..;-1]),
        3 => storage.slice(s![..;2, ..;2]),
        4 => storage.broadcast(shape)?,
        _ => storage.view(),
    })
}

/// The shape `dims`, or one axis of it changed.
fn maybe_wrong(u: &mut Unstructured<'_>, dims: [usize; 3]) -> Result<[usize; 3]> {
    let mut out = dims;
    if u.ratio(1u8, 4u8)? {
        let axis = u.int_in_range(0..=2usize)?;
        out[axis] = u.int_in_range(0..=12usize)?;
    }
    Ok(out)
}

/// The error the validation rules give for a request, in their order.
fn expected_error<T: Sample>(
    backend: &Backend,
    dims: [usize; 3],
    out_dims: [usize; 3],
    params: &Params<'_>,
) -> Option<Error> {
    let [h, w, c] = dims;
    if out_dims != dims {
        return Some(Error::ShapeMismatch {
            what: "output",
            expected: dims.to_vec(),
            found: out_dims.to_vec(),
        });
    }
    if c > MAX_CHANNELS {
        return Some(Error::TooManyChannels {
            channels: c,
            max: MAX_CHANNELS,
        });
    }
    let valid = |v: f32| v.is_finite() && v >= 0.0;
    match &params.size {
        Size::Uniform(v) if !valid(*v) => {
            return Some(Error::InvalidSize {
                position: None,
                value: *v,
            });
        }
        Size::Map(map) if map.dim() != (h, w) => {
            return Some(Error::ShapeMismatch {
                what: "size map",
                expected: vec![h, w],
                found: map.shape().to_vec(),
            });
        }
        Size::Map(map) => {
            if let Some(((row, col), &value)) = map.indexed_iter().find(|(_, v)| !valid(**v)) {
                return Some(Error::InvalidSize {
                    position: Some((row, col)),
                    value,
                });
            }
        }
        _ => {}
    }
    if let Border::Constant(value) = params.border {
        let (lowest, highest) = T::TYPE.range();
        if !(value >= lowest && value <= highest) {
            return Some(Error::InvalidBorder { value });
        }
    }
    let request = Request::new::<T>(params, dims);
    if let Support::Unsupported(reason) = backend.support(&request) {
        return Some(Error::Unsupported {
            backend: backend.name(),
            request: request.to_string(),
            reason,
        });
    }
    None
}

fn check_result(what: &str, result: &std::result::Result<(), Error>, expected: &Option<Error>) {
    match (result, expected) {
        (Ok(()), None) => {}
        (Err(got), Some(want)) if same_error(got, want) => {}
        _ => panic!("{what}: got {result:?}, validation rules give {expected:?}"),
    }
}

/// A standard-layout copy of `view`. (`to_owned` keeps the view's strides,
/// which trips a debug assertion in ndarray 0.17 for overlapping strides.)
fn contiguous<T: Clone, D: ndarray::Dimension>(view: ndarray::ArrayView<'_, T, D>) -> ndarray::Array<T, D> {
    ndarray::Array::from_shape_vec(view.raw_dim(), view.iter().cloned().collect()).expect("shape of the view")
}

/// A contiguous copy of the size map, if any.
fn copy_of_map(params: &Params<'_>) -> Option<Array2<f32>> {
    match &params.size {
        Size::Map(map) => Some(contiguous(*map)),
        _ => None,
    }
}

/// `params` with the size map replaced by `copy` (when there is one).
fn with_map<'a>(params: &Params<'a>, copy: &'a Option<Array2<f32>>) -> Params<'a> {
    Params {
        size: copy.as_ref().map_or(params.size, Size::map),
        ..*params
    }
}

/// Runs one call on `input` with fuzzed parameters and checks it.
fn exercise<T: Draw>(u: &mut Unstructured<'_>, input: ArrayView3<'_, T>, huge: bool) -> Result<()> {
    let (h, w, c) = input.dim();
    let dims = [h, w, c];
    let backend = *u.choose(&Backend::ALL)?;
    let kernel = if u.arbitrary()? { Kernel::Box } else { Kernel::Gaussian };
    let border = varblur_fuzz::border(u, T::TYPE)?;
    // The map's intended shape: the image's, transposed, or off by some.
    let map_shape = match u.int_in_range(0..=5u8)? {
        // A huge image gets a small map of the wrong shape (one of its
        // shape would be scanned for 2^50 values).
        _ if huge => (u.int_in_range(0..=3usize)?, u.int_in_range(0..=3usize)?),
        0 => (w, h),
        1 => (u.int_in_range(0..=12usize)?, u.int_in_range(0..=12usize)?),
        _ => (h, w),
    };
    let uniform = u.arbitrary::<bool>()?;
    let (map_storage, layout) = if uniform {
        (Array2::zeros((0, 0)), 0)
    } else {
        size_map(u, kernel, map_shape)?
    };
    let size = if uniform {
        Size::Uniform(size_value(u, kernel, true)?)
    } else {
        match map_view(&map_storage, layout, map_shape) {
            Some(view) => Size::Map(view),
            None => return Ok(()),
        }
    };
    let params = Params::new(kernel, size).with_border(border);
    // The same request on contiguous copies, for calls that succeed.
    let map_copy = copy_of_map(&params);
    let contiguous_params = || with_map(&params, &map_copy);
    match u.int_in_range(0..=4u8)? {
        0 => {
            // apply_into a 3-D output of some shape and layout.
            let out_dims = maybe_wrong(u, dims)?;
            if out_dims.iter().product::<usize>() > 1 << 14 {
                return Ok(());
            }
            let p = *u.choose(&PERMUTATIONS)?;
            let step = u.int_in_range(1..=3usize)?;
            let mut storage_dims = p.map(|axis| out_dims[axis]);
            storage_dims[0] *= step;
            let sentinel = T::from_f64(7.0);
            let mut storage = Array3::from_elem(storage_dims, sentinel);
            let before = storage.clone();
            let invert: bool = u.arbitrary()?;
            let result = {
                let mut out: ArrayViewMut3<'_, T> = storage
                    .slice_mut(s![..;step as isize, .., ..])
                    .permuted_axes(inverse(p));
                if invert {
                    out.invert_axis(Axis(1));
                }
                backend.apply_into(input, &params, out)
            };
            check_result(
                "apply_into",
                &result,
                &expected_error::<T>(&backend, dims, out_dims, &params),
            );
            if result.is_err() {
                let untouched = storage.iter().zip(&before).all(|(&a, &b)| same(a, b));
                assert!(
                    untouched,
                    "apply_into wrote to the output before failing with {result:?}"
                );
            } else if !huge {
                let reference = backend.apply(contiguous(input).view(), &contiguous_params()).unwrap();
                let mut out = storage.slice(s![..;step as isize, .., ..]).permuted_axes(inverse(p));
                if invert {
                    out.invert_axis(Axis(1));
                }
                assert_eq!(out.dim(), reference.dim());
                assert!(out.iter().zip(&reference).all(|(&a, &b)| same(a, b)), "output differs");
            }
        }
        1 => {
            // apply_into a 2-D output (one channel).
            if c != 1 || huge {
                return Ok(());
            }
            let input2 = input.index_axis(Axis(2), 0);
            let out_dims = maybe_wrong(u, [h, w, 1])?;
            if out_dims[2] != 1 {
                return Ok(());
            }
            let sentinel = T::from_f64(7.0);
            let mut storage = Array2::from_elem((out_dims[0], out_dims[1] * 2), sentinel);
            let before = storage.clone();
            let result = backend.apply_into(input2, &params, storage.slice_mut(s![.., ..;-2]));
            check_result(
                "apply_into (2-D)",
                &result,
                &expected_error::<T>(&backend, dims, out_dims, &params),
            );
            if result.is_err() {
                let untouched = storage.iter().zip(&before).all(|(&a, &b)| same(a, b));
                assert!(untouched, "apply_into (2-D) wrote before failing with {result:?}");
            } else {
                let reference = backend.apply(contiguous(input2).view(), &contiguous_params()).unwrap();
                let out = storage.slice(s![.., ..;-2]);
                assert!(
                    out.iter().zip(&reference).all(|(&a, &b)| same(a, b)),
                    "2-D output differs"
                );
            }
        }
        2 | 3 => {
            // apply, or blur (Auto, Clip).
            let blur = u.arbitrary::<bool>()?;
            let (backend, params) = if blur {
                (Backend::Auto, params.with_border(Border::Clip))
            } else {
                (backend, params)
            };
            let result = if blur {
                varblur::blur(&input, params.size, params.kernel)
            } else {
                backend.apply(input, &params)
            };
            if huge {
                // No output of 2^50 samples can be allocated.
                let refused = matches!(result, Err(Error::TooLarge { .. }));
                assert!(refused || c == 0, "apply of a huge view: {:?}", result.map(|a| a.dim()));
                return Ok(());
            }
            let expected = expected_error::<T>(&backend, dims, dims, &params);
            check_result("apply", &result.as_ref().map(|_| ()).map_err(Clone::clone), &expected);
            if let Ok(out) = result {
                let map_copy = copy_of_map(&params);
                let reference = backend
                    .apply(contiguous(input).view(), &with_map(&params, &map_copy))
                    .unwrap();
                assert!(
                    out.iter().zip(&reference).all(|(&a, &b)| same(a, b)),
                    "apply output differs"
                );
            }
        }
        _ => {
            // Naive::apply_region with any ranges.
            if huge {
                return Ok(());
            }
            let mut range =
                |len: usize| -> Result<Range<usize>> { Ok(u.int_in_range(0..=len + 2)?..u.int_in_range(0..=len + 2)?) };
            let (rows, cols) = (range(h)?, range(w)?);
            let result = Naive.apply_region(input, &params, rows.clone(), cols.clone());
            let expected = if rows.end > h || cols.end > w || rows.start > rows.end || cols.start > cols.end {
                Some(Error::ShapeMismatch {
                    what: "region",
                    expected: vec![h, w],
                    found: vec![rows.end, cols.end],
                })
            } else {
                expected_error::<T>(&Backend::Naive, dims, dims, &params)
            };
            check_result(
                "apply_region",
                &result.as_ref().map(|_| ()).map_err(Clone::clone),
                &expected,
            );
            if let Ok(region) = result {
                let whole = Naive.apply(contiguous(input).view(), &contiguous_params()).unwrap();
                let part = whole.slice(s![rows, cols, ..]);
                assert_eq!(region.dim(), part.dim());
                assert!(region.iter().zip(&part).all(|(&a, &b)| same(a, b)), "region differs");
            }
        }
    }
    Ok(())
}
