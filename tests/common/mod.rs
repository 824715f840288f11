//! Strategies and comparisons shared by the integration tests.
#![allow(dead_code)]

use ndarray::{Array2, Array3, ArrayView3, ArrayViewMut3, s};
use proptest::prelude::*;
use varblur::{Border, Filter, Kernel, Naive, Params, Sample, Size, Support};

/// A sample type with a strategy for its values.
pub trait TestSample: Sample {
    fn values() -> BoxedStrategy<Self>;
}

impl TestSample for u8 {
    fn values() -> BoxedStrategy<Self> {
        any::<u8>().boxed()
    }
}
impl TestSample for u16 {
    fn values() -> BoxedStrategy<Self> {
        any::<u16>().boxed()
    }
}
impl TestSample for f32 {
    fn values() -> BoxedStrategy<Self> {
        prop_oneof![-1000.0f32..1000.0, 0.0f32..1.0].boxed()
    }
}
impl TestSample for f64 {
    fn values() -> BoxedStrategy<Self> {
        prop_oneof![-1000.0f64..1000.0, 0.0f64..1.0].boxed()
    }
}

/// An image stored with room for a strided view: the test views every
/// `step`-th row and column, optionally with reversed columns.
#[derive(Debug, Clone)]
pub struct Image<T> {
    pub storage: Array3<T>,
    pub row_step: usize,
    pub col_step: usize,
    pub reversed: bool,
}

impl<T: Sample> Image<T> {
    pub fn view(&self) -> ArrayView3<'_, T> {
        let (rs, cs) = (self.row_step as isize, self.col_step as isize);
        if self.reversed {
            self.storage.slice(s![..;rs, ..;-cs, ..])
        } else {
            self.storage.slice(s![..;rs, ..;cs, ..])
        }
    }

    pub fn dim(&self) -> (usize, usize, usize) {
        self.view().dim()
    }
}

/// Images with sides 0..=max_side, 1..=4 channels, contiguous or strided.
pub fn images<T: TestSample>(max_side: usize) -> impl Strategy<Value = Image<T>> {
    (
        0..=max_side,
        0..=max_side,
        1..=4usize,
        1..=2usize,
        1..=2usize,
        any::<bool>(),
    )
        .prop_flat_map(|(h, w, c, row_step, col_step, reversed)| {
            let shape = (h * row_step, w * col_step, c);
            proptest::collection::vec(T::values(), shape.0 * shape.1 * shape.2).prop_map(move |data| Image {
                storage: Array3::from_shape_vec(shape, data).unwrap(),
                row_step,
                col_step,
                reversed,
            })
        })
}

/// A size description that the test turns into a `Size` for a given shape.
#[derive(Debug, Clone)]
pub enum SizeCase {
    Uniform(f32),
    Map(Array2<f32>),
}

impl SizeCase {
    pub fn size(&self) -> Size<'_> {
        match self {
            SizeCase::Uniform(v) => Size::Uniform(*v),
            SizeCase::Map(m) => Size::map(m),
        }
    }

    pub fn values(&self) -> Vec<f32> {
        match self {
            SizeCase::Uniform(v) => vec![*v],
            SizeCase::Map(m) => m.iter().copied().collect(),
        }
    }

    pub fn all_integer(&self) -> bool {
        self.values().iter().all(|v| v.fract() == 0.0)
    }
}

/// Size values: small integers, fractional, or huge (beyond the image).
fn size_value(integer_only: bool) -> BoxedStrategy<f32> {
    let integer = (0u32..=45).prop_map(|v| v as f32);
    let huge = prop_oneof![Just(1e9f32), Just(1e6f32), Just(4097.0f32), Just(1e30f32)];
    if integer_only {
        prop_oneof![4 => integer, 1 => huge].boxed()
    } else {
        prop_oneof![3 => integer, 3 => 0.0f32..45.0, 1 => 0.0f32..1.0, 1 => huge].boxed()
    }
}

