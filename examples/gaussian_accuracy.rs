//! The accuracy of the Gaussian (docs/DESIGN.md): `IteratedBox` (k = 3, 4, 5) and the
//! 3 x 3 box blending approach, each against the exact `Naive` Gaussian.
//!
//!     cargo run --release --example gaussian_accuracy [-- --size N]
//!
//! Three images of N x N (default 256) f64 samples in [0, 1]: uniform noise,
//! a step edge, a smooth natural-like pattern; uniform sigmas 1, 3, 10 and
//! sigma ramps 0..6 and 0..20 (sigma = s (x + y) / 2, x and y in [0, 1]);
//! Reflect border (the blending approach's own). Prints max and RMS |error|.

#[path = "../benches/baseline/blending.rs"]
mod blending;

use ndarray::{Array2, ArrayView2};
use varblur::{Border, Filter, IteratedBox, Kernel, Naive, Params, Size};

fn images(n: usize) -> Vec<(&'static str, Array2<f64>)> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise = Array2::from_shape_fn((n, n), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    });
    let step = Array2::from_shape_fn((n, n), |(_, x)| if x < n / 2 { 0.0 } else { 1.0 });
    let smooth = Array2::from_shape_fn((n, n), |(y, x)| {
        let (u, v) = (x as f64 / n as f64, y as f64 / n as f64);
        let value = 0.5
            + 0.2 * (11.0 * u + 3.0 * v).sin()
            + 0.15 * (23.0 * v - 7.0 * u * u).cos()
            + 0.1 * (57.0 * (u + v)).sin() * (5.0 * u).cos();
        value.clamp(0.0, 1.0)
    });
    vec![("noise", noise), ("step edge", step), ("smooth", smooth)]
}

fn sigmas(n: usize) -> Vec<(String, Array2<f32>)> {
    let mut out: Vec<(String, Array2<f32>)> = [1.0f32, 3.0, 10.0]
        .iter()
        .map(|&s| (format!("uniform {s}"), Array2::from_elem((n, n), s)))
        .collect();
    for top in [6.0f32, 20.0] {
        let last = (n.max(2) - 1) as f32;
        let ramp = Array2::from_shape_fn((n, n), |(y, x)| top * (x as f32 + y as f32) / (2.0 * last));
        out.push((format!("ramp 0..{top}"), ramp));
    }
    out
}

fn errors(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> (f64, f64) {
    let (mut max, mut squares) = (0.0f64, 0.0);
    for (x, y) in a.iter().zip(b.iter()) {
        let e = (x - y).abs();
        max = max.max(e);
        squares += e * e;
    }
    (max, (squares / a.len() as f64).sqrt())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = args
        .iter()
        .position(|a| a == "--size")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(256usize);
    println!("{n} x {n} f64 in [0, 1], Reflect border; max / RMS |error| against Naive Gaussian\n");
    println!("| image | sigma | k = 3 | k = 4 | k = 5 | 3x3 blending |");
    println!("|---|---|---|---|---|---|");
    for (image_name, image) in images(n) {
        for (sigma_name, sigma) in sigmas(n) {
            let params = Params::new(Kernel::Gaussian, Size::map(&sigma)).with_border(Border::Reflect);
            let exact = Naive.apply(image.view(), &params).expect("valid request");
            let mut row = format!("| {image_name} | {sigma_name} |");
            for k in 3..=5 {
                let approx = IteratedBox::new(k)
                    .unwrap()
                    .apply(image.view(), &params)
                    .expect("valid request");
                let (max, rms) = errors(approx.view(), exact.view());
                row += &format!(" {max:.2e} / {rms:.2e} |");
            }
            let blended = blending::blending_blur(image.view(), sigma.view());
            let (max, rms) = errors(blended.view(), exact.view());
            row += &format!(" {max:.2e} / {rms:.2e} |");
            println!("{row}");
        }
    }
}
