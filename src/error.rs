//! The one error type of the crate.

use std::fmt;

/// Everything that can go wrong in a call of the crate.
///
/// Every request is validated before the first write, so an `Err` always
/// leaves the caller's output untouched.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An array has the wrong shape: `what` names it (`"size map"`,
    /// `"output"`), `expected` is the shape it must have, `found` the one it has.
    ShapeMismatch {
        /// Which array is wrong.
        what: &'static str,
        /// The shape it must have.
        expected: Vec<usize>,
        /// The shape it has.
        found: Vec<usize>,
    },
    /// A size value (radius or sigma) is NaN, negative or infinite.
    InvalidSize {
        /// (row, col) of the first such value of a size map in row-major
        /// order; `None` for a uniform size.
        position: Option<(usize, usize)>,
        /// The offending value.
        value: f32,
    },
    /// `Border::Constant` was given a value that is not finite or lies
    /// outside the range of the image's sample type ([`crate::SampleType::range`]:
    /// 0..=255 for `u8`, 0..=65535 for `u16`, |c| <= `f32::MAX` for `f32`).
    /// Outside positions take the constant as a sample, so it must be one.
    InvalidBorder {
        /// The offending constant.
        value: f64,
    },
    /// The backend cannot serve this request (for example a Gaussian kernel
    /// asked of a box-only backend).
    Unsupported {
        /// The backend's name.
        backend: &'static str,
        /// What was asked, in words.
        request: String,
        /// Why it is not supported.
        reason: &'static str,
    },
    /// The image has more channels than the crate supports.
    TooManyChannels {
        /// Channels in the image.
        channels: usize,
        /// The most the crate supports, [`crate::MAX_CHANNELS`].
        max: usize,
    },
    /// The image is too large for the exact arithmetic of a backend, or its
    /// output array cannot be allocated.
    TooLarge {
        /// Image height.
        height: usize,
        /// Image width.
        width: usize,
        /// Which limit was passed.
        reason: &'static str,
    },
    /// A tile request ([`crate::tile::apply_tile`]) whose rectangles do not
    /// fit: the tile outside the image, or the input window not covering
    /// what the tile reads.
    InvalidTile {
        /// What is wrong, in words.
        reason: String,
    },
    /// A mask value is NaN: a mask pixel is in the region when it is
    /// non-zero, and NaN is neither zero nor a number.
    InvalidMask {
        /// (row, col) of the first NaN in row-major order.
        position: (usize, usize),
    },
    /// A parameter outside its domain (a distance cap, a distance-to-size
    /// mapping's scale, offset or largest size).
    InvalidParameter {
        /// Which parameter.
        name: &'static str,
        /// The offending value.
        value: f64,
        /// What it must be, in words.
        expected: &'static str,
    },
    /// `IteratedBox::new` was asked for a number of boxes it does not offer.
    InvalidBoxCount {
        /// The number asked for.
        boxes: usize,
        /// The numbers offered.
        supported: std::ops::RangeInclusive<usize>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ShapeMismatch { what, expected, found } => {
                write!(f, "{what} has shape {found:?} but the image needs {expected:?}")
            }
            Error::InvalidSize {
                position: Some((row, col)),
                value,
            } => write!(f, "size value {value} at (row {row}, col {col}) is not finite and >= 0"),
            Error::InvalidSize { position: None, value } => {
                write!(f, "uniform size value {value} is not finite and >= 0")
            }
            Error::InvalidBorder { value } => {
                write!(
                    f,
                    "constant border value {value} is not finite or outside the range of the image's sample type"
                )
            }
            Error::Unsupported {
                backend,
                request,
                reason,
            } => write!(f, "backend {backend} does not support {request}: {reason}"),
            Error::TooManyChannels { channels, max } => {
                write!(f, "image has {channels} channels; at most {max} are supported")
            }
            Error::TooLarge { height, width, reason } => {
                write!(f, "image of {height} x {width} is too large: {reason}")
            }
            Error::InvalidTile { reason } => write!(f, "invalid tile: {reason}"),
            Error::InvalidMask { position: (row, col) } => write!(
                f,
                "mask value at (row {row}, col {col}) is NaN; a mask pixel must be zero (outside the region) or non-zero (inside)"
            ),
            Error::InvalidParameter { name, value, expected } => {
                write!(f, "{name} is {value}; it must be {expected}")
            }
            Error::InvalidBoxCount { boxes, supported } => write!(
                f,
                "{boxes} boxes per axis asked; {}..={} are supported",
                supported.start(),
                supported.end()
            ),
        }
    }
}

impl std::error::Error for Error {}
