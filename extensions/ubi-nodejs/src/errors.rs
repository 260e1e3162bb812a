//! Everything that can stop generate, each with the offending input quoted and what to do.

use crate::stack::Stack;
use cnb_extension::{DockerfileError, ImageReferenceError};
use std::fmt;
use std::path::PathBuf;

/// The platform variable that replaces the run image.
pub(crate) const RUN_IMAGE_OVERRIDE_ENV: &str = "BP_UBI_RUN_IMAGE_OVERRIDE";

/// Why generate failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UbiNodejsError {
    /// The Buildpack Plan has no `node` entry.
    NodeNotRequested,
    /// A `node` entry's `metadata.version` or `metadata.version-source` is not a string.
    PlanValueNotAString { key: &'static str, value: String },
    /// The winning version request is not a Node.js range (or holds characters no range has).
    InvalidVersionRequest {
        request: String,
        source: String,
        reason: String,
    },
    /// No Node.js stream of the stack satisfies the request.
    UnsatisfiableVersion {
        request: String,
        source: String,
        stack: Stack,
        majors: Vec<u32>,
        default_major: u32,
    },
    /// `[metadata] catalogue` in extension.toml is not an absolute path.
    CataloguePathNotAbsolute { path: PathBuf },
    /// The catalogue file does not exist.
    CatalogueMissing { path: PathBuf },
    /// The catalogue file cannot be read.
    CatalogueUnreadable { path: PathBuf, reason: String },
    /// The catalogue is not JSON of the expected shape.
    CatalogueInvalid { path: PathBuf, reason: String },
    /// The catalogue has no `nodejs*` image.
    CatalogueNoNodejs { path: PathBuf },
    /// A `nodejs*` image is not named `nodejs-<integer>`.
    CatalogueInvalidName { path: PathBuf, name: String },
    /// Two images have the same major.
    CatalogueDuplicateMajor { path: PathBuf, names: Vec<String> },
    /// No Node.js image is marked `is_default_run_image`.
    CatalogueNoDefault { path: PathBuf, names: Vec<String> },
    /// Several Node.js images are marked `is_default_run_image`.
    CatalogueMultipleDefaults { path: PathBuf, names: Vec<String> },
    /// A catalogue entry's `run_image` looks like a full reference but is not one.
    CatalogueInvalidRunImage {
        path: PathBuf,
        name: String,
        error: ImageReferenceError,
    },
    /// `CNB_STACK_ID` is not a UBI stack.
    UnknownStackId(String),
    /// No `CNB_STACK_ID`, and the target is not RHEL 8, 9 or 10.
    UnknownTarget {
        distro_name: Option<String>,
        distro_version: Option<String>,
    },
    /// The stack has no packages for the resolved major.
    UnsupportedMajor {
        major: u32,
        stack: Stack,
        supported: &'static [u32],
    },
    /// `BP_UBI_RUN_IMAGE_OVERRIDE` is not an image reference.
    InvalidRunImageOverride(ImageReferenceError),
    /// The run image named after the stack's convention does not parse (a bug).
    InvalidRunImageName(ImageReferenceError),
    /// A Dockerfile line was rejected (a bug: every value is validated before).
    Dockerfile(DockerfileError),
}

