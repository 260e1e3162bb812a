//! The stack's catalogue of runtimes: `/etc/buildpacks/images.json` in the Paketo UBI build
//! images.
//!
//! A jam stack descriptor: a top-level `images` array with one entry per run image. The entries
//! of a runtime are named `<prefix>-<major>` (`nodejs-22`, `java-21`), one entry of the file may
//! be marked `"is_default_run_image": true`, and each has a `run_image` (a short jam name such as
//! `run-java-21`, or a full image reference). Other entries (`default`, other runtimes, names
//! that merely start like ours: `javascript-tools`, `nodejsfoo`) and other keys are ignored. A
//! [`Runtime`] says which entries to read.
//!
//! A stack gains runtimes before an extension learns to install them (and keeps some an
//! extension no longer installs): [`Catalogue::retain_installable`] keeps the majors the
//! extension can install, by the one table the extension installs from, and returns the others
//! with the reason, for the log ([`Skipped`]). Only a catalogue none of whose majors can be
//! installed is an error.
//!
//! The file is read as untrusted input: a regular file only (a FIFO is an error, not a wait),
//! at most [`CATALOGUE_LIMIT`] bytes; values are quoted cut in messages.
//!
//! ```
//! use std::path::Path;
//! use ubi_extension_support::catalogue::{Catalogue, Runtime};
//!
//! let text = r#"{"images": [
//!     {"name": "default", "run_image": "run"},
//!     {"name": "java-17", "run_image": "run-java-17"},
//!     {"name": "java-21", "run_image": "localhost/run-java-21:1"},
//!     {"name": "nodejs-22", "run_image": "run-nodejs-22", "is_default_run_image": true}
//! ]}"#;
//! let path = Path::new("/etc/buildpacks/images.json");
//! let java = Catalogue::parse(path, text, Runtime::JAVA).unwrap();
//! assert_eq!(java.majors(), [17, 21]);
//! assert_eq!(java.marked_default, None);
//! let node = Catalogue::parse(path, text, Runtime::NODEJS).unwrap();
//! assert_eq!(node.require_default(), Ok(22));
//! ```

mod error;

pub use error::CatalogueError;

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use untrusted_input::ReadErrorKind;

/// Where the UBI build images put the catalogue.
pub const DEFAULT_PATH: &str = "/etc/buildpacks/images.json";

/// The most bytes read from the catalogue (the stacks' are about 2 KiB).
pub const CATALOGUE_LIMIT: u64 = 1024 * 1024;

/// The most digits of a major in an entry's name (`u32` has 10).
const MAX_MAJOR_DIGITS: usize = 10;

/// A runtime the catalogue lists images for: which entries to read, and how to speak of it.
/// Runtimes are equal when their prefixes are.
#[derive(Debug, Clone, Copy)]
pub struct Runtime {
    /// The entries' name prefix: `nodejs` reads `nodejs-<major>`.
    pub prefix: &'static str,
    /// The runtime's name in messages, e.g. `Node.js`.
    pub name: &'static str,
    /// A major used in examples of messages.
    pub example_major: u32,
    /// Whether exactly one entry must be the default ([`Catalogue::require_default`]); when
    /// false, at most one may be.
    pub default_required: bool,
}

impl Runtime {
    /// Node.js: `nodejs-<major>`, one of them the stack's default.
    pub const NODEJS: Runtime = Runtime {
        prefix: "nodejs",
        name: "Node.js",
        example_major: 22,
        default_required: true,
    };
    /// Java: `java-<major>`; the stacks mark a Node.js entry as their default, so none of these
    /// need be.
    pub const JAVA: Runtime = Runtime {
        prefix: "java",
        name: "Java",
        example_major: 21,
        default_required: false,
    };
}

impl PartialEq for Runtime {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix
    }
}

impl Eq for Runtime {}

/// The catalogue to read: `[metadata] catalogue` of extension.toml (a setting of the builder,
/// never of the app), else [`DEFAULT_PATH`].
///
/// # Errors
/// [`CatalogueError::PathNotAbsolute`] when the configured path is relative.
pub fn configured_path(configured: Option<PathBuf>) -> Result<PathBuf, CatalogueError> {
    let path = configured.unwrap_or_else(|| PathBuf::from(DEFAULT_PATH));
    if path.is_absolute() {
        Ok(path)
    } else {
        Err(CatalogueError::PathNotAbsolute { path })
    }
}

