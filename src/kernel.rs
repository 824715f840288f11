//! Kernels and sizes: the exact 1-D weight definitions every backend is
//! measured against.
//!
//! Output pixel p with size v = size(p) is the gather
//! `out(p) = sum_q K_v(q - p) in(q) / sum_q K_v(q - p)`, over the positions
//! q the [`crate::Border`] uses, with the kernel of the output pixel and
//! each channel on its own. [`Kernel`] gives K_v; [`crate::Sample::from_f64`]
//! rounds the result. In float images a pixel whose window (its positions of
//! non-zero weight) holds a NaN, or both infinities, is NaN, one holding a
//! single kind of infinity is that infinity, and every other pixel is what
//! it would be with 0 in place of the non-finite samples. A size past
//! [`MAX_EXTENT`] acts as that extent. The repository's
//! `docs/DEFINITION.md` states the whole definition in one place.

use std::ops::Range;

use ndarray::{ArrayView1, ArrayView2, s};
use rayon::prelude::*;
use wide::f32x8;

/// Columns per block of a map row whose largest size validation keeps
/// ([`RowMaxima::over_rect`]): a backend that goes through an image in
/// blocks of these columns (or of a multiple of them) learns each block's
/// largest size without another scan of the map.
pub(crate) const MAXIMA_COLS: usize = 2048;

/// The largest size of each row of a size map, and of each block of
/// [`MAXIMA_COLS`] columns of each row (see [`Size::row_maxima`]).
#[derive(Debug, Clone)]
pub(crate) struct RowMaxima {
    /// The size of a uniform map (no rows).
    uniform: f32,
    rows: Vec<f32>,
    /// Per row, the largest size of each block of columns, row by row.
    blocks: Vec<f32>,
    /// Blocks per row.
    row_blocks: usize,
    /// The image row of the map's first row.
    first_row: usize,
}

impl RowMaxima {
    /// The largest size over image rows `rows` (clamped to the map's rows; 0
    /// if none).
    pub(crate) fn over(&self, rows: Range<usize>) -> f32 {
        if self.rows.is_empty() {
            return self.uniform;
        }
        let local = |row: usize| row.saturating_sub(self.first_row).min(self.rows.len());
        let rows = local(rows.start)..local(rows.end);
        // Sizes are validated (no NaN).
        self.rows[rows].iter().fold(0.0, |m, &v| if v > m { v } else { m })
    }

    /// The largest size over image rows `rows` (clamped to the map's rows)
    /// and the blocks of [`MAXIMA_COLS`] columns that meet `cols`: the
    /// largest over `cols` where those begin a block and end one or the
    /// row, else an upper bound of it; 0 if none.
    pub(crate) fn over_rect(&self, rows: Range<usize>, cols: Range<usize>) -> f32 {
        if self.rows.is_empty() {
            return self.uniform;
        }
        let local = |row: usize| row.saturating_sub(self.first_row).min(self.rows.len());
        let rows = local(rows.start)..local(rows.end);
        let blocks = cols.start / MAXIMA_COLS..cols.end.div_ceil(MAXIMA_COLS).min(self.row_blocks);
        let row_blocks = self
            .blocks
            .chunks_exact(self.row_blocks)
            .skip(rows.start)
            .take(rows.len());
        // Sizes are validated (no NaN).
        row_blocks
            .flat_map(|row| row.get(blocks.clone()).unwrap_or(&[]))
            .fold(0.0, |m, &v| if v > m { v } else { m })
    }

    /// The same maxima for a map whose first row is image row `first_row`.
    pub(crate) fn starting_at(self, first_row: usize) -> Self {
        RowMaxima { first_row, ..self }
    }
}

/// The sizes of the pixels a job outputs, addressed by image row: a size
/// map that covers the output rows only (its first row is image row
/// `first_row`), or one size for every pixel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowSizes<'a> {
    size: Size<'a>,
    first_row: usize,
}

impl<'a> RowSizes<'a> {
    /// `size`, whose map (if any) starts at image row `first_row`.
    pub(crate) fn new(size: Size<'a>, first_row: usize) -> Self {
        RowSizes { size, first_row }
    }

