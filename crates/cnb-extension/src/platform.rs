//! What the platform gives every phase: the platform directory, its `env/` files, and the target.

use crate::untrusted::{bounded, quoted, read_regular_file};
use cnb_output::HeaderAndBody;
use std::fmt;
use std::path::PathBuf;

/// The `<platform>` directory, and the user-provided variables of `<platform>/env`, read one at
/// a time when the extension asks for them.
///
/// Only the file of a variable asked for is opened: a CA bundle larger than any setting, a FIFO
/// or a dangling link (an optional Kubernetes `Secret` key) among the other files never fails
/// the extension. The file asked for is read as the lifecycle reads it, bounded: links followed
/// (Kubernetes `ConfigMap` and `Secret` volumes are links into a `..data` directory), a regular
/// file of at most [`Platform::MAX_ENV_VALUE_SIZE`] bytes, its contents (UTF-8, invalid
/// sequences replaced) verbatim; a missing file is an unset variable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platform {
    /// The `<platform>` directory.
    pub dir: PathBuf,
}

impl Platform {
    /// The largest `<platform>/env` value read: 128 KiB, the most one environment variable can
    /// hold on Linux (`MAX_ARG_STRLEN`), so the most the lifecycle can pass on as a variable.
    /// Applied to the variables asked for only.
    pub const MAX_ENV_VALUE_SIZE: u64 = 128 * 1024;

    /// The platform directory `dir`. Nothing is read until a variable is asked for.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The raw value of the user-provided variable `<platform>/env/<name>`, `None` when that
    /// file does not exist (for settings, use [`Platform::setting`]). Only that file is opened.
    ///
    /// ```
    /// use cnb_extension::Platform;
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::create_dir(dir.path().join("env"))?;
    /// std::fs::write(dir.path().join("env/BP_NODE_VERSION"), "~20")?;
    /// let platform = Platform::new(dir.path());
    /// assert_eq!(platform.env("BP_NODE_VERSION")?.as_deref(), Some("~20"));
    /// assert_eq!(platform.env("BP_UNSET")?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// When `name` is not a file name of `<platform>/env` (empty, `.`, `..`, or holding `/`,
    /// `=` or NUL: a bug in the extension), or its file is not a regular file once links are
    /// followed (a FIFO is an error, not a wait; a directory is an error), is larger than
    /// [`Platform::MAX_ENV_VALUE_SIZE`], is a dangling link, or cannot be read.
    pub fn env(&self, name: &str) -> Result<Option<String>, PlatformEnvError> {
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '=', '\0']) {
            return Err(PlatformEnvError {
                name: name.to_string(),
                reason: format!("{} is not a variable name", quoted(name)),
            });
        }
        let path = self.dir.join("env").join(name);
        match read_regular_file(&path, Self::MAX_ENV_VALUE_SIZE) {
            Ok(bytes) => Ok(bytes.map(|bytes| String::from_utf8_lossy(&bytes).into_owned())),
            Err(error) => Err(PlatformEnvError {
                name: name.to_string(),
                reason: error.to_string(),
            }),
        }
    }

    /// A setting: `<platform>/env/<name>` when set and not blank, else this process's `name`
    /// (where the lifecycle puts the builder's build-config env); `None` when neither is set to
    /// something other than blanks. The value is returned verbatim. Only the file of `name` is
    /// read ([`Platform::env`]).
    ///
    /// ```
    /// use cnb_extension::Platform;
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::create_dir(dir.path().join("env"))?;
    /// std::fs::write(dir.path().join("env/BP_NODE_VERSION"), "~20")?;
    /// std::fs::write(dir.path().join("env/BP_BLANK"), " \n")?;
    /// let platform = Platform::new(dir.path());
    /// assert_eq!(platform.setting("BP_NODE_VERSION")?.as_deref(), Some("~20"));
    /// assert_eq!(platform.setting("BP_BLANK")?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Platform::env`]: the file of `name` exists but is no value.
    pub fn setting(&self, name: &str) -> Result<Option<String>, PlatformEnvError> {
        platform_settings::try_setting(self, name)
    }
}

impl platform_settings::PlatformEnv for Platform {
    type Error = PlatformEnvError;

    fn platform_value(&self, name: &str) -> Result<Option<String>, PlatformEnvError> {
        self.env(name)
    }
}

/// A variable of `<platform>/env` that an extension asked for cannot be read: its file is a
/// FIFO, a directory, a dangling link, too large or unreadable.
///
/// Shown as every error is ([`HeaderAndBody`]); an extension's error type holds it to report
/// it with `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformEnvError {
    /// The variable asked for.
    pub name: String,
    /// Why its file is no value, naming the file (e.g. `/platform/env/BP_JVM_VERSION is a
    /// FIFO, not a regular file`).
    pub reason: String,
}

