//! What the platform gives every phase: the platform directory, its `env/` files, and the target.

use crate::untrusted::{ReadError, ReadErrorKind, read_regular_file};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The `<platform>` directory and the user-provided environment in `<platform>/env`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platform {
    /// The `<platform>` directory.
    pub dir: PathBuf,
    /// One entry per file of `<platform>/env`: the file name is the variable's name, the file's
    /// contents (verbatim, as the lifecycle reads them) its value.
    pub env: BTreeMap<String, String>,
}

impl Platform {
    /// The largest `<platform>/env` value read: 128 KiB, the most one environment variable can
    /// hold on Linux (`MAX_ARG_STRLEN`), so the most the lifecycle can pass on as a variable.
    pub const MAX_ENV_VALUE_SIZE: u64 = 128 * 1024;

    /// Reads `<dir>/env` as the lifecycle and libcnb read it: one variable per file, the file's
    /// name the variable's name and its contents (UTF-8, invalid sequences replaced) the value;
    /// symbolic links followed (Kubernetes `ConfigMap` and `Secret` volumes, as kpack and Tekton
    /// mount them, are links into a `..data` directory), directories and links to directories
    /// skipped, every other entry a regular file of at most [`Platform::MAX_ENV_VALUE_SIZE`]
    /// bytes. A missing `env` directory means no variables.
    ///
    /// ```
    /// use cnb_extension::Platform;
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::create_dir(dir.path().join("env"))?;
    /// std::fs::write(dir.path().join("env/BP_NODE_VERSION"), "~20")?;
    /// let platform = Platform::from_dir(dir.path())?;
    /// assert_eq!(platform.env("BP_NODE_VERSION"), Some("~20"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// When the directory cannot be listed, or an entry that is not a directory is not a regular
    /// file (after links: a FIFO is an error, not a wait), is larger than
    /// [`Platform::MAX_ENV_VALUE_SIZE`], is a dangling link, or cannot be read.
    pub fn from_dir(dir: &Path) -> Result<Self, ReadError> {
        Ok(Self {
            dir: dir.to_path_buf(),
            env: read_env_dir(dir)?,
        })
    }

    /// A setting: `<platform>/env/<name>` when set and not blank, else this process's `name`
    /// (where the lifecycle puts the builder's build-config env); `None` when neither is set to
    /// something other than blanks. The value is returned verbatim.
    ///
    /// ```
    /// use cnb_extension::Platform;
    /// use std::collections::BTreeMap;
    ///
    /// let platform = Platform {
    ///     env: BTreeMap::from([
    ///         ("BP_NODE_VERSION".to_string(), "~20".to_string()),
    ///         ("BP_BLANK".to_string(), " \n".to_string()),
    ///     ]),
    ///     ..Platform::default()
    /// };
    /// assert_eq!(platform.setting("BP_NODE_VERSION").as_deref(), Some("~20"));
    /// assert_eq!(platform.setting("BP_BLANK"), None);
    /// ```
    #[must_use]
    pub fn setting(&self, name: &str) -> Option<String> {
        platform_settings::setting(&self.env, name)
    }

    /// The raw value of the user-provided variable `<platform>/env/<name>` (for settings, use
    /// [`Platform::setting`]).
    #[must_use]
    pub fn env(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str)
    }
}

