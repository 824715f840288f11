//! Tiles: any rectangle of the output computed from the input pixels it
//! reads, for engines that hold an image in pieces (out of core, or spread
//! over machines).
//!
//! [`input_rect`] tells which input pixels a tile reads; [`apply_tile`]
//! computes the tile from them by running the filter on that window as an
//! image of its own and keeping the tile. Within the window a pixel's
//! kernel sees what it sees in the whole image:
//! - where the window stops short of the image's edge, no kernel of the
//!   tile reaches the window's edge;
//! - where the window meets the image's edge, the border is the image's
//!   own. `Clip`, `Constant` and `Replicate` read nothing past the edge
//!   but the edge itself; `Reflect` and `Symmetric` read the pixels within
//!   the reach of the edge, which the window holds (a kernel that folds
//!   more than once reaches past both edges, and the window is then the
//!   whole axis);
//! - `Wrap` reads the opposite edge: along an axis where the tile grown by
//!   the reach crosses an edge, the window is the whole axis (the only
//!   window in which the wrap-around is the image's).
//!
//! What the tile then equals:
//! - integer samples with a backend exact for the request: the same pixels
//!   of the whole-image run, bit for bit (the window sums are exact
//!   integers, whatever rows or columns a table or strip starts at);
//! - float samples with an exact backend: within the backend's bound
//!   against `Naive` (1e-6 of the value range; the window's range is at
//!   most the image's), not bit for bit: float tables round differently
//!   when they start elsewhere. Tile and whole-image run are within twice
//!   that bound of each other;
//! - approximate backends (the Gaussian's `IteratedBox`, and `Auto` for the
//!   Gaussian): within the backend's published bound against `Naive`, and
//!   so within twice that bound of the whole-image run, not bit for bit:
//!   floats are turned into integers at a scale set by the largest
//!   magnitude of the window, not of the image; and with 4 or 5 boxes the
//!   boxes of a sigma reach a few pixels further than the Gaussian's
//!   truncation, [`reach`], so the window's edge is a border to their
//!   outermost taps, whose weight is small.

use std::ops::Range;

use ndarray::{ArrayView, ArrayViewMut, Dim, s};

use crate::border::Border;
use crate::error::Error;
use crate::filter::{Filter, ImageDim, Job, Params, Request, Support, new_output, validate_params};
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

/// How far from its centre a kernel of `size` reads, in pixels: ceil(r)
/// for a box of radius r, ceil(4 sigma) for the Gaussian (its truncation).
pub fn reach(kernel: Kernel, size: f32) -> usize {
    let extent = match kernel {
        Kernel::Box => BoxTaps::new(size).extent(),
        Kernel::Gaussian => GaussianTaps::new(size).extent(),
    };
    extent.max(0) as usize
}

/// The input pixels that output rectangle `tile` of an image of `height` x
/// `width` reads, for sizes up to `largest_size` (finite, >= 0) with
/// `kernel` and `border`: the tile grown by the kernel's [`reach`] on every
/// side, clamped to the image; with [`Border::Wrap`], the whole axis
/// wherever the grown tile crosses an edge of it, since the kernel then
/// reads the opposite edge.
pub fn input_rect(
    kernel: Kernel,
    border: Border,
    largest_size: f32,
    (height, width): (usize, usize),
    tile: &Rect,
) -> Rect {
    let halo = reach(kernel, largest_size);
    let grow = |range: &Range<usize>, len: usize| {
        let crosses = range.start < halo || range.end.saturating_add(halo) > len;
        if matches!(border, Border::Wrap) && crosses {
            0..len
        } else {
            range.start.saturating_sub(halo).min(len)..range.end.saturating_add(halo).min(len)
        }
    };
    Rect::new(grow(&tile.rows, height), grow(&tile.cols, width))
}

