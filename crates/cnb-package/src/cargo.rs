//! Building module binaries with Cargo.

use anyhow::{Context, bail};
use std::collections::{BTreeSet, HashMap};
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

/// Binaries of one package to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageBinaries<'a> {
    /// The Cargo package (`-p`).
    pub package: &'a str,
    /// Its binaries to build (`--bin`).
    pub bins: &'a [&'a str],
}

/// Builds the binaries of every package of `packages` with the module profile for
/// [`MODULE_TARGET`], statically linked, and returns their paths
/// (`<target dir>/x86_64-unknown-linux-gnu/module/<bin>`): for each package, in the order of its
/// `bins`.
///
/// Packages are built together, in one Cargo invocation per group of [`build_groups`] (the
/// dependencies they share compile once): Cargo unifies the features of the dependencies of the
/// packages it builds together, so packages are grouped only where that changes no package's
/// dependency features, and every binary is the one its package builds alone.
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
    let names: Vec<&str> = packages.iter().map(|package| package.package).collect();
    let mut built: Vec<Vec<PathBuf>> = vec![Vec::new(); packages.len()];
    for group in build_groups(workspace_root, &names)? {
        let members: Vec<PackageBinaries<'_>> =
            group.iter().map(|&index| packages[index]).collect();
        for (index, binaries) in group
            .into_iter()
            .zip(build_together(workspace_root, &members)?)
        {
            built[index] = binaries;
        }
    }
    Ok(built)
}

/// Groups `packages` (indices, each group in the order of `packages`) so that building a group
/// in one Cargo invocation gives each of its packages the dependency features it has alone: a
/// package joins the first group with which, resolved together (`cargo tree`), every member's
/// dependencies keep their features. One package is one group, without asking Cargo.
///
/// The groups are kept in the target directory ([`GROUPS_CACHE`]), keyed by the workspace's
/// resolved dependency graph (`cargo metadata` for [`MODULE_TARGET`]: every manifest and the
/// lock file) and `packages`: a run with nothing changed asks Cargo once instead of once per
/// package and pair (about 15 `cargo tree` runs for five modules, most of a warm main command).
///
/// # Errors
/// If `cargo metadata` or `cargo tree` cannot be run or fails.
pub fn build_groups(workspace_root: &Path, packages: &[&str]) -> anyhow::Result<Vec<Vec<usize>>> {
    if packages.len() < 2 {
        return Ok(vec![(0..packages.len()).collect()]);
    }
    let cache = target_dir(workspace_root)?.join(GROUPS_CACHE);
    build_groups_cached(workspace_root, packages, &cache)
}

/// [`build_groups`] with the cache file `cache`.
fn build_groups_cached(
    workspace_root: &Path,
    packages: &[&str],
    cache: &Path,
) -> anyhow::Result<Vec<Vec<usize>>> {
    let key = groups_key(workspace_root, packages)?;
    if let Some(groups) = cached_groups(cache, &key, packages.len()) {
        return Ok(groups);
    }
    let groups = resolve_groups(workspace_root, packages)?;
    if let Err(error) = store_groups(cache, &key, &groups) {
        // The cache only saves time: the next run resolves the groups again.
        eprintln!(
            "Warning: cannot keep the build groups in {}: {error:#}",
            cache.display()
        );
    }
    Ok(groups)
}

/// Where [`build_groups`] keeps its answer, relative to the target directory.
pub const GROUPS_CACHE: &str = "cnb-package/build-groups.json";

/// The build groups as kept in [`GROUPS_CACHE`].
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedGroups {
    /// SHA-256 of the resolved graph and the package names ([`groups_key`]).
    key: String,
    groups: Vec<Vec<usize>>,
}

