//! Running sums along a row of interleaved channels (an inclusive prefix
//! sum per channel): the serial part of every sliding window and table row.
//!
//! One sample at a time, each addition waits for the one before it; the
//! vector forms ([`crate::arch`]) take four, eight or sixteen samples at
//! once, with the sums within a vector from lane shifts and the sums before
//! it from one lane permutation of the vector before. Integer additions
//! wrap, so the vectors give the same bits as [`running_sums_scalar`] in any
//! order (tested).

use crate::arch::Isa;
#[cfg(target_feature = "sse2")]
use crate::arch::sse2;
pub(crate) use crate::arch::{DIFFERENCE_LANES, DifferenceRows, F64_LANES, U32DifferenceRow};

/// A value that running sums add up: wrapping for integers (the values of
/// a summed-area table and of running column sums).
pub(crate) trait Summand: Copy {
    /// The sum (wrapping for integers).
    fn add(self, other: Self) -> Self;
}

/// Replaces `values` (whole pixels of `channels` interleaved samples) by
/// their running sums per channel, starting from `acc` (the sums before the
/// first pixel, per channel), and leaves in `acc` the sums after the last.
#[inline(always)]
pub(crate) fn running_sums_scalar<A: Summand>(values: &mut [A], acc: &mut [A], channels: usize) {
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
fn running_sums_in_registers<A: Summand, const C: usize>(values: &mut [A], acc: &mut [A]) {
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
        1 => return sse2::running_sums::<1>(values, acc),
        2 => return sse2::running_sums::<2>(values, acc),
        3 => return sse2::running_sums::<3>(values, acc),
        4 => return sse2::running_sums::<4>(values, acc),
        _ => {}
    }
    running_sums_scalar(values, acc, channels)
}

/// The running sums per channel (wrapping) of `len` samples given sixteen
/// at a time by `row.differences(i)` (samples `i..i + 16`; whole pixels of
/// `channels` samples), from `acc`: `row.sums(i, sums)` is given the sums of
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
    row: &mut impl U32DifferenceRow,
) -> usize {
    #[cfg(target_feature = "sse2")]
    match channels {
        1 => return sse2::difference_sums::<1>(len, acc, row),
        2 => return sse2::difference_sums::<2>(len, acc, row),
        3 => return sse2::difference_sums::<3>(len, acc, row),
        4 => return sse2::difference_sums::<4>(len, acc, row),
        _ => {}
    }
    difference_sums_scalar(len, acc, channels, row)
}

/// Rows that [`difference_sums_f64_rows`] sums at once.
pub(crate) const F64_ROWS: usize = 4;

/// The running sums per channel of `len` differences in each of four rows
/// (`rows.differences(r, i)`: row r, samples `i..i + 8`; whole pixels of
/// `channels` samples, at most 8), from `accs[r]`, eight samples at a time:
/// `rows.sums(r, i, sums)`. Where `isa` has AVX-512: one vector per row,
/// the four rows interleaved (four independent chains of additions, each
/// one lane permutation and one add per eight samples); returns how many
/// samples of each row it did (the most eights in `len`) and leaves in
/// `accs` the sums after them. Elsewhere the sums go one sample at a time,
/// as the caller's own additions would (an SSE2 form of the shift-adds,
/// two lanes, was no faster on B4), and `rows.sums` still takes them
/// eight at a time, so that what it computes from them is vectorised; the
/// count returned is the same.
///
/// With AVX-512 the sums within a vector are shift-adds (lanes C, 2C and
/// 4C apart), so the additions are not in the order of one sample at a
/// time: the sums may differ from those in the last bits (the tests bound
/// the difference by 8 ε times the sum of the magnitudes added; whole
/// numbers below 2^53 sum exactly in any order).
/// The tests' `difference_sums_f64_blocks` is the same arithmetic one lane at a
/// time, bit for bit (tested).
#[inline(always)]
pub(crate) fn difference_sums_f64_rows(
    isa: Isa,
    len: usize,
    accs: [&mut [f64]; F64_ROWS],
    channels: usize,
    rows: &mut impl DifferenceRows,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if let Some(lanes) = isa.avx512_lanes() {
        return crate::arch::avx512::difference_sums_f64_rows(lanes, len, accs, channels, rows);
    }
    let _ = isa;
    running_sums_f64_rows(len, accs, channels, rows)
}

