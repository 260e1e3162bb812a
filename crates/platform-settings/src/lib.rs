//! The one settings lookup of every module of this workspace (`BP_*` variables), and the one
//! reader of `<platform>/env`.
//!
//! - [`setting`]: the user's `<platform>/env/<NAME>` when set and not blank, else this
//!   process's `NAME` when set and not blank (the lifecycle puts the builder's build-config
//!   env there, and the platform env too for modules without `clear-env`). A blank value
//!   counts as unset; a value is returned verbatim (callers trim what they parse).
//! - [`read_env_dir`]: `<platform>/env` as the lifecycle and libcnb read it: symbolic links
//!   followed (Kubernetes `ConfigMap` and `Secret` volumes, as kpack and Tekton mount them, are
//!   links into a `..data` directory), directories and links to directories skipped, every
//!   other entry a regular file of at most [`MAX_VALUE_SIZE`] bytes, else an error (a FIFO is
//!   an error, not a wait; a dangling link is an error, as in the lifecycle).
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! let platform = BTreeMap::from([("BP_JVM_VERSION".to_string(), "17\n".to_string())]);
//! assert_eq!(platform_settings::setting(&platform, "BP_JVM_VERSION").as_deref(), Some("17\n"));
//! ```

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

pub use untrusted_input::{ReadError, ReadErrorKind};

/// The largest `<platform>/env` value read: 128 KiB, the most one environment variable can
/// hold on Linux (`MAX_ARG_STRLEN`), so the most the lifecycle can pass on as a variable.
pub const MAX_VALUE_SIZE: u64 = 128 * 1024;

/// Where a module finds the user's `<platform>/env` values.
pub trait PlatformEnv {
    /// The value of `<platform>/env/<name>`, if that file exists.
    fn platform_value(&self, name: &str) -> Option<String>;
}

impl PlatformEnv for BTreeMap<String, String> {
    fn platform_value(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

#[cfg(feature = "libcnb")]
impl PlatformEnv for libcnb::Env {
    fn platform_value(&self, name: &str) -> Option<String> {
        self.get_string_lossy(name)
    }
}

/// The setting `name`: the platform's value, else the process environment's; `None` when
/// neither is set to something other than blanks.
#[must_use]
pub fn setting(platform: &impl PlatformEnv, name: &str) -> Option<String> {
    let set = |value: &String| !value.trim().is_empty();
    platform
        .platform_value(name)
        .filter(set)
        .or_else(|| std::env::var(name).ok().filter(set))
}

/// Reads `<platform_dir>/env` (see the crate documentation): one entry per file, the file's
/// name the variable's name and its contents (UTF-8, invalid sequences replaced) the value.
/// A missing `env` directory means no variables.
///
/// # Errors
/// When the directory cannot be listed, or an entry that is not a directory is not a regular
/// file (after links), is larger than [`MAX_VALUE_SIZE`], is a dangling link, or cannot be read.
pub fn read_env_dir(platform_dir: &Path) -> Result<BTreeMap<String, String>, ReadError> {
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
        let Some(bytes) = untrusted_input::read_regular_file(&path, MAX_VALUE_SIZE)? else {
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

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let error = read_env_dir(platform.path()).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::NotRegular("a FIFO")));
        std::fs::remove_file(&fifo).unwrap();

        symlink("missing", env.join("DANGLING")).unwrap();
        let error = read_env_dir(platform.path()).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::DanglingLink));
        std::fs::remove_file(env.join("DANGLING")).unwrap();

        let limit = usize::try_from(MAX_VALUE_SIZE).unwrap();
        std::fs::write(env.join("BIG"), "x".repeat(limit + 1)).unwrap();
        let error = read_env_dir(platform.path()).unwrap_err();
        assert!(matches!(error.kind, ReadErrorKind::TooLarge { .. }));
        assert!(!error.to_string().contains("xxx"));
    }

    #[test]
    fn the_platform_wins_and_blank_is_unset() {
        let process = "PLATFORM_SETTINGS_TEST_PROCESS";
        let blank = "PLATFORM_SETTINGS_TEST_BLANK";
        let platform = BTreeMap::from([
            (process.to_string(), "from-platform".to_string()),
            (blank.to_string(), " \n".to_string()),
        ]);
        assert_eq!(
            setting(&platform, process).as_deref(),
            Some("from-platform")
        );
        assert_eq!(setting(&platform, blank), None);
        assert_eq!(setting(&platform, "PLATFORM_SETTINGS_TEST_UNSET"), None);
        // PATH is set in every test process (the build-config env stands there): the fallback.
        assert_eq!(
            setting(&BTreeMap::new(), "PATH"),
            std::env::var("PATH").ok()
        );
        let blank_path = BTreeMap::from([("PATH".to_string(), String::new())]);
        assert_eq!(setting(&blank_path, "PATH"), std::env::var("PATH").ok());
    }
}
