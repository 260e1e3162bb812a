//! The contract between each UBI image extension and its companion buildpack, typed once for
//! both sides.
//!
//! - **The build plan.** The companion requires an entry ([`nodejs::NODE`]; [`java::JDK`] and
//!   [`java::JRE`]) with [`RequirementMetadata`] (`version`, `version-source`, `build`, `launch`); the
//!   extension provides it and reads the request from the Buildpack Plan.
//! - **The hand-off file.** The extension's `build.Dockerfile` leaves a small TOML file in the
//!   extended build image saying which runtime it installed ([`nodejs::HAND_OFF_FILE`],
//!   [`java::HAND_OFF_FILE`]); the companion reads it. `ENV` from a `build.Dockerfile` does not
//!   reach buildpacks (the lifecycle filters their environment to an allow-list), and upstream's
//!   marker files at `/` are not a format; a file in `/usr/share/paketo-community/<extension>/`
//!   with one type for both sides is.
//!
//! The Node.js and Java parts are features (`nodejs`, `java`), so that a Node.js module links
//! no Java contract and the other way round.
//!
//! ```
//! # #[cfg(feature = "nodejs")] {
//! use ubi_companion_contract::nodejs::NodejsRuntime;
//!
//! let written = NodejsRuntime { major: 22, stack: "io.buildpacks.stacks.ubi9".into() };
//! let text = ubi_companion_contract::to_toml(&written).unwrap();
//! assert_eq!(text, "major = 22\nstack = \"io.buildpacks.stacks.ubi9\"\n");
//! assert_eq!(ubi_companion_contract::from_toml::<NodejsRuntime>(&text), Ok(written));
//! # }
//! ```

#[cfg(feature = "java")]
pub mod java;
#[cfg(feature = "nodejs")]
pub mod nodejs;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// The metadata key of a plan entry that holds the requested version.
pub const VERSION: &str = "version";
/// The metadata key of a plan entry that says where the version was asked for (Paketo's
/// `version-source`, e.g. `package.json`, `pom.xml`).
pub const VERSION_SOURCE: &str = "version-source";

/// The most bytes read from a hand-off file (a few lines in practice).
pub const HAND_OFF_LIMIT: u64 = 64 * 1024;

/// `[requires.metadata]` of a runtime entry: what the companion asks for, what the extension
/// reads (its [`VERSION`] and [`VERSION_SOURCE`] keys), and when the runtime is needed.
/// Absent values are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementMetadata {
    /// The requested version, e.g. `"20"` or `"~22.11"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where it was asked for.
    #[serde(rename = "version-source", skip_serializing_if = "Option::is_none")]
    pub version_source: Option<String>,
    /// Needed to build the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<bool>,
    /// Needed to run the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch: Option<bool>,
}

/// A hand-off file's type ([`nodejs::NodejsRuntime`], [`java::JavaRuntime`]): its contents,
/// and where the extension writes it in the build image.
pub trait HandOff: Serialize + DeserializeOwned {
    /// The file, e.g. [`nodejs::HAND_OFF_FILE`].
    const FILE: &'static str;
}

/// A hand-off file's contents that cannot be written as TOML (a bug: the extension stops
/// instead of leaving an empty file for its companion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOffError(pub String);

impl fmt::Display for HandOffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the hand-off file cannot be written as TOML: {}", self.0)
    }
}

impl std::error::Error for HandOffError {}

/// The hand-off file's contents.
///
/// # Errors
/// When `runtime` cannot be written as TOML (never for the types of this crate; tested).
pub fn to_toml<T: Serialize>(runtime: &T) -> Result<String, HandOffError> {
    toml::to_string(runtime).map_err(|error| HandOffError(error.to_string()))
}

