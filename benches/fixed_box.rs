//! B4 of SPEC section 8, our side: 4096 x 4096, one radius for the whole
//! image, box kernel, Clip border: `RunningSum` and `Integral` on u8 gray,
//! u8 RGB and f32 gray at radius 16, and u8 gray at radii 1, 4, 16.5 and 64
//! to show the cost does not grow with the radius.
//!
//! Run: `cargo bench --bench fixed_box` (add `RAYON_NUM_THREADS=1` for one
//! thread, `RUSTFLAGS="-C target-cpu=native"` for a native build).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array3, ArrayView3};
use std::hint::black_box;
use varblur::{Filter, Integral, Kernel, Params, RunningSum, Sample, Size};

const SIDE: usize = 4096;

fn picture<T: Sample>(channels: usize) -> Array3<T> {
    Array3::from_shape_fn((SIDE, SIDE, channels), |(y, x, c)| {
        T::from_f64(((x * 7 + y * 13 + c * 85) % 256) as f64)
    })
}

fn bench_case<T: Sample>(c: &mut Criterion, name: &str, image: ArrayView3<'_, T>, radius: f32) {
    let threads = rayon::current_num_threads();
    let mut group = c.benchmark_group(format!("B4 {name} radius {radius}, {threads} threads"));
    group.sample_size(10);
    group.throughput(Throughput::Elements((SIDE * SIDE) as u64));
    let params = Params::new(Kernel::Box, Size::Uniform(radius));
    let mut out = Array3::from_elem(image.raw_dim(), T::default());
    group.bench_function("running-sum", |b| {
        b.iter(|| {
            RunningSum
                .apply_into(black_box(image), &params, out.view_mut())
                .unwrap()
        })
    });
    group.bench_function("integral", |b| {
        b.iter(|| Integral.apply_into(black_box(image), &params, out.view_mut()).unwrap())
    });
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
