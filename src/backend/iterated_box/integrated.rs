//! k-times integrated images (Heckbert 1986): a band of the image summed k
//! times down the columns and then k times along the rows, so that the
//! k-fold box of any width around any pixel is a fixed combination of
//! (k + 1) x (k + 1) table entries.
//!
//! With `I` the k-times prefix sum of a sequence x, the k-fold box of
//! width w = 2n + 1 centred on p is
//! `sum_i (-1)^i C(k, i) I[p + k n - i w]`, the k-th difference of `I`.
//! The table is exact modular integer arithmetic (wrapping `u64` or `u128`):
//! a k-th difference is exact whenever its true value fits the type, however
//! large the table entries themselves grow. Float samples are first turned
//! into integers of a fixed scale (see [`Quantizer`]).
//!
//! Positions above or left of the band read 0 (the sequence starts there).
//! Positions below or right of it read the polynomial continuation of the
//! table for a zero signal there: I_k(last + m) = sum_a C(m + k - a - 1,
//! k - a) I_a(last), from the lower-order sums at the last row and column,
//! which the table keeps. So windows reaching any distance past the image
//! cost the same as any other.

use std::ops::Range;

/// Modular integer arithmetic for the tables.
pub(crate) trait Wrapping: Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// Bits of the type.
    const BITS: u32;
    fn add(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    /// The two's complement of `value`.
    fn from_i64(value: i64) -> Self;
    /// `value` modulo 2^BITS.
    fn from_u128(value: u128) -> Self;
    /// The value read as a two's complement signed integer, as `f64`.
    fn to_signed_f64(self) -> f64;
}

/// `Wrapping` for an unsigned type and its signed twin.
macro_rules! wrapping {
    ($t:ty, $signed:ty) => {
        impl Wrapping for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            fn add(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
            #[inline(always)]
            fn mul(self, other: Self) -> Self {
                self.wrapping_mul(other)
            }
            #[inline(always)]
            fn from_i64(value: i64) -> Self {
                value as $signed as $t
            }
            #[inline(always)]
            fn from_u128(value: u128) -> Self {
                value as $t
            }
            #[inline(always)]
            fn to_signed_f64(self) -> f64 {
                self as $signed as f64
            }
        }
    };
}
wrapping!(u64, i64);
wrapping!(u128, i128);

/// C(m + j - 1, j): the weight of the order-(k - j) sum in the continuation
/// of an order-k sum m positions past its last entry. Exact for m < 2^31
/// and j <= 4 (the products stay below 2^125).
#[inline]
pub(crate) fn continuation(m: u64, j: u32) -> u128 {
    // c(i + 1) = c(i) (m + i) / (i + 1), each division exact. Dividing by 3
    // is multiplying by its inverse modulo 2^128 (exact for multiples of 3),
    // which spares a 128-bit division on every read past the image.
    const INVERSE_OF_3: u128 = 0xAAAA_AAAA_AAAA_AAAA_AAAA_AAAA_AAAA_AAAB;
    let mut c: u128 = 1;
    for i in 0..j as u64 {
        let product = c * (m + i) as u128;
        c = match i + 1 {
            1 => product,
            2 => product >> 1,
            3 => product.wrapping_mul(INVERSE_OF_3),
            4 => product >> 2,
            d => product / d as u128,
        };
    }
    c
}

/// Sums `values[0], values[step], ...` k times in place (k = `running.len()`),
/// and leaves in `running` the sums of orders 1..=k at the last position.
#[inline]
fn integrate<V: Wrapping>(values: &mut [V], step: usize, running: &mut [V]) {
    running.fill(V::default());
    for value in values.iter_mut().step_by(step) {
        let mut v = *value;
        for r in running.iter_mut() {
            *r = r.add(v);
            v = *r;
        }
        *value = v;
    }
}

/// (-1)^i C(k, i), i = 0..=k (k <= 5), the k-th difference; zeros after.
pub(crate) fn difference_coefficients(k: usize) -> [i64; 6] {
    let mut c = [0i64; 6];
    c[0] = 1;
    for i in 1..=k {
        c[i] = -c[i - 1] * (k + 1 - i) as i64 / i as i64;
    }
    c
}

/// Float samples as integers: round(x * 2^shift), with `shift` chosen so the
/// band's largest magnitude and every window sum fit the table type. The
/// error per sample is at most 2^-(shift + 1), and so is the error of any
/// weighted mean of them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quantizer {
    scale: f64,
    inverse: f64,
}

impl Quantizer {
    /// Integers unchanged.
    pub(crate) fn identity() -> Self {
        Quantizer {
            scale: 1.0,
            inverse: 1.0,
        }
    }