impl From<DockerfileError> for UbiNodejsError {
    fn from(error: DockerfileError) -> Self {
        Self::Dockerfile(error)
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn or_unset(value: Option<&String>) -> String {
    value.map_or_else(|| "<unset>".to_string(), |value| format!("{value:?}"))
}

const USE_A_UBI_BUILDER: &str = "Build with a Paketo UBI builder (ubi8, ubi9 or ubi10 base stack).";

const CATALOGUE_SHAPE: &str = "Expected the stack's images.json: JSON with an \"images\" array \
     whose Node.js entries are named \"nodejs-<major>\", exactly one of them with \
     \"is_default_run_image\": true. The build image is broken: use a Paketo UBI builder.";

impl fmt::Display for UbiNodejsError {
    #[allow(clippy::too_many_lines)] // one arm per error, each a message
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NodeNotRequested => f.write_str(
                "Node.js no longer requested by build plan: the Buildpack Plan has no \"node\" \
                 entry, so there is nothing to install. This extension runs only when a buildpack \
                 requires node; check the builder's order.",
            ),
            Self::PlanValueNotAString { key, value } => write!(
                f,
                "the Buildpack Plan's node entry has metadata.{key} = {value}, which is not a \
                 string. The buildpack that requires node must write it as a string, e.g. \
                 {key} = \"20\"."
            ),
            Self::InvalidVersionRequest {
                request,
                source,
                reason,
            } => write!(
                f,
                "the Node.js version {request:?} requested by {source} is not a version range \
                 ({reason}). Request a version or range as package.json engines.node accepts it, \
                 e.g. \"22\", \"~22.11\", \"^20.0.0\" or \">=20 <25\"."
            ),
            Self::UnsatisfiableVersion {
                request,
                source,
                stack,
                majors,
                default_major,
            } => write!(
                f,
                "failed to satisfy \"node\" dependency version constraint {request:?}: no \
                 compatible versions on \"{stack}\" stack. Supported versions are: [{}]. The \
                 constraint comes from {source}: request one of these major versions (e.g. \
                 \"~{default_major}\"), or remove the request to get the default, Node.js \
                 {default_major}.",
                join(majors)
            ),
            Self::CataloguePathNotAbsolute { path } => write!(
                f,
                "extension.toml sets [metadata] catalogue = {:?}, which is not an absolute path: \
                 set it to the absolute path of the stack's images.json (default {}).",
                path.display().to_string(),
                crate::catalogue::DEFAULT_PATH
            ),
            Self::CatalogueMissing { path } => write!(
                f,
                "the Node.js version catalogue {} does not exist. The Paketo UBI build images \
                 ship it and this extension needs it to know which Node.js versions the stack \
                 offers. {USE_A_UBI_BUILDER}",
                path.display()
            ),
            Self::CatalogueUnreadable { path, reason } => write!(
                f,
                "cannot read the Node.js version catalogue {}: {reason}. The file must be \
                 readable by the build user.",
                path.display()
            ),
            Self::CatalogueInvalid { path, reason } => write!(
                f,
                "the Node.js version catalogue {} is not valid: {reason}. {CATALOGUE_SHAPE}",
                path.display()
            ),
            Self::CatalogueNoNodejs { path } => write!(
                f,
                "the Node.js version catalogue {} lists no Node.js image (no \"images\" entry \
                 whose name starts with \"nodejs\"): this stack offers no Node.js. \
                 {USE_A_UBI_BUILDER}",
                path.display()
            ),
            Self::CatalogueInvalidName { path, name } => write!(
                f,
                "the Node.js version catalogue {} has an image named {name:?}: expected \
                 \"nodejs-<major>\" with an integer major version, e.g. \"nodejs-22\". \
                 {CATALOGUE_SHAPE}",
                path.display()
            ),
            Self::CatalogueDuplicateMajor { path, names } => write!(
                f,
                "the Node.js version catalogue {} lists the same major version twice ({}). \
                 {CATALOGUE_SHAPE}",
                path.display(),
                join(names)
            ),
            Self::CatalogueNoDefault { path, names } => write!(
                f,
                "the Node.js version catalogue {} marks none of its Node.js images ({}) as the \
                 default. {CATALOGUE_SHAPE}",
                path.display(),
                join(names)
            ),
            Self::CatalogueMultipleDefaults { path, names } => write!(
                f,
                "the Node.js version catalogue {} marks several Node.js images as the default \
                 ({}). {CATALOGUE_SHAPE}",
                path.display(),
                join(names)
            ),
            Self::CatalogueInvalidRunImage { path, name, error } => write!(
                f,
                "the Node.js version catalogue {} gives {name:?} a run_image that is not a valid \
                 image reference: {error}. Fix the entry, or set {RUN_IMAGE_OVERRIDE_ENV} to the \
                 run image to use.",
                path.display()
            ),
            Self::UnknownStackId(stack_id) => write!(
                f,
                "unsupported stack {stack_id:?} (CNB_STACK_ID): this extension supports {}. \
                 {USE_A_UBI_BUILDER}",
                join(&Stack::ALL)
            ),
            Self::UnknownTarget {
                distro_name,
                distro_version,
            } => write!(
                f,
                "cannot tell which UBI stack this is: CNB_STACK_ID is not set and the target \
                 distro is {} {} (CNB_TARGET_DISTRO_NAME, CNB_TARGET_DISTRO_VERSION); expected \
                 rhel 8.x, 9.x or 10.x. {USE_A_UBI_BUILDER}",
                or_unset(distro_name.as_ref()),
                or_unset(distro_version.as_ref())
            ),
            Self::UnsupportedMajor {
                major,
                stack,
                supported,
            } => write!(
                f,
                "unsupported Node.js version {major} for image {stack}: this extension installs \
                 Node.js {} on {stack}. Request one of those major versions.",
                join(supported)
            ),
            Self::InvalidRunImageOverride(error) => write!(
                f,
                "{RUN_IMAGE_OVERRIDE_ENV}: {error}. Set it to the run image to use, e.g. \
                 registry.example.com/paketo/run-nodejs-22-ubi9-base:latest, or unset it to get \
                 the stack's Node.js run image."
            ),
            Self::InvalidRunImageName(error) => write!(
                f,
                "internal error: the run image named after the stack's convention is invalid: \
                 {error}. Please report this; set {RUN_IMAGE_OVERRIDE_ENV} to work around it."
            ),
            Self::Dockerfile(error) => write!(
                f,
                "internal error: {error}. Please report this: every value is validated before it \
                 reaches a Dockerfile."
            ),
        }
    }
}

