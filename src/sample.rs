//! Pixel sample types: the sealed [`Sample`] trait over `u8`, `u16`, `f32`, `f64`.

use num_traits::AsPrimitive;
use std::fmt::Debug;

// `Sealed` cannot be named outside the crate, so its methods, which take
// and give crate-private types, cannot be called there either.
#[allow(private_interfaces)]
pub(crate) mod private {
    use crate::filter::{Job, TypedJob};
    use ndarray::ArrayViewMut3;

    /// Seals [`super::Sample`]; its methods serve the crate only.
    pub trait Sealed: Sized {
        /// The samples as bytes, where they are `u8` (for loops that take
        /// 16 of them at once).
        #[inline(always)]
        fn as_bytes(_samples: &[Self]) -> Option<&[u8]> {
            None
        }

        /// The samples as 16-bit words, where they are `u16` (for table
        /// rows that take 16 of them at once, as of bytes).
        #[inline(always)]
        fn as_words(_samples: &[Self]) -> Option<&[u16]> {
            None
        }

        /// `job` and `out` with their type named (see [`TypedJob`]).
        fn typed_job<'j, 'o>(job: Job<'j, Self>, out: ArrayViewMut3<'o, Self>) -> TypedJob<'j, 'o>;
    }
    impl Sealed for u8 {
        #[inline(always)]
        fn as_bytes(samples: &[u8]) -> Option<&[u8]> {
            Some(samples)
        }
        #[inline(always)]
        fn typed_job<'j, 'o>(job: Job<'j, u8>, out: ArrayViewMut3<'o, u8>) -> TypedJob<'j, 'o> {
            TypedJob::U8(job, out)
        }
    }
    impl Sealed for u16 {
        #[inline(always)]
        fn as_words(samples: &[u16]) -> Option<&[u16]> {
            Some(samples)
        }
        #[inline(always)]
        fn typed_job<'j, 'o>(job: Job<'j, u16>, out: ArrayViewMut3<'o, u16>) -> TypedJob<'j, 'o> {
            TypedJob::U16(job, out)
        }
    }
    impl Sealed for f32 {
        #[inline(always)]
        fn typed_job<'j, 'o>(job: Job<'j, f32>, out: ArrayViewMut3<'o, f32>) -> TypedJob<'j, 'o> {
            TypedJob::F32(job, out)
        }
    }
    impl Sealed for f64 {
        #[inline(always)]
        fn typed_job<'j, 'o>(job: Job<'j, f64>, out: ArrayViewMut3<'o, f64>) -> TypedJob<'j, 'o> {
            TypedJob::F64(job, out)
        }
    }
}

/// Which sample type an image holds, for describing a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleType {
    /// 8-bit unsigned integer samples.
    U8,
    /// 16-bit unsigned integer samples.
    U16,
    /// 32-bit float samples.
    F32,
    /// 64-bit float samples.
    F64,
}

impl SampleType {
    /// True for the integer types.
    pub const fn is_integer(self) -> bool {
        matches!(self, SampleType::U8 | SampleType::U16)
    }

    /// The smallest and largest finite value of the type, as `f64`:
    /// `(0, 255)`, `(0, 65535)`, `(-f32::MAX, f32::MAX)`, `(f64::MIN, f64::MAX)`.
    /// A [`crate::Border::Constant`] value must lie in it.
    pub const fn range(self) -> (f64, f64) {
        match self {
            SampleType::U8 => (0.0, u8::MAX as f64),
            SampleType::U16 => (0.0, u16::MAX as f64),
            SampleType::F32 => (-(f32::MAX as f64), f32::MAX as f64),
            SampleType::F64 => (f64::MIN, f64::MAX),
        }
    }
}

/// A sample (one channel of one pixel) the crate can filter.
///
/// Sealed: implemented for `u8`, `u16`, `f32` and `f64` only. Backends work
/// in `f64` for the final weighted mean and convert back with
/// [`Sample::from_f64`], which applies the crate's one rounding rule.
pub trait Sample:
    private::Sealed
    + Copy
    + Default
    + PartialEq
    + PartialOrd
    + Debug
    + Send
    + Sync
    + 'static
    + AsPrimitive<f64>
    + AsPrimitive<u32>
    + AsPrimitive<u64>
{
    /// The type tag.
    const TYPE: SampleType;
    /// Largest value of an integer type (`255`, `65535`); for floats, `f64::INFINITY`.
    const MAX: f64;

    /// The sample as `f64` (exact for every type).
    fn to_f64(self) -> f64;

    /// Converts an exact real result back to the sample type: integers round
    /// to nearest with ties away from zero and clamp to the type's range (NaN
    /// gives 0); floats convert with the usual IEEE rounding.
    fn from_f64(value: f64) -> Self;

    /// A whole number already in the type's range (a rounded integer mean),
    /// converted exactly. Not for callers: backends use it after their own
    /// rounding.
    #[doc(hidden)]
    fn from_whole(value: u32) -> Self;
}

