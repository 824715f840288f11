//! The integration tests, as modules of one test binary: each module
//! instantiates the backends for every sample type, and one binary compiles
//! those instantiations once instead of once per test file.

mod backends_agree;
mod common;
mod conformance_kit;
mod definition;
mod distance;
mod errors;
mod fuzz_regressions;
mod huge_sizes;
mod iterated_box;
mod levels_u8;
mod limits;
mod non_finite;
mod pixel_types;
mod size_maps;
mod threads;
mod tiles;
