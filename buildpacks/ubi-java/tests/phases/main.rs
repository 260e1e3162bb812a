//! The packaged buildpack (`bin/detect`, `bin/build`, `bin/memory-calculator`, built statically
//! by the packager) run as the lifecycle runs it, on the fixture apps, with this machine's JDK 17.
//!
//! - [`detect`]: the version each app asks for, and the app files detect refuses;
//! - [`build`]: the layers, processes and class path of each kind of app, and the exec.d memory
//!   calculator they install.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]
// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod build;
mod detect;
mod support;
