//! Reading and writing images, size maps and masks: PNG, TIFF and NumPy
//! `.npy`, told by the file's extension.
//!
//! Every reader first reads the header alone ([`read_header`]), so that
//! shapes are checked and memory is counted before any pixel buffer is
//! allocated; [`read_pixels`] then reads the header again, refuses a file
//! that changed since, and allocates exactly what that header says.

use std::fs::File;
use std::io::{BufReader, Seek, Write};
use std::path::Path;

use ndarray::{Array3, ArrayD, Axis, Ix2, Ix3};
use ndarray_npy::npy::header::Header as NpyHeader;
use ndarray_npy::{ReadNpyExt, ReadableElement, WriteNpyExt};
use tiff::decoder::Decoder as TiffDecoder;
use tiff::encoder::{TiffEncoder, TiffKind, colortype};
use tiff::tags::{SampleFormat, Tag};

/// A failure, in words; the caller adds the file's name.
pub type Failure = String;

/// The file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PNG: 8 or 16 bits, gray, gray and alpha, RGB, RGBA (palettes and
    /// lower bit depths are read as 8-bit RGB(A) or gray).
    Png,
    /// TIFF: gray, RGB or RGBA of 8 or 16-bit integers or 32 or 64-bit
    /// floats, interleaved; the first image of the file.
    Tiff,
    /// NumPy `.npy`: (height, width) or (height, width, channels).
    Npy,
}

impl Format {
    /// The format of `path`, from its extension (any case).
    pub fn of(path: &Path) -> Result<Format, Failure> {
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("png") => Ok(Format::Png),
            Some("tif" | "tiff") => Ok(Format::Tiff),
            Some("npy") => Ok(Format::Npy),
            _ => Err("unsupported format: the extension must be .png, .tif, .tiff or .npy".into()),
        }
    }
}

/// The type of a file's samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    U8,
    U16,
    F32,
    F64,
    /// NumPy `bool`, read as `u8` 0 or 1 (masks only).
    Bool,
}

impl Dtype {
    /// Bytes per sample in the file and in memory.
    pub fn bytes(self) -> u64 {
        match self {
            Dtype::U8 | Dtype::Bool => 1,
            Dtype::U16 => 2,
            Dtype::F32 => 4,
            Dtype::F64 => 8,
        }
    }

    /// The name users know it by.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
            Dtype::Bool => "bool",
        }
    }
}

/// What a file's header says: enough to check shapes and count memory
/// before reading the pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub format: Format,
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub dtype: Dtype,
    /// A `.npy` array of shape (height, width): written back without the
    /// channel axis.
    pub flat: bool,
    /// Bytes the decoder holds besides the pixels: a compressed TIFF strip
    /// or tile is read whole before it is expanded, and is at most the file.
    pub scratch: u64,
    /// Bytes of the pixels, height x width x channels x sample size.
    pub bytes: u64,
}

impl Header {
    /// A header whose pixel bytes are counted without overflow, and small
    /// enough to be one allocation.
    fn new(format: Format, shape: (usize, usize, usize), dtype: Dtype, flat: bool) -> Result<Header, Failure> {
        let (height, width, channels) = shape;
        let bytes = [height, width, channels]
            .iter()
            .try_fold(dtype.bytes(), |total, &n| total.checked_mul(n as u64))
            .filter(|&bytes| bytes <= isize::MAX as u64)
            .ok_or_else(|| format!("{height} x {width} x {channels} samples are more than one array can hold"))?;
        if height == 0 || width == 0 || channels == 0 {
            return Err(format!("empty image ({height} x {width} x {channels})"));
        }
        Ok(Header {
            format,
            height,
            width,
            channels,
            dtype,
            flat,
            scratch: 0,
            bytes,
        })
    }

    /// The header of an 8-bit PNG of (height, width, channels) to write.
    pub fn png_u8(shape: (usize, usize, usize)) -> Result<Header, Failure> {
        Header::new(Format::Png, shape, Dtype::U8, false)
    }

    /// Pixels (height x width).
    pub fn pixels(&self) -> u64 {
        self.height as u64 * self.width as u64
    }

    /// "height x width x channels dtype", for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} x {} x {} {}",
            self.height,
            self.width,
            self.channels,
            self.dtype.name()
        )
    }
}

