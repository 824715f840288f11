//! B1 (docs/DEFINITION.md, section 7): 1024 x 1024 gray u8, a uniform
//! random integer radius 1..=256 per pixel, box kernel, Clip border.
//! `Integral` on the whole image; `Naive` on a 32 x 32 crop of the same
//! request (its cost per pixel, times 1024 x 1024, estimates the whole image).
//!
//! Per pixel type: 2048 x 2048 images of every type and channel count the
//! crate's users hold (u8 gray, RGB and RGBA; u16 gray and RGB; f32 gray and
//! RGB; f64 gray), a smooth distance-like radius map 0..64 (fractional
//! radii) and the same map rounded (whole radii), `Integral`, Clip.
//!
//! Run: `cargo bench --bench variable_box` (add `RAYON_NUM_THREADS=1` for one thread).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array2, Array3};
use std::hint::black_box;
use varblur::{Filter, Integral, Kernel, Naive, Params, Sample, Size};

/// SplitMix64: a small deterministic generator, so the bench needs no RNG crate.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// B1's data, drawn as `np.random.randint(256, size=(n, n))` and radii
/// `np.random.randint(256, size=(n, n)) + 1` draw theirs.
fn seed_case(n: usize) -> (Array2<u8>, Array2<f32>) {
    let mut rng = SplitMix(2016);
    let image = Array2::from_shape_simple_fn((n, n), || (rng.next() % 256) as u8);
    let radii = Array2::from_shape_simple_fn((n, n), || (rng.next() % 256 + 1) as f32);
    (image, radii)
}

fn b1(c: &mut Criterion) {
    let (image, radii) = seed_case(1024);
    let params = Params::new(Kernel::Box, Size::map(&radii));
    let threads = rayon::current_num_threads();
    let mut group = c.benchmark_group(format!("B1 seed 1024x1024 u8 radius 1..=256 clip, {threads} threads"));
    group.sample_size(20);
    group.throughput(Throughput::Elements(1024 * 1024));
    group.bench_function("integral", |b| {
        b.iter(|| Integral.apply(black_box(image.view()), &params).unwrap())
    });
    // Naive on a 32 x 32 crop in the middle of the same whole-image request.
    group.sample_size(10);
    group.throughput(Throughput::Elements(32 * 32));
    group.bench_function("naive crop 32x32", |b| {
        b.iter(|| {
            Naive
                .apply_region(black_box(image.view()), &params, 496..528, 496..528)
                .unwrap()
        })
    });
    group.finish();
}

/// Side of the per-type images.
const TYPES_SIDE: usize = 2048;

/// A pattern with fine detail over the type's whole range (0..=255 for u8,
/// 0..=65535 for u16, 0..=1 for floats): the table widths the backend picks
/// depend on it.
fn picture<T: Sample>(channels: usize) -> Array3<T> {
    let scale = if T::MAX.is_finite() {
        T::MAX / 255.0
    } else {
        1.0 / 255.0
    };
    let mut rng = SplitMix(7);
    Array3::from_shape_simple_fn((TYPES_SIDE, TYPES_SIDE, channels), || {
        T::from_f64((rng.next() % 256) as f64 * scale)
    })
}

/// A radius growing with the distance from a corner, like a distance map:
/// 0 at the top left, 64 at the bottom right.
fn smooth_map() -> Array2<f32> {
    let last = (TYPES_SIDE - 1) as f32;
    Array2::from_shape_fn((TYPES_SIDE, TYPES_SIDE), |(y, x)| 32.0 * (x + y) as f32 / last)
}

/// `Integral` on one pixel type and channel count, with the smooth map and
/// the same map rounded.
fn bench_type<T: Sample>(c: &mut Criterion, kind: &str, channels: usize, maps: &[(&str, Array2<f32>)]) {
    let image = picture::<T>(channels);
    let mut out = Array3::from_elem(image.raw_dim(), T::default());
    let threads = rayon::current_num_threads();
    let mut group = c.benchmark_group(format!(
        "types {TYPES_SIDE}x{TYPES_SIDE} {kind} clip, {threads} threads"
    ));
    group.sample_size(10);
    group.throughput(Throughput::Elements((TYPES_SIDE * TYPES_SIDE) as u64));
    for (name, map) in maps {
        let params = Params::new(Kernel::Box, Size::map(map));
        group.bench_function(format!("integral, {name}"), |b| {
            b.iter(|| {
                Integral
                    .apply_into(black_box(image.view()), &params, out.view_mut())
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn types(c: &mut Criterion) {
    let smooth = smooth_map();
    let whole = smooth.mapv(f32::round);
    let maps = [("smooth map 0..64", smooth), ("whole radii 0..64", whole)];
    bench_type::<u8>(c, "u8 gray", 1, &maps);
    bench_type::<u8>(c, "u8 RGB", 3, &maps);
    bench_type::<u8>(c, "u8 RGBA", 4, &maps);
    bench_type::<u16>(c, "u16 gray", 1, &maps);
    bench_type::<u16>(c, "u16 RGB", 3, &maps);
    bench_type::<f32>(c, "f32 gray", 1, &maps);
    bench_type::<f32>(c, "f32 RGB", 3, &maps);
    bench_type::<f64>(c, "f64 gray", 1, &maps);
}

criterion_group!(benches, b1, types);
criterion_main!(benches);
