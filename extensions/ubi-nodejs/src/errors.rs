//! Everything that can stop generate, each with the offending input quoted and what to do.

use cnb_extension::DockerfileError;
use nodejs_version::PlanValueNotAString;
use std::fmt;
use ubi_companion_contract::HandOffError;
use ubi_extension_support::catalogue::CatalogueError;
use ubi_extension_support::comma_separated;
use ubi_extension_support::run_image::RunImageError;
use ubi_extension_support::stack::{Stack, StackError};
use untrusted_input::quoted;

/// Why generate failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UbiNodejsError {
    /// The Buildpack Plan has no `node` entry.
    NodeNotRequested,
    /// A `node` entry's `metadata.version` or `metadata.version-source` is not a string.
    PlanValueNotAString(PlanValueNotAString),
    /// The winning version request is neither a Node.js range nor an nvm alias: the message
    /// ([`nodejs_version::RequestError::message`], shared with the companion).
    InvalidVersionRequest(String),
    /// No Node.js stream of the stack satisfies the request.
    UnsatisfiableVersion {
        request: String,
        source: String,
        stack: Stack,
        majors: Vec<u32>,
        default_major: u32,
    },
    /// The stack's catalogue cannot be used (ubi-extension-support names the file).
    Catalogue(CatalogueError),
    /// The build is not on a UBI stack.
    Stack(StackError),
    /// The stack has no packages for the resolved major.
    UnsupportedMajor {
        major: u32,
        stack: Stack,
        supported: &'static [u32],
    },
    /// No run image can be chosen (an invalid override or catalogue entry).
    RunImage(RunImageError),
    /// A Dockerfile line was rejected (a bug: every value is validated before).
    Dockerfile(DockerfileError),
    /// The hand-off file for the companion cannot be written (a bug: its type is always TOML).
    HandOff(HandOffError),
}

impl From<DockerfileError> for UbiNodejsError {
    fn from(error: DockerfileError) -> Self {
        Self::Dockerfile(error)
    }
}

impl From<HandOffError> for UbiNodejsError {
    fn from(error: HandOffError) -> Self {
        Self::HandOff(error)
    }
}

impl From<PlanValueNotAString> for UbiNodejsError {
    fn from(error: PlanValueNotAString) -> Self {
        Self::PlanValueNotAString(error)
    }
}

impl From<CatalogueError> for UbiNodejsError {
    fn from(error: CatalogueError) -> Self {
        Self::Catalogue(error)
    }
}

impl From<StackError> for UbiNodejsError {
    fn from(error: StackError) -> Self {
        Self::Stack(error)
    }
}

impl From<RunImageError> for UbiNodejsError {
    fn from(error: RunImageError) -> Self {
        Self::RunImage(error)
    }
}

impl fmt::Display for UbiNodejsError {
    #[allow(clippy::too_many_lines)] // one arm per error, each a message
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NodeNotRequested => f.write_str(
                "Node.js no longer requested by build plan: the Buildpack Plan has no \"node\" \
                 entry, so there is nothing to install. This extension runs only when a buildpack \
                 requires node; check the builder's order.",
            ),
            Self::PlanValueNotAString(error) => error.fmt(f),
            Self::InvalidVersionRequest(message) => f.write_str(message),
            Self::UnsatisfiableVersion {
                request,
                source,
                stack,
                majors,
                default_major,
            } => write!(
                f,
                "failed to satisfy \"node\" dependency version constraint {}: no \
                 compatible versions on \"{stack}\" stack. Supported versions are: [{}]. The \
                 constraint comes from {source}: request one of these major versions (e.g. \
                 \"~{default_major}\"), or remove the request to get the default, Node.js \
                 {default_major}.",
                quoted(request),
                comma_separated(majors)
            ),
            Self::Catalogue(error) => error.fmt(f),
            Self::Stack(error) => error.fmt(f),
            Self::UnsupportedMajor {
                major,
                stack,
                supported,
            } => write!(
                f,
                "unsupported Node.js version {major} for image {stack}: this extension installs \
                 Node.js {} on {stack}. Request one of those major versions.",
                comma_separated(supported)
            ),
            Self::RunImage(error) => error.fmt(f),
            Self::Dockerfile(error) => write!(
                f,
                "internal error: {error}. Please report this: every value is validated before it \
                 reaches a Dockerfile."
            ),
            Self::HandOff(error) => write!(f, "internal error: {error}. Please report this."),
        }
    }
}

