//! The exactness limits of the integer tables and sums (docs/DESIGN.md,
//! "Table widths"), hit on both sides of every switch for every exact backend
//! and integer sample type, with worst-case images: every sample at the
//! type's maximum and windows covering the whole image (or, with the
//! borders that read image pixels outside it, far more), where the exact result is that
//! maximum everywhere. Random images at the same switches are held to
//! `Naive` by the conformance kit's rules: bit-identical for integer radii
//! while `Naive`'s own f64 sums are exact, within 1 LSB otherwise.

use crate::common::Numbers;
use ndarray::{Array2, Array3};
use varblur::conformance::{Case, CaseSize, check_case};
use varblur::{Backend, Border, Filter, Kernel, Params, Request, Sample, SampleType, Size, Support};

/// The backends other than `Naive` that answer exact for `params` on an
/// image of `shape` and type `T`.
fn exact_backends<T: Sample>(params: &Params<'_>, shape: [usize; 3]) -> Vec<Backend> {
    let request = Request::new::<T>(params, shape);
    Backend::ALL
        .into_iter()
        .filter(|b| *b != Backend::Naive && b.support(&request) == Support::Exact)
        .collect()
}

/// `border` with a constant at the type's maximum (the range validation allows).
fn at_max<T: Sample>(border: Border) -> Border {
    match border {
        Border::Constant(_) => Border::Constant(T::TYPE.range().1),
        other => other,
    }
}

/// Every exact backend gives the type's maximum everywhere on an image of
/// `height` x `width` at that maximum, with a box of `radius`.
fn assert_all_max<T: Sample>(height: usize, width: usize, border: Border, radius: f32) {
    let max = T::from_f64(T::MAX);
    let image = Array2::from_elem((height, width), max);
    let params = Params::new(Kernel::Box, Size::Uniform(radius)).with_border(at_max::<T>(border));
    let backends = exact_backends::<T>(&params, [height, width, 1]);
    assert!(backends.contains(&Backend::Integral) && backends.contains(&Backend::RunningSum));
    for backend in backends {
        let out = backend.apply(image.view(), &params).unwrap();
        let wrong = out.iter().filter(|&&v| v != max).count();
        assert_eq!(
            wrong,
            0,
            "{}: {height} x {width} {border:?} radius {radius}: {wrong} pixels differ from {max:?}",
            backend.name()
        );
    }
}

#[test]
fn u16_4096_square_at_max_with_huge_radius_is_exact() {
    // The case: 2^24 pixels at 65535, one window over the whole image
    // (sums of 1.1e12: u64 tables and sums).
    assert_all_max::<u16>(4096, 4096, Border::Clip, 1e9);
}

#[test]
fn u8_at_the_u32_switch_is_exact() {
    // A band of 4096 rows (the whole image, radius 1e9) by 4112 columns at
    // 255 sums to 4_294_901_760 <= u32::MAX: the last width with u32 tables
    // and u32 running sums. One column more needs u64.
    assert_eq!(4096u64 * 4112 * 255, 4_294_901_760);
    assert!(4096u64 * 4113 * 255 > u32::MAX as u64);
    for width in [4112, 4113] {
        assert_all_max::<u8>(4096, width, Border::Clip, 1e9);
    }
}

#[test]
fn u16_at_the_u32_switch_is_exact() {
    // 65_537 x 65_535 = u32::MAX: 65_537 pixels of a window or a band fit.
    for border in [Border::Clip, Border::Constant(0.0)] {
        for (height, width) in [(1, 65_537), (1, 65_538), (256, 256), (256, 257), (65_537, 1)] {
            assert_all_max::<u16>(height, width, border, 1e9);
        }
    }
}

