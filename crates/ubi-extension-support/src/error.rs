//! The failures both extensions' generate share, shown the same way by both.

use crate::catalogue::{CatalogueError, Runtime};
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
    PlatformEnv(PlatformEnvError)
);