/// Reads `<platform_dir>/env`: see [`Platform::from_dir`].
fn read_env_dir(platform_dir: &Path) -> Result<BTreeMap<String, String>, ReadError> {
    let env_dir = platform_dir.join("env");
    let io_error = |path: &Path, error: io::Error| ReadError {
        path: path.to_path_buf(),
        kind: ReadErrorKind::Io(error),
    };
    let entries = match std::fs::read_dir(&env_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(error) => return Err(io_error(&env_dir, error)),
    };
    let mut env = BTreeMap::new();
    for entry in entries {
        let path = entry.map_err(|error| io_error(&env_dir, error))?.path();
        // Directories, and links to them, are skipped (a ConfigMap's `..data`).
        if path.is_dir() {
            continue;
        }
        let Some(bytes) = read_regular_file(&path, Platform::MAX_ENV_VALUE_SIZE)? else {
            // Removed since it was listed.
            continue;
        };
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        env.insert(name, String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(env)
}

/// The target the app image will run on, from `CNB_TARGET_*`: the fields of libcnb's `Target`,
/// with the distribution optional (the spec makes it optional; libcnb's is a `String`).
///
/// libcnb-data's [`BuildpackTarget`](libcnb_data::buildpack::BuildpackTarget) is the other side:
/// a `[[targets]]` entry of `extension.toml`, what the extension supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `CNB_TARGET_OS`, e.g. `linux`.
    pub os: String,
    /// `CNB_TARGET_ARCH`, e.g. `amd64`.
    pub arch: String,
    /// `CNB_TARGET_ARCH_VARIANT`, e.g. `v8`.
    pub arch_variant: Option<String>,
    /// `CNB_TARGET_DISTRO_NAME`, e.g. `rhel` or `ubuntu`.
    pub distro_name: Option<String>,
    /// `CNB_TARGET_DISTRO_VERSION`, e.g. `8.10` or `24.04`.
    pub distro_version: Option<String>,
}

/// A required `CNB_TARGET_*` variable is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTargetVariable(pub &'static str);

impl fmt::Display for MissingTargetVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not set: the platform must pass the target (Buildpack API 0.10 and later)",
            self.0
        )
    }
}

impl std::error::Error for MissingTargetVariable {}

impl Target {
    /// Reads `CNB_TARGET_*` through `var`. `OS` and `ARCH` are required; the others are optional
    /// and an empty value counts as unset.
    ///
    /// # Errors
    /// When `CNB_TARGET_OS` or `CNB_TARGET_ARCH` is missing or empty.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, MissingTargetVariable> {
        let optional = |name: &str| var(name).filter(|value| !value.is_empty());
        let required = |name: &'static str| optional(name).ok_or(MissingTargetVariable(name));
        Ok(Self {
            os: required("CNB_TARGET_OS")?,
            arch: required("CNB_TARGET_ARCH")?,
            arch_variant: optional("CNB_TARGET_ARCH_VARIANT"),
            distro_name: optional("CNB_TARGET_DISTRO_NAME"),
            distro_version: optional("CNB_TARGET_DISTRO_VERSION"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_env_files_verbatim_and_follows_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("env")).unwrap();
        std::fs::write(dir.path().join("env/BP_NODE_VERSION"), "~20").unwrap();
        std::fs::write(dir.path().join("env/EMPTY"), "").unwrap();
        std::fs::write(dir.path().join("env/MULTI"), "a\nb\n").unwrap();
        std::fs::write(dir.path().join("value"), "localhost/run:1").unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("value"),
            dir.path().join("env/BP_UBI_RUN_IMAGE_OVERRIDE"),
        )
        .unwrap();
        let platform = Platform::from_dir(dir.path()).unwrap();
        assert_eq!(platform.env("BP_NODE_VERSION"), Some("~20"));
        assert_eq!(platform.env("MULTI"), Some("a\nb\n"));
        assert_eq!(platform.env("EMPTY"), Some(""));
        assert_eq!(platform.setting("EMPTY"), None);
        assert_eq!(platform.env("UNSET"), None);
        assert_eq!(
            platform.setting("BP_UBI_RUN_IMAGE_OVERRIDE").as_deref(),
            Some("localhost/run:1")
        );
    }

