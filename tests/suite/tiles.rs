//! Tiles ([`varblur::tile`]): any output rectangle computed from the input
//! pixels it reads is bit-identical to the same pixels of the whole-image
//! run, for every exact backend, border and kernel with integer samples;
//! windows that do not cover what a tile reads, float samples and
//! approximate backends are typed errors that leave the output untouched.

use ndarray::{Array2, Array3, ArrayView2, s};
use varblur::tile::{Rect, apply_tile, input_rect};
use varblur::{Backend, Border, Error, Filter, Kernel, Params, Request, Sample, Size, Support};

use crate::common::Numbers;

/// Cuts random tiles out of `image`, computes each from a window that covers
/// what it reads (sometimes larger), and compares with the whole-image run.
fn tiles_match_the_whole_image<T: Sample>(
    numbers: &mut Numbers,
    image: &Array3<T>,
    sizes: &Array2<f32>,
    params: &Params<'_>,
) {
    let (height, width, channels) = image.dim();
    for backend in Backend::ALL {
        let whole = match backend.apply(image.view(), params) {
            Ok(whole) => whole,
            Err(_) => continue,
        };
        for _ in 0..6 {
            let tile = Rect::new(numbers.range(height), numbers.range(width));
            let largest = sizes
                .slice(s![tile.rows.clone(), tile.cols.clone()])
                .fold(0.0f32, |m, &v| m.max(v));
            let mut window = input_rect(params.kernel, largest, (height, width), &tile);
            if numbers.below(3) == 0 {
                window = input_rect(params.kernel, largest + numbers.below(4) as f32, (height, width), &tile);
            }
            let rows_cols = s![window.rows.clone(), window.cols.clone()];
            let window_sizes = sizes.slice(rows_cols);
            let size = if params.size.is_uniform() {
                params.size.reborrow()
            } else {
                Size::map(window_sizes)
            };
            let window_params = Params::new(params.kernel, size).with_border(params.border);
            let mut out = Array3::<T>::default((tile.rows.len(), tile.cols.len(), channels));
            let result = apply_tile(
                &backend,
                image.slice(s![window.rows.clone(), window.cols.clone(), ..]),
                &window,
                (height, width),
                &window_params,
                &tile,
                out.view_mut(),
            );
            match result {
                Ok(()) => assert_eq!(
                    out,
                    whole.slice(s![tile.rows.clone(), tile.cols.clone(), ..]),
                    "{} {:?} {:?}: tile {tile:?} from {window:?} of {height} x {width} x {channels}",
                    backend.name(),
                    params.kernel,
                    params.border
                ),
                // Approximate backends are refused, exact ones never.
                Err(Error::Unsupported { .. }) => {
                    let request = Request::new::<T>(params, [height, width, channels]);
                    assert_ne!(
                        backend.support(&request),
                        Support::Exact,
                        "{} refused a tile",
                        backend.name()
                    )
                }
                Err(err) => panic!("{}: {err}", backend.name()),
            }
        }
    }
}

fn image<T: Sample>(numbers: &mut Numbers, dim: (usize, usize, usize)) -> Array3<T> {
    Array3::from_shape_simple_fn(dim, || {
        T::from_f64((numbers.next() % 256) as f64 * (T::MAX.min(65535.0) / 255.0))
    })
}

#[test]
fn tiles_are_bit_identical_to_the_whole_image() {
    let mut numbers = Numbers(0x9e37_79b9_7f4a_7c15);
    for case in 0..40 {
        let dim = (1 + numbers.below(30), 1 + numbers.below(30), 1 + numbers.below(3));
        let border = [Border::Clip, Border::Replicate, Border::Reflect, Border::Constant(7.0)][case % 4];
        let kernel = if case % 5 == 4 { Kernel::Gaussian } else { Kernel::Box };
        // Random, fractional and integer sizes, some reaching past the image.
        let sizes = Array2::from_shape_simple_fn((dim.0, dim.1), || match numbers.below(4) {
            0 => numbers.below(40) as f32,
            _ => numbers.below(32) as f32 / 4.0,
        });
        let uniform = Array2::from_elem((dim.0, dim.1), sizes[[0, 0]]);
        let map_params = Params::new(kernel, Size::map(&sizes)).with_border(border);
        let uniform_params = Params::new(kernel, Size::Uniform(sizes[[0, 0]])).with_border(border);
        if case % 2 == 0 {
            let (a, b) = (image::<u8>(&mut numbers, dim), image::<u8>(&mut numbers, dim));
            tiles_match_the_whole_image(&mut numbers, &a, &sizes, &map_params);
            tiles_match_the_whole_image(&mut numbers, &b, &uniform, &uniform_params);
        } else {
            let (a, b) = (image::<u16>(&mut numbers, dim), image::<u16>(&mut numbers, dim));
            tiles_match_the_whole_image(&mut numbers, &a, &sizes, &map_params);
            tiles_match_the_whole_image(&mut numbers, &b, &uniform, &uniform_params);
        }
    }
}

