//! Exact rounded quotients of integer window sums by integer window weights,
//! without a division per sample.
//!
//! A box mean of integer samples is `round(sum / weight)` with ties away
//! from zero, which for `sum >= 0` is `floor((2 sum + weight) / (2 weight))`.
//! Here the weight is a product `weight_y * weight_x` (rows times columns in
//! the window), known per row and per column. An `f32` estimate from the
//! reciprocals of both factors is within one of the exact quotient while
//! `sum < 2^24` (four roundings, each a relative error of at most 2^-24, on a
//! quotient of at most 2^24 / weight), and one integer remainder test in
//! each direction makes it exact. The `wide` path and the scalar path
//! compute the same integers; the tests check both against `u64` division.

use wide::{f32x8, i32x8};

/// Largest window sum (exclusive) that [`quotients`] serves exactly.
pub(crate) const SUM_LIMIT: u64 = 1 << 24;

/// The weights of one output row: the window's rows (`weight_y`), and per
/// sample its window's columns (`weight_x`), with their `f32` reciprocals.
pub(crate) struct RowWeights<'a> {
    pub weight_y: i32,
    pub weight_x: &'a [i32],
    pub inverse_x: &'a [f32],
}

/// `round(sum / weight)`, ties up, exactly, for `sum < 2^24` and a weight
/// `weight_y * weight_x` below 2^24; the estimate `sum * inverse_y *
/// inverse_x` is corrected by the sign of the remainder.
#[inline(always)]
fn quotient(sum: i32, weight_y: i32, weight_x: i32, inverse_y: f32, inverse_x: f32) -> i32 {
    let weight = weight_y * weight_x;
    let estimate = (sum as f32 * inverse_y * inverse_x + 0.5).floor() as i32;
    // 2 sum + weight - 2 weight q lies in [0, 2 weight) exactly when q is
    // the rounded quotient.
    let remainder = 2 * sum + weight - 2 * weight * estimate;
    estimate - i32::from(remainder < 0) + i32::from(remainder >= 2 * weight)
}

/// [`quotient`] on 8 lanes.
#[inline(always)]
fn quotient_x8(sum: i32x8, weight_y: i32x8, weight_x: i32x8, inverse_y: f32x8, inverse_x: f32x8) -> i32x8 {
    let weight = weight_y * weight_x;
    let estimate = (sum.round_float() * inverse_y * inverse_x + f32x8::splat(0.5))
        .floor()
        .trunc_int();
    let remainder = sum + sum + weight - (weight + weight) * estimate;
    // Comparisons give -1 in true lanes.
    let low = remainder.simd_lt(i32x8::splat(0));
    let in_range = remainder.simd_lt(weight + weight);
    estimate + low - !in_range
}

/// Writes `round(sum / weight)` of every sum of one row through `store`
/// (called with the sample index and the quotient), 8 samples at a time
/// with `wide`, the rest one by one.
#[inline(always)]
pub(crate) fn quotients(sums: &[u32], weights: &RowWeights<'_>, mut store: impl FnMut(usize, u32)) {
    let inverse_y = 1.0 / weights.weight_y as f32;
    let lanes = sums.len() / 8 * 8;
    let (weight_y, inverse_y8) = (i32x8::splat(weights.weight_y), f32x8::splat(inverse_y));
    for start in (0..lanes).step_by(8) {
        let at = start..start + 8;
        let sum: [u32; 8] = sums[at.clone()].try_into().expect("8 sums");
        let weight_x: [i32; 8] = weights.weight_x[at.clone()].try_into().expect("8 weights");
        let inverse_x: [f32; 8] = weights.inverse_x[at].try_into().expect("8 reciprocals");
        let q = quotient_x8(
            bytemuck::cast(sum),
            weight_y,
            i32x8::from(weight_x),
            inverse_y8,
            f32x8::from(inverse_x),
        );
        for (lane, q) in q.to_array().into_iter().enumerate() {
            store(start + lane, q as u32);
        }
    }
    scalar_quotients(lanes..sums.len(), sums, weights, inverse_y, store);
}

/// The scalar form of [`quotients`] for the samples `range`.
#[inline(always)]
fn scalar_quotients(
    range: std::ops::Range<usize>,
    sums: &[u32],
    weights: &RowWeights<'_>,
    inverse_y: f32,
    mut store: impl FnMut(usize, u32),
) {
    for i in range {
        let q = quotient(
            sums[i] as i32,
            weights.weight_y,
            weights.weight_x[i],
            inverse_y,
            weights.inverse_x[i],
        );
        store(i, q as u32);
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
    /// given, with one row weight and one column weight.
    fn check(sums: &[u32], weight_y: i32, weight_x: i32) {
        let weight_xs = vec![weight_x; sums.len()];
        let inverses = vec![1.0 / weight_x as f32; sums.len()];
        let weights = RowWeights {
            weight_y,
            weight_x: &weight_xs,
            inverse_x: &inverses,
        };
        let mut simd = vec![u32::MAX; sums.len()];
        quotients(sums, &weights, |i, q| simd[i] = q);
        let mut scalar = vec![u32::MAX; sums.len()];
        scalar_quotients(0..sums.len(), sums, &weights, 1.0 / weight_y as f32, |i, q| {
            scalar[i] = q
        });
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
    fn u8_windows_up_to_radius_64_round_exactly_at_every_decision_point() {
        // Every pair of window heights and widths of radii 0..=64 (clipped
        // windows included), every u8 quotient's turning points.
        for weight_y in 1..=129 {
            for weight_x in 1..=129 {
                check(&decision_sums((weight_y * weight_x) as u64, 255), weight_y, weight_x);
            }
        }
    }

    #[test]
    fn u16_windows_round_exactly_at_every_decision_point() {
        // u16 sums stay below 2^24 for weights up to 256: every such pair.
        for weight_y in 1..=16 {
            for weight_x in 1..=16 {
                check(&decision_sums((weight_y * weight_x) as u64, 65535), weight_y, weight_x);
            }
        }
    }

    #[test]
    fn every_sum_below_the_limit_rounds_exactly_for_large_weights() {
        // The largest u8 weights (radius up to 127), every sum they allow,
        // and uneven factor pairs with every sum up to the limit.
        for (weight_y, weight_x) in [(255, 255), (255, 257), (1, 65535), (4097, 3), (7, 4095)] {
            let max = (255 * weight_y * weight_x).min(SUM_LIMIT as i32 - 1) as u32;
            let sums: Vec<u32> = (0..=max).collect();
            check(&sums, weight_y, weight_x);
        }
    }
}