    /// For samples of magnitude at most `largest`, whose window sums add up
    /// at most 2^`sum_bits` samples' worth of weight, in a table of `bits` bits.
    pub(crate) fn for_floats(largest: f64, sum_bits: f64, bits: u32) -> Self {
        // Room below the sign bit for the window sums, and at most 2^62 per sample.
        let room = ((bits - 2) as f64 - sum_bits.ceil()).min(62.0);
        let magnitude = if largest > 0.0 { largest.log2().ceil() } else { 0.0 };
        let shift = (room - magnitude).clamp(-1000.0, 1000.0);
        Quantizer {
            scale: 2f64.powi(shift as i32),
            inverse: 2f64.powi(-shift as i32),
        }
    }

    /// The integer for a finite sample.
    #[inline(always)]
    pub(crate) fn quantize(&self, value: f64) -> i64 {
        // Half away from zero by truncation (`round` is a libm call on the
        // portable target); any consistent rounding keeps the 1/2 step bound.
        let scaled = value * self.scale;
        (scaled + 0.5f64.copysign(scaled)) as i64
    }

    /// A sum of quantized samples, back in sample units (exact: the scale
    /// is a power of two).
    #[inline(always)]
    pub(crate) fn restore(&self, sum: f64) -> f64 {
        sum * self.inverse
    }
}

/// The k-times integrated image of a band, in both axes.
pub(crate) struct IntegratedBand<V> {
    boxes: usize,
    channels: usize,
    /// Image position of table entry (0, 0); may be negative where the band
    /// holds border-padded positions.
    origin: (i64, i64),
    rows: usize,
    cols: usize,
    /// Entries per table row: `cols` sums, then the k lower-order sums at
    /// the last column, per channel.
    stride: usize,
    /// `rows` table rows, then k rows of the lower-order sums at the last row.
    values: Vec<V>,
    coefficients: Vec<V>,
}

impl<V: Wrapping> IntegratedBand<V> {
    /// Integrates the positions `rows` x `cols` (image coordinates, possibly
    /// beyond the image); `fill_row(row, out)` writes the integer samples of
    /// one row of positions (`cols.len() * channels` values, interleaved).
    pub(crate) fn build(
        boxes: usize,
        channels: usize,
        rows: Range<i64>,
        cols: Range<i64>,
        mut fill_row: impl FnMut(i64, &mut [i64]),
    ) -> Self {
        let (height, width) = ((rows.end - rows.start) as usize, (cols.end - cols.start) as usize);
        let row_len = width * channels;
        let stride = (width + boxes) * channels;
        let mut values = vec![V::default(); (height + boxes) * stride];
        // Running column sums of orders 1..=k.
        let mut orders = vec![V::default(); boxes * row_len];
        let mut samples = vec![0i64; row_len];
        for (j, row) in rows.clone().enumerate() {
            fill_row(row, &mut samples);
            let (first, higher) = orders.split_at_mut(row_len);
            first
                .iter_mut()
                .zip(&samples)
                .for_each(|(a, &s)| *a = a.add(V::from_i64(s)));
            let mut lower: &[V] = first;
            for order in higher.chunks_exact_mut(row_len) {
                order.iter_mut().zip(lower).for_each(|(a, &b)| *a = a.add(b));
                lower = order;
            }
            values[j * stride..j * stride + row_len].copy_from_slice(lower);
        }
        for (a, order) in orders.chunks_exact(row_len).enumerate() {
            let j = height + a;
            values[j * stride..j * stride + row_len].copy_from_slice(order);
        }
        // Every row, k times along the row; the orders reached at the last
        // column go after it.
        let mut running = vec![V::default(); boxes];
        for row in values.chunks_exact_mut(stride) {
            let (sums, tail) = row.split_at_mut(row_len);
            for ch in 0..channels {
                integrate(&mut sums[ch..], channels, &mut running);
                for (b, r) in running.iter().enumerate() {
                    tail[b * channels + ch] = *r;
                }
            }
        }
        IntegratedBand {
            boxes,
            channels,
            origin: (rows.start, cols.start),
            rows: height,
            cols: width,
            stride,
            values,
            coefficients: difference_coefficients(boxes)[..=boxes]
                .iter()
                .map(|&c| V::from_i64(c))
                .collect(),
        }
    }

    /// The k-fold box of width 2n + 1 down the columns and 2m + 1 along
    /// the rows (`inner` = (n, m)) around image position (y, x), channel
    /// `ch`, unnormalised: its weights are integers summing to
    /// (2n + 1)^k (2m + 1)^k. `K` is k (a constant, so the (k + 1)^2 reads unroll).
    #[inline]
    #[cfg(test)]
    pub(crate) fn window<const K: usize>(&self, at: (i64, i64), inner: (i64, i64), ch: usize) -> V {
        self.window_cached::<K>(at, inner, ch, [&mut None, &mut None])
    }

