//! Every failure the fuzz targets (`fuzz/`) found, as a regular test.
//! Each names its target, what failed, and the fix.

use ndarray::Array3;
use varblur::conformance::{Case, CaseSize, check_case};
use varblur::{Backend, Border, Filter, Kernel, Naive, Params, SampleType, Size};

/// differential, first run: a -inf spread through Integral's summed-area
/// table into the pixel beside it (radius 0: its window is itself), which
/// came out NaN (-inf + inf) where Naive gives 0. Fixed by keeping
/// non-finite samples out of the tables (`non_finite.rs`).
#[test]
fn differential_negative_infinity_spread_through_the_table() {
    let image = Array3::from_shape_vec((1, 2, 1), vec![f32::NEG_INFINITY, 0.0]).unwrap();
    let params = Params::new(Kernel::Box, Size::Uniform(0.0)).with_border(Border::Clip);
    let expected = Naive.apply(image.view(), &params).unwrap();
    assert_eq!(expected[[0, 1, 0]], 0.0);
    for backend in [Backend::Integral, Backend::RunningSum, Backend::Auto] {
        let actual = backend.apply(image.view(), &params).unwrap();
        assert_eq!(actual[[0, 0, 0]], f32::NEG_INFINITY, "{}", backend.name());
        assert_eq!(actual[[0, 1, 0]], 0.0, "{}", backend.name());
    }
    let case = Case {
        sample: SampleType::F32,
        kernel: Kernel::Box,
        border: Border::Clip,
        shape: [1, 2, 1],
        row_step: 1,
        col_step: 1,
        reversed: false,
        samples: vec![f64::NEG_INFINITY, 0.0],
        size: CaseSize::Uniform(0.0),
    };
    if let Err(failure) = check_case(&Backend::ALL, &case, None) {
        panic!("{failure}");
    }
}

/// differential, 10-minute run: a `Constant` border of -f64::MAX (in the
/// range of f64) with a fractional radius. Integral multiplied the constant
/// by the outside weight of each blended window (3 for the wider one here)
/// and overflowed to -inf, where Naive's single product with the blended
/// outside weight (0.65625) is finite. Fixed by one product, as in Naive.
#[test]
fn differential_constant_border_near_f64_max_overflowed_in_a_blended_window() {
    let image = Array3::<f64>::zeros((2, 3, 1));
    let params = Params::new(Kernel::Box, Size::Uniform(0.375)).with_border(Border::Constant(-f64::MAX));
    let expected = Naive.apply(image.view(), &params).unwrap();
    // The middle of the top row: outside weight 0.65625, a finite mean.
    // (At the corners the outside weight is above 1 and Naive overflows too.)
    let middle = expected[[0, 1, 0]];
    assert!(middle.is_finite() && middle < -1e307, "{middle}");
    for backend in [Backend::Integral, Backend::RunningSum, Backend::Auto] {
        let actual = backend.apply(image.view(), &params).unwrap();
        let got = actual[[0, 1, 0]];
        assert!(
            (middle - got).abs() <= 1e-6 * f64::MAX,
            "{}: Naive {middle}, backend {got}",
            backend.name()
        );
    }
    let case = Case {
        sample: SampleType::F64,
        kernel: Kernel::Box,
        border: Border::Constant(-f64::MAX),
        shape: [2, 3, 1],
        row_step: 1,
        col_step: 1,
        reversed: false,
        samples: vec![0.0; 6],
        size: CaseSize::Uniform(0.375),
    };
    if let Err(failure) = check_case(&Backend::ALL, &case, None) {
        panic!("{failure}");
    }
}