/// Computes output rectangle `tile` of an image of `image_dim` (height,
/// width) into `out` (the tile's shape, any strides), as the same pixels of
/// `filter` run on the whole image with `params`: bit for bit for integer
/// samples with a backend exact for the request, within the backend's bound
/// otherwise (see the module docs).
///
/// `window` holds the input pixels of rectangle `window_rect` of the image
/// ((height, width) or (height, width, channels)), which must contain
/// [`input_rect`] of the tile for the largest size of its pixels and the
/// border of `params`; a larger window is fine. A size map in `params`
/// covers `window_rect`, or only the tile's rows of it (every column of
/// the window): the sizes of the tile's pixels are what count, and a map
/// of the tile's rows spares a caller padding its map to the window. The
/// map's values are validated wherever it covers (an invalid one is
/// [`Error::InvalidSize`] at its position in the map). Rectangles that do
/// not fit are [`Error::InvalidTile`]; requests the backend does not serve
/// are its error. On error `out` is left untouched.
///
/// Only the tile's rows are computed (the backend reads the rest of the
/// window), across every column of the window: where the tile is narrower
/// than the window, one output of the tile's rows and the window's width
/// is allocated and the tile kept.
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
    let empty = tile.rows.is_empty() || tile.cols.is_empty() || channels == 0;
    if !empty && !window_rect.contains(tile) {
        return invalid(format!("{window_rect:?} does not contain {tile:?}"));
    }
    // The tile in the window's coordinates (empty for an empty tile).
    let local = |range: &Range<usize>, origin: usize| {
        if empty {
            0..0
        } else {
            range.start - origin..range.end - origin
        }
    };
    let (tile_rows, tile_cols) = (
        local(&tile.rows, window_rect.rows.start),
        local(&tile.cols, window_rect.cols.start),
    );
    // The map validated where it is given: a map of the window is then
    // read at the tile's rows (its maxima stay the window's, by window
    // row); a map of the tile's rows is the job's as it is.
    let tile_rows_map = (tile.rows.len(), window_width);
    let (maxima, size) = match params.size.map_dim() {
        Some(dim) if dim == tile_rows_map && dim != (window_height, window_width) => {
            let maxima = validate_params::<T>(params, tile_rows_map, channels)?.starting_at(tile_rows.start);
            (maxima, params.size.reborrow())
        }
        _ => {
            let maxima = validate_params::<T>(params, (window_height, window_width), channels)?;
            (maxima, params.size.rows(tile_rows.clone()))
        }
    };
    let request = Request::new::<T>(params, [image_dim.0, image_dim.1, channels]);
    if let Support::Unsupported(reason) = filter.support(&request) {
        return Err(Error::Unsupported {
            backend: filter.name(),
            request: format!("a tile of {request}"),
            reason,
        });
    }
    if empty {
        return Ok(());
    }
    // The largest size of the tile's rows, from validation, bounds the
    // tile's own (its rows may hold larger sizes outside the tile's
    // columns); only where that bound reads past the window are the tile's
    // sizes scanned.
    let reads = |largest_size: f32| input_rect(params.kernel, params.border, largest_size, image_dim, tile);
    let mut needed = reads(maxima.over(tile_rows.clone()));
    if !window_rect.contains(&needed) {
        // `size` covers the tile's rows.
        needed = reads(size.max_over_rect(0..tile_rows.len(), tile_cols.clone()));
    }
    if !window_rect.contains(&needed) {
        return invalid(format!(
            "{window_rect:?} does not contain {needed:?}, which {tile:?} reads"
        ));
    }
    // The window was validated above: run the filter on it directly, for
    // the tile's rows.
    let job = Job::validated(window3, tile_rows.clone(), Params { size, ..*params }, &maxima);
    let mut out = D::view3_mut(out);
    if tile_cols.len() == window_width {
        return filter.run(job, out);
    }
    let mut rows_out = new_output(Dim([tile_rows.len(), window_width, channels]))?;
    filter.run(job, rows_out.view_mut())?;
    out.assign(&rows_out.slice(s![.., tile_cols, ..]));
    Ok(())
}
