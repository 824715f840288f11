//! A very large image: makes an N x N (default 15000 x 15000) gray `u8`
//! image (`--u16`: `u16`; `--channels C`: C channels) and a smooth radius
//! map 0..128 in code, blurs it with a box
//! (`Auto`, `Clip`; `--gaussian`: the map as sigma, `IteratedBox`;
//! `--levels`: the map as sigma, `Levels`) twice,
//! into a new output buffer and again into the same one (as a collection
//! of images reuses it), and prints both times, throughput, the bytes moved
//! per second beside this machine's memory copy bandwidth, and the
//! process's peak memory.
//!
//! ```sh
//! cargo run --release --example large                       # 15000 x 15000
//! cargo run --release --example large -- --size 4096 --threads 1
//! cargo run --release --example large -- --integer          # radii rounded to integers
//! cargo run --release --example large -- --u8-map           # the map in u8 half-pixel steps
//! cargo run --release --example large -- --gaussian         # the map as sigma 0..128
//! cargo run --release --example large -- --levels           # the same with the `Levels` Gaussian
//! cargo run --release --example large -- --random           # uniform random integer radii 1..=256
//! cargo run --release --example large -- --uniform 16       # one radius for the image (`RunningSum`)
//! cargo run --release --example large -- --rounds 7         # 6 reused-buffer runs: median and fastest
//! cargo run --release --example large -- --channels 3        # u8 RGB
//! cargo run --release --example large -- --u16               # u16 gray
//! ```

use std::process::ExitCode;
use std::time::Instant;

use ndarray::{Array2, Array3};
use varblur::{Auto, Error, Filter, Kernel, Levels, Params, Sample, Size};

const USAGE: &str = "usage: large [--size N] [--threads N] [--rounds N (>= 2)] [--integer] [--u8-map] [--gaussian] [--levels] [--random] [--uniform R] [--u16] [--channels C]";

/// Blurs `image` with `params` into `out` `rounds` times, with `Levels`
/// where `levels` says so and `Auto` otherwise; the seconds of each.
fn blur_rounds<T: Sample>(
    pool: &rayon::ThreadPool,
    levels: bool,
    image: &Array3<T>,
    params: &Params<'_>,
    out: &mut Array3<T>,
    rounds: usize,
) -> Result<Vec<f64>, Error> {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            pool.install(|| {
                if levels {
                    Levels.apply_into(image.view(), params, out.view_mut())
                } else {
                    Auto.apply_into(image.view(), params, out.view_mut())
                }
            })?;
            Ok(start.elapsed().as_secs_f64())
        })
        .collect()
}

/// Peak resident memory of this process, from /proc/self/status (Linux).
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Memory copy bandwidth in GB/s: best of a few copies of a 256 MB buffer.
fn copy_bandwidth() -> f64 {
    let source = vec![1u8; 256 << 20];
    let mut target = vec![0u8; 256 << 20];
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            target.copy_from_slice(&source);
            std::hint::black_box(&target);
            start.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min);
    // A copy reads and writes every byte.
    2.0 * source.len() as f64 / best / 1e9
}