/// Decoded samples, (height, width, channels).
#[derive(Debug, Clone, PartialEq)]
pub enum Pixels {
    U8(Array3<u8>),
    U16(Array3<u16>),
    F32(Array3<f32>),
    F64(Array3<f64>),
}

/// Reads the header of the image, size map or mask at `path`.
pub fn read_header(path: &Path) -> Result<Header, Failure> {
    match Format::of(path)? {
        Format::Png => png_header(&png_reader(path)?),
        Format::Tiff => {
            let (mut decoder, file_len) = tiff_decoder(path)?;
            tiff_header(&mut decoder, file_len)
        }
        Format::Npy => npy_header(path),
    }
}

/// Reads the pixels of the file at `path`, whose header was read as
/// `header`; a file whose header changed since is refused.
pub fn read_pixels(path: &Path, header: &Header) -> Result<Pixels, Failure> {
    let pixels = match header.format {
        Format::Png => read_png(path, header)?,
        Format::Tiff => read_tiff(path, header)?,
        Format::Npy => read_npy(path, header)?,
    };
    Ok(pixels)
}

/// Writes `pixels` to `writer` in `header`'s format, type and shape (the
/// input's). Takes the pixels: a 16-bit PNG is turned to big-endian in place.
pub fn write_pixels<W: Write + Seek>(writer: W, header: &Header, pixels: Pixels) -> Result<(), Failure> {
    match header.format {
        Format::Png => write_png(writer, pixels),
        Format::Tiff => write_tiff(writer, &pixels),
        Format::Npy => write_npy(writer, header, &pixels),
    }
}

fn open(path: &Path) -> Result<File, Failure> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err("is a folder, not a file".into());
    }
    Ok(file)
}

fn changed(found: &Header, planned: &Header) -> Result<(), Failure> {
    if found == planned {
        Ok(())
    } else {
        Err(format!(
            "changed while the run went on: {} now, {} before",
            found.describe(),
            planned.describe()
        ))
    }
}

/// A zeroed buffer of `len` samples; `len` comes from a checked header
/// whose bytes were counted against the memory budget.
fn buffer<T: Clone + Default>(header: &Header) -> Vec<T> {
    vec![T::default(); header.height * header.width * header.channels]
}

fn into_array<T>(header: &Header, data: Vec<T>) -> Result<Array3<T>, Failure> {
    Array3::from_shape_vec((header.height, header.width, header.channels), data)
        .map_err(|e| format!("decoded samples do not fill the image: {e}"))
}

// ---------------------------------------------------------------- PNG

fn png_reader(path: &Path) -> Result<png::Reader<BufReader<File>>, Failure> {
    let mut decoder = png::Decoder::new(BufReader::new(open(path)?));
    // Palettes and bit depths below 8 become 8-bit gray or RGB(A), which
    // blur meaningfully; 16-bit samples stay 16-bit.
    decoder.set_transformations(png::Transformations::EXPAND);
    decoder.read_info().map_err(|e| format!("cannot read PNG: {e}"))
}

fn png_header(reader: &png::Reader<BufReader<File>>) -> Result<Header, Failure> {
    let (color, depth) = reader.output_color_type();
    let dtype = match depth {
        png::BitDepth::Eight => Dtype::U8,
        png::BitDepth::Sixteen => Dtype::U16,
        other => return Err(format!("unsupported PNG bit depth {other:?}")),
    };
    let (width, height) = reader.info().size();
    let header = Header::new(
        Format::Png,
        (height as usize, width as usize, color.samples()),
        dtype,
        false,
    )?;
    if reader.output_buffer_size() != Some(header.bytes as usize) {
        return Err("PNG frame size does not match its header".into());
    }
    Ok(header)
}

fn read_png(path: &Path, header: &Header) -> Result<Pixels, Failure> {
    let mut reader = png_reader(path)?;
    changed(&png_header(&reader)?, header)?;
    let decode = |reader: &mut png::Reader<_>, bytes: &mut [u8]| {
        reader
            .next_frame(bytes)
            .map(|_| ())
            .map_err(|e| format!("cannot decode PNG: {e}"))
    };
    match header.dtype {
        Dtype::U8 => {
            let mut data = buffer::<u8>(header);
            decode(&mut reader, &mut data)?;
            into_array(header, data).map(Pixels::U8)
        }
        Dtype::U16 => {
            let mut data = buffer::<u16>(header);
            decode(&mut reader, bytemuck::cast_slice_mut(&mut data))?;
            // PNG stores 16-bit samples big-endian.
            for sample in &mut data {
                *sample = u16::from_be(*sample);
            }
            into_array(header, data).map(Pixels::U16)
        }
        other => Err(format!("unsupported PNG sample type {}", other.name())),
    }
}

