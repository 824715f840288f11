//! The stack of uniform levels and the weights that blend four of them into
//! the Gaussian of any sigma.
//!
//! Level 0 is the identity (sigma 0); level j >= 1 has sigma
//! 0.5 * 2^((j - 1) / 4), four levels per octave. A sigma s with
//! sigma_i <= s < sigma_(i+1) blends the levels i - 1 .. i + 2 (0 .. 3 for
//! i = 0), so at s = sigma_i every blend reduces to level i alone and the
//! weights move continuously with s.
//!
//! The weights minimise the L2 norm of the difference between the blended
//! 2-D kernel and the exact one (normalised, truncated, sampled), with sum
//! 1 so that constants stay constant. The kernels are separable, so the
//! Gram matrix of the 2-D kernels is the square, entry by entry, of the
//! 1-D inner products. They are tabulated once, at [`TABLE_STEPS`] points
//! of every level interval, and read by linear interpolation. Above
//! sigma 16 the error of the fit no longer depends on the scale, so the
//! intervals of one octave there serve every octave above it.

use std::sync::OnceLock;

use crate::kernel::GaussianTaps;

/// Levels per octave.
pub(crate) const PER_OCTAVE: usize = 4;
/// Levels blended per pixel.
pub(crate) const BLENDED: usize = 4;
/// Sigma of level 1 (the levels below the first octave are level 0 alone).
const FIRST_SIGMA: f64 = 0.5;
/// Table points per level interval, past its first.
const TABLE_STEPS: usize = 128;
/// The first interval whose weights repeat one octave up: the interval
/// starting at sigma 16.
const SCALE_FREE_INTERVAL: usize = 1 + 5 * PER_OCTAVE;
/// Intervals tabulated: those below [`SCALE_FREE_INTERVAL`] and one octave
/// from it.
const TABULATED: usize = SCALE_FREE_INTERVAL + PER_OCTAVE;

/// The sigma of level `j`.
pub(crate) fn level_sigma(j: usize) -> f64 {
    static SIGMAS: OnceLock<[f64; LISTED]> = OnceLock::new();
    match SIGMAS.get_or_init(|| std::array::from_fn(computed_sigma)).get(j) {
        Some(&sigma) => sigma,
        None => computed_sigma(j),
    }
}

/// Levels whose sigma [`level_sigma`] reads from a list (every sigma
/// below 2^30) instead of computing a power of two per call.
const LISTED: usize = 128;

/// The sigma of level `j`, computed.
fn computed_sigma(j: usize) -> f64 {
    if j == 0 {
        0.0
    } else {
        FIRST_SIGMA * ((j - 1) as f64 / PER_OCTAVE as f64).exp2()
    }
}

/// The interval of `sigma` (finite, >= 0): i with sigma_i <= sigma <
/// sigma_(i+1), and where sigma lies in it, 0 at sigma_i up to 1.
pub(crate) fn interval(sigma: f64) -> (usize, f64) {
    if sigma < FIRST_SIGMA {
        return (0, sigma / FIRST_SIGMA);
    }
    let mut i = 1 + octave_guess(sigma / FIRST_SIGMA);
    // The guess may land one interval off near a level.
    while i > 1 && level_sigma(i) > sigma {
        i -= 1;
    }
    while level_sigma(i + 1) <= sigma {
        i += 1;
    }
    let (low, high) = (level_sigma(i), level_sigma(i + 1));
    (i, ((sigma - low) / (high - low)).clamp(0.0, 1.0))
}

