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
//! CPU). Integer additions wrap, so the vectors give
//! the same bits as [`running_sums_scalar`] in any order (tested).

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
/// went through memory, and store forwarding made RGB rows 2x slower.
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

#[cfg(target_feature = "sse2")]
mod lanes {
    use safe_arch::{
        add_i32_m128i as add, byte_shl_imm_u128_m128i as shift_bytes, m128i, shuffle_ai_f32_all_m128i as shuffle,
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

    /// See [`super::running_sums_u32`].
    #[inline(always)]
    pub(super) fn running_sums<const C: usize>(values: &mut [u32], acc: &mut [u32]) {
        // Lane k holds sample k - 4 (channel (k - 4) mod C): for the first
        // vector, the sums before the row.
        let mut before: m128i = bytemuck::cast::<[u32; 4], _>(std::array::from_fn(|k| acc[(k + 4 * C - 4) % C]));
        let len = values.len();
        let mut chunks = values.chunks_exact_mut(4);
        for chunk in &mut chunks {
            let d: [u32; 4] = (&*chunk).try_into().expect("chunks of four");
            let sums = add(within::<C>(bytemuck::cast(d)), carry::<C>(before));
            chunk.copy_from_slice(&bytemuck::cast::<m128i, [u32; 4]>(sums));
            before = sums;
        }
        let done = len - chunks.into_remainder().len();
        if done >= 4 {
            // The last four sums cover every channel (C <= 4).
            let last: [u32; 4] = bytemuck::cast(before);
            for (k, &sum) in last.iter().enumerate() {
                acc[(done - 4 + k) % C] = sum;
            }
        }
        for (i, value) in values[done..].iter_mut().enumerate() {
            let ch = (done + i) % C;
            acc[ch] = acc[ch].wrapping_add(*value);
            *value = acc[ch];
        }
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
}