fn write_png<W: Write>(writer: W, pixels: Pixels) -> Result<(), Failure> {
    match pixels {
        Pixels::U8(a) => {
            let a = a.as_standard_layout();
            let bytes = a.as_slice().ok_or("output is not contiguous")?;
            encode_png(writer, a.dim(), png::BitDepth::Eight, bytes)
        }
        Pixels::U16(mut a) => {
            if !a.is_standard_layout() {
                a = a.as_standard_layout().into_owned();
            }
            // PNG stores 16-bit samples big-endian; the output is ours to change.
            a.mapv_inplace(u16::to_be);
            let samples = a.as_slice().ok_or("output is not contiguous")?;
            encode_png(writer, a.dim(), png::BitDepth::Sixteen, bytemuck::cast_slice(samples))
        }
        Pixels::F32(_) | Pixels::F64(_) => Err("PNG holds no floating-point samples".into()),
    }
}

/// Writes PNG rows `bytes` (samples of `depth`, big-endian) of an image of
/// (height, width, channels) `dim`.
fn encode_png<W: Write>(
    writer: W,
    (height, width, channels): (usize, usize, usize),
    depth: png::BitDepth,
    bytes: &[u8],
) -> Result<(), Failure> {
    let color = match channels {
        1 => png::ColorType::Grayscale,
        2 => png::ColorType::GrayscaleAlpha,
        3 => png::ColorType::Rgb,
        4 => png::ColorType::Rgba,
        n => return Err(format!("PNG holds 1 to 4 channels, not {n}")),
    };
    let size = |n: usize| u32::try_from(n).map_err(|_| format!("{n} pixels is too large for PNG"));
    let mut encoder = png::Encoder::new(writer, size(width)?, size(height)?);
    encoder.set_color(color);
    encoder.set_depth(depth);
    // The png crate's fast deflate: a large collection is written at close
    // to disk speed, for files a little larger than the default level's.
    encoder.set_compression(png::Compression::Fast);
    let error = |e: png::EncodingError| format!("cannot write PNG: {e}");
    let mut writer = encoder.write_header().map_err(error)?;
    writer.write_image_data(bytes).map_err(error)?;
    writer.finish().map_err(error)
}

// ---------------------------------------------------------------- TIFF

fn tiff_decoder(path: &Path) -> Result<(TiffDecoder<BufReader<File>>, u64), Failure> {
    let file = open(path)?;
    let file_len = file.metadata().map_err(|e| format!("cannot read: {e}"))?.len();
    let decoder = TiffDecoder::new(BufReader::new(file)).map_err(|e| format!("cannot read TIFF: {e}"))?;
    Ok((decoder, file_len))
}

fn tiff_header(decoder: &mut TiffDecoder<BufReader<File>>, file_len: u64) -> Result<Header, Failure> {
    let error = |e: tiff::TiffError| format!("cannot read TIFF: {e}");
    let (width, height) = decoder.dimensions().map_err(error)?;
    let (channels, bits) = match decoder.colortype().map_err(error)? {
        tiff::ColorType::Gray(bits) => (1, bits),
        tiff::ColorType::RGB(bits) => (3, bits),
        tiff::ColorType::RGBA(bits) => (4, bits),
        other => {
            return Err(format!(
                "unsupported TIFF colour type {other:?} (gray, RGB and RGBA are)"
            ));
        }
    };
    let layout = decoder.image_buffer_layout().map_err(error)?;
    let dtype = match (layout.sample_format, bits) {
        (SampleFormat::Uint, 8) => Dtype::U8,
        (SampleFormat::Uint, 16) => Dtype::U16,
        (SampleFormat::IEEEFP, 32) => Dtype::F32,
        (SampleFormat::IEEEFP, 64) => Dtype::F64,
        (format, bits) => {
            return Err(format!(
                "unsupported TIFF samples: {bits}-bit {format:?} (8 or 16-bit unsigned integers, 32 or 64-bit floats are)"
            ));
        }
    };
    if layout.planes > 1 {
        return Err("unsupported TIFF layout: one plane per channel (only interleaved channels are read)".into());
    }
    let mut header = Header::new(Format::Tiff, (height as usize, width as usize, channels), dtype, false)?;
    if layout.len as u64 != header.bytes {
        return Err("TIFF image size does not match its header".into());
    }
    let compressed = decoder.find_tag_unsigned::<u16>(Tag::Compression).map_err(error)? != Some(1);
    header.scratch = if compressed { file_len } else { 0 };
    Ok(header)
}

