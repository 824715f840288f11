//! Summed-area tables over a band of image rows, exact for integer samples.

use std::ops::Range;

use ndarray::{ArrayView3, s};
use num_traits::AsPrimitive;

use crate::border::{Border, Terms};
use crate::prefix::{self, NarrowSample, Summand};
use crate::sample::Sample;
use crate::strips::{Band, as_contiguous};

/// An element of a summed-area table: `u32` or `u64` for integer samples
/// (wrapping: any combination of entries is exact while the table's
/// largest entry fits, a window sum while that sum fits; see
/// [`TableKind`]), `f64` for floats.
pub(crate) trait TableValue: Summand + Send + Sync + Default + 'static {
    /// Accumulator for sums with large coefficients (`i128` or `f64`).
    type Accumulator: Copy + Default;
    /// The sample as a table value.
    fn from_sample<T: Sample>(sample: T) -> Self;
    /// Table subtraction (wrapping for integers).
    fn sub(self, other: Self) -> Self;
    /// The value as `f64`.
    fn to_f64(self) -> f64;
    /// `self * count` (wrapping for integers).
    fn times(self, count: u64) -> Self;
    /// `acc + self * coeff` in the accumulator.
    fn accumulate(self, coeff: i64, acc: Self::Accumulator) -> Self::Accumulator;
    /// Zero in the accumulator.
    fn accumulator_zero() -> Self::Accumulator;
    /// `acc + value * coeff` in the accumulator.
    fn scale_accumulate(wide: Self::Accumulator, coeff: i64, acc: Self::Accumulator) -> Self::Accumulator;
    /// The accumulator as `f64`.
    fn accumulator_to_f64(wide: Self::Accumulator) -> f64;
    /// The accumulator modulo this type's width (integers; floats as they
    /// are), as `f64`: a combination of wrapped entries is its true value
    /// modulo that width, so this is the true value wherever that fits.
    fn wrapped_to_f64(wide: Self::Accumulator) -> f64;
    /// The largest total an entry holds without wrapping.
    const LARGEST: u128;
    /// Runs `f` on this thread's spare table buffer of this type.
    fn with_spare<R>(f: impl FnOnce(&mut Vec<Self>) -> R) -> R;
    /// Whether [`Self::running_sums`] takes several samples at once (a row
    /// then gains nothing from interleaving with other rows).
    const VECTOR_RUNNING_SUMS: bool = false;
    /// Replaces `values` (whole pixels of `channels` samples) by their
    /// running sums per channel from `acc` (updated); see [`crate::prefix`].
    #[inline(always)]
    fn running_sums(values: &mut [Self], acc: &mut [Self], channels: usize) {
        crate::prefix::running_sums_scalar(values, acc, channels)
    }
    /// One table row of `u8` or `u16` samples, `current = above +` their
    /// running sums per channel from `acc` (updated), where this type has
    /// a vector form of it; `false` (nothing written) elsewhere.
    #[inline(always)]
    fn table_row_narrow<S: NarrowSample>(
        _current: &mut [Self],
        _above: &[Self],
        _samples: &[S],
        _acc: &mut [Self],
        _channels: usize,
    ) -> bool {
        false
    }
}

/// The element type of a table or running sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableKind {
    /// `f64`, for float samples.
    Float,
    /// `u32`, for integer samples while every entry fits.
    U32,
    /// `u64`, likewise.
    U64,
}

impl TableKind {
    /// The narrowest exact element for sums of up to `count` samples of type
    /// `T` (every sample at the type's maximum), or `None` when even `u64`
    /// could overflow.
    pub(crate) fn for_sum<T: Sample>(count: u128) -> Option<TableKind> {
        if !T::TYPE.is_integer() {
            return Some(TableKind::Float);
        }
        let largest = count.saturating_mul(T::MAX as u128);
        if largest <= u32::MAX as u128 {
            Some(TableKind::U32)
        } else if largest <= u64::MAX as u128 {
            Some(TableKind::U64)
        } else {
            None
        }
    }
}

impl TableKind {
    /// The narrowest element for a table read only as window sums (each
    /// the difference of four corners) of up to `window` samples of type
    /// `T`, however many the table holds, or `None` when even `u64` could
    /// overflow. Integer entries wrap, so each corner is its true value
    /// modulo 2^32 (or 2^64), and so is their difference: that difference
    /// is the true window sum whenever the sum fits, which a window of
    /// `window` samples at the type's maximum does. Other combinations of
    /// entries (large coefficients, windows that read pixels outside the
    /// image) need [`Self::for_sum`] over the whole table.
    pub(crate) fn for_window<T: Sample>(window: u128) -> Option<TableKind> {
        Self::for_sum::<T>(window)
    }