/// Uniform, random, smooth (ramp) and mixed-huge size maps for (h, w).
pub fn sizes(h: usize, w: usize, integer_only: bool) -> impl Strategy<Value = SizeCase> {
    let uniform = size_value(integer_only).prop_map(SizeCase::Uniform);
    let random = proptest::collection::vec(size_value(integer_only), h * w)
        .prop_map(move |v| SizeCase::Map(Array2::from_shape_vec((h, w), v).unwrap()));
    let smooth = (0.0f32..30.0, 0.0f32..2.0, 0.0f32..2.0).prop_map(move |(base, dy, dx)| {
        SizeCase::Map(Array2::from_shape_fn((h, w), |(y, x)| {
            let v = base + dy * y as f32 + dx * x as f32;
            if integer_only { v.round() } else { v }
        }))
    });
    prop_oneof![uniform, random, smooth]
}

/// The four borders, the constant in the sample's range.
pub fn borders<T: Sample>() -> impl Strategy<Value = Border> {
    let max = if T::MAX.is_finite() { T::MAX } else { 1000.0 };
    prop_oneof![
        Just(Border::Clip),
        Just(Border::Replicate),
        Just(Border::Reflect),
        (0.0..=max).prop_map(|c: f64| Border::Constant(c.round())),
    ]
}

/// Largest difference a backend may have from `Naive` on this request
/// (SPEC section 4), in the sample's units.
pub fn exact_bound<T: Sample>(image: &ArrayView3<'_, T>, size: &SizeCase, border: Border) -> f64 {
    if T::TYPE.is_integer() {
        // Naive accumulates in f64: it is exact while window sums stay below
        // 2^53, which every Clip window of these images does; border-extended
        // windows of huge radii pass it and may differ by rounding.
        let largest = size.values().iter().copied().fold(0.0f32, f32::max) as f64;
        let extent = largest.min(varblur::kernel::MAX_EXTENT as f64).ceil();
        let window = (2.0 * extent + 1.0).powi(2);
        let naive_exact = border == Border::Clip || window * T::MAX < 2f64.powi(53);
        if size.all_integer() && naive_exact { 0.0 } else { 1.0 }
    } else {
        let mut range = image.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()));
        if let Border::Constant(c) = border {
            range = range.max(c.abs());
        }
        1e-6 * range.max(1e-300)
    }
}

/// Asserts `actual` is within `bound` of `expected`, naming the first pixel that is not.
pub fn assert_within<T: Sample>(
    expected: &ArrayView3<'_, T>,
    actual: &ArrayView3<'_, T>,
    bound: f64,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(expected.dim(), actual.dim());
    for ((idx, e), a) in expected.indexed_iter().zip(actual.iter()) {
        let diff = (e.to_f64() - a.to_f64()).abs();
        prop_assert!(
            diff <= bound || (e.to_f64().is_nan() && a.to_f64().is_nan()),
            "pixel {:?}: naive {:?}, backend {:?}, difference {} > bound {}",
            idx,
            e,
            a,
            diff,
            bound
        );
    }
    Ok(())
}

/// Runs `backend` and `Naive` on the case and checks the SPEC bound. The
/// backend writes into a strided output view, to test any output strides.
pub fn check_against_naive<T: Sample, F: Filter>(
    backend: &F,
    image: &Image<T>,
    size: &SizeCase,
    border: Border,
    kernel: Kernel,
) -> Result<(), TestCaseError> {
    let view = image.view();
    let params = Params::new(kernel, size.size()).with_border(border);
    let request = varblur::Request::new::<T>(&params, {
        let (h, w, c) = view.dim();
        [h, w, c]
    });
    let expected = Naive
        .apply(view, &params)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let (h, w, c) = view.dim();
    let mut storage = Array3::from_elem((h, w * 2, c), T::default());
    let out: ArrayViewMut3<'_, T> = storage.slice_mut(s![.., ..;2, ..]);
    match backend.support(&request) {
        Support::Unsupported(_) => {
            prop_assert!(backend.apply_into(view, &params, out).is_err());
        }
        _ => {
            backend
                .apply_into(view, &params, out)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let bound = exact_bound(&view, size, border);
            assert_within(&expected.view(), &storage.slice(s![.., ..;2, ..]), bound)?;
        }
    }
    Ok(())
}