    /// `IntegratedBand::window` (of the tests), with the reads of each axis for a window
    /// reaching past the table kept in `cache` (down, along) for the
    /// neighbours with the same half-width on that axis (a row shares its
    /// reads down the columns, a column its reads along the rows).
    #[inline(always)]
    pub(crate) fn window_cached<const K: usize>(
        &self,
        (y, x): (i64, i64),
        (inner_y, inner_x): (i64, i64),
        ch: usize,
        cache: [&mut Option<CachedRead<V>>; 2],
    ) -> V {
        debug_assert_eq!(K, self.boxes);
        let k = K as i64;
        let (wy, wx) = (2 * inner_y + 1, 2 * inner_x + 1);
        let top = y + k * inner_y - self.origin.0;
        let left = x + k * inner_x - self.origin.1;
        // The rule of `inside_columns` (for two half-widths), written out:
        // through that range the per-pixel path is slower (B5 shows it).
        let inside =
            top - k * wy >= 0 && (top as usize) < self.rows && left - k * wx >= 0 && (left as usize) < self.cols;
        let c = &self.coefficients[..=K];
        let mut sum = V::default();
        if inside {
            let (top, left, wy, wx) = (top as usize, left as usize, wy as usize, wx as usize);
            for (i, &ci) in c.iter().enumerate() {
                let row = &self.values[(top - i * wy) * self.stride..][..self.cols * self.channels];
                let mut row_sum = V::default();
                for (j, &cj) in c.iter().enumerate() {
                    row_sum = row_sum.add(cj.mul(row[(left - j * wx) * self.channels + ch]));
                }
                sum = sum.add(ci.mul(row_sum));
            }
        } else {
            sum = self.window_past::<K>((y, x), (inner_y, inner_x), ch, cache);
        }
        sum
    }

    /// The centres x whose windows of half-width `inner` (both axes) on
    /// image row `y` lie inside the table, where [`Self::window_cached`]
    /// reads (k + 1)^2 plain entries; empty if the row's do not. The k-th
    /// difference reads k entries before a window's first.
    pub(crate) fn inside_columns<const K: usize>(&self, y: i64, inner: i64) -> Range<i64> {
        let k = K as i64;
        let top = y + k * inner - self.origin.0;
        if top - k * (2 * inner + 1) < 0 || top >= self.rows as i64 {
            return 0..0;
        }
        // left = x + k n - origin: left - k (2n + 1) >= 0 and left < cols.
        let first = self.origin.1 + k * (inner + 1);
        let end = self.origin.1 + self.cols as i64 - k * inner;
        first..end.max(first)
    }

    /// [`Self::window_cached`] of every channel for the centres `xs` on
    /// image row `y` (all within [`Self::inside_columns`] of `inner`), into
    /// `out` (`xs.len() * channels` values, interleaved). The same integers,
    /// read slice by slice: each of the (k + 1) table rows once, its k + 1
    /// column offsets together, so the reads stream through memory in order
    /// (pixel by pixel they are 2 (k + 1)^2 interleaved streams that stall
    /// on the cache) and vectorise.
    pub(crate) fn run_windows<const K: usize>(&self, y: i64, xs: Range<i64>, inner: i64, out: &mut [V]) {
        debug_assert_eq!(K, self.boxes);
        let k = K as i64;
        let c = &self.coefficients[..=K];
        let w = (2 * inner + 1) as usize;
        let top = (y + k * inner - self.origin.0) as usize;
        let left = (xs.start + k * inner - self.origin.1) as usize;
        let len = out.len();
        out.fill(V::default());
        for (i, &ci) in c.iter().enumerate() {
            let row = &self.values[(top - i * w) * self.stride..][..self.cols * self.channels];
            let column = |j: usize| &row[(left - j * w) * self.channels..][..len];
            let weights: [V; K] = std::array::from_fn(|j| ci.mul(c[j + 1]));
            let first = column(0);
            let rest: [&[V]; K] = std::array::from_fn(|j| column(j + 1));
            for (x, (o, &v)) in out.iter_mut().zip(first).enumerate() {
                let mut sum = o.add(ci.mul(v));
                for (wj, r) in weights.iter().zip(&rest) {
                    sum = sum.add(wj.mul(r[x]));
                }
                *o = sum;
            }
        }
    }

