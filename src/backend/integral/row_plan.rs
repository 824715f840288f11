//! The plan of one output row for the common case: every pixel whose window
//! is a single rectangle of the table (integer radius, and the window inside
//! the image or clipped by `Border::Clip`, or inside the positions an
//! extended table holds past the image's edges) gets its four corner
//! offsets and its weight; the others are marked for the general path.
//!
//! Computing the plan apart from the table reads keeps the loop that reads
//! small, so many reads are in flight at once. The plan has a scalar and a
//! `wide` (8 pixels at a time) form that give identical plans; a test
//! compares them.

use wide::{f32x8, i32x8};

use crate::kernel::MAX_EXTENT;
use crate::table::{SummedArea, TableValue};

/// Where a row lies and how the table is laid out, in `i32`: the plan is
/// used only when every offset and weight fits (see [`Geometry::fits`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    /// Output row.
    pub y: i32,
    pub channels: i32,
    /// Image column of the plan's first pixel (a row's plan may cover a
    /// block of its columns).
    pub first_col: i32,
    /// Image row of the table's first prefix row.
    pub first_row: i32,
    /// Table elements per prefix row.
    pub row_stride: i32,
    /// The table's first prefix column times the channels: an entry's
    /// offset is its row's offset plus its column's
    /// ([`Self::row_offset`], [`Self::col_offset`]).
    pub col_origin: i32,
    /// Windows that leave the image are clipped (Border::Clip).
    pub clip: bool,
    /// The first and last prefix row (a position of the image's axis, or
    /// of the border-extended axis for an extended table) whose table rows
    /// lie one after another from offset 0: plans clamp every window end
    /// to them, and a window within them is one rectangle of the table.
    pub table_rows: (i32, i32),
    /// The first and last prefix column of the table, likewise.
    pub table_cols: (i32, i32),
}

impl Geometry {
    /// The geometry of output row `y`, from column `first_col` on, of an
    /// image of `shape` read from `table`, if every offset fits in `i32`
    /// (else `None`: the row's pixels take the general path).
    pub(crate) fn of<A: TableValue>(
        table: &SummedArea<A>,
        shape: [usize; 3],
        (y, first_col): (usize, usize),
        clip: bool,
    ) -> Option<Self> {
        let [height, width, channels] = shape;
        // Column positions times channels too: a table of a block of
        // columns may be far shorter than a row of the image, and an
        // extended table's columns reach past the image's.
        let column_fits = |col: i64| (col.unsigned_abs() + 1) * (channels as u64) < i32::MAX as u64;
        let columns_fit = [width as i64, table.first_col(), table.last_col()]
            .into_iter()
            .all(column_fits);
        let rows_fit = [table.first_row(), table.last_row()]
            .into_iter()
            .all(|row| row.unsigned_abs() < i32::MAX as u64);
        if !(Self::fits(table.values().len(), height, width) && columns_fit && rows_fit) {
            return None;
        }
        let geometry = Geometry {
            y: y as i32,
            channels: channels as i32,
            first_col: first_col as i32,
            first_row: table.first_row() as i32,
            row_stride: table.row_stride() as i32,
            col_origin: (table.first_col() * channels as i64) as i32,
            clip,
            table_rows: (table.first_row() as i32, table.last_row() as i32),
            table_cols: (table.first_col() as i32, table.last_col() as i32),
        };
        // The table holds every entry up to the last one a plan may read.
        (geometry.reach() + channels <= table.values().len()).then_some(geometry)
    }

    /// The largest corner offset (channel 0) a plan of this geometry
    /// holds: plans clamp every window end to [`Self::table_rows`] and
    /// [`Self::table_cols`], so each corner lies in `0..=reach()`.
    pub(crate) fn reach(&self) -> usize {
        (self.row_offset(self.table_rows.1) + self.col_offset(self.table_cols.1)) as usize
    }

    /// The table offset of image prefix row `row`.
    #[inline(always)]
    pub(crate) fn row_offset(&self, row: i32) -> i32 {
        (row - self.first_row) * self.row_stride
    }

    /// [`Self::row_offset`] on 8 lanes.
    #[inline(always)]
    pub(crate) fn row_offsets(&self, rows: i32x8) -> i32x8 {
        (rows - i32x8::splat(self.first_row)) * i32x8::splat(self.row_stride)
    }

    /// The offset within a table row of image prefix column `col`
    /// (channel 0).
    #[inline(always)]
    pub(crate) fn col_offset(&self, col: i32) -> i32 {
        col * self.channels - self.col_origin
    }

    /// [`Self::col_offset`] on 8 lanes.
    #[inline(always)]
    pub(crate) fn col_offsets(&self, cols: i32x8) -> i32x8 {
        cols * i32x8::splat(self.channels) - i32x8::splat(self.col_origin)
    }

