//! The errors of an extension process: the runtime's own, and the extension's.

use crate::platform::MissingTargetVariable;
use crate::runtime::{MAX_INPUT_SIZE, SUPPORTED_APIS, exit_code};
use crate::untrusted::{ReadError, quoted};
use cnb_output::HeaderAndBody;
use libcnb_data::buildpack::BuildpackApi;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A failure of an extension process.
#[derive(Debug)]
pub enum Error<E> {
    /// The executable is neither `detect` nor `generate`.
    UnknownPhase(String),
    /// A required input (env var or positional argument) is missing.
    MissingInput {
        /// The variable (and argument) that was expected.
        name: &'static str,
    },
    /// An input file could not be read.
    ReadInput {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// An input file (`extension.toml`, the Buildpack Plan) is not a regular file of at most
    /// [`MAX_INPUT_SIZE`] bytes.
    UnreadableInput(ReadError),
    /// An input file is not what the spec says it is.
    InvalidInput {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// `extension.toml` declares an unsupported API.
    UnsupportedApi {
        /// The declared API.
        api: BuildpackApi,
    },
    /// `CNB_TARGET_*` is incomplete.
    Target(MissingTargetVariable),
    /// The detect plan names an empty entry.
    EmptyPlanEntryName,
    /// An output could not be written.
    WriteOutput {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The extension's own error (a rejected Dockerfile value among them: the extension's
    /// `generate` builds its Dockerfiles and returns their errors as its own).
    Extension(E),
}

impl<E> Error<E> {
    /// The exit code this error ends the process with.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::UnknownPhase(_) => exit_code::UNKNOWN_PHASE,
            Self::UnsupportedApi { .. } => exit_code::UNSUPPORTED_API,
            _ => exit_code::ERROR,
        }
    }
}

/// How the runtime shows its errors ([`Extension::on_error`]): what failed, then why and what
/// to do.
impl<E: HeaderAndBody> HeaderAndBody for Error<E> {
    fn header(&self) -> String {
        match self {
            Self::UnknownPhase(_) => {
                "This program must be run as bin/detect or bin/generate".to_string()
            }
            Self::MissingInput { name } | Self::Target(MissingTargetVariable(name)) => {
                format!("{name} is not set")
            }
            Self::ReadInput { path, .. } | Self::UnreadableInput(ReadError { path, .. }) => {
                format!("Cannot read {}", path.display())
            }
            Self::InvalidInput { path, .. } => format!("Invalid {}", path.display()),
            Self::UnsupportedApi { api } => format!("Unsupported Buildpack API {api}"),
            Self::EmptyPlanEntryName => "Invalid detect plan".to_string(),
            Self::WriteOutput { path, .. } => format!("Cannot write {}", path.display()),
            Self::Extension(error) => error.header(),
        }
    }

    fn body(&self) -> String {
        match self {
            Self::UnknownPhase(name) => format!(
                "It was run as {}.\nThe lifecycle runs an extension's bin/detect and \
                 bin/generate: package this binary as both (one a link to the other).",
                quoted(name)
            ),
            Self::MissingInput { .. } => "The lifecycle sets it when it runs an extension.\n\
                 Run this extension through a CNB lifecycle."
                .to_string(),
            Self::ReadInput { source, .. } => format!(
                "{}.\nThe lifecycle provides this file: run this extension through a CNB \
                 lifecycle.",
                if source.kind() == io::ErrorKind::NotFound {
                    "It does not exist".to_string()
                } else {
                    source.to_string()
                }
            ),
            Self::UnreadableInput(error) => format!(
                "{error}.\nThe lifecycle gives this extension regular files of at most {} MiB.",
                MAX_INPUT_SIZE >> 20
            ),
            Self::InvalidInput { message, .. } => format!(
                "{}.\nextension.toml comes with the extension, the plans from the lifecycle: \
                 check the extension's package and the lifecycle's version.",
                message.trim_end().trim_end_matches('.')
            ),
            Self::UnsupportedApi { api } => format!(
                "extension.toml declares api = \"{api}\", but this extension runtime implements \
                 {}.\nDeclare one of those, or build the extension with a runtime that \
                 implements {api}.",
                SUPPORTED_APIS
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::Target(_) => "The platform must pass the target (CNB_TARGET_OS, \
                 CNB_TARGET_ARCH) from Buildpack API 0.10 on.\nRun this extension with a \
                 lifecycle that implements Platform API 0.12 or later."
                .to_string(),
            Self::EmptyPlanEntryName => "The detect plan provides an entry with an empty \
                 name.\nThis is a bug in the extension: give every entry a name."
                .to_string(),
            Self::WriteOutput { source, .. } => format!(
                "{source}.\nCheck the permissions and free space of the lifecycle's output \
                 directory."
            ),
            Self::Extension(error) => error.body(),
        }
    }
}

/// `<header>: <body>`.
impl<E: HeaderAndBody> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.header(), self.body())
    }
}

