//! Everything that can stop generate, each with the offending input quoted and what to do.

use cnb_extension::HeaderAndBody;
use jvm_version::{BP_JVM_VERSION, JvmVersionError};
use std::path::PathBuf;
use ubi_extension_support::catalogue::{Runtime, Skipped};
use ubi_extension_support::stack::Stack;
use ubi_extension_support::{SharedError, comma_separated};
use untrusted_input::quoted;

/// Why generate failed.
#[derive(Debug)]
pub(crate) enum UbiJavaError {
    /// A `jdk`/`jre` entry's `metadata.version` or `metadata.version-source` is not a string.
    PlanValueNotAString {
        entry: &'static str,
        key: &'static str,
        value: String,
    },
    /// The deciding request is not a Java version, or holds characters no version has.
    InvalidVersion {
        request: String,
        source: String,
        reason: String,
    },
    /// The app's version files decide and one is broken (`jvm_version` says which).
    AppVersion(JvmVersionError),
    /// The stack offers no such Java major.
    UnsupportedVersion {
        major: u32,
        request: String,
        source: String,
        stack: Stack,
        majors: Vec<u32>,
        listed_by: String,
        /// A stream of the catalogue of that major, which this extension cannot install.
        skipped_match: Option<Skipped>,
    },
    /// Neither the catalogue nor the built-in table offers Java on this stack.
    NoJava {
        stack: Stack,
        path: PathBuf,
        fallback: Fallback,
    },
    /// The stack, its catalogue, the run image, the Dockerfile or the hand-off: shown as
    /// every UBI extension shows them. Not boxed: the error is made once per run, and boxing
    /// it cost the binary 1 to 1.5 KB (hence `result_large_err` allowed in main.rs).
    Shared(SharedError),
}

/// Why the built-in table is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// The catalogue file does not exist.
    Missing,
    /// The catalogue lists no `java-<major>` entry.
    NoJavaEntries,
}

/// The shared failures' own errors (`?` on a catalogue, stack, run image, Dockerfile or
/// hand-off result).
impl<E> From<E> for UbiJavaError
where
    SharedError: From<E>,
{
    fn from(error: E) -> Self {
        Self::Shared(error.into())
    }
}

/// Shown by the toolkit's runtime as `ERROR: <header>`, then the body indented.
impl HeaderAndBody for UbiJavaError {
    fn header(&self) -> String {
        match self {
            Self::PlanValueNotAString { .. } | Self::InvalidVersion { .. } => {
                "Invalid Java version request".to_string()
            }
            Self::AppVersion(_) => "Cannot use the app's Java version".to_string(),
            Self::UnsupportedVersion {
                request, source, ..
            } => format!(
                "unable to map requested Java version {} ({source}) to a UBI supported runtime",
                quoted(request)
            ),
            Self::NoJava { stack, .. } => {
                format!("{stack} offers no Java this extension knows of")
            }
            Self::Shared(error) => error.header(&Runtime::JAVA),
        }
    }

