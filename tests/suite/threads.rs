//! Results do not depend on the thread count, nor on how many threads
//! share one filter value, nor on whose rayon pool runs the call.

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
        // `Naive` costs more than every other backend together: one other
        // count for it.
        let counts: &[usize] = if backend == Backend::Naive { &[3] } else { &[2, 3, 7] };
        for &threads in counts {
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
    for border in [Border::Clip, Border::Reflect, Border::Symmetric, Border::Wrap] {
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

/// Every built-in backend can be shared between threads: checked by the
/// compiler (and `Filter` requires `Send + Sync` of every implementor).
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<varblur::Naive>();
    shareable::<varblur::Integral>();
    shareable::<varblur::RunningSum>();
    shareable::<varblur::Auto>();
    shareable::<Backend>();
    shareable::<varblur::Error>();
    shareable::<Params<'static>>();
};

/// Bitwise equality of two outputs, NaN included.
fn identical<T: Sample>(a: &Array3<T>, b: &Array3<T>) -> bool {
    a.dim() == b.dim()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_f64().to_bits() == y.to_f64().to_bits())
}

/// One run of every request: the u8 and f32 outputs (`None` if refused).
type Run = Vec<(Option<Array3<u8>>, Option<Array3<f32>>)>;

/// Requests of every kind the box backends serve, on u8 and f32 images.
struct Requests {
    image_u8: Array3<u8>,
    image_f32: Array3<f32>,
    radii: Array2<f32>,
}

impl Requests {
    fn new() -> Self {
        let (h, w) = (150, 70);
        Requests {
            image_u8: Array3::from_shape_fn((h, w, 3), |(y, x, c)| (noise((y * w + x) * 3 + c) * 255.0) as u8),
            image_f32: Array3::from_shape_fn((h, w, 1), |(y, x, _)| noise(y * w + x + 5) as f32),
            radii: Array2::from_shape_fn((h, w), |(y, x)| (noise(y * w + x + 11) * 20.0) as f32),
        }
    }

    fn params(&self) -> Vec<Params<'_>> {
        let mut all = Vec::new();
        let borders = [
            Border::Clip,
            Border::Replicate,
            Border::Constant(9.0),
            Border::Symmetric,
            Border::Wrap,
        ];
        for border in borders {
            for size in [Size::map(&self.radii), Size::Uniform(4.0), Size::Uniform(2.5)] {
                all.push(Params::new(Kernel::Box, size).with_border(border));
            }
        }
        all
    }

    /// Every backend's output for every request, in a fixed order.
    fn run_all(&self, backend: &Backend) -> Run {
        self.params()
            .iter()
            .map(|params| {
                (
                    backend.apply(self.image_u8.view(), params).ok(),
                    backend.apply(self.image_f32.view(), params).ok(),
                )
            })
            .collect()
    }
}

fn same_runs(a: &Run, b: &Run) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((a8, a32), (b8, b32))| {
            let u8_same = match (a8, b8) {
                (Some(x), Some(y)) => identical(x, y),
                (None, None) => true,
                _ => false,
            };
            let f32_same = match (a32, b32) {
                (Some(x), Some(y)) => identical(x, y),
                (None, None) => true,
                _ => false,
            };
            u8_same && f32_same
        })
}

#[test]
fn one_filter_value_shared_by_many_threads_gives_identical_results() {
    let requests = Requests::new();
    for backend in Backend::ALL.into_iter().filter(|b| *b != Backend::Naive) {
        let reference = with_threads(1, || requests.run_all(&backend));
        // One value, borrowed by eight threads at once, each running every
        // request (the strips of each call on rayon's global pool).
        let filter = &backend;
        let runs: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8).map(|_| scope.spawn(|| requests.run_all(filter))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for run in &runs {
            assert!(same_runs(&reference, run), "{} differs across threads", backend.name());
        }
    }
}

#[test]
fn inside_a_callers_own_rayon_pool_results_are_identical() {
    use rayon::prelude::*;
    let requests = Requests::new();
    for backend in Backend::ALL.into_iter().filter(|b| *b != Backend::Naive) {
        let reference = with_threads(1, || requests.run_all(&backend));
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            // Calls from inside the caller's parallel loop: the crate's strips
            // nest in the caller's pool.
            let runs: Vec<_> = pool.install(|| (0..6).into_par_iter().map(|_| requests.run_all(&backend)).collect());
            for run in &runs {
                assert!(
                    same_runs(&reference, run),
                    "{} differs in a pool of {threads}",
                    backend.name()
                );
            }
        }
        // And from plain threads that each use their own pool.
        std::thread::scope(|scope| {
            for threads in [1, 2] {
                let requests = &requests;
                let reference = &reference;
                scope.spawn(move || {
                    let run = with_threads(threads, || requests.run_all(&backend));
                    assert!(same_runs(reference, &run), "{}", backend.name());
                });
            }
        });
    }
}
