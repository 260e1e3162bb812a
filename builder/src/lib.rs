//! Packages the workspace's CNB modules (image extensions and buildpacks) into module
//! directories, buildpackages (`.cnb`) and builders, without a Docker daemon.
//!
//! The `packager` binary is the command line ([`cli`]); the rest of this library is what it is
//! made of, usable from tests and other tools:
//!
//! - [`workspace`]: find the workspace root and its module crates;
//! - [`descriptor`]: read and validate `extension.toml` / `buildpack.toml`;
//! - [`manifest`]: read a module crate's `Cargo.toml` (package name, the module binary and the
//!   crate's other binaries);
//! - [`cargo`]: build modules' binaries statically with the `module` profile, together where
//!   their dependency features agree;
//! - [`elf`]: check that a binary is statically linked;
//! - [`module`]: [`package_module`] and [`package_crates`], which tie these together and lay out
//!   the module directories;
//! - [`oci`]: normalized tar layers, gzip, digests, OCI image layouts and `.cnb` archives;
//! - [`buildpackage`]: a module directory as a `.cnb` buildpackage (pack's format and labels);
//! - [`builder_toml`]: pack's `builder.toml`, read and checked by pack's rules;
//! - [`builders`]: the builder definitions under `builder/builders/` and their rendering;
//! - [`builder_image`]: a builder image as an OCI layout (`packager builder create`);
//! - [`registry`]: images pulled from and pushed to registries, with a local blob cache.

pub mod builder_image;
pub mod builder_toml;
pub mod builders;
pub mod buildpackage;
pub mod cargo;
pub mod cli;
pub mod descriptor;
pub use elf_check as elf;
pub mod manifest;
pub mod module;
pub mod oci;
pub mod registry;
pub mod workspace;

// The unit tests share the dev-dependencies of the integration tests.
#[cfg(test)]
use bcrypt as _;
#[cfg(test)]
use cnb_harness as _;

pub use module::{
    ExtraBinary, ModuleCrate, PackagedBinary, PackagedModule, layout_module, package_crates,
    package_module,
};

/// A TOML parse error's message on one line (`toml` spreads it over several, with a snippet of
/// the input, which a one-line error must not carry).
pub(crate) fn toml_message(error: &toml::de::Error) -> String {
    error
        .message()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text`, read from `path`, as TOML of type `T`; the error names the file.
pub(crate) fn parse_toml_file<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    text: &str,
) -> anyhow::Result<T> {
    toml::from_str(text)
        .map_err(|error| anyhow::anyhow!("invalid {}: {}", path.display(), toml_message(&error)))
}
