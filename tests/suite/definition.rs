//! The kernel and border definition (`varblur::kernel`, `varblur::border`) on tiny cases whose
//! expected values are worked out by hand in the comments, for every
//! backend that serves the request.

use ndarray::{Array2, array};
use varblur::{Backend, Border, Filter, Kernel, Params, Request, Sample, Size, Support};

/// Runs every backend that supports the request and returns (name,
/// whether it computes the definition exactly, output).
fn all_outputs<T: Sample>(image: &Array2<T>, params: &Params<'_>) -> Vec<(&'static str, bool, Array2<T>)> {
    let (h, w) = image.dim();
    let request = Request::new::<T>(params, [h, w, 1]);
    Backend::ALL
        .into_iter()
        .filter_map(|b| match b.support(&request) {
            Support::Unsupported(_) => None,
            support => Some((
                b.name(),
                support == Support::Exact,
                b.apply(image.view(), params).unwrap(),
            )),
        })
        .collect()
}

/// Every backend's output at `at` is `expected`: to rounding for the exact
/// ones, within their published bound (1e-3 of the image's value range) for
/// the approximate ones.
fn assert_pixel(image: &Array2<f64>, params: &Params<'_>, at: (usize, usize), expected: f64) {
    let outputs = all_outputs(image, params);
    assert!(!outputs.is_empty());
    let range =
        image.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)) - image.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    for (name, exact, out) in outputs {
        let got = out[at];
        let tolerance = if exact { 1e-12 } else { 1e-3 * range };
        assert!(
            (got - expected).abs() < tolerance,
            "{name} at {at:?}: {got} != {expected}"
        );
    }
}

fn nine() -> Array2<f64> {
    array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]
}

#[test]
fn clip_radius_one_is_the_mean_of_the_in_image_window() {
    let params = Params::new(Kernel::Box, Size::Uniform(1.0));
    // Corner: (1 + 2 + 4 + 5) / 4.
    assert_pixel(&nine(), &params, (0, 0), 3.0);
    // Edge: (1 + 2 + 3 + 4 + 5 + 6) / 6.
    assert_pixel(&nine(), &params, (0, 1), 3.5);
    // Centre: 45 / 9.
    assert_pixel(&nine(), &params, (1, 1), 5.0);
}

#[test]
fn fractional_radius_half_weights_the_edge_taps_by_half() {
    let params = Params::new(Kernel::Box, Size::Uniform(0.5));
    // Corner: weights 1 at (0,0), 0.5 at (0,1) and (1,0), 0.25 at (1,1):
    // (1 + 0.5*2 + 0.5*4 + 0.25*5) / (1.5 * 1.5) = 5.25 / 2.25.
    assert_pixel(&nine(), &params, (0, 0), 5.25 / 2.25);
    // Centre: 0.25*(1+3+7+9) + 0.5*(2+4+6+8) + 5 = 20, weight 2*2 = 4.
    assert_pixel(&nine(), &params, (1, 1), 5.0);
    // Radius 0.25 at the corner: (1 + .25*2 + .25*4 + .0625*5) / 1.25^2.
    let params = Params::new(Kernel::Box, Size::Uniform(0.25));
    assert_pixel(&nine(), &params, (0, 0), (1.0 + 0.5 + 1.0 + 0.3125) / 1.5625);
}