fn read_tiff(path: &Path, header: &Header) -> Result<Pixels, Failure> {
    let (mut decoder, file_len) = tiff_decoder(path)?;
    changed(&tiff_header(&mut decoder, file_len)?, header)?;
    // The pixels go to our own buffer; a compressed chunk is at most the file.
    let mut limits = tiff::decoder::Limits::default();
    limits.intermediate_buffer_size = limits.intermediate_buffer_size.max(file_len as usize);
    let mut decoder = decoder.with_limits(limits);
    let mut decode = |bytes: &mut [u8]| {
        decoder
            .read_image_bytes(bytes)
            .map_err(|e| format!("cannot decode TIFF: {e}"))
    };
    match header.dtype {
        Dtype::U8 => {
            let mut data = buffer::<u8>(header);
            decode(&mut data)?;
            into_array(header, data).map(Pixels::U8)
        }
        Dtype::U16 => {
            let mut data = buffer::<u16>(header);
            decode(bytemuck::cast_slice_mut(&mut data))?;
            into_array(header, data).map(Pixels::U16)
        }
        Dtype::F32 => {
            let mut data = buffer::<f32>(header);
            decode(bytemuck::cast_slice_mut(&mut data))?;
            into_array(header, data).map(Pixels::F32)
        }
        Dtype::F64 => {
            let mut data = buffer::<f64>(header);
            decode(bytemuck::cast_slice_mut(&mut data))?;
            into_array(header, data).map(Pixels::F64)
        }
        Dtype::Bool => Err("TIFF holds no bool samples".into()),
    }
}

/// Bytes past which a TIFF is written as BigTIFF: classic TIFF offsets are
/// 32-bit, and the directory and tags follow the pixels.
const BIG_TIFF_BYTES: u64 = u32::MAX as u64 - (16 << 20);

fn write_tiff<W: Write + Seek>(writer: W, pixels: &Pixels) -> Result<(), Failure> {
    let bytes = match pixels {
        Pixels::U8(a) => a.len() as u64,
        Pixels::U16(a) => a.len() as u64 * 2,
        Pixels::F32(a) => a.len() as u64 * 4,
        Pixels::F64(a) => a.len() as u64 * 8,
    };
    let error = |e: tiff::TiffError| format!("cannot write TIFF: {e}");
    if bytes > BIG_TIFF_BYTES {
        write_tiff_image(&mut TiffEncoder::new_big(writer).map_err(error)?, pixels)
    } else {
        write_tiff_image(&mut TiffEncoder::new(writer).map_err(error)?, pixels)
    }
}

fn write_tiff_image<W: Write + Seek, K: TiffKind>(
    encoder: &mut TiffEncoder<W, K>,
    pixels: &Pixels,
) -> Result<(), Failure> {
    /// Writes array `$a` as TIFF colour type gray `$gray`, RGB `$rgb` or
    /// RGBA `$rgba` by its channel count.
    macro_rules! write_array {
        ($a:expr, $gray:ty, $rgb:ty, $rgba:ty) => {{
            let (height, width, channels) = $a.dim();
            let size = |n: usize| u32::try_from(n).map_err(|_| format!("{n} pixels is too wide for TIFF"));
            let (width, height) = (size(width)?, size(height)?);
            let a = $a.as_standard_layout();
            let data = a.as_slice().ok_or("output is not contiguous")?;
            match channels {
                1 => encoder.write_image::<$gray>(width, height, data),
                3 => encoder.write_image::<$rgb>(width, height, data),
                4 => encoder.write_image::<$rgba>(width, height, data),
                n => return Err(format!("TIFF is written with 1, 3 or 4 channels, not {n}")),
            }
        }};
    }
    let written = match pixels {
        Pixels::U8(a) => write_array!(a, colortype::Gray8, colortype::RGB8, colortype::RGBA8),
        Pixels::U16(a) => write_array!(a, colortype::Gray16, colortype::RGB16, colortype::RGBA16),
        Pixels::F32(a) => write_array!(a, colortype::Gray32Float, colortype::RGB32Float, colortype::RGBA32Float),
        Pixels::F64(a) => write_array!(a, colortype::Gray64Float, colortype::RGB64Float, colortype::RGBA64Float),
    };
    written.map_err(|e| format!("cannot write TIFF: {e}"))
}

