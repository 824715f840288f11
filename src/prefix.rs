//! Running sums along a row of interleaved channels (an inclusive prefix
//! sum per channel): the serial part of every sliding window and table row.
//!
//! One sample at a time, each addition waits for the one before it; for
//! `u32` sums on x86_64 four samples go at once: within a vector of four,
//! the sums of samples one channel period apart come from lane shifts
//! (two shift-adds for one channel, one for two or three, none for four),
//! and the sums before the vector from one shuffle of the previous vector.
//! The chain between vectors is then one shuffle and one add per four
//! samples. `wide` has no lane shifts or constant shuffles (its `shuffle`
//! takes run-time indices, which SSE2 has no instruction for), so this
//! module takes SSE2's from `safe_arch` (the safe `core::arch` wrappers
//! `wide` itself is built on), wherever the target has SSE2 (every x86_64
//! CPU). The running sums of a sliding window's differences
//! ([`difference_sums_u32`]) also take eight or sixteen lanes at once where
//! the target has AVX2 or AVX-512 (every form the target has is compiled
//! and tested). Integer additions wrap, so the vectors give the same bits
//! as [`running_sums_scalar`] in any order (tested).

use crate::isa::Isa;
use crate::table::TableValue;

/// Replaces `values` (whole pixels of `channels` interleaved samples) by
/// their running sums per channel, starting from `acc` (the sums before the
/// first pixel, per channel), and leaves in `acc` the sums after the last.
#[inline(always)]
pub(crate) fn running_sums_scalar<A: TableValue>(values: &mut [A], acc: &mut [A], channels: usize) {
    match channels {
        1 => running_sums_in_registers::<A, 1>(values, acc),
        2 => running_sums_in_registers::<A, 2>(values, acc),
        3 => running_sums_in_registers::<A, 3>(values, acc),
        4 => running_sums_in_registers::<A, 4>(values, acc),
        _ => {
            for pixel in values.chunks_exact_mut(channels) {
                for ch in 0..channels {
                    acc[ch] = acc[ch].add(pixel[ch]);
                    pixel[ch] = acc[ch];
                }
            }
        }
    }
}

/// [`running_sums_scalar`] for `C` channels. The sums live in a local array
/// that the compiler keeps in registers: through the caller's slice they
/// went through memory, and store forwarding stalled every RGB row (B4's
/// RGB case shows it).
#[inline(always)]
fn running_sums_in_registers<A: TableValue, const C: usize>(values: &mut [A], acc: &mut [A]) {
    let mut sums: [A; C] = std::array::from_fn(|ch| acc[ch]);
    for pixel in values.chunks_exact_mut(C) {
        for ch in 0..C {
            sums[ch] = sums[ch].add(pixel[ch]);
            pixel[ch] = sums[ch];
        }
    }
    acc[..C].copy_from_slice(&sums);
}

/// [`running_sums_scalar`] for `u32`, four samples at a time where the
/// target has SSE2 and there are 1 to 4 channels.
#[inline(always)]
pub(crate) fn running_sums_u32(values: &mut [u32], acc: &mut [u32], channels: usize) {
    #[cfg(target_feature = "sse2")]
    match channels {
        1 => return lanes::running_sums::<1>(values, acc),
        2 => return lanes::running_sums::<2>(values, acc),
        3 => return lanes::running_sums::<3>(values, acc),
        4 => return lanes::running_sums::<4>(values, acc),
        _ => {}
    }
    running_sums_scalar(values, acc, channels)
}

/// Samples per call of [`difference_sums_u32`]'s consumer.
pub(crate) const DIFFERENCE_LANES: usize = 16;

/// The running sums per channel (wrapping) of `len` samples given sixteen
/// at a time by `differences(i)` (samples `i..i + 16`; whole pixels of
/// `channels` samples), from `acc`: `sixteen(i, sums)` is given the sums of
/// samples `i..i + 16`, and nothing is written. Returns how many samples
/// were summed (the most sixteens in `len`), and leaves in `acc` the sums
/// after them. A sliding window's sums (the differences of the entering
/// and leaving samples) go straight to whatever consumes them: no pass
/// through memory for the differences or the sums. One vector of sixteen
/// lanes where the target has AVX-512, two of eight with AVX2, four of
/// four with SSE2.
#[inline(always)]
pub(crate) fn difference_sums_u32(
    len: usize,
    acc: &mut [u32],
    channels: usize,
    differences: impl FnMut(usize) -> [u32; DIFFERENCE_LANES],
    sixteen: impl FnMut(usize, [u32; DIFFERENCE_LANES]),
) -> usize {
    #[cfg(target_feature = "sse2")]
    match channels {
        1 => return lanes::difference_sums::<1>(len, acc, differences, sixteen),
        2 => return lanes::difference_sums::<2>(len, acc, differences, sixteen),
        3 => return lanes::difference_sums::<3>(len, acc, differences, sixteen),
        4 => return lanes::difference_sums::<4>(len, acc, differences, sixteen),
        _ => {}
    }
    difference_sums_scalar(len, acc, channels, differences, sixteen)
}

/// Rows that [`difference_sums_f64_rows`] sums at once.
pub(crate) const F64_ROWS: usize = 4;

/// Samples per row and call of [`difference_sums_f64_rows`]'s consumer
/// (one AVX-512 vector).
pub(crate) const F64_LANES: usize = 8;

