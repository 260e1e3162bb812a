//! The errors of an extension process: the runtime's own, and the extension's.

use crate::platform::MissingTargetVariable;
use crate::runtime::{MAX_INPUT_SIZE, SUPPORTED_APIS, exit_code};
use crate::untrusted::{ReadError, quoted};
use cnb_output::HeaderAndBody;
use libcnb_data::buildpack::BuildpackApi;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A failure of an extension process, given to [`Extension::on_error`]: the runtime's own
/// (a missing or malformed input, an output that cannot be written) or the extension's
/// ([`ExtensionError::Extension`]). libcnb's `libcnb::Error`, for an extension.
///
/// [`Extension::on_error`]: crate::Extension::on_error
#[derive(Debug)]
pub enum ExtensionError<E> {
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

impl<E> ExtensionError<E> {
    /// The exit code this error ends the process with.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::UnknownPhase(_) => exit_code::UNKNOWN_PHASE,
            Self::UnsupportedApi { .. } => exit_code::UNSUPPORTED_API,
            _ => exit_code::ERROR,
        }
    }

    /// What failed: the runtime's header, or `own`'s for the extension's error.
    fn header_with(&self, own: impl FnOnce(&E) -> String) -> String {
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
            Self::Extension(error) => own(error),
        }
    }

    /// Why and what to do: the runtime's body, or `own`'s for the extension's error.
    fn body_with(&self, own: impl FnOnce(&E) -> String) -> String {
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
            Self::Extension(error) => own(error),
        }
    }
}

/// The presentation an extension opts into when its error implements [`HeaderAndBody`]
/// (`cnb_output::print_error(&error)` in [`Extension::on_error`]): the runtime's errors and the
/// extension's alike, what failed, then why and what to do.
///
/// [`Extension::on_error`]: crate::Extension::on_error
impl<E: HeaderAndBody> HeaderAndBody for ExtensionError<E> {
    fn header(&self) -> String {
        self.header_with(HeaderAndBody::header)
    }

    fn body(&self) -> String {
        self.body_with(HeaderAndBody::body)
    }
}

/// The most characters of an extension error's `Debug` form shown by default.
const DEBUG_LIMIT: usize = 4000;

/// The default presentation ([`Extension::on_error`]'s default), for any `Debug` error: the
/// runtime's errors as with [`HeaderAndBody`]; the extension's as "The extension failed" and
/// its `Debug` form, cut after [`DEBUG_LIMIT`] characters (a value in it may be megabytes).
///
/// [`Extension::on_error`]: crate::Extension::on_error
struct Unpresented<'a, E>(&'a ExtensionError<E>);

impl<E: fmt::Debug> HeaderAndBody for Unpresented<'_, E> {
    fn header(&self) -> String {
        self.0.header_with(|_| "The extension failed".to_string())
    }

    fn body(&self) -> String {
        self.0.body_with(|error| {
            let text = format!("{error:#?}");
            match text.char_indices().nth(DEBUG_LIMIT) {
                Some((cut, _)) => format!(
                    "{}... ({} more characters)",
                    &text[..cut],
                    text[cut..].chars().count()
                ),
                None => text,
            }
        })
    }
}

/// Prints `error` to stderr in the default presentation ([`Unpresented`]).
pub(crate) fn print_unpresented<E: fmt::Debug>(error: &ExtensionError<E>) {
    cnb_output::print_error(&Unpresented(error));
}

/// `<header>: <body>`, in the default presentation (the extension's error in its `Debug` form).
impl<E: fmt::Debug> fmt::Display for ExtensionError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = Unpresented(self);
        write!(f, "{}: {}", shown.header(), shown.body())
    }
}

impl<E: fmt::Debug> std::error::Error for ExtensionError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::ReadInput { source, .. } | Self::WriteOutput { source, .. } => Some(source),
            Self::UnreadableInput(error) => Some(error),
            _ => None,
        }
    }
}

/// An input file that is not what the spec says it is.
pub(crate) fn invalid<E>(path: &Path, error: &impl fmt::Display) -> ExtensionError<E> {
    ExtensionError::InvalidInput {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An example extension's error: what it was given to say.
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
        let errors: [(&str, ExtensionError<TestError>); 11] = [
            (
                "unknown_phase",
                ExtensionError::UnknownPhase(format!("build\nRUN id{}", "x".repeat(100))),
            ),
            (
                "missing_input",
                ExtensionError::MissingInput {
                    name: "CNB_EXTENSION_DIR",
                },
            ),
            (
                "read_input",
                ExtensionError::ReadInput {
                    path: path("/layers/ext/plan.toml"),
                    source: io::Error::from(io::ErrorKind::NotFound),
                },
            ),
            (
                "unreadable_input",
                ExtensionError::UnreadableInput(ReadError {
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
                ExtensionError::UnsupportedApi {
                    api: BuildpackApi { major: 0, minor: 9 },
                },
            ),
            (
                "target",
                ExtensionError::Target(MissingTargetVariable("CNB_TARGET_ARCH")),
            ),
            ("empty_plan_entry_name", ExtensionError::EmptyPlanEntryName),
            (
                "write_output",
                ExtensionError::WriteOutput {
                    path: path("/layers/ext/build.Dockerfile"),
                    source: io::Error::from(io::ErrorKind::PermissionDenied),
                },
            ),
            (
                "extension",
                ExtensionError::Extension(TestError("The extension's own header".to_string())),
            ),
            (
                "read_input_permissions",
                ExtensionError::UnreadableInput(ReadError {
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

    /// An extension error without a presentation, as libcnb's `Buildpack::Error`.
    #[derive(Debug)]
    #[allow(dead_code)] // read through Debug only
    enum PlainError {
        NoVersion { requested: String },
    }

    /// Without `on_error`, an error that is only `Debug` is shown in that form, cut; the
    /// runtime's own errors keep their message.
    #[test]
    fn default_presentation() {
        let error = ExtensionError::Extension(PlainError::NoVersion {
            requested: "20\nRUN id".to_string(),
        });
        insta::assert_snapshot!(
            "debug_extension",
            cnb_output::render_error(&Unpresented(&error))
        );
        assert!(
            error
                .to_string()
                .starts_with("The extension failed: NoVersion {")
        );

        let huge = ExtensionError::Extension(PlainError::NoVersion {
            requested: "x".repeat(10_000),
        });
        let shown = Unpresented(&huge).body();
        assert!(shown.len() < DEBUG_LIMIT + 100, "{}", shown.len());
        assert!(shown.ends_with(" more characters)"), "{shown}");

        let runtime = ExtensionError::<PlainError>::MissingInput {
            name: "CNB_EXTENSION_DIR",
        };
        assert_eq!(
            cnb_output::render_error(&Unpresented(&runtime)),
            cnb_output::render_error(&ExtensionError::<TestError>::MissingInput {
                name: "CNB_EXTENSION_DIR",
            })
        );
    }
}
