//! AVX-512 (F, BW, CD, DQ, VL): the [`Lanes`] of sixteen 32-bit lanes, and
//! the loops that need its lane permutations (the running sums within a
//! vector). Compiled on every x86_64 target; a value of [`Avx512`] exists
//! only where the CPU has AVX-512 (the build targets it, or
//! [`super::Isa::detect`] found it), and every intrinsic here is called on
//! its strength. Callers inline these into functions compiled for AVX-512
//! ([`super::avx512_copy`]), where the intrinsics become single
//! instructions.

use std::arch::x86_64::{
    __m128i, __m512, __m512d, __m512i, _CMP_GE_OQ, _CMP_LT_OQ, _mm512_add_epi32, _mm512_add_pd, _mm512_add_ps,
    _mm512_castsi256_si512, _mm512_cmp_ps_mask, _mm512_cmpgt_epi32_mask, _mm512_cmplt_epi32_mask, _mm512_cvtepi32_ps,
    _mm512_cvtepi64_epi32, _mm512_cvtepu8_epi32, _mm512_cvttps_epi32, _mm512_div_ps, _mm512_inserti64x4,
    _mm512_mask_add_epi32, _mm512_mask_sub_epi32, _mm512_mul_ps, _mm512_mullo_epi32, _mm512_permutex2var_epi32,
    _mm512_permutex2var_pd, _mm512_permutexvar_epi32, _mm512_permutexvar_pd, _mm512_set1_epi32, _mm512_set1_ps,
    _mm512_setzero_pd, _mm512_setzero_si512, _mm512_sllv_epi32, _mm512_sub_epi32, _mm512_sub_ps, _mm512_xor_ps,
};

use super::lanes::{ByteLanes, Lanes};

super::intrinsic_lanes!(
    "AVX-512", Avx512, __m512i, __m512,
    ints: [_mm512_add_epi32, _mm512_sub_epi32, _mm512_mullo_epi32, _mm512_setzero_si512],
    floats: [_mm512_add_ps, _mm512_sub_ps, _mm512_mul_ps, _mm512_div_ps, _mm512_xor_ps, _mm512_set1_ps]
);

impl Lanes for Avx512 {
    const LANES: usize = 16;
    type Ints = Ints;
    type Floats = Floats;
    /// One bit per lane.
    type Mask = u16;

    #[inline(always)]
    fn splat(self, value: i32) -> Ints {
        // SAFETY: an `Avx512` exists only where the CPU has AVX-512.
        Ints(unsafe { _mm512_set1_epi32(value) })
    }
    #[inline(always)]
    fn splat_floats(self, value: f32) -> Floats {
        // SAFETY: as in `splat`.
        Floats(unsafe { _mm512_set1_ps(value) })
    }
    #[inline(always)]
    fn load(self, values: &[u32]) -> Ints {
        Ints(bytemuck::cast::<[u32; 16], __m512i>(
            values[..16].try_into().expect("16 values"),
        ))
    }
    #[inline(always)]
    fn load_low(self, values: &[u64]) -> Ints {
        let half = |values: &[u64]| bytemuck::cast::<[u64; 8], __m512i>(values[..8].try_into().expect("8 values"));
        let (low, high) = (half(values), half(&values[8..]));
        // SAFETY: as in `splat`.
        let low = unsafe { _mm512_cvtepi64_epi32(low) };
        // SAFETY: as in `splat`.
        let high = unsafe { _mm512_cvtepi64_epi32(high) };
        // SAFETY: as in `splat`.
        let low = unsafe { _mm512_castsi256_si512(low) };
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm512_inserti64x4::<1>(low, high) })
    }
    #[inline(always)]
    fn load_floats(self, values: &[f32]) -> Floats {
        Floats(bytemuck::cast::<[f32; 16], __m512>(
            values[..16].try_into().expect("16 values"),
        ))
    }
    type Values = [u32; 16];

    #[inline(always)]
    fn values(self, ints: Ints) -> [u32; 16] {
        bytemuck::cast::<__m512i, [u32; 16]>(ints.0)
    }
    #[inline(always)]
    fn store(self, ints: Ints, out: &mut [u32]) {
        out[..16].copy_from_slice(&bytemuck::cast::<__m512i, [u32; 16]>(ints.0));
    }
    #[inline(always)]
    fn store_floats(self, floats: Floats, out: &mut [f32]) {
        out[..16].copy_from_slice(&bytemuck::cast::<__m512, [f32; 16]>(floats.0));
    }
    #[inline(always)]
    fn to_floats(self, ints: Ints) -> Floats {
        // SAFETY: as in `splat`.
        Floats(unsafe { _mm512_cvtepi32_ps(ints.0) })
    }
    #[inline(always)]
    fn truncate(self, floats: Floats) -> Ints {
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm512_cvttps_epi32(floats.0) })
    }
    #[inline(always)]
    fn less(self, a: Ints, b: Ints) -> u16 {
        // SAFETY: as in `splat`.
        unsafe { _mm512_cmplt_epi32_mask(a.0, b.0) }
    }
    #[inline(always)]
    fn greater(self, a: Ints, b: Ints) -> u16 {
        // SAFETY: as in `splat`.
        unsafe { _mm512_cmpgt_epi32_mask(a.0, b.0) }
    }
    #[inline(always)]
    fn floats_less(self, a: Floats, b: Floats) -> u16 {
        // SAFETY: as in `splat`.
        unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a.0, b.0) }
    }
    #[inline(always)]
    fn floats_at_least(self, a: Floats, b: Floats) -> u16 {
        // SAFETY: as in `splat`.
        unsafe { _mm512_cmp_ps_mask::<_CMP_GE_OQ>(a.0, b.0) }
    }
    #[inline(always)]
    fn step(self, ints: Ints, down: u16, up: u16) -> Ints {
        let one = self.splat(1);
        // SAFETY: as in `splat`.
        let lowered = unsafe { _mm512_mask_sub_epi32(ints.0, down, ints.0, one.0) };
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm512_mask_add_epi32(lowered, up, lowered, one.0) })
    }
    #[inline(always)]
    fn shift_left(self, ints: Ints, shift: u32) -> Ints {
        // SAFETY: as in `splat`.
        Ints(unsafe { _mm512_sllv_epi32(ints.0, self.splat(shift as i32).0) })
    }
}

