//! The `varblur` command run as a process on folders made here: mixed
//! formats, bad files, existing outputs, `--force`, a killed run resumed,
//! bad arguments. Every output is read back with the format crates (not the
//! command's code) and compared bit for bit with the library's result,
//! computed here.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ndarray::{Array2, Array3, ArrayView3, Axis};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use varblur::{Auto, Border, DistanceToSize, Filter, Kernel, Params, Sample, Size};

// ------------------------------------------------------------ helpers

/// A fresh, empty folder for test `name`.
fn folder(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("varblur-command")
        .join(name);
    let _ = fs::remove_dir_all(&path);
    fs::create_dir_all(&path).unwrap();
    path
}

fn varblur(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_varblur")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Deterministic samples: a small xorshift generator.
fn numbers(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

fn random_u8(shape: (usize, usize, usize), seed: u64) -> Array3<u8> {
    let mut next = numbers(seed);
    Array3::from_shape_simple_fn(shape, || next() as u8)
}

fn random_u16(shape: (usize, usize, usize), seed: u64) -> Array3<u16> {
    let mut next = numbers(seed);
    Array3::from_shape_simple_fn(shape, || next() as u16)
}

fn random_f32(shape: (usize, usize, usize), seed: u64) -> Array3<f32> {
    let mut next = numbers(seed);
    Array3::from_shape_simple_fn(shape, || (next() % 100_000) as f32 / 1000.0 - 50.0)
}

fn random_f64(shape: (usize, usize, usize), seed: u64) -> Array3<f64> {
    let mut next = numbers(seed);
    Array3::from_shape_simple_fn(shape, || (next() % 1_000_000) as f64 / 977.0)
}

/// A smooth size map of (height, width), 0 to `max`.
fn ramp(height: usize, width: usize, max: f32) -> Array2<f32> {
    Array2::from_shape_fn((height, width), |(y, x)| max * (x + y) as f32 / (height + width) as f32)
}

fn write_png_u8(path: &Path, image: &Array3<u8>) {
    let (height, width, channels) = image.dim();
    let mut encoder = png::Encoder::new(BufWriter::new(File::create(path).unwrap()), width as u32, height as u32);
    encoder.set_color(png_color(channels));
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(image.as_standard_layout().as_slice().unwrap())
        .unwrap();
    writer.finish().unwrap();
}

fn write_png_u16(path: &Path, image: &Array3<u16>) {
    let (height, width, channels) = image.dim();
    let mut encoder = png::Encoder::new(BufWriter::new(File::create(path).unwrap()), width as u32, height as u32);
    encoder.set_color(png_color(channels));
    encoder.set_depth(png::BitDepth::Sixteen);
    let bytes: Vec<u8> = image.iter().flat_map(|v| v.to_be_bytes()).collect();
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&bytes).unwrap();
    writer.finish().unwrap();
}

fn png_color(channels: usize) -> png::ColorType {
    match channels {
        1 => png::ColorType::Grayscale,
        3 => png::ColorType::Rgb,
        4 => png::ColorType::Rgba,
        _ => panic!("no PNG colour type for {channels} channels in these tests"),
    }
}

/// A PNG read back: 8-bit or 16-bit samples.
#[derive(Debug, PartialEq)]
enum Png {
    U8(Array3<u8>),
    U16(Array3<u16>),
}

fn read_png(path: &Path) -> Png {
    let mut reader = png::Decoder::new(BufReader::new(File::open(path).unwrap()))
        .read_info()
        .unwrap();
    let mut bytes = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut bytes).unwrap();
    let shape = (info.height as usize, info.width as usize, info.color_type.samples());
    match info.bit_depth {
        png::BitDepth::Eight => Png::U8(Array3::from_shape_vec(shape, bytes).unwrap()),
        png::BitDepth::Sixteen => {
            let samples = bytes
                .chunks_exact(2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .collect();
            Png::U16(Array3::from_shape_vec(shape, samples).unwrap())
        }
        other => panic!("unexpected PNG depth {other:?}"),
    }
}

fn write_tiff_u8(path: &Path, image: &Array3<u8>) {
    use tiff::encoder::colortype::{Gray8, RGB8, RGBA8};
    let (height, width, channels) = image.dim();
    let mut encoder = tiff::encoder::TiffEncoder::new(BufWriter::new(File::create(path).unwrap())).unwrap();
    let data = image.as_standard_layout();
    let data = data.as_slice().unwrap();
    match channels {
        1 => encoder.write_image::<Gray8>(width as u32, height as u32, data),
        3 => encoder.write_image::<RGB8>(width as u32, height as u32, data),
        4 => encoder.write_image::<RGBA8>(width as u32, height as u32, data),
        _ => panic!("no TIFF colour type for {channels} channels in these tests"),
    }
    .unwrap();
}

fn write_tiff_u16_rgb(path: &Path, image: &Array3<u16>) {
    let (height, width, _) = image.dim();
    let mut encoder = tiff::encoder::TiffEncoder::new(BufWriter::new(File::create(path).unwrap())).unwrap();
    encoder
        .write_image::<tiff::encoder::colortype::RGB16>(width as u32, height as u32, image.as_slice().unwrap())
        .unwrap();
}

fn write_tiff_f32_gray(path: &Path, image: &Array2<f32>) {
    let (height, width) = image.dim();
    let mut encoder = tiff::encoder::TiffEncoder::new(BufWriter::new(File::create(path).unwrap())).unwrap();
    encoder
        .write_image::<tiff::encoder::colortype::Gray32Float>(width as u32, height as u32, image.as_slice().unwrap())
        .unwrap();
}

/// A TIFF read back: its samples and (height, width).
fn read_tiff(path: &Path) -> (tiff::decoder::DecodingResult, (usize, usize)) {
    let mut decoder = tiff::decoder::Decoder::new(BufReader::new(File::open(path).unwrap())).unwrap();
    let (width, height) = decoder.dimensions().unwrap();
    (decoder.read_image().unwrap(), (height as usize, width as usize))
}

fn write_npy<A: ndarray_npy::WritableElement, D: ndarray::Dimension>(path: &Path, array: &ndarray::Array<A, D>) {
    array.write_npy(BufWriter::new(File::create(path).unwrap())).unwrap();
}

fn read_npy<A: ndarray_npy::ReadableElement, D: ndarray::Dimension>(path: &Path) -> ndarray::Array<A, D> {
    ndarray::Array::<A, D>::read_npy(BufReader::new(File::open(path).unwrap())).unwrap()
}

/// The library's blur with the `Auto` backend, as the command calls it.
fn blurred<T: Sample>(image: &Array3<T>, size: Size<'_>, kernel: Kernel, border: Border) -> Array3<T> {
    Auto.apply(image.view(), &Params::new(kernel, size).with_border(border))
        .unwrap()
}

fn bits_f32(image: ArrayView3<'_, f32>) -> Array3<u32> {
    image.mapv(f32::to_bits)
}

fn bits_f64(image: ArrayView3<'_, f64>) -> Array3<u64> {
    image.mapv(f64::to_bits)
}

/// Files in `dir` whose names say they are partial outputs.
fn partial_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial"))
        .collect()
}

