//! Exact rounded quotients of integer window sums by integer window weights,
//! without a division per sample; shared by the backends whose integer
//! samples sum exactly (`RunningSum`, `Integral`).
//!
//! A box mean of integer samples is `round(sum / weight)` with ties away
//! from zero, which for `sum >= 0` is the `q` with `-weight <= 2 (sum -
//! weight q) < weight`. The `f32` estimate `trunc(sum * (1 / weight) + 1/2)`
//! is within one of `q` while `weight < 2^24` (exact in `f32`) and `q <=
//! 65535` (the largest sample): `sum`, the reciprocal and their product
//! each round by at most 2^-24 relative, an error below 0.012 on a quotient
//! of at most 65535, and adding 1/2 rounds by at most 2^-8. The rest `sum -
//! weight q` is then computed in wrapping `u32` arithmetic, exact because
//! the true rest is small (|rest| < 2 weight < 2^25) whatever the product
//! wraps to, and one comparison in each direction corrects the estimate.
//! Sums must stay below 2^31 (they are read as `i32` lanes). Each
//! quotient is written twice, one lane ([`quotient`]) and a vector of
//! lanes ([`quotient_lanes`], over [`Lanes`]: `wide`'s vectors, or
//! AVX-512's in the strips a portable build compiles for it); the tests
//! check both against `u64` division at every point where the quotient
//! changes.

use wide::{f32x8, i32x8};

use crate::arch::{Isa, Lanes, Portable};
use crate::sample::Sample;

/// Largest window sum (exclusive) that the quotients here serve exactly.
pub(crate) const SUM_LIMIT: u64 = 1 << 31;

/// `round(sum / weight)`, ties up, exactly, for `sum < 2^31`, `weight <
/// 2^24` and a quotient of at most 65535, given `inverse = 1 / weight`
/// rounded to `f32`.
#[inline(always)]
pub(crate) fn quotient(sum: u32, weight: u32, inverse: f32) -> u32 {
    // Truncation is floor here (the value is positive), and needs no libm
    // call on targets without SSE4.1.
    let estimate = (sum as f32 * inverse + 0.5) as u32;
    let twice_rest = (sum.wrapping_sub(weight.wrapping_mul(estimate)) as i32).wrapping_mul(2);
    let weight = weight as i32;
    // Wrapping: a caller may pass lanes it does not use, of any sum.
    estimate
        .wrapping_sub(u32::from(twice_rest < -weight))
        .wrapping_add(u32::from(twice_rest >= weight))
}

/// [`quotient`] on a vector of lanes.
#[inline(always)]
pub(crate) fn quotient_lanes<L: Lanes>(lanes: L, sum: L::Ints, weight: L::Ints, inverse: L::Floats) -> L::Ints {
    let estimate = lanes.truncate(lanes.to_floats(sum) * inverse + lanes.splat_floats(0.5));
    let rest = sum - weight * estimate;
    let twice_rest = rest + rest;
    let down = lanes.less(twice_rest, -weight);
    let up = lanes.greater(twice_rest, weight - lanes.splat(1));
    lanes.step(estimate, down, up)
}

/// Largest window sum (exclusive) that [`quotients_float_rest`] serves.
pub(crate) const FLOAT_REST_SUM_LIMIT: u64 = 1 << 23;

/// [`quotient`] for sums below 2^23 and quotients up to 65535, all in
/// `f32` (the weight converted exactly, being below 2^22): the sum, the estimate times the
/// weight (at most the sum plus one and a half weights, below 2^24) and
/// their difference are exact, so the rest needs no integer product
/// (which SSE2 lacks for 32-bit lanes: four shuffles and two multiplies).
#[inline(always)]
fn quotient_float_rest(sum: u32, weight: u32, inverse: f32) -> u32 {
    let (sum, weight) = (sum as f32, weight as f32);
    let estimate = (sum * inverse + 0.5) as i32;
    let rest = sum - weight * estimate as f32;
    let twice_rest = rest + rest;
    (estimate - i32::from(twice_rest < -weight) + i32::from(twice_rest >= weight)) as u32
}

