//! `Replicate` without padding: a window that reaches past an edge reads
//! the edge sample there, so per axis the kernel splits into its weight
//! before the first position, on the axis, and after the last. In 2-D
//! that is nine parts: the window on the image (the `Clip` table sum),
//! the four edge lines (1-D windows down the first and last column and
//! along the first and last row) and the four corners, each times the
//! product of its two axis weights. The tables then cover the image only,
//! so the cost does not grow with the kernel's reach.

use std::ops::Range;

use super::BandSamples;
use super::integrated::{IntegratedBand, IntegratedLine, IntegratedRows, Quantizer, ReadCaches, Wrapping, edge_masses};
use super::plan::PixelKernel;
use crate::sample::Sample;

/// How one axis splits a pixel's kernel (normalised, summing to 1): the
/// weight before the axis, the weight on it per unit of the unnormalised
/// in-axis window sum, and the weight after it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AxisSplit {
    before: f64,
    per_inside: f64,
    after: f64,
}

impl AxisSplit {
    /// The split of the k-fold box of width 2n + 1 centred on `p` of an
    /// axis of `len` positions, exact from the integer weights.
    ///
    /// `stretch` (in (0, 1]) is the planner's capped sigma over the pixel's
    /// sigma (see `Planner::stretch`): beyond the cap the kernel is flat
    /// over the image, and a wider flat kernel moves weight from the axis
    /// to either side in proportion to the distance to the far edge; so
    /// the output keeps moving towards the edge samples as sigma grows.
    pub(crate) fn new(boxes: usize, inner: i64, p: i64, len: i64, stretch: f64) -> Self {
        let total = ((2 * inner + 1) as f64).powi(boxes as i32);
        let (before, after) = edge_masses(boxes, inner, p, len);
        let (before, after) = (before as f64, after as f64);
        let inside = total - before - after;
        let (mut b, mut m, mut a) = (before / total, inside / total, after / total);
        if stretch < 1.0 {
            let moved = (1.0 - stretch) * m;
            b += moved * (p as f64 + 0.5) / len as f64;
            a += moved * (len as f64 - p as f64 - 0.5) / len as f64;
            m *= stretch;
        }
        AxisSplit {
            before: b,
            per_inside: m / inside,
            after: a,
        }
    }
}

/// The edge lines of the image, k times integrated, and its corners, per
/// channel, in the table's integer units.
pub(crate) struct ReplicateEdges<V> {
    /// Columns 0 and width - 1 over the band's image rows.
    left: Vec<IntegratedLine<V>>,
    right: Vec<IntegratedLine<V>>,
    /// Rows 0 and height - 1 over every column, where the band holds them.
    top: Vec<IntegratedLine<V>>,
    bottom: Vec<IntegratedLine<V>>,
    /// Top-left, top-right, bottom-left, bottom-right, in sample units.
    corners: Vec<[f64; 4]>,
    quantizer: Quantizer,
    boxes: usize,
    size: (i64, i64),
}

/// One axis's part of a pixel's kernel, which the neighbours along the
/// other axis share: the axis split, and per channel the two edge windows
/// that run across it (the first and last column's at a row, or the first
/// and last row's at a column).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AxisPart {
    key: (i64, u64),
    pub split: AxisSplit,
    pub windows: [[f64; 2]; crate::MAX_CHANNELS],
}

