//! The exact Euclidean distance transform of a mask, and the mapping from
//! a distance to a blur size: the path from "these areas stay sharp" to a
//! blurred image.
//!
//! # The transform
//!
//! The *region* of a mask is its non-zero pixels (any [`Sample`] type;
//! `-0.0` is zero, and a NaN is refused with [`Error::InvalidMask`]). The
//! distance of pixel (y, x) is the Euclidean distance to the nearest region
//! pixel,
//!
//! `d(y, x) = min over region pixels (y', x') of sqrt((y - y')^2 + (x - x')^2)`,
//!
//! so region pixels get 0, and every pixel gets `f32::INFINITY` when the
//! region is empty. [`distance`] returns it as `f32`: the square root of the
//! exact integer d^2, rounded once to the nearest `f32`.
//! [`squared_distance_into`] gives d^2 itself as an exact `u64` (`u64::MAX`
//! when the region is empty).
//!
//! A *cap* D reports every distance above D as D (and every squared
//! distance above D^2 as ceil(D^2)). A capped distance depends only on the
//! mask within ceil(D) pixels of its pixel (along each axis), so a tile of
//! the image computed from a window that reaches ceil(D) pixels beyond the
//! tile (or to the image's edge) gives the whole image's values: the
//! transform runs piecewise, through Dask for example, with that halo.
//!
//! ```
//! use ndarray::Array2;
//!
//! let mut mask = Array2::<u8>::zeros((5, 7));
//! mask[(1, 2)] = 1;
//! let d = varblur::distance(mask.view(), None)?;
//! assert_eq!(d[(1, 2)], 0.0);
//! assert_eq!(d[(4, 6)], 5.0); // sqrt(3^2 + 4^2)
//! assert_eq!(d[(1, 3)], 1.0);
//!
//! // Capped at 2: farther pixels read 2.
//! let capped = varblur::distance(mask.view(), Some(2.0))?;
//! assert_eq!(capped[(4, 6)], 2.0);
//! assert_eq!(capped[(2, 3)], std::f32::consts::SQRT_2);
//! # Ok::<(), varblur::Error>(())
//! ```
//!
//! # Cost
//!
//! Two passes of Felzenszwalb and Huttenlocher's separable algorithm, each
//! linear in the pixels and parallel on rayon: down and back up bands of
//! columns (the distance to the nearest region pixel of the same column,
//! a whole number kept in the output itself), then along each row the
//! lower envelope of the parabolas `(x - x')^2 + g(x')^2`. Memory: the
//! mask, the output, and a row's envelope per thread; no image-sized
//! intermediate.
//!
//! # From distance to size
//!
//! [`DistanceToSize`] is `size = clamp(scale * max(distance - offset, 0), 0, max_size)`,
//! and [`blur_by_distance`] goes from an image and its mask to the blurred
//! image in one call.

use ndarray::{
    Array, Array1, Array2, ArrayBase, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Data, Ix2, Zip,
};
use rayon::prelude::*;

use crate::backend::Auto;
use crate::border::Border;
use crate::error::Error;
use crate::filter::{Filter, ImageDim, Params, new_output, validate_params};
use crate::kernel::{Kernel, Size};
use crate::sample::Sample;

/// The longest side of a mask: column distances are whole numbers held in
/// the `f32` output between the two passes, exact up to 2^24.
pub const MAX_SIDE: usize = 1 << 24;

/// Columns one task of the column pass walks down and back up: a run of
/// whole cache lines per row, and enough bands to keep every thread busy.
const BAND_COLUMNS: usize = 256;