    /// The narrowest integer element that holds a count of up to `count`
    /// (a table of 0/1 marks over `count` pixels): `U32` or `U64`.
    pub(crate) fn for_count(count: u128) -> TableKind {
        if count <= u32::MAX as u128 {
            TableKind::U32
        } else {
            TableKind::U64
        }
    }
}

/// Largest table buffer, in bytes, that a thread keeps for its next table.
/// Reusing it saves the page faults of a fresh allocation on every call
/// (a visible part of B1's time, `benches/variable_box.rs`); larger
/// buffers are freed after use, so idle memory stays bounded.
const SPARE_BYTES: usize = 64 << 20;

macro_rules! spare_buffer {
    ($t:ty) => {
        fn with_spare<R>(f: impl FnOnce(&mut Vec<Self>) -> R) -> R {
            thread_local! {
                static SPARE: std::cell::RefCell<Vec<$t>> = const { std::cell::RefCell::new(Vec::new()) };
            }
            SPARE.with_borrow_mut(f)
        }
    };
}

macro_rules! integer_table_value {
    ($t:ty $(, $vector_forms:ident)?) => {
        impl TableValue for $t {
            type Accumulator = i128;
            $(
                const VECTOR_RUNNING_SUMS: bool = true;
                #[inline(always)]
                fn running_sums(values: &mut [Self], acc: &mut [Self], channels: usize) {
                    $vector_forms::running_sums_u32(values, acc, channels)
                }
                #[inline(always)]
                fn table_row_narrow<S: NarrowSample>(current: &mut [Self], above: &[Self], samples: &[S], acc: &mut [Self], channels: usize) -> bool {
                    $vector_forms::table_row_narrow(current, above, samples, acc, channels);
                    true
                }
            )?
            #[inline(always)]
            fn from_sample<T: Sample>(sample: T) -> Self {
                AsPrimitive::<$t>::as_(sample)
            }
            #[inline(always)]
            fn sub(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn times(self, count: u64) -> Self {
                self.wrapping_mul(count as $t)
            }
            #[inline(always)]
            fn accumulate(self, coeff: i64, acc: i128) -> i128 {
                // Intermediate sums may leave i128; the exact result does not,
                // and wrapping arithmetic is exact modulo 2^128.
                acc.wrapping_add((self as i128).wrapping_mul(coeff as i128))
            }
            #[inline(always)]
            fn accumulator_zero() -> i128 {
                0
            }
            #[inline(always)]
            fn scale_accumulate(wide: i128, coeff: i64, acc: i128) -> i128 {
                acc.wrapping_add(wide.wrapping_mul(coeff as i128))
            }
            #[inline(always)]
            fn accumulator_to_f64(wide: i128) -> f64 {
                wide as f64
            }
            #[inline(always)]
            fn wrapped_to_f64(wide: i128) -> f64 {
                // Truncation keeps the value modulo 2^bits of `$t`.
                wide as $t as f64
            }
            const LARGEST: u128 = <$t>::MAX as u128;
            spare_buffer!($t);
        }
    };
}
impl Summand for u32 {
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self.wrapping_add(other)
    }
}

impl Summand for u64 {
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self.wrapping_add(other)
    }
}

impl Summand for f64 {
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self + other
    }
}

// u32 sums take four samples at a time (`crate::prefix`).
integer_table_value!(u32, prefix);
integer_table_value!(u64);

impl TableValue for f64 {
    type Accumulator = f64;
    #[inline(always)]
    fn from_sample<T: Sample>(sample: T) -> Self {
        sample.to_f64()
    }
    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        self - other
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn times(self, count: u64) -> Self {
        self * count as f64
    }
    #[inline(always)]
    fn accumulate(self, coeff: i64, acc: f64) -> f64 {
        acc + self * coeff as f64
    }
    #[inline(always)]
    fn accumulator_zero() -> f64 {
        0.0
    }
    #[inline(always)]
    fn scale_accumulate(wide: f64, coeff: i64, acc: f64) -> f64 {
        acc + wide * coeff as f64
    }
    #[inline(always)]
    fn accumulator_to_f64(wide: f64) -> f64 {
        wide
    }
    #[inline(always)]
    fn wrapped_to_f64(wide: f64) -> f64 {
        wide
    }
    const LARGEST: u128 = u128::MAX;
    spare_buffer!(f64);
}

impl<A: TableValue> Drop for SummedArea<A> {
    /// Hands the buffer back to this thread for its next table.
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        if data.capacity() * std::mem::size_of::<A>() <= SPARE_BYTES {
            A::with_spare(|spare| *spare = data);
        }
    }
}

/// Table rows that [`sum_rows`] sums at once.
const GROUP_ROWS: usize = 4;

