//! Conformance kit: check any [`Filter`] against the exact [`Naive`]
//! reference in one call, and time it on the benchmark cases B1, B2, B4
//! and B5 (see [`bench`]).
//!
//! Enabled by the `conformance` cargo feature (it pulls in `proptest`).
//!
//! [`check`] draws random requests — images of every sample type with sides
//! 0..=`max_side` (non-square, strided and reversed views), 1..=4 channels,
//! every border, box and Gaussian kernels, and uniform, random, smooth,
//! fractional and huge size maps — and for each one:
//! - if the backend answers [`Support::Unsupported`], checks that it returns
//!   [`Error::Unsupported`] and leaves the output untouched;
//! - if it answers [`Support::Exact`], checks the exactness bounds of
//!   [`Support::Exact`] against `Naive` (integer samples bit-identical for integer sizes, 1 LSB
//!   otherwise; floats within 1e-6 of the value range);
//! - if it answers [`Support::Approximate`], checks the caller's
//!   [`Options::tolerance`].
//!
//! On failure it shrinks the request to a minimal one and returns it as a
//! [`Failure`], whose `Display` names the first differing pixel and prints a
//! regression test to paste.
//!
//! ```
//! use varblur::conformance::{Options, check};
//! let summary = check(&varblur::Integral, &Options { cases: 8, ..Options::default() }).unwrap();
//! assert!(summary.cases > 0);
//! ```

use std::fmt;
use std::ops::Range;
use std::time::{Duration, Instant};

use ndarray::{Array2, Array3, ArrayView3, s};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use crate::backend::{Auto, Backend, Naive};
use crate::border::Border;
use crate::error::Error;
use crate::filter::{Filter, Params, Request, Support};
use crate::kernel::{Kernel, MAX_EXTENT, Size};
use crate::sample::{Sample, SampleType};

/// What [`check`] draws, and how closely an approximate backend must agree.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Random requests per sample type and kernel.
    pub cases: u32,
    /// Largest image side.
    pub max_side: usize,
    /// For backends that answer [`Support::Approximate`]: the largest
    /// |backend - Naive| allowed, as a fraction of the request's value range
    /// (the largest |sample| of the image and the border constant; for
    /// integer samples, plus one unit for rounding).
    pub tolerance: f64,
    /// The kernels to draw.
    pub kernels: Vec<Kernel>,
    /// A fixed seed for the random requests; `None` takes proptest's
    /// (`PROPTEST_RNG_SEED`, or random).
    pub seed: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cases: 64,
            max_side: 40,
            tolerance: 0.0,
            kernels: vec![Kernel::Box, Kernel::Gaussian],
            seed: None,
        }
    }
}

/// What a passing [`check`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Requests checked.
    pub cases: u32,
    /// Of which the backend answered exact, approximate, unsupported.
    pub exact: u32,
    /// Approximate answers.
    pub approximate: u32,
    /// Unsupported answers (checked to be typed errors).
    pub unsupported: u32,
    /// The largest |backend - Naive| over the approximate answers, as a
    /// fraction of the value range.
    pub max_approximate_error: f64,
}

/// The size of every pixel of a [`Case`].
#[derive(Debug, Clone, PartialEq)]
pub enum CaseSize {
    /// One size for every pixel.
    Uniform(f32),
    /// One size per pixel, row-major (height, width).
    Map(Vec<f32>),
}

/// One concrete request, complete enough to reproduce it anywhere.
///
/// The image is `storage` (shape (height * row_step, width * col_step,
/// channels), row-major) viewed with steps `row_step` and `col_step`, columns
/// reversed if `reversed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Sample type of the image.
    pub sample: SampleType,
    /// Kernel.
    pub kernel: Kernel,
    /// Border.
    pub border: Border,
    /// (height, width, channels) of the view.
    pub shape: [usize; 3],
    /// Row step of the view into the storage.
    pub row_step: usize,
    /// Column step of the view into the storage.
    pub col_step: usize,
    /// Whether the view reverses the columns.
    pub reversed: bool,
    /// The storage's samples, row-major, as `f64` (exact for every type).
    pub samples: Vec<f64>,
    /// The sizes.
    pub size: CaseSize,
}

impl Case {
    fn storage<T: Sample>(&self) -> Array3<T> {
        let [h, w, c] = self.shape;
        let values = self.samples.iter().map(|&v| T::from_f64(v)).collect();
        Array3::from_shape_vec((h * self.row_step, w * self.col_step, c), values).expect("case storage has its shape")
    }

