//! Why the catalogue cannot be used, and what each error says.

use super::{DEFAULT_PATH, Runtime, Skipped};
use crate::comma_separated;
use crate::stack::USE_A_UBI_BUILDER;
use std::fmt;
use std::path::{Path, PathBuf};
use untrusted_input::quoted;

/// Why the catalogue cannot be used. Each names the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueError {
    /// `[metadata] catalogue` in extension.toml is not an absolute path.
    PathNotAbsolute {
        /// The configured path.
        path: PathBuf,
    },
    /// The file does not exist.
    Missing {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
    },
    /// The file cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
        /// The I/O error.
        reason: String,
    },
    /// The file is not JSON of the expected shape.
    Invalid {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
        /// The parser's message.
        reason: String,
    },
    /// No entry of the runtime, for a runtime that requires a default.
    NoEntries {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
    },
    /// The catalogue lists streams of the runtime, but the extension can install none of them
    /// on this stack.
    NothingInstallable {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
        /// Every stream, with why it cannot be installed.
        skipped: Vec<Skipped>,
    },
    /// An entry named `<prefix>-...` is not named `<prefix>-<integer>`.
    InvalidName {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
        /// The entry's name.
        name: String,
    },
    /// Two entries have the same major.
    DuplicateMajor {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
        /// The two entries' names.
        names: Vec<String>,
    },
    /// No entry of the runtime is marked `is_default_run_image`, for a runtime that requires it.
    NoDefault {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
        /// The runtime's entries.
        names: Vec<String>,
    },
    /// Several entries of the runtime are marked `is_default_run_image`.
    MultipleDefaults {
        /// The file.
        path: PathBuf,
        /// The runtime looked for.
        runtime: Runtime,
        /// The marked entries.
        names: Vec<String>,
    },
}

impl CatalogueError {
    /// The catalogue file the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::PathNotAbsolute { path }
            | Self::Missing { path, .. }
            | Self::Unreadable { path, .. }
            | Self::Invalid { path, .. }
            | Self::NoEntries { path, .. }
            | Self::InvalidName { path, .. }
            | Self::NothingInstallable { path, .. }
            | Self::DuplicateMajor { path, .. }
            | Self::NoDefault { path, .. }
            | Self::MultipleDefaults { path, .. } => path,
        }
    }
}

/// What the file should look like, for the errors about its contents.
struct Shape(Runtime);

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Runtime {
            prefix,
            name,
            default_required,
            ..
        } = self.0;
        let how_many = if default_required {
            "exactly one"
        } else {
            "at most one"
        };
        write!(
            f,
            "Expected the stack's images.json: JSON with an \"images\" array whose {name} \
             entries are named \"{prefix}-<major>\", {how_many} of them with \
             \"is_default_run_image\": true. The build image is broken: use a Paketo UBI builder."
        )
    }
}

impl fmt::Display for CatalogueError {
    #[allow(clippy::too_many_lines)] // one arm per error, each a message
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PathNotAbsolute { path } => write!(
                f,
                "extension.toml sets [metadata] catalogue = {:?}, which is not an absolute path: \
                 set it to the absolute path of the stack's images.json (default {DEFAULT_PATH}).",
                path.display().to_string(),
            ),
            Self::Missing { path, runtime } => write!(
                f,
                "the {name} version catalogue {} does not exist. The Paketo UBI build images \
                 ship it and this extension needs it to know which {name} versions the stack \
                 offers. {USE_A_UBI_BUILDER}",
                path.display(),
                name = runtime.name
            ),
            Self::Unreadable {
                path,
                runtime,
                reason,
            } => write!(
                f,
                "cannot read the {} version catalogue {}: {reason}. The file must be readable \
                 by the build user.",
                runtime.name,
                path.display()
            ),
            Self::Invalid {
                path,
                runtime,
                reason,
            } => write!(
                f,
                "the {} version catalogue {} is not valid: {reason}. {}",
                runtime.name,
                path.display(),
                Shape(*runtime)
            ),
            Self::NoEntries { path, runtime } => write!(
                f,
                "the {name} version catalogue {} lists no {name} image (no \"images\" entry \
                 whose name starts with \"{}\"): this stack offers no {name}. \
                 {USE_A_UBI_BUILDER}",
                path.display(),
                runtime.prefix,
                name = runtime.name
            ),
            Self::InvalidName {
                path,
                runtime,
                name,
            } => write!(
                f,
                "the {} version catalogue {} has an image named {}: expected \
                 \"{prefix}-<major>\" with an integer major version, e.g. \
                 \"{prefix}-{example}\". {}",
                runtime.name,
                path.display(),
                quoted(name),
                Shape(*runtime),
                prefix = runtime.prefix,
                example = runtime.example_major
            ),
            Self::NothingInstallable {
                path,
                runtime,
                skipped,
            } => write!(
                f,
                "the {name} version catalogue {} lists {name} {}, none of which this extension \
                 can install: {}. Build with a builder whose stack offers a {name} version this \
                 extension installs, or with a release of this extension that installs these.",
                path.display(),
                comma_separated(
                    &skipped
                        .iter()
                        .map(|skipped| skipped.stream.major)
                        .collect::<Vec<_>>()
                ),
                skipped
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
                name = runtime.name
            ),
            Self::DuplicateMajor {
                path,
                runtime,
                names,
            } => write!(
                f,
                "the {} version catalogue {} lists the same major version twice ({}). {}",
                runtime.name,
                path.display(),
                names.join(", "),
                Shape(*runtime)
            ),
            Self::NoDefault {
                path,
                runtime,
                names,
            } => write!(
                f,
                "the {name} version catalogue {} marks none of its {name} images ({}) as the \
                 default. {}",
                path.display(),
                names.join(", "),
                Shape(*runtime),
                name = runtime.name
            ),
            Self::MultipleDefaults {
                path,
                runtime,
                names,
            } => write!(
                f,
                "the {name} version catalogue {} marks several {name} images as the default \
                 ({}). {}",
                path.display(),
                names.join(", "),
                Shape(*runtime),
                name = runtime.name
            ),
        }
    }
}

impl std::error::Error for CatalogueError {}
