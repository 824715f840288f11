//! How one sigma is served: the exact sampled kernel gathered directly
//! (small sigma), a blend of two k-fold boxes whose variance equals the
//! sampled Gaussian's, or a continuous mix of the two in between.

use std::sync::OnceLock;

use crate::kernel::GaussianTaps;

/// The variance of the sampled, truncated Gaussian of `sigma`, divided by
/// sigma^2, tabulated every `RATIO_STEP` up to `RATIO_LAST_SIGMA` and
/// interpolated linearly in between (so it is continuous in sigma).
const RATIO_STEP: f64 = 1.0 / 64.0;
const RATIO_LAST_SIGMA: f64 = 64.0;

/// Sum of d^2 w(d) / sum of w(d) over the taps of the sampled Gaussian
/// ([`crate::kernel::GaussianTaps`]).
fn sampled_variance(sigma: f64) -> f64 {
    let taps = GaussianTaps::new(sigma as f32);
    let (mut moment, mut mass) = (0.0, 0.0);
    for d in -taps.extent()..=taps.extent() {
        let w = taps.weight(d);
        moment += (d * d) as f64 * w;
        mass += w;
    }
    moment / mass
}

fn variance_ratios() -> &'static [f64] {
    static RATIOS: OnceLock<Vec<f64>> = OnceLock::new();
    RATIOS.get_or_init(|| {
        let steps = (RATIO_LAST_SIGMA / RATIO_STEP) as usize;
        let mut ratios: Vec<f64> = (0..=steps)
            .map(|i| {
                let sigma = i as f64 * RATIO_STEP;
                if i == 0 {
                    0.0
                } else {
                    sampled_variance(sigma) / (sigma * sigma)
                }
            })
            .collect();
        ratios[0] = ratios[1];
        ratios
    })
}

/// The variance the approximation matches for `sigma`: the sampled
/// kernel's own (the definition in [`crate::kernel`]), which is sigma^2 within 0.11 % from sigma
/// 1 up. Beyond sigma 64 the ratio to sigma^2 is held at its value there
/// (its further changes, from the truncation at ceil(4 sigma), are below 3e-5).
pub(crate) fn target_variance(sigma: f64) -> f64 {
    let ratios = variance_ratios();
    let position = sigma / RATIO_STEP;
    let last = ratios.len() - 1;
    let ratio = if position >= last as f64 {
        ratios[last]
    } else {
        let i = position as usize;
        let f = position - i as f64;
        ratios[i] * (1.0 - f) + ratios[i + 1] * f
    };
    sigma * sigma * ratio
}

/// The sigma from which boxes alone serve a pixel. Below 3.5 the exact
/// sampled kernel is gathered (at most 33 x 33 taps, [`DIRECT_EXTENT`]).
/// Boxes from a lower sigma (1.5, as a 13 x 13 bound on the exact taps
/// would allow) make the largest error on noise with a sigma ramp 0..6
/// several times larger (the `gaussian_accuracy` example shows it),
/// because k boxes of width 3 to 7 are a coarse Gaussian; the exact taps
/// stay affordable there, and only the pixels of sigma < 4 pay them.
pub(crate) const BOXES_FROM_SIGMA: f64 = 4.0;

/// Sigmas above this many times the image's longer side (plus 32) act as
/// that value.
pub(crate) const SIGMA_CAP_SIDES: f64 = 16.0;

/// ceil(4 x [`BOXES_FROM_SIGMA`]): the largest extent of an exactly gathered kernel.
pub(crate) const DIRECT_EXTENT: i64 = 16;

/// The kernel of one output pixel.
///
/// `direct` is the weight of the exact sampled Gaussian, gathered tap by tap
/// (at most 33 x 33 taps where it is used); the rest is spread over two
/// k-fold boxes of adjacent widths, `(n, weight)` for width 2n + 1, each
/// normalised, weighted so that their variance is the sampled Gaussian's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PixelKernel {
    pub direct: f64,
    pub boxes: [(i64, f64); 2],
}

