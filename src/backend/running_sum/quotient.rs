//! Exact rounded quotients of integer window sums by integer window weights,
//! without a division per sample.
//!
//! A box mean of integer samples is `round(sum / weight)` with ties away
//! from zero, which for `sum >= 0` is the `q` with `-weight <= 2 (sum -
//! weight q) < weight`. While `sum < 2^23` (so the weight is too), the `f32`
//! estimate `trunc(sum * (1 / weight) + 1/2)` is within one of `q` (three
//! roundings of at most 2^-24 each, relative to a quotient of at most 65535,
//! the largest sample: an error below 0.02), and `sum`,
//! `weight q` and twice their difference are integers below 2^24, exact in
//! `f32`: one comparison in each direction corrects the estimate. The `wide`
//! path and the scalar path compute the same values; the tests check both
//! against `u64` division.

use wide::f32x8;

/// Largest window sum (exclusive) that [`quotients`] serves exactly.
pub(crate) const SUM_LIMIT: u64 = 1 << 23;

/// `round(sum / weight)`, ties up, exactly, for `sum < 2^23`, given
/// `inverse = 1 / weight` rounded to `f32`.
#[inline(always)]
fn quotient(sum: f32, weight: f32, inverse: f32) -> f32 {
    // Truncation is floor here (the value is positive), and needs no libm
    // call on targets without SSE4.1.
    let estimate = ((sum * inverse + 0.5) as i32) as f32;
    let twice_rest = 2.0 * (sum - weight * estimate);
    estimate - f32::from(u8::from(twice_rest < -weight)) + f32::from(u8::from(twice_rest >= weight))
}

/// [`quotient`] on 8 lanes.
#[inline(always)]
fn quotient_x8(sum: f32x8, weight: f32x8, inverse: f32x8) -> f32x8 {
    let estimate = (sum * inverse + f32x8::splat(0.5)).fast_trunc_int().round_float();
    let twice_rest = (sum - weight * estimate) * f32x8::splat(2.0);
    // Comparisons give all-ones lanes: masked with 1.0 they are 1.0 or 0.0.
    let one = f32x8::splat(1.0);
    estimate - (twice_rest.simd_lt(-weight) & one) + (twice_rest.simd_ge(weight) & one)
}

/// Writes `round(sums[i] / weights[i])` into `out[i]` (sums below 2^23,
/// `inverses[i] = 1 / weights[i]` in `f32`), 8 samples at a time with
/// `wide`, the rest one by one.
#[inline(always)]
pub(crate) fn quotients(sums: &[u32], weights: &[f32], inverses: &[f32], out: &mut [u32]) {
    let lanes = sums.len() / 8 * 8;
    let eights = sums[..lanes]
        .chunks_exact(8)
        .zip(weights.chunks_exact(8))
        .zip(inverses.chunks_exact(8))
        .zip(out.chunks_exact_mut(8));
    for (((sum, weight), inverse), out) in eights {
        let sum: [u32; 8] = sum.try_into().expect("8 sums");
        let sum = wide::i32x8::from(bytemuck::cast::<[u32; 8], [i32; 8]>(sum)).round_float();
        let weight = f32x8::from(<[f32; 8]>::try_from(weight).expect("8 weights"));
        let inverse = f32x8::from(<[f32; 8]>::try_from(inverse).expect("8 reciprocals"));
        let q: [i32; 8] = quotient_x8(sum, weight, inverse).fast_trunc_int().to_array();
        out.copy_from_slice(&bytemuck::cast::<[i32; 8], [u32; 8]>(q));
    }
    scalar_quotients(lanes..sums.len(), sums, weights, inverses, out);
}

/// The scalar form of [`quotients`] for the samples `range`.
#[inline(always)]
fn scalar_quotients(range: std::ops::Range<usize>, sums: &[u32], weights: &[f32], inverses: &[f32], out: &mut [u32]) {
    for i in range {
        out[i] = quotient(sums[i] as f32, weights[i], inverses[i]) as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: round half up of sum / weight, in exact integers.
    fn exact(sum: u64, weight: u64) -> u64 {
        (2 * sum + weight) / (2 * weight)
    }

    /// Checks the `wide` and scalar paths against [`exact`] for the sums
    /// given, with the weight `weight_y * weight_x` (its reciprocal rounded
    /// from the product, as the caller computes it).
    fn check(sums: &[u32], weight_y: i32, weight_x: i32) {
        let weight = (weight_y * weight_x) as f32;
        let weights = vec![weight; sums.len()];
        let inverses = vec![1.0 / weight; sums.len()];
        let mut simd = vec![u32::MAX; sums.len()];
        quotients(sums, &weights, &inverses, &mut simd);
        let mut scalar = vec![u32::MAX; sums.len()];
        scalar_quotients(0..sums.len(), sums, &weights, &inverses, &mut scalar);
        for (i, &sum) in sums.iter().enumerate() {
            let want = exact(sum as u64, (weight_y * weight_x) as u64) as u32;
            assert_eq!(
                (simd[i], scalar[i]),
                (want, want),
                "sum {sum}, weights {weight_y} x {weight_x}"
            );
        }
    }

    /// The sums where the rounded quotient of `sum / weight` changes, and
    /// their neighbours, for quotients `0..=max`.
    fn decision_sums(weight: u64, max: u64) -> Vec<u32> {
        let mut sums = Vec::new();
        for q in 0..=max {
            // The quotient turns q + 1 at sum = q w + ceil(w / 2).
            let turn = q * weight + weight.div_ceil(2);
            for sum in [q * weight, turn.saturating_sub(1), turn, turn + 1] {
                if sum <= max * weight && sum < SUM_LIMIT {
                    sums.push(sum as u32);
                }
            }
        }
        sums
    }

    #[test]
    fn u8_windows_up_to_radius_90_round_exactly_at_every_decision_point() {
        // Every pair of window heights and widths of radii 0..=90 (clipped
        // windows included), every u8 quotient's turning points.
        for weight_y in 1..=181 {
            for weight_x in 1..=181 {
                check(&decision_sums((weight_y * weight_x) as u64, 255), weight_y, weight_x);
            }
        }
    }

    #[test]
    fn u16_windows_round_exactly_at_every_decision_point() {
        // u16 sums stay below 2^23 for weights up to 128: every such pair.
        for weight_y in 1..=16 {
            for weight_x in (1..=16).filter(|x| x * weight_y <= 128) {
                check(&decision_sums((weight_y * weight_x) as u64, 65535), weight_y, weight_x);
            }
        }
    }

    #[test]
    fn every_sum_below_the_limit_rounds_exactly_for_large_weights() {
        // The largest u8 weights (radius up to 90), every sum they allow,
        // and uneven factor pairs with every sum up to the limit.
        for (weight_y, weight_x) in [(181, 181), (127, 259), (1, 32895), (4097, 3), (7, 4095), (1, 1)] {
            let max = (255 * weight_y * weight_x).min(SUM_LIMIT as i32 - 1) as u32;
            let sums: Vec<u32> = (0..=max).collect();
            check(&sums, weight_y, weight_x);
        }
    }
}