    fn view<'a, T: Sample>(&self, storage: &'a Array3<T>) -> ArrayView3<'a, T> {
        let (rs, cs) = (self.row_step as isize, self.col_step as isize);
        let cs = if self.reversed { -cs } else { cs };
        storage.slice(s![..;rs, ..;cs, ..])
    }

    /// The same image as a contiguous view (steps 1, not reversed).
    fn contiguous(&self) -> Case {
        let storage = self.storage::<f64>();
        Case {
            row_step: 1,
            col_step: 1,
            reversed: false,
            samples: self.view(&storage).iter().copied().collect(),
            ..self.clone()
        }
    }

    fn is_contiguous(&self) -> bool {
        self.row_step == 1 && self.col_step == 1 && !self.reversed
    }

    /// Rows `rows`, columns `cols` and channels `channels` of a contiguous case.
    fn crop(&self, rows: Range<usize>, cols: Range<usize>, channels: Range<usize>) -> Case {
        let [_, w, c] = self.shape;
        let mut samples = Vec::new();
        let mut map = Vec::new();
        for y in rows.clone() {
            for x in cols.clone() {
                samples.extend(channels.clone().map(|ch| self.samples[(y * w + x) * c + ch]));
                if let CaseSize::Map(values) = &self.size {
                    map.push(values[y * w + x]);
                }
            }
        }
        Case {
            shape: [rows.len(), cols.len(), channels.len()],
            samples,
            size: match self.size {
                CaseSize::Uniform(v) => CaseSize::Uniform(v),
                CaseSize::Map(_) => CaseSize::Map(map),
            },
            ..self.clone()
        }
    }

    /// Simpler variants of this case, most reducing first.
    fn simpler(&self) -> Vec<Case> {
        let mut out = Vec::new();
        if !self.is_contiguous() {
            out.push(self.contiguous());
            return out;
        }
        let [h, w, c] = self.shape;
        let halves = |n: usize| [(0..n / 2), (n - n / 2..n), (1..n), (0..n - 1)];
        if c > 1 {
            out.extend((0..c).map(|ch| self.crop(0..h, 0..w, ch..ch + 1)));
        }
        if h > 1 {
            out.extend(halves(h).map(|rows| self.crop(rows, 0..w, 0..c)));
        }
        if w > 1 {
            out.extend(halves(w).map(|cols| self.crop(0..h, cols, 0..c)));
        }
        if self.border != Border::Clip {
            out.push(Case {
                border: Border::Clip,
                ..self.clone()
            });
        }
        let with_sizes = |f: &dyn Fn(f32) -> f32| Case {
            size: match &self.size {
                CaseSize::Uniform(v) => CaseSize::Uniform(f(*v)),
                CaseSize::Map(values) => CaseSize::Map(values.iter().map(|&v| f(v)).collect()),
            },
            ..self.clone()
        };
        if let CaseSize::Map(values) = &self.size {
            let mut distinct: Vec<f32> = values.clone();
            distinct.sort_by(f32::total_cmp);
            distinct.dedup();
            out.extend(distinct.iter().take(8).map(|&v| Case {
                size: CaseSize::Uniform(v),
                ..self.clone()
            }));
        }
        let side = h.max(w) as f32;
        let candidates: [&dyn Fn(f32) -> f32; 4] = [
            &|v| v.min(side),
            &|v| v.floor(),
            &|v| (v / 2.0).floor() + v.fract(),
            &|v| v.floor().min(1.0) + v.fract(),
        ];
        for f in candidates {
            let simpler = with_sizes(f);
            if simpler.size != self.size {
                out.push(simpler);
            }
        }
        let zeroed: Vec<Case> = (0..self.samples.len().min(64))
            .filter(|&i| self.samples[i] != 0.0)
            .map(|i| {
                let mut samples = self.samples.clone();
                samples[i] = 0.0;
                Case {
                    samples,
                    ..self.clone()
                }
            })
            .collect();
        out.extend(zeroed);
        out
    }

    fn size_map(&self) -> Option<Array2<f32>> {
        match &self.size {
            CaseSize::Uniform(_) => None,
            CaseSize::Map(values) => Some(
                Array2::from_shape_vec((self.shape[0], self.shape[1]), values.clone()).expect("size map has its shape"),
            ),
        }
    }

    fn sizes(&self) -> &[f32] {
        match &self.size {
            CaseSize::Uniform(v) => std::slice::from_ref(v),
            CaseSize::Map(values) => values,
        }
    }
}

