//! Every instruction-set specific piece of the crate, and the choice
//! among them: the instruction sets a call may use ([`Isa`]: those the
//! build targets, and AVX-512 where the CPU running a portable build has
//! it), the small vector abstraction the vector loops are written over once
//! ([`Lanes`], with `wide`'s [`Portable`] vectors and, on x86_64,
//! [`avx512::Avx512`] and [`avx2_lanes::Avx2`]), and the loops that need
//! one instruction set's own lane shuffles ([`sse2`] and [`avx512`]).
//!
//! `wide` and `cfg(target_feature)` pick instructions when the crate is
//! compiled, so a portable x86-64 build (SSE2) would leave the AVX-512 of
//! the machine it runs on unused. The hottest loops therefore also have a
//! copy compiled for AVX-512 (a function with `#[target_feature]` into
//! which the generic code is inlined), and the vector forms they call take
//! an [`Isa`] that says whether AVX-512 may be used. An [`Isa`] with
//! AVX-512 exists only where the CPU has it: where the build targets it, or
//! where [`Isa::detect`] found it; it hands out the [`avx512::Avx512`]
//! value that the AVX-512 vectors are made through. Where the CPU has AVX2
//! and not AVX-512, the same loops take a copy compiled for AVX2
//! ([`avx2_copy`]): what they compute over plain arrays becomes 256-bit
//! vectors there, and their [`Lanes`] are [`avx2_lanes::Avx2`]'s, the same
//! operations in the same order.

#[cfg(target_feature = "avx2")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2_lanes;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
mod lanes;
#[cfg(target_feature = "sse2")]
pub(crate) mod sse2;

pub(crate) use lanes::{ByteLanes, LaneEntry, Lanes, Portable};

/// Samples per call of the consumer of the running sums of a sliding
/// window's `u32` differences (`crate::prefix::difference_sums_u32`).
pub(crate) const DIFFERENCE_LANES: usize = 16;

/// What the running sums of a sliding window's `u32` differences
/// (`crate::prefix::difference_sums_u32`) read and write,
/// [`DIFFERENCE_LANES`] samples at a time. Implementations mark both
/// methods `#[inline(always)]`: a closure in their place stays a call per
/// sixteen samples wherever the compiler judges the caller too large (as
/// the strips of `RunningSum` are). A pair of closures is one too.
pub(crate) trait U32DifferenceRow {
    /// The differences of samples `i..i + 16`.
    fn differences(&mut self, i: usize) -> [u32; DIFFERENCE_LANES];
    /// Takes the running sums of samples `i..i + 16`.
    fn sums(&mut self, i: usize, sums: [u32; DIFFERENCE_LANES]);
}

impl<D, S> U32DifferenceRow for (D, S)
where
    D: FnMut(usize) -> [u32; DIFFERENCE_LANES],
    S: FnMut(usize, [u32; DIFFERENCE_LANES]),
{
    #[inline(always)]
    fn differences(&mut self, i: usize) -> [u32; DIFFERENCE_LANES] {
        (self.0)(i)
    }
    #[inline(always)]
    fn sums(&mut self, i: usize, sums: [u32; DIFFERENCE_LANES]) {
        (self.1)(i, sums)
    }
}

/// Samples per row and call of [`DifferenceRows`] (one AVX-512 vector of
/// `f64`).
pub(crate) const F64_LANES: usize = 8;

/// What the running sums of the `f64` differences of several rows at once
/// (`crate::prefix::difference_sums_f64_rows`) read and write, eight
/// samples of a row at a time. Implementations mark both methods
/// `#[inline(always)]`: closures in their place were inlined or not as the
/// caller's size allowed, and a call per eight samples made `f32` gray
/// slower (the `variable_box` bench shows it).
pub(crate) trait DifferenceRows {
    /// The differences of row `r`, samples `i..i + 8`.
    fn differences(&mut self, r: usize, i: usize) -> [f64; F64_LANES];
    /// Takes the running sums of row `r`, samples `i..i + 8`.
    fn sums(&mut self, r: usize, i: usize, sums: [f64; F64_LANES]);
}

