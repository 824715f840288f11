//! A backend written outside the crate, checked with the conformance kit and
//! timed beside the built-in backends: the whole workflow of adding one.
//!
//! `LevelStack` approximates a Gaussian of per-pixel sigma the way some image
//! editors do: blur the whole image at a few fixed sigmas (each level three
//! box passes of `Integral`, whose variances add up to sigma^2), then blend,
//! per pixel, the two levels whose sigmas bracket the pixel's own.
//!
//! ```sh
//! cargo run --release --example custom_backend
//! ```

use ndarray::{Array3, ArrayViewMut3, Zip};
use varblur::conformance::{Options, bench, bench_table, check};
use varblur::{Error, Filter, Integral, Job, Kernel, Params, Request, Sample, Size, Support};

/// Gaussian by blending pre-blurred levels. Approximate.
struct LevelStack {
    /// Sigmas of the levels, increasing, starting at 0 (the image itself).
    sigmas: Vec<f32>,
}

/// Variance of the box of radius r as `varblur` defines it (weight 1 for
/// |d| <= n, f for |d| = n + 1).
fn box_variance(radius: f64) -> f64 {
    let n = radius.floor();
    let f = radius - n;
    let sum_d2 = n * (n + 1.0) * (2.0 * n + 1.0) / 3.0 + 2.0 * f * (n + 1.0) * (n + 1.0);
    sum_d2 / (2.0 * n + 1.0 + 2.0 * f)
}

/// The box radius whose variance is `variance` (bisection; it increases with r).
fn radius_for(variance: f64) -> f32 {
    let (mut lo, mut hi) = (0.0, variance.sqrt() * 2.0 + 1.0);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if box_variance(mid) < variance {
            lo = mid
        } else {
            hi = mid
        }
    }
    hi as f32
}

impl Filter for LevelStack {
    fn name(&self) -> &'static str {
        "level-stack"
    }

    fn support(&self, request: &Request) -> Support {
        match request.kernel {
            Kernel::Gaussian => Support::Approximate("blend of the two nearest of a few pre-blurred levels"),
            Kernel::Box => Support::Unsupported("Gaussian only"),
        }
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, mut out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        let params = job.params();
        let image = job.input().mapv(|v| v.to_f64());
        // Each level: three box passes with a third of the variance each.
        let mut levels = vec![image.clone()];
        for &sigma in &self.sigmas[1..] {
            let radius = radius_for((sigma as f64).powi(2) / 3.0);
            let pass = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(params.border);
            let mut level: Array3<f64> = image.clone();
            for _ in 0..3 {
                level = Integral.apply(level.view(), &pass)?;
            }
            levels.push(level);
        }
        let top = self.sigmas.len() - 1;
        // `out` holds the rows the job asks for (all of them for a whole
        // image, a tile's for `apply_tile`).
        let first_row = job.rows().start;
        Zip::indexed(out.lanes_mut(ndarray::Axis(2))).for_each(|(row, x), mut pixel| {
            let y = first_row + row;
            let sigma = job.size_at(y, x).min(self.sigmas[top]);
            let k = self
                .sigmas
                .iter()
                .rposition(|&s| s <= sigma)
                .unwrap_or(0)
                .min(top.saturating_sub(1));
            let (s0, s1) = (self.sigmas[k], self.sigmas[(k + 1).min(top)]);
            let t = if s1 > s0 {
                ((sigma - s0) / (s1 - s0)) as f64
            } else {
                0.0
            };
            for (ch, value) in pixel.iter_mut().enumerate() {
                let (a, b) = (levels[k][[y, x, ch]], levels[(k + 1).min(top)][[y, x, ch]]);
                *value = T::from_f64(a + t * (b - a));
            }
        });
        Ok(())
    }
}

fn main() {
    let stack = LevelStack {
        sigmas: vec![0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0],
    };

    // 1. Check it against Naive on random requests (Gaussian only: the box
    //    is unsupported, and the kit checks that it says so with a typed error).
    let options = Options {
        cases: 24,
        max_side: 24,
        tolerance: 0.5,
        ..Options::default()
    };
    match check(&stack, &options) {
        Ok(summary) => println!(
            "conformance: {} requests, {} approximate, {} unsupported (typed errors); \
             largest error {:.1} % of the value range",
            summary.cases,
            summary.approximate,
            summary.unsupported,
            100.0 * summary.max_approximate_error
        ),
        Err(failure) => println!("conformance failure:\n{failure}"),
    }

    // 2. Time it beside the built-in backends on the benchmark cases
    // of docs/DEFINITION.md, at 1/4 size.
    println!("\n{}", bench_table(&bench(&stack, 0.25, 3)));
}