/// The distance transform of `mask`: the Euclidean distance from every
/// pixel to the nearest non-zero pixel, 0 on them, `f32::INFINITY` for
/// every pixel when there is none; with `cap`, distances above it read
/// `cap`. See the [module docs](mod@crate::distance) for the definition.
///
/// `mask` is (height, width), any strides. Errors: a NaN in the mask
/// ([`Error::InvalidMask`]), a cap that is NaN or negative
/// ([`Error::InvalidParameter`]), a side longer than [`MAX_SIDE`] or an
/// output that cannot be allocated ([`Error::TooLarge`]).
pub fn distance<M: Sample>(mask: ArrayView2<'_, M>, cap: Option<f32>) -> Result<Array2<f32>, Error> {
    // Checked before the output is allocated: a broadcast view may be far
    // larger than memory.
    let cap = check(&mask, cap)?;
    let mut out = new_output(mask.raw_dim())?;
    compute(mask, &cap, out.view_mut());
    Ok(out)
}

/// [`distance`] into `out`, which must have the mask's shape (any
/// strides). On error `out` is untouched.
pub fn distance_into<M: Sample>(
    mask: ArrayView2<'_, M>,
    cap: Option<f32>,
    out: ArrayViewMut2<'_, f32>,
) -> Result<(), Error> {
    transform(mask, cap, out)
}

/// The exact squared distances d^2 of [`distance`], as integers, into
/// `out` (the mask's shape, any strides): `u64::MAX` for every pixel when
/// the mask has no non-zero pixel; with `cap`, squared distances above
/// cap^2 read ceil(cap^2) (`u64::MAX` where that does not fit). On error
/// `out` is untouched.
pub fn squared_distance_into<M: Sample>(
    mask: ArrayView2<'_, M>,
    cap: Option<f32>,
    out: ArrayViewMut2<'_, u64>,
) -> Result<(), Error> {
    transform(mask, cap, out)
}

/// The cap, in the forms the passes use it.
#[derive(Debug, Clone, Copy)]
struct Cap {
    /// Distances above it read it (`f32::INFINITY`: none).
    distance: f32,
    /// Squared distances above it read it: ceil(cap^2).
    squared: u64,
    /// The largest column distance that can give a distance within the cap.
    column: u64,
}

impl Cap {
    fn new(cap: Option<f32>) -> Result<Self, Error> {
        // -0.0 caps as 0.0, so no result reads -0.0.
        let distance = cap.unwrap_or(f32::INFINITY) + 0.0;
        if distance.is_nan() || distance < 0.0 {
            return Err(Error::InvalidParameter {
                name: "distance cap",
                value: f64::from(distance),
                expected: "a distance >= 0 (or infinite)",
            });
        }
        let wide = f64::from(distance);
        // An f32 squared is exact in f64 (48 significant bits); the casts
        // saturate, so an infinite or huge cap caps nothing.
        Ok(Cap {
            distance,
            squared: (wide * wide).ceil() as u64,
            column: wide.floor() as u64,
        })
    }
}

/// Everything a call checks before its first write but the output's shape.
fn check<M: Sample>(mask: &ArrayView2<'_, M>, cap: Option<f32>) -> Result<Cap, Error> {
    let cap = Cap::new(cap)?;
    let (height, width) = mask.dim();
    if height > MAX_SIDE || width > MAX_SIDE {
        return Err(Error::TooLarge {
            height,
            width,
            reason: "a side is longer than the distance transform's 2^24 pixels",
        });
    }
    if let Some(position) = first_nan(mask) {
        return Err(Error::InvalidMask { position });
    }
    Ok(cap)
}

/// The (row, col) of the first NaN of `mask` in row-major order.
fn first_nan<M: Sample>(mask: &ArrayView2<'_, M>) -> Option<(usize, usize)> {
    if M::TYPE.is_integer() {
        return None;
    }
    let is_nan = |v: &M| v.to_f64().is_nan();
    let row = mask
        .axis_iter(Axis(0))
        .into_par_iter()
        .position_first(|row| row.iter().any(is_nan))?;
    let col = mask.row(row).iter().position(is_nan)?;
    Some((row, col))
}

