//! The conformance kit catches wrong backends and reports a minimal case.

use ndarray::{ArrayViewMut3, s};
use varblur::conformance::{CaseSize, Options, check};
use varblur::{Error, Filter, Integral, Job, Kernel, Naive, Params, Request, Sample, Size, Support};

/// `Naive`, except that the windows of columns 1.. never reach column 0
/// (as if the image started one column later): an off-by-one at the left border.
struct LeftEdgeOffByOne;

impl Filter for LeftEdgeOffByOne {
    fn name(&self) -> &'static str {
        "left-edge-off-by-one"
    }

    fn support(&self, request: &Request) -> Support {
        Naive.support(request)
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, mut out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        let (input, params) = (job.input(), job.params());
        let whole = Naive.apply(input, params)?;
        out.slice_mut(s![.., 0..1, ..]).assign(&whole.slice(s![.., 0..1, ..]));
        if input.dim().1 > 1 {
            let map = match params.size {
                Size::Map(map) => Some(map.slice(s![.., 1..]).to_owned()),
                _ => None,
            };
            let size = map.as_ref().map_or(params.size.reborrow(), Size::map);
            let rest = Naive.apply(
                input.slice(s![.., 1.., ..]),
                &Params::new(params.kernel, size).with_border(params.border),
            )?;
            out.slice_mut(s![.., 1.., ..]).assign(&rest);
        }
        Ok(())
    }
}

/// `Integral` with the fractional part of every radius scaled by 0.99: right
/// for integer radii, slightly wrong for fractional ones.
struct FractionalDrift;

impl Filter for FractionalDrift {
    fn name(&self) -> &'static str {
        "fractional-drift"
    }

    fn support(&self, request: &Request) -> Support {
        Integral.support(request)
    }

    fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
        let drift = |r: f32| r.floor() + 0.99 * (r - r.floor());
        let params = job.params();
        let map = match params.size {
            Size::Map(map) => Some(map.mapv(drift)),
            _ => None,
        };
        let size = match (&map, params.size) {
            (Some(map), _) => Size::map(map),
            (None, size) => Size::Uniform(drift(size.at(0, 0))),
        };
        Integral.apply_into(job.input(), &Params { size, ..*params }, out)
    }
}

fn options() -> Options {
    Options {
        cases: 128,
        kernels: vec![Kernel::Box],
        seed: Some(7),
        ..Options::default()
    }
}

#[test]
fn off_by_one_at_the_border_is_reported_with_a_minimal_case() {
    let failure = check(&LeftEdgeOffByOne, &options()).expect_err("the bug must be found");
    let [h, w, c] = failure.case.shape;
    // Minimal: the bug needs two columns and a radius of at least 1.
    assert_eq!((h, w, c), (1, 2, 1), "{failure}");
    let ([_, col, _], expected, actual) = failure.first_difference.expect("a pixel differs");
    assert_eq!(col, 1, "{failure}");
    assert_ne!(expected, actual);
    let text = failure.to_string();
    assert!(
        text.contains("left-edge-off-by-one") && text.contains("pixel [0, 1, 0]"),
        "{text}"
    );
    assert!(
        text.contains("#[test]") && text.contains("Naive.apply(image, &params)"),
        "{text}"
    );
}

#[test]
fn wrong_fractional_radii_are_reported_with_a_fractional_case() {
    let failure = check(&FractionalDrift, &options()).expect_err("the drift must be found");
    let sizes = match &failure.case.size {
        CaseSize::Uniform(v) => vec![*v],
        CaseSize::Map(values) => values.clone(),
    };
    assert!(sizes.iter().any(|v| v.fract() != 0.0), "{failure}");
    let [h, w, _] = failure.case.shape;
    assert!(h * w <= 4, "not shrunk: {failure}");
    assert!(failure.first_difference.is_some(), "{failure}");
}

#[test]
fn an_unsupported_request_must_be_a_typed_error() {
    /// Claims to refuse the Gaussian, then runs it anyway.
    struct Liar;
    impl Filter for Liar {
        fn name(&self) -> &'static str {
            "liar"
        }
        fn support(&self, request: &Request) -> Support {
            match request.kernel {
                Kernel::Box => Support::Exact,
                Kernel::Gaussian => Support::Unsupported("box only"),
            }
        }
        fn run<T: Sample>(&self, job: Job<'_, T>, out: ArrayViewMut3<'_, T>) -> Result<(), Error> {
            varblur::Naive.run(job, out)
        }
    }
    // `apply_into` refuses what `support` refuses, whatever `run` does, so
    // the liar still passes: the typed error comes from the trait itself.
    let summary = check(
        &Liar,
        &Options {
            cases: 16,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(summary.unsupported > 0 && summary.exact > 0);
}

#[test]
fn every_sample_of_a_passing_run_is_counted() {
    let summary = check(
        &Integral,
        &Options {
            cases: 10,
            ..Options::default()
        },
    )
    .unwrap();
    // 4 sample types x 2 kernels x 10 cases; the Gaussian is unsupported.
    assert_eq!(summary.cases, 80);
    assert_eq!((summary.exact, summary.unsupported), (40, 40));
}
