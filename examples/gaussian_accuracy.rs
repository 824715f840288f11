//! The accuracy of the Gaussian (README "Accuracy of the Gaussian"):
//! `Levels`, `IteratedBox` (k = 3 and 5) and the 3 x 3 box blending
//! approach, each against the exact `Naive` Gaussian.
//!
//!     cargo run --release --example gaussian_accuracy [-- --size N]
//!
//! Three images of N x N (default 256) f64 samples in [0, 1]: uniform noise,
//! a step edge, a smooth natural-like pattern. Sigmas: uniform 1, 3, 10
//! and 50 (one number for the image, as `Size::Uniform`, which the
//! backends may serve apart from maps); ramps 0..6, 0..20 and 0..200 (sigma = s (x + y) / 2, x and y in
//! [0, 1]); and two maps from the distance d to a few sharp regions (a disc,
//! a rectangle and a one-pixel line), sigma = 30 min(d, 1) (0 inside, 30
//! on the next pixel) and sigma = min(4 d, 30). Reflect border (the blending
//! approach's own). Prints max and RMS |error| as fractions of the value
//! range, which is 1.

#[path = "../benches/baseline/blending.rs"]
mod blending;

use ndarray::{Array2, ArrayView2, s};
use varblur::{Border, DistanceToSize, Filter, IteratedBox, Kernel, Levels, Naive, Params, Size};

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

/// The distance from a few sharp regions: a disc, a rectangle and a
/// one-pixel horizontal line, placed in proportion to the side.
fn distance_to_regions(n: usize) -> Array2<f32> {
    let at = |fraction: f64| (fraction * n as f64) as usize;
    let (cy, cx, radius) = (at(0.3) as f64, at(0.35) as f64, at(0.1) as f64);
    let mut sharp = Array2::from_shape_fn((n, n), |(y, x)| {
        u8::from((y as f64 - cy).hypot(x as f64 - cx) <= radius)
    });
    sharp.slice_mut(s![at(0.55)..at(0.9), at(0.6)..at(0.75)]).fill(1);
    sharp.slice_mut(s![at(0.75), at(0.1)..at(0.45)]).fill(1);
    varblur::distance(sharp.view(), None).expect("a valid mask")
}

/// The rows' sigmas: (name, the sigma of every pixel, the one sigma of a
/// uniform row).
fn sigmas(n: usize) -> Vec<(String, Array2<f32>, Option<f32>)> {
    let mut out: Vec<(String, Array2<f32>, Option<f32>)> = [1.0f32, 3.0, 10.0, 50.0]
        .iter()
        .map(|&s| (format!("uniform {s}"), Array2::from_elem((n, n), s), Some(s)))
        .collect();
    for top in [6.0f32, 20.0, 200.0] {
        let last = (n.max(2) - 1) as f32;
        let ramp = Array2::from_shape_fn((n, n), |(y, x)| top * (x as f32 + y as f32) / (2.0 * last));
        out.push((format!("ramp 0..{top}"), ramp, None));
    }
    let distances = distance_to_regions(n);
    for (name, scale) in [("30 min(d, 1)", 30.0), ("min(4 d, 30)", 4.0)] {
        let mapping = DistanceToSize::new(scale, 0.0, 30.0).expect("a valid mapping");
        out.push((format!("regions, {name}"), distances.mapv(|d| mapping.size(d)), None));
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
    println!("| image | sigma | `Levels` | `IteratedBox` k = 3 | k = 5 | 3x3 blending |");
    println!("|---|---|---|---|---|---|");
    let cell = |approx: ArrayView2<'_, f64>, exact: ArrayView2<'_, f64>| {
        let (max, rms) = errors(approx, exact);
        format!(" {max:.1e} / {rms:.1e} |")
    };
    for (image_name, image) in images(n) {
        for (sigma_name, sigma, uniform) in sigmas(n) {
            let size = uniform.map_or(Size::map(&sigma), Size::Uniform);
            let params = Params::new(Kernel::Gaussian, size).with_border(Border::Reflect);
            let exact = Naive.apply(image.view(), &params).expect("valid request");
            let mut row = format!("| {image_name} | {sigma_name} |");
            let levels = Levels.apply(image.view(), &params).expect("valid request");
            row += &cell(levels.view(), exact.view());
            for k in [3, 5] {
                let backend = IteratedBox::new(k).expect("a supported box count");
                let approx = backend.apply(image.view(), &params).expect("valid request");
                row += &cell(approx.view(), exact.view());
            }
            let blended = blending::blending_blur(image.view(), sigma.view());
            row += &cell(blended.view(), exact.view());
            println!("{row}");
        }
    }
}