/// Defines a function compiled for AVX-512: the features [`Isa::detect`]
/// checks. Calling it is `unsafe`: the caller must hold an [`Isa`] with
/// AVX-512. Its body should call `#[inline(always)]` generic code, which is
/// then compiled for AVX-512 inside it. x86_64 only.
macro_rules! avx512_copy {
    ($(#[$meta:meta])* $vis:vis unsafe fn $($rest:tt)*) => {
        $(#[$meta])*
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
        $vis unsafe fn $($rest)*
    };
}
pub(crate) use avx512_copy;

/// Defines a function compiled for AVX2 (with FMA): the features
/// [`Isa::detect`] checks for [`Isa::needs_avx2_copy`]. Calling it is
/// `unsafe`: the caller must hold an [`Isa`] that needs it. x86_64 only.
macro_rules! avx2_copy {
    ($(#[$meta:meta])* $vis:vis unsafe fn $($rest:tt)*) => {
        $(#[$meta])*
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
        $vis unsafe fn $($rest)*
    };
}
pub(crate) use avx2_copy;

/// An instruction set's vector types for [`Lanes`], in the module that
/// invokes it: the token (`$token`, the right to use `$isa`, made only
/// through its `unsafe` constructor), `Ints` and `Floats` (one vector of
/// `i32` or `f32` lanes, made only through the token), their `+ - *` (and
/// `/` for floats), one intrinsic each, and negation (integers from zero;
/// floats by flipping the sign bit, as `wide` negates). The `Lanes` methods
/// are each instruction set's own.
#[cfg(target_arch = "x86_64")]
macro_rules! intrinsic_lanes {
    (
        $isa:literal, $token:ident, $ints:ty, $floats:ty,
        ints: [$add:ident, $sub:ident, $mul:ident, $zero:ident],
        floats: [$add_f:ident, $sub_f:ident, $mul_f:ident, $div_f:ident, $xor_f:ident, $splat_f:ident]
    ) => {
        #[doc = concat!("The right to use ", $isa, ": made only where the CPU has it.")]
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct $token {
            /// Keeps the value from being made outside this module.
            _checked: (),
        }

        impl $token {
            #[doc = concat!("The right to use ", $isa, ", for a caller that has checked the CPU.")]
            ///
            /// # Safety
            /// The CPU must have every feature its copies enable.
            #[inline(always)]
            pub(super) const unsafe fn new_unchecked() -> Self {
                $token { _checked: () }
            }
        }

        #[doc = concat!("`i32` lanes of one ", $isa, " vector; made only through the token.")]
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct Ints($ints);

        #[doc = concat!("`f32` lanes of one ", $isa, " vector; made only through the token.")]
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct Floats($floats);

        $crate::arch::intrinsic_lanes!(@operator $isa, Add, add, Ints, $add);
        $crate::arch::intrinsic_lanes!(@operator $isa, Sub, sub, Ints, $sub);
        $crate::arch::intrinsic_lanes!(@operator $isa, Mul, mul, Ints, $mul);
        $crate::arch::intrinsic_lanes!(@operator $isa, Add, add, Floats, $add_f);
        $crate::arch::intrinsic_lanes!(@operator $isa, Sub, sub, Floats, $sub_f);
        $crate::arch::intrinsic_lanes!(@operator $isa, Mul, mul, Floats, $mul_f);
        $crate::arch::intrinsic_lanes!(@operator $isa, Div, div, Floats, $div_f);

        impl std::ops::Neg for Ints {
            type Output = Ints;
            #[inline(always)]
            fn neg(self) -> Ints {
                // SAFETY: a value of `Ints` exists only where the CPU has the instruction set.
                let zero = Ints(unsafe { $zero() });
                zero - self
            }
        }

        impl std::ops::Neg for Floats {
            type Output = Floats;
            #[inline(always)]
            fn neg(self) -> Floats {
                // SAFETY: a value of `Floats` exists only where the CPU has the instruction set.
                let sign = unsafe { $splat_f(-0.0) };
                // SAFETY: as above.
                Floats(unsafe { $xor_f(self.0, sign) })
            }
        }
    };
    (@operator $isa:literal, $trait:ident, $method:ident, $lanes:ident, $intrinsic:ident) => {
        impl std::ops::$trait for $lanes {
            type Output = $lanes;
            #[inline(always)]
            fn $method(self, other: $lanes) -> $lanes {
                // SAFETY: a value of the lane type exists only where the
                // CPU has the instruction set (made through the token).
                $lanes(unsafe { $intrinsic(self.0, other.0) })
            }
        }
    };
}
#[cfg(target_arch = "x86_64")]
pub(crate) use intrinsic_lanes;

/// Which instruction sets a call may use beyond those of the build target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Isa {
    avx512: bool,
    avx2: bool,
}

impl Isa {
    /// Only the instruction sets of the build target.
    pub(crate) const fn target() -> Self {
        Isa {
            avx512: cfg!(all(
                target_arch = "x86_64",
                target_feature = "avx512f",
                target_feature = "avx512bw",
                target_feature = "avx512cd",
                target_feature = "avx512dq",
                target_feature = "avx512vl",
            )),
            avx2: cfg!(all(
                target_arch = "x86_64",
                target_feature = "avx2",
                target_feature = "fma"
            )),
        }
    }

    /// The build target's, and AVX-512 (every feature [`avx512_copy`]
    /// enables) where the CPU has it. The standard library caches what it
    /// detects: a call costs a few loads.
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            let avx512 = has!("avx512f")
                && has!("avx512bw")
                && has!("avx512cd")
                && has!("avx512dq")
                && has!("avx512vl")
                && has!("avx2")
                && has!("fma")
                && has!("bmi1")
                && has!("bmi2")
                && has!("lzcnt")
                && has!("popcnt");
            let avx2 = has!("avx2") && has!("fma") && has!("bmi1") && has!("bmi2") && has!("lzcnt") && has!("popcnt");
            Isa {
                avx512: avx512 || Self::target().avx512,
                avx2: avx2 || Self::target().avx2,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        Self::target()
    }

    /// Whether AVX-512 (F, BW, CD, DQ, VL, with AVX2, FMA, BMI1/2, LZCNT
    /// and POPCNT) may be used.
    #[inline(always)]
    pub(crate) fn avx512(self) -> bool {
        self.avx512
    }

    /// Whether a call with this `Isa` should go through a copy compiled
    /// for AVX-512: the CPU has it and the build does not target it.
    #[inline(always)]
    pub(crate) fn needs_avx512_copy(self) -> bool {
        self.avx512 && !Self::target().avx512
    }

    /// Whether a call with this `Isa` should go through a copy compiled
    /// for AVX2: the CPU has it, the build does not target it, and no
    /// AVX-512 copy takes the call.
    #[inline(always)]
    pub(crate) fn needs_avx2_copy(self) -> bool {
        self.avx2 && !Self::target().avx2 && !self.avx512
    }

    /// The AVX2 vectors, where [`Isa::needs_avx2_copy`]: for the loops
    /// over [`Lanes`] inside the copies compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(crate) fn avx2_copy_lanes(self) -> Option<avx2_lanes::Avx2> {
        // SAFETY: an `Isa` that needs an AVX2 copy exists only where the
        // CPU has every feature the copy enables (`detect` found them).
        self.needs_avx2_copy()
            .then(|| unsafe { avx2_lanes::Avx2::new_unchecked() })
    }

    /// The AVX-512 vectors, where [`Isa::avx512`].
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(crate) fn avx512_lanes(self) -> Option<avx512::Avx512> {
        // SAFETY: an `Isa` with AVX-512 exists only where the CPU has it
        // (the build targets it, or `detect` found it).
        self.avx512().then(|| unsafe { avx512::Avx512::new_unchecked() })
    }

    /// The AVX-512 vectors, where [`Isa::needs_avx512_copy`]: the loops
    /// that `wide` already compiles to AVX-512 in a build that targets it
    /// take them only in a portable build's AVX-512 copy.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(crate) fn avx512_copy_lanes(self) -> Option<avx512::Avx512> {
        if self.needs_avx512_copy() {
            self.avx512_lanes()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_includes_the_build_target() {
        // Where the build targets AVX-512, detection cannot take it away;
        // and no copy is needed.
        if Isa::target().avx512() {
            assert!(Isa::detect().avx512());
        }
        assert!(!Isa::target().needs_avx512_copy());
        assert!(!Isa::target().needs_avx2_copy());
        // At most one copy takes a call.
        let detected = Isa::detect();
        assert!(!(detected.needs_avx2_copy() && detected.needs_avx512_copy()));
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            detected.needs_avx2_copy(),
            {
                use std::arch::is_x86_feature_detected as has;
                has!("avx2") && has!("fma") && has!("bmi1") && has!("bmi2") && has!("lzcnt") && has!("popcnt")
            } && !detected.avx512()
                && !cfg!(all(target_feature = "avx2", target_feature = "fma"))
        );
        assert_eq!(
            Isa::detect().needs_avx512_copy(),
            Isa::detect().avx512() && !Isa::target().avx512()
        );
    }
}
