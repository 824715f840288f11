//! Every built-in backend against the `Naive` reference, through the public
//! conformance kit (`varblur::conformance`): random shapes (sides 0..=40,
//! non-square, strided and reversed views), channels 1..=4, all sample
//! types, all borders, box and Gaussian kernels, and uniform / random /
//! smooth / fractional / huge size maps. A new backend is one more line in
//! `Backend::ALL`.

use crate::common::Numbers;
use varblur::conformance::{Case, CaseSize, check_case};
use varblur::conformance::{Options, check};
use varblur::{Backend, Border, Filter, IteratedBox, Kernel, Levels, SampleType};

/// Every border, with a constant inside every sample type's range.
const BORDERS: [Border; 6] = [
    Border::Clip,
    Border::Replicate,
    Border::Reflect,
    Border::Constant(7.0),
    Border::Symmetric,
    Border::Wrap,
];

/// The largest |IteratedBox - Naive| docs/DEFINITION.md states for the kit's
/// random requests (tiny images with samples of both signs, random sigma
/// maps, clipped corners), as a fraction of the value range (plus 1 LSB for
/// integers), for k = 2, 3, 4, 5 boxes, with room above the largest errors
/// this test has seen over several seeds.
const ITERATED_BOX_TOLERANCE: [f64; 4] = [0.05, 0.03, 0.02, 0.02];

#[test]
fn every_builtin_backend_agrees_with_naive() {
    let options = Options {
        cases: 64,
        tolerance: ITERATED_BOX_TOLERANCE[IteratedBox::DEFAULT_BOXES - 2],
        ..Options::default()
    };
    for backend in Backend::ALL {
        match check(&backend, &options) {
            Ok(summary) => {
                println!("{}: {summary:?}", backend.name());
                let gaussian_only = matches!(backend, Backend::IteratedBox | Backend::Levels);
                // Each backend serves the box kernel exactly, or is the Gaussian one.
                assert!(gaussian_only || summary.exact > 0, "{backend:?}: {summary:?}");
                let approximates = matches!(backend, Backend::IteratedBox | Backend::Levels | Backend::Auto);
                assert_eq!(summary.approximate > 0, approximates, "{backend:?}: {summary:?}");
            }
            Err(failure) => panic!("{failure}"),
        }
    }
}

#[test]
fn iterated_box_with_every_box_count_agrees_with_naive() {
    for boxes in IteratedBox::BOXES {
        let options = Options {
            cases: 48,
            tolerance: ITERATED_BOX_TOLERANCE[boxes - 2],
            kernels: vec![varblur::Kernel::Gaussian],
            ..Options::default()
        };
        let backend = IteratedBox::new(boxes).unwrap();
        match check(&backend, &options) {
            Ok(summary) => {
                println!("k = {boxes}: {summary:?}");
                assert_eq!(summary.approximate, summary.cases);
            }
            Err(failure) => panic!("k = {boxes}: {failure}"),
        }
    }
}

/// `Levels` within its published tolerance on the kit's Gaussian requests,
/// every border.
#[test]
fn levels_agrees_with_naive() {
    let options = Options {
        cases: 48,
        tolerance: Levels::TOLERANCE,
        kernels: vec![Kernel::Gaussian],
        ..Options::default()
    };
    match check(&Levels, &options) {
        Ok(summary) => {
            println!("levels: {summary:?}");
            assert!(summary.approximate > 0, "{summary:?}");
        }
        Err(failure) => panic!("{failure}"),
    }
}

/// The paths the kit's small shapes do not reach: rows wider than one
/// block of `RunningSum`'s vertical pass (512 samples), rows whose pixels
/// outside `Integral`'s row plan share one radius (uniform maps, radii past
/// the image), maps mixing whole and fractional radii along wide rows, and
/// rows wide enough for `Integral`'s column blocks (over 2048 pixels). Strided,
/// reversed views; a NaN and an infinity in the float images; every
/// border; the exact backends must meet the bounds of `Support::Exact`.
#[test]
fn wide_rows_and_radii_past_the_image_agree_with_naive() {
    let mut numbers = Numbers(0x2545_f491_u64);
    let mut next = move || numbers.next();
    for (i, &(height, width, channels)) in [
        (3, 700, 1),
        (5, 260, 3),
        (2, 1100, 2),
        (9, 33, 4),
        (4, 2100, 1),
        (3, 2053, 3),
    ]
    .iter()
    .enumerate()
    {
        for (s, sample) in [SampleType::U8, SampleType::U16, SampleType::F32]
            .into_iter()
            .enumerate()
        {
            for (b, border) in BORDERS.into_iter().enumerate() {
                for radius in [1.0f32, 2.5, 40.0, 1e9] {
                    // Radii past the image make `Naive` sum the whole image
                    // for every pixel: each shape and border takes them for
                    // one sample type in turn, so every pair of type and
                    // border, and every shape, still meets them.
                    if radius > 1e6 && (i + b) % 3 != s {
                        continue;
                    }
                    let (row_step, col_step) = (1 + i % 2, 1 + (i + 1) % 2);
                    let count = height * row_step * width * col_step * channels;
                    let mut samples: Vec<f64> = (0..count).map(|_| (next() % 256) as f64).collect();
                    if sample == SampleType::F32 {
                        samples[count / 3] = f64::NAN;
                        samples[count / 2] = f64::INFINITY;
                    }
                    // Mixed whole and fractional radii up to `radius`:
                    // the row plan and the fractional pass share each row.
                    let mixed = (0..height * width)
                        .map(|_| (next() % 24) as f32 / 4.0 * radius.min(8.0) / 8.0)
                        .collect();
                    let maps = [CaseSize::Map(vec![radius; height * width]), CaseSize::Map(mixed)];
                    for size in [CaseSize::Uniform(radius)].into_iter().chain(maps) {
                        let case = Case {
                            sample,
                            kernel: Kernel::Box,
                            border,
                            shape: [height, width, channels],
                            row_step,
                            col_step,
                            reversed: i % 2 == 1,
                            samples: samples.clone(),
                            size,
                        };
                        if let Err(failure) = check_case(&Backend::ALL, &case, None) {
                            panic!("{failure}");
                        }
                    }
                }
            }
        }
    }
}

