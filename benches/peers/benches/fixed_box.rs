//! B4 (docs/DEFINITION.md, section 7): 4096 x 4096, one radius for the whole image, box
//! kernel: `RunningSum` and `Integral` beside the peers `libblur` (box_blur,
//! box_blur_f32) and `imageproc` (box_filter, gray u8 only), on u8 gray, u8
//! RGB and f32 gray at radius 16, and u8 gray at radii 1, 4, 16.5 and 64 to
//! show the cost does not grow with the radius. Ours use `Border::Replicate`,
//! the edge rule of both peers. Peers take integer radii only.
//!
//! Every backend runs at 1 thread and at all threads (rayon's global
//! count: all cores, or `RAYON_NUM_THREADS`), one right after the other.
//!
//! Run from the repository root: `cargo bench --manifest-path
//! benches/peers/Cargo.toml` (add `RUSTFLAGS="-C target-cpu=native"` for a
//! native build). It lives in a package of its own so that only it
//! compiles the peers.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array3, ArrayView3};
use std::hint::black_box;
use std::time::{Duration, Instant};
use varblur::{Border, Filter, Integral, Kernel, Params, RunningSum, Sample, Size};

/// A peer's box blur of one image, for the sample type it serves.
trait Peers: Sample {
    fn libblur(image: &[Self], out: &mut [Self], width: u32, height: u32, channels: usize, radius: u32);
    /// The image as imageproc's gray `u8` image, where it serves the type.
    fn gray_image(_image: &[Self], _width: u32, _height: u32) -> Option<image::GrayImage> {
        None
    }
}

fn layout(channels: usize) -> libblur::FastBlurChannels {
    match channels {
        1 => libblur::FastBlurChannels::Plane,
        3 => libblur::FastBlurChannels::Channels3,
        _ => libblur::FastBlurChannels::Channels4,
    }
}

/// libblur's thread policy matching rayon's thread count here (libblur
/// runs its own threads, as many as the machine has, when not single).
fn policy() -> libblur::ThreadingPolicy {
    if rayon::current_num_threads() == 1 {
        libblur::ThreadingPolicy::Single
    } else {
        libblur::ThreadingPolicy::Adaptive
    }
}

/// The thread counts of every case: 1, and rayon's global count (all
/// cores, or `RAYON_NUM_THREADS`) where that is more.
fn thread_counts() -> Vec<usize> {
    let all = rayon::current_num_threads();
    if all > 1 { vec![1, all] } else { vec![1] }
}

/// `work` timed `iters` times inside `pool`: each case runs at both thread
/// counts in the same minutes, so the host's drift between runs does not
/// enter their ratio.
fn timed_on(pool: &rayon::ThreadPool, iters: u64, mut work: impl FnMut() + Send) -> Duration {
    pool.install(|| {
        let start = Instant::now();
        for _ in 0..iters {
            work();
        }
        start.elapsed()
    })
}

/// A rayon pool of `threads` threads.
fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

impl Peers for u8 {
    fn libblur(image: &[u8], out: &mut [u8], width: u32, height: u32, channels: usize, radius: u32) {
        let source = libblur::BlurImage::borrow(image, width, height, layout(channels));
        let mut target = libblur::BlurImageMut::borrow(out, width, height, layout(channels));
        let parameters = libblur::BoxBlurParameters::new(2 * radius + 1);
        libblur::box_blur(&source, &mut target, parameters, policy()).unwrap();
    }

    fn gray_image(image: &[u8], width: u32, height: u32) -> Option<image::GrayImage> {
        image::GrayImage::from_raw(width, height, image.to_vec())
    }
}

impl Peers for f32 {
    fn libblur(image: &[f32], out: &mut [f32], width: u32, height: u32, channels: usize, radius: u32) {
        let source = libblur::BlurImage::borrow(image, width, height, layout(channels));
        let mut target = libblur::BlurImageMut::borrow(out, width, height, layout(channels));
        let parameters = libblur::BoxBlurParameters::new(2 * radius + 1);
        libblur::box_blur_f32(&source, &mut target, parameters, policy()).unwrap();
    }
}

const SIDE: usize = 4096;

fn picture<T: Sample>(channels: usize) -> Array3<T> {
    Array3::from_shape_fn((SIDE, SIDE, channels), |(y, x, c)| {
        T::from_f64(((x * 7 + y * 13 + c * 85) % 256) as f64)
    })
}

fn bench_case<T: Peers>(c: &mut Criterion, name: &str, image: ArrayView3<'_, T>, radius: f32) {
    let mut group = c.benchmark_group(format!("B4 {name} radius {radius}"));
    group.sample_size(10);
    group.throughput(Throughput::Elements((SIDE * SIDE) as u64));
    let params = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(Border::Replicate);
    let mut out = Array3::from_elem(image.raw_dim(), T::default());
    let label =
        |backend: &str, threads: usize| format!("{backend}, {threads} thread{}", if threads > 1 { "s" } else { "" });
    for threads in thread_counts() {
        let pool = pool(threads);
        group.bench_function(label("running-sum", threads), |b| {
            b.iter_custom(|iters| {
                timed_on(&pool, iters, || {
                    RunningSum
                        .apply_into(black_box(image), &params, out.view_mut())
                        .unwrap()
                })
            })
        });
    }
    for threads in thread_counts() {
        let pool = pool(threads);
        group.bench_function(label("integral", threads), |b| {
            b.iter_custom(|iters| {
                timed_on(&pool, iters, || {
                    Integral.apply_into(black_box(image), &params, out.view_mut()).unwrap()
                })
            })
        });
    }
    if radius.fract() == 0.0 {
        let (height, width, channels) = image.dim();
        let (w, h, r) = (width as u32, height as u32, radius as u32);
        let pixels = image.as_slice().expect("contiguous image");
        let out = out.as_slice_mut().expect("contiguous output");
        for threads in thread_counts() {
            let pool = pool(threads);
            group.bench_function(label("libblur", threads), |b| {
                b.iter_custom(|iters| timed_on(&pool, iters, || T::libblur(black_box(pixels), out, w, h, channels, r)))
            });
        }
        if let Some(gray) = T::gray_image(pixels, w, h).filter(|_| channels == 1) {
            group.bench_function("imageproc, 1 thread", |b| {
                b.iter(|| imageproc::filter::box_filter(black_box(&gray), r, r))
            });
        }
    }
    group.finish();
}

fn b4(c: &mut Criterion) {
    let gray = picture::<u8>(1);
    let rgb = picture::<u8>(3);
    let gray_f32 = picture::<f32>(1);
    bench_case(c, "4096x4096 u8 gray", gray.view(), 16.0);
    bench_case(c, "4096x4096 u8 RGB", rgb.view(), 16.0);
    bench_case(c, "4096x4096 f32 gray", gray_f32.view(), 16.0);
    for radius in [1.0, 4.0, 16.5, 64.0] {
        bench_case(c, "4096x4096 u8 gray", gray.view(), radius);
    }
}

criterion_group!(benches, b4);
criterion_main!(benches);
