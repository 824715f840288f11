//! The backends, one module each, and [`Backend`], which lists them all.

mod auto;
mod integral;
mod iterated_box;
mod levels;
mod naive;
mod running_sum;

pub use auto::Auto;
pub use integral::Integral;
pub use iterated_box::IteratedBox;
pub use levels::Levels;
pub use naive::Naive;
pub use running_sum::RunningSum;

use ndarray::ArrayViewMut3;

use crate::error::Error;
use crate::filter::{Filter, Job, Request, Support};
use crate::sample::Sample;

/// Every built-in backend, as one value, so tests and benches can loop over
/// [`Backend::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// [`Naive`], the exact reference.
    Naive,
    /// [`Integral`], summed-area tables.
    Integral,
    /// [`RunningSum`], separable running sums for a uniform radius.
    RunningSum,
    /// [`IteratedBox`], the Gaussian by k boxes (default k).
    IteratedBox,
    /// [`Levels`], the Gaussian as a blend of uniform Gaussian levels.
    Levels,
    /// [`Auto`], the fastest exact backend for each request.
    Auto,
}

impl Backend {
    /// Every built-in backend.
    pub const ALL: [Backend; 6] = [
        Backend::Naive,
        Backend::Integral,
        Backend::RunningSum,
        Backend::IteratedBox,
        Backend::Levels,
        Backend::Auto,
    ];

    /// The backend of this name (as [`Filter::name`] gives it), if any.
    pub fn from_name(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }
}

impl Filter for Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Naive => Naive.name(),
            Backend::Integral => Integral.name(),
            Backend::RunningSum => RunningSum.name(),
            Backend::IteratedBox => IteratedBox::default().name(),
            Backend::Levels => Levels.name(),
            Backend::Auto => Auto.name(),
        }
    }

    fn support(&self, request: &Request) -> Support {
        match self {
            Backend::Naive => Naive.support(request),
            Backend::Integral => Integral.support(request),
            Backend::RunningSum => RunningSum.support(request),
            Backend::IteratedBox => IteratedBox::default().support(request),
            Backend::Levels => Levels.support(request),
            Backend::Auto => Auto.support(request),
        }
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        match self {
            Backend::Naive => Naive.run(job, out),
            Backend::Integral => Integral.run(job, out),
            Backend::RunningSum => RunningSum.run(job, out),
            Backend::IteratedBox => IteratedBox::default().run(job, out),
            Backend::Levels => Levels.run(job, out),
            Backend::Auto => Auto.run(job, out),
        }
    }
}