impl<V: Wrapping> ReplicateEdges<V> {
    /// The edges of an image of `height` x `width` (> 0) seen from a band
    /// whose image rows are `rows` (non-empty).
    pub(crate) fn build<T: Sample>(
        band: &BandSamples<T>,
        (height, width): (i64, i64),
        rows: Range<i64>,
        quantizer: Quantizer,
        boxes: usize,
    ) -> Self {
        let channels = band.channels;
        let integer = |v: T| -> V {
            let v = v.to_f64();
            V::from_i64(if v.is_finite() { quantizer.quantize(v) } else { 0 })
        };
        let at = |y: i64, x: i64, ch: usize| band.row(y)[(x - band.cols.start) as usize * channels + ch];
        let column = |x: i64, ch: usize| {
            let mut line = IntegratedLine::new(boxes);
            line.fill(rows.start, rows.clone().map(|y| integer(at(y, x, ch))));
            line
        };
        let row = |y: i64, ch: usize| {
            let mut line = IntegratedLine::new(boxes);
            line.fill(0, (0..width).map(|x| integer(at(y, x, ch))));
            line
        };
        let holds = |y: i64| rows.contains(&y);
        let restored = |y: i64, x: i64, ch: usize| quantizer.restore(integer(at(y, x, ch)).to_signed_f64());
        ReplicateEdges {
            left: (0..channels).map(|ch| column(0, ch)).collect(),
            right: (0..channels).map(|ch| column(width - 1, ch)).collect(),
            top: (0..channels).filter(|_| holds(0)).map(|ch| row(0, ch)).collect(),
            bottom: (0..channels)
                .filter(|_| holds(height - 1))
                .map(|ch| row(height - 1, ch))
                .collect(),
            corners: (0..channels)
                .map(|ch| {
                    // Rows the band does not hold get no weight (the band
                    // holds every row a kernel reaches).
                    let value = |y: i64, x: i64| if holds(y) { restored(y, x, ch) } else { 0.0 };
                    [
                        value(0, 0),
                        value(0, width - 1),
                        value(height - 1, 0),
                        value(height - 1, width - 1),
                    ]
                })
                .collect(),
            quantizer,
            boxes,
            size: (height, width),
        }
    }

    /// The part of row `y` for a box of half-width `inner`, from `cache`
    /// where it was worked out for the same box (and kept there).
    pub(crate) fn row_part<const K: usize>(
        &self,
        cache: &mut Option<AxisPart>,
        y: i64,
        inner: i64,
        stretch: f64,
    ) -> AxisPart {
        self.part::<K>(cache, (inner, stretch.to_bits()), |ch| {
            let split = AxisSplit::new(self.boxes, inner, y, self.size.0, stretch);
            (split, self.column_windows::<K>(y, inner, ch))
        })
    }

    /// The part of column `x` likewise.
    pub(crate) fn column_part<const K: usize>(
        &self,
        cache: &mut Option<AxisPart>,
        x: i64,
        inner: i64,
        stretch: f64,
    ) -> AxisPart {
        self.part::<K>(cache, (inner, stretch.to_bits()), |ch| {
            let split = AxisSplit::new(self.boxes, inner, x, self.size.1, stretch);
            (split, self.row_windows::<K>(x, inner, ch))
        })
    }

    fn part<const K: usize>(
        &self,
        cache: &mut Option<AxisPart>,
        key: (i64, u64),
        work: impl Fn(usize) -> (AxisSplit, [f64; 2]),
    ) -> AxisPart {
        if let Some(part) = cache.filter(|part| part.key == key) {
            return part;
        }
        let mut part = AxisPart {
            key,
            split: AxisSplit::default(),
            windows: [[0.0; 2]; crate::MAX_CHANNELS],
        };
        for (ch, windows) in part.windows[..self.corners.len()].iter_mut().enumerate() {
            (part.split, *windows) = work(ch);
        }
        *cache = Some(part);
        part
    }

    fn window<const K: usize>(&self, lines: &[IntegratedLine<V>], p: i64, inner: i64, ch: usize) -> f64 {
        // A line the band does not hold has no weight (see `corners`).
        lines.get(ch).map_or(0.0, |line| {
            self.quantizer.restore(line.window::<K>(p, inner).to_signed_f64())
        })
    }

    /// The 1-D windows down the first and last column at row `y`, in sample units.
    pub(crate) fn column_windows<const K: usize>(&self, y: i64, inner: i64, ch: usize) -> [f64; 2] {
        [
            self.window::<K>(&self.left, y, inner, ch),
            self.window::<K>(&self.right, y, inner, ch),
        ]
    }

    /// The 1-D windows along the first and last row at column `x`.
    pub(crate) fn row_windows<const K: usize>(&self, x: i64, inner: i64, ch: usize) -> [f64; 2] {
        [
            self.window::<K>(&self.top, x, inner, ch),
            self.window::<K>(&self.bottom, x, inner, ch),
        ]
    }

