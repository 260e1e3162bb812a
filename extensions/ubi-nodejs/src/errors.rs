//! Everything that can stop generate, each with the offending input quoted and what to do.

use cnb_extension::HeaderAndBody;
use nodejs_version::PlanValueNotAString;
use ubi_extension_support::catalogue::{Runtime, Skipped};
use ubi_extension_support::stack::Stack;
use ubi_extension_support::{SharedError, comma_separated};
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
    /// No Node.js stream of the stack that this extension installs satisfies the request.
    UnsatisfiableVersion {
        request: String,
        source: String,
        stack: Stack,
        majors: Vec<u32>,
        default_major: u32,
        /// A stream of the catalogue that satisfies it but that this extension cannot install.
        skipped_match: Option<Skipped>,
    },
    /// The stack has no packages for the resolved major (a bug: only majors of the install
    /// table are resolved).
    UnsupportedMajor {
        major: u32,
        stack: Stack,
        supported: Vec<u32>,
    },
    /// The stack, its catalogue, the run image, the Dockerfile or the hand-off: shown as
    /// every UBI extension shows them. Not boxed: the error is made once per run, and boxing
    /// it cost the binary 1 to 1.5 KB (hence `result_large_err` allowed in main.rs).
    Shared(SharedError),
}

/// The shared failures' own errors (`?` on a catalogue, stack, run image, Dockerfile or
/// hand-off result).
impl<E> From<E> for UbiNodejsError
where
    SharedError: From<E>,
{
    fn from(error: E) -> Self {
        Self::Shared(error.into())
    }
}

/// Shown by the toolkit's runtime as `ERROR: <header>`, then the body indented.
impl HeaderAndBody for UbiNodejsError {
    fn header(&self) -> String {
        match self {
            Self::NodeNotRequested => "Node.js no longer requested by build plan".to_string(),
            Self::PlanValueNotAString(_) | Self::InvalidVersionRequest(_) => {
                "Invalid Node.js version request".to_string()
            }
            Self::UnsatisfiableVersion { request, stack, .. } => format!(
                "failed to satisfy \"node\" dependency version constraint {}: no compatible \
                 versions on \"{stack}\" stack",
                quoted(request)
            ),
            Self::UnsupportedMajor { major, stack, .. } => {
                format!("unsupported Node.js version {major} for image {stack}")
            }
            Self::Shared(error) => error.header(&Runtime::NODEJS),
        }
    }

    fn body(&self) -> String {
        match self {
            Self::NodeNotRequested => "The Buildpack Plan has no \"node\" entry, so there is \
                 nothing to install.\nThis extension runs only when a buildpack requires node; \
                 check the builder's order."
                .to_string(),
            Self::PlanValueNotAString(error) => error.to_string(),
            Self::InvalidVersionRequest(message) => message.clone(),
            Self::UnsatisfiableVersion {
                source,
                majors,
                default_major,
                skipped_match,
                ..
            } => format!(
                "Supported versions are: [{}]. The constraint comes from {source}.\n{}Request \
                 one of these major versions (e.g. \"~{default_major}\"), or remove the request \
                 to get the default, Node.js {default_major}.",
                comma_separated(majors),
                skipped_match
                    .as_ref()
                    .map(|skipped| format!(
                        "The stack's catalogue also lists {}, which satisfies it, but it is {}.\n",
                        skipped.stream.name, skipped.reason
                    ))
                    .unwrap_or_default()
            ),
            Self::UnsupportedMajor {
                stack, supported, ..
            } => format!(
                "This extension installs Node.js {} on {stack}.\nRequest one of those major \
                 versions.",
                comma_separated(supported)
            ),
            Self::Shared(error) => error.body(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_extension::cnb_output::render_error;
    use nodejs_version::RequestError;
    use std::path::PathBuf;
    use ubi_extension_support::catalogue::CatalogueError;

    const NODE: Runtime = Runtime::NODEJS;

    fn path() -> PathBuf {
        PathBuf::from("/etc/buildpacks/images.json")
    }

    /// nodejs-`major`, skipped on ubi8.
    fn skipped(major: u32) -> Skipped {
        Skipped {
            stream: ubi_extension_support::catalogue::Stream {
                major,
                name: format!("nodejs-{major}"),
                run_image: None,
            },
            reason: crate::packages::cannot_install(Stack::Ubi8, major).unwrap_or_default(),
            marked_default: false,
        }
    }

    /// One of each error, with realistic and hostile inputs, named for its snapshot. The shared
    /// errors (`SharedError`) are snapshot once, in ubi-extension-support; the one here shows
    /// a shared error through this extension, with its own reasons for skipping majors.
    #[allow(clippy::too_many_lines)] // one entry per error
    fn all() -> Vec<(&'static str, UbiNodejsError)> {
        vec![
            ("node_not_requested", UbiNodejsError::NodeNotRequested),
            (
                "plan_value_not_a_string",
                UbiNodejsError::PlanValueNotAString(PlanValueNotAString {
                    key: "version",
                    value: "20".to_string(),
                }),
            ),
            (
                "invalid_version_request_not_a_range",
                UbiNodejsError::InvalidVersionRequest(
                    RequestError::NotARange("it contains the character ';'".to_string())
                        .message("20; id", "package.json"),
                ),
            ),
            (
                "invalid_version_request_unknown_lts_line",
                UbiNodejsError::InvalidVersionRequest(
                    RequestError::UnknownLtsLine("nope".to_string()).message("lts/nope", ".nvmrc"),
                ),
            ),
            (
                "unsatisfiable_version",
                UbiNodejsError::UnsatisfiableVersion {
                    request: "~14".to_string(),
                    source: "BP_NODE_VERSION".to_string(),
                    stack: Stack::Ubi9,
                    majors: vec![20, 22, 24],
                    default_major: 24,
                    skipped_match: None,
                },
            ),
            (
                "unsatisfiable_version_skipped_match",
                UbiNodejsError::UnsatisfiableVersion {
                    request: "26".to_string(),
                    source: "package.json".to_string(),
                    stack: Stack::Ubi8,
                    majors: vec![22, 24],
                    default_major: 24,
                    skipped_match: Some(skipped(26)),
                },
            ),
            (
                "catalogue_nothing_installable",
                UbiNodejsError::from(CatalogueError::NothingInstallable {
                    path: path(),
                    runtime: NODE,
                    skipped: vec![skipped(10), skipped(26)],
                }),
            ),
            (
                "unsupported_major",
                UbiNodejsError::UnsupportedMajor {
                    major: 16,
                    stack: Stack::Ubi10,
                    supported: vec![22, 24],
                },
            ),
            (
                "unsatisfiable_version_hostile",
                UbiNodejsError::UnsatisfiableVersion {
                    request: format!("~99\nRUN id{}", "9".repeat(100)),
                    source: "\"x\\nRUN id\"".to_string(),
                    stack: Stack::Ubi8,
                    majors: vec![20, 22, 24],
                    default_major: 24,
                    skipped_match: None,
                },
            ),
        ]
    }

    /// Every message as the user sees it, one snapshot per error (`src/snapshots/`).
    #[test]
    fn messages() {
        for (name, error) in all() {
            insta::assert_snapshot!(name, render_error(&error));
        }
    }
}
