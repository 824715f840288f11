//! Blurs a NumPy `.npy` array from the command line, so the crate can be
//! driven from Python (or any tool that writes `.npy`) and timed there,
//! without writing Rust:
//!
//! ```sh
//! cargo run --release --example npy -- IN.npy OUT.npy --kernel box|gaussian \
//!     (--size V | --size-map MAP.npy) [--backend naive|integral|running-sum|iterated-box|levels|auto] \
//!     [--border clip|replicate|reflect|symmetric|wrap|constant=V] [--threads N] [--repeat K]
//! ```
//!
//! IN is (H, W) or (H, W, C) of u8, u16, f32 or f64; MAP is (H, W) of f32 or
//! f64 (f64 is converted to f32). OUT gets IN's dtype and shape (written in C order, little-endian). One JSON
//! line on stdout gives the shape, the dtype and the best of K timed filter
//! runs (file I/O excluded).
//!
//! Any bad input exits with status 2 and a one-line message on stderr, and
//! writes no OUT file: everything, including the library's own checks, is
//! done before OUT is created.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ndarray::{Array2, Array3, ArrayD, ArrayView3, Axis, Ix2, Ix3, IxDyn};
use ndarray_npy::{ReadNpyError, ReadNpyExt, ReadableElement, WritableElement, WriteNpyExt};
use varblur::{Backend, Border, Filter, Kernel, Params, Sample, Size};

const USAGE: &str = "\
usage: npy IN.npy OUT.npy --kernel box|gaussian (--size V | --size-map MAP.npy)
           [--backend naive|integral|running-sum|iterated-box|levels|auto]
           [--border clip|replicate|reflect|symmetric|wrap|constant=V] [--threads N] [--repeat K]

Blurs IN ((H, W) or (H, W, C) of u8, u16, f32 or f64) with a box of radius V
or a Gaussian of sigma V, uniform (--size) or per pixel (--size-map, (H, W) of
f32 or f64), and writes OUT with IN's dtype and shape. Prints one JSON line:
backend, kernel, height, width, channels, dtype, seconds (best of K filter
runs, I/O excluded) and mpx_per_s. Defaults: --backend auto, --border clip,
--repeat 1, rayon's default thread count. Bad input exits with status 2.";

/// The command line, parsed.
#[derive(Debug)]
struct Options {
    input: PathBuf,
    output: PathBuf,
    kernel: Kernel,
    size: SizeArg,
    backend: Backend,
    border: Border,
    threads: Option<usize>,
    repeat: usize,
}

/// `--size V` or `--size-map MAP.npy`.
#[derive(Debug)]
enum SizeArg {
    Uniform(f32),
    Map(PathBuf),
}

/// An input image of any of the supported dtypes.
enum Image {
    U8(ArrayD<u8>),
    U16(ArrayD<u16>),
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
}

/// The outcome of reading a `.npy` file as one element type.
enum Read<T> {
    Array(ArrayD<T>),
    /// The file holds another dtype, with this descriptor.
    OtherType(String),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match parse_args(&args).and_then(|options| run(&options)) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("npy: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut positional = Vec::new();
    let (mut kernel, mut size, mut size_map) = (None, None, None);
    let mut backend = Backend::Auto;
    let mut border = Border::Clip;
    let mut threads = None;
    let mut repeat = 1;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if !arg.starts_with("--") {
            positional.push(PathBuf::from(arg));
            continue;
        }
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--kernel" => kernel = Some(parse_kernel(value()?)?),
            "--size" => size = Some(parse_number::<f32>("--size", value()?)?),
            "--size-map" => size_map = Some(PathBuf::from(value()?)),
            "--backend" => backend = parse_backend(value()?)?,
            "--border" => border = parse_border(value()?)?,
            "--threads" => threads = Some(parse_count("--threads", value()?)?),
            "--repeat" => repeat = parse_count("--repeat", value()?)?,
            _ => return Err(format!("unknown option {arg} (see --help)")),
        }
    }
    let [input, output]: [PathBuf; 2] = positional
        .try_into()
        .map_err(|p: Vec<PathBuf>| format!("expected two paths, IN.npy and OUT.npy; got {} (see --help)", p.len()))?;
    let kernel = kernel.ok_or("missing --kernel box|gaussian (see --help)")?;
    let size = match (size, size_map) {
        (Some(v), None) => SizeArg::Uniform(v),
        (None, Some(path)) => SizeArg::Map(path),
        (None, None) => return Err("missing --size V or --size-map MAP.npy (see --help)".into()),
        (Some(_), Some(_)) => return Err("give --size or --size-map, not both".into()),
    };
    Ok(Options {
        input,
        output,
        kernel,
        size,
        backend,
        border,
        threads,
        repeat,
    })
}

fn parse_kernel(name: &str) -> Result<Kernel, String> {
    match name {
        "box" => Ok(Kernel::Box),
        "gaussian" => Ok(Kernel::Gaussian),
        _ => Err(format!("unknown kernel {name:?} (expected box or gaussian)")),
    }
}

fn parse_backend(name: &str) -> Result<Backend, String> {
    Backend::from_name(name).ok_or_else(|| {
        format!("unknown backend {name:?} (expected naive, integral, running-sum, iterated-box, levels or auto)")
    })
}

fn parse_border(text: &str) -> Result<Border, String> {
    match text {
        "clip" => Ok(Border::Clip),
        "replicate" => Ok(Border::Replicate),
        "reflect" => Ok(Border::Reflect),
        "symmetric" => Ok(Border::Symmetric),
        "wrap" => Ok(Border::Wrap),
        _ => match text.strip_prefix("constant=") {
            Some(value) => Ok(Border::Constant(parse_number("--border constant=V", value)?)),
            None => Err(format!(
                "unknown border {text:?} (expected clip, replicate, reflect, symmetric, wrap or constant=V)"
            )),
        },
    }
}