/// A backend's disagreement with `Naive`, or a wrong answer to an unsupported request.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The backend's name.
    pub backend: &'static str,
    /// The minimal request found.
    pub case: Case,
    /// What went wrong, in words (e.g. the first differing pixel).
    pub reason: String,
    /// The first differing pixel (row, col, channel), `Naive`'s value and the
    /// backend's, when the failure is a difference.
    pub first_difference: Option<([usize; 3], f64, f64)>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let case = &self.case;
        let [h, w, c] = case.shape;
        writeln!(f, "backend {} fails against Naive: {}", self.backend, self.reason)?;
        writeln!(
            f,
            "minimal case: {:?} image {h} x {w} x {c} (row step {}, col step {}{}), {:?} kernel, {:?} border, size {:?}",
            case.sample,
            case.row_step,
            case.col_step,
            if case.reversed { ", columns reversed" } else { "" },
            case.kernel,
            case.border,
            case.size
        )?;
        writeln!(f, "regression test:")?;
        write!(f, "{}", regression_test(self))
    }
}

/// `value` as a Rust expression of float type `ty` (`"f32"` or `"f64"`).
fn literal(value: f64, ty: &str) -> String {
    if value.is_nan() {
        format!("{ty}::NAN")
    } else if value.is_infinite() {
        format!("{ty}::{}INFINITY", if value < 0.0 { "NEG_" } else { "" })
    } else {
        format!("{value:?}")
    }
}

/// A Rust test that reproduces `failure`, for pasting into a test file.
fn regression_test(failure: &Failure) -> String {
    let case = &failure.case;
    let [h, w, c] = case.shape;
    let ty = match case.sample {
        SampleType::U8 => "u8",
        SampleType::U16 => "u16",
        SampleType::F32 => "f32",
        SampleType::F64 => "f64",
    };
    let values: Vec<String> = case
        .samples
        .iter()
        .map(|&v| format!("{} as {ty}", literal(v, "f64")))
        .collect();
    let size = match &case.size {
        CaseSize::Uniform(v) => format!("Size::Uniform({})", literal(*v as f64, "f32")),
        CaseSize::Map(_) => "Size::map(&sizes)".to_string(),
    };
    let mut test = String::new();
    test += "#[test]\nfn regression() {\n    use ndarray::{s, Array2, Array3};\n    use varblur::{Border, Filter, Kernel, Naive, Params, Size};\n";
    test += &format!(
        "    let storage = Array3::from_shape_vec(({}, {}, {c}), vec![{}]).unwrap();\n",
        h * case.row_step,
        w * case.col_step,
        values.join(", ")
    );
    let col_step = if case.reversed {
        -(case.col_step as isize)
    } else {
        case.col_step as isize
    };
    test += &format!(
        "    let image = storage.slice(s![..;{}, ..;{col_step}, ..]);\n",
        case.row_step
    );
    if let CaseSize::Map(map) = &case.size {
        let map: Vec<String> = map.iter().map(|&v| literal(v as f64, "f32")).collect();
        test += &format!(
            "    let sizes = Array2::from_shape_vec(({h}, {w}), vec![{}]).unwrap();\n",
            map.join(", ")
        );
    }
    let border = match case.border {
        Border::Constant(c) => format!("Constant({})", literal(c, "f64")),
        other => format!("{other:?}"),
    };
    test += &format!(
        "    let params = Params::new(Kernel::{:?}, {size}).with_border(Border::{border});\n",
        case.kernel
    );
    test += "    let expected = Naive.apply(image, &params).unwrap();\n";
    let backend = if Backend::from_name(failure.backend).is_some() {
        format!("varblur::Backend::from_name(\"{}\").unwrap()", failure.backend)
    } else {
        format!("YourBackend /* \"{}\" */", failure.backend)
    };
    test += &format!("    let actual = {backend}.apply(image, &params).unwrap();\n");
    test += &format!("    // {}\n", failure.reason);
    test += "    assert_eq!(expected, actual); // or the exactness bound of the sample type\n}\n";
    test
}

/// Sample values of type `T`: any integer, or floats in [-1000, 1000] and [0, 1].
fn sample_values(sample: SampleType) -> BoxedStrategy<f64> {
    match sample {
        SampleType::U8 => any::<u8>().prop_map(f64::from).boxed(),
        SampleType::U16 => any::<u16>().prop_map(f64::from).boxed(),
        SampleType::F32 => prop_oneof![-1000.0f32..1000.0, 0.0f32..1.0].prop_map(f64::from).boxed(),
        SampleType::F64 => prop_oneof![-1000.0f64..1000.0, 0.0f64..1.0].boxed(),
    }
}