/// Sums the [`GROUP_ROWS`] rows `parts` (each row's parts one after
/// another along it, see [`TableColumns::row`]; whole pixels of `C`
/// samples) into the table rows `below` (that many, one after another,
/// each as long as `above`): each row is the row before it (the first,
/// `above`) plus the running sums of `value(sample)` along its row, per
/// channel. Returns whether each row's running sums are finite at its end.
///
/// The operations of each entry are those of one row at a time, in the
/// same order (the running sum, then the entry above plus it), so the
/// same bits; but one row's running sum is a chain of additions, each
/// waiting for the last, which for `f64` left a float table's build
/// bound by the latency of an addition (f32 gray in
/// `benches/pixel_types.py` shows it). The rows of a group interleave
/// their chains, and the additions down a column wait only on the rows
/// above in that column.
#[inline(always)]
fn sum_rows<T: Sample, A: TableValue, const C: usize>(
    parts: [[&[T]; 3]; GROUP_ROWS],
    above: &[A],
    below: &mut [A],
    value: &impl Fn(T) -> A,
) -> [bool; GROUP_ROWS] {
    let stride = above.len();
    let mut rows = below.chunks_exact_mut(stride);
    let mut rows: [&mut [A]; GROUP_ROWS] = std::array::from_fn(|_| rows.next().expect("a table row per image row"));
    for row in &mut rows {
        row[..C].fill(A::default());
    }
    let mut sums = [[A::default(); C]; GROUP_ROWS];
    // Every row's parts have the same lengths: the table's columns.
    let mut start = C;
    for part in 0..3 {
        let end = start + parts[0][part].len();
        let part_rows = rows.each_mut().map(|row| &mut row[start..end]);
        sum_part::<T, A, C>(
            parts.map(|row| row[part]),
            &above[start..end],
            part_rows,
            &mut sums,
            value,
        );
        start = end;
    }
    sums.map(|row| row.iter().all(|sum| sum.to_f64().is_finite()))
}

/// One part of [`sum_rows`]: its entries of the group's rows (`rows`,
/// below `above`), from the running sums `sums` before it (updated).
#[inline(always)]
fn sum_part<T: Sample, A: TableValue, const C: usize>(
    pixels: [&[T]; GROUP_ROWS],
    above: &[A],
    rows: [&mut [A]; GROUP_ROWS],
    sums: &mut [[A; C]; GROUP_ROWS],
    value: &impl Fn(T) -> A,
) {
    // Whole pixels of one length, for bounds checks the compiler drops.
    let pixel_count = above.len() / C;
    let above = &above.as_chunks::<C>().0[..pixel_count];
    let pixels = pixels.map(|row| &row.as_chunks::<C>().0[..pixel_count]);
    let rows = rows.map(|row| &mut row.as_chunks_mut::<C>().0[..pixel_count]);
    // The running sums in registers, not behind the reference.
    let mut running = *sums;
    for i in 0..pixel_count {
        for ch in 0..C {
            let mut entry = above[i][ch];
            for r in 0..GROUP_ROWS {
                running[r][ch] = running[r][ch].add(value(pixels[r][i][ch]));
                entry = entry.add(running[r][ch]);
                rows[r][i][ch] = entry;
            }
        }
    }
    *sums = running;
}

/// Sums one part of a table row, `pixels`, into `current` (its entries
/// after the first `channels`, the entry before the part): each is the
/// entry of `above` in its place plus the running sum of `value(sample)`
/// in its channel, from `running` (updated). With `finite`, `u8` and `u16`
/// samples as they are, where `A` has a vector form.
#[inline(always)]
fn sum_row<T: Sample, A: TableValue>(
    pixels: &[T],
    above: &[A],
    current: &mut [A],
    (running, channels): (&mut [A; crate::MAX_CHANNELS], usize),
    finite: bool,
    value: &impl Fn(T) -> A,
) {
    let (current_entries, above_entries) = (&mut current[channels..], &above[channels..]);
    let vector_row = finite
        && match (T::as_bytes(pixels), T::as_words(pixels)) {
            (Some(bytes), _) => A::table_row_narrow(current_entries, above_entries, bytes, running, channels),
            (_, Some(words)) => A::table_row_narrow(current_entries, above_entries, words, running, channels),
            _ => false,
        };
    if vector_row {
        return;
    }
    // Else one pixel at a time, its channels known to the compiler up to
    // four.
    match channels {
        1 => sum_pixels::<T, A, 1>(pixels, above, current, running, value),
        2 => sum_pixels::<T, A, 2>(pixels, above, current, running, value),
        3 => sum_pixels::<T, A, 3>(pixels, above, current, running, value),
        4 => sum_pixels::<T, A, 4>(pixels, above, current, running, value),
        _ => {
            for (i, pixel) in pixels.chunks_exact(channels).enumerate() {
                let at = (i + 1) * channels;
                for (ch, &sample) in pixel.iter().enumerate() {
                    running[ch] = running[ch].add(value(sample));
                    current[at + ch] = above[at + ch].add(running[ch]);
                }
            }
        }
    }
}

