//! Tiles: rectangles in, across or far past the image (up to `usize::MAX`),
//! windows of any shape, any sizes, borders and backends. `apply_tile` must
//! never panic, must leave the output untouched on error, and on success
//! must give the whole-image run's pixels: bit for bit with a backend exact
//! for the request, within twice the published bound of `IteratedBox`
//! (each run is within it of `Naive`) with an approximate one.
#![no_main]

use std::ops::Range;

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array2, Array3, s};
use varblur::tile::{Rect, apply_tile, input_rect};
use varblur::{Backend, Filter, Kernel, Params, Request, SampleType, Size, Support};
use varblur_fuzz::size_value;

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

/// A range mostly near `0..len`, now and then at the top of `usize`.
fn range(u: &mut Unstructured<'_>, len: usize) -> Result<Range<usize>> {
    let end = |u: &mut Unstructured<'_>| -> Result<usize> {
        Ok(if u.ratio(1u8, 16u8)? {
            usize::MAX - u.int_in_range(0..=2usize)?
        } else {
            u.int_in_range(0..=len + 2)?
        })
    };
    let (a, b) = (end(u)?, end(u)?);
    // Reversed ranges are empty ranges too.
    Ok(if u.ratio(1u8, 16u8)? {
        a.max(b)..a.min(b)
    } else {
        a.min(b)..a.max(b)
    })
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let (height, width, channels) = (u.int_in_range(0..=20)?, u.int_in_range(0..=20)?, u.int_in_range(1..=3)?);
    let image = Array3::from_shape_fn((height, width, channels), |(y, x, c)| (y * 31 + x * 7 + c * 50) as u8);
    let kernel = if u.arbitrary()? { Kernel::Box } else { Kernel::Gaussian };
    let border = varblur_fuzz::border(u, SampleType::U8)?;
    let invalid = u.ratio(1u8, 8u8)?;
    let mut sizes = Vec::with_capacity(height * width);
    for _ in 0..height * width {
        sizes.push(size_value(u, kernel, invalid)?);
    }
    let sizes = Array2::from_shape_vec((height, width), sizes).expect("one size per pixel");
    let backend = *u.choose(&Backend::ALL)?;
    let uniform = u.arbitrary::<bool>()? || height * width == 0;
    let tile = Rect::new(range(u, height)?, range(u, width)?);
    let image_rect = Rect::new(0..height, 0..width);
    let window =
        if u.arbitrary()? && image_rect.contains(&tile) && !uniform && !tile.rows.is_empty() && !tile.cols.is_empty() {
            let tile_sizes = sizes.slice(s![tile.rows.clone(), tile.cols.clone()]);
            let largest = tile_sizes.iter().fold(0.0f32, |m, &v| if v > m { v } else { m });
            input_rect(kernel, border, largest, (height, width), &tile)
        } else {
            Rect::new(range(u, height)?, range(u, width)?)
        };
    // The window's pixels and sizes: the image's where it lies within it,
    // else arrays of its shape (when small), which the call must refuse.
    let within = image_rect.contains(&window) && !window.rows.is_empty() && !window.cols.is_empty();
    let (window_pixels, window_sizes) = if within {
        let rows_cols = s![window.rows.clone(), window.cols.clone()];
        (
            image.slice(s![window.rows.clone(), window.cols.clone(), ..]).to_owned(),
            sizes.slice(rows_cols).to_owned(),
        )
    } else if window.rows.len() <= 24 && window.cols.len() <= 24 {
        let (h, w) = window.dim();
        (Array3::zeros((h, w, channels)), Array2::zeros((h, w)))
    } else {
        return Ok(());
    };
    let size = if uniform {
        Size::Uniform(size_value(u, kernel, invalid)?)
    } else {
        Size::map(&window_sizes)
    };
    let params = Params::new(kernel, size).with_border(border);
    let out_dim = (tile.rows.len().min(24), tile.cols.len().min(24), channels);
    let mut out = Array3::from_elem(out_dim, 77u8);
    let result = apply_tile(
        &backend,
        window_pixels.view(),
        &window,
        (height, width),
        &params,
        &tile,
        out.view_mut(),
    );
    match result {
        Ok(()) => {
            // Success needs a window of the image; the whole-image run
            // with the same sizes must give the same pixels.
            assert!(
                within || tile.rows.is_empty() || tile.cols.is_empty(),
                "{tile:?} from {window:?}"
            );
            if tile.rows.is_empty() || tile.cols.is_empty() {
                return Ok(());
            }
            // Sizes outside the window do not reach the tile: 0 there (the
            // window's own were validated, the rest may not be valid).
            let mut whole_map = Array2::zeros((height, width));
            whole_map
                .slice_mut(s![window.rows.clone(), window.cols.clone()])
                .assign(&window_sizes);
            let whole_size = if uniform { params.size } else { Size::map(&whole_map) };
            let whole_params = Params::new(kernel, whole_size).with_border(border);
            let whole = backend
                .apply(image.view(), &whole_params)
                .expect("the whole image as the tile");
            let whole_tile = whole.slice(s![tile.rows.clone(), tile.cols.clone(), ..]);
            let request = Request::new::<u8>(&whole_params, [height, width, channels]);
            if backend.support(&request) == Support::Exact {
                assert_eq!(out, whole_tile, "{tile:?} from {window:?}");
            } else {
                // The bound for the default `IteratedBox` (docs/DEFINITION.md): 3 % of
                // the range plus 1 LSB, for the tile and the whole image each.
                let bound = 2.0 * (0.03 * 255.0 + 1.0);
                for (&a, &b) in out.iter().zip(whole_tile.iter()) {
                    assert!(
                        (a as f64 - b as f64).abs() <= bound,
                        "{tile:?} from {window:?}: {a} vs {b}"
                    );
                }
            }
        }
        Err(_) => assert!(out.iter().all(|&v| v == 77), "output written on error"),
    }
    Ok(())
}