/// The `[metadata]` table of an extension's `extension.toml` (both extensions have the same).
#[derive(Debug, Default, Deserialize)]
pub struct ExtensionMetadata {
    /// The stack's catalogue (default [`DEFAULT_PATH`]). A setting of the builder, never of the
    /// app, so that tests can point it at a fixture.
    pub catalogue: Option<PathBuf>,
}

impl ExtensionMetadata {
    /// The catalogue to read: [`configured_path`] of `metadata`'s `catalogue`.
    ///
    /// # Errors
    /// [`CatalogueError::PathNotAbsolute`] when the configured path is relative.
    pub fn catalogue_path(metadata: Option<Self>) -> Result<PathBuf, CatalogueError> {
        configured_path(metadata.and_then(|metadata| metadata.catalogue))
    }
}

/// One stream of the runtime the stack ships a run image for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// The major version, e.g. 20.
    pub major: u32,
    /// The entry's name, e.g. `nodejs-20`.
    pub name: String,
    /// The entry's `run_image`, verbatim (a short jam name such as `run-nodejs-20`, or a full
    /// image reference).
    pub run_image: Option<String>,
}

/// A stream of the catalogue the extension cannot install on the stack, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The stream.
    pub stream: Stream,
    /// Why the extension cannot install it, e.g. `newer than the Node.js this extension
    /// installs on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)`.
    pub reason: String,
    /// It is the entry marked `is_default_run_image`.
    pub marked_default: bool,
}

/// `nodejs-26: <reason>`, or `nodejs-26 (the catalogue's default): <reason>`: the log line.
impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A stream's name is `<prefix>-<digits>` (checked when parsed): shown as it is.
        f.write_str(&self.stream.name)?;
        if self.marked_default {
            f.write_str(" (the catalogue's default)")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The streams of one runtime in a stack's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// The file it was read from.
    pub path: PathBuf,
    /// The runtime whose entries were read.
    pub runtime: Runtime,
    /// Sorted by major version, ascending, each major once. May be empty.
    pub streams: Vec<Stream>,
    /// The major of the runtime's entry marked `is_default_run_image`, if one is.
    pub marked_default: Option<u32>,
}

#[derive(Deserialize)]
struct ImagesJson {
    images: Vec<Entry>,
}

/// One entry of `images`, with the keys read here.
#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(default)]
    is_default_run_image: bool,
    run_image: Option<String>,
}

impl Catalogue {
    /// Reads and checks the `runtime` entries of the catalogue at `path`.
    ///
    /// # Errors
    /// [`CatalogueError::Missing`] when the file does not exist, [`CatalogueError::Unreadable`]
    /// when it cannot be read, and the errors of [`Catalogue::parse`].
    pub fn load(path: &Path, runtime: Runtime) -> Result<Self, CatalogueError> {
        let unreadable = |reason: String| CatalogueError::Unreadable {
            path: path.to_path_buf(),
            runtime,
            reason,
        };
        let bytes = untrusted_input::read_regular_file(path, CATALOGUE_LIMIT)
            .map_err(|error| {
                unreadable(match error.kind {
                    ReadErrorKind::NotRegular(what) => format!("it is {what}, not a regular file"),
                    ReadErrorKind::TooLarge { limit } => {
                        format!("it is larger than {limit} bytes, the most read from it")
                    }
                    ReadErrorKind::DanglingLink => {
                        "it is a symbolic link to a file that does not exist".to_string()
                    }
                    ReadErrorKind::OutsideApp => error.to_string(),
                    ReadErrorKind::Io(error) => error.to_string(),
                })
            })?
            .ok_or_else(|| CatalogueError::Missing {
                path: path.to_path_buf(),
                runtime,
            })?;
        let text = untrusted_input::text_utf8(bytes)
            .ok_or_else(|| unreadable("it is not UTF-8 text".to_string()))?;
        Self::parse(path, &text, runtime)
    }