    /// The size at image pixel (row, col), an output pixel.
    #[inline(always)]
    pub(crate) fn at(&self, row: usize, col: usize) -> f32 {
        self.size.at(row - self.first_row, col)
    }

    /// [`Size::row`] of image row `row`, an output row.
    pub(crate) fn row<'s>(&'s self, row: usize, cols: Range<usize>, scratch: &'s mut Vec<f32>) -> Option<&'s [f32]> {
        self.size.row(row - self.first_row, cols, scratch)
    }

    /// [`Size::row_bytes`] of image row `row`, an output row.
    pub(crate) fn row_bytes(&self, row: usize, cols: Range<usize>) -> &[u8] {
        self.size.row_bytes(row - self.first_row, cols)
    }
}

/// Most size map values one thread scans at a time (a maximum, a
/// validation); larger maps are split across threads.
pub(crate) const MAX_SCAN_BAND: usize = 1 << 21;

/// The blur kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Kernel {
    /// Box of radius r (the size value): with n = floor(r), f = r - n, the 1-D
    /// weight is 1 for |d| <= n and f for |d| = n + 1. The 2-D weight is the
    /// product of the 1-D weights in y and x. Integer r is the (2r+1)-tap mean.
    #[default]
    Box,
    /// Gaussian of sigma s (the size value): weight exp(-(dx^2 + dy^2) / (2 s^2))
    /// for |dx|, |dy| <= ceil(4 s); s = 0 is the identity.
    Gaussian,
}