    /// Whether offsets into a table of `table_len` elements, weights and
    /// window ends all fit in `i32`.
    pub(crate) fn fits(table_len: usize, height: usize, width: usize) -> bool {
        let limit = i32::MAX as usize;
        table_len < limit && height < (MAX_EXTENT as usize) && width < (MAX_EXTENT as usize)
    }
}

/// Corner offsets (channel 0) of each pixel's rectangle and its weight
/// (pixel count); weight 0 and corners 0 mark a pixel for the paths outside
/// the plan (which mark the pixels they have done with -1), so that every
/// pixel's corners may be read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct RowPlan {
    pub bottom_right: Vec<i32>,
    pub bottom_left: Vec<i32>,
    pub top_right: Vec<i32>,
    pub top_left: Vec<i32>,
    pub weight: Vec<i32>,
    /// The largest corner the plan may hold ([`Geometry::reach`]; 0 when
    /// nothing is planned): every corner lies in `0..=reach`.
    pub reach: usize,
}

impl RowPlan {
    /// Sizes the plan for `width` pixels; entries keep stale values, which
    /// planning overwrites (every weight and every corner).
    fn reset(&mut self, width: usize) {
        for v in self.entries() {
            v.resize(width, 0);
        }
    }

    /// The four corners and the weight, each a value per pixel.
    fn entries(&mut self) -> [&mut Vec<i32>; 5] {
        [
            &mut self.bottom_right,
            &mut self.bottom_left,
            &mut self.top_right,
            &mut self.top_left,
            &mut self.weight,
        ]
    }

    /// Plans the row of `sizes` (one per pixel), 8 pixels at a time with
    /// `wide` and the remainder with the scalar code.
    pub(crate) fn plan(&mut self, sizes: &[f32], geometry: &Geometry) {
        self.reset(sizes.len());
        self.reach = geometry.reach();
        let lanes = sizes.len() / 8 * 8;
        for x in (0..lanes).step_by(8) {
            self.plan_eight(sizes, x, geometry);
        }
        for (x, &size) in sizes.iter().enumerate().skip(lanes) {
            self.plan_one(size, x, geometry);
        }
    }

    /// Plans no pixel: all take the general path.
    pub(crate) fn plan_none(&mut self, width: usize) {
        self.reset(width);
        for v in self.entries() {
            v.fill(0);
        }
        self.reach = 0;
    }

    /// Plans the row with the scalar code alone (the reference for the SIMD path).
    #[cfg(test)]
    pub(crate) fn plan_scalar(&mut self, sizes: &[f32], geometry: &Geometry) {
        self.reset(sizes.len());
        self.reach = geometry.reach();
        for (x, &size) in sizes.iter().enumerate() {
            self.plan_one(size, x, geometry);
        }
    }

    #[inline(always)]
    fn plan_one(&mut self, size: f32, x: usize, g: &Geometry) {
        self.weight[x] = 0;
        self.bottom_right[x] = 0;
        self.bottom_left[x] = 0;
        self.top_right[x] = 0;
        self.top_left[x] = 0;
        let whole = size as i32;
        // An integer below MAX_EXTENT (where BoxTaps would clamp).
        if whole as f32 != size || whole as i64 >= MAX_EXTENT {
            return;
        }
        let (n, x) = (whole, g.first_col + x as i32);
        // Window ends clamped to the table's prefix rows and columns: the
        // image's ends wherever the table holds what the strip's windows
        // reach, and every corner the plan holds is then in the table.
        let ((row_lo, row_hi), (col_lo, col_hi)) = (g.table_rows, g.table_cols);
        let rows = |end: i32| end.max(row_lo).min(row_hi);
        let cols = |end: i32| end.max(col_lo).min(col_hi);
        let (top, bottom) = (rows(g.y - n), rows(g.y + n + 1));
        let (left, right) = (cols(x - n), cols(x + n + 1));
        let (rows, cols) = (bottom - top, right - left);
        if !g.clip && (rows != 2 * n + 1 || cols != 2 * n + 1) {
            return;
        }
        let (top, bottom) = (g.row_offset(top), g.row_offset(bottom));
        let (left, right) = (g.col_offset(left), g.col_offset(right));
        let x = (x - g.first_col) as usize;
        self.bottom_right[x] = bottom + right;
        self.bottom_left[x] = bottom + left;
        self.top_right[x] = top + right;
        self.top_left[x] = top + left;
        self.weight[x] = rows * cols;
    }