/// An output element of the transform. Between the two passes it holds
/// the column distance, a whole number ([`Cell::ZERO`] on the region,
/// [`Cell::NONE`] in a column without a region pixel); the row pass then
/// writes the result over it.
trait Cell: Copy + PartialOrd + Send + Sync {
    /// A region pixel's column distance.
    const ZERO: Self;
    /// No region pixel in the column; larger than every distance.
    const NONE: Self;
    /// One pixel further from the region pixel: +1, and `NONE` stays `NONE`.
    fn next(self) -> Self;
    /// The column distance as an integer; `None` for `NONE`.
    fn column_distance(self) -> Option<u64>;
    /// The result for squared distance `squared` (`u64::MAX`: no region
    /// pixel) under `cap`.
    fn result(squared: u64, cap: &Cap) -> Self;
    /// The results of `out`, pixels `first`, `first + 1`, ... of a row
    /// whose lowest parabola there is `parabola`.
    fn segment(out: &mut [Self], first: i64, parabola: Parabola, cap: &Cap);
}

impl Cell for f32 {
    const ZERO: f32 = 0.0;
    const NONE: f32 = f32::INFINITY;
    #[inline(always)]
    fn next(self) -> f32 {
        // Exact: column distances are at most MAX_SIDE.
        self + 1.0
    }
    #[inline(always)]
    fn column_distance(self) -> Option<u64> {
        self.is_finite().then_some(self as u64)
    }
    #[inline(always)]
    fn result(squared: u64, cap: &Cap) -> f32 {
        let distance = if squared == u64::MAX {
            f32::INFINITY
        } else {
            // The f64 root of an integer below 2^53, rounded again to f32,
            // is the f32 nearest the exact root: f64 carries more than
            // twice f32's digits, so the double rounding is harmless.
            (squared as f64).sqrt() as f32
        };
        // The rounding is monotone and the cap an f32, so a distance above
        // the cap never rounds below it.
        distance.min(cap.distance)
    }
    #[inline(always)]
    fn segment(out: &mut [f32], first: i64, parabola: Parabola, cap: &Cap) {
        // In f64, exactly: the terms are integers below 2^53, and the
        // offsets from the vertex fit an i32 (a loop the compiler turns
        // into vector code).
        let from = (first - parabola.at) as i32;
        let height = parabola.height as f64;
        for (i, out) in out.iter_mut().enumerate() {
            let dx = f64::from(from + i as i32);
            *out = ((dx * dx + height).sqrt() as f32).min(cap.distance);
        }
    }
}

impl Cell for u64 {
    const ZERO: u64 = 0;
    const NONE: u64 = u64::MAX;
    #[inline(always)]
    fn next(self) -> u64 {
        self.saturating_add(1)
    }
    #[inline(always)]
    fn column_distance(self) -> Option<u64> {
        (self != u64::MAX).then_some(self)
    }
    #[inline(always)]
    fn result(squared: u64, cap: &Cap) -> u64 {
        squared.min(cap.squared)
    }
    #[inline(always)]
    fn segment(out: &mut [u64], first: i64, parabola: Parabola, cap: &Cap) {
        for (x, out) in (first..).zip(out.iter_mut()) {
            let dx = x - parabola.at;
            *out = ((dx * dx + parabola.height) as u64).min(cap.squared);
        }
    }
}

/// The checked transform, into an output of either element type.
fn transform<M: Sample, C: Cell>(
    mask: ArrayView2<'_, M>,
    cap: Option<f32>,
    out: ArrayViewMut2<'_, C>,
) -> Result<(), Error> {
    if out.dim() != mask.dim() {
        return Err(Error::ShapeMismatch {
            what: "output",
            expected: mask.shape().to_vec(),
            found: out.shape().to_vec(),
        });
    }
    let cap = check(&mask, cap)?;
    compute(mask, &cap, out);
    Ok(())
}