/// Size values for `kernel`: small integers, fractions, and (for the box)
/// sizes far beyond the image. Gaussian sigmas stay below 12: `Naive` walks
/// every tap of the Gaussian, 8 sigma per axis.
pub fn size_values(kernel: Kernel) -> BoxedStrategy<f32> {
    match kernel {
        Kernel::Box => prop_oneof![
            3 => (0u32..=45).prop_map(|v| v as f32),
            3 => 0.0f32..45.0,
            1 => 0.0f32..1.0,
            1 => prop_oneof![Just(1e9f32), Just(1e6), Just(4097.0), Just(1e30)],
        ]
        .boxed(),
        Kernel::Gaussian => prop_oneof![
            2 => (0u32..=8).prop_map(|v| v as f32),
            3 => 0.0f32..12.0,
            1 => 0.0f32..1.0,
        ]
        .boxed(),
    }
}

/// Uniform, random, and smooth (ramp) sizes for a (height, width) image.
pub fn sizes(kernel: Kernel, height: usize, width: usize) -> BoxedStrategy<CaseSize> {
    let scale = if kernel == Kernel::Box { 1.0 } else { 0.25 };
    prop_oneof![
        size_values(kernel).prop_map(CaseSize::Uniform),
        proptest::collection::vec(size_values(kernel), height * width).prop_map(CaseSize::Map),
        (0.0f32..30.0, 0.0f32..2.0, 0.0f32..2.0, any::<bool>()).prop_map(move |(base, dy, dx, round)| {
            CaseSize::Map(
                (0..height * width)
                    .map(|i| {
                        let v = scale * (base + dy * (i / width.max(1)) as f32 + dx * (i % width.max(1)) as f32);
                        if round { v.round() } else { v }
                    })
                    .collect(),
            )
        }),
    ]
    .boxed()
}

/// Every border; the constant lies in the sample type's range.
pub fn borders(sample: SampleType) -> BoxedStrategy<Border> {
    let max = match sample {
        SampleType::U8 => 255.0,
        SampleType::U16 => 65535.0,
        _ => 1000.0,
    };
    prop_oneof![
        Just(Border::Clip),
        Just(Border::Replicate),
        Just(Border::Reflect),
        (0.0..=max).prop_map(|c: f64| Border::Constant(c.round())),
        Just(Border::Symmetric),
        Just(Border::Wrap),
    ]
    .boxed()
}

/// Random requests of one sample type and kernel.
pub fn cases(sample: SampleType, kernel: Kernel, max_side: usize) -> BoxedStrategy<Case> {
    (
        0..=max_side,
        0..=max_side,
        1..=4usize,
        1..=2usize,
        1..=2usize,
        any::<bool>(),
    )
        .prop_flat_map(move |(h, w, c, row_step, col_step, reversed)| {
            let storage_len = h * row_step * w * col_step * c;
            (
                proptest::collection::vec(sample_values(sample), storage_len),
                sizes(kernel, h, w),
                borders(sample),
            )
                .prop_map(move |(samples, size, border)| Case {
                    sample,
                    kernel,
                    border,
                    shape: [h, w, c],
                    row_step,
                    col_step,
                    reversed,
                    samples,
                    size,
                })
        })
        .boxed()
}

/// The largest |backend - Naive| an exact backend may show on `case` (the bounds of
/// [`Support::Exact`]).
fn exact_bound(case: &Case, range: f64) -> f64 {
    let integer_sizes = case.sizes().iter().all(|v| v.fract() == 0.0);
    match case.sample {
        SampleType::U8 | SampleType::U16 => {
            // Naive sums in f64: exact while window sums stay below 2^53,
            // which every Clip window of these images does; huge windows of
            // the other borders pass it, and may round differently.
            let max = if case.sample == SampleType::U8 { 255.0 } else { 65535.0 };
            let largest = case.sizes().iter().copied().fold(0.0f32, f32::max) as f64;
            let extent = largest.min(MAX_EXTENT as f64).ceil();
            let naive_exact = case.border == Border::Clip || (2.0 * extent + 1.0).powi(2) * max < 2f64.powi(53);
            if integer_sizes && naive_exact && case.kernel == Kernel::Box {
                0.0
            } else {
                1.0
            }
        }
        _ => 1e-6 * range,
    }
}

/// Largest finite |sample| of the case, and of the border constant.
/// Non-finite samples are held to an exact match instead (NaN spreads to every pixel whose window reads it).
fn value_range(case: &Case) -> f64 {
    let mut range = case
        .samples
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    if let Border::Constant(c) = case.border
        && c.is_finite()
    {
        range = range.max(c.abs());
    }
    range.max(f64::MIN_POSITIVE)
}