// ---------------------------------------------------------------- .npy

/// The header of a `.npy` file, checked against the file's length: a header
/// claiming more data than the file holds is refused before any allocation.
fn npy_header(path: &Path) -> Result<Header, Failure> {
    let file = open(path)?;
    let file_len = file.metadata().map_err(|e| format!("cannot read: {e}"))?.len();
    let mut reader = BufReader::new(file);
    let npy = NpyHeader::from_reader(&mut reader).map_err(|e| format!("cannot read .npy header: {e}"))?;
    let data_start = reader.stream_position().map_err(|e| format!("cannot read: {e}"))?;
    let descriptor = npy.type_descriptor.as_string().map(String::as_str).unwrap_or("");
    let dtype = match descriptor {
        "|u1" | "u1" | "B" => Dtype::U8,
        "<u2" | ">u2" => Dtype::U16,
        "<f4" | ">f4" => Dtype::F32,
        "<f8" | ">f8" => Dtype::F64,
        "|b1" => Dtype::Bool,
        _ => {
            return Err(format!(
                "unsupported .npy dtype {} (uint8, uint16, float32, float64, and bool for masks, are)",
                npy.type_descriptor
            ));
        }
    };
    let (shape, flat) = match npy.shape[..] {
        [height, width] => ((height, width, 1), true),
        [height, width, channels] => ((height, width, channels), false),
        _ => {
            return Err(format!(
                "a .npy image is (height, width) or (height, width, channels), not {:?}",
                npy.shape
            ));
        }
    };
    let header = Header::new(Format::Npy, shape, dtype, flat)?;
    let data = file_len.saturating_sub(data_start);
    if data != header.bytes {
        return Err(format!(
            ".npy data is {data} bytes but its header's shape {:?} needs {}",
            npy.shape, header.bytes
        ));
    }
    Ok(header)
}

fn read_npy(path: &Path, header: &Header) -> Result<Pixels, Failure> {
    changed(&npy_header(path)?, header)?;
    let reader = BufReader::new(open(path)?);
    Ok(match header.dtype {
        Dtype::U8 => Pixels::U8(npy_array(reader, header)?),
        Dtype::U16 => Pixels::U16(npy_array(reader, header)?),
        Dtype::F32 => Pixels::F32(npy_array(reader, header)?),
        Dtype::F64 => Pixels::F64(npy_array(reader, header)?),
        Dtype::Bool => Pixels::U8(npy_array::<bool>(reader, header)?.mapv(u8::from)),
    })
}

fn npy_array<T: ReadableElement>(reader: BufReader<File>, header: &Header) -> Result<Array3<T>, Failure> {
    let array = ArrayD::<T>::read_npy(reader).map_err(|e| format!("cannot read .npy: {e}"))?;
    let array = if header.flat {
        array.into_dimensionality::<Ix2>().map(|a| a.insert_axis(Axis(2)))
    } else {
        array.into_dimensionality::<Ix3>()
    };
    array.map_err(|e| format!("cannot read .npy: {e}"))
}

fn write_npy<W: Write>(writer: W, header: &Header, pixels: &Pixels) -> Result<(), Failure> {
    macro_rules! write_array {
        ($a:expr) => {
            if header.flat {
                $a.index_axis(Axis(2), 0).write_npy(writer)
            } else {
                $a.write_npy(writer)
            }
        };
    }
    let written = match pixels {
        Pixels::U8(a) => write_array!(a),
        Pixels::U16(a) => write_array!(a),
        Pixels::F32(a) => write_array!(a),
        Pixels::F64(a) => write_array!(a),
    };
    written.map_err(|e| format!("cannot write .npy: {e}"))
}
