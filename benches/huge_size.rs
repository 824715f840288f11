//! Nothing proportional to the radius: the same 1024 x 1024 gray
//! u8 image blurred with radius 1, 16, 1024 and 1e9 by `Integral` (one
//! radius per pixel from a map, here all the same) and `RunningSum`
//! (uniform), for every border, and the Gaussian of sigma 1, 8, 300 and 1e6
//! by `IteratedBox` (uniform, and a map of one value). Radius 1024 and
//! sigma 300 already reach past the image from every pixel: from there on
//! the cost stays flat.
//! Radius 1e9 with `Clip` is the image mean; with `Replicate` and `Reflect`
//! its windows are (2^31 + 1)^2 positions, counted, not walked.
//!
//! Run: `cargo bench --bench huge_size`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array2, Array3};
use std::hint::black_box;
use varblur::{Border, Filter, Integral, IteratedBox, Kernel, Params, RunningSum, Size};

const SIDE: usize = 1024;

fn huge_size(c: &mut Criterion) {
    let image = Array3::from_shape_fn((SIDE, SIDE, 1), |(y, x, _)| ((x * 7 + y * 13) % 256) as u8);
    let mut out = Array3::<u8>::zeros(image.dim());
    for border in [Border::Clip, Border::Replicate, Border::Reflect] {
        let mut group = c.benchmark_group(format!("huge_size/{border:?}"));
        group.sample_size(10);
        group.throughput(Throughput::Elements((SIDE * SIDE) as u64));
        for radius in [1.0f32, 16.0, 1024.0, 1e9] {
            let radii = Array2::from_elem((SIDE, SIDE), radius);
            let map = Params::new(Kernel::Box, Size::map(&radii)).with_border(border);
            let uniform = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(border);
            group.bench_function(format!("integral map r={radius}"), |b| {
                b.iter(|| {
                    Integral
                        .apply_into(black_box(image.view()), &map, out.view_mut())
                        .unwrap()
                })
            });
            group.bench_function(format!("running-sum r={radius}"), |b| {
                b.iter(|| {
                    RunningSum
                        .apply_into(black_box(image.view()), &uniform, out.view_mut())
                        .unwrap()
                })
            });
        }
        // The Gaussian, up to sigma 1e6: `IteratedBox`, which `Auto` picks.
        for sigma in [1.0f32, 8.0, 300.0, 1e6] {
            let sigmas = Array2::from_elem((SIDE, SIDE), sigma);
            for (name, size) in [("", Size::Uniform(sigma)), (" map", Size::map(&sigmas))] {
                let params = Params::new(Kernel::Gaussian, size).with_border(border);
                group.bench_function(format!("iterated-box{name} sigma={sigma}"), |b| {
                    b.iter(|| {
                        IteratedBox::default()
                            .apply_into(black_box(image.view()), &params, out.view_mut())
                            .unwrap()
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, huge_size);
criterion_main!(benches);
