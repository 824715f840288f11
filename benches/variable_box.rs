//! B1 (docs/DEFINITION.md, section 7): 1024 x 1024 gray u8, a uniform
//! random integer radius 1..=256 per pixel, box kernel, Clip border.
//! `Integral` on the whole image; `Naive` on a 32 x 32 crop of the same
//! request (its cost per pixel, times 1024 x 1024, estimates the whole image).
//!
//! Run: `cargo bench --bench variable_box` (add `RAYON_NUM_THREADS=1` for one thread).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use std::hint::black_box;
use varblur::{Filter, Integral, Kernel, Naive, Params, Size};

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

criterion_group!(benches, b1);
criterion_main!(benches);