/// What [`difference_sums_f64_rows`] reads and writes, eight samples of a
/// row at a time. Implementations mark both methods `#[inline(always)]`:
/// closures in their place were inlined or not as the caller's size
/// allowed, and a call per eight samples dominated `f32` gray rows (B4's
/// `f32` case shows it).
pub(crate) trait EightsOfRows {
    /// The differences of row `r`, samples `i..i + 8`.
    fn differences(&mut self, r: usize, i: usize) -> [f64; F64_LANES];
    /// Takes the running sums of row `r`, samples `i..i + 8`.
    fn sums(&mut self, r: usize, i: usize, sums: [f64; F64_LANES]);
}

/// The running sums per channel of `len` differences in each of four rows
/// (`rows.differences(r, i)`: row r, samples `i..i + 8`; whole pixels of
/// `channels` samples, at most 8), from `accs[r]`, eight samples at a time:
/// `rows.sums(r, i, sums)`. Where `isa` has AVX-512: one vector per row,
/// the four rows interleaved (four independent chains of additions, each
/// one lane permutation and one add per eight samples); returns how many
/// samples of each row it did (the most eights in `len`) and leaves in
/// `accs` the sums after them. Elsewhere it returns 0 and leaves the rows
/// to the caller's additions one sample at a time (an SSE2 form of two
/// lanes was no faster on B4).
///
/// The sums within a vector are shift-adds (lanes C, 2C and 4C apart), so
/// the additions are not in the order of one sample at a time: the sums
/// may differ from those in the last bits (the tests bound the difference
/// by 8 ε times the sum of the magnitudes added; whole numbers below 2^53
/// sum exactly in any order).
/// The tests' `difference_sums_f64_blocks` is the same arithmetic one lane at a
/// time, bit for bit (tested).
#[inline(always)]
pub(crate) fn difference_sums_f64_rows(
    isa: Isa,
    len: usize,
    accs: [&mut [f64]; F64_ROWS],
    channels: usize,
    rows: &mut impl EightsOfRows,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if isa.avx512() {
        // SAFETY: an `Isa` with AVX-512 exists only where the CPU has it.
        return unsafe { avx512::difference_sums_f64_rows(len, accs, channels, rows) };
    }
    let _ = (isa, len, accs, channels, rows);
    0
}

/// [`difference_sums_f64_rows`] for one row, one lane at a time: each
/// block of eight samples takes the shift-adds of the vector form, then
/// the sums before it (lane k: lane 8 - C + k mod C of the block before).
/// What the tests compare the vector form with.
#[cfg(test)]
fn difference_sums_f64_blocks(differences: &[f64], acc: &mut [f64], channels: usize) -> Vec<f64> {
    let len = differences.len() / F64_LANES * F64_LANES;
    let mut before = [0.0; F64_LANES];
    for (j, sum) in before[F64_LANES - channels..].iter_mut().enumerate() {
        *sum = acc[j];
    }
    let mut sums = Vec::with_capacity(len);
    for block in differences[..len].chunks_exact(F64_LANES) {
        let mut within: [f64; F64_LANES] = block.try_into().expect("8 lanes");
        for shift in [channels, 2 * channels, 4 * channels]
            .into_iter()
            .filter(|&s| s < F64_LANES)
        {
            let shifted: [f64; F64_LANES] = std::array::from_fn(|k| if k >= shift { within[k - shift] } else { 0.0 });
            for (w, s) in within.iter_mut().zip(shifted) {
                *w += s;
            }
        }
        before = std::array::from_fn(|k| within[k] + before[F64_LANES - channels + k % channels]);
        sums.extend_from_slice(&before);
    }
    if len > 0 {
        for k in F64_LANES - channels..F64_LANES {
            acc[(len - F64_LANES + k) % channels] = before[k];
        }
    }
    sums
}

/// [`difference_sums_u32`] one sample at a time.
#[inline(always)]
fn difference_sums_scalar(
    len: usize,
    acc: &mut [u32],
    channels: usize,
    mut differences: impl FnMut(usize) -> [u32; DIFFERENCE_LANES],
    mut sixteen: impl FnMut(usize, [u32; DIFFERENCE_LANES]),
) -> usize {
    let len = len / DIFFERENCE_LANES * DIFFERENCE_LANES;
    for i in (0..len).step_by(DIFFERENCE_LANES) {
        let mut sums = differences(i);
        for (j, sum) in sums.iter_mut().enumerate() {
            let ch = (i + j) % channels;
            acc[ch] = acc[ch].wrapping_add(*sum);
            *sum = acc[ch];
        }
        sixteen(i, sums);
    }
    len
}

/// One summed-area table row of `u8` samples (whole pixels of `channels`):
/// `current[i] = above[i] +` the running sum of the samples up to `i` in its
/// channel, from `acc` (updated, as in [`running_sums_scalar`]). Sixteen
/// samples at a time where the target has SSE2 and there are 1 to 4
/// channels.
#[inline(always)]
pub(crate) fn table_row_u8(current: &mut [u32], above: &[u32], samples: &[u8], acc: &mut [u32], channels: usize) {
    #[cfg(target_feature = "sse2")]
    match channels {
        1 => return lanes::table_row::<1>(current, above, samples, acc),
        2 => return lanes::table_row::<2>(current, above, samples, acc),
        3 => return lanes::table_row::<3>(current, above, samples, acc),
        4 => return lanes::table_row::<4>(current, above, samples, acc),
        _ => {}
    }
    table_row_scalar(current, above, samples, acc, channels, 0)
}

/// [`table_row_u8`] one sample at a time, from sample `start` on (`acc`
/// holding the running sums before it).
#[inline(always)]
fn table_row_scalar(
    current: &mut [u32],
    above: &[u32],
    samples: &[u8],
    acc: &mut [u32],
    channels: usize,
    start: usize,
) {
    let rows = current.iter_mut().zip(above).zip(samples).skip(start);
    for (i, ((entry, &above), &sample)) in rows.enumerate() {
        let ch = (start + i) % channels;
        acc[ch] = acc[ch].wrapping_add(sample as u32);
        *entry = above.wrapping_add(acc[ch]);
    }
}