/// Parses a hand-off file's contents. Unknown keys are ignored, so an extension may add some.
///
/// # Errors
/// A one-line reason when `text` is not the expected TOML.
pub fn from_toml<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|error| {
        error
            .message()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Reads a hand-off file as untrusted input: a regular file of at most [`HAND_OFF_LIMIT`]
/// bytes (a FIFO is an error, not a wait). `Ok(None)` when it does not exist (the extension did
/// not run), `Err` with a one-line reason naming the file when it exists but cannot be read or
/// parsed.
///
/// # Errors
/// See above.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    let Some(bytes) = untrusted_input::read_regular_file(path, HAND_OFF_LIMIT)
        .map_err(|error| error.to_string())?
    else {
        return Ok(None);
    };
    let invalid = |reason: &str| format!("invalid {}: {reason}", path.display());
    let text = String::from_utf8(bytes).map_err(|_| invalid("not UTF-8"))?;
    from_toml(&text)
        .map(Some)
        .map_err(|reason| invalid(&reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Major {
        major: u32,
    }

    #[test]
    fn a_missing_file_is_none_and_unknown_keys_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.toml");
        assert_eq!(read::<Major>(&path), Ok(None));
        std::fs::write(
            &path,
            "major = 20
stack = \"x\"\nfuture = 1\n",
        )
        .unwrap();
        assert_eq!(read(&path), Ok(Some(Major { major: 20 })));
    }

    #[test]
    fn a_broken_file_is_a_one_line_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.toml");
        std::fs::write(&path, "major = \"x\"\n").unwrap();
        let error = read::<Major>(&path).unwrap_err();
        assert!(
            error.starts_with(&format!("invalid {}: ", path.display())),
            "{error}"
        );
        assert!(!error.contains('\n'));
        std::fs::write(&path, [b'm', 0xff, b'\n']).unwrap();
        assert_eq!(
            read::<Major>(&path),
            Err(format!("invalid {}: not UTF-8", path.display()))
        );
    }

    #[test]
    fn reading_is_bounded_and_a_fifo_is_an_error_not_a_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.toml");
        let huge = format!(
            "major = 20\n#{}\n",
            "x".repeat(usize::try_from(HAND_OFF_LIMIT).unwrap())
        );
        std::fs::write(&path, huge).unwrap();
        let error = read::<Major>(&path).unwrap_err();
        assert!(error.contains("larger than 65536 bytes"), "{error}");

        let fifo = dir.path().join("fifo.toml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let error = read::<Major>(&fifo).unwrap_err();
        assert!(error.contains("not a regular file"), "{error}");
    }

    #[test]
    fn a_runtime_that_cannot_be_toml_is_an_error_not_an_empty_file() {
        // Before: `to_toml` returned "" here, and the extension wrote an empty hand-off file.
        let error = to_toml(&Some(1)).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("the hand-off file cannot be written as TOML: "),
            "{error}"
        );
        assert_eq!(
            to_toml(&Major { major: 20 }),
            Ok("major = 20\n".to_string())
        );
    }

    #[test]
    fn requirement_metadata_leaves_out_what_is_absent() {
        let request = RequirementMetadata {
            version: Some("~22.11".into()),
            version_source: Some("package.json".into()),
            build: Some(true),
            launch: None,
        };
        let text = toml::to_string(&request).unwrap();
        assert_eq!(
            text,
            "version = \"~22.11\"\nversion-source = \"package.json\"\nbuild = true\n"
        );
        assert_eq!(
            toml::from_str::<RequirementMetadata>(&text).unwrap(),
            request
        );
        assert_eq!(
            toml::to_string(&RequirementMetadata::default()).unwrap(),
            ""
        );
    }

    /// Writes `value` as the extension does and reads it back as the companion does: the text
    /// written.
    #[cfg(any(feature = "java", feature = "nodejs"))]
    fn round_trip<T: HandOff + PartialEq + fmt::Debug>(value: &T) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.toml");
        let text = to_toml(value).unwrap();
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read::<T>(&path).unwrap().as_ref(), Some(value));
        text
    }

    #[cfg(feature = "java")]
    #[test]
    fn what_the_java_extension_writes_is_what_its_companion_reads() {
        assert_eq!(
            round_trip(&java::JavaRuntime {
                major: 21,
                stack: "io.buildpacks.stacks.ubi9".to_string(),
                java_home: "/usr/lib/jvm/java-21-openjdk".to_string(),
            }),
            "major = 21\nstack = \"io.buildpacks.stacks.ubi9\"\njava_home = \"/usr/lib/jvm/java-21-openjdk\"\n"
        );
    }

    #[cfg(feature = "nodejs")]
    #[test]
    fn what_the_nodejs_extension_writes_is_what_its_companion_reads() {
        assert_eq!(
            round_trip(&nodejs::NodejsRuntime {
                major: 20,
                stack: "io.buildpacks.stacks.ubi8".to_string(),
            }),
            "major = 20\nstack = \"io.buildpacks.stacks.ubi8\"\n"
        );
        // A stack id with TOML syntax in it is quoted, not read as more keys.
        round_trip(&nodejs::NodejsRuntime {
            major: 22,
            stack: "a\"\nmajor = 1 # é".to_string(),
        });
        // A key that a newer extension writes is ignored.
        let runtime: nodejs::NodejsRuntime =
            from_toml("major = 20\nstack = \"io.buildpacks.stacks.ubi8\"\nfuture-key = 1\n")
                .unwrap();
        assert_eq!(runtime.major, 20);
    }
}
