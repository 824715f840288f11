#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(clippy::multiple_unsafe_ops_per_block)]

mod arch;
pub mod backend;
pub mod border;
mod cache;
#[cfg(feature = "conformance")]
pub mod conformance;
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

pub use backend::{Auto, Backend, Integral, IteratedBox, Naive, RunningSum};
pub use border::Border;
pub use error::Error;
pub use filter::{Filter, ImageDim, Job, MAX_CHANNELS, Params, Request, Support};
pub use kernel::{Kernel, Size};
pub use sample::{Sample, SampleType};

use ndarray::{Array, ArrayBase, Data};

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
