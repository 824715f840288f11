//! Tiles: any rectangle of the output computed from the input pixels it
//! reads, for engines that hold an image in pieces (out of core, or spread
//! over machines).
//!
//! [`input_rect`] tells which input pixels a tile reads (the tile grown by
//! the kernel's reach, clamped to the image); [`apply_tile`] computes the
//! tile from them. Within that window a pixel's kernel sees exactly what it
//! sees in the whole image: where the window stops short of the image's
//! edge no kernel of the tile reaches it, and where it meets the edge the
//! border is the image's own. A backend whose result for a pixel depends
//! only on the pixels its kernel reads then gives the tile bit for bit as
//! the whole-image run; the built-in exact backends do with integer samples
//! (their window sums are exact), so [`apply_tile`] serves those and refuses
//! float samples and approximate backends, whose arithmetic depends on where
//! a strip or table starts.

use std::ops::Range;

use ndarray::{ArrayView, ArrayViewMut, s};

use crate::error::Error;
use crate::filter::{Filter, ImageDim, Params, Request, Support, validate};
use crate::kernel::{BoxTaps, GaussianTaps, Kernel};
use crate::sample::Sample;

/// A rectangle of image pixels: rows `rows`, columns `cols`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Rect {
    /// The rows, top to bottom.
    pub rows: Range<usize>,
    /// The columns, left to right.
    pub cols: Range<usize>,
}

impl Rect {
    /// The rectangle of `rows` and `cols`.
    pub fn new(rows: Range<usize>, cols: Range<usize>) -> Self {
        Rect { rows, cols }
    }

    /// (rows, columns); 0 for an empty range.
    pub fn dim(&self) -> (usize, usize) {
        (self.rows.len(), self.cols.len())
    }

    /// Whether `other` lies within this rectangle (an empty one anywhere).
    pub fn contains(&self, other: &Rect) -> bool {
        let within = |outer: &Range<usize>, inner: &Range<usize>| {
            inner.is_empty() || (outer.start <= inner.start && inner.end <= outer.end)
        };
        other.rows.is_empty()
            || other.cols.is_empty()
            || (within(&self.rows, &other.rows) && within(&self.cols, &other.cols))
    }
}

/// How far from its centre a kernel of `size` reads, in pixels.
pub fn reach(kernel: Kernel, size: f32) -> usize {
    let extent = match kernel {
        Kernel::Box => BoxTaps::new(size).extent(),
        Kernel::Gaussian => GaussianTaps::new(size).extent(),
    };
    extent.max(0) as usize
}

/// The input pixels that output rectangle `tile` of an image of `height` x
/// `width` reads, for sizes up to `largest_size` (finite, >= 0) with
/// `kernel`: the tile grown by the kernel's [`reach`] on every side,
/// clamped to the image.
pub fn input_rect(kernel: Kernel, largest_size: f32, (height, width): (usize, usize), tile: &Rect) -> Rect {
    let halo = reach(kernel, largest_size);
    let grow = |range: &Range<usize>, len: usize| {
        range.start.saturating_sub(halo).min(len)..range.end.saturating_add(halo).min(len)
    };
    Rect::new(grow(&tile.rows, height), grow(&tile.cols, width))
}

/// Computes output rectangle `tile` of an image of `image_dim` (height,
/// width) into `out` (the tile's shape, any strides), bit-identical to the
/// same pixels of `filter` run on the whole image with `params`.
///
/// `window` holds the input pixels of rectangle `window_rect` of the image
/// ((height, width) or (height, width, channels)), which must contain
/// [`input_rect`] of the tile for the largest size of its pixels; a larger
/// window is fine. A size map in `params` covers `window_rect` (the sizes
/// of the tile's pixels are what count). Integer samples only, with a
/// backend that serves the request exactly (see the module docs); other
/// requests are [`Error::Unsupported`], and rectangles that do not fit are
/// [`Error::InvalidTile`]. On error `out` is left untouched.
///
/// The whole window is computed (one output of the window's size is
/// allocated) and the tile kept: tiles much larger than the reach waste
/// little.
pub fn apply_tile<F: Filter, T: Sample, D: ImageDim>(
    filter: &F,
    window: ArrayView<'_, T, D>,
    window_rect: &Rect,
    image_dim: (usize, usize),
    params: &Params<'_>,
    tile: &Rect,
    out: ArrayViewMut<'_, T, D>,
) -> Result<(), Error> {
    let window3 = D::view3(window.view());
    let (window_height, window_width, channels) = window3.dim();
    let image = Rect::new(0..image_dim.0, 0..image_dim.1);
    let invalid = |reason: String| Err(Error::InvalidTile { reason });
    if !image.contains(window_rect) || !image.contains(tile) {
        return invalid(format!(
            "{tile:?} and {window_rect:?} must lie within the image, {image:?}"
        ));
    }
    if window_rect.dim() != (window_height, window_width) {
        return invalid(format!(
            "the window holds {window_height} x {window_width} pixels but {window_rect:?} is {:?}",
            window_rect.dim()
        ));
    }
    let out_shape = out.shape().to_vec();
    let tile_shape = [tile.rows.len(), tile.cols.len(), channels];
    if out_shape[..2] != tile_shape[..2] || (out_shape.len() == 3 && out_shape[2] != channels) {
        return Err(Error::ShapeMismatch {
            what: "tile output",
            expected: tile_shape[..out_shape.len()].to_vec(),
            found: out_shape,
        });
    }
    let request = Request::new::<T>(params, [image_dim.0, image_dim.1, channels]);
    let refuse = |reason| {
        Err(Error::Unsupported {
            backend: filter.name(),
            request: format!("a tile of {request}"),
            reason,
        })
    };
    if !T::TYPE.is_integer() {
        return refuse("tiles are bit-identical to whole-image runs for integer samples only");
    }
    if filter.support(&request) != Support::Exact {
        return refuse("tiles need a backend that serves the request exactly");
    }
    // The window as an image of its own: sizes, map shape, border value.
    validate(&window3, params, window3.shape())?;
    if tile.rows.is_empty() || tile.cols.is_empty() || channels == 0 {
        return Ok(());
    }
    if !window_rect.contains(tile) {
        return invalid(format!("{window_rect:?} does not contain {tile:?}"));
    }
    let local = |range: &Range<usize>, origin: usize| range.start - origin..range.end - origin;
    let (tile_rows, tile_cols) = (
        local(&tile.rows, window_rect.rows.start),
        local(&tile.cols, window_rect.cols.start),
    );
    let largest_size = params.size.max_over_rect(tile_rows.clone(), tile_cols.clone());
    let needed = input_rect(params.kernel, largest_size, image_dim, tile);
    if !window_rect.contains(&needed) {
        return invalid(format!(
            "{window_rect:?} does not contain {needed:?}, which {tile:?} reads"
        ));
    }
    let whole_window = filter.apply(window, params)?;
    let whole_window = D::view3(whole_window.view());
    let mut out = D::view3_mut(out);
    out.assign(&whole_window.slice(s![tile_rows, tile_cols, ..]));
    Ok(())
}
