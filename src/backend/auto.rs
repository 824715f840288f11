//! `Auto`: the fastest exact backend for each request.

use ndarray::ArrayViewMut3;

use super::Backend;
use crate::border::Border;
use crate::error::Error;
use crate::filter::{Filter, Job, Request, Support};
use crate::kernel::Kernel;
use crate::sample::Sample;

/// Picks, per request, the fastest backend that is exact for it:
/// [`super::RunningSum`] for a box of uniform radius, [`super::Integral`] for
/// a box of per-pixel radius. For the Gaussian, which both of its
/// backends approximate, the far more accurate [`super::Levels`] wherever
/// it is about as fast as [`super::IteratedBox`] or faster, else
/// `IteratedBox` (see [`Auto::choice`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Auto;

impl Auto {
    /// The backend `Auto` runs for `request`.
    pub fn choice(&self, request: &Request) -> Backend {
        match (request.kernel, request.uniform_size) {
            (Kernel::Box, Some(_)) => Backend::RunningSum,
            (Kernel::Box, None) => Backend::Integral,
            (Kernel::Gaussian, sigma) if levels_serves(request.border, request.shape, sigma) => Backend::Levels,
            (Kernel::Gaussian, _) => Backend::IteratedBox,
        }
    }
}

/// Whether `Levels` serves a Gaussian under `border` on an image of
/// `shape`, with a uniform `sigma` or (none) a sigma map. Under the
/// borders that read nothing outside the image and `Replicate`, always:
/// its levels stay within the image's reach, and it is as fast as
/// `IteratedBox` or faster on uniform sigmas (`benches/uniform_gaussian.py
/// --border B`) and smooth maps (`examples/large --levels` beside
/// `--gaussian`), somewhat slower only on sigmas drawn at random per
/// pixel, where every level is read everywhere. Under the periodic
/// borders its band and grids hold a whole period once the reach of its
/// levels spans one, so its cost grows with sigma while `IteratedBox`'s
/// does not: there, only a uniform sigma with 64 sigma within the
/// image's shorter side.
fn levels_serves(border: Border, [height, width, _]: [usize; 3], sigma: Option<f32>) -> bool {
    match border {
        Border::Clip | Border::Constant(_) | Border::Replicate => true,
        Border::Reflect | Border::Symmetric | Border::Wrap => {
            sigma.is_some_and(|sigma| 64.0 * f64::from(sigma) <= height.min(width) as f64)
        }
    }
}

impl Filter for Auto {
    fn name(&self) -> &'static str {
        "auto"
    }

    fn support(&self, request: &Request) -> Support {
        self.choice(request).support(request)
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        // `choice` never answers `Auto`, so this does not recurse.
        let request = Request::new::<T>(job.params(), job.shape());
        self.choice(&request).run(job, out)
    }
}
