//! Untrusted input (the app's files, `<platform>/env`, values from a build plan), read in bounded
//! time and memory and quoted in messages without echoing it whole.
//!
//! - [`read_regular_file`]: a regular file only (checked on the opened file, so a FIFO or a
//!   device never blocks the reader), at most a given number of bytes; symbolic links are
//!   followed, as the lifecycle and libcnb follow them.
//! - [`read_app_file`], [`read_app_text`] and [`resolve_in_app`]: the same for a path inside
//!   the app directory, which must still be inside it once every link is resolved.
//! - [`quoted`]: a value quoted for a message, cut after [`QUOTE_LIMIT`] characters;
//!   [`bounded`]: the same, but a short plain value (a number, a JSON fragment) as it is.
//!
//! An extension's errors should quote what the user gave with [`quoted`]: a version string or
//! a setting can be megabytes long or hold control characters.
//!
//! ```
//! use cnb_extension::untrusted::{quoted, read_regular_file};
//!
//! let dir = std::env::temp_dir();
//! // A directory is not a regular file: an error, never a wait or a panic.
//! let error = read_regular_file(&dir, 1024).unwrap_err();
//! assert!(error.to_string().ends_with("is a directory, not a regular file"));
//! assert_eq!(quoted("20\nRUN id"), r#""20\nRUN id""#);
//! ```

pub use untrusted_input::{
    QUOTE_LIMIT, ReadError, ReadErrorKind, bounded, quoted, read_app_file, read_app_text,
    read_regular_file, resolve_in_app,
};

/// Makes a FIFO at `path` (tests: a FIFO where a file is expected must be an error, not a wait).
#[cfg(test)]
pub(crate) fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status();
    assert!(status.unwrap().success(), "mkfifo {}", path.display());
}
