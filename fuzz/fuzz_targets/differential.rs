//! Every built-in backend against `Naive` on one random request: the same
//! typed error as `Naive`'s validation (or `Unsupported`) with the output
//! untouched, or agreement within the bounds of `Support::Exact`, non-finite pixels
//! exactly. Approximate answers are run but not compared (their own
//! tolerance is checked by the conformance tests).
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use varblur::Backend;
use varblur::conformance::check_case;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(case) = varblur_fuzz::case(&mut u) else {
        return;
    };
    if let Err(failure) = check_case(&Backend::ALL, &case, None) {
        panic!("{failure}");
    }
});