/// [`difference_sums_f64_rows`] without AVX-512: the sums one sample at a
/// time, in the order of the caller's own additions (so the same bits),
/// handed over eight at a time so that `rows.sums` takes them in vectors.
/// The four rows are four independent chains of additions. For 1 to 4
/// channels the sums are kept in locals whose channel every lane knows at
/// compile time, so they stay in registers: a sum kept in memory waits on
/// its own store at every sample (the f32 RGB rows of
/// `benches/pixel_types.py --tables uniform` show it).
#[inline(always)]
fn running_sums_f64_rows(
    len: usize,
    mut accs: [&mut [f64]; F64_ROWS],
    channels: usize,
    rows: &mut impl DifferenceRows,
) -> usize {
    match channels {
        1 => return running_sums_f64_rows_of::<1>(len, accs, rows),
        2 => return running_sums_f64_rows_of::<2>(len, accs, rows),
        3 => return running_sums_f64_rows_of::<3>(len, accs, rows),
        4 => return running_sums_f64_rows_of::<4>(len, accs, rows),
        _ => {}
    }
    let done = len / F64_LANES * F64_LANES;
    for i in (0..done).step_by(F64_LANES) {
        for (r, acc) in accs.iter_mut().enumerate() {
            let differences = rows.differences(r, i);
            let mut sums = [0.0; F64_LANES];
            for (k, (sum, difference)) in sums.iter_mut().zip(differences).enumerate() {
                let ch = (i + k) % channels;
                acc[ch] += difference;
                *sum = acc[ch];
            }
            rows.sums(r, i, sums);
        }
    }
    done
}