#[test]
fn tiles_across_strips_of_larger_images_are_bit_identical() {
    // Images taller than a strip (64 rows and more), a smooth map with a
    // fractional part and a few large radii.
    let mut numbers = Numbers(0x2545_f491_4f6c_dd1d);
    for (case, dim) in [(300, 200, 1), (170, 260, 3), (520, 90, 2)].into_iter().enumerate() {
        let sizes = Array2::from_shape_fn((dim.0, dim.1), |(y, x)| {
            let smooth = ((x as f32 - y as f32).abs() / 8.0).min(20.0);
            if (x * 7 + y * 3) % 97 == 0 { 60.0 } else { smooth }
        });
        let border = [Border::Clip, Border::Reflect, Border::Replicate][case];
        let params = Params::new(Kernel::Box, Size::map(&sizes)).with_border(border);
        let image = image::<u8>(&mut numbers, dim);
        tiles_match_the_whole_image(&mut numbers, &image, &sizes, &params);
    }
}

#[test]
fn a_window_short_of_what_the_tile_reads_is_refused() {
    let image = Array2::from_shape_fn((20, 20), |(y, x)| (y * 20 + x) as u8);
    let params = Params::new(Kernel::Box, Size::Uniform(3.0));
    let tile = Rect::new(8..12, 8..12);
    let needed = input_rect(Kernel::Box, 3.0, (20, 20), &tile);
    assert_eq!(needed, Rect::new(5..15, 5..15));
    let short = Rect::new(6..15, 5..15);
    let mut out = Array2::from_elem((4, 4), 99u8);
    let mut refused = |window: ArrayView2<'_, u8>, window_rect: &Rect, tile: &Rect| {
        let result = apply_tile(
            &Backend::Integral,
            window,
            window_rect,
            (20, 20),
            &params,
            tile,
            out.view_mut(),
        );
        assert!(matches!(result, Err(Error::InvalidTile { .. })), "{result:?}");
    };
    refused(image.slice(s![short.rows.clone(), short.cols.clone()]), &short, &tile);
    // A window whose shape is not its rectangle's, and a tile past the image.
    refused(image.slice(s![5..15, 5..14]), &needed, &tile);
    refused(image.view(), &Rect::new(0..20, 0..20), &Rect::new(18..22, 8..12));
    // A tile that starts before its window.
    let late = Rect::new(9..20, 9..20);
    refused(image.slice(s![9..20, 9..20]), &late, &tile);
    assert!(out.iter().all(|&v| v == 99), "the output was written");
}

#[test]
fn float_samples_and_approximate_backends_are_refused() {
    let image = Array2::from_elem((10, 10), 0.5f32);
    let everything = Rect::new(0..10, 0..10);
    let mut out = Array2::from_elem((10, 10), 9.0f32);
    let params = Params::new(Kernel::Box, Size::Uniform(1.0));
    let result = apply_tile(
        &Backend::Integral,
        image.view(),
        &everything,
        (10, 10),
        &params,
        &everything,
        out.view_mut(),
    );
    assert!(matches!(result, Err(Error::Unsupported { .. })), "{result:?}");
    let bytes = Array2::from_elem((10, 10), 5u8);
    let mut out = Array2::from_elem((10, 10), 9u8);
    let gaussian = Params::new(Kernel::Gaussian, Size::Uniform(1.0));
    let result = apply_tile(
        &Backend::IteratedBox,
        bytes.view(),
        &everything,
        (10, 10),
        &gaussian,
        &everything,
        out.view_mut(),
    );
    assert!(matches!(result, Err(Error::Unsupported { .. })), "{result:?}");
    assert!(out.iter().all(|&v| v == 9));
}
