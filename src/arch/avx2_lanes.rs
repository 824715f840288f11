//! AVX2: the [`Lanes`] of eight 32-bit lanes in one 256-bit vector, for
//! the copies compiled for AVX2 ([`super::avx2_copy`]) in a build that does
//! not target it (`wide`'s vectors there keep the build's 128 bits).
//! Compiled on every x86_64 target; a value of [`Avx2`] exists only where
//! the CPU has AVX2 and the features [`super::avx2_copy`] enables, and
//! every intrinsic here is called on its strength. Each method computes
//! what [`super::Portable`]'s does, lane for lane.

use std::arch::x86_64::{
    __m128i, __m256, __m256i, _CMP_GE_OQ, _CMP_LT_OQ, _mm256_add_epi32, _mm256_add_ps, _mm256_castps_si256,
    _mm256_cmp_ps, _mm256_cmpgt_epi32, _mm256_cvtepi32_ps, _mm256_cvtepu8_epi32, _mm256_cvttps_epi32, _mm256_div_ps,
    _mm256_mul_ps, _mm256_mullo_epi32, _mm256_set1_epi32, _mm256_set1_ps, _mm256_setzero_si256, _mm256_sllv_epi32,
    _mm256_sub_epi32, _mm256_sub_ps, _mm256_xor_ps,
};

use super::lanes::{ByteLanes, Lanes};

super::intrinsic_lanes!(
    "AVX2", Avx2, __m256i, __m256,
    ints: [_mm256_add_epi32, _mm256_sub_epi32, _mm256_mullo_epi32, _mm256_setzero_si256],
    floats: [_mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_div_ps, _mm256_xor_ps, _mm256_set1_ps]
);

impl Lanes for Avx2 {
    const LANES: usize = 8;
    type Ints = Ints;
    type Floats = Floats;
    /// All-ones lanes (-1) where the comparison holds, as `Portable`'s.
    type Mask = Ints;

    #[inline(always)]
    fn splat(self, value: i32) -> Ints {
        // SAFETY: an `Avx2` exists only where the CPU has AVX2.
        Ints(unsafe { _mm256_set1_epi32(value) })
    }
    #[inline(always)]
    fn splat_floats(self, value: f32) -> Floats {
        // SAFETY: as in `splat`.
        Floats(unsafe { _mm256_set1_ps(value) })
    }
    #[inline(always)]
    fn load(self, values: &[u32]) -> Ints {
        Ints(bytemuck::cast::<[u32; 8], __m256i>(
            values[..8].try_into().expect("8 values"),
        ))
    }
    #[inline(always)]
    fn load_low(self, values: &[u64]) -> Ints {
        let values: [u64; 8] = values[..8].try_into().expect("8 values");
        Ints(bytemuck::cast::<[u32; 8], __m256i>(values.map(|v| v as u32)))
    }
    #[inline(always)]
    fn load_floats(self, values: &[f32]) -> Floats {
        Floats(bytemuck::cast::<[f32; 8], __m256>(
            values[..8].try_into().expect("8 values"),
        ))
    }
    type Values = [u32; 8];