/// An input file that is not what the spec says it is.
pub(crate) fn invalid<E>(path: &Path, error: &impl fmt::Display) -> Error<E> {
    Error::InvalidInput {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An example extension's error extension's error: what it was given to say.
    #[derive(Debug)]
    pub(crate) struct TestError(pub(crate) String);

    impl HeaderAndBody for TestError {
        fn header(&self) -> String {
            self.0.clone()
        }
        fn body(&self) -> String {
            "The example extension fails when asked to.".to_string()
        }
    }

    /// Every error of the runtime as the user sees it, one snapshot per variant
    /// (`src/snapshots/`), with realistic inputs; hostile ones are quoted and cut.
    #[test]
    fn messages() {
        let path = |p: &str| PathBuf::from(p);
        let errors: [(&str, Error<TestError>); 11] = [
            (
                "unknown_phase",
                Error::UnknownPhase(format!("build\nRUN id{}", "x".repeat(100))),
            ),
            (
                "missing_input",
                Error::MissingInput {
                    name: "CNB_EXTENSION_DIR",
                },
            ),
            (
                "read_input",
                Error::ReadInput {
                    path: path("/layers/ext/plan.toml"),
                    source: io::Error::from(io::ErrorKind::NotFound),
                },
            ),
            (
                "unreadable_input",
                Error::UnreadableInput(ReadError {
                    path: path("/layers/ext/plan.toml"),
                    kind: crate::untrusted::ReadErrorKind::NotRegular("a FIFO"),
                }),
            ),
            (
                "invalid_input",
                invalid(
                    &path("/cnb/extensions/x/extension.toml"),
                    &toml::from_str::<toml::Table>("api = \"0.10\nRUN id\"").unwrap_err(),
                ),
            ),
            (
                "unsupported_api",
                Error::UnsupportedApi {
                    api: BuildpackApi { major: 0, minor: 9 },
                },
            ),
            (
                "target",
                Error::Target(MissingTargetVariable("CNB_TARGET_ARCH")),
            ),
            ("empty_plan_entry_name", Error::EmptyPlanEntryName),
            (
                "write_output",
                Error::WriteOutput {
                    path: path("/layers/ext/build.Dockerfile"),
                    source: io::Error::from(io::ErrorKind::PermissionDenied),
                },
            ),
            (
                "extension",
                Error::Extension(TestError("The extension's own header".to_string())),
            ),
            (
                "read_input_permissions",
                Error::UnreadableInput(ReadError {
                    path: path("/layers/ext/plan.toml"),
                    kind: crate::untrusted::ReadErrorKind::Io(io::Error::from(
                        io::ErrorKind::PermissionDenied,
                    )),
                }),
            ),
        ];
        for (name, error) in errors {
            insta::assert_snapshot!(name, cnb_output::render_error(&error));
        }
    }
}