/// The transform of a checked call.
fn compute<M: Sample, C: Cell>(mask: ArrayView2<'_, M>, cap: &Cap, out: ArrayViewMut2<'_, C>) {
    if mask.is_empty() {
        return;
    }
    // The distance is the same for the transposed mask, so the passes run
    // along whichever axis lies along memory in the output: each row of the
    // row pass, and each band's run of a row in the column pass, is then
    // contiguous.
    let [row_stride, col_stride] = [out.strides()[0].unsigned_abs(), out.strides()[1].unsigned_abs()];
    let (mask, mut out) = if mask.nrows() > 1 && mask.ncols() > 1 && col_stride > row_stride {
        (mask.reversed_axes(), out.reversed_axes())
    } else {
        (mask, out)
    };
    column_pass(mask, out.view_mut());
    row_pass(out, cap);
}

/// Writes into `out` the distance from each pixel to the nearest region
/// pixel of its own column, bands of columns in parallel.
fn column_pass<M: Sample, C: Cell>(mask: ArrayView2<'_, M>, mut out: ArrayViewMut2<'_, C>) {
    mask.axis_chunks_iter(Axis(1), BAND_COLUMNS)
        .into_par_iter()
        .zip(out.axis_chunks_iter_mut(Axis(1), BAND_COLUMNS))
        .for_each(|(mask, out)| column_band(mask, out));
}

/// The column distances of one band: down the rows, the distance to the
/// nearest region pixel above (or on) each pixel; then back up, the
/// smaller of that and the distance to the nearest one below. Rows are
/// walked whole (the band's part of each), not columns, so the band's
/// memory is read in order.
fn column_band<M: Sample, C: Cell>(mask: ArrayView2<'_, M>, mut out: ArrayViewMut2<'_, C>) {
    let zero = M::default();
    let mut since = Array1::from_elem(mask.ncols(), C::NONE);
    for (mask_row, out_row) in mask.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
        Zip::from(&mut since)
            .and(&mask_row)
            .and(out_row)
            .for_each(|since, &m, out| {
                *since = if m != zero { C::ZERO } else { since.next() };
                *out = *since;
            });
    }
    since.fill(C::NONE);
    for out_row in out.axis_iter_mut(Axis(0)).rev() {
        Zip::from(&mut since).and(out_row).for_each(|since, out| {
            // The downward pass left 0 exactly on the region.
            let above = *out;
            *since = if above == C::ZERO { C::ZERO } else { since.next() };
            if *since < above {
                *out = *since;
            }
        });
    }
}

/// Turns each row's column distances into the result, rows in parallel,
/// with an envelope per thread.
fn row_pass<C: Cell>(mut out: ArrayViewMut2<'_, C>, cap: &Cap) {
    let (height, width) = out.dim();
    // The envelope compares products of a difference of offsets
    // (at^2 + g^2) and one of positions: `i64` holds them for sides up to
    // about 2^20, `i128` beyond.
    let (h, w) = ((height as u128).saturating_sub(1), (width as u128).saturating_sub(1));
    let narrow = (w * w + h * h) * w <= i64::MAX as u128;
    out.axis_iter_mut(Axis(0)).into_par_iter().for_each_init(
        || Envelope::with_capacity(width),
        |envelope, row| {
            if narrow {
                envelope.build::<i64>(row.view(), cap.column);
            } else {
                envelope.build::<i128>(row.view(), cap.column);
            }
            envelope.write(row, cap);
        },
    );
}

/// A parabola `(x - at)^2 + height` of the row pass: a pixel of the row at
/// `at` whose column distance is g, with height g^2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parabola {
    at: i64,
    height: i64,
}

impl Parabola {
    /// `at^2 + height`: the parabolas `p` and `q` (p.at < q.at) cross at
    /// x = (q.offset() - p.offset()) / (2 (q.at - p.at)).
    #[inline(always)]
    fn offset(self) -> i64 {
        self.at * self.at + self.height
    }