/// [`quotient_float_rest`] on a vector of lanes.
#[inline(always)]
fn quotient_float_rest_lanes<L: Lanes>(lanes: L, sum: L::Ints, weight: L::Ints, inverse: L::Floats) -> L::Ints {
    let (sum, weight) = (lanes.to_floats(sum), lanes.to_floats(weight));
    let estimate = lanes.truncate(sum * inverse + lanes.splat_floats(0.5));
    let rest = sum - weight * lanes.to_floats(estimate);
    let twice_rest = rest + rest;
    let down = lanes.floats_less(twice_rest, -weight);
    let up = lanes.floats_at_least(twice_rest, weight);
    lanes.step(estimate, down, up)
}

/// Writes `round(sums[i] / weights[i])` as samples `T` into `out[i]`, for
/// sums below 2^23, weights below 2^22, quotients up to
/// 65535, `inverses[i] = 1 / weights[i]` in `f32`: 16 samples at a time in
/// AVX-512 where `isa` calls for it, else 8 at a time with `wide`, the rest
/// one by one, the same values.
#[inline(always)]
pub(crate) fn quotients_float_rest<T: Sample>(
    isa: Isa,
    sums: &[u32],
    weights: &[u32],
    inverses: &[f32],
    out: &mut [T],
) {
    each_quotient(isa, Division::FloatRest, (sums, weights, inverses), out, T::from_whole);
}

/// Largest window weight that [`quotients_rounded_up`] serves.
pub(crate) const ROUNDED_UP_WEIGHT_LIMIT: u32 = 8192;

/// `1 / (2 weight)` in `f32`, rounded up: the multiplier of
/// [`quotients_rounded_up`].
pub(crate) fn rounded_up_inverse(weight: u32) -> f32 {
    let inverse = 1.0 / (2.0 * weight as f64);
    let rounded = inverse as f32;
    if (rounded as f64) < inverse {
        f32::from_bits(rounded.to_bits() + 1)
    } else {
        rounded
    }
}

/// `round(sum / weight)`, ties up, for u8 sums (quotients up to 255) and
/// weights up to [`ROUNDED_UP_WEIGHT_LIMIT`], with no correction: the quotient
/// is `floor(t)` with `t = (2 sum + weight) / (2 weight)`, at most 255.5,
/// and `2 sum + weight` is exact in `f32`. The multiplier is rounded up,
/// so where `t` is an integer the exact product is at least `t` and so is
/// its rounding; elsewhere the product is within (2^-23 + 2^-24) t < 4.6e-5
/// of `t`, less than the distance from `t` to either integer beside it (a
/// multiple of `1 / (2 weight)` >= 6.1e-5). The tests check every weight
/// at every sum where the quotient changes (the product grows with the
/// sum, so those decide) and every sum of the smallest and largest weights.
#[inline(always)]
pub(crate) fn quotient_rounded_up(sum: u32, weight: u32, rounded_up_inverse: f32) -> u32 {
    ((2 * sum + weight) as f32 * rounded_up_inverse) as u32
}

/// [`quotient_rounded_up`] on a vector of lanes.
#[inline(always)]
pub(crate) fn quotient_rounded_up_lanes<L: Lanes>(
    lanes: L,
    sum: L::Ints,
    weight: L::Ints,
    rounded_up_inverse: L::Floats,
) -> L::Ints {
    lanes.truncate(lanes.to_floats(sum + sum + weight) * rounded_up_inverse)
}

/// Writes `round(sums[i] / weights[i])` as samples `T` into `out[i]`, for
/// u8 sums (quotients up to 255), weights up to [`ROUNDED_UP_WEIGHT_LIMIT`] and
/// `rounded_up_inverses[i] = rounded_up_inverse(weights[i])`: as [`quotients_float_rest`],
/// the same values.
#[inline(always)]
pub(crate) fn quotients_rounded_up<T: Sample>(
    isa: Isa,
    sums: &[u32],
    weights: &[u32],
    rounded_up_inverses: &[f32],
    out: &mut [T],
) {
    each_quotient(
        isa,
        Division::RoundedUp,
        (sums, weights, rounded_up_inverses),
        out,
        T::from_whole,
    );
}

/// Which quotient [`each_quotient`] computes, by how it corrects its estimate.
#[derive(Clone, Copy)]
enum Division {
    /// [`quotient`]: an estimate corrected by its rest, in integers.
    IntegerRest,
    /// [`quotient_float_rest`]: the same with the rest in `f32`.
    FloatRest,
    /// [`quotient_rounded_up`]: a multiplier rounded up, no correction.
    RoundedUp,
}