impl std::error::Error for UbiNodejsError {}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_extension::ImageReferenceError;
    use nodejs_version::RequestError;
    use std::fmt::Write;
    use std::path::PathBuf;
    use ubi_extension_support::catalogue::Runtime;

    const NODE: Runtime = Runtime::NODEJS;

    fn path() -> PathBuf {
        PathBuf::from("/etc/buildpacks/images.json")
    }

    fn image_error(input: &str) -> ImageReferenceError {
        input.parse::<cnb_extension::ImageReference>().unwrap_err()
    }

    fn names() -> Vec<String> {
        vec!["nodejs-20".to_string(), "nodejs-22".to_string()]
    }

    fn all() -> Vec<UbiNodejsError> {
        vec![
            UbiNodejsError::NodeNotRequested,
            UbiNodejsError::PlanValueNotAString(PlanValueNotAString {
                key: "version",
                value: "20".to_string(),
            }),
            UbiNodejsError::InvalidVersionRequest(
                RequestError::NotARange("it contains the character ';'".to_string())
                    .message("20; id", "package.json"),
            ),
            UbiNodejsError::InvalidVersionRequest(
                RequestError::UnknownLtsLine("nope".to_string()).message("lts/nope", ".nvmrc"),
            ),
            UbiNodejsError::UnsatisfiableVersion {
                request: "~14".to_string(),
                source: "BP_NODE_VERSION".to_string(),
                stack: Stack::Ubi9,
                majors: vec![20, 22, 24],
                default_major: 24,
            },
            UbiNodejsError::Catalogue(CatalogueError::PathNotAbsolute {
                path: PathBuf::from("images.json"),
            }),
            UbiNodejsError::Catalogue(CatalogueError::Missing {
                path: path(),
                runtime: NODE,
            }),
            UbiNodejsError::Catalogue(CatalogueError::Unreadable {
                path: path(),
                runtime: NODE,
                reason: "Permission denied (os error 13)".to_string(),
            }),
            UbiNodejsError::Catalogue(CatalogueError::Invalid {
                path: path(),
                runtime: NODE,
                reason: "expected value at line 1 column 1".to_string(),
            }),
            UbiNodejsError::Catalogue(CatalogueError::NoEntries {
                path: path(),
                runtime: NODE,
            }),
            UbiNodejsError::Catalogue(CatalogueError::InvalidName {
                path: path(),
                runtime: NODE,
                name: "nodejs-latest".to_string(),
            }),
            UbiNodejsError::Catalogue(CatalogueError::DuplicateMajor {
                path: path(),
                runtime: NODE,
                names: vec!["nodejs-20".to_string(), "nodejs-020".to_string()],
            }),
            UbiNodejsError::Catalogue(CatalogueError::NoDefault {
                path: path(),
                runtime: NODE,
                names: names(),
            }),
            UbiNodejsError::Catalogue(CatalogueError::MultipleDefaults {
                path: path(),
                runtime: NODE,
                names: names(),
            }),
            UbiNodejsError::RunImage(RunImageError::CatalogueInvalidRunImage {
                path: path(),
                runtime: NODE,
                name: "nodejs-20".to_string(),
                error: Box::new(image_error("localhost/Run")),
            }),
            UbiNodejsError::Stack(StackError::UnknownStackId(
                "io.buildpacks.stacks.jammy".to_string(),
            )),
            UbiNodejsError::Stack(StackError::UnknownTarget {
                distro_name: Some("ubuntu".to_string()),
                distro_version: None,
            }),
            UbiNodejsError::UnsupportedMajor {
                major: 16,
                stack: Stack::Ubi10,
                supported: &[22, 24],
            },
            UbiNodejsError::RunImage(RunImageError::InvalidOverride {
                runtime: NODE,
                error: image_error("run image"),
            }),
            UbiNodejsError::RunImage(RunImageError::InvalidConventionalName(image_error("Run"))),
            UbiNodejsError::Dockerfile(DockerfileError::UnsafeValue {
                what: "RUN argument",
                value: "a\nb".to_string(),
            }),
            UbiNodejsError::HandOff(HandOffError("unsupported rust type".to_string())),
        ]
    }

    /// Every message, pinned: `tests/snapshots/errors.txt` beside this crate's sources. Set
    /// `UPDATE_SNAPSHOTS=1` to rewrite it after a deliberate change, and review the diff.
    #[test]
    fn messages_snapshot() {
        let mut rendered = String::new();
        for error in all() {
            write!(rendered, "{error}\n\n").unwrap();
        }
        let snapshot =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/errors.txt");
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&snapshot, &rendered).unwrap();
        }
        assert_eq!(rendered, std::fs::read_to_string(&snapshot).unwrap());
    }
}
