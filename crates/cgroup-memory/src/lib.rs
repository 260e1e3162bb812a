//! The container's memory limit, read from the cgroup filesystem with one rule that every exec.d
//! program uses (the Node.js `optimize-memory`, the Java `memory-calculator`):
//!
//! 1. cgroup v2: `<root>/memory.max`; if that file does not exist,
//! 2. cgroup v1: `<root>/memory/memory.limit_in_bytes`; if that does not exist either, there is
//!    no limit.
//!
//! The first file that exists decides (a container sees one cgroup version; v2 is asked first,
//! as it is the current one). Its content, trimmed, is a number of bytes or `max`. The limit is
//! **unlimited** when it is `max` (v2's word), or a number at or above [`V1_UNLIMITED`]: cgroup
//! v1 shows "no limit" as `PAGE_COUNTER_MAX` pages in bytes, that is `i64::MAX` rounded down to
//! the page size: 9223372036854771712 on 4 KiB pages, 9223372036854759424 on 16 KiB pages,
//! 9223372036854710272 on 64 KiB pages (aarch64 and ppc64le kernels); the smallest of these is
//! the threshold. (Older kernels showed `i64::MAX` itself; it is above the threshold too.)
//!
//! A file that exists but cannot be read, or holds anything else, is an [`Error`] naming the
//! file; what to do then is the program's choice.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where the cgroup filesystem is mounted in a container.
pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// cgroup v2: the memory limit of the container's cgroup, relative to the root.
pub const V2_LIMIT: &str = "memory.max";
/// cgroup v1: the memory controller's limit, relative to the root.
pub const V1_LIMIT: &str = "memory/memory.limit_in_bytes";
/// Limits at or above this many bytes mean "no limit": cgroup v1's `PAGE_COUNTER_MAX` in bytes
/// on 64 KiB pages (`i64::MAX` rounded down to 64 KiB), the smallest of its "no limit" values.
pub const V1_UNLIMITED: u64 = i64::MAX.cast_unsigned() & !0xffff;

/// Why the limit could not be known.
#[derive(Debug)]
pub enum Error {
    /// The file exists but cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file holds neither a number of bytes nor `max`.
    Malformed {
        /// The file.
        path: PathBuf,
        /// Its content, trimmed.
        text: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            Self::Malformed { path, text } => write!(
                f,
                "{}: {text:?} is not a memory limit (bytes or \"max\")",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// The container's memory limit in bytes under the cgroup root `root` (`/sys/fs/cgroup`):
/// `None` when unlimited or when neither cgroup file exists.
///
/// # Errors
/// The first file that exists cannot be read or is malformed.
pub fn memory_limit(root: &Path) -> Result<Option<u64>, Error> {
    for file in [V2_LIMIT, V1_LIMIT] {
        let path = root.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return parse_limit(&text).ok_or_else(|| Error::Malformed {
                    path,
                    text: text.trim().to_string(),
                });
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(Error::Unreadable { path, error }),
        }
    }
    Ok(None)
}

/// The content of a cgroup limit file: `Some(None)` when unlimited, `Some(Some(bytes))` for a
/// limit, `None` when it is neither bytes nor `max`.
#[must_use]
pub fn parse_limit(text: &str) -> Option<Option<u64>> {
    let text = text.trim();
    if text == "max" {
        return Some(None);
    }
    let bytes: u64 = text.parse().ok()?;
    Some((bytes < V1_UNLIMITED).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    #[test]
    fn the_threshold_is_the_64k_page_value() {
        assert_eq!(V1_UNLIMITED, 9_223_372_036_854_710_272);
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit("max\n"), Some(None));
        assert_eq!(parse_limit("134217728\n"), Some(Some(134_217_728)));
        assert_eq!(parse_limit("0"), Some(Some(0)));
        for unlimited in [
            "9223372036854771712",
            "9223372036854759424",
            "9223372036854710272",
            "9223372036854775807",
            "18446744073709551615",
        ] {
            assert_eq!(parse_limit(unlimited), Some(None), "{unlimited}");
        }
        assert_eq!(
            parse_limit("9223372036854710271"),
            Some(Some(9_223_372_036_854_710_271))
        );
        for malformed in ["lots", "", "1G", "-1", "max max", "18446744073709551616"] {
            assert_eq!(parse_limit(malformed), None, "{malformed}");
        }
    }

    /// The fixture trees under tests/fixtures: one per cgroup layout.
    #[test]
    fn fixture_trees() {
        let cases: [(&str, Option<u64>); 7] = [
            ("v2-limited", Some(134_217_728)),
            ("v2-max", None),
            ("v1-limited", Some(268_435_456)),
            ("v1-unlimited-4k-pages", None),
            ("v1-unlimited-64k-pages", None),
            ("v2-and-v1", Some(134_217_728)),
            ("v2-max-and-v1-limited", None),
        ];
        for (tree, expected) in cases {
            assert_eq!(memory_limit(&fixture(tree)).unwrap(), expected, "{tree}");
        }
        assert_eq!(memory_limit(&fixture("none")).unwrap(), None);
    }

    #[test]
    fn errors_name_the_file() {
        let error = memory_limit(&fixture("v2-malformed")).unwrap_err();
        let path = fixture("v2-malformed").join("memory.max");
        assert!(matches!(&error, Error::Malformed { text, .. } if text == "garbage"));
        assert_eq!(
            error.to_string(),
            format!(
                "{}: \"garbage\" is not a memory limit (bytes or \"max\")",
                path.display()
            )
        );
        // A directory where the file should be: it exists, but cannot be read.
        let dir = std::env::temp_dir().join(format!("cgroup-memory-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("memory.max")).unwrap();
        let error = memory_limit(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(error, Error::Unreadable { .. }), "{error}");
        assert!(error.to_string().starts_with("cannot read "), "{error}");
    }
}
