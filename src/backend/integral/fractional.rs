//! The pixels of a fractional radius r = n + f whose n and n + 1 windows
//! are both rectangles of the table (`Border::Clip`, or windows inside the
//! image), in three passes over a row: the plan (each pixel's prefix rows
//! and columns and blend weights), the reads (the four rectangle sums,
//! exact in the table type, with nothing else in the loop so that many
//! reads are in flight), and the blends and divisions in `f64`. One pass
//! doing all three per pixel measured 2-3x slower: its long body left
//! room for few table reads at once.

use wide::{f32x8, i32x8};

use super::row_plan::Geometry;
use crate::kernel::{BoxTaps, MAX_EXTENT};
use crate::sample::Sample;
use crate::table::{SummedArea, TableValue};

/// One planned pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Planned {
    /// Its column.
    x: usize,
    /// The edge weight f.
    f: f64,
    /// The blend's weight (the divisor).
    den: f64,
    /// Table offsets of the prefix rows: the n window's top and bottom,
    /// then the n + 1 window's.
    rows: [usize; 4],
    /// Table offsets of the prefix columns (channel 0), likewise.
    cols: [usize; 4],
}

/// Scratch space of one row's fractional pixels.
#[derive(Default)]
pub(super) struct FractionalRow<A> {
    /// The planned pixels, left to right.
    pixels: Vec<Planned>,
    /// Per pixel and channel, the window sums of rows n / n + 1 by
    /// columns n / n + 1.
    sums: Vec<[A; 4]>,
}

impl<A: TableValue> FractionalRow<A> {
    /// Computes the pixels of the row `geometry` places (from its first
    /// column on, one per size) that are not yet done (`done` 0) and have a
    /// fractional radius whose windows are rectangles of `table`, into
    /// `out_row`, and marks them done (-1).
    pub(super) fn filter<T: Sample>(
        &mut self,
        table: &SummedArea<A>,
        geometry: &Geometry,
        sizes: &[f32],
        out_row: &mut [T],
        done: &mut [i32],
    ) {
        self.plan(geometry, sizes, done);
        let channels = geometry.channels as usize;
        self.read(table.values(), channels);
        self.write(channels, out_row);
    }

    /// Plans the pixels, 8 at a time with `wide` and the rest one by one.
    fn plan(&mut self, geometry: &Geometry, sizes: &[f32], done: &mut [i32]) {
        self.pixels.clear();
        let whole = sizes.len() / 8 * 8;
        for x in (0..whole).step_by(8) {
            self.plan_eight(&sizes[x..x + 8], x, geometry, &mut done[x..x + 8]);
        }
        for x in whole..sizes.len() {
            self.plan_one(sizes[x], x, geometry, &mut done[x]);
        }
    }

