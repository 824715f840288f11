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
/// a box of per-pixel radius. For the Gaussian, both approximate: the
/// more accurate [`super::Levels`] for a uniform sigma (see
/// [`Auto::choice`]), [`super::IteratedBox`] for a sigma map, where it is
/// the faster one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Auto;

impl Auto {
    /// The backend `Auto` runs for `request`.
    pub fn choice(&self, request: &Request) -> Backend {
        match (request.kernel, request.uniform_size) {
            (Kernel::Box, Some(_)) => Backend::RunningSum,
            (Kernel::Box, None) => Backend::Integral,
            (Kernel::Gaussian, Some(sigma)) if levels_is_faster(request, sigma) => Backend::Levels,
            (Kernel::Gaussian, _) => Backend::IteratedBox,
        }
    }
}

/// Whether `Levels` computes the uniform Gaussian of `sigma` faster than
/// `IteratedBox` (`benches/uniform_gaussian.py --border B` times both).
/// It does for every sigma under the borders that read nothing outside
/// the image and `Replicate`: its levels then stay within the image's
/// reach. Under the periodic borders its band and grids hold a whole
/// period once the reach of its levels spans one, so its cost grows with
/// sigma there, while `IteratedBox`'s does not: `Levels` only while 64
/// sigma is within the image's shorter side.
fn levels_is_faster(request: &Request, sigma: f32) -> bool {
    match request.border {
        Border::Clip | Border::Constant(_) | Border::Replicate => true,
        Border::Reflect | Border::Symmetric | Border::Wrap => {
            let [height, width, _] = request.shape;
            64.0 * f64::from(sigma) <= height.min(width) as f64
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