    /// The first whole x from which `next` (right of `self`) is at most
    /// `self`: the ceiling of their crossing.
    #[inline(always)]
    fn handover(self, next: Parabola) -> i64 {
        let (num, den) = (next.offset() - self.offset(), 2 * (next.at - self.at));
        // Division truncates toward zero: the ceiling for a negative
        // quotient, one below it for a positive inexact one.
        num / den + i64::from(num % den > 0)
    }
}

/// The lower envelope of a row's parabolas, by increasing `at`: each one
/// is the lowest over an interval of x, and the intervals follow in order.
/// With a row's worth of results, for rows not contiguous in memory.
#[derive(Debug)]
struct Envelope<C> {
    parabolas: Vec<Parabola>,
    row: Vec<C>,
}

impl<C: Cell> Envelope<C> {
    fn with_capacity(width: usize) -> Self {
        Envelope {
            parabolas: Vec::with_capacity(width),
            row: Vec::new(),
        }
    }

    /// The envelope of the parabolas of `row`'s column distances, leaving
    /// out those above `largest` (they give distances above the cap), with
    /// the crossings compared in `W`.
    fn build<W: Wide>(&mut self, row: ArrayView1<'_, C>, largest: u64) {
        self.parabolas.clear();
        for (x, cell) in row.iter().enumerate() {
            let Some(g) = cell.column_distance().filter(|&g| g <= largest) else {
                continue;
            };
            // Sides are at most MAX_SIDE, so these fit an i64 with room.
            let new = Parabola {
                at: x as i64,
                height: (g * g) as i64,
            };
            while let [.., before, last] = self.parabolas[..] {
                if !hides::<W>(before, last, new) {
                    break;
                }
                self.parabolas.pop();
            }
            self.parabolas.push(new);
        }
    }

    /// Writes the result of every pixel of `row`: the lowest parabola at
    /// its x, under `cap`.
    fn write(&mut self, mut row: ArrayViewMut1<'_, C>, cap: &Cap) {
        match row.as_slice_mut() {
            Some(out) => fill(&self.parabolas, out, cap),
            None => {
                self.row.clear();
                self.row.resize(row.len(), C::ZERO);
                fill(&self.parabolas, &mut self.row, cap);
                row.iter_mut().zip(&self.row).for_each(|(out, &value)| *out = value);
            }
        }
    }
}

/// The results of a row from its envelope: each parabola over the run of
/// whole x where it is the lowest (at a tie, both give the same value).
fn fill<C: Cell>(parabolas: &[Parabola], out: &mut [C], cap: &Cap) {
    let width = out.len() as i64;
    let mut start = 0;
    for (k, &parabola) in parabolas.iter().enumerate() {
        let end = match parabolas.get(k + 1) {
            Some(&next) => parabola.handover(next).clamp(start, width),
            None => width,
        };
        C::segment(&mut out[start as usize..end as usize], start, parabola, cap);
        start = end;
        if start == width {
            return;
        }
    }
    // An empty envelope: no region pixel within the cap.
    out[start as usize..].fill(C::result(u64::MAX, cap));
}

/// The integer type the envelope's crossings are compared in.
trait Wide: From<i64> + std::ops::Mul<Output = Self> + PartialOrd {}
impl Wide for i64 {}
impl Wide for i128 {}

/// Whether `new` (right of `last`, itself right of `before`) leaves `last`
/// lowest nowhere: `last` and `new` cross at or left of where `before` and
/// `last` do. Compared exactly, cross-multiplied in `W`.
#[inline(always)]
fn hides<W: Wide>(before: Parabola, last: Parabola, new: Parabola) -> bool {
    let (b, l, n) = (before, last, new);
    W::from(n.offset() - l.offset()) * W::from(l.at - b.at) <= W::from(l.offset() - b.offset()) * W::from(n.at - l.at)
}

