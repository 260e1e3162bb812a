//! Minimal reading of module descriptors (`extension.toml`, `buildpack.toml`).
//!
//! Only what packaging needs is read: the kind of module (from the file name), its id and its
//! version. Unknown fields are ignored; the lifecycle validates the rest.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use untrusted_input::{ReadError, ReadErrorKind, read_regular_file};

/// The largest descriptor read: 4 MiB, the limit of the extension toolkit, which reads
/// `extension.toml` again at build time (a descriptor is a few KiB).
pub const MAX_DESCRIPTOR_SIZE: u64 = 4 << 20;

/// Ids the CNB specification reserves (they name directories of the layers dir).
const RESERVED_IDS: [&str; 4] = ["app", "config", "generated", "sbom"];

/// The two kinds of CNB module this workspace builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModuleKind {
    /// An image extension: `extension.toml`, `bin/detect` and `bin/generate`.
    Extension,
    /// A component buildpack: `buildpack.toml`, `bin/detect` and `bin/build`.
    Buildpack,
}

impl ModuleKind {
    /// Both kinds, in the order descriptors are looked for.
    pub const ALL: [Self; 2] = [Self::Extension, Self::Buildpack];

    /// The descriptor's file name: `extension.toml` or `buildpack.toml`.
    #[must_use]
    pub fn descriptor_file_name(self) -> &'static str {
        match self {
            Self::Extension => "extension.toml",
            Self::Buildpack => "buildpack.toml",
        }
    }

    /// The executable that does the module's work; `bin/detect` is a symlink to it.
    #[must_use]
    pub fn main_executable_name(self) -> &'static str {
        match self {
            Self::Extension => "generate",
            Self::Buildpack => "build",
        }
    }
}

impl fmt::Display for ModuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Extension => "extension",
            Self::Buildpack => "buildpack",
        })
    }
}

/// What packaging needs from a module descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDescriptor {
    pub kind: ModuleKind,
    /// The descriptor file that was read.
    pub path: PathBuf,
    /// The module id, validated by [`validate_id`].
    pub id: String,
    /// The module version, validated by [`validate_version`].
    pub version: String,
}

impl ModuleDescriptor {
    /// The id with `/` replaced by `_`: the module's folder name in packaged output.
    #[must_use]
    pub fn escaped_id(&self) -> String {
        self.id.replace('/', "_")
    }
}

/// A descriptor that is missing, ambiguous, unreadable or invalid. Every message names the file.
#[derive(Debug)]
pub enum DescriptorError {
    /// The directory holds neither `extension.toml` nor `buildpack.toml`.
    Missing {
        dir: PathBuf,
    },
    /// The directory holds both descriptors.
    Ambiguous {
        dir: PathBuf,
    },
    /// The file cannot be read: not a regular file, larger than [`MAX_DESCRIPTOR_SIZE`],
    /// not UTF-8, or an I/O error (the message names the file).
    Read(ReadError),
    /// The file is not valid TOML, or lacks the `[extension]`/`[buildpack]` `id` or `version`.
    Parse {
        path: PathBuf,
        /// The TOML error's message, on one line.
        message: String,
        /// 1-based line of the error, when known.
        line: Option<usize>,
    },
    InvalidId {
        path: PathBuf,
        id: String,
        reason: IdError,
    },
    InvalidVersion {
        path: PathBuf,
        version: String,
    },
}

impl fmt::Display for DescriptorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { dir } => write!(
                f,
                "no extension.toml or buildpack.toml in {}: a module needs exactly one descriptor next to its Cargo.toml",
                dir.display()
            ),
            Self::Ambiguous { dir } => write!(
                f,
                "both extension.toml and buildpack.toml in {}: a module is either an extension or a buildpack, remove one",
                dir.display()
            ),
            Self::Read(error) => write!(f, "{error}"),
            Self::Parse {
                path,
                message,
                line,
            } => {
                write!(f, "invalid {}", path.display())?;
                if let Some(line) = line {
                    write!(f, " (line {line})")?;
                }
                write!(f, ": {message}")
            }
            Self::InvalidId { path, id, reason } => {
                write!(f, "invalid id {id:?} in {}: {reason}", path.display())
            }
            Self::InvalidVersion { path, version } => write!(
                f,
                "invalid version {version:?} in {}: expected MAJOR.MINOR.PATCH such as \"1.2.3\" (digits only, no leading zeros)",
                path.display()
            ),
        }
    }
}