fn parse_number<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("{what}: {text:?} is not a number"))
}

fn parse_count(what: &str, text: &str) -> Result<usize, String> {
    match text.parse() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{what}: {text:?} is not a whole number >= 1")),
    }
}

/// Runs the whole job, in a pool of `--threads` threads when given.
fn run(options: &Options) -> Result<String, String> {
    match options.threads {
        None => process(options),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| format!("cannot start {n} threads: {e}"))?
            .install(|| process(options)),
    }
}

/// Reads the inputs, blurs, writes OUT; returns the JSON line.
fn process(options: &Options) -> Result<String, String> {
    let image = read_image(&options.input)?;
    let map;
    let size = match &options.size {
        SizeArg::Uniform(v) => Size::Uniform(*v),
        SizeArg::Map(path) => {
            map = read_map(path)?;
            Size::map(&map)
        }
    };
    let params = Params::new(options.kernel, size).with_border(options.border);
    match image {
        Image::U8(a) => blur_and_write(a, "u8", &params, options),
        Image::U16(a) => blur_and_write(a, "u16", &params, options),
        Image::F32(a) => blur_and_write(a, "f32", &params, options),
        Image::F64(a) => blur_and_write(a, "f64", &params, options),
    }
}

/// Reads `path` as an array of `T`, or says which other dtype it holds.
fn read_as<T: ReadableElement>(path: &Path) -> Result<Read<T>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match ArrayD::<T>::read_npy(BufReader::new(file)) {
        Ok(array) => Ok(Read::Array(array)),
        Err(ReadNpyError::WrongDescriptor(descr)) => Ok(Read::OtherType(descr.to_string())),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Reads the input image, trying each supported dtype in turn (a wrong
/// dtype is detected from the header, before any data is read).
fn read_image(path: &Path) -> Result<Image, String> {
    let image = if let Read::Array(a) = read_as(path)? {
        Image::U8(a)
    } else if let Read::Array(a) = read_as(path)? {
        Image::U16(a)
    } else if let Read::Array(a) = read_as(path)? {
        Image::F32(a)
    } else {
        match read_as(path)? {
            Read::Array(a) => Image::F64(a),
            Read::OtherType(descr) => {
                return Err(format!(
                    "{} has dtype {descr}; expected u8, u16, f32 or f64",
                    path.display()
                ));
            }
        }
    };
    let shape = match &image {
        Image::U8(a) => a.shape(),
        Image::U16(a) => a.shape(),
        Image::F32(a) => a.shape(),
        Image::F64(a) => a.shape(),
    };
    if !matches!(shape.len(), 2 | 3) {
        return Err(format!(
            "{} has shape {shape:?}; expected (H, W) or (H, W, C)",
            path.display()
        ));
    }
    Ok(image)
}

/// Reads a (H, W) size map of f32, or of f64 converted to f32.
fn read_map(path: &Path) -> Result<Array2<f32>, String> {
    let map = match read_as::<f32>(path)? {
        Read::Array(a) => a,
        Read::OtherType(_) => match read_as::<f64>(path)? {
            Read::Array(a) => a.mapv(|v| v as f32),
            Read::OtherType(descr) => {
                return Err(format!(
                    "size map {} has dtype {descr}; expected f32 or f64",
                    path.display()
                ));
            }
        },
    };
    let shape = map.shape().to_vec();
    map.into_dimensionality::<Ix2>()
        .map_err(|_| format!("size map {} has shape {shape:?}; expected (H, W)", path.display()))
}

/// Blurs `input` `options.repeat` times, keeping the best time, then writes
/// OUT; nothing is written unless every run succeeded.
fn blur_and_write<T: Sample + WritableElement>(
    input: ArrayD<T>,
    dtype: &str,
    params: &Params<'_>,
    options: &Options,
) -> Result<String, String> {
    let image: ArrayView3<'_, T> = match input.ndim() {
        2 => input
            .view()
            .into_dimensionality::<Ix2>()
            .map(|a| a.insert_axis(Axis(2))),
        _ => input.view().into_dimensionality::<Ix3>(),
    }
    .map_err(|e| e.to_string())?;
    let (height, width, channels) = image.dim();
    let mut out = Array3::<T>::default(image.dim());
    // Start the thread pool's workers now, not inside the first timed run.
    rayon::broadcast(|_| ());
    let mut best = Duration::MAX;
    for _ in 0..options.repeat {
        let start = Instant::now();
        options
            .backend
            .apply_into(image, params, out.view_mut())
            .map_err(|e| e.to_string())?;
        best = best.min(start.elapsed());
    }
    let out = out
        .into_shape_with_order(IxDyn(input.shape()))
        .map_err(|e| e.to_string())?;
    let path = &options.output;
    let file = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    if let Err(e) = out.write_npy(BufWriter::new(file)) {
        // Leave no partial file behind.
        let _ = std::fs::remove_file(path);
        return Err(format!("cannot write {}: {e}", path.display()));
    }

    let seconds = best.as_secs_f64();
    let megapixels = (height * width) as f64 / 1e6;
    let mpx_per_s = if seconds > 0.0 { megapixels / seconds } else { 0.0 };
    let kernel = match params.kernel {
        Kernel::Box => "box",
        Kernel::Gaussian => "gaussian",
    };
    Ok(format!(
        r#"{{"backend":"{}","kernel":"{kernel}","height":{height},"width":{width},"channels":{channels},"dtype":"{dtype}","seconds":{seconds},"mpx_per_s":{mpx_per_s}}}"#,
        options.backend.name()
    ))
}