/// What the groups of `packages` depend on: the workspace's dependency graph resolved for
/// [`MODULE_TARGET`] (`cargo metadata`, which reads every manifest and the lock file), and the
/// packages' names in order, hashed.
fn groups_key(workspace_root: &Path, packages: &[&str]) -> anyhow::Result<String> {
    let mut command = cargo_command(workspace_root);
    command
        .args([
            "metadata",
            "--quiet",
            "--format-version",
            "1",
            "--filter-platform",
        ])
        .arg(MODULE_TARGET)
        .arg("--manifest-path")
        .arg(workspace_root.join("Cargo.toml"))
        .stdout(Stdio::piped());
    let output = command.output().context("cannot run cargo metadata")?;
    if !output.status.success() {
        bail!(
            "`cargo metadata` failed ({}); see Cargo's output above",
            output.status
        );
    }
    let mut keyed = output.stdout;
    for package in packages {
        keyed.push(0);
        keyed.extend_from_slice(package.as_bytes());
    }
    Ok(oci_layout::sha256_digest(&keyed))
}

/// The groups kept in `cache` for `key`, if they are there and are groups of `count` packages
/// (each index below `count` in exactly one group); anything else is ignored.
fn cached_groups(cache: &Path, key: &str, count: usize) -> Option<Vec<Vec<usize>>> {
    let bytes = untrusted_input::read_regular_file(cache, MAX_GROUPS_CACHE_SIZE).ok()??;
    let cached: CachedGroups = serde_json::from_slice(&bytes).ok()?;
    let mut indices: Vec<usize> = cached.groups.iter().flatten().copied().collect();
    indices.sort_unstable();
    let partition =
        indices.iter().copied().eq(0..count) && cached.groups.iter().all(|group| !group.is_empty());
    (cached.key == key && partition).then_some(cached.groups)
}

/// The largest [`GROUPS_CACHE`] file read.
const MAX_GROUPS_CACHE_SIZE: u64 = 64 * 1024;

/// Writes `groups` for `key` to `cache` (whole or not at all: a temporary file renamed).
fn store_groups(cache: &Path, key: &str, groups: &[Vec<usize>]) -> anyhow::Result<()> {
    let dir = cache.parent().context("the cache file has no directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(
        &mut file,
        &CachedGroups {
            key: key.to_string(),
            groups: groups.to_vec(),
        },
    )?;
    file.persist(cache)?;
    Ok(())
}

/// [`build_groups`] without the cache.
fn resolve_groups(workspace_root: &Path, packages: &[&str]) -> anyhow::Result<Vec<Vec<usize>>> {
    let alone = packages
        .iter()
        .map(|package| dependency_features(workspace_root, &[package]))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut groups: Vec<Vec<usize>> = Vec::new();
    'packages: for index in 0..packages.len() {
        for group in &mut groups {
            let candidate: Vec<usize> = group.iter().copied().chain([index]).collect();
            let names: Vec<&str> = candidate.iter().map(|&member| packages[member]).collect();
            let together = dependency_features(workspace_root, &names)?;
            if candidate
                .iter()
                .all(|&member| alone[member].is_subset(&together))
            {
                group.push(index);
                continue 'packages;
            }
        }
        groups.push(vec![index]);
    }
    Ok(groups)
}

/// The dependencies the binaries of `packages` link, resolved together for [`MODULE_TARGET`]
/// (`cargo tree`, normal dependencies, without proc macros and build scripts), one
/// `<package> v<version>|<features>` line each.
fn dependency_features(
    workspace_root: &Path,
    packages: &[&str],
) -> anyhow::Result<BTreeSet<String>> {
    let mut command = cargo_command(workspace_root);
    command
        .args([
            "tree",
            "--quiet",
            "--edges",
            "normal,no-proc-macro",
            "--target",
        ])
        .arg(MODULE_TARGET)
        .args(["--prefix", "none", "--format", "{p}|{f}"])
        .args(packages.iter().flat_map(|package| ["-p", package]))
        .arg("--manifest-path")
        .arg(workspace_root.join("Cargo.toml"))
        .stdout(Stdio::piped());
    let output = command.output().context("cannot run cargo tree")?;
    if !output.status.success() {
        bail!(
            "`cargo tree -p {}` failed ({}); see Cargo's output above",
            packages.join(" -p "),
            output.status
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.trim_end_matches(" (*)").to_string())
        .collect())
}

