//! The small vector abstraction that the vector loops are written over
//! once: [`Lanes`], a value that can make and convert vectors of `i32` and
//! `f32` lanes, implemented with `wide` ([`Portable`]: whatever vectors
//! the build targets) and, on x86_64, with AVX-512 ([`super::avx512::Avx512`])
//! and AVX2 ([`super::avx2_lanes::Avx2`]), which only a checked CPU can make.

use std::ops::{Add, Div, Mul, Neg, Sub};

use wide::{f32x8, f32x16, i16x16, i16x32, i32x8, i32x16, u8x16};

/// An instruction set's vectors of [`Lanes::LANES`] lanes: `i32` lanes
/// ([`Lanes::Ints`], whose `+ - *` wrap), `f32` lanes ([`Lanes::Floats`])
/// and the lane masks of comparisons. A value of the implementing type is
/// the right to use the instruction set (for [`super::avx512::Avx512`],
/// proof that the CPU has it), so it makes the first vectors; the vectors
/// made carry that right on. Every method is `#[inline(always)]`, so a
/// loop written over `Lanes` compiles to the instruction set's own
/// instructions inside a function compiled for it.
pub(crate) trait Lanes: Copy {
    /// Lanes per vector.
    const LANES: usize;
    /// `i32` lanes.
    type Ints: Copy
        + Add<Output = Self::Ints>
        + Sub<Output = Self::Ints>
        + Mul<Output = Self::Ints>
        + Neg<Output = Self::Ints>;
    /// `f32` lanes.
    type Floats: Copy
        + Add<Output = Self::Floats>
        + Sub<Output = Self::Floats>
        + Mul<Output = Self::Floats>
        + Div<Output = Self::Floats>
        + Neg<Output = Self::Floats>;
    /// Which lanes a comparison holds for.
    type Mask: Copy;

    /// `value` in every lane.
    fn splat(self, value: i32) -> Self::Ints;
    /// `value` in every lane.
    fn splat_floats(self, value: f32) -> Self::Floats;
    /// The first [`Lanes::LANES`] values of `values` (as `i32` bits).
    fn load(self, values: &[u32]) -> Self::Ints;
    /// The low 32 bits of each of the first [`Lanes::LANES`] values of
    /// `values` (as `i32` bits).
    fn load_low(self, values: &[u64]) -> Self::Ints;
    /// The first [`Lanes::LANES`] values of `values`.
    fn load_floats(self, values: &[f32]) -> Self::Floats;
    /// The lanes as `u32` values, an array (by value, so that a loop over
    /// them compiles to the vector's own narrowing stores).
    type Values: IntoIterator<Item = u32>;

    /// Writes the lanes (as `u32` bits) to the first [`Lanes::LANES`]
    /// values of `out`.
    fn store(self, ints: Self::Ints, out: &mut [u32]);
    /// Writes the lanes to the first [`Lanes::LANES`] values of `out`.
    fn store_floats(self, floats: Self::Floats, out: &mut [f32]);
    /// The lanes as `u32` values.
    fn values(self, ints: Self::Ints) -> Self::Values;
    /// Each lane converted to `f32` (rounded to nearest).
    fn to_floats(self, ints: Self::Ints) -> Self::Floats;
    /// Each lane truncated to `i32` (lanes out of range are not used).
    fn truncate(self, floats: Self::Floats) -> Self::Ints;
    /// `a < b`, lane by lane.
    fn less(self, a: Self::Ints, b: Self::Ints) -> Self::Mask;
    /// `a > b`, lane by lane.
    fn greater(self, a: Self::Ints, b: Self::Ints) -> Self::Mask;
    /// `a < b`, lane by lane (false where either is NaN).
    fn floats_less(self, a: Self::Floats, b: Self::Floats) -> Self::Mask;
    /// `a >= b`, lane by lane (false where either is NaN).
    fn floats_at_least(self, a: Self::Floats, b: Self::Floats) -> Self::Mask;
    /// `ints - 1` in the lanes of `down`, `+ 1` in those of `up`.
    fn step(self, ints: Self::Ints, down: Self::Mask, up: Self::Mask) -> Self::Ints;
    /// Each lane shifted left by `shift` bits (below 32), wrapping.
    fn shift_left(self, ints: Self::Ints, shift: u32) -> Self::Ints;
}

/// `wide`'s vectors, of `V`'s lane count: the build target's own
/// instructions, on any CPU the build runs on.
#[derive(Debug)]
pub(crate) struct Portable<V>(std::marker::PhantomData<V>);

impl<V> Clone for Portable<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Portable<V> {}

impl<V> Portable<V> {
    /// The build target's vectors (always allowed).
    pub(crate) const fn new() -> Self {
        Portable(std::marker::PhantomData)
    }
}

