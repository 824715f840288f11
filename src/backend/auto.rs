//! `Auto`: the fastest exact backend for each request.

use ndarray::ArrayViewMut3;

use super::{Integral, Naive};
use crate::error::Error;
use crate::filter::{Filter, Job, Request, Support};
use crate::kernel::Kernel;
use crate::sample::Sample;

/// Picks, per request, the fastest backend that is exact for it:
/// [`Integral`] for the box kernel, [`Naive`] for the Gaussian.
#[derive(Debug, Clone, Copy, Default)]
pub struct Auto;

impl Filter for Auto {
    fn name(&self) -> &'static str {
        "auto"
    }

    fn support(&self, request: &Request) -> Support {
        match request.kernel {
            Kernel::Box => Integral.support(request),
            Kernel::Gaussian => Naive.support(request),
        }
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        match job.params().kernel {
            Kernel::Box => Integral.run(job, out),
            Kernel::Gaussian => Naive.run(job, out),
        }
    }
}
