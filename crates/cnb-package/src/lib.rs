//! Packages the workspace's CNB modules (image extensions and buildpacks): the library the
//! `packager` command line (`builder/`) and the test harness (`tests/harness`) share, without
//! the registry client.
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
//! - [`buildpackage`]: a module directory as a `.cnb` buildpackage (pack's format and labels),
//!   written with [`oci_layout`].

pub mod buildpackage;
pub mod cargo;
pub mod descriptor;
pub use elf_check as elf;
pub mod manifest;
pub mod module;
pub mod workspace;

pub use module::{
    ExtraBinary, ModuleCrate, PackagedBinary, PackagedModule, layout_module, package_crates,
    package_module,
};

/// A TOML parse error's message on one line (`toml` spreads it over several, with a snippet of
/// the input, which a one-line error must not carry).
#[must_use]
pub fn toml_message(error: &toml::de::Error) -> String {
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
