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

use crate::comma_separated;
use crate::stack::USE_A_UBI_BUILDER;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use untrusted_input::{ReadErrorKind, quoted};

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

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/etc/buildpacks/images.json";

    fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(Path::new(PATH), text, Runtime::NODEJS)
    }

    fn parse_java(text: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(Path::new(PATH), text, Runtime::JAVA)
    }

    fn image(name: &str, default: bool) -> String {
        format!(
            r#"{{"name": "{name}", "config_dir": "stacks/stack-{name}", "run_image": "run-{name}", "is_default_run_image": {default}}}"#
        )
    }

    fn images(entries: &[String]) -> String {
        format!(
            r#"{{"support_usns": false, "os_codename": "ubi8", "repo_type": "stack", "images": [{}]}}"#,
            entries.join(", ")
        )
    }

    fn path() -> PathBuf {
        PathBuf::from(PATH)
    }

    #[test]
    fn the_path_defaults_to_the_stacks_file_and_must_be_absolute() {
        assert_eq!(configured_path(None), Ok(path()));
        assert_eq!(
            configured_path(Some(PathBuf::from("/tmp/images.json"))),
            Ok(PathBuf::from("/tmp/images.json"))
        );
        let error = configured_path(Some(PathBuf::from("images.json"))).unwrap_err();
        assert_eq!(
            error,
            CatalogueError::PathNotAbsolute {
                path: PathBuf::from("images.json")
            }
        );
        assert_eq!(error.path(), Path::new("images.json"));
    }

    #[test]
    fn keeps_the_runtimes_images_and_finds_the_default() {
        let text = images(&[
            r#"{"name": "default", "run_image": "run", "create_build_image": true}"#.to_string(),
            image("java-17", false),
            image("nodejs-20", false),
            r#"{"name": "nodejs-16", "run_image": "run-nodejs-16"}"#.to_string(),
            image("nodejs-18", true),
            image("java-11", false),
        ]);
        let catalogue = parse(&text).unwrap();
        assert_eq!(catalogue.majors(), [16, 18, 20]);
        assert_eq!(catalogue.marked_default, Some(18));
        assert_eq!(catalogue.require_default(), Ok(18));
        assert_eq!(catalogue.path, path());
        assert_eq!(catalogue.runtime, Runtime::NODEJS);
        assert_eq!(
            catalogue.stream(20),
            Some(&Stream {
                major: 20,
                name: "nodejs-20".to_string(),
                run_image: Some("run-nodejs-20".to_string()),
            })
        );
        assert_eq!(catalogue.stream(22), None);

        let java = parse_java(&text).unwrap();
        assert_eq!(java.majors(), [11, 17]);
        assert_eq!(java.marked_default, None);
        assert_eq!(java.runtime, Runtime::JAVA);
        assert_eq!(
            java.stream(17).unwrap().run_image.as_deref(),
            Some("run-java-17")
        );
    }

    #[test]
    fn a_missing_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.json");
        let error = Catalogue::load(&path, Runtime::NODEJS).unwrap_err();
        assert_eq!(
            error,
            CatalogueError::Missing {
                path: path.clone(),
                runtime: Runtime::NODEJS
            }
        );
        assert!(
            error.to_string().starts_with(&format!(
                "the Node.js version catalogue {} does not exist",
                path.display()
            )),
            "{error}"
        );
        let error = Catalogue::load(&path, Runtime::JAVA).unwrap_err();
        assert!(
            error.to_string().starts_with(&format!(
                "the Java version catalogue {} does not exist",
                path.display()
            )),
            "{error}"
        );
    }

    #[test]
    fn an_unreadable_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be read as a file.
        let error = Catalogue::load(dir.path(), Runtime::JAVA).unwrap_err();
        assert!(
            matches!(&error, CatalogueError::Unreadable { path, .. } if path == dir.path()),
            "{error:?}"
        );
        assert!(error.to_string().starts_with(&format!(
            "cannot read the Java version catalogue {}: ",
            dir.path().display()
        )));
    }

    #[test]
    fn reads_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.json");
        std::fs::write(&path, images(&[image("nodejs-22", true)])).unwrap();
        let catalogue = Catalogue::load(&path, Runtime::NODEJS).unwrap();
        assert_eq!(catalogue.majors(), [22]);
        assert_eq!(catalogue.path, path);
    }

    /// Issue 21: a catalogue starting with a UTF-8 byte order mark was refused as not JSON.
    #[test]
    fn reads_a_file_starting_with_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.json");
        std::fs::write(
            &path,
            format!("\u{feff}{}", images(&[image("nodejs-22", true)])),
        )
        .unwrap();
        let catalogue = Catalogue::load(&path, Runtime::NODEJS).unwrap();
        assert_eq!(catalogue.majors(), [22]);
    }

    #[test]
    fn not_json_or_not_the_expected_shape_is_an_error() {
        for text in [
            "",
            "not json",
            "{\"images\": ",
            "[]",
            "{}",
            "{\"images\": {}}",
            "{\"images\": [{\"run_image\": \"x\"}]}",
            "{\"images\": [{\"name\": 20}]}",
            "{\"images\": [{\"name\": \"nodejs-20\", \"is_default_run_image\": \"yes\"}]}",
        ] {
            let error = parse(text).unwrap_err();
            assert!(
                matches!(&error, CatalogueError::Invalid { path, .. } if path == Path::new(PATH)),
                "{text}: {error:?}"
            );
            assert!(
                error.to_string().starts_with(
                    "the Node.js version catalogue /etc/buildpacks/images.json is not valid: "
                ),
                "{error}"
            );
        }
        let error = parse_java("[]").unwrap_err();
        assert!(
            error.to_string().ends_with(
                "Expected the stack's images.json: JSON with an \"images\" array whose Java \
                 entries are named \"java-<major>\", at most one of them with \
                 \"is_default_run_image\": true. The build image is broken: use a Paketo UBI \
                 builder."
            ),
            "{error}"
        );
    }

    #[test]
    fn no_entries_of_the_runtime_is_an_error_only_when_a_default_is_required() {
        let text = images(&[image("default", false), image("java-17", true)]);
        let catalogue = parse(&text).unwrap();
        assert!(catalogue.streams.is_empty());
        let error = catalogue.require_default().unwrap_err();
        assert_eq!(
            error,
            CatalogueError::NoEntries {
                path: path(),
                runtime: Runtime::NODEJS
            }
        );
        assert_eq!(
            parse("{\"images\": []}")
                .unwrap()
                .require_default()
                .unwrap_err(),
            error
        );
        let java = parse_java(&images(&[image("nodejs-22", true)])).unwrap();
        assert!(java.streams.is_empty());
        assert_eq!(java.marked_default, None);
    }

    #[test]
    fn exactly_one_default_is_required_at_most_one_allowed() {
        let none = parse(&images(&[
            image("nodejs-18", false),
            image("nodejs-20", false),
        ]))
        .unwrap()
        .require_default()
        .unwrap_err();
        assert_eq!(
            none,
            CatalogueError::NoDefault {
                path: path(),
                runtime: Runtime::NODEJS,
                names: vec!["nodejs-18".to_string(), "nodejs-20".to_string()],
            }
        );
        let two = parse(&images(&[
            image("nodejs-18", true),
            image("nodejs-20", true),
            image("nodejs-22", false),
        ]))
        .unwrap_err();
        assert_eq!(
            two,
            CatalogueError::MultipleDefaults {
                path: path(),
                runtime: Runtime::NODEJS,
                names: vec!["nodejs-18".to_string(), "nodejs-20".to_string()],
            }
        );
        // A default on an entry of another runtime does not count.
        assert!(matches!(
            parse(&images(&[
                image("java-17", true),
                image("nodejs-20", false)
            ]))
            .unwrap()
            .require_default()
            .unwrap_err(),
            CatalogueError::NoDefault { .. }
        ));
        let java = parse_java(&images(&[image("java-17", true), image("java-21", false)]));
        assert_eq!(java.unwrap().marked_default, Some(17));
        assert!(matches!(
            parse_java(&images(&[image("java-17", true), image("java-21", true)])),
            Err(CatalogueError::MultipleDefaults { .. })
        ));
    }

    #[test]
    fn the_major_must_be_an_integer() {
        for name in [
            "nodejs-",
            "nodejs-twenty",
            "nodejs-20-minimal",
            "nodejs-20.1",
            "nodejs-+20",
            "nodejs-99999999999",
            "nodejs-00000000020",
        ] {
            let error = parse(&images(&[image(name, true)])).unwrap_err();
            assert_eq!(
                error,
                CatalogueError::InvalidName {
                    path: path(),
                    runtime: Runtime::NODEJS,
                    name: name.to_string(),
                },
                "{name}"
            );
            assert!(error.to_string().contains(&format!("{name:?}")), "{error}");
        }
        for name in ["java-17-jre", "java-1.8", "java-tools"] {
            let error = parse_java(&images(&[image(name, false)])).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "the Java version catalogue {PATH} has an image named {name:?}: expected \
                     \"java-<major>\" with an integer major version, e.g. \"java-21\". \
                     Expected the stack's images.json: JSON with an \"images\" array whose Java \
                     entries are named \"java-<major>\", at most one of them with \
                     \"is_default_run_image\": true. The build image is broken: use a Paketo UBI \
                     builder."
                )
            );
        }
    }

    #[test]
    fn names_that_are_not_ours_are_ignored() {
        let text = images(&[
            image("javascript-tools", true),
            image("nodejsfoo", false),
            image("java", false),
            image("nodejs", false),
            image("javascript-17", false),
            image("nodejs20", false),
            image("java-21", false),
            image("nodejs-22", true),
        ]);
        let node = parse(&text).unwrap();
        assert_eq!((node.majors(), node.require_default()), (vec![22], Ok(22)));
        let java = parse_java(&text).unwrap();
        assert_eq!((java.majors(), java.marked_default), (vec![21], None));
    }

    /// Issue 21: a major the extension could not install (`java-26`, `java-1`, `nodejs-26`)
    /// made the whole catalogue an error, failing every build, even one asking for a major the
    /// catalogue offers and the extension installs. Parsing keeps every integer major; the
    /// extension skips what it cannot install (`retain_installable`).
    #[test]
    fn every_integer_major_is_read() {
        let text = images(&[
            image("java-0", false),
            image("java-1", false),
            image("java-17", false),
            image("java-26", false),
            image("nodejs-8", false),
            image("nodejs-23", false),
            image("nodejs-26", true),
        ]);
        assert_eq!(parse_java(&text).unwrap().majors(), [0, 1, 17, 26]);
        let node = parse(&text).unwrap();
        assert_eq!(
            (node.majors(), node.require_default()),
            (vec![8, 23, 26], Ok(26))
        );
    }

    /// What an extension that installs Node.js 22 and 24 says of the other majors.
    fn node_22_24(major: u32) -> Option<String> {
        match major {
            22 | 24 => None,
            major if major > 24 => Some("newer than it installs (22, 24)".to_string()),
            _ => Some("older than it installs (22, 24)".to_string()),
        }
    }

    #[test]
    fn majors_the_extension_cannot_install_are_skipped_with_the_reason() {
        let mut catalogue = parse(&images(&[
            image("nodejs-20", false),
            image("nodejs-22", false),
            image("nodejs-24", true),
            image("nodejs-26", false),
        ]))
        .unwrap();
        let skipped = catalogue.retain_installable(node_22_24).unwrap();
        assert_eq!(catalogue.majors(), [22, 24]);
        assert_eq!(catalogue.marked_default, Some(24));
        assert_eq!(
            skipped.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "nodejs-20: older than it installs (22, 24)",
                "nodejs-26: newer than it installs (22, 24)"
            ]
        );
        assert_eq!(
            skipped[1],
            Skipped {
                stream: Stream {
                    major: 26,
                    name: "nodejs-26".to_string(),
                    run_image: Some("run-nodejs-26".to_string()),
                },
                reason: "newer than it installs (22, 24)".to_string(),
                marked_default: false,
            }
        );

        // A skipped default is no longer the default: the extension chooses another.
        let mut catalogue = parse(&images(&[
            image("nodejs-24", false),
            image("nodejs-26", true),
        ]))
        .unwrap();
        let skipped = catalogue.retain_installable(node_22_24).unwrap();
        assert_eq!(
            (catalogue.majors(), catalogue.marked_default),
            (vec![24], None)
        );
        assert_eq!(
            skipped[0].to_string(),
            "nodejs-26 (the catalogue's default): newer than it installs (22, 24)"
        );

        // Nothing to skip, nothing listed: unchanged.
        let mut java = parse_java(&images(&[image("nodejs-22", true)])).unwrap();
        assert_eq!(java.retain_installable(|_| Some(String::new())), Ok(vec![]));
        assert!(java.streams.is_empty());
    }

    #[test]
    fn a_catalogue_none_of_whose_majors_can_be_installed_is_an_error() {
        let mut catalogue = parse(&images(&[
            image("nodejs-10", false),
            image("nodejs-12", true),
        ]))
        .unwrap();
        let error = catalogue.retain_installable(node_22_24).unwrap_err();
        assert!(
            matches!(&error, CatalogueError::NothingInstallable { skipped, .. } if skipped.len() == 2),
            "{error:?}"
        );
        assert_eq!(error.path(), Path::new(PATH));
        assert_eq!(
            error.to_string(),
            "the Node.js version catalogue /etc/buildpacks/images.json lists Node.js 10, 12, \
             none of which this extension can install: nodejs-10: older than it installs (22, \
             24); nodejs-12 (the catalogue's default): older than it installs (22, 24). Build \
             with a builder whose stack offers a Node.js version this extension installs, or \
             with a release of this extension that installs these."
        );
    }

    #[test]
    fn a_fifo_or_a_large_file_is_an_error_not_a_wait() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("images.json");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(status.unwrap().success());
        assert_eq!(
            Catalogue::load(&fifo, Runtime::JAVA)
                .unwrap_err()
                .to_string(),
            format!(
                "cannot read the Java version catalogue {}: it is a FIFO, not a regular file. \
                 The file must be readable by the build user.",
                fifo.display()
            )
        );
        let large = dir.path().join("large.json");
        let padding = " ".repeat(usize::try_from(CATALOGUE_LIMIT).unwrap());
        std::fs::write(&large, images(&[image("nodejs-22", true)]) + &padding).unwrap();
        assert!(
            Catalogue::load(&large, Runtime::NODEJS)
                .unwrap_err()
                .to_string()
                .contains(": it is larger than 1048576 bytes, the most read from it."),
        );
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("missing", &dangling).unwrap();
        assert!(matches!(
            Catalogue::load(&dangling, Runtime::NODEJS),
            Err(CatalogueError::Unreadable { .. })
        ));
        std::fs::write(&large, b"{\"images\": [\xff]}").unwrap();
        assert!(
            Catalogue::load(&large, Runtime::NODEJS)
                .unwrap_err()
                .to_string()
                .contains(": it is not UTF-8 text.")
        );
    }

    #[test]
    fn hostile_values_are_quoted_cut() {
        let long = "x".repeat(100_000);
        let error = parse(&format!(
            r#"{{"images": [{{"name": "nodejs-22", "is_default_run_image": "{long}"}}]}}"#
        ))
        .unwrap_err();
        assert!(error.to_string().len() < 800, "{error}");
        assert!(error.to_string().contains("(cut, "), "{error}");
        let error = parse(&images(&[image(&format!("nodejs-{long}"), true)])).unwrap_err();
        assert!(error.to_string().len() < 800, "{error}");
    }

    #[test]
    fn fuzz_catalogue() {
        let fixtures = [
            include_str!("../../../tests/fixtures/ubi-nodejs/images-ubi8.json"),
            include_str!("../../../tests/fixtures/ubi-nodejs/images-ubi9.json"),
            include_str!("../../../tests/fixtures/ubi-java/images-ubi9-local-run-images.json"),
            r#"{"images": [{"name": "javascript-tools"}, {"name": "java-0"}, {"name": "nodejs-020", "is_default_run_image": true}]}"#,
        ];
        fuzz_check::fuzz_text("catalogue (images.json)", &fixtures, |input| {
            for runtime in [Runtime::NODEJS, Runtime::JAVA] {
                if let Ok(catalogue) = Catalogue::parse(Path::new(PATH), input, runtime) {
                    let _ = catalogue.require_default();
                }
            }
        });
    }

    #[test]
    fn a_major_listed_twice_is_an_error() {
        let error = parse(&images(&[
            image("nodejs-20", true),
            image("nodejs-020", false),
        ]))
        .unwrap_err();
        assert_eq!(
            error,
            CatalogueError::DuplicateMajor {
                path: path(),
                runtime: Runtime::NODEJS,
                names: vec!["nodejs-20".to_string(), "nodejs-020".to_string()],
            }
        );
        assert!(
            error
                .to_string()
                .contains(" lists the same major version twice (nodejs-20, nodejs-020). ")
        );
    }

    #[test]
    fn the_nodejs_fixtures_are_valid_catalogues() {
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ubi-nodejs");
        for (file, majors, default) in [
            ("images-ubi8.json", vec![16, 18, 20, 22, 24], 24),
            ("images-ubi9.json", vec![20, 22, 24], 24),
            ("images-ubi10.json", vec![22, 24], 24),
            ("images-ubi9-local-run-images.json", vec![20, 22, 24], 22),
        ] {
            let catalogue = Catalogue::load(&fixtures.join(file), Runtime::NODEJS).unwrap();
            assert_eq!(catalogue.majors(), majors, "{file}");
            assert_eq!(catalogue.require_default(), Ok(default), "{file}");
        }
    }
}
