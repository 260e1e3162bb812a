//! What an extension's `build.Dockerfile` leaves in the extended build image for its companion
//! buildpack: a small TOML file saying which runtime it installed.
//!
//! `ENV` from a `build.Dockerfile` does not reach buildpacks (the lifecycle filters their
//! environment to an allow-list), and upstream's marker files at `/` are not a format; a file in
//! `/usr/share/paketo-community/<extension>/` with a type on both sides is.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Written by the ubi-nodejs-extension.
pub const NODEJS_RUNTIME_FILE: &str =
    "/usr/share/paketo-community/ubi-nodejs-extension/runtime.toml";
/// Written by the ubi-java-extension.
pub const JAVA_RUNTIME_FILE: &str = "/usr/share/paketo-community/ubi-java-extension/runtime.toml";

/// The Node.js the ubi-nodejs-extension installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodejsRuntime {
    /// The major version, e.g. 20.
    pub major: u32,
    /// The stack it was installed for, e.g. `io.buildpacks.stacks.ubi8`.
    pub stack: String,
}

/// The JDK the ubi-java-extension installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JavaRuntime {
    /// The major version, e.g. 17.
    pub major: u32,
    /// The stack it was installed for.
    pub stack: String,
    /// Where the RPM put the JDK, e.g. `/usr/lib/jvm/java-17-openjdk`.
    pub java_home: String,
}

/// The file's contents.
#[must_use]
pub fn to_toml<T: Serialize>(runtime: &T) -> String {
    // Integers and strings always serialize.
    toml::to_string(runtime).unwrap_or_default()
}

/// Reads a hand-off file: `Ok(None)` when it does not exist (the extension did not run),
/// `Err` with a one-line reason naming the file when it exists but cannot be read or parsed.
/// Unknown keys are ignored, so an extension may add some.
///
/// # Errors
/// See above.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
    };
    toml::from_str(&text).map(Some).map_err(|error| {
        format!(
            "invalid {}: {}",
            path.display(),
            error
                .message()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_what_extensions_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.toml");
        assert_eq!(read::<JavaRuntime>(&path), Ok(None));
        let java = JavaRuntime {
            major: 21,
            stack: "io.buildpacks.stacks.ubi9".to_string(),
            java_home: "/usr/lib/jvm/java-21-openjdk".to_string(),
        };
        assert_eq!(
            to_toml(&java),
            "major = 21\nstack = \"io.buildpacks.stacks.ubi9\"\njava_home = \"/usr/lib/jvm/java-21-openjdk\"\n"
        );
        std::fs::write(&path, to_toml(&java)).unwrap();
        assert_eq!(read(&path), Ok(Some(java)));
        let node = NodejsRuntime {
            major: 20,
            stack: "io.buildpacks.stacks.ubi8".to_string(),
        };
        assert_eq!(
            to_toml(&node),
            "major = 20\nstack = \"io.buildpacks.stacks.ubi8\"\n"
        );
        std::fs::write(&path, "major = 20\nstack = \"x\"\nfuture = 1\n").unwrap();
        assert!(read::<NodejsRuntime>(&path).unwrap().is_some());
    }

    #[test]
    fn a_broken_file_is_a_one_line_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.toml");
        std::fs::write(&path, "major = \"x\"\n").unwrap();
        let error = read::<NodejsRuntime>(&path).unwrap_err();
        assert!(
            error.starts_with(&format!("invalid {}: ", path.display())),
            "{error}"
        );
        assert!(!error.contains('\n'));
    }
}