#[test]
fn borders_at_the_corner() {
    let size = Size::Uniform(1.0);
    // Replicate: rows (-1, 0, 1) read (0, 0, 1), columns likewise:
    // 4*1 + 2*2 + 2*4 + 5 = 21 over 9.
    assert_pixel(
        &nine(),
        &Params::new(Kernel::Box, size).with_border(Border::Replicate),
        (0, 0),
        21.0 / 9.0,
    );
    // Reflect: rows (-1, 0, 1) read (1, 0, 1): 4*5 + 2*4 + 2*2 + 1 = 33 over 9.
    assert_pixel(
        &nine(),
        &Params::new(Kernel::Box, size).with_border(Border::Reflect),
        (0, 0),
        33.0 / 9.0,
    );
    // Constant 10: 1 + 2 + 4 + 5 inside, five positions of 10 outside.
    assert_pixel(
        &nine(),
        &Params::new(Kernel::Box, size).with_border(Border::Constant(10.0)),
        (0, 0),
        62.0 / 9.0,
    );
    // Symmetric: rows (-1, 0, 1) read (0, 0, 1), as Replicate does at radius 1: 21 over 9.
    assert_pixel(
        &nine(),
        &Params::new(Kernel::Box, size).with_border(Border::Symmetric),
        (0, 0),
        21.0 / 9.0,
    );
    // Wrap: rows (-1, 0, 1) read (2, 0, 1), columns likewise:
    // 9 + 7 + 8 + 3 + 1 + 2 + 6 + 4 + 5 = 45 over 9.
    assert_pixel(
        &nine(),
        &Params::new(Kernel::Box, size).with_border(Border::Wrap),
        (0, 0),
        5.0,
    );
    // Radius 2 tells Symmetric from Replicate: rows (-2..=2) read (1, 0, 0, 1, 2),
    // row weights (2, 2, 1) over rows (0, 1, 2), columns likewise: the sum
    // is sum_(i,j) w_i w_j v(i, j) = 4*1 + 4*2 + 2*3 + 4*4 + 4*5 + 2*6 + 2*7 + 2*8 + 9 = 105 over 25.
    assert_pixel(
        &nine(),
        &Params::new(Kernel::Box, Size::Uniform(2.0)).with_border(Border::Symmetric),
        (0, 0),
        105.0 / 25.0,
    );
    // Wrap at the opposite corner, radius 2: rows (0..=4) read (0, 1, 2, 0, 1),
    // the weights (2, 2, 1) of Symmetric's at (0, 0), columns likewise: 105 over 25.
    assert_pixel(
        &nine(),
        &Params::new(Kernel::Box, Size::Uniform(2.0)).with_border(Border::Wrap),
        (2, 2),
        105.0 / 25.0,
    );
}

#[test]
fn reflect_repeats_for_windows_larger_than_the_image() {
    // One row [1, 2, 3], radius 4 at column 0: positions -4..=4 read
    // 1 2 3 2 [1] 2 3 2 1 (period 4: 0 1 2 1): sum 17 over 9.
    let row = array![[1.0, 2.0, 3.0]];
    let params = Params::new(Kernel::Box, Size::Uniform(4.0)).with_border(Border::Reflect);
    // Rows: a single row reflects onto itself, so each column sum is 9 times the row's.
    assert_pixel(&row, &params, (0, 0), 17.0 / 9.0);
}

#[test]
fn symmetric_and_wrap_repeat_for_windows_larger_than_the_image() {
    // One row [1, 2, 3], radius 4 at column 0. Symmetric (period 0 1 2 2 1 0):
    // positions -4..=4 read 3 3 2 1 [1] 2 3 3 2, sum 20 over 9.
    // Wrap (period 0 1 2): 3 1 2 3 [1] 2 3 1 2, sum 18 over 9.
    let row = array![[1.0, 2.0, 3.0]];
    let size = Size::Uniform(4.0);
    assert_pixel(
        &row,
        &Params::new(Kernel::Box, size).with_border(Border::Symmetric),
        (0, 0),
        20.0 / 9.0,
    );
    assert_pixel(
        &row,
        &Params::new(Kernel::Box, size).with_border(Border::Wrap),
        (0, 0),
        2.0,
    );
}

#[test]
fn huge_radius_with_clip_is_the_image_mean() {
    let params = Params::new(Kernel::Box, Size::Uniform(1e9));
    for at in [(0, 0), (1, 2), (2, 2)] {
        assert_pixel(&nine(), &params, at, 5.0);
    }
}

#[test]
fn per_pixel_radius_map_is_a_gather() {
    // Radius 0 keeps the pixel; radius 1 at the centre averages all nine.
    let radii = array![[0.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]];
    let params = Params::new(Kernel::Box, Size::map(&radii));
    assert_pixel(&nine(), &params, (0, 1), 2.0);
    assert_pixel(&nine(), &params, (1, 1), 5.0);
    assert_pixel(&nine(), &params, (2, 2), 5.0);
}

#[test]
fn integer_samples_round_half_away_from_zero() {
    // Means 0.5 and 1.5 round up to 1 and 2; 2/3 rounds to 1, 1/3 to 0.
    let cases: [(Array2<u8>, u8); 4] = [
        (array![[0, 1]], 1),
        (array![[1, 2]], 2),
        (array![[0, 1, 1]], 1),
        (array![[0, 0, 1]], 0),
    ];
    let params = Params::new(Kernel::Box, Size::Uniform(5.0));
    for (image, expected) in cases {
        for (name, _, out) in all_outputs(&image, &params) {
            assert!(out.iter().all(|&v| v == expected), "{name}: {out:?} for {image:?}");
        }
    }
}