    /// The window of a read reaching past the table (see
    /// [`IntegratedBand::window_cached`]); kept out of line, so the common
    /// case inside the table stays small enough to inline.
    #[inline(never)]
    fn window_past<const K: usize>(
        &self,
        (y, x): (i64, i64),
        (inner_y, inner_x): (i64, i64),
        ch: usize,
        cache: [&mut Option<CachedRead<V>>; 2],
    ) -> V {
        // Per axis, the taps inside the table and one combined weight
        // per lower-order sum past its end (worked out once, not per
        // entry): at most 2k + 1 rows times 2k + 1 columns.
        let [down_cache, along_cache] = cache;
        let down = CachedRead::get::<K>(down_cache, (y, inner_y), self.origin.0, self.rows);
        let along = CachedRead::get::<K>(along_cache, (x, inner_x), self.origin.1, self.cols);
        let mut sum = V::default();
        for (r, wr) in down.terms::<K>(self.rows) {
            let row = &self.values[r * self.stride..(r + 1) * self.stride];
            let mut row_sum = V::default();
            for (col, wc) in along.terms::<K>(self.cols) {
                row_sum = row_sum.add(wc.mul(row[col * self.channels + ch]));
            }
            sum = sum.add(wr.mul(row_sum));
        }
        sum
    }
}

/// The reads of one axis of a window (see [`IntegratedBand::window_cached`]),
/// with the position and half-width they are for.
#[derive(Clone, Copy)]
pub(crate) struct CachedRead<V> {
    key: (i64, i64),
    read: LineRead<V>,
}

/// Table reads past the band that neighbouring pixels share, per box slot
/// of their plans (two): the current row's, and each column's.
pub(crate) struct ReadCaches<V> {
    row: [Option<CachedRead<V>>; 2],
    columns: Vec<Option<CachedRead<V>>>,
}

impl<V: Wrapping> ReadCaches<V> {
    /// Caches for rows of `width` pixels (0 where no table is read).
    pub(crate) fn new(width: usize) -> Self {
        ReadCaches {
            row: [None, None],
            columns: vec![None; 2 * width],
        }
    }

    /// A new row: its reads are not the previous row's.
    pub(crate) fn start_row(&mut self) {
        self.row = [None, None];
    }

    /// The caches of box `slot` at column `x`: the row's and the column's.
    pub(crate) fn at(&mut self, x: usize, slot: usize) -> [&mut Option<CachedRead<V>>; 2] {
        [&mut self.row[slot], &mut self.columns[2 * x + slot]]
    }
}

impl<V: Wrapping> CachedRead<V> {
    #[inline]
    fn get<const K: usize>(cache: &mut Option<Self>, (p, inner): (i64, i64), origin: i64, len: usize) -> LineRead<V> {
        match cache {
            Some(cached) if cached.key == (p, inner) => cached.read,
            _ => {
                let read = IntegratedLine::<V>::read::<K>(origin, len, p, inner);
                *cache = Some(CachedRead { key: (p, inner), read });
                read
            }
        }
    }
}

/// The k-times integrated sequence of one line of positions (1-D), for the
/// separable passes of a uniform sigma.
pub(crate) struct IntegratedLine<V> {
    origin: i64,
    /// The order-k sums, then the orders 1..=k at the last position.
    values: Vec<V>,
    len: usize,
    coefficients: Vec<V>,
}

impl<V: Wrapping> IntegratedLine<V> {
    /// An empty line for k boxes, to be filled by [`IntegratedLine::fill`].
    pub(crate) fn new(boxes: usize) -> Self {
        IntegratedLine {
            origin: 0,
            values: Vec::new(),
            len: 0,
            coefficients: difference_coefficients(boxes)[..=boxes]
                .iter()
                .map(|&c| V::from_i64(c))
                .collect(),
        }
    }

    /// Integrates `samples`, the values of positions `origin..`.
    pub(crate) fn fill(&mut self, origin: i64, samples: impl Iterator<Item = V>) {
        let k = self.coefficients.len() - 1;
        self.values.clear();
        self.values.extend(samples);
        self.len = self.values.len();
        self.origin = origin;
        let mut running = vec![V::default(); k];
        integrate(&mut self.values, 1, &mut running);
        self.values.extend(running);
    }

    /// The reads of the k-fold box of width 2n + 1 (`inner` = n) around
    /// every position of `positions` (unnormalised: weights sum to
    /// (2n + 1)^k), on lines of `len` values from `origin` (any line filled
    /// so): the continuation weights past the end, which cost a few 128-bit
    /// products each, are then worked out once for all the lines of a band.
    pub(crate) fn reads<const K: usize>(
        origin: i64,
        len: usize,
        positions: Range<i64>,
        inner: i64,
    ) -> Vec<LineRead<V>> {
        positions.map(|p| Self::read::<K>(origin, len, p, inner)).collect()
    }

