//! The pixels of a fractional radius r = n + f whose n and n + 1 windows
//! are both rectangles of the table (`Border::Clip`, or windows inside the
//! image), in three passes over a row: the plan (each pixel's prefix rows
//! and columns and blend weights), the reads (the four rectangle sums,
//! exact in the table type, with nothing else in the loop so that many
//! reads are in flight), and the blends and divisions in `f64`. One pass
//! doing all three per pixel measured 2-3x slower: its long body left
//! room for few table reads at once.

use crate::kernel::BoxTaps;
use crate::sample::Sample;
use crate::table::{SummedArea, TableValue};

/// Scratch space of one row's fractional pixels.
#[derive(Default)]
pub(super) struct FractionalRow<A> {
    /// Column of each planned pixel.
    columns: Vec<usize>,
    /// Table offsets of the prefix rows: n window's top and bottom, then
    /// the n + 1 window's.
    rows: Vec<[usize; 4]>,
    /// Table offsets of the prefix columns (channel 0), likewise.
    cols: Vec<[usize; 4]>,
    /// The edge weight f and the blend's weight (the divisor).
    weights: Vec<(f64, f64)>,
    /// Per pixel and channel, the window sums of rows n / n + 1 by
    /// columns n / n + 1.
    sums: Vec<[A; 4]>,
}

impl<A: TableValue> FractionalRow<A> {
    /// Computes the pixels of output row `y` that are not yet done (`done`
    /// 0) and have a fractional radius whose windows are rectangles of
    /// `table`, into `out_row`, and marks them done (-1).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn filter<T: Sample>(
        &mut self,
        table: &SummedArea<A>,
        clip: bool,
        [height, width, channels]: [usize; 3],
        y: usize,
        sizes: &[f32],
        out_row: &mut [T],
        done: &mut [i32],
    ) {
        self.plan(table, clip, [height, width, channels], y, sizes, done);
        self.read(table.values(), channels);
        self.write(channels, out_row);
    }

    fn plan(
        &mut self,
        table: &SummedArea<A>,
        clip: bool,
        [height, width, channels]: [usize; 3],
        y: usize,
        sizes: &[f32],
        done: &mut [i32],
    ) {
        self.columns.clear();
        self.rows.clear();
        self.cols.clear();
        self.weights.clear();
        let (first_row, stride) = (table.first_row() as i64, table.row_stride() as i64);
        let (y, height, width) = (y as i64, height as i64, width as i64);
        for (x, (&size, done)) in (0i64..).zip(sizes.iter().zip(done)) {
            if *done != 0 {
                continue;
            }
            let BoxTaps {
                inner: n,
                edge_weight: f,
            } = BoxTaps::new(size);
            // The n + 1 window in the image, unless `Clip` clips it.
            let inside = y - n > 0 && y + n + 2 <= height && x - n > 0 && x + n + 2 <= width;
            if f == 0.0 || !(clip || inside) {
                continue;
            }
            // Per axis, the in-image ends of the n and n + 1 windows (the
            // first position and one past the last).
            let ends = |centre: i64, len: i64| {
                [
                    (centre - n).max(0),
                    (centre + n + 1).min(len),
                    (centre - n - 1).max(0),
                    (centre + n + 2).min(len),
                ]
            };
            let (rows, cols) = (ends(y, height), ends(x, width));
            // The weight of the blend: separable, as the rectangles are.
            let axis_weight = |[start, end, wide_start, wide_end]: [i64; 4]| {
                (1.0 - f) * (end - start) as f64 + f * (wide_end - wide_start) as f64
            };
            self.weights.push((f, axis_weight(rows) * axis_weight(cols)));
            self.rows.push(rows.map(|r| ((r - first_row) * stride) as usize));
            self.cols.push(cols.map(|c| (c * channels as i64) as usize));
            self.columns.push(x as usize);
            *done = -1;
        }
    }

    /// The four window sums of every planned pixel and channel.
    fn read(&mut self, values: &[A], channels: usize) {
        self.sums.clear();
        self.sums.resize(self.rows.len() * channels, [A::default(); 4]);
        // Every read is a row offset plus a column offset plus a channel:
        // the largest of each bounds them all (the offsets are never
        // negative; a wrapped one would be huge and fail here).
        let last_row = self.rows.iter().map(|rows| rows[3]).max().unwrap_or(0);
        let last_col = self.cols.iter().map(|cols| cols[3]).max().unwrap_or(0);
        assert!(
            last_row.checked_add(last_col).and_then(|end| end.checked_add(channels)) <= Some(values.len()),
            "fractional plan reads outside the table"
        );
        // SAFETY: rows[0] <= rows[1] <= rows[3] and rows[2] <= rows[3] (the
        // n window within the n + 1 one, ends clamped alike), the same for
        // the columns, so every index below is at most last_row + last_col
        // + channels - 1 < values.len() by the check above. Unchecked reads
        // measured 15 % faster on this pass (16 reads per pixel).
        let at = |index: usize| unsafe { *values.get_unchecked(index) };
        let window = |[top, bottom]: [usize; 2], [left, right]: [usize; 2]| {
            at(bottom + right)
                .sub(at(bottom + left))
                .sub(at(top + right).sub(at(top + left)))
        };
        let pixels = self
            .rows
            .iter()
            .zip(&self.cols)
            .zip(self.sums.chunks_exact_mut(channels));
        for ((&[top, bottom, wide_top, wide_bottom], &[left, right, wide_left, wide_right]), sums) in pixels {
            for (ch, sums) in sums.iter_mut().enumerate() {
                let (rows, wide_rows) = ([top + ch, bottom + ch], [wide_top + ch, wide_bottom + ch]);
                let (cols, wide_cols) = ([left, right], [wide_left, wide_right]);
                *sums = [
                    window(rows, cols),
                    window(rows, wide_cols),
                    window(wide_rows, cols),
                    window(wide_rows, wide_cols),
                ];
            }
        }
    }

    /// The blended means into their pixels of `out_row`.
    fn write<T: Sample>(&self, channels: usize, out_row: &mut [T]) {
        let pixels = self
            .columns
            .iter()
            .zip(&self.weights)
            .zip(self.sums.chunks_exact(channels));
        for ((&x, &(f, den)), sums) in pixels {
            let weights = [1.0 - f, f];
            for (out, sums) in out_row[x * channels..(x + 1) * channels].iter_mut().zip(sums) {
                let mut num = 0.0;
                for (i, weight_y) in weights.iter().enumerate() {
                    for (j, weight_x) in weights.iter().enumerate() {
                        num += weight_y * weight_x * sums[2 * i + j].to_f64();
                    }
                }
                *out = T::from_f64(num / den);
            }
        }
    }
}