// ------------------------------------------------------------ tests

/// Mixed formats with per-image size maps found by a pattern, given as a
/// shell glob gives them (maps among the images), with a corrupt file, a
/// map of the wrong shape, a map holding NaN, an unsupported type and a
/// header claiming a huge image: the good images are blurred bit for bit as
/// the library does, each bad one is named with its reason, and the exit
/// status is 1.
#[test]
fn mixed_formats_with_bad_files() {
    let dir = folder("mixed");
    let (input, out) = (dir.join("in"), dir.join("out"));
    fs::create_dir_all(&input).unwrap();
    let (h, w) = (23, 31);
    let map = ramp(h, w, 6.5);
    let map_u16 = map.mapv(|v| v.round() as u16).insert_axis(Axis(2));
    let save_map = |stem: &str| write_npy(&input.join(format!("{stem}_size.npy")), &map);

    let rgb8 = random_u8((h, w, 3), 1);
    write_png_u8(&input.join("rgb8.png"), &rgb8);
    save_map("rgb8");
    let gray16 = random_u16((h, w, 1), 2);
    write_png_u16(&input.join("gray16.png"), &gray16);
    // A uint16 map: whole sizes.
    write_npy(
        &input.join("gray16_size.npy"),
        &map_u16.index_axis(Axis(2), 0).to_owned(),
    );
    let rgb16 = random_u16((h, w, 3), 3);
    write_tiff_u16_rgb(&input.join("rgb16.tif"), &rgb16);
    save_map("rgb16");
    let rgba8 = random_u8((h, w, 4), 4);
    write_tiff_u8(&input.join("rgba8.tiff"), &rgba8);
    save_map("rgba8");
    let float = random_f32((h, w, 1), 5);
    write_tiff_f32_gray(&input.join("float.tif"), &float.index_axis(Axis(2), 0).to_owned());
    save_map("float");
    let double = random_f64((h, w, 2), 6);
    write_npy(&input.join("double.npy"), &double);
    save_map("double");
    let flat = random_u8((h, w, 1), 7);
    write_npy(&input.join("flat.npy"), &flat.index_axis(Axis(2), 0).to_owned());
    save_map("flat");

    // The bad ones.
    fs::write(input.join("corrupt.png"), b"\x89PNG\r\n\x1a\n this is not a PNG").unwrap();
    save_map("corrupt");
    write_png_u8(&input.join("wrong.png"), &random_u8((h, w, 1), 8));
    write_npy(&input.join("wrong_size.npy"), &ramp(h + 1, w, 2.0));
    write_png_u8(&input.join("nan.png"), &random_u8((h, w, 1), 9));
    let mut nan_map = map.clone();
    nan_map[[4, 7]] = f32::NAN;
    write_npy(&input.join("nan_size.npy"), &nan_map);
    write_npy(&input.join("int.npy"), &Array2::<i32>::zeros((h, w)));
    save_map("int");
    // A .npy header claiming 100000 x 100000 pixels over a few bytes: refused
    // before anything is allocated.
    let mut huge = b"\x93NUMPY\x01\x00".to_vec();
    let dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (100000, 100000), }";
    let padded = format!("{dict:<117}\n");
    huge.extend_from_slice(&(padded.len() as u16).to_le_bytes());
    huge.extend_from_slice(padded.as_bytes());
    huge.extend_from_slice(&[0; 64]);
    fs::write(input.join("huge.npy"), huge).unwrap();
    save_map("huge");
    // A PNG whose header claims 1000000 x 1000000 RGBA 16-bit pixels.
    fs::write(input.join("giant.png"), giant_png_header()).unwrap();
    save_map("giant");

    // Everything in the folder, maps included, as `in/*` would give them.
    let mut all: Vec<String> = fs::read_dir(&input)
        .unwrap()
        .map(|e| path_str(&e.unwrap().path()).to_string())
        .collect();
    all.sort();
    let mut args = vec!["blur"];
    args.extend(all.iter().map(String::as_str));
    args.extend([
        "--out",
        path_str(&out),
        "--size-map",
        "{stem}_size.npy",
        "--memory",
        "1G",
    ]);
    let run = varblur(&args);
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(run.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");

    // Each bad file is named with its reason.
    let failure = |name: &str| {
        stderr
            .lines()
            .find(|line| line.contains(name))
            .unwrap_or_else(|| panic!("no failure line for {name} in:\n{stderr}"))
            .to_string()
    };
    assert!(failure("corrupt.png").contains("PNG"));
    assert!(failure("wrong_size.npy").contains("24 x 31"));
    assert!(failure("nan.png").contains("NaN"));
    assert!(failure("int.npy").contains("dtype"));
    assert!(failure("huge.npy").contains("bytes"));
    assert!(failure("giant.png").contains("memory"));
    assert!(stdout.contains("7 blurred"), "{stdout}");
    assert!(stdout.contains("6 failed"), "{stdout}");
    for bad in [
        "corrupt.png",
        "wrong.png",
        "nan.png",
        "int.npy",
        "huge.npy",
        "giant.png",
    ] {
        assert!(!out.join(bad).exists(), "{bad} has an output");
    }
    // The maps were not blurred as images.
    assert!(!out.join("rgb8_size.npy").exists());
    assert!(partial_files(&out).is_empty());

    // The outputs, read back by the format crates, are the library's results.
    let (k, b) = (Kernel::Box, Border::Clip);
    let size = || Size::map(&map);
    assert_eq!(read_png(&out.join("rgb8.png")), Png::U8(blurred(&rgb8, size(), k, b)));
    let whole = map_u16.index_axis(Axis(2), 0);
    assert_eq!(
        read_png(&out.join("gray16.png")),
        Png::U16(blurred(&gray16, Size::map_u16(whole, 1.0), k, b))
    );
    let (samples, dim) = read_tiff(&out.join("rgb16.tif"));
    assert_eq!(dim, (h, w));
    let tiff::decoder::DecodingResult::U16(samples) = samples else {
        panic!("rgb16.tif is not 16-bit")
    };
    assert_eq!(samples, blurred(&rgb16, size(), k, b).into_raw_vec_and_offset().0);
    let (samples, _) = read_tiff(&out.join("rgba8.tiff"));
    let tiff::decoder::DecodingResult::U8(samples) = samples else {
        panic!("rgba8.tiff is not 8-bit")
    };
    assert_eq!(samples, blurred(&rgba8, size(), k, b).into_raw_vec_and_offset().0);
    let (samples, _) = read_tiff(&out.join("float.tif"));
    let tiff::decoder::DecodingResult::F32(samples) = samples else {
        panic!("float.tif is not float32")
    };
    let expected = blurred(&float, size(), k, b);
    assert_eq!(
        bits_f32(Array3::from_shape_vec((h, w, 1), samples).unwrap().view()),
        bits_f32(expected.view())
    );
    let double_out: Array3<f64> = read_npy(&out.join("double.npy"));
    assert_eq!(
        bits_f64(double_out.view()),
        bits_f64(blurred(&double, size(), k, b).view())
    );
    let flat_out: Array2<u8> = read_npy(&out.join("flat.npy"));
    assert_eq!(
        flat_out.insert_axis(Axis(2)),
        blurred(&flat, size(), k, b),
        "a (height, width) .npy stays 2-D"
    );
}

