//! The packaged buildpack run as the lifecycle runs it (through the harness), on the fixture
//! apps in `tests/fixtures/apps`, with the real `node` and `npm` of this machine.
//!
//! - [`detect`]: the plan each app gets, and the app files detect refuses;
//! - [`build`]: the node it checks and configures, the processes, the SBOM and the exec.d
//!   program.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]
// Test helpers panic on a broken setup (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

mod build;
mod detect;
mod support;