fn main() -> ExitCode {
    let mut size = 15000usize;
    let mut threads = None;
    let mut rounds = 2usize;
    let mut integer = false;
    let mut u8_map = false;
    let mut random = false;
    let mut uniform = None;
    let mut kernel = Kernel::Box;
    let mut levels = false;
    let mut wide_samples = false;
    let mut channels = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--u16" => {
                wide_samples = true;
                continue;
            }
            "--size" | "--threads" | "--rounds" | "--channels" => {
                args.next().and_then(|v| v.parse::<usize>().ok()).filter(|&v| v > 0)
            }
            "--integer" => {
                integer = true;
                continue;
            }
            "--gaussian" => {
                kernel = Kernel::Gaussian;
                continue;
            }
            "--levels" => {
                kernel = Kernel::Gaussian;
                levels = true;
                continue;
            }
            "--u8-map" => {
                u8_map = true;
                continue;
            }
            "--random" => {
                random = true;
                continue;
            }
            "--uniform" => {
                uniform = args.next().and_then(|v| v.parse::<f32>().ok()).filter(|r| *r >= 0.0);
                if uniform.is_none() {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
                continue;
            }
            _ => None,
        };
        match (arg.as_str(), value) {
            ("--size", Some(v)) => size = v,
            ("--threads", Some(v)) => threads = Some(v),
            ("--rounds", Some(v)) if v >= 2 => rounds = v,
            ("--channels", Some(v)) if v <= varblur::MAX_CHANNELS => channels = v,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if random && u8_map {
        eprintln!("large: --random radii reach 256, past a u8 map\n{USAGE}");
        return ExitCode::from(2);
    }
    if uniform.is_some() && (random || u8_map || integer) {
        eprintln!("large: --uniform takes no map options\n{USAGE}");
        return ExitCode::from(2);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .expect("thread pool");
    let n = size;
    // The same pattern in every channel, shifted per channel; `u16`
    // spreads it over the type's range.
    let pattern = |y: usize, x: usize, c: usize| (x * 7 + y * 13 + (x * y) % 31 + c * 85) % 256;
    // A smooth distance-like map: 0 on a diagonal band, growing to 128.
    // Or (`--random`) a uniform random integer radius 1..=256 per pixel
    // (a hash of the position): every window read is a jump.
    let radius_at = |y: usize, x: usize| {
        if random {
            let mut h = (y * n + x) as u64 ^ 0x9e37_79b9_7f4a_7c15;
            h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            return ((h ^ (h >> 31)) % 256 + 1) as f32;
        }
        let d = (x as f32 - y as f32).abs() / n as f32;
        let r = (128.0 * d * 1.5).min(128.0);
        if integer { r.round() } else { r }
    };
    // The map in f32, or (`--u8-map`) in u8 steps of half a pixel: a
    // quarter of the memory, radii 0..127.5.
    let (radii, radii_u8) = if uniform.is_some() {
        (Array2::zeros((0, 0)), Array2::zeros((0, 0)))
    } else if u8_map {
        let steps = Array2::from_shape_fn((n, n), |(y, x)| (radius_at(y, x) * 2.0).round().min(255.0) as u8);
        (Array2::zeros((0, 0)), steps)
    } else {
        (
            Array2::from_shape_fn((n, n), |(y, x)| radius_at(y, x)),
            Array2::zeros((0, 0)),
        )
    };
    let size = if let Some(radius) = uniform {
        Size::Uniform(radius)
    } else if u8_map {
        Size::map_u8(&radii_u8, 0.5)
    } else {
        Size::map(&radii)
    };
    let map_bytes = match (uniform, u8_map) {
        (Some(_), _) => 0.0,
        (None, true) => 1.0,
        (None, false) => 4.0,
    };
    let params = Params::new(kernel, size);
    // Into a new output buffer, whose pages the system maps on the first
    // write (a measurable part of the time on some machines), then
    // (`rounds` - 1 times) into the same buffer again, as a collection of
    // images reuses it.
    let shape = (n, n, channels);
    let seconds = if wide_samples {
        let image = Array3::from_shape_fn(shape, |(y, x, c)| pattern(y, x, c) as u16 * 257);
        blur_rounds(&pool, levels, &image, &params, &mut Array3::zeros(shape), rounds)
    } else {
        let image = Array3::from_shape_fn(shape, |(y, x, c)| pattern(y, x, c) as u8);
        blur_rounds(&pool, levels, &image, &params, &mut Array3::zeros(shape), rounds)
    };
    let seconds = match seconds {
        Ok(seconds) => seconds,
        Err(err) => {
            eprintln!("large: {err}");
            return ExitCode::FAILURE;
        }
    };
    let first_seconds = seconds[0];
    let in_order: Vec<String> = seconds[1..].iter().map(|s| format!("{s:.3}")).collect();
    let mut reused = seconds[1..].to_vec();
    reused.sort_by(f64::total_cmp);
    let fastest = reused[0];
    let seconds = reused[reused.len() / 2];
    // Read before the bandwidth test, whose buffers would count otherwise.
    let peak = peak_memory_mb();
    let bandwidth = copy_bandwidth();
    let pixels = (n * n) as f64;
    // Input and output (a sample per channel each), size map (4, 1 or,
    // uniform, no bytes) per pixel.
    let sample_bytes = if wide_samples { 2.0 } else { 1.0 };
    let data_bytes = pixels * (2.0 * sample_bytes * channels as f64 + map_bytes);
    let moved = data_bytes / seconds / 1e9;
    let radii_kind = match (uniform, random, integer, u8_map) {
        (Some(_), ..) => "uniform",
        (_, true, ..) => "random integer",
        (.., true) => "smooth u8 (steps of 0.5)",
        (_, _, true, _) => "smooth integer",
        _ => "smooth fractional",
    };
    let range = match uniform {
        Some(radius) => format!("{radius}"),
        None if random => "1..=256".to_string(),
        None => "0..128".to_string(),
    };
    println!(
        "image: {n} x {n} {} x {channels}, {}, Clip, {radii_kind} {} map {range}, threads {}",
        if wide_samples { "u16" } else { "u8" },
        match (kernel, levels) {
            (Kernel::Box, _) => "box",
            (_, false) => "gaussian (iterated-box, k = 3)",
            (_, true) => "gaussian (levels)",
        },
        if kernel == Kernel::Box { "radius" } else { "sigma" },
        pool.current_num_threads()
    );
    if reused.len() > 1 {
        println!(
            "time: {seconds:.3} s, median of {} (fastest {fastest:.3} s; all: {}; into a new output buffer: {first_seconds:.3} s)",
            reused.len(),
            in_order.join(" ")
        );
    } else {
        println!("time: {seconds:.3} s (into a new output buffer: {first_seconds:.3} s)");
    }
    println!(
        "throughput: {:.1} Mpx/s (new buffer: {:.1})",
        pixels / seconds / 1e6,
        pixels / first_seconds / 1e6
    );
    println!("bytes moved (input + map + output): {moved:.2} GB/s; memory copy: {bandwidth:.2} GB/s");
    match peak {
        Some(mb) => println!(
            "peak memory: {mb:.0} MB (input + map + output: {:.0} MB)",
            data_bytes / (1 << 20) as f64
        ),
        None => println!("peak memory: unknown (no /proc/self/status)"),
    }
    ExitCode::SUCCESS
}