#[cfg(target_feature = "sse2")]
mod lanes {
    use super::DIFFERENCE_LANES as LANES;
    use safe_arch::{
        add_i32_m128i as add, byte_shl_imm_u128_m128i as shift_bytes, m128i, shuffle_ai_f32_all_m128i as shuffle,
        unpack_high_i8_m128i, unpack_high_i16_m128i, unpack_low_i8_m128i, unpack_low_i16_m128i, zeroed_m128i,
    };

    /// The running sums within one vector of four samples of `C` channels
    /// (each sample plus the samples a multiple of `C` before it).
    #[inline(always)]
    fn within<const C: usize>(d: m128i) -> m128i {
        match C {
            1 => {
                let d = add(d, shift_bytes::<4>(d));
                add(d, shift_bytes::<8>(d))
            }
            2 => add(d, shift_bytes::<8>(d)),
            3 => add(d, shift_bytes::<12>(d)),
            _ => d,
        }
    }

    /// Per lane k, the running sum of the last sample of its channel
    /// before the vector (sample k - C, or k - 2C where k - C is inside
    /// it), from `before`, the sums of the four samples before the vector
    /// (that sample's lane there is its index + 4).
    #[inline(always)]
    fn carry<const C: usize>(before: m128i) -> m128i {
        match C {
            1 => shuffle::<0b11_11_11_11>(before),
            2 => shuffle::<0b11_10_11_10>(before),
            3 => shuffle::<0b01_11_10_01>(before),
            _ => before,
        }
    }

    /// The sums of the four samples before a row's first vector, from the
    /// sums before the row (lane k holds sample k - 4, of channel
    /// (k - 4) mod C).
    #[inline(always)]
    fn before_row<const C: usize>(acc: &[u32]) -> m128i {
        bytemuck::cast::<[u32; 4], _>(std::array::from_fn(|k| acc[(k + 4 * C - 4) % C]))
    }

    /// The sums per channel after `done` samples, from `last`, the sums of
    /// the last four of them (which cover every channel, C <= 4).
    #[inline(always)]
    fn after<const C: usize>(last: m128i, done: usize, acc: &mut [u32]) {
        if done >= 4 {
            let last: [u32; 4] = bytemuck::cast(last);
            for (k, &sum) in last.iter().enumerate() {
                acc[(done - 4 + k) % C] = sum;
            }
        }
    }

    /// See [`super::table_row_u8`].
    #[inline(always)]
    pub(super) fn table_row<const C: usize>(current: &mut [u32], above: &[u32], samples: &[u8], acc: &mut [u32]) {
        let len = current.len().min(above.len()).min(samples.len());
        let vectors = len / 16 * 16;
        let mut before = before_row::<C>(acc);
        let zero = zeroed_m128i();
        let chunks = current[..vectors]
            .chunks_exact_mut(16)
            .zip(above[..vectors].chunks_exact(16))
            .zip(samples[..vectors].chunks_exact(16));
        for ((current, above), bytes) in chunks {
            let bytes: m128i = bytemuck::cast::<[u8; 16], _>(bytes.try_into().expect("16 bytes"));
            let (low, high) = (unpack_low_i8_m128i(bytes, zero), unpack_high_i8_m128i(bytes, zero));
            let quarters = [
                unpack_low_i16_m128i(low, zero),
                unpack_high_i16_m128i(low, zero),
                unpack_low_i16_m128i(high, zero),
                unpack_high_i16_m128i(high, zero),
            ];
            let entries = current.chunks_exact_mut(4).zip(above.chunks_exact(4));
            for (values, (current, above)) in quarters.into_iter().zip(entries) {
                let sums = add(within::<C>(values), carry::<C>(before));
                before = sums;
                let above: m128i = bytemuck::cast::<[u32; 4], _>(above.try_into().expect("4 entries"));
                current.copy_from_slice(&bytemuck::cast::<m128i, [u32; 4]>(add(sums, above)));
            }
        }
        after::<C>(before, vectors, acc);
        super::table_row_scalar(&mut current[..len], above, samples, acc, C, vectors);
    }

    /// See [`super::difference_sums_u32`]: the widest form the target
    /// has. Every form the target has is compiled, and tested.
    #[inline(always)]
    pub(super) fn difference_sums<const C: usize>(
        len: usize,
        acc: &mut [u32],
        differences: impl FnMut(usize) -> [u32; LANES],
        sixteen: impl FnMut(usize, [u32; LANES]),
    ) -> usize {
        #[cfg(target_feature = "avx512f")]
        return difference_sums_avx512::<C>(len, acc, differences, sixteen);
        #[cfg(all(target_feature = "avx2", not(target_feature = "avx512f")))]
        return difference_sums_avx2::<C>(len, acc, differences, sixteen);
        #[cfg(not(target_feature = "avx2"))]
        return difference_sums_sse2::<C>(len, acc, differences, sixteen);
    }

