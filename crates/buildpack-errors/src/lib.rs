//! How our libcnb buildpacks show an error, the way Paketo's do: `ERROR: <header>`, then each
//! line of the body (the cause and what to do) indented by two spaces. An error type says what
//! goes in both by implementing [`HeaderAndBody`]; libcnb's own errors (a bad CNB environment,
//! an unwritable file) are shown with libcnb's message.
//!
//! ```
//! use buildpack_errors::{HeaderAndBody, write_error};
//!
//! #[derive(Debug)]
//! struct NoNode;
//!
//! impl HeaderAndBody for NoNode {
//!     fn header(&self) -> String {
//!         "node is not installed".to_string()
//!     }
//!     fn body(&self) -> String {
//!         "It is not on PATH.\nAdd the extension to the builder.".to_string()
//!     }
//! }
//!
//! let mut out = Vec::new();
//! write_error(&mut out, &libcnb::Error::BuildpackError(NoNode)).unwrap();
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "ERROR: node is not installed\n  It is not on PATH.\n  Add the extension to the builder.\n"
//! );
//! ```

use std::fmt::Debug;
use std::io::Write;

/// What an error shows: one line saying what failed, and the body.
pub trait HeaderAndBody {
    /// One line saying what failed.
    fn header(&self) -> String;
    /// The cause and what to do: one or more lines.
    fn body(&self) -> String;
}

/// Writes `error` to `out`: the header line, then the body indented; for libcnb's own errors,
/// libcnb's message.
///
/// # Errors
/// When `out` cannot be written to.
pub fn write_error<E: HeaderAndBody + Debug>(
    out: &mut impl Write,
    error: &libcnb::Error<E>,
) -> std::io::Result<()> {
    match error {
        libcnb::Error::BuildpackError(error) => {
            writeln!(out, "ERROR: {}", error.header())?;
            for line in error.body().lines() {
                writeln!(out, "  {line}")?;
            }
        }
        framework_error => {
            writeln!(out, "ERROR: the buildpack framework failed (libcnb)")?;
            writeln!(out, "  {framework_error}")?;
        }
    }
    Ok(())
}

/// [`write_error`] to stderr (where the lifecycle shows a buildpack's errors); a stderr that
/// cannot be written to leaves nowhere to report anything, so that is ignored.
pub fn print_error<E: HeaderAndBody + Debug>(error: &libcnb::Error<E>) {
    let _ = write_error(&mut std::io::stderr().lock(), error);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Failure;

    impl HeaderAndBody for Failure {
        fn header(&self) -> String {
            "It failed".to_string()
        }
        fn body(&self) -> String {
            "because".to_string()
        }
    }

    #[test]
    fn framework_errors_show_libcnb_s_message() {
        let mut out = Vec::new();
        write_error(
            &mut out,
            &libcnb::Error::<Failure>::CannotDetermineTargetArch(std::env::VarError::NotPresent),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ERROR: the buildpack framework failed (libcnb)\n  Couldn't determine target arch: \
             environment variable not found\n"
        );
    }

    #[test]
    fn buildpack_errors_show_header_and_indented_body() {
        let mut out = Vec::new();
        write_error(&mut out, &libcnb::Error::BuildpackError(Failure)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ERROR: It failed\n  because\n"
        );
    }
}
