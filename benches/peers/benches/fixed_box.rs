//! B4 (docs/DEFINITION.md, section 7): 4096 x 4096, one radius for the whole image, box
//! kernel: `RunningSum` and `Integral` beside the peers `libblur` (box_blur,
//! box_blur_u16, box_blur_f32) and `imageproc` (box_filter, gray u8 only),
//! on every pixel type and channel count the crate's users hold (u8 gray,
//! RGB and RGBA; u16 gray and RGB; f32 gray and RGB; f64 gray, which no peer
//! serves) at radius 16 and at 16.5 (a fractional radius, which no peer
//! takes), and u8 gray at radii 1, 4 and 64 to show the cost does not grow
//! with the radius. Ours use `Border::Replicate`, the edge rule of both
//! peers.
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

/// libblur's box blur of one image of a sample type: image, output,
/// width, height, channels, radius.
type LibblurBox<T> = fn(&[T], &mut [T], u32, u32, usize, u32);

/// The peers' box blurs of one image, where they serve the sample type.
trait Peers: Sample {
    const LIBBLUR: Option<LibblurBox<Self>>;
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
    const LIBBLUR: Option<LibblurBox<u8>> = Some(|image, out, width, height, channels, radius| {
        let source = libblur::BlurImage::borrow(image, width, height, layout(channels));
        let mut target = libblur::BlurImageMut::borrow(out, width, height, layout(channels));
        let parameters = libblur::BoxBlurParameters::new(2 * radius + 1);
        libblur::box_blur(&source, &mut target, parameters, policy()).unwrap();
    });

    fn gray_image(image: &[u8], width: u32, height: u32) -> Option<image::GrayImage> {
        image::GrayImage::from_raw(width, height, image.to_vec())
    }
}

impl Peers for u16 {
    const LIBBLUR: Option<LibblurBox<u16>> = Some(|image, out, width, height, channels, radius| {
        let source = libblur::BlurImage::borrow(image, width, height, layout(channels));
        let mut target = libblur::BlurImageMut::borrow(out, width, height, layout(channels));
        let parameters = libblur::BoxBlurParameters::new(2 * radius + 1);
        libblur::box_blur_u16(&source, &mut target, parameters, policy()).unwrap();
    });
}

impl Peers for f32 {
    const LIBBLUR: Option<LibblurBox<f32>> = Some(|image, out, width, height, channels, radius| {
        let source = libblur::BlurImage::borrow(image, width, height, layout(channels));
        let mut target = libblur::BlurImageMut::borrow(out, width, height, layout(channels));
        let parameters = libblur::BoxBlurParameters::new(2 * radius + 1);
        libblur::box_blur_f32(&source, &mut target, parameters, policy()).unwrap();
    });
}

impl Peers for f64 {
    const LIBBLUR: Option<LibblurBox<f64>> = None;
}

const SIDE: usize = 4096;

/// A pattern over the type's whole range (0..=255 for u8, 0..=65535 for
/// u16, 0..=1 for floats): the table widths the backends pick depend on it.
fn picture<T: Sample>(channels: usize) -> Array3<T> {
    let scale = if T::MAX.is_finite() {
        T::MAX / 255.0
    } else {
        1.0 / 255.0
    };
    Array3::from_shape_fn((SIDE, SIDE, channels), |(y, x, c)| {
        T::from_f64(((x * 7 + y * 13 + c * 85) % 256) as f64 * scale)
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
        for threads in thread_counts().into_iter().filter(|_| T::LIBBLUR.is_some()) {
            let libblur = T::LIBBLUR.expect("served");
            let pool = pool(threads);
            group.bench_function(label("libblur", threads), |b| {
                b.iter_custom(|iters| timed_on(&pool, iters, || libblur(black_box(pixels), out, w, h, channels, r)))
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

/// Radius 16, and 16.5 beside it, for one pixel type and channel count.
fn whole_and_fractional<T: Peers>(c: &mut Criterion, kind: &str, channels: usize) {
    let image = picture::<T>(channels);
    for radius in [16.0, 16.5] {
        bench_case(c, &format!("4096x4096 {kind}"), image.view(), radius);
    }
}

fn b4(c: &mut Criterion) {
    whole_and_fractional::<u8>(c, "u8 gray", 1);
    whole_and_fractional::<u8>(c, "u8 RGB", 3);
    whole_and_fractional::<u8>(c, "u8 RGBA", 4);
    whole_and_fractional::<u16>(c, "u16 gray", 1);
    whole_and_fractional::<u16>(c, "u16 RGB", 3);
    whole_and_fractional::<f32>(c, "f32 gray", 1);
    whole_and_fractional::<f32>(c, "f32 RGB", 3);
    whole_and_fractional::<f64>(c, "f64 gray", 1);
    let gray = picture::<u8>(1);
    for radius in [1.0, 4.0, 64.0] {
        bench_case(c, "4096x4096 u8 gray", gray.view(), radius);
    }
}

criterion_group!(benches, b4);
criterion_main!(benches);