/// The blur size of every pixel: a radius for [`Kernel::Box`], a sigma for
/// [`Kernel::Gaussian`]. Values must be finite and >= 0; they need not be
/// integers.
///
/// A map may hold `f32` sizes, or `u8` / `u16` values times a scale (a
/// quarter or half of the memory of `f32`, which counts at 15000 x 15000):
/// value v is the size `v as f32 * scale`, exactly as an `f32` map holding
/// that product.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Size<'a> {
    /// The same size for every pixel.
    Uniform(f32),
    /// One size per pixel, of the image's (height, width).
    Map(ArrayView2<'a, f32>),
    /// One `u8` value per pixel, of the image's (height, width), and the
    /// scale: the size is `value as f32 * scale`. See [`Size::map_u8`].
    MapU8(ArrayView2<'a, u8>, f32),
    /// One `u16` value per pixel and the scale, as [`Size::MapU8`].
    MapU16(ArrayView2<'a, u16>, f32),
}

impl<'a> Size<'a> {
    /// A per-pixel size map from anything that views as a 2-D `f32` array,
    /// e.g. `Size::map(&radii)` for an `Array2<f32>`.
    pub fn map(map: impl Into<ArrayView2<'a, f32>>) -> Self {
        Size::Map(map.into())
    }

    /// A per-pixel size map of `u8` values times `scale` (finite, >= 0):
    /// e.g. a distance map quantised to steps of 0.5 pixel with scale 0.5.
    pub fn map_u8(map: impl Into<ArrayView2<'a, u8>>, scale: f32) -> Self {
        Size::MapU8(map.into(), scale)
    }

    /// A per-pixel size map of `u16` values times `scale` (finite, >= 0).
    pub fn map_u16(map: impl Into<ArrayView2<'a, u16>>, scale: f32) -> Self {
        Size::MapU16(map.into(), scale)
    }

    /// The same size, borrowed for a shorter lifetime.
    pub fn reborrow(&self) -> Size<'_> {
        match self {
            Size::Uniform(v) => Size::Uniform(*v),
            Size::Map(map) => Size::Map(map.view()),
            Size::MapU8(map, scale) => Size::MapU8(map.view(), *scale),
            Size::MapU16(map, scale) => Size::MapU16(map.view(), *scale),
        }
    }

    /// The size at pixel (row, col). The map must cover that pixel.
    #[inline(always)]
    pub fn at(&self, row: usize, col: usize) -> f32 {
        match self {
            Size::Uniform(v) => *v,
            Size::Map(map) => map[[row, col]],
            Size::MapU8(map, scale) => map[[row, col]] as f32 * scale,
            Size::MapU16(map, scale) => map[[row, col]] as f32 * scale,
        }
    }

    /// The sizes of map rows `rows` (within the map): a view of them; the
    /// same size for [`Size::Uniform`].
    pub(crate) fn rows(&self, rows: Range<usize>) -> Size<'_> {
        match self {
            Size::Uniform(v) => Size::Uniform(*v),
            Size::Map(map) => Size::Map(map.slice(s![rows, ..])),
            Size::MapU8(map, scale) => Size::MapU8(map.slice(s![rows, ..]), *scale),
            Size::MapU16(map, scale) => Size::MapU16(map.slice(s![rows, ..]), *scale),
        }
    }

    /// The largest value (0 for an empty map).
    pub fn max_value(&self) -> f32 {
        self.max_over_rows(0..usize::MAX)
    }

    /// The largest value in map rows `rows` (clamped to the map; 0 if
    /// none); the uniform size for [`Size::Uniform`].
    pub(crate) fn max_over_rows(&self, rows: Range<usize>) -> f32 {
        self.max_over_rect(rows, 0..usize::MAX)
    }

    /// The largest value over map rows `rows` and columns `cols` (both
    /// clamped to the map; 0 if none); the uniform size for
    /// [`Size::Uniform`].
    pub(crate) fn max_over_rect(&self, rows: Range<usize>, cols: Range<usize>) -> f32 {
        match self {
            Size::Uniform(v) => *v,
            _ => self.scan_rows(rows, cols).iter().fold(0.0, |m, row| m.max(row.largest)),
        }
    }

    /// The largest size of each map row, to answer the largest size over
    /// any rows without another scan of the map; or the first row (in
    /// order) that holds a value that is not a size (NaN, infinite,
    /// negative; a `u8` or `u16` value whose product with the scale is
    /// infinite). One scan for validation and maxima alike: at 15000^2 an
    /// `f32` map is 900 MB.
    pub(crate) fn row_maxima(&self) -> Result<RowMaxima, usize> {
        let Some((height, width)) = self.map_dim() else {
            return Ok(RowMaxima {
                uniform: self.at(0, 0),
                rows: Vec::new(),
                blocks: Vec::new(),
                row_blocks: 1,
                first_row: 0,
            });
        };
        let row_blocks = width.div_ceil(MAXIMA_COLS).max(1);
        let scans = self.scan_blocks(height, width);
        match scans.iter().position(|block| !block.valid) {
            Some(block) => Err(block / row_blocks),
            None => Ok(RowMaxima {
                uniform: 0.0,
                rows: scans
                    .chunks_exact(row_blocks)
                    .map(|row| row.iter().fold(0.0f32, |m, block| m.max(block.largest)))
                    .collect(),
                blocks: scans.iter().map(|block| block.largest).collect(),
                row_blocks,
                first_row: 0,
            }),
        }
    }

    /// [`Self::scan_row`] of every block of [`MAXIMA_COLS`] columns of
    /// every row of a map of `height` x `width` (a row of no columns is one
    /// empty block), row by row; across threads in bands where there are
    /// more than [`MAX_SCAN_BAND`] values.
    fn scan_blocks(&self, height: usize, width: usize) -> Vec<RowScan> {
        let row_blocks = width.div_ceil(MAXIMA_COLS).max(1);
        let scan = |i: usize| {
            let start = i % row_blocks * MAXIMA_COLS;
            self.scan_row(i / row_blocks, start.min(width)..(start + MAXIMA_COLS).min(width))
        };
        let blocks = 0..height * row_blocks;
        if height * width > MAX_SCAN_BAND {
            let band_blocks = (MAX_SCAN_BAND / width.clamp(1, MAXIMA_COLS)).max(1);
            blocks.into_par_iter().with_min_len(band_blocks).map(scan).collect()
        } else {
            blocks.map(scan).collect()
        }
    }

    /// [`Self::scan_row`] of every map row of `rows`, columns `cols` (both
    /// clamped), in order; across threads in bands of rows where there are
    /// more than [`MAX_SCAN_BAND`] values. None for [`Size::Uniform`].
    fn scan_rows(&self, rows: Range<usize>, cols: Range<usize>) -> Vec<RowScan> {
        let Some((height, width)) = self.map_dim() else {
            return Vec::new();
        };
        let rows = rows.start.min(height)..rows.end.min(height);
        let cols = cols.start.min(width)..cols.end.min(width);
        let scan = |row: usize| self.scan_row(row, cols.clone());
        if rows.len() * cols.len() > MAX_SCAN_BAND {
            let band_rows = (MAX_SCAN_BAND / cols.len().max(1)).max(1);
            rows.into_par_iter().with_min_len(band_rows).map(scan).collect()
        } else {
            rows.map(scan).collect()
        }
    }

    /// The largest value of map row `row`, columns `cols` (within the map),
    /// and whether every one is a size.
    fn scan_row(&self, row: usize, cols: Range<usize>) -> RowScan {
        match self {
            Size::Uniform(v) => RowScan {
                largest: *v,
                valid: *v >= 0.0 && v.is_finite(),
            },
            Size::Map(map) => {
                let values = map.slice(s![row, cols]);
                match values.as_slice() {
                    Some(values) => scan_sizes(values),
                    None => values.fold(RowScan::EMPTY, |scan, &v| scan.with(v)),
                }
            }
            Size::MapU8(map, scale) => {
                RowScan::EMPTY.with(map.slice(s![row, cols]).fold(0, |m, &v| m.max(v)) as f32 * scale)
            }
            Size::MapU16(map, scale) => {
                RowScan::EMPTY.with(map.slice(s![row, cols]).fold(0, |m, &v| m.max(v)) as f32 * scale)
            }
        }
    }

    /// The sizes of map row `row`, columns `cols`, as `f32`: the map's own
    /// memory where it is a contiguous `f32` row, else converted into
    /// `scratch`. `None` for [`Size::Uniform`].
    pub(crate) fn row<'s>(&'s self, row: usize, cols: Range<usize>, scratch: &'s mut Vec<f32>) -> Option<&'s [f32]> {
        scratch.clear();
        let part = s![row, cols];
        match self {
            Size::Uniform(_) => return None,
            Size::Map(map) => return Some(crate::strips::as_contiguous(map.slice(part), scratch)),
            Size::MapU8(map, scale) => scaled_into(map.slice(part), *scale, scratch),
            Size::MapU16(map, scale) => scaled_into(map.slice(part), *scale, scratch),
        }
        Some(scratch)
    }

    /// The memory of map row `row`, columns `cols` (within the map), where
    /// it is one slice (else, and for [`Size::Uniform`], none): for cache
    /// hints.
    pub(crate) fn row_bytes(&self, row: usize, cols: Range<usize>) -> &[u8] {
        let part = s![row, cols];
        let bytes = match self {
            Size::Uniform(_) => None,
            Size::Map(map) => map.slice(part).to_slice().map(bytemuck::cast_slice),
            Size::MapU8(map, _) => map.slice(part).to_slice(),
            Size::MapU16(map, _) => map.slice(part).to_slice().map(bytemuck::cast_slice),
        };
        bytes.unwrap_or(&[])
    }

    /// (rows, columns) of the map; `None` for [`Size::Uniform`].
    pub fn map_dim(&self) -> Option<(usize, usize)> {
        match self {
            Size::Uniform(_) => None,
            Size::Map(map) => Some(map.dim()),
            Size::MapU8(map, _) => Some(map.dim()),
            Size::MapU16(map, _) => Some(map.dim()),
        }
    }

    /// True for [`Size::Uniform`].
    pub fn is_uniform(&self) -> bool {
        matches!(self, Size::Uniform(_))
    }
}