/// The map from a distance to a blur size:
/// `size = clamp(scale * max(distance - offset, 0), 0, max_size)`.
///
/// Pixels within `offset` of the region stay sharp, the size then grows by
/// `scale` per pixel of distance, up to `max_size` (a radius for the box,
/// a sigma for the Gaussian). Computed in `f32`, in that order. An
/// infinite distance (an empty region) gives `max_size` (0 when `scale` is
/// 0, the size at every distance).
///
/// ```
/// use varblur::DistanceToSize;
///
/// // Sharp within 2 pixels, then 0.5 of radius per pixel, at most 10.
/// let mapping = DistanceToSize::new(0.5, 2.0, 10.0)?;
/// assert_eq!(mapping.size(1.0), 0.0);
/// assert_eq!(mapping.size(6.0), 2.0);
/// assert_eq!(mapping.size(100.0), 10.0);
/// assert_eq!(mapping.saturation_distance(), 22.0);
/// # Ok::<(), varblur::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DistanceToSize {
    scale: f32,
    offset: f32,
    max_size: f32,
}

impl DistanceToSize {
    /// The mapping with `scale` (finite, >= 0), `offset` (finite, any
    /// sign) and `max_size` (finite, >= 0); else [`Error::InvalidParameter`].
    pub fn new(scale: f32, offset: f32, max_size: f32) -> Result<Self, Error> {
        let invalid = |name, value: f32, expected| Error::InvalidParameter {
            name,
            value: f64::from(value),
            expected,
        };
        if !(scale.is_finite() && scale >= 0.0) {
            return Err(invalid("scale", scale, "finite and >= 0"));
        }
        if !offset.is_finite() {
            return Err(invalid("offset", offset, "finite"));
        }
        if !(max_size.is_finite() && max_size >= 0.0) {
            return Err(invalid("max_size", max_size, "finite and >= 0"));
        }
        Ok(DistanceToSize {
            scale,
            offset,
            max_size,
        })
    }

    /// The size per pixel of distance.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// The distance up to which the size is 0.
    pub fn offset(&self) -> f32 {
        self.offset
    }

    /// The largest size.
    pub fn max_size(&self) -> f32 {
        self.max_size
    }

    /// The size for `distance` (>= 0, or infinite).
    #[inline]
    pub fn size(&self, distance: f32) -> f32 {
        if self.scale == 0.0 {
            // 0 at every distance; 0 x infinity would be NaN.
            return 0.0;
        }
        (self.scale * (distance - self.offset).max(0.0)).min(self.max_size)
    }