impl ByteLanes for Avx512 {
    /// Each byte widened (one instruction), then subtracted.
    #[inline(always)]
    fn byte_differences(self, entering: &[u8], leaving: &[u8]) -> Ints {
        let widened = |bytes: &[u8]| {
            let bytes = bytemuck::cast::<[u8; 16], __m128i>(bytes[..16].try_into().expect("16 bytes"));
            // SAFETY: an `Avx512` exists only where the CPU has AVX-512.
            Ints(unsafe { _mm512_cvtepu8_epi32(bytes) })
        };
        widened(entering) - widened(leaving)
    }

    /// Each byte widened, added, then multiplied in 32 bits.
    #[inline(always)]
    fn byte_sums_times(self, a: &[u8], b: &[u8], weight: u16) -> Ints {
        let widened = |bytes: &[u8]| {
            let bytes = bytemuck::cast::<[u8; 16], __m128i>(bytes[..16].try_into().expect("16 bytes"));
            // SAFETY: an `Avx512` exists only where the CPU has AVX-512.
            Ints(unsafe { _mm512_cvtepu8_epi32(bytes) })
        };
        (widened(a) + widened(b)) * self.splat(i32::from(weight))
    }
}

/// What [`difference_sums_u32`] reads and writes, sixteen samples at a
/// time. Implementations mark both methods `#[inline(always)]` (see
/// [`super::DifferenceRows`]).
pub(crate) trait DifferenceRow {
    /// The differences of samples `i..i + 16`.
    fn differences(&mut self, lanes: Avx512, i: usize) -> Ints;
    /// Takes the running sums of samples `i..i + 16`.
    fn sums(&mut self, lanes: Avx512, i: usize, sums: Ints);
}