#[test]
fn u16_clip_windows_at_the_u32_window_switch_are_exact() {
    // `Clip` windows of 255 x 255 pixels at 65535 sum to 4_261_413_375 <=
    // u32::MAX, so radius 127 (and 126.5, whose n + 1 window is as wide)
    // keeps `Integral`'s tables u32, whose entries wrap over a band of 300
    // x 300 pixels; 127.5 and 128 need 257 x 257 pixels, past u32.
    assert!(255u64 * 255 * 65535 <= u32::MAX as u64);
    assert!(257u64 * 257 * 65535 > u32::MAX as u64);
    for radius in [126.0, 126.5, 127.0, 127.5, 128.0] {
        assert_all_max::<u16>(300, 300, Border::Clip, radius);
    }
}

#[test]
fn u16_clip_bands_past_u32_agree_with_naive() {
    // Bands of more than 65_537 pixels (entries past u32::MAX, wrapping)
    // with small windows: the runs (a map of long stretches of one
    // radius, whole and fractional), the row plan and the fractional pass
    // (random radii), one and three channels, a strided view.
    let mut numbers = Numbers(0x6a09_e667_u64);
    let mut next = move || numbers.next();
    for (shape, row_step) in [([3, 30_000, 1], 1), ([2, 17_000, 3], 2)] {
        let [height, width, channels] = shape;
        let count = height * row_step * width * channels;
        let samples: Vec<f64> = (0..count).map(|i| (noise(i) * 65536.0).floor()).collect();
        let stretches = (0..height * width).map(|i| ((i % width) / 200 % 9) as f32 * 0.75);
        let random = (0..height * width).map(|_| (next() % 41) as f32 / 4.0);
        for size in [stretches.collect(), random.collect()].map(CaseSize::Map) {
            let case = Case {
                sample: SampleType::U16,
                kernel: Kernel::Box,
                border: Border::Clip,
                shape,
                row_step,
                col_step: 1,
                reversed: false,
                samples: samples.clone(),
                size,
            };
            if let Err(failure) = check_case(&Backend::ALL, &case, None) {
                panic!("{failure}");
            }
        }
    }
}

/// `Integral`'s `u16` radii on both sides of its `u32` switch: windows of
/// 255 x 255 positions at 65535 sum to at most u32::MAX (radius 127, and
/// 126.5, whose n + 1 window is as wide); 127.5 and 128 read 257 x 257.
const U16_WINDOW_RADII: [f32; 5] = [126.0, 126.5, 127.0, 127.5, 128.0];

/// Every border but `Clip`, with a constant a `u16` table holds (the
/// type's maximum) and one it does not (a fraction).
const U16_OUTSIDE_BORDERS: [Border; 6] = [
    Border::Replicate,
    Border::Reflect,
    Border::Symmetric,
    Border::Wrap,
    Border::Constant(65535.0),
    Border::Constant(0.5),
];

/// `Integral` on a random `u16` image of `shape`, samples from `floor` to
/// 65535, with `size` under `border`, held to `Naive` by the kit's rules
/// (bit-identical for integer radii).
fn integral_agrees_on_u16(shape: [usize; 3], floor: f64, border: Border, size: CaseSize) {
    let [height, width, channels] = shape;
    let case = Case {
        sample: SampleType::U16,
        kernel: Kernel::Box,
        border,
        shape,
        row_step: 1,
        col_step: 1,
        reversed: false,
        samples: (0..height * width * channels)
            .map(|i| (floor + noise(i + 5) * (65536.0 - floor)).floor())
            .collect(),
        size,
    };
    if let Err(failure) = check_case(&[Backend::Integral], &case, Some(0.0)) {
        panic!("{failure}");
    }
}

