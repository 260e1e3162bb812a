//! The failures both extensions' generate share, shown the same way by both.

use crate::catalogue::{CatalogueError, Runtime};
use crate::repositories::RepositoriesError;
use crate::run_image::RunImageError;
use crate::stack::StackError;
use cnb_extension::{DockerfileError, HeaderAndBody, PlatformEnvError};
use ubi_companion_contract::HandOffError;

/// A generate failure that is not the runtime's own: the stack, its catalogue, the run image,
/// the `build.Dockerfile` and the hand-off file. Each extension's error holds it and shows its
/// [`header`](SharedError::header) and [`body`](SharedError::body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedError {
    /// The stack's catalogue cannot be used (the error names the file).
    Catalogue(CatalogueError),
    /// The build is not on a UBI stack.
    Stack(StackError),
    /// No run image can be chosen (an invalid override or catalogue entry).
    RunImage(RunImageError),
    /// A Dockerfile line was rejected (a bug: every value is validated before).
    Dockerfile(DockerfileError),
    /// The hand-off file for the companion cannot be written (a bug: its type is always TOML).
    HandOff(HandOffError),
    /// A `<platform>/env` variable the extension reads is no value (a FIFO, a directory, a
    /// dangling link, too large): the toolkit's error.
    PlatformEnv(PlatformEnvError),
    /// The RPM repository bindings or the proxy variables cannot be used.
    Repositories(RepositoriesError),
}

impl SharedError {
    /// One line saying what failed; `runtime` names the catalogue the extension reads.
    ///
    /// ```
    /// use ubi_extension_support::SharedError;
    /// use ubi_extension_support::catalogue::{CatalogueError, Runtime};
    ///
    /// let error = SharedError::Catalogue(CatalogueError::PathNotAbsolute {
    ///     path: "images.json".into(),
    /// });
    /// assert_eq!(error.header(&Runtime::NODEJS), "Cannot use the stack's Node.js catalogue");
    /// ```
    #[must_use]
    pub fn header(&self, runtime: &Runtime) -> String {
        match self {
            Self::Catalogue(_) => format!("Cannot use the stack's {} catalogue", runtime.name),
            Self::Stack(_) => "Not a UBI stack".to_string(),
            Self::RunImage(_) => "Cannot choose the run image".to_string(),
            Self::Dockerfile(_) => "Internal error: a Dockerfile value was rejected".to_string(),
            Self::HandOff(_) => "Internal error: the hand-off file cannot be written".to_string(),
            Self::PlatformEnv(error) => error.header(),
            Self::Repositories(error) => error.header(),
        }
    }

    /// The cause, with the input quoted, and what to do.
    #[must_use]
    pub fn body(&self) -> String {
        match self {
            Self::Catalogue(error) => error.to_string(),
            Self::Stack(error) => error.to_string(),
            Self::RunImage(error) => error.to_string(),
            Self::Dockerfile(error) => format!(
                "{error}.\nPlease report this: every value is validated before it reaches a \
                 Dockerfile."
            ),
            Self::HandOff(error) => format!("{error}.\nPlease report this."),
            Self::PlatformEnv(error) => error.body(),
            Self::Repositories(error) => error.body(),
        }
    }
}

/// `From` each shared failure's own error, so that `?` wraps it.
macro_rules! from_errors {
    ($($variant:ident($error:ty)),*) => {$(
        impl From<$error> for SharedError {
            fn from(error: $error) -> Self {
                Self::$variant(error)
            }
        }
    )*};
}

