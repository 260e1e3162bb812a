//! Building module binaries with Cargo.

use anyhow::{Context, bail};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The only target this project's machines have; module binaries are linked statically for it.
pub const MODULE_TARGET: &str = "x86_64-unknown-linux-gnu";
/// The workspace's Cargo profile for module binaries (see `[profile.module]` in `Cargo.toml`).
pub const MODULE_PROFILE: &str = "module";
/// Links glibc statically on the gnu target, so binaries run on images with an older glibc.
pub const MODULE_RUSTFLAGS: &str = "-C target-feature=+crt-static";

/// The Cargo target directory: `CARGO_TARGET_DIR` (relative to the current directory) if set,
/// else `<workspace_root>/target`. It is passed to the child Cargo as `--target-dir`, so the
/// binary's location does not depend on how the child resolves it.
///
/// # Errors
/// If a relative `CARGO_TARGET_DIR` cannot be made absolute.
pub fn target_dir(workspace_root: &Path) -> anyhow::Result<PathBuf> {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|value| !value.is_empty()) {
        Some(dir) => std::path::absolute(&dir)
            .with_context(|| format!("cannot resolve CARGO_TARGET_DIR {}", dir.display())),
        None => Ok(workspace_root.join("target")),
    }
}

/// Builds binary `bin` of package `package` with the module profile for [`MODULE_TARGET`],
/// statically linked, and returns the binary's path
/// (`<target dir>/x86_64-unknown-linux-gnu/module/<bin>`).
///
/// The same as [`build_module_binaries`] with one binary.
///
/// # Errors
/// If Cargo cannot be started, fails, or does not leave the binary where expected.
pub fn build_module_binary(
    workspace_root: &Path,
    package: &str,
    bin: &str,
) -> anyhow::Result<PathBuf> {
    let mut binaries = build_module_binaries(workspace_root, package, &[bin])?;
    match binaries.pop() {
        Some(binary) if binaries.is_empty() => Ok(binary),
        _ => bail!("cargo build of {package} did not return exactly the binary {bin}"),
    }
}

/// Builds the binaries `bins` of package `package` in one Cargo invocation, with the module
/// profile for [`MODULE_TARGET`], statically linked, and returns their paths in the order of
/// `bins` (`<target dir>/x86_64-unknown-linux-gnu/module/<bin>`).
///
/// Runs `$CARGO` (set when the packager runs under Cargo) or `cargo`, with `RUSTFLAGS` set to
/// [`MODULE_RUSTFLAGS`] and `CARGO_ENCODED_RUSTFLAGS` removed (it would take precedence). Cargo's
/// output is streamed to this process's stderr. The explicit `--target` keeps the flags away
/// from build scripts and proc macros.
///
/// # Errors
/// If `bins` is empty, or Cargo cannot be started, fails, or does not leave every binary where
/// expected.
pub fn build_module_binaries(
    workspace_root: &Path,
    package: &str,
    bins: &[&str],
) -> anyhow::Result<Vec<PathBuf>> {
    if bins.is_empty() {
        bail!("no binary of {package} to build");
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let target_dir = target_dir(workspace_root)?;
    let manifest = workspace_root.join("Cargo.toml");
    let bin_args: Vec<&str> = bins.iter().flat_map(|bin| ["--bin", bin]).collect();

    let mut command = Command::new(&cargo);
    command
        .current_dir(workspace_root)
        .args([
            "build",
            "--profile",
            MODULE_PROFILE,
            "--target",
            MODULE_TARGET,
        ])
        .args(["-p", package])
        .args(&bin_args)
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", MODULE_RUSTFLAGS)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .stderr(Stdio::inherit());

    let status = command.status().with_context(|| {
        format!(
            "cannot run {} (set CARGO to the cargo binary)",
            cargo.display()
        )
    })?;
    if !status.success() {
        bail!(
            "`cargo build --profile {MODULE_PROFILE} --target {MODULE_TARGET} -p {package} {}` failed ({status}); see Cargo's output above",
            bin_args.join(" ")
        );
    }

    bins.iter()
        .map(|bin| {
            let binary = target_dir
                .join(MODULE_TARGET)
                .join(MODULE_PROFILE)
                .join(bin);
            if binary.is_file() {
                Ok(binary)
            } else {
                bail!(
                    "cargo build of {package} succeeded but {} does not exist",
                    binary.display()
                )
            }
        })
        .collect()
}