#[test]
fn u16_border_windows_at_the_u32_window_switch_agree_with_naive() {
    // Tables whose u32 entries wrap, with windows just within and just
    // past u32 (the tables switch to u64 there).
    let mut numbers = Numbers(0xbb67_ae85_u64);
    for border in U16_OUTSIDE_BORDERS {
        // Three rows: every window leaves the table's rows and is read as
        // the border rule's terms; 3 x 30_000 samples of at least 49_152
        // sum past u32::MAX. One radius (rows combined once per row), and
        // maps of a radius and smaller ones (each pixel's terms).
        let shape = [3, 30_000, 1];
        let (floor, pixels) = (49_152.0, 3 * 30_000);
        assert!(pixels as f64 * floor > u32::MAX as f64);
        integral_agrees_on_u16(shape, floor, border, CaseSize::Uniform(127.0));
        for largest in [126.5, 127.5] {
            let choices = [largest, largest - 0.5, largest - 1.0, 90.0];
            let map = (0..pixels).map(|_| choices[(numbers.next() % 4) as usize]).collect();
            integral_agrees_on_u16(shape, floor, border, CaseSize::Map(map));
        }
        // 256 rows: tables extended past the edges (the borders that read
        // outside, the constant they hold) of 510 x 554 samples, small
        // radii with a few windows of the radius.
        for radius in U16_WINDOW_RADII {
            let (height, width) = (256, 300);
            let mut map: Vec<f32> = (0..height * width).map(|i| (i % 7) as f32 * 0.5).collect();
            for _ in 0..6 {
                map[(numbers.next() % (height * width) as u64) as usize] = radius;
            }
            integral_agrees_on_u16([height, width, 1], 0.0, border, CaseSize::Map(map));
        }
    }
}

#[test]
fn u16_strips_of_different_table_widths_agree_with_naive() {
    // Strips of 256 rows (the image's largest radius is 128) of 200
    // columns: the first strip's largest window needs u64, the second's
    // and third's (radius 127, 100.5) fit u32, over bands of 512 x 200
    // samples of at least 49_152 (past u32::MAX: entries wrap); each
    // strip's means must not depend on another's table.
    let (height, width) = (600, 200);
    assert!(512.0 * 200.0 * 49_152.0 > u32::MAX as f64);
    let smooth = |y: usize, x: usize| ((y as f32 * 0.05).sin() * (x as f32 * 0.07).cos()).abs() * 8.0;
    let mut map: Vec<f32> = (0..height * width).map(|i| smooth(i / width, i % width)).collect();
    for (y, x, radius) in [(100, 50, 128.0), (400, 100, 127.0), (550, 150, 100.5)] {
        map[y * width + x] = radius;
    }
    for border in U16_OUTSIDE_BORDERS.into_iter().chain([Border::Clip]) {
        integral_agrees_on_u16([height, width, 1], 49_152.0, border, CaseSize::Map(map.clone()));
    }
}

#[test]
fn u16_radii_on_both_sides_of_the_exact_quotients_reach_agree_with_naive() {
    // Windows of radius 90 (181 x 181 at 65535) sum below 2^31, where
    // integer radii take the exact quotient and fractional ones (up to
    // 89.5, whose n + 1 window is as wide) the f32 blend; 91 and 90.5 pass
    // it and take f64. Stretches of each in one strip (runs of both
    // arithmetics in one row) and single pixels of each between them.
    let (height, width) = (100, 240);
    let radii = [90.0, 91.0, 89.5, 90.5, 89.0, 91.5];
    let mut numbers = Numbers(0x5be0_cd19_u64);
    for border in [Border::Clip, Border::Replicate, Border::Constant(65535.0)] {
        let map = (0..height * width)
            .map(|i| {
                let (y, x) = (i / width, i % width);
                if x % 50 < 30 {
                    radii[(x / 50 + y / 9) % radii.len()]
                } else {
                    radii[(numbers.next() % radii.len() as u64) as usize]
                }
            })
            .collect();
        integral_agrees_on_u16([height, width, 1], 32_768.0, border, CaseSize::Map(map));
    }
}