/// Whether two errors are the same, comparing float fields bit for bit (NaN included).
fn same_error(a: &Error, b: &Error) -> bool {
    match (a, b) {
        (
            Error::InvalidSize { position, value },
            Error::InvalidSize {
                position: other_position,
                value: other_value,
            },
        ) => position == other_position && value.to_bits() == other_value.to_bits(),
        (Error::InvalidBorder { value }, Error::InvalidBorder { value: other }) => value.to_bits() == other.to_bits(),
        _ => a == b,
    }
}

/// What one case showed: how the backend answered and its error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// How the backend said it serves the request.
    pub support: Support,
    /// |backend - Naive| / value range over the finite pixels (0 when
    /// unsupported, refused, or not compared).
    pub relative_error: f64,
    /// Whether the backend's output was compared with `Naive`'s (false for
    /// refused requests, and for approximate answers when no tolerance was given).
    pub compared: bool,
}

/// Runs `case` on `backend` and `Naive`; `Err` describes the disagreement.
fn run_case<F: Filter>(backend: &F, case: &Case, tolerance: f64) -> Result<Outcome, Box<Failure>> {
    let mut outcomes = run_each(std::slice::from_ref(backend), case, Some(tolerance))?;
    Ok(outcomes.remove(0))
}

fn run_each<F: Filter>(backends: &[F], case: &Case, tolerance: Option<f64>) -> Result<Vec<Outcome>, Box<Failure>> {
    match case.sample {
        SampleType::U8 => run_typed::<u8, F>(backends, case, tolerance),
        SampleType::U16 => run_typed::<u16, F>(backends, case, tolerance),
        SampleType::F32 => run_typed::<f32, F>(backends, case, tolerance),
        SampleType::F64 => run_typed::<f64, F>(backends, case, tolerance),
    }
}

/// Checks one concrete `case` on each of `backends` against `Naive`, which
/// runs once: the same rules as [`check`], for a fuzzer or a regression test.
///
/// - When `Naive` refuses the request (its validation: an invalid size or
///   border value, a wrong shape), each backend must return the same error
///   (or [`Error::Unsupported`]) and leave its output untouched.
/// - Unsupported answers must be [`Error::Unsupported`], output untouched.
/// - Exact answers must meet the bounds of [`Support::Exact`] on every finite
///   pixel, and reproduce `Naive`'s non-finite pixels exactly (NaN where
///   `Naive` has NaN, infinities of the same sign).
/// - Approximate answers are held to `tolerance` (as [`Options::tolerance`]),
///   or only run, not compared, when it is `None`.
///
/// On a failure the case is shrunk to a minimal one for the failing backend.
///
/// ```
/// use varblur::conformance::{Case, CaseSize, check_case};
/// use varblur::{Backend, Border, Kernel, SampleType};
/// let case = Case {
///     sample: SampleType::F32,
///     kernel: Kernel::Box,
///     border: Border::Clip,
///     shape: [1, 5, 1],
///     row_step: 1,
///     col_step: 1,
///     reversed: false,
///     samples: vec![1.0, 2.0, f64::NAN, 4.0, 5.0],
///     size: CaseSize::Uniform(1.0),
/// };
/// let outcomes = check_case(&Backend::ALL, &case, None).unwrap();
/// assert_eq!(outcomes.len(), Backend::ALL.len());
/// ```
pub fn check_case<F: Filter>(
    backends: &[F],
    case: &Case,
    tolerance: Option<f64>,
) -> Result<Vec<Outcome>, Box<Failure>> {
    run_each(backends, case, tolerance).map_err(|failure| {
        let Some(backend) = backends.iter().find(|b| b.name() == failure.backend) else {
            return failure;
        };
        let tolerance = tolerance.unwrap_or(0.0);
        let minimal = minimise(backend, failure.case.clone(), tolerance);
        run_case(backend, &minimal, tolerance).err().unwrap_or(failure)
    })
}

fn run_typed<T: Sample, F: Filter>(
    backends: &[F],
    case: &Case,
    tolerance: Option<f64>,
) -> Result<Vec<Outcome>, Box<Failure>> {
    let storage = case.storage::<T>();
    let image = case.view(&storage);
    let map = case.size_map();
    let uniform = match case.size {
        CaseSize::Uniform(v) => v,
        CaseSize::Map(_) => 0.0,
    };
    let size = map.as_ref().map_or(Size::Uniform(uniform), Size::map);
    let params = Params::new(case.kernel, size).with_border(case.border);
    let expected = Naive.apply(image, &params);
    backends
        .iter()
        .map(|backend| compare_typed(backend, case, &params, image, &expected, tolerance))
        .collect()
}