// Display already includes every cause, so `source` stays `None` (no repetition in `{:#}`).
impl std::error::Error for DescriptorError {}

/// Why a module id is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Empty,
    InvalidCharacter(char),
    Reserved,
    /// A `/`-separated part that is empty, `.` or `..` (`..`, `../../x`, `/x`, `a//b`): a
    /// module's directory is `/cnb/<kind>/<id>`, where these name another directory to whatever
    /// does not escape the id.
    Dots,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("an id cannot be empty"),
            Self::InvalidCharacter(character) => write!(
                f,
                "{character:?} is not allowed (ids may contain only ASCII letters, digits, '.', '/' and '-')"
            ),
            Self::Reserved => write!(
                f,
                "this id is reserved by the CNB specification ({} cannot be used)",
                RESERVED_IDS.join(", ")
            ),
            Self::Dots => f.write_str(
                "an id's parts between '/' may not be empty, \".\" or \"..\" (a module's directory is /cnb/<buildpacks|extensions>/<id>)",
            ),
        }
    }
}

impl std::error::Error for IdError {}

/// Checks a module id: ASCII letters, digits, `.`, `/` and `-` only, and not a reserved name.
///
/// # Errors
/// The reason the id is invalid.
pub fn validate_id(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if let Some(character) = id
        .chars()
        .find(|&character| !(character.is_ascii_alphanumeric() || ".-/".contains(character)))
    {
        return Err(IdError::InvalidCharacter(character));
    }
    if RESERVED_IDS.contains(&id) {
        return Err(IdError::Reserved);
    }
    if id
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err(IdError::Dots);
    }
    Ok(())
}

/// The longest module version read from an image's labels: 128 bytes (a tag's length).
pub const MAX_LABEL_VERSION_LENGTH: usize = 128;

/// Checks a module version read from an image's labels (or a buildpackage's), where pack
/// accepts any string and the module's directory is `/cnb/<kind>/<id>/<version>`: at most
/// [`MAX_LABEL_VERSION_LENGTH`] bytes of ASCII letters, digits, `.`, `-`, `+` and `_` (semantic
/// with pre-release and build parts, as versions are written), and neither `.` nor `..`. A
/// descriptor's own version is stricter ([`is_valid_version`]).
///
/// # Errors
/// Why the version is refused.
pub fn validate_label_version(version: &str) -> Result<(), String> {
    if version.is_empty() {
        return Err("a version cannot be empty".to_string());
    }
    if version.len() > MAX_LABEL_VERSION_LENGTH {
        return Err(format!(
            "longer than {MAX_LABEL_VERSION_LENGTH} bytes ({} bytes)",
            version.len()
        ));
    }
    if let Some(character) = version
        .chars()
        .find(|&character| !(character.is_ascii_alphanumeric() || ".-+_".contains(character)))
    {
        return Err(format!(
            "{character:?} is not allowed (versions may contain only ASCII letters, digits, '.', '-', '+' and '_')"
        ));
    }
    if version == "." || version == ".." {
        return Err(
            "\".\" and \"..\" name directories, not versions (a module's directory is /cnb/<buildpacks|extensions>/<id>/<version>)"
                .to_string(),
        );
    }
    Ok(())
}

/// True for a `MAJOR.MINOR.PATCH` version of decimal numbers without leading zeros.
#[must_use]
pub fn is_valid_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|part| {
            !part.is_empty()
                && part.bytes().all(|byte| byte.is_ascii_digit())
                && (*part == "0" || !part.starts_with('0'))
        })
}

/// Finds the module's descriptor in `module_dir` and reads it.
///
/// # Errors
/// [`DescriptorError::Missing`] or [`DescriptorError::Ambiguous`] if the directory does not hold
/// exactly one descriptor, and the errors of [`read_descriptor`].
pub fn find_descriptor(module_dir: &Path) -> Result<ModuleDescriptor, DescriptorError> {
    find_descriptor_text(module_dir).map(|(descriptor, _)| descriptor)
}