/// A scan of map values: the largest, and whether every one is a size
/// (finite, >= 0).
#[derive(Debug, Clone, Copy)]
struct RowScan {
    largest: f32,
    valid: bool,
}

impl RowScan {
    /// The scan of no values.
    const EMPTY: RowScan = RowScan {
        largest: 0.0,
        valid: true,
    };

    /// The scan with one more value.
    fn with(self, v: f32) -> RowScan {
        RowScan {
            // A NaN never replaces the largest value (it makes the scan invalid).
            largest: if v > self.largest { v } else { self.largest },
            valid: self.valid & (0.0..=f32::MAX).contains(&v),
        }
    }
}

/// [`RowScan`] of contiguous values, eight at a time: one running maximum
/// is a chain of dependent comparisons, and this scan reads every size of
/// a 15000^2 map before a blur.
fn scan_sizes(values: &[f32]) -> RowScan {
    let eights = values.chunks_exact(8);
    let rest = eights.remainder().iter().fold(RowScan::EMPTY, |scan, &v| scan.with(v));
    let (zero, most) = (f32x8::splat(0.0), f32x8::splat(f32::MAX));
    let (mut largest, mut valid) = (zero, zero.simd_eq(zero));
    for eight in eights {
        let v = f32x8::from(<[f32; 8]>::try_from(eight).expect("8 lanes"));
        // `max` keeps the left lane where the right one is NaN.
        largest = largest.max(v);
        valid &= v.simd_ge(zero) & v.simd_le(most);
    }
    let lanes = RowScan {
        largest: largest.to_array().into_iter().fold(0.0, f32::max),
        valid: valid.all(),
    };
    RowScan {
        largest: lanes.largest.max(rest.largest),
        valid: lanes.valid & rest.valid,
    }
}