    /// See [`super::difference_sums_u32`]: four vectors of four lanes.
    #[cfg_attr(target_feature = "avx2", allow(dead_code))]
    #[inline(always)]
    pub(super) fn difference_sums_sse2<const C: usize>(
        len: usize,
        acc: &mut [u32],
        mut differences: impl FnMut(usize) -> [u32; LANES],
        mut sixteen: impl FnMut(usize, [u32; LANES]),
    ) -> usize {
        let len = len / LANES * LANES;
        let mut before = before_row::<C>(acc);
        for i in (0..len).step_by(LANES) {
            let sums = bytemuck::cast::<[u32; LANES], [m128i; 4]>(differences(i)).map(|d| {
                before = add(within::<C>(d), carry::<C>(before));
                before
            });
            sixteen(i, bytemuck::cast::<[m128i; 4], [u32; LANES]>(sums));
        }
        after::<C>(before, len, acc);
        len
    }

    /// The lanes [`carry`] picks, in the order of its shuffle.
    #[cfg(target_feature = "avx2")]
    const fn carry_picks<const C: usize>() -> [i32; 4] {
        match C {
            1 => [3, 3, 3, 3],
            2 => [2, 3, 2, 3],
            3 => [1, 2, 3, 1],
            _ => [0, 1, 2, 3],
        }
    }

    /// See [`super::difference_sums_u32`]: two vectors of eight lanes.
    /// Each half of a vector takes the running sums of its four lanes
    /// ([`within`]); the upper half then adds the lower half's sums that
    /// [`carry`] picks, and the whole vector the sums before it: lane k of
    /// the lower half needs lane `carry(k)` of the four samples before, and
    /// lane k of the upper half, by the same rule applied twice, lane
    /// `carry(carry(k))` (what is carried into the lower half carries on
    /// into the upper one). One lane permutation and one add per eight
    /// samples on the chain.
    #[cfg(target_feature = "avx2")]
    #[cfg_attr(target_feature = "avx512f", allow(dead_code))]
    #[inline(always)]
    pub(super) fn difference_sums_avx2<const C: usize>(
        len: usize,
        acc: &mut [u32],
        mut differences: impl FnMut(usize) -> [u32; LANES],
        mut sixteen: impl FnMut(usize, [u32; LANES]),
    ) -> usize {
        use safe_arch::{
            add_i32_m256i, byte_shl_imm_u128_m256i as shift_bytes, m256i, shuffle_abi_i128z_all_m256i,
            shuffle_ai_i32_half_m256i, shuffle_av_i32_all_m256i,
        };
        let len = len / LANES * LANES;
        let picks = carry_picks::<C>();
        let before_lanes: [i32; 8] =
            std::array::from_fn(|k| 4 + if k < 4 { picks[k] } else { picks[picks[k - 4] as usize] });
        let before_lanes = m256i::from(before_lanes);
        // The sums of the four samples before, in the upper half.
        let mut before = bytemuck::cast::<[m128i; 2], m256i>([zeroed_m128i(), before_row::<C>(acc)]);
        for i in (0..len).step_by(LANES) {
            let sums = bytemuck::cast::<[u32; LANES], [m256i; 2]>(differences(i)).map(|d| {
                let halves = match C {
                    1 => {
                        let d = add_i32_m256i(d, shift_bytes::<4>(d));
                        add_i32_m256i(d, shift_bytes::<8>(d))
                    }
                    2 => add_i32_m256i(d, shift_bytes::<8>(d)),
                    3 => add_i32_m256i(d, shift_bytes::<12>(d)),
                    _ => d,
                };
                let picked = match C {
                    1 => shuffle_ai_i32_half_m256i::<0b11_11_11_11>(halves),
                    2 => shuffle_ai_i32_half_m256i::<0b11_10_11_10>(halves),
                    3 => shuffle_ai_i32_half_m256i::<0b01_11_10_01>(halves),
                    _ => halves,
                };
                // The lower half's picks into the upper half, zeros below.
                let within = add_i32_m256i(halves, shuffle_abi_i128z_all_m256i::<0x08>(picked, picked));
                before = add_i32_m256i(within, shuffle_av_i32_all_m256i(before, before_lanes));
                before
            });
            sixteen(i, bytemuck::cast::<[m256i; 2], [u32; LANES]>(sums));
        }
        after::<C>(bytemuck::cast::<m256i, [m128i; 2]>(before)[1], len, acc);
        len
    }

    /// See [`super::difference_sums_u32`]: one vector of sixteen lanes.
    /// The running sums within it take four shift-adds (lanes 1, 2, 4 and
    /// 8 channel periods apart, zeros shifted in, each one lane
    /// permutation); lane k then adds the sums before the vector of its
    /// channel, at lane 16 - C + k mod C of the vector before. One lane
    /// permutation and one add per sixteen samples on the chain.
    #[cfg(target_feature = "avx512f")]
    #[inline(always)]
    pub(super) fn difference_sums_avx512<const C: usize>(
        len: usize,
        acc: &mut [u32],
        mut differences: impl FnMut(usize) -> [u32; LANES],
        mut sixteen: impl FnMut(usize, [u32; LANES]),
    ) -> usize {
        use safe_arch::{add_i32_m512i, m512i, permute_i32_m512i, permute2_i32_m512i, zeroed_m512i};
        let len = len / LANES * LANES;
        let lanes = |index: [i32; LANES]| bytemuck::cast::<[i32; LANES], m512i>(index);
        // Lane k from lane k - shift, or from the zero vector (lanes 16 on).
        let shifts = [C, 2 * C, 4 * C, 8 * C];
        let shift_lanes =
            shifts.map(|shift| lanes(std::array::from_fn(|k| k.checked_sub(shift).unwrap_or(LANES) as i32)));
        let before_lanes = lanes(std::array::from_fn(|k| (LANES - C + k % C) as i32));
        let zero = zeroed_m512i();
        // The sums of the four samples before, in the last four lanes.
        let mut before =
            bytemuck::cast::<[m128i; 4], m512i>([zeroed_m128i(), zeroed_m128i(), zeroed_m128i(), before_row::<C>(acc)]);
        for i in (0..len).step_by(LANES) {
            let mut within = bytemuck::cast::<[u32; LANES], m512i>(differences(i));
            for (&index, shift) in shift_lanes.iter().zip(shifts) {
                if shift < LANES {
                    within = add_i32_m512i(within, permute2_i32_m512i(within, index, zero));
                }
            }
            before = add_i32_m512i(within, permute_i32_m512i(before_lanes, before));
            sixteen(i, bytemuck::cast::<m512i, [u32; LANES]>(before));
        }
        after::<C>(bytemuck::cast::<m512i, [m128i; 4]>(before)[3], len, acc);
        len
    }