#[test]
fn gaussian_of_an_impulse_is_the_normalised_kernel() {
    let mut image = Array2::<f64>::zeros((21, 21));
    image[(10, 10)] = 1.0;
    let sigma = 1.5f64;
    let params = Params::new(Kernel::Gaussian, Size::Uniform(sigma as f32)).with_border(Border::Constant(0.0));
    // Taps |d| <= ceil(4 sigma) = 6; the 2-D weight sum is the square of the 1-D one.
    let one_d: f64 = (-6..=6)
        .map(|d: i32| (-(d * d) as f64 / (2.0 * sigma * sigma)).exp())
        .sum();
    for (dy, dx) in [(0i32, 0i32), (1, 0), (2, 3), (6, 6), (-4, 5)] {
        let expected = (-((dx * dx + dy * dy) as f64) / (2.0 * sigma * sigma)).exp() / (one_d * one_d);
        assert_pixel(&image, &params, ((10 + dy) as usize, (10 + dx) as usize), expected);
    }
    // Offsets beyond the truncation get nothing.
    assert_pixel(&image, &params, (10, 17), 0.0);
    assert_pixel(&image, &params, (3, 3), 0.0);
}

#[test]
fn gaussian_sigma_zero_is_the_identity() {
    let params = Params::new(Kernel::Gaussian, Size::Uniform(0.0));
    for at in [(0, 0), (1, 2), (2, 1)] {
        assert_pixel(&nine(), &params, at, nine()[at]);
    }
}

#[test]
fn nan_spreads_only_within_its_window() {
    let mut image = Array2::<f64>::zeros((1, 9));
    image[(0, 4)] = f64::NAN;
    let out = varblur::Naive
        .apply(image.view(), &Params::new(Kernel::Box, Size::Uniform(2.0)))
        .unwrap();
    let nan: Vec<bool> = out.iter().map(|v| v.is_nan()).collect();
    assert_eq!(nan, [false, false, true, true, true, true, true, false, false]);
}

#[test]
fn empty_images_give_empty_results() {
    for shape in [(0, 5), (5, 0), (0, 0)] {
        let image = Array2::<u8>::zeros(shape);
        for backend in Backend::ALL {
            for kernel in [Kernel::Box, Kernel::Gaussian] {
                let params = Params::new(kernel, Size::Uniform(3.0));
                let request = Request::new::<u8>(&params, [shape.0, shape.1, 1]);
                let result = backend.apply(image.view(), &params);
                match backend.support(&request) {
                    Support::Unsupported(_) => assert!(result.is_err(), "{backend:?} {kernel:?}"),
                    _ => assert_eq!(result.unwrap().dim(), shape),
                }
            }
        }
    }
}

#[test]
fn gaussian_on_three_pixels_clip_and_reflect() {
    // 1 x 3 image [1, 2, 4], sigma 1: taps |d| <= 4, weights e^(-d^2 / 2).
    let image = array![[1.0, 2.0, 4.0]];
    let g = |d: f64| (-d * d / 2.0).exp();
    let clip = Params::new(Kernel::Gaussian, Size::Uniform(1.0));
    // Clip, pixel 0: in-image offsets 0, 1, 2.
    let expected = (1.0 + 2.0 * g(1.0) + 4.0 * g(2.0)) / (1.0 + g(1.0) + g(2.0));
    assert_pixel(&image, &clip, (0, 0), expected);
    // Clip, pixel 1: offsets -1, 0, 1.
    let expected = (g(1.0) + 2.0 + 4.0 * g(1.0)) / (1.0 + 2.0 * g(1.0));
    assert_pixel(&image, &clip, (0, 1), expected);
    // Reflect (period 4: ... 4 2 | 1 2 4 | 2 1 ...), pixel 0: offsets -4..=4
    // read pixels 0, 1, 2, 1, [0], 1, 2, 1, 0.
    let reflect = clip.with_border(Border::Reflect);
    let all: f64 = (-4..=4).map(|d| g(d as f64)).sum();
    let expected = (1.0 * (1.0 + 2.0 * g(4.0)) + 2.0 * (2.0 * g(1.0) + 2.0 * g(3.0)) + 4.0 * (2.0 * g(2.0))) / all;
    assert_pixel(&image, &reflect, (0, 0), expected);
}