    #[inline(always)]
    fn values(self, ints: Ints) -> [u32; 8] {
        bytemuck::cast::<__m256i, [u32; 8]>(ints.0)
    }
    #[inline(always)]
    fn store(self, ints: Ints, out: &mut [u32]) {
        out[..8].copy_from_slice(&bytemuck::cast::<__m256i, [u32; 8]>(ints.0));
    }
    #[inline(always)]
    fn store_floats(self, floats: Floats, out: &mut [f32]) {
        out[..8].copy_from_slice(&bytemuck::cast::<__m256, [f32; 8]>(floats.0));
    }
    #[inline(always)]
    fn to_floats(self, ints: Ints) -> Floats {
        // SAFETY: as in `splat`.
        Floats(unsafe { _mm256_cvtepi32_ps(ints.0) })
    }
    #[inline(always)]
    fn truncate(self, floats: Floats) -> Ints {
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm256_cvttps_epi32(floats.0) })
    }
    #[inline(always)]
    fn less(self, a: Ints, b: Ints) -> Ints {
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm256_cmpgt_epi32(b.0, a.0) })
    }
    #[inline(always)]
    fn greater(self, a: Ints, b: Ints) -> Ints {
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm256_cmpgt_epi32(a.0, b.0) })
    }
    #[inline(always)]
    fn floats_less(self, a: Floats, b: Floats) -> Ints {
        // SAFETY: as in `splat`.
        let mask = unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(a.0, b.0) };
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm256_castps_si256(mask) })
    }
    #[inline(always)]
    fn floats_at_least(self, a: Floats, b: Floats) -> Ints {
        // SAFETY: as in `splat`.
        let mask = unsafe { _mm256_cmp_ps::<_CMP_GE_OQ>(a.0, b.0) };
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm256_castps_si256(mask) })
    }
    #[inline(always)]
    fn step(self, ints: Ints, down: Ints, up: Ints) -> Ints {
        // The masks are -1 where set.
        ints + down - up
    }
    #[inline(always)]
    fn shift_left(self, ints: Ints, shift: u32) -> Ints {
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm256_sllv_epi32(ints.0, self.splat(shift as i32).0) })
    }
}

impl ByteLanes for Avx2 {
    /// Each byte widened (one instruction), then subtracted.
    #[inline(always)]
    fn byte_differences(self, entering: &[u8], leaving: &[u8]) -> Ints {
        widened(self, entering) - widened(self, leaving)
    }

    /// Each byte widened, added, then multiplied in 32 bits.
    #[inline(always)]
    fn byte_sums_times(self, a: &[u8], b: &[u8], weight: u16) -> Ints {
        (widened(self, a) + widened(self, b)) * self.splat(i32::from(weight))
    }
}

/// The first eight bytes of `bytes`, each widened to an `i32` lane.
#[inline(always)]
fn widened(_lanes: Avx2, bytes: &[u8]) -> Ints {
    let eight: [u8; 8] = bytes[..8].try_into().expect("8 bytes");
    let low = bytemuck::cast::<[u64; 2], __m128i>([u64::from_le_bytes(eight), 0]);
    // SAFETY: an `Avx2` exists only where the CPU has AVX2.
    Ints(unsafe { _mm256_cvtepu8_epi32(low) })
}

#[cfg(test)]
mod tests {
    use wide::{i32x8, i32x16};

    use super::*;
    use crate::arch::{Isa, Portable};