    /// The read of the k-fold box of width 2n + 1 around position `p` on
    /// lines of `len` values from `origin` (see [`IntegratedLine::reads`]).
    pub(crate) fn read<const K: usize>(origin: i64, len: usize, p: i64, inner: i64) -> LineRead<V> {
        let k = K as i64;
        let w = 2 * inner + 1;
        let c = difference_coefficients(K);
        let mut read = LineRead {
            entries: [(0, V::default()); MAX_READS],
            past: [V::default(); MAX_READS - 1],
        };
        let last = p + k * inner - origin;
        for (i, &ci) in c[..=K].iter().enumerate() {
            let t = last - i as i64 * w;
            if t < 0 {
                continue;
            } else if (t as usize) < len {
                read.entries[i] = (t as usize, V::from_i64(ci));
            } else {
                let m = (t - len as i64 + 1) as u64;
                for b in 1..=K {
                    let weight = V::from_u128(continuation(m, (K - b) as u32)).mul(V::from_i64(ci));
                    read.past[b - 1] = read.past[b - 1].add(weight);
                }
            }
        }
        read
    }

    /// The k-fold box of width 2n + 1 around position `p` on this line.
    #[inline]
    pub(crate) fn window<const K: usize>(&self, p: i64, inner: i64) -> V {
        self.window_read::<K>(&Self::read::<K>(self.origin, self.len, p, inner))
    }

    /// The window of `read` (from [`IntegratedLine::reads`]) on this line.
    #[inline(always)]
    pub(crate) fn window_read<const K: usize>(&self, read: &LineRead<V>) -> V {
        let inside = read.entries[..=K]
            .iter()
            .fold(V::default(), |acc, &(t, c)| acc.add(c.mul(self.values[t])));
        let past = &self.values[self.len..self.len + K];
        read.past[..K]
            .iter()
            .zip(past)
            .fold(inside, |acc, (&weight, &order)| acc.add(weight.mul(order)))
    }
}

/// The reads of one k-fold box window from an integrated line (see
/// [`IntegratedLine::reads`]): entries inside the line with their
/// coefficients (unused ones have coefficient 0), and one combined weight
/// per lower-order sum at the line's end for the entries past it.
#[derive(Clone, Copy)]
pub(crate) struct LineRead<V> {
    entries: [(usize, V); MAX_READS],
    past: [V; MAX_READS - 1],
}

impl<V: Wrapping> LineRead<V> {
    /// The read as (index, weight) pairs with a non-zero weight, on a
    /// sequence of `len` entries followed by its k lower-order sums.
    #[inline]
    fn terms<const K: usize>(&self, len: usize) -> impl Iterator<Item = (usize, V)> + '_ {
        let past = self.past[..K].iter().enumerate().map(move |(b, &w)| (len + b, w));
        self.entries[..=K]
            .iter()
            .copied()
            .chain(past)
            .filter(|t| t.1 != V::default())
    }
}

/// Most reads of one window: k + 1 for k = 5 boxes.
const MAX_READS: usize = 6;

/// Rows of positions `origin..` (each `row_len` values), k-times
/// integrated down the columns in place, for the column pass of a uniform
/// sigma: whole rows at a time, so the work runs along memory.
pub(crate) struct IntegratedRows<'a, V> {
    origin: i64,
    rows: &'a [V],
    row_len: usize,
    /// The orders 1..=k at the last row, one row each.
    tail: Vec<V>,
    coefficients: Vec<V>,
}

impl<'a, V: Wrapping> IntegratedRows<'a, V> {
    /// Integrates `rows` (a whole number of rows of `row_len`) in place.
    pub(crate) fn new(boxes: usize, origin: i64, rows: &'a mut [V], row_len: usize) -> Self {
        let mut tail = vec![V::default(); boxes * row_len];
        for row in rows.chunks_exact_mut(row_len.max(1)) {
            let (first, higher) = tail.split_at_mut(row_len);
            first.iter_mut().zip(row.iter()).for_each(|(a, &s)| *a = a.add(s));
            let mut lower: &[V] = first;
            for order in higher.chunks_exact_mut(row_len) {
                order.iter_mut().zip(lower).for_each(|(a, &b)| *a = a.add(b));
                lower = order;
            }
            row.copy_from_slice(lower);
        }
        IntegratedRows {
            origin,
            rows,
            row_len,
            tail,
            coefficients: difference_coefficients(boxes)[..=boxes]
                .iter()
                .map(|&c| V::from_i64(c))
                .collect(),
        }
    }