/// Runs one backend on the case and compares it with `expected`, `Naive`'s answer.
fn compare_typed<T: Sample, F: Filter>(
    backend: &F,
    case: &Case,
    params: &Params<'_>,
    image: ArrayView3<'_, T>,
    expected: &Result<Array3<T>, Error>,
    tolerance: Option<f64>,
) -> Result<Outcome, Box<Failure>> {
    let fail = |reason: String, first_difference| {
        Box::new(Failure {
            backend: backend.name(),
            case: case.clone(),
            reason,
            first_difference,
        })
    };
    let support = backend.support(&Request::new::<T>(params, case.shape));
    // The backend writes into a strided output, prefilled with a sentinel.
    let [h, w, c] = case.shape;
    let sentinel = T::from_f64(7.0);
    let mut out_storage = Array3::from_elem((h, 2 * w, c), sentinel);
    let result = backend.apply_into(image, params, out_storage.slice_mut(s![.., ..;2, ..]));
    let untouched = out_storage.iter().all(|&v| v == sentinel);
    let out = out_storage.slice(s![.., ..;2, ..]);
    let refused = Outcome {
        support,
        relative_error: 0.0,
        compared: false,
    };
    let expected = match (expected, result) {
        (Err(naive), Err(got)) => {
            if !(same_error(naive, &got) || matches!(got, Error::Unsupported { .. })) {
                return Err(fail(
                    format!("returned {got:?} where Naive's validation gives {naive:?}"),
                    None,
                ));
            }
            if !untouched {
                return Err(fail(format!("wrote to the output before failing with {got:?}"), None));
            }
            return Ok(refused);
        }
        (Err(naive), Ok(())) => {
            return Err(fail(
                format!("accepted a request that Naive refuses with {naive:?}"),
                None,
            ));
        }
        (Ok(_), result) if matches!(support, Support::Unsupported(_)) => {
            return match result {
                Err(Error::Unsupported { .. }) if untouched => Ok(refused),
                Err(Error::Unsupported { .. }) => {
                    Err(fail("wrote to the output of an unsupported request".into(), None))
                }
                other => Err(fail(
                    format!("answered Unsupported but returned {other:?} instead of Error::Unsupported"),
                    None,
                )),
            };
        }
        (Ok(_), Err(e)) => return Err(fail(format!("returned an error for a supported request: {e}"), None)),
        (Ok(expected), Ok(())) => expected,
    };
    let range = value_range(case);
    let bound = match (support, tolerance) {
        (Support::Approximate(_), None) => return Ok(refused),
        (Support::Approximate(_), Some(tolerance)) => tolerance * range + if T::TYPE.is_integer() { 1.0 } else { 0.0 },
        _ => exact_bound(case, range),
    };
    let mut worst: f64 = 0.0;
    for ((index, e), a) in expected.indexed_iter().zip(out.iter()) {
        let (e, a) = (e.to_f64(), a.to_f64());
        let at = [index.0, index.1, index.2];
        if !e.is_finite() || !a.is_finite() {
            // NaN for NaN, and infinities of the same sign.
            if !(e.is_nan() && a.is_nan() || e == a) {
                return Err(fail(
                    format!("pixel {at:?}: Naive {e}, backend {a}: non-finite values must match exactly"),
                    Some((at, e, a)),
                ));
            }
            continue;
        }
        let diff = (e - a).abs();
        if diff > bound {
            return Err(fail(
                format!("pixel {at:?}: Naive {e}, backend {a}, |difference| {diff} > bound {bound}"),
                Some((at, e, a)),
            ));
        }
        worst = worst.max(diff);
    }
    Ok(Outcome {
        support,
        relative_error: worst / range,
        compared: true,
    })
}

/// Most simpler cases tried when minimising a failure.
const MINIMISE_TRIES: usize = 5000;

/// Shrinks a failing case along the image's own structure (strides,
/// channels, rows, columns, border, sizes, samples), keeping each step that
/// still fails: far faster than shrinking the random draws one by one.
fn minimise<F: Filter>(backend: &F, mut case: Case, tolerance: f64) -> Case {
    let mut tries = 0;
    'outer: while tries < MINIMISE_TRIES {
        for candidate in case.simpler() {
            tries += 1;
            if run_case(backend, &candidate, tolerance).is_err() {
                case = candidate;
                continue 'outer;
            }
        }
        break;
    }
    case
}

