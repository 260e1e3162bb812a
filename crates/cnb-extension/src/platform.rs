//! What the platform gives every phase: the platform directory, its `env/` files, and the target.

use platform_settings::ReadError;
use std::collections::BTreeMap;
use std::fmt;
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
    /// Reads `<dir>/env` as the lifecycle does ([`platform_settings::read_env_dir`]): links
    /// followed (Kubernetes `ConfigMap` and `Secret` volumes), directories skipped, regular files
    /// of at most 128 KiB. A missing `env` directory means no variables.
    ///
    /// # Errors
    /// When the directory cannot be listed, or one of its entries is not a readable regular
    /// file (a FIFO, a dangling link) of at most 128 KiB.
    pub fn from_dir(dir: &Path) -> Result<Self, ReadError> {
        Ok(Self {
            dir: dir.to_path_buf(),
            env: platform_settings::read_env_dir(dir)?,
        })
    }

    /// A setting: `<platform>/env/<name>` when set and not blank, else this process's `name`
    /// (where the lifecycle puts the builder's build-config env), as every module of this
    /// workspace looks settings up ([`platform_settings::setting`]).
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

/// The target the app image will run on, from `CNB_TARGET_*`.
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
}
