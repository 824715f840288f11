//! Times `IteratedBox` on B5-like requests (1024 x 1024 f32 by default),
//! or `Levels` after it in the same run with `--levels`.
//!
//!     cargo run --release --example gaussian_timing [-- --size N --top S --runs R --levels]
use ndarray::Array2;
use std::time::Instant;
use varblur::{Border, Filter, IteratedBox, Kernel, Levels, Params, Size};

fn arg(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    time(&IteratedBox::default());
    if std::env::args().any(|a| a == "--levels") {
        time(&Levels);
    }
}

/// Best-of timings of `backend` on the ramp and one uniform sigma.
fn time<F: Filter>(backend: &F) {
    let n = arg("--size", 1024.0) as usize;
    let top = arg("--top", 20.0) as f32;
    let runs = arg("--runs", 5.0) as usize;
    let input = Array2::from_shape_fn((n, n), |(y, x)| ((y * 7 + x * 13) % 256) as f32 / 255.0);
    let last = (n.max(2) - 1) as f32;
    let sigma = Array2::from_shape_fn((n, n), |(y, x)| top * (x as f32 + y as f32) / (2.0 * last));
    for border in [Border::Reflect, Border::Clip] {
        let params = Params::new(Kernel::Gaussian, Size::map(&sigma)).with_border(border);
        let mut best = f64::INFINITY;
        for _ in 0..runs {
            let start = Instant::now();
            let out = backend.apply(input.view(), &params).unwrap();
            best = best.min(start.elapsed().as_secs_f64());
            std::hint::black_box(out);
        }
        let threads = rayon::current_num_threads();
        let uniform = Params::new(Kernel::Gaussian, Size::Uniform(top / 2.0)).with_border(border);
        let start = Instant::now();
        std::hint::black_box(backend.apply(input.view(), &uniform).unwrap());
        println!(
            "{} {n}x{n} f32 uniform sigma {} {border:?}: {:.1} ms, {threads} threads",
            backend.name(),
            top / 2.0,
            start.elapsed().as_secs_f64() * 1e3
        );
        println!(
            "{} {n}x{n} f32 ramp 0..{top} {border:?}: best of {runs} {:.1} ms, {:.1} Mpx/s, {threads} threads",
            backend.name(),
            best * 1e3,
            (n * n) as f64 / best / 1e6
        );
    }
}
