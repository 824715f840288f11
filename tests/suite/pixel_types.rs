//! `Integral`'s runs (stretches of one radius along a row, computed as
//! vectors of samples) for every sample type and channel count, against
//! `Naive`: maps of long stretches of whole and of fractional radii, a NaN
//! and an infinity in the float images, strided and reversed views, and
//! images one pixel high or wide. The conformance kit's random shapes are
//! too narrow for most runs.

use crate::common::Numbers;
use varblur::conformance::{Case, CaseSize, check_case};
use varblur::{Backend, Border, Kernel, SampleType};

/// A map of stretches of one radius along each row: 40 pixels each, the
/// radii alternating whole and fractional, up to `largest`.
fn stretches(height: usize, width: usize, largest: f32) -> Vec<f32> {
    (0..height * width)
        .map(|i| {
            let (y, x) = (i / width, i % width);
            let step = (x / 40 + y / 3) % 8;
            (step as f32 * 0.625).min(largest)
        })
        .collect()
}

#[test]
fn runs_of_every_type_and_channel_count_agree_with_naive() {
    let mut numbers = Numbers(0xbb67_ae85_u64);
    let mut next = move || numbers.next();
    let samples_of = [
        (SampleType::U8, 256.0),
        (SampleType::U16, 65536.0),
        (SampleType::F32, 1.0),
        (SampleType::F64, 1.0),
    ];
    // (height, width), row and column steps, reversed.
    let shapes = [
        ((7, 300), 1, 1, false),
        ((5, 211), 2, 1, true),
        ((1, 400), 1, 2, false),
        ((120, 1), 1, 1, false),
    ];
    for (sample, range) in samples_of {
        for channels in [1, 3, 4] {
            for ((height, width), row_step, col_step, reversed) in shapes {
                let count = height * row_step * width * col_step * channels;
                let mut samples: Vec<f64> = (0..count)
                    .map(|_| {
                        let unit = (next() % (1 << 20)) as f64 / (1 << 20) as f64;
                        if range > 1.0 {
                            (unit * range).floor()
                        } else {
                            unit * 2.0 - 0.5
                        }
                    })
                    .collect();
                if range == 1.0 {
                    samples[count / 3] = f64::NAN;
                    samples[count - count / 5] = f64::INFINITY;
                }
                for border in [Border::Clip, Border::Replicate] {
                    let case = Case {
                        sample,
                        kernel: Kernel::Box,
                        border,
                        shape: [height, width, channels],
                        row_step,
                        col_step,
                        reversed,
                        samples: samples.clone(),
                        size: CaseSize::Map(stretches(height, width, 4.375)),
                    };
                    if let Err(failure) = check_case(&Backend::ALL, &case, None) {
                        panic!("{failure}");
                    }
                }
            }
        }
    }
}
