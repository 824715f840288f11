//! `IteratedBox`: the properties its approximation promises (variance,
//! mass, continuity in sigma, uniform and per-pixel paths), beyond the
//! conformance kit's comparison with `Naive` in `backends_agree.rs`.

use ndarray::{Array2, Array3, ArrayView2};
use varblur::{Border, Error, Filter, IteratedBox, Kernel, Naive, Params, Size};

/// Mass and per-axis variance of the response to a unit impulse at the centre.
fn impulse_moments(response: ArrayView2<'_, f64>) -> (f64, f64, f64) {
    let (h, w) = response.dim();
    let (cy, cx) = ((h / 2) as f64, (w / 2) as f64);
    let mass: f64 = response.sum();
    let (mut vy, mut vx) = (0.0, 0.0);
    for ((y, x), v) in response.indexed_iter() {
        vy += (y as f64 - cy).powi(2) * v;
        vx += (x as f64 - cx).powi(2) * v;
    }
    (mass, vy / mass, vx / mass)
}

fn noise(h: usize, w: usize, seed: u64) -> Array2<f64> {
    let mut state = seed | 1;
    Array2::from_shape_fn((h, w), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[test]
fn impulse_response_has_variance_sigma_squared_and_unit_mass() {
    for boxes in IteratedBox::BOXES {
        let backend = IteratedBox::new(boxes).unwrap();
        for sigma in [1.0f32, 2.5, 3.75, 4.0, 5.5, 7.3, 12.0, 20.25, 33.3] {
            let side = 2 * (4.0 * sigma).ceil() as usize + 11;
            let mut image = Array2::<f64>::zeros((side, side));
            image[(side / 2, side / 2)] = 1.0;
            for size in [Size::Uniform(sigma), Size::map(&Array2::from_elem((side, side), sigma))] {
                let params = Params::new(Kernel::Gaussian, size).with_border(Border::Constant(0.0));
                let response = backend.apply(image.view(), &params).unwrap();
                let (mass, vy, vx) = impulse_moments(response.view());
                let s2 = (sigma * sigma) as f64;
                assert!((mass - 1.0).abs() < 1e-12, "k {boxes} sigma {sigma}: mass {mass}");
                for v in [vy, vx] {
                    assert!(
                        (v / s2 - 1.0).abs() < 1e-3,
                        "k {boxes} sigma {sigma}: variance {v} vs {s2}"
                    );
                }
            }
        }
    }
}

#[test]
fn output_moves_continuously_with_sigma() {
    // A uniform sigma swept in steps of 0.005 through the exact-taps range,
    // the blend with the boxes (3.5..4) and many box-width changes: no step
    // may jump by more than the kernel's own change can explain.
    let image = noise(24, 24, 7);
    let backend = IteratedBox::default();
    let run = |sigma: f32| {
        let params = Params::new(Kernel::Gaussian, Size::Uniform(sigma)).with_border(Border::Reflect);
        backend.apply(image.view(), &params).unwrap()
    };
    let mut previous = run(1.0);
    let mut largest = 0.0f64;
    for i in 1..=1800 {
        let sigma = 1.0 + i as f32 * 0.005;
        let current = run(sigma);
        let step = (&current - &previous).iter().fold(0.0f64, |m, d| m.max(d.abs()));
        largest = largest.max(step);
        previous = current;
    }
    // Samples lie in [0, 1]; a jump between kernels (e.g. exact taps to
    // boxes, or one box width to the next) would show as 1e-2 or more.
    assert!(largest < 2e-3, "largest change for a sigma step of 0.005: {largest}");
}

#[test]
fn no_jump_where_the_kernel_changes_regime() {
    // Where the exact taps fade into the boxes (sigma 3.5 and 4) and where
    // the mix of box widths moves on to the next pair (k n (n + 1) / 3 =
    // sigma^2, n = 4..8 for k = 3), sigma +- 1e-4 must give nearly the same
    // output. A switch between kernels there would move it by about the
    // approximation's error (~3e-3 on this image); the definition's own
    // truncation at ceil(4 sigma) moves it by < 2e-4.
    let image = noise(40, 40, 9);
    let backend = IteratedBox::default();
    let run = |sigma: f64| {
        let params = Params::new(Kernel::Gaussian, Size::Uniform(sigma as f32)).with_border(Border::Replicate);
        backend.apply(image.view(), &params).unwrap()
    };
    let mut points = vec![3.5, 4.0];
    points.extend((4..=8).map(|n| ((n * (n + 1)) as f64).sqrt()));
    for sigma in points {
        let (below, above) = (run(sigma - 1e-4), run(sigma + 1e-4));
        let change = (&above - &below).iter().fold(0.0f64, |m, d| m.max(d.abs()));
        assert!(change < 5e-4, "sigma {sigma}: output moves by {change}");
    }
}

#[test]
fn uniform_sigma_and_a_uniform_map_agree() {
    let image = noise(70, 90, 3);
    let backend = IteratedBox::default();
    for sigma in [0.7f32, 3.8, 6.0, 13.5] {
        for border in [
            Border::Clip,
            Border::Replicate,
            Border::Reflect,
            Border::Constant(0.25),
            Border::Symmetric,
            Border::Wrap,
        ] {
            let uniform = Params::new(Kernel::Gaussian, Size::Uniform(sigma)).with_border(border);
            let map = Array2::from_elem(image.dim(), sigma);
            let per_pixel = Params::new(Kernel::Gaussian, Size::map(&map)).with_border(border);
            let a = backend.apply(image.view(), &uniform).unwrap();
            let b = backend.apply(image.view(), &per_pixel).unwrap();
            let largest = (&a - &b).iter().fold(0.0f64, |m, d| m.max(d.abs()));
            assert!(
                largest <= UNIFORM_PATHS_TOLERANCE,
                "sigma {sigma} {border:?}: {largest}"
            );
        }
    }
}

/// The uniform-sigma and per-pixel paths compute the same kernel; they
/// differ by rounding only.
const UNIFORM_PATHS_TOLERANCE: f64 = 1e-9;

#[test]
fn huge_sigma_is_the_mean_with_clip_and_costs_no_more() {
    let image = noise(256, 256, 11);
    let mean = image.mean().unwrap();
    let params = Params::new(Kernel::Gaussian, Size::Uniform(1e6));
    let out = IteratedBox::default().apply(image.view(), &params).unwrap();
    // Sigma acts as 16 x 256 + 32: flat over the image within 1 / 512.
    let largest = out.iter().fold(0.0f64, |m, v| m.max((v - mean).abs()));
    assert!(largest < 1e-3, "{largest}");
    // `Auto` serves a uniform sigma with `Clip` by `Levels`: the same mean.
    let auto = varblur::Auto.apply(image.view(), &params).unwrap();
    assert_eq!(auto, varblur::Levels.apply(image.view(), &params).unwrap());
    let largest = auto.iter().fold(0.0f64, |m, v| m.max((v - mean).abs()));
    assert!(largest < 1e-3, "{largest}");
}

/// `image` extended by `margin` on every side through `border`.
fn padded(image: &Array2<f64>, border: Border, margin: usize) -> Array2<f64> {
    let (h, w) = image.dim();
    Array2::from_shape_fn((h + 2 * margin, w + 2 * margin), |(y, x)| {
        let my = border.map_index(y as i64 - margin as i64, h).unwrap();
        let mx = border.map_index(x as i64 - margin as i64, w).unwrap();
        image[(my, mx)]
    })
}

/// Replicate and the periodic borders read past the edges without padding
/// the tables (edge weights; folding onto the period). The same kernels on
/// the image padded by more than their reach, with Clip, never reach
/// past the padded image, so its centre must be the same, for kernels
/// many times wider than the image (folded, mirrored) and for sigma maps.
#[test]
fn reading_past_the_edges_equals_blurring_an_explicitly_padded_image() {
    for (h, w) in [(7usize, 9usize), (1, 6), (2, 2), (5, 1)] {
        let image = noise(h, w, (h * 31 + w) as u64);
        for border in [Border::Replicate, Border::Reflect, Border::Symmetric, Border::Wrap] {
            for boxes in IteratedBox::BOXES {
                let backend = IteratedBox::new(boxes).unwrap();
                // Below the planner's sigma cap for the small image (16 x side + 32).
                for sigma in [3.8f32, 4.0, 6.5, 9.0, 14.3, 25.0, 47.5] {
                    // The widest sigma's padded image costs more than all the
                    // others together: the default box count alone meets it.
                    if sigma > 40.0 && boxes != IteratedBox::DEFAULT_BOXES {
                        continue;
                    }
                    // Reach k n with k n (n + 1) / 3 = sigma^2: at most sqrt(3 k) sigma, times 1.3 for the map.
                    let margin = (5.2 * sigma) as usize + 20;
                    let big = padded(&image, border, margin);
                    let sigmas = Array2::from_shape_fn((h, w), |(y, x)| sigma * (1.0 + 0.1 * ((y * 3 + x) % 4) as f32));
                    let big_sigmas = padded(&sigmas.mapv(f64::from), border, margin).mapv(|v| v as f32);
                    let cases = [
                        (Size::Uniform(sigma), Size::Uniform(sigma)),
                        (Size::map(&sigmas), Size::map(&big_sigmas)),
                    ];
                    for (size, big_size) in cases {
                        let params = Params::new(Kernel::Gaussian, size).with_border(border);
                        let out = backend.apply(image.view(), &params).unwrap();
                        let big_params = Params::new(Kernel::Gaussian, big_size);
                        let expect = backend.apply(big.view(), &big_params).unwrap();
                        for ((y, x), &v) in out.indexed_iter() {
                            let e = expect[(y + margin, x + margin)];
                            assert!(
                                (v - e).abs() <= 1e-9,
                                "{h} x {w} {border:?} k {boxes} sigma {sigma} uniform {} at ({y}, {x}): {v} against {e}",
                                matches!(params.size, Size::Uniform(_))
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn box_counts_outside_two_to_five_are_refused() {
    for boxes in [0, 1, 6, 100] {
        assert!(matches!(IteratedBox::new(boxes), Err(Error::InvalidBoxCount { .. })));
    }
    assert_eq!(IteratedBox::default().boxes(), 3);
}

#[test]
fn box_kernel_requests_get_a_typed_error_and_leave_the_output_untouched() {
    let image = noise(5, 6, 1);
    let mut out = Array2::from_elem((5, 6), -1.0);
    let params = Params::new(Kernel::Box, Size::Uniform(2.0));
    let err = IteratedBox::default().apply_into(image.view(), &params, out.view_mut());
    assert!(matches!(
        err,
        Err(Error::Unsupported {
            backend: "iterated-box",
            ..
        })
    ));
    assert!(out.iter().all(|&v| v == -1.0));
}

#[test]
fn integer_images_use_exact_tables() {
    // u16 at its maximum everywhere: every normalised mean is exactly 65535.
    let image = Array2::<u16>::from_elem((300, 200), 65535);
    let sigma = Array2::from_shape_fn((300, 200), |(y, x)| (y + x) as f32 * 0.2);
    for border in [
        Border::Clip,
        Border::Reflect,
        Border::Replicate,
        Border::Symmetric,
        Border::Wrap,
    ] {
        let params = Params::new(Kernel::Gaussian, Size::map(&sigma)).with_border(border);
        let out = IteratedBox::default().apply(image.view(), &params).unwrap();
        assert!(out.iter().all(|&v| v == 65535), "{border:?}");
    }
}

#[test]
fn non_finite_samples_reach_only_the_pixels_whose_kernel_covers_them() {
    let mut image = noise(40, 40, 5);
    image[(20, 20)] = f64::NAN;
    image[(5, 35)] = f64::INFINITY;
    let sigma = 6.0f32;
    let params = Params::new(Kernel::Gaussian, Size::Uniform(sigma));
    let out = IteratedBox::default().apply(image.view(), &params).unwrap();
    // k = 3 boxes around sigma 6 reach at most 3 (n + 1) = 21 with n = 6.
    assert!(out[(20, 20)].is_nan());
    assert_eq!(out[(0, 39)], f64::INFINITY);
    let clean = {
        let mut clean = image.clone();
        clean[(20, 20)] = 0.5;
        clean[(5, 35)] = 0.5;
        IteratedBox::default().apply(clean.view(), &params).unwrap()
    };
    let mut finite = 0;
    for ((y, x), v) in out.indexed_iter() {
        if v.is_finite() {
            finite += 1;
            assert!((v - clean[(y, x)]).abs() < 1.0, "({y}, {x})");
        }
    }
    assert!(finite > 0);
}

/// The largest |IteratedBox - Naive| the conformance kit allows
/// (`backends_agree.rs`), as a fraction of the value range (the largest
/// |sample|), plus 1 LSB for integers, for k = 2, 3, 4, 5 boxes.
const NAIVE_TOLERANCE: [f64; 4] = [0.05, 0.03, 0.02, 0.02];

/// Sides of the small images: one pixel, odd and even, square and not.
const SMALL_SHAPES: [(usize, usize); 8] = [(1, 1), (1, 6), (5, 1), (2, 2), (3, 4), (5, 5), (6, 7), (8, 3)];

/// Sigmas from the identity through the exact taps, their blend with the
/// boxes and the boxes, to many times the images' sides (folds of several
/// periods). Naive walks 8 sigma per axis, a few thousand taps here.
const SIGMAS: [f32; 14] = [0.0, 0.3, 0.8, 1.7, 2.9, 3.6, 3.9, 4.0, 5.5, 8.0, 11.0, 17.5, 26.0, 40.0];

/// A sigma map around `sigma` (the per-pixel path), varying by pixel.
fn sigma_map(h: usize, w: usize, sigma: f32) -> Array2<f32> {
    Array2::from_shape_fn((h, w), |(y, x)| sigma * (0.7 + 0.15 * ((y * 5 + x * 3) % 5) as f32))
}

/// `IteratedBox` of each of `boxes` boxes against `Naive` on every
/// sample, within the bound the kit uses.
fn check_against_naive<T: varblur::Sample + Into<f64>>(
    image: &Array3<T>,
    params: &Params<'_>,
    boxes: &[usize],
    what: &str,
) {
    let expected = Naive.apply(image.view(), params).unwrap();
    let range = image.iter().fold(0.0f64, |m, &v| m.max(v.into().abs()));
    let lsb = if T::TYPE.is_integer() { 1.0 } else { 0.0 };
    for &boxes in boxes {
        let out = IteratedBox::new(boxes).unwrap().apply(image.view(), params).unwrap();
        let bound = NAIVE_TOLERANCE[boxes - 2] * range + lsb;
        for ((at, &a), &e) in out.indexed_iter().zip(expected.iter()) {
            let (a, e): (f64, f64) = (a.into(), e.into());
            assert!(
                (a - e).abs() <= bound,
                "{what} {:?} k {boxes} at {at:?}: backend {a}, Naive {e}, bound {bound}",
                T::TYPE
            );
        }
    }
}

/// Symmetric and Wrap against `Naive` within the kit's bound, as Reflect:
/// every path (exact taps, their blend with the boxes, boxes unfolded and
/// folded over several periods; uniform sigma and per-pixel maps), every
/// sample type (f64 with every box count), one, two and four channels.
#[test]
fn symmetric_and_wrap_agree_with_naive_within_the_kits_bound() {
    let every_count: Vec<usize> = IteratedBox::BOXES.collect();
    let default = [IteratedBox::DEFAULT_BOXES];
    for border in [Border::Reflect, Border::Symmetric, Border::Wrap] {
        for (i, (h, w)) in SMALL_SHAPES.into_iter().enumerate() {
            let channels = [1usize, 2, 4][i % 3];
            let noise = noise(h, w * channels, (h * 131 + w * 7 + channels) as u64);
            let floats = Array3::from_shape_fn((h, w, channels), |(y, x, c)| 2.0 * noise[(y, x * channels + c)] - 0.5);
            let singles = floats.mapv(|v| v as f32);
            let bytes = floats.mapv(|v| ((v + 0.5) * 127.0).round() as u8);
            let words = floats.mapv(|v| ((v + 0.5) * 32767.0).round() as u16);
            for sigma in SIGMAS {
                let map = sigma_map(h, w, sigma);
                for size in [Size::Uniform(sigma), Size::map(&map)] {
                    let params = Params::new(Kernel::Gaussian, size).with_border(border);
                    let what = format!("{border:?} {h} x {w} x {channels} sigma {sigma} {size:?}");
                    check_against_naive(&floats, &params, &every_count, &what);
                    check_against_naive(&singles, &params, &default, &what);
                    check_against_naive(&bytes, &params, &default, &what);
                    check_against_naive(&words, &params, &default, &what);
                }
            }
        }
    }
}

/// Sigma far beyond the image (1e6, and the largest f32) with Symmetric
/// and Wrap: the kernel is flat over many periods, so every pixel is the
/// mean of one period (each pixel counted twice in Symmetric's, once in
/// Wrap's): the image mean. The planner caps the sigma it works with, so
/// nothing grows with it (an allocation or loop in proportion to 1e6
/// squared, or to 3e38, could not finish). A non-finite sample reaches
/// every pixel, as in `Naive`.
#[test]
fn huge_sigma_with_symmetric_and_wrap_is_the_period_mean() {
    for (h, w) in [(9usize, 7usize), (1, 4), (6, 1), (16, 10)] {
        let image = noise(h, w, (h * 17 + w) as u64);
        let mean = image.mean().unwrap();
        let huge = Array2::from_shape_fn((h, w), |(y, x)| if (y + x) % 2 == 0 { 1e6 } else { f32::MAX });
        for border in [Border::Symmetric, Border::Wrap] {
            for size in [Size::Uniform(1e6), Size::Uniform(f32::MAX), Size::map(&huge)] {
                let params = Params::new(Kernel::Gaussian, size).with_border(border);
                for boxes in [2, 3, 4] {
                    let out = IteratedBox::new(boxes).unwrap().apply(image.view(), &params).unwrap();
                    let largest = out.iter().fold(0.0f64, |m, v| m.max((v - mean).abs()));
                    assert!(largest < 1e-3, "{border:?} {h} x {w} k {boxes} {size:?}: {largest}");
                }
                // Naive on a corner pixel agrees (8 sigma taps per axis).
                if let Size::Uniform(1e6) = size {
                    let expected = Naive.apply_region(image.view(), &params, 0..1, 0..1).unwrap();
                    assert!((expected[[0, 0, 0]] - mean).abs() < 1e-3, "{border:?} Naive");
                }
                let mut spoiled = image.clone();
                spoiled[(h - 1, 0)] = f64::NAN;
                let out = IteratedBox::default().apply(spoiled.view(), &params).unwrap();
                assert!(out.iter().all(|v| v.is_nan()), "{border:?} {h} x {w} {size:?}");
            }
        }
    }
}

/// Whether a window of half-width `reach` around `p` reads position `m`
/// of an axis of `len` under `border`.
fn window_reads(border: Border, p: usize, reach: i64, m: usize, len: usize) -> bool {
    (p as i64 - reach..=p as i64 + reach).any(|q| border.map_index(q, len) == Some(m))
}

/// A NaN and an infinity near the edges: with the periodic borders they
/// reach the pixels whose kernels read them through the border (for Wrap,
/// across the opposite edge) and no others; the other pixels are those of
/// the image without them, near enough.
#[test]
fn non_finite_samples_stay_local_with_the_periodic_borders() {
    let (h, w) = (64usize, 60usize);
    let mut image = noise(h, w, 21);
    let (nan, inf) = ((1usize, 2usize), (h - 2, w - 1));
    image[nan] = f64::NAN;
    image[inf] = f64::INFINITY;
    let mut clean = image.clone();
    clean[nan] = 0.5;
    clean[inf] = 0.5;
    for border in [Border::Reflect, Border::Symmetric, Border::Wrap] {
        for sigma in [1.2f32, 3.7, 5.0] {
            let map = sigma_map(h, w, sigma);
            for size in [Size::Uniform(sigma), Size::map(&map)] {
                let params = Params::new(Kernel::Gaussian, size).with_border(border);
                let out = IteratedBox::default().apply(image.view(), &params).unwrap();
                let clean_out = IteratedBox::default().apply(clean.view(), &params).unwrap();
                let what = format!("{border:?} sigma {sigma} {size:?}");
                // Every sample within 1 pixel reads each of them (through
                // the border): the NaN, or the infinity (NaN where both).
                for p in [nan, inf] {
                    for y in 0..h {
                        for x in 0..w {
                            if window_reads(border, y, 1, p.0, h) && window_reads(border, x, 1, p.1, w) {
                                let v = out[(y, x)];
                                assert!(
                                    v.is_nan() || p == inf && v == f64::INFINITY,
                                    "{what} at ({y}, {x}): {v}"
                                );
                            }
                        }
                    }
                }
                // Pixels beyond any kernel's reach (at most sqrt(3 k) = 3
                // sigma for the boxes, 4 sigma for the taps, of the map's
                // largest sigma, 1.3 sigma) stay finite.
                let reach = (4.0 * 1.3 * sigma).ceil() as i64 + 2;
                let mut finite = 0;
                for ((y, x), &v) in out.indexed_iter() {
                    let near = |p: (usize, usize)| {
                        window_reads(border, y, reach, p.0, h) && window_reads(border, x, reach, p.1, w)
                    };
                    if near(nan) || near(inf) {
                        continue;
                    }
                    finite += 1;
                    assert!(v.is_finite(), "{what} at ({y}, {x}): {v}");
                    assert!((v - clean_out[(y, x)]).abs() < 0.1, "{what} at ({y}, {x}): {v}");
                }
                assert!(finite > 0, "{what}");
            }
        }
    }
}

/// Images tall enough for several strips (of at least 64 rows): the rows
/// at strip boundaries and at the edges, where Wrap reads rows of the
/// strip at the other edge and Symmetric mirrors, agree with `Naive` for
/// kernels within the image, folded along the rows only, and folded both
/// ways; a NaN in the last row reaches the first rows through Wrap.
#[test]
fn strips_agree_with_naive_across_their_boundaries_and_the_edges() {
    let (h, w, channels) = (200usize, 40usize, 2usize);
    let noise = noise(h, w * channels, 77);
    let image = Array3::from_shape_fn((h, w, channels), |(y, x, c)| noise[(y, x * channels + c)]);
    let rows = [0usize, 1, 63, 64, 127, 128, 198, 199];
    let bound = NAIVE_TOLERANCE[IteratedBox::DEFAULT_BOXES - 2] * image.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for border in [Border::Reflect, Border::Symmetric, Border::Wrap] {
        for sigma in [2.2f32, 6.5, 60.0, 150.0] {
            let map = sigma_map(h, w, sigma);
            for size in [Size::Uniform(sigma), Size::map(&map)] {
                let params = Params::new(Kernel::Gaussian, size).with_border(border);
                let out = IteratedBox::default().apply(image.view(), &params).unwrap();
                for y in rows {
                    let expected = Naive.apply_region(image.view(), &params, y..y + 1, 0..w).unwrap();
                    for ((_, x, c), &e) in expected.indexed_iter() {
                        let a = out[[y, x, c]];
                        assert!(
                            (a - e).abs() <= bound,
                            "{border:?} sigma {sigma} {size:?} at ({y}, {x}, {c}): backend {a}, Naive {e}"
                        );
                    }
                }
            }
        }
    }
    // A NaN in the last row and -inf in the first, in different channels:
    // the first strip's counts hold the last rows, the last strip's the
    // first rows, uniform sigma (separable passes) and a map (per-pixel
    // tables) alike; neither reaches the other channel or the middle rows.
    let mut spoiled = image.clone();
    spoiled[[h - 1, 5, 1]] = f64::NAN;
    spoiled[[0, 30, 0]] = f64::NEG_INFINITY;
    let map = sigma_map(h, w, 6.5);
    for size in [Size::Uniform(6.5), Size::map(&map)] {
        let params = Params::new(Kernel::Gaussian, size).with_border(Border::Wrap);
        let out = IteratedBox::default().apply(spoiled.view(), &params).unwrap();
        assert!(out[[0, 5, 1]].is_nan() && out[[1, 6, 1]].is_nan(), "{size:?}");
        let minus_inf = [out[[h - 1, 30, 0]], out[[h - 2, 31, 0]], out[[1, 29, 0]]];
        assert!(
            minus_inf.iter().all(|&v| v == f64::NEG_INFINITY),
            "{size:?}: {minus_inf:?}"
        );
        assert!(
            out[[h / 2, 5, 1]].is_finite() && out[[h / 2, 30, 0]].is_finite(),
            "{size:?}"
        );
    }
}
