//! The command line: clap's derive, and the parsers of the values clap does
//! not know (a border mode, a byte count).

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use varblur::{Border, Kernel};

/// Spatially variable blur of image collections: each pixel blurred by its
/// own size, given once, by a size map, or by the distance from a mask.
#[derive(Parser, Debug)]
#[command(name = "varblur", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Blur images into a folder (PNG, TIFF, .npy; each output in its input's format and type)
    Blur(BlurArgs),
    /// Write demo.png: a mask, the distance from it, the sizes and the result, side by side
    Demo(DemoArgs),
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Folder for demo.png and the picture and mask it is made from (created if missing)
    #[arg(long, value_name = "DIR", default_value = "varblur-demo")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
#[command(
    group(ArgGroup::new("how").required(true).args(["size", "size_map", "mask"])),
    after_help = AFTER_HELP
)]
pub struct BlurArgs {
    /// Images: PNG (8/16-bit gray, gray+alpha, RGB, RGBA), TIFF (8/16-bit or float gray, RGB, RGBA), .npy ((H, W) or (H, W, C) of uint8, uint16, float32, float64)
    #[arg(required = true, value_name = "IMAGES")]
    pub images: Vec<PathBuf>,

    /// Folder for the outputs (created if missing); each keeps its input's file name
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// One size for every pixel: the box radius or the Gaussian sigma
    #[arg(long, value_name = "V", allow_negative_numbers = true, value_parser = parse_size)]
    pub size: Option<f32>,

    /// A size per pixel: one gray map for all images, or a pattern with {stem} found beside each image ('{stem}_size.tif')
    #[arg(long, value_name = "MAP")]
    pub size_map: Option<String>,

    /// Pixels to keep sharp (non-zero) of a one-channel mask: one file for all, or a pattern with {stem} ('{stem}_mask.png'); the size grows with the distance from them
    #[arg(long, value_name = "MASK", requires = "scale")]
    pub mask: Option<String>,

    /// With --mask: size = clamp(A * max(distance - B, 0), 0, M)
    #[arg(long, value_name = "A", allow_negative_numbers = true, value_parser = parse_size)]
    pub scale: Option<f32>,

    /// With --mask: the distance B from the mask within which pixels stay sharp [default: 0]
    #[arg(long, value_name = "B", allow_negative_numbers = true, value_parser = parse_finite)]
    pub offset: Option<f32>,

    /// With --mask: the largest size M [default: no bound: the image's diagonal times A]
    #[arg(long, value_name = "M", allow_negative_numbers = true, value_parser = parse_size)]
    pub max_size: Option<f32>,

    /// The kernel: a box of radius V, or a Gaussian of sigma V
    #[arg(long, value_enum, default_value_t = KernelArg::Box)]
    pub kernel: KernelArg,

    /// What lies outside the image: renormalize (the window's mean over its part inside), nearest, mirror, reflect, wrap, constant=V (scipy.ndimage's names)
    #[arg(long, value_name = "MODE", default_value = "renormalize", value_parser = parse_mode)]
    pub mode: Border,

    /// Images processed at a time, each with all threads [default: as many as fit in --memory, at most one per core]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,

    /// Memory budget for the images, maps and outputs held at once, in bytes or with K, M, G, T (powers of 1024) [default: half the machine's memory]
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub memory: Option<u64>,

    /// Redo images whose output exists (by default they are skipped, so a rerun resumes)
    #[arg(long)]
    pub force: bool,
}

const AFTER_HELP: &str = "\
A MAP or MASK with {stem} is a pattern: {stem} is the image's file name
without its extension, and a relative pattern is taken from the image's
folder ('maps/{stem}.tif' is the maps folder beside the image). Without
{stem} it is one file, used for every image. A map or mask named among
IMAGES is not blurred itself. A gray 8 or 16-bit map holds whole sizes;
float maps any size >= 0.

Each output is written to a hidden temporary file in DIR and renamed when
complete, so an interrupted run leaves no partial output; run the same
command again to resume.

Exit status: 0 when every image was blurred or skipped, 1 when some failed
(each is named on stderr with the reason), 2 for bad arguments.";

/// The kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KernelArg {
    /// Box of radius V
    Box,
    /// Gaussian of sigma V
    Gaussian,
}

impl From<KernelArg> for Kernel {
    fn from(kernel: KernelArg) -> Kernel {
        match kernel {
            KernelArg::Box => Kernel::Box,
            KernelArg::Gaussian => Kernel::Gaussian,
        }
    }
}

fn parse_finite(text: &str) -> Result<f32, String> {
    let value: f32 = text.trim().parse().map_err(|_| format!("'{text}' is not a number"))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(format!("{value} is not finite"))
    }
}

/// A size, scale or bound: finite and >= 0.
fn parse_size(text: &str) -> Result<f32, String> {
    let value = parse_finite(text)?;
    if value >= 0.0 {
        Ok(value)
    } else {
        Err(format!("{value} is negative"))
    }
}

/// A border mode by the Python package's names (scipy.ndimage's where the
/// rule is the same); `constant` alone is `constant=0`.
pub fn parse_mode(text: &str) -> Result<Border, String> {
    let (name, value) = match text.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (text, None),
    };
    let border = match (name, value) {
        ("renormalize", None) => Border::Clip,
        ("nearest", None) => Border::Replicate,
        ("mirror", None) => Border::Reflect,
        ("reflect", None) => Border::Symmetric,
        ("wrap", None) => Border::Wrap,
        ("constant", None) => Border::Constant(0.0),
        ("constant", Some(value)) => {
            let value: f64 = value.trim().parse().map_err(|_| format!("'{value}' is not a number"))?;
            if !value.is_finite() {
                return Err(format!("constant {value} is not finite"));
            }
            Border::Constant(value)
        }
        _ => {
            return Err(format!(
                "unknown mode '{text}'; the modes are renormalize, nearest, mirror, reflect, wrap, constant=V"
            ));
        }
    };
    Ok(border)
}

/// A byte count: a whole number, or a number with K, M, G or T (powers of
/// 1024, an optional "iB" or "B" after).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let upper = trimmed.to_ascii_uppercase();
    let number = upper.trim_end_matches("IB").trim_end_matches('B');
    let (number, unit) = match number.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&number[..i], c),
        _ => (number, ' '),
    };
    let scale: u64 = match unit {
        ' ' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        'T' => 1 << 40,
        _ => return Err(format!("'{text}': the units are K, M, G, T")),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a byte count"))?;
    let bytes = value * scale as f64;
    if bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64 {
        Ok(bytes as u64)
    } else {
        Err(format!("'{text}' is not a byte count >= 1"))
    }
}
