//! Every built-in backend against the `Naive` reference, through the public
//! conformance kit (`varblur::conformance`): random shapes (sides 0..=40,
//! non-square, strided and reversed views), channels 1..=4, all sample
//! types, all borders, box and Gaussian kernels, and uniform / random /
//! smooth / fractional / huge size maps. A new backend is one more line in
//! `Backend::ALL`.

use varblur::Backend;
use varblur::conformance::{Options, check};

#[test]
fn every_builtin_backend_agrees_with_naive() {
    let options = Options {
        cases: 64,
        ..Options::default()
    };
    for backend in Backend::ALL {
        match check(&backend, &options) {
            Ok(summary) => {
                // Each backend serves at least the box kernel exactly.
                assert!(summary.exact > 0, "{backend:?}: {summary:?}");
                assert_eq!(summary.approximate, 0, "{backend:?} claims approximate answers");
            }
            Err(failure) => panic!("{failure}"),
        }
    }
}