/// [`find_descriptor`], and the descriptor's text (read once), for readers of its other fields.
///
/// # Errors
/// As [`find_descriptor`].
pub fn find_descriptor_text(
    module_dir: &Path,
) -> Result<(ModuleDescriptor, String), DescriptorError> {
    let present: Vec<ModuleKind> = ModuleKind::ALL
        .into_iter()
        .filter(|kind| module_dir.join(kind.descriptor_file_name()).is_file())
        .collect();
    match present.as_slice() {
        [] => Err(DescriptorError::Missing {
            dir: module_dir.to_path_buf(),
        }),
        [kind] => read_descriptor_text(&module_dir.join(kind.descriptor_file_name()), *kind),
        _ => Err(DescriptorError::Ambiguous {
            dir: module_dir.to_path_buf(),
        }),
    }
}

/// Reads the id and version of the descriptor at `path` and validates them.
///
/// # Errors
/// A [`DescriptorError`] naming `path` if the file cannot be read or parsed, or its id or
/// version is invalid.
pub fn read_descriptor(path: &Path, kind: ModuleKind) -> Result<ModuleDescriptor, DescriptorError> {
    read_descriptor_text(path, kind).map(|(descriptor, _)| descriptor)
}

fn read_descriptor_text(
    path: &Path,
    kind: ModuleKind,
) -> Result<(ModuleDescriptor, String), DescriptorError> {
    let text = read_text(path, MAX_DESCRIPTOR_SIZE).map_err(DescriptorError::Read)?;
    let header = parse_header(&text, kind).map_err(|error| DescriptorError::Parse {
        path: path.to_path_buf(),
        message: crate::toml_message(&error),
        line: error.span().map(|span| line_of(&text, span.start)),
    })?;
    validate_id(&header.id).map_err(|reason| DescriptorError::InvalidId {
        path: path.to_path_buf(),
        id: header.id.clone(),
        reason,
    })?;
    if !is_valid_version(&header.version) {
        return Err(DescriptorError::InvalidVersion {
            path: path.to_path_buf(),
            version: header.version,
        });
    }
    let descriptor = ModuleDescriptor {
        kind,
        path: path.to_path_buf(),
        id: header.id,
        version: header.version,
    };
    Ok((descriptor, text))
}

#[derive(Deserialize)]
struct ExtensionFile {
    extension: Header,
}

#[derive(Deserialize)]
struct BuildpackFile {
    buildpack: Header,
}

#[derive(Deserialize)]
struct Header {
    id: String,
    version: String,
}

/// The text of the regular file `path`, at most `limit` bytes, read as untrusted input: a FIFO
/// or a device is an error, not a wait; a missing file and bytes that are not UTF-8 are errors.
///
/// # Errors
/// A [`ReadError`] naming `path`.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let io_error = |error: std::io::Error| ReadError {
        path: path.to_path_buf(),
        kind: ReadErrorKind::Io(error),
    };
    let bytes = read_regular_file(path, limit)?
        .ok_or_else(|| io_error(std::io::ErrorKind::NotFound.into()))?;
    String::from_utf8(bytes).map_err(|_| {
        io_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text",
        ))
    })
}

fn parse_header(text: &str, kind: ModuleKind) -> Result<Header, toml::de::Error> {
    match kind {
        ModuleKind::Extension => toml::from_str::<ExtensionFile>(text).map(|file| file.extension),
        ModuleKind::Buildpack => toml::from_str::<BuildpackFile>(text).map(|file| file.buildpack),
    }
}