/// [`sum_row`] one pixel of `C` samples at a time, the running sums in
/// registers: through `running`, each addition waited for the store of
/// the one before, and a channel count known only at run time kept every
/// sample's channel in memory.
#[inline(always)]
fn sum_pixels<T: Sample, A: TableValue, const C: usize>(
    pixels: &[T],
    above: &[A],
    current: &mut [A],
    running: &mut [A; crate::MAX_CHANNELS],
    value: &impl Fn(T) -> A,
) {
    // Whole pixels of one length, for bounds checks the compiler drops.
    let count = pixels.len() / C;
    let pixels = &pixels.as_chunks::<C>().0[..count];
    let above = &above[C..].as_chunks::<C>().0[..count];
    let current = &mut current[C..].as_chunks_mut::<C>().0[..count];
    let mut sums: [A; C] = std::array::from_fn(|ch| running[ch]);
    for ((entry, above), pixel) in current.iter_mut().zip(above).zip(pixels) {
        for ch in 0..C {
            sums[ch] = sums[ch].add(value(pixel[ch]));
            entry[ch] = above[ch].add(sums[ch]);
        }
    }
    running[..C].copy_from_slice(&sums);
}

/// The parts of a table row as one row, copied into `joined` (for the
/// rare rows summed again).
fn joined_parts<'a, T: Copy>(parts: &[&[T]; 3], joined: &'a mut Vec<T>) -> &'a [T] {
    joined.clear();
    for part in parts {
        joined.extend_from_slice(part);
    }
    joined
}

/// Sums one row of `pixels` into a table row again: `current` = `above`
/// plus the running sums of `value(sample)` along the row, per channel.
/// The same loop as in `SummedArea::build_from`, kept apart (and out of
/// line) for the rare rows summed twice, so that loop stays as it is.
#[cold]
#[inline(never)]
fn sum_row_again<T: Sample, A: TableValue>(
    pixels: &[T],
    above: &[A],
    current: &mut [A],
    channels: usize,
    value: &impl Fn(T) -> A,
) {
    let mut running = [A::default(); crate::MAX_CHANNELS];
    for (i, pixel) in pixels.chunks_exact(channels).enumerate() {
        let at = (i + 1) * channels;
        for (ch, &sample) in pixel.iter().enumerate() {
            running[ch] = running[ch].add(value(sample));
            current[at + ch] = above[at + ch].add(running[ch]);
        }
    }
}

/// Summed-area table of the image rows of a [`Band`], in its order:
/// entry (j, i, ch) is the sum of channel ch over the band's first j rows
/// and columns 0..i. Lookups take image prefix indices (row j means "above
/// image row j"); only differences within each part of the band are
/// meaningful, so each part's origin cancels ([`Band::prefix_index`]).
///
/// An extended table ([`Self::build_extended`]) holds, before and after
/// its rows and columns, positions past the image's edges, each the image
/// pixel that the border rule reads there (or `Constant`'s value): its
/// prefix rows and columns are
/// then positions of the extended axis, negative before the image, and a
/// window within them is one rectangle whatever the border.
pub(crate) struct SummedArea<A: TableValue> {
    data: Vec<A>,
    band: Band,
    /// Position of the first prefix row: the band's first row, less the
    /// rows held before it.
    first_row: i64,
    /// Position of the last prefix row of the rows that lie one after
    /// another from the first (the near part and the rows held after it).
    last_row: i64,
    /// Position of the first prefix column (0 for whole rows).
    first_col: i64,
    row_stride: usize,
    channels: usize,
    /// Whether the band has a NaN or infinite sample (held as 0 in the table).
    non_finite: bool,
    /// Whether an entry may have wrapped (the total of the table's samples
    /// at the type's maximum passes [`TableValue::LARGEST`]): combinations
    /// of entries are then read modulo the entries' width, which is exact
    /// where the caller chose the element by its largest window (see
    /// `Integral`'s table choice); else as they are, exact however large.
    wraps: bool,
}

/// Positions past the image's edges that an extended table holds on each
/// side of its band's rows and its columns, read through `border`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Extension {
    pub border: Border,
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

/// The image columns of one table row: the positions before the image's
/// first column that it holds (each an image column, or `None` for
/// `Constant`'s value), the image columns `near`, then the positions after
/// the last.
struct TableColumns {
    before: Vec<Option<usize>>,
    near: Range<usize>,
    after: Vec<Option<usize>>,
}