/// Appends `values` times `scale` to `sizes`. A contiguous row goes
/// through its slice, whose iterator tells its length: the loop then
/// vectorises (through ndarray's iterator it was a visible part of B3
/// with a `u8` map: `cargo run --release --example large -- --u8-map`).
fn scaled_into<V: Copy + Into<f32>>(values: ArrayView1<'_, V>, scale: f32, sizes: &mut Vec<f32>) {
    match values.as_slice() {
        Some(values) => sizes.extend(values.iter().map(|&v| v.into() * scale)),
        None => sizes.extend(values.iter().map(|&v| v.into() * scale)),
    }
}

/// Largest window half-width, in pixels, that any size value produces.
///
/// A box radius or 4 sigma above it acts as this value. It is far beyond any
/// image side (so with [`crate::Border::Clip`] nothing changes), and it keeps
/// every exact integer window sum within `i128` whatever the border.
pub const MAX_EXTENT: i64 = 1 << 30;

/// The 1-D box of radius `radius`: full weight on |d| <= `inner`, weight
/// `edge_weight` on |d| = `inner` + 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxTaps {
    /// n = floor(r), clamped to [`MAX_EXTENT`].
    pub inner: i64,
    /// f = r - n, in [0, 1); 0 when the radius is clamped.
    pub edge_weight: f64,
}

impl BoxTaps {
    /// The taps of a box of radius `radius` (finite, >= 0).
    #[inline(always)]
    pub fn new(radius: f32) -> Self {
        let radius = radius as f64;
        if radius >= MAX_EXTENT as f64 {
            return BoxTaps {
                inner: MAX_EXTENT,
                edge_weight: 0.0,
            };
        }
        // Truncation is floor for radius >= 0, and needs no libm call on
        // targets without SSE4.1.
        let inner = radius as i64;
        BoxTaps {
            inner,
            edge_weight: radius - inner as f64,
        }
    }

    /// Largest |d| with non-zero weight.
    #[inline(always)]
    pub fn extent(&self) -> i64 {
        self.inner + i64::from(self.edge_weight > 0.0)
    }

    /// The weight at offset `d`.
    pub fn weight(&self, d: i64) -> f64 {
        let d = d.abs();
        if d <= self.inner {
            1.0
        } else if d == self.inner + 1 {
            self.edge_weight
        } else {
            0.0
        }
    }
}

/// The 1-D sampled, truncated Gaussian of sigma `sigma`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianTaps {
    sigma: f64,
    extent: i64,
}

impl GaussianTaps {
    /// The taps of a Gaussian of sigma `sigma` (finite, >= 0).
    pub fn new(sigma: f32) -> Self {
        Self::with_sigma(f64::from(sigma))
    }

    /// The taps of a Gaussian of an `f64` sigma (finite, >= 0), such as
    /// the levels of the `Levels` backend.
    pub(crate) fn with_sigma(sigma: f64) -> Self {
        let extent = (4.0 * sigma).ceil().min(MAX_EXTENT as f64) as i64;
        GaussianTaps { sigma, extent }
    }

