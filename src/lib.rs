//! Spatially variable blur: every pixel gets its own box radius or Gaussian
//! sigma from a per-pixel map, exactly and in O(1) per pixel whatever the
//! size, with memory bounded by strips of rows.
//!
//! Images are [`ndarray`] views of `u8`, `u16`, `f32` or `f64` samples,
//! (height, width) or (height, width, channels) with 1 to [`MAX_CHANNELS`]
//! interleaved channels, any strides. The size is [`Size::Uniform`] or a
//! per-pixel map ([`Size::map`], [`Size::map_u8`], [`Size::map_u16`]).
//!
//! ```
//! use ndarray::{Array2, Array3};
//! use varblur::{Border, Filter, Kernel, Params, RunningSum, Size};
//!
//! let image = Array3::<u8>::from_shape_fn((120, 160, 3), |(y, x, c)| ((x + 2 * y + 50 * c) % 256) as u8);
//! // A radius per pixel, growing from left to right: sharp to blurred.
//! let radii = Array2::<f32>::from_shape_fn((120, 160), |(_, x)| x as f32 / 10.0);
//! let blurred = varblur::blur(&image, Size::map(&radii), Kernel::Box)?;
//! assert_eq!(blurred.dim(), image.dim());
//!
//! // A chosen backend and border, into a caller's buffer.
//! let params = Params::new(Kernel::Box, Size::Uniform(3.0)).with_border(Border::Reflect);
//! let mut out = Array3::<u8>::zeros(image.dim());
//! RunningSum.apply_into(image.view(), &params, out.view_mut())?;
//! # Ok::<(), varblur::Error>(())
//! ```
//!
//! Where to read on:
//! - [`kernel`]: the box and Gaussian weights, and [`Size`];
//! - [`border`]: what lies outside the image ([`Border`]);
//! - [`sample`]: the sample types and how results are rounded;
//! - [`filter`]: the [`Filter`] trait every backend implements, and
//!   [`Support`], which states the exactness bounds;
//! - [`backend`]: [`Naive`] (the reference), [`Integral`], [`RunningSum`],
//!   [`IteratedBox`] and [`Auto`];
//! - [`tile`]: any rectangle of the output from the input pixels it reads;
//! - [`distance`](mod@distance): the exact distance transform of a mask,
//!   [`DistanceToSize`], and [`blur_by_distance`], from a mask of sharp
//!   areas to the blurred image in one call;
//! - [`error`]: the one [`Error`] type; every request is validated before
//!   the first write.
//!
//! The full definition, the design and the benchmarks are in the
//! repository: `docs/DEFINITION.md`, `docs/DESIGN.md`, `BENCHMARKS.md`.
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(clippy::multiple_unsafe_ops_per_block)]

mod arch;
pub mod backend;
pub mod border;
mod cache;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod distance;
pub mod error;
pub mod filter;
pub mod kernel;
mod non_finite;
mod prefix;
mod quotient;
pub mod sample;
mod strips;
mod table;
pub mod tile;

pub use backend::{Auto, Backend, Integral, IteratedBox, Levels, Naive, RunningSum};
pub use border::Border;
pub use distance::{DistanceToSize, blur_by_distance, distance, distance_into, squared_distance_into};
pub use error::Error;
pub use filter::{Filter, ImageDim, Job, MAX_CHANNELS, Params, Request, Support};
pub use kernel::{Kernel, Size};
pub use sample::{Sample, SampleType};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

use ndarray::{Array, ArrayBase, Data};

/// The borders without a parameter (all but `Constant`), for the unit
/// tests that go through each.
#[cfg(test)]
pub(crate) const PLAIN_BORDERS: [Border; 5] = [
    Border::Clip,
    Border::Replicate,
    Border::Reflect,
    Border::Symmetric,
    Border::Wrap,
];

/// A small xorshift generator for the unit tests: the same numbers from the
/// same seed on every run.
#[cfg(test)]
pub(crate) fn test_numbers(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// Blurs `image` with `kernel` of per-pixel `size`, Clip border, with the
/// fastest exact backend ([`Auto`]), into a new array of the image's shape.
///
/// `image` is (height, width) or (height, width, channels), any strides.
pub fn blur<S, T, D>(image: &ArrayBase<S, D>, size: Size<'_>, kernel: Kernel) -> Result<Array<T, D>, Error>
where
    S: Data<Elem = T>,
    T: Sample,
    D: ImageDim,
{
    Auto.apply(image.view(), &Params::new(kernel, size))
}