/// Room for the parts of a table row that are not the view's own memory
/// ([`TableColumns::row`]): the positions past the image's edges, and a
/// copy of the image's row where it is not contiguous.
struct RowParts<T> {
    edges: Vec<T>,
    whole: Vec<T>,
}

impl<T> Default for RowParts<T> {
    fn default() -> Self {
        RowParts {
            edges: Vec::new(),
            whole: Vec::new(),
        }
    }
}

impl TableColumns {
    /// Row `y` of `input` over these columns (every sample `constant` for
    /// `None`) in three parts, one after another along the table row: the
    /// positions before the image's columns, the image columns `near`,
    /// the positions after. The image columns are the view's own memory
    /// where its row is contiguous (else a copy in `scratch.whole`): only
    /// the positions past the image's edges are copied, into
    /// `scratch.edges`, so an extended table reads its image columns
    /// where they lie, as a table of the image's columns alone does.
    fn row<'a, T: Sample>(
        &self,
        input: &'a ArrayView3<'_, T>,
        (y, constant): (Option<usize>, T),
        scratch: &'a mut RowParts<T>,
    ) -> [&'a [T]; 3] {
        let channels = input.dim().2;
        let lens = [self.before.len(), self.near.len(), self.after.len()].map(|len| len * channels);
        let RowParts { edges, whole } = scratch;
        edges.clear();
        let Some(y) = y else {
            edges.resize(lens.iter().copied().max().unwrap_or(0), constant);
            let edges: &'a [T] = edges;
            return lens.map(|len| &edges[..len]);
        };
        let row = input.slice(s![y, .., ..]);
        if self.before.is_empty() && self.after.is_empty() {
            return [
                &[],
                as_contiguous(row.slice_move(s![self.near.clone(), ..]), whole),
                &[],
            ];
        }
        let row = as_contiguous(row, whole);
        let constants = [constant; crate::MAX_CHANNELS];
        let pixel = |col: Option<usize>| match col {
            Some(col) => &row[col * channels..(col + 1) * channels],
            None => &constants[..channels],
        };
        for &col in self.before.iter().chain(&self.after) {
            edges.extend_from_slice(pixel(col));
        }
        let (before, after) = edges.split_at(lens[0]);
        [
            before,
            &row[self.near.start * channels..self.near.end * channels],
            after,
        ]
    }

    fn len(&self) -> usize {
        self.before.len() + self.near.len() + self.after.len()
    }
}

impl<A: TableValue> SummedArea<A> {
    /// Builds the table of `rows` of `input` (height, width, channels),
    /// with NaN and infinite samples as 0 ([`Self::has_non_finite`] says
    /// whether there were any).
    #[cfg(test)]
    pub(crate) fn build<T: Sample>(input: &ArrayView3<'_, T>, rows: impl Into<Band>) -> Self {
        Self::build_rect(input, rows, 0..input.dim().1)
    }

    /// `Self::build` (of the tests) over image columns `cols` alone: the table of a
    /// block of columns, whose prefix columns are `cols.start..=cols.end`.
    pub(crate) fn build_rect<T: Sample>(input: &ArrayView3<'_, T>, rows: impl Into<Band>, cols: Range<usize>) -> Self {
        let band = rows.into();
        let columns = TableColumns {
            before: Vec::new(),
            near: cols,
            after: Vec::new(),
        };
        let source = (0, columns, T::default());
        Self::build_from(input, band.clone(), band.rows().map(Some), source, true, A::from_sample)
    }

    /// [`Self::build_rect`] of the image rows `rows` and columns `cols`,
    /// extended by `extension`: its rows hold the positions
    /// `rows.start - top..rows.end + bottom` of the border-extended image,
    /// its columns `cols.start - left..cols.end + right`. `Constant`'s value
    /// is held as a sample (`T` must hold it exactly).
    pub(crate) fn build_extended<T: Sample>(
        input: &ArrayView3<'_, T>,
        rows: Range<usize>,
        cols: Range<usize>,
        extension: Extension,
    ) -> Self {
        let (height, width, _) = input.dim();
        let Extension {
            border,
            top,
            bottom,
            left,
            right,
        } = extension;
        // The pixel each position reads, or none (`Constant`).
        let image_index = |q: i64, len: usize| border.map_index(q, len);
        let (first, last) = (rows.start as i64 - top as i64, rows.end as i64 + bottom as i64);
        let table_rows = (first..last).map(move |q| image_index(q, height));
        let (start, end) = (cols.start as i64, cols.end as i64);
        let columns = TableColumns {
            before: (start - left as i64..start).map(|q| image_index(q, width)).collect(),
            near: cols,
            after: (end..end + right as i64).map(|q| image_index(q, width)).collect(),
        };
        let band = Band::from(rows);
        let constant = match border {
            Border::Constant(value) => T::from_f64(value),
            _ => T::default(),
        };
        Self::build_from(input, band, table_rows, (top, columns, constant), true, A::from_sample)
    }

