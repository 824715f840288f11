//! Kernels and sizes: the exact 1-D weight definitions every backend is
//! measured against (SPEC section 2).

use ndarray::ArrayView2;

/// The blur kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Kernel {
    /// Box of radius r (the size value): with n = floor(r), f = r - n, the 1-D
    /// weight is 1 for |d| <= n and f for |d| = n + 1. The 2-D weight is the
    /// product of the 1-D weights in y and x. Integer r is the (2r+1)-tap mean.
    #[default]
    Box,
    /// Gaussian of sigma s (the size value): weight exp(-(dx^2 + dy^2) / (2 s^2))
    /// for |dx|, |dy| <= ceil(4 s); s = 0 is the identity.
    Gaussian,
}

/// The blur size of every pixel: a radius for [`Kernel::Box`], a sigma for
/// [`Kernel::Gaussian`]. Values must be finite and >= 0; they need not be
/// integers.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Size<'a> {
    /// The same size for every pixel.
    Uniform(f32),
    /// One size per pixel, of the image's (height, width).
    Map(ArrayView2<'a, f32>),
}

impl<'a> Size<'a> {
    /// A per-pixel size map from anything that views as a 2-D `f32` array,
    /// e.g. `Size::map(&radii)` for an `Array2<f32>`.
    pub fn map(map: impl Into<ArrayView2<'a, f32>>) -> Self {
        Size::Map(map.into())
    }

    /// The same size, borrowed for a shorter lifetime.
    pub fn reborrow(&self) -> Size<'_> {
        match self {
            Size::Uniform(v) => Size::Uniform(*v),
            Size::Map(map) => Size::Map(map.view()),
        }
    }

    /// The size at pixel (row, col). The map must cover that pixel.
    #[inline(always)]
    pub fn at(&self, row: usize, col: usize) -> f32 {
        match self {
            Size::Uniform(v) => *v,
            Size::Map(map) => map[[row, col]],
        }
    }

    /// The largest value (0 for an empty map).
    pub fn max_value(&self) -> f32 {
        match self {
            Size::Uniform(v) => *v,
            Size::Map(map) => map.iter().copied().fold(0.0, f32::max),
        }
    }

    /// True for [`Size::Uniform`].
    pub fn is_uniform(&self) -> bool {
        matches!(self, Size::Uniform(_))
    }
}

/// Largest window half-width, in pixels, that any size value produces.
///
/// A box radius or 4 sigma above it acts as this value. It is far beyond any
/// image side (so with [`crate::Border::Clip`] nothing changes), and it keeps
/// every exact integer window sum within `i128` whatever the border.
pub const MAX_EXTENT: i64 = 1 << 30;

/// The 1-D box of radius `radius`: full weight on |d| <= `inner`, weight
/// `edge_weight` on |d| = `inner` + 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxTaps {
    /// n = floor(r), clamped to [`MAX_EXTENT`].
    pub inner: i64,
    /// f = r - n, in [0, 1); 0 when the radius is clamped.
    pub edge_weight: f64,
}

impl BoxTaps {
    /// The taps of a box of radius `radius` (finite, >= 0).
    #[inline(always)]
    pub fn new(radius: f32) -> Self {
        let radius = radius as f64;
        if radius >= MAX_EXTENT as f64 {
            return BoxTaps {
                inner: MAX_EXTENT,
                edge_weight: 0.0,
            };
        }
        // Truncation is floor for radius >= 0, and needs no libm call on
        // targets without SSE4.1.
        let inner = radius as i64;
        BoxTaps {
            inner,
            edge_weight: radius - inner as f64,
        }
    }

    /// Largest |d| with non-zero weight.
    #[inline(always)]
    pub fn extent(&self) -> i64 {
        self.inner + i64::from(self.edge_weight > 0.0)
    }

    /// The weight at offset `d`.
    pub fn weight(&self, d: i64) -> f64 {
        let d = d.abs();
        if d <= self.inner {
            1.0
        } else if d == self.inner + 1 {
            self.edge_weight
        } else {
            0.0
        }
    }
}

/// The 1-D sampled, truncated Gaussian of sigma `sigma`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianTaps {
    sigma: f64,
    extent: i64,
}

impl GaussianTaps {
    /// The taps of a Gaussian of sigma `sigma` (finite, >= 0).
    pub fn new(sigma: f32) -> Self {
        let sigma = sigma as f64;
        let extent = (4.0 * sigma).ceil().min(MAX_EXTENT as f64) as i64;
        GaussianTaps { sigma, extent }
    }

    /// ceil(4 sigma): the largest |d| with non-zero weight.
    pub fn extent(&self) -> i64 {
        self.extent
    }

    /// The weight exp(-d^2 / (2 sigma^2)) at offset `d` (0 beyond the extent).
    /// The 2-D weight is the product of two of these.
    pub fn weight(&self, d: i64) -> f64 {
        if d.abs() > self.extent {
            0.0
        } else if self.sigma == 0.0 {
            // Sigma 0 is the identity: only d == 0 is within extent 0.
            1.0
        } else {
            let d = d as f64;
            (-(d * d) / (2.0 * self.sigma * self.sigma)).exp()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_taps_follow_the_definition() {
        let taps = BoxTaps::new(2.25);
        assert_eq!(taps.inner, 2);
        assert_eq!(taps.extent(), 3);
        let weights: Vec<f64> = (-4..=4).map(|d| taps.weight(d)).collect();
        assert_eq!(weights, [0.0, 0.25, 1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.0]);
        assert_eq!(BoxTaps::new(3.0).extent(), 3);
        assert_eq!(BoxTaps::new(0.0).weight(0), 1.0);
        assert_eq!(BoxTaps::new(0.0).weight(1), 0.0);
        assert_eq!(BoxTaps::new(1e30).inner, MAX_EXTENT);
    }

    #[test]
    fn gaussian_taps_follow_the_definition() {
        let taps = GaussianTaps::new(1.0);
        assert_eq!(taps.extent(), 4);
        assert_eq!(taps.weight(0), 1.0);
        assert!((taps.weight(1) - (-0.5f64).exp()).abs() < 1e-15);
        assert!((taps.weight(-2) - (-2.0f64).exp()).abs() < 1e-15);
        assert_eq!(taps.weight(5), 0.0);
        let identity = GaussianTaps::new(0.0);
        assert_eq!(
            (identity.extent(), identity.weight(0), identity.weight(1)),
            (0, 1.0, 0.0)
        );
        assert_eq!(GaussianTaps::new(0.3).extent(), 2);
    }
}