/// [`Lanes`] for `wide`'s `$ints` and `$floats` of `$n` lanes.
macro_rules! portable_lanes {
    ($ints:ident, $floats:ident, $n:literal) => {
        impl Lanes for Portable<$ints> {
            const LANES: usize = $n;
            type Ints = $ints;
            type Floats = $floats;
            /// All-ones lanes (-1) where the comparison holds.
            type Mask = $ints;

            #[inline(always)]
            fn splat(self, value: i32) -> $ints {
                $ints::splat(value)
            }
            #[inline(always)]
            fn splat_floats(self, value: f32) -> $floats {
                $floats::splat(value)
            }
            #[inline(always)]
            fn load(self, values: &[u32]) -> $ints {
                let values: [u32; $n] = values[..$n].try_into().expect("a vector of values");
                $ints::from(bytemuck::cast::<[u32; $n], [i32; $n]>(values))
            }
            #[inline(always)]
            fn load_low(self, values: &[u64]) -> $ints {
                let values: [u64; $n] = values[..$n].try_into().expect("a vector of values");
                $ints::from(values.map(|v| v as u32 as i32))
            }
            #[inline(always)]
            fn load_floats(self, values: &[f32]) -> $floats {
                $floats::from(<[f32; $n]>::try_from(&values[..$n]).expect("a vector of values"))
            }
            type Values = [u32; $n];

            #[inline(always)]
            fn values(self, ints: $ints) -> [u32; $n] {
                bytemuck::cast::<[i32; $n], [u32; $n]>(ints.to_array())
            }
            #[inline(always)]
            fn store(self, ints: $ints, out: &mut [u32]) {
                out[..$n].copy_from_slice(&bytemuck::cast::<[i32; $n], [u32; $n]>(ints.to_array()));
            }
            #[inline(always)]
            fn store_floats(self, floats: $floats, out: &mut [f32]) {
                out[..$n].copy_from_slice(&floats.to_array());
            }
            #[inline(always)]
            fn to_floats(self, ints: $ints) -> $floats {
                ints.round_float()
            }
            #[inline(always)]
            fn truncate(self, floats: $floats) -> $ints {
                floats.fast_trunc_int()
            }
            #[inline(always)]
            fn shift_left(self, ints: $ints, shift: u32) -> $ints {
                ints << shift
            }
            #[inline(always)]
            fn less(self, a: $ints, b: $ints) -> $ints {
                a.simd_lt(b)
            }
            #[inline(always)]
            fn greater(self, a: $ints, b: $ints) -> $ints {
                a.simd_gt(b)
            }
            #[inline(always)]
            fn floats_less(self, a: $floats, b: $floats) -> $ints {
                bytemuck::cast(a.simd_lt(b))
            }
            #[inline(always)]
            fn floats_at_least(self, a: $floats, b: $floats) -> $ints {
                bytemuck::cast(a.simd_ge(b))
            }
            #[inline(always)]
            fn step(self, ints: $ints, down: $ints, up: $ints) -> $ints {
                // The masks are -1 where set.
                ints + down - up
            }
        }
    };
}

portable_lanes!(i32x8, f32x8, 8);
portable_lanes!(i32x16, f32x16, 16);

/// [`Lanes`] that also widen bytes, a vector's lanes at a time.
pub(crate) trait ByteLanes: Lanes {
    /// `entering - leaving`, each the first [`Lanes::LANES`] bytes of the
    /// slice, in `i32` lanes (exact).
    fn byte_differences(self, entering: &[u8], leaving: &[u8]) -> Self::Ints;
    /// `(a + b) weight`, `a` and `b` the first [`Lanes::LANES`] bytes of the slices,
    /// in `i32` lanes: exact for a `weight` below 2^15 (the sums are below
    /// 2^9, so each lane is one 16-bit product where a 32-bit multiply
    /// takes several instructions without SSE4.1).
    fn byte_sums_times(self, a: &[u8], b: &[u8], weight: u16) -> Self::Ints;
}

impl ByteLanes for Portable<i32x16> {
    /// The differences in `i16` (exact), then widened: each widening is one
    /// instruction with AVX2 and AVX-512, two halves with SSE2.
    #[inline(always)]
    fn byte_differences(self, entering: &[u8], leaving: &[u8]) -> i32x16 {
        let bytes = |row: &[u8]| i16x16::from(u8x16::new(row[..16].try_into().expect("16 bytes")));
        i32x16::from_i16x16(bytes(entering) - bytes(leaving))
    }

    /// The sums in `i16`, widened; then each lane's low half times the
    /// weight plus its high half (zero) times zero: one multiply-add of
    /// 16-bit pairs per vector.
    #[inline(always)]
    fn byte_sums_times(self, a: &[u8], b: &[u8], weight: u16) -> i32x16 {
        debug_assert!(weight < 1 << 15);
        let bytes = |row: &[u8]| i16x16::from(u8x16::new(row[..16].try_into().expect("16 bytes")));
        let sums = bytemuck::cast::<i32x16, i16x32>(i32x16::from_i16x16(bytes(a) + bytes(b)));
        let weights = bytemuck::cast::<i32x16, i16x32>(i32x16::splat(i32::from(weight)));
        sums.dot(weights)
    }
}

/// Integer table entries whose differences [`Lanes`] take: `u32`, and
/// the low halves of `u64` (a wrapping difference of low halves is the
/// true difference modulo 2^32, so a window sum below 2^31 is exact from
/// either).
pub(crate) trait LaneEntry: Copy + 'static {
    /// The low 32 bits of the first [`Lanes::LANES`] entries of `values`.
    fn load<L: Lanes>(lanes: L, values: &[Self]) -> L::Ints;
    /// The entry's low 32 bits.
    fn low(self) -> u32;
}

impl LaneEntry for u32 {
    #[inline(always)]
    fn load<L: Lanes>(lanes: L, values: &[u32]) -> L::Ints {
        lanes.load(values)
    }
    #[inline(always)]
    fn low(self) -> u32 {
        self
    }
}

impl LaneEntry for u64 {
    #[inline(always)]
    fn load<L: Lanes>(lanes: L, values: &[u64]) -> L::Ints {
        lanes.load_low(values)
    }
    #[inline(always)]
    fn low(self) -> u32 {
        self as u32
    }
}
