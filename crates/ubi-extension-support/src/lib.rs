//! What the UBI image extensions share (never linked into a buildpack: it builds on the
//! extension toolkit, `cnb-extension`).
//!
//! - [`stack`]: which UBI stack (ubi8, ubi9, ubi10) the build is on, from `CNB_STACK_ID` or the
//!   target distro.
//! - [`catalogue`]: the stack's `/etc/buildpacks/images.json`, read for one runtime
//!   (`nodejs-<N>` or `java-<N>` entries, the default, their run images).
//! - [`run_image`]: the run image to switch to (`BP_UBI_RUN_IMAGE_OVERRIDE`, a full reference
//!   in the catalogue, or Paketo's naming for the stack).
//! - [`install_dockerfile`]: the `build.Dockerfile` that installs a runtime and leaves the
//!   hand-off file for the companion buildpack.
//! - [`repositories`]: where microdnf installs from: an `rpm-repository` binding (the user's
//!   mirror), its CA, a `ca-certificates` binding, the proxy variables; nothing of them persisted.
//! - [`SharedError`]: the failures of all that, shown the same way by both extensions.

// The dev-dependencies serve the tests under tests/, not the unit tests.
#![cfg_attr(test, allow(unused_crate_dependencies))]

/// `items` as `a, b, c`: the lists of majors the extensions log and put in their errors.
///
/// ```
/// assert_eq!(ubi_extension_support::comma_separated(&[18, 20, 22]), "18, 20, 22");
/// ```
pub fn comma_separated<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub mod catalogue;
mod dockerfile;
mod error;
pub mod repositories;
pub mod run_image;
pub mod stack;

pub use dockerfile::install_dockerfile;
pub use error::SharedError;
