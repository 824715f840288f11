//! Decoders shared by the fuzz targets: fuzzer bytes to requests.
//!
//! Values are drawn from small tables of codes rather than raw bits, so that
//! a few bytes reach the interesting values (integers, fractions, huge,
//! NaN, infinities, the type limits) and most requests stay valid.

use arbitrary::{Result, Unstructured};
use varblur::conformance::{Case, CaseSize};
use varblur::kernel::MAX_EXTENT;
use varblur::{Border, Kernel, SampleType};

/// The four sample types.
pub fn sample_type(u: &mut Unstructured<'_>) -> Result<SampleType> {
    Ok(*u.choose(&[SampleType::U8, SampleType::U16, SampleType::F32, SampleType::F64])?)
}

/// Finite size values far beyond any test image, and around [`MAX_EXTENT`].
const HUGE_SIZES: [f32; 12] = [
    1e9,
    1e30,
    4097.0,
    (MAX_EXTENT - 1) as f32,
    MAX_EXTENT as f32,
    (MAX_EXTENT + 256) as f32,
    f32::MAX,
    1e6,
    2_147_483_648.0,
    48.5,
    49.0,
    65_536.5,
];

/// Size values that `Naive`'s validation refuses, and valid corner cases.
const EDGE_SIZES: [f32; 10] = [
    f32::NAN,
    -0.5,
    f32::INFINITY,
    f32::NEG_INFINITY,
    -1e-30,
    f32::MIN,
    // Valid: -0.0 >= 0, and the smallest normal and subnormal values.
    -0.0,
    f32::MIN_POSITIVE,
    1e-45,
    0.999_999_94,
];

/// One size value for `kernel`. Box radii: integers and fractions up to 47,
/// small fractions, huge values. Gaussian sigmas stay below 6 (`Naive`
/// walks every tap, 8 sigma per axis). With `invalid`, NaN, negative and
/// infinite values may appear too.
pub fn size_value(u: &mut Unstructured<'_>, kernel: Kernel, invalid: bool) -> Result<f32> {
    let code: u8 = u.arbitrary()?;
    let code = if invalid { code } else { code % 240 };
    Ok(match (kernel, code) {
        (Kernel::Box, 0..=63) => (code % 48) as f32,
        (Kernel::Box, 64..=191) => (code - 64) as f32 * 0.37,
        (Kernel::Box, 192..=223) => (code - 192) as f32 / 32.0,
        (Kernel::Box, 224..=239) => HUGE_SIZES[(code - 224) as usize % HUGE_SIZES.len()],
        (Kernel::Gaussian, 0..=223) if code % 8 == 0 => (code / 8 % 6) as f32,
        (Kernel::Gaussian, 0..=223) => code as f32 * (5.99 / 223.0),
        (Kernel::Gaussian, 224..=239) => (code - 224) as f32 / 16.0,
        _ => EDGE_SIZES[(code - 240) as usize % EDGE_SIZES.len()],
    })
}

/// Uniform sizes, random maps, smooth ramps, and maps with one odd value.
pub fn case_size(u: &mut Unstructured<'_>, kernel: Kernel, height: usize, width: usize) -> Result<CaseSize> {
    let pixels = height * width;
    Ok(match u.int_in_range(0..=4u8)? {
        0 => CaseSize::Uniform(size_value(u, kernel, true)?),
        1 => CaseSize::Uniform(size_value(u, kernel, false)?),
        2 => CaseSize::Map(
            (0..pixels)
                .map(|_| size_value(u, kernel, false))
                .collect::<Result<_>>()?,
        ),
        3 => {
            let base = size_value(u, kernel, false)?;
            let dy = u.int_in_range(0..=32u8)? as f32 / 16.0;
            let dx = u.int_in_range(0..=32u8)? as f32 / 16.0;
            let round: bool = u.arbitrary()?;
            let cap = if kernel == Kernel::Gaussian { 5.99 } else { f32::MAX };
            CaseSize::Map(
                (0..pixels)
                    .map(|i| {
                        let v = (base + dy * (i / width.max(1)) as f32 + dx * (i % width.max(1)) as f32).min(cap);
                        if round { v.round().min(cap.floor()) } else { v }
                    })
                    .collect(),
            )
        }
        _ => {
            let fill = size_value(u, kernel, false)?;
            let mut map = vec![fill; pixels];
            if pixels > 0 {
                let at = u.choose_index(pixels)?;
                map[at] = size_value(u, kernel, true)?;
            }
            CaseSize::Map(map)
        }
    })
}