fn line_of(text: &str, byte_offset: usize) -> usize {
    text.get(..byte_offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for id in [
            "examples/curl-buildpack",
            "a",
            "paketo-buildpacks/node.js",
            "A1/b-2.c",
        ] {
            assert_eq!(validate_id(id), Ok(()), "{id}");
        }
        assert_eq!(validate_id(""), Err(IdError::Empty));
        assert_eq!(validate_id("my id"), Err(IdError::InvalidCharacter(' ')));
        assert_eq!(validate_id("a_b"), Err(IdError::InvalidCharacter('_')));
        assert_eq!(validate_id("é"), Err(IdError::InvalidCharacter('é')));
        for id in RESERVED_IDS {
            assert_eq!(validate_id(id), Err(IdError::Reserved), "{id}");
        }
        assert_eq!(validate_id("apps"), Ok(()));
        // Before: `.`, `..` and `../../x` passed (only characters were checked), and a local
        // module `..` went to /cnb/buildpacks/.. in a builder.
        for id in [".", "..", "../../x", "/x", "x/", "a//b", "a/./b", "a/.."] {
            assert_eq!(validate_id(id), Err(IdError::Dots), "{id}");
        }
        assert_eq!(validate_id("a.b/c..d/..."), Ok(()));
    }

    #[test]
    fn label_versions() {
        for version in [
            "1.2.3",
            "22.2.0",
            "1.0.0-rc.1+build_5",
            "0.0.1-SNAPSHOT",
            "...",
        ] {
            assert_eq!(validate_label_version(version), Ok(()), "{version}");
        }
        for version in [
            "",
            ".",
            "..",
            "../../x",
            "/",
            "1.0.0/..",
            "1.0\n",
            "1\u{1b}[2J",
            "1\u{7}",
            "1 0",
            "é",
        ] {
            assert!(validate_label_version(version).is_err(), "{version:?}");
        }
        assert!(validate_label_version(&"1".repeat(128)).is_ok());
        assert!(validate_label_version(&"1".repeat(129)).is_err());
    }

    #[test]
    fn versions() {
        for version in ["0.0.0", "0.1.0", "1.2.3", "10.200.3000"] {
            assert!(is_valid_version(version), "{version}");
        }
        for version in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.03",
            "1.2.3-rc1",
            "v1.2.3",
            "1..3",
            "1.2.",
            " 1.2.3",
            "1.+2.3",
        ] {
            assert!(!is_valid_version(version), "{version:?}");
        }
    }

    /// A module directory holding the descriptor `file` with `text`, and the descriptor's path.
    fn module_dir(file: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_a_buildpack_descriptor_ignoring_unknown_fields() {
        let (dir, path) = module_dir(
            "buildpack.toml",
            "api = \"0.10\"\n[buildpack]\nid = \"a/b\"\nversion = \"1.0.0\"\nname = \"B\"\n[[targets]]\nos = \"linux\"\n",
        );
        let descriptor = find_descriptor(dir.path()).unwrap();
        assert_eq!(descriptor.kind, ModuleKind::Buildpack);
        assert_eq!(descriptor.id, "a/b");
        assert_eq!(descriptor.version, "1.0.0");
        assert_eq!(descriptor.escaped_id(), "a_b");
        assert_eq!(descriptor.path, path);
    }

    #[test]
    fn parse_errors_name_the_file_and_line() {
        let (dir, path) = module_dir(
            "extension.toml",
            "api = \"0.10\"\n[extension]\nid = \"a/b\"\n",
        );
        let message = find_descriptor(dir.path()).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("invalid {}", path.display())),
            "{message}"
        );
        assert!(message.contains("version"), "{message}");
        assert!(!message.contains('\n'), "{message}");

        std::fs::write(&path, "api = \"0.10\"\n[extension\n").unwrap();
        let message = find_descriptor(dir.path()).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("invalid {} (line 2): ", path.display())),
            "{message}"
        );
    }

    #[test]
    fn descriptors_are_read_bounded() {
        let header = "[buildpack]\nid = \"a\"\nversion = \"1.0.0\"\n";
        let padding = usize::try_from(MAX_DESCRIPTOR_SIZE).unwrap() + 1 - header.len();
        let (_dir, path) = module_dir(
            "buildpack.toml",
            &format!("{header}{}", "#".repeat(padding)),
        );
        assert_eq!(
            read_descriptor(&path, ModuleKind::Buildpack)
                .unwrap_err()
                .to_string(),
            format!(
                "{} is larger than 4194304 bytes, the most read from it",
                path.display()
            )
        );
        std::fs::write(&path, header).unwrap();
        assert!(read_descriptor(&path, ModuleKind::Buildpack).is_ok());
    }

    #[test]
    fn missing_and_ambiguous_descriptors() {
        let dir = tempfile::tempdir().unwrap();
        let message = find_descriptor(dir.path()).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "no extension.toml or buildpack.toml in {}: a module needs exactly one descriptor next to its Cargo.toml",
                dir.path().display()
            )
        );
        std::fs::write(dir.path().join("extension.toml"), "").unwrap();
        std::fs::write(dir.path().join("buildpack.toml"), "").unwrap();
        assert!(matches!(
            find_descriptor(dir.path()),
            Err(DescriptorError::Ambiguous { .. })
        ));
    }
}