    /// The normalised output of one box: `window` is the unnormalised
    /// in-image window sum in sample units, `columns` and `rows` the edge
    /// windows at the pixel (from [`ReplicateEdges::column_windows`] and
    /// [`ReplicateEdges::row_windows`]).
    #[inline]
    pub(crate) fn value(
        &self,
        window: f64,
        (ys, xs): (&AxisSplit, &AxisSplit),
        columns: [f64; 2],
        rows: [f64; 2],
        ch: usize,
    ) -> f64 {
        let c = &self.corners[ch];
        ys.per_inside * (xs.per_inside * window + xs.before * columns[0] + xs.after * columns[1])
            + xs.per_inside * (ys.before * rows[0] + ys.after * rows[1])
            + ys.before * (xs.before * c[0] + xs.after * c[1])
            + ys.after * (xs.before * c[2] + xs.after * c[3])
    }

    /// One pixel's boxes (of `plan`) with the Replicate border, per channel
    /// into `boxed`: per box, its weight times its normalised nine parts,
    /// the in-image part read from `table` (through `reads`) at pixel
    /// `(py, px)`, the axis parts kept in `parts` (the row's, the
    /// column's) for the neighbours with the same box.
    pub(crate) fn pixel_boxes<const K: usize>(
        &self,
        table: &IntegratedBand<V>,
        plan: &PixelKernel,
        (py, px, stretch): (i64, i64, f64),
        (row_parts, column_parts): (&mut [Option<AxisPart>; 2], &mut [Option<AxisPart>; 2]),
        reads: &mut ReadCaches<V>,
        boxed: &mut [f64],
    ) {
        boxed.fill(0.0);
        for (slot, &(inner, weight)) in plan.boxes.iter().enumerate().filter(|b| b.1.1 > 0.0) {
            let down = self.row_part::<K>(&mut row_parts[slot], py, inner, stretch);
            let along = self.column_part::<K>(&mut column_parts[slot], px, inner, stretch);
            for (ch, value) in boxed.iter_mut().enumerate() {
                let cache = reads.at(px as usize, slot);
                let window = table.window_cached::<K>((py, px), (inner, inner), ch, cache);
                let window = window.to_signed_f64();
                let splits = (&down.split, &along.split);
                let (columns, rows) = (down.windows[ch], along.windows[ch]);
                *value += weight * self.value(self.quantizer.restore(window), splits, columns, rows, ch);
            }
        }
    }

    /// Adds `weight` times one k-fold box of half-width `inner` of a
    /// uniform kernel to `boxed` (output `rows` x width x channels): the
    /// nine parts of each pixel's kernel, the in-image part from `columns`
    /// (the pass along the rows, integrated down the columns).
    pub(crate) fn add_uniform_box<const K: usize>(
        &self,
        columns: &IntegratedRows<'_, V>,
        rows: &Range<usize>,
        (inner, weight, stretch): (i64, f64, f64),
        boxed: &mut [f64],
    ) {
        let (height, width) = self.size;
        let channels = self.corners.len();
        let row_len = width as usize * channels;
        let x_splits: Vec<AxisSplit> = (0..width)
            .map(|x| AxisSplit::new(self.boxes, inner, x, width, stretch))
            .collect();
        let row_windows: Vec<[f64; 2]> = (0..row_len)
            .map(|i| self.row_windows::<K>((i / channels) as i64, inner, i % channels))
            .collect();
        let (mut sums, mut scratch) = (vec![V::default(); row_len], Vec::new());
        for (j, y) in rows.clone().enumerate() {
            sums.fill(V::default());
            columns.window_row(y as i64, inner, &mut sums, &mut scratch);
            let y_split = AxisSplit::new(self.boxes, inner, y as i64, height, stretch);
            let mut column_windows = [[0.0; 2]; crate::MAX_CHANNELS];
            for (ch, windows) in column_windows[..channels].iter_mut().enumerate() {
                *windows = self.column_windows::<K>(y as i64, inner, ch);
            }
            let out_row = &mut boxed[j * row_len..(j + 1) * row_len];
            for (i, (b, s)) in out_row.iter_mut().zip(&sums).enumerate() {
                let (x, ch) = (i / channels, i % channels);
                let window = self.quantizer.restore(s.to_signed_f64());
                let splits = (&y_split, &x_splits[x]);
                *b += weight * self.value(window, splits, column_windows[ch], row_windows[i], ch);
            }
        }
    }
}
