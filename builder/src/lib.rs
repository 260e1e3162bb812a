//! Packages the workspace's CNB modules (image extensions and buildpacks).
//!
//! The `packager` binary is the command line ([`cli`]); the rest of this library is what it is
//! made of, usable from tests and other tools:
//!
//! - [`workspace`]: find the workspace root and its module crates;
//! - [`descriptor`]: read and validate `extension.toml` / `buildpack.toml`;
//! - [`manifest`]: read a module crate's `Cargo.toml` (package name, the module binary and the
//!   crate's other binaries);
//! - [`cargo`]: build a module's binaries statically with the `module` profile;
//! - [`elf`]: check that a binary is statically linked;
//! - [`module`]: [`package_module`], which ties these together and lays out the module directory.

pub mod cargo;
pub mod cli;
pub mod descriptor;
pub mod elf;
pub mod manifest;
pub mod module;
pub mod workspace;

pub use module::{ExtraBinary, PackagedBinary, PackagedModule, layout_module, package_module};
