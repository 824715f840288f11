//! NaN and infinities in float images (the rule in `varblur::kernel`),
//! and values of very different magnitude, in every box backend.
//!
//! `Naive` sums each window in `f64`: a NaN in it gives NaN, an infinity
//! that infinity, +inf with -inf NaN. The table backends keep non-finite
//! samples out of their tables and count them apart, so every pixel must
//! match `Naive`'s class exactly, and a pixel whose window holds none must
//! be what it is when those samples are 0: bit for bit.

use ndarray::{Array2, Array3};
use varblur::conformance::{Case, CaseSize, check_case};
use varblur::{Backend, Border, Filter, Kernel, Naive, Params, Request, Sample, SampleType, Size, Support};

const BORDERS: [Border; 6] = [
    Border::Clip,
    Border::Replicate,
    Border::Reflect,
    Border::Constant(0.5),
    Border::Symmetric,
    Border::Wrap,
];

/// The box backends other than `Naive` that serve `params` on `image`.
fn table_backends<T: Sample>(image: &Array3<T>, params: &Params<'_>) -> Vec<Backend> {
    let (h, w, c) = image.dim();
    let request = Request::new::<T>(params, [h, w, c]);
    Backend::ALL
        .into_iter()
        .filter(|b| *b != Backend::Naive && matches!(b.support(&request), Support::Exact))
        .collect()
}

