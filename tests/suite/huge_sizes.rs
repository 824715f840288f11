//! Nothing is proportional to the radius: radius 1e9 (and 1e30, and the
//! MAX_EXTENT clamp) on a 256 x 256 image works in every box backend, and
//! a Gaussian of sigma 1e6 in `IteratedBox` with every border. No
//! timing here (a loaded CI machine would make it flaky); the bench
//! `cargo bench --bench huge_size` shows that radius 1e9 costs what radius 1 does.

use ndarray::{Array2, Array3};
use varblur::kernel::MAX_EXTENT;
use varblur::{Backend, Border, Error, Filter, IteratedBox, Kernel, Naive, Params, Request, Size, Support};

const SIDE: usize = 256;
const HUGE: [f32; 4] = [1e9, 1e30, MAX_EXTENT as f32, f32::MAX];

/// The box backends that serve `params` on a SIDE x SIDE x 3 image, but
/// `Naive`: it reads every pixel a window reaches, 2^16 per pixel here,
/// and is checked on a few pixels instead.
fn fast_backends(params: &Params<'_>) -> Vec<Backend> {
    let request = Request::new::<u8>(params, [SIDE, SIDE, 3]);
    Backend::ALL
        .into_iter()
        .filter(|b| *b != Backend::Naive && !matches!(b.support(&request), Support::Unsupported(_)))
        .collect()
}

fn image() -> Array3<u8> {
    Array3::from_shape_fn((SIDE, SIDE, 3), |(y, x, c)| ((x * 7 + y * 13 + c * 50) % 256) as u8)
}

#[test]
fn clip_with_a_huge_radius_is_the_image_mean_in_every_backend() {
    let image = image();
    // The exact mean of each channel, rounded half away from zero.
    let means: Vec<u8> = (0..3)
        .map(|c| {
            let sum: u64 = image.index_axis(ndarray::Axis(2), c).iter().map(|&v| v as u64).sum();
            ((sum as f64 / (SIDE * SIDE) as f64) + 0.5).floor() as u8
        })
        .collect();
    let radii = Array2::from_shape_fn((SIDE, SIDE), |(y, x)| HUGE[(y + x) % HUGE.len()]);
    for size in HUGE.map(Size::Uniform).into_iter().chain([Size::map(&radii)]) {
        let params = Params::new(Kernel::Box, size);
        let backends = fast_backends(&params);
        assert!(backends.contains(&Backend::Integral));
        for backend in backends {
            let out = backend.apply(image.view(), &params).unwrap();
            for ((_, _, c), &v) in out.indexed_iter() {
                assert_eq!(v, means[c], "{} {size:?}", backend.name());
            }
        }
    }
}

#[test]
fn every_border_with_a_huge_radius_matches_naive_on_sample_pixels() {
    let image = image().mapv(|v| v as f32 / 255.0);
    let radii = Array2::from_shape_fn((SIDE, SIDE), |(y, x)| HUGE[(y * 3 + x) % HUGE.len()]);
    for border in [Border::Clip, Border::Replicate, Border::Reflect, Border::Constant(0.25)] {
        for size in HUGE.map(Size::Uniform).into_iter().chain([Size::map(&radii)]) {
            let params = Params::new(Kernel::Box, size).with_border(border);
            let backends = fast_backends(&params);
            assert!(!backends.is_empty());
            for backend in backends {
                let out = backend.apply(image.view(), &params).unwrap();
                for (y, x) in [(0, 0), (0, SIDE - 1), (SIDE / 2, SIDE / 3), (SIDE - 1, SIDE - 1)] {
                    let expected = Naive.apply_region(image.view(), &params, y..y + 1, x..x + 1).unwrap();
                    for c in 0..3 {
                        let (e, a) = (expected[[0, 0, c]], out[[y, x, c]]);
                        assert!(
                            (e - a).abs() <= 1e-6,
                            "{} {border:?} {size:?} at ({y}, {x}, {c}): Naive {e}, backend {a}",
                            backend.name()
                        );
                    }
                }
            }
        }
    }
}

/// Sigma 1e6 (and wider) with every border, uniform and per pixel: the
/// answer is within the tolerance published for `IteratedBox` against
/// `Naive` (`tests/suite/backends_agree.rs`; here far within it, as both kernels
/// are flat over the image or its reflected period). Five boxes of such a
/// sigma exceed 128-bit tables on this image (the README's limit): refused
/// with `TooLarge`, never wrong.
#[test]
fn iterated_box_with_sigma_1e6_matches_naive_with_every_border() {
    const SIGMAS: [f32; 2] = [1e6, 2.5e6];
    // Naive walks 8 sigma taps per axis: a few pixels only.
    const PIXELS: [(usize, usize); 3] = [(0, 0), (SIDE / 2, SIDE / 3), (SIDE - 1, SIDE - 2)];
    let image = image().mapv(|v| v as f32 / 255.0);
    let sigmas = Array2::from_shape_fn((SIDE, SIDE), |(y, x)| SIGMAS[(y * 3 + x) % SIGMAS.len()]);
    for border in [Border::Clip, Border::Replicate, Border::Reflect, Border::Constant(0.25)] {
        for size in [Size::Uniform(1e6), Size::map(&sigmas)] {
            let params = Params::new(Kernel::Gaussian, size).with_border(border);
            let expected = PIXELS.map(|(y, x)| Naive.apply_region(image.view(), &params, y..y + 1, x..x + 1).unwrap());
            for boxes in IteratedBox::BOXES {
                let out = match IteratedBox::new(boxes).unwrap().apply(image.view(), &params) {
                    Ok(out) => out,
                    Err(Error::TooLarge { .. }) if boxes == 5 => continue,
                    Err(e) => panic!("k {boxes} {border:?} {size:?}: {e}"),
                };
                for ((y, x), expected) in PIXELS.into_iter().zip(&expected) {
                    for c in 0..3 {
                        let (e, a) = (expected[[0, 0, c]], out[[y, x, c]]);
                        assert!(
                            (e - a).abs() <= 1e-3,
                            "k {boxes} {border:?} {size:?} at ({y}, {x}, {c}): Naive {e}, backend {a}"
                        );
                    }
                }
            }
        }
    }
}
