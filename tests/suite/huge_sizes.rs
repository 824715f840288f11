//! Nothing is proportional to the radius: radius 1e9 (and 1e30, and the
//! MAX_EXTENT clamp) on a 256 x 256 image works in every box backend, with
//! every border (exact whole-image results for `Symmetric` and `Wrap`), and
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

/// Radius 1e9 with `Symmetric` and `Wrap`: each axis's window of
/// 2e9 + 1 = 256 K + 1 positions (K = 7_812_500) starts at a position that
/// reads the centre pixel itself (1e9 is a multiple of both periods, 256 and
/// 512) and then covers K periods of `Wrap` (K / 2 of `Symmetric`, each
/// reading every pixel twice): pixel m of the axis is read K times, the
/// centre once more. The window sum at (y, x) is then
/// K^2 T + K (R_y + C_x) + v(y, x), with T the channel's total, R_y its row
/// sum and C_x its column sum, over (256 K + 1)^2: the exact result, rounded
/// half up (it is positive), for every pixel, in every fast backend.
#[test]
fn periodic_borders_with_radius_1e9_give_the_exact_whole_image_result() {
    const K: u128 = 7_812_500;
    assert_eq!(2 * 1_000_000_000 + 1, SIDE as u128 * K + 1);
    // Not `image()`: its rows and columns all sum to 256 x 127.5, which puts
    // every exact mean within 1e-16 of a rounding tie.
    let image = Array3::from_shape_fn((SIDE, SIDE, 3), |(y, x, c)| {
        ((x * x * 3 + y * y * 5 + x * y + c * 71) % 253) as u8
    });
    let den = (SIDE as u128 * K + 1).pow(2);
    let mut closest_tie = 1.0f64;
    let expected = Array3::from_shape_fn((SIDE, SIDE, 3), |(y, x, c)| {
        let channel = image.index_axis(ndarray::Axis(2), c);
        let total: u128 = channel.iter().map(|&v| v as u128).sum();
        let row: u128 = channel.row(y).iter().map(|&v| v as u128).sum();
        let col: u128 = channel.column(x).iter().map(|&v| v as u128).sum();
        let num = K * K * total + K * (row + col) + image[[y, x, c]] as u128;
        closest_tie = closest_tie.min(((num % den) as f64 / den as f64 - 0.5).abs());
        ((2 * num + den) / (2 * den)) as u8
    });
    // No mean is near a tie, so sums in f64 round every one the exact way.
    assert!(closest_tie > 1e-6, "{closest_tie}");
    let radii = Array2::from_elem((SIDE, SIDE), 1e9f32);
    for border in [Border::Symmetric, Border::Wrap] {
        for size in [Size::Uniform(1e9), Size::map(&radii)] {
            let params = Params::new(Kernel::Box, size).with_border(border);
            let backends = fast_backends(&params);
            assert!(backends.contains(&Backend::Integral));
            for backend in backends {
                let out = backend.apply(image.view(), &params).unwrap();
                let wrong = out.iter().zip(&expected).filter(|(a, e)| a != e).count();
                assert_eq!(
                    wrong,
                    0,
                    "{} {border:?} {size:?}: {wrong} samples differ",
                    backend.name()
                );
            }
        }
    }
}

#[test]
fn every_border_with_a_huge_radius_matches_naive_on_sample_pixels() {
    let image = image().mapv(|v| v as f32 / 255.0);
    let radii = Array2::from_shape_fn((SIDE, SIDE), |(y, x)| HUGE[(y * 3 + x) % HUGE.len()]);
    let borders = [
        Border::Clip,
        Border::Replicate,
        Border::Reflect,
        Border::Constant(0.25),
        Border::Symmetric,
        Border::Wrap,
    ];
    for border in borders {
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
/// sigma exceed 128-bit tables on this image (the limit in docs/DESIGN.md): refused
/// with `TooLarge`, never wrong.
#[test]
fn iterated_box_with_sigma_1e6_matches_naive_with_every_border() {
    const SIGMAS: [f32; 2] = [1e6, 2.5e6];
    // Naive walks 8 sigma taps per axis: a few pixels only.
    const PIXELS: [(usize, usize); 3] = [(0, 0), (SIDE / 2, SIDE / 3), (SIDE - 1, SIDE - 2)];
    let image = image().mapv(|v| v as f32 / 255.0);
    let sigmas = Array2::from_shape_fn((SIDE, SIDE), |(y, x)| SIGMAS[(y * 3 + x) % SIGMAS.len()]);
    let borders = [
        Border::Clip,
        Border::Replicate,
        Border::Reflect,
        Border::Constant(0.25),
        Border::Symmetric,
        Border::Wrap,
    ];
    for border in borders {
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