    /// Every method of [`Avx2`] against `Portable`'s eight lanes (the
    /// byte methods against the plain formula), on random lanes and on the
    /// edges: extreme integers, floats past `i32`, infinities and NaN.
    #[test]
    fn avx2_lanes_equal_the_portable_lanes() {
        let Some(avx2) = Isa::detect().avx2_copy_lanes() else {
            // No AVX2 copy on this CPU or build: nothing of it runs.
            return;
        };
        let portable = Portable::<i32x8>::new();
        let mut next = crate::test_numbers(0x9e37_79b9_7f4a_7c15);
        let edges_i = [0, 1, -1, i32::MAX, i32::MIN, 255, 1 << 24, -(1 << 24)];
        let edges_f = [0.0, -0.0, 0.5, -1.5, 3e9, -3e9, f32::INFINITY, f32::NAN];
        for round in 0..200 {
            let ints = |next: &mut dyn FnMut() -> u64| -> [u32; 8] {
                if round == 0 {
                    edges_i.map(|v| v as u32)
                } else {
                    std::array::from_fn(|_| next() as u32 >> (next() % 32))
                }
            };
            let floats = |next: &mut dyn FnMut() -> u64| -> [f32; 8] {
                if round == 1 {
                    edges_f
                } else {
                    std::array::from_fn(|_| (next() as i64 as f64 / 2f64.powi(40 + (next() % 24) as i32)) as f32)
                }
            };
            let (a, b) = (ints(&mut next), ints(&mut next));
            let (x, y) = (floats(&mut next), floats(&mut next));
            let wide: [u64; 8] = std::array::from_fn(|_| next());
            let shift = (next() % 32) as u32;
            let bits = |v: [f32; 8]| v.map(f32::to_bits);
            macro_rules! same_ints {
                ($name:expr, |$lanes:ident| $body:expr) => {{
                    let got = {
                        let $lanes = avx2;
                        $lanes.values($body)
                    };
                    let want = {
                        let $lanes = portable;
                        $lanes.values($body)
                    };
                    assert_eq!(got, want, "{}: {a:?} {b:?} {x:?} {y:?}", $name);
                }};
            }
            macro_rules! same_floats {
                ($name:expr, |$lanes:ident| $body:expr) => {{
                    let (mut got, mut want) = ([0.0; 8], [0.0; 8]);
                    {
                        let $lanes = avx2;
                        $lanes.store_floats($body, &mut got);
                    }
                    {
                        let $lanes = portable;
                        $lanes.store_floats($body, &mut want);
                    }
                    assert_eq!(bits(got), bits(want), "{}: {a:?} {b:?} {x:?} {y:?}", $name);
                }};
            }
            same_ints!("load", |l| l.load(&a));
            same_ints!("load_low", |l| l.load_low(&wide));
            same_ints!("splat", |l| l.splat(a[0] as i32));
            same_ints!("add", |l| l.load(&a) + l.load(&b));
            same_ints!("sub", |l| l.load(&a) - l.load(&b));
            same_ints!("mul", |l| l.load(&a) * l.load(&b));
            same_ints!("neg", |l| -l.load(&a));
            same_ints!("truncate", |l| l.truncate(l.load_floats(&x)));
            same_ints!("less", |l| {
                let m = l.less(l.load(&a), l.load(&b));
                l.step(l.splat(0), m, l.splat(0))
            });
            same_ints!("greater", |l| {
                let m = l.greater(l.load(&a), l.load(&b));
                l.step(l.splat(0), l.splat(0), m)
            });
            same_ints!("floats_less", |l| {
                let m = l.floats_less(l.load_floats(&x), l.load_floats(&y));
                l.step(l.load(&a), m, l.splat(0))
            });
            same_ints!("floats_at_least", |l| {
                let m = l.floats_at_least(l.load_floats(&x), l.load_floats(&y));
                l.step(l.load(&a), l.splat(0), m)
            });
            same_ints!("shift_left", |l| l.shift_left(l.load(&a), shift));
            same_floats!("splat_floats", |l| l.splat_floats(x[0]));
            same_floats!("to_floats", |l| l.to_floats(l.load(&a)));
            same_floats!("add", |l| l.load_floats(&x) + l.load_floats(&y));
            same_floats!("sub", |l| l.load_floats(&x) - l.load_floats(&y));
            same_floats!("mul", |l| l.load_floats(&x) * l.load_floats(&y));
            same_floats!("div", |l| l.load_floats(&x) / l.load_floats(&y));
            same_floats!("neg", |l| -l.load_floats(&x));
            let mut stored = [0u32; 8];
            avx2.store(avx2.load(&a), &mut stored);
            assert_eq!(stored, a, "store");

            let bytes: [[u8; 8]; 2] = [a, b].map(|v| v.map(|v| v as u8));
            let weight = (next() % (1 << 15)) as u16;
            let differences = avx2.values(avx2.byte_differences(&bytes[0], &bytes[1]));
            let sums_times = avx2.values(avx2.byte_sums_times(&bytes[0], &bytes[1], weight));
            for k in 0..8 {
                let (e, l) = (bytes[0][k] as i32, bytes[1][k] as i32);
                assert_eq!(differences[k] as i32, e - l, "byte_differences");
                assert_eq!(sums_times[k] as i32, (e + l) * i32::from(weight), "byte_sums_times");
            }
            // The 16-lane portable form agrees on the same bytes.
            let sixteen: [[u8; 16]; 2] = bytes.map(|v| std::array::from_fn(|k| v[k % 8]));
            let portable16 = Portable::<i32x16>::new();
            let wide16 = portable16.values(portable16.byte_sums_times(&sixteen[0], &sixteen[1], weight));
            assert_eq!(wide16[..8], sums_times[..], "byte_sums_times against the portable form");
        }
    }
}