impl fmt::Display for PlatformEnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for PlatformEnvError {}

impl HeaderAndBody for PlatformEnvError {
    fn header(&self) -> String {
        format!("Cannot read the platform setting {}", bounded(&self.name))
    }

    fn body(&self) -> String {
        format!(
            "{}.\nEach file of <platform>/env holds one variable's value: a regular file (or a \
             link to one) of at most {} KiB. Fix or remove it.",
            self.reason,
            Platform::MAX_ENV_VALUE_SIZE / 1024
        )
    }
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
        let platform = Platform::new(platform.path());
        let value = |name: &str| platform.env(name).unwrap();
        assert_eq!(value("BP_NODE_VERSION").as_deref(), Some("~20"));
        assert_eq!(value("MULTI").as_deref(), Some("a\nb\n"));
        assert_eq!(value("EMPTY").as_deref(), Some(""));
        assert_eq!(platform.setting("EMPTY").unwrap(), None);
        assert_eq!(value("LATIN1").as_deref(), Some("caf\u{fffd}"));
        assert_eq!(value("UNSET"), None);
    }

    #[test]
    fn no_env_directory_means_no_variables() {
        let platform = tempfile::tempdir().unwrap();
        let platform = Platform::new(platform.path());
        assert_eq!(platform.env("BP_JVM_VERSION").unwrap(), None);
        let missing = Platform::new("/nonexistent/platform");
        assert_eq!(missing.setting("PLATFORM_TEST_UNSET").unwrap(), None);
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
        let platform = Platform::new(platform.path());
        assert_eq!(
            platform.setting("BP_JVM_VERSION").unwrap().as_deref(),
            Some("17")
        );
        assert_eq!(
            platform
                .setting("BP_UBI_RUN_IMAGE_OVERRIDE")
                .unwrap()
                .as_deref(),
            Some("localhost/run:17")
        );
    }

    /// A platform directory as a cluster may mount it: a CA bundle larger than any setting, a
    /// FIFO, a dangling link (an optional `Secret` key) and a directory, beside the settings.
    fn odd_platform() -> (tempfile::TempDir, Platform) {
        let (dir, env) = env_dir();
        std::fs::write(env.join("BP_JVM_VERSION"), "21").unwrap();
        std::fs::write(env.join("SSL_CERT_BUNDLE"), "x".repeat(200_000)).unwrap();
        crate::untrusted::mkfifo(&env.join("PIPE"));
        symlink("..data/OPTIONAL_KEY", env.join("OPTIONAL_KEY")).unwrap();
        std::fs::create_dir(env.join("NESTED")).unwrap();
        let platform = Platform::new(dir.path());
        (dir, platform)
    }

    /// Before, `<platform>/env` was read whole up front: any of these files failed every
    /// extension, although none asked for it.
    #[test]
    fn only_the_variables_asked_for_are_read() {
        let (_dir, platform) = odd_platform();
        assert_eq!(
            platform.setting("BP_JVM_VERSION").unwrap().as_deref(),
            Some("21")
        );
        assert_eq!(platform.setting("BP_UBI_RUN_IMAGE_OVERRIDE").unwrap(), None);
    }

    #[test]
    fn a_variable_asked_for_that_is_no_value_is_an_error_naming_it() {
        let (dir, platform) = odd_platform();
        let env = dir.path().join("env");
        for (name, reason) in [
            ("PIPE", "is a FIFO, not a regular file".to_string()),
            ("NESTED", "is a directory, not a regular file".to_string()),
            (
                "OPTIONAL_KEY",
                "is a symbolic link to a file that does not exist".to_string(),
            ),
            (
                "SSL_CERT_BUNDLE",
                format!(
                    "is larger than {} bytes, the most read from it",
                    Platform::MAX_ENV_VALUE_SIZE
                ),
            ),
        ] {
            let error = platform.setting(name).unwrap_err();
            assert_eq!(error.name, name);
            assert_eq!(
                error.reason,
                format!("{} {reason}", env.join(name).display())
            );
            assert!(!error.to_string().contains("xxx"));
        }
        for name in ["", ".", "..", "../BP_JVM_VERSION", "A=B", "A\0B"] {
            let error = platform.env(name).unwrap_err();
            assert!(error.reason.ends_with("is not a variable name"), "{error}");
        }
    }

    /// The error as the user sees it (`src/snapshots/`).
    #[test]
    fn message() {
        let error = PlatformEnvError {
            name: "BP_JVM_VERSION".to_string(),
            reason: "/platform/env/BP_JVM_VERSION is a FIFO, not a regular file".to_string(),
        };
        insta::assert_snapshot!("platform_env_error", cnb_output::render_error(&error));
    }
}
