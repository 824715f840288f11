//! Results do not depend on the thread count.

use ndarray::{Array2, Array3};
use varblur::{Backend, Border, Filter, Kernel, Params, Request, Sample, Size, Support};

fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn check<T: Sample>(image: &Array3<T>, params: &Params<'_>) {
    let (h, w, c) = image.dim();
    let request = Request::new::<T>(params, [h, w, c]);
    for backend in Backend::ALL {
        if let Support::Unsupported(_) = backend.support(&request) {
            continue;
        }
        let one = with_threads(1, || backend.apply(image.view(), params).unwrap());
        for threads in [2, 3, 7] {
            let many = with_threads(threads, || backend.apply(image.view(), params).unwrap());
            // Bitwise, floats included.
            let same = one
                .iter()
                .zip(&many)
                .all(|(a, b)| a.to_f64().to_bits() == b.to_f64().to_bits());
            assert!(same, "{} differs between 1 and {threads} threads", backend.name());
        }
    }
}

/// A deterministic pseudo-random sequence (no RNG dependency needed).
fn noise(i: usize) -> f64 {
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) ^ 0xD1B5_4A32_D192_ED03;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn same_result_for_any_thread_count() {
    let (h, w) = (300, 50);
    let radii = Array2::from_shape_fn((h, w), |(y, x)| (noise(y * w + x + 7) * 30.0) as f32);
    let image_f32 = Array3::from_shape_fn((h, w, 2), |(y, x, c)| noise((y * w + x) * 2 + c) as f32);
    let image_u8 = Array3::from_shape_fn((h, w, 3), |(y, x, c)| (noise((y * w + x) * 3 + c) * 255.0) as u8);
    for border in [Border::Clip, Border::Reflect] {
        for size in [Size::map(&radii), Size::Uniform(6.5), Size::Uniform(11.0)] {
            let params = Params::new(Kernel::Box, size).with_border(border);
            check(&image_f32, &params);
            check(&image_u8, &params);
        }
        // Gaussian sigmas a third of the radii (Naive walks 8 sigma per axis).
        let sigmas = radii.mapv(|r| r / 3.0);
        for size in [Size::map(&sigmas), Size::Uniform(2.5), Size::Uniform(6.5)] {
            let params = Params::new(Kernel::Gaussian, size).with_border(border);
            check(&image_f32, &params);
            check(&image_u8, &params);
        }
    }
}
