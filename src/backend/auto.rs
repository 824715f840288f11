//! `Auto`: the fastest exact backend for each request.

use ndarray::ArrayViewMut3;

use super::Backend;
use crate::error::Error;
use crate::filter::{Filter, Job, Request, Support};
use crate::kernel::Kernel;
use crate::sample::Sample;

/// Picks, per request, the fastest backend that is exact for it:
/// [`super::RunningSum`] for a box of uniform radius, [`super::Integral`] for
/// a box of per-pixel radius; for the Gaussian, [`super::IteratedBox`]
/// (approximate, O(1) per pixel).
#[derive(Debug, Clone, Copy, Default)]
pub struct Auto;

impl Auto {
    /// The backend `Auto` runs for `request`.
    pub fn choice(&self, request: &Request) -> Backend {
        match (request.kernel, request.uniform_size) {
            (Kernel::Box, true) => Backend::RunningSum,
            (Kernel::Box, false) => Backend::Integral,
            (Kernel::Gaussian, _) => Backend::IteratedBox,
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