    /// ceil(4 sigma): the largest |d| with non-zero weight.
    pub fn extent(&self) -> i64 {
        self.extent
    }

    /// The weight exp(-d^2 / (2 sigma^2)) at offset `d` (0 beyond the extent).
    /// The 2-D weight is the product of two of these.
    pub fn weight(&self, d: i64) -> f64 {
        if d.abs() > self.extent {
            0.0
        } else if self.sigma == 0.0 {
            // Sigma 0 is the identity: only d == 0 is within extent 0.
            1.0
        } else {
            let d = d as f64;
            (-(d * d) / (2.0 * self.sigma * self.sigma)).exp()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_size_over_rows_is_the_largest_value() {
        // Widths around the eight lanes, the largest value at every
        // position in turn, contiguous and strided maps.
        for width in [0usize, 1, 7, 8, 9, 17, 31] {
            for height in [1usize, 3] {
                for peak in 0..width * height {
                    let map = ndarray::Array2::from_shape_fn((height, 2 * width), |(y, x)| {
                        if x % 2 == 0 && y * width + x / 2 == peak {
                            9.5
                        } else {
                            ((x * 7 + y * 3) % 5) as f32
                        }
                    });
                    let strided = map.slice(ndarray::s![.., ..;2]);
                    let contiguous = strided.to_owned();
                    for view in [strided, contiguous.view()] {
                        let size = Size::map(view);
                        assert_eq!(size.max_over_rows(0..height), 9.5, "{width} x {height}, peak {peak}");
                        let row = peak / width;
                        assert_eq!(size.max_over_rows(row..row + 1), 9.5);
                        let below = view.rows().into_iter().skip(row + 1);
                        let want = below.flat_map(|r| r.to_vec()).fold(0.0, f32::max);
                        assert_eq!(size.max_over_rows(row + 1..height), want);
                        let maxima = size.row_maxima().expect("valid sizes");
                        assert_eq!(maxima.over(0..height), 9.5);
                        assert_eq!(maxima.over(row..row + 1), 9.5);
                        assert_eq!(maxima.over(row + 1..height), want);
                    }
                }
            }
        }
    }

    #[test]
    fn the_scan_names_the_first_row_with_a_value_that_is_not_a_size() {
        // Each bad value at every position of widths around the eight
        // lanes (in the lanes and in the rest), contiguous and strided;
        // the largest value beside it stays the largest of the valid rows.
        for bad in [f32::NAN, -0.5, f32::INFINITY, f32::NEG_INFINITY] {
            for width in [1usize, 7, 8, 9, 17] {
                for at in 0..2 * width {
                    let mut map = ndarray::Array2::from_shape_fn((3, 2 * width), |(y, x)| (x + y) as f32 / 2.0);
                    map[[1 + at / width, 2 * (at % width)]] = bad;
                    let strided = map.slice(s![.., ..;2]);
                    let contiguous = strided.to_owned();
                    for view in [strided, contiguous.view()] {
                        let size = Size::map(view);
                        assert_eq!(size.row_maxima().err(), Some(1 + at / width), "{bad} {width} {at}");
                    }
                }
            }
        }
        // u8 and u16 values whose product with the scale is infinite.
        let map = ndarray::Array2::from_shape_fn((4, 9), |(y, x)| if (y, x) == (2, 8) { 200u8 } else { 1 });
        assert_eq!(Size::map_u8(&map, 1e37).row_maxima().err(), Some(2));
        assert_eq!(Size::map_u16(&map.mapv(u16::from), 1e37).row_maxima().err(), Some(2));
        let maxima = Size::map_u8(&map, 0.5).row_maxima().expect("valid sizes");
        assert_eq!((maxima.over(0..2), maxima.over(2..3)), (0.5, 100.0));
    }

    #[test]
    fn a_large_map_split_across_threads_has_the_same_largest_values() {
        // Past MAX_SCAN_BAND values: the scans go in bands of rows.
        let (height, width) = (1100, 2000);
        assert!(height * width > MAX_SCAN_BAND);
        let base = ndarray::Array2::from_shape_fn((height, width), |(y, x)| ((x * 7 + y * 3) % 50) as f32 / 4.0);
        for (peak_row, peak_col) in [(0, 0), (547, 1999), (1099, 3), (1048, 1000)] {
            let mut map = base.clone();
            map[[peak_row, peak_col]] = 99.0;
            let size = Size::map(&map);
            let maxima = size.row_maxima().expect("valid sizes");
            for rows in [0..height, peak_row..peak_row + 1, 0..peak_row, peak_row + 1..height + 5] {
                let want = map
                    .slice(s![rows.start.min(height)..rows.end.min(height), ..])
                    .fold(0.0f32, |m, &v| m.max(v));
                assert_eq!(size.max_over_rows(rows.clone()), want, "{rows:?}");
                assert_eq!(maxima.over(rows.clone()), want, "{rows:?}");
            }
        }
    }

    #[test]
    fn block_maxima_are_the_largest_sizes_of_their_columns() {
        // Three blocks of columns, the last one short; large enough for
        // the scan to go across threads, and a small map on one.
        for (height, width) in [(500, 2 * MAXIMA_COLS + 900), (3, MAXIMA_COLS + 1)] {
            let base = ndarray::Array2::from_shape_fn((height, width), |(y, x)| ((x * 7 + y * 3) % 50) as f32 / 4.0);
            for (peak_row, peak_col) in [(0, 0), (1, MAXIMA_COLS - 1), (2, MAXIMA_COLS), (height - 1, width - 1)] {
                let mut map = base.clone();
                map[[peak_row, peak_col]] = 99.0;
                let maxima = Size::map(&map).row_maxima().expect("valid sizes");
                let blocks = (0..width).step_by(MAXIMA_COLS).map(|c| c..(c + MAXIMA_COLS).min(width));
                for cols in blocks.chain([0..width, MAXIMA_COLS..width]) {
                    for rows in [0..height, peak_row..peak_row + 1, 0..peak_row, peak_row + 1..height + 5] {
                        let want = map
                            .slice(s![rows.start.min(height)..rows.end.min(height), cols.clone()])
                            .fold(0.0f32, |m, &v| m.max(v));
                        assert_eq!(maxima.over_rect(rows.clone(), cols.clone()), want, "{rows:?} {cols:?}");
                    }
                }
                // Columns within a block: at least their largest size.
                let part = maxima.over_rect(0..height, 1..2);
                assert!(part >= map.column(1).fold(0.0f32, |m, &v| m.max(v)));
            }
        }
        // One size for every pixel: that size.
        assert_eq!(
            Size::Uniform(3.5).row_maxima().expect("valid").over_rect(0..9, 4..7),
            3.5
        );
    }

    #[test]
    fn box_taps_follow_the_definition() {
        let taps = BoxTaps::new(2.25);
        assert_eq!(taps.inner, 2);
        assert_eq!(taps.extent(), 3);
        let weights: Vec<f64> = (-4..=4).map(|d| taps.weight(d)).collect();
        assert_eq!(weights, [0.0, 0.25, 1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.0]);
        assert_eq!(BoxTaps::new(3.0).extent(), 3);
        assert_eq!(BoxTaps::new(0.0).weight(0), 1.0);
        assert_eq!(BoxTaps::new(0.0).weight(1), 0.0);
        assert_eq!(BoxTaps::new(1e30).inner, MAX_EXTENT);
    }

    #[test]
    fn gaussian_taps_follow_the_definition() {
        let taps = GaussianTaps::new(1.0);
        assert_eq!(taps.extent(), 4);
        assert_eq!(taps.weight(0), 1.0);
        assert!((taps.weight(1) - (-0.5f64).exp()).abs() < 1e-15);
        assert!((taps.weight(-2) - (-2.0f64).exp()).abs() < 1e-15);
        assert_eq!(taps.weight(5), 0.0);
        let identity = GaussianTaps::new(0.0);
        assert_eq!(
            (identity.extent(), identity.weight(0), identity.weight(1)),
            (0, 1.0, 0.0)
        );
        assert_eq!(GaussianTaps::new(0.3).extent(), 2);
    }
}
