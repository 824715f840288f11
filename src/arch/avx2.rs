//! AVX2, where the build targets it: the running sums of a sliding
//! window's differences in two vectors of eight lanes, on
//! [`super::sse2`]'s four-lane sums.

use super::DIFFERENCE_LANES as LANES;
use super::U32DifferenceRow;
use super::sse2::{after, before_row};
use safe_arch::{m128i, zeroed_m128i};

/// The lanes `carry` picks, in the order of its shuffle.
#[cfg_attr(target_feature = "avx512f", allow(dead_code))]
const fn carry_picks<const C: usize>() -> [i32; 4] {
    match C {
        1 => [3, 3, 3, 3],
        2 => [2, 3, 2, 3],
        3 => [1, 2, 3, 1],
        _ => [0, 1, 2, 3],
    }
}

/// See [`crate::prefix::difference_sums_u32`]: two vectors of eight lanes.
/// Each half of a vector takes the running sums of its four lanes
/// ([`super::sse2`]'s `within`); the upper half then adds the lower half's sums that
/// `carry` picks, and the whole vector the sums before it: lane k of
/// the lower half needs lane `carry(k)` of the four samples before, and
/// lane k of the upper half, by the same rule applied twice, lane
/// `carry(carry(k))` (what is carried into the lower half carries on
/// into the upper one). One lane permutation and one add per eight
/// samples on the chain.
#[cfg_attr(target_feature = "avx512f", allow(dead_code))]
#[inline(always)]
pub(crate) fn difference_sums<const C: usize>(len: usize, acc: &mut [u32], row: &mut impl U32DifferenceRow) -> usize {
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
        let sums = bytemuck::cast::<[u32; LANES], [m256i; 2]>(row.differences(i)).map(|d| {
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
        row.sums(i, bytemuck::cast::<[m256i; 2], [u32; LANES]>(sums));
    }
    after::<C>(bytemuck::cast::<m256i, [m128i; 2]>(before)[1], len, acc);
    len
}