    /// The smallest distance >= 0 from which on the size is `max_size`
    /// (`f32::INFINITY` where it never is): a cap of the distance
    /// transform that changes no size, and bounds its halo.
    pub fn saturation_distance(&self) -> f32 {
        // The size is monotone in the distance (each f32 operation rounds
        // monotonically), and so are the bit patterns of f32 values >= 0:
        // the first saturated distance is a binary search over the bits.
        let saturated = |bits: u32| self.size(f32::from_bits(bits)) >= self.max_size;
        let (mut low, mut high) = (0, f32::INFINITY.to_bits());
        while low < high {
            let middle = low + (high - low) / 2;
            if saturated(middle) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        // Infinity when no finite distance saturates (scale 0).
        f32::from_bits(low)
    }

    /// Turns `distances` into sizes in place, in parallel.
    pub fn map_in_place(&self, mut distances: ArrayViewMut2<'_, f32>) {
        distances.par_map_inplace(|d| *d = self.size(*d));
    }
}

/// Blurs `image` by the distance from the region of `mask` (its non-zero
/// pixels): the distance transform, capped at the mapping's
/// [saturation distance](DistanceToSize::saturation_distance) (which changes
/// no size and saves the work beyond it), turned into sizes by `mapping`,
/// then the [`Auto`] blur with `kernel` and `border`. The result is that of
/// those steps done one by one, bit for bit.
///
/// `image` is (height, width) or (height, width, channels), `mask` its
/// (height, width), both any strides. Memory: the image, the output and
/// one `f32` map (the distances, turned into sizes in place).
///
/// ```
/// use ndarray::Array2;
/// use varblur::{Border, DistanceToSize, Kernel};
///
/// let image = Array2::<u8>::from_shape_fn((64, 64), |(y, x)| ((x * 5 + y * 3) % 256) as u8);
/// let mut sharp = Array2::<u8>::zeros((64, 64));
/// sharp[(32, 32)] = 1;
/// // Radius 0 at the sharp pixel, growing by 0.25 per pixel, at most 6.
/// let mapping = DistanceToSize::new(0.25, 0.0, 6.0)?;
/// let blurred = varblur::blur_by_distance(&image, &sharp, mapping, Kernel::Box, Border::Reflect)?;
/// assert_eq!(blurred[(32, 32)], image[(32, 32)]);
/// # Ok::<(), varblur::Error>(())
/// ```
pub fn blur_by_distance<S, T, D, SM, M>(
    image: &ArrayBase<S, D>,
    mask: &ArrayBase<SM, Ix2>,
    mapping: DistanceToSize,
    kernel: Kernel,
    border: Border,
) -> Result<Array<T, D>, Error>
where
    S: Data<Elem = T>,
    T: Sample,
    D: ImageDim,
    SM: Data<Elem = M>,
    M: Sample,
{
    let (height, width, channels) = D::view3(image.view()).dim();
    if mask.dim() != (height, width) {
        return Err(Error::ShapeMismatch {
            what: "mask",
            expected: vec![height, width],
            found: mask.shape().to_vec(),
        });
    }
    // Everything of the blur but the sizes, checked before the transform's
    // work.
    validate_params::<T>(
        &Params::new(kernel, Size::Uniform(0.0)).with_border(border),
        (height, width),
        channels,
    )?;
    let mut sizes = distance(mask.view(), Some(mapping.saturation_distance()))?;
    mapping.map_in_place(sizes.view_mut());
    Auto.apply(
        image.view(),
        &Params::new(kernel, Size::map(&sizes)).with_border(border),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_numbers;

    fn at_x(p: &Parabola, x: i64) -> i64 {
        (x - p.at) * (x - p.at) + p.height
    }

    /// The lowest parabola at each x by trying every one.
    fn lowest(parabolas: &[Parabola], width: usize) -> Vec<i64> {
        (0..width as i64)
            .map(|x| parabolas.iter().map(|p| at_x(p, x)).min().unwrap_or(i64::MAX))
            .collect()
    }

    #[test]
    fn envelope_gives_the_lowest_parabola_at_every_x() {
        let mut numbers = test_numbers(0x5eed);
        for case in 0..3000 {
            let width = (numbers() % 40) as usize + 1;
            let column: Vec<u64> = (0..width)
                .map(|_| match numbers() % 4 {
                    0 => u64::MAX,
                    _ => numbers() % 30,
                })
                .collect();
            let row = Array1::from_iter(column.iter().copied());
            let mut envelope = Envelope::with_capacity(width);
            if case % 2 == 0 {
                envelope.build::<i64>(row.view(), u64::MAX - 1);
            } else {
                envelope.build::<i128>(row.view(), u64::MAX - 1);
            }
            let parabolas: Vec<Parabola> = column
                .iter()
                .enumerate()
                .filter(|(_, g)| **g != u64::MAX)
                .map(|(x, &g)| Parabola {
                    at: x as i64,
                    height: (g * g) as i64,
                })
                .collect();
            let expected: Vec<u64> = lowest(&parabolas, width)
                .into_iter()
                .map(|v| if v == i64::MAX { u64::MAX } else { v as u64 })
                .collect();
            // Into a contiguous row, and into every other element of one.
            let mut out = Array1::<u64>::zeros(width);
            envelope.write(out.view_mut(), &Cap::new(None).unwrap());
            assert_eq!(out.to_vec(), expected, "column distances {column:?}");
            let mut spread = Array1::<u64>::zeros(2 * width);
            envelope.write(spread.slice_mut(ndarray::s![..;2]), &Cap::new(None).unwrap());
            assert_eq!(spread.slice(ndarray::s![..;2]).to_vec(), expected);
            // Every parabola kept is the lowest somewhere, so none is kept
            // twice or out of order.
            assert!(envelope.parabolas.windows(2).all(|w| w[0].at < w[1].at));
        }
    }

    #[test]
    fn handover_is_the_first_x_where_the_next_parabola_is_lowest() {
        let mut numbers = test_numbers(0x4a0d);
        for _ in 0..20_000 {
            let p = Parabola {
                at: (numbers() % 50) as i64,
                height: (numbers() % 400) as i64,
            };
            let q = Parabola {
                at: p.at + 1 + (numbers() % 50) as i64,
                height: (numbers() % 400) as i64,
            };
            let x = p.handover(q);
            assert!(at_x(&q, x) <= at_x(&p, x), "{p:?} {q:?} at {x}");
            assert!(at_x(&q, x - 1) > at_x(&p, x - 1), "{p:?} {q:?} before {x}");
        }
    }

    #[test]
    fn cap_forms() {
        let cap = Cap::new(Some(2.5)).unwrap();
        assert_eq!((cap.distance, cap.squared, cap.column), (2.5, 7, 2));
        let cap = Cap::new(Some(3.0)).unwrap();
        assert_eq!((cap.squared, cap.column), (9, 3));
        let none = Cap::new(None).unwrap();
        assert_eq!(
            (none.distance, none.squared, none.column),
            (f32::INFINITY, u64::MAX, u64::MAX)
        );
        let huge = Cap::new(Some(f32::MAX)).unwrap();
        assert_eq!(huge.squared, u64::MAX);
        for bad in [-1.0, f32::NAN, f32::NEG_INFINITY, -f32::MIN_POSITIVE] {
            assert!(matches!(Cap::new(Some(bad)), Err(Error::InvalidParameter { .. })));
        }
    }

    #[test]
    fn saturation_distance_is_the_first_saturated_distance() {
        let mut numbers = test_numbers(0xd15);
        let value = |n: u64| f32::from_bits((n % 0x4b00_0000) as u32);
        for _ in 0..20_000 {
            let (scale, offset, max_size) = (value(numbers()), value(numbers()), value(numbers()));
            let offset = if numbers() & 1 == 0 { -offset } else { offset };
            let Ok(mapping) = DistanceToSize::new(scale, offset, max_size) else {
                continue;
            };
            let d = mapping.saturation_distance();
            assert!(d >= 0.0, "{mapping:?}: {d}");
            assert_eq!(mapping.size(d), max_size, "{mapping:?}: size at {d}");
            if d > 0.0 && d.is_finite() {
                assert!(
                    mapping.size(d.next_down()) < max_size,
                    "{mapping:?}: {d} is not the first"
                );
            }
            if d == f32::INFINITY {
                assert!(
                    mapping.size(f32::MAX) < max_size,
                    "{mapping:?}: saturated at a finite distance"
                );
            }
        }
    }

    #[test]
    fn size_is_monotone_in_the_distance() {
        let mut numbers = test_numbers(0x51e);
        for _ in 0..200 {
            let scale = (numbers() % 1000) as f32 / 97.0;
            let offset = (numbers() % 1000) as f32 / 13.0 - 20.0;
            let max_size = (numbers() % 1000) as f32 / 7.0;
            let mapping = DistanceToSize::new(scale, offset, max_size).unwrap();
            let mut d = 0.0f32;
            let mut last = mapping.size(d);
            for _ in 0..2000 {
                d += (numbers() % 100) as f32 / 37.0;
                let size = mapping.size(d);
                assert!(size >= last && size <= max_size, "{mapping:?} at {d}");
                last = size;
            }
        }
    }
}