    /// Plans pixel `x` of size `size`, if not `done`.
    #[inline(always)]
    fn plan_one(&mut self, size: f32, x: usize, g: &Geometry, done: &mut i32) {
        if *done != 0 {
            return;
        }
        let BoxTaps {
            inner: n,
            edge_weight: f,
        } = BoxTaps::new(size);
        let (y, x) = (g.y as i64, (g.first_col as usize + x) as i64);
        let (height, width) = (g.height as i64, g.width as i64);
        // The n + 1 window in the image, unless `Clip` clips it.
        let inside = y - n > 0 && y + n + 2 <= height && x - n > 0 && x + n + 2 <= width;
        if f == 0.0 || !(g.clip || inside) {
            return;
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
        let (first_row, stride) = (g.first_row as i64, g.row_stride as i64);
        self.push(
            x as usize - g.first_col as usize,
            f,
            rows.map(|r| (r - first_row) * stride),
            cols.map(|c| c * g.channels as i64),
            [rows, cols].map(|[start, end, wide_start, wide_end]| [end - start, wide_end - wide_start]),
        );
        *done = -1;
    }

    /// [`Self::plan_one`] for the 8 pixels from `x` on: the same values in
    /// `i32` lanes (exact: every position, count and offset fits), pushed
    /// lane by lane in order.
    #[inline(always)]
    fn plan_eight(&mut self, sizes: &[f32], x: usize, g: &Geometry, done: &mut [i32]) {
        let size = f32x8::from(<[f32; 8]>::try_from(sizes).expect("8 sizes"));
        let pending = i32x8::from(<[i32; 8]>::try_from(&*done).expect("8 pixels")).simd_eq(i32x8::splat(0));
        // Sizes at or above MAX_EXTENT are whole (BoxTaps); clamping first
        // keeps the integer arithmetic of those lanes in range.
        let below_max: i32x8 = bytemuck::cast(size.simd_lt(f32x8::splat(MAX_EXTENT as f32)));
        let n = size.min(f32x8::splat(MAX_EXTENT as f32)).trunc_int();
        // Exact: size and n share the exponent range of size.
        let f = size - n.round_float();
        let fractional: i32x8 = bytemuck::cast(f.simd_gt(f32x8::splat(0.0)));
        let (zero, one, two) = (i32x8::splat(0), i32x8::splat(1), i32x8::splat(2));
        let (y, height, width) = (i32x8::splat(g.y), i32x8::splat(g.height), i32x8::splat(g.width));
        let xs = i32x8::splat(g.first_col + x as i32) + i32x8::new([0, 1, 2, 3, 4, 5, 6, 7]);
        let mut planned = pending & below_max & fractional;
        if !g.clip {
            let inside = (y - n).simd_gt(zero)
                & (y + n + two).simd_lt(height + one)
                & (xs - n).simd_gt(zero)
                & (xs + n + two).simd_lt(width + one);
            planned &= inside;
        }
        let mask = planned.to_bitmask();
        if mask == 0 {
            return;
        }
        let ends = |centre: i32x8, len: i32x8| {
            [
                (centre - n).max(zero),
                (centre + n + one).min(len),
                (centre - n - one).max(zero),
                (centre + n + two).min(len),
            ]
        };
        let (rows, cols) = (ends(y, height), ends(xs, width));
        let (first_row, stride) = (i32x8::splat(g.first_row), i32x8::splat(g.row_stride));
        let channels = i32x8::splat(g.channels);
        let [top, bottom, wide_top, wide_bottom] = rows.map(|r| ((r - first_row) * stride).to_array());
        let [left, right, wide_left, wide_right] = cols.map(|c| (c * channels).to_array());
        let counts = |[start, end, wide_start, wide_end]: [i32x8; 4]| {
            [(end - start).to_array(), (wide_end - wide_start).to_array()]
        };
        let ([row_count, wide_row_count], [col_count, wide_col_count]) = (counts(rows), counts(cols));
        let f = f.to_array();
        for lane in 0..8 {
            if mask & (1 << lane) == 0 {
                continue;
            }
            let at = |values: [i32; 8]| values[lane] as i64;
            self.push(
                x + lane,
                f[lane] as f64,
                [at(top), at(bottom), at(wide_top), at(wide_bottom)],
                [at(left), at(right), at(wide_left), at(wide_right)],
                [[at(row_count), at(wide_row_count)], [at(col_count), at(wide_col_count)]],
            );
            done[lane] = -1;
        }
    }

    /// Records one planned pixel: its column, edge weight, table offsets
    /// and, per axis, the in-image counts of its n and n + 1 windows.
    #[inline(always)]
    fn push(&mut self, x: usize, f: f64, rows: [i64; 4], cols: [i64; 4], counts: [[i64; 2]; 2]) {
        // The weight of the blend: separable, as the rectangles are.
        let axis_weight = |[count, wide_count]: [i64; 2]| (1.0 - f) * count as f64 + f * wide_count as f64;
        self.pixels.push(Planned {
            x,
            f,
            den: axis_weight(counts[0]) * axis_weight(counts[1]),
            rows: rows.map(|r| r as usize),
            cols: cols.map(|c| c as usize),
        });
    }

    /// The four window sums of every planned pixel and channel.
    fn read(&mut self, values: &[A], channels: usize) {
        self.sums.clear();
        self.sums.resize(self.pixels.len() * channels, [A::default(); 4]);
        // Every read is a row offset plus a column offset plus a channel:
        // the largest of each bounds them all (the offsets are never
        // negative; a wrapped one would be huge and fail here).
        let last_row = self.pixels.iter().map(|p| p.rows[3]).max().unwrap_or(0);
        let last_col = self.pixels.iter().map(|p| p.cols[3]).max().unwrap_or(0);
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
        for (pixel, sums) in self.pixels.iter().zip(self.sums.chunks_exact_mut(channels)) {
            let [top, bottom, wide_top, wide_bottom] = pixel.rows;
            let [left, right, wide_left, wide_right] = pixel.cols;
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
        for (&Planned { x, f, den, .. }, sums) in self.pixels.iter().zip(self.sums.chunks_exact(channels)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    /// The plan of `sizes` in `geometry`'s row, from the scalar code alone.
    fn plan_scalar(row: &mut FractionalRow<u32>, geometry: &Geometry, sizes: &[f32], done: &mut [i32]) {
        for (x, (&size, done)) in sizes.iter().zip(done).enumerate() {
            row.plan_one(size, x, geometry, done);
        }
    }

    #[test]
    fn simd_plan_equals_scalar_plan() {
        let specials = [
            0.0,
            0.5,
            1.0,
            2.25,
            7.75,
            300.5,
            1e9,
            1e30,
            (MAX_EXTENT - 64) as f32 + 0.5,
            1e-30,
        ];
        for (height, width, channels) in [(1, 1, 1), (9, 23, 1), (40, 61, 3), (50, 17, 2)] {
            let image = Array3::from_shape_fn((height, width, channels), |(y, x, c)| {
                ((y * 31 + x * 7 + c) % 256) as u8
            });
            for y in [0, height / 2, height - 1] {
                let band = y.saturating_sub(20)..(y + 21).min(height);
                let table = SummedArea::<u32>::build(&image.view(), band);
                for seed in 0..4u32 {
                    let sizes: Vec<f32> = (0..width as u32)
                        .map(|i| {
                            let h = (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)).rotate_left(9);
                            if h.is_multiple_of(4) {
                                specials[(h / 4) as usize % specials.len()]
                            } else {
                                (h % 80) as f32 / 4.0
                            }
                        })
                        .collect();
                    let done: Vec<i32> = (0..width)
                        .map(|x| -i32::from((x as u32 + seed).is_multiple_of(5)))
                        .collect();
                    // The whole row, and a block of it from a later column.
                    for (clip, first_col) in [(true, 0), (false, 0), (true, width / 3), (false, width / 3)] {
                        let shape = [height, width, channels];
                        let geometry = Geometry::of(&table, shape, (y, first_col), clip).expect("a small table");
                        let (mut simd, mut scalar) = (FractionalRow::<u32>::default(), FractionalRow::default());
                        let (mut simd_done, mut scalar_done) = (done.clone(), done.clone());
                        let block = &sizes[first_col..];
                        simd.plan(&geometry, block, &mut simd_done[first_col..]);
                        plan_scalar(&mut scalar, &geometry, block, &mut scalar_done[first_col..]);
                        let what = format!("{shape:?} y {y} clip {clip} from {first_col} sizes {sizes:?}");
                        assert_eq!(simd_done, scalar_done, "{what}");
                        assert_eq!(simd.pixels, scalar.pixels, "{what}");
                        if clip && block.len() >= 8 {
                            assert!(!scalar.pixels.is_empty(), "nothing planned: {what}");
                        }
                    }
                }
            }
        }
    }
}
