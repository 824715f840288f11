//! The main job on a built-in picture: blur a 2048 x 2048 RGB image with a
//! per-pixel box radius (or Gaussian sigma) that grows with the distance
//! from three sharp discs.
//!
//! Everything is made in code, so the demo needs no input files and shows at
//! a glance what the crate is for (sharp near the discs, blurrier further
//! away), how fast each backend is, and that the fast backends agree with the
//! exact reference.
//!
//! ```sh
//! cargo run --release --example demo               # writes target/demo/*.png
//! cargo run --release --example demo -- --out DIR  # writes DIR/*.png
//! cargo run --release --example demo -- --kernel gaussian
//! ```
//!
//! It writes `input.png`, `radius.png` (the size map: radius 0..48, or
//! sigma 0..16, scaled to 0..255 gray) and `blurred.png`, and prints, per
//! backend that serves the kernel, the best of three
//! timings, the throughput and the largest difference from `Naive` on a
//! 128 x 128 crop where the radius varies. `Naive` costs O(r^2) per pixel, so
//! it is timed on that crop only.

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ndarray::{Array2, Array3, ArrayView3, s};
use varblur::{Backend, Border, Filter, Kernel, Naive, Params, Request, Size, Support};

/// Image side, in pixels.
const SIDE: usize = 2048;
/// Largest blur radius of the box, in pixels.
const MAX_RADIUS: f32 = 48.0;
/// Largest sigma of the Gaussian, in pixels: about as blurry as the box's
/// largest radius (a box of radius r has the spread of a Gaussian of sigma
/// r / sqrt(3)), and its exact reference on the crop stays quick.
const MAX_SIGMA: f32 = 16.0;
/// The sharp regions: (centre x, centre y, radius), in pixels.
const DISCS: [(f32, f32, f32); 3] = [(512.0, 512.0, 160.0), (1400.0, 700.0, 220.0), (800.0, 1500.0, 260.0)];
/// Side of the crop checked against `Naive`.
const CROP: usize = 128;
/// Timed runs per backend; the best one counts.
const RUNS: usize = 3;

const USAGE: &str = "\
usage: demo [--out DIR] [--kernel box|gaussian]

Blurs a built-in 2048 x 2048 RGB picture with a size map that grows with the
distance from three sharp discs (a box radius 0..48, or a Gaussian sigma
0..16), writes input.png, radius.png and blurred.png to DIR (default
target/demo), and prints each backend's time, throughput and largest
difference from the exact Naive reference on a 128 x 128 crop.

options:
  --out DIR        where to write the PNG files (created if missing)
  --kernel KERNEL  box (the default) or gaussian
  --help           print this help";