/// Rounds to nearest, ties away from zero, and clamps into `0..=max`.
/// Branch-free (the fraction test is data-dependent and mispredicts half
/// the time), and uses only truncating conversions, exact below `max`.
/// The conversion is the unchecked one: the saturating `as` has no vector
/// form, so a loop of these was converted one lane at a time.
#[inline(always)]
fn round_clamp_unsigned(value: f64, max: u32) -> u32 {
    // `f64::max` returns 0 for NaN.
    let clamped = value.max(0.0).min(max as f64);
    // SAFETY: `clamped` is not NaN and lies in 0..=max, which u32 holds.
    let whole: u32 = unsafe { clamped.to_int_unchecked() };
    whole + u32::from(clamped - whole as f64 >= 0.5)
}

macro_rules! integer_sample {
    ($t:ty, $tag:ident) => {
        impl Sample for $t {
            const TYPE: SampleType = SampleType::$tag;
            const MAX: f64 = <$t>::MAX as f64;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(value: f64) -> Self {
                round_clamp_unsigned(value, <$t>::MAX as u32) as $t
            }
            #[inline(always)]
            fn from_whole(value: u32) -> Self {
                value as $t
            }
        }
    };
}
integer_sample!(u8, U8);
integer_sample!(u16, U16);

macro_rules! float_sample {
    ($t:ty, $tag:ident) => {
        impl Sample for $t {
            const TYPE: SampleType = SampleType::$tag;
            const MAX: f64 = f64::INFINITY;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(value: f64) -> Self {
                value as $t
            }
            #[inline(always)]
            fn from_whole(value: u32) -> Self {
                value as $t
            }
        }
    };
}
float_sample!(f32, F32);
float_sample!(f64, F64);

/// Whether any of `samples` is NaN or infinite (always false for integers).
#[inline]
pub(crate) fn any<T: Sample>(samples: &[T]) -> bool {
    !T::TYPE.is_integer() && samples.iter().fold(false, |any, v| any | !v.to_f64().is_finite())
}

/// `pixels` with every NaN or infinite sample replaced by 0 (a copy in
/// `scratch` when there is one), and whether there was one.
#[inline]
pub(crate) fn finite_row<'a, T: Sample>(pixels: &'a [T], scratch: &'a mut Vec<T>) -> (&'a [T], bool) {
    if !any(pixels) {
        return (pixels, false);
    }
    scratch.clear();
    scratch.extend(
        pixels
            .iter()
            .map(|&v| if v.to_f64().is_finite() { v } else { T::default() }),
    );
    (scratch, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_rounding_is_half_away_from_zero_and_clamps() {
        assert_eq!(u8::from_f64(2.5), 3);
        assert_eq!(u8::from_f64(2.4999999), 2);
        assert_eq!(u8::from_f64(3.5), 4);
        assert_eq!(u8::from_f64(-0.4), 0);
        assert_eq!(u8::from_f64(-7.0), 0);
        assert_eq!(u8::from_f64(254.5), 255);
        assert_eq!(u8::from_f64(1e300), 255);
        assert_eq!(u8::from_f64(f64::NAN), 0);
        assert_eq!(u16::from_f64(65534.5), 65535);
        assert_eq!(u16::from_f64(70000.0), 65535);
        assert_eq!(u16::from_f64(1000.5), 1001);
    }

    #[test]
    fn integer_rounding_matches_f64_round_on_a_dense_grid() {
        // Every quarter step and the neighbours of every half step in range.
        for k in 0..=(4 * 65535u32) {
            let v = k as f64 / 4.0;
            for x in [v, v.next_up(), v.next_down()] {
                let expect = x.round().clamp(0.0, 65535.0) as u16;
                assert_eq!(u16::from_f64(x), expect, "value {x}");
            }
        }
    }
}