    /// Adds the k-fold box of width 2n + 1 (`inner` = n) down every column
    /// around row position `p` to `out` (one row), unnormalised.
    pub(crate) fn window_row(&self, p: i64, inner: i64, out: &mut [V], scratch: &mut Vec<V>) {
        let k = self.coefficients.len() - 1;
        let w = 2 * inner + 1;
        let len = (self.rows.len() / self.row_len.max(1)) as i64;
        let last = p + k as i64 * inner - self.origin;
        // Rows past the end are one combination of the lower-order rows
        // there: their weights are summed first, so each is read once.
        let mut past = [V::default(); MAX_READS - 1];
        let mut any_past = false;
        for (i, &ci) in self.coefficients.iter().enumerate() {
            let t = last - i as i64 * w;
            if t < 0 {
                continue;
            } else if t < len {
                let row = &self.rows[t as usize * self.row_len..][..self.row_len];
                out.iter_mut().zip(row).for_each(|(o, &v)| *o = o.add(ci.mul(v)));
            } else {
                let m = (t - len + 1) as u64;
                for (b, weight) in past[..k].iter_mut().enumerate() {
                    *weight = weight.add(V::from_u128(continuation(m, (k - b - 1) as u32)).mul(ci));
                }
                any_past = true;
            }
        }
        if any_past {
            scratch.clear();
            scratch.resize(self.row_len, V::default());
            for (order, &weight) in self.tail.chunks_exact(self.row_len).zip(&past[..k]) {
                scratch
                    .iter_mut()
                    .zip(order)
                    .for_each(|(s, &o)| *s = s.add(weight.mul(o)));
            }
            out.iter_mut().zip(scratch.iter()).for_each(|(o, &v)| *o = o.add(v));
        }
    }
}

/// The weight that the k-fold box of width 2n + 1 (unnormalised, total
/// (2n + 1)^k) puts on offsets <= `u`: the k-th difference of the
/// (k + 1)-times summed unit impulse, C(m + k, k) at m >= 0. Offsets are
/// clamped to the kernel's reach, so every term stays within its span.
fn cumulative_mass(boxes: usize, inner: i64, u: i64) -> i128 {
    let reach = boxes as i64 * inner;
    let w = 2 * inner + 1;
    let u = u.clamp(-reach - 1, reach);
    difference_coefficients(boxes)[..=boxes]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let m = u + reach - i as i64 * w;
            if m < 0 {
                0
            } else {
                c as i128 * continuation(m as u64 + 1, boxes as u32) as i128
            }
        })
        .sum()
}

/// The weight that the k-fold box of width 2n + 1 (unnormalised, total
/// (2n + 1)^k) centred on `p` puts on the axis positions 0..len.
pub(crate) fn axis_mass(boxes: usize, inner: i64, p: i64, len: i64) -> f64 {
    let reach = boxes as i64 * inner;
    if p - reach >= 0 && p + reach < len {
        return ((2 * inner + 1) as f64).powi(boxes as i32);
    }
    (cumulative_mass(boxes, inner, len - 1 - p) - cumulative_mass(boxes, inner, -1 - p)) as f64
}

/// The weights that the k-fold box of width 2n + 1 (unnormalised) centred
/// on `p` puts before position 0 and from position `len` on, exactly: what
/// `Replicate` gives the first and the last sample of the axis.
#[inline]
pub(crate) fn edge_masses(boxes: usize, inner: i64, p: i64, len: i64) -> (u128, u128) {
    let reach = boxes as i64 * inner;
    let before = if p - reach < 0 {
        cumulative_mass(boxes, inner, -1 - p)
    } else {
        0
    };
    let after = if p + reach >= len {
        cumulative_mass(boxes, inner, reach) - cumulative_mass(boxes, inner, len - 1 - p)
    } else {
        0
    };
    (before as u128, after as u128)
}