/// What the command line asks for.
struct Options {
    out_dir: PathBuf,
    kernel: Kernel,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("demo: {message} (see --help)");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("demo: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The options, or `None` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        out_dir: PathBuf::from("target/demo"),
        kernel: Kernel::Box,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--out" => options.out_dir = args.next().ok_or("--out needs a directory")?.into(),
            "--kernel" => {
                options.kernel = match args.next().as_deref() {
                    Some("box") => Kernel::Box,
                    Some("gaussian") => Kernel::Gaussian,
                    other => return Err(format!("--kernel takes box or gaussian, not {other:?}")),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(options))
}

fn run(options: &Options) -> Result<(), Box<dyn Error>> {
    let out_dir = &options.out_dir;
    let (kernel, largest, size_name) = match options.kernel {
        Kernel::Box => ("box", MAX_RADIUS, "radius"),
        Kernel::Gaussian => ("Gaussian", MAX_SIGMA, "sigma"),
    };
    // First, so that an unusable directory fails before the work.
    std::fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let image = test_picture(SIDE);
    let radii = size_map(SIDE, largest);
    let params = Params::new(options.kernel, Size::map(&radii)).with_border(Border::Clip);

    // A crop centred on the right edge of the first disc: sharp on one side,
    // a growing radius on the other. For the Gaussian, a crop further out,
    // where sigmas pass the few pixels that the backends compute with exact
    // taps.
    let (cx, cy, r) = DISCS[0];
    let shift = match options.kernel {
        Kernel::Box => 0,
        Kernel::Gaussian => 2 * CROP,
    };
    let (x0, y0) = ((cx + r) as usize - CROP / 2 + shift, cy as usize - CROP / 2);
    let (rows, cols) = (y0..y0 + CROP, x0..x0 + CROP);
    let crop_radii = radii.slice(s![rows.clone(), cols.clone()]);
    let (lo, hi) = crop_radii
        .iter()
        .fold((f32::INFINITY, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));

    let (reference, naive_time) = best_of(RUNS, || {
        Naive.apply_region(image.view(), &params, rows.clone(), cols.clone())
    })?;

    println!(
        "{SIDE} x {SIDE} RGB u8, {kernel} kernel, Clip border, {size_name} map 0..{largest}; rayon threads: {}",
        rayon::current_num_threads()
    );
    println!(
        "crop checked against naive: rows {rows:?}, cols {cols:?}, {size_name} {lo:.1}..{hi:.1}; best of {RUNS} runs"
    );
    println!();
    println!(
        "{:<22} {:>10} {:>10} {:>22}",
        "backend", "time (ms)", "Mpx/s", "max |diff| vs naive"
    );
    let mut blurred = Array3::zeros(image.dim());
    let request = Request::new::<u8>(&params, [SIDE, SIDE, 3]);
    for backend in Backend::ALL.into_iter().filter(|b| *b != Backend::Naive) {
        // A backend that does not serve the request (RunningSum needs one
        // radius for the whole image, IteratedBox a Gaussian, Integral a
        // box): say so rather than stop.
        if let Support::Unsupported(reason) = backend.support(&request) {
            println!(
                "{:<22} {:>10} {:>10} {:>22}   ({reason})",
                backend.name(),
                "-",
                "-",
                "-"
            );
            continue;
        }
        let ((), time) = best_of(RUNS, || backend.apply_into(image.view(), &params, blurred.view_mut()))?;
        let diff = max_abs_diff(blurred.slice(s![rows.clone(), cols.clone(), ..]), reference.view());
        print_row(backend.name(), time, SIDE * SIDE, &diff.to_string());
    }
    print_row(
        &format!("naive ({CROP}x{CROP} crop)"),
        naive_time,
        CROP * CROP,
        "(reference)",
    );

    // `blurred` holds the last backend's result (auto).
    save_rgb(&image, &out_dir.join("input.png"))?;
    let gray = radii.mapv(|v| (v / largest * 255.0).round() as u8);
    save_gray(&gray, &out_dir.join("radius.png"))?;
    save_rgb(&blurred, &out_dir.join("blurred.png"))?;
    println!();
    println!("wrote input.png, radius.png and blurred.png to {}", out_dir.display());
    Ok(())
}

/// Runs `f` `runs` times; its last result and the shortest time.
fn best_of<T, E>(runs: usize, mut f: impl FnMut() -> Result<T, E>) -> Result<(T, Duration), E> {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = f()?;
        best = best.min(start.elapsed());
        result = Some(value);
    }
    Ok((result.expect("at least one run"), best))
}

fn print_row(name: &str, time: Duration, pixels: usize, diff: &str) {
    let seconds = time.as_secs_f64();
    let mpx_per_s = pixels as f64 / 1e6 / seconds;
    println!("{name:<22} {:>10.1} {mpx_per_s:>10.3} {diff:>22}", seconds * 1e3);
}

fn max_abs_diff(a: ArrayView3<'_, u8>, b: ArrayView3<'_, u8>) -> u8 {
    a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0)
}

/// A picture with sharp detail everywhere, so the blur shows: a colour
/// gradient, a 64-pixel checkerboard and a dark 1-pixel grid every 16 pixels.
fn test_picture(side: usize) -> Array3<u8> {
    let ramp = |t: usize| (t * 255 / (side - 1)) as f32;
    Array3::from_shape_fn((side, side, 3), |(y, x, c)| {
        if x % 16 == 0 || y % 16 == 0 {
            return 16;
        }
        let base = match c {
            0 => ramp(x),
            1 => ramp(y),
            _ => 255.0 - (ramp(x) + ramp(y)) / 2.0,
        };
        let dark = (x / 64 + y / 64) % 2 == 1;
        let value = if dark { 0.3 * base } else { 0.4 * base + 150.0 };
        value.min(255.0) as u8
    })
}

/// The size of every pixel: 0 inside the discs, growing linearly with the
/// Euclidean distance to the nearest disc, up to `largest` at the pixel
/// furthest from every disc. Nearly every size is fractional, the general
/// case (a map clamped at a whole `largest` would mostly time the
/// integer-size case).
fn size_map(side: usize, largest: f32) -> Array2<f32> {
    let distance = Array2::from_shape_fn((side, side), |(y, x)| {
        DISCS
            .iter()
            .map(|&(cx, cy, r)| ((x as f32 - cx).hypot(y as f32 - cy) - r).max(0.0))
            .fold(f32::INFINITY, f32::min)
    });
    let furthest = distance.fold(0.0f32, |m, &d| m.max(d));
    distance.mapv(|d| d / furthest * largest)
}

fn save_rgb(image: &Array3<u8>, path: &Path) -> Result<(), Box<dyn Error>> {
    let (h, w, _) = image.dim();
    let pixels: Vec<u8> = image.iter().copied().collect();
    save_png(path, (w, h), png::ColorType::Rgb, &pixels)
}

fn save_gray(image: &Array2<u8>, path: &Path) -> Result<(), Box<dyn Error>> {
    let (h, w) = image.dim();
    let pixels: Vec<u8> = image.iter().copied().collect();
    save_png(path, (w, h), png::ColorType::Grayscale, &pixels)
}

/// Writes 8-bit `pixels` (rows of `width` pixels of `color`) as a PNG file.
fn save_png(
    path: &Path,
    (width, height): (usize, usize),
    color: png::ColorType,
    pixels: &[u8],
) -> Result<(), Box<dyn Error>> {
    let file = BufWriter::new(File::create(path)?);
    let mut encoder = png::Encoder::new(file, u32::try_from(width)?, u32::try_from(height)?);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(())
}