/// Checks `backend` against `Naive` on random requests (see the module
/// docs). Returns what it saw, or the first failure, shrunk to a minimal case.
pub fn check<F: Filter>(backend: &F, options: &Options) -> Result<Summary, Box<Failure>> {
    let mut summary = Summary::default();
    for sample in [SampleType::U8, SampleType::U16, SampleType::F32, SampleType::F64] {
        for &kernel in &options.kernels {
            let mut config = Config {
                cases: options.cases,
                failure_persistence: None,
                // `minimise` does the real shrinking.
                max_shrink_iters: 0,
                ..Config::default()
            };
            if let Some(seed) = options.seed {
                config.rng_seed = RngSeed::Fixed(seed);
            }
            let mut runner = TestRunner::new(config);
            let seen = std::cell::RefCell::new(Summary::default());
            let result = runner.run(&cases(sample, kernel, options.max_side), |case| {
                let outcome = run_case(backend, &case, options.tolerance).map_err(|f| TestCaseError::fail(f.reason))?;
                let mut seen = seen.borrow_mut();
                seen.cases += 1;
                match outcome.support {
                    Support::Exact => seen.exact += 1,
                    Support::Approximate(_) => {
                        seen.approximate += 1;
                        seen.max_approximate_error = seen.max_approximate_error.max(outcome.relative_error);
                    }
                    Support::Unsupported(_) => seen.unsupported += 1,
                }
                Ok(())
            });
            match result {
                Ok(()) => {
                    let seen = seen.into_inner();
                    summary.cases += seen.cases;
                    summary.exact += seen.exact;
                    summary.approximate += seen.approximate;
                    summary.unsupported += seen.unsupported;
                    summary.max_approximate_error = summary.max_approximate_error.max(seen.max_approximate_error);
                }
                Err(TestError::Fail(_, minimal)) => {
                    // Shrink further, then run the minimal case again for its full description.
                    let minimal = minimise(backend, minimal, options.tolerance);
                    return Err(match run_case(backend, &minimal, options.tolerance) {
                        Err(failure) => failure,
                        Ok(_) => Box::new(Failure {
                            backend: backend.name(),
                            case: minimal,
                            reason: "failed during the search but not when run again".into(),
                            first_difference: None,
                        }),
                    });
                }
                Err(TestError::Abort(reason)) => {
                    return Err(Box::new(Failure {
                        backend: backend.name(),
                        case: Case {
                            sample,
                            kernel,
                            border: Border::Clip,
                            shape: [0, 0, 1],
                            row_step: 1,
                            col_step: 1,
                            reversed: false,
                            samples: Vec::new(),
                            size: CaseSize::Uniform(0.0),
                        },
                        reason: format!("the search aborted: {reason}"),
                        first_difference: None,
                    }));
                }
            }
        }
    }
    Ok(summary)
}

/// One timing of [`bench`].
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    /// The case.
    pub case: String,
    /// The backend's name.
    pub backend: &'static str,
    /// Best time over the runs, or `None` if the backend does not support the case.
    pub time: Option<Duration>,
    /// Output megapixels per second of the best run.
    pub mpx_per_s: Option<f64>,
}

/// A deterministic pseudo-random sequence (SplitMix64), so cases need no RNG crate.
fn noise(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn request_of<T: Sample>(image: &Array3<T>, params: &Params<'_>) -> Request {
    let (h, w, c) = image.dim();
    Request::new::<T>(params, [h, w, c])
}

fn best_of<T: Sample, F: Filter>(backend: &F, image: &Array3<T>, params: &Params<'_>, runs: usize) -> Option<Duration> {
    let request = request_of(image, params);
    if matches!(backend.support(&request), Support::Unsupported(_)) {
        return None;
    }
    let mut out = Array3::from_elem(image.raw_dim(), T::default());
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            backend.apply_into(image.view(), params, out.view_mut()).ok()?;
            Some(start.elapsed())
        })
        .min()
        .flatten()
}

/// Side of the crop on which [`bench`] times `Naive`.
const NAIVE_CROP: usize = 32;