impl std::error::Error for UbiNodejsError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

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
            UbiNodejsError::PlanValueNotAString {
                key: "version",
                value: "20".to_string(),
            },
            UbiNodejsError::InvalidVersionRequest {
                request: "20; id".to_string(),
                source: "package.json".to_string(),
                reason: "it contains the character ';'".to_string(),
            },
            UbiNodejsError::UnsatisfiableVersion {
                request: "~14".to_string(),
                source: "BP_NODE_VERSION".to_string(),
                stack: Stack::Ubi9,
                majors: vec![20, 22, 24],
                default_major: 24,
            },
            UbiNodejsError::CataloguePathNotAbsolute {
                path: PathBuf::from("images.json"),
            },
            UbiNodejsError::CatalogueMissing { path: path() },
            UbiNodejsError::CatalogueUnreadable {
                path: path(),
                reason: "Permission denied (os error 13)".to_string(),
            },
            UbiNodejsError::CatalogueInvalid {
                path: path(),
                reason: "expected value at line 1 column 1".to_string(),
            },
            UbiNodejsError::CatalogueNoNodejs { path: path() },
            UbiNodejsError::CatalogueInvalidName {
                path: path(),
                name: "nodejs-latest".to_string(),
            },
            UbiNodejsError::CatalogueDuplicateMajor {
                path: path(),
                names: vec!["nodejs-20".to_string(), "nodejs-020".to_string()],
            },
            UbiNodejsError::CatalogueNoDefault {
                path: path(),
                names: names(),
            },
            UbiNodejsError::CatalogueMultipleDefaults {
                path: path(),
                names: names(),
            },
            UbiNodejsError::CatalogueInvalidRunImage {
                path: path(),
                name: "nodejs-20".to_string(),
                error: image_error("localhost/Run"),
            },
            UbiNodejsError::UnknownStackId("io.buildpacks.stacks.jammy".to_string()),
            UbiNodejsError::UnknownTarget {
                distro_name: Some("ubuntu".to_string()),
                distro_version: None,
            },
            UbiNodejsError::UnsupportedMajor {
                major: 16,
                stack: Stack::Ubi10,
                supported: &[22, 24],
            },
            UbiNodejsError::InvalidRunImageOverride(image_error("run image")),
            UbiNodejsError::InvalidRunImageName(image_error("Run")),
            UbiNodejsError::Dockerfile(DockerfileError::UnsafeValue {
                what: "RUN argument",
                value: "a\nb".to_string(),
            }),
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