/// Non-finite, huge, tiny and signed-zero samples for a float type.
fn float_specials(sample: SampleType) -> [f64; 12] {
    let big = if sample == SampleType::F32 {
        f32::MAX as f64
    } else {
        1e200
    };
    let tiny = if sample == SampleType::F32 {
        1e-45f32 as f64
    } else {
        5e-324
    };
    [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e30,
        -1e30,
        big,
        -big,
        tiny,
        -0.0,
        1e-30f32 as f64,
        16_777_217f32 as f64,
        1.0 / 3.0f32 as f64,
    ]
}

/// `count` samples of `sample`'s type, as `f64` (exact for the type).
/// Floats: multiples of 1/4 in [-31, 30.75] times a per-image scale, with
/// (per image, by chance) a few special values among them.
pub fn samples(u: &mut Unstructured<'_>, sample: SampleType, count: usize) -> Result<Vec<f64>> {
    match sample {
        SampleType::U8 => (0..count).map(|_| Ok(f64::from(u.arbitrary::<u8>()?))).collect(),
        SampleType::U16 => {
            // Worst cases for the integer tables are images at the maximum.
            let saturate: bool = u.arbitrary()?;
            (0..count)
                .map(|_| {
                    let v: u16 = u.arbitrary()?;
                    Ok(f64::from(if saturate && v % 4 != 0 { u16::MAX } else { v }))
                })
                .collect()
        }
        SampleType::F32 | SampleType::F64 => {
            let scale = *u.choose(&[1.0, 1.0 / 256.0, 1e-3, 1000.0, 1e20, 1e-20])?;
            let with_specials: bool = u.arbitrary()?;
            let mut specials = float_specials(sample);
            // A per-image choice of 8 specials out of 12.
            for i in 0..8 {
                let j = u.int_in_range(i..=specials.len() - 1)?;
                specials.swap(i, j);
            }
            (0..count)
                .map(|_| {
                    let code: u8 = u.arbitrary()?;
                    let v = if with_specials && code >= 248 {
                        specials[(code - 248) as usize]
                    } else {
                        (code as f64 - 124.0) / 4.0 * scale
                    };
                    // Round to the sample type, so the value is exact there.
                    Ok(if sample == SampleType::F32 { v as f32 as f64 } else { v })
                })
                .collect()
        }
    }
}

/// A border; the constant is usually a value of the sample type, and
/// sometimes out of its range or not finite (which validation refuses).
pub fn border(u: &mut Unstructured<'_>, sample: SampleType) -> Result<Border> {
    // For f64, +-1e280 rather than +-f64::MAX: the constant times the
    // outside weight of a window (up to 4.6e18) must stay below f64::MAX,
    // or `Naive` and a backend may round to either side of it (docs/DESIGN.md,
    // "Floats"). +-f64::MAX found one real overflow, kept
    // as a regression test.
    let (lowest, highest) = match sample {
        SampleType::F64 => (-1e280, 1e280),
        _ => sample.range(),
    };
    // Out of range for every type but f64, where it is the largest used.
    let large = if sample == SampleType::F64 { highest } else { 1e300 };
    Ok(match u.int_in_range(0..=5u8)? {
        0 => Border::Clip,
        1 => Border::Replicate,
        2 => Border::Reflect,
        3 => Border::Symmetric,
        4 => Border::Wrap,
        _ => {
            let fraction = u.int_in_range(0..=255u8)? as f64 / 255.0;
            let in_range = if sample.is_integer() {
                (fraction * highest).round()
            } else {
                (fraction - 0.5) * 2000.0
            };
            let odd = [
                lowest,
                highest,
                lowest - 1.0,
                highest * 2.0,
                -1.0,
                0.5,
                large,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                1e30,
                -0.0,
            ];
            Border::Constant(if u.ratio(7u8, 8u8)? { in_range } else { *u.choose(&odd)? })
        }
    })
}

/// A whole request for the differential target: any sample type, sides
/// 0..=48, 1..=4 channels, strided and reversed views, any border, box or
/// Gaussian, uniform sizes and maps.
pub fn case(u: &mut Unstructured<'_>) -> Result<Case> {
    let sample = sample_type(u)?;
    let kernel = if u.ratio(3u8, 4u8)? {
        Kernel::Box
    } else {
        Kernel::Gaussian
    };
    let height = u.int_in_range(0..=48usize)?;
    let width = u.int_in_range(0..=48usize)?;
    let channels = u.int_in_range(1..=4usize)?;
    let row_step = u.int_in_range(1..=2usize)?;
    let col_step = u.int_in_range(1..=2usize)?;
    let reversed: bool = u.arbitrary()?;
    let border = border(u, sample)?;
    let size = case_size(u, kernel, height, width)?;
    let samples = samples(u, sample, height * row_step * width * col_step * channels)?;
    Ok(Case {
        sample,
        kernel,
        border,
        shape: [height, width, channels],
        row_step,
        col_step,
        reversed,
        samples,
        size,
    })
}