/// A deterministic pseudo-random value in [0, 1).
fn noise(i: usize) -> f64 {
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) ^ 0xD1B5_4A32_D192_ED03;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A (h, w, c) image of values in [0, 1) with NaN, +inf and -inf planted at `spots`.
fn planted(h: usize, w: usize, c: usize, spots: &[(usize, usize, usize, f64)]) -> (Array3<f64>, Array3<f64>) {
    let clean = Array3::from_shape_fn((h, w, c), |(y, x, ch)| noise((y * w + x) * c + ch));
    let mut dirty = clean.clone();
    let mut zeroed = clean;
    for &(y, x, ch, v) in spots {
        dirty[[y, x, ch]] = v;
        zeroed[[y, x, ch]] = 0.0;
    }
    (dirty, zeroed)
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

/// Every output sample of every table backend is `Naive`'s class where
/// `Naive` is not finite, and bit for bit the output on `zeroed` elsewhere.
fn check_planted<T: Sample>(dirty: &Array3<T>, zeroed: &Array3<T>, params: &Params<'_>) {
    let expected = Naive.apply(dirty.view(), params).unwrap();
    let backends = table_backends(dirty, params);
    assert!(!backends.is_empty());
    for backend in backends {
        let out = backend.apply(dirty.view(), params).unwrap();
        let without = backend.apply(zeroed.view(), params).unwrap();
        for (((at, e), a), z) in expected.indexed_iter().zip(&out).zip(&without) {
            let (e, a, z) = (e.to_f64(), a.to_f64(), z.to_f64());
            if e.is_finite() {
                assert!(
                    same_bits(a, z),
                    "{} {params:?} at {at:?}: {a} but {z} with the non-finite samples at 0",
                    backend.name()
                );
            } else {
                assert!(
                    e.is_nan() && a.is_nan() || e == a,
                    "{} {params:?} at {at:?}: Naive {e}, backend {a}",
                    backend.name()
                );
            }
        }
    }
}

#[test]
fn non_finite_samples_reach_exactly_their_windows() {
    // A NaN, an isolated +inf and -inf, and a +inf beside a -inf (their
    // shared windows give NaN), in different channels, near edges too.
    let spots = [
        (3, 4, 0, f64::NAN),
        (20, 30, 1, f64::INFINITY),
        (40, 2, 0, f64::NEG_INFINITY),
        (55, 20, 1, f64::INFINITY),
        (55, 23, 1, f64::NEG_INFINITY),
        (69, 36, 0, f64::INFINITY),
    ];
    let (dirty, zeroed) = planted(70, 37, 2, &spots);
    let ramp = Array2::from_shape_fn((70, 37), |(y, x)| ((x + y) % 9) as f32 * 0.75);
    let random = Array2::from_shape_fn((70, 37), |(y, x)| (noise(y * 37 + x + 99) * 6.0) as f32);
    for border in BORDERS {
        for size in [
            Size::Uniform(0.0),
            Size::Uniform(2.0),
            Size::Uniform(2.5),
            Size::Uniform(1e9),
            Size::map(&ramp),
            Size::map(&random),
        ] {
            let params = Params::new(Kernel::Box, size).with_border(border);
            check_planted(&dirty, &zeroed, &params);
            check_planted(&dirty.mapv(|v| v as f32), &zeroed.mapv(|v| v as f32), &params);
        }
    }
}

#[test]
fn a_huge_window_holding_both_infinities_is_nan_everywhere() {
    let (dirty, zeroed) = planted(9, 11, 1, &[(0, 0, 0, f64::INFINITY), (8, 10, 0, f64::NEG_INFINITY)]);
    for border in BORDERS {
        let params = Params::new(Kernel::Box, Size::Uniform(1e9)).with_border(border);
        check_planted(&dirty, &zeroed, &params);
        for backend in table_backends(&dirty, &params) {
            let out = backend.apply(dirty.view(), &params).unwrap();
            assert!(out.iter().all(|v| v.is_nan()), "{} {border:?}", backend.name());
        }
    }
}

#[test]
fn non_finite_samples_in_strided_views_through_the_kit() {
    // The conformance kit's own rules (non-finite pixels exact, finite ones
    // within the bound of `Support::Exact`), on a strided, reversed view.
    let (h, w, c) = (23, 19, 3);
    let samples: Vec<f64> = (0..h * 2 * w * 2 * c)
        .map(|i| match i % 97 {
            3 => f64::NAN,
            40 => f64::INFINITY,
            77 => f64::NEG_INFINITY,
            _ => noise(i) * 100.0 - 50.0,
        })
        .collect();
    for sample in [SampleType::F32, SampleType::F64] {
        for border in BORDERS {
            for size in [
                CaseSize::Uniform(1.5),
                CaseSize::Uniform(3.0),
                CaseSize::Map((0..h * w).map(|i| (i % 7) as f32 * 0.6).collect()),
            ] {
                let case = Case {
                    sample,
                    kernel: Kernel::Box,
                    border,
                    shape: [h, w, c],
                    row_step: 2,
                    col_step: 2,
                    reversed: true,
                    samples: samples.clone(),
                    size,
                };
                if let Err(failure) = check_case(&Backend::ALL, &case, Some(0.0)) {
                    panic!("{failure}");
                }
            }
        }
    }
}

/// The bound on the error of float tables (docs/DESIGN.md, "Floats"): 2^-45 (H_b + W + 64)
/// N_b M_b, with the band's rows H_b, its samples per channel N_b and its
/// largest magnitude M_b (here bounded by the whole image's).
fn magnitude_bound(height: usize, width: usize, largest: f64) -> f64 {
    2f64.powi(-45) * (height + width + 64) as f64 * (height * width) as f64 * largest
}

#[test]
fn huge_magnitudes_cost_precision_only_in_their_strips() {
    // Values in [0, 1) with +-1e30 in the first rows; strips are at most 512
    // rows and windows here reach 10 rows, so rows from 600 on (but for
    // Wrap the last 10) are in strips or parts of them whose tables never
    // see the large values.
    let (h, w) = (1200, 40);
    let clean = Array2::from_shape_fn((h, w), |(y, x)| noise(y * w + x));
    let mut large = clean.clone();
    for (y, x, v) in [(2, 5, 1e30), (9, 30, -1e30), (15, 17, 3e29)] {
        large[(y, x)] = v;
    }
    let radii = Array2::from_shape_fn((h, w), |(y, x)| ((x * 3 + y) % 21) as f32 * 0.5);
    let mut worst = 0.0f64;
    for border in BORDERS {
        for size in [Size::Uniform(3.0), Size::Uniform(4.5), Size::map(&radii)] {
            let params = Params::new(Kernel::Box, size).with_border(border);
            let expected = Naive.apply(large.view(), &params).unwrap();
            for backend in table_backends(&large.clone().insert_axis(ndarray::Axis(2)), &params) {
                let out = backend.apply(large.view(), &params).unwrap();
                let reference = backend.apply(clean.view(), &params).unwrap();
                let bound = magnitude_bound(h, w, 1e30);
                for ((at, e), a) in expected.indexed_iter().zip(&out) {
                    let error = (e - a).abs();
                    assert!(
                        error <= bound,
                        "{} {params:?} at {at:?}: error {error} > {bound}",
                        backend.name()
                    );
                    // The bound of `Support::Exact` for floats, 1e-6 of the value range, holds too.
                    assert!(error <= 1e-6 * 1e30);
                    worst = worst.max(error / 1e30);
                }
                // With Wrap, the windows of the last rows read the first ones.
                let last = if border == Border::Wrap { h - 10 } else { h };
                for y in 600..last {
                    for x in 0..w {
                        assert!(
                            same_bits(out[(y, x)], reference[(y, x)]),
                            "{} {params:?} at ({y}, {x}): {} vs {} without the large values",
                            backend.name(),
                            out[(y, x)],
                            reference[(y, x)]
                        );
                    }
                }
            }
        }
    }
    // Far below the worst-case bound in practice.
    assert!(worst < 1e-12, "worst error {worst} of the largest magnitude");
    eprintln!("worst error relative to the largest magnitude: {worst:e}");
}

#[test]
fn huge_magnitudes_in_f32_images() {
    // f32 samples go into f64 tables: 3e38 beside 1 costs at most the same bound.
    let (h, w) = (90, 33);
    let mut image = Array2::from_shape_fn((h, w), |(y, x)| noise(y * w + x) as f32);
    image[(40, 16)] = f32::MAX;
    image[(41, 16)] = -f32::MAX;
    for border in BORDERS {
        let params = Params::new(Kernel::Box, Size::Uniform(2.25)).with_border(border);
        let expected = Naive.apply(image.view(), &params).unwrap();
        for backend in table_backends(&image.clone().insert_axis(ndarray::Axis(2)), &params) {
            let out = backend.apply(image.view(), &params).unwrap();
            let bound = magnitude_bound(h, w, f32::MAX as f64);
            for (e, a) in expected.iter().zip(&out) {
                assert!(e.is_finite() && a.is_finite(), "{} {border:?}: {e} {a}", backend.name());
                assert!(((e - a) as f64).abs() <= bound);
            }
        }
    }
}