    /// Builds the table of `value(sample)` over `rows` of `input`, every
    /// sample as it is (e.g. marks of the non-finite ones).
    pub(crate) fn build_with<T: Sample>(
        input: &ArrayView3<'_, T>,
        rows: impl Into<Band>,
        value: impl Fn(T) -> A,
    ) -> Self {
        let width = input.dim().1;
        let band = rows.into();
        let columns = TableColumns {
            before: Vec::new(),
            near: 0..width,
            after: Vec::new(),
        };
        let source = (0, columns, T::default());
        Self::build_from(input, band.clone(), band.rows().map(Some), source, false, value)
    }

    /// Builds the table of the image rows `rows` (in the order held: the
    /// `top` rows before `band`'s, its rows, then those after) over
    /// `columns`; with `finite`, rows with non-finite samples are summed
    /// again from a copy in which they are 0.
    #[inline(always)]
    fn build_from<T: Sample>(
        input: &ArrayView3<'_, T>,
        band: Band,
        rows: impl Iterator<Item = Option<usize>>,
        (top, columns, constant): (usize, TableColumns, T),
        finite: bool,
        value: impl Fn(T) -> A,
    ) -> Self {
        let channels = input.dim().2;
        let row_stride = (columns.len() + 1) * channels;
        // Row 0 and column 0 must be zero; the rest is overwritten below,
        // so a spare buffer's old entries stay (zeroing a band of tables
        // per strip is a visible part of B3's time).
        let mut data = A::with_spare(std::mem::take);
        let (rows, held) = {
            let rows: Vec<Option<usize>> = rows.collect();
            let held = rows.len();
            (rows, held)
        };
        let len = (held + 1) * row_stride;
        data.truncate(len);
        data.resize(len, A::default());
        data[..row_stride].fill(A::default());
        let mut scratches: [RowParts<T>; GROUP_ROWS] = Default::default();
        let mut joined = Vec::new();
        let mut finite_scratch = Vec::new();
        let mut running = [A::default(); crate::MAX_CHANNELS];
        let mut non_finite = false;
        let mut j = 0;
        while j < held {
            // Float rows a group at a time (see `sum_rows`), where a whole
            // group is left; the rows of a group with a non-finite running
            // sum are summed again in order from the first such row.
            if finite && !T::TYPE.is_integer() && channels <= 4 && held - j >= GROUP_ROWS {
                let mut k = j;
                let parts = scratches.each_mut().map(|scratch| {
                    let row = columns.row(input, (rows[k], constant), scratch);
                    k += 1;
                    row
                });
                let (above, below) = data.split_at_mut((j + 1) * row_stride);
                let above = &above[j * row_stride..];
                let below = &mut below[..GROUP_ROWS * row_stride];
                let finite_sums = match channels {
                    1 => sum_rows::<T, A, 1>(parts, above, below, &value),
                    2 => sum_rows::<T, A, 2>(parts, above, below, &value),
                    3 => sum_rows::<T, A, 3>(parts, above, below, &value),
                    _ => sum_rows::<T, A, 4>(parts, above, below, &value),
                };
                if let Some(first) = finite_sums.iter().position(|&f| !f) {
                    for (r, row) in parts.iter().enumerate().skip(first) {
                        let (above, below) = data.split_at_mut((j + r + 1) * row_stride);
                        let above = &above[(j + r) * row_stride..];
                        let row = joined_parts(row, &mut joined);
                        let (row, had) = crate::sample::finite_row(row, &mut finite_scratch);
                        non_finite |= had;
                        sum_row_again(row, above, &mut below[..row_stride], channels, &value);
                    }
                }
                j += GROUP_ROWS;
                continue;
            }
            let parts = columns.row(input, (rows[j], constant), &mut scratches[0]);
            let (above, below) = data.split_at_mut((j + 1) * row_stride);
            let above = &above[j * row_stride..];
            let current = &mut below[..row_stride];
            current[..channels].fill(A::default());
            running[..channels].fill(A::default());
            // Each part from the running sums of the parts before it.
            let mut start = 0;
            for pixels in parts {
                let end = start + pixels.len();
                let entries = start..end + channels;
                sum_row(
                    pixels,
                    &above[entries.clone()],
                    &mut current[entries],
                    (&mut running, channels),
                    finite,
                    &value,
                );
                start = end;
            }
            // A NaN or infinity leaves its row's running sums non-finite (NaN
            // and infinities never add up to a finite value), so this test
            // finds every such row at no cost to the others. Finite values
            // that overflow come here too, and are summed again unchanged.
            if finite && !T::TYPE.is_integer() && !running[..channels].iter().all(|r| r.to_f64().is_finite()) {
                let pixels = joined_parts(&parts, &mut joined);
                let (pixels, had) = crate::sample::finite_row(pixels, &mut finite_scratch);
                non_finite |= had;
                sum_row_again(pixels, above, current, channels, &value);
            }
            j += 1;
        }
        let first_row = band.near_start() as i64 - top as i64;
        // Value tables hold samples of `T`; other tables (marks) are chosen
        // to hold their whole total.
        let samples = held as u128 * columns.len() as u128;
        let wraps = finite && T::TYPE.is_integer() && samples.saturating_mul(T::MAX as u128) > A::LARGEST;
        SummedArea {
            data,
            first_row,
            last_row: first_row + (held - band.far_len()) as i64,
            band,
            first_col: columns.near.start as i64 - columns.before.len() as i64,
            row_stride,
            channels,
            non_finite,
            wraps,
        }
    }