    #[inline(always)]
    fn plan_eight(&mut self, sizes: &[f32], x: usize, g: &Geometry) {
        let size = f32x8::from(&sizes[x..x + 8]);
        // Sizes at or above MAX_EXTENT leave the plan; clamping first keeps
        // the integer arithmetic of those lanes in range.
        let below_max = size.simd_lt(f32x8::splat(MAX_EXTENT as f32));
        let whole = size.min(f32x8::splat(MAX_EXTENT as f32)).trunc_int();
        let integer: i32x8 = bytemuck::cast(whole.round_float().simd_eq(size) & below_max);
        let n = whole;
        let xs = i32x8::splat(g.first_col + x as i32) + i32x8::new([0, 1, 2, 3, 4, 5, 6, 7]);
        let one = i32x8::splat(1);
        let y = i32x8::splat(g.y);
        let (row_lo, row_hi) = (i32x8::splat(g.table_rows.0), i32x8::splat(g.table_rows.1));
        let (col_lo, col_hi) = (i32x8::splat(g.table_cols.0), i32x8::splat(g.table_cols.1));
        let top = (y - n).max(row_lo).min(row_hi);
        let bottom = (y + n + one).max(row_lo).min(row_hi);
        let left = (xs - n).max(col_lo).min(col_hi);
        let right = (xs + n + one).max(col_lo).min(col_hi);
        let (rows, cols) = (bottom - top, right - left);
        let planned = if g.clip {
            integer
        } else {
            let span = n + n + one;
            integer & rows.simd_eq(span) & cols.simd_eq(span)
        };
        let (top, bottom) = (g.row_offsets(top), g.row_offsets(bottom));
        let (left, right) = (g.col_offsets(left), g.col_offsets(right));
        // Whole lanes are stored; unplanned ones get weight 0 and corners 0.
        let weight = (rows * cols) & planned;
        let lanes = x..x + 8;
        self.bottom_right[lanes.clone()].copy_from_slice(&((bottom + right) & planned).to_array());
        self.bottom_left[lanes.clone()].copy_from_slice(&((bottom + left) & planned).to_array());
        self.top_right[lanes.clone()].copy_from_slice(&((top + right) & planned).to_array());
        self.top_left[lanes.clone()].copy_from_slice(&((top + left) & planned).to_array());
        self.weight[lanes].copy_from_slice(&weight.to_array());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes that hit every branch: integers, fractions, zero, huge, and
    /// values around MAX_EXTENT.
    fn sizes(len: usize, seed: u32) -> Vec<f32> {
        let specials = [
            0.0,
            1.0,
            2.5,
            7.0,
            300.0,
            1e9,
            1e30,
            (MAX_EXTENT - 64) as f32,
            MAX_EXTENT as f32,
            0.25,
        ];
        (0..len as u32)
            .map(|i| {
                let h = (i.wrapping_mul(2_654_435_761) ^ seed).rotate_left(7);
                if h.is_multiple_of(3) {
                    specials[(h / 3) as usize % specials.len()]
                } else {
                    (h % 40) as f32
                }
            })
            .collect()
    }

    #[test]
    fn simd_plan_equals_scalar_plan() {
        for width in [0usize, 1, 7, 8, 9, 16, 23, 61] {
            for (height, y, first_row) in [(1, 0, 0), (50, 0, 0), (50, 25, 3), (50, 49, 10)] {
                for clip in [true, false] {
                    for channels in [1, 3] {
                        // The whole row, and a block of it from a later column.
                        for first_col in [0, width / 3] {
                            let geometry = Geometry {
                                y,
                                channels,
                                first_col: first_col as i32,
                                first_row,
                                row_stride: (width as i32 + 1) * channels,
                                col_origin: 0,
                                clip,
                                table_rows: (first_row, height),
                                table_cols: (0, width as i32),
                            };
                            let row = &sizes(width, (y * 31 + width as i32) as u32)[first_col..];
                            let (mut simd, mut scalar) = (RowPlan::default(), RowPlan::default());
                            simd.plan(row, &geometry);
                            scalar.plan_scalar(row, &geometry);
                            assert_eq!(simd, scalar, "{geometry:?} {row:?}");
                            for (x, &weight) in scalar.weight.iter().enumerate() {
                                let corners = [
                                    scalar.bottom_right[x],
                                    scalar.bottom_left[x],
                                    scalar.top_right[x],
                                    scalar.top_left[x],
                                ];
                                if weight == 0 {
                                    assert_eq!(corners, [0; 4], "pixel {x} of {geometry:?}");
                                }
                            }
                            if clip && !row.is_empty() {
                                assert!(scalar.weight.iter().any(|&w| w > 0), "nothing planned");
                            }
                        }
                    }
                }
            }
        }
    }
}