    fn body(&self) -> String {
        match self {
            Self::PlanValueNotAString { entry, key, value } => format!(
                "The Buildpack Plan's {entry} entry has metadata.{key} = {}, which is not a \
                 string.\nThe buildpack that requires {entry} must write it as a string, e.g. \
                 {key} = {}.",
                untrusted_input::bounded(value),
                if *key == "version" {
                    "\"17\""
                } else {
                    "\"pom.xml\""
                }
            ),
            Self::InvalidVersion {
                request,
                source,
                reason,
            } => format!(
                "the Java version {} requested by {source} is not a Java version ({reason}).\n\
                 Request a major version or a version such as \"17\", \"21.0.2\", \"21.*\" or \
                 \"1.8\".",
                quoted(request)
            ),
            Self::AppVersion(error) => format!(
                "{error}.\nIt decides the Java version: neither {BP_JVM_VERSION} nor the build \
                 plan asks for one."
            ),
            Self::UnsupportedVersion {
                major,
                stack,
                majors,
                listed_by,
                skipped_match,
                ..
            } => format!(
                "{stack} offers Java {} ({listed_by}), not {major}.\n{}Ask for one of those major \
                 versions, e.g. {BP_JVM_VERSION}={}.",
                comma_separated(majors),
                skipped_match
                    .as_ref()
                    .map(|skipped| format!(
                        "The catalogue also lists {}, but this extension cannot install it: it is \
                         {}.\n",
                        skipped.stream.name, skipped.reason
                    ))
                    .unwrap_or_default(),
                majors.last().copied().unwrap_or(17)
            ),
            Self::NoJava {
                stack,
                path,
                fallback,
            } => format!(
                "The Java version catalogue {} {}, and Paketo publishes no Java run image for \
                 {}.\nBuild on the ubi8 or ubi9 stack, or with a builder whose images.json lists \
                 java-<major> images.",
                path.display(),
                match fallback {
                    Fallback::Missing => "does not exist",
                    Fallback::NoJavaEntries => "lists no java-<major> image",
                },
                stack.name()
            ),
            Self::Shared(error) => error.body(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_extension::cnb_output::render_error;
    use jvm_version::{InvalidVersion, VersionSource};
    use ubi_extension_support::catalogue::CatalogueError;

    const JAVA: Runtime = Runtime::JAVA;

    /// java-`major`, skipped.
    fn skipped(major: u32) -> Skipped {
        Skipped {
            stream: ubi_extension_support::catalogue::Stream {
                major,
                name: format!("java-{major}"),
                run_image: None,
            },
            reason: crate::packages::cannot_install(major).unwrap_or_default(),
            marked_default: false,
        }
    }

    fn path() -> PathBuf {
        PathBuf::from("/etc/buildpacks/images.json")
    }

    /// One of each error, with realistic and hostile inputs, named for its snapshot. The shared
    /// errors (`SharedError`) are snapshot once, in ubi-extension-support; the one here shows
    /// a shared error through this extension, with its own reasons for skipping majors.
    #[allow(clippy::too_many_lines)] // one entry per error
    fn all() -> Vec<(&'static str, UbiJavaError)> {
        vec![
            (
                "plan_value_not_a_string_version",
                UbiJavaError::PlanValueNotAString {
                    entry: "jdk",
                    key: "version",
                    value: "17".to_string(),
                },
            ),
            (
                "plan_value_not_a_string_version_source",
                UbiJavaError::PlanValueNotAString {
                    entry: "jre",
                    key: "version-source",
                    value: "[\"a\"]".to_string(),
                },
            ),
            (
                "plan_value_not_a_string_huge",
                UbiJavaError::PlanValueNotAString {
                    entry: "jdk",
                    key: "version",
                    value: format!("[{}]", "1, ".repeat(100_000)),
                },
            ),
            (
                "invalid_version_injection",
                UbiJavaError::InvalidVersion {
                    request: "17; id".to_string(),
                    source: "BP_JVM_VERSION".to_string(),
                    reason: "it contains the character ';'".to_string(),
                },
            ),
            (
                "invalid_version_not_a_number",
                UbiJavaError::InvalidVersion {
                    request: "seventeen".to_string(),
                    source: "build plan jdk from pom.xml".to_string(),
                    reason: "the major version \"seventeen\" is not a number".to_string(),
                },
            ),
            (
                "app_version_invalid",
                UbiJavaError::AppVersion(JvmVersionError::Invalid {
                    source: VersionSource::JavaVersionFile,
                    setting: "content".to_string(),
                    value: "latest".to_string(),
                    reason: InvalidVersion {
                        reason: "the major version \"latest\" is not a number".to_string(),
                    },
                }),
            ),
            (
                "unsupported_version",
                UbiJavaError::UnsupportedVersion {
                    major: 8,
                    request: "1.8".to_string(),
                    source: "app .java-version".to_string(),
                    stack: Stack::Ubi9,
                    majors: vec![17, 21],
                    listed_by: "catalogue /etc/buildpacks/images.json".to_string(),
                    skipped_match: None,
                },
            ),
            (
                "unsupported_version_skipped_match",
                UbiJavaError::UnsupportedVersion {
                    major: 26,
                    request: "26".to_string(),
                    source: "BP_JVM_VERSION".to_string(),
                    stack: Stack::Ubi9,
                    majors: vec![17, 21],
                    listed_by: "catalogue /etc/buildpacks/images.json".to_string(),
                    skipped_match: Some(skipped(26)),
                },
            ),
            (
                "no_java",
                UbiJavaError::NoJava {
                    stack: Stack::Ubi10,
                    path: path(),
                    fallback: Fallback::NoJavaEntries,
                },
            ),
            (
                "catalogue_nothing_installable",
                UbiJavaError::from(CatalogueError::NothingInstallable {
                    path: path(),
                    runtime: JAVA,
                    skipped: vec![skipped(1), skipped(26)],
                }),
            ),
            (
                "app_version_expansion",
                UbiJavaError::AppVersion(JvmVersionError::Expansion {
                    source: VersionSource::Pom,
                    setting: "<maven.compiler.release>".to_string(),
                    error: jvm_version::ExpansionError::TooManySubstitutions,
                }),
            ),
            (
                "invalid_version_huge",
                UbiJavaError::InvalidVersion {
                    request: "1".repeat(10 << 20),
                    source: "build plan jdk from .java-version".to_string(),
                    reason: "it is 10485760 bytes long; a version is at most 64".to_string(),
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