/// The quotients of `division` of `sums` by their `weights` and `inverses`
/// (in the form the quotient takes), each written to `out` through
/// `store`: sixteen at a time in AVX-512, or eight in AVX2, where `isa`
/// calls for it (a CPU with it, a build that does not target it), then
/// eight at a time in `wide`'s vectors, the rest one by one (the same
/// values).
#[inline(always)]
fn each_quotient<O>(
    isa: Isa,
    division: Division,
    (sums, weights, inverses): (&[u32], &[u32], &[f32]),
    out: &mut [O],
    store: impl Fn(u32) -> O + Copy,
) {
    let len = sums.len().min(weights.len()).min(inverses.len()).min(out.len());
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if let Some(lanes) = isa.avx512_copy_lanes() {
        done = quotients_in_lanes(lanes, division, (sums, weights, inverses), &mut out[..len], store);
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(lanes) = isa.avx2_copy_lanes() {
        done = quotients_in_lanes(lanes, division, (sums, weights, inverses), &mut out[..len], store);
    }
    let _ = isa;
    let (sums, weights, inverses, out) = (
        &sums[done..len],
        &weights[done..len],
        &inverses[done..len],
        &mut out[done..len],
    );
    let whole = quotients_in_lanes(
        Portable::<i32x8>::new(),
        division,
        (sums, weights, inverses),
        out,
        store,
    );
    for i in whole..out.len() {
        let (sum, weight, inverse) = (sums[i], weights[i], inverses[i]);
        let q = match division {
            Division::IntegerRest => quotient(sum, weight, inverse),
            Division::FloatRest => quotient_float_rest(sum, weight, inverse),
            Division::RoundedUp => quotient_rounded_up(sum, weight, inverse),
        };
        out[i] = store(q);
    }
}

/// [`each_quotient`] a vector of `lanes` at a time; returns how many
/// samples it wrote (the most whole vectors in `out`).
#[inline(always)]
fn quotients_in_lanes<L: Lanes, O>(
    lanes: L,
    division: Division,
    (sums, weights, inverses): (&[u32], &[u32], &[f32]),
    out: &mut [O],
    store: impl Fn(u32) -> O,
) -> usize {
    let n = L::LANES;
    let whole = out.len() / n * n;
    let chunks = sums[..whole]
        .chunks_exact(n)
        .zip(weights[..whole].chunks_exact(n))
        .zip(inverses[..whole].chunks_exact(n))
        .zip(out[..whole].chunks_exact_mut(n));
    for (((sum, weight), inverse), out) in chunks {
        let (sum, weight, inverse) = (lanes.load(sum), lanes.load(weight), lanes.load_floats(inverse));
        let q = match division {
            Division::IntegerRest => quotient_lanes(lanes, sum, weight, inverse),
            Division::FloatRest => quotient_float_rest_lanes(lanes, sum, weight, inverse),
            Division::RoundedUp => quotient_rounded_up_lanes(lanes, sum, weight, inverse),
        };
        for (out, q) in out.iter_mut().zip(lanes.values(q)) {
            *out = store(q);
        }
    }
    whole
}

/// Writes `round(sums[i] / weights[i])` into `out[i]` (sums below 2^31,
/// weights in `1..2^24`, quotients up to 65535, `inverses[i] = 1 /
/// weights[i]` in `f32`), as [`quotients_float_rest`].
#[inline(always)]
pub(crate) fn quotients(isa: Isa, sums: &[u32], weights: &[u32], inverses: &[f32], out: &mut [u32]) {
    each_quotient(isa, Division::IntegerRest, (sums, weights, inverses), out, |q| q);
}

/// As [`quotients`], with the reciprocals computed here, and any weight
/// below 1 (a sample the caller does not use) read as 1.
#[inline(always)]
pub(crate) fn quotients_of(sums: &[u32], weights: &[i32], out: &mut [u32]) {
    let whole = sums.len() / 8 * 8;
    let eights = sums[..whole]
        .chunks_exact(8)
        .zip(weights.chunks_exact(8))
        .zip(out.chunks_exact_mut(8));
    let one = i32x8::splat(1);
    for ((sum, weight), out) in eights {
        let weight = i32x8::from(<[i32; 8]>::try_from(weight).expect("8 weights")).max(one);
        let inverse = f32x8::splat(1.0) / weight.round_float();
        let sum = Portable::<i32x8>::new().load(sum);
        let q = quotient_lanes(Portable::<i32x8>::new(), sum, weight, inverse).to_array();
        out.copy_from_slice(&bytemuck::cast::<[i32; 8], [u32; 8]>(q));
    }
    for i in whole..sums.len() {
        let weight = weights[i].max(1) as u32;
        out[i] = quotient(sums[i], weight, 1.0 / weight as f32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: round half up of sum / weight, in exact integers.
    fn exact(sum: u64, weight: u64) -> u64 {
        (2 * sum + weight) / (2 * weight)
    }

    /// Checks the `wide`, AVX-512 (where the CPU has it) and scalar paths
    /// of [`quotients`] and [`quotients_float_rest`], and [`quotients_of`],
    /// against [`exact`] for the sums given, with the
    /// weight `weight_y * weight_x` (its reciprocal rounded from the
    /// product, as the callers compute it).
    fn check(sums: &[u32], weight_y: u32, weight_x: u32) {
        let weight = weight_y * weight_x;
        let weights = vec![weight; sums.len()];
        let inverses = vec![1.0 / weight as f32; sums.len()];
        let mut simd = vec![u32::MAX; sums.len()];
        quotients(Isa::target(), sums, &weights, &inverses, &mut simd);
        let mut dispatched = vec![u32::MAX; sums.len()];
        quotients(Isa::detect(), sums, &weights, &inverses, &mut dispatched);
        let mut scalar = vec![u32::MAX; sums.len()];
        for i in 0..sums.len() {
            scalar[i] = quotient(sums[i], weights[i], inverses[i]);
        }
        let mut computed = vec![u32::MAX; sums.len()];
        quotients_of(sums, &vec![weight as i32; sums.len()], &mut computed);
        // The f32 form, where it serves (sums below 2^23, u16 quotients).
        let small_served = sums.iter().all(|&s| (s as u64) < FLOAT_REST_SUM_LIMIT) && weight < 1 << 22;
        let mut small = vec![u16::MAX; sums.len()];
        let mut float_rest_dispatched = vec![u16::MAX; sums.len()];
        if small_served {
            quotients_float_rest(Isa::target(), sums, &weights, &inverses, &mut small);
            quotients_float_rest(Isa::detect(), sums, &weights, &inverses, &mut float_rest_dispatched);
        }
        for (i, &sum) in sums.iter().enumerate() {
            let want = exact(sum as u64, weight as u64) as u32;
            assert_eq!(
                (simd[i], dispatched[i], scalar[i], computed[i]),
                (want, want, want, want),
                "sum {sum}, weights {weight_y} x {weight_x}"
            );
            if small_served {
                assert_eq!(
                    (small[i] as u32, float_rest_dispatched[i] as u32),
                    (want, want),
                    "f32 form: sum {sum}, weights {weight_y} x {weight_x}"
                );
            }
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
    fn u8_square_windows_up_to_the_sum_limit_round_exactly() {
        // Every square window whose u8 sums stay below 2^31 (radius up to
        // 1450), and the largest weight allowed.
        let largest = ((SUM_LIMIT - 1) / 255) as u32;
        for side in (1..).step_by(2).take_while(|&s: &u32| s * s <= largest) {
            check(&decision_sums((side * side) as u64, 255), side, side);
        }
        check(&decision_sums(largest as u64, 255), 1, largest);
    }

    #[test]
    fn u16_windows_round_exactly_at_every_decision_point() {
        // Every pair up to 128 pixels, then square and uneven windows up to
        // the largest whose u16 sums stay below 2^31.
        for weight_y in 1..=16 {
            for weight_x in (1..=16).filter(|x| x * weight_y <= 128) {
                check(&decision_sums((weight_y * weight_x) as u64, 65535), weight_y, weight_x);
            }
        }
        let largest = ((SUM_LIMIT - 1) / 65535) as u32;
        for side in (13..).step_by(6).take_while(|&s: &u32| s * s <= largest) {
            check(&decision_sums((side * side) as u64, 65535), side, side);
        }
        for (weight_y, weight_x) in [(1, largest), (127, 258), (3, 10_922), (181, 181)] {
            check(
                &decision_sums(weight_y as u64 * weight_x as u64, 65535),
                weight_y,
                weight_x,
            );
        }
    }

    #[test]
    fn every_sum_up_to_2_pow_23_rounds_exactly_for_large_weights() {
        // The largest u8 weights of radius up to 90, every sum they allow,
        // and uneven factor pairs with every sum up to 2^23.
        for (weight_y, weight_x) in [(181, 181), (127, 259), (1, 32895), (4097, 3), (7, 4095), (1, 1)] {
            let max = (255 * weight_y * weight_x).min((1 << 23) - 1);
            let sums: Vec<u32> = (0..=max).collect();
            check(&sums, weight_y, weight_x);
        }
    }

    #[test]
    fn short_u8_windows_round_exactly_at_every_decision_point() {
        // Every weight the short form serves, every u8 quotient's turning
        // point and the sums beside it, in lanes and alone.
        for weight in 1..=ROUNDED_UP_WEIGHT_LIMIT {
            let sums = decision_sums(weight as u64, 255);
            let weights = vec![weight; sums.len()];
            let inverses = vec![rounded_up_inverse(weight); sums.len()];
            let mut out = vec![0u8; sums.len()];
            quotients_rounded_up(Isa::target(), &sums, &weights, &inverses, &mut out);
            let mut dispatched = vec![0u8; sums.len()];
            quotients_rounded_up(Isa::detect(), &sums, &weights, &inverses, &mut dispatched);
            assert_eq!(dispatched, out, "weight {weight}");
            let vectors = rounded_up_in_vectors(&sums, weight, inverses[0]);
            for (i, &sum) in sums.iter().enumerate() {
                let want = exact(sum as u64, weight as u64);
                let alone = quotient_rounded_up(sum, weight, inverses[i]);
                assert_eq!(
                    (out[i] as u64, alone as u64),
                    (want, want),
                    "sum {sum}, weight {weight}"
                );
                for (form, quotients) in &vectors {
                    assert_eq!(quotients[i] as u64, want, "{form}: sum {sum}, weight {weight}");
                }
            }
        }
    }

    /// The quotients of `sums` by `weight` from the vector forms of
    /// [`quotient_rounded_up`]: `wide`'s, and AVX-512's or AVX2's where the
    /// CPU has it and the build does not target it.
    fn rounded_up_in_vectors(sums: &[u32], weight: u32, inverse: f32) -> Vec<(&'static str, Vec<u32>)> {
        let padded: Vec<u32> = sums.iter().copied().chain([0; 15]).collect();
        fn form<L: Lanes>(lanes: L, padded: &[u32], weight: u32, inverse: f32) -> Vec<u32> {
            let mut out = vec![0; padded.len() / L::LANES * L::LANES];
            for (sums, out) in padded.chunks_exact(L::LANES).zip(out.chunks_exact_mut(L::LANES)) {
                let (weight, inverse) = (lanes.splat(weight as i32), lanes.splat_floats(inverse));
                lanes.store(quotient_rounded_up_lanes(lanes, lanes.load(sums), weight, inverse), out);
            }
            out
        }
        let mut forms = vec![("wide", form(Portable::<wide::i32x16>::new(), &padded, weight, inverse))];
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = Isa::detect().avx512_lanes() {
            forms.push(("avx512", form(lanes, &padded, weight, inverse)));
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = Isa::detect().avx2_copy_lanes() {
            forms.push(("avx2", form(lanes, &padded, weight, inverse)));
        }
        forms
    }

    #[test]
    fn short_u8_windows_round_exactly_for_every_sum_of_the_extreme_weights() {
        for weight in (1..=64).chain(ROUNDED_UP_WEIGHT_LIMIT - 6..=ROUNDED_UP_WEIGHT_LIMIT) {
            let sums: Vec<u32> = (0..=255 * weight).collect();
            let inverses = vec![rounded_up_inverse(weight); sums.len()];
            for isa in [Isa::target(), Isa::detect()] {
                let mut out = vec![0u8; sums.len()];
                quotients_rounded_up(isa, &sums, &vec![weight; sums.len()], &inverses, &mut out);
                for (&sum, &q) in sums.iter().zip(&out) {
                    assert_eq!(
                        q as u64,
                        exact(sum as u64, weight as u64),
                        "sum {sum}, weight {weight}, {isa:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_weight_of_zero_reads_as_one() {
        let sums = [0, 1, 2, 255, 7, 9, 11, 13, 200];
        let mut out = [u32::MAX; 9];
        quotients_of(&sums, &[0, -1, 0, i32::MIN, 0, -7, 0, 0, 0], &mut out);
        assert_eq!(out, sums);
    }
}