    /// Whether the table's rows hold a NaN or infinite sample (which a
    /// value table holds as 0; see `non_finite`).
    pub(crate) fn has_non_finite(&self) -> bool {
        self.non_finite
    }

    /// The entries, row-major: (prefix row - first row, prefix column -
    /// first column, channel).
    #[inline(always)]
    pub(crate) fn values(&self) -> &[A] {
        &self.data
    }

    /// Position of the first prefix row: the entries of the rows that lie
    /// one after another from it (those a window within the table reads)
    /// lie at prefix row minus this.
    pub(crate) fn first_row(&self) -> i64 {
        self.first_row
    }

    /// Position of the last prefix row of the rows that lie one after
    /// another from [`Self::first_row`].
    pub(crate) fn last_row(&self) -> i64 {
        self.last_row
    }

    /// Position of the first prefix column.
    pub(crate) fn first_col(&self) -> i64 {
        self.first_col
    }

    /// Position of the last prefix column.
    pub(crate) fn last_col(&self) -> i64 {
        self.first_col + (self.row_stride / self.channels.max(1)) as i64 - 1
    }

    /// Entries per prefix row.
    pub(crate) fn row_stride(&self) -> usize {
        self.row_stride
    }

    /// Where prefix row `row` is held: a position of the rows from
    /// [`Self::first_row`] on, or an image prefix row of the band's far part.
    #[inline(always)]
    fn row_index(&self, row: i64) -> usize {
        if (self.first_row..=self.last_row).contains(&row) {
            (row - self.first_row) as usize
        } else {
            self.band.prefix_index(row as usize)
        }
    }

    /// Entry at prefix row `row` and prefix column `col`.
    #[inline(always)]
    fn at(&self, row: i64, col: i64, ch: usize) -> A {
        self.data[self.row_index(row) * self.row_stride + (col - self.first_col) as usize * self.channels + ch]
    }

    /// Sum over rows `rows` and columns `cols` (both within the table).
    #[inline(always)]
    pub(crate) fn rect(&self, rows: Range<i64>, cols: Range<i64>, ch: usize) -> A {
        let bottom = self.at(rows.end, cols.end, ch).sub(self.at(rows.end, cols.start, ch));
        let top = self
            .at(rows.start, cols.end, ch)
            .sub(self.at(rows.start, cols.start, ch));
        bottom.sub(top)
    }

    /// The combination `row_terms` of prefix rows, for every prefix column
    /// and channel, into `combined` (laid out as one table row): a window
    /// sum is then `col_terms` applied to it ([`Self::combined_terms`]).
    pub(crate) fn combine_rows(&self, row_terms: &Terms, combined: &mut Vec<A::Accumulator>) {
        combined.clear();
        combined.resize(self.row_stride, A::accumulator_zero());
        for (row, coeff) in row_terms.iter() {
            let start = self.row_index(row as i64) * self.row_stride;
            let entries = &self.data[start..start + self.row_stride];
            for (c, &entry) in combined.iter_mut().zip(entries) {
                *c = entry.accumulate(coeff, *c);
            }
        }
    }

    /// The window sum of `col_terms` over a row combination from
    /// [`Self::combine_rows`], channel `ch`.
    #[inline(always)]
    pub(crate) fn combined_terms(&self, combined: &[A::Accumulator], col_terms: &Terms, ch: usize) -> f64 {
        let sum = col_terms.iter().fold(A::accumulator_zero(), |acc, (col, coeff)| {
            A::scale_accumulate(
                combined[(col as i64 - self.first_col) as usize * self.channels + ch],
                coeff,
                acc,
            )
        });
        self.total(sum)
    }

