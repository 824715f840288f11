//! `Levels` on `u8` images within one step of `Naive`'s `u8` output at
//! every pixel: gray and RGB, every border, uniform sigmas from 0 up (far
//! past the image with `Clip` and `Constant`, which read nothing outside
//! it), and sigma maps made from the distance to a few sharp regions
//! (sigma 0 inside them next to sigma 30, and a steep ramp). The images are
//! noise with full-range step edges, where the levels' fit to the kernel
//! shows most.

use crate::common::Numbers;
use ndarray::{Array2, Array3, s};
use varblur::{Border, DistanceToSize, Filter, Kernel, Levels, Naive, Params, Size};

/// Noise over the whole range, with a block of 255 and a block of 0.
fn image(height: usize, width: usize, channels: usize, numbers: &mut Numbers) -> Array3<u8> {
    let mut image = Array3::from_shape_fn((height, width, channels), |_| (numbers.next() % 256) as u8);
    image.slice_mut(s![height / 4..height / 2, width / 3.., ..]).fill(255);
    image.slice_mut(s![height * 2 / 3.., ..width / 2, ..]).fill(0);
    image
}

/// The distance to a disc, a rectangle and a one-pixel line.
fn distance_to_regions(height: usize, width: usize) -> Array2<f32> {
    let (cy, cx, radius) = (height as f64 * 0.3, width as f64 * 0.35, height as f64 * 0.12);
    let mut sharp = Array2::from_shape_fn((height, width), |(y, x)| {
        u8::from((y as f64 - cy).hypot(x as f64 - cx) <= radius)
    });
    sharp
        .slice_mut(s![height * 11 / 20..height * 9 / 10, width * 3 / 5..width * 3 / 4])
        .fill(1);
    sharp.slice_mut(s![height * 3 / 4, width / 10..width * 9 / 20]).fill(1);
    varblur::distance(sharp.view(), None).unwrap()
}

/// Uniform sigmas from 0 to `largest`, and two maps of the distance to
/// the sharp regions: 0 inside them and 30 from the next pixel on, and 0
/// inside rising by 6 per pixel up to 40.
fn sigma_maps(height: usize, width: usize, largest: f32) -> Vec<(String, Array2<f32>)> {
    let mut maps: Vec<(String, Array2<f32>)> = [0.0f32, 0.7, 5.0, largest]
        .iter()
        .map(|&sigma| (format!("uniform {sigma}"), Array2::from_elem((height, width), sigma)))
        .collect();
    let distances = distance_to_regions(height, width);
    for (scale, top) in [(30.0, 30.0), (6.0, 40.0)] {
        let mapping = DistanceToSize::new(scale, 0.0, top).unwrap();
        maps.push((format!("min({scale} d, {top})"), distances.mapv(|d| mapping.size(d))));
    }
    maps
}

/// Every border, with a constant inside the range.
const BORDERS: [Border; 6] = [
    Border::Clip,
    Border::Reflect,
    Border::Replicate,
    Border::Symmetric,
    Border::Wrap,
    Border::Constant(200.0),
];

#[test]
fn levels_on_u8_is_within_one_of_naive_everywhere() {
    let mut numbers = Numbers(0x510e_527f_u64);
    // (height, width, channels), the borders and the largest uniform sigma:
    // sigmas far past the image with the borders that read nothing
    // outside it, and up to 40 with every border.
    let cases = [
        ((64, 96, 1), &[Border::Clip, Border::Reflect][..], 40.0),
        ((40, 52, 3), &BORDERS[..], 40.0),
        ((40, 52, 3), &[Border::Clip, Border::Constant(200.0)][..], 300.0),
    ];
    for ((height, width, channels), borders, largest) in cases {
        let image = image(height, width, channels, &mut numbers);
        for (name, sigma) in sigma_maps(height, width, largest) {
            for &border in borders {
                let what = format!("{height} x {width} x {channels}, sigma {name}, {border:?}");
                let params = Params::new(Kernel::Gaussian, Size::map(&sigma)).with_border(border);
                let exact = Naive.apply(image.view(), &params).unwrap();
                let levels = Levels
                    .apply(image.view(), &params)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                for ((at, &e), &a) in exact.indexed_iter().zip(levels.iter()) {
                    assert!(e.abs_diff(a) <= 1, "{what}: pixel {at:?}: Naive {e}, Levels {a}");
                }
            }
        }
    }
}