/// [`crate::prefix::difference_sums_u32`] for `C` channels in one vector of
/// sixteen lanes. The running sums within it take four shift-adds (lanes
/// 1, 2, 4 and 8 channel periods apart, zeros shifted in, each one lane
/// permutation); lane k then adds the sums before the vector of its
/// channel, at lane 16 - C + k mod C of the vector before. One lane
/// permutation and one add per sixteen samples on the chain. All wrapping
/// `u32` additions, exact in any order, so the same sums as one sample at a
/// time. Returns how many samples it summed (the most sixteens in `len`)
/// and leaves in `acc` the sums after them.
#[inline(always)]
pub(crate) fn difference_sums_u32<const C: usize>(
    lanes: Avx512,
    len: usize,
    acc: &mut [u32],
    row: &mut impl DifferenceRow,
) -> usize {
    const LANES: usize = super::DIFFERENCE_LANES;
    let len = len / LANES * LANES;
    let indices = |index: [i32; LANES]| bytemuck::cast::<[i32; LANES], __m512i>(index);
    // Lane k from lane k - shift, or from the zero vector (lanes 16 on).
    let shifts = [C, 2 * C, 4 * C, 8 * C];
    let shift_lanes =
        shifts.map(|shift| indices(std::array::from_fn(|k| k.checked_sub(shift).unwrap_or(LANES) as i32)));
    let carry_lanes = indices(std::array::from_fn(|k| (LANES - C + k % C) as i32));
    let zero = lanes.splat(0).0;
    // The sums before the row, channel j in lane 16 - C + j.
    let mut before = bytemuck::cast::<[u32; LANES], __m512i>(std::array::from_fn(|k| {
        k.checked_sub(LANES - C).map_or(0, |j| acc[j])
    }));
    for i in (0..len).step_by(LANES) {
        let mut within = row.differences(lanes, i);
        for (&index, shift) in shift_lanes.iter().zip(shifts) {
            if shift < LANES {
                // SAFETY: an `Avx512` exists only where the CPU has AVX-512.
                within = within + Ints(unsafe { _mm512_permutex2var_epi32(within.0, index, zero) });
            }
        }
        // SAFETY: as above.
        let carried = Ints(unsafe { _mm512_permutexvar_epi32(carry_lanes, before) });
        before = (within + carried).0;
        row.sums(lanes, i, Ints(before));
    }
    if len > 0 {
        let last: [u32; LANES] = bytemuck::cast(before);
        for k in LANES - C..LANES {
            acc[(len - LANES + k) % C] = last[k];
        }
    }
    len
}

/// [`crate::prefix::difference_sums_f64_rows`] in AVX-512. Lane shifts are
/// two-source permutations with the zero vector (lane k from lane k -
/// shift, or zero); the sums before the vector, one permutation of the
/// vector before.
///
/// Inlined always, never compiled on its own with `#[target_feature]`: a
/// function of its own was slower (the `f32` gray case of the
/// `variable_box` bench shows it). Its callers are compiled for AVX-512 (a
/// build that targets it, or a copy made for it).
#[inline(always)]
pub(crate) fn difference_sums_f64_rows<const ROWS: usize>(
    lanes: Avx512,
    len: usize,
    accs: [&mut [f64]; ROWS],
    channels: usize,
    rows: &mut impl super::DifferenceRows,
) -> usize {
    const LANES: usize = super::F64_LANES;
    let _ = lanes;
    if channels == 0 || channels > LANES {
        return 0;
    }
    let len = len / LANES * LANES;
    let indices = |index: [i64; LANES]| bytemuck::cast::<[i64; LANES], __m512i>(index);
    let shifts = [channels, 2 * channels, 4 * channels];
    // Lane k from lane k - shift of the first source, or lane 0 of the
    // second (index 8), the zero vector.
    let shift_lanes =
        shifts.map(|shift| indices(std::array::from_fn(|k| k.checked_sub(shift).unwrap_or(LANES) as i64)));
    let carry_lanes = indices(std::array::from_fn(|k| (LANES - channels + k % channels) as i64));
    // SAFETY: an `Avx512` exists only where the CPU has AVX-512.
    let zero = unsafe { _mm512_setzero_pd() };
    // The sums before each row, channel j in lane 8 - C + j.
    let mut before: [__m512d; ROWS] = std::array::from_fn(|r| {
        let lanes: [f64; LANES] = std::array::from_fn(|k| k.checked_sub(LANES - channels).map_or(0.0, |j| accs[r][j]));
        bytemuck::cast(lanes)
    });
    for i in (0..len).step_by(LANES) {
        for (r, before) in before.iter_mut().enumerate() {
            let mut within = bytemuck::cast::<[f64; LANES], __m512d>(rows.differences(r, i));
            for (&index, shift) in shift_lanes.iter().zip(shifts) {
                if shift < LANES {
                    // SAFETY: as above.
                    let shifted = unsafe { _mm512_permutex2var_pd(within, index, zero) };
                    // SAFETY: as above.
                    within = unsafe { _mm512_add_pd(within, shifted) };
                }
            }
            // SAFETY: as above.
            let carried = unsafe { _mm512_permutexvar_pd(carry_lanes, *before) };
            // SAFETY: as above.
            *before = unsafe { _mm512_add_pd(within, carried) };
            rows.sums(r, i, bytemuck::cast(*before));
        }
    }
    if len > 0 {
        for (acc, before) in accs.into_iter().zip(before) {
            let last: [f64; LANES] = bytemuck::cast(before);
            for k in LANES - channels..LANES {
                acc[(len - LANES + k) % channels] = last[k];
            }
        }
    }
    len
}