    /// Sum of `row_terms` x `col_terms` (border-extended windows): the
    /// coefficients may be large, so it accumulates in the accumulator.
    #[inline(always)]
    pub(crate) fn rect_terms(&self, row_terms: &Terms, col_terms: &Terms, ch: usize) -> f64 {
        let mut acc = A::accumulator_zero();
        for (row, row_coeff) in row_terms.iter() {
            for (col, col_coeff) in col_terms.iter() {
                acc = self
                    .at(row as i64, col as i64, ch)
                    .accumulate(row_coeff * col_coeff, acc);
            }
        }
        self.total(acc)
    }

    /// A combination of entries accumulated in `wide`, as `f64` (see
    /// its field `wraps`).
    #[inline(always)]
    fn total(&self, wide: A::Accumulator) -> f64 {
        if self.wraps {
            A::wrapped_to_f64(wide)
        } else {
            A::accumulator_to_f64(wide)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    /// The table of `image` summed one row at a time, one sample at a
    /// time, each entry the entry above plus the row's running sum; rows
    /// with a non-finite running sum summed again with their non-finite
    /// samples as 0.
    fn one_row_at_a_time(image: &Array3<f32>) -> Vec<f64> {
        let (height, width, channels) = image.dim();
        let stride = (width + 1) * channels;
        let mut table = vec![0.0; (height + 1) * stride];
        for y in 0..height {
            for pass in 0..2 {
                let mut running = vec![0.0f64; channels];
                for x in 0..width {
                    for ch in 0..channels {
                        let sample = image[[y, x, ch]] as f64;
                        let sample = if pass == 1 && !sample.is_finite() { 0.0 } else { sample };
                        running[ch] += sample;
                        let at = (y + 1) * stride + (x + 1) * channels + ch;
                        table[at] = table[at - stride] + running[ch];
                    }
                }
                if running.iter().all(|r| r.is_finite()) {
                    break;
                }
            }
        }
        table
    }

    /// Float tables, summed a group of rows at a time, hold the bits of
    /// one row at a time, for any channel count, row counts that leave
    /// groups short, strided views, and NaN, infinities and overflowing
    /// rows in any row of a group.
    #[test]
    fn float_tables_equal_one_row_at_a_time() {
        let mut numbers = crate::test_numbers(0x6a09_e667_f3bc_c908);
        for case in 0..80usize {
            let channels = 1 + case % 4;
            let (height, width) = (1 + (numbers() % 13) as usize, 1 + (numbers() % 21) as usize);
            let mut image =
                Array3::from_shape_simple_fn((height, width, channels), || (numbers() % 2001) as f32 / 7.0 - 100.0);
            let specials = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, 1e-30];
            for _ in 0..case % 4 {
                let at = [
                    (numbers() % height as u64) as usize,
                    (numbers() % width as u64) as usize,
                    (numbers() % channels as u64) as usize,
                ];
                image[at] = specials[(numbers() % specials.len() as u64) as usize];
            }
            let want = one_row_at_a_time(&image);
            let table = SummedArea::<f64>::build(&image.view(), 0..height);
            let same = table
                .values()
                .iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(
                same,
                "{height} x {width} x {channels}: {:?} against {want:?}",
                table.values()
            );
            let non_finite = image.iter().any(|v| !v.is_finite());
            assert_eq!(table.has_non_finite(), non_finite);
            // Every other column of a wider image: a strided view.
            let wide = Array3::from_shape_fn((height, 2 * width, channels), |(y, x, ch)| {
                if x % 2 == 0 { image[[y, x / 2, ch]] } else { f32::NAN }
            });
            let strided = wide.slice(s![.., ..;2, ..]);
            let table = SummedArea::<f64>::build(&strided, 0..height);
            let same = table
                .values()
                .iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "strided {height} x {width} x {channels}");
        }
    }

    #[test]
    fn table_kind_switches_exactly_at_the_integer_limits() {
        // 16_843_009 * 255 = u32::MAX.
        assert_eq!(TableKind::for_sum::<u8>(16_843_009), Some(TableKind::U32));
        assert_eq!(TableKind::for_sum::<u8>(16_843_010), Some(TableKind::U64));
        // 65_537 * 65_535 = u32::MAX.
        assert_eq!(TableKind::for_sum::<u16>(65_537), Some(TableKind::U32));
        assert_eq!(TableKind::for_sum::<u16>(65_538), Some(TableKind::U64));
        // u64::MAX = 65535 * 281_479_271_743_489.
        assert_eq!(TableKind::for_sum::<u16>(281_479_271_743_489), Some(TableKind::U64));
        assert_eq!(TableKind::for_sum::<u16>(2 * 281_479_271_743_489), None);
        assert_eq!(TableKind::for_sum::<f32>(u128::MAX), Some(TableKind::Float));
    }
}
