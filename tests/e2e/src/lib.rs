//! End-to-end builds with the real `pack` CLI and the real lifecycle (every phase, the extender
//! with kaniko), without a Docker daemon: podman's Docker API service and a registry on
//! loopback, on a local UBI-like stack.
//!
//! - [`services`]: the registry (Debian's `docker-registry`) and `podman system service`, with
//!   a registries.conf of the tests' own (`CONTAINERS_REGISTRIES_CONF`), started when a test
//!   first needs them ([`Endpoints::get`]); stopped, and what the run left in podman removed,
//!   when the suite's [`ServicesGuard`] drops.
//! - [`stack`]: the images of `tests/e2e/stack/build.sh` (a Debian build image standing in for
//!   UBI 8 with dnf as `microdnf` and a local RPM repository; Node.js and Java run images) and
//!   the static run image ([`cnb_harness::RootFs::static_run_image`]).
//! - [`published`]: the stack pushed to the registry, with the lifecycle image
//!   `pack build --lifecycle-image` takes ([`Published`]).
//! - [`images`]: `skopeo` against the registry, and images built from a Containerfile and pushed.
//! - [`builders`]: `tests/e2e/builder.toml` rendered like every builder definition, made twice:
//!   by `pack builder create --publish` and by `packager builder create` (pushed with skopeo).
//! - [`mirror`]: a restricted network for the extensions' RPM mirror support: a test CA, a
//!   loopback HTTPS mirror of the stack's repository, a forward proxy of the tests' own, an
//!   `rpm-repository` binding, and a scan of images and caches for secrets.
//! - [`pack`]: the `pack` CLI against podman's Docker API, with this run's pack home; what a
//!   command did ([`PackOutcome`], a [`cnb_harness::Outcome`]).
//! - [`apps`]: `pack build --publish` of one app, as a user runs it, and the app image run
//!   ([`AppBuild`]).
//!
//! Everything panics with the command's outcome when a step fails: these are tests.

#![allow(clippy::missing_panics_doc)]
// The dev-dependency libtest-mimic is for the suite's main (tests/end_to_end/), not this library.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod apps;
pub mod builders;
pub mod images;
pub mod mirror;
pub mod pack;
pub mod published;
pub mod services;
pub mod stack;

pub use apps::AppBuild;
pub use builders::{BuilderFigures, Builders, pack_config, packager_publish, packages};
pub use images::{build_and_push, registry_has, registry_inspect, skopeo_copy};
pub use pack::{PackOutcome, pack, pack_output};
pub use published::Published;
pub use services::{Endpoints, ServicesGuard, remove_when_done};
pub use stack::Stack;

use cnb_harness::workspace_root;
use std::path::PathBuf;

/// The lifecycle the tests build (tests/install-lifecycle.sh).
pub const LIFECYCLE_VERSION: &str = "0.21.0";
/// The static run image in podman (pushed as `<registry>/e2e/run-static:latest`, the builder's default run image).
pub const STATIC_RUN_IMAGE: &str = "localhost/e2e/run-static:latest";

/// `<target>/e2e`: the stack's outputs and the builds' scratch directories.
#[must_use]
pub fn e2e_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
        .join("e2e")
}

/// `<target>/tools`: pack, the lifecycle and its release tarball (tests/install-*.sh).
fn tools_dir() -> PathBuf {
    workspace_root().join("target/tools")
}
