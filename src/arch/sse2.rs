//! SSE2 (every x86_64 CPU), through `safe_arch` (the safe `core::arch`
//! wrappers `wide` itself is built on): the running sums along a row of
//! interleaved channels four samples at a time. `wide` has no lane shifts
//! or constant shuffles (its `shuffle` takes run-time indices, which SSE2
//! has no instruction for). Within a vector of four, the sums of samples
//! one channel period apart come from lane shifts (two shift-adds for one
//! channel, one for two or three, none for four), and the sums before the
//! vector from one shuffle of the previous vector: one shuffle and one add
//! per four samples on the chain. Where the target has AVX2 or AVX-512 the
//! running sums of a sliding window's differences take their forms
//! ([`super::avx2`], [`super::avx512`]).

use super::DIFFERENCE_LANES as LANES;
use super::U32DifferenceRow;
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
pub(super) fn before_row<const C: usize>(acc: &[u32]) -> m128i {
    bytemuck::cast::<[u32; 4], _>(std::array::from_fn(|k| acc[(k + 4 * C - 4) % C]))
}

/// The sums per channel after `done` samples, from `last`, the sums of
/// the last four of them (which cover every channel, C <= 4).
#[inline(always)]
pub(super) fn after<const C: usize>(last: m128i, done: usize, acc: &mut [u32]) {
    if done >= 4 {
        let last: [u32; 4] = bytemuck::cast(last);
        for (k, &sum) in last.iter().enumerate() {
            acc[(done - 4 + k) % C] = sum;
        }
    }
}

/// Sixteen narrow samples (`u8` or `u16`) widened to four vectors of four
/// `u32` lanes, in order: interleaved with zeros, so no lane's bits change.
#[inline(always)]
fn widened<S: crate::prefix::NarrowSample>(samples: &[S]) -> [m128i; 4] {
    let zero = zeroed_m128i();
    let bytes: &[u8] = bytemuck::cast_slice(&samples[..16]);
    let vector = |at: usize| bytemuck::cast::<[u8; 16], m128i>(bytes[at..at + 16].try_into().expect("16 bytes"));
    // Eight 16-bit lanes in each of two vectors: bytes widened once, or
    // words as they are.
    let (low, high) = if size_of::<S>() == 1 {
        let bytes = vector(0);
        (unpack_low_i8_m128i(bytes, zero), unpack_high_i8_m128i(bytes, zero))
    } else {
        (vector(0), vector(16))
    };
    [
        unpack_low_i16_m128i(low, zero),
        unpack_high_i16_m128i(low, zero),
        unpack_low_i16_m128i(high, zero),
        unpack_high_i16_m128i(high, zero),
    ]
}

/// See [`crate::prefix::table_row_narrow`].
#[inline(always)]
pub(crate) fn table_row<const C: usize, S: crate::prefix::NarrowSample>(
    current: &mut [u32],
    above: &[u32],
    samples: &[S],
    acc: &mut [u32],
) {
    let len = current.len().min(above.len()).min(samples.len());
    let vectors = len / 16 * 16;
    let mut before = before_row::<C>(acc);
    let chunks = current[..vectors]
        .chunks_exact_mut(16)
        .zip(above[..vectors].chunks_exact(16))
        .zip(samples[..vectors].chunks_exact(16));
    for ((current, above), samples) in chunks {
        let entries = current.chunks_exact_mut(4).zip(above.chunks_exact(4));
        for (values, (current, above)) in widened(samples).into_iter().zip(entries) {
            let sums = add(within::<C>(values), carry::<C>(before));
            before = sums;
            let above: m128i = bytemuck::cast::<[u32; 4], _>(above.try_into().expect("4 entries"));
            current.copy_from_slice(&bytemuck::cast::<m128i, [u32; 4]>(add(sums, above)));
        }
    }
    after::<C>(before, vectors, acc);
    crate::prefix::table_row_scalar(&mut current[..len], above, samples, acc, C, vectors);
}

/// See [`crate::prefix::difference_sums_u32`]: the widest form the target
/// has. Every form the target has is compiled, and tested.
#[inline(always)]
pub(crate) fn difference_sums<const C: usize>(len: usize, acc: &mut [u32], row: &mut impl U32DifferenceRow) -> usize {
    #[cfg(target_feature = "avx512f")]
    return difference_sums_avx512::<C>(len, acc, row);
    #[cfg(all(target_feature = "avx2", not(target_feature = "avx512f")))]
    return super::avx2::difference_sums::<C>(len, acc, row);
    #[cfg(not(target_feature = "avx2"))]
    return difference_sums_sse2::<C>(len, acc, row);
}

/// See [`crate::prefix::difference_sums_u32`]: four vectors of four lanes.
#[cfg_attr(target_feature = "avx2", allow(dead_code))]
#[inline(always)]
pub(crate) fn difference_sums_sse2<const C: usize>(
    len: usize,
    acc: &mut [u32],
    row: &mut impl U32DifferenceRow,
) -> usize {
    let len = len / LANES * LANES;
    let mut before = before_row::<C>(acc);
    for i in (0..len).step_by(LANES) {
        let sums = bytemuck::cast::<[u32; LANES], [m128i; 4]>(row.differences(i)).map(|d| {
            before = add(within::<C>(d), carry::<C>(before));
            before
        });
        row.sums(i, bytemuck::cast::<[m128i; 4], [u32; LANES]>(sums));
    }
    after::<C>(before, len, acc);
    len
}

/// See [`crate::prefix::difference_sums_u32`]: [`super::avx512`]'s form,
/// which a build that targets AVX-512 may call anywhere.
#[cfg(target_feature = "avx512f")]
#[inline(always)]
pub(crate) fn difference_sums_avx512<const C: usize>(
    len: usize,
    acc: &mut [u32],
    row: &mut impl U32DifferenceRow,
) -> usize {
    use super::Lanes;
    use super::avx512::{Avx512, DifferenceRow, Ints};

    /// The caller's row as a [`DifferenceRow`].
    struct Arrays<'r, R>(&'r mut R);

    impl<R: U32DifferenceRow> DifferenceRow for Arrays<'_, R> {
        #[inline(always)]
        fn differences(&mut self, lanes: Avx512, i: usize) -> Ints {
            lanes.load(&self.0.differences(i))
        }
        #[inline(always)]
        fn sums(&mut self, lanes: Avx512, i: usize, sums: Ints) {
            let mut out = [0; LANES];
            lanes.store(sums, &mut out);
            self.0.sums(i, out);
        }
    }

    let lanes = super::Isa::target().avx512_lanes().expect("the build targets AVX-512");
    super::avx512::difference_sums_u32::<C>(lanes, len, acc, &mut Arrays(row))
}

/// See [`crate::prefix::running_sums_u32`].
#[inline(always)]
pub(crate) fn running_sums<const C: usize>(values: &mut [u32], acc: &mut [u32]) {
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
