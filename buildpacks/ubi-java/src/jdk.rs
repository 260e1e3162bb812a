//! The JDK in the build image: found through `javac` on `PATH`, as the RPM installs it
//! (`/usr/bin/javac` -> `/etc/alternatives/javac` -> `/usr/lib/jvm/java-17-openjdk-.../bin/javac`).

use crate::errors::UbiJavaBuildpackError;
use jvm_version::parse_major;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A JDK found on `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Jdk {
    /// `javac` as found on `PATH`.
    pub(crate) javac: PathBuf,
    /// `javac` with every symbolic link resolved.
    pub(crate) resolved_javac: PathBuf,
    /// The directory above `bin`: `JAVA_HOME`.
    pub(crate) home: PathBuf,
    /// Its version and vendor.
    pub(crate) release: Release,
}

/// A JDK's version and vendor, from `<JAVA_HOME>/release` or `java -version`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Release {
    /// `JAVA_VERSION`, e.g. `17.0.10`.
    pub(crate) java_version: Option<String>,
    /// `IMPLEMENTOR`, e.g. `Red Hat, Inc.`.
    pub(crate) implementor: Option<String>,
}

impl Jdk {
    /// The JDK's major version, when its version is known.
    pub(crate) fn major(&self) -> Option<u32> {
        self.release
            .java_version
            .as_deref()
            .and_then(|version| parse_major(version).ok())
    }
}

/// Finds `javac` on `path` (a `PATH` value) and the JDK around it.
pub(crate) fn find_jdk(path: Option<&OsStr>) -> Result<Jdk, UbiJavaBuildpackError> {
    let search_path = path.unwrap_or_default();
    let javac = find_program::find_on_path("javac", Some(search_path), Path::new("/")).ok_or_else(
        || UbiJavaBuildpackError::JdkNotFound {
            path: search_path.to_string_lossy().into_owned(),
        },
    )?;
    let resolved_javac = javac
        .canonicalize()
        .map_err(|source| UbiJavaBuildpackError::ReadApp {
            path: javac.clone(),
            source,
        })?;
    let home = java_home_of(&resolved_javac).ok_or_else(|| UbiJavaBuildpackError::JdkLayout {
        javac: javac.clone(),
        resolved: resolved_javac.clone(),
    })?;
    let release = read_release(&home);
    Ok(Jdk {
        javac,
        resolved_javac,
        home,
        release,
    })
}

/// `<home>` for `<home>/bin/javac`.
fn java_home_of(resolved_javac: &Path) -> Option<PathBuf> {
    let bin = resolved_javac.parent()?;
    if bin.file_name()? != "bin" {
        return None;
    }
    bin.parent().map(Path::to_path_buf)
}

/// The version and vendor from `<home>/release`, completed with `java -version`.
fn read_release(home: &Path) -> Release {
    let mut release = std::fs::read_to_string(home.join("release"))
        .map(|text| parse_release(&text))
        .unwrap_or_default();
    if release.java_version.is_none() {
        release.java_version = Command::new(home.join("bin").join("java"))
            .arg("-version")
            .output()
            .ok()
            .and_then(|output| {
                version_from_java_version_output(&String::from_utf8_lossy(&output.stderr))
            });
    }
    release
}

/// `JAVA_VERSION` and `IMPLEMENTOR` of a `release` file (`KEY="value"` lines).
pub(crate) fn parse_release(text: &str) -> Release {
    let field = |key: &str| {
        text.lines().find_map(|line| {
            let value = line.strip_prefix(key)?.strip_prefix('=')?;
            let value = value.trim().trim_matches('"').trim();
            (!value.is_empty()).then(|| value.to_string())
        })
    };
    Release {
        java_version: field("JAVA_VERSION"),
        implementor: field("IMPLEMENTOR"),
    }
}

/// The version in `java -version`'s first line: `openjdk version "17.0.10" 2024-01-16`.
pub(crate) fn version_from_java_version_output(output: &str) -> Option<String> {
    let line = output.lines().find(|line| line.contains(" version \""))?;
    let quoted = line.split('"').nth(1)?;
    (!quoted.is_empty()).then(|| quoted.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_harness::files::write_executable;
    use cnb_output::HeaderAndBody;

    #[test]
    fn release_files() {
        assert_eq!(
            parse_release(
                "IMPLEMENTOR=\"Red Hat, Inc.\"\nJAVA_RUNTIME_VERSION=\"17.0.10+7-LTS\"\nJAVA_VERSION=\"17.0.10\"\nJAVA_VERSION_DATE=\"2024-01-16\"\n"
            ),
            Release {
                java_version: Some("17.0.10".to_string()),
                implementor: Some("Red Hat, Inc.".to_string()),
            }
        );
        assert_eq!(parse_release("JAVA_VERSION=\"\"\n"), Release::default());
        // Java 8's release file.
        assert_eq!(
            parse_release("JAVA_VERSION=\"1.8.0_402\"\nOS_NAME=\"Linux\"\n").java_version,
            Some("1.8.0_402".to_string())
        );
    }

    #[test]
    fn java_version_output() {
        assert_eq!(
            version_from_java_version_output(
                "openjdk version \"17.0.10\" 2024-01-16 LTS\nOpenJDK Runtime Environment (Red_Hat-17.0.10.0.7-1) (build 17.0.10+7-LTS)\n"
            ),
            Some("17.0.10".to_string())
        );
        assert_eq!(
            version_from_java_version_output(
                "Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version \"1.8.0_402\"\n"
            ),
            Some("1.8.0_402".to_string())
        );
        assert_eq!(version_from_java_version_output("garbage"), None);
    }

    /// A fake RPM layout: `/usr/bin/javac` -> `/etc/alternatives/javac` -> the JDK's `bin/javac`.
    #[test]
    fn javac_is_resolved_through_alternatives() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let home = root.join("usr/lib/jvm/java-21-openjdk-21.0.2.0.13-1.el8.x86_64");
        std::fs::create_dir_all(home.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("etc/alternatives")).unwrap();
        std::fs::create_dir_all(root.join("usr/bin")).unwrap();
        let real = home.join("bin/javac");
        write_executable(&real, "#!/bin/sh\n");
        std::os::unix::fs::symlink(&real, root.join("etc/alternatives/javac")).unwrap();
        std::os::unix::fs::symlink("../../etc/alternatives/javac", root.join("usr/bin/javac"))
            .unwrap();
        std::fs::write(
            home.join("release"),
            "IMPLEMENTOR=\"Red Hat, Inc.\"\nJAVA_VERSION=\"21.0.2\"\n",
        )
        .unwrap();

        let path = std::env::join_paths([root.join("nothing"), root.join("usr/bin")]).unwrap();
        let jdk = find_jdk(Some(&path)).unwrap();
        assert_eq!(jdk.javac, root.join("usr/bin/javac"));
        assert_eq!(jdk.home, home.canonicalize().unwrap());
        assert_eq!(jdk.major(), Some(21));
        assert_eq!(jdk.release.implementor.as_deref(), Some("Red Hat, Inc."));
    }

    #[test]
    fn no_javac_and_odd_layouts_are_errors() {
        let root = tempfile::tempdir().unwrap();
        let error = find_jdk(Some(root.path().as_os_str())).unwrap_err();
        assert_eq!(error.header(), "No JDK in the build image");

        let javac = root.path().join("javac");
        write_executable(&javac, "");
        let error = find_jdk(Some(root.path().as_os_str())).unwrap_err();
        assert!(
            matches!(error, UbiJavaBuildpackError::JdkLayout { .. }),
            "{error}"
        );
    }
}
