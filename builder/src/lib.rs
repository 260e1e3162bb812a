//! Packages the workspace's CNB modules (image extensions and buildpacks) into module
//! directories, buildpackages (`.cnb`) and builders, without a Docker daemon.
//!
//! The `packager` binary is the command line ([`cli`]). Module packaging (descriptors, Cargo,
//! module directories, buildpackages) is the `cnb-package` library and OCI layouts the
//! `oci-layout` library, which the test harness uses too; this crate adds what needs pack's
//! builder format or a registry:
//!
//! - [`builder_toml`]: pack's `builder.toml`, read and checked by pack's rules;
//! - [`builders`]: the builder definitions under `builder/builders/` and their rendering;
//! - [`builder_image`]: a builder image as an OCI layout (`packager builder create`);
//! - [`registry`]: images pulled from and pushed to registries, with a local blob cache.

// Its unit tests see the integration tests' dev-dependencies.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod builder_image;
pub mod builder_toml;
pub mod builders;
pub mod cli;
pub mod registry;