    /// See [`super::running_sums_u32`].
    #[inline(always)]
    pub(super) fn running_sums<const C: usize>(values: &mut [u32], acc: &mut [u32]) {
        let mut before = before_row::<C>(acc);
        let len = values.len();
        let mut chunks = values.chunks_exact_mut(4);
        for chunk in &mut chunks {
            let d: [u32; 4] = (&*chunk).try_into().expect("chunks of four");
            let sums = add(within::<C>(bytemuck::cast(d)), carry::<C>(before));
            chunk.copy_from_slice(&bytemuck::cast::<m128i, [u32; 4]>(sums));
            before = sums;
        }
        let done = len - chunks.into_remainder().len();
        after::<C>(before, done, acc);
        for (i, value) in values[done..].iter_mut().enumerate() {
            let ch = (done + i) % C;
            acc[ch] = acc[ch].wrapping_add(*value);
            *value = acc[ch];
        }
    }
}

/// The AVX-512 forms, compiled on every x86_64 target (a portable build
/// calls them where [`Isa::detect`] finds AVX-512).
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use super::{DIFFERENCE_LANES as LANES, F64_LANES, F64_ROWS};
    use std::arch::x86_64::{
        __m512d, __m512i, _mm512_add_epi32, _mm512_add_pd, _mm512_permutex2var_epi32, _mm512_permutex2var_pd,
        _mm512_permutexvar_epi32, _mm512_permutexvar_pd, _mm512_setzero_pd, _mm512_setzero_si512,
    };

    /// What [`difference_sums_u32`] reads and writes, sixteen samples at a
    /// time, in AVX-512 vectors. Implementations mark both methods
    /// `#[inline(always)]` (see [`super::EightsOfRows`]) and may use
    /// AVX-512F.
    pub(crate) trait Sixteens {
        /// The differences of samples `i..i + 16`.
        ///
        /// # Safety
        /// The CPU must have AVX-512F.
        unsafe fn differences(&mut self, i: usize) -> __m512i;
        /// Takes the running sums of samples `i..i + 16`.
        ///
        /// # Safety
        /// The CPU must have AVX-512F.
        unsafe fn sums(&mut self, i: usize, sums: __m512i);
    }

    /// [`super::difference_sums_u32`] in `core::arch`, for builds that do
    /// not target AVX-512 (theirs is the `safe_arch` form the target
    /// selects): the same shift-adds and carries, so the same sums (all
    /// wrapping `u32` additions, exact in any order). Returns how many
    /// samples it summed (the most sixteens in `len`) and leaves in `acc`
    /// the sums after them.
    ///
    /// # Safety
    /// The CPU must have AVX-512F. Inlined always, like
    /// [`difference_sums_f64_rows`], into callers compiled for AVX-512.
    #[inline(always)]
    pub(crate) unsafe fn difference_sums_u32<const C: usize>(
        len: usize,
        acc: &mut [u32],
        row: &mut impl Sixteens,
    ) -> usize {
        let len = len / LANES * LANES;
        let lanes = |index: [i32; LANES]| bytemuck::cast::<[i32; LANES], __m512i>(index);
        // Lane k from lane k - shift, or from the zero vector (lanes 16 on).
        let shifts = [C, 2 * C, 4 * C, 8 * C];
        let shift_lanes =
            shifts.map(|shift| lanes(std::array::from_fn(|k| k.checked_sub(shift).unwrap_or(LANES) as i32)));
        let carry_lanes = lanes(std::array::from_fn(|k| (LANES - C + k % C) as i32));
        // SAFETY (this and each intrinsic and method below): the caller's CPU has AVX-512F.
        let zero = unsafe { _mm512_setzero_si512() };
        // The sums before the row, channel j in lane 16 - C + j.
        let mut before = bytemuck::cast::<[u32; LANES], __m512i>(std::array::from_fn(|k| {
            k.checked_sub(LANES - C).map_or(0, |j| acc[j])
        }));
        for i in (0..len).step_by(LANES) {
            let mut within = unsafe { row.differences(i) };
            for (&index, shift) in shift_lanes.iter().zip(shifts) {
                if shift < LANES {
                    within = unsafe { _mm512_add_epi32(within, _mm512_permutex2var_epi32(within, index, zero)) };
                }
            }
            before = unsafe { _mm512_add_epi32(within, _mm512_permutexvar_epi32(carry_lanes, before)) };
            unsafe { row.sums(i, before) };
        }
        if len > 0 {
            let last: [u32; LANES] = bytemuck::cast(before);
            for k in LANES - C..LANES {
                acc[(len - LANES + k) % C] = last[k];
            }
        }
        len
    }

    /// See [`super::difference_sums_f64_rows`]. Lane shifts are two-source
    /// permutations with the zero vector (lane k from lane k - shift, or
    /// zero); the sums before the vector, one permutation of the vector
    /// before.
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    ///
    /// Inlined always, never compiled on its own with `#[target_feature]`:
    /// a function of its own was slower on B4's `f32` case. Its callers are compiled for AVX-512 (a build that
    /// targets it, or a copy made for it); elsewhere `isa` keeps it from
    /// running.
    #[inline(always)]
    pub(super) unsafe fn difference_sums_f64_rows(
        len: usize,
        accs: [&mut [f64]; F64_ROWS],
        channels: usize,
        rows: &mut impl super::EightsOfRows,
    ) -> usize {
        if channels == 0 || channels > F64_LANES {
            return 0;
        }
        let len = len / F64_LANES * F64_LANES;
        let lanes = |index: [i64; F64_LANES]| bytemuck::cast::<[i64; F64_LANES], __m512i>(index);
        let shifts = [channels, 2 * channels, 4 * channels];
        // Lane k from lane k - shift of the first source, or lane 0 of the
        // second (index 8), the zero vector.
        let shift_lanes = shifts.map(|shift| {
            lanes(std::array::from_fn(|k| {
                k.checked_sub(shift).unwrap_or(F64_LANES) as i64
            }))
        });
        let carry_lanes = lanes(std::array::from_fn(|k| (F64_LANES - channels + k % channels) as i64));
        // SAFETY (this and each intrinsic below): the caller's CPU has AVX-512F.
        let zero = unsafe { _mm512_setzero_pd() };
        // The sums before each row, channel j in lane 8 - C + j.
        let mut before: [__m512d; F64_ROWS] = std::array::from_fn(|r| {
            let lanes: [f64; F64_LANES] =
                std::array::from_fn(|k| k.checked_sub(F64_LANES - channels).map_or(0.0, |j| accs[r][j]));
            bytemuck::cast(lanes)
        });
        for i in (0..len).step_by(F64_LANES) {
            for (r, before) in before.iter_mut().enumerate() {
                let mut within = bytemuck::cast::<[f64; F64_LANES], __m512d>(rows.differences(r, i));
                for (&index, shift) in shift_lanes.iter().zip(shifts) {
                    if shift < F64_LANES {
                        within = unsafe { _mm512_add_pd(within, _mm512_permutex2var_pd(within, index, zero)) };
                    }
                }
                *before = unsafe { _mm512_add_pd(within, _mm512_permutexvar_pd(carry_lanes, *before)) };
                rows.sums(r, i, bytemuck::cast(*before));
            }
        }
        if len > 0 {
            for (acc, before) in accs.into_iter().zip(before) {
                let last: [f64; F64_LANES] = bytemuck::cast(before);
                for k in F64_LANES - channels..F64_LANES {
                    acc[(len - F64_LANES + k) % channels] = last[k];
                }
            }
        }
        len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The running sums by definition: each sample plus every sample of
    /// its channel before it, and the start.
    fn by_definition(values: &[u32], start: &[u32], channels: usize) -> Vec<u32> {
        (0..values.len())
            .map(|i| {
                let ch = i % channels;
                (ch..=i)
                    .step_by(channels)
                    .fold(start[ch], |sum, j| sum.wrapping_add(values[j]))
            })
            .collect()
    }

    #[test]
    fn vector_running_sums_equal_the_scalar_ones_and_the_definition() {
        let mut next = crate::test_numbers(0x2545_f491_4f6c_dd1d);
        for channels in 1..=5 {
            for pixels in 0..=23 {
                for round in 0..20 {
                    // Small values, and values that wrap.
                    let big = round % 2 == 1;
                    let mut value = || if big { next() as u32 } else { (next() % 256) as u32 };
                    let values: Vec<u32> = (0..pixels * channels).map(|_| value()).collect();
                    let start: Vec<u32> = (0..channels).map(|_| value()).collect();
                    let expected = by_definition(&values, &start, channels);
                    let mut expected_acc = start.clone();
                    if pixels > 0 {
                        let last = &expected[(pixels - 1) * channels..];
                        expected_acc.copy_from_slice(last);
                    }
                    let (mut vector, mut vector_acc) = (values.clone(), start.clone());
                    running_sums_u32(&mut vector, &mut vector_acc, channels);
                    let (mut scalar, mut scalar_acc) = (values.clone(), start.clone());
                    running_sums_scalar(&mut scalar, &mut scalar_acc, channels);
                    let case = format!("{channels} channels, {pixels} pixels, round {round}");
                    assert_eq!(vector, expected, "vector sums, {case}");
                    assert_eq!(vector_acc, expected_acc, "vector end sums, {case}");
                    assert_eq!(scalar, expected, "scalar sums, {case}");
                    assert_eq!(scalar_acc, expected_acc, "scalar end sums, {case}");
                }
            }
        }
    }

    #[test]
    fn vector_difference_sums_equal_the_scalar_ones_and_the_definition() {
        let mut next = crate::test_numbers(0x5851_f42d_4c95_7f2d);
        for channels in 1..=5 {
            for pixels in 0..=40 {
                for round in 0..12 {
                    // Small values, and values that wrap.
                    let big = round % 2 == 1;
                    let mut value = || if big { next() as u32 } else { (next() % 256) as u32 };
                    let len = pixels * channels;
                    let differences: Vec<u32> = (0..len).map(|_| value()).collect();
                    let start: Vec<u32> = (0..channels).map(|_| value()).collect();
                    let expected = by_definition(&differences, &start, channels);
                    let done = len / DIFFERENCE_LANES * DIFFERENCE_LANES;
                    let mut expected_acc = start.clone();
                    for (i, &sum) in expected[..done].iter().enumerate() {
                        expected_acc[i % channels] = sum;
                    }
                    let mut forms: Vec<(&str, DifferenceSums)> = vec![("dispatched", dispatched), ("scalar", scalar)];
                    #[cfg(target_feature = "sse2")]
                    forms.push(("sse2", sse2));
                    #[cfg(target_feature = "avx2")]
                    forms.push(("avx2", avx2));
                    #[cfg(target_feature = "avx512f")]
                    forms.push(("avx512", avx512));
                    #[cfg(target_arch = "x86_64")]
                    if Isa::detect().avx512() {
                        forms.push(("core::arch avx512", core_avx512));
                    }
                    for (name, form) in forms {
                        let case = format!("{name}, {channels} channels, {pixels} pixels, round {round}");
                        let (mut sums, mut acc) = (vec![0; done], start.clone());
                        let Some(form_done) = form(&differences, &mut acc, channels, &mut sums) else {
                            continue;
                        };
                        assert_eq!(form_done, done, "{case}");
                        assert_eq!(sums, expected[..done], "sums, {case}");
                        assert_eq!(acc, expected_acc, "end sums, {case}");
                    }
                }
            }
        }
    }

    #[test]
    fn f64_difference_sums_equal_their_lane_by_lane_form_and_near_the_definition() {
        let mut next = crate::test_numbers(0x9e6c_63d0_676a_9a99);
        for channels in 1..=8 {
            for pixels in 0..=30 {
                for round in 0..8u32 {
                    let len = pixels * channels;
                    // Fractions of every size (so roundings differ), or
                    // whole numbers (exact in any order).
                    let whole = round.is_multiple_of(2);
                    let mut value = || {
                        let v = (next() % 2_000_001) as f64 - 1e6;
                        if whole {
                            v
                        } else {
                            v / 7.0 * 10f64.powi((next() % 7) as i32 - 3)
                        }
                    };
                    let rows: Vec<Vec<f64>> = (0..F64_ROWS).map(|_| (0..len).map(|_| value()).collect()).collect();
                    let starts: Vec<Vec<f64>> = (0..F64_ROWS)
                        .map(|_| (0..channels).map(|_| value()).collect())
                        .collect();
                    let done = len / F64_LANES * F64_LANES;
                    let case = format!("{channels} channels, {pixels} pixels, round {round}");
                    for (row, start) in rows.iter().zip(&starts) {
                        let mut acc = start.clone();
                        let blocks = difference_sums_f64_blocks(row, &mut acc, channels);
                        // One sample at a time, exactly as far as the definition goes.
                        let mut sequential = start.clone();
                        for (i, (&d, &sum)) in row.iter().zip(&blocks).enumerate() {
                            let ch = i % channels;
                            sequential[ch] += d;
                            let bound =
                                8.0 * f64::EPSILON * row[..=i].iter().chain(start).map(|v| v.abs()).sum::<f64>();
                            if whole {
                                assert_eq!(sum, sequential[ch], "{case}, sample {i}");
                            } else {
                                assert!(
                                    (sum - sequential[ch]).abs() <= bound,
                                    "{case}, sample {i}: {sum} vs {}",
                                    sequential[ch]
                                );
                            }
                        }
                        // The end sums: each channel's last sum.
                        let mut last = start.clone();
                        for (i, &sum) in blocks.iter().enumerate() {
                            last[i % channels] = sum;
                        }
                        assert_eq!(acc, last, "{case}: end sums");
                    }
                    let mut accs = starts.clone();
                    let mut vector = vec![vec![0.0; done]; F64_ROWS];
                    let [a0, a1, a2, a3] = &mut accs[..] else {
                        unreachable!()
                    };
                    let vector_done = difference_sums_f64_rows(
                        Isa::detect(),
                        len,
                        [&mut a0[..], &mut a1[..], &mut a2[..], &mut a3[..]],
                        channels,
                        &mut Slices {
                            rows: &rows,
                            sums: &mut vector,
                        },
                    );
                    if Isa::detect().avx512() {
                        assert_eq!(vector_done, done, "{case}");
                    } else {
                        assert_eq!(vector_done, 0, "{case}");
                    }
                    for r in 0..F64_ROWS {
                        let mut acc = starts[r].clone();
                        let blocks = difference_sums_f64_blocks(&rows[r], &mut acc, channels);
                        if vector_done > 0 {
                            let bits = |v: &[f64]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
                            assert_eq!(bits(&vector[r]), bits(&blocks), "{case}, row {r}");
                            assert_eq!(bits(&accs[r]), bits(&acc), "{case}, row {r}: end sums");
                        } else {
                            assert_eq!(accs[r], starts[r], "{case}: untouched");
                        }
                    }
                }
            }
        }
    }

    /// Rows of differences, and rows for their running sums.
    struct Slices<'a> {
        rows: &'a [Vec<f64>],
        sums: &'a mut [Vec<f64>],
    }

    impl EightsOfRows for Slices<'_> {
        fn differences(&mut self, r: usize, i: usize) -> [f64; F64_LANES] {
            self.rows[r][i..][..F64_LANES].try_into().expect("8 lanes")
        }
        fn sums(&mut self, r: usize, i: usize, sums: [f64; F64_LANES]) {
            self.sums[r][i..][..F64_LANES].copy_from_slice(&sums);
        }
    }

    /// A form of [`difference_sums_u32`] on a slice of differences, its
    /// sums written to a slice; `None` for channel counts it does not take.
    type DifferenceSums = fn(&[u32], &mut [u32], usize, &mut [u32]) -> Option<usize>;

    /// The differences sixteen at a time, and the sums into `sums`.
    fn slices<'a>(
        differences: &'a [u32],
        sums: &'a mut [u32],
    ) -> (
        impl Fn(usize) -> [u32; DIFFERENCE_LANES] + 'a,
        impl FnMut(usize, [u32; DIFFERENCE_LANES]) + 'a,
    ) {
        (
            |i: usize| differences[i..][..DIFFERENCE_LANES].try_into().expect("16 lanes"),
            |i: usize, lanes: [u32; DIFFERENCE_LANES]| sums[i..][..DIFFERENCE_LANES].copy_from_slice(&lanes),
        )
    }

    fn dispatched(differences: &[u32], acc: &mut [u32], channels: usize, sums: &mut [u32]) -> Option<usize> {
        let (input, output) = slices(differences, sums);
        Some(difference_sums_u32(differences.len(), acc, channels, input, output))
    }

    fn scalar(differences: &[u32], acc: &mut [u32], channels: usize, sums: &mut [u32]) -> Option<usize> {
        let (input, output) = slices(differences, sums);
        Some(difference_sums_scalar(differences.len(), acc, channels, input, output))
    }

    /// A vector form of `lanes`, for 1 to 4 channels.
    macro_rules! vector_form {
        ($name:ident, $form:ident, $feature:literal) => {
            #[cfg(target_feature = $feature)]
            fn $name(differences: &[u32], acc: &mut [u32], channels: usize, sums: &mut [u32]) -> Option<usize> {
                let (input, output) = slices(differences, sums);
                let len = differences.len();
                match channels {
                    1 => Some(lanes::$form::<1>(len, acc, input, output)),
                    2 => Some(lanes::$form::<2>(len, acc, input, output)),
                    3 => Some(lanes::$form::<3>(len, acc, input, output)),
                    4 => Some(lanes::$form::<4>(len, acc, input, output)),
                    _ => None,
                }
            }
        };
    }
    vector_form!(sse2, difference_sums_sse2, "sse2");
    vector_form!(avx2, difference_sums_avx2, "avx2");
    vector_form!(avx512, difference_sums_avx512, "avx512f");

    /// The differences and sums of [`avx512::difference_sums_u32`] in slices.
    #[cfg(target_arch = "x86_64")]
    struct SixteenSlices<'a> {
        differences: &'a [u32],
        sums: &'a mut [u32],
    }

    #[cfg(target_arch = "x86_64")]
    impl avx512::Sixteens for SixteenSlices<'_> {
        unsafe fn differences(&mut self, i: usize) -> std::arch::x86_64::__m512i {
            let lanes: [u32; DIFFERENCE_LANES] =
                self.differences[i..][..DIFFERENCE_LANES].try_into().expect("16 lanes");
            bytemuck::cast(lanes)
        }
        unsafe fn sums(&mut self, i: usize, sums: std::arch::x86_64::__m512i) {
            self.sums[i..][..DIFFERENCE_LANES].copy_from_slice(&bytemuck::cast::<_, [u32; DIFFERENCE_LANES]>(sums));
        }
    }

    /// [`avx512::difference_sums_u32`], for a CPU with AVX-512.
    #[cfg(target_arch = "x86_64")]
    fn core_avx512(differences: &[u32], acc: &mut [u32], channels: usize, sums: &mut [u32]) -> Option<usize> {
        assert!(Isa::detect().avx512());
        let len = differences.len();
        let row = &mut SixteenSlices { differences, sums };
        // SAFETY: the CPU has AVX-512 (asserted above).
        unsafe {
            match channels {
                1 => Some(avx512::difference_sums_u32::<1>(len, acc, row)),
                2 => Some(avx512::difference_sums_u32::<2>(len, acc, row)),
                3 => Some(avx512::difference_sums_u32::<3>(len, acc, row)),
                4 => Some(avx512::difference_sums_u32::<4>(len, acc, row)),
                _ => None,
            }
        }
    }

    #[test]
    fn vector_table_rows_equal_the_scalar_ones_and_the_definition() {
        let mut next = crate::test_numbers(0x1234_5678_9abc_def1);
        for channels in 1..=5 {
            for pixels in 0..=40 {
                for round in 0..6 {
                    let len = pixels * channels;
                    let samples: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                    // Entries above anywhere in u32 (so some sums wrap).
                    let above: Vec<u32> = (0..len).map(|_| next() as u32).collect();
                    let start: Vec<u32> = (0..channels).map(|_| next() as u32).collect();
                    let widened: Vec<u32> = samples.iter().map(|&s| s as u32).collect();
                    let running = by_definition(&widened, &start, channels);
                    let expected: Vec<u32> = running.iter().zip(&above).map(|(r, a)| r.wrapping_add(*a)).collect();
                    let mut expected_acc = start.clone();
                    if pixels > 0 {
                        expected_acc.copy_from_slice(&running[(pixels - 1) * channels..]);
                    }
                    let (mut vector, mut vector_acc) = (vec![0; len], start.clone());
                    table_row_u8(&mut vector, &above, &samples, &mut vector_acc, channels);
                    let (mut scalar, mut scalar_acc) = (vec![0; len], start.clone());
                    table_row_scalar(&mut scalar, &above, &samples, &mut scalar_acc, channels, 0);
                    let case = format!("{channels} channels, {pixels} pixels, round {round}");
                    assert_eq!(vector, expected, "vector row, {case}");
                    assert_eq!(vector_acc, expected_acc, "vector end sums, {case}");
                    assert_eq!(scalar, expected, "scalar row, {case}");
                    assert_eq!(scalar_acc, expected_acc, "scalar end sums, {case}");
                }
            }
        }
    }
}