/// The header of a PNG of 1000000 x 1000000 RGBA 16-bit pixels, and an
/// empty image data chunk.
fn giant_png_header() -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut bytes = (data.len() as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(kind);
        bytes.extend_from_slice(data);
        let mut crc = !0u32;
        for &byte in kind.iter().chain(data) {
            crc ^= byte as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        bytes.extend_from_slice(&(!crc).to_be_bytes());
        bytes
    }
    let mut header = 1_000_000u32.to_be_bytes().to_vec();
    header.extend_from_slice(&1_000_000u32.to_be_bytes());
    header.extend_from_slice(&[16, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &header));
    png.extend(chunk(b"IDAT", &[]));
    png.extend(chunk(b"IEND", &[]));
    png
}

/// An existing output is skipped (exit 0, left as it was) and `--force`
/// redoes it; one size for all, Gaussian, the border modes by name.
#[test]
fn existing_outputs_are_skipped_unless_forced() {
    let dir = folder("existing");
    let out = dir.join("out");
    fs::create_dir_all(&out).unwrap();
    let image = random_u8((19, 27, 3), 11);
    let (a, b) = (dir.join("a.png"), dir.join("b.png"));
    write_png_u8(&a, &image);
    write_png_u8(&b, &image);
    fs::write(out.join("a.png"), b"an older output").unwrap();

    let args = |force: bool| {
        let mut args = vec!["blur", path_str(&a), path_str(&b), "--out", path_str(&out)];
        args.extend(["--size", "2.5", "--kernel", "gaussian", "--mode", "constant=200"]);
        if force {
            args.push("--force");
        }
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |force| {
        let args = args(force);
        varblur(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let expected = Png::U8(blurred(
        &image,
        Size::Uniform(2.5),
        Kernel::Gaussian,
        Border::Constant(200.0),
    ));

    let first = run(false);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("1 blurred, 1 skipped"),
        "{}",
        text(&first.stdout)
    );
    assert_eq!(fs::read(out.join("a.png")).unwrap(), b"an older output");
    assert_eq!(read_png(&out.join("b.png")), expected);

    let forced = run(true);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    assert!(text(&forced.stdout).contains("2 blurred, 0 skipped"));
    assert_eq!(read_png(&out.join("a.png")), expected);
    assert_eq!(read_png(&out.join("b.png")), expected);
    assert!(partial_files(&out).is_empty());

    // Another mode by its Python name, on the same image.
    let mirrored = varblur(&[
        "blur",
        path_str(&a),
        "--out",
        path_str(&dir.join("mirror")),
        "--size",
        "3",
        "--mode",
        "reflect",
    ]);
    assert_eq!(mirrored.status.code(), Some(0));
    assert_eq!(
        read_png(&dir.join("mirror").join("a.png")),
        Png::U8(blurred(&image, Size::Uniform(3.0), Kernel::Box, Border::Symmetric))
    );
}

/// Every border mode by the Python package's name is the library's border:
/// `renormalize` is `Clip`, scipy.ndimage's `nearest`, `mirror`, `reflect`
/// and `wrap` are `Replicate`, `Reflect`, `Symmetric` and `Wrap`.
#[test]
fn modes_have_the_python_packages_names() {
    let dir = folder("modes");
    let image = random_u16((9, 14, 1), 51);
    let path = dir.join("gray.png");
    write_png_u16(&path, &image);
    let modes = [
        ("renormalize", Border::Clip),
        ("nearest", Border::Replicate),
        ("mirror", Border::Reflect),
        ("reflect", Border::Symmetric),
        ("wrap", Border::Wrap),
        ("constant", Border::Constant(0.0)),
        ("constant=40000", Border::Constant(40000.0)),
    ];
    for (i, (mode, border)) in modes.into_iter().enumerate() {
        let out = dir.join(format!("out{i}"));
        let run = varblur(&[
            "blur",
            path_str(&path),
            "--out",
            path_str(&out),
            "--size",
            "4.5",
            "--mode",
            mode,
            "--memory",
            "1.5G",
        ]);
        assert_eq!(run.status.code(), Some(0), "{mode}: {}", text(&run.stderr));
        let expected = blurred(&image, Size::Uniform(4.5), Kernel::Box, border);
        assert_eq!(read_png(&out.join("gray.png")), Png::U16(expected), "{mode}");
    }
}

/// `--mask` with a pattern: the distance from the mask's non-zero pixels,
/// mapped to sizes, as the library's one call does; one mask file for all
/// images too.
#[test]
fn mask_gives_the_librarys_blur_by_distance() {
    let dir = folder("mask");
    let out = dir.join("out");
    let (h, w) = (37, 29);
    let image = random_u16((h, w, 3), 21);
    let mut mask = Array3::<u8>::zeros((h, w, 1));
    mask[[5, 6, 0]] = 255;
    mask[[30, 20, 0]] = 1;
    for x in 10..20 {
        mask[[15, x, 0]] = 9;
    }
    write_png_u16(&dir.join("photo.png"), &image);
    write_png_u8(&dir.join("photo_mask.png"), &mask);
    let gray = random_f32((h, w, 1), 22);
    write_npy(&dir.join("plain.npy"), &gray);
    write_npy(
        &dir.join("plain_mask.npy"),
        &mask.index_axis(Axis(2), 0).mapv(|v| v != 0),
    );

    let run_with = |image: &str, pattern: &str| {
        varblur(&[
            "blur",
            path_str(&dir.join(image)),
            "--out",
            path_str(&out),
            "--mask",
            pattern,
            "--scale",
            "0.5",
            "--offset",
            "2",
            "--max-size",
            "6",
            "--kernel",
            "gaussian",
        ])
    };
    // A uint8 PNG mask, then a bool .npy mask.
    for (image, pattern) in [("photo.png", "{stem}_mask.png"), ("plain.npy", "{stem}_mask.npy")] {
        let run = run_with(image, pattern);
        assert_eq!(run.status.code(), Some(0), "{image}: {}", text(&run.stderr));
    }
    // A pattern is a file name: '*' is no wildcard.
    let run = run_with("photo.png", "{stem}_mask.*");
    assert_eq!(run.status.code(), Some(0), "the output exists: skipped");
    fs::remove_file(out.join("photo.png")).unwrap();
    let run = run_with("photo.png", "{stem}_mask.*");
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run.stderr).contains("photo_mask.*"), "{}", text(&run.stderr));
    let run = run_with("photo.png", "{stem}_mask.png");
    assert_eq!(run.status.code(), Some(0));

    let mapping = DistanceToSize::new(0.5, 2.0, 6.0).unwrap();
    let plane = mask.index_axis(Axis(2), 0);
    let expected: Array3<u16> =
        varblur::blur_by_distance(&image, &plane, mapping, Kernel::Gaussian, Border::Clip).unwrap();
    assert_eq!(read_png(&out.join("photo.png")), Png::U16(expected));
    let expected: Array3<f32> =
        varblur::blur_by_distance(&gray, &plane, mapping, Kernel::Gaussian, Border::Clip).unwrap();
    let plain: Array3<f32> = read_npy(&out.join("plain.npy"));
    assert_eq!(bits_f32(plain.view()), bits_f32(expected.view()));

    // One mask file for every image; --max-size left out: no bound.
    let single = dir.join("single");
    let run = varblur(&[
        "blur",
        path_str(&dir.join("photo.png")),
        "--out",
        path_str(&single),
        "--mask",
        path_str(&dir.join("photo_mask.png")),
        "--scale",
        "0.25",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let diagonal = ((h * h + w * w) as f64).sqrt();
    let mapping = DistanceToSize::new(0.25, 0.0, (0.25 * diagonal) as f32).unwrap();
    let expected: Array3<u16> = varblur::blur_by_distance(&image, &plane, mapping, Kernel::Box, Border::Clip).unwrap();
    assert_eq!(read_png(&single.join("photo.png")), Png::U16(expected));
}

/// Bad arguments exit with 2 (clap's usage errors and the command's own),
/// before any output is written.
#[test]
fn bad_arguments_exit_with_2() {
    let dir = folder("arguments");
    let image = dir.join("a.png");
    write_png_u8(&image, &random_u8((8, 8, 1), 31));
    let other = dir.join("other");
    fs::create_dir_all(&other).unwrap();
    write_png_u8(&other.join("a.png"), &random_u8((8, 8, 1), 32));
    let out = dir.join("out");
    let other_image = other.join("a.png");
    let (image, out_s) = (path_str(&image), path_str(&out));
    let cases: Vec<Vec<&str>> = vec![
        vec!["blur", image, "--size", "2"],
        vec!["blur", "--out", out_s, "--size", "2"],
        vec!["blur", image, "--out", out_s],
        vec!["blur", image, "--out", out_s, "--size", "2", "--size-map", "m.tif"],
        vec!["blur", image, "--out", out_s, "--mask", "m.png"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--scale", "1"],
        vec!["blur", image, "--out", out_s, "--size", "-1"],
        vec!["blur", image, "--out", out_s, "--size", "nan"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--mode", "clip"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--mode", "constant=x"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--kernel", "disk"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--jobs", "0"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--memory", "lots"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--memory", "0"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--memory", "-1G"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--memory", "2X"],
        vec!["blur", image, "--out", out_s, "--size", "2", "--offset", "1"],
        vec!["blur", image, "--out", out_s, "--mask", "m.png", "--scale", "-2"],
        vec!["shrink", image, "--out", out_s, "--size", "2"],
        // The output would replace the input.
        vec!["blur", image, "--out", path_str(&dir), "--size", "2", "--force"],
        // Two inputs, one output name.
        vec!["blur", image, path_str(&other_image), "--out", out_s, "--size", "2"],
    ];
    for case in cases {
        let run = varblur(&case);
        assert_eq!(run.status.code(), Some(2), "{case:?}: {}", text(&run.stderr));
        assert!(!text(&run.stderr).is_empty(), "{case:?}");
        assert!(!out.join("a.png").exists(), "{case:?} wrote an output");
    }
    let help = varblur(&["blur", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("--size-map"));
}

/// A run killed while it writes leaves complete outputs or none under the
/// final names, and the same command run again completes the rest.
#[test]
fn killed_run_resumes() {
    let dir = folder("killed");
    let (input, out) = (dir.join("in"), dir.join("out"));
    fs::create_dir_all(&input).unwrap();
    let side = 2000;
    let image = random_u8((side, side, 3), 41);
    let radius = ramp(side, side, 12.0);
    let first = input.join("img0.tif");
    write_tiff_u8(&first, &image);
    write_tiff_f32_gray(&input.join("radius.tif"), &radius);
    let count = 8;
    let mut paths = vec![first.clone()];
    for i in 1..count {
        let path = input.join(format!("img{i}.tif"));
        fs::copy(&first, &path).unwrap();
        paths.push(path);
    }
    let radius_path = input.join("radius.tif");
    let mut args: Vec<&str> = vec!["blur"];
    args.extend(paths.iter().map(|p| path_str(p)));
    args.extend([
        "--out",
        path_str(&out),
        "--size-map",
        path_str(&radius_path),
        "--jobs",
        "1",
    ]);

    let mut child = Command::new(env!("CARGO_BIN_EXE_varblur"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let names: Vec<String> = (0..count).map(|i| format!("img{i}.tif")).collect();
    let finished = || names.iter().filter(|name| out.join(name).exists()).count();
    let start = Instant::now();
    while finished() == 0 && start.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = finished();
    assert!(before >= 1 && before < count, "{before} of {count} outputs when killed");

    let expected = blurred(&image, Size::map(&radius), Kernel::Box, Border::Clip)
        .into_raw_vec_and_offset()
        .0;
    let complete = |name: &str| {
        let (samples, dim) = read_tiff(&out.join(name));
        dim == (side, side) && matches!(samples, tiff::decoder::DecodingResult::U8(ref s) if *s == expected)
    };
    for name in names.iter().filter(|name| out.join(name).exists()) {
        assert!(complete(name), "{name} is not complete after the kill");
    }

    let rerun = varblur(&args);
    let stdout = text(&rerun.stdout);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun.stderr));
    assert!(
        stdout.contains(&format!("{} blurred, {before} skipped", count - before)),
        "{stdout}"
    );
    for name in &names {
        assert!(complete(name), "{name} is not complete after the rerun");
    }
    assert!(partial_files(&out).is_empty(), "{:?}", partial_files(&out));
}

/// `varblur demo` writes the picture, its mask, and one PNG of four panels
/// whose last is the library's blur of that picture by the distance from
/// that mask.
#[test]
fn demo_shows_the_librarys_result() {
    let dir = folder("demo");
    let run = varblur(&["demo", "--out", path_str(&dir)]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let Png::U8(picture) = read_png(&dir.join("picture.png")) else {
        panic!("picture.png is not 8-bit")
    };
    let Png::U8(mask) = read_png(&dir.join("picture_mask.png")) else {
        panic!("picture_mask.png is not 8-bit")
    };
    let Png::U8(sheet) = read_png(&dir.join("demo.png")) else {
        panic!("demo.png is not 8-bit")
    };
    let (side, width, _) = picture.dim();
    assert_eq!(sheet.dim().0, side);
    let result = sheet.slice(ndarray::s![.., sheet.dim().1 - width.., ..]);
    let mapping = DistanceToSize::new(0.25, 0.0, 12.0).unwrap();
    let expected: Array3<u8> = varblur::blur_by_distance(
        &picture,
        &mask.index_axis(Axis(2), 0),
        mapping,
        Kernel::Box,
        Border::Clip,
    )
    .unwrap();
    assert_eq!(result, expected);
}