/// About PER_OCTAVE log2(`ratio`) (`ratio` >= 1), rounded down, from the
/// binary exponent of `ratio` and its mantissa against the levels' steps
/// within an octave: no logarithm per pixel.
fn octave_guess(ratio: f64) -> usize {
    if !ratio.is_normal() {
        return 0;
    }
    let exponent = ((ratio.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    let mantissa = f64::from_bits((ratio.to_bits() & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let within = (1..PER_OCTAVE)
        .filter(|&k| FIRST_SIGMA * mantissa >= level_sigma(1 + k))
        .count();
    (exponent.max(0) as usize) * PER_OCTAVE + within
}

/// The first of the [`BLENDED`] levels that the sigmas of interval `i` blend.
pub(crate) fn first_blended(i: usize) -> usize {
    i.saturating_sub(1)
}

/// The blend of one sigma: the first level and the weights of it and the
/// next [`BLENDED`] - 1 levels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Blend {
    pub(crate) first: usize,
    pub(crate) weights: [f64; BLENDED],
}

/// The blend for `sigma` (finite, >= 0), from the table.
pub(crate) fn blend(sigma: f64) -> Blend {
    Blender::new().blend(sigma)
}

/// Blends of many sigmas, one after another: the interval of the last one
/// is kept, so that the next sigma in it (a neighbour in a smooth map)
/// skips the search for its interval.
pub(crate) struct Blender {
    /// The interval i of the last sigma, with sigma_i and sigma_(i+1).
    interval: usize,
    low: f64,
    high: f64,
    /// 1 / (sigma_(i+1) - sigma_i).
    scale: f64,
    /// The table of the interval's weights.
    table: &'static [[f64; BLENDED]; TABLE_STEPS + 1],
    /// The same table in `f32`.
    narrow: &'static [[f32; BLENDED]; TABLE_STEPS + 1],
}

impl Blender {
    pub(crate) fn new() -> Self {
        Blender {
            interval: 0,
            low: level_sigma(0),
            high: level_sigma(1),
            scale: 1.0 / (level_sigma(1) - level_sigma(0)),
            table: &tables()[0],
            narrow: &narrow_tables()[0],
        }
    }

    /// The blend for `sigma` (finite, >= 0).
    #[inline]
    pub(crate) fn blend(&mut self, sigma: f64) -> Blend {
        let (step, frac) = self.table_point(sigma);
        let (a, b) = (&self.table[step], &self.table[step + 1]);
        Blend {
            first: first_blended(self.interval),
            weights: std::array::from_fn(|k| a[k] + frac * (b[k] - a[k])),
        }
    }

    /// The first level and the weights of the blend for `sigma` (finite,
    /// not negative) in `f32`, as the strips hold them: interpolated in
    /// `f32` from the table rounded to `f32`, so within a few units of
    /// `f32`'s last place of [`Blender::blend`]'s (the four weights are
    /// then one vector's operations).
    #[inline]
    pub(crate) fn narrow_blend(&mut self, sigma: f64) -> (usize, [f32; BLENDED]) {
        let (step, frac) = self.table_point(sigma);
        let (a, b) = (&self.narrow[step], &self.narrow[step + 1]);
        let frac = frac as f32;
        (
            first_blended(self.interval),
            std::array::from_fn(|k| a[k] + frac * (b[k] - a[k])),
        )
    }

    /// The table step of `sigma` (finite, >= 0) in its interval, which
    /// becomes the current one, and where it lies between that step and
    /// the next, 0 to 1.
    #[inline(always)]
    fn table_point(&mut self, sigma: f64) -> (usize, f64) {
        if !(self.low <= sigma && sigma < self.high) {
            self.enter(sigma);
        }
        let t = ((sigma - self.low) * self.scale).clamp(0.0, 1.0);
        // t * TABLE_STEPS is not negative: its truncation is its floor.
        let at = t * TABLE_STEPS as f64;
        let step = (at as usize).min(TABLE_STEPS - 1);
        (step, at - step as f64)
    }

    /// Moves to the interval of `sigma`.
    #[cold]
    fn enter(&mut self, sigma: f64) {
        let (i, _) = interval(sigma);
        let row = if i < TABULATED {
            i
        } else {
            SCALE_FREE_INTERVAL + (i - SCALE_FREE_INTERVAL) % PER_OCTAVE
        };
        *self = Blender {
            interval: i,
            low: level_sigma(i),
            high: level_sigma(i + 1),
            scale: 1.0 / (level_sigma(i + 1) - level_sigma(i)),
            table: &tables()[row],
            narrow: &narrow_tables()[row],
        };
    }
}

type Table = Vec<[[f64; BLENDED]; TABLE_STEPS + 1]>;

/// The weights of every tabulated interval at every table point, computed
/// once per process.
fn tables() -> &'static Table {
    static TABLES: OnceLock<Table> = OnceLock::new();
    TABLES.get_or_init(|| {
        (0..TABULATED)
            .map(|i| {
                let mut rows = [[0.0; BLENDED]; TABLE_STEPS + 1];
                let (low, high) = (level_sigma(i), level_sigma(i + 1));
                for (step, row) in rows.iter_mut().enumerate() {
                    let sigma = low + (high - low) * step as f64 / TABLE_STEPS as f64;
                    *row = fit(first_blended(i), sigma);
                }
                rows
            })
            .collect()
    })
}

/// [`tables`] rounded to `f32`.
fn narrow_tables() -> &'static [[[f32; BLENDED]; TABLE_STEPS + 1]] {
    static NARROW: OnceLock<Vec<[[f32; BLENDED]; TABLE_STEPS + 1]>> = OnceLock::new();
    NARROW.get_or_init(|| {
        tables()
            .iter()
            .map(|rows| rows.map(|row| row.map(|w| w as f32)))
            .collect()
    })
}

/// ceil(4 sigma): the half-width of the definition's kernel.
pub(crate) fn extent(sigma: f64) -> usize {
    (4.0 * sigma).ceil() as usize
}

/// The definition's normalised 1-D kernel of `sigma` on the offsets
/// -reach..=reach (zero past its own extent).
pub(crate) fn normalised_taps(sigma: f64, reach: usize) -> Vec<f64> {
    let kernel = GaussianTaps::with_sigma(sigma);
    let mut taps: Vec<f64> = (-(reach as i64)..=reach as i64).map(|d| kernel.weight(d)).collect();
    let total: f64 = taps.iter().sum();
    taps.iter_mut().for_each(|t| *t /= total);
    taps
}

/// The least-squares weights of levels `first ..` for `sigma`: minimise
/// || sum w_i K_i - K_sigma ||_2 over the 2-D kernels with sum w_i = 1,
/// by the (BLENDED + 1)-square system of the Lagrangian.
fn fit(first: usize, sigma: f64) -> [f64; BLENDED] {
    let sigmas: [f64; BLENDED] = std::array::from_fn(|k| level_sigma(first + k));
    if let Some(k) = sigmas.iter().position(|&s| (s - sigma).abs() <= 1e-12 * sigma.max(1.0)) {
        let mut weights = [0.0; BLENDED];
        weights[k] = 1.0;
        return weights;
    }
    let reach = extent(sigma.max(sigmas[BLENDED - 1]));
    let target = normalised_taps(sigma, reach);
    let levels: Vec<Vec<f64>> = sigmas.iter().map(|&s| normalised_taps(s, reach)).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    const N: usize = BLENDED + 1;
    let mut system = [[0.0f64; N + 1]; N];
    for a in 0..BLENDED {
        for b in 0..BLENDED {
            system[a][b] = dot(&levels[a], &levels[b]).powi(2);
        }
        system[a][BLENDED] = 1.0;
        system[BLENDED][a] = 1.0;
        system[a][N] = dot(&levels[a], &target).powi(2);
    }
    system[BLENDED][N] = 1.0;
    solve(&mut system);
    std::array::from_fn(|k| system[k][N])
}

/// Solves the augmented system in place (its last column becomes the
/// solution) by elimination with partial pivoting.
fn solve<const N: usize, const M: usize>(system: &mut [[f64; M]; N]) {
    for col in 0..N {
        let pivot = (col..N)
            .max_by(|&a, &b| system[a][col].abs().total_cmp(&system[b][col].abs()))
            .expect("rows left");
        system.swap(col, pivot);
        let pivot_row = system[col];
        for (row, line) in system.iter_mut().enumerate() {
            if row != col {
                let factor = line[col] / pivot_row[col];
                for (v, p) in line.iter_mut().zip(pivot_row).skip(col) {
                    *v -= factor * p;
                }
            }
        }
    }
    for (row, line) in system.iter_mut().enumerate() {
        line[M - 1] /= line[row];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_hold_their_sigma() {
        for sigma in [0.0, 0.2, 0.5, 0.55, 1.0, 3.999, 4.0, 4.1, 16.0, 100.0, 1e6] {
            let (i, t) = interval(sigma);
            assert!(level_sigma(i) <= sigma && sigma < level_sigma(i + 1), "{sigma}: {i}");
            assert!((0.0..=1.0).contains(&t));
        }
        for j in 1..90 {
            assert_eq!(interval(level_sigma(j)), (j, 0.0), "level {j}");
        }
    }

    /// The blended 1-D marginal stays within a small distance of the exact
    /// kernel's across the intervals, sums to 1, and a level's own sigma
    /// takes that level alone.
    #[test]
    fn blends_follow_the_kernel() {
        for j in [0usize, 1, 5, 13, 22, 30] {
            let b = blend(level_sigma(j));
            assert_eq!(b.weights[j - b.first], 1.0, "level {j}: {b:?}");
        }
        for k in 0..200 {
            let sigma = 0.07 * k as f64 + 0.013;
            let b = blend(sigma);
            assert!((b.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{sigma}: {b:?}");
            let reach = extent(sigma.max(level_sigma(b.first + BLENDED - 1)));
            let exact = normalised_taps(sigma, reach);
            let mut mixed = vec![0.0; exact.len()];
            for (k, w) in b.weights.iter().enumerate() {
                for (m, t) in mixed.iter_mut().zip(normalised_taps(level_sigma(b.first + k), reach)) {
                    *m += w * t;
                }
            }
            // The largest tail sum of the marginal difference: the error on a step edge.
            let mut tail = 0.0f64;
            let mut worst = 0.0f64;
            for (m, e) in mixed.iter().zip(&exact) {
                tail += m - e;
                worst = worst.max(tail.abs());
            }
            assert!(worst < 5e-4, "sigma {sigma}: step error {worst}");
        }
    }

    /// The `f32` blends are the blends, to a few units of `f32`'s last
    /// place, for sigmas in any order (the interval kept or not).
    #[test]
    fn narrow_blends_are_the_blends_rounded() {
        let mut blender = Blender::new();
        let mut next = crate::test_numbers(0xb1e4d);
        for k in 0..3000 {
            let sigma = match k % 3 {
                0 => 0.011 * k as f64,
                1 => (next() % 1_000_000) as f64 / 997.0,
                _ => level_sigma(k % 70) * (1.0 + (k % 5) as f64 * 1e-9),
            };
            let exact = blend(sigma);
            let (first, weights) = blender.narrow_blend(sigma);
            assert_eq!(first, exact.first, "{sigma}");
            for (w, e) in weights.iter().zip(exact.weights) {
                assert!(
                    (f64::from(*w) - e).abs() <= 1e-6 * e.abs().max(1.0),
                    "{sigma}: {weights:?} {exact:?}"
                );
            }
        }
    }
}
