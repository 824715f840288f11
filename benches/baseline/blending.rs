//! The 3 x 3 box blending approach the users found (bench and comparison
//! code only, not part of the crate): blur the whole image with a 3 x 3 box
//! (reflect-101 border) many times, and after each pass move every pixel a
//! fraction of the way towards the blurred value, the fraction set by its
//! sigma. Its cost grows with the largest sigma squared.

use ndarray::{Array2, ArrayView2};

/// Reflect-101 index (`dcb|abcd|cba`) for |overshoot| <= 1.
fn reflect(q: isize, len: usize) -> usize {
    if len == 1 {
        0
    } else if q < 0 {
        1
    } else if q as usize >= len {
        len - 2
    } else {
        q as usize
    }
}

/// One 3 x 3 mean with the reflect-101 border, separably: row sums into
/// `rows`, then column sums into `out` (contiguous arrays).
fn box3(image: &Array2<f64>, rows: &mut Array2<f64>, out: &mut Array2<f64>) {
    let (h, w) = image.dim();
    for (src, dst) in image.rows().into_iter().zip(rows.rows_mut()) {
        let (src, dst) = (src.to_slice().unwrap(), dst.into_slice().unwrap());
        for x in 0..w {
            dst[x] = src[reflect(x as isize - 1, w)] + src[x] + src[reflect(x as isize + 1, w)];
        }
    }
    let rows = rows.as_slice().unwrap();
    let out = out.as_slice_mut().unwrap();
    for y in 0..h {
        let (up, down) = (reflect(y as isize - 1, h), reflect(y as isize + 1, h));
        let (a, b, c) = (&rows[up * w..][..w], &rows[y * w..][..w], &rows[down * w..][..w]);
        for (x, o) in out[y * w..][..w].iter_mut().enumerate() {
            *o = (a[x] + b[x] + c[x]) / 9.0;
        }
    }
}

/// The blending approach, as published: `passes = ceil(max(2 sigma^2 / (4/3))) * 3`,
/// per-pass blend weight `(2 sigma^2 / (4/3)) / passes`.
pub fn blending_blur(image: ArrayView2<'_, f64>, sigma: ArrayView2<'_, f32>) -> Array2<f64> {
    let variance = 4.0 / 3.0;
    let blurs = sigma.mapv(|s| 2.0 * (s as f64) * (s as f64) / variance);
    let largest = blurs.iter().copied().fold(0.0, f64::max);
    let passes = largest.ceil() as usize * 3;
    let mut current = image.to_owned();
    if passes == 0 {
        return current;
    }
    let weight = blurs.mapv(|b| b / passes as f64);
    let (mut next, mut rows) = (current.clone(), current.clone());
    for _ in 0..passes {
        box3(&current, &mut rows, &mut next);
        ndarray::Zip::from(&mut current)
            .and(&next)
            .and(&weight)
            .for_each(|c, &n, &w| *c = n * w + *c * (1.0 - w));
    }
    current
}