/// The paths the kit's small shapes do not reach along the height: images
/// tall enough for several strips, whose bands of rows end inside the
/// image (with `Wrap`, a strip at an edge reads the rows at the other end
/// as well), with radii up to a third of the height. `u16` with radius 100
/// takes `RunningSum`'s general path (its column sums would pass the exact
/// `u32` quotients) in several strips. Strided views; a NaN and an
/// infinity in the float images; every border.
#[test]
fn tall_images_in_several_strips_agree_with_naive() {
    let mut numbers = Numbers(0x9e37_79b9_u64);
    let mut next = move || numbers.next();
    let cases = [
        ((150, 5, 1), SampleType::U8, vec![1.0f32, 2.5, 20.0, 45.5]),
        ((260, 4, 2), SampleType::F32, vec![1.0, 7.25, 40.0]),
        ((203, 3, 3), SampleType::U16, vec![2.0, 17.5]),
        ((830, 2, 1), SampleType::U16, vec![100.0]),
    ];
    for (i, ((height, width, channels), sample, radii)) in cases.into_iter().enumerate() {
        let row_step = 1 + i % 2;
        let count = height * row_step * width * channels;
        let max = if sample == SampleType::U16 { 65536 } else { 256 };
        let mut samples: Vec<f64> = (0..count).map(|_| (next() % max) as f64).collect();
        if sample == SampleType::F32 {
            samples[count / 5] = f64::NAN;
            samples[count - 3] = f64::INFINITY;
        }
        for border in BORDERS {
            for &radius in &radii {
                // A map of whole and fractional radii up to `radius`.
                let mixed = (0..height * width)
                    .map(|_| (next() % 9) as f32 / 8.0 * radius)
                    .collect();
                for size in [CaseSize::Uniform(radius), CaseSize::Map(mixed)] {
                    let case = Case {
                        sample,
                        kernel: Kernel::Box,
                        border,
                        shape: [height, width, channels],
                        row_step,
                        col_step: 1,
                        reversed: i % 2 == 1,
                        samples: samples.clone(),
                        size,
                    };
                    if let Err(failure) = check_case(&Backend::ALL, &case, None) {
                        panic!("{failure}");
                    }
                }
            }
        }
    }
}

/// Windows past every edge where `Integral` extends a strip's tables by
/// their reach (the borders that read image pixels outside, a reach up to
/// the strip's rows and the image's columns) and where it does not: radii
/// just within and just past that limit, whole and fractional; sides of
/// one pixel; several strips (the first and last extended above or below
/// alone); rows wider than a block of columns; several channels, strided
/// and reversed views; every border and sample type.
#[test]
fn windows_at_the_limit_of_extended_tables_agree_with_naive() {
    let mut numbers = Numbers(0x6a09_e667_u64);
    let mut next = move || numbers.next();
    // (height, width, channels) and radii: the limit is the height (one
    // strip of all rows) or the width, whichever is smaller.
    let cases = [
        ((24, 30, 2), vec![23.0f32, 23.5, 24.0, 24.5, 25.0]),
        ((1, 37, 3), vec![0.5, 1.0, 1.5, 2.0]),
        ((29, 1, 1), vec![0.5, 1.0, 1.5]),
        ((150, 24, 1), vec![7.5, 20.0, 23.5, 24.0, 24.5]),
        ((3, 2060, 1), vec![2.5, 3.0, 3.5]),
    ];
    let samples_of = [SampleType::U8, SampleType::U16, SampleType::F32, SampleType::F64];
    for (i, ((height, width, channels), radii)) in cases.into_iter().enumerate() {
        let (row_step, col_step) = (1 + i % 2, 1 + (i + 1) % 2);
        let count = height * row_step * width * col_step * channels;
        for (j, &sample) in samples_of.iter().enumerate() {
            let max = if sample == SampleType::U16 { 65536 } else { 256 };
            let samples: Vec<f64> = (0..count).map(|_| (next() % max) as f64).collect();
            for border in BORDERS {
                for &radius in &radii {
                    // Whole and fractional radii up to `radius`, which is there.
                    let mut mixed: Vec<f32> = (0..height * width)
                        .map(|_| (next() % 9) as f32 / 8.0 * radius)
                        .collect();
                    mixed[(next() as usize) % (height * width)] = radius;
                    for size in [CaseSize::Uniform(radius), CaseSize::Map(mixed)] {
                        let case = Case {
                            sample,
                            kernel: Kernel::Box,
                            border,
                            shape: [height, width, channels],
                            row_step,
                            col_step,
                            reversed: (i + j) % 2 == 1,
                            samples: samples.clone(),
                            size,
                        };
                        if let Err(failure) = check_case(&[Backend::Integral, Backend::Auto], &case, None) {
                            panic!("{failure}");
                        }
                    }
                }
            }
        }
    }
}