/// [`running_sums_f64_rows`] for `C` channels: each row's sums are `C`
/// locals, the one of lane k being local k mod C, so that every lane's
/// local is known at compile time; after each eight samples the locals
/// turn by 8 mod C, as lane 0 of the next eight is that many channels on.
#[inline(always)]
fn running_sums_f64_rows_of<const C: usize>(
    len: usize,
    accs: [&mut [f64]; F64_ROWS],
    rows: &mut impl DifferenceRows,
) -> usize {
    let done = len / F64_LANES * F64_LANES;
    let mut locals: [[f64; C]; F64_ROWS] = std::array::from_fn(|r| std::array::from_fn(|ch| accs[r][ch]));
    for i in (0..done).step_by(F64_LANES) {
        for (r, local) in locals.iter_mut().enumerate() {
            let differences = rows.differences(r, i);
            let sums = std::array::from_fn(|k| {
                local[k % C] += differences[k];
                local[k % C]
            });
            local.rotate_left(F64_LANES % C);
            rows.sums(r, i, sums);
        }
    }
    // Local j holds channel (done + j) mod C.
    for (acc, local) in accs.into_iter().zip(locals) {
        for (j, sum) in local.into_iter().enumerate() {
            acc[(done + j) % C] = sum;
        }
    }
    done
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
fn difference_sums_scalar(len: usize, acc: &mut [u32], channels: usize, row: &mut impl U32DifferenceRow) -> usize {
    let len = len / DIFFERENCE_LANES * DIFFERENCE_LANES;
    for i in (0..len).step_by(DIFFERENCE_LANES) {
        let mut sums = row.differences(i);
        for (j, sum) in sums.iter_mut().enumerate() {
            let ch = (i + j) % channels;
            acc[ch] = acc[ch].wrapping_add(*sum);
            *sum = acc[ch];
        }
        row.sums(i, sums);
    }
    len
}

/// Unsigned samples that a `u32` table row takes sixteen at a time,
/// widened to `u32` lanes: `u8` and `u16`.
pub(crate) trait NarrowSample: bytemuck::Pod + Into<u32> {}
impl NarrowSample for u8 {}
impl NarrowSample for u16 {}

/// One summed-area table row of narrow samples (whole pixels of
/// `channels`): `current[i] = above[i] +` the running sum of the samples up
/// to `i` in its channel, from `acc` (updated, as in
/// [`running_sums_scalar`]). Sixteen samples at a time where the target
/// has SSE2 and there are 1 to 4 channels.
#[inline(always)]
pub(crate) fn table_row_narrow<S: NarrowSample>(
    current: &mut [u32],
    above: &[u32],
    samples: &[S],
    acc: &mut [u32],
    channels: usize,
) {
    #[cfg(target_feature = "sse2")]
    match channels {
        1 => return sse2::table_row::<1, S>(current, above, samples, acc),
        2 => return sse2::table_row::<2, S>(current, above, samples, acc),
        3 => return sse2::table_row::<3, S>(current, above, samples, acc),
        4 => return sse2::table_row::<4, S>(current, above, samples, acc),
        _ => {}
    }
    table_row_scalar(current, above, samples, acc, channels, 0)
}

/// [`table_row_narrow`] one sample at a time, from sample `start` on
/// (`acc` holding the running sums before it).
#[inline(always)]
pub(crate) fn table_row_scalar<S: NarrowSample>(
    current: &mut [u32],
    above: &[u32],
    samples: &[S],
    acc: &mut [u32],
    channels: usize,
    start: usize,
) {
    let rows = current.iter_mut().zip(above).zip(samples).skip(start);
    for (i, ((entry, &above), &sample)) in rows.enumerate() {
        let ch = (start + i) % channels;
        acc[ch] = acc[ch].wrapping_add(sample.into());
        *entry = above.wrapping_add(acc[ch]);
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
                    assert_eq!(vector_done, done, "{case}");
                    let bits = |v: &[f64]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
                    for r in 0..F64_ROWS {
                        let mut acc = starts[r].clone();
                        let expected = if Isa::detect().avx512() {
                            difference_sums_f64_blocks(&rows[r], &mut acc, channels)
                        } else {
                            // Without AVX-512: one sample at a time, bit for bit.
                            (0..done)
                                .map(|i| {
                                    acc[i % channels] += rows[r][i];
                                    acc[i % channels]
                                })
                                .collect()
                        };
                        assert_eq!(bits(&vector[r]), bits(&expected), "{case}, row {r}");
                        assert_eq!(bits(&accs[r]), bits(&acc), "{case}, row {r}: end sums");
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

    impl DifferenceRows for Slices<'_> {
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

    /// The differences a vector of lanes at a time, and the sums into `sums`.
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
        Some(difference_sums_u32(
            differences.len(),
            acc,
            channels,
            &mut (input, output),
        ))
    }

    fn scalar(differences: &[u32], acc: &mut [u32], channels: usize, sums: &mut [u32]) -> Option<usize> {
        let (input, output) = slices(differences, sums);
        Some(difference_sums_scalar(
            differences.len(),
            acc,
            channels,
            &mut (input, output),
        ))
    }

    /// A vector form of [`crate::arch`], for 1 to 4 channels.
    macro_rules! vector_form {
        ($name:ident, $($form:ident)::+, $feature:literal) => {
            #[cfg(target_feature = $feature)]
            fn $name(differences: &[u32], acc: &mut [u32], channels: usize, sums: &mut [u32]) -> Option<usize> {
                let (input, output) = slices(differences, sums);
                let len = differences.len();
                match channels {
                    1 => Some(crate::arch::$($form)::+::<1>(len, acc, &mut (input, output))),
                    2 => Some(crate::arch::$($form)::+::<2>(len, acc, &mut (input, output))),
                    3 => Some(crate::arch::$($form)::+::<3>(len, acc, &mut (input, output))),
                    4 => Some(crate::arch::$($form)::+::<4>(len, acc, &mut (input, output))),
                    _ => None,
                }
            }
        };
    }
    vector_form!(sse2, sse2::difference_sums_sse2, "sse2");
    vector_form!(avx2, avx2::difference_sums, "avx2");
    vector_form!(avx512, sse2::difference_sums_avx512, "avx512f");

    /// The differences and sums of [`crate::arch::avx512::difference_sums_u32`] in slices.
    #[cfg(target_arch = "x86_64")]
    struct SixteenSlices<'a> {
        differences: &'a [u32],
        sums: &'a mut [u32],
    }

    #[cfg(target_arch = "x86_64")]
    impl crate::arch::avx512::DifferenceRow for SixteenSlices<'_> {
        fn differences(&mut self, lanes: crate::arch::avx512::Avx512, i: usize) -> crate::arch::avx512::Ints {
            use crate::arch::Lanes;
            lanes.load(&self.differences[i..])
        }
        fn sums(&mut self, lanes: crate::arch::avx512::Avx512, i: usize, sums: crate::arch::avx512::Ints) {
            use crate::arch::Lanes;
            lanes.store(sums, &mut self.sums[i..]);
        }
    }

    /// [`crate::arch::avx512::difference_sums_u32`], for a CPU with AVX-512.
    #[cfg(target_arch = "x86_64")]
    fn core_avx512(differences: &[u32], acc: &mut [u32], channels: usize, sums: &mut [u32]) -> Option<usize> {
        use crate::arch::avx512::difference_sums_u32;
        let lanes = Isa::detect().avx512_lanes().expect("a CPU with AVX-512");
        let len = differences.len();
        let row = &mut SixteenSlices { differences, sums };
        match channels {
            1 => Some(difference_sums_u32::<1>(lanes, len, acc, row)),
            2 => Some(difference_sums_u32::<2>(lanes, len, acc, row)),
            3 => Some(difference_sums_u32::<3>(lanes, len, acc, row)),
            4 => Some(difference_sums_u32::<4>(lanes, len, acc, row)),
            _ => None,
        }
    }

    /// Table rows of random `S` samples (`sample` from a random number),
    /// vector and scalar, against the definition, for 1 to 5 channels and
    /// every length up to 40 pixels.
    fn check_table_rows<S: NarrowSample + std::fmt::Debug>(sample: impl Fn(u64) -> S, seed: u64) {
        let mut next = crate::test_numbers(seed);
        for channels in 1..=5 {
            for pixels in 0..=40 {
                for round in 0..6 {
                    let len = pixels * channels;
                    let samples: Vec<S> = (0..len).map(|_| sample(next())).collect();
                    // Entries above anywhere in u32 (so some sums wrap).
                    let above: Vec<u32> = (0..len).map(|_| next() as u32).collect();
                    let start: Vec<u32> = (0..channels).map(|_| next() as u32).collect();
                    let widened: Vec<u32> = samples.iter().map(|&s| s.into()).collect();
                    let running = by_definition(&widened, &start, channels);
                    let expected: Vec<u32> = running.iter().zip(&above).map(|(r, a)| r.wrapping_add(*a)).collect();
                    let mut expected_acc = start.clone();
                    if pixels > 0 {
                        expected_acc.copy_from_slice(&running[(pixels - 1) * channels..]);
                    }
                    let (mut vector, mut vector_acc) = (vec![0; len], start.clone());
                    table_row_narrow(&mut vector, &above, &samples, &mut vector_acc, channels);
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

    #[test]
    fn vector_table_rows_equal_the_scalar_ones_and_the_definition() {
        check_table_rows(|n| n as u8, 0x1234_5678_9abc_def1);
        check_table_rows(|n| n as u16, 0x0fed_cba9_8765_4321);
    }
}