impl PixelKernel {
    /// The boxes with a non-zero weight.
    pub(crate) fn weighted(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        self.boxes.iter().copied().filter(|b| b.1 > 0.0)
    }

    /// The output from the exact-taps value (present where `direct` > 0)
    /// and the boxes' value.
    #[inline(always)]
    pub(crate) fn mix(&self, exact: Option<&f64>, boxed: f64) -> f64 {
        match exact {
            Some(&exact) if self.direct == 1.0 => exact,
            Some(&exact) if self.direct > 0.0 => self.direct * exact + (1.0 - self.direct) * boxed,
            _ => boxed,
        }
    }

    /// Half-width n of the widest box with a weight, if any.
    pub(crate) fn widest(&self) -> Option<i64> {
        self.weighted().map(|b| b.0).max()
    }
}

/// Turns sigmas into [`PixelKernel`]s for k boxes.
///
/// A mix of one width on each side of the target variance is the simplest
/// kernel that hits the variance exactly at O(1) cost per pixel, and its
/// weights move continuously with sigma. (A wider, kurtosis-matching mix of
/// four widths was tried: it halved the error at sigma 10 for k = 3 but
/// doubled it at sigma 3 and for k = 4 and 5, at twice the cost.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct Planner {
    boxes: i64,
    /// At or below: the exact kernel only.
    direct_below: f64,
    /// At or above: boxes only.
    boxes_above: f64,
    /// Sigmas beyond act as this value (see [`Planner::new`]).
    sigma_cap: f64,
    /// k / 3 and 12 / k, to spare divisions per pixel.
    third_of_boxes: f64,
    twelve_over_boxes: f64,
}

impl Planner {
    /// A planner for `boxes` boxes on an image whose longer side is `side`.
    ///
    /// Boxes take over at sigma [`BOXES_FROM_SIGMA`]; the exact kernel fades
    /// out over the 0.5 sigma below, so the output stays continuous in sigma.
    ///
    /// Sigma is capped at [`SIGMA_CAP_SIDES`] x the image's longer side plus
    /// 32: there both the Gaussian and its approximation are flat over the
    /// image to within 1 / 512 of their peak, and the cap bounds the table sums.
    pub(crate) fn new(boxes: usize, side: usize) -> Self {
        Planner {
            boxes: boxes as i64,
            direct_below: BOXES_FROM_SIGMA - 0.5,
            boxes_above: BOXES_FROM_SIGMA,
            sigma_cap: SIGMA_CAP_SIDES * side as f64 + 32.0,
            third_of_boxes: boxes as f64 / 3.0,
            twelve_over_boxes: 12.0 / boxes as f64,
        }
    }

    /// Variance of k boxes of width 2n + 1: k (w^2 - 1) / 12 = k n (n + 1) / 3.
    #[inline(always)]
    fn variance(&self, inner: i64) -> f64 {
        (inner * (inner + 1)) as f64 * self.third_of_boxes
    }

    /// Two adjacent widths, weighted to variance `variance`.
    fn adjacent(&self, variance: f64) -> [(i64, f64); 2] {
        // k n (n + 1) / 3 <= variance < k (n + 1) (n + 2) / 3.
        // Truncation is floor here (the estimate is >= 0), without a libm call.
        let mut inner = (((1.0 + self.twelve_over_boxes * variance).sqrt() - 1.0) * 0.5).max(0.0) as i64;
        while self.variance(inner + 1) <= variance {
            inner += 1;
        }
        while inner > 0 && self.variance(inner) > variance {
            inner -= 1;
        }
        let (low, high) = (self.variance(inner), self.variance(inner + 1));
        let blend = (variance - low) / (high - low);
        [(inner, 1.0 - blend), (inner + 1, blend)]
    }

