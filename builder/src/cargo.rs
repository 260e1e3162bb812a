//! Building module binaries with Cargo.

use anyhow::{Context, bail};
use std::collections::HashMap;
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

/// Builds the binaries `bins` of package `package`: [`build_packages`] with one package.
///
/// # Errors
/// The errors of [`build_packages`].
pub fn build_module_binaries(
    workspace_root: &Path,
    package: &str,
    bins: &[&str],
) -> anyhow::Result<Vec<PathBuf>> {
    let mut built = build_packages(workspace_root, &[PackageBinaries { package, bins }])?;
    match built.pop() {
        Some(binaries) if built.is_empty() => Ok(binaries),
        _ => bail!("cargo build of {package} did not return its binaries"),
    }
}

/// Binaries of one package to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageBinaries<'a> {
    /// The Cargo package (`-p`).
    pub package: &'a str,
    /// Its binaries to build (`--bin`).
    pub bins: &'a [&'a str],
}

/// Builds the binaries of every package of `packages` in one Cargo invocation (dependencies they
/// share compile once), with the module profile for [`MODULE_TARGET`], statically linked, and
/// returns their paths (`<target dir>/x86_64-unknown-linux-gnu/module/<bin>`): for each package,
/// in the order of its `bins`.
///
/// Runs `$CARGO` (set when the packager runs under Cargo) or `cargo`, with `RUSTFLAGS` set to
/// [`MODULE_RUSTFLAGS`] and `CARGO_ENCODED_RUSTFLAGS` removed (it would take precedence), and
/// without the variables Cargo sets for the crate it runs ([`is_crate_variable`]). Cargo's output
/// is streamed to this process's stderr. The explicit `--target` keeps the flags away from
/// build scripts and proc macros.
///
/// # Errors
/// If a package has no binary to build, two packages have a binary of the same name (they would
/// be written to the same file), or Cargo cannot be started, fails, or does not leave every
/// binary where expected.
pub fn build_packages(
    workspace_root: &Path,
    packages: &[PackageBinaries<'_>],
) -> anyhow::Result<Vec<Vec<PathBuf>>> {
    check_binary_names(packages)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let target_dir = target_dir(workspace_root)?;
    let selection: Vec<&str> = packages
        .iter()
        .flat_map(|package| ["-p", package.package])
        .chain(
            packages
                .iter()
                .flat_map(|package| package.bins.iter().flat_map(|bin| ["--bin", bin])),
        )
        .collect();

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
        .args(&selection)
        .arg("--manifest-path")
        .arg(workspace_root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", MODULE_RUSTFLAGS)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .stderr(Stdio::inherit());
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_crate_variable) {
            command.env_remove(name);
        }
    }

    let status = command.status().with_context(|| {
        format!(
            "cannot run {} (set CARGO to the cargo binary)",
            cargo.display()
        )
    })?;
    if !status.success() {
        bail!(
            "`cargo build --profile {MODULE_PROFILE} --target {MODULE_TARGET} {}` failed ({status}); see Cargo's output above",
            selection.join(" ")
        );
    }

    packages
        .iter()
        .map(|package| {
            package
                .bins
                .iter()
                .map(|bin| {
                    let binary = target_dir
                        .join(MODULE_TARGET)
                        .join(MODULE_PROFILE)
                        .join(bin);
                    if binary.is_file() {
                        Ok(binary)
                    } else {
                        bail!(
                            "cargo build of {} succeeded but {} does not exist",
                            package.package,
                            binary.display()
                        )
                    }
                })
                .collect()
        })
        .collect()
}

/// Every package has a binary to build, and no two packages a binary of the same name.
fn check_binary_names(packages: &[PackageBinaries<'_>]) -> anyhow::Result<()> {
    if packages.is_empty() {
        bail!("no package to build");
    }
    let mut owners: HashMap<&str, &str> = HashMap::new();
    for package in packages {
        if package.bins.is_empty() {
            bail!("no binary of {} to build", package.package);
        }
        for bin in package.bins {
            if let Some(other) = owners.insert(bin, package.package) {
                bail!(
                    "{other} and {} both have a binary named {bin:?}: binaries built together are written to one directory, rename one",
                    package.package
                );
            }
        }
    }
    Ok(())
}

/// Whether `name` is a variable Cargo sets for the crate it builds or runs (`CARGO_PKG_NAME`,
/// `CARGO_MANIFEST_DIR`, `OUT_DIR`, ...), which a packager run by `cargo run` or a test inherits.
/// They are not passed on to the module build: build scripts that read them declare
/// `rerun-if-env-changed` (ring's does), which Cargo checks against its own environment, so two
/// callers with different values (a module's tests, the end-to-end suite, the main command)
/// would each rebuild those dependencies and everything above them.
#[must_use]
pub fn is_crate_variable(name: &str) -> bool {
    const PREFIXES: [&str; 4] = [
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_BIN_",
        "CARGO_CRATE_",
    ];
    const NAMES: [&str; 4] = [
        "OUT_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
    ];
    NAMES.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_variables_are_the_ones_cargo_sets_for_a_crate() {
        for name in [
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_BIN_EXE_packager",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "OUT_DIR",
        ] {
            assert!(is_crate_variable(name), "{name}");
        }
        // Cargo's own configuration reaches the child Cargo.
        for name in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_JOBS",
            "CARGO_PROFILE_MODULE_LTO",
            "CARGO_NET_OFFLINE",
            "RUSTFLAGS",
            "PATH",
        ] {
            assert!(!is_crate_variable(name), "{name}");
        }
    }

    #[test]
    fn binaries_built_together_need_distinct_names() {
        let one = PackageBinaries {
            package: "a",
            bins: &["a", "helper"],
        };
        let two = PackageBinaries {
            package: "b",
            bins: &["b", "helper"],
        };
        let error = check_binary_names(&[one, two]).unwrap_err().to_string();
        assert_eq!(
            error,
            "a and b both have a binary named \"helper\": binaries built together are written to one directory, rename one"
        );
        let none = PackageBinaries {
            package: "c",
            bins: &[],
        };
        assert_eq!(
            check_binary_names(&[one, none]).unwrap_err().to_string(),
            "no binary of c to build"
        );
        assert!(check_binary_names(&[]).is_err());
        assert!(check_binary_names(&[one]).is_ok());
    }
}