/// Times `backend` beside every built-in backend on the benchmark
/// cases B1, B2, B4 and B5 (the crate's benches name them) (B3, 15000 x 15000, is left to `examples/`),
/// with image sides multiplied by `scale` (1.0 for the benches' sizes), best of
/// `runs` runs each. `Naive`, and `Auto` where it would run `Naive`, would
/// take minutes at these sizes: `Naive` is timed on a 32 x 32 crop of each
/// case instead, and `Auto` left out where it would run `Naive`.
pub fn bench<F: Filter>(backend: &F, scale: f64, runs: usize) -> Vec<BenchRow> {
    let side = |n: usize| ((n as f64 * scale).round() as usize).max(1);
    let mut rows = Vec::new();
    let mut record = |case: &str, name: &'static str, time: Option<Duration>, pixels: usize| {
        rows.push(BenchRow {
            case: case.to_string(),
            backend: name,
            mpx_per_s: time.map(|t| pixels as f64 / t.as_secs_f64() / 1e6),
            time,
        });
    };
    let skip = |b: &Backend, request: &Request| {
        *b == Backend::Naive || Auto.choice(request) == Backend::Naive && *b == Backend::Auto
    };
    macro_rules! case {
        ($name:expr, $image:expr, $params:expr) => {{
            let image = $image;
            let params = $params;
            let (h, w, _) = image.dim();
            let request = request_of(&image, &params);
            for b in Backend::ALL {
                if !skip(&b, &request) {
                    record(&$name, b.name(), best_of(&b, &image, &params, runs), h * w);
                }
            }
            record(&$name, backend.name(), best_of(backend, &image, &params, runs), h * w);
            // The reference's cost per pixel, on a crop of the same request.
            let side = NAIVE_CROP.min(h).min(w);
            let (rows, cols) = ((h - side) / 2.., (w - side) / 2..);
            let (rows, cols) = (rows.start..rows.start + side, cols.start..cols.start + side);
            let naive = (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    Naive
                        .apply_region(image.view(), &params, rows.clone(), cols.clone())
                        .ok()?;
                    Some(start.elapsed())
                })
                .min()
                .flatten();
            record(&$name, "naive (32x32 crop)", naive, side * side);
        }};
    }
    // B1: random integer radii 1..=256.
    let n = side(1024);
    let mut next = noise(2016);
    let image = Array3::from_shape_simple_fn((n, n, 1), || (next() % 256) as u8);
    let radii = Array2::from_shape_simple_fn((n, n), || (next() % 256 + 1) as f32);
    case!(
        format!("B1 {n}x{n} u8 random radius 1..=256 box"),
        image,
        Params::new(Kernel::Box, Size::map(&radii))
    );
    // B2: RGB, smooth radius map 0..64.
    let n = side(4096);
    let image = Array3::from_shape_fn((n, n, 3), |(y, x, c)| ((x * 7 + y * 3 + c * 85) % 256) as u8);
    let ramp = Array2::from_shape_fn((n, n), |(y, x)| 64.0 * (x + y) as f32 / (2 * n) as f32);
    case!(
        format!("B2 {n}x{n} RGB u8 smooth radius 0..64 box"),
        image,
        Params::new(Kernel::Box, Size::map(&ramp))
    );
    // B4: fixed radius 16 box and sigma 8 Gaussian, u8 and f32.
    let image = Array3::from_shape_fn((n, n, 1), |(y, x, _)| ((x * 7 + y * 3) % 256) as u8);
    let image_f32 = image.mapv(|v| v as f32 / 255.0);
    case!(
        format!("B4 {n}x{n} u8 radius 16 box"),
        image.clone(),
        Params::new(Kernel::Box, Size::Uniform(16.0))
    );
    case!(
        format!("B4 {n}x{n} f32 radius 16 box"),
        image_f32.clone(),
        Params::new(Kernel::Box, Size::Uniform(16.0))
    );
    case!(
        format!("B4 {n}x{n} u8 sigma 8 Gaussian"),
        image,
        Params::new(Kernel::Gaussian, Size::Uniform(8.0))
    );
    case!(
        format!("B4 {n}x{n} f32 sigma 8 Gaussian"),
        image_f32,
        Params::new(Kernel::Gaussian, Size::Uniform(8.0))
    );
    // B5: f32, sigma ramp 0..20.
    let n = side(1024);
    let image = Array3::from_shape_fn((n, n, 1), |(y, x, _)| ((x * 13 + y * 7) % 256) as f32 / 255.0);
    let sigmas = Array2::from_shape_fn((n, n), |(_, x)| 20.0 * x as f32 / n as f32);
    case!(
        format!("B5 {n}x{n} f32 sigma ramp 0..20 Gaussian"),
        image,
        Params::new(Kernel::Gaussian, Size::map(&sigmas))
    );
    rows
}

/// Formats [`bench`] rows as a table.
pub fn bench_table(rows: &[BenchRow]) -> String {
    let mut table = format!("{:<48} {:<24} {:>12} {:>10}\n", "case", "backend", "time (ms)", "Mpx/s");
    for row in rows {
        let (time, mpx) = match (row.time, row.mpx_per_s) {
            (Some(t), Some(m)) => (format!("{:.2}", t.as_secs_f64() * 1e3), format!("{m:.3}")),
            _ => ("unsupported".to_string(), "-".to_string()),
        };
        table += &format!("{:<48} {:<24} {:>12} {:>10}\n", row.case, row.backend, time, mpx);
    }
    table
}