    /// The plan for `sigma` (finite, >= 0).
    pub(crate) fn plan(&self, sigma: f32) -> PixelKernel {
        let sigma = (sigma as f64).min(self.sigma_cap);
        let direct = if sigma <= self.direct_below {
            1.0
        } else if sigma >= self.boxes_above {
            0.0
        } else {
            (self.boxes_above - sigma) / (self.boxes_above - self.direct_below)
        };
        if direct == 1.0 {
            return PixelKernel {
                direct,
                boxes: [(0, 0.0); 2],
            };
        }
        PixelKernel {
            direct,
            boxes: self.adjacent(target_variance(sigma)),
        }
    }

    /// The capped sigma over `sigma` (1 up to the cap): how much wider
    /// than the planned kernel the asked one is, for the borders whose
    /// result still moves with it (see `replicate::AxisSplit::new`).
    pub(crate) fn stretch(&self, sigma: f32) -> f64 {
        (self.sigma_cap / sigma as f64).min(1.0)
    }

    /// The largest |d| the plan's kernel reaches.
    pub(crate) fn extent(&self, plan: &PixelKernel, sigma: f32) -> i64 {
        let boxes = plan.widest().map_or(0, |inner| self.boxes * inner);
        let direct = if plan.direct > 0.0 {
            GaussianTaps::new(sigma).extent()
        } else {
            0
        };
        boxes.max(direct)
    }

    /// A bound on [`PixelKernel::widest`] for every sigma up to `max_sigma`; `None`
    /// when all of them take the exact taps only.
    pub(crate) fn widest_bound(&self, max_sigma: f32) -> Option<i64> {
        let plan = self.plan(max_sigma);
        (plan.direct < 1.0).then(|| plan.boxes[0].0 + 1)
    }

    /// A bound on [`Planner::extent`] for every sigma up to `max_sigma`.
    pub(crate) fn reach_bound(&self, max_sigma: f32) -> i64 {
        let boxes = self.boxes * self.plan(max_sigma).widest().map_or(1, |inner| inner + 1);
        let direct = GaussianTaps::new(max_sigma.min(self.boxes_above as f32)).extent();
        boxes.max(direct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_variance_follows_the_sampled_kernel() {
        for sigma in [0.5, 1.0, 1.5, 2.0, 5.0, 12.25, 40.0] {
            let exact = sampled_variance(sigma);
            assert!(
                (target_variance(sigma) - exact).abs() < 1e-9 * exact.max(1.0),
                "sigma {sigma}"
            );
        }
        // Between grid points: interpolated ratios, close to the exact ones.
        for sigma in [1.2345, 7.777, 33.3] {
            let exact = sampled_variance(sigma);
            assert!((target_variance(sigma) / exact - 1.0).abs() < 1e-4, "sigma {sigma}");
        }
        assert!((target_variance(5.0) / 25.0 - 0.9993).abs() < 1e-4);
    }

    #[test]
    fn plans_match_the_variance_and_move_continuously() {
        for boxes in 2..=5 {
            let planner = Planner::new(boxes, 1000);
            let mut previous: Option<PixelKernel> = None;
            for i in 0..4000 {
                let sigma = i as f32 * 0.01;
                let plan = planner.plan(sigma);
                if plan.direct < 1.0 {
                    let mixed: f64 = plan.weighted().map(|(n, w)| w * planner.variance(n)).sum();
                    let weights: f64 = plan.weighted().map(|(_, w)| w).sum();
                    assert!((mixed - target_variance(sigma as f64)).abs() < 1e-9 * mixed.max(1.0));
                    assert!((weights - 1.0).abs() < 1e-12);
                }
                if plan.direct == 0.0 {
                    let narrowest = plan.weighted().map(|b| b.0).min();
                    assert!(
                        narrowest >= Some(1),
                        "k {boxes} sigma {sigma}: width-1 boxes in a box-only plan"
                    );
                }
                if let Some(p) = previous {
                    assert!((plan.direct - p.direct).abs() <= 0.05, "direct weight jumps at {sigma}");
                }
                previous = Some(plan);
            }
        }
    }
}