from_errors!(
    Catalogue(CatalogueError),
    Stack(StackError),
    RunImage(RunImageError),
    Dockerfile(DockerfileError),
    HandOff(HandOffError),
    PlatformEnv(PlatformEnvError),
    Repositories(RepositoriesError)
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::StackError;
    use cnb_extension::cnb_output::render_error;
    use cnb_extension::{ImageReference, ImageReferenceError};
    use std::path::PathBuf;

    const NODE: Runtime = Runtime::NODEJS;
    const JAVA: Runtime = Runtime::JAVA;

    /// A shared error as an extension of `runtime` shows it.
    struct Shown(Runtime, SharedError);

    impl HeaderAndBody for Shown {
        fn header(&self) -> String {
            self.1.header(&self.0)
        }
        fn body(&self) -> String {
            self.1.body()
        }
    }

    fn path() -> PathBuf {
        PathBuf::from("/etc/buildpacks/images.json")
    }

    fn image_error(input: &str) -> ImageReferenceError {
        input.parse::<ImageReference>().unwrap_err()
    }

    fn names() -> Vec<String> {
        vec!["nodejs-20".to_string(), "nodejs-22".to_string()]
    }

    /// One of each shared error, with realistic and hostile inputs, named for its snapshot:
    /// what both extensions show (each extension's own table keeps its own errors).
    #[allow(clippy::too_many_lines)] // one entry per error
    fn all() -> Vec<(&'static str, Runtime, SharedError)> {
        vec![
            (
                "catalogue_path_not_absolute",
                NODE,
                CatalogueError::PathNotAbsolute {
                    path: PathBuf::from("images.json"),
                }
                .into(),
            ),
            (
                "catalogue_missing",
                NODE,
                CatalogueError::Missing {
                    path: path(),
                    runtime: NODE,
                }
                .into(),
            ),
            (
                "catalogue_unreadable",
                NODE,
                CatalogueError::Unreadable {
                    path: path(),
                    runtime: NODE,
                    reason: "Permission denied (os error 13)".to_string(),
                }
                .into(),
            ),
            (
                "catalogue_unreadable_fifo_java",
                JAVA,
                CatalogueError::Unreadable {
                    path: path(),
                    runtime: JAVA,
                    reason: "it is a FIFO, not a regular file".to_string(),
                }
                .into(),
            ),
            (
                "catalogue_invalid",
                NODE,
                CatalogueError::Invalid {
                    path: path(),
                    runtime: NODE,
                    reason: "expected value at line 1 column 1".to_string(),
                }
                .into(),
            ),
            (
                "catalogue_invalid_java",
                JAVA,
                CatalogueError::Invalid {
                    path: path(),
                    runtime: JAVA,
                    reason: "expected value at line 1 column 1".to_string(),
                }
                .into(),
            ),
            (
                "catalogue_no_entries",
                NODE,
                CatalogueError::NoEntries {
                    path: path(),
                    runtime: NODE,
                }
                .into(),
            ),
            (
                "catalogue_invalid_name",
                NODE,
                CatalogueError::InvalidName {
                    path: path(),
                    runtime: NODE,
                    name: "nodejs-latest".to_string(),
                }
                .into(),
            ),
            (
                "catalogue_invalid_name_java",
                JAVA,
                CatalogueError::InvalidName {
                    path: path(),
                    runtime: JAVA,
                    name: "java-latest".to_string(),
                }
                .into(),
            ),
            (
                "catalogue_duplicate_major",
                NODE,
                CatalogueError::DuplicateMajor {
                    path: path(),
                    runtime: NODE,
                    names: vec!["nodejs-20".to_string(), "nodejs-020".to_string()],
                }
                .into(),
            ),
            (
                "catalogue_no_default",
                NODE,
                CatalogueError::NoDefault {
                    path: path(),
                    runtime: NODE,
                    names: names(),
                }
                .into(),
            ),
            (
                "catalogue_multiple_defaults",
                NODE,
                CatalogueError::MultipleDefaults {
                    path: path(),
                    runtime: NODE,
                    names: names(),
                }
                .into(),
            ),
            (
                "catalogue_multiple_defaults_java",
                JAVA,
                CatalogueError::MultipleDefaults {
                    path: path(),
                    runtime: JAVA,
                    names: vec!["java-17".to_string(), "java-21".to_string()],
                }
                .into(),
            ),
            (
                "stack_unknown_stack_id",
                NODE,
                StackError::UnknownStackId("io.buildpacks.stacks.jammy".to_string()).into(),
            ),
            (
                "stack_unknown_target",
                NODE,
                StackError::UnknownTarget {
                    distro_name: Some("ubuntu".to_string()),
                    distro_version: None,
                }
                .into(),
            ),
            (
                "run_image_invalid_override",
                NODE,
                RunImageError::InvalidOverride {
                    runtime: NODE,
                    error: image_error("run image"),
                }
                .into(),
            ),
            (
                "run_image_invalid_override_java",
                JAVA,
                RunImageError::InvalidOverride {
                    runtime: JAVA,
                    error: image_error("run image"),
                }
                .into(),
            ),
            (
                "run_image_catalogue_invalid",
                NODE,
                RunImageError::CatalogueInvalidRunImage {
                    path: path(),
                    runtime: NODE,
                    name: "nodejs-20".to_string(),
                    error: Box::new(image_error("localhost/Run")),
                }
                .into(),
            ),
            (
                "run_image_catalogue_invalid_java",
                JAVA,
                RunImageError::CatalogueInvalidRunImage {
                    path: path(),
                    runtime: JAVA,
                    name: "java-21".to_string(),
                    error: Box::new(image_error("localhost/Run")),
                }
                .into(),
            ),
            (
                "run_image_invalid_conventional_name",
                NODE,
                RunImageError::InvalidConventionalName(image_error("Run")).into(),
            ),
            (
                "dockerfile",
                NODE,
                DockerfileError::UnsafeValue {
                    what: "RUN argument",
                    value: "a\nb".to_string(),
                }
                .into(),
            ),
            (
                "hand_off",
                NODE,
                HandOffError("unsupported rust type".to_string()).into(),
            ),
        ]
    }

    /// Every shared message as the user sees it, one snapshot per error (`src/snapshots/`).
    #[test]
    fn messages() {
        for (name, runtime, error) in all() {
            insta::assert_snapshot!(name, render_error(&Shown(runtime, error)));
        }
    }
}