    /// Parses and checks the catalogue's text; `path` is for the errors. No entry of the
    /// runtime is not an error here (see [`Catalogue::require_default`]).
    ///
    /// # Errors
    /// [`CatalogueError::Invalid`] when the text is not JSON with an `images` array of named
    /// entries; [`CatalogueError::InvalidName`] when an entry named `<prefix>-...` is not
    /// `<prefix>-<integer>`; [`CatalogueError::DuplicateMajor`],
    /// [`CatalogueError::MultipleDefaults`]. Any integer major is kept: which of them the
    /// extension can install is [`Catalogue::retain_installable`]'s question.
    pub fn parse(path: &Path, text: &str, runtime: Runtime) -> Result<Self, CatalogueError> {
        let images: ImagesJson =
            serde_json::from_str(text).map_err(|error| CatalogueError::Invalid {
                path: path.to_path_buf(),
                runtime,
                reason: untrusted_input::bounded(&error.to_string()),
            })?;
        let mut streams: Vec<Stream> = Vec::new();
        // (name, major) of the entries marked as the default.
        let mut defaults: Vec<(String, u32)> = Vec::new();
        for image in images.images {
            // Ours: `<prefix>-...`; `javascript-tools` or `nodejsfoo` belong to someone else.
            let Some(major) = image
                .name
                .strip_prefix(runtime.prefix)
                .and_then(|rest| rest.strip_prefix('-'))
            else {
                continue;
            };
            let major = Some(major)
                .filter(|major| {
                    (1..=MAX_MAJOR_DIGITS).contains(&major.len())
                        && major.bytes().all(|b| b.is_ascii_digit())
                })
                .and_then(|major| major.parse::<u32>().ok())
                .ok_or_else(|| CatalogueError::InvalidName {
                    path: path.to_path_buf(),
                    runtime,
                    name: image.name.clone(),
                })?;
            if let Some(other) = streams.iter().find(|stream| stream.major == major) {
                return Err(CatalogueError::DuplicateMajor {
                    path: path.to_path_buf(),
                    runtime,
                    names: vec![other.name.clone(), image.name],
                });
            }
            if image.is_default_run_image {
                defaults.push((image.name.clone(), major));
            }
            streams.push(Stream {
                major,
                name: image.name,
                run_image: image.run_image,
            });
        }
        streams.sort_by_key(|stream| stream.major);
        let marked_default = match defaults.as_slice() {
            [] => None,
            [(_, major)] => Some(*major),
            _ => {
                return Err(CatalogueError::MultipleDefaults {
                    path: path.to_path_buf(),
                    runtime,
                    names: defaults.into_iter().map(|(name, _)| name).collect(),
                });
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            runtime,
            streams,
            marked_default,
        })
    }

    /// Keeps the streams the extension can install on the stack and returns the others,
    /// ascending, each with the reason `cannot_install` gives (`None`: it can install that
    /// major). `cannot_install` is the extension's one table of what it installs, so that a
    /// major is offered exactly when it can be installed. A marked default that is skipped is
    /// no longer [`Catalogue::marked_default`].
    ///
    /// # Errors
    /// [`CatalogueError::NothingInstallable`] when the catalogue lists streams but the extension
    /// can install none of them (a catalogue without streams is left as it is).
    pub fn retain_installable(
        &mut self,
        cannot_install: impl Fn(u32) -> Option<String>,
    ) -> Result<Vec<Skipped>, CatalogueError> {
        let mut skipped = Vec::new();
        let mut kept = Vec::new();
        for stream in std::mem::take(&mut self.streams) {
            match cannot_install(stream.major) {
                None => kept.push(stream),
                Some(reason) => skipped.push(Skipped {
                    marked_default: self.marked_default == Some(stream.major),
                    stream,
                    reason,
                }),
            }
        }
        self.streams = kept;
        if skipped.iter().any(|skipped| skipped.marked_default) {
            self.marked_default = None;
        }
        if self.streams.is_empty() && !skipped.is_empty() {
            return Err(CatalogueError::NothingInstallable {
                path: self.path.clone(),
                runtime: self.runtime,
                skipped,
            });
        }
        Ok(skipped)
    }

    /// The majors, ascending.
    #[must_use]
    pub fn majors(&self) -> Vec<u32> {
        self.streams.iter().map(|stream| stream.major).collect()
    }

    /// The stream of `major`.
    #[must_use]
    pub fn stream(&self, major: u32) -> Option<&Stream> {
        self.streams.iter().find(|stream| stream.major == major)
    }

    /// The default major, for a runtime that must have one: the entry marked
    /// `is_default_run_image`.
    ///
    /// # Errors
    /// [`CatalogueError::NoEntries`] when the catalogue lists no entry of the runtime,
    /// [`CatalogueError::NoDefault`] when none of them is marked.
    pub fn require_default(&self) -> Result<u32, CatalogueError> {
        if self.streams.is_empty() {
            return Err(CatalogueError::NoEntries {
                path: self.path.clone(),
                runtime: self.runtime,
            });
        }
        self.marked_default
            .ok_or_else(|| CatalogueError::NoDefault {
                path: self.path.clone(),
                runtime: self.runtime,
                names: self
                    .streams
                    .iter()
                    .map(|stream| stream.name.clone())
                    .collect(),
            })
    }
}