    #[test]
    fn a_platform_without_env_has_no_variables() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Platform::from_dir(dir.path()).unwrap().env.is_empty());
    }

    #[test]
    fn target_requires_os_and_arch() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_string())
            }
        };
        let target = Target::from_env(env(&[
            ("CNB_TARGET_OS", "linux"),
            ("CNB_TARGET_ARCH", "amd64"),
            ("CNB_TARGET_DISTRO_NAME", "rhel"),
            ("CNB_TARGET_DISTRO_VERSION", "8.10"),
            ("CNB_TARGET_ARCH_VARIANT", ""),
        ]))
        .unwrap();
        assert_eq!(target.distro_name.as_deref(), Some("rhel"));
        assert_eq!(target.arch_variant, None);
        assert_eq!(
            Target::from_env(env(&[("CNB_TARGET_OS", "linux")])),
            Err(MissingTargetVariable("CNB_TARGET_ARCH"))
        );
    }

    use std::os::unix::fs::symlink;

    fn env_dir() -> (tempfile::TempDir, std::path::PathBuf) {
        let platform = tempfile::tempdir().unwrap();
        let env = platform.path().join("env");
        std::fs::create_dir(&env).unwrap();
        (platform, env)
    }

    #[test]
    fn reads_files_verbatim() {
        let (platform, env) = env_dir();
        std::fs::write(env.join("BP_NODE_VERSION"), "~20").unwrap();
        std::fs::write(env.join("MULTI"), "a\nb\n").unwrap();
        std::fs::write(env.join("EMPTY"), "").unwrap();
        std::fs::write(env.join("LATIN1"), b"caf\xe9").unwrap();
        let values = read_env_dir(platform.path()).unwrap();
        assert_eq!(values["BP_NODE_VERSION"], "~20");
        assert_eq!(values["MULTI"], "a\nb\n");
        assert_eq!(values["EMPTY"], "");
        assert_eq!(values["LATIN1"], "caf\u{fffd}");
    }

    #[test]
    fn no_env_directory_means_no_variables() {
        let platform = tempfile::tempdir().unwrap();
        assert!(read_env_dir(platform.path()).unwrap().is_empty());
    }

    /// A `ConfigMap` volume as Kubernetes mounts it: `..<timestamp>/` holds the files,
    /// `..data` links to it, and each variable links to `..data/<name>`.
    #[test]
    fn follows_links_as_kubernetes_volumes_make_them() {
        let (platform, env) = env_dir();
        let data = env.join("..2026_11_26_00_00_00.123");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("BP_JVM_VERSION"), "17").unwrap();
        std::fs::write(data.join("BP_UBI_RUN_IMAGE_OVERRIDE"), "localhost/run:17").unwrap();
        symlink("..2026_11_26_00_00_00.123", env.join("..data")).unwrap();
        symlink("..data/BP_JVM_VERSION", env.join("BP_JVM_VERSION")).unwrap();
        symlink(
            "..data/BP_UBI_RUN_IMAGE_OVERRIDE",
            env.join("BP_UBI_RUN_IMAGE_OVERRIDE"),
        )
        .unwrap();
        let values = read_env_dir(platform.path()).unwrap();
        assert_eq!(
            values,
            BTreeMap::from([
                ("BP_JVM_VERSION".to_string(), "17".to_string()),
                (
                    "BP_UBI_RUN_IMAGE_OVERRIDE".to_string(),
                    "localhost/run:17".to_string()
                ),
            ])
        );
    }

    #[test]
    fn fifos_dangling_links_and_huge_files_are_errors() {
        let (platform, env) = env_dir();
        let fifo = env.join("FIFO");
        crate::untrusted::mkfifo(&fifo);
        let error = read_env_dir(platform.path()).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::NotRegular("a FIFO")));
        std::fs::remove_file(&fifo).unwrap();

        symlink("missing", env.join("DANGLING")).unwrap();
        let error = read_env_dir(platform.path()).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::DanglingLink));
        std::fs::remove_file(env.join("DANGLING")).unwrap();

        let limit = usize::try_from(Platform::MAX_ENV_VALUE_SIZE).unwrap();
        std::fs::write(env.join("BIG"), "x".repeat(limit + 1)).unwrap();
        let error = read_env_dir(platform.path()).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::TooLarge { .. }));
        assert!(!error.to_string().contains("xxx"));
    }
}
