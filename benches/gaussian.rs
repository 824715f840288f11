//! B5 (docs/DEFINITION.md, section 7): 1024 x 1024 f32, sigma ramp 0..20, Gaussian:
//! `Levels` and `IteratedBox` (k = 3) beside the 3 x 3 box blending
//! approach the users found, reimplemented in `baseline/blending.rs`. Also
//! the ramp 0..200 (blending only on a 64 x 64 crop: its passes grow with
//! sigma^2), and a uniform sigma of 8 and 1e6 to show the cost does not
//! grow with sigma.
//!
//!     cargo bench --bench gaussian

#[path = "baseline/blending.rs"]
mod blending;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use varblur::{Border, Filter, IteratedBox, Kernel, Levels, Params, Size};

fn image(n: usize) -> Array2<f32> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    Array2::from_shape_fn((n, n), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u32 << 24) as f32
    })
}

/// sigma = top (x + y) / (2 (n - 1)): 0 in one corner, `top` in the other.
fn ramp(n: usize, top: f32) -> Array2<f32> {
    let last = (n.max(2) - 1) as f32;
    Array2::from_shape_fn((n, n), |(y, x)| top * (x as f32 + y as f32) / (2.0 * last))
}

fn b5(c: &mut Criterion) {
    let n = 1024;
    let input = image(n);
    let threads = rayon::current_num_threads();
    let mut group = c.benchmark_group(format!("B5 {n}x{n} f32 gaussian, {threads} threads"));
    group.sample_size(10);
    group.throughput(Throughput::Elements((n * n) as u64));
    for top in [20.0f32, 200.0] {
        let sigma = ramp(n, top);
        let params = Params::new(Kernel::Gaussian, Size::map(&sigma)).with_border(Border::Reflect);
        group.bench_with_input(BenchmarkId::new("levels", format!("ramp 0..{top}")), &params, |b, p| {
            b.iter(|| Levels.apply(input.view(), p).unwrap())
        });
        group.bench_with_input(
            BenchmarkId::new("iterated-box k=3", format!("ramp 0..{top}")),
            &params,
            |b, p| b.iter(|| IteratedBox::default().apply(input.view(), p).unwrap()),
        );
    }
    for sigma in [8.0f32, 1e6] {
        let params = Params::new(Kernel::Gaussian, Size::Uniform(sigma)).with_border(Border::Clip);
        group.bench_with_input(
            BenchmarkId::new("levels", format!("uniform {sigma}")),
            &params,
            |b, p| b.iter(|| Levels.apply(input.view(), p).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("iterated-box k=3", format!("uniform {sigma}")),
            &params,
            |b, p| b.iter(|| IteratedBox::default().apply(input.view(), p).unwrap()),
        );
    }
    let input64 = input.mapv(f64::from);
    let sigma = ramp(n, 20.0);
    group.bench_function(BenchmarkId::new("3x3 blending", "ramp 0..20"), |b| {
        b.iter(|| blending::blending_blur(input64.view(), sigma.view()))
    });
    group.finish();

    // The ramp 0..200 for blending: 60,000 passes; timed on a 64 x 64 crop
    // of the same ramp (per-pixel cost as on the whole image).
    let crop = 64;
    let mut group = c.benchmark_group(format!(
        "B5 crop {crop}x{crop} of the 1024 ramp 0..200, {threads} threads"
    ));
    group.sample_size(10);
    group.throughput(Throughput::Elements((crop * crop) as u64));
    let sigma = ramp(n, 200.0).slice(ndarray::s![n - crop.., n - crop..]).to_owned();
    let small = input64.slice(ndarray::s![..crop, ..crop]).to_owned();
    group.bench_function(BenchmarkId::new("3x3 blending", "ramp 0..200 crop"), |b| {
        b.iter(|| blending::blending_blur(small.view(), sigma.view()))
    });
    group.finish();
}

criterion_group!(benches, b5);
criterion_main!(benches);