/// The k-fold box of width 2n + 1 (weights as integers, offsets -k n..=k n),
/// by repeated convolution: the reference the tests compare with.
#[cfg(test)]
pub(crate) fn kfold_box(boxes: usize, inner: i64) -> Vec<i64> {
    let w = (2 * inner + 1) as usize;
    let mut kernel = vec![1i64];
    for _ in 0..boxes {
        let mut next = vec![0i64; kernel.len() + w - 1];
        for (i, &v) in kernel.iter().enumerate() {
            for t in next[i..i + w].iter_mut() {
                *t += v;
            }
        }
        kernel = next;
    }
    kernel
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct_window(image: &[Vec<i64>], boxes: usize, (inner_y, inner_x): (i64, i64), (y, x): (i64, i64)) -> i64 {
        let (kernel_y, kernel_x) = (kfold_box(boxes, inner_y), kfold_box(boxes, inner_x));
        let (reach_y, reach_x) = (boxes as i64 * inner_y, boxes as i64 * inner_x);
        let mut sum = 0;
        for dy in -reach_y..=reach_y {
            for dx in -reach_x..=reach_x {
                let (yy, xx) = (y + dy, x + dx);
                if yy >= 0 && (yy as usize) < image.len() && xx >= 0 && (xx as usize) < image[0].len() {
                    sum += kernel_y[(dy + reach_y) as usize]
                        * kernel_x[(dx + reach_x) as usize]
                        * image[yy as usize][xx as usize];
                }
            }
        }
        sum
    }

    fn check<V: Wrapping>(boxes: usize) {
        let (h, w) = (9usize, 13usize);
        let image: Vec<Vec<i64>> = (0..h)
            .map(|y| (0..w).map(|x| ((y * 31 + x * 17) % 23) as i64 - 5).collect())
            .collect();
        let band = IntegratedBand::<V>::build(boxes, 1, 0..h as i64, 0..w as i64, |row, out| {
            out.copy_from_slice(&image[row as usize])
        });
        for inner in [0, 1, 2, 3, 4, 5].into_iter().flat_map(|n| [(n, n), (n, (n + 2) % 6)]) {
            for y in 0..h as i64 {
                for x in 0..w as i64 {
                    let expect = direct_window(&image, boxes, inner, (y, x));
                    let got = match boxes {
                        1 => band.window::<1>((y, x), inner, 0),
                        2 => band.window::<2>((y, x), inner, 0),
                        3 => band.window::<3>((y, x), inner, 0),
                        4 => band.window::<4>((y, x), inner, 0),
                        _ => band.window::<5>((y, x), inner, 0),
                    }
                    .to_signed_f64();
                    assert_eq!(got, expect as f64, "k {boxes} n {inner:?} at ({y}, {x})");
                }
            }
        }
    }

    /// The weight of offset `d` in the k-fold box of width 2n + 1
    /// (unnormalised): the k-tuples of offsets in -n..=n summing to d,
    /// counted by inclusion-exclusion, in O(k) whatever n.
    fn kfold_weight(k: i128, n: i128, d: i128) -> i128 {
        let choose = |a: i128, b: i128| -> i128 {
            if a < b {
                return 0;
            }
            (0..b).fold(1, |c, i| c * (a - i) / (i + 1))
        };
        let (w, s) = (2 * n + 1, d + k * n);
        (0..=k)
            .map(|j| {
                let rest = s - j * w;
                let sign = if j % 2 == 0 { 1 } else { -1 };
                if rest < 0 {
                    0
                } else {
                    sign * choose(k, j) * choose(rest + k - 1, k - 1)
                }
            })
            .sum()
    }

    /// 1-D windows of a line and of rows (the uniform path) against direct
    /// sums, for windows inside, across and far past either end.
    fn check_lines<V: Wrapping, const K: usize>() {
        let len = 13usize;
        let line: Vec<i64> = (0..len).map(|x| ((x * 17) % 23) as i64 - 5).collect();
        let mut integrated = IntegratedLine::<V>::new(K);
        integrated.fill(0, line.iter().map(|&v| V::from_i64(v)));
        // Rows: the line down a column (one value per row).
        let mut rows: Vec<V> = line.iter().map(|&v| V::from_i64(v)).collect();
        let columns = IntegratedRows::new(K, 0, &mut rows, 1);
        for inner in [0, 1, 2, 5, 40, 100_000] {
            let reads = IntegratedLine::<V>::reads::<K>(0, len, -3..len as i64 + 3, inner);
            for (p, read) in (-3..len as i64 + 3).zip(&reads) {
                let expect: i128 = (0..len as i128)
                    .map(|q| line[q as usize] as i128 * kfold_weight(K as i128, inner as i128, q - p as i128))
                    .sum();
                let expect = V::from_u128(expect as u128);
                assert_eq!(
                    integrated.window_read::<K>(read),
                    expect,
                    "line: k {K} n {inner} at {p}"
                );
                let (mut out, mut scratch) = (vec![V::default()], Vec::new());
                columns.window_row(p, inner, &mut out, &mut scratch);
                assert_eq!(out[0], expect, "rows: k {K} n {inner} at {p}");
            }
        }
    }

    #[test]
    fn line_and_row_windows_equal_direct_sums_far_past_either_end() {
        check_lines::<u64, 1>();
        check_lines::<u64, 2>();
        check_lines::<u64, 3>();
        check_lines::<u128, 3>();
        check_lines::<u128, 4>();
        check_lines::<u128, 5>();
    }

    #[test]
    fn windows_equal_direct_sums_inside_and_past_every_edge() {
        for boxes in 1..=5 {
            check::<u64>(boxes);
            check::<u128>(boxes);
        }
    }

    /// Window sums of a run (two channels, a band whose origin lies
    /// before the image) against direct sums, pixel by pixel: every centre
    /// `inside_columns` admits, and the centres one step past its ends do
    /// read past the table (so the range is as wide as it may be).
    fn check_runs<V: Wrapping, const K: usize>() {
        let (h, w, channels) = (23usize, 31usize, 2usize);
        let origin = (-2i64, -3i64);
        let image: Vec<Vec<i64>> = (0..h)
            .map(|y| (0..w * channels).map(|i| ((y * 29 + i * 13) % 19) as i64 - 7).collect())
            .collect();
        let plane = |ch: usize| -> Vec<Vec<i64>> {
            image
                .iter()
                .map(|row| row.iter().skip(ch).step_by(channels).copied().collect())
                .collect()
        };
        let rows = origin.0..origin.0 + h as i64;
        let cols = origin.1..origin.1 + w as i64;
        let band = IntegratedBand::<V>::build(K, channels, rows, cols, |row, out| {
            out.copy_from_slice(&image[(row - origin.0) as usize])
        });
        let mut runs = 0;
        for inner in 0..=3i64 {
            for y in origin.0 - 2..origin.0 + h as i64 + 2 {
                let xs = band.inside_columns::<K>(y, inner);
                let reach = K as i64 * inner;
                // The k-th difference reads k entries before the window's first.
                let fits =
                    |p: i64, start: i64, len: usize| p - reach - start >= K as i64 && p + reach - start < len as i64;
                if xs.is_empty() {
                    continue;
                }
                runs += 1;
                assert!(fits(y, origin.0, h), "k {K} n {inner}: row {y} admitted");
                assert!(fits(xs.start, origin.1, w) && fits(xs.end - 1, origin.1, w));
                assert!(!fits(xs.start - 1, origin.1, w) && !fits(xs.end, origin.1, w));
                let mut out = vec![V::default(); xs.clone().count() * channels];
                band.run_windows::<K>(y, xs.clone(), inner, &mut out);
                for (i, x) in xs.clone().enumerate() {
                    for ch in 0..channels {
                        let (py, px) = (y - origin.0, x - origin.1);
                        let expect = direct_window(&plane(ch), K, (inner, inner), (py, px));
                        assert_eq!(
                            out[i * channels + ch].to_signed_f64(),
                            expect as f64,
                            "k {K} n {inner} ({y}, {x})"
                        );
                        assert_eq!(out[i * channels + ch], band.window::<K>((y, x), (inner, inner), ch));
                    }
                }
            }
        }
        assert!(runs > 10, "k {K}: only {runs} rows had runs");
    }

    #[test]
    fn run_windows_equal_direct_sums_over_the_widest_range() {
        check_runs::<u64, 1>();
        check_runs::<u64, 2>();
        check_runs::<u64, 3>();
        check_runs::<u128, 3>();
        check_runs::<u64, 4>();
        check_runs::<u64, 5>();
    }

    /// `axis_mass` and `edge_masses` against the kernel's weights summed
    /// over the positions on, before and after the axis.
    #[test]
    fn axis_and_edge_masses_count_the_kernel_weights() {
        for boxes in 1..=5 {
            for inner in 0..5 {
                let kernel = kfold_box(boxes, inner);
                let reach = boxes as i64 * inner;
                for len in 1..12i64 {
                    for p in 0..len {
                        let mass = |keep: &dyn Fn(i64) -> bool| -> u128 {
                            (-reach..=reach)
                                .filter(|d| keep(p + d))
                                .map(|d| kernel[(d + reach) as usize] as u128)
                                .sum()
                        };
                        let case = format!("k {boxes} n {inner} p {p} len {len}");
                        assert_eq!(
                            axis_mass(boxes, inner, p, len),
                            mass(&|q| (0..len).contains(&q)) as f64,
                            "{case}"
                        );
                        assert_eq!(
                            edge_masses(boxes, inner, p, len),
                            (mass(&|q| q < 0), mass(&|q| q >= len)),
                            "{case}"
                        );
                    }
                }
            }
        }
        // A wide kernel on a one-pixel axis: the rest of the weight, halved.
        let side = (2001u128.pow(3) - kfold_weight(3, 1000, 0) as u128) / 2;
        assert_eq!(edge_masses(3, 1000, 0, 1), (side, side));
    }

    #[test]
    fn continuation_is_the_binomial() {
        assert_eq!(continuation(5, 0), 1);
        assert_eq!(continuation(5, 1), 5);
        assert_eq!(continuation(5, 2), 15);
        assert_eq!(continuation(1, 4), 1);
        let m = (1u64 << 31) - 1;
        let expect = (m as u128) * (m as u128 + 1) * (m as u128 + 2) / 6 * (m as u128 + 3) / 4;
        assert_eq!(continuation(m, 4), expect);
        for m in 1..2000u64 {
            for j in 0..=4 {
                let slow = (0..j as u64).fold(1u128, |c, i| c * (m + i) as u128 / (i + 1) as u128);
                assert_eq!(continuation(m, j), slow, "m {m} j {j}");
            }
        }
    }
}