/// Radii on both sides of `RunningSum`'s switches for windows that leave
/// the image ((2n + 3)^2 positions): u32 to u64, and u64 to f64.
const U8_RADII: [f32; 7] = [2050.0, 2050.5, 2051.0, 134_480_640.0, 134_480_656.0, 1e9, 1e30];
const U16_RADII: [f32; 7] = [126.0, 126.5, 127.0, 8_388_670.0, 8_388_671.0, 1e9, 1e30];

#[test]
fn border_extended_windows_are_exact_on_both_sides_of_each_switch() {
    for border in [Border::Replicate, Border::Reflect, Border::Symmetric, Border::Wrap] {
        for radius in U8_RADII {
            assert_all_max::<u8>(5, 7, border, radius);
            assert_all_max::<u8>(1, 3, border, radius);
        }
        for radius in U16_RADII {
            assert_all_max::<u16>(5, 7, border, radius);
            assert_all_max::<u16>(6, 1, border, radius);
        }
    }
}

#[test]
fn border_extended_huge_windows_are_exact() {
    // Windows of (2 * 2^30 + 1)^2 positions: sums near 2^78, held in i128
    // (Integral) or f64 (RunningSum).
    let borders = [
        Border::Replicate,
        Border::Reflect,
        Border::Constant(0.0),
        Border::Symmetric,
        Border::Wrap,
    ];
    for border in borders {
        assert_all_max::<u16>(37, 53, border, 1e9);
        assert_all_max::<u8>(1, 7, border, 1e30);
        assert_all_max::<u16>(64, 1, border, 3e5);
    }
}

/// A deterministic pseudo-random value in [0, 1).
fn noise(i: usize) -> f64 {
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) ^ 0xD1B5_4A32_D192_ED03;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn random_images_at_each_switch_agree_with_naive() {
    // Bit-identical to Naive for integer radii where Naive's f64 sums are
    // exact ((2n + 1)^2 x max < 2^53), within 1 LSB beyond and for
    // fractional radii: the kit's exact bound.
    for (sample, radii, max) in [(SampleType::U8, U8_RADII, 255.0), (SampleType::U16, U16_RADII, 65535.0)] {
        for border in [Border::Replicate, Border::Reflect, Border::Symmetric, Border::Wrap] {
            for radius in radii {
                let (h, w, c) = (6, 9, 2);
                let case = Case {
                    sample,
                    kernel: Kernel::Box,
                    border,
                    shape: [h, w, c],
                    row_step: 1,
                    col_step: 1,
                    reversed: false,
                    samples: (0..h * w * c).map(|i| (noise(i + 17) * max).floor()).collect(),
                    size: CaseSize::Uniform(radius),
                };
                if let Err(failure) = check_case(&Backend::ALL, &case, Some(0.0)) {
                    panic!("{failure}");
                }
            }
        }
    }
}

#[test]
fn float_tables_keep_large_images_accurate() {
    // A 2048 x 2048 ramp: table entries reach ~4e9 while outputs are ~1;
    // radius 0 must still return each sample within 1e-6 of the range.
    let image = Array2::from_shape_fn((2048, 2048), |(y, x)| ((y * 7 + x * 13) % 1000) as f32 / 1000.0);
    let params = Params::new(Kernel::Box, Size::Uniform(0.0));
    for backend in exact_backends::<f32>(&params, [2048, 2048, 1]) {
        let out = backend.apply(image.view(), &params).unwrap();
        let worst = out
            .iter()
            .zip(&image)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= 1e-6, "{}: worst difference {worst}", backend.name());
    }
}

#[test]
fn every_channel_count_at_the_u32_switch() {
    // Tables and sums are per channel: four channels at the maximum change
    // nothing about the switch.
    let image = Array3::from_elem((256, 257, 4), u16::MAX);
    let params = Params::new(Kernel::Box, Size::Uniform(1e9));
    for backend in exact_backends::<u16>(&params, [256, 257, 4]) {
        let out = backend.apply(image.view(), &params).unwrap();
        assert!(out.iter().all(|&v| v == u16::MAX), "{}", backend.name());
    }
}
