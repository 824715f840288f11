//! Nothing but a home for `benches/fixed_box.rs` (B4 in docs/DEFINITION.md):
//! varblur's fixed-radius box backends beside the peer crates `libblur` and
//! `imageproc`, kept in a package of its own so that only this bench
//! compiles the peers. Run from the repository root:
//! `cargo bench --manifest-path benches/peers/Cargo.toml`.