/// `$CARGO` (or `cargo`) run in `workspace_root` on its `Cargo.toml`, output to stderr, without
/// the caller's crate variables ([`is_crate_variable`]).
fn cargo_command(workspace_root: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root)
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .stderr(Stdio::inherit());
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_crate_variable) {
            command.env_remove(name);
        }
    }
    command
}

/// Builds the binaries of `packages` in one Cargo invocation (see [`build_packages`]).
fn build_together(
    workspace_root: &Path,
    packages: &[PackageBinaries<'_>],
) -> anyhow::Result<Vec<Vec<PathBuf>>> {
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

    let mut command = cargo_command(workspace_root);
    command
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
        .env_remove("CARGO_ENCODED_RUSTFLAGS");

    let status = command.status().with_context(|| {
        format!(
            "cannot run {} (set CARGO to the cargo binary)",
            command.get_program().display()
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

    /// go-app links globset, which turns on regex-automata's `perf` features; built together
    /// with the companions, their libcnb-data regex code grew by 0.3 MiB each.
    #[test]
    fn packages_build_together_only_where_no_dependency_features_change() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let packages = [
            "ubi-nodejs-buildpack",
            "go-app-buildpack",
            "ubi-nodejs-extension",
        ];
        let groups = build_groups(&root, &packages).unwrap();
        let group_of = |package: usize| groups.iter().position(|group| group.contains(&package));
        assert_ne!(group_of(0), group_of(1), "{groups:?}");
        assert_eq!(groups.concat().len(), packages.len(), "{groups:?}");
        for group in &groups {
            let names: Vec<&str> = group.iter().map(|&index| packages[index]).collect();
            let together = dependency_features(&root, &names).unwrap();
            for name in names {
                assert!(
                    dependency_features(&root, &[name])
                        .unwrap()
                        .is_subset(&together)
                );
            }
        }
        assert_eq!(build_groups(&root, &["go-app-buildpack"]).unwrap(), [[0]]);
    }

    /// A second run with nothing changed takes the groups from the cache (here a grouping that
    /// resolving would not give, so an answer equal to it can only come from the cache); a
    /// cache for other packages, or one that is not a grouping of these packages, is ignored.
    #[test]
    fn build_groups_are_kept_for_an_unchanged_workspace() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(GROUPS_CACHE);
        let packages = ["ubi-nodejs-buildpack", "go-app-buildpack"];
        let resolved = build_groups_cached(&root, &packages, &cache).unwrap();
        assert_eq!(
            resolved,
            [[0], [1]],
            "go-app changes the companion's regex features"
        );

        let key = groups_key(&root, &packages).unwrap();
        store_groups(&cache, &key, &[vec![1, 0]]).unwrap();
        assert_eq!(
            build_groups_cached(&root, &packages, &cache).unwrap(),
            [[1, 0]]
        );

        for (name, stored_key, groups) in [
            ("another selection's key", "sha256:0", vec![vec![1, 0]]),
            ("an index left out", key.as_str(), vec![vec![0]]),
            ("an index twice", key.as_str(), vec![vec![0, 0], vec![1]]),
            ("an index out of range", key.as_str(), vec![vec![0, 1, 2]]),
            ("an empty group", key.as_str(), vec![vec![0, 1], vec![]]),
        ] {
            store_groups(&cache, stored_key, &groups).unwrap();
            assert_eq!(
                build_groups_cached(&root, &packages, &cache).unwrap(),
                resolved,
                "{name}"
            );
        }
        std::fs::write(&cache, b"{ not json").unwrap();
        assert_eq!(
            build_groups_cached(&root, &packages, &cache).unwrap(),
            resolved
        );
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
